# greenshift_set_warnings(target): the project's warning flags, per target.
function(greenshift_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                         -Woverloaded-virtual -Wdouble-promotion
                         -Wformat=2 -Wimplicit-fallthrough)
endfunction()

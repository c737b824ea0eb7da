// The text of CSV cells greenshift writes (export, summary --csv): fields quoted only
// when they must be, numbers as the shortest text that reads back to the same double.
#pragma once

#include <string>

namespace greenshift {

// `s` as one CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
// break, with quotes doubled.
std::string csv_field(const std::string& s);

// The shortest decimal text that parses back to exactly `x` (std::to_chars): 27.28,
// not 27.280000000000001. NaN is an empty field (pandas reads NaN, Excel a blank);
// infinities are "inf" and "-inf", as pandas reads them.
std::string csv_number(double x);

}  // namespace greenshift

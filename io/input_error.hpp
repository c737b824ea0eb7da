// The one exception type for bad input: it carries where the problem is (file, and
// line:column when known, both 1-based) so that `main` prints `file:line:col: message`.
#pragma once

#include <stdexcept>
#include <string>

namespace greenshift {

class InputError : public std::runtime_error {
public:
    InputError(std::string file, int line, int column, const std::string& message)
        : std::runtime_error(format(file, line, column, message)),
          file_(std::move(file)), line_(line), column_(column), message_(message) {}

    const std::string& file() const { return file_; }
    int line() const { return line_; }      // 0 when unknown
    int column() const { return column_; }  // 0 when unknown
    const std::string& message() const { return message_; }

private:
    static std::string format(const std::string& file, int line, int column,
                              const std::string& message) {
        std::string out = file;
        if (line > 0) {
            out.append(":").append(std::to_string(line));
            if (column > 0) out.append(":").append(std::to_string(column));
        }
        if (out.empty()) return message;
        out.append(": ").append(message);
        return out;
    }
    std::string file_;
    int line_;
    int column_;
    std::string message_;
};

// A file we could not write, or a destination we refuse to overwrite.
class OutputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace greenshift

// The one exception type for bad input: it carries where the problem is (file, and
// line:column when known, both 1-based, or the change to the file that caused it) so
// that `main` prints `file:line:col: message`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace greenshift {

// The change, among those a loader applies on top of a file, that an error comes
// from: the index-th `--set`/`--unset` text or the index-th scale of LoadOptions
// (io/scenario_loader.hpp), and whether its key path or its value is at fault. The
// batch loader uses it to point at the line of the batch file that asked for the change.
struct InputChange {
    enum class Kind : std::uint8_t { none, override_text, scale };
    enum class Part : std::uint8_t { key_path, value };
    Kind kind = Kind::none;
    std::size_t index = 0;
    Part part = Part::value;
};

class InputError : public std::runtime_error {
public:
    InputError(std::string file, int line, int column, const std::string& message)
        : std::runtime_error(format(file, line, column, message)),
          file_(std::move(file)), line_(line), column_(column), message_(message), detail_(message) {}

    // An error in a change: `file: <label>: <detail>`, where the label names the
    // change as the user gave it ("--set run.seed=x", "scale electricity.price by 2").
    InputError(std::string file, InputChange change, const std::string& label, const std::string& detail)
        : InputError(std::move(file), 0, 0, label + ": " + detail) {
        change_ = change;
        detail_ = detail;
    }

    const std::string& file() const { return file_; }
    int line() const { return line_; }      // 0 when unknown
    int column() const { return column_; }  // 0 when unknown
    const std::string& message() const { return message_; }
    const InputChange& change() const { return change_; }  // kind none: the file itself
    const std::string& detail() const { return detail_; }  // the message without the change's label

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
    InputChange change_;
    std::string detail_;
};

// A file we could not write, or a destination we refuse to overwrite.
class OutputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace greenshift

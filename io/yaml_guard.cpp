#include "io/yaml_guard.hpp"

#include <algorithm>

#include "io/input_error.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>

namespace greenshift::yaml {

const Node* Node::find(std::string_view key) const {
    for (const auto& e : entries)
        if (e.key == key) return &e.value;
    return nullptr;
}

Node* Node::find(std::string_view key) {
    for (auto& e : entries)
        if (e.key == key) return &e.value;
    return nullptr;
}

void raise(const Source& source, int line, int column, const std::string& message, InputChange::Part part) {
    if (source.change.kind == InputChange::Kind::none) throw InputError(source.file, line, column, message);
    InputChange change = source.change;
    change.part = part;
    throw InputError(source.file, change, source.label, message);
}

std::string read_yaml_file(const std::string& path, const std::string& display_name, const DocumentKind& kind) {
    namespace fs = std::filesystem;
    const Source src{display_name, {}, {}};
    const std::string name(kind.name);
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        raise(src, 0, 0, "cannot read the " + name + " file: " + (ec ? ec.message() : "no such file"));
    if (fs::is_directory(status))
        raise(src, 0, 0, "is a directory; expected a " + name + " YAML file");
    // Opening a pipe blocks until a writer appears, possibly forever: refuse it.
    if (fs::is_fifo(status) || fs::is_socket(status))
        raise(src, 0, 0, "is a pipe or a socket; give a regular YAML file (greenshift would wait on it forever)");
    // Size first, so that a wrong path to a multi-gigabyte file is refused before
    // a single byte is read.
    const auto size = fs::file_size(path, ec);
    if (!ec && size > kMaxFileBytes)
        raise(src, 0, 0,
              "file is " + std::to_string(size) + " bytes, larger than the " +
                  std::to_string(kMaxFileBytes >> 20) + " MiB a " + name + " may be; is this the right file?");
    std::ifstream in(path, std::ios::binary);
    if (!in) raise(src, 0, 0, "cannot open the " + name + " file for reading");
    std::string text;
    // Read at most one byte past the limit: the file may have grown since stat.
    text.resize(static_cast<std::size_t>(kMaxFileBytes) + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) raise(src, 0, 0, "error while reading the " + name + " file");
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes)
        raise(src, 0, 0,
              "file is larger than the " + std::to_string(kMaxFileBytes >> 20) + " MiB a " + name +
                  " may be; is this the right file?");
    return text;
}

namespace {

std::string hex_byte(unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(c));
    return buf;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF) n = 3;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else return 0;
    if (i + n > s.size()) return 0;
    if (b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
    return n;
}

// Bytes that never belong in a YAML text file: reported at the first offence.
void check_bytes(std::string_view text, const Source& src) {
    int line = 1, column = 1;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\0')
            raise(src, line, column,
                  "NUL byte in the file; this looks like a binary file, not YAML text");
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
                raise(src, line, column,
                      "control character " + hex_byte(c) +
                          " in the file; this looks like a binary file, not YAML text");
            if (c == '\n') ++line, column = 0;
            ++i, ++column;
            continue;
        }
        const std::size_t n = utf8_length(text, i);
        if (n == 0) {
            std::string hint = "; save the file as UTF-8";
            if (i == 0 && (c == 0xFF || c == 0xFE)) hint = "; the file looks like UTF-16: save it as UTF-8";
            raise(src, line, column, "invalid UTF-8 (byte " + hex_byte(c) + ")" + hint);
        }
        // Columns count bytes, as yaml-cpp's marks do, so that both agree.
        i += n;
        column += static_cast<int>(n);
    }
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

// `|`, `>`, `|-`, `>+2`...: the header of a block scalar, whose content lines follow.
bool is_block_scalar_header(std::string_view token) {
    if (token.empty() || token.size() > 3 || (token[0] != '|' && token[0] != '>')) return false;
    for (char c : token.substr(1))
        if (c != '+' && c != '-' && (c < '1' || c > '9')) return false;
    return true;
}

// A line-by-line look at the raw text, before the parser runs: refuses tabs used for
// indentation (the parser's own message is obscure), and flow nesting ([[[[…) deeper
// than kMaxDepth. The second is a guard for the parser itself: on a long run of
// unclosed brackets yaml-cpp's scanner reads ahead through the whole input, which
// for a 16 MiB file costs gigabytes before the first event reaches us. The scan is a
// cheap approximation of YAML lexing (quotes, comments, block scalars); the exact
// depth check happens again on the parser's events.
void check_lines(std::string_view text, const Source& src) {
    int depth = 0;
    char quote = 0;        // an open quoted scalar may span lines
    int block_indent = -1;  // inside a block scalar's content: indent of its header line
    int line = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view l = text.substr(pos, end - pos);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        pos = end + 1;
        ++line;

        const std::size_t first = l.find_first_not_of(" \t");
        const bool blank = first == std::string_view::npos;
        int indent = 0;
        while (static_cast<std::size_t>(indent) < l.size() && l[static_cast<std::size_t>(indent)] == ' ')
            ++indent;
        if (block_indent >= 0) {
            if (blank || indent > block_indent) continue;
            block_indent = -1;
        }
        if (quote == 0 && !blank && l[first] != '#') {
            const std::size_t tab = l.find('\t');
            if (tab < first)
                raise(src, line, static_cast<int>(tab) + 1,
                      "tab character used for indentation; YAML indents with spaces only "
                      "(replace the tab with spaces)");
        }

        char prev = '\n';  // last significant character on this line
        std::size_t token_start = 0, token_end = 0;
        for (std::size_t i = 0; i < l.size(); ++i) {
            const char c = l[i];
            if (quote == '"') {
                if (c == '\\') ++i;
                else if (c == '"') quote = 0, prev = c;
                continue;
            }
            if (quote == '\'') {
                if (c == '\'') quote = 0, prev = c;
                continue;
            }
            if (is_space(c)) continue;
            const bool after_space = i == 0 || is_space(l[i - 1]);
            if (c == '#' && after_space) break;
            if (after_space) token_start = i;
            token_end = i + 1;
            const bool node_start =
                depth > 0 ? (after_space || std::string_view("[{,:").find(l[i - 1]) != std::string_view::npos)
                          : (after_space && std::string_view("\n:,-?").find(prev) != std::string_view::npos);
            if ((c == '"' || c == '\'') && node_start) {
                quote = c;
            } else if ((c == '[' || c == '{') && (depth > 0 || node_start)) {
                if (++depth > kMaxDepth)
                    raise(src, line, static_cast<int>(i) + 1,
                          "nesting deeper than " + std::to_string(kMaxDepth) +
                              " levels; a scenario needs only a few");
            } else if ((c == ']' || c == '}') && depth > 0) {
                --depth;
            }
            prev = c;
        }
        if (quote == 0 && depth == 0 && token_end > token_start &&
            is_block_scalar_header(l.substr(token_start, token_end - token_start)))
            block_indent = indent;
    }
}

// Builds the tree from the parser's events, refusing what a scenario never needs and
// what makes yaml-cpp unsafe (aliases) or silently wrong (duplicate keys: it keeps
// the first).
class TreeBuilder final : public YAML::EventHandler {
public:
    TreeBuilder(const Source& src, int source) : src_(src), source_(source) {}

    std::optional<Node> root;
    int documents = 0;

    void OnDocumentStart(const YAML::Mark& mark) override {
        if (++documents > 1)
            fail(mark, "a second YAML document ('---'); a scenario file holds exactly one");
    }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        check_anchor(mark, anchor);
        add(make(Node::Kind::null, mark));
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        fail(mark, "aliases (*name) are not allowed in a scenario; write the value out");
    }
    void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
        fail(mark, "anchors (&" + name +
                       ") and aliases are not allowed in a scenario; write the value out");
    }
    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        check_anchor(mark, anchor);
        check_tag(mark, tag);
        Node n = make(Node::Kind::scalar, mark);
        n.text = value;
        n.quoted = tag == "!";
        add(std::move(n));
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(mark, tag, anchor, Node::Kind::sequence);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(mark, tag, anchor, Node::Kind::map);
    }
    void OnMapEnd() override { close(); }

private:
    struct Frame {
        Node node;
        bool have_key = false;
        Entry pending;
        std::unordered_map<std::string, std::pair<int, int>> seen;  // key -> line, column
    };

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const {
        raise(src_, mark.line + 1, mark.column + 1, message);
    }
    void check_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) const {
        if (anchor != YAML::NullAnchor)
            fail(mark, "anchors (&name) and aliases are not allowed in a scenario; write the value out");
    }
    void check_tag(const YAML::Mark& mark, const std::string& tag) const {
        if (tag != "?" && tag != "!")
            fail(mark, "explicit tags (" + tag + ") are not used in a scenario; remove the tag");
    }
    Node make(Node::Kind kind, const YAML::Mark& mark) {
        // A bound on the tree's memory: without it a 16 MiB list of numbers costs
        // half a gigabyte before any schema check could refuse it.
        if (++nodes_ > kMaxNodes)
            fail(mark, "more than " + std::to_string(kMaxNodes) +
                           " values in the file; a scenario is far smaller");
        Node n;
        n.kind = kind;
        n.source = source_;
        n.line = mark.line + 1;
        n.column = mark.column + 1;
        return n;
    }
    void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, Node::Kind kind) {
        check_anchor(mark, anchor);
        check_tag(mark, tag);
        if (static_cast<int>(stack_.size()) >= kMaxDepth)
            fail(mark, "nesting deeper than " + std::to_string(kMaxDepth) +
                           " levels; a scenario needs only a few");
        stack_.push_back(Frame{make(kind, mark), false, {}, {}});
    }
    void close() {
        Frame f = std::move(stack_.back());
        stack_.pop_back();
        add(std::move(f.node));
    }
    void add(Node n) {
        if (stack_.empty()) {
            root = std::move(n);
            return;
        }
        Frame& f = stack_.back();
        if (f.node.kind == Node::Kind::sequence) {
            f.node.items.push_back(std::move(n));
            return;
        }
        if (!f.have_key) {
            if (n.kind != Node::Kind::scalar)
                raise(src_, n.line, n.column,
                      "a map key must be a plain name, got " + describe(n));
            const auto [it, fresh] = f.seen.try_emplace(n.text, n.line, n.column);
            if (!fresh)
                raise(src_, n.line, n.column,
                      "duplicate key '" + n.text + "' (first at line " + std::to_string(it->second.first) +
                          ", column " + std::to_string(it->second.second) +
                          "); each key may appear once in a map");
            f.pending = Entry{std::move(n.text), n.line, n.column, {}};
            f.have_key = true;
            return;
        }
        f.pending.value = std::move(n);
        f.node.entries.push_back(std::move(f.pending));
        f.have_key = false;
    }

    const Source& src_;
    int source_;
    std::size_t nodes_ = 0;
    std::vector<Frame> stack_;
};

std::optional<Node> parse(std::string_view text, const Source& src, int source) {
    check_bytes(text, src);
    check_lines(text, src);
    std::istringstream in{std::string(text)};
    TreeBuilder builder(src, source);
    try {
        YAML::Parser parser(in);
        // Asking for the next document after the first is what reports a second one.
        while (parser.HandleNextDocument(builder)) {}
    } catch (const YAML::Exception& e) {
        // Includes yaml-cpp's own recursion guard, which the depth checks above keep
        // out of reach; its message and mark are passed on, never replaced.
        const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
        const int column = e.mark.is_null() ? 0 : e.mark.column + 1;
        raise(src, line, column, "YAML syntax error: " + e.msg);
    }
    return std::move(builder.root);
}

}  // namespace

std::string describe(const Node& n) {
    switch (n.kind) {
    case Node::Kind::null: return "an empty value";
    case Node::Kind::scalar:
        return n.text.size() <= 60 ? "'" + n.text + "'" : "'" + n.text.substr(0, 57) + "...'";
    case Node::Kind::sequence: return "a list";
    case Node::Kind::map: return "a map";
    }
    return "?";
}

Node parse_document(std::string_view text, const std::vector<Source>& sources, int source, const DocumentKind& kind) {
    const Source& src = sources.at(static_cast<std::size_t>(source));
    const std::string name(kind.name), needs(kind.needs);
    if (text.empty()) raise(src, 0, 0, "the file is empty; a " + name + " needs at least " + needs);
    if (text.size() > kMaxFileBytes)
        raise(src, 0, 0, "text is larger than the " + std::to_string(kMaxFileBytes >> 20) + " MiB a " + name + " may be");
    std::optional<Node> root = parse(text, src, source);
    if (!root)
        raise(src, 0, 0, "the file holds no YAML content (only blank lines or comments)");
    if (root->kind == Node::Kind::null)
        raise(src, root->line, root->column, "the document is empty; a " + name + " needs at least " + needs);
    if (root->kind != Node::Kind::map)
        raise(src, root->line, root->column,
              "the top level must be a map of " + name + " keys (" + std::string(kind.top_keys) + "), got " +
                  describe(*root));
    return std::move(*root);
}

Node parse_value(std::string_view text, const std::vector<Source>& sources, int source) {
    const Source& src = sources.at(static_cast<std::size_t>(source));
    std::optional<Node> root = parse(text, src, source);
    if (!root) {
        Node n;
        n.source = source;
        return n;
    }
    return std::move(*root);
}

namespace {
// Levenshtein distance, one row at a time.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}
}  // namespace

std::optional<std::string> closest(std::string_view key, const std::vector<std::string>& candidates) {
    std::optional<std::string> best;
    std::size_t best_d = std::max<std::size_t>(2, key.size() / 3) + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(key, c);
        if (d < best_d) best_d = d, best = c;
    }
    return best;
}

}  // namespace greenshift::yaml

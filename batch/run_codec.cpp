#include "batch/run_codec.hpp"

#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace greenshift {

namespace {

// A field added to these types must be added to encode_run and decode_run too; on
// x86-64 with libstdc++ their sizes say when that happens.
static_assert(sizeof(void*) != 8 || sizeof(std::string) != 32 || sizeof(Coordinates) == 9 * 24 + 32,
              "Coordinates changed: update encode_run/decode_run");
static_assert(sizeof(void*) != 8 || sizeof(std::string) != 32 || sizeof(Variable) == 4 * 32 + 24 + 8 + 2 * 24,
              "Variable changed: update encode_run/decode_run");
static_assert(sizeof(void*) != 8 || sizeof(std::string) != 32 || sizeof(RunResult) == sizeof(Coordinates) + 24 + 16,
              "RunResult changed: update encode_run/decode_run");

constexpr std::uint32_t kMagic = 0x47535252;  // "GSRR"
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kByteOrder = 0x01020304;

class Writer {
public:
    explicit Writer(std::vector<std::byte>& out) : out_(out) {}
    template <class T>
    void pod(T v) {
        static_assert(std::is_trivially_copyable_v<T>);
        const auto* p = reinterpret_cast<const std::byte*>(&v);
        out_.insert(out_.end(), p, p + sizeof v);
    }
    void text(const std::string& s) {
        pod<std::uint64_t>(s.size());
        const auto* p = reinterpret_cast<const std::byte*>(s.data());
        out_.insert(out_.end(), p, p + s.size());
    }
    template <class T>
    void array(const std::vector<T>& v) {
        pod<std::uint64_t>(v.size());
        const auto* p = reinterpret_cast<const std::byte*>(v.data());
        out_.insert(out_.end(), p, p + v.size() * sizeof(T));
    }
    void texts(const std::vector<std::string>& v) {
        pod<std::uint64_t>(v.size());
        for (const std::string& s : v) text(s);
    }

private:
    std::vector<std::byte>& out_;
};

class Reader {
public:
    Reader(const std::byte* data, std::size_t size) : p_(data), end_(data + size) {}
    template <class T>
    T pod() {
        T v;
        take(&v, sizeof v);
        return v;
    }
    std::string text() {
        const std::uint64_t n = length(1);
        std::string s(n, '\0');
        take(s.data(), n);
        return s;
    }
    template <class T>
    std::vector<T> array() {
        const std::uint64_t n = length(sizeof(T));
        std::vector<T> v(n);
        take(v.data(), n * sizeof(T));
        return v;
    }
    std::vector<std::string> texts() {
        const std::uint64_t n = length(sizeof(std::uint64_t));
        std::vector<std::string> v;
        v.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i) v.push_back(text());
        return v;
    }
    bool at_end() const { return p_ == end_; }

private:
    // A count of elements of `bytes` each that must fit in what is left.
    std::uint64_t length(std::size_t bytes) {
        const auto n = pod<std::uint64_t>();
        if (n > static_cast<std::uint64_t>(end_ - p_) / bytes) throw std::runtime_error("run record: length past its end");
        return n;
    }
    void take(void* to, std::size_t n) {
        if (n > static_cast<std::size_t>(end_ - p_)) throw std::runtime_error("run record: truncated");
        if (n != 0) std::memcpy(to, p_, n);
        p_ += n;
    }
    const std::byte* p_;
    const std::byte* end_;
};

}  // namespace

void encode_run(const RunResult& r, std::vector<std::byte>& out) {
    Writer w(out);
    w.pod(kMagic);
    w.pod(kVersion);
    w.pod(kByteOrder);
    const Coordinates& c = r.coords;
    w.texts(c.sector);
    w.texts(c.size_class);
    w.texts(c.technology);
    w.texts(c.technology_unit);
    w.texts(c.policy);
    w.texts(c.policy_type);
    w.texts(c.io_sector);
    w.array(c.year);
    w.array(c.time_days);
    w.text(c.time_units);
    w.pod<std::uint64_t>(r.variables.size());
    for (const Variable& v : r.variables) {
        w.text(v.name);
        w.text(v.long_name);
        w.text(v.units);
        w.array(v.dims);
        w.pod<std::uint8_t>(v.is_count ? 1 : 0);
        w.array(v.values);
        w.array(v.counts);
        w.text(v.flag_meanings);
    }
    w.pod(r.firm_steps);
    w.pod(r.seconds);
}

RunResult decode_run(const std::byte* data, std::size_t size) {
    Reader rd(data, size);
    if (rd.pod<std::uint32_t>() != kMagic) throw std::runtime_error("run record: not a greenshift run record");
    if (rd.pod<std::uint32_t>() != kVersion) throw std::runtime_error("run record: another format version");
    if (rd.pod<std::uint32_t>() != kByteOrder) throw std::runtime_error("run record: another byte order");
    RunResult r;
    Coordinates& c = r.coords;
    c.sector = rd.texts();
    c.size_class = rd.texts();
    c.technology = rd.texts();
    c.technology_unit = rd.texts();
    c.policy = rd.texts();
    c.policy_type = rd.texts();
    c.io_sector = rd.texts();
    c.year = rd.array<std::int32_t>();
    c.time_days = rd.array<double>();
    c.time_units = rd.text();
    const auto n = rd.pod<std::uint64_t>();
    if (n > size) throw std::runtime_error("run record: too many variables");
    for (std::uint64_t i = 0; i < n; ++i) {
        Variable v;
        v.name = rd.text();
        v.long_name = rd.text();
        v.units = rd.text();
        v.dims = rd.array<Dim>();
        v.is_count = rd.pod<std::uint8_t>() != 0;
        v.values = rd.array<double>();
        v.counts = rd.array<std::int64_t>();
        v.flag_meanings = rd.text();
        r.variables.push_back(std::move(v));
    }
    r.firm_steps = rd.pod<std::uint64_t>();
    r.seconds = rd.pod<double>();
    if (!rd.at_end()) throw std::runtime_error("run record: bytes after its end");
    return r;
}

}  // namespace greenshift

#include "io/file_checksum.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "io/input_error.hpp"

namespace greenshift {

namespace {

// Version 1 of the checksum block: these lines, then NUL bytes up to 4096.
//   greenshift checksum 1
//   file_bytes <size of the whole file, this block included>
//   block_bytes <B>
//   crc32 <hex> <hex> ...      one CRC-32 (zlib's, as Python's zlib.crc32) per block
//                              of B bytes of the HDF5 data, the last one shorter
constexpr char kMagic[] = "greenshift checksum 1\n";
constexpr char kMagicPrefix[] = "greenshift checksum ";
// Blocks of at least 64 KiB, at most 256 of them (the text must fit in 4096 bytes):
// a damaged file is located to within 1/256 of its size.
constexpr std::uint64_t kMinBlockBytes = std::uint64_t{1} << 16;
constexpr std::uint64_t kMaxBlocks = 256;
constexpr std::size_t kReadBytes = std::size_t{1} << 20;

std::uint64_t block_bytes_for(std::uint64_t data_bytes) {
    std::uint64_t block = kMinBlockBytes;
    while ((data_bytes + block - 1) / block > kMaxBlocks) block *= 2;
    return block;
}

std::string render(std::uint64_t file_bytes, std::uint64_t block_bytes, const std::vector<std::uint32_t>& crcs) {
    std::string text = kMagic;
    text += "file_bytes " + std::to_string(file_bytes) + "\n";
    text += "block_bytes " + std::to_string(block_bytes) + "\n";
    text += "crc32";
    for (const std::uint32_t c : crcs) {
        char hex[16];
        std::snprintf(hex, sizeof hex, " %08x", static_cast<unsigned>(c));
        text += hex;
    }
    text += "\n";
    text.resize(kChecksumBytes, '\0');
    return text;
}

// The CRC-32 of every block of the first `data_bytes` bytes, read through `read`.
std::vector<std::uint32_t> block_crcs(std::uint64_t data_bytes, std::uint64_t block_bytes, const ByteReader& read,
                                      const std::function<void()>& poll,
                                      const std::function<void(std::uint64_t)>& unreadable) {
    std::vector<std::uint32_t> crcs;
    std::vector<unsigned char> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(block_bytes, kReadBytes)));
    for (std::uint64_t start = 0; start < data_bytes; start += block_bytes) {
        const std::uint64_t end = std::min(data_bytes, start + block_bytes);
        uLong crc = crc32(0L, Z_NULL, 0);
        for (std::uint64_t at = start; at < end; at += buffer.size()) {
            if (poll) poll();
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), end - at));
            if (!read(at, n, buffer.data())) unreadable(at);
            crc = crc32(crc, buffer.data(), static_cast<uInt>(n));
        }
        crcs.push_back(static_cast<std::uint32_t>(crc));
    }
    return crcs;
}

// Parses the checksum block; false when it is not well formed.
bool parse(const std::string& text, std::uint64_t& file_bytes, std::uint64_t& block_bytes,
           std::vector<std::uint32_t>& crcs) {
    const std::string body = text.substr(0, text.find('\0'));
    if (body.rfind(kMagic, 0) != 0) return false;
    unsigned long long size = 0, block = 0;
    int used = 0;
    const char* p = body.c_str() + sizeof kMagic - 1;
    if (std::sscanf(p, "file_bytes %llu\nblock_bytes %llu\ncrc32%n", &size, &block, &used) != 2 || used == 0)
        return false;
    p += used;
    while (*p == ' ') {
        unsigned value = 0;
        int n = 0;
        if (std::sscanf(p, " %8x%n", &value, &n) != 1 || n != 9) return false;
        crcs.push_back(value);
        p += n;
        if (crcs.size() > kMaxBlocks) return false;
    }
    if (std::strcmp(p, "\n") != 0) return false;
    file_bytes = size;
    block_bytes = block;
    return true;
}

std::string range_text(std::uint64_t first, std::uint64_t last) {
    return "bytes " + std::to_string(first) + "-" + std::to_string(last);
}

}  // namespace

std::string file_checksum_block(const unsigned char* data, std::uint64_t bytes) {
    const std::uint64_t block = block_bytes_for(bytes);
    const ByteReader from_memory = [data](std::uint64_t offset, std::size_t size, unsigned char* buffer) {
        std::memcpy(buffer, data + offset, size);
        return true;
    };
    return render(bytes + kChecksumBytes, block, block_crcs(bytes, block, from_memory, {}, [](std::uint64_t) {}));
}

void write_file_checksum(const std::string& path) {
    const auto fail = [&](const std::string& what) {
        throw OutputError(path + ": cannot write its checksum: " + what);
    };
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) fail(std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail(std::strerror(errno));
    const auto data_bytes = static_cast<std::uint64_t>(st.st_size);
    if (data_bytes == 0) fail("the file is empty");
    const ByteReader from_file = [fd](std::uint64_t offset, std::size_t size, unsigned char* buffer) {
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = ::pread(fd, buffer + done, size - done, static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    };
    const std::uint64_t block = block_bytes_for(data_bytes);
    const std::vector<std::uint32_t> crcs = block_crcs(data_bytes, block, from_file, {}, [&](std::uint64_t at) {
        fail("cannot read it back at byte " + std::to_string(at) + ": " + std::strerror(errno));
    });
    const std::string text = render(data_bytes + kChecksumBytes, block, crcs);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(data_bytes + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(std::strerror(n < 0 ? errno : EIO));
        done += static_cast<std::size_t>(n);
    }
}

void check_file_checksum(const std::string& path, std::uint64_t file_bytes, const ByteReader& read,
                         const std::function<void()>& poll) {
    const auto refuse = [&](const std::string& what) { throw InputError(path, 0, 0, what); };
    const std::string ours = "greenshift reads only the HDF5 files it wrote, unchanged (docs/output.md, \"Checksum\")";
    if (file_bytes <= kChecksumBytes)
        refuse("is " + std::to_string(file_bytes) + " bytes long: too short to be a file written by greenshift");
    const std::uint64_t data_bytes = file_bytes - kChecksumBytes;
    std::string tail(kChecksumBytes, '\0');
    if (!read(data_bytes, tail.size(), reinterpret_cast<unsigned char*>(tail.data())))
        refuse("cannot read its last " + std::to_string(kChecksumBytes) + " bytes");
    const std::string damaged_block = "its checksum block (" + range_text(data_bytes, file_bytes - 1) +
                                      ") is damaged: the file was changed or damaged after greenshift wrote it";
    if (tail.rfind(kMagicPrefix, 0) != 0) {
        // The block elsewhere near the end: bytes were cut off or appended since.
        const std::uint64_t near = std::min<std::uint64_t>(file_bytes, 2 * kChecksumBytes);
        std::string end(near, '\0');
        if (read(file_bytes - near, end.size(), reinterpret_cast<unsigned char*>(end.data()))) {
            const std::size_t at = end.rfind(kMagic);
            unsigned long long written = 0;
            if (at != std::string::npos &&
                std::sscanf(end.c_str() + at + sizeof kMagic - 1, "file_bytes %llu", &written) == 1 &&
                written != file_bytes)
                refuse("is " + std::to_string(file_bytes) + " bytes long, but greenshift wrote " +
                       std::to_string(written) + " bytes: " +
                       (written > file_bytes ? "it was truncated (an incomplete copy?)"
                                             : "bytes were appended to it") + " after it was written");
        }
        // A block whose first line was hit still has the others.
        if (tail.find("\nfile_bytes ") < 64) refuse(damaged_block);
        unsigned char head[8] = {};
        static const unsigned char hdf5_signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
        if (read(0, sizeof head, head) && std::memcmp(head, hdf5_signature, sizeof head) == 0)
            refuse("is an HDF5 file without greenshift's checksum at its end: written by another program or by a "
                   "greenshift from before checksums, changed since, or truncated (an incomplete copy?); " + ours);
        refuse("is not a file written by greenshift (no HDF5 signature at its start, no greenshift checksum at its "
               "end); " + ours);
    }
    std::uint64_t recorded_bytes = 0, block = 0;
    std::vector<std::uint32_t> recorded;
    if (!parse(tail, recorded_bytes, block, recorded)) refuse(damaged_block);
    if (recorded_bytes != file_bytes) refuse(damaged_block);
    if (block != block_bytes_for(data_bytes) || recorded.size() != (data_bytes + block - 1) / block)
        refuse(damaged_block);
    const std::vector<std::uint32_t> actual = block_crcs(data_bytes, block, read, poll, [&](std::uint64_t at) {
        refuse("cannot read byte " + std::to_string(at) + ": " + std::strerror(errno));
    });
    std::size_t bad = 0, first_bad = actual.size();
    for (std::size_t b = 0; b < actual.size(); ++b)
        if (actual[b] != recorded[b] && bad++ == 0) first_bad = b;
    if (bad > 0) {
        const std::uint64_t first = first_bad * block;
        const std::uint64_t last = std::min(data_bytes, first + block) - 1;
        refuse("is damaged: " + range_text(first, last) + " (block " + std::to_string(first_bad + 1) + " of " +
               std::to_string(actual.size()) + (bad > 1 ? ", and " + std::to_string(bad - 1) + " more" : "") +
               ") differ from what greenshift wrote (CRC-32 mismatch); the file was damaged (disk or copy error) "
               "or changed by another program after it was written");
    }
    if (render(recorded_bytes, block, recorded) != tail) refuse(damaged_block);
}

}  // namespace greenshift

// The checksum in every HDF5 file greenshift writes (run, batch, shard and part
// files), checked before HDF5 reads a byte of a file (docs/output.md, "Checksum").
//
// The last 4096 bytes of the file, after the end of the HDF5 data (the end address
// in its superblock), hold as text the file's size and the CRC-32 of each block of
// the HDF5 data. HDF5 readers ignore bytes past that end, so h5py, netCDF and xarray
// read the file as before. The checksum covers the whole HDF5 file, metadata
// included (object headers, B-trees, heaps), so a damaged file is refused before
// the HDF5 library parses it — a damaged B-tree can crash the library, which no
// check made after opening could prevent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace greenshift {

// The size of the checksum block at the end of the file.
inline constexpr std::size_t kChecksumBytes = 4096;

// Appends the checksum of the HDF5 file `path`, closed, to it. Not synced: the
// caller syncs the file before it renames it. Throws OutputError.
void write_file_checksum(const std::string& path);

// Reads `size` bytes at `offset` into `buffer`; false when they cannot be read.
using ByteReader = std::function<bool(std::uint64_t offset, std::size_t size, unsigned char* buffer)>;

// Checks the checksum of a file of `file_bytes` bytes read through `read`; throws
// InputError naming `path` and saying what does not match (no checksum, another
// size, the byte range of a damaged block, a damaged checksum block). Calls
// `poll` between blocks of 1 MiB (a stop signal may end a long check).
void check_file_checksum(const std::string& path, std::uint64_t file_bytes, const ByteReader& read,
                         const std::function<void()>& poll = {});

// The checksum block of the HDF5 data `data` of `bytes` bytes: what
// write_file_checksum appends (for the fuzz target, which mends file images in
// memory).
std::string file_checksum_block(const unsigned char* data, std::uint64_t bytes);

}  // namespace greenshift

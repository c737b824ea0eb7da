"""The checksum of greenshift's HDF5 files (io/file_checksum.hpp; docs/output.md, "Checksum").

    greenshift_checksum.py check FILE...   exit 1, naming the file, when a checksum does not match
    greenshift_checksum.py write FILE...   write the checksum of files changed on purpose

The hostile-input tests change files with h5py (a link, a wrong shape) and then `write`
their checksum, so that greenshift's checks after the checksum are the ones tested.
An independent implementation of the format: sharing no code with the C++ one, it
also checks that the format is as documented.
"""
import os
import sys
import zlib

BLOCK = 4096
MAGIC = b"greenshift checksum 1\n"


def block_bytes(data_bytes):
    block = 1 << 16
    while -(-data_bytes // block) > 256:
        block *= 2
    return block


def has_checksum(path):
    size = os.path.getsize(path)
    if size <= BLOCK:
        return False
    with open(path, "rb") as f:
        f.seek(size - BLOCK)
        return f.read(len(MAGIC)) == MAGIC


def checksum_block(path, data_bytes):
    """The 4096 bytes greenshift appends to the first `data_bytes` bytes of the file."""
    block = block_bytes(data_bytes)
    crcs = []
    with open(path, "rb") as f:
        left = data_bytes
        while left > 0:
            data = f.read(min(block, left))
            crcs.append(zlib.crc32(data))
            left -= len(data)
    text = MAGIC + f"file_bytes {data_bytes + BLOCK}\nblock_bytes {block}\ncrc32".encode()
    text += b"".join(b" %08x" % c for c in crcs) + b"\n"
    return text.ljust(BLOCK, b"\0")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "write"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    status = 0
    for path in argv[2:]:
        size = os.path.getsize(path)
        data_bytes = size - BLOCK if has_checksum(path) else size
        expected = checksum_block(path, data_bytes)
        if argv[1] == "write":
            with open(path, "r+b") as f:
                f.seek(data_bytes)
                f.write(expected)
                f.truncate()
            continue
        with open(path, "rb") as f:
            f.seek(data_bytes)
            if data_bytes == size or f.read() != expected:
                print(f"{path}: checksum does not match", file=sys.stderr)
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))

// A read-only shared mapping of a regular file, for consumers that transform
// bytes on their way out (crypt decrypting into the caller's buffer): they
// read the page cache in place, one pass over the data, instead of copying
// it with pread first and passing over the copy again.
//
// Only ranges the page cache holds whole are read so (mincore), so a reader
// never waits for the disk here. A file cut short by someone else while it
// is being read raises SIGBUS inside the mapping; that is caught on the
// reading thread and the read reports "not read in place", so the caller
// falls back to its usual read, which reports the short file its own way.
#pragma once

#include <memory>

#include "base/units.hpp"

namespace udm::io {

// What runs over bytes read in place. It may be cut off part-way (by a
// jump out of the signal handler): it must take no lock, allocate nothing
// and leave nothing to undo, and what it wrote before being cut off counts
// for nothing.
using InPlaceFn = void (*)(const std::byte* bytes, void* context);

class FileMapping {
 public:
  // Maps `size` bytes of `fd` (which stays the caller's); null when the file
  // cannot be mapped.
  static std::unique_ptr<FileMapping> create(int fd, byte_count size);
  ~FileMapping();
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;

  // Runs fn(bytes of [offset, offset + length), context) when the range is
  // mapped and in the page cache, and returns true once fn has run to its
  // end; false when it did not run, or was cut off by the file shrinking.
  bool read(byte_count offset, byte_count length, InPlaceFn fn, void* context) const;

 private:
  FileMapping(const std::byte* base, byte_count size) : base_(base), size_(size) {}
  bool resident(byte_count offset, byte_count length) const;

  const std::byte* base_;
  byte_count size_;
};

}  // namespace udm::io

// A shared mapping of a regular file, for reading and writing its page cache
// in place. Readers that transform bytes on their way out (crypt decrypting
// into the caller's buffer) make one pass over the data instead of copying it
// with pread first and passing over the copy again. Writes stored into pages
// the cache already holds need no system call and none of the filesystem's
// per-write work (ext4 walks every block of a large folio on each pwrite into
// it: ~20 us for a 4 KiB write, against well under 1 us for the store).
//
// Only ranges the page cache holds whole are read or written so (mincore),
// so nobody waits for the disk here. A SIGBUS inside the mapping (the file
// was cut short by someone else, or the filesystem could not allocate a
// block for a page written to: ENOSPC, EDQUOT) is caught on that thread and
// the call reports "not done in place": the caller reads or writes the range
// as usual, which reports the short file or the full disk its own way (a
// write cut off part-way is overwritten whole by that). Pages dirtied through
// the mapping are written back and made durable by fsync/fdatasync on the
// file, as pwrite's are.
#pragma once

#include <memory>

#include "base/units.hpp"

namespace udm::io {

// What runs over bytes in place. It may be cut off part-way (by a jump out of
// the signal handler): it must take no lock, allocate nothing and leave
// nothing to undo, and what it did before being cut off counts for nothing.
using InPlaceFn = void (*)(const std::byte* bytes, void* context);
using InPlaceWriteFn = void (*)(std::byte* bytes, void* context);

class FileMapping {
 public:
  // Maps `size` bytes of `fd` (which stays the caller's; opened for writing
  // when `writable`); null when the file cannot be mapped.
  static std::unique_ptr<FileMapping> create(int fd, byte_count size, bool writable = false);
  ~FileMapping();
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;

  // Runs fn(bytes of [offset, offset + length), context) when the range is
  // mapped and in the page cache, and returns true once fn has run to its
  // end; false when it did not run, or was cut off by a SIGBUS.
  bool read(byte_count offset, byte_count length, InPlaceFn fn, void* context) const;
  // The same for fn filling the range (a writable mapping only).
  bool write(byte_count offset, byte_count length, InPlaceWriteFn fn, void* context) const;
  // write() of a copy of `data`.
  bool copy_in(byte_count offset, const std::byte* data, byte_count length) const;

 private:
  FileMapping(std::byte* base, byte_count size, bool writable) : base_(base), size_(size), writable_(writable) {}
  bool usable(byte_count offset, byte_count length) const;

  std::byte* base_;
  byte_count size_;
  bool writable_;
};

}  // namespace udm::io

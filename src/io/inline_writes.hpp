// Opt-in for threads that may block: while an InlineWrites lives on a thread,
// buffered writes of at most `max_length` bytes that it submits to regular
// files run right there with pwrite and complete before submit() returns,
// instead of going to the write pool. A small write into the page cache
// costs less than handing it to another thread and waking it; larger ones
// still go to the pool, so copying them overlaps with the submitter's work.
// Reads of at most `max_length` bytes from regular files are first tried
// here with RWF_NOWAIT (served only if the page cache holds them, without
// waiting); what is not cached goes to io_uring as usual.
// Only for threads that block anyway (an NBD connection reading its socket),
// never engine threads: pwrite can wait for dirty-page writeback.
// With `flushes`, flushes of files and block devices submitted here run here
// too (fdatasync) instead of hopping through the ring and an io_uring worker,
// and so do reads of files that do not take RWF_NOWAIT (tmpfs): for a thread
// whose next step waits for that I/O anyway (the snapshot committer), never
// one that must keep serving other requests meanwhile.
// Targets that transform data may also run that work for a request of at
// most `max_length` bytes right on such a thread (crypt encrypts or decrypts
// all of it there instead of on the pool): it would only wait for the
// request otherwise.
#pragma once

#include "base/units.hpp"

namespace udm::io {

class InlineWrites {
 public:
  explicit InlineWrites(byte_count max_length = 64 << 10, bool flushes = false);
  ~InlineWrites();  // restores what the thread had before
  // The max_length in force on this thread, 0 outside any InlineWrites.
  static byte_count current();
  InlineWrites(const InlineWrites&) = delete;
  InlineWrites& operator=(const InlineWrites&) = delete;

 private:
  byte_count saved_;
  bool saved_flushes_;
};

}  // namespace udm::io

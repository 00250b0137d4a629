// The write-back hold of a snapshot origin. A write to origin chunks that
// still have to be copied into a snapshot need not wait for that copy's
// commit (two flushes of the COW device): as a block device with a volatile
// write cache, the origin completes it once udmd holds a copy of its data,
// and only keeps it from reaching the origin device before every exception
// that preserves the old data is durable. Then it is written (it "lands").
// Until it has landed:
//   - reads and writes overlapping it wait for it (they are resubmitted once
//     it has landed), so nothing reads old data or overtakes it;
//   - a flush waits until every write held before it has landed, then goes
//     to the device, so a flush still makes every completed write durable;
//   - drain() (suspend, removal of the origin) waits for all of them.
// The hold is bounded (bytes and writes); beyond it writes wait for their
// copies as before. A kill -9 of udmd may lose held writes that were never
// flushed, as a power loss loses a disk cache; never a committed exception.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "io/block_device.hpp"

namespace udm::targets::snap {

class WriteHold;

// One held write: a copy of its data and the commits it waits for.
struct HeldWrite {
  struct AlignedFree {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{4096}); }
  };
  WriteHold* hold = nullptr;
  std::uint64_t seq = 0;
  byte_count offset = 0, length = 0;
  std::unique_ptr<std::byte[], AlignedFree> data;
  // Exceptions not yet committed, plus one while the write is being set up.
  std::atomic<std::uint32_t> deps{1};
  io::Request io;  // the write to the origin device, once released
};

class WriteHold {
 public:
  struct Limits {
    // Enough for a few commits' worth of first writes (an area is 256
    // exceptions of 4 KiB chunks); more only delays flushes that wait for them.
    byte_count bytes = 16 << 20;
    std::size_t writes = 4096;
    byte_count max_write = 1 << 20;  // larger writes are never held
  };
  // Process-wide (tests change them; writes = 0 turns the hold off).
  static void set_limits(Limits l);
  static Limits limits();

  explicit WriteHold(io::BlockDevicePtr device) : device_(std::move(device)) {}
  ~WriteHold();

  // Lock-free: whether any write is held (else nothing can overlap one).
  bool busy() const { return count_.load(std::memory_order_acquire) != 0; }

  // Parks `r` (a piece from map()) when it overlaps a held write: it is
  // resubmitted once that write has landed. True when parked.
  bool park_if_overlapping(io::Request* r, byte_count offset, byte_count length);

  // A flush to send to `device` once every write held so far has landed:
  // true when it was parked (it is submitted then, or completed with the
  // error of a held write that failed to land).
  bool park_flush(io::Request* r, io::BlockDevice* device);

  // For Origin's map of a write, with lock() held: whether `r` overlaps a
  // held write (then it is parked), and whether a write of `length` bytes
  // fits. make_held() copies the data; the caller registers it on the
  // copies it waits for (deps), unlocks, then calls release() once.
  std::unique_lock<std::mutex> lock() { return std::unique_lock(lock_); }
  bool park_if_overlapping_locked(io::Request* r, byte_count offset, byte_count length);
  bool fits_locked(const io::Request& r) const;
  HeldWrite* make_held_locked(const io::Request& r);
  // Undoes make_held_locked() for a write that needed no copy after all.
  void forget_locked(HeldWrite* w);
  // Drops one dependency; the last one sends the write to the origin device.
  static void release(HeldWrite* w);

  // Waits until nothing is held.
  void drain();
  std::size_t held() const { return count_.load(); }
  // Writes landed since the last call (a suspend flushes again after them).
  std::uint64_t take_landed() { return landed_.exchange(0); }

 private:
  static void landed(io::Request* io, int result);
  void add_index_locked(const HeldWrite& w, int delta);
  bool overlaps_locked(byte_count offset, byte_count length) const;

  io::BlockDevicePtr device_;
  std::mutex lock_;
  std::condition_variable drained_;
  std::atomic<std::size_t> count_{0};
  std::atomic<std::uint64_t> landed_{0};
  byte_count bytes_ = 0;
  std::uint64_t next_seq_ = 0;
  std::map<std::uint64_t, HeldWrite*> live_;                 // by seq: not yet landed
  std::unordered_map<std::uint64_t, std::uint32_t> blocks_;  // 4 KiB block -> held writes touching it
  std::vector<io::Request*> blocked_;                        // waiting for an overlapping write to land
  struct FlushWaiter {
    std::uint64_t seq;  // waits for every write held before this one
    io::Request* request;
    io::BlockDevice* device;
  };
  std::vector<FlushWaiter> flushes_;
  int error_ = 0;  // a held write failed to land: the next flush reports it
};

}  // namespace udm::targets::snap

// State shared by the snapshot targets (the kernel's dm_snapshot and
// dm_origin), kept in the shared-object registry so it survives table swaps:
//   Origin    keyed by the origin device: the snapshots of that origin, so a
//             write through snapshot-origin (or snapshot-merge) first copies
//             the old chunk into each of them.
//   Snapshot  keyed by the COW device: the exception store, the completed
//             and pending exceptions, and the merge.
// A snapshot and snapshot-merge table naming the same COW device share one
// Snapshot (the kernel's exception handover).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/copier.hpp"
#include "core/target.hpp"
#include "io/worker_pool.hpp"
#include "targets/exception_store.hpp"
#include "targets/snapshot_group_commit.hpp"
#include "targets/snapshot_hold.hpp"

namespace udm::targets::snap {

class Snapshot;

class Origin {
 public:
  explicit Origin(io::BlockDevicePtr device) : device_(device), hold_(std::move(device)) {}

  const io::BlockDevicePtr& device() const { return device_; }
  WriteHold& hold() { return hold_; }

  // map() of snapshot-origin: a write to chunks still to be copied is held
  // (completed at once, written once their exceptions are committed) while
  // the hold has room, else parked until then; reads and writes wait for
  // held writes they overlap, flushes for every held write before them.
  core::MapResult map(io::Request* request);

  // A write of [offset, offset + length) bytes to the origin: starts the
  // copy of every chunk it touches into every active snapshot that has none
  // yet. True when `request` was parked on one of those copies (it is then
  // resubmitted when that copy is committed); false when it may go ahead.
  bool write(io::Request* request, byte_count offset, byte_count length, const Snapshot* skip);
  // The same without a request (a merge about to overwrite origin chunks):
  // true while copies of that range are still in progress.
  bool copies_pending(byte_count offset, byte_count length, const Snapshot* skip);
  // Every snapshot holds its old data of the range (or needs none).
  bool copied(byte_count offset, byte_count length);
  // Smallest chunk of the registered snapshots; 0 when there are none.
  // Lock-free: asked for every origin I/O.
  byte_count min_chunk_bytes() const { return min_chunk_bytes_.load(std::memory_order_relaxed); }
  // The merging snapshot, if any.
  bool other_is_merging(const Snapshot* self) const;

  void add(Snapshot* s);
  void remove(Snapshot* s);

 private:
  void update_min_chunk_locked();
  // Starts the copies `w` waits for and counts them in w->deps.
  void hold_on_copies(HeldWrite* w);

  io::BlockDevicePtr device_;
  WriteHold hold_;
  mutable std::shared_mutex lock_;
  std::vector<Snapshot*> snapshots_;
  std::atomic<byte_count> min_chunk_bytes_{0};
};

struct SnapshotConfig {
  io::BlockDevicePtr origin, cow;
  std::shared_ptr<Origin> origin_object;
  io::WorkerPool* workers = nullptr;
};

class Snapshot : public std::enable_shared_from_this<Snapshot> {
 public:
  Snapshot(SnapshotConfig config, std::unique_ptr<ExceptionStore> store);
  ~Snapshot();

  // Called with exceptions found while the store loads, before any I/O.
  void add_loaded(const Exception& e) { complete_.emplace(e.old_chunk, e.new_chunk); }
  void register_with_origin();

  const io::BlockDevicePtr& origin() const { return origin_; }
  const io::BlockDevicePtr& cow() const { return cow_; }
  const std::shared_ptr<Origin>& origin_object() const { return origin_object_; }
  ExceptionStore& store() { return *store_; }
  const ExceptionStore& store() const { return *store_; }
  byte_count chunk_bytes() const { return chunk_bytes_; }

  void set_length(sector_t length);
  void set_event(std::function<void()> raise);
  void activate();

  // map() of the snapshot target (merge == false) and of snapshot-merge.
  core::MapResult map_snapshot(io::Request* r, bool discard_zeroes_cow);
  core::MapResult map_merge(io::Request* r);
  // discard_passdown_origin: the discard goes to the origin device itself
  // (no copy-out) and zeroes or discards the exception, if any, on the COW.
  core::MapResult map_discard_passdown(io::Request* r);
  void end_io(const io::Request& r);

  // For Origin::write, under the origin's lock: make sure `chunk` is copied.
  enum class Need { nothing, parked, pending };
  // Nothing to do when the snapshot is inactive, invalid, merging or
  // shorter than `chunk`.
  // `held`: a held write that waits for the chunk's commit (counted in its deps).
  Need origin_chunk(chunk_t chunk, io::Request* park, HeldWrite* held = nullptr);
  // Lookups only: whether an origin write to `chunk` needs no copy here.
  bool chunk_copied(chunk_t chunk);

  // "Invalid", "Merge failed", "Overflow" or usage.
  std::string status_info() const;
  bool merging() const { return merging_.load(); }

  void start_merge();
  void stop_merge();

  // Invalidates the snapshot (kernel's __invalidate_snapshot); lock_ held.
  void invalidate_locked();

 private:
  // Aligned for backing devices opened with O_DIRECT.
  struct AlignedFree {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{4096}); }
  };
  struct Pending {
    chunk_t old_chunk = 0, new_chunk = 0;
    std::uint64_t seq = 0;
    bool started = false, copied = false;
    int error = 0;
    std::vector<io::Request*> origin_waiters, snapshot_waiters;
    std::vector<HeldWrite*> held_writes;  // released to the origin once committed
    io::Request* full_write = nullptr;  // a write of the whole chunk, written straight to the COW
    io::Request io;                     // that full write, as sent
    std::shared_ptr<Snapshot> keep;     // alive until committed
  };

  Pending* new_pending_locked(chunk_t chunk);  // null on ENOSPC (snapshot then invalid or overflowed)
  // Copy-out without a thread per chunk and without a hop per chunk: a
  // chunk to copy is queued (through the copy throttle) for the committer,
  // which reads the queued chunks from the origin together, writes them to
  // the COW and then commits their exceptions with one data flush, one area
  // write and one flush (group commit: what queued meanwhile goes into the
  // same commit, as the kernel's pending list does).
  void start_copy(Pending* pe);
  void queue_copy(Pending* pe);
  // On the committer: reads and writes the chunks of `batch` (0 or -errno).
  int copy_chunks(const std::vector<Pending*>& batch);
  static void full_write_done(io::Request* r, int result);
  // Never blocks (runs on I/O completion threads): hands the exception to the committer.
  void copy_done(Pending* pe, int result);
  // The kernel's rule: commit once no copy is in flight, or an area's worth waits.
  bool commit_ready_locked() const;
  // On a worker, one at a time: copies what is queued, commits what is ready
  // (data flush, area write, flush), then releases the writes that waited,
  // until nothing is left.
  void commit_loop();
  void track_locked(io::Request* r, chunk_t chunk);
  void merge_loop();
  void raise_event();

  io::BlockDevicePtr origin_, cow_;
  std::shared_ptr<Origin> origin_object_;
  io::WorkerPool* workers_;
  std::unique_ptr<ExceptionStore> store_;
  const byte_count chunk_bytes_;
  std::unique_ptr<core::Copier> copier_;

  mutable std::mutex lock_;
  std::condition_variable tracked_cv_;
  std::unordered_map<chunk_t, chunk_t> complete_;
  std::unordered_map<chunk_t, std::unique_ptr<Pending>> pending_;
  std::unordered_map<chunk_t, std::uint32_t> tracked_;
  std::uint64_t next_seq_ = 0, next_commit_seq_ = 0;
  std::map<std::uint64_t, Pending*> copied_;  // waiting for their turn to commit
  std::vector<Pending*> to_copy_;            // queued for the committer to copy
  std::uint64_t copies_in_flight_ = 0;       // started, not yet in copied_
  bool committing_ = false;                  // a commit_loop is posted or running
  bool valid_ = true;
  bool overflowed_ = false;
  bool active_ = false;
  bool registered_ = false;
  byte_count length_bytes_ = 0;
  std::function<void()> raise_;
  // Group commit: the committer waits on queued_cv_ (while gathering_) for
  // more copies when commits are slow; group_commit_ is the committer's own.
  std::condition_variable queued_cv_;
  bool gathering_ = false;
  GroupCommit group_commit_;
  // The committer's copy buffer (only the committer touches it).
  std::unique_ptr<std::byte[], AlignedFree> copy_buffer_;
  byte_count copy_buffer_bytes_ = 0;

  // Merge (snapshot-merge).
  std::atomic<bool> merging_{false};
  bool merge_failed_ = false;
  chunk_t merge_first_ = 0, merge_count_ = 0;
  std::vector<io::Request*> merge_queue_;
  std::mutex merge_control_;
  std::thread merge_thread_;
  std::atomic<bool> merge_stop_{false};
};

}  // namespace udm::targets::snap

// A snapshot's exception store (the kernel's dm-exception-store): which
// origin chunks have been copied to which COW chunks, allocation of COW
// chunks, and making new exceptions durable.
//
// Persistent ("P", "PO") stores use Linux's on-disk COW format, so a COW
// device moves between udm and the kernel:
//   chunk 0        header: le32 magic "SnAp" (0x70416e53), le32 valid,
//                  le32 version (1), le32 chunk size in sectors; rest zero
//   chunk 1        metadata area 0: chunk_size*512/16 records
//                  {le64 old_chunk, le64 new_chunk}, ending at the first
//                  record whose new_chunk is 0
//   chunks 2..E+1  the E data chunks that belong to area 0
//   chunk E+2      metadata area 1, and so on (area i at 1 + i*(E+1))
// A full area is followed by the next; the next is zeroed before the full one
// is written, so a loader never reads stale records.
//
// Transient ("N") stores keep everything in memory.
//
// Thread safety: prepare(), usage() and the accessors may be called from any
// thread. commit(), drop(), prepare_merge() and commit_merge() block on I/O
// and are serialized by the store; call them from a worker, never from map().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.hpp"
#include "io/block_device.hpp"

namespace udm::targets {

using chunk_t = std::uint64_t;

inline constexpr std::uint32_t SNAP_MAGIC = 0x70416e53;  // "SnAp" little-endian
inline constexpr std::uint32_t SNAPSHOT_DISK_VERSION = 1;
inline constexpr sector_t DEFAULT_CHUNK_SECTORS = 32;  // 16 KiB, when neither table nor header gives one
inline constexpr std::size_t DISK_EXCEPTION_BYTES = 16;

struct Exception {
  chunk_t old_chunk = 0;  // on the origin
  chunk_t new_chunk = 0;  // on the COW device
};

struct StoreUsage {
  sector_t total = 0;      // the COW device
  sector_t allocated = 0;  // next free chunk * chunk size (metadata included)
  sector_t metadata = 0;   // header and metadata areas in use
};

// The chunk size checks the kernel's dm_exception_store_set_chunk_size makes:
// a power of two, a multiple of both devices' logical block sizes, <= INT_MAX/512.
Result<void> check_chunk_size(sector_t chunk_size, const io::BlockDevice& cow, const io::BlockDevice* origin);

class ExceptionStore {
 public:
  enum class Kind { persistent, transient };
  // Every exception found while loading.
  using LoadCallback = std::function<void(const Exception&)>;

  // Opens a persistent store on `cow`. `chunk_size` 0 takes it from the header
  // (or the default for a new store); a header's size overrides the table's.
  // A zero magic makes a new store (the first area zeroed, then the header
  // written). Every field read from disk is checked; a corrupt store is an
  // error naming what is wrong. A store whose header says invalid loads with
  // valid() false and no exceptions.
  static Result<std::unique_ptr<ExceptionStore>> open_persistent(io::BlockDevicePtr cow, sector_t chunk_size,
                                                                 bool overflow_supported,
                                                                 const LoadCallback& add,
                                                                 const io::BlockDevice* origin = nullptr);
  static Result<std::unique_ptr<ExceptionStore>> transient(io::BlockDevicePtr cow, sector_t chunk_size);

  ~ExceptionStore();
  ExceptionStore(const ExceptionStore&) = delete;
  ExceptionStore& operator=(const ExceptionStore&) = delete;

  Kind kind() const { return kind_; }
  sector_t chunk_size() const { return chunk_size_; }
  bool overflow_supported() const { return overflow_; }
  bool valid() const { return valid_.load(); }
  std::uint32_t exceptions_per_area() const { return per_area_; }

  // Allocates the COW chunk for a new exception: ENOSPC when the device is full.
  Result<chunk_t> prepare();
  // Makes `batch` durable, in order: the data chunks (already written) are
  // flushed before any record that points at them is written, and the area
  // is flushed before this returns. 0 or -errno (the store is then invalid).
  int commit(const std::vector<Exception>& batch);
  // Marks the store invalid on disk (header valid = 0) for good.
  void drop();

  StoreUsage usage() const;

  // Merging, newest exceptions first: the number of consecutive exceptions
  // (old and new chunks both consecutive) ending at the last committed one,
  // and that last one; 0 when everything is merged; -errno on a read error.
  int prepare_merge(Exception& last);
  // Forgets the last `count` exceptions on disk (zeroed records, flushed).
  int commit_merge(std::uint32_t count);

 private:
  ExceptionStore(Kind kind, io::BlockDevicePtr cow, sector_t chunk_size, bool overflow);
  Result<void> load(bool& new_store, const LoadCallback& add);
  chunk_t area_location(chunk_t area) const { return 1 + (std::uint64_t{per_area_} + 1) * area; }
  void skip_metadata();
  int chunk_io(io::Op op, chunk_t chunk, std::byte* data);
  int flush();
  int write_header(bool valid);
  void put_record(std::uint32_t index, const Exception& e);
  Exception get_record(const std::byte* area, std::uint32_t index) const;

  const Kind kind_;
  io::BlockDevicePtr cow_;
  sector_t chunk_size_ = 0;
  const bool overflow_;
  std::uint32_t per_area_ = 0;
  chunk_t cow_chunks_ = 0;  // whole chunks on the COW device
  std::atomic<bool> valid_{true};

  mutable std::mutex lock_;  // next_free_, current_area_ (what prepare/usage see)
  chunk_t next_free_ = 2;    // persistent: chunk; transient: sector
  chunk_t current_area_ = 0;

  std::mutex io_lock_;  // serializes commit/merge/drop; guards the fields below
  std::vector<std::byte> area_;
  std::uint32_t committed_ = 0;  // records in the current area
};

}  // namespace udm::targets

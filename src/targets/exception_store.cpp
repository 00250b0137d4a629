#include "targets/exception_store.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <unordered_set>

#include "core/sync_io.hpp"

namespace udm::targets {
namespace {

std::uint32_t get_le32(const std::byte* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint32_t>(p[i]);
  return v;
}
std::uint64_t get_le64(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
  return v;
}
void put_le32(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
void put_le64(std::byte* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

std::uint32_t block_sectors(const io::BlockDevice& d) { return std::max<std::uint32_t>(d.limits().logical_block_size / 512, 1); }

}  // namespace

Result<void> check_chunk_size(sector_t chunk_size, const io::BlockDevice& cow, const io::BlockDevice* origin) {
  if (chunk_size == 0 || (chunk_size & (chunk_size - 1)) != 0) return fail(EINVAL, "Chunk size is not a power of 2");
  if (chunk_size % block_sectors(cow) != 0 || (origin && chunk_size % block_sectors(*origin) != 0))
    return fail(EINVAL, "Chunk size is not a multiple of device blocksize");
  if (chunk_size > (INT_MAX >> SECTOR_SHIFT)) return fail(EINVAL, "Chunk size is too high");
  return {};
}

ExceptionStore::ExceptionStore(Kind kind, io::BlockDevicePtr cow, sector_t chunk_size, bool overflow)
    : kind_(kind), cow_(std::move(cow)), chunk_size_(chunk_size), overflow_(overflow) {}

ExceptionStore::~ExceptionStore() = default;

Result<std::unique_ptr<ExceptionStore>> ExceptionStore::transient(io::BlockDevicePtr cow, sector_t chunk_size) {
  if (chunk_size == 0) return fail(EINVAL, "Chunk size not set");
  auto s = std::unique_ptr<ExceptionStore>(new ExceptionStore(Kind::transient, std::move(cow), chunk_size, false));
  s->next_free_ = 0;
  s->cow_chunks_ = bytes_to_sectors(s->cow_->size()) / chunk_size;
  return s;
}

Result<std::unique_ptr<ExceptionStore>> ExceptionStore::open_persistent(io::BlockDevicePtr cow, sector_t chunk_size,
                                                                        bool overflow_supported, const LoadCallback& add,
                                                                        const io::BlockDevice* origin) {
  auto s = std::unique_ptr<ExceptionStore>(
      new ExceptionStore(Kind::persistent, std::move(cow), chunk_size, overflow_supported));
  bool new_store = false;
  if (auto r = s->load(new_store, add); !r) return fail(r.error());
  if (auto r = check_chunk_size(s->chunk_size_, *s->cow_, origin); !r) return fail(r.error());
  return s;
}

int ExceptionStore::chunk_io(io::Op op, chunk_t chunk, std::byte* data) {
  const byte_count bytes = sectors_to_bytes(chunk_size_);
  if (chunk > UINT64_MAX / bytes) return -EIO;
  return core::sync_io(*cow_, op, chunk * bytes, bytes, data);
}

int ExceptionStore::flush() { return core::sync_io(*cow_, io::Op::flush, 0, 0); }

int ExceptionStore::write_header(bool valid) {
  std::vector<std::byte> h(sectors_to_bytes(chunk_size_));
  put_le32(h.data() + 0, SNAP_MAGIC);
  put_le32(h.data() + 4, valid ? 1 : 0);
  put_le32(h.data() + 8, SNAPSHOT_DISK_VERSION);
  put_le32(h.data() + 12, static_cast<std::uint32_t>(chunk_size_));
  return chunk_io(io::Op::write, 0, h.data());
}

void ExceptionStore::put_record(std::uint32_t index, const Exception& e) {
  std::byte* p = area_.data() + std::size_t{index} * DISK_EXCEPTION_BYTES;
  put_le64(p, e.old_chunk);
  put_le64(p + 8, e.new_chunk);
}

Exception ExceptionStore::get_record(const std::byte* area, std::uint32_t index) const {
  const std::byte* p = area + std::size_t{index} * DISK_EXCEPTION_BYTES;
  return {get_le64(p), get_le64(p + 8)};
}

void ExceptionStore::skip_metadata() {
  // A metadata area sits at every (per_area + 1)th chunk from chunk 1.
  if (next_free_ % (std::uint64_t{per_area_} + 1) == 1) ++next_free_;
}

Result<void> ExceptionStore::load(bool& new_store, const LoadCallback& add) {
  const byte_count cow_bytes = cow_->size();
  const std::uint32_t block = std::max<std::uint32_t>(cow_->limits().logical_block_size, 512);
  if (cow_bytes < block) return fail(EINVAL, "COW device is too small for a header");
  std::vector<std::byte> first(block);
  if (int r = core::sync_io(*cow_, io::Op::read, 0, block, first.data()); r < 0)
    return fail(-r, "cannot read the snapshot header: " + std::string(std::strerror(-r)));

  const std::uint32_t magic = get_le32(first.data());
  new_store = magic == 0;
  if (new_store) {
    if (chunk_size_ == 0) chunk_size_ = std::max<sector_t>(DEFAULT_CHUNK_SECTORS, block / 512);
  } else {
    if (magic != SNAP_MAGIC) return fail(ENXIO, "Invalid or corrupt snapshot");
    const std::uint32_t version = get_le32(first.data() + 8);
    const std::uint32_t disk_chunk = get_le32(first.data() + 12);
    if (version != SNAPSHOT_DISK_VERSION)
      return fail(EINVAL, "unable to handle snapshot disk version " + std::to_string(static_cast<std::int32_t>(version)));
    if (disk_chunk != chunk_size_) {
      if (auto r = check_chunk_size(disk_chunk, *cow_, nullptr); !r)
        return fail(EINVAL, "invalid on-disk chunk size " + std::to_string(disk_chunk) + ": " + r.error().message + ".");
      chunk_size_ = disk_chunk;
    }
    valid_ = get_le32(first.data() + 4) != 0;
  }
  if (auto r = check_chunk_size(chunk_size_, *cow_, nullptr); !r) return fail(r.error());
  const byte_count chunk_bytes = sectors_to_bytes(chunk_size_);
  cow_chunks_ = cow_bytes / chunk_bytes;
  // The header and the first metadata area must fit; an area is one chunk in memory.
  if (cow_chunks_ < 2)
    return fail(EINVAL, "COW device of " + std::to_string(bytes_to_sectors(cow_bytes)) +
                            " sectors cannot hold a header and a metadata area of " + std::to_string(chunk_size_) +
                            "-sector chunks");
  per_area_ = static_cast<std::uint32_t>(chunk_bytes / DISK_EXCEPTION_BYTES);
  area_.assign(chunk_bytes, std::byte{0});
  next_free_ = 2;
  current_area_ = 0;
  committed_ = 0;

  if (new_store) {
    // Zero the first area before the header makes the store real, so a crash
    // in between leaves a store that is still "new" rather than one with
    // stale records.
    if (int r = chunk_io(io::Op::write, area_location(0), area_.data()); r < 0)
      return fail(-r, "cannot zero the first metadata area: " + std::string(std::strerror(-r)));
    int r = flush();
    if (r == 0) r = write_header(true);
    if (r == 0) r = flush();
    if (r < 0) return fail(-r, "cannot write the snapshot header: " + std::string(std::strerror(-r)));
    return {};
  }
  if (!valid_) return {};

  const std::uint64_t stride = std::uint64_t{per_area_} + 1;
  auto is_metadata = [&](chunk_t c) { return c >= 1 && (c - 1) % stride == 0; };
  std::unordered_set<chunk_t> olds, news;
  std::vector<std::byte> buf(chunk_bytes);
  for (chunk_t area = 0;; ++area) {
    const chunk_t where = area_location(area);
    const std::string name = "exception area " + std::to_string(area);
    if (where >= cow_chunks_)
      return fail(EINVAL, name + " at chunk " + std::to_string(where) + " lies past the end of the COW device (" +
                              std::to_string(cow_chunks_) + " chunks)");
    if (int r = chunk_io(io::Op::read, where, buf.data()); r < 0)
      return fail(-r, "cannot read " + name + ": " + std::string(std::strerror(-r)));
    std::uint32_t i = 0;
    for (; i < per_area_; ++i) {
      const Exception e = get_record(buf.data(), i);
      if (e.new_chunk == 0) break;
      const std::string rec = name + " entry " + std::to_string(i) + ": ";
      if (e.new_chunk >= cow_chunks_)
        return fail(EINVAL, rec + "COW chunk " + std::to_string(e.new_chunk) + " lies past the end of the COW device (" +
                                std::to_string(cow_chunks_) + " chunks)");
      if (is_metadata(e.new_chunk))
        return fail(EINVAL, rec + "COW chunk " + std::to_string(e.new_chunk) + " is a metadata area");
      if (e.old_chunk > (MAX_DEVICE_SECTORS / chunk_size_))
        return fail(EINVAL, rec + "origin chunk " + std::to_string(e.old_chunk) + " is out of range");
      if (!olds.insert(e.old_chunk).second)
        return fail(EINVAL, rec + "origin chunk " + std::to_string(e.old_chunk) + " has a second exception");
      if (!news.insert(e.new_chunk).second)
        return fail(EINVAL, rec + "COW chunk " + std::to_string(e.new_chunk) + " is used twice");
      next_free_ = std::max(next_free_, e.new_chunk + 1);
      if (add) add(e);
    }
    if (i < per_area_) {  // a partly filled area is the last one
      std::memcpy(area_.data(), buf.data(), chunk_bytes);
      current_area_ = area;
      committed_ = i;
      break;
    }
  }
  skip_metadata();
  return {};
}

Result<chunk_t> ExceptionStore::prepare() {
  std::lock_guard g(lock_);
  const sector_t size = bytes_to_sectors(cow_->size());
  if (kind_ == Kind::transient) {
    if (size < next_free_ + chunk_size_) return fail(ENOSPC, "COW device is full");
    const chunk_t c = next_free_ / chunk_size_;
    next_free_ += chunk_size_;
    return c;
  }
  if (size / chunk_size_ < next_free_ + 1) return fail(ENOSPC, "COW device is full");
  const chunk_t c = next_free_++;
  skip_metadata();
  return c;
}

int ExceptionStore::commit(const std::vector<Exception>& batch) {
  if (kind_ == Kind::transient) return valid_ ? 0 : -EIO;
  std::lock_guard g(io_lock_);
  if (!valid_) return -EIO;
  std::size_t i = 0;
  while (i < batch.size()) {
    while (i < batch.size() && committed_ < per_area_) put_record(committed_++, batch[i++]);
    const bool full = committed_ == per_area_;
    int r = 0;
    if (full) {
      // The next area must read as empty before this full one is on disk.
      std::vector<std::byte> zero(area_.size());
      chunk_t next_area;
      {
        std::lock_guard l(lock_);
        next_area = current_area_ + 1;
      }
      r = chunk_io(io::Op::write, area_location(next_area), zero.data());
    }
    // Data chunks (and the zeroed next area) reach the disk before the records naming them.
    if (r == 0) r = flush();
    chunk_t area;
    {
      std::lock_guard l(lock_);
      area = current_area_;
    }
    if (r == 0) r = chunk_io(io::Op::write, area_location(area), area_.data());
    if (r == 0) r = flush();
    if (r < 0) {
      valid_ = false;
      return r;
    }
    if (full) {
      std::lock_guard l(lock_);
      ++current_area_;
      committed_ = 0;
      std::fill(area_.begin(), area_.end(), std::byte{0});
    }
  }
  return 0;
}

void ExceptionStore::drop() {
  valid_ = false;
  if (kind_ == Kind::transient) return;
  std::lock_guard g(io_lock_);
  if (write_header(false) == 0) (void)flush();
}

StoreUsage ExceptionStore::usage() const {
  std::lock_guard g(lock_);
  StoreUsage u;
  u.total = bytes_to_sectors(cow_->size());
  if (kind_ == Kind::transient) {
    u.allocated = next_free_;
    return u;
  }
  u.allocated = next_free_ * chunk_size_;
  u.metadata = (current_area_ + 2) * chunk_size_;
  return u;
}

int ExceptionStore::prepare_merge(Exception& last) {
  if (kind_ != Kind::persistent) return -EINVAL;
  std::lock_guard g(io_lock_);
  if (committed_ == 0) {
    chunk_t area;
    {
      std::lock_guard l(lock_);
      if (current_area_ == 0) return 0;
      area = current_area_ - 1;
    }
    if (int r = chunk_io(io::Op::read, area_location(area), area_.data()); r < 0) return r;
    // A full area was validated at load; check again what was read now (the
    // COW device may have grown since, never shrunk under a live store).
    const chunk_t chunks = std::max(cow_chunks_, cow_->size() / sectors_to_bytes(chunk_size_));
    for (std::uint32_t i = 0; i < per_area_; ++i) {
      const Exception e = get_record(area_.data(), i);
      if (e.new_chunk == 0 || e.new_chunk >= chunks) return -EIO;
    }
    std::lock_guard l(lock_);
    current_area_ = area;
    committed_ = per_area_;
  }
  last = get_record(area_.data(), committed_ - 1);
  std::uint32_t n = 1;
  for (; n < committed_; ++n) {
    const Exception e = get_record(area_.data(), committed_ - 1 - n);
    if (e.old_chunk != last.old_chunk - n || e.new_chunk != last.new_chunk - n) break;
  }
  return static_cast<int>(n);
}

int ExceptionStore::commit_merge(std::uint32_t count) {
  std::lock_guard g(io_lock_);
  count = std::min(count, committed_);
  for (std::uint32_t i = 0; i < count; ++i) put_record(committed_ - 1 - i, Exception{});
  chunk_t area;
  {
    std::lock_guard l(lock_);
    area = current_area_;
  }
  int r = chunk_io(io::Op::write, area_location(area), area_.data());
  if (r == 0) r = flush();
  if (r < 0) return r;
  committed_ -= count;
  std::lock_guard l(lock_);
  next_free_ = area_location(current_area_) + committed_ + 1;
  return 0;
}

}  // namespace udm::targets

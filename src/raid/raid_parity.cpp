// raid4/5/6 and raid10 I/O and sync. Each request runs on the worker pool
// with synchronous I/O to the legs: reads go straight to the device holding
// the chunk (or are rebuilt from the rest of the row when it is missing);
// writes take the row's stripe lock, read the rest of the row, put the new
// data in and write it with freshly computed P (and Q): reconstruct-write,
// which stays right when a device is missing. raid10 writes every copy.
#include <algorithm>
#include <cstring>

#include "core/sync_io.hpp"
#include "core/target.hpp"
#include "raid/buffer.hpp"
#include "raid/layout.hpp"
#include "raid/raid_set.hpp"

namespace udm::raid {

namespace {

// The devices of one row range, in memory.
struct Row {
  StripeMap map;
  std::vector<int> slots;     // device -> data slot, -1 for P/Q
  std::vector<Buffer> bufs;   // one per device
  std::vector<bool> have;     // read (or computed)
};

}  // namespace

std::mutex& RaidSet::stripe_lock(std::uint64_t stripe) { return stripe_locks_[stripe % STRIPE_LOCKS]; }

std::uint64_t RaidSet::region_of(byte_count offset) const {
  const sector_t s = bytes_to_sectors(offset);
  const unsigned level = config_.type->level;
  if (level == 1) return s / region_;
  if (level == 10) return map_raid10(n_, config_.copies(), config_.chunk, s).front().dev_sector / region_;
  return map_parity(level, config_.type->layout, n_, config_.chunk, s).dev_sector / region_;
}

void RaidSet::submit_striped(io::Request* r) {
  if (r->op == io::Op::flush) {
    workers_.post([this, r] {
      core::SyncBatch batch;
      io::Request f;
      f.op = io::Op::flush;
      for (unsigned i = 0; i < n_; ++i)
        if (alive(i)) batch.submit(*devs_[i].data, f);
      const int rc = batch.wait();
      core::complete_held(r, rc == -EOPNOTSUPP ? 0 : rc);
    });
    return;
  }
  const bool write = r->op != io::Op::read;
  std::uint64_t region = 0;
  if (write) {
    region = region_of(r->offset);
    std::lock_guard g(lock_);
    touched_[region] = 1;
    if (syncing_[region]) {
      barrier_waiters_.push_back(r);
      return;
    }
    ++inflight_[region];
  }
  workers_.post([this, r, region, write] {
    const int rc = striped_io(r);
    if (write) write_done(region);
    core::complete_held(r, rc);
  });
}

// The region's bit on disk before a write to it goes out (worker thread).
void RaidSet::mark_dirty(std::uint64_t region) {
  if (!has_bitmap()) return;
  {
    std::lock_guard g(lock_);
    if (state_[region] == region_dirty) return;
  }
  std::lock_guard meta(meta_lock_);
  {
    std::lock_guard g(lock_);
    if (state_[region] == region_dirty) return;
    bitmap_set(bits_, region, true);
  }
  write_bits(region / 8, region / 8 + 1);
  std::lock_guard g(lock_);
  state_[region] = region_dirty;
}

// Reads what can be read of a row range; missing devices stay !have.
// `skip` (a device index or -1) is not read.
static void read_row(RaidSet& set, Row& row, byte_count dev_off, byte_count len, int skip,
                     const std::function<bool(unsigned)>& readable, const std::function<void(unsigned, int)>& failed,
                     const std::vector<LegDevices>& devs) {
  (void)set;
  const unsigned n = static_cast<unsigned>(devs.size());
  row.bufs.clear();
  row.have.assign(n, false);
  for (unsigned j = 0; j < n; ++j) row.bufs.emplace_back(len);
  core::SyncBatch batch;
  std::vector<unsigned> asked;
  for (unsigned j = 0; j < n; ++j) {
    if (static_cast<int>(j) == skip || !readable(j)) continue;
    asked.push_back(j);
  }
  // One at a time: a failed device must be told apart.
  for (unsigned j : asked) {
    const int rc = core::sync_io(*devs[j].data, io::Op::read, dev_off, len, row.bufs[j].data());
    if (rc < 0) failed(j, rc);
    else row.have[j] = true;
  }
}

// Fills the data devices of `row` that are !have from the others and P/Q.
// 0, or -EIO when too much is missing.
int RaidSet::reconstruct(void* row_ptr, byte_count len) const {
  Row& row = *static_cast<Row*>(row_ptr);
  const unsigned level = config_.type->level;
  std::vector<unsigned> missing;
  for (unsigned j = 0; j < n_; ++j)
    if (row.slots[j] >= 0 && !row.have[j]) missing.push_back(j);
  if (missing.empty()) return 0;
  const unsigned p = row.map.p_disk;
  const int q = row.map.q_disk;
  const bool have_p = row.have[p];
  const bool have_q = q >= 0 && row.have[static_cast<unsigned>(q)];
  auto coef = [&](unsigned d) { return gf_pow2(q_exponent(config_.type->layout, n_, row.map, d)); };
  if (missing.size() == 1 && have_p) {
    const unsigned x = missing[0];
    std::memcpy(row.bufs[x].data(), row.bufs[p].data(), len);
    for (unsigned j = 0; j < n_; ++j)
      if (row.slots[j] >= 0 && j != x) xor_into(row.bufs[x].span(), row.bufs[j].span());
    row.have[x] = true;
    return 0;
  }
  if (level != 6 || !have_q) return -EIO;
  const unsigned qd = static_cast<unsigned>(q);
  if (missing.size() == 1) {
    const unsigned x = missing[0];
    Buffer acc(len);
    std::memcpy(acc.data(), row.bufs[qd].data(), len);
    for (unsigned j = 0; j < n_; ++j)
      if (row.slots[j] >= 0 && j != x) mul_xor_into(acc.span(), row.bufs[j].span(), coef(j));
    std::memset(row.bufs[x].data(), 0, len);
    mul_xor_into(row.bufs[x].span(), acc.span(), gf_inv(coef(x)));
    row.have[x] = true;
    return 0;
  }
  if (missing.size() != 2 || !have_p) return -EIO;
  const unsigned x = missing[0], y = missing[1];
  Buffer pxy(len), qxy(len);
  std::memcpy(pxy.data(), row.bufs[p].data(), len);
  std::memcpy(qxy.data(), row.bufs[qd].data(), len);
  for (unsigned j = 0; j < n_; ++j) {
    if (row.slots[j] < 0 || j == x || j == y) continue;
    xor_into(pxy.span(), row.bufs[j].span());
    mul_xor_into(qxy.span(), row.bufs[j].span(), coef(j));
  }
  // D_x (g^x + g^y) = Qxy + g^y Pxy; D_y = Pxy + D_x.
  mul_xor_into(qxy.span(), pxy.span(), coef(y));
  std::memset(row.bufs[x].data(), 0, len);
  mul_xor_into(row.bufs[x].span(), qxy.span(), gf_inv(static_cast<std::uint8_t>(coef(x) ^ coef(y))));
  std::memcpy(row.bufs[y].data(), pxy.data(), len);
  xor_into(row.bufs[y].span(), row.bufs[x].span());
  row.have[x] = row.have[y] = true;
  return 0;
}

// P (and Q) of the row's data into `pbuf` (and `qbuf`).
void RaidSet::compute_parity(const void* row_ptr, byte_count len, Buffer& pbuf, Buffer* qbuf) const {
  const Row& row = *static_cast<const Row*>(row_ptr);
  std::memset(pbuf.data(), 0, len);
  if (qbuf) std::memset(qbuf->data(), 0, len);
  for (unsigned j = 0; j < n_; ++j) {
    if (row.slots[j] < 0) continue;
    xor_into(pbuf.span(), row.bufs[j].span());
    if (qbuf) mul_xor_into(qbuf->span(), row.bufs[j].span(), gf_pow2(q_exponent(config_.type->layout, n_, row.map, j)));
  }
}

int RaidSet::striped_io(io::Request* r) {
  const unsigned level = config_.type->level;
  const sector_t s = bytes_to_sectors(r->offset);
  const byte_count len = r->length;
  const byte_count base = sectors_to_bytes(config_.data_offset);
  const bool write = r->op != io::Op::read;
  if (level == 10) {
    const auto copies = map_raid10(n_, config_.copies(), config_.chunk, s);
    if (!write) {
      for (const Copy& c : copies) {
        if (!in_sync_to(c.disk, c.dev_sector + bytes_to_sectors(len))) continue;
        const int rc = core::sync_io(*devs_[c.disk].data, io::Op::read, base + sectors_to_bytes(c.dev_sector), len, r->data);
        if (rc == 0) return 0;
        fail_leg(c.disk, rc);
      }
      return -EIO;
    }
    mark_dirty(copies.front().dev_sector / region_);
    int ok = 0, err = -EIO;
    for (const Copy& c : copies) {
      if (!alive(c.disk)) continue;
      const int rc = core::sync_io(*devs_[c.disk].data, r->op, base + sectors_to_bytes(c.dev_sector), len, r->data, r->fua);
      if (rc == 0) ++ok;
      else if (rc != -EOPNOTSUPP) fail_leg(c.disk, err = rc);
      else err = rc;
    }
    return ok ? 0 : err;
  }

  const StripeMap m = map_parity(level, config_.type->layout, n_, config_.chunk, s);
  const byte_count dev_off = base + sectors_to_bytes(m.dev_sector);
  const sector_t dev_end = m.dev_sector + bytes_to_sectors(len);
  auto readable = [&](unsigned j) { return in_sync_to(j, dev_end); };
  auto failed = [&](unsigned j, int rc) { fail_leg(j, rc); };
  if (!write) {
    if (readable(m.data_disk)) {
      const int rc = core::sync_io(*devs_[m.data_disk].data, io::Op::read, dev_off, len, r->data);
      if (rc == 0) return 0;
      fail_leg(m.data_disk, rc);
    }
    std::lock_guard sl(stripe_lock(m.stripe));
    Row row;
    row.map = m;
    row.slots = data_slots(level, config_.type->layout, n_, m.stripe);
    read_row(*this, row, dev_off, len, static_cast<int>(m.data_disk), readable, failed, devs_);
    if (int rc = reconstruct(&row, len); rc < 0) return rc;
    std::memcpy(r->data, row.bufs[m.data_disk].data(), len);
    return 0;
  }

  if (r->op == io::Op::discard) return 0;  // parity sets do not pass discards down (the kernel's default)
  mark_dirty(m.dev_sector / region_);
  std::lock_guard sl(stripe_lock(m.stripe));
  Row row;
  row.map = m;
  row.slots = data_slots(level, config_.type->layout, n_, m.stripe);
  read_row(*this, row, dev_off, len, -1, readable, failed, devs_);
  if (!row.have[m.data_disk]) {
    // Its old data only matters to rebuild another missing device: try, and go on without.
    (void)reconstruct(&row, len);
  } else if (int rc = reconstruct(&row, len); rc < 0) {
    return rc;
  }
  if (r->op == io::Op::write) std::memcpy(row.bufs[m.data_disk].data(), r->data, len);
  else std::memset(row.bufs[m.data_disk].data(), 0, len);  // write_zeroes
  row.have[m.data_disk] = true;
  Buffer pbuf(len), qbuf(m.q_disk >= 0 ? len : 0);
  compute_parity(&row, len, pbuf, m.q_disk >= 0 ? &qbuf : nullptr);
  int ok = 0;
  struct Out {
    unsigned disk;
    std::byte* data;
  };
  std::vector<Out> outs{{m.data_disk, row.bufs[m.data_disk].data()}, {m.p_disk, pbuf.data()}};
  if (m.q_disk >= 0) outs.push_back({static_cast<unsigned>(m.q_disk), qbuf.data()});
  for (const Out& o : outs) {
    if (!alive(o.disk)) continue;
    const int rc = core::sync_io(*devs_[o.disk].data, io::Op::write, dev_off, len, o.data, r->fua);
    if (rc < 0) fail_leg(o.disk, rc);
    else ++ok;
  }
  return ok ? 0 : -EIO;
}

// One region of a parity set or raid10: resync (recompute parity / copy the
// first copy), recovery of the devices not in sync, or check/repair.
int RaidSet::sync_region_parity(std::uint64_t region, int rebuild_leg, bool compare, bool fix) {
  const unsigned level = config_.type->level;
  const sector_t start = region * region_;
  const sector_t end = std::min<sector_t>(start + region_, dev_sectors_);
  const sector_t chunk = config_.chunk;
  const byte_count base = sectors_to_bytes(config_.data_offset);
  const bool recover = rebuild_leg >= 0;
  for (sector_t row_sector = start; row_sector < end; row_sector += chunk) {
    {
      std::lock_guard g(lock_);
      if (paused_ || stop_ || frozen_) return -EAGAIN;
    }
    const byte_count len = sectors_to_bytes(std::min<sector_t>(chunk, end - row_sector));
    const std::uint64_t stripe = row_sector / chunk;
    const byte_count dev_off = base + sectors_to_bytes(row_sector);
    if (level == 10) {
      const unsigned near = config_.copies();
      for (unsigned d = 0; d < n_; ++d) {
        const std::uint64_t k = stripe * n_ + d;
        if (k % near) continue;
        const auto copies = map_raid10(n_, near, chunk, (k / near) * chunk);
        int src = -1;
        for (const Copy& c : copies)
          if (src < 0 && in_sync_to(c.disk, c.dev_sector + bytes_to_sectors(len))) src = static_cast<int>(&c - copies.data());
        if (src < 0) continue;
        const Copy& from = copies[static_cast<std::size_t>(src)];
        Buffer buf(len), other(len);
        if (int rc = core::sync_io(*devs_[from.disk].data, io::Op::read, base + sectors_to_bytes(from.dev_sector), len, buf.data()); rc < 0) {
          fail_leg(from.disk, rc);
          return -EAGAIN;
        }
        for (const Copy& c : copies) {
          if (&c == &from || !alive(c.disk)) continue;
          const bool in_sync = in_sync_to(c.disk, c.dev_sector + bytes_to_sectors(len));
          if (recover && in_sync) continue;
          bool write = !compare;
          if (compare) {
            if (!in_sync) continue;
            if (int rc = core::sync_io(*devs_[c.disk].data, io::Op::read, base + sectors_to_bytes(c.dev_sector), len, other.data()); rc < 0) {
              fail_leg(c.disk, rc);
              continue;
            }
            if (std::memcmp(buf.data(), other.data(), len) != 0) {
              std::lock_guard g(lock_);
              mismatches_ += bytes_to_sectors(len);
              write = fix;
            }
          }
          if (write) {
            if (int rc = core::sync_io(*devs_[c.disk].data, io::Op::write, base + sectors_to_bytes(c.dev_sector), len, buf.data()); rc < 0)
              fail_leg(c.disk, rc);
          }
        }
        throttle(len);
      }
      continue;
    }
    Row row;
    row.map = row_parity(level, config_.type->layout, n_, stripe);
    row.slots = data_slots(level, config_.type->layout, n_, stripe);
    const sector_t row_end = row_sector + bytes_to_sectors(len);
    read_row(*this, row, dev_off, len, -1, [&](unsigned j) { return in_sync_to(j, row_end); },
             [&](unsigned j, int rc) { fail_leg(j, rc); }, devs_);
    if (reconstruct(&row, len) < 0) return -EAGAIN;
    Buffer pbuf(len), qbuf(row.map.q_disk >= 0 ? len : 0);
    compute_parity(&row, len, pbuf, row.map.q_disk >= 0 ? &qbuf : nullptr);
    auto settle = [&](unsigned disk, Buffer& computed) {
      if (!alive(disk)) return;
      const bool was_read = row.have[disk];
      bool write = !was_read;  // recovery of this device
      if (was_read && !recover) {
        const bool differs = std::memcmp(row.bufs[disk].data(), computed.data(), len) != 0;
        if (differs && compare) {
          std::lock_guard g(lock_);
          mismatches_ += bytes_to_sectors(len);
        }
        write = differs && fix;
      }
      if (!write) return;
      if (int rc = core::sync_io(*devs_[disk].data, io::Op::write, dev_off, len, computed.data()); rc < 0)
        fail_leg(disk, rc);
    };
    settle(row.map.p_disk, pbuf);
    if (row.map.q_disk >= 0) settle(static_cast<unsigned>(row.map.q_disk), qbuf);
    if (recover) {
      for (unsigned j = 0; j < n_; ++j) {
        if (row.slots[j] < 0 || !alive(j) || in_sync_to(j, row_end)) continue;
        if (int rc = core::sync_io(*devs_[j].data, io::Op::write, dev_off, len, row.bufs[j].data()); rc < 0)
          fail_leg(j, rc);
      }
    }
    throttle(len * (n_ - 1));
  }
  return 0;
}

}  // namespace udm::raid

// mirror: the legacy dm-raid1 target LVM's `--type mirror` uses.
//   table:  <log_type> <#log_args> <log_args...> <#mirrors> <dev1> <off1> ... [<#features> <feature>...]
//           log `core`: <region_size> [sync|nosync]; log `disk`: <log_dev> <region_size> [sync|nosync]
//           2..9 mirrors; features handle_errors, keep_log (needs handle_errors)
//   status: <#mirrors> <dev>... <in_sync>/<regions> 1 <health> <log status>
//           health per leg A (ok) D (write error) R (read error) S (sync error);
//           log status "1 core" or "3 disk <maj:min> <A|D>"
//   table output: <log_type> <n> [<log dev>] <region_size> [sync|nosync] <#mirrors> <dev> <off>... [<n> features]
//   messages: none
// The region log decides what is in sync: a core log knows nothing across
// activations (everything resyncs unless nosync); a disk log keeps a bit
// per clean region (src/raid/mirror_log.hpp). Writes run on the worker
// pool: the region is marked dirty in the log (and the log flushed) before
// the legs are written; it is marked clean again lazily once idle. A sync
// thread copies out-of-sync regions from the first leg.
#include <algorithm>
#include <atomic>
#include <bitset>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/sync_io.hpp"
#include "io/worker_pool.hpp"
#include "raid/buffer.hpp"
#include "raid/mirror_log.hpp"
#include "raid/superblock.hpp"
#include "targets/args.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

using raid::Buffer;

constexpr unsigned MAX_MIRRORS = 9;
constexpr auto CLEAN_DELAY = std::chrono::milliseconds(1000);

enum class SyncMode { deflt, sync, nosync };

struct MirrorLeg {
  io::BlockDevicePtr dev;
  sector_t offset = 0;
  std::atomic<char> health{'A'};
};

class Mirror final : public core::Target {
 public:
  Mirror(sector_t length, sector_t region, SyncMode mode, io::BlockDevicePtr log, unsigned features,
         std::function<void()> raise_event)
      : length_(length),
        region_(region),
        regions_((length + region - 1) / region),
        mode_(mode),
        log_(std::move(log)),
        features_(features),
        raise_event_(std::move(raise_event)) {}
  ~Mirror() override {
    bool live;
    {
      std::lock_guard g(lock_);
      live = loaded_ && !paused_;
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (live) write_log(true);
  }

  std::vector<std::unique_ptr<MirrorLeg>> legs;

  // The header's region count (little-endian at byte 8), whatever the table's.
  static std::uint64_t log_regions(const Buffer& head) {
    std::uint64_t n = 0;
    for (int b = 7; b >= 0; --b) n = n << 8 | std::to_integer<std::uint64_t>(head.span()[8 + static_cast<std::size_t>(b)]);
    return n;
  }

  Result<void> validate() {
    if (!log_) return {};
    Buffer head(512);
    if (int r = core::sync_io(*log_, io::Op::read, 0, 512, head.data()); r < 0)
      return fail(-r, "log device " + log_->table_name() + ": read failed");
    raid::MirrorLogHeader h;
    auto k = raid::decode_mirror_log_header(head.span(), log_regions(head), h);
    if (!k) return fail(with_context("log device " + log_->table_name() + ": ", k.error()));
    if (log_->size() < raid::MIRROR_LOG_BITS_OFFSET + log_bytes())
      return fail(EINVAL, "log device " + log_->table_name() + " is too small for " + std::to_string(regions_) + " regions");
    return {};
  }

  core::MapResult map(io::Request* r) override {
    if (r->op == io::Op::read) {
      auto* c = new ReadCtx{this, r, {}, {}};
      c->go();
      return core::MapResult::held;
    }
    if (r->op == io::Op::flush) {
      workers_.post([this, r] {
        core::SyncBatch batch;
        io::Request f;
        f.op = io::Op::flush;
        for (std::size_t i = 0; i < legs.size(); ++i)
          if (alive(i)) batch.submit(*legs[i]->dev, f);
        const int rc = batch.wait();
        core::complete_held(r, rc == -EOPNOTSUPP ? 0 : rc);
      });
      return core::MapResult::held;
    }
    workers_.post([this, r] { core::complete_held(r, write(r)); });
    return core::MapResult::held;
  }

  byte_count max_io_bytes(byte_count offset) const override {
    const byte_count region = sectors_to_bytes(region_);
    return region - offset % region;
  }

  std::string status(core::StatusType type) const override {
    std::string s;
    if (type == core::StatusType::info) {
      s = std::to_string(legs.size()) + " ";
      for (const auto& l : legs) s += l->dev->table_name() + " ";
      std::uint64_t in_sync;
      {
        std::lock_guard g(lock_);
        in_sync = loaded_ ? static_cast<std::uint64_t>(std::count(sync_.begin(), sync_.end(), 1))
                          : (mode_ == SyncMode::nosync ? regions_ : 0);
      }
      s += std::to_string(in_sync) + "/" + std::to_string(regions_) + " 1 ";
      for (const auto& l : legs) s += l->health.load();
      if (log_) s += " 3 disk " + log_->table_name() + " " + (log_failed_.load() ? 'D' : 'A');
      else s += " 1 core";
      return s;
    }
    const unsigned n = (log_ ? 2 : 1) + (mode_ != SyncMode::deflt ? 1 : 0);
    s = std::string(log_ ? "disk" : "core") + " " + std::to_string(n) + " ";
    if (log_) s += log_->table_name() + " ";
    s += std::to_string(region_) + " ";
    if (mode_ != SyncMode::deflt) s += mode_ == SyncMode::nosync ? "nosync " : "sync ";
    s += std::to_string(legs.size());
    for (const auto& l : legs) s += " " + l->dev->table_name() + " " + std::to_string(l->offset);
    if (features_) {
      s += " " + std::to_string(features_ == 3 ? 2 : 1) + " handle_errors";
      if (features_ & 2) s += " keep_log";
    }
    return s;
  }

  Result<std::string> message(std::span<const std::string>) override { return fail(EINVAL, "mirror: no messages"); }

  std::vector<io::BlockDevicePtr> devices() const override {
    std::vector<io::BlockDevicePtr> out;
    if (log_) out.push_back(log_);
    for (const auto& l : legs) out.push_back(l->dev);
    return out;
  }

  Result<void> presuspend(bool) override {
    pause();
    return {};
  }
  void presuspend_undo() override { start(); }
  void postsuspend(bool) override { write_log(true); }
  Result<void> preresume() override { return load(); }
  void resume() override { start(); }

 private:
  struct ReadCtx {
    Mirror* m;
    io::Request* parent;
    io::Request child;
    std::bitset<MAX_MIRRORS> tried;
    void go() {
      const int leg = m->choose_read_leg(parent->offset, tried);
      if (leg < 0) {
        io::Request* p = parent;
        delete this;
        core::complete_held(p, -EIO);
        return;
      }
      tried.set(static_cast<std::size_t>(leg));
      const auto& l = *m->legs[static_cast<std::size_t>(leg)];
      child = io::Request{};
      child.op = io::Op::read;
      child.index = static_cast<std::uint32_t>(leg);
      child.offset = parent->offset + sectors_to_bytes(l.offset);
      child.length = parent->length;
      child.data = parent->data;
      child.context = this;
      child.done = done;
      l.dev->submit(&child);
    }
    static void done(io::Request* child, int result) {
      auto* c = static_cast<ReadCtx*>(child->context);
      if (result == 0) {
        io::Request* p = c->parent;
        delete c;
        core::complete_held(p, 0);
        return;
      }
      c->m->fail_leg(child->index, 'R');
      c->go();
    }
  };

  bool alive(std::size_t i) const { return legs[i]->health.load() == 'A'; }

  int choose_read_leg(byte_count offset, const std::bitset<MAX_MIRRORS>& tried) {
    const std::uint64_t r = bytes_to_sectors(offset) / region_;
    bool in_sync;
    {
      std::lock_guard g(lock_);
      in_sync = r < sync_.size() && sync_[r];
    }
    // Out of sync: only the default mirror (the first live leg) has the data.
    for (std::size_t k = 0; k < legs.size(); ++k) {
      const std::size_t i = in_sync ? (k + (offset >> 16)) % legs.size() : k;
      if (!tried.test(i) && alive(i)) return static_cast<int>(i);
    }
    return -1;
  }

  void fail_leg(std::size_t i, char why) {
    char expected = 'A';
    if (!legs[i]->health.compare_exchange_strong(expected, why)) return;
    std::fprintf(stderr, "mirror: leg %zu (%s) failed\n", i, legs[i]->dev->table_name().c_str());
    if (raise_event_) raise_event_();
  }

  std::size_t log_bytes() const { return (regions_ + 7) / 8; }

  Result<void> load() {
    std::lock_guard meta(meta_lock_);
    std::vector<std::uint8_t> clean(log_bytes(), 0);
    bool valid = false;
    std::uint64_t known = 0;  // regions whose clean bit the log holds
    if (log_) {
      Buffer head(512);
      if (int r = core::sync_io(*log_, io::Op::read, 0, 512, head.data()); r < 0) return fail(-r, "mirror log: read failed");
      // As the kernel, a header written for another region count is kept:
      // lvm2 writes nr_regions = ~0 on a new log (its bits then count for
      // every region), a resized mirror the old count (regions past it
      // start as the sync mode says).
      const std::uint64_t on_disk = log_regions(head);
      raid::MirrorLogHeader h;
      auto k = raid::decode_mirror_log_header(head.span(), on_disk, h);
      if (!k) return fail(k.error());
      valid = *k == raid::LogKind::valid;
      if (valid) known = std::min(on_disk, regions_);
      if (valid) {
        const byte_count len = (log_bytes() + 511) / 512 * 512;
        Buffer bits(len);
        if (int r = core::sync_io(*log_, io::Op::read, raid::MIRROR_LOG_BITS_OFFSET, len, bits.data()); r < 0)
          return fail(-r, "mirror log: read failed");
        std::memcpy(clean.data(), bits.data(), log_bytes());
      }
    }
    {
      std::lock_guard g(lock_);
      if (loaded_) return {};
      sync_.assign(regions_, 0);
      dirty_.assign(regions_, 0);
      inflight_.assign(regions_, 0);
      last_write_.assign(regions_, {});
      for (std::uint64_t r = 0; r < regions_; ++r) {
        bool s = mode_ == SyncMode::nosync || (mode_ == SyncMode::deflt && r < known && raid::bitmap_test(clean, r));
        sync_[r] = s;
        dirty_[r] = !s;  // not clean in the log until synced
      }
      loaded_ = true;
      paused_ = true;
    }
    if (log_) write_log_locked(true);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    return {};
  }

  // The log as the set stands: header and every clean bit. Caller holds meta_lock_.
  void write_log_locked(bool header) {
    if (!log_) return;
    const byte_count len = (log_bytes() + 511) / 512 * 512;
    Buffer bits(len);
    {
      std::lock_guard g(lock_);
      for (std::uint64_t r = 0; r < regions_; ++r)
        if (sync_[r] && !dirty_[r]) raid::bitmap_set(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(bits.data()), len), r, true);
    }
    int rc = 0;
    if (header) {
      Buffer head(512);
      raid::encode_mirror_log_header({raid::MIRROR_LOG_MAGIC, raid::MIRROR_LOG_VERSION, regions_}, head.span());
      rc = core::sync_io(*log_, io::Op::write, 0, 512, head.data(), true);
    }
    if (rc == 0) rc = core::sync_io(*log_, io::Op::write, raid::MIRROR_LOG_BITS_OFFSET, len, bits.data(), true);
    if (rc < 0 && !log_failed_.exchange(true) && raise_event_) raise_event_();
  }

  void write_log(bool header) {
    {
      std::lock_guard g(lock_);
      if (!loaded_) return;
      for (std::uint64_t r = 0; r < regions_; ++r)
        if (!inflight_[r] && sync_[r]) dirty_[r] = 0;
    }
    std::lock_guard meta(meta_lock_);
    write_log_locked(header);
  }

  // On a worker: the region dirty in the log, then every live leg.
  int write(io::Request* r) {
    const std::uint64_t region = bytes_to_sectors(r->offset) / region_;
    bool mark;
    {
      std::unique_lock g(lock_);
      cv_.wait(g, [&] { return static_cast<std::int64_t>(region) != barrier_; });
      ++inflight_[region];
      last_write_[region] = std::chrono::steady_clock::now();
      mark = !dirty_[region];
      dirty_[region] = 1;
    }
    if (mark && log_) {
      std::lock_guard meta(meta_lock_);
      write_log_locked(false);
    }
    int ok = 0, err = -EIO;
    for (std::size_t i = 0; i < legs.size(); ++i) {
      if (!alive(i)) continue;
      const int rc = core::sync_io(*legs[i]->dev, r->op, r->offset + sectors_to_bytes(legs[i]->offset), r->length,
                                   r->data, r->fua);
      if (rc == 0) ++ok;
      else if (rc == -EOPNOTSUPP) err = rc;
      else {
        err = rc;
        fail_leg(i, 'D');
      }
    }
    {
      std::lock_guard g(lock_);
      if (--inflight_[region] == 0) cv_.notify_all();
      if (ok < static_cast<int>(legs.size()) && r->op == io::Op::write) sync_[region] = 0;  // a leg missed it
    }
    return ok ? 0 : err;
  }

  void pause() {
    std::unique_lock g(lock_);
    paused_ = true;
    cv_.notify_all();
    cv_.wait(g, [&] { return !stepping_; });
  }
  void start() {
    {
      std::lock_guard g(lock_);
      paused_ = false;
    }
    cv_.notify_all();
  }

  void run() {
    std::unique_lock g(lock_);
    auto next_clean = std::chrono::steady_clock::now() + CLEAN_DELAY;
    while (!stop_) {
      if (!paused_) {
        std::int64_t r = -1;
        for (std::uint64_t i = 0; i < regions_; ++i)
          if (!sync_[i]) {
            r = static_cast<std::int64_t>(i);
            break;
          }
        if (r >= 0 && live_legs() >= 2) {
          stepping_ = true;
          barrier_ = r;
          cv_.wait(g, [&] { return inflight_[static_cast<std::uint64_t>(r)] == 0; });
          g.unlock();
          const bool ok = copy_region(static_cast<std::uint64_t>(r));
          g.lock();
          barrier_ = -1;
          if (ok) sync_[static_cast<std::uint64_t>(r)] = 1;
          stepping_ = false;
          cv_.notify_all();
          continue;
        }
      }
      if (std::chrono::steady_clock::now() >= next_clean) {
        const bool run_clean = !paused_;
        g.unlock();
        if (run_clean) clean_idle();
        g.lock();
        next_clean = std::chrono::steady_clock::now() + CLEAN_DELAY;
      }
      cv_.wait_until(g, next_clean);
    }
  }

  unsigned live_legs() const {
    unsigned n = 0;
    for (std::size_t i = 0; i < legs.size(); ++i) n += alive(i) ? 1 : 0;
    return n;
  }

  // Regions in sync with nothing written for a while become clean in the log.
  void clean_idle() {
    bool changed = false;
    {
      std::lock_guard g(lock_);
      const auto now = std::chrono::steady_clock::now();
      for (std::uint64_t r = 0; r < regions_; ++r)
        if (dirty_[r] && sync_[r] && !inflight_[r] && now - last_write_[r] >= CLEAN_DELAY) {
          dirty_[r] = 0;
          changed = true;
        }
    }
    if (changed && log_) {
      std::lock_guard meta(meta_lock_);
      write_log_locked(false);
    }
  }

  bool copy_region(std::uint64_t region) {
    int src = -1;
    for (std::size_t i = 0; i < legs.size() && src < 0; ++i)
      if (alive(i)) src = static_cast<int>(i);
    if (src < 0) return false;
    const sector_t start = region * region_;
    const sector_t end = std::min<sector_t>(start + region_, length_);
    Buffer buf(1 << 20);
    for (byte_count off = sectors_to_bytes(start); off < sectors_to_bytes(end); off += buf.size()) {
      {
        std::lock_guard g(lock_);
        if (paused_ || stop_) return false;
      }
      const byte_count len = std::min<byte_count>(buf.size(), sectors_to_bytes(end) - off);
      const auto& from = *legs[static_cast<std::size_t>(src)];
      if (core::sync_io(*from.dev, io::Op::read, off + sectors_to_bytes(from.offset), len, buf.data()) < 0) {
        fail_leg(static_cast<std::size_t>(src), 'R');
        return false;
      }
      for (std::size_t i = 0; i < legs.size(); ++i) {
        if (static_cast<int>(i) == src || !alive(i)) continue;
        if (core::sync_io(*legs[i]->dev, io::Op::write, off + sectors_to_bytes(legs[i]->offset), len, buf.data()) < 0)
          fail_leg(i, 'S');
      }
    }
    return true;
  }

  sector_t length_, region_;
  std::uint64_t regions_;
  SyncMode mode_;
  io::BlockDevicePtr log_;
  unsigned features_;  // 1 handle_errors, 2 keep_log
  std::function<void()> raise_event_;
  std::atomic<bool> log_failed_{false};

  mutable std::mutex lock_;
  std::condition_variable cv_;
  bool loaded_ = false, paused_ = true, stop_ = false, stepping_ = false;
  std::int64_t barrier_ = -1;
  std::vector<std::uint8_t> sync_, dirty_;
  std::vector<std::uint32_t> inflight_;
  std::vector<std::chrono::steady_clock::time_point> last_write_;
  std::mutex meta_lock_;
  std::thread thread_;
  io::WorkerPool workers_{2, "udm-mirror"};  // writes block on the log and the legs; last: stops first
};

Result<std::unique_ptr<core::Target>> create(const core::TargetArgs& a) {
  ArgSet args(a.args);
  const std::string* log_type = args.shift();
  if (!log_type) return fail(EINVAL, "Invalid number of arguments");
  if (*log_type != "core" && *log_type != "disk") return fail(EINVAL, "Error creating mirror dirty log");
  const bool disk = *log_type == "disk";
  auto nlog = args.read_group({disk ? 2u : 1u, disk ? 3u : 2u, "Error creating mirror dirty log"});
  if (!nlog) return fail(nlog.error());
  io::BlockDevicePtr log;
  if (disk) {
    const std::string* dev = args.shift();
    auto d = open_device(a, *dev, 0, 1, "log device");
    if (!d) return fail(d.error());
    log = std::move(*d);
  }
  auto region = args.read({2, UINT32_MAX, "Invalid region size"});
  if (!region) return fail(region.error());
  if (*region & (*region - 1)) return fail(EINVAL, "Region size is not a power of 2");
  if (*region > a.length) return fail(EINVAL, "Region size is greater than target length");
  SyncMode mode = SyncMode::deflt;
  if (*nlog == (disk ? 3u : 2u)) {
    const std::string* w = args.shift();
    if (*w == "sync") mode = SyncMode::sync;
    else if (*w == "nosync") mode = SyncMode::nosync;
    else return fail(EINVAL, "Error creating mirror dirty log");
  }
  auto nmirrors = args.read({2, MAX_MIRRORS, "Invalid number of mirrors"});
  if (!nmirrors) return fail(nmirrors.error());
  if (args.size() < 2 * *nmirrors) return fail(EINVAL, "Too few mirror arguments");
  std::vector<std::pair<std::string, std::string>> devs;
  for (std::uint64_t i = 0; i < *nmirrors; ++i) {
    const std::string dev = *args.shift();
    const std::string off = *args.shift();
    devs.emplace_back(dev, off);
  }
  unsigned features = 0;
  if (!args.empty()) {
    auto nf = args.read({1, 2, "Invalid number of features"});
    if (!nf) return fail(nf.error());
    if (args.size() != *nf) return fail(EINVAL, "Not enough arguments to support feature count");
    for (std::size_t i = 0; i < *nf; ++i) {
      const std::string w = *args.shift();
      if (w == "handle_errors") features |= 1;
      else if (w == "keep_log") features |= 2;
      else return fail(EINVAL, "Unrecognised feature requested");
    }
    if ((features & 2) && !(features & 1)) return fail(EINVAL, "keep_log feature requires the handle_errors feature");
  }
  auto m = std::make_unique<Mirror>(a.length, *region, mode, std::move(log), features, a.raise_event);
  for (std::size_t i = 0; i < devs.size(); ++i) {
    auto off = parse_number(devs[i].second, "mirror " + std::to_string(i) + " offset");
    if (!off) return fail(off.error());
    auto d = open_device(a, devs[i].first, *off, a.length, "mirror " + std::to_string(i) + " device");
    if (!d) return fail(d.error());
    auto leg = std::make_unique<MirrorLeg>();
    leg->dev = std::move(*d);
    leg->offset = *off;
    m->legs.push_back(std::move(leg));
  }
  if (auto v = m->validate(); !v) return fail(v.error());
  return std::unique_ptr<core::Target>(std::move(m));
}

}  // namespace

const core::TargetType& mirror_target_type() {
  static const core::TargetType type{"mirror", {1, 14, 0}, 0, create};
  return type;
}

}  // namespace udm::targets

// dm-stats regions and their counters. Each area's counters sit behind a
// one-byte spin lock (updates are a handful of additions); the I/O path
// reaches the regions through an immutable snapshot, so creating or deleting
// a region never waits for I/O and I/O never walks a list being changed.
#include "core/stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>
#include <strings.h>
#include <thread>

namespace udm::core {

namespace {

std::atomic<std::size_t> g_allocated{0};

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

bool iequal(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

// Decimal digits only (sscanf's signs and blanks are not taken), no overflow.
std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::optional<std::uint32_t> parse_u32(std::string_view s) {
  auto v = parse_u64(s);
  if (!v || *v > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

// A region id as the kernel reads it ("%d", not negative).
std::optional<int> parse_id(std::string_view s) {
  auto v = parse_u64(s);
  if (!v || *v > static_cast<std::uint64_t>(INT_MAX)) return std::nullopt;
  return static_cast<int>(*v);
}

// "histogram:n1,n2,..." after the colon: strictly increasing, above zero.
Result<std::vector<std::uint64_t>> parse_histogram(std::string_view s) {
  std::vector<std::uint64_t> bounds;
  std::uint64_t last = 0;
  for (;;) {
    const std::size_t comma = s.find(',');
    auto v = parse_u64(s.substr(0, comma));
    if (!v) return fail(EINVAL, "@stats_create: histogram boundary '" + std::string(s.substr(0, comma)) +
                                    "' is not a number");
    if (*v <= last) return fail(EINVAL, "@stats_create: histogram boundaries must increase");
    last = *v;
    bounds.push_back(*v);
    if (comma == std::string_view::npos) return bounds;
    s.remove_prefix(comma + 1);
  }
}

Error einval(const std::string& verb, const std::string& why) {
  return Error{EINVAL, "Invalid parameters for message " + verb + ": " + why};
}

}  // namespace

// ------------------------------------------------------------------ regions

struct StatsArea {
  std::atomic<bool> busy{false};  // spin lock over everything below
  std::int32_t in_flight[2]{};
  std::uint64_t stamp = 0;
  std::uint64_t ios[2]{}, merges[2]{}, sectors[2]{}, ticks[2]{}, io_ticks[2]{};
  std::uint64_t io_ticks_total = 0, time_in_queue = 0;
};

// A copy of one area's counters (print, print_clear).
struct AreaCounts {
  std::int32_t in_flight = 0;
  std::uint64_t ios[2]{}, merges[2]{}, sectors[2]{}, ticks[2]{}, io_ticks[2]{};
  std::uint64_t io_ticks_total = 0, time_in_queue = 0;
};

class AreaLock {
 public:
  explicit AreaLock(StatsArea& a) : a_(a) {
    while (a_.busy.exchange(true, std::memory_order_acquire)) {
      while (a_.busy.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
  }
  ~AreaLock() { a_.busy.store(false, std::memory_order_release); }
  AreaLock(const AreaLock&) = delete;
  AreaLock& operator=(const AreaLock&) = delete;

 private:
  StatsArea& a_;
};

struct StatsRegion {
  int id = 0;
  sector_t start = 0, end = 0, step = 1;
  std::size_t n_areas = 0;
  bool precise = false;  // times in ns, not ms
  std::vector<std::uint64_t> bounds;
  std::string program_id, aux_data;  // aux_data: under DeviceStats::control_
  std::unique_ptr<StatsArea[]> areas;
  std::unique_ptr<std::uint64_t[]> histogram;  // bounds.size() + 1 per area, under the area's lock
  std::size_t bytes = 0;

  ~StatsRegion() { g_allocated.fetch_sub(bytes, std::memory_order_relaxed); }

  std::uint64_t units(std::uint64_t ns) const { return precise ? ns : ns / 1'000'000u; }
  std::uint64_t* buckets(std::size_t area) { return histogram.get() + area * (bounds.size() + 1); }

  // dm's "round": time passed since the area's last change goes to the busy
  // counters of what was in flight meanwhile.
  static void round(StatsArea& a, std::uint64_t now) {
    if (now <= a.stamp) return;
    const std::uint64_t diff = now - a.stamp;
    if (a.in_flight[0]) a.io_ticks[0] += diff;
    if (a.in_flight[1]) a.io_ticks[1] += diff;
    const std::uint64_t n = static_cast<std::uint32_t>(a.in_flight[0]) + static_cast<std::uint32_t>(a.in_flight[1]);
    if (n) {
      a.io_ticks_total += diff;
      a.time_in_queue += n * diff;
    }
    a.stamp = now;
  }

  // fn(area index, sectors of the request inside it) for each area the request touches.
  template <class Fn>
  void for_each_area(sector_t sector, sector_t sectors, Fn&& fn) const {
    const sector_t last = sector + sectors;
    if (last <= start || sector >= end) return;
    sector_t rel, todo;
    if (sector < start) {
      rel = 0;
      todo = last - start;
    } else {
      rel = sector - start;
      todo = last - sector;
    }
    if (last > end) todo -= last - end;
    std::size_t area = static_cast<std::size_t>(rel / step);
    sector_t offset = rel % step;
    while (todo > 0 && area < n_areas) {
      const sector_t n = std::min(todo, step - offset);
      fn(area, n);
      todo -= n;
      ++area;
      offset = 0;
    }
  }
};

struct StatsRegionSet {
  std::vector<std::shared_ptr<StatsRegion>> regions;
};

// ------------------------------------------------------------------ I/O path

DeviceStats::DeviceStats() = default;
DeviceStats::~DeviceStats() = default;

std::size_t DeviceStats::allocated_bytes() { return g_allocated.load(std::memory_order_relaxed); }

std::size_t DeviceStats::max_bytes() {
  static const std::size_t cap = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return std::size_t{256} << 20;
    return static_cast<std::size_t>(pages) / 4 * static_cast<std::size_t>(page);
  }();
  return cap;
}

void DeviceStats::begin(StatsIo& io, bool write, sector_t sector, sector_t sectors) {
  {
    std::lock_guard g(snapshot_lock_);
    io.regions = snapshot_;
  }
  if (!io.regions || io.regions->regions.empty() || sectors == 0) {
    io.regions.reset();
    return;
  }
  io.write = write;
  io.sector = sector;
  io.sectors = sectors;
  io.start_ns = now_ns();
  // A request that starts where the previous one ended, in the same
  // direction, counts as merged (the block layer's notion, which dm's own
  // per-CPU test means to follow).
  const std::uint64_t mine = ((sector + sectors) << 1) | (write ? 1 : 0);
  const std::uint64_t prev = last_.exchange(mine, std::memory_order_relaxed);
  io.merged = prev == ((sector << 1) | (write ? 1 : 0));
  const int dir = write ? 1 : 0;
  for (const auto& r : io.regions->regions) {
    const std::uint64_t now = r->units(io.start_ns);
    r->for_each_area(sector, sectors, [&](std::size_t i, sector_t) {
      StatsArea& a = r->areas[i];
      AreaLock g(a);
      StatsRegion::round(a, now);
      ++a.in_flight[dir];
    });
  }
}

void DeviceStats::end(StatsIo& io) {
  if (!io.regions) return;
  const std::uint64_t end_ns = now_ns();
  const int dir = io.write ? 1 : 0;
  for (const auto& r : io.regions->regions) {
    const std::uint64_t now = r->units(end_ns);
    const std::uint64_t duration = now - r->units(io.start_ns);
    const auto bucket = static_cast<std::size_t>(std::upper_bound(r->bounds.begin(), r->bounds.end(), duration) -
                                                 r->bounds.begin());
    r->for_each_area(io.sector, io.sectors, [&](std::size_t i, sector_t n) {
      StatsArea& a = r->areas[i];
      AreaLock g(a);
      StatsRegion::round(a, now);
      --a.in_flight[dir];
      a.sectors[dir] += n;
      a.ios[dir] += 1;
      a.merges[dir] += io.merged ? 1 : 0;
      a.ticks[dir] += duration;
      if (!r->bounds.empty()) r->buckets(i)[bucket] += 1;
    });
  }
  io.regions.reset();
}

// ------------------------------------------------------------------ messages

std::optional<Result<StatsReply>> DeviceStats::message(std::span<const std::string> args, sector_t device_sectors,
                                                       std::size_t room) {
  if (args.empty()) return std::nullopt;
  const std::string& verb = args[0];
  if (iequal(verb, "@stats_create")) return create(args, device_sectors, room);
  if (iequal(verb, "@stats_delete")) return remove(args);
  if (iequal(verb, "@stats_clear")) return clear(args);
  if (iequal(verb, "@stats_list")) return list(args, room);
  if (iequal(verb, "@stats_print")) return print(args, false, room);
  if (iequal(verb, "@stats_print_clear")) return print(args, true, room);
  if (iequal(verb, "@stats_set_aux")) return set_aux(args);
  return std::nullopt;
}

std::shared_ptr<StatsRegion> DeviceStats::find(int id) const {
  for (const auto& r : regions_)
    if (r->id == id) return r;
  return nullptr;
}

void DeviceStats::publish() {
  auto set = std::make_shared<StatsRegionSet>();
  set->regions = regions_;
  std::shared_ptr<const StatsRegionSet> old;
  {
    std::lock_guard g(snapshot_lock_);
    old = std::exchange(snapshot_, std::move(set));
  }
  used_.store(!regions_.empty(), std::memory_order_relaxed);
}

Result<StatsReply> DeviceStats::create(std::span<const std::string> args, sector_t device_sectors, std::size_t room) {
  const std::string& verb = args[0];
  if (args.size() < 3) return fail(einval(verb, "expected <range> <step>"));
  sector_t start = 0, len = 0;
  if (args[1] == "-") {
    len = device_sectors ? device_sectors : 1;
  } else {
    const std::size_t plus = args[1].find('+');
    auto s = plus == std::string::npos ? std::nullopt : parse_u64(std::string_view(args[1]).substr(0, plus));
    auto l = plus == std::string::npos ? std::nullopt : parse_u64(std::string_view(args[1]).substr(plus + 1));
    if (!s || !l) return fail(einval(verb, "range '" + args[1] + "' is not - or <start>+<length>"));
    start = *s;
    len = *l;
  }
  const sector_t end = start + len;
  if (start >= end) return fail(einval(verb, "range '" + args[1] + "' is empty or wraps"));

  sector_t step = 0;
  if (args[2].starts_with('/')) {
    auto n = parse_u32(std::string_view(args[2]).substr(1));
    if (!n || *n == 0) return fail(einval(verb, "area count '" + args[2] + "' is not /<number above 0>"));
    step = (end - start) / *n + ((end - start) % *n ? 1 : 0);
    if (step == 0) step = 1;
  } else {
    auto n = parse_u64(args[2]);
    if (!n || *n == 0) return fail(einval(verb, "step '" + args[2] + "' is not a number above 0"));
    step = *n;
  }

  std::size_t i = 3;
  auto next = [&]() -> const std::string* { return i < args.size() ? &args[i++] : nullptr; };
  bool precise = false;
  std::vector<std::uint64_t> bounds;
  const std::string* a = next();
  if (a) {
    if (auto count = parse_u32(*a)) {
      for (std::uint32_t k = 0; k < *count; ++k) {
        a = next();
        if (!a) return fail(einval(verb, "fewer optional arguments than announced"));
        if (iequal(*a, "precise_timestamps")) {
          precise = true;
        } else if (a->size() >= 10 && strncasecmp(a->c_str(), "histogram:", 10) == 0) {
          if (!bounds.empty()) return fail(einval(verb, "histogram given twice"));
          auto b = parse_histogram(std::string_view(*a).substr(10));
          if (!b) return fail(b.error());
          bounds = std::move(*b);
        } else {
          return fail(einval(verb, "unknown optional argument '" + *a + "'"));
        }
      }
      a = next();
    }
  }
  std::string program_id = a ? *a : "-";
  a = next();
  std::string aux_data = a ? *a : "-";
  if (i < args.size()) return fail(einval(verb, "too many arguments"));

  // The id must fit the reply before the region exists: a retry with a
  // larger buffer would otherwise leak the region made by this attempt.
  if (std::to_string(INT_MAX).size() + 1 >= room) return StatsReply{"", true};

  const sector_t areas64 = (end - start) / step + ((end - start) % step ? 1 : 0);
  if (areas64 > SIZE_MAX / sizeof(StatsArea)) return fail(EOVERFLOW, verb + ": too many areas");
  const auto n_areas = static_cast<std::size_t>(areas64);
  const std::size_t area_bytes = n_areas * sizeof(StatsArea);
  const std::size_t per_area_hist = bounds.empty() ? 0 : bounds.size() + 1;
  if (per_area_hist && n_areas > SIZE_MAX / sizeof(std::uint64_t) / per_area_hist)
    return fail(EOVERFLOW, verb + ": histogram too large");
  const std::size_t hist_bytes = n_areas * per_area_hist * sizeof(std::uint64_t);
  const std::size_t bytes = sizeof(StatsRegion) + area_bytes + hist_bytes + bounds.size() * sizeof(std::uint64_t) +
                            program_id.size() + aux_data.size();
  if (bytes < area_bytes || bytes < hist_bytes) return fail(EOVERFLOW, verb + ": region too large");

  std::lock_guard g(control_);
  // The lowest id not in use (regions_ is kept sorted by id).
  int id = 0;
  for (const auto& r : regions_) {
    if (r->id > id) break;
    if (id == INT_MAX) return fail(ENFILE, verb + ": no region id left");
    ++id;
  }
  std::size_t have = g_allocated.load(std::memory_order_relaxed);
  do {
    if (bytes > max_bytes() || have > max_bytes() - bytes)
      return fail(ENOMEM, verb + ": " + std::to_string(bytes) + " bytes of statistics would pass the limit of " +
                              std::to_string(max_bytes()) + " bytes (" + std::to_string(have) + " in use)");
  } while (!g_allocated.compare_exchange_weak(have, have + bytes, std::memory_order_relaxed));
  auto r = std::make_shared<StatsRegion>();
  r->bytes = bytes;  // the destructor gives them back, whatever happens below
  r->areas.reset(new (std::nothrow) StatsArea[n_areas]);
  if (per_area_hist) r->histogram.reset(new (std::nothrow) std::uint64_t[n_areas * per_area_hist]());
  if (!r->areas || (per_area_hist && !r->histogram)) return fail(ENOMEM, verb + ": out of memory");
  r->id = id;
  r->start = start;
  r->end = end;
  r->step = step;
  r->n_areas = n_areas;
  r->precise = precise;
  r->bounds = std::move(bounds);
  r->program_id = std::move(program_id);
  r->aux_data = std::move(aux_data);
  auto pos = std::find_if(regions_.begin(), regions_.end(), [&](const auto& x) { return x->id > id; });
  regions_.insert(pos, std::move(r));
  publish();
  return StatsReply{std::to_string(id), false};
}

Result<StatsReply> DeviceStats::remove(std::span<const std::string> args) {
  const std::string& verb = args[0];
  if (args.size() != 2) return fail(einval(verb, "expected <region_id>"));
  auto id = parse_id(args[1]);
  if (!id) return fail(einval(verb, "region id '" + args[1] + "' is not a number"));
  std::lock_guard g(control_);
  auto it = std::find_if(regions_.begin(), regions_.end(), [&](const auto& r) { return r->id == *id; });
  if (it == regions_.end()) return fail(ENOENT, verb + ": region " + args[1] + " does not exist");
  regions_.erase(it);
  publish();
  return StatsReply{"", false, false};
}

namespace {

void zero(StatsArea& a) {
  for (int d = 0; d < 2; ++d) a.ios[d] = a.merges[d] = a.sectors[d] = a.ticks[d] = a.io_ticks[d] = 0;
  a.io_ticks_total = a.time_in_queue = 0;
}

}  // namespace

Result<StatsReply> DeviceStats::clear(std::span<const std::string> args) {
  const std::string& verb = args[0];
  if (args.size() != 2) return fail(einval(verb, "expected <region_id>"));
  auto id = parse_id(args[1]);
  if (!id) return fail(einval(verb, "region id '" + args[1] + "' is not a number"));
  std::lock_guard g(control_);
  auto r = find(*id);
  if (!r) return fail(ENOENT, verb + ": region " + args[1] + " does not exist");
  const std::size_t nb = r->bounds.empty() ? 0 : r->bounds.size() + 1;
  for (std::size_t i = 0; i < r->n_areas; ++i) {
    StatsArea& a = r->areas[i];
    AreaLock l(a);
    zero(a);
    if (nb) std::fill_n(r->buckets(i), nb, 0);
  }
  return StatsReply{"", false, false};
}

Result<StatsReply> DeviceStats::list(std::span<const std::string> args, std::size_t room) {
  const std::string& verb = args[0];
  if (args.size() > 2) return fail(einval(verb, "expected at most a program id"));
  std::lock_guard g(control_);
  std::string out;
  for (const auto& r : regions_) {
    if (args.size() == 2 && r->program_id != args[1]) continue;
    out += std::to_string(r->id) + ": " + std::to_string(r->start) + '+' + std::to_string(r->end - r->start) + ' ' +
           std::to_string(r->step) + ' ' + r->program_id + ' ' + r->aux_data;
    if (r->precise) out += " precise_timestamps";
    for (std::size_t b = 0; b < r->bounds.size(); ++b)
      out += (b ? "," : " histogram:") + std::to_string(r->bounds[b]);
    out += '\n';
    if (out.size() + 1 >= room) return StatsReply{std::move(out), true};
  }
  return StatsReply{std::move(out), false};
}

Result<StatsReply> DeviceStats::print(std::span<const std::string> args, bool clear, std::size_t room) {
  const std::string& verb = args[0];
  if (args.size() != 2 && args.size() != 4) return fail(einval(verb, "expected <region_id> [<start> <count>]"));
  auto id = parse_id(args[1]);
  if (!id) return fail(einval(verb, "region id '" + args[1] + "' is not a number"));
  std::uint64_t first = 0, count = UINT64_MAX;
  if (args.size() == 4) {
    if (args[2] != "-") {
      auto v = parse_u64(args[2]);
      if (!v) return fail(einval(verb, "starting line '" + args[2] + "' is not a number"));
      first = *v;
    }
    if (args[3] != "-") {
      auto v = parse_u64(args[3]);
      if (!v) return fail(einval(verb, "line count '" + args[3] + "' is not a number"));
      count = *v;
    }
  }
  std::lock_guard g(control_);
  auto r = find(*id);
  if (!r) return fail(ENOENT, verb + ": region " + args[1] + " does not exist");
  std::uint64_t last = first + count;
  if (last < first || last > r->n_areas) last = r->n_areas;
  if (first > last) first = last;
  const std::size_t nb = r->bounds.empty() ? 0 : r->bounds.size() + 1;
  // Take each area's counts once; with `clear` exactly those are taken off
  // afterwards, so I/O finishing in between is kept for the next print.
  std::vector<AreaCounts> counts(static_cast<std::size_t>(last - first));
  std::vector<std::uint64_t> hist(counts.size() * nb);
  std::string out;
  for (std::uint64_t x = first; x < last; ++x) {
    const std::size_t k = static_cast<std::size_t>(x - first);
    AreaCounts& c = counts[k];
    {
      StatsArea& a = r->areas[x];
      AreaLock l(a);
      c.in_flight = a.in_flight[0] + a.in_flight[1];
      for (int d = 0; d < 2; ++d) {
        c.ios[d] = a.ios[d];
        c.merges[d] = a.merges[d];
        c.sectors[d] = a.sectors[d];
        c.ticks[d] = a.ticks[d];
        c.io_ticks[d] = a.io_ticks[d];
      }
      c.io_ticks_total = a.io_ticks_total;
      c.time_in_queue = a.time_in_queue;
      if (nb) std::copy_n(r->buckets(x), nb, hist.begin() + static_cast<std::ptrdiff_t>(k * nb));
    }
    const sector_t start = r->start + r->step * x;
    // Times are kept in the region's unit (ms, or ns when precise).
    out += std::to_string(start) + '+' + std::to_string(r->step);
    for (std::uint64_t v : {c.ios[0], c.merges[0], c.sectors[0], c.ticks[0], c.ios[1], c.merges[1], c.sectors[1],
                            c.ticks[1]})
      out += ' ' + std::to_string(v);
    out += ' ' + std::to_string(c.in_flight);
    for (std::uint64_t v : {c.io_ticks_total, c.time_in_queue, c.io_ticks[0], c.io_ticks[1]})
      out += ' ' + std::to_string(v);
    for (std::size_t b = 0; b < nb; ++b) out += (b ? ":" : " ") + std::to_string(hist[k * nb + b]);
    out += '\n';
    if (out.size() + 1 >= room) return StatsReply{std::move(out), true};
  }
  if (clear) {
    for (std::uint64_t x = first; x < last; ++x) {
      const std::size_t k = static_cast<std::size_t>(x - first);
      const AreaCounts& c = counts[k];
      StatsArea& a = r->areas[x];
      AreaLock l(a);
      for (int d = 0; d < 2; ++d) {
        a.ios[d] -= c.ios[d];
        a.merges[d] -= c.merges[d];
        a.sectors[d] -= c.sectors[d];
        a.ticks[d] -= c.ticks[d];
        a.io_ticks[d] -= c.io_ticks[d];
      }
      a.io_ticks_total -= c.io_ticks_total;
      a.time_in_queue -= c.time_in_queue;
      for (std::size_t b = 0; b < nb; ++b) r->buckets(x)[b] -= hist[k * nb + b];
    }
  }
  return StatsReply{std::move(out), false};
}

Result<StatsReply> DeviceStats::set_aux(std::span<const std::string> args) {
  const std::string& verb = args[0];
  if (args.size() != 3) return fail(einval(verb, "expected <region_id> <aux_data>"));
  auto id = parse_id(args[1]);
  if (!id) return fail(einval(verb, "region id '" + args[1] + "' is not a number"));
  std::lock_guard g(control_);
  auto r = find(*id);
  if (!r) return fail(ENOENT, verb + ": region " + args[1] + " does not exist");
  r->aux_data = args[2];
  return StatsReply{"", false, false};
}

}  // namespace udm::core

#include "daemon/device_restore.hpp"

#include <charconv>
#include <map>
#include <set>

namespace udm::daemon {
namespace {

std::optional<TableRecord> capture_table(const core::MappedDevice& dev, bool inactive) {
  core::DeviceInfo info = dev.info(inactive);
  if (!(inactive ? info.inactive_present : info.live_present)) return std::nullopt;
  TableRecord t;
  t.read_only = info.read_only;
  for (auto& s : dev.status(core::StatusType::table, inactive))
    t.targets.push_back({s.start, s.length, std::move(s.type), std::move(s.text), 0});
  // The table vanished between info() and status() (a concurrent clear).
  if (t.targets.empty()) return std::nullopt;
  return t;
}

// Minors of udm devices a table names ("252:N" parameters).
void add_udm_deps(const std::optional<TableRecord>& t, std::set<std::uint32_t>& out) {
  if (!t) return;
  const std::string prefix = std::to_string(UDM_BLOCK_MAJOR) + ":";
  for (const auto& line : t->targets)
    for (const auto& word : core::split_params(line.params)) {
      if (!word.starts_with(prefix)) continue;
      std::uint32_t minor = 0;
      const char* b = word.data() + prefix.size();
      const char* e = word.data() + word.size();
      auto [p, ec] = std::from_chars(b, e, minor);
      if (ec == std::errc() && p == e && p != b) out.insert(minor);
    }
}

std::string table_text(const TableRecord& t) {
  std::string s;
  for (const auto& l : t.targets)
    s += "\n    " + std::to_string(l.start) + " " + std::to_string(l.length) + " " + l.type +
         (l.params.empty() ? "" : " " + l.params);
  return s;
}

Result<std::unique_ptr<core::Table>> build(core::DeviceRegistry& registry, const core::MappedDevice& dev,
                                           const TableRecord& t) {
  return registry.build_table(t.targets, t.read_only, dev);
}

}  // namespace

RunState capture_run_state(const core::DeviceRegistry& registry) {
  RunState state;
  state.writer = "udmd";
  for (const auto& dev : registry.list()) {
    DeviceRecord r;
    r.name = dev->name();
    r.uuid = dev->uuid();
    r.devno = dev->devno();
    core::DeviceInfo info = dev->info(false);
    r.suspended = info.suspended;
    r.deferred_remove = info.deferred_remove;
    r.event_nr = info.event_nr;
    r.live = capture_table(*dev, false);
    r.inactive = capture_table(*dev, true);
    state.devices.push_back(std::move(r));
  }
  return state;
}

RestoreReport restore_run_state(core::DeviceRegistry& registry, const RunState& state, Log& log) {
  RestoreReport report;
  std::map<std::uint32_t, std::pair<const DeviceRecord*, core::MappedDevicePtr>> made;  // by minor
  for (const auto& rec : state.devices) {
    if (rec.deferred_remove) {
      // Its openers (FUSE files, NBD clients) went with the old daemon, so
      // the removal it was waiting for is due now.
      log.info("restore: {} was marked for deferred removal; not restored", rec.name);
      continue;
    }
    auto dev = registry.create(rec.name, rec.uuid, rec.devno.minor);
    if (!dev) {
      log.info("restore: cannot recreate {} ({}): {}", rec.name, rec.devno.to_string(), dev.error().message);
      ++report.failures;
      continue;
    }
    made.emplace(rec.devno.minor, std::pair{&rec, *dev});
    ++report.devices;
  }

  // Tables, lower devices first: a table naming 252:N is built once N has
  // its tables (else N has no size yet). Records cannot hold a cycle (a load
  // refuses one), but a hand-edited one might: whatever is left after the
  // last pass that made progress is loaded anyway, and fails visibly.
  std::map<std::uint32_t, std::set<std::uint32_t>> pending;
  for (auto& [minor, entry] : made) {
    std::set<std::uint32_t> deps;
    add_udm_deps(entry.first->live, deps);
    add_udm_deps(entry.first->inactive, deps);
    deps.erase(minor);
    std::erase_if(deps, [&](std::uint32_t m) { return !made.contains(m); });
    pending.emplace(minor, std::move(deps));
  }
  std::set<std::uint32_t> done;
  while (!pending.empty()) {
    std::vector<std::uint32_t> ready;
    for (auto& [minor, deps] : pending)
      if (std::all_of(deps.begin(), deps.end(), [&](std::uint32_t m) { return done.contains(m); }))
        ready.push_back(minor);
    if (ready.empty()) ready.push_back(pending.begin()->first);
    for (std::uint32_t minor : ready) {
      pending.erase(minor);
      done.insert(minor);
      const DeviceRecord& rec = *made[minor].first;
      core::MappedDevice& dev = *made[minor].second;
      if (rec.live) {
        auto t = build(registry, dev, *rec.live);
        if (!t) {
          log.info("restore: {}: live table not restored: {}; its table was:{}", rec.name, t.error().message,
                   table_text(*rec.live));
          ++report.failures;
        } else {
          dev.load(std::move(*t));
          if (auto r = dev.resume(); !r) {
            log.info("restore: {}: resuming its live table failed: {}", rec.name, r.error().message);
            ++report.failures;
          }
        }
      }
      // No I/O can reach the device yet (no exports, no control socket), so
      // suspending without a flush loses nothing.
      if (rec.suspended)
        if (auto r = dev.suspend(true); !r) {
          log.info("restore: {}: cannot suspend it again: {}", rec.name, r.error().message);
          ++report.failures;
        }
      if (rec.inactive) {
        auto t = build(registry, dev, *rec.inactive);
        if (!t) {
          log.info("restore: {}: inactive table not restored: {}; its table was:{}", rec.name, t.error().message,
                   table_text(*rec.inactive));
          ++report.failures;
        } else {
          dev.load(std::move(*t));
        }
      }
      dev.restore_event_nr(rec.event_nr);
    }
  }
  return report;
}

StateRecorder::StateRecorder(std::string rundir, core::DeviceRegistry& registry, Log& log)
    : rundir_(std::move(rundir)), registry_(registry), log_(log) {}

void StateRecorder::assume_written(std::string encoded) {
  std::lock_guard g(lock_);
  last_ = std::move(encoded);
}

void StateRecorder::record() {
  std::lock_guard g(lock_);
  // Captured under our lock: of two racing commands, the later write holds
  // both changes.
  std::string encoded = encode_run_state(capture_run_state(registry_));
  if (encoded == last_) return;
  if (auto r = write_run_state(rundir_, encoded); !r) {
    log_.info("cannot record the device set in {}/{}: {}", rundir_, RUN_STATE_FILE, r.error().message);
    return;
  }
  last_ = std::move(encoded);
}

}  // namespace udm::daemon

#include "daemon/device_restore.hpp"

#include "core/target.hpp"
#include "core/target_registry.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

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

DeviceRecord capture_device(const core::MappedDevice& dev) {
  DeviceRecord r;
  r.name = dev.name();
  r.uuid = dev.uuid();
  r.devno = dev.devno();
  core::DeviceInfo info = dev.info(false);
  r.suspended = info.suspended;
  r.deferred_remove = info.deferred_remove;
  r.event_nr = info.event_nr;
  r.live = capture_table(dev, false);
  r.inactive = capture_table(dev, true);
  return r;
}

bool holds_secrets(const core::MappedDevice& dev, const core::TargetRegistry& types) {
  for (bool inactive : {false, true})
    for (const auto& s : dev.status(core::StatusType::info, inactive)) {
      const core::TargetType* t = types.find(s.type);
      if (t && (t->features & core::TARGET_HOLDS_SECRETS)) return true;
    }
  return false;
}

RunState capture_run_state(const core::DeviceRegistry& registry) {
  RunState state;
  state.writer = "udmd";
  for (const auto& dev : registry.list())
    if (!holds_secrets(*dev, registry.targets())) state.devices.push_back(capture_device(*dev));
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
      report.dropped.push_back(rec.devno.minor);
      continue;
    }
    auto dev = registry.create(rec.name, rec.uuid, rec.devno.minor);
    if (!dev) {
      log.info("restore: cannot recreate {} ({}): {}", rec.name, rec.devno.to_string(), dev.error().message);
      ++report.failures;
      report.not_created.push_back(rec.devno.minor);
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
      const std::size_t failures_before = report.failures;
      // Loads a recorded table; false, logged and counted, if it cannot be built.
      auto load = [&](const TableRecord& table, std::string_view which) {
        auto t = build(registry, dev, table);
        if (!t) {
          log.info("restore: {}: {} table not restored: {}; its table was:{}", rec.name, which, t.error().message,
                   table_text(table));
          ++report.failures;
          return false;
        }
        dev.load(std::move(*t));
        return true;
      };
      if (rec.live && load(*rec.live, "live")) {
        if (auto r = dev.resume(); !r) {
          log.info("restore: {}: resuming its live table failed: {}", rec.name, r.error().message);
          ++report.failures;
        }
      }
      // No I/O can reach the device yet (no exports, no control socket), so
      // suspending without a flush loses nothing.
      if (rec.suspended)
        if (auto r = dev.suspend(true); !r) {
          log.info("restore: {}: cannot suspend it again: {}", rec.name, r.error().message);
          ++report.failures;
        }
      if (rec.inactive) load(*rec.inactive, "inactive");
      dev.restore_event_nr(rec.event_nr);
      if (report.failures != failures_before) report.incomplete.push_back(minor);
    }
  }
  return report;
}

StateChange state_change(abi::Command command, const abi::Header& in, const abi::Header& out) {
  StateChange c;
  if (command == abi::CMD_REMOVE_ALL) {
    c.all = true;
    return c;
  }
  for (std::uint64_t dev : {in.dev, out.dev})
    if (dev != 0) {
      DevNo d = DevNo::from_huge(dev);
      if (d.major == UDM_BLOCK_MAJOR) c.minors.push_back(d.minor);
    }
  for (const std::string* n : {&in.name, &out.name})
    if (!n->empty()) c.names.push_back(*n);
  for (const std::string* u : {&in.uuid, &out.uuid})
    if (!u->empty()) c.uuids.push_back(*u);
  return c;
}

StateRecorder::StateRecorder(std::string rundir, core::DeviceRegistry& registry, Log& log)
    : rundir_(std::move(rundir)), registry_(registry), log_(log) {
  auto fd = open_device_state_dir(rundir_);
  if (!fd) {
    log_.info("cannot record the device set: {}", fd.error().message);
    return;
  }
  dirfd_ = *fd;
}

StateRecorder::~StateRecorder() {
  if (dirfd_ >= 0) ::close(dirfd_);
}

void StateRecorder::forget_locked(std::uint32_t minor) {
  auto it = files_.find(minor);
  if (it == files_.end()) return;
  if (auto n = by_name_.find(it->second.name); n != by_name_.end() && n->second == minor) by_name_.erase(n);
  if (auto u = by_uuid_.find(it->second.uuid); u != by_uuid_.end() && u->second == minor) by_uuid_.erase(u);
  files_.erase(it);
}

void StateRecorder::update_file_locked(std::uint32_t minor) {
  auto dev = registry_.find_by_devno(DevNo{UDM_BLOCK_MAJOR, minor});
  auto it = files_.find(minor);
  if (!dev || holds_secrets(*dev, registry_.targets())) {
    if (it == files_.end()) return;
    if (auto r = remove_device_state(dirfd_, minor); !r) {
      log_.info("cannot record the removal of device {}:{} in {}/{}: {}", UDM_BLOCK_MAJOR, minor, rundir_,
                RUN_STATE_DIR, r.error().message);
      return;
    }
    forget_locked(minor);
    ++writes_;
    return;
  }
  DeviceRecord rec = capture_device(*dev);
  std::string encoded = encode_device_state(rec);
  if (it != files_.end() && it->second.encoded == encoded) return;
  if (auto r = write_device_state(dirfd_, minor, encoded); !r) {
    log_.info("cannot record device {} in {}/{}: {}", rec.name, rundir_, RUN_STATE_DIR, r.error().message);
    return;
  }
  forget_locked(minor);
  by_name_[rec.name] = minor;
  if (!rec.uuid.empty()) by_uuid_[rec.uuid] = minor;
  files_[minor] = Entry{std::move(encoded), std::move(rec.name), std::move(rec.uuid)};
  ++writes_;
}

void StateRecorder::start(std::map<std::uint32_t, std::string> on_disk) {
  std::lock_guard g(lock_);
  for (auto& [minor, bytes] : on_disk) {
    auto rec = decode_device_state(bytes);
    if (!rec) continue;  // load_run_state kept only good ones
    by_name_[rec->name] = minor;
    if (!rec->uuid.empty()) by_uuid_[rec->uuid] = minor;
    // Re-encoded: a file updated in place carries padding; the encoding
    // round-trips, so this is what the file holds.
    files_[minor] = Entry{encode_device_state(*rec), std::move(rec->name), std::move(rec->uuid)};
  }
  // Files udmd did not read (none, unless someone adds one now) stay unknown
  // until their minor is used; they are overwritten then.
  std::set<std::uint32_t> minors;
  for (auto& [minor, e] : files_) minors.insert(minor);
  for (const auto& dev : registry_.list()) minors.insert(dev->devno().minor);
  if (dirfd_ < 0) return;
  for (auto m : minors) update_file_locked(m);
}

void StateRecorder::record_all() {
  std::lock_guard g(lock_);
  if (dirfd_ < 0) return;
  std::set<std::uint32_t> minors;
  for (auto& [minor, e] : files_) minors.insert(minor);
  for (const auto& dev : registry_.list()) minors.insert(dev->devno().minor);
  for (auto m : minors) update_file_locked(m);
}

namespace {
thread_local StateRecorder::Hold* current_hold = nullptr;
}  // namespace

StateRecorder::Hold::Hold() : outer_(current_hold) { current_hold = this; }

StateRecorder::Hold::~Hold() {
  flush();
  current_hold = outer_;
}

void StateRecorder::Hold::flush() {
  // Written with this hold out of the way (record() must not note them again).
  Hold* self = current_hold;
  current_hold = outer_;
  for (auto& [recorder, change] : std::exchange(noted_, {})) recorder->record(change);
  current_hold = self;
}

void StateRecorder::record(const StateChange& change) {
  if (Hold* h = current_hold) {
    auto it = std::find_if(h->noted_.begin(), h->noted_.end(), [this](const auto& n) { return n.first == this; });
    if (it == h->noted_.end()) it = h->noted_.insert(h->noted_.end(), {this, StateChange{}});
    StateChange& to = it->second;
    to.all = to.all || change.all;
    to.minors.insert(to.minors.end(), change.minors.begin(), change.minors.end());
    to.names.insert(to.names.end(), change.names.begin(), change.names.end());
    to.uuids.insert(to.uuids.end(), change.uuids.begin(), change.uuids.end());
    return;
  }
  if (change.all) return record_all();
  std::lock_guard g(lock_);
  if (dirfd_ < 0) return;
  // Captured under our lock: of two racing commands on one device, the later
  // write holds both changes. A device is looked up both where the record
  // had it (a removed or renamed device is gone from the registry under its
  // old name) and where the registry has it now.
  std::set<std::uint32_t> minors(change.minors.begin(), change.minors.end());
  for (const auto& n : change.names) {
    if (auto it = by_name_.find(n); it != by_name_.end()) minors.insert(it->second);
    if (auto d = registry_.find_by_name(n)) minors.insert(d->devno().minor);
  }
  for (const auto& u : change.uuids) {
    if (auto it = by_uuid_.find(u); it != by_uuid_.end()) minors.insert(it->second);
    if (auto d = registry_.find_by_uuid(u)) minors.insert(d->devno().minor);
  }
  for (auto m : minors) update_file_locked(m);
}

}  // namespace udm::daemon

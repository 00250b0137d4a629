#include "lvm/activate/driver.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "lvm/metadata/dm_names.hpp"
#include "udm/client.hpp"

namespace udm::lvm::activate {

namespace {

using Devnos = std::map<std::string, std::string, std::less<>>;

client::TableLine to_client(const TableLine& t, std::string params) {
  return {t.start, t.length, t.type, std::move(params)};
}

DeviceInfo from_client(const client::DeviceInfo& i) {
  DeviceInfo d;
  d.exists = i.exists;
  d.suspended = i.suspended;
  d.live_table = i.live_table;
  d.inactive_table = i.inactive_table;
  d.read_only = i.read_only;
  d.open_count = i.open_count;
  d.event_nr = i.event_nr;
  d.major = i.major;
  d.minor = i.minor;
  d.name = i.name;
  return d;
}

std::string devno_text(const DeviceInfo& i) { return fmt::format("{}:{}", i.major, i.minor); }

Result<std::vector<client::TableLine>> resolved(const DmDevice& d, const Devnos& devnos) {
  std::vector<client::TableLine> out;
  for (const auto& l : d.table) {
    auto p = resolve_refs(l.params, devnos);
    if (!p) return fail(p.error());
    out.push_back(to_client(l, std::move(*p)));
  }
  return out;
}

// A planned table word naming a block device by path (a PV) is the same as
// the maj:min the driver prints for it.
bool same_word(std::string_view have, std::string_view want) {
  if (have == want) return true;
  if (want.empty() || want[0] != '/') return false;
  struct stat st{};
  if (::stat(std::string(want).c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return false;
  return have == fmt::format("{}:{}", major(st.st_rdev), minor(st.st_rdev));
}

// Whether the live table `have` is the planned `want`. Without this, an LV
// on PVs that are block devices looked changed at every activation and was
// suspended and reloaded with the same table.
bool same_tables(const std::vector<client::TableLine>& have, const std::vector<client::TableLine>& want) {
  if (have == want) return true;
  if (have.size() != want.size()) return false;
  for (std::size_t i = 0; i < have.size(); ++i) {
    const auto& h = have[i];
    const auto& w = want[i];
    if (h.start != w.start || h.length != w.length || h.type != w.type) return false;
    std::istringstream hs(h.params), ws(w.params);
    std::string hw, ww;
    for (;;) {
      const bool more_h = static_cast<bool>(hs >> hw), more_w = static_cast<bool>(ws >> ww);
      if (more_h != more_w) return false;
      if (!more_h) break;
      if (!same_word(hw, ww)) return false;
    }
  }
  return true;
}

// pv_paths with every PV of the VG named, so that removing an LV on a missing
// PV can still be planned (only names and uuids matter then).
std::map<std::string, std::string> all_pv_paths(const VolumeGroup& vg,
                                                 const std::map<std::string, std::string>& pv_paths) {
  std::map<std::string, std::string> out = pv_paths;
  for (const auto& pv : vg.pvs) {
    auto& p = out[pv.name];
    if (p.empty()) p = "[unknown]";
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Driver>> Driver::connect(bool autostart) {
  client::ConnectOptions o;
  o.autostart = autostart;
  auto c = client::Client::connect(o);
  if (!c) return fail(c.error());
  return std::make_unique<Driver>(std::move(*c));
}

Driver::Driver(std::unique_ptr<client::Client> client) : client_(std::move(client)) {}
Driver::~Driver() = default;

// ---------------------------------------------------------------- single devices

Result<void> Driver::begin_batch(bool pipelined) {
  settle();
  client::Task list(*client_, client::TaskType::list);
  list.set_want_details();
  if (auto r = list.run(); !r) return fail(r.error());
  known_.emplace();
  known_->reserve(list.names().size());
  for (const auto& n : list.names())
    if (n.uuid && !n.uuid->empty()) known_->emplace(*n.uuid, fmt::format("{}:{}", n.major, n.minor));
  pipelined_ = pipelined;
  return {};
}

std::vector<Driver::BatchFailure> Driver::end_batch() {
  settle();
  known_.reset();
  pipelined_ = false;
  return std::exchange(failures_, {});
}

void Driver::forget(std::string_view uuid) {
  if (known_) known_->erase(std::string(uuid));
}

Result<DeviceInfo> Driver::info(std::string_view uuid) {
  settle();
  if (known_ && !known_->contains(std::string(uuid))) return DeviceInfo{};  // absent at the batch's LIST
  client::Task t(*client_, client::TaskType::info);
  t.set_uuid(std::string(uuid));
  if (auto r = t.run(); !r) {
    if (t.error_code() == ENXIO) return DeviceInfo{};
    return fail(r.error());
  }
  return from_client(t.info());
}

Result<void> Driver::message(std::string_view uuid, std::string_view text) {
  settle();
  client::Task t(*client_, client::TaskType::target_msg);
  t.set_uuid(std::string(uuid)).set_message(0, std::string(text));
  return t.run();
}

Result<std::vector<TableLine>> Driver::status(std::string_view uuid, bool inactive) {
  settle();
  client::Task t(*client_, client::TaskType::status);
  t.set_uuid(std::string(uuid)).set_query_inactive(inactive);
  if (auto r = t.run(); !r) return fail(r.error());
  std::vector<TableLine> out;
  for (const auto& l : t.table()) out.push_back({l.start, l.length, l.type, l.params});
  return out;
}

Result<std::vector<TableLine>> Driver::table(std::string_view uuid, bool inactive) {
  settle();
  client::Task t(*client_, client::TaskType::table);
  t.set_uuid(std::string(uuid)).set_query_inactive(inactive);
  if (auto r = t.run(); !r) return fail(r.error());
  std::vector<TableLine> out;
  for (const auto& l : t.table()) out.push_back({l.start, l.length, l.type, l.params});
  return out;
}

Result<void> Driver::suspend(std::string_view uuid, bool noflush) {
  settle();
  client::Task t(*client_, client::TaskType::suspend);
  t.set_uuid(std::string(uuid)).set_noflush(noflush);
  return t.run();
}

Result<void> Driver::resume(std::string_view uuid) {
  settle();
  client::Task t(*client_, client::TaskType::resume);
  t.set_uuid(std::string(uuid));
  return t.run();
}

// ---------------------------------------------------------------- trees

// As LVM2's deptree (preload, suspend, activate): first, bottom-up and with
// the old tables still running, new devices are created and changed ones get
// their new table as the inactive one; a lower device that is new or grows is
// resumed at once, so the tables above it are checked against it (and read
// it: a raid table reads its _rmeta devices) while nothing is suspended.
// Then the changed devices (and those the caller names) are suspended
// top-down, and everything loaded is resumed bottom-up. A table load thus
// never waits on a suspended device. On failure, loaded tables are cleared,
// suspended devices resumed with their old tables and created ones removed.
Result<void> Driver::apply(const DeviceTree& tree, const ApplyOptions& opts) {
  settle();
  const auto& devs = tree.devices();
  std::vector<DeviceInfo> infos;
  Devnos devnos;
  for (const auto& d : devs) {
    auto i = info(d.uuid);
    if (!i) return fail(i.error());
    if (i->exists) devnos[d.uuid] = devno_text(*i);
    infos.push_back(*i);
  }
  auto exists = [&](std::string_view uuid) { return devnos.find(uuid) != devnos.end(); };
  // Devices another device of the tree stacks on (LVM2's nodes with parents).
  std::vector<bool> has_parent(devs.size(), false);
  for (std::size_t k = 0; k < devs.size(); ++k)
    for (const auto& d : devs)
      if (std::find(d.deps.begin(), d.deps.end(), devs[k].uuid) != d.deps.end()) has_parent[k] = true;

  // Which existing devices get a new table: one naming a device not there
  // yet, or one whose text differs from the live table.
  std::vector<bool> change(devs.size(), false);
  std::vector<std::uint64_t> live_len(devs.size(), 0);
  for (std::size_t k = 0; k < devs.size(); ++k) {
    if (!infos[k].exists) continue;
    if (!infos[k].live_table) { change[k] = true; continue; }
    if (std::any_of(devs[k].deps.begin(), devs[k].deps.end(), [&](const std::string& u) { return !exists(u); })) {
      change[k] = true;
      continue;
    }
    auto want = resolved(devs[k], devnos);
    if (!want) return fail(want.error());
    auto live = table(devs[k].uuid);
    if (!live) return fail(live.error());
    std::vector<client::TableLine> have;
    for (const auto& l : *live) have.push_back(to_client(l, l.params));
    for (const auto& l : *live) live_len[k] += l.length;
    change[k] = !same_tables(have, *want) || infos[k].read_only != devs[k].read_only;
  }
  // A device over one whose size changes is reloaded too (with the same
  // table if need be), as LVM2 passes a child's size change to its parents:
  // its target sizes itself from the devices at load (a pool's metadata).
  std::vector<bool> resized(devs.size(), false);
  for (std::size_t k = 0; k < devs.size(); ++k) {
    if (!infos[k].exists) continue;
    bool below = false;
    for (const auto& u : devs[k].deps)
      if (const DmDevice* d = tree.find(u)) below = below || resized[static_cast<std::size_t>(d - devs.data())];
    std::uint64_t new_len = 0;
    for (const auto& l : devs[k].table) new_len += l.length;
    if (below) change[k] = true;
    resized[k] = change[k] && (below || new_len != live_len[k]);
  }
  bool suspending = !opts.suspend_too.empty();
  for (std::size_t k = 0; k < devs.size(); ++k) suspending = suspending || (infos[k].exists && change[k]);
  // A new lower device with a table that keeps state or does work of its own
  // (raid, mirror, a snapshot origin's -real copy of the origin's table) must
  // not run beside the devices it takes over from: LVM2 delays its resume
  // until they are suspended. Its parents' loads need it running (they are
  // checked against its size), so then everything is suspended first, as
  // before the preload order; such a tree has no load that reads a device.
  bool suspend_first = false;
  for (std::size_t k = 0; k < devs.size() && suspending; ++k)
    if (!infos[k].exists && has_parent[k])
      for (const auto& l : devs[k].table)
        if (l.type != "linear" && l.type != "striped" && l.type != "error" && l.type != "zero") suspend_first = true;

  // `loaded`: inactive tables waiting for their resume; `suspended`: devices
  // this apply suspended (their old table still live unless also loaded).
  std::vector<std::string> suspended, created, loaded;
  auto undo = [&](Error e) -> Result<void> {
    for (const auto& u : loaded) {
      client::Task t(*client_, client::TaskType::clear);
      t.set_uuid(u);
      (void)t.run();
    }
    for (auto it = suspended.rbegin(); it != suspended.rend(); ++it) (void)resume(*it);
    for (auto it = created.rbegin(); it != created.rend(); ++it) {
      client::Task t(*client_, client::TaskType::remove);
      t.set_uuid(*it);
      (void)t.run();
      forget(*it);
    }
    return fail(std::move(e));
  };
  auto load = [&](const DmDevice& d, std::vector<client::TableLine> lines) -> Result<void> {
    client::Task t(*client_, client::TaskType::reload);
    t.set_uuid(d.uuid);
    if (d.read_only) t.set_read_only();
    for (auto& l : lines) t.add_target(std::move(l));
    return t.run();
  };

  // Suspend top-down: the LV's top device first, so nothing writes through
  // a stack whose lower parts are being replaced.
  auto suspend_changed = [&]() -> Result<void> {
    std::vector<std::string> to_suspend;
    for (std::size_t k = devs.size(); k-- > 0;)
      if (infos[k].exists && !infos[k].suspended && change[k]) to_suspend.push_back(devs[k].uuid);
    for (const auto& u : opts.suspend_too)
      if (std::find(to_suspend.begin(), to_suspend.end(), u) == to_suspend.end()) {
        auto i = info(u);
        if (i && i->exists && !i->suspended) to_suspend.insert(to_suspend.begin(), u);
      }
    for (const auto& u : to_suspend) {
      if (auto r = suspend(u); !r) return r;
      suspended.push_back(u);
    }
    return {};
  };
  if (suspend_first)
    if (auto r = suspend_changed(); !r) return undo(r.error());

  // Preload, bottom-up.
  for (std::size_t k = 0; k < devs.size(); ++k) {
    const DmDevice& d = devs[k];
    if (infos[k].exists && !change[k]) continue;
    auto lines = resolved(d, devnos);
    if (!lines) return undo(lines.error());
    if (!infos[k].exists) {
      const bool delay = suspending && !has_parent[k];
      client::Task t(*client_, client::TaskType::create);
      t.set_name(d.name).set_uuid(d.uuid);
      if (d.read_only) t.set_read_only();
      // With its table, create loads and resumes it in one request.
      if (!delay)
        for (auto& l : *lines) t.add_target(std::move(l));
      if (auto r = t.run(); !r) return undo(r.error());
      created.push_back(d.uuid);
      // The create's own reply names the new device's number.
      devnos[d.uuid] = fmt::format("{}:{}", t.info().major, t.info().minor);
      if (known_) known_->insert_or_assign(d.uuid, devnos[d.uuid]);
      if (!delay) continue;
      if (auto r = load(d, std::move(*lines)); !r) return undo(r.error());
      loaded.push_back(d.uuid);
      continue;
    }
    if (auto r = load(d, std::move(*lines)); !r) return undo(r.error());
    loaded.push_back(d.uuid);
    // A lower device that grows runs its new table before the devices above
    // it load theirs (libdevmapper resumes it in the preload): their tables
    // are checked against its new size.
    std::uint64_t new_len = 0;
    for (const auto& l : d.table) new_len += l.length;
    if (has_parent[k] && new_len > live_len[k]) {
      if (auto r = resume(d.uuid); !r) return undo(r.error());
      std::erase(loaded, d.uuid);
      std::erase(suspended, d.uuid);
      change[k] = false;  // running its new table: nothing left to suspend
    }
  }

  if (!suspend_first)
    if (auto r = suspend_changed(); !r) return undo(r.error());
  if (opts.while_suspended)
    if (auto r = opts.while_suspended(); !r) return undo(r.error());

  // Resume bottom-up: each device's lower devices run before it does.
  for (std::size_t k = 0; k < devs.size(); ++k) {
    const bool was_suspended = std::find(suspended.begin(), suspended.end(), devs[k].uuid) != suspended.end();
    const bool was_loaded = std::find(loaded.begin(), loaded.end(), devs[k].uuid) != loaded.end();
    if (!was_suspended && !was_loaded) continue;
    if (auto r = resume(devs[k].uuid); !r) return undo(r.error());
    std::erase(suspended, devs[k].uuid);
    std::erase(loaded, devs[k].uuid);
  }
  for (const auto& u : suspended) (void)resume(u);  // suspend_too devices outside the tree
  return {};
}

Result<void> Driver::remove(const DeviceTree& tree, std::string_view who) {
  if (defer_remove(tree, who)) return {};
  settle();
  const auto& devs = tree.devices();
  for (std::size_t k = devs.size(); k-- > 0;) {
    auto i = info(devs[k].uuid);
    if (!i) return fail(i.error());
    if (!i->exists) continue;
    if (i->open_count > 0) {
      if (k + 1 == devs.size()) return fail(EBUSY, fmt::format("Logical volume {} in use.", who));
      continue;  // held by another LV's device
    }
    client::Task t(*client_, client::TaskType::remove);
    t.set_uuid(devs[k].uuid);
    if (auto r = t.run(); !r) return r;
    forget(devs[k].uuid);
  }
  return {};
}

// ---------------------------------------------------------------- LVs

Result<void> Driver::activate(const VolumeGroup& vg, const LogicalVolume& lv,
                              const std::map<std::string, std::string>& pv_paths, const ApplyOptions& opts) {
  auto tree = plan_lv(vg, lv, pv_paths);
  if (!tree) return fail(tree.error());
  return apply_in_batch(std::move(*tree), fmt::format("{}/{}", vg.name, lv.name), opts);
}

Result<void> Driver::deactivate(const VolumeGroup& vg, const LogicalVolume& lv,
                                const std::map<std::string, std::string>& pv_paths) {
  auto tree = plan_lv(vg, lv, all_pv_paths(vg, pv_paths));
  if (!tree) return fail(tree.error());
  return remove(*tree, fmt::format("{}/{}", vg.name, lv.name));
}

Result<DeviceState> Driver::state(const VolumeGroup& vg, const LogicalVolume& lv) {
  auto i = info(dm_device_uuid(vg.id, lv.id));
  if (!i) return fail(i.error());
  if (!i->exists) return DeviceState{};
  return DeviceState{.active = true, .open = i->open_count > 0};
}

Result<std::vector<DeviceState>> Driver::states(const VolumeGroup& vg) {
  settle();
  client::Task list(*client_, client::TaskType::list);
  list.set_want_details();
  if (auto r = list.run(); !r) return fail(r.error());
  std::unordered_set<std::string_view> present;  // one lookup per LV, not a scan of the list
  present.reserve(list.names().size());
  for (const auto& n : list.names())
    if (n.uuid) present.insert(*n.uuid);
  std::vector<DeviceState> out(vg.lvs.size());
  for (std::size_t i = 0; i < vg.lvs.size(); ++i) {
    const std::string uuid = dm_device_uuid(vg.id, vg.lvs[i].id);
    if (!present.contains(uuid)) continue;
    out[i].active = true;
    auto in = info(uuid);
    if (in && in->open_count > 0) out[i].open = true;
  }
  return out;
}

Result<void> Driver::rename(const VolumeGroup& vg, const LogicalVolume& lv, std::string_view to) {
  settle();
  const std::string top = dm_device_uuid(vg.id, lv.id);
  client::Task list(*client_, client::TaskType::list);
  list.set_want_details();
  if (auto r = list.run(); !r) return fail(r.error());
  for (const auto& n : list.names()) {
    if (!n.uuid) continue;
    std::string layer;
    if (*n.uuid == top) {
    } else if (n.uuid->starts_with(top + "-")) {
      layer = n.uuid->substr(top.size() + 1);
    } else {
      continue;
    }
    client::Task t(*client_, client::TaskType::rename);  // DEV_RENAME finds its device by name
    t.set_name(n.name).set_new_name(dm_device_name(vg.name, to, layer));
    if (auto r = t.run(); !r) return r;
  }
  return {};
}

}  // namespace udm::lvm::activate

// The deferred half of a pipelined batch (driver.hpp, begin_batch): the
// devices of many LVs, none of which existed, created, loaded and resumed
// with their requests in flight together. Per level of stacking, one round
// of creates (their replies give the device numbers the tables above name),
// then one round of loads and resumes; then one round removing what was
// created of the LVs that failed.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "lvm/activate/driver.hpp"
#include "udm/client.hpp"

namespace udm::lvm::activate {

namespace {

using Devnos = std::map<std::string, std::string, std::less<>>;

// Each device's level in its tree: 0 when its table names no device of the
// tree, else one above the highest it names (devices come lower ones first).
std::vector<unsigned> levels(const DeviceTree& tree) {
  const auto& devs = tree.devices();
  std::map<std::string_view, unsigned> at;
  std::vector<unsigned> out;
  for (const auto& d : devs) {
    unsigned level = 0;
    for (const auto& u : d.deps)
      if (auto it = at.find(u); it != at.end()) level = std::max(level, it->second + 1);
    at.emplace(d.uuid, level);
    out.push_back(level);
  }
  return out;
}

std::vector<Result<void>> run_all(std::vector<client::Task>& tasks) {
  std::vector<client::Task*> p;
  p.reserve(tasks.size());
  for (auto& t : tasks) p.push_back(&t);
  return client::run_pipelined(p);
}

}  // namespace

bool Driver::may_defer(const DeviceTree& tree, const ApplyOptions& opts) const {
  if (!pipelined_ || !known_ || !opts.suspend_too.empty() || opts.while_suspended) return false;
  return std::none_of(tree.devices().begin(), tree.devices().end(), [&](const DmDevice& d) {
    return known_->contains(d.uuid) || deferred_uuids_.contains(d.uuid);
  });
}

Result<void> Driver::apply_in_batch(DeviceTree tree, std::string who, const ApplyOptions& opts) {
  settle_removes();  // never both kinds waiting: removes then creates, in the order asked
  if (!may_defer(tree, opts)) return apply(tree, opts);
  for (const auto& d : tree.devices()) deferred_uuids_.insert(d.uuid);
  deferred_.push_back({std::move(who), std::move(tree)});
  return {};
}

void Driver::settle() {
  settle_removes();
  if (deferred_.empty()) return;
  std::vector<Deferred> lvs = std::exchange(deferred_, {});
  deferred_uuids_.clear();

  struct Slot {
    std::size_t lv, dev;
  };
  std::vector<std::vector<unsigned>> level(lvs.size());
  unsigned top = 0;
  for (std::size_t i = 0; i < lvs.size(); ++i) {
    level[i] = levels(lvs[i].tree);
    for (unsigned l : level[i]) top = std::max(top, l);
  }
  std::vector<std::optional<Error>> failed(lvs.size());
  std::vector<std::vector<std::string>> created(lvs.size());  // uuids, in order of creation
  std::vector<Devnos> devnos(lvs.size());

  for (unsigned l = 0; l <= top; ++l) {
    std::vector<Slot> slots;
    std::vector<client::Task> creates;
    for (std::size_t i = 0; i < lvs.size(); ++i) {
      if (failed[i]) continue;
      const auto& devs = lvs[i].tree.devices();
      for (std::size_t k = 0; k < devs.size(); ++k) {
        if (level[i][k] != l) continue;
        client::Task& t = creates.emplace_back(*client_, client::TaskType::create);
        t.set_name(devs[k].name).set_uuid(devs[k].uuid);
        if (devs[k].read_only) t.set_read_only();
        slots.push_back({i, k});
      }
    }
    auto made = run_all(creates);
    std::vector<Slot> loading;
    std::vector<client::Task> loads;  // a load and a resume per device
    for (std::size_t s = 0; s < slots.size(); ++s) {
      const auto [i, k] = slots[s];
      if (failed[i]) continue;
      const DmDevice& d = lvs[i].tree.devices()[k];
      if (!made[s]) {
        failed[i] = made[s].error();
        continue;
      }
      const auto& info = creates[s].info();
      created[i].push_back(d.uuid);
      devnos[i][d.uuid] = fmt::format("{}:{}", info.major, info.minor);
      known_->insert_or_assign(d.uuid, devnos[i][d.uuid]);
      std::vector<client::TableLine> lines;
      for (const auto& line : d.table) {
        auto p = resolve_refs(line.params, devnos[i]);
        if (!p) {
          failed[i] = p.error();
          break;
        }
        lines.push_back({line.start, line.length, line.type, std::move(*p)});
      }
      if (failed[i]) continue;
      // As Task's create with a table: the new device by name and number.
      client::Task& load = loads.emplace_back(*client_, client::TaskType::reload);
      load.set_name(d.name).set_devno(info.major, info.minor);
      if (d.read_only) load.set_read_only();
      for (auto& line : lines) load.add_target(std::move(line));
      loads.emplace_back(*client_, client::TaskType::resume).set_name(d.name).set_devno(info.major, info.minor);
      loading.push_back({i, k});
    }
    auto done = run_all(loads);
    for (std::size_t s = 0; s < loading.size(); ++s) {
      const std::size_t i = loading[s].lv;
      if (failed[i]) continue;
      if (!done[2 * s]) failed[i] = done[2 * s].error();
      else if (!done[2 * s + 1]) failed[i] = done[2 * s + 1].error();
    }
  }

  // The failed LVs lose what was created of them, top-down.
  std::vector<client::Task> removes;
  std::vector<std::size_t> whose;
  for (std::size_t i = 0; i < lvs.size(); ++i) {
    if (!failed[i]) continue;
    for (auto it = created[i].rbegin(); it != created[i].rend(); ++it) {
      removes.emplace_back(*client_, client::TaskType::remove).set_uuid(*it);
      whose.push_back(i);
      forget(*it);
    }
  }
  auto removed = run_all(removes);
  for (std::size_t r = 0; r < removed.size(); ++r)
    if (!removed[r] && failed[whose[r]] && failed[whose[r]]->message.find("Failed to revert") == std::string::npos)
      failed[whose[r]]->message += "\nFailed to revert device creation.";
  for (std::size_t i = 0; i < lvs.size(); ++i)
    if (failed[i]) failures_.push_back({lvs[i].lv, std::move(*failed[i])});
}

bool Driver::defer_remove(const DeviceTree& tree, std::string_view who) {
  if (!pipelined_ || !known_) return false;
  if (!deferred_.empty()) settle();
  deferred_removes_.push_back({std::string(who), tree});
  return true;
}

// As remove() does for each tree, with the requests of all trees in flight
// together: from the top of each tree down, one round of infos (a device
// held open is left: the top one fails its LV as "in use", a lower one is
// another LV's) and one round of removes per level. A level's infos come
// after the removes above it, so a lower device is no longer held by the
// device above it that was just removed.
void Driver::settle_removes() {
  if (deferred_removes_.empty()) return;
  std::vector<Deferred> lvs = std::exchange(deferred_removes_, {});
  std::vector<std::optional<Error>> failed(lvs.size());
  std::size_t depth = 0;
  for (const auto& lv : lvs) depth = std::max(depth, lv.tree.devices().size());
  for (std::size_t d = 0; d < depth; ++d) {
    std::vector<std::size_t> asked;  // LV index per info task
    std::vector<client::Task> infos;
    std::set<std::string_view> this_round;
    for (std::size_t i = 0; i < lvs.size(); ++i) {
      const auto& devs = lvs[i].tree.devices();
      if (failed[i] || d >= devs.size()) continue;
      const std::string& uuid = devs[devs.size() - 1 - d].uuid;
      if (known_ && !known_->contains(uuid)) continue;  // absent (or removed already)
      if (!this_round.insert(uuid).second) continue;     // another LV's, asked already
      infos.emplace_back(*client_, client::TaskType::info).set_uuid(uuid);
      asked.push_back(i);
    }
    auto got = run_all(infos);
    std::vector<std::size_t> removing;
    std::vector<client::Task> removes;
    for (std::size_t s = 0; s < infos.size(); ++s) {
      const std::size_t i = asked[s];
      const auto& devs = lvs[i].tree.devices();
      const std::string& uuid = devs[devs.size() - 1 - d].uuid;
      if (!got[s]) {
        if (infos[s].error_code() != ENXIO) failed[i] = got[s].error();
        continue;
      }
      if (!infos[s].info().exists) continue;
      if (infos[s].info().open_count > 0) {
        if (d == 0) failed[i] = Error{EBUSY, fmt::format("Logical volume {} in use.", lvs[i].lv)};
        continue;  // held by another LV's device
      }
      removes.emplace_back(*client_, client::TaskType::remove).set_uuid(uuid);
      removing.push_back(i);
    }
    auto done = run_all(removes);
    for (std::size_t s = 0; s < removes.size(); ++s) {
      const std::size_t i = removing[s];
      const auto& devs = lvs[i].tree.devices();
      if (!done[s]) failed[i] = done[s].error();
      else forget(devs[devs.size() - 1 - d].uuid);
    }
  }
  for (std::size_t i = 0; i < lvs.size(); ++i)
    if (failed[i]) failures_.push_back({lvs[i].lv, std::move(*failed[i])});
}

}  // namespace udm::lvm::activate

#include "lvm/api/thin_activate.hpp"

#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "lvm/activate/device_tree.hpp"
#include "lvm/metadata/dm_names.hpp"

namespace udm::lvm::api::detail {
namespace {

using segtypes::lv_is_thin_pool;
using segtypes::lv_is_thin_volume;

constexpr std::string_view TPOOL = "tpool";

std::string tpool_uuid(const VolumeGroup& vg, const LogicalVolume& pool) { return dm_device_uuid(vg.id, pool.id, TPOOL); }
std::string tpool_name(const VolumeGroup& vg, const LogicalVolume& pool) { return dm_device_name(vg.name, pool.name, TPOOL); }

sector_t lv_sectors(const VolumeGroup& vg, const LogicalVolume& lv) { return lv.extent_count() * vg.extent_size; }

// The pool's devices without VG-POOL itself: -tpool and its sub-LVs.
Result<activate::DeviceTree> pool_layer_tree(const VolumeGroup& vg, const LogicalVolume& pool,
                                             const std::map<std::string, std::string>& pv_paths) {
  auto tree = activate::plan_lv(vg, pool, pv_paths);
  if (!tree) return fail(tree.error());
  activate::DeviceTree layer;
  for (const auto& dev : tree->devices())
    if (dev.uuid != dm_device_uuid(vg.id, pool.id)) layer.add(dev);
  return layer;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool parse_u64(std::string_view s, std::uint64_t& v) {
  auto [e, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && e == s.data() + s.size();
}

bool parse_ratio(std::string_view s, std::uint64_t& a, std::uint64_t& b) {
  auto slash = s.find('/');
  return slash != std::string_view::npos && parse_u64(s.substr(0, slash), a) && parse_u64(s.substr(slash + 1), b);
}

Result<std::string> status_line(activate::Driver& d, const std::string& uuid) {
  auto st = d.status(uuid);
  if (!st) return fail(st.error());
  if (st->empty()) return fail(EINVAL, "no status");
  return (*st)[0].params;
}

}  // namespace

Result<ThinPoolStatus> parse_thin_pool_status(std::string_view s) {
  ThinPoolStatus st;
  auto w = words(s);
  if (!w.empty() && w[0] == "Fail") {
    st.fail = true;
    return st;
  }
  if (w.size() < 4 || !parse_u64(w[0], st.transaction_id) || !parse_ratio(w[1], st.used_meta, st.total_meta) ||
      !parse_ratio(w[2], st.used_data, st.total_data))
    return fail(EINVAL, fmt::format("Cannot parse thin-pool status {}", quote_for_message(s)));
  for (std::size_t i = 4; i < w.size(); ++i) {
    if (w[i] == "ro") st.read_only = true;
    if (w[i] == "out_of_data_space") st.out_of_data = true;
    if (w[i] == "needs_check") st.needs_check = true;
  }
  return st;
}

namespace {

// lvm2's dm_percent display: 2 decimals, never 0.00 for a non-zero use
// nor 100.00 for a not full one.
std::string percent_text(std::uint64_t used, std::uint64_t total) {
  if (total == 0) return "0.00";
  double p = 100.0 * static_cast<double>(used) / static_cast<double>(total);
  if (used > 0 && p < 0.01) p = 0.01;
  if (used < total && p > 99.99) p = 99.99;
  return fmt::format("{:.2f}", p);
}

}  // namespace

bool is_thin_lv(const VolumeGroup& vg, const LogicalVolume& lv) {
  (void)vg;
  return lv_is_thin_pool(lv) || lv_is_thin_volume(lv);
}

Result<void> thin_activate_pool_layer(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& pool,
                                      const std::map<std::string, std::string>& pv_paths) {
  auto tree = pool_layer_tree(vg, pool, pv_paths);
  if (!tree) return fail(tree.error());
  return d.apply(*tree);
}

Result<void> thin_release_pool_layer(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& pool,
                                     const std::map<std::string, std::string>& pv_paths) {
  auto top = d.info(dm_device_uuid(vg.id, pool.id));
  if (!top) return fail(top.error());
  if (top->exists) return {};  // VG-POOL uses the layer
  auto tp = d.info(tpool_uuid(vg, pool));
  if (!tp) return fail(tp.error());
  if (!tp->exists || tp->open_count > 0) return {};  // a thin LV uses it
  auto tree = pool_layer_tree(vg, pool, pv_paths);
  if (!tree) return fail(tree.error());
  return d.remove(*tree, fmt::format("{}/{}", vg.name, pool.name));
}

Result<activate::DeviceState> thin_state(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& lv) {
  if (lv_is_thin_pool(lv)) {
    auto top = d.info(dm_device_uuid(vg.id, lv.id));
    if (!top) return fail(top.error());
    auto tp = d.info(tpool_uuid(vg, lv));
    if (!tp) return fail(tp.error());
    // VG-POOL itself holds the layer open: only other holders (thin LVs) count.
    const std::int32_t users = tp->exists ? tp->open_count - (top->exists ? 1 : 0) : 0;
    return activate::DeviceState{.active = top->exists || tp->exists,
                                 .open = (top->exists && top->open_count > 0) || users > 0};
  }
  return d.state(vg, lv);
}

Result<std::optional<ThinPoolStatus>> pool_status(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& pool) {
  auto i = d.info(tpool_uuid(vg, pool));
  if (!i) return fail(i.error());
  if (!i->exists) return std::optional<ThinPoolStatus>{};
  auto s = status_line(d, tpool_uuid(vg, pool));
  if (!s) return fail(s.error());
  auto st = parse_thin_pool_status(*s);
  if (!st) return fail(st.error());
  return std::optional<ThinPoolStatus>(*st);
}

Result<std::optional<ThinStatus>> thin_status(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& lv) {
  const std::string uuid = dm_device_uuid(vg.id, lv.id);
  auto i = d.info(uuid);
  if (!i) return fail(i.error());
  if (!i->exists) return std::optional<ThinStatus>{};
  auto s = status_line(d, uuid);
  if (!s) return fail(s.error());
  ThinStatus st;
  auto w = words(*s);
  if (!w.empty() && w[0] == "Fail") st.fail = true;
  else if (!w.empty() && w[0] != "-") parse_u64(w[0], st.mapped_sectors);
  return std::optional<ThinStatus>(st);
}

void thin_report_states(activate::Driver& d, const VolumeGroup& vg, std::vector<report::LvState>& states) {
  for (std::size_t i = 0; i < vg.lvs.size() && i < states.size(); ++i) {
    const LogicalVolume& lv = vg.lvs[i];
    if (lv_is_thin_pool(lv)) {
      if (auto st = thin_state(d, vg, lv)) {
        states[i].active = st->active ? report::Tri::yes : report::Tri::no;
        states[i].open = st->open ? report::Tri::yes : report::Tri::no;
      }
      auto ps = pool_status(d, vg, lv);
      if (ps && *ps) {
        const ThinPoolStatus& p = **ps;
        if (!p.fail) {
          states[i].data_percent = percent_text(p.used_data, p.total_data);
          states[i].metadata_percent = percent_text(p.used_meta, p.total_meta);
        }
        states[i].health = p.fail ? "failed" : p.out_of_data ? "out_of_data" : p.read_only ? "metadata_read_only" : "";
        states[i].needs_check = p.needs_check;
      }
    } else if (lv_is_thin_volume(lv)) {
      auto ts = thin_status(d, vg, lv);
      if (ts && *ts) {
        if ((*ts)->fail) {
          states[i].health = "failed";
        } else {
          // The pool maps whole chunks: the size rounds up to one (lvm2).
          sector_t size = lv_sectors(vg, lv);
          if (auto tk = segtypes::thin_keys(lv.segments[0]))
            if (const LogicalVolume* p = vg.find_lv(tk->thin_pool); p && lv_is_thin_pool(*p))
              if (auto pk = segtypes::thin_pool_keys(p->segments[0]); pk && pk->chunk_size)
                size = (size + pk->chunk_size - 1) / pk->chunk_size * pk->chunk_size;
          states[i].data_percent = percent_text(std::min((*ts)->mapped_sectors, size), size);
        }
      }
    }
  }
}

Result<void> send_pool_messages(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& pool) {
  auto k = segtypes::thin_pool_keys(pool.segments.at(0));
  if (!k) return fail(k.error());
  auto st = pool_status(d, vg, pool);
  if (!st) return fail(st.error());
  const std::string name = tpool_name(vg, pool);
  if (!*st) return fail(ENXIO, fmt::format("Thin pool {} is not active.", name));
  const bool have = !k->messages.empty();
  if ((*st)->transaction_id == k->transaction_id) return {};  // already taken
  if ((*st)->transaction_id + 1 != k->transaction_id)
    return fail(EINVAL, fmt::format("Thin pool {} transaction_id is {}, while expected {}.", name,
                                    (*st)->transaction_id, k->transaction_id - (have ? 1 : 0)));
  if (!have) return {};
  if ((*st)->fail || (*st)->read_only || (*st)->needs_check)
    return fail(EINVAL, fmt::format("Cannot send messages to thin pool {}{}{}{}.", name,
                                    (*st)->fail ? " in failed state" : "",
                                    (*st)->read_only ? " with read only metadata" : "",
                                    (*st)->needs_check ? " which needs check first" : ""));
  const std::string uuid = tpool_uuid(vg, pool);
  for (const auto& m : k->messages) {
    std::string text;
    if (m.create.empty()) {
      text = fmt::format("delete {}", m.delete_id);
    } else {
      const LogicalVolume* t = vg.find_lv(m.create);
      if (!t || !lv_is_thin_volume(*t))
        return fail(ENOENT, fmt::format("Thin LV {} of a pool message not found.", m.create));
      auto tk = segtypes::thin_keys(t->segments[0]);
      if (!tk) return fail(tk.error());
      const LogicalVolume* origin = tk->origin ? vg.find_lv(*tk->origin) : nullptr;
      if (origin && !lv_is_thin_volume(*origin))
        return fail(EINVAL, fmt::format("Origin {} of thin LV {} is not a thin LV.", origin->name, t->name));
      if (origin) {
        auto ok = segtypes::thin_keys(origin->segments[0]);
        if (!ok) return fail(ok.error());
        text = fmt::format("create_snap {} {}", tk->device_id, ok->device_id);
      } else {
        text = fmt::format("create_thin {}", tk->device_id);
      }
    }
    if (auto r = d.message(uuid, text); !r) return r;
  }
  if (auto r = d.message(uuid, fmt::format("set_transaction_id {} {}", k->transaction_id - 1, k->transaction_id)); !r)
    return r;
  auto after = pool_status(d, vg, pool);
  if (!after) return fail(after.error());
  if (!*after || (*after)->transaction_id != k->transaction_id)
    return fail(EINVAL, fmt::format("Thin pool {} transaction_id is {} and does not match expected  {}.", name,
                                    *after ? (*after)->transaction_id : 0, k->transaction_id));
  return {};
}

}  // namespace udm::lvm::api::detail

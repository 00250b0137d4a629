#include "lvm/api/thin_activate.hpp"

#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "lvm/activate/dm_names.hpp"
#include "udm/client.hpp"

namespace udm::lvm::api::detail {
namespace {

using segtypes::lv_is_thin_pool;
using segtypes::lv_is_thin_volume;

constexpr std::string_view TPOOL = "tpool";

struct Dev {
  std::string name;
  std::string uuid;
  bool read_only = false;
  std::vector<client::TableLine> table;
};

Result<client::DeviceInfo> info_of(client::Client& c, const std::string& uuid) {
  client::Task t(c, client::TaskType::info);
  t.set_uuid(uuid);
  if (auto r = t.run(); !r) {
    if (t.error_code() == ENXIO) return client::DeviceInfo{};
    return fail(r.error());
  }
  return t.info();
}

std::string devno(const client::DeviceInfo& i) { return fmt::format("{}:{}", i.major, i.minor); }

Result<std::vector<client::TableLine>> live_table(client::Client& c, const std::string& uuid) {
  client::Task t(c, client::TaskType::table);
  t.set_uuid(uuid);
  if (auto r = t.run(); !r) return fail(r.error());
  return t.table();
}

// Creates the device, or reloads it when its live table differs. Returns its info.
Result<client::DeviceInfo> ensure(client::Client& c, const Dev& d) {
  auto i = info_of(c, d.uuid);
  if (!i) return fail(i.error());
  if (!i->exists) {
    client::Task t(c, client::TaskType::create);
    t.set_name(d.name).set_uuid(d.uuid);
    if (d.read_only) t.set_read_only();
    for (const auto& l : d.table) t.add_target(l);
    if (auto r = t.run(); !r) return fail(r.error());
    return info_of(c, d.uuid);
  }
  auto cur = live_table(c, d.uuid);
  if (!cur) return fail(cur.error());
  if (*cur == d.table) return i;
  client::Task load(c, client::TaskType::reload);
  load.set_uuid(d.uuid);
  if (d.read_only) load.set_read_only();
  for (const auto& l : d.table) load.add_target(l);
  if (auto r = load.run(); !r) return fail(r.error());
  client::Task resume(c, client::TaskType::resume);
  resume.set_uuid(d.uuid);
  if (auto r = resume.run(); !r) return fail(r.error());
  return info_of(c, d.uuid);
}

Result<void> remove_if_unused(client::Client& c, const std::string& uuid) {
  auto i = info_of(c, uuid);
  if (!i) return fail(i.error());
  if (!i->exists || i->open_count > 0) return {};
  client::Task t(c, client::TaskType::remove);
  t.set_uuid(uuid);
  return t.run();
}

std::string tpool_uuid(const VolumeGroup& vg, const LogicalVolume& pool) {
  return dm_device_uuid(vg.id, pool.id) + "-" + std::string(TPOOL);
}
std::string tpool_name(const VolumeGroup& vg, const LogicalVolume& pool) {
  return dm_device_name(vg.name, pool.name) + "-" + std::string(TPOOL);
}

Result<const LogicalVolume*> find_sub(const VolumeGroup& vg, const std::string& name, const LogicalVolume& pool) {
  const LogicalVolume* lv = vg.find_lv(name);
  if (!lv) return fail(ENOENT, fmt::format("Thin pool {}/{} names missing LV {}.", vg.name, pool.name, name));
  return lv;
}

Result<const LogicalVolume*> pool_of_thin(const VolumeGroup& vg, const LogicalVolume& lv) {
  auto k = segtypes::thin_keys(lv.segments.at(0));
  if (!k) return fail(k.error());
  const LogicalVolume* p = vg.find_lv(k->thin_pool);
  if (!p || !lv_is_thin_pool(*p))
    return fail(ENOENT, fmt::format("Thin pool {} of {}/{} not found.", k->thin_pool, vg.name, lv.name));
  return p;
}

std::vector<client::TableLine> to_client(const std::vector<activate::TableLine>& t) {
  std::vector<client::TableLine> out;
  for (const auto& l : t) out.push_back({l.start, l.length, l.type, l.params});
  return out;
}

sector_t lv_sectors(const VolumeGroup& vg, const LogicalVolume& lv) { return lv.extent_count() * vg.extent_size; }

// thin-pool's feature words, as libdevmapper orders them.
std::string pool_params(const segtypes::ThinPoolKeys& k, const std::string& meta, const std::string& data,
                        bool error_when_full) {
  std::vector<std::string> f;
  if (!k.zero_new_blocks) f.push_back("skip_block_zeroing");
  if (k.discards == "ignore") f.push_back("ignore_discard");
  if (k.discards == "nopassdown") f.push_back("no_discard_passdown");
  if (error_when_full) f.push_back("error_if_no_space");
  std::string out = fmt::format("{} {} {} 0 {}", meta, data, k.chunk_size, f.size());
  for (const auto& w : f) out += " " + w;
  return out;
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

Result<std::string> status_line(client::Client& c, const std::string& uuid) {
  client::Task t(c, client::TaskType::status);
  t.set_uuid(uuid);
  if (auto r = t.run(); !r) return fail(r.error());
  if (t.table().empty()) return fail(EINVAL, "no status");
  return t.table()[0].params;
}

Result<ThinPoolStatus> parse_pool_status(std::string_view s) {
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

Result<void> message(client::Client& c, const std::string& uuid, const std::string& text) {
  client::Task t(c, client::TaskType::target_msg);
  t.set_uuid(uuid).set_message(0, text);
  return t.run();
}

}  // namespace

bool is_thin_lv(const VolumeGroup& vg, const LogicalVolume& lv) {
  return lv_is_thin_pool(lv) || lv_is_thin_volume(lv) || segtypes::pool_of_sub_lv(vg, lv) ||
         segtypes::lv_is_pool_metadata_spare(lv);
}

Result<void> thin_activate_pool_layer(client::Client& c, const VolumeGroup& vg, const LogicalVolume& pool,
                                      const std::map<std::string, std::string>& pv_paths) {
  auto k = segtypes::thin_pool_keys(pool.segments.at(0));
  if (!k) return fail(k.error());
  std::string refs[2];
  const std::string* names[2] = {&k->metadata, &k->pool};
  for (int i = 0; i < 2; ++i) {
    auto sub = find_sub(vg, *names[i], pool);
    if (!sub) return fail(sub.error());
    auto table = activate::lv_table(vg, **sub, pv_paths);
    if (!table) return fail(table.error());
    auto inf = ensure(c, {dm_device_name(vg.name, (*sub)->name), dm_device_uuid(vg.id, (*sub)->id), false,
                          to_client(*table)});
    if (!inf) return fail(inf.error());
    refs[i] = devno(*inf);
  }
  Dev tpool{tpool_name(vg, pool), tpool_uuid(vg, pool), false,
            {{0, lv_sectors(vg, pool), std::string(segtypes::THIN_POOL),
              pool_params(*k, refs[0], refs[1], pool.flags.has("ERROR_WHEN_FULL"))}}};
  auto inf = ensure(c, tpool);
  if (!inf) return fail(inf.error());
  return {};
}

Result<void> thin_activate(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv,
                           const std::map<std::string, std::string>& pv_paths) {
  const LogicalVolume* pool = &lv;
  if (lv_is_thin_volume(lv)) {
    auto p = pool_of_thin(vg, lv);
    if (!p) return fail(p.error());
    pool = *p;
  } else if (!lv_is_thin_pool(lv)) {
    return {};  // sub-LVs and the spare come with their pool
  }
  if (auto r = thin_activate_pool_layer(c, vg, *pool, pv_paths); !r) return r;
  auto tp = info_of(c, tpool_uuid(vg, *pool));
  if (!tp) return fail(tp.error());
  Dev top{dm_device_name(vg.name, lv.name), dm_device_uuid(vg.id, lv.id), !lv.status.has("WRITE"), {}};
  if (lv_is_thin_pool(lv)) {
    top.table.push_back({0, lv_sectors(vg, lv), "linear", devno(*tp) + " 0"});
  } else {
    auto k = segtypes::thin_keys(lv.segments[0]);
    if (!k) return fail(k.error());
    if (k->external_origin)
      return fail(EOPNOTSUPP, fmt::format("Cannot activate {}/{}: thin volumes with an external origin are not "
                                          "supported by ulvm.", vg.name, lv.name));
    top.table.push_back({0, lv_sectors(vg, lv), std::string(segtypes::THIN), fmt::format("{} {}", devno(*tp), k->device_id)});
  }
  auto inf = ensure(c, top);
  if (!inf) return fail(inf.error());
  return {};
}

Result<void> thin_release_pool_layer(client::Client& c, const VolumeGroup& vg, const LogicalVolume& pool) {
  auto top = info_of(c, dm_device_uuid(vg.id, pool.id));
  if (!top) return fail(top.error());
  if (top->exists) return {};  // VG-POOL still uses the layer
  auto tp = info_of(c, tpool_uuid(vg, pool));
  if (!tp) return fail(tp.error());
  if (tp->exists && tp->open_count > 0) return {};
  if (auto r = remove_if_unused(c, tpool_uuid(vg, pool)); !r) return r;
  auto k = segtypes::thin_pool_keys(pool.segments.at(0));
  if (!k) return fail(k.error());
  for (const std::string* n : {&k->pool, &k->metadata})
    if (const LogicalVolume* sub = vg.find_lv(*n))
      if (auto r = remove_if_unused(c, dm_device_uuid(vg.id, sub->id)); !r) return r;
  return {};
}

Result<void> thin_deactivate(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  const LogicalVolume* pool = nullptr;
  if (lv_is_thin_pool(lv)) {
    pool = &lv;
  } else if (lv_is_thin_volume(lv)) {
    auto p = pool_of_thin(vg, lv);
    if (!p) return fail(p.error());
    pool = *p;
  } else {
    return {};
  }
  const std::string uuid = dm_device_uuid(vg.id, lv.id);
  auto i = info_of(c, uuid);
  if (!i) return fail(i.error());
  if (i->exists) {
    if (i->open_count > 0) return fail(EBUSY, fmt::format("Logical volume {}/{} in use.", vg.name, lv.name));
    client::Task t(c, client::TaskType::remove);
    t.set_uuid(uuid);
    if (auto r = t.run(); !r) return r;
  }
  return thin_release_pool_layer(c, vg, *pool);
}

Result<activate::DeviceState> thin_state(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  if (lv_is_thin_pool(lv)) {
    auto top = info_of(c, dm_device_uuid(vg.id, lv.id));
    if (!top) return fail(top.error());
    auto tp = info_of(c, tpool_uuid(vg, lv));
    if (!tp) return fail(tp.error());
    return activate::DeviceState{.active = top->exists || tp->exists,
                                 .open = (top->exists && top->open_count > 0) || (tp->exists && tp->open_count > 0)};
  }
  auto i = info_of(c, dm_device_uuid(vg.id, lv.id));
  if (!i) return fail(i.error());
  return activate::DeviceState{.active = i->exists, .open = i->exists && i->open_count > 0};
}

Result<std::optional<ThinPoolStatus>> pool_status(client::Client& c, const VolumeGroup& vg, const LogicalVolume& pool) {
  auto i = info_of(c, tpool_uuid(vg, pool));
  if (!i) return fail(i.error());
  if (!i->exists) return std::optional<ThinPoolStatus>{};
  auto s = status_line(c, tpool_uuid(vg, pool));
  if (!s) return fail(s.error());
  auto st = parse_pool_status(*s);
  if (!st) return fail(st.error());
  return std::optional<ThinPoolStatus>(*st);
}

Result<std::optional<ThinStatus>> thin_status(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  const std::string uuid = dm_device_uuid(vg.id, lv.id);
  auto i = info_of(c, uuid);
  if (!i) return fail(i.error());
  if (!i->exists) return std::optional<ThinStatus>{};
  auto s = status_line(c, uuid);
  if (!s) return fail(s.error());
  ThinStatus st;
  auto w = words(*s);
  if (!w.empty() && w[0] == "Fail") st.fail = true;
  else if (!w.empty() && w[0] != "-") parse_u64(w[0], st.mapped_sectors);
  return std::optional<ThinStatus>(st);
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

void thin_report_states(client::Client& c, const VolumeGroup& vg, std::vector<report::LvState>& states) {
  for (std::size_t i = 0; i < vg.lvs.size() && i < states.size(); ++i) {
    const LogicalVolume& lv = vg.lvs[i];
    if (lv_is_thin_pool(lv)) {
      if (auto st = thin_state(c, vg, lv)) {
        states[i].active = st->active ? report::Tri::yes : report::Tri::no;
        states[i].open = st->open ? report::Tri::yes : report::Tri::no;
      }
      auto ps = pool_status(c, vg, lv);
      if (ps && *ps && !(*ps)->fail) {
        states[i].data_percent = percent_text((*ps)->used_data, (*ps)->total_data);
        states[i].metadata_percent = percent_text((*ps)->used_meta, (*ps)->total_meta);
      }
    } else if (lv_is_thin_volume(lv)) {
      auto ts = thin_status(c, vg, lv);
      if (ts && *ts && !(*ts)->fail) states[i].data_percent = percent_text((*ts)->mapped_sectors, lv_sectors(vg, lv));
    }
  }
}

Result<void> send_pool_messages(client::Client& c, const VolumeGroup& vg, const LogicalVolume& pool) {
  auto k = segtypes::thin_pool_keys(pool.segments.at(0));
  if (!k) return fail(k.error());
  auto st = pool_status(c, vg, pool);
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
      if (!t) return fail(ENOENT, fmt::format("Thin LV {} of a pool message not found.", m.create));
      auto tk = segtypes::thin_keys(t->segments.at(0));
      if (!tk) return fail(tk.error());
      const LogicalVolume* origin = tk->origin ? vg.find_lv(*tk->origin) : nullptr;
      if (origin) {
        auto ok = segtypes::thin_keys(origin->segments.at(0));
        if (!ok) return fail(ok.error());
        text = fmt::format("create_snap {} {}", tk->device_id, ok->device_id);
      } else {
        text = fmt::format("create_thin {}", tk->device_id);
      }
    }
    if (auto r = message(c, uuid, text); !r) return r;
  }
  if (auto r = message(c, uuid, fmt::format("set_transaction_id {} {}", k->transaction_id - 1, k->transaction_id)); !r)
    return r;
  auto after = pool_status(c, vg, pool);
  if (!after) return fail(after.error());
  if (!*after || (*after)->transaction_id != k->transaction_id)
    return fail(EINVAL, fmt::format("Thin pool {} transaction_id is {} and does not match expected  {}.", name,
                                    *after ? (*after)->transaction_id : 0, k->transaction_id));
  return {};
}

}  // namespace udm::lvm::api::detail

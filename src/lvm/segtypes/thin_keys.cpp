#include "lvm/segtypes/thin_keys.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "lvm/segtypes/segment_keys.hpp"

namespace udm::lvm::segtypes {
namespace {

#define THIN_TRY(dst, expr)           \
  do {                                \
    auto _r = (expr);                 \
    if (!_r) return fail(_r.error()); \
    dst = std::move(*_r);             \
  } while (0)

bool is_message_key(std::string_view k) { return k.starts_with("message"); }

// Keeps the items of `seg` that none of `own` names (and no messageN).
std::vector<ConfigNode> foreign_keys(const Segment& seg, std::initializer_list<std::string_view> own, bool messages) {
  std::vector<ConfigNode> out;
  for (const auto& n : seg.unknown) {
    if (std::find(own.begin(), own.end(), n.key) != own.end()) continue;
    if (messages && n.is_section && is_message_key(n.key)) continue;
    out.push_back(n);
  }
  return out;
}

}  // namespace

Result<ThinPoolKeys> thin_pool_keys(const Segment& seg) {
  ThinPoolKeys k;
  THIN_TRY(k.metadata, str_key(seg, "metadata"));
  THIN_TRY(k.pool, str_key(seg, "pool"));
  THIN_TRY(k.transaction_id, num_key(seg, "transaction_id"));
  THIN_TRY(k.chunk_size, num_key(seg, "chunk_size"));
  if (find_key(seg, "discards")) {
    THIN_TRY(k.discards, str_key(seg, "discards"));
    if (k.discards != "passdown" && k.discards != "nopassdown" && k.discards != "ignore")
      return fail(EINVAL, fmt::format("thin-pool segment: unknown discards {}", quote_for_message(k.discards)));
  }
  k.zero_new_blocks = false;
  if (find_key(seg, "zero_new_blocks")) {
    std::uint64_t z = 0;
    THIN_TRY(z, num_key(seg, "zero_new_blocks"));
    k.zero_new_blocks = z != 0;
  }
  if (find_key(seg, "crop_metadata")) {
    std::uint64_t c = 0;
    THIN_TRY(c, num_key(seg, "crop_metadata"));
    k.crop_metadata = static_cast<std::int64_t>(c);
  }
  for (const auto& n : seg.unknown) {
    if (!is_message_key(n.key)) continue;
    if (!n.is_section) return fail(EINVAL, fmt::format("thin-pool segment: {} must be a section", n.key));
    ThinMessage m;
    if (const ConfigNode* c = n.find("create"); c && c->value.is_string()) {
      m.create = c->value.text;
    } else if (const ConfigNode* d = n.find("delete"); d && d->value.is_int() && d->value.integer >= 0) {
      m.delete_id = static_cast<std::uint64_t>(d->value.integer);
    } else {
      return fail(EINVAL, fmt::format("thin-pool segment: {} is neither create nor delete", n.key));
    }
    k.messages.push_back(std::move(m));
  }
  return k;
}

Result<ThinKeys> thin_keys(const Segment& seg) {
  ThinKeys k;
  THIN_TRY(k.thin_pool, str_key(seg, "thin_pool"));
  THIN_TRY(k.transaction_id, num_key(seg, "transaction_id"));
  THIN_TRY(k.device_id, num_key(seg, "device_id"));
  THIN_TRY(k.external_origin, opt_str_key(seg, "external_origin"));
  THIN_TRY(k.origin, opt_str_key(seg, "origin"));
  THIN_TRY(k.merge, opt_str_key(seg, "merge"));
  return k;
}

void set_thin_pool_keys(Segment& seg, const ThinPoolKeys& k) {
  std::vector<ConfigNode> rest = foreign_keys(
      seg, {"metadata", "pool", "transaction_id", "chunk_size", "discards", "zero_new_blocks", "crop_metadata"}, true);
  seg.type = std::string(THIN_POOL);
  seg.stripes.clear();
  seg.stripe_size = 0;
  std::vector<ConfigNode> out;
  out.push_back(str_node("metadata", k.metadata));
  out.push_back(str_node("pool", k.pool));
  out.push_back(num_node("transaction_id", static_cast<std::int64_t>(k.transaction_id)));
  out.push_back(num_node("chunk_size", static_cast<std::int64_t>(k.chunk_size)));
  out.push_back(str_node("discards", k.discards));
  if (k.zero_new_blocks) out.push_back(num_node("zero_new_blocks", 1));
  if (k.crop_metadata) out.push_back(num_node("crop_metadata", *k.crop_metadata));
  unsigned i = 0;
  for (const auto& m : k.messages) {
    ConfigNode s;
    s.key = fmt::format("message{}", ++i);
    s.is_section = true;
    if (!m.create.empty()) s.children.push_back(str_node("create", m.create));
    else s.children.push_back(num_node("delete", static_cast<std::int64_t>(m.delete_id)));
    out.push_back(std::move(s));
  }
  out.insert(out.end(), rest.begin(), rest.end());
  seg.unknown = std::move(out);
}

void set_thin_keys(Segment& seg, const ThinKeys& k) {
  std::vector<ConfigNode> rest =
      foreign_keys(seg, {"thin_pool", "transaction_id", "device_id", "external_origin", "origin", "merge"}, false);
  seg.type = std::string(THIN);
  seg.stripes.clear();
  seg.stripe_size = 0;
  std::vector<ConfigNode> out;
  out.push_back(str_node("thin_pool", k.thin_pool));
  out.push_back(num_node("transaction_id", static_cast<std::int64_t>(k.transaction_id)));
  out.push_back(num_node("device_id", static_cast<std::int64_t>(k.device_id)));
  if (k.external_origin) out.push_back(str_node("external_origin", *k.external_origin));
  if (k.origin) out.push_back(str_node("origin", *k.origin));
  if (k.merge) out.push_back(str_node("merge", *k.merge));
  out.insert(out.end(), rest.begin(), rest.end());
  seg.unknown = std::move(out);
}

bool is_thin_pool_segment(const Segment& seg) { return seg.type == THIN_POOL; }
bool is_thin_segment(const Segment& seg) { return seg.type == THIN; }

bool lv_is_thin_pool(const LogicalVolume& lv) { return lv.segments.size() == 1 && is_thin_pool_segment(lv.segments[0]); }

bool lv_is_thin_volume(const LogicalVolume& lv) { return lv.segments.size() == 1 && is_thin_segment(lv.segments[0]); }

std::vector<const LogicalVolume*> pool_thin_lvs(const VolumeGroup& vg, std::string_view pool) {
  std::vector<const LogicalVolume*> out;
  for (const auto& lv : vg.lvs) {
    if (!lv_is_thin_volume(lv)) continue;
    const ConfigNode* p = find_key(lv.segments[0], "thin_pool");
    if (p && p->value.is_string() && p->value.text == pool) out.push_back(&lv);
  }
  return out;
}

std::vector<const LogicalVolume*> external_origin_users(const VolumeGroup& vg, std::string_view origin) {
  std::vector<const LogicalVolume*> out;
  auto check = [&](const LogicalVolume& lv) {
    if (!lv_is_thin_volume(lv)) return;
    const ConfigNode* e = find_key(lv.segments[0], "external_origin");
    if (e && e->value.is_string() && e->value.text == origin) out.push_back(&lv);
  };
  if (const VgIndex* ix = vg_index(vg)) {  // reports ask for every LV: no scan of the VG each time
    for (std::size_t i : ix->external_thins) check(vg.lvs[i]);
  } else {
    for (const auto& lv : vg.lvs) check(lv);
  }
  return out;
}

bool lv_is_external_origin(const VolumeGroup& vg, const LogicalVolume& lv) {
  return !external_origin_users(vg, lv.name).empty();
}

const LogicalVolume* pool_of_sub_lv(const VolumeGroup& vg, const LogicalVolume& lv, bool* is_metadata) {
  const VgIndex* ix = vg_index(vg);
  const std::size_t n = ix ? ix->thin_pools.size() : vg.lvs.size();
  for (std::size_t k = 0; k < n; ++k) {  // the pools only, when indexed
    const LogicalVolume& p = vg.lvs[ix ? ix->thin_pools[k] : k];
    if (!lv_is_thin_pool(p)) continue;
    const Segment& s = p.segments[0];
    const ConfigNode* m = find_key(s, "metadata");
    const ConfigNode* d = find_key(s, "pool");
    if (m && m->value.is_string() && m->value.text == lv.name) {
      if (is_metadata) *is_metadata = true;
      return &p;
    }
    if (d && d->value.is_string() && d->value.text == lv.name) {
      if (is_metadata) *is_metadata = false;
      return &p;
    }
  }
  return nullptr;
}

bool lv_is_pool_metadata_spare(const LogicalVolume& lv) {
  return !lv.visible() && lv.name.find("_pmspare") != std::string::npos;
}

}  // namespace udm::lvm::segtypes

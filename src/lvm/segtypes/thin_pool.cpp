// thin-pool: the pool LV of LVM thin provisioning. Its one segment names a
// data LV (_tdata) and a metadata LV (_tmeta) and holds the pool's
// transaction id, chunk size, discards and zeroing, plus the messages lvm2
// queues until the pool has taken them (thin_keys.hpp). Its devices are
// VG-POOL_tmeta, VG-POOL_tdata, VG-POOL-tpool (thin-pool target) and, once
// the pool is in use, VG-POOL as a linear map of the -tpool layer
// (src/lvm/api/thin_activate.cpp).
#include <fmt/format.h>

#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::segtypes {
namespace {

class ThinPool final : public KeysInFileOrder {
 public:
  std::string_view name() const override { return THIN_POOL; }
  unsigned flags() const override { return SEG_CAN_ACTIVATE; }
  std::string_view layout() const override { return "pool,thin"; }
  int layout_rank() const override { return 4; }


  bool is_size_key(std::string_view key) const override { return key == "chunk_size"; }

  // VG-POOL is a linear map of the -tpool layer (lvm2's "used" pool layout).
  Result<TargetLine> target_line(const TableContext& ctx, const Segment& seg) const override {
    (void)seg;
    if (!ctx.planner)
      return fail(EOPNOTSUPP, fmt::format("Thin pool {}/{} has no table of its own.", ctx.vg.name, ctx.lv.name));
    auto tok = plan_thin_pool_layer(ctx, ctx.lv);
    if (!tok) return fail(tok.error());
    return TargetLine{"linear", *tok + " 0"};
  }

  SegmentReport report(const Segment& seg) const override {
    SegmentReport r;
    r.segtype = std::string(THIN_POOL);
    r.stripes = 1;
    if (auto k = thin_pool_keys(seg)) r.areas.push_back({{k->pool, 0}, seg.extent_count});
    return r;
  }

  std::string display_lines(const DisplayContext& ctx, const Segment& seg) const override {
    auto k = thin_pool_keys(seg);
    if (!k) return {};
    std::string out = "    Monitoring\t\tnot monitored\n";
    out += fmt::format("    Chunk size\t\t{}\n", ctx.size(k->chunk_size));
    out += fmt::format("    Discards\t\t{}\n", k->discards);
    std::size_t thins = 0;
    if (ctx.vg)
      for (const auto& lv : ctx.vg->lvs)
        if (lv_is_pool_of(lv, seg, *ctx.vg)) ++thins;
    out += fmt::format("    Thin count\t\t{}\n", thins);
    out += fmt::format("    Transaction ID\t{}\n", k->transaction_id);
    out += fmt::format("    Zero new blocks\t{}\n", k->zero_new_blocks ? "yes" : "no");
    return out;
  }

  void validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                std::vector<std::string>& out) const override {
    auto k = thin_pool_keys(seg);
    if (!k) {
      out.push_back(fmt::format("{}: {}", who(), k.error().message));
      return;
    }
    const LogicalVolume* meta = vg.find_lv(k->metadata);
    const LogicalVolume* data = vg.find_lv(k->pool);
    if (!meta) out.push_back(fmt::format("{}: metadata LV {} not found", who(), name_for_message(k->metadata)));
    if (!data) out.push_back(fmt::format("{}: pool data LV {} not found", who(), name_for_message(k->pool)));
    if (data && data->extent_count() != seg.extent_count)
      out.push_back(fmt::format("{}: pool data LV {} has {} extents, the pool {}", who(), data->name,
                                data->extent_count(), seg.extent_count));
    if (k->chunk_size < THIN_MIN_CHUNK || k->chunk_size > THIN_MAX_CHUNK || k->chunk_size % THIN_MIN_CHUNK)
      out.push_back(fmt::format("{}: chunk_size {} is not a multiple of 64 KiB from 64 KiB to 1 GiB", who(),
                                k->chunk_size));
    for (const auto& m : k->messages)
      if (!m.create.empty() && !vg.find_lv(m.create))
        out.push_back(fmt::format("{}: message creates unknown LV {}", who(), name_for_message(m.create)));
  }

 private:
  // Whether `lv` is a thin LV of the pool whose segment is `seg`.
  static bool lv_is_pool_of(const LogicalVolume& lv, const Segment& seg, const VolumeGroup& vg) {
    if (!lv_is_thin_volume(lv)) return false;
    auto t = thin_keys(lv.segments[0]);
    if (!t) return false;
    const LogicalVolume* p = vg.find_lv(t->thin_pool);
    return p && !p->segments.empty() && &p->segments[0] == &seg;
  }
};

}  // namespace

Result<std::string> plan_thin_pool_layer(const TableContext& ctx, const LogicalVolume& pool) {
  if (!ctx.planner) return fail(EOPNOTSUPP, "thin pools are planned with a device planner");
  if (!lv_is_thin_pool(pool)) return fail(EINVAL, fmt::format("LV {}/{} is not a thin pool.", ctx.vg.name, pool.name));
  const Segment& seg = pool.segments[0];
  auto k = thin_pool_keys(seg);
  if (!k) return fail(k.error());
  const LogicalVolume* meta = ctx.vg.find_lv(k->metadata);
  const LogicalVolume* data = ctx.vg.find_lv(k->pool);
  if (!meta || !data)
    return fail(ENOENT, fmt::format("Thin pool {}/{} is missing its {} LV.", ctx.vg.name, pool.name,
                                    meta ? k->pool : k->metadata));
  auto mt = ctx.planner->lv_device(*meta);
  if (!mt) return fail(mt.error());
  auto dt = ctx.planner->lv_device(*data);
  if (!dt) return fail(dt.error());
  std::vector<std::string> f;
  if (!k->zero_new_blocks) f.push_back("skip_block_zeroing");
  if (k->discards == "ignore") f.push_back("ignore_discard");
  if (k->discards == "nopassdown") f.push_back("no_discard_passdown");
  if (pool.flags.has("ERROR_WHEN_FULL")) f.push_back("error_if_no_space");
  // Low water mark 0: lvm2's with thin_pool_autoextend_threshold = 100.
  std::string params = fmt::format("{} {} {} 0 {}", *mt, *dt, k->chunk_size, f.size());
  for (const auto& w : f) params += " " + w;
  const sector_t len = seg.extent_count * ctx.vg.extent_size;
  return ctx.planner->layer_device(pool, "tpool", {TableLine{0, len, std::string(THIN_POOL), params}}, false);
}

const SegmentType& thin_pool_segtype() {
  static const ThinPool t;
  return t;
}

}  // namespace udm::lvm::segtypes

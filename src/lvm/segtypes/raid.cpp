// raid1, raid4, raid5_*, raid6_*, raid10: the Raid handler (raid_handler.hpp)
// and the instances registry.cpp lists.
#include <algorithm>

#include <fmt/format.h>

#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/raid_handler.hpp"

namespace udm::lvm::segtypes {

// Keys stay in Segment::unknown in file order (raid_keys.hpp).
Result<void> Raid::import_text(SegmentKeys& keys, Segment& seg) const {
  (void)keys;
  (void)seg;
  return {};
}

void Raid::export_text(SegmentWriter& w, const Segment& seg) const {
  (void)w;
  (void)seg;
}

Result<TargetLine> Raid::target_line(const TableContext& ctx, const Segment& seg) const {
  auto p = raid_target_params(ctx, seg);
  if (!p) return fail(p.error());
  return TargetLine{"raid", std::move(*p)};
}

SegmentReport Raid::report(const Segment& seg) const {
  SegmentReport r;
  r.segtype = seg.type;
  auto k = raid_keys(seg);
  if (!k) return r;
  r.stripes = k->device_count;
  r.stripe_size = k->stripe_size;
  r.region_size = k->region_size;
  // lvm2 counts raid1's images as its data stripes.
  r.data_stripes = k->type == "raid1" ? k->device_count : raid_data_stripes(*k);
  const extent_t per_image = seg.extent_count / std::max<std::uint64_t>(1, raid_data_stripes(*k));
  for (const auto& img : k->images) r.areas.push_back({{img, 0}, per_image});
  return r;
}

std::string Raid::display_lines(const DisplayContext& ctx, const Segment& seg) const {
  (void)ctx;
  auto k = raid_keys(seg);
  if (!k) return {};
  std::string out = fmt::format("    Monitoring\t\t{}\n", is_raid0_type(k->type) ? "not monitored" : "");
  const extent_t per_image = seg.extent_count / std::max<std::uint64_t>(1, raid_data_stripes(*k));
  for (std::size_t i = 0; i < k->images.size(); ++i)
    out += fmt::format("    Raid Data LV {}\n      Logical volume\t{}\n      Logical extents\t0 to {}\n", i,
                       k->images[i], per_image ? per_image - 1 : 0);
  for (std::size_t i = 0; i < k->metas.size(); ++i)
    if (!k->metas[i].empty()) out += fmt::format("    Raid Metadata LV {}\t{}\n", i, k->metas[i]);
  return out;
}

void Raid::validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                    std::vector<std::string>& out) const {
  auto k = raid_keys(seg);
  if (!k) {
    out.push_back(fmt::format("{}: {}", who(), k.error().message));
    return;
  }
  const std::uint64_t stripes = raid_data_stripes(*k);
  if (seg.extent_count % stripes)
    out.push_back(fmt::format("{}: {} extents do not split over {} data stripes", who(), seg.extent_count, stripes));
  const extent_t per_image = seg.extent_count / stripes;
  for (std::size_t i = 0; i < k->images.size(); ++i) {
    const LogicalVolume* img = vg.find_lv(k->images[i]);
    if (!img) out.push_back(fmt::format("{}: image LV {} not found", who(), name_for_message(k->images[i])));
    else if (img->extent_count() < per_image)
      out.push_back(fmt::format("{}: image LV {} has {} extents, {} needed", who(), img->name, img->extent_count(),
                                per_image));
    if (!k->metas[i].empty() && !vg.find_lv(k->metas[i]))
      out.push_back(fmt::format("{}: metadata LV {} not found", who(), name_for_message(k->metas[i])));
  }
  if (!is_raid0_type(k->type) && k->metas.size() == k->images.size())
    for (const auto& m : k->metas)
      if (m.empty()) out.push_back(fmt::format("{}: {} needs a metadata LV per image", who(), k->type));
}

#define RAID_TYPE(fn, word, layout)  \
  const SegmentType& fn() {          \
    static const Raid t(word, layout); \
    return t;                        \
  }

RAID_TYPE(raid1_segtype, "raid1", "raid,raid1")
RAID_TYPE(raid10_segtype, "raid10", "raid,raid10")
RAID_TYPE(raid5_segtype, "raid5", "raid,raid5,raid5_ls")
RAID_TYPE(raid6_segtype, "raid6", "raid,raid6,raid6_zr")
RAID_TYPE(raid4_segtype, "raid4", "raid,raid4")
RAID_TYPE(raid5_la_segtype, "raid5_la", "raid,raid5,raid5_la")
RAID_TYPE(raid5_ra_segtype, "raid5_ra", "raid,raid5,raid5_ra")
RAID_TYPE(raid5_ls_segtype, "raid5_ls", "raid,raid5,raid5_ls")
RAID_TYPE(raid5_rs_segtype, "raid5_rs", "raid,raid5,raid5_rs")
RAID_TYPE(raid5_n_segtype, "raid5_n", "raid,raid5,raid5_n")
RAID_TYPE(raid6_zr_segtype, "raid6_zr", "raid,raid6,raid6_zr")
RAID_TYPE(raid6_nr_segtype, "raid6_nr", "raid,raid6,raid6_nr")
RAID_TYPE(raid6_nc_segtype, "raid6_nc", "raid,raid6,raid6_nc")
RAID_TYPE(raid6_n_6_segtype, "raid6_n_6", "raid,raid6,raid6_n_6")
RAID_TYPE(raid6_ls_6_segtype, "raid6_ls_6", "raid,raid6,raid6_ls_6")
RAID_TYPE(raid6_rs_6_segtype, "raid6_rs_6", "raid,raid6,raid6_rs_6")
RAID_TYPE(raid6_la_6_segtype, "raid6_la_6", "raid,raid6,raid6_la_6")
RAID_TYPE(raid6_ra_6_segtype, "raid6_ra_6", "raid,raid6,raid6_ra_6")

void register_raid_segment_types(std::vector<const SegmentType*>& out) {
  for (auto* f : {&raid1_segtype, &raid10_segtype, &raid4_segtype, &raid5_la_segtype, &raid5_ra_segtype,
                  &raid5_ls_segtype, &raid5_rs_segtype, &raid5_n_segtype, &raid6_zr_segtype, &raid6_nr_segtype,
                  &raid6_nc_segtype, &raid6_n_6_segtype, &raid6_ls_6_segtype, &raid6_rs_6_segtype,
                  &raid6_la_6_segtype, &raid6_ra_6_segtype, &raid5_segtype, &raid6_segtype})
    out.push_back(&f());
  out.push_back(&raid0_segtype());
  out.push_back(&raid0_meta_segtype());
}

}  // namespace udm::lvm::segtypes

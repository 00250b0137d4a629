// fullreport: per VG (the last found first, as lvm2 walks them) its VG, PV,
// LV, PV-segment and LV-segment reports with lvm2's report/*_full columns
// and sort keys, then the orphan PVs; a section without rows prints nothing.
#include "lvm/api/change_commands.hpp"
#include "lvm/api/report_data.hpp"

namespace udm::lvm::api::detail {
namespace {

struct Section {
  report::ReportType type;
  bool segments;
  std::string_view fields, sort;
};
constexpr Section SECTIONS[] = {
    {report::ReportType::vgs, false, "vg_all", "vg_name"},
    {report::ReportType::pvs, false, "pv_all", "pv_name"},
    {report::ReportType::lvs, false, "lv_all", "vg_name,lv_name"},
    {report::ReportType::pvs, true, "pvseg_all,pv_uuid,lv_uuid", "pv_uuid,pvseg_start"},
    {report::ReportType::lvs, true, "seg_all,lv_uuid", "lv_uuid,seg_start"},
};

}  // namespace

Outcome<void> cmd_fullreport(Cmd& c) {
  auto data = load_report(c, report::ReportType::lvs, c.cl().args);
  if (!data) return std::unexpected(data.error());
  // lvm2's order: the VG whose first PV was found last comes first.
  std::vector<std::pair<std::size_t, const report::VgView*>> order;
  for (const auto& v : data->in.vgs) {
    const format::VgState* f = c.store().find_vg(v.vg->name);
    std::size_t first = format::NO_PV;
    for (auto i : f->pv_index) first = std::min(first, i);
    if (c.cl().args.empty() || std::find(c.cl().args.begin(), c.cl().args.end(), v.vg->name) != c.cl().args.end())
      order.emplace_back(first, &v);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<report::Input> groups;
  for (const auto& [i, v] : order) groups.push_back(report::Input{{*v}, {}});
  if (c.cl().args.empty() && !data->in.orphans.empty()) groups.push_back(report::Input{{}, data->in.orphans});
  for (const auto& in : groups) {
    for (const auto& s : SECTIONS) {
      if (in.vgs.empty() && (s.type != report::ReportType::pvs)) continue;
      report::Options o;
      o.fields = {std::string(s.fields)};
      o.sort = {std::string(s.sort)};
      o.segments = s.segments;
      auto text = report::render(s.type, in, o);
      if (!text) return failed(text.error().message);
      c.say_raw(*text);
    }
  }
  return {};
}

}  // namespace udm::lvm::api::detail

// dmstats' group tags and region lists as udmstats reads them from the
// driver's @stats_list reply (aux_data written by any program): the reply is
// parsed, groups resolved and the list reports rendered; a tag that parses
// must print back to a tag that parses to the same group.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "stats_group.hpp"
#include "stats_report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace udm::udmsetup;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto tag = parse_group_tag(text); tag && *tag) {
    const auto& t = **tag;
    if (t.alias.find(':') == std::string::npos && t.user_data.find('#') == std::string::npos) {
      auto again = parse_group_tag(format_group_tag(t));
      if (!again || !*again || (*again)->members != t.members || (*again)->alias != t.alias) std::abort();
    }
  }
  (void)parse_region_list(text);
  std::vector<StatsRegionData> regions;
  if (!parse_stats_list(text, regions)) return 0;
  std::vector<std::string> errors;
  const auto groups = resolve_groups(regions, &errors);
  for (const auto& g : groups)
    if (g.members.empty() || g.members.front() != g.id) std::abort();
  std::uint64_t areas = 0;
  for (const auto& r : regions) areas += r.area_count();
  for (const char* fields : {"stats_name,group_id,region_id,obj_type,region_start,region_len,area_count,area_len,user_data",
                             "region_id,area_id,area_start,area_offset,precise"}) {
    StatsReportOptions o;
    o.defaults = fields;
    auto report = StatsReport::create(o);
    if (!report) std::abort();
    report->add_list("dev", regions, groups);
    if (areas < 4096) report->add_report("dev", regions, false, groups);
    (void)report->render();
  }
  return 0;
}

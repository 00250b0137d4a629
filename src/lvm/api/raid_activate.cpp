#include "lvm/api/raid_activate.hpp"

#include <charconv>

#include <fmt/format.h>

#include "lvm/api/progress.hpp"
#include "lvm/metadata/dm_names.hpp"
#include "lvm/segtypes/raid_keys.hpp"

namespace udm::lvm::api::detail {
namespace {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t b = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

bool to_u64(std::string_view w, std::uint64_t& v) {
  auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
  return ec == std::errc() && p == w.data() + w.size();
}

}  // namespace

Result<RaidStatus> parse_raid_status(std::string_view line) {
  const auto bad = [&](std::string_view what) {
    return fail(EINVAL, fmt::format("raid status {}: {}", quote_for_message(line), what));
  };
  auto w = split_words(line);
  if (w.size() < 6) return bad("too few fields");
  RaidStatus s;
  s.type = std::string(w[0]);
  std::uint64_t devs = 0;
  if (!to_u64(w[1], devs) || devs == 0 || devs > 64) return bad("bad device count");
  if (w[2].size() != devs) return bad("health does not match the device count");
  for (char ch : w[2])
    if (ch != 'A' && ch != 'a' && ch != 'D' && ch != '-') return bad("bad health character");
  s.health = std::string(w[2]);
  const auto slash = w[3].find('/');
  if (slash == std::string_view::npos || !to_u64(w[3].substr(0, slash), s.in_sync) ||
      !to_u64(w[3].substr(slash + 1), s.total) || s.in_sync > s.total)
    return bad("bad sync ratio");
  s.action = std::string(w[4]);
  if (!to_u64(w[5], s.mismatches)) return bad("bad mismatch count");
  return s;
}

Result<std::optional<RaidStatus>> raid_status(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& lv) {
  const std::string uuid = dm_device_uuid(vg.id, lv.id);
  auto info = d.info(uuid);
  if (!info) return fail(info.error());
  if (!info->exists || !info->live_table) return std::optional<RaidStatus>{};
  auto st = d.status(uuid);
  if (!st) return fail(st.error());
  for (const auto& l : *st)
    if (l.type == "raid") {
      auto s = parse_raid_status(l.params);
      if (!s) return fail(s.error());
      return std::optional<RaidStatus>(std::move(*s));
    }
  return std::optional<RaidStatus>{};
}

std::string raid_copy_percent(const RaidStatus& s) {
  return display_percent(make_percent(s.in_sync, s.total ? s.total : 1));
}

bool raid_in_sync(const RaidStatus& s) {
  if (s.in_sync != s.total) return false;
  if (s.action != "idle" && s.action != "check" && s.action != "repair") return false;
  return s.health.find_first_not_of('A') == std::string::npos;
}

void raid_report_states(activate::Driver& d, const VolumeGroup& vg, std::vector<report::LvState>& states) {
  for (std::size_t i = 0; i < vg.lvs.size() && i < states.size(); ++i) {
    const LogicalVolume& lv = vg.lvs[i];
    if (!segtypes::lv_is_raid(lv) || states[i].active != report::Tri::yes) continue;
    auto st = raid_status(d, vg, lv);
    if (!st || !*st) continue;
    const RaidStatus& s = **st;
    auto& out = states[i];
    out.target_type = "raid";
    out.target_status = fmt::format("{} {} {}", s.type, s.health.size(), s.health);
    if (segtypes::is_raid0_type(lv.segments[0].type)) continue;
    out.copy_percent = raid_copy_percent(s);
    out.sync_action = s.action;
    out.mismatch_count = std::to_string(s.mismatches);
    if (s.health.find('D') != std::string::npos) out.health = "refresh needed";
    else if (s.mismatches) out.health = "mismatches exist";
  }
}

}  // namespace udm::lvm::api::detail

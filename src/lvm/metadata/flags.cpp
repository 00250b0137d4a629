// Flag words and allocation policies as lvm2 spells them in text metadata.
#include <algorithm>

#include "lvm/metadata/model.hpp"

namespace udm::lvm {

const std::vector<std::string_view>& known_flags(FlagSet::Kind kind) {
  // Canonical write order: the order real lvm2 2.03 emits these words.
  static const std::vector<std::string_view> vg_status = {
      "EXPORTED", "RESIZEABLE", "PARTIAL", "PVMOVE", "READ", "WRITE", "CLUSTERED", "SHARED"};
  static const std::vector<std::string_view> vg_flags = {"WRITE_LOCKED", "NOAUTOACTIVATE"};
  static const std::vector<std::string_view> pv_status = {"ALLOCATABLE", "EXPORTED", "MISSING"};
  static const std::vector<std::string_view> pv_flags = {"MISSING"};
  static const std::vector<std::string_view> lv_status = {
      "READ",        "WRITE",       "FIXED_MINOR",    "VISIBLE",      "PVMOVE",
      "LOCKED",      "NOTSYNCED",   "CONVERTING",     "MERGING",      "REBUILD",
      "WRITEMOSTLY", "PARTIAL",     "METADATA_FORMAT", "REMOVE_AFTER_RESHAPE",
      "RESHAPE_DATA_OFFSET", "TEMPORARY", "NOSCAN", "CACHE_USES_CACHEVOL", "WRITECACHE_ORIGIN"};
  static const std::vector<std::string_view> lv_flags = {"ACTIVATION_SKIP", "NOAUTOACTIVATE", "ERROR_WHEN_FULL",
                                                         "WRITE_LOCKED", "CACHE_VOL", "LV_CROP_METADATA"};
  switch (kind) {
    case FlagSet::Kind::vg_status: return vg_status;
    case FlagSet::Kind::vg_flags: return vg_flags;
    case FlagSet::Kind::pv_status: return pv_status;
    case FlagSet::Kind::pv_flags: return pv_flags;
    case FlagSet::Kind::lv_status: return lv_status;
    case FlagSet::Kind::lv_flags: return lv_flags;
  }
  return vg_status;
}

bool is_known_flag(FlagSet::Kind kind, std::string_view word) {
  const auto& k = known_flags(kind);
  return std::find(k.begin(), k.end(), word) != k.end();
}

bool FlagSet::has(std::string_view word) const {
  return std::find(words_.begin(), words_.end(), word) != words_.end();
}

void FlagSet::add(std::string_view word) {
  if (has(word)) return;
  const auto& order = known_flags(kind_);
  auto rank = [&](std::string_view w) {
    auto it = std::find(order.begin(), order.end(), w);
    return static_cast<std::size_t>(it - order.begin());  // unknown words rank last
  };
  const std::size_t r = rank(word);
  auto pos = std::find_if(words_.begin(), words_.end(), [&](const std::string& w) { return rank(w) > r; });
  words_.insert(pos, std::string(word));
}

void FlagSet::remove(std::string_view word) { std::erase(words_, std::string(word)); }

std::string_view allocation_policy_name(AllocationPolicy p) {
  switch (p) {
    case AllocationPolicy::inherit: return "inherit";
    case AllocationPolicy::contiguous: return "contiguous";
    case AllocationPolicy::cling: return "cling";
    case AllocationPolicy::cling_by_tags: return "cling_by_tags";
    case AllocationPolicy::normal: return "normal";
    case AllocationPolicy::anywhere: return "anywhere";
  }
  return "inherit";
}

std::optional<AllocationPolicy> parse_allocation_policy(std::string_view name) {
  for (auto p : {AllocationPolicy::inherit, AllocationPolicy::contiguous, AllocationPolicy::cling,
                 AllocationPolicy::cling_by_tags, AllocationPolicy::normal, AllocationPolicy::anywhere})
    if (allocation_policy_name(p) == name) return p;
  return std::nullopt;
}

}  // namespace udm::lvm

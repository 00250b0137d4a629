// ConfigTree -> VolumeGroup. Every key the model knows is taken out of its
// section; the rest is kept in `unknown` in file order.
#include <algorithm>
#include <fmt/format.h>
#include <charconv>
#include <map>

#include "lvm/format/config_parser.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::format {

namespace {

// Reads typed keys out of one section and remembers which ones it used.
class Section {
 public:
  Section(const ConfigNode& node, std::string who) : node_(node), who_(std::move(who)), who_built_(true) {
    used_.reserve(16);
  }
  // A nested section, named "<parent's name><joiner><this key>" only when a
  // message needs it (a VG text has thousands of sections and rarely an error).
  Section(const ConfigNode& node, const Section& parent, std::string_view joiner)
      : node_(node), parent_(&parent), joiner_(joiner) {
    used_.reserve(16);
  }

  const std::string& who() const {
    if (!who_built_) {
      who_ = parent_->who() + std::string(joiner_) + name_for_message(node_.key);
      who_built_ = true;
    }
    return who_;
  }

  const ConfigNode* take(std::string_view key) {
    used_.emplace_back(key);
    return node_.find(key);
  }

  Result<std::int64_t> integer(std::string_view key) {
    const ConfigNode* n = take(key);
    if (!n) return fail(EINVAL, fmt::format("{}: missing {}", who(), key));
    if (n->is_section || !n->value.is_int()) return fail(EINVAL, fmt::format("{}: {} is not an integer", who(), key));
    return n->value.integer;
  }
  Result<std::uint64_t> count(std::string_view key) {
    auto v = integer(key);
    if (!v) return v;
    if (*v < 0) return fail(EINVAL, fmt::format("{}: {} is negative", who(), key));
    return static_cast<std::uint64_t>(*v);
  }
  // An optional key read with `get`: absent is fine (and counts as seen).
  template <class T>
  Result<std::optional<T>> optional_of(std::string_view key, Result<T> (Section::*get)(std::string_view)) {
    if (!node_.find(key)) {
      used_.emplace_back(key);
      return std::optional<T>{};
    }
    auto v = (this->*get)(key);
    if (!v) return fail(v.error());
    return std::optional<T>(std::move(*v));
  }
  Result<std::optional<std::int64_t>> opt_integer(std::string_view key) { return optional_of(key, &Section::integer); }
  // An optional size or count: negative is refused (it would wrap to a huge
  // number and be written back out of range).
  Result<std::optional<std::uint64_t>> opt_count(std::string_view key) { return optional_of(key, &Section::count); }
  Result<std::string> string(std::string_view key) {
    const ConfigNode* n = take(key);
    if (!n) return fail(EINVAL, fmt::format("{}: missing {}", who(), key));
    if (n->is_section || !n->value.is_string()) return fail(EINVAL, fmt::format("{}: {} is not a string", who(), key));
    return n->value.text;
  }
  Result<std::optional<std::string>> opt_string(std::string_view key) { return optional_of(key, &Section::string); }
  // A list of strings; absent = empty.
  Result<std::vector<std::string>> words(std::string_view key) {
    const ConfigNode* n = take(key);
    std::vector<std::string> out;
    if (!n) return out;
    if (n->is_section || !n->value.is_array()) return fail(EINVAL, fmt::format("{}: {} is not a list", who(), key));
    for (const auto& v : n->value.array) {
      if (!v.is_string()) return fail(EINVAL, fmt::format("{}: {} holds a non-string", who(), key));
      out.push_back(v.text);
    }
    return out;
  }
  Result<std::string> id() {
    auto text = string("id");
    if (!text) return text;
    auto raw = parse_id(*text);
    if (!raw) return fail(with_context(who() + ": ", raw.error()));
    return raw;
  }
  Result<std::optional<AllocationPolicy>> policy() {
    auto s = opt_string("allocation_policy");
    if (!s) return fail(s.error());
    if (!*s) return std::optional<AllocationPolicy>{};
    auto p = parse_allocation_policy(**s);
    if (!p) return fail(EINVAL, fmt::format("{}: unknown allocation_policy {}", who(), quote_for_message(**s)));
    return p;
  }
  // Items not taken, in file order.
  std::vector<ConfigNode> rest() const {
    std::vector<ConfigNode> out;
    for (const auto& c : node_.children) {
      const bool used = std::find(used_.begin(), used_.end(), c.key) != used_.end();
      if (!used) out.push_back(c);
    }
    return out;
  }

 private:
  const ConfigNode& node_;
  const Section* parent_ = nullptr;
  std::string_view joiner_;
  mutable std::string who_;
  mutable bool who_built_ = false;
  std::vector<std::string_view> used_;  // literals, or keys of the tree being read
};

#define TRY_ASSIGN(dst, expr)          \
  do {                                 \
    auto _r = (expr);                  \
    if (!_r) return fail(_r.error());  \
    dst = std::move(*_r);              \
  } while (0)

Result<PhysicalVolume> import_pv(const ConfigNode& node, const Section& vg) {
  Section s(node, vg, ": PV ");
  PhysicalVolume pv;
  pv.name = node.key;
  TRY_ASSIGN(pv.id, s.id());
  std::optional<std::string> device;
  TRY_ASSIGN(device, s.opt_string("device"));
  pv.device = device.value_or("");
  std::vector<std::string> w;
  TRY_ASSIGN(w, s.words("status"));
  pv.status = FlagSet(FlagSet::Kind::pv_status, std::move(w));
  TRY_ASSIGN(w, s.words("flags"));
  pv.flags = FlagSet(FlagSet::Kind::pv_flags, std::move(w));
  TRY_ASSIGN(pv.tags, s.words("tags"));
  TRY_ASSIGN(pv.device_id_type, s.opt_string("device_id_type"));
  TRY_ASSIGN(pv.device_id, s.opt_string("device_id"));
  TRY_ASSIGN(pv.dev_size, s.count("dev_size"));
  TRY_ASSIGN(pv.pe_start, s.count("pe_start"));
  TRY_ASSIGN(pv.pe_count, s.count("pe_count"));
  std::optional<std::uint64_t> n;
  TRY_ASSIGN(n, s.opt_count("ba_start"));
  if (n) pv.ba_start = *n;
  TRY_ASSIGN(n, s.opt_count("ba_size"));
  if (n) pv.ba_size = *n;
  pv.unknown = s.rest();
  return pv;
}

Result<std::vector<SegmentArea>> import_areas(const ConfigNode* n, const Section& s, const char* key) {
  std::vector<SegmentArea> out;
  if (!n || n->is_section || !n->value.is_array()) return fail(EINVAL, fmt::format("{}: missing {} list", s.who(), key));
  const auto& a = n->value.array;
  if (a.size() % 2) return fail(EINVAL, fmt::format("{}: {} list has an odd number of items", s.who(), key));
  for (std::size_t i = 0; i < a.size(); i += 2) {
    if (!a[i].is_string() || !a[i + 1].is_int() || a[i + 1].integer < 0)
      return fail(EINVAL, fmt::format("{}: {} item {} is not a (\"name\", extent) pair", s.who(), key, i / 2));
    out.push_back({a[i].text, static_cast<extent_t>(a[i + 1].integer)});
  }
  return out;
}

// A segment section's keys as its type's handler reads them.
class SectionKeys final : public segtypes::SegmentKeys {
 public:
  explicit SectionKeys(Section& s) : s_(s) {}
  Result<std::uint64_t> count(std::string_view key) override { return s_.count(key); }
  Result<std::optional<std::uint64_t>> opt_count(std::string_view key) override { return s_.opt_count(key); }
  Result<std::vector<SegmentArea>> areas(std::string_view key) override {
    return import_areas(s_.take(key), s_, std::string(key).c_str());
  }
  Error error(std::string_view what) const override { return Error{EINVAL, fmt::format("{}: {}", s_.who(), what)}; }

 private:
  Section& s_;
};

Result<Segment> import_segment(const ConfigNode& node, const Section& lv) {
  Section s(node, lv, " ");
  Segment seg;
  TRY_ASSIGN(seg.start_extent, s.count("start_extent"));
  TRY_ASSIGN(seg.extent_count, s.count("extent_count"));
  std::optional<std::uint64_t> n;
  TRY_ASSIGN(n, s.opt_count("reshape_count"));
  if (n) seg.reshape_count = *n;
  TRY_ASSIGN(seg.type, s.string("type"));
  TRY_ASSIGN(seg.tags, s.words("tags"));
  SectionKeys keys(s);
  if (auto r = segtypes::segment_type_of(seg).import_text(keys, seg); !r) return fail(r.error());
  seg.unknown = s.rest();
  return seg;
}

Result<LogicalVolume> import_lv(const ConfigNode& node, const Section& vg) {
  Section s(node, vg, ": LV ");
  LogicalVolume lv;
  lv.name = node.key;
  TRY_ASSIGN(lv.id, s.id());
  std::vector<std::string> w;
  TRY_ASSIGN(w, s.words("status"));
  lv.status = FlagSet(FlagSet::Kind::lv_status, std::move(w));
  TRY_ASSIGN(w, s.words("flags"));
  lv.flags = FlagSet(FlagSet::Kind::lv_flags, std::move(w));
  TRY_ASSIGN(lv.tags, s.words("tags"));
  std::optional<std::int64_t> v;
  TRY_ASSIGN(v, s.opt_integer("creation_time"));
  lv.creation_time = v.value_or(0);
  std::optional<std::string> host;
  TRY_ASSIGN(host, s.opt_string("creation_host"));
  lv.creation_host = host.value_or("");
  TRY_ASSIGN(lv.lock_args, s.opt_string("lock_args"));
  TRY_ASSIGN(lv.allocation_policy, s.policy());
  TRY_ASSIGN(lv.profile, s.opt_string("profile"));
  TRY_ASSIGN(lv.read_ahead, s.opt_integer("read_ahead"));
  TRY_ASSIGN(lv.major, s.opt_integer("major"));
  TRY_ASSIGN(lv.minor, s.opt_integer("minor"));
  std::uint64_t segment_count = 0;
  TRY_ASSIGN(segment_count, s.count("segment_count"));
  // segment1..segmentN, in number order wherever they appear.
  std::map<std::uint64_t, const ConfigNode*> segs;
  std::vector<std::string_view> seg_keys;
  for (const auto& c : node.children) {
    if (!c.is_section || !c.key.starts_with("segment")) continue;
    const std::string_view num = std::string_view(c.key).substr(7);
    if (num.empty() || num.find_first_not_of("0123456789") != std::string_view::npos) continue;
    std::uint64_t n = 0;
    if (std::from_chars(num.data(), num.data() + num.size(), n).ec != std::errc())
      return fail(EINVAL, fmt::format("{}: {} is out of range", s.who(), quote_for_message(c.key)));
    segs[n] = &c;
    seg_keys.push_back(c.key);
  }
  if (segs.size() != segment_count)
    return fail(EINVAL, fmt::format("segment_count and actual number of segments disagree for logical volume {}",
                                    name_for_message(lv.name)));
  std::uint64_t expect = 1;
  for (const auto& [num, seg_node] : segs) {
    if (num != expect++) return fail(EINVAL, fmt::format("{}: segment{} is missing", s.who(), expect - 1));
    auto seg = import_segment(*seg_node, s);
    if (!seg) return fail(seg.error());
    lv.segments.push_back(std::move(*seg));
  }
  lv.unknown = s.rest();
  std::erase_if(lv.unknown, [&](const ConfigNode& c) {
    return c.is_section && std::find(seg_keys.begin(), seg_keys.end(), c.key) != seg_keys.end();
  });
  return lv;
}

Result<VolumeGroup> import_vg(const ConfigNode& node) {
  VolumeGroup vg;
  vg.name = node.key;
  Section s(node, "VG " + name_for_message(vg.name));
  TRY_ASSIGN(vg.id, s.id());
  TRY_ASSIGN(vg.seqno, s.count("seqno"));
  std::optional<std::string> format;
  TRY_ASSIGN(format, s.opt_string("format"));
  vg.format = format.value_or("lvm2");
  std::vector<std::string> w;
  TRY_ASSIGN(w, s.words("status"));
  vg.status = FlagSet(FlagSet::Kind::vg_status, std::move(w));
  TRY_ASSIGN(w, s.words("flags"));
  vg.flags = FlagSet(FlagSet::Kind::vg_flags, std::move(w));
  TRY_ASSIGN(vg.tags, s.words("tags"));
  TRY_ASSIGN(vg.system_id, s.opt_string("system_id"));
  TRY_ASSIGN(vg.lock_type, s.opt_string("lock_type"));
  TRY_ASSIGN(vg.lock_args, s.opt_string("lock_args"));
  TRY_ASSIGN(vg.extent_size, s.count("extent_size"));
  std::optional<std::uint64_t> n;
  TRY_ASSIGN(n, s.opt_count("max_lv"));
  vg.max_lv = n.value_or(0);
  TRY_ASSIGN(n, s.opt_count("max_pv"));
  vg.max_pv = n.value_or(0);
  TRY_ASSIGN(vg.allocation_policy, s.policy());
  TRY_ASSIGN(vg.profile, s.opt_string("profile"));
  TRY_ASSIGN(n, s.opt_count("metadata_copies"));
  vg.metadata_copies = n.value_or(0);

  const ConfigNode* pvs = s.take("physical_volumes");
  if (!pvs || !pvs->is_section) return fail(EINVAL, s.who() + ": missing physical_volumes section");
  for (const auto& c : pvs->children) {
    if (!c.is_section) return fail(EINVAL, fmt::format("{}: physical_volumes: {} is not a PV section", s.who(), name_for_message(c.key)));
    auto pv = import_pv(c, s);
    if (!pv) return fail(pv.error());
    vg.pvs.push_back(std::move(*pv));
  }
  if (const ConfigNode* lvs = s.take("logical_volumes")) {
    if (!lvs->is_section) return fail(EINVAL, s.who() + ": logical_volumes is not a section");
    for (const auto& c : lvs->children) {
      if (!c.is_section) return fail(EINVAL, fmt::format("{}: logical_volumes: {} is not an LV section", s.who(), name_for_message(c.key)));
      auto lv = import_lv(c, s);
      if (!lv) return fail(lv.error());
      vg.lvs.push_back(std::move(*lv));
    }
  }
  if (const ConfigNode* h = s.take("historical_logical_volumes")) vg.historical_lvs = *h;
  vg.unknown = s.rest();
  return vg;
}

}  // namespace

Result<VgText> import_vg_tree(const ConfigTree& tree) {
  VgText out;
  const ConfigNode* vg_node = nullptr;
  for (const auto& c : tree.root.children)
    if (c.is_section) {
      vg_node = &c;
      break;
    }
  Section top(tree.root, "metadata");
  auto contents = top.opt_string("contents");
  if (!contents) return fail(contents.error());
  if (!*contents) return fail(EINVAL, "Can't process text format file - missing contents field.");
  if (**contents != TEXT_CONTENTS)
    return fail(EINVAL, fmt::format("unknown metadata contents {}", quote_for_message(**contents)));
  out.header.contents = **contents;
  auto version = top.opt_integer("version");
  if (!version) return fail(version.error());
  if (!*version || **version != 1) return fail(EINVAL, "metadata version is missing or not 1");
  out.header.version = **version;
  if (!vg_node) return fail(EINVAL, "metadata has no volume group section");

  auto desc = top.opt_string("description");
  if (!desc) return fail(desc.error());
  out.header.description = desc->value_or("");
  auto host = top.opt_string("creation_host");
  if (!host) return fail(host.error());
  out.header.creation_host = host->value_or("");
  if (const ConfigNode* n = tree.root.find("creation_host")) out.header.creation_host_comment = n->comment;
  auto time = top.opt_integer("creation_time");
  if (!time) return fail(time.error());
  out.header.creation_time = time->value_or(0);
  if (const ConfigNode* n = tree.root.find("creation_time")) out.header.creation_time_comment = n->comment;
  (void)top.take(vg_node->key);  // not copied into the header's unknown items
  out.header.unknown = top.rest();

  auto vg = import_vg(*vg_node);
  if (!vg) return fail(vg.error());
  out.vg = std::move(*vg);
  return out;
}

Result<VgText> import_vg_text(std::string_view text) {
  auto tree = parse_config(text);
  if (!tree) return fail(tree.error());
  auto out = import_vg_tree(*tree);
  if (!out) return out;
  // The "# Generated by ..." comment line at the top level, kept for round trips.
  // (At the very start in vgcfgbackup files, after the VG section in mdas.)
  constexpr std::string_view MARK = "\n# Generated by ";
  std::size_t p = text.starts_with(MARK.substr(1)) ? 0 : text.find(MARK);
  if (p != std::string_view::npos) {
    if (text[p] == '\n') ++p;
    const std::size_t e = std::min(text.find('\n', p), text.size());
    out->header.generated_by = std::string(text.substr(p + 2, e - p - 2));
  }
  return out;
}

}  // namespace udm::lvm::format

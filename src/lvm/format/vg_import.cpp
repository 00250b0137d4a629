// ConfigTree -> VolumeGroup. Every key the model knows is taken out of its
// section; the rest is kept in `unknown` in file order.
#include <string.h>  // memmem

#include <algorithm>
#include <fmt/format.h>
#include <charconv>

#include "lvm/format/text_tree.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::format {

namespace {

// Reads typed keys out of one section and remembers which ones it used.
class Section {
 public:
  Section(const TextTree& tree, const TextNode& node, std::string who)
      : tree_(tree), node_(node), who_(std::move(who)), who_built_(true) {
    init_used();
  }
  // A nested section, named "<parent's name><joiner><this key>" only when a
  // message needs it (a VG text has thousands of sections and rarely an error).
  Section(const TextNode& node, const Section& parent, std::string_view joiner)
      : tree_(parent.tree_), node_(node), parent_(&parent), joiner_(joiner) {
    init_used();
  }

  const TextTree& tree() const { return tree_; }
  const std::string& who() const {
    if (!who_built_) {
      who_ = parent_->who() + std::string(joiner_) + name_for_message(node_.key);
      who_built_ = true;
    }
    return who_;
  }

  // The first item named `key`, or null; every item of that name counts as used.
  const TextNode* take(std::string_view key) {
    const TextNode* found = nullptr;
    const std::uint32_t h = key_hash(key);
    std::size_t i = 0;
    for (const TextNode& c : tree_.children(node_)) {
      if (c.hash == h && c.key == key) {
        if (!found) found = &c;
        mark_used(i);
      }
      ++i;
    }
    return found;
  }
  // Marks the child at `index` as read (segment sections).
  void mark_used(std::size_t i) {
    if (i < 64) used_small_ |= std::uint64_t{1} << i;
    else used_big_[i - 64] = true;
  }

  Result<std::int64_t> integer(std::string_view key) { return integer_of(take(key), key); }
  Result<std::uint64_t> count(std::string_view key) { return count_of(take(key), key); }
  // Optional keys: absent is fine (and counts as seen).
  Result<std::optional<std::int64_t>> opt_integer(std::string_view key) {
    const TextNode* n = take(key);
    if (!n) return std::optional<std::int64_t>{};
    auto v = integer_of(n, key);
    if (!v) return fail(v.error());
    return std::optional<std::int64_t>(*v);
  }
  // An optional size or count: negative is refused (it would wrap to a huge
  // number and be written back out of range).
  Result<std::optional<std::uint64_t>> opt_count(std::string_view key) {
    const TextNode* n = take(key);
    if (!n) return std::optional<std::uint64_t>{};
    auto v = count_of(n, key);
    if (!v) return fail(v.error());
    return std::optional<std::uint64_t>(*v);
  }
  Result<std::string> string(std::string_view key) {
    auto v = string_of(take(key), key);
    if (!v) return fail(v.error());
    return std::string(*v);
  }
  Result<std::optional<std::string>> opt_string(std::string_view key) {
    const TextNode* n = take(key);
    if (!n) return std::optional<std::string>{};
    auto v = string_of(n, key);
    if (!v) return fail(v.error());
    return std::optional<std::string>(std::string(*v));
  }
  // A list of strings; absent = empty.
  Result<std::vector<std::string>> words(std::string_view key) {
    const TextNode* n = take(key);
    std::vector<std::string> out;
    if (!n) return out;
    if (n->is_section() || !n->value.is_array()) return fail(EINVAL, fmt::format("{}: {} is not a list", who(), key));
    const auto elems = tree_.elements(n->value);
    out.reserve(elems.size());
    for (const auto& v : elems) {
      if (!v.is_string()) return fail(EINVAL, fmt::format("{}: {} holds a non-string", who(), key));
      out.emplace_back(v.text);
    }
    return out;
  }
  Result<std::string> id() {
    auto text = string_of(take("id"), "id");
    if (!text) return fail(text.error());
    auto raw = parse_id(*text);
    if (!raw) return fail(with_context(who() + ": ", raw.error()));
    return raw;
  }
  Result<std::optional<AllocationPolicy>> policy() {
    const TextNode* n = take("allocation_policy");
    if (!n) return std::optional<AllocationPolicy>{};
    auto s = string_of(n, "allocation_policy");
    if (!s) return fail(s.error());
    auto p = parse_allocation_policy(*s);
    if (!p) return fail(EINVAL, fmt::format("{}: unknown allocation_policy {}", who(), quote_for_message(*s)));
    return p;
  }
  // Items not taken, in file order.
  std::vector<ConfigNode> rest() const {
    std::vector<ConfigNode> out;
    std::size_t i = 0;
    for (const TextNode& c : tree_.children(node_))
      if (!used(i++)) out.push_back(tree_.to_config(c));
    return out;
  }

 private:
  const TextTree& tree_;
  const TextNode& node_;
  const Section* parent_ = nullptr;
  std::string_view joiner_;
  mutable std::string who_;
  mutable bool who_built_ = false;
  std::uint64_t used_small_ = 0;  // children 0-63
  std::vector<bool> used_big_;    // children 64 and on (a section rarely has that many keys)

  void init_used() {
    if (node_.value.count > 64) used_big_.assign(node_.value.count - 64, false);
  }
  bool used(std::size_t i) const { return i < 64 ? (used_small_ >> i) & 1 : bool(used_big_[i - 64]); }

  Result<std::int64_t> integer_of(const TextNode* n, std::string_view key) const {
    if (!n) return fail(EINVAL, fmt::format("{}: missing {}", who(), key));
    if (n->is_section() || !n->value.is_int()) return fail(EINVAL, fmt::format("{}: {} is not an integer", who(), key));
    return n->value.integer;
  }
  Result<std::uint64_t> count_of(const TextNode* n, std::string_view key) const {
    auto v = integer_of(n, key);
    if (!v) return fail(v.error());
    if (*v < 0) return fail(EINVAL, fmt::format("{}: {} is negative", who(), key));
    return static_cast<std::uint64_t>(*v);
  }
  Result<std::string_view> string_of(const TextNode* n, std::string_view key) const {
    if (!n) return fail(EINVAL, fmt::format("{}: missing {}", who(), key));
    if (n->is_section() || !n->value.is_string()) return fail(EINVAL, fmt::format("{}: {} is not a string", who(), key));
    return n->value.text;
  }
};

#define TRY_ASSIGN(dst, expr)          \
  do {                                 \
    auto _r = (expr);                  \
    if (!_r) return fail(_r.error());  \
    dst = std::move(*_r);              \
  } while (0)

Result<PhysicalVolume> import_pv(const TextNode& node, const Section& vg) {
  Section s(node, vg, ": PV ");
  PhysicalVolume pv;
  pv.name = std::string(node.key);
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

Result<std::vector<SegmentArea>> import_areas(const TextNode* n, const Section& s, std::string_view key) {
  std::vector<SegmentArea> out;
  if (!n || n->is_section() || !n->value.is_array())
    return fail(EINVAL, fmt::format("{}: missing {} list", s.who(), key));
  const auto a = s.tree().elements(n->value);
  if (a.size() % 2) return fail(EINVAL, fmt::format("{}: {} list has an odd number of items", s.who(), key));
  out.reserve(a.size() / 2);
  for (std::size_t i = 0; i < a.size(); i += 2) {
    if (!a[i].is_string() || !a[i + 1].is_int() || a[i + 1].integer < 0)
      return fail(EINVAL, fmt::format("{}: {} item {} is not a (\"name\", extent) pair", s.who(), key, i / 2));
    out.push_back({std::string(a[i].text), static_cast<extent_t>(a[i + 1].integer)});
  }
  return out;
}

// A segment section's keys as its type's handler reads them.
class SectionKeys final : public segtypes::SegmentKeys {
 public:
  explicit SectionKeys(Section& s) : s_(s) {}
  Result<std::uint64_t> count(std::string_view key) override { return s_.count(key); }
  Result<std::optional<std::uint64_t>> opt_count(std::string_view key) override { return s_.opt_count(key); }
  Result<std::vector<SegmentArea>> areas(std::string_view key) override { return import_areas(s_.take(key), s_, key); }
  Error error(std::string_view what) const override { return Error{EINVAL, fmt::format("{}: {}", s_.who(), what)}; }

 private:
  Section& s_;
};

Result<Segment> import_segment(const TextNode& node, const Section& lv) {
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

Result<LogicalVolume> import_lv(const TextNode& node, const Section& vg) {
  Section s(node, vg, ": LV ");
  LogicalVolume lv;
  lv.name = std::string(node.key);
  TRY_ASSIGN(lv.id, s.id());
  std::vector<std::string> w;
  TRY_ASSIGN(w, s.words("status"));
  lv.status = FlagSet(FlagSet::Kind::lv_status, std::move(w));
  TRY_ASSIGN(w, s.words("flags"));
  lv.flags = FlagSet(FlagSet::Kind::lv_flags, std::move(w));
  // lvm2 writes a shared VG's WRITE as the flag WRITE_LOCKED (older tools
  // then cannot write it): read it back as WRITE.
  if (lv.flags.has("WRITE_LOCKED")) {
    lv.flags.remove("WRITE_LOCKED");
    lv.status.add("WRITE");
  }
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
  // segment1..segmentN, in number order wherever they appear (of two with
  // one number, the later one).
  struct Numbered {
    std::uint64_t number;
    const TextNode* node;
  };
  std::vector<Numbered> segs;
  segs.reserve(segment_count < 64 ? segment_count : 64);
  std::size_t i = 0;
  for (const TextNode& c : s.tree().children(node)) {
    const std::size_t index = i++;
    if (!c.is_section() || !c.key.starts_with("segment")) continue;
    const std::string_view num = c.key.substr(7);
    if (num.empty() || num.find_first_not_of("0123456789") != std::string_view::npos) continue;
    std::uint64_t n = 0;
    if (std::from_chars(num.data(), num.data() + num.size(), n).ec != std::errc())
      return fail(EINVAL, fmt::format("{}: {} is out of range", s.who(), quote_for_message(c.key)));
    segs.push_back({n, &c});
    s.mark_used(index);  // segment sections are not unknown items
  }
  std::stable_sort(segs.begin(), segs.end(), [](const Numbered& a, const Numbered& b) { return a.number < b.number; });
  // Keep the last of equal numbers.
  std::size_t unique = 0;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (i + 1 < segs.size() && segs[i + 1].number == segs[i].number) continue;
    segs[unique++] = segs[i];
  }
  segs.resize(unique);
  if (segs.size() != segment_count)
    return fail(EINVAL, fmt::format("segment_count and actual number of segments disagree for logical volume {}",
                                    name_for_message(lv.name)));
  std::uint64_t expect = 1;
  lv.segments.reserve(segs.size());
  for (const auto& [num, seg_node] : segs) {
    if (num != expect++) return fail(EINVAL, fmt::format("{}: segment{} is missing", s.who(), expect - 1));
    auto seg = import_segment(*seg_node, s);
    if (!seg) return fail(seg.error());
    lv.segments.push_back(std::move(*seg));
  }
  lv.unknown = s.rest();
  return lv;
}

Result<VolumeGroup> import_vg(const TextTree& tree, const TextNode& node) {
  VolumeGroup vg;
  vg.name = std::string(node.key);
  Section s(tree, node, "VG " + name_for_message(vg.name));
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
  if (vg.flags.has("WRITE_LOCKED")) {
    vg.flags.remove("WRITE_LOCKED");
    vg.status.add("WRITE");
  }
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

  const TextNode* pvs = s.take("physical_volumes");
  if (!pvs || !pvs->is_section()) return fail(EINVAL, s.who() + ": missing physical_volumes section");
  vg.pvs.reserve(pvs->value.count);
  for (const auto& c : tree.children(*pvs)) {
    if (!c.is_section()) return fail(EINVAL, fmt::format("{}: physical_volumes: {} is not a PV section", s.who(), name_for_message(c.key)));
    auto pv = import_pv(c, s);
    if (!pv) return fail(pv.error());
    vg.pvs.push_back(std::move(*pv));
  }
  if (const TextNode* lvs = s.take("logical_volumes")) {
    if (!lvs->is_section()) return fail(EINVAL, s.who() + ": logical_volumes is not a section");
    vg.lvs.reserve(lvs->value.count);
    for (const auto& c : tree.children(*lvs)) {
      if (!c.is_section()) return fail(EINVAL, fmt::format("{}: logical_volumes: {} is not an LV section", s.who(), name_for_message(c.key)));
      auto lv = import_lv(c, s);
      if (!lv) return fail(lv.error());
      vg.lvs.push_back(std::move(*lv));
    }
  }
  if (const TextNode* h = s.take("historical_logical_volumes")) vg.historical_lvs = tree.to_config(*h);
  vg.unknown = s.rest();
  return vg;
}

}  // namespace

Result<VgText> import_vg_tree(const TextTree& tree) {
  VgText out;
  const TextNode* vg_node = nullptr;
  for (const auto& c : tree.children(tree.root()))
    if (c.is_section()) {
      vg_node = &c;
      break;
    }
  Section top(tree, tree.root(), "metadata");
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
  if (const TextNode* n = tree.find(tree.root(), "creation_host")) out.header.creation_host_comment = n->comment;
  auto time = top.opt_integer("creation_time");
  if (!time) return fail(time.error());
  out.header.creation_time = time->value_or(0);
  if (const TextNode* n = tree.find(tree.root(), "creation_time")) out.header.creation_time_comment = n->comment;
  (void)top.take(vg_node->key);  // not copied into the header's unknown items
  out.header.unknown = top.rest();

  auto vg = import_vg(tree, *vg_node);
  if (!vg) return fail(vg.error());
  out.vg = std::move(*vg);
  return out;
}

Result<VgText> import_vg_text(std::string_view text) {
  auto tree = parse_text_tree(text);
  if (!tree) return fail(tree.error());
  auto out = import_vg_tree(*tree);
  if (!out) return out;
  // The "# Generated by ..." comment line at the top level, kept for round trips.
  // (At the very start in vgcfgbackup files, after the VG section in mdas.)
  constexpr std::string_view MARK = "\n# Generated by ";
  std::size_t p = std::string_view::npos;
  if (text.starts_with(MARK.substr(1))) {
    p = 0;
  } else if (const void* m = memmem(text.data(), text.size(), MARK.data(), MARK.size())) {
    p = static_cast<std::size_t>(static_cast<const char*>(m) - text.data()) + 1;
  }
  if (p != std::string_view::npos) {
    const std::size_t e = std::min(text.find('\n', p), text.size());
    out->header.generated_by = std::string(text.substr(p + 2, e - p - 2));
  }
  return out;
}

}  // namespace udm::lvm::format

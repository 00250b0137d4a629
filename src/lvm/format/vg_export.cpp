// VolumeGroup -> text in the layout real lvm2 writes into an mda: no
// indentation, no comments inside the VG, blank lines where lvm2 puts them,
// then the header block and comments (LVM2-FORMAT.md §8-9).
#include <sys/utsname.h>
#include <unistd.h>

#include <charconv>
#include <ctime>
#include <fmt/format.h>

#include "lvm/format/config_parser.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::format {

namespace {

// quote_config_string, appended in place.
void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (;;) {  // the runs without a character to escape in one piece
    const std::size_t e = s.find_first_of("\"\\");
    if (e == std::string_view::npos) break;
    out += s.substr(0, e);
    out += '\\';
    out += s[e];
    s.remove_prefix(e + 1);
  }
  out += s;
  out += '"';
}

std::string scalar_text(const ConfigValue& v) {
  switch (v.kind) {
    case ConfigValue::Kind::integer: return std::to_string(v.integer);
    case ConfigValue::Kind::real: return v.text.empty() ? fmt::format("{}", v.real) : v.text;
    case ConfigValue::Kind::string: return quote_config_string(v.text);
    case ConfigValue::Kind::array: break;
  }
  return "[]";
}

// An area list: ("name", extent) pairs on one line each, raid (rmeta, rimage)
// pairs on one line each, other lone names one per line.
std::string area_list(const std::vector<ConfigValue>& items, bool name_pairs = false) {
  std::string out = "[\n";
  for (std::size_t i = 0; i < items.size();) {
    std::string line = scalar_text(items[i]);
    if (i + 1 < items.size() && (name_pairs || (items[i].is_string() && items[i + 1].is_int()))) {
      line += ", " + scalar_text(items[i + 1]);
      i += 2;
    } else {
      i += 1;
    }
    out += line + (i < items.size() ? ",\n" : "\n");
  }
  return out + "]";
}

// A number as text, without an allocation.
struct NumberText {
  char buf[24];
  std::size_t len = 0;
  std::string_view view() const { return {buf, len}; }
};
template <class T>
NumberText number_text(T v) {
  NumberText n;
  n.len = static_cast<std::size_t>(std::to_chars(n.buf, n.buf + sizeof n.buf, v).ptr - n.buf);
  return n;
}

class Writer {
 public:
  std::string out;
  bool backup = false;  // vgcfgbackup style: tab indentation and comments
  int depth = 0;
  bool time_known_ = false;
  std::int64_t time_ = 0;
  std::string time_text_;

  void line(std::string_view s) {
    indent();
    out += s;
    out += '\n';
  }
  void indent() {
    if (backup) out.append(static_cast<std::size_t>(depth), '\t');
  }
  // `name {`; `name` as the caller gives it (already name_text'd or a literal).
  void open(std::string_view name) {
    indent();
    out += name;
    out += " {\n";
    ++depth;
  }
  // A section named by a model name (quoted when it is not one word).
  void open_named(std::string_view name) {
    indent();
    append_name(out, name);
    out += " {\n";
    ++depth;
  }
  void close() {
    --depth;
    line("}");
  }
  void blank() { out += '\n'; }
  // lvm_time_text, remembered: LVs made by one command share their time, and
  // formatting a local time costs more than the rest of the LV's text.
  std::string_view time_comment(std::int64_t t) {
    if (!time_known_ || t != time_) {
      time_ = t;
      time_text_ = lvm_time_text(t);
      time_known_ = true;
    }
    return time_text_;
  }
  void key(std::string_view k, std::string_view value) {
    indent();
    append_name(out, k);
    out += " = ";
    out += value;
    out += '\n';
  }
  // `key = value` with a comment in backup style, aligned with tabs to column 40.
  void keyc(std::string_view k, std::string_view value, std::string_view comment) {
    if (!backup || comment.empty()) return key(k, value);
    indent();
    const std::size_t start = out.size();
    append_name(out, k);
    out += " = ";
    out += value;
    std::size_t col = static_cast<std::size_t>(depth) * 8 + (out.size() - start);
    do {
      out += '\t';
      col = (col / 8 + 1) * 8;
    } while (col < 40);
    out += "# ";
    out += comment;
    out += '\n';
  }
  void str(std::string_view k, std::string_view s) {
    indent();
    append_name(out, k);
    out += " = ";
    append_quoted(out, s);
    out += '\n';
  }
  void num(std::string_view k, std::int64_t v) { key(k, number_text(v).view()); }
  void unum(std::string_view k, std::uint64_t v) { key(k, number_text(v).view()); }
  // `key = ["a", "b"]`
  void words(std::string_view k, const std::vector<std::string>& ws) {
    indent();
    append_name(out, k);
    out += " = [";
    for (std::size_t i = 0; i < ws.size(); ++i) {
      if (i) out += ", ";
      append_quoted(out, ws[i]);
    }
    out += "]\n";
  }

  void node(const ConfigNode& n) {
    if (n.is_section) {
      open(name_text(n.key));
      for (const auto& c : n.children) node(c);
      close();
      return;
    }
    if (n.value.is_array()) {
      if (segtypes::is_area_list_key(n.key)) {  // after a blank line
        blank();
        areas(n.key, n.value.array, segtypes::area_list_pairs_names(n.key));
        return;
      }
      std::string v = "[";
      for (std::size_t i = 0; i < n.value.array.size(); ++i) v += (i ? ", " : "") + scalar_text(n.value.array[i]);
      key(n.key, v + "]");
      return;
    }
    key(n.key, scalar_text(n.value));
  }
  // An area list: one area per line, the items one level deeper.
  void areas(std::string_view k, const std::vector<ConfigValue>& items, bool name_pairs) {
    if (!backup) {  // no indentation: the lines of area_list as they are
      out += name_text(k);
      out += " = ";
      out += area_list(items, name_pairs);
      out += '\n';
      return;
    }
    std::string text = area_list(items, name_pairs);
    line(name_text(k) + " = [");
    ++depth;
    std::size_t start = 2;  // after "[\n"
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string_view l(text.data() + start, end - start);
      if (l == "]") break;
      line(l);
      start = end + 1;
    }
    --depth;
    line("]");
  }
  // A segment's ("pv0", extent) areas, one per line, the items one level deeper.
  void area_pairs(std::string_view k, const std::vector<SegmentArea>& list) {
    indent();
    append_name(out, k);
    out += " = [\n";
    ++depth;
    for (std::size_t i = 0; i < list.size(); ++i) {
      indent();
      append_quoted(out, list[i].name);
      out += ", ";
      out += number_text(list[i].start).view();
      out += i + 1 < list.size() ? ",\n" : "\n";
    }
    --depth;
    indent();
    out += "]\n";
  }
  void nodes(const std::vector<ConfigNode>& ns) {
    for (const auto& n : ns) node(n);
  }

  // A key or section name as the parser reads it back: bare when it is one
  // word, else quoted (a name kept from the input may hold anything).
  static bool bare_name(std::string_view name) {
    if (name.empty() || name[0] == '"' || name[0] == '\'') return false;
    for (char c : name)
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == '=' || c == '{' || c == '}' || c == '\0')
        return false;
    return true;
  }
  static std::string name_text(std::string_view name) {
    return bare_name(name) ? std::string(name) : quote_config_string(name);
  }
  static void append_name(std::string& out, std::string_view name) {
    if (bare_name(name)) out += name;
    else append_quoted(out, name);
  }
};

// "4 Megabytes", "64 Kilobytes": the size comments of vgcfgbackup files.
std::string size_comment(sector_t sectors) {
  static constexpr const char* UNITS[] = {"Exabytes", "Petabytes", "Terabytes", "Gigabytes", "Megabytes",
                                          "Kilobytes"};
  const double bytes = static_cast<double>(sectors) * 512.0;
  double unit = 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024;
  for (const char* name : UNITS) {
    if (bytes >= unit) {
      const double v = bytes / unit;
      if (v == static_cast<double>(static_cast<std::uint64_t>(v)))
        return fmt::format("{} {}", static_cast<std::uint64_t>(v), name);
      return fmt::format("{:.2f} {}", v, name);
    }
    unit /= 1024;
  }
  return fmt::format("{} Bytes", static_cast<std::uint64_t>(bytes));
}

// A segment section's type-specific keys, written for its handler.
class SectionWriter final : public segtypes::SegmentWriter {
 public:
  explicit SectionWriter(Writer& w) : w_(w) {}
  void key(std::string_view k, std::string_view value, std::string_view comment) override { w_.keyc(k, value, comment); }
  void blank() override { w_.blank(); }
  void areas(std::string_view k, const std::vector<SegmentArea>& areas) override { w_.area_pairs(k, areas); }
  std::string size_comment(sector_t sectors) const override { return format::size_comment(sectors); }

 private:
  Writer& w_;
};

void write_segment(Writer& w, const Segment& seg, std::size_t number, sector_t extent_size) {
  std::string section = "segment";
  section += number_text(number).view();
  w.open(section);
  w.unum("start_extent", seg.start_extent);
  w.keyc("extent_count", number_text(seg.extent_count).view(), w.backup ? size_comment(seg.extent_count * extent_size) : "");
  if (seg.reshape_count) w.unum("reshape_count", *seg.reshape_count);
  w.blank();
  w.str("type", seg.type);
  if (!seg.tags.empty()) w.words("tags", seg.tags);
  SectionWriter sw(w);
  const segtypes::SegmentType& type = segtypes::segment_type_of(seg);
  type.export_text(sw, seg);
  for (const auto& n : seg.unknown) {
    if (w.backup && !n.is_section && n.value.is_int() && n.value.integer >= 0 && type.is_size_key(n.key))
      w.keyc(n.key, std::to_string(n.value.integer), size_comment(static_cast<sector_t>(n.value.integer)));
    else if (w.backup && !n.is_section && n.value.is_int() && n.value.integer >= 0 && type.is_extent_count_key(n.key))
      w.keyc(n.key, std::to_string(n.value.integer),
             n.value.integer ? size_comment(static_cast<sector_t>(n.value.integer) * extent_size) : "0 Kilobytes");
    else
      w.node(n);
  }
  w.close();
}

// lvm2 writes a shared VG's (and its LVs') WRITE as the flag WRITE_LOCKED,
// so that tools without lvmlockd support do not write it.
void write_status(Writer& w, FlagSet status, FlagSet flags, bool shared_vg) {
  if (shared_vg && status.has("WRITE")) {
    status.remove("WRITE");
    flags.add("WRITE_LOCKED");
  }
  w.words("status", status.words());
  w.words("flags", flags.words());
}

void write_lv(Writer& w, const LogicalVolume& lv, sector_t extent_size, bool shared_vg) {
  w.open_named(lv.name);
  w.str("id", format_id(lv.id));
  write_status(w, lv.status, lv.flags, shared_vg);
  if (!lv.tags.empty()) w.words("tags", lv.tags);
  w.keyc("creation_time", number_text(lv.creation_time).view(), w.backup ? w.time_comment(lv.creation_time) : "");
  w.str("creation_host", lv.creation_host);
  if (lv.lock_args) w.str("lock_args", *lv.lock_args);
  if (lv.allocation_policy) w.str("allocation_policy", allocation_policy_name(*lv.allocation_policy));
  if (lv.profile) w.str("profile", *lv.profile);
  if (lv.read_ahead) w.num("read_ahead", *lv.read_ahead);
  if (lv.major) w.num("major", *lv.major);
  if (lv.minor) w.num("minor", *lv.minor);
  w.nodes(lv.unknown);
  w.unum("segment_count", lv.segments.size());
  for (std::size_t i = 0; i < lv.segments.size(); ++i) {
    if (i == 0) w.blank();
    write_segment(w, lv.segments[i], i + 1, extent_size);
  }
  w.close();
}

void write_pv(Writer& w, const PhysicalVolume& pv, sector_t extent_size) {
  w.open_named(pv.name);
  w.str("id", format_id(pv.id));
  w.keyc("device", quote_config_string(pv.device), "Hint only");
  w.blank();
  w.words("status", pv.status.words());
  w.words("flags", pv.flags.words());
  if (!pv.tags.empty()) w.words("tags", pv.tags);
  if (pv.device_id_type) w.str("device_id_type", *pv.device_id_type);
  if (pv.device_id) w.str("device_id", *pv.device_id);
  w.keyc("dev_size", std::to_string(pv.dev_size), w.backup ? size_comment(pv.dev_size) : "");
  w.unum("pe_start", pv.pe_start);
  w.keyc("pe_count", std::to_string(pv.pe_count), w.backup ? size_comment(pv.pe_count * extent_size) : "");
  if (pv.ba_start) w.unum("ba_start", *pv.ba_start);
  if (pv.ba_size) w.unum("ba_size", *pv.ba_size);
  w.nodes(pv.unknown);
  w.close();
}

std::string ctime_text(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

void write_vg(Writer& w, const VolumeGroup& vg) {
  w.open_named(vg.name);
  w.str("id", format_id(vg.id));
  w.unum("seqno", vg.seqno);
  w.keyc("format", quote_config_string(vg.format), "informational");
  const bool shared_vg = vg.lock_type && *vg.lock_type != "none";
  write_status(w, vg.status, vg.flags, shared_vg);
  if (!vg.tags.empty()) w.words("tags", vg.tags);
  if (vg.system_id) w.str("system_id", *vg.system_id);
  if (vg.lock_type) w.str("lock_type", *vg.lock_type);
  if (vg.lock_args) w.str("lock_args", *vg.lock_args);
  w.keyc("extent_size", std::to_string(vg.extent_size), size_comment(vg.extent_size));
  w.unum("max_lv", vg.max_lv);
  w.unum("max_pv", vg.max_pv);
  if (vg.allocation_policy) {
    w.blank();
    w.str("allocation_policy", allocation_policy_name(*vg.allocation_policy));
  }
  if (vg.profile) w.str("profile", *vg.profile);
  w.unum("metadata_copies", vg.metadata_copies);
  w.nodes(vg.unknown);
  w.blank();
  w.open("physical_volumes");
  for (const auto& pv : vg.pvs) {
    w.blank();
    write_pv(w, pv, vg.extent_size);
  }
  w.close();
  w.blank();
  if (!vg.lvs.empty()) {
    // lvm2's order: visible LVs first, then hidden ones, each in model order.
    w.open("logical_volumes");
    const std::vector<bool> visible = lv_visibility(vg);
    for (bool visible_pass : {true, false})
      for (std::size_t i = 0; i < vg.lvs.size(); ++i) {
        if (visible[i] != visible_pass) continue;
        w.blank();
        write_lv(w, vg.lvs[i], vg.extent_size, shared_vg);
      }
    w.close();
  }
  if (vg.historical_lvs) w.node(*vg.historical_lvs);
  w.blank();
  w.close();
}

void write_header(Writer& w, const MetadataHeader& h) {
  const std::string when = ctime_text(h.creation_time);
  w.line("# " + (h.generated_by.empty() ? "Generated by udm ulvm 0.1.0: " + when : h.generated_by));
  w.blank();
  w.str("contents", h.contents);
  w.num("version", h.version);
  w.blank();
  w.str("description", h.description);
  w.blank();
  w.line(fmt::format("creation_host = {}\t# {}", quote_config_string(h.creation_host), h.creation_host_comment));
  w.line(fmt::format("creation_time = {}\t# {}", h.creation_time,
                     h.creation_time_comment.empty() ? when : h.creation_time_comment));
  for (const auto& n : h.unknown) w.node(n);
  w.blank();
}

}  // namespace

// Bytes per LV of lvm2's layout, with room to spare: one allocation for the text.
constexpr std::size_t LV_TEXT_BYTES = 320;

std::string export_vg_text(const VolumeGroup& vg, const MetadataHeader& h) {
  Writer w;
  w.out.reserve(4096 + vg.pvs.size() * 320 + vg.lvs.size() * LV_TEXT_BYTES);
  write_vg(w, vg);
  write_header(w, h);
  return w.out;
}

std::string export_vg_backup_text(const VolumeGroup& vg, const MetadataHeader& h) {
  Writer w;
  w.backup = true;
  w.out.reserve(4096 + vg.pvs.size() * 480 + vg.lvs.size() * LV_TEXT_BYTES * 2);
  write_header(w, h);
  write_vg(w, vg);
  return w.out;
}

std::optional<std::string> rehead_backup_text(std::string_view text, const VolumeGroup& vg, const MetadataHeader& h) {
  // The VG section starts the first line that is "<name> {", and opens with
  // its id and seqno; a file whose VG is another one or another version is
  // not reused.
  const std::string open = vg.name + " {\n";
  std::size_t at = text.starts_with(open) ? 0 : text.find("\n" + open);
  if (at == std::string_view::npos) return std::nullopt;
  if (at > 0) ++at;
  const std::string head = open + "\tid = \"" + format_id(vg.id) + "\"\n\tseqno = " + std::to_string(vg.seqno) + "\n";
  // Whole: it ends with the VG section's own "}" (sections inside it are
  // indented, so a file cut short ends otherwise).
  if (text.substr(at, head.size()) != head || !text.ends_with("\n}\n")) return std::nullopt;
  Writer w;
  w.backup = true;
  write_header(w, h);
  w.out.reserve(w.out.size() + text.size() - at);
  w.out.append(text.substr(at));
  return std::move(w.out);
}

MetadataHeader make_backup_header(std::string_view description, std::int64_t now) {
  MetadataHeader h = make_header("", now);
  h.description = std::string(description);
  return h;
}

MetadataHeader make_header(std::string_view command_line, std::int64_t now) {
  MetadataHeader h;
  struct utsname u {};
  if (uname(&u) == 0) {
    h.creation_host = u.nodename;
    h.creation_host_comment = fmt::format("{} {} {} {} {}", u.sysname, u.nodename, u.release, u.version, u.machine);
  }
  h.description = fmt::format("Write from {}.", command_line);
  h.creation_time = now;
  return h;
}

}  // namespace udm::lvm::format

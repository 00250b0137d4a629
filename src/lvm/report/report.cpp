#include "lvm/report/report.hpp"

#include "lvm/report/field_help.hpp"
#include "lvm/report/select.hpp"
#include "lvm/segtypes/snapshot.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace udm::lvm::report {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto p = s.find(sep, start);
    if (p == std::string_view::npos) p = s.size();
    auto item = s.substr(start, p - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = p + 1;
  }
  return out;
}

bool allowed(ReportType type, Object obj, bool pvseg_mode) {
  switch (type) {
    case ReportType::lvs: return obj == Object::lv || obj == Object::seg || obj == Object::vg;
    case ReportType::vgs: return obj == Object::vg || obj == Object::lv || obj == Object::seg || obj == Object::pv;
    case ReportType::pvs:
      return obj == Object::pv || obj == Object::vg || obj == Object::pvseg ||
             (pvseg_mode && (obj == Object::lv || obj == Object::seg));  // a PV's segments name their LV
  }
  return false;
}

Result<const FieldDef*> lookup(ReportType type, std::string_view name) {
  const FieldDef* f = find_field(type, name);
  if (!f) return fail(EINVAL, fmt::format("Unrecognised field: {}", name));
  return f;
}

// A name of -o: one field, or "lv_all", "vg_all", ... for every field of
// those sections that ulvm reports.
Result<std::vector<const FieldDef*>> lookup_all(ReportType type, std::string_view name) {
  std::vector<const FieldDef*> out;
  std::string lname(name);
  for (auto& ch : lname) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (find_field_section_all(lname)) {
    const std::string_view prefix = std::string_view(lname).substr(0, lname.size() - 4);
    for (const auto& sec : field_sections()) {
      if (sec.all_prefix != prefix) continue;
      for (const auto& h : sec.fields)
        if (const FieldDef* f = find_field(type, h.name); f && f->name == h.name) out.push_back(f);
    }
    return out;
  }
  auto f = lookup(type, lname);
  if (!f) return fail(f.error());
  out.push_back(*f);
  return out;
}

Result<std::vector<const FieldDef*>> select_fields(ReportType type, const Options& o) {
  std::vector<const FieldDef*> out;
  std::string_view defaults = o.default_fields ? std::string_view(*o.default_fields) : default_fields(type);
  if (o.segments && type == ReportType::pvs) defaults = "pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,pvseg_start,pvseg_size";
  if (o.segments && type == ReportType::lvs) defaults = "lv_name,vg_name,lv_attr,stripes,segtype,seg_size";
  for (const auto& n : split(defaults, ',')) {
    auto fs = lookup_all(type, n);
    if (!fs) return fail(fs.error());
    out.insert(out.end(), fs->begin(), fs->end());
  }
  bool replaced = false;
  for (const auto& arg : o.fields) {
    std::string_view a = arg;
    if (!a.empty() && (a[0] == '+' || a[0] == '-')) {
      bool add = a[0] == '+';
      for (const auto& n : split(a.substr(1), ',')) {
        auto fs = lookup_all(type, n);
        if (!fs) return fail(fs.error());
        for (const FieldDef* f : *fs) {
          if (add) out.push_back(f);
          else std::erase(out, f);
        }
      }
      continue;
    }
    if (!replaced) {
      out.clear();
      replaced = true;
    }
    for (const auto& n : split(a, ',')) {
      auto fs = lookup_all(type, n);
      if (!fs) return fail(fs.error());
      out.insert(out.end(), fs->begin(), fs->end());
    }
  }
  return out;
}

struct SortKey {
  const FieldDef* field;
  bool descending;
};

Result<std::vector<SortKey>> sort_keys(ReportType type, const Options& o, bool seg_rows) {
  std::vector<SortKey> keys;
  std::vector<std::string> args = o.sort;
  if (args.empty() && o.default_sort) args = {*o.default_sort};
  if (args.empty()) {
    if (type == ReportType::lvs) args = {"vg_name,lv_name"};
    else if (type == ReportType::vgs) args = {"vg_name"};
    else args = {seg_rows ? "pv_name,pvseg_start" : "pv_name"};
  }
  for (const auto& a : args)
    for (auto n : split(a, ',')) {
      bool desc = false;
      std::string_view nv = n;
      if (!nv.empty() && (nv[0] == '-' || nv[0] == '+')) {
        desc = nv[0] == '-';
        nv.remove_prefix(1);
      }
      auto f = lookup(type, nv);
      if (!f) return fail(f.error());
      keys.push_back({*f, desc});
    }
  return keys;
}

bool name_selected(const Options& o, std::string_view vg, std::string_view lv, std::string_view pv) {
  if (o.select_names.empty()) return true;
  for (const auto& n : o.select_names) {
    std::string_view s = n;
    if (s.starts_with("/dev/") && !pv.empty() && s == pv) return true;
    if (!pv.empty() && s == pv) return true;
    auto slash = s.find('/');
    if (!lv.empty() && slash != std::string_view::npos && !s.starts_with("/")) {
      if (s.substr(0, slash) == vg && s.substr(slash + 1) == lv) return true;
    } else if (s == vg) {
      return true;
    }
  }
  return false;
}

// Rows for one report, before sorting.
std::vector<Row> make_rows(ReportType type, const Input& in, const Options& o, bool seg_rows) {
  std::vector<Row> rows;
  if (type == ReportType::vgs) {
    for (const auto& v : in.vgs) {
      if (!name_selected(o, v.vg->name, "", "")) continue;
      // With LV fields a row per LV (a VG without LVs shows none), with PV
      // fields a row per PV, as lvm2 does.
      if (o.vg_rows == Object::lv) {
        const std::vector<bool> visible = lv_visibility(*v.vg);
        for (std::size_t i = 0; i < v.vg->lvs.size(); ++i) {
          const LogicalVolume& lv = v.vg->lvs[i];
          if (!visible[i] || segtypes::lv_is_snapshot_carrier(lv)) continue;
          rows.push_back(Row{.vg = &v, .lv = &lv, .lv_index = i, .seg = lv.segments.empty() ? nullptr : &lv.segments[0]});
        }
      } else if (o.vg_rows == Object::pv) {
        for (std::size_t i = 0; i < v.vg->pvs.size(); ++i)
          rows.push_back(Row{.vg = &v, .pv = &v.vg->pvs[i], .dev = i < v.devices.size() ? &v.devices[i] : nullptr});
      } else {
        rows.push_back(Row{.vg = &v});
      }
    }
    return rows;
  }
  if (type == ReportType::lvs) {
    for (const auto& v : in.vgs) {
      const std::vector<bool> visible = lv_visibility(*v.vg);  // lvm2's: snapshots as their COW LV
      for (std::size_t i = 0; i < v.vg->lvs.size(); ++i) {
        const LogicalVolume& lv = v.vg->lvs[i];
        if (!o.all && !visible[i]) continue;
        if (segtypes::lv_is_snapshot_carrier(lv)) continue;  // lvm2 never shows "snapshotN"
        if (!name_selected(o, v.vg->name, lv.name, "")) continue;
        if (!seg_rows) {
          rows.push_back(Row{.vg = &v, .lv = &lv, .lv_index = i});
          continue;
        }
        for (const auto& s : lv.segments) rows.push_back(Row{.vg = &v, .lv = &lv, .lv_index = i, .seg = &s});
      }
    }
    return rows;
  }
  // pvs
  for (const auto& v : in.vgs) {
    for (std::size_t i = 0; i < v.vg->pvs.size(); ++i) {
      const PhysicalVolume& pv = v.vg->pvs[i];
      const PvDevice* dev = i < v.devices.size() ? &v.devices[i] : nullptr;
      std::string path = dev ? dev->path : std::string();
      if (!name_selected(o, v.vg->name, "", path)) continue;
      Row base{.vg = &v, .pv = &pv, .dev = dev};
      if (!seg_rows) {
        rows.push_back(base);
        continue;
      }
      // Used runs and the free gaps between them, in PE order.
      std::vector<PvExtentUse> uses;
      for (auto& u : pv_extent_map(*v.vg))
        if (u.pv_name == pv.name) uses.push_back(std::move(u));
      std::sort(uses.begin(), uses.end(), [](const auto& a, const auto& b) { return a.pe_start < b.pe_start; });
      extent_t at = 0;
      for (const auto& u : uses) {
        if (u.pe_start > at) {
          Row r = base;
          r.pvseg_start = at;
          r.pvseg_size = u.pe_start - at;
          rows.push_back(r);
        }
        Row r = base;
        r.pvseg_start = u.pe_start;
        r.pvseg_size = u.pe_count;
        for (std::size_t li = 0; li < v.vg->lvs.size(); ++li)
          if (v.vg->lvs[li].name == u.lv_name) {
            r.lv = &v.vg->lvs[li];
            r.lv_index = li;
            r.seg = &r.lv->segments[u.segment_index];
          }
        rows.push_back(r);
        at = u.pe_start + u.pe_count;
      }
      if (at < pv.pe_count || pv.pe_count == 0) {
        Row r = base;
        r.pvseg_start = at;
        r.pvseg_size = pv.pe_count - at;
        rows.push_back(r);
      }
    }
  }
  for (const auto& orphan : in.orphans) {
    if (!name_selected(o, "", "", orphan.device.path)) continue;
    Row r{.orphan = &orphan};
    rows.push_back(r);
  }
  return rows;
}

// A field's value for a row; fields whose object the row lacks are empty
// (lvm shows free PV segments with an empty LV, "0" start and type "free").
Cell value(const FieldDef& f, const Row& r) {
  switch (f.object) {
    case Object::lv:
      if (!r.lv) return Cell::of_text("");
      break;
    case Object::seg:
      if (!r.seg) {
        if (f.name == "segtype") return Cell::of_text("free");
        if (f.name == "seg_size" && r.pv && r.vg) return Cell::of_size(r.pvseg_size * r.vg->vg->extent_size);
        if (f.kind == Kind::num) return Cell::of_num(0);
        if (f.kind == Kind::size) return Cell::of_size(0);
        return Cell::of_text("");
      }
      break;
    case Object::vg:
      if (!r.vg) {
        if (f.kind == Kind::str) return Cell::of_text("");
        Cell c = f.kind == Kind::num ? Cell::of_num(0) : Cell::of_size(0);
        c.blank = true;
        return c;
      }
      break;
    case Object::pv:
    case Object::pvseg:
      if (!r.pv && !r.orphan) return Cell::of_text("");
      break;
  }
  return f.get(r);
}

// A field's value as -S compares it: an LV row answers segment fields from
// its first segment, time fields are seconds since the epoch.
Cell select_value(const FieldDef& f, const Row& r) {
  if (selection_type(f) == SelType::time) {
    if (!r.lv || f.name != "lv_time") {
      Cell c = Cell::of_num(0);
      c.blank = true;
      return c;
    }
    return Cell::of_num(static_cast<std::int64_t>(r.lv->creation_time));
  }
  if (f.object == Object::seg && !r.seg && r.lv && !r.lv->segments.empty()) {
    Row with = r;
    with.seg = &r.lv->segments.front();
    return value(f, with);
  }
  return value(f, r);
}

std::string show(Cell&& c, const Units& u) {
  if (c.blank) return "";
  switch (c.kind) {
    case Kind::str: return std::move(c.text);
    case Kind::num: return std::to_string(c.num);
    case Kind::size: return format_size(c.size, u);
  }
  return {};
}

int compare(const Cell& a, const Cell& b) {
  if (a.kind == Kind::num && b.kind == Kind::num) return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
  if (a.kind == Kind::size && b.kind == Kind::size) return a.size < b.size ? -1 : a.size > b.size ? 1 : 0;
  return a.text.compare(b.text) < 0 ? -1 : a.text == b.text ? 0 : 1;
}

void json_escape(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
}

}  // namespace

bool row_selected(const Selection& s, const Row& r) {
  return selection_matches(s, [&](const FieldDef& f) { return select_value(f, r); });
}

namespace {

// The fields and rows of a report, selected and in report order.
struct Ordered {
  std::vector<const FieldDef*> fields;
  std::vector<Row> rows;
};

Result<Ordered> ordered_rows(ReportType type, const Input& in, const Options& o) {
  auto fields = select_fields(type, o);
  if (!fields) return fail(fields.error());
  bool seg_rows = false;
  Options with_rows = o;
  for (auto* f : *fields) {
    if (type == ReportType::lvs && f->object == Object::seg) seg_rows = true;
    if (type == ReportType::pvs && f->object != Object::pv && f->object != Object::vg) seg_rows = true;
    if (type == ReportType::vgs && f->object != Object::vg && with_rows.vg_rows != Object::lv)
      with_rows.vg_rows = f->object == Object::pv ? Object::pv : Object::lv;
  }
  if (o.segments && type != ReportType::vgs) seg_rows = true;
  for (auto* f : *fields)
    if (!allowed(type, f->object, seg_rows))
      return fail(EINVAL, fmt::format("Unrecognised field: {}", f->name));
  auto keys = sort_keys(type, o, seg_rows);
  if (!keys) return fail(keys.error());

  std::vector<Row> rows = make_rows(type, in, with_rows, seg_rows);
  if (o.selection) {
    auto sel = parse_selection(type, *o.selection);
    if (!sel) return fail(sel.error());
    std::erase_if(rows, [&](const Row& r) { return !row_selected(*sel, r); });
  }
  // Sort on cell values; stable so segments keep their logical order. One
  // flat array of rows x keys (a 10,000-LV report sorts 20,000 cells).
  const std::size_t nkeys = keys->size();
  std::vector<Cell> sortvals;
  sortvals.reserve(rows.size() * nkeys);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (const auto& k : *keys) {
      Cell v = value(*k.field, rows[i]);
      // lvm2 sorts hidden LVs by name, without the brackets lvs shows.
      if (std::string_view(k.field->name) == "lv_name" && v.text.size() > 1 && v.text.front() == '[' &&
          v.text.back() == ']')
        v.text = v.text.substr(1, v.text.size() - 2);
      sortvals.push_back(std::move(v));
    }
  // Keys equal in every row (the VG name of a one-VG report) decide nothing.
  std::vector<std::size_t> deciding;
  for (std::size_t k = 0; k < nkeys; ++k)
    for (std::size_t i = 1; i < rows.size(); ++i)
      if (compare(sortvals[k], sortvals[i * nkeys + k]) != 0) {
        deciding.push_back(k);
        break;
      }
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t k : deciding) {
      int c = compare(sortvals[a * nkeys + k], sortvals[b * nkeys + k]);
      if (c != 0) return (*keys)[k].descending ? c > 0 : c < 0;
    }
    return false;
  });
  Ordered out;
  out.fields = std::move(*fields);
  out.rows.reserve(rows.size());
  for (std::size_t i : order) out.rows.push_back(rows[i]);
  return out;
}

}  // namespace

Result<Table> table(ReportType type, const Input& in, const Options& o) {
  auto ordered = ordered_rows(type, in, o);
  if (!ordered) return fail(ordered.error());
  Table out;
  out.fields = std::move(ordered->fields);
  out.rows = std::move(ordered->rows);
  out.cells.reserve(out.rows.size());
  for (const Row& r : out.rows) {
    std::vector<Cell> line;
    line.reserve(out.fields.size());
    for (auto* f : out.fields) line.push_back(value(*f, r));
    out.cells.push_back(std::move(line));
  }
  return out;
}

namespace {

// A table's cells as the report shows them, in `units`.
struct Built {
  std::vector<const FieldDef*> fields;
  std::vector<bool> right;  // per field: values right-aligned
  std::vector<std::vector<std::string>> cells;
  bool compacted_tail = false;  // compact output left out the last column
};

Result<Built> build(ReportType type, const Input& in, const Options& o) {
  // Each value is computed and shown in one go: no table of typed cells.
  auto t = ordered_rows(type, in, o);
  if (!t) return fail(t.error());
  Built out;
  out.fields = t->fields;
  for (auto* f : out.fields) out.right.push_back(f->right || (o.binary && is_binary_field(f->name)));
  out.cells.reserve(t->rows.size());
  for (const Row& row : t->rows) {
    std::vector<std::string> shown;
    shown.reserve(out.fields.size());
    for (std::size_t c = 0; c < out.fields.size(); ++c) {
      std::string v = show(value(*out.fields[c], row), o.units);
      // --binary: lvm2 shows a binary field's word ("fixed minor") as 1.
      if (o.binary && is_binary_field(out.fields[c]->name)) v = v.empty() ? "0" : v == "unknown" ? "-1" : "1";
      shown.push_back(std::move(v));
    }
    out.cells.push_back(std::move(shown));
  }
  if (o.compact && !o.json) {
    // report/compact_output: columns empty in every row are left out.
    for (std::size_t c = out.fields.size(); c-- > 0;) {
      bool empty = true;
      for (const auto& line : out.cells) empty = empty && line[c].empty();
      if (!empty || out.cells.empty()) continue;
      if (c + 1 == out.fields.size()) out.compacted_tail = true;
      out.fields.erase(out.fields.begin() + static_cast<std::ptrdiff_t>(c));
      out.right.erase(out.right.begin() + static_cast<std::ptrdiff_t>(c));
      for (auto& line : out.cells) line.erase(line.begin() + static_cast<std::ptrdiff_t>(c));
    }
  }
  return out;
}

// LVM2_LV_NAME='lv0' for --nameprefixes.
std::string prefixed(std::string_view field, std::string_view value, bool quoted) {
  std::string out = "LVM2_";
  for (char ch : field) out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  out += '=';
  if (quoted) out += '\'';
  out += value;
  if (quoted) out += '\'';
  return out;
}

void pad(std::string& out, std::string_view s, std::size_t width, bool right) {
  if (right) out.append(width > s.size() ? width - s.size() : 0, ' ');
  out += s;
  if (!right) out.append(width > s.size() ? width - s.size() : 0, ' ');
}

}  // namespace

std::string_view default_fields(ReportType type) {
  switch (type) {
    case ReportType::lvs:
      return "lv_name,vg_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,move_pv,"
             "mirror_log,copy_percent,convert_lv";
    case ReportType::vgs: return "vg_name,pv_count,lv_count,snap_count,vg_attr,vg_size,vg_free";
    case ReportType::pvs: return "pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free";
  }
  return {};
}

Result<std::string> render(ReportType type, const Input& in, const Options& o) {
  auto b = build(type, in, o);
  if (!b) return fail(b.error());
  std::string out;
  if (o.json) {
    // The section is named after the report type; --segments makes it a
    // segment report ("seg", "pvseg") even when the fields are the same.
    std::string_view section = type == ReportType::lvs ? (o.segments ? "seg" : "lv")
                               : type == ReportType::vgs ? "vg"
                                                         : (o.segments ? "pvseg" : "pv");
    out += "  {\n      \"report\": [\n          {\n";
    out += fmt::format("              \"{}\": [\n", section);
    for (std::size_t r = 0; r < b->cells.size(); ++r) {
      out += "                  {";
      for (std::size_t c = 0; c < b->fields.size(); ++c) {
        if (c) out += ", ";
        out += '"';
        out += b->fields[c]->name;
        out += "\":\"";
        json_escape(out, b->cells[r][c]);
        out += '"';
      }
      out += r + 1 < b->cells.size() ? "},\n" : "}\n";
    }
    out += "              ]\n          }\n      ]\n  }\n";
    return out;
  }
  // No rows: lvm prints nothing at all, not even the headings.
  if (b->cells.empty()) return out;
  const std::string sep = o.separator.value_or(" ");
  // Headings are padded to the values before their prefixes (as lvm2 does).
  std::vector<std::size_t> heading_width(b->fields.size(), 0);
  for (std::size_t c = 0; c < b->fields.size(); ++c) {
    heading_width[c] = std::max<std::size_t>(b->fields[c]->min_width, b->fields[c]->heading.size());
    for (const auto& line : b->cells) heading_width[c] = std::max(heading_width[c], line[c].size());
  }
  const bool align = (!o.separator || o.aligned) && !o.unaligned && !o.rows;
  if (o.name_prefixes) {
    // Aligned prefixed values are padded inside their quotes.
    for (auto& line : b->cells)
      for (std::size_t c = 0; c < b->fields.size(); ++c) {
        std::string v;
        pad(v, line[c], align ? heading_width[c] : 0, b->right[c]);
        line[c] = prefixed(b->fields[c]->name, v, o.quoted);
      }
  }
  if (o.rows) {
    // --rows: a line per field, heading first; lvm2 aligns nothing here.
    for (std::size_t c = 0; c < b->fields.size(); ++c) {
      out += "  ";
      bool first = true;
      if (o.headings) {
        out += b->fields[c]->heading;
        first = false;
      }
      for (const auto& line : b->cells) {
        if (!first) out += sep;
        out += line[c];
        first = false;
      }
      out += '\n';
    }
    return out;
  }
  std::vector<std::size_t> width(b->fields.size(), 0);
  if (align && !o.name_prefixes)
    for (std::size_t c = 0; c < b->fields.size(); ++c) {
      width[c] = std::max<std::size_t>(b->fields[c]->min_width, b->fields[c]->heading.size());
      for (const auto& line : b->cells) width[c] = std::max(width[c], line[c].size());
    }
  {  // one allocation for the whole text
    std::size_t line_size = 3;
    for (std::size_t c = 0; c < b->fields.size(); ++c) line_size += std::max<std::size_t>(width[c], 8) + sep.size();
    out.reserve(line_size * (b->cells.size() + 1));
  }
  if (o.headings) {
    out += "  ";
    for (std::size_t c = 0; c < b->fields.size(); ++c) {
      if (c) out += sep;
      pad(out, b->fields[c]->heading, align ? heading_width[c] : 0, false);
    }
    if (b->compacted_tail) out += sep;  // lvm2 keeps the separator of a hidden last column
    out += '\n';
  }
  for (const auto& line : b->cells) {
    out += "  ";
    for (std::size_t c = 0; c < b->fields.size(); ++c) {
      if (c) out += sep;
      pad(out, line[c], width[c], b->right[c]);
    }
    out += '\n';
  }
  return out;
}

}  // namespace udm::lvm::report

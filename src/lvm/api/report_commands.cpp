// pvs, vgs, lvs and pvdisplay, vgdisplay, lvdisplay.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lvm/api/mirror_activate.hpp"
#include "lvm/api/raid_activate.hpp"
#include "lvm/api/report_data.hpp"
#include "lvm/api/snapshot_commands.hpp"
#include "lvm/format/config_parser.hpp"
#include "lvm/report/field_help.hpp"

namespace udm::lvm::api::detail {

// ---------------------------------------------------------------- reports

namespace {
// The PV's metadata areas as pvs shows them (the smallest size and free space).
void fill_mdas(report::PvDevice& d, const format::PvState& s) {
  d.mda_count = static_cast<unsigned>(s.label.metadata_areas.size());
  for (const auto& m : s.mdas) {
    if (!m.header) continue;
    if (!m.header->committed.ignored()) ++d.mda_used_count;
    // lvm2: whole sectors of (the largest text a copy may have - the
    // committed text), so the text's size is not rounded up first.
    const byte_count max = format::max_text_size(m.header->size), used = m.header->committed.size;
    const byte_count free = max > used ? (max - used) / 512 * 512 : 0;
    d.mda_free = d.mda_free == 0 ? free : std::min(d.mda_free, free);
    d.mda_size = d.mda_size == 0 ? m.header->size : std::min(d.mda_size, m.header->size);
  }
}

// pv_major/pv_minor: the device number of a PV on a block device.
void fill_devno(report::PvDevice& d, const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
    d.major = major(st.st_rdev);
    d.minor = minor(st.st_rdev);
  }
}

// Text lvm2 prints through its log: every line indented by two spaces.
std::string indent_lines(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out += "  ";
    out += text.substr(start, nl - start);
    out += '\n';
    start = nl + 1;
  }
  return out;
}

ReportData report_data(Cmd& c, bool with_states) {
  ReportData data;
  for (const auto& [n, f] : c.store().vgs()) data.vgs.push_back(&f.text.vg);
  for (const VolumeGroup* vg : data.vgs) data.indexes.push_back(std::make_unique<VgIndexScope>(*vg));
  activate::Driver* drv = with_states ? c.driver(false) : nullptr;
  for (const VolumeGroup* vgp : data.vgs) {
    const VolumeGroup& vg = *vgp;
    const format::VgState* f = c.store().find_vg(vg.name);
    report::VgView v;
    v.vg = &vg;
    for (std::size_t i = 0; i < vg.pvs.size(); ++i) {
      report::PvDevice d;
      if (f->pv_index[i] != format::NO_PV) {
        const format::PvState& s = c.store().pvs()[f->pv_index[i]];
        d.path = s.path;
        d.dev_size = s.dev->size() / SECTOR_SIZE;
        fill_mdas(d, s);
        d.ext_version = s.label.ext_version;
        fill_devno(d, s.path);
      }
      v.devices.push_back(d);
    }
    if (drv) {
      if (auto st = drv->states(vg); st) {
        for (const auto& s : *st) {
          report::LvState ls;
          ls.active = s.active ? report::Tri::yes : report::Tri::no;
          ls.open = s.open ? report::Tri::yes : report::Tri::no;
          v.lv_states.push_back(std::move(ls));
        }
        fill_snapshot_states(c, vg, v.lv_states);
        thin_report_states(*drv, vg, v.lv_states);
        mirror_report_states(*drv, vg, v.lv_states);
        raid_report_states(*drv, vg, v.lv_states);
      }
    }
    data.in.vgs.push_back(std::move(v));
  }
  for (const auto& s : c.store().pvs()) {
    if (!s.is_pv) continue;
    bool in_vg = false;
    for (const VolumeGroup* vg : data.vgs)
      for (const auto& pv : vg->pvs) in_vg = in_vg || pv.id == s.label.pv_id;
    if (in_vg) continue;
    report::OrphanPv o2;
    o2.id = s.label.pv_id;
    o2.device.path = s.path;
    o2.device.dev_size = s.dev->size() / SECTOR_SIZE;
    fill_mdas(o2.device, s);
    o2.device.mda_used_count = o2.device.mda_count;
    fill_devno(o2.device, s.path);
    if (!s.label.data_areas.empty()) o2.pe_start = bytes_to_sectors(s.label.data_areas[0].offset);
    data.in.orphans.push_back(o2);
  }
  return data;
}
}  // namespace

Outcome<ReportData> load_report(Cmd& c, report::ReportType type, const std::vector<std::string>& names) {
  if (auto r = c.open(false); !r) return std::unexpected(r.error());
  for (const auto& name : names) {
    if (type == report::ReportType::pvs) break;
    auto vgn = split_lv_path(name).first;
    if (vgn.empty()) vgn = name;
    if (!c.store().find_vg(vgn)) return failed(fmt::format("Volume group \"{}\" not found", vgn));
  }
  return report_data(c, type == report::ReportType::lvs);
}

ReportData report_rows(Cmd& c, bool with_states) { return report_data(c, with_states); }

namespace {
// An `lvs VG/LV` argument naming no LV of its VG (lvm2 says so and exits 5,
// unless the VG itself is named too and so reports all its LVs).
std::optional<std::string> missing_lv_arg(Cmd& c, const std::vector<std::string>& args) {
  for (const auto& a : args) {
    auto [vgn, lvn] = split_lv_path(a);
    if (vgn.empty() || lvn.empty()) continue;
    const format::VgState* f = c.store().find_vg(vgn);
    if (!f || f->text.vg.find_lv(lvn)) continue;
    if (std::find(args.begin(), args.end(), vgn) != args.end()) continue;
    return fmt::format("{}/{}", vgn, lvn);
  }
  return std::nullopt;
}
}  // namespace

namespace {
// report/NAME from --config ("report/x=1" or "report { x=1 }"); lvm2's
// precedence: the last setting wins.
struct ReportConfig {
  ConfigTree tree;
  const ConfigValue* get(std::string_view name) const {
    const ConfigValue* found = nullptr;
    for (const auto& n : tree.root.children) {
      if (!n.is_section && n.key == fmt::format("report/{}", name)) found = &n.value;
      if (n.is_section && n.key == "report")
        for (const auto& k : n.children)
          if (!k.is_section && k.key == name) found = &k.value;
    }
    return found;
  }
  std::optional<std::string> text(std::string_view name) const {
    const ConfigValue* v = get(name);
    if (!v || !v->is_string()) return std::nullopt;
    return v->text;
  }
  std::optional<bool> flag(std::string_view name) const {
    const ConfigValue* v = get(name);
    if (!v || !v->is_int()) return std::nullopt;
    return v->integer != 0;
  }
};

bool asks_field_help(const std::vector<std::string>& options) {
  for (const auto& arg : options) {
    std::string_view a = arg;
    if (!a.empty() && (a[0] == '+' || a[0] == '-')) a.remove_prefix(1);
    std::size_t start = 0;
    while (start <= a.size()) {
      auto comma = a.find(',', start);
      auto item = a.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item == "help" || item == "?") return true;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return false;
}
}  // namespace

Outcome<void> cmd_report(Cmd& c, report::ReportType type) {
  report::Options o;
  o.fields = c.cl().all("options");
  o.sort = c.cl().all("sort");
  if (asks_field_help(o.fields)) {  // lvm2 prints the list through its log, and succeeds
    c.warn_raw(indent_lines(report::fields_help_text(false)));
    return {};
  }
  ReportConfig rc;
  // report/* from lvm.conf with --config merged over it.
  if (auto cfg = load_config({}, c.cl().all("config"), profile_of(c.cl()))) rc.tree = std::move(cfg->merged);
  const std::string_view prefix = type == report::ReportType::lvs ? "lvs" : type == report::ReportType::vgs ? "vgs" : "pvs";
  if (!c.cl().has("segments")) o.default_fields = rc.text(fmt::format("{}_cols", prefix));
  o.default_sort = rc.text(fmt::format("{}_sort", prefix));
  if (auto u = c.cl().get("units")) {
    auto units = report::parse_units(*u);
    if (!units) return failed("Invalid units specification", EXIT_INVALID);
    o.units = *units;
  }
  o.units.suffix = !c.cl().has("nosuffix");
  o.headings = !c.cl().has("noheadings") && rc.flag("headings").value_or(true);
  o.separator = c.cl().get("separator");
  o.aligned = c.cl().has("aligned");
  if (!o.separator) {
    // A separator from the configuration keeps report/aligned (default on).
    o.separator = rc.text("separator");
    if (o.separator) o.aligned = o.aligned || rc.flag("aligned").value_or(true);
  }
  std::string format = rc.text("output_format").value_or("basic");
  const auto cli_format = c.cl().get("reportformat");
  if (cli_format) format = *cli_format;
  // lvm2 2.03.16 has basic and json only (json_std came later): a bad
  // --reportformat is a command-line error, a bad report/output_format a
  // failure of the command.
  if (format == "json") o.json = true;
  else if (format != "basic" && cli_format)
    return failed(fmt::format("Invalid argument for --reportformat: {}\n  Error during parsing of command line.", format),
                  EXIT_INVALID);
  else if (format != "basic")
    return failed(fmt::format("{}: unknown report format.\n  Supported report formats: basic, json.", format));
  o.name_prefixes = c.cl().has("nameprefixes") || rc.flag("prefixes").value_or(false);
  o.unaligned = c.cl().has("nameprefixes");
  o.quoted = !c.cl().has("unquoted") && rc.flag("quoted").value_or(true);
  o.rows = c.cl().has("rows") || rc.flag("columns_as_rows").value_or(false);
  o.binary = c.cl().has("binary") || rc.flag("binary_values_as_numeric").value_or(false);
  o.compact = rc.flag("compact_output").value_or(false);
  if (auto sel = c.cl().get("select")) {
    if (*sel == "help" || *sel == "?") {
      c.warn_raw(indent_lines(report::fields_help_text(true) + std::string(report::selection_help_tail())));
      return {};
    }
    o.selection = *sel;
  }
  o.all = c.cl().has("all");
  o.segments = c.cl().has("segments");
  o.select_names = c.cl().args;
  if (type == report::ReportType::pvs)
    for (auto& n : o.select_names) n = Cmd::normal_path(n);
  auto data = load_report(c, type, c.cl().args);
  if (!data) return std::unexpected(data.error());
  // A PV argument the scan cannot use (filtered, missing) is an error for
  // that argument alone, as in lvm2: the others are still reported.
  bool refused = false;
  if (type == report::ReportType::pvs && !o.select_names.empty()) {
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < c.cl().args.size(); ++i) {
      const std::string& arg = c.cl().args[i];
      const std::string why = c.unusable_reason(arg);
      if (!why.empty()) {
        c.warn(fmt::format("Cannot use {}: {}", arg, why));
        refused = true;
        continue;
      }
      const format::PvState* d = c.store().device(c.scanned_name(arg));
      if (!d || !d->is_pv) {
        c.warn(fmt::format("Failed to find physical volume \"{}\".", arg));
        refused = true;
        continue;
      }
      kept.push_back(c.scanned_name(arg));
    }
    if (kept.empty()) return failed("");
    o.select_names = std::move(kept);
  }
  auto text = report::render(type, data->in, o);
  if (!text) {
    std::string m = text.error().message;
    if (m.starts_with("Unrecognised field:")) m = report::fields_help_text(false) + m;  // lvm2 lists them first
    return failed(Cmd::indented(m), EXIT_FAILED);
  }
  c.say_raw(*text);
  if (refused) return failed("");
  if (type == report::ReportType::lvs)
    if (auto missing = missing_lv_arg(c, c.cl().args)) return failed(fmt::format("Failed to find logical volume \"{}\"", *missing));
  return {};
}

Outcome<void> cmd_display(Cmd& c, char what) {
  if (c.cl().has("colon") || c.cl().has("columns") || c.cl().has("short"))
    return failed("-c/-C/-s are not supported by ulvm's display commands yet.", EXIT_INVALID);
  const auto type = what == 'l' ? report::ReportType::lvs : what == 'v' ? report::ReportType::vgs : report::ReportType::pvs;
  report::Selection sel;
  if (auto text = c.cl().get("select")) {
    auto parsed = report::parse_selection(type, *text);
    if (!parsed) return failed(Cmd::indented(parsed.error().message));
    sel = std::move(*parsed);
  }
  if (auto r = c.open(false); !r) return r;
  ReportData data = report_data(c, what == 'l');
  const auto& args = c.cl().args;
  std::string out;
  auto wanted_vg = [&](const std::string& vg) {
    if (args.empty()) return true;
    for (const auto& a : args)
      if (split_lv_path(a).first == vg || a == vg) return true;
    return false;
  };
  if (what == 'v' || what == 'l') {
    for (const auto& a : args) {
      auto vgn = split_lv_path(a).first;
      if (vgn.empty()) vgn = a;
      if (!c.store().find_vg(vgn)) return failed(fmt::format("Volume group \"{}\" not found", vgn));
    }
  }
  for (const auto& v : data.in.vgs) {
    if (what == 'v') {
      if (wanted_vg(v.vg->name) && report::row_selected(sel, report::Row{.vg = &v})) out += report::display_vg(v);
      continue;
    }
    if (what == 'l') {
      for (std::size_t i = 0; i < v.vg->lvs.size(); ++i) {
        const auto& lv = v.vg->lvs[i];
        if (!lv_is_visible(*v.vg, lv)) continue;
        bool want = args.empty();
        for (const auto& a : args) {
          auto [vgn, lvn] = split_lv_path(a);
          if ((vgn.empty() && a == v.vg->name) || (vgn == v.vg->name && (lvn.empty() || lvn == lv.name))) want = true;
        }
        if (want && report::row_selected(sel, report::Row{.vg = &v, .lv = &lv, .lv_index = i}))
          out += report::display_lv(v, i, c.cl().has("maps"));
      }
      continue;
    }
    for (std::size_t i = 0; i < v.vg->pvs.size(); ++i) {
      bool want = args.empty();
      for (const auto& a : args) want = want || Cmd::normal_path(a) == v.devices[i].path;
      if (want && report::row_selected(sel, report::Row{.vg = &v, .pv = &v.vg->pvs[i], .dev = &v.devices[i]}))
        out += report::display_pv(v, i, c.cl().has("maps"));
    }
  }
  if (what == 'p')
    for (const auto& o : data.in.orphans) {
      bool want = args.empty();
      for (const auto& a : args) want = want || Cmd::normal_path(a) == o.device.path;
      if (want && report::row_selected(sel, report::Row{.orphan = &o})) out += report::display_orphan(o);
    }
  c.say_raw(out);
  return {};
}

}  // namespace udm::lvm::api::detail

// pvchange -x y|n, -u/--uuid, --addtag/--deltag on PVs named, every PV (-a)
// or those -S/--select matches, printed as lvm2 2.03.16 prints them.
#include "lvm/api/change_commands.hpp"
#include "lvm/api/report_data.hpp"

namespace udm::lvm::api::detail {
namespace {

struct Target {
  std::string path;
  std::string vg;  // empty: an orphan PV
};

// lvm2's order: the VGs last found first, each with its PVs in metadata
// order, then the orphan PVs in scan order.
std::vector<Target> all_pvs(Cmd& c) {
  const auto& pvs = c.store().pvs();
  std::vector<std::pair<std::size_t, std::string>> vgs;  // first PV index, name
  for (const auto& [name, f] : c.store().vgs()) {
    std::size_t first = format::NO_PV;
    for (auto i : f.pv_index) first = std::min(first, i);
    vgs.emplace_back(first, name);
  }
  std::sort(vgs.begin(), vgs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Target> out;
  for (const auto& [first, name] : vgs) {
    const format::VgState* f = c.store().find_vg(name);
    for (auto i : f->pv_index)
      if (i != format::NO_PV) out.push_back({pvs[i].path, name});
  }
  for (const auto& p : pvs)
    if (p.is_pv && !p.vg_id) out.push_back({p.path, ""});
  return out;
}

// Whether -S matches the PV at `path`.
bool selected(const report::Selection& sel, const ReportData& rows, const Target& t) {
  for (const auto& v : rows.in.vgs)
    for (std::size_t i = 0; i < v.vg->pvs.size(); ++i)
      if (v.devices[i].path == t.path) return report::row_selected(sel, report::Row{.vg = &v, .pv = &v.vg->pvs[i], .dev = &v.devices[i]});
  for (const auto& o : rows.in.orphans)
    if (o.device.path == t.path) return report::row_selected(sel, report::Row{.orphan = &o});
  return false;
}

std::string plural(std::size_t n) { return n == 1 ? "" : "s"; }

}  // namespace

Outcome<void> cmd_pvchange(Cmd& c) {
  const auto& args = c.cl().args;
  const bool all = c.cl().has("all");
  const auto sel_text = c.cl().get("select");
  const bool changes = c.cl().has("allocatable") || c.cl().has("uuid") || c.cl().has("addtag") || c.cl().has("deltag");
  if (!changes || (args.empty() && !all && !sel_text))
    return failed("No command with matching syntax recognised.", EXIT_INVALID);
  if (all && !args.empty()) return failed(fmt::format("Command does not accept argument: {}.", args[0]), EXIT_INVALID);
  std::optional<bool> allocatable;
  if (auto x = c.cl().get("allocatable")) {
    if (*x != "y" && *x != "n") return failed(fmt::format("Invalid argument for --allocatable: {}", *x), EXIT_INVALID);
    allocatable = *x == "y";
  }
  report::Selection sel;
  if (sel_text) {
    auto parsed = report::parse_selection(report::ReportType::pvs, *sel_text);
    if (!parsed) return failed(Cmd::indented(parsed.error().message));
    sel = std::move(*parsed);
  }
  if (auto r = c.open(true); !r) return r;
  std::vector<Target> targets;
  bool any_failed = false;
  const std::vector<Target> every = all_pvs(c);
  if (args.empty()) {
    targets = every;
  } else {
    // Named PVs, still in lvm2's order.
    std::vector<std::string> wanted;
    for (const auto& a : args) {
      const std::string p = Cmd::normal_path(a);
      if (std::none_of(every.begin(), every.end(), [&](const Target& t) { return t.path == p; })) {
        c.warn(fmt::format("Failed to find physical volume \"{}\".", a));
        any_failed = true;
      }
      wanted.push_back(p);
    }
    for (const auto& t : every)
      if (std::find(wanted.begin(), wanted.end(), t.path) != wanted.end()) targets.push_back(t);
  }
  if (sel_text) {
    ReportData rows = report_rows(c, false);
    std::erase_if(targets, [&](const Target& t) { return !selected(sel, rows, t); });
  }
  std::size_t done = 0, not_done = 0;
  for (const auto& t : targets) {
    auto step = [&]() -> Outcome<bool> {
      if (t.vg.empty()) {
        if (allocatable) return failed(fmt::format("Allocatability not supported by orphan lvm2 format PV {}", t.path));
        if (c.cl().has("addtag") || c.cl().has("deltag"))
          return failed(fmt::format("Can't change tag on Physical Volume {} not in volume group", t.path));
        if (auto r = c.store().set_pv_id(t.path, generate_id()); !r) return failed(r.error().message);
        return true;
      }
      auto old = c.vg(t.vg);
      if (!old) return std::unexpected(old.error());
      VolumeGroup vg = *old;
      PhysicalVolume* pv = vg.find_pv(c.pv_name_of_path(vg, t.path));
      if (!pv) return failed(fmt::format("Failed to find physical volume \"{}\".", t.path));
      bool changed = false;
      if (allocatable) {
        if (pv->status.has("ALLOCATABLE") == *allocatable) {
          c.warn(fmt::format("Physical volume \"{}\" is already {}allocatable.", t.path, *allocatable ? "" : "un"));
          return false;
        }
        if (*allocatable) pv->status.add("ALLOCATABLE");
        else pv->status.remove("ALLOCATABLE");
        changed = true;
      }
      auto tagged = apply_tags(c, pv->tags);
      if (!tagged) return std::unexpected(tagged.error());
      changed = changed || *tagged;
      if (c.cl().has("uuid")) {
        pv->id = generate_id();
        if (!c.test_mode())
          if (auto r = c.store().set_pv_id(t.path, pv->id); !r) return failed(r.error().message);
        changed = true;
      }
      if (changed)
        if (auto r = c.commit(vg, *old); !r) return std::unexpected(r.error());
      return true;
    };
    auto r = step();
    if (r && *r) {
      c.say(fmt::format("Physical volume \"{}\" changed", t.path));
      ++done;
    } else if (r) {
      c.say(fmt::format("Physical volume {} not changed", t.path));
      ++not_done;
    } else {
      if (!r.error().message.empty()) c.warn(r.error().message);
      c.warn(fmt::format("Physical volume {} not changed", t.path));
      ++not_done;
      any_failed = true;
    }
  }
  c.say(fmt::format("{} physical volume{} changed / {} physical volume{} not changed", done, plural(done), not_done,
                    plural(not_done)));
  if (any_failed) return failed("");
  return {};
}

}  // namespace udm::lvm::api::detail

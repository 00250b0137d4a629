// -S/--select for the commands dmsetup runs per selected device (status,
// table, deps, remove, suspend, resume, clear, wipe_table): as dmsetup, an
// `info -c` report with the selection decides, silently, which devices the
// command then runs on, each named as when several are given.
#include "cli.hpp"

namespace udm::udmsetup {

bool fill_row(Context& ctx, const client::DeviceInfo& info, const ReportNeeds& needs, ReportRow& row);
bool deps_one(Context& ctx, const std::string* name, bool multiple);

int run_selected(Context& ctx, const std::string& command,
                 const std::function<bool(Context&, const std::string&)>& fn) {
  // The command's -o goes to this report too (dmsetup fails on deps -o devname -S ...).
  auto report = make_report(ctx, "name,major,minor,attr,open,segments,events,uuid");
  if (!report) return 1;
  (void)command;
  bool ok = process_all(ctx, [&](Context& x, const std::string* n, bool) {
    auto* c = x.connect();
    if (!c) return false;
    Task t(*c, TaskType::info);
    t.set_name(*n);
    if (auto r = t.run(); !r || !t.info().exists) return true;  // gone meanwhile
    ReportRow row;
    if (!fill_row(x, t.info(), report->needs(), row)) return false;
    if (!report->selects(row)) return true;
    return fn(x, *n);
  }, true);
  if (!ok) {
    err("Command failed.");
    return 1;
  }
  return 0;
}

}  // namespace udm::udmsetup

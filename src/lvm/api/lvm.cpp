#include "lvm/api/lvm.hpp"

#include <map>

#include "lvm/api/commands.hpp"
#include "lvm/api/report_data.hpp"

namespace udm::lvm::api {
namespace {

Error error_of(int rc, const CommandIo& io) {
  std::string msg = io.err;
  // The last line is the error itself; drop lvm's two-space indent.
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  if (auto nl = msg.rfind('\n'); nl != std::string::npos && rc == EXIT_FAILED) msg = msg.substr(nl + 1);
  if (rc == EXIT_INVALID) msg = msg.substr(0, msg.find('\n'));
  while (!msg.empty() && msg.front() == ' ') msg.erase(0, 1);
  return Error{rc == EXIT_INVALID ? EINVAL : EIO, msg};
}

}  // namespace

Lvm::Lvm(std::vector<std::string> devices) : devices_(std::move(devices)) {}

std::vector<std::string> Lvm::with_devices(std::vector<std::string> args) const {
  for (const auto& d : devices_) args.push_back("--devices=" + d);
  return args;
}

Result<std::string> Lvm::run(const std::string& command, const std::vector<std::string>& args) {
  CommandIo io;
  int rc = run_command(command, with_devices(args), io);
  if (rc != EXIT_OK) return fail(error_of(rc, io));
  return io.out;
}

namespace {
Result<void> done(const Result<std::string>& r) {
  if (!r) return fail(r.error());
  return {};
}
}  // namespace

Result<void> Lvm::pvcreate(const std::vector<std::string>& paths) { return done(run("pvcreate", paths)); }
Result<void> Lvm::pvremove(const std::vector<std::string>& paths) { return done(run("pvremove", paths)); }

Result<void> Lvm::vgcreate(const std::string& vg, const std::vector<std::string>& paths, const std::string& extent_size) {
  std::vector<std::string> a;
  if (!extent_size.empty()) a = {"-s", extent_size};
  a.push_back(vg);
  a.insert(a.end(), paths.begin(), paths.end());
  return done(run("vgcreate", a));
}

Result<void> Lvm::vgextend(const std::string& vg, const std::vector<std::string>& paths) {
  std::vector<std::string> a{vg};
  a.insert(a.end(), paths.begin(), paths.end());
  return done(run("vgextend", a));
}

Result<void> Lvm::vgremove(const std::string& vg, bool force) {
  return done(run("vgremove", force ? std::vector<std::string>{"-f", vg} : std::vector<std::string>{vg}));
}

Result<void> Lvm::vgrename(const std::string& from, const std::string& to) { return done(run("vgrename", {from, to})); }

Result<void> Lvm::lvcreate(const LvSpec& s) {
  std::vector<std::string> a;
  if (!s.name.empty()) a.insert(a.end(), {"-n", s.name});
  if (!s.size.empty()) a.insert(a.end(), {"-L", s.size});
  if (!s.extents.empty()) a.insert(a.end(), {"-l", s.extents});
  if (s.stripes > 1) a.insert(a.end(), {"-i", std::to_string(s.stripes)});
  if (!s.stripe_size.empty()) a.insert(a.end(), {"-I", s.stripe_size});
  if (!s.type.empty()) a.insert(a.end(), {"--type", s.type});
  a.insert(a.end(), {"-a", s.activate ? "y" : "n"});
  a.push_back(s.vg);
  a.insert(a.end(), s.pvs.begin(), s.pvs.end());
  return done(run("lvcreate", a));
}

Result<void> Lvm::lvresize(const std::string& vg, const std::string& lv, const std::string& size, bool extents) {
  return done(run("lvresize", {extents ? "-l" : "-L", size, "-y", vg + "/" + lv}));
}

Result<void> Lvm::lvremove(const std::string& vg, const std::string& lv) { return done(run("lvremove", {"-y", vg + "/" + lv})); }

Result<void> Lvm::lvrename(const std::string& vg, const std::string& from, const std::string& to) {
  return done(run("lvrename", {vg, from, to}));
}

Result<void> Lvm::activate(const std::string& vg, const std::string& lv, bool on) {
  if (lv.empty()) return done(run("vgchange", {"-a", on ? "y" : "n", vg}));
  return done(run("lvchange", {"-a", on ? "y" : "n", vg + "/" + lv}));
}

namespace {

// One report's typed table, read within the scan that made it (its rows point
// into the scan). `fields` as for -o.
template <class Each>
Result<void> each_row(const std::vector<std::string>& devices, report::ReportType type, std::string fields,
                      const std::vector<std::string>& names, Each each) {
  std::vector<std::string> args;
  for (const auto& d : devices) args.push_back("--devices=" + d);
  auto cl = parse_command_line(type == report::ReportType::lvs   ? "lvs"
                               : type == report::ReportType::vgs ? "vgs"
                                                                 : "pvs",
                               args);
  if (!cl) return fail(EINVAL, cl.error().message);
  CommandIo io;
  detail::Cmd c(std::move(*cl), io);
  auto data = detail::load_report(c, type, names);
  if (!data) return fail(data.error().code == EXIT_INVALID ? EINVAL : EIO, data.error().message);
  report::Options o;
  o.fields = {std::move(fields)};
  o.select_names = names;
  auto t = report::table(type, data->in, o);
  if (!t) return fail(EINVAL, t.error().message);
  for (std::size_t i = 0; i < t->rows.size(); ++i) {
    std::map<std::string_view, const report::Cell*> cell;
    for (std::size_t f = 0; f < t->fields.size(); ++f) cell[t->fields[f]->name] = &t->cells[i][f];
    each(t->rows[i], cell);
  }
  return {};
}

using Cells = std::map<std::string_view, const report::Cell*>;
const std::string& text(const Cells& c, std::string_view f) { return c.at(f)->text; }
std::uint64_t bytes(const Cells& c, std::string_view f) { return sectors_to_bytes(c.at(f)->size); }
std::uint64_t count(const Cells& c, std::string_view f) {
  const std::int64_t v = c.at(f)->num;
  return v < 0 ? 0 : static_cast<std::uint64_t>(v);
}

}  // namespace

Result<std::vector<LvRow>> Lvm::lvs(const std::string& vg) {
  const std::vector<std::string> names = vg.empty() ? std::vector<std::string>{} : std::vector<std::string>{vg};
  std::vector<LvRow> out;
  auto r = each_row(devices_, report::ReportType::lvs, "vg_name,lv_name,lv_uuid,lv_attr,lv_size,seg_count", names,
                    [&](const report::Row&, const Cells& c) {
                      LvRow row;
                      row.vg = text(c, "vg_name");
                      row.name = text(c, "lv_name");
                      row.uuid = text(c, "lv_uuid");
                      row.attr = text(c, "lv_attr");
                      row.size_bytes = bytes(c, "lv_size");
                      row.segments = static_cast<unsigned>(count(c, "seg_count"));
                      row.active = row.attr.size() > 4 && row.attr[4] == 'a';
                      row.open = row.attr.size() > 5 && row.attr[5] == 'o';
                      out.push_back(std::move(row));
                    });
  if (!r) return fail(r.error());
  // Segment type and devices come from the segment rows (one per segment).
  r = each_row(devices_, report::ReportType::lvs, "vg_name,lv_name,segtype,devices", names,
               [&](const report::Row&, const Cells& c) {
                 for (auto& row : out) {
                   if (row.vg != text(c, "vg_name") || row.name != text(c, "lv_name")) continue;
                   if (row.segtype.empty()) row.segtype = text(c, "segtype");
                   const std::string& d = text(c, "devices");
                   if (!d.empty()) row.devices += (row.devices.empty() ? "" : ",") + d;
                 }
               });
  if (!r) return fail(r.error());
  return out;
}

Result<std::vector<VgRow>> Lvm::vgs() {
  std::vector<VgRow> out;
  auto r = each_row(devices_, report::ReportType::vgs,
                    "vg_name,vg_uuid,vg_attr,vg_size,vg_free,vg_extent_size,vg_seqno,pv_count,lv_count", {},
                    [&](const report::Row&, const Cells& c) {
                      out.push_back({text(c, "vg_name"), text(c, "vg_uuid"), text(c, "vg_attr"), bytes(c, "vg_size"),
                                     bytes(c, "vg_free"), bytes(c, "vg_extent_size"), count(c, "vg_seqno"),
                                     static_cast<unsigned>(count(c, "pv_count")),
                                     static_cast<unsigned>(count(c, "lv_count"))});
                    });
  if (!r) return fail(r.error());
  return out;
}

Result<std::vector<PvRow>> Lvm::pvs() {
  std::vector<PvRow> out;
  auto r = each_row(devices_, report::ReportType::pvs, "pv_name,vg_name,pv_uuid,pv_attr,pv_size,pv_free,dev_size,pe_start",
                    {}, [&](const report::Row&, const Cells& c) {
                      out.push_back({text(c, "pv_name"), text(c, "vg_name"), text(c, "pv_uuid"), text(c, "pv_attr"),
                                     bytes(c, "pv_size"), bytes(c, "pv_free"), bytes(c, "dev_size"),
                                     bytes(c, "pe_start")});
                    });
  if (!r) return fail(r.error());
  return out;
}

}  // namespace udm::lvm::api

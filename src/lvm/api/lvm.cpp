#include "lvm/api/lvm.hpp"

#include <map>

#include "lvm/api/commands.hpp"

namespace udm::lvm::api {
namespace {

using Rows = std::vector<std::vector<std::pair<std::string, std::string>>>;

Error error_of(int rc, const CommandIo& io) {
  std::string msg = io.err;
  // The last line is the error itself; drop lvm's two-space indent.
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  if (auto nl = msg.rfind('\n'); nl != std::string::npos && rc == EXIT_FAILED) msg = msg.substr(nl + 1);
  if (rc == EXIT_INVALID) msg = msg.substr(0, msg.find('\n'));
  while (!msg.empty() && msg.front() == ' ') msg.erase(0, 1);
  return Error{rc == EXIT_INVALID ? EINVAL : EIO, msg};
}

std::uint64_t number(const std::string& s) {
  std::uint64_t v = 0;
  for (char c : s)
    if (c >= '0' && c <= '9') v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

std::map<std::string, std::string> as_map(const std::vector<std::pair<std::string, std::string>>& row) {
  return {row.begin(), row.end()};
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

Result<Rows> Lvm::records(const std::string& command, std::vector<std::string> args) {
  CommandIo io;
  Rows rows;
  io.records = &rows;
  args.push_back("--units=b");
  args.push_back("--nosuffix");
  int rc = run_command(command, with_devices(std::move(args)), io);
  if (rc != EXIT_OK) return fail(error_of(rc, io));
  return rows;
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

Result<std::vector<LvRow>> Lvm::lvs(const std::string& vg) {
  std::vector<std::string> a{"-o", "vg_name,lv_name,lv_uuid,lv_attr,lv_size,seg_count"};
  if (!vg.empty()) a.push_back(vg);
  auto rows = records("lvs", a);
  if (!rows) return fail(rows.error());
  std::vector<LvRow> out;
  for (const auto& r : *rows) {
    auto m = as_map(r);
    LvRow row;
    row.vg = m["vg_name"];
    row.name = m["lv_name"];
    row.uuid = m["lv_uuid"];
    row.attr = m["lv_attr"];
    row.size_bytes = number(m["lv_size"]);
    row.segments = static_cast<unsigned>(number(m["seg_count"]));
    row.active = row.attr.size() > 4 && row.attr[4] == 'a';
    row.open = row.attr.size() > 5 && row.attr[5] == 'o';
    out.push_back(std::move(row));
  }
  // Segment type and devices come from the segment report (one row per segment).
  a[1] = "vg_name,lv_name,segtype,devices";
  auto segs = records("lvs", a);
  if (!segs) return fail(segs.error());
  for (const auto& r : *segs) {
    auto m = as_map(r);
    for (auto& row : out) {
      if (row.vg != m["vg_name"] || row.name != m["lv_name"]) continue;
      if (row.segtype.empty()) row.segtype = m["segtype"];
      if (!m["devices"].empty()) row.devices += (row.devices.empty() ? "" : ",") + m["devices"];
    }
  }
  return out;
}

Result<std::vector<VgRow>> Lvm::vgs() {
  auto rows = records("vgs", {"-o", "vg_name,vg_uuid,vg_attr,vg_size,vg_free,vg_extent_size,vg_seqno,pv_count,lv_count"});
  if (!rows) return fail(rows.error());
  std::vector<VgRow> out;
  for (const auto& r : *rows) {
    auto m = as_map(r);
    out.push_back({m["vg_name"], m["vg_uuid"], m["vg_attr"], number(m["vg_size"]), number(m["vg_free"]),
                   number(m["vg_extent_size"]), number(m["vg_seqno"]), static_cast<unsigned>(number(m["pv_count"])),
                   static_cast<unsigned>(number(m["lv_count"]))});
  }
  return out;
}

Result<std::vector<PvRow>> Lvm::pvs() {
  auto rows = records("pvs", {"-o", "pv_name,vg_name,pv_uuid,pv_attr,pv_size,pv_free,dev_size,pe_start"});
  if (!rows) return fail(rows.error());
  std::vector<PvRow> out;
  for (const auto& r : *rows) {
    auto m = as_map(r);
    out.push_back({m["pv_name"], m["vg_name"], m["pv_uuid"], m["pv_attr"], number(m["pv_size"]), number(m["pv_free"]),
                   number(m["dev_size"]), number(m["pe_start"])});
  }
  return out;
}

}  // namespace udm::lvm::api

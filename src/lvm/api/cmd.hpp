// Internal to src/lvm/api: the context every ulvm command runs in (its
// command line, configuration, metadata store, driver connection, lock and
// output) and the command functions, one file per object kind.
#pragma once

#include "lvm/api/commands.hpp"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <fmt/format.h>
#include "lvm/activate/driver.hpp"
#include "lvm/metadata/dm_names.hpp"
#include "lvm/alloc/alloc.hpp"
#include "lvm/alloc/sizes.hpp"
#include "lvm/api/cmdline.hpp"
#include "lvm/api/config.hpp"
#include "lvm/api/dev_scan.hpp"
#include "lvm/api/prompt.hpp"
#include "lvm/api/thin_activate.hpp"
#include "lvm/format/mda_text.hpp"
#include "lvm/format/store.hpp"
#include "lvm/locking/lock_plan.hpp"
#include "lvm/report/display.hpp"
#include "lvm/report/report.hpp"

namespace udm::lvm::api::detail {

struct Failure {
  int code = EXIT_FAILED;
  std::string message;
};
template <class T>
using Outcome = std::expected<T, Failure>;
inline std::unexpected<Failure> failed(std::string m, int code = EXIT_FAILED) {
  return std::unexpected<Failure>(Failure{code, std::move(m)});
}

inline std::string nodename() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return u.nodename;
}

class Cmd;
// lvm2's warnings for the settings of lvm.conf, lvmlocal.conf and --config
// it does not know (lvmconfig_command.cpp); every command prints them.
std::vector<std::string> unknown_config_settings(const Config& cfg);
// Thin pools and thin LVs activate through lvcreate_thin.cpp (queued pool
// messages are sent then).
Outcome<void> activate_thin_lv(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv);
// Shared (sanlock) VGs: shared_vg.cpp. Each returns at once for other VGs.
Outcome<void> shared_lock_vgs(Cmd& c, const locking::LockPlan& plan, const std::vector<std::string>& vgs);
Outcome<void> shared_before_commit(Cmd& c, VolumeGroup& vg, const VolumeGroup* previous);
void shared_after_commit(Cmd& c, const VolumeGroup& vg, const VolumeGroup* previous);
Outcome<void> shared_before_activate(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv);
void shared_after_deactivate(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv);

class Cmd {
 public:
  Cmd(CommandLine cl, CommandIo& io) : cl_(std::move(cl)), io_(io) {}
  ~Cmd() {
    // See CommandIo: the process exits next, so skip freeing the store. A
    // global keeps it reachable, so leak checkers do not report it.
    if (io_.process_exits_after) exiting_store_ = store_.release();
  }
  Cmd(const Cmd&) = delete;
  Cmd& operator=(const Cmd&) = delete;

 private:
  static inline format::MetadataStore* exiting_store_ = nullptr;

 public:

  void say(const std::string& s) { io_.out += "  " + s + "\n"; }
  void warn(const std::string& s) { io_.err += "  " + s + "\n"; }
  void say_raw(const std::string& s) { io_.out += s; }
  void warn_raw(const std::string& s) { io_.err += s; }
  // Writes what was said so far when the tool can (progress while polling).
  void flush() {
    if (io_.flush) io_.flush();
  }
  // Lets other commands at the VG while this one waits (polling); open()
  // takes them again.
  void release_locks() {
    locks_.reset();
    lease_hold_.reset();
  }
  // The sanlock leases of this command (shared_vg.cpp), released with it.
  std::shared_ptr<void>& lease_hold() { return lease_hold_; }
  // In a forked child: leaves the parent's driver connection alone (not
  // closed, not used) and connects anew on the next driver().
  void forget_driver() {
    (void)driver_.release();
    driver_tried_ = false;
  }
  // One [y/n] question through CommandIo::ask (see prompt.hpp).
  std::optional<std::string> ask(const std::string& question) {
    if (io_.ask) return io_.ask(question);
    io_.err += question;
    return std::nullopt;
  }
  // -t/--test: read and validate, say what would be done, write nothing:
  // no metadata, no (de)activation, no zeroing or wiping.
  bool test_mode() const { return cl_.has("test"); }
  // How many times -f/--force was given (lvm's -ff is 2).
  std::size_t force_count() const { return cl_.all("force").size(); }
  const CommandLine& cl() const { return cl_; }

  // Scans the devices plus `extra` (devices named on the command line of
  // pvcreate, vgcreate, ...): the devices/devices (--devices) list when set,
  // else the devices/scan directories as lvm2 does (dev_scan.hpp). Paths are
  // made absolute so that "pv0.img" and "/srv/pv0.img" name the same device.
  Outcome<void> open(bool writable, const std::vector<std::string>& extra = {}) {
    auto cfg = load_config(cl_.all("devices"), cl_.all("config"), profile_of(cl_));
    if (!cfg) return failed(cfg.error().message);
    cfg_ = *cfg;
    if (!config_checked_)
      for (const auto& u : unknown_config_settings(cfg_)) warn(u);
    config_checked_ = true;
    scan_.reset();
    std::vector<std::string> paths;
    auto add = [&](const std::string& p) {
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
    };
    std::vector<std::string> dirs;
    if (cfg_.devices.empty()) dirs = cfg_.scan_dirs;
    for (const auto& d : cfg_.devices) {
      std::error_code ec;
      if (std::filesystem::is_directory(d, ec)) dirs.push_back(d);
      else if (listed_accepted(d)) add(normal_path(d));
    }
    if (!dirs.empty()) {
      scan_ = scan_block_devices(cfg_, dirs, default_scan_env());
      for (const auto& p : scan_->usable()) add(p);
    }
    // devices/filter and global_filter: a rejected device is not scanned;
    // one named on the command line is an error, as in lvm2.
    for (const auto& d : extra) {
      if (auto why = unusable_reason(d); !why.empty()) return failed(fmt::format("Cannot use {}: {}", d, why));
      const BlockDevice* b = scan_ ? scan_->find(d) : nullptr;
      add(b ? b->name : normal_path(d));
    }
    if (paths.empty() && !cfg_.devices.empty())
      return failed("No devices to scan: give --devices or set devices/devices in " + cfg_.system_dir + "/lvm.conf");
    const locking::LockPlan plan = locking::plan_locks(cl_.command, cl_.args, cl_.has("updatemetadata"));
    if (auto r = lock(plan, plan.vgs); !r) return r;
    // Test mode opens the devices read-only: nothing can be written.
    auto st = format::MetadataStore::scan(paths, writable && !test_mode());
    if (!st) return failed(st.error().message);
    store_ = std::make_unique<format::MetadataStore>(std::move(*st));
    std::vector<std::string> read_vgs = plan.vgs;
    if (plan.all_vgs) {
      // lvm2 reads every VG under the global lock, each under its own lock:
      // the names cannot change meanwhile (that needs the global lock).
      read_vgs.clear();
      for (const auto& [n, f] : store_->vgs()) read_vgs.push_back(n);
      if (auto r = lock(plan, read_vgs); !r) return r;
      if (store_->changed_since_scan())
        if (auto r = store_->rescan(); !r) return failed(r.error().message);
    }
    if (auto r = shared_lock_vgs(*this, plan, read_vgs); !r) return r;
    // What lvm2 prints while scanning, then while reading each VG.
    for (const auto& w : store_->diagnostics()) {
      if (w == format::RETRY_SCAN_NOTICE) say(w);  // lvm2 prints this one on stdout
      else warn(w);
    }
    for (const auto& n : read_vgs)
      if (const format::VgState* f = store_->find_vg(n))
        for (const auto& w : f->warnings) warn(w);
    if (cl_.has("verbose"))
      for (const auto& w : store_->notes()) warn(w);
    return {};
  }
  // Why lvm2 would refuse the device `path` named on the command line
  // ("device is rejected by filter config", "device not found", ...);
  // empty when it can be used. Call after open().
  std::string unusable_reason(const std::string& path) const {
    if (scan_)
      if (const BlockDevice* b = scan_->find(path)) return b->reason;
    std::error_code ec;
    const bool uri = path.find("://") != std::string::npos;  // an NBD export: no node to find
    if (!uri && !std::filesystem::exists(path, ec)) return "device not found";
    if (!listed_accepted(path)) return "device is rejected by filter config";
    return {};
  }
  // The name the scan knows a device named on the command line by (lvm2
  // calls a device by the name its filters accepted), else its absolute path.
  std::string scanned_name(const std::string& path) const {
    if (scan_)
      if (const BlockDevice* b = scan_->find(path)) return b->name;
    return normal_path(path);
  }
  format::MetadataStore& store() { return *store_; }
  // The VG names on the command line, or every VG the scan found.
  std::vector<std::string> vg_names_or_all() {
    std::vector<std::string> names = cl_.args;
    if (names.empty())
      for (const auto& [n, f] : store_->vgs()) names.push_back(n);
    return names;
  }
  const Config& config() const { return cfg_; }
  // A device of the devices/devices list or named on the command line
  // passes the filters (lvm2 does not filter a --devices list).
  bool listed_accepted(const std::string& d) const {
    return cfg_.devices_from_cli || (cfg_.accepts(d) && cfg_.accepts(normal_path(d)));
  }

  Outcome<VolumeGroup> vg(std::string_view name) {
    const format::VgState* f = store_->find_vg(name);
    if (!f) return failed(fmt::format("Volume group \"{}\" not found", name));
    return f->text.vg;
  }
  // The VG as the store holds it, without a copy; valid until the next
  // commit or rescan.
  Outcome<const VolumeGroup*> current_vg(std::string_view name) {
    const format::VgState* f = store_->find_vg(name);
    if (!f) return failed(fmt::format("Volume group \"{}\" not found", name));
    return &f->text.vg;
  }
  // PV name -> device path for the PVs of a VG that were found.
  std::map<std::string, std::string> pv_paths(std::string_view vg_name) {
    std::map<std::string, std::string> out;
    const format::VgState* f = store_->find_vg(vg_name);
    if (!f) return out;
    for (std::size_t i = 0; i < f->text.vg.pvs.size(); ++i)
      if (f->pv_index[i] != format::NO_PV) out[f->text.vg.pvs[i].name] = store_->pvs()[f->pv_index[i]].path;
    return out;
  }
  // The PVs of `vg` not found here flagged MISSING, as lvm2 writes a VG
  // from a command that handles missing PVs (repair, vgreduce): the store
  // writes no VG with a PV it cannot find otherwise.
  void flag_missing_pvs(VolumeGroup& vg) {
    const auto paths = pv_paths(vg.name);
    for (auto& pv : vg.pvs)
      if (!paths.contains(pv.name)) {
        pv.flags.add("MISSING");
        pv.device = "[unknown]";
      }
  }
  // lvm2's own VG and global locks (see lvm/locking), held until the command
  // ends, so ulvm and lvm2 commands on the same VG exclude each other.
  Outcome<void> lock(const locking::LockPlan& plan, const std::vector<std::string>& vgs) {
    if (!locks_) locks_ = std::make_unique<locking::FileLocks>(locking::locking_dir());
    if (auto r = locks_->lock_global(plan.global); !r) return failed(indented(r.error().message));
    for (const auto& vg : vgs)
      if (auto r = locks_->lock_vg(vg, plan.vg_mode); !r) return failed(indented(r.error().message));
    return {};
  }
  // lvm2 prints each line of a several-line error indented.
  static std::string indented(std::string m) {
    for (auto p = m.find('\n'); p != std::string::npos; p = m.find('\n', p + 3)) m.insert(p + 1, "  ");
    return m;
  }
  static std::string normal_path(std::string_view path) {
    if (path.find("://") != std::string_view::npos) return std::string(path);  // an NBD URI, kept as given
    std::error_code ec;
    auto p = std::filesystem::absolute(std::filesystem::path(path), ec);
    return ec ? std::string(path) : p.lexically_normal().string();
  }
  const format::PvState* device(std::string_view path) { return store_->device(normal_path(path)); }
  std::string pv_name_of_path(const VolumeGroup& vg, std::string_view path) {
    for (const auto& [name, p] : pv_paths(vg.name))
      if (p == normal_path(path)) return name;
    (void)vg;
    return {};
  }

  // Validates and writes `vg` as the next version (seqno + 1) to the PVs of
  // `vg`, archiving the previous version.
  // (A 1000-LV VG costs about a millisecond per copy: one copy is handed to
  // the store, and `previous` is only read.)
  Outcome<void> commit(const VolumeGroup& vg, const VolumeGroup& previous) { return commit_copy(vg, &previous); }
  Outcome<void> commit(const VolumeGroup& vg, std::nullopt_t) { return commit_copy(vg, nullptr); }
  Outcome<void> commit(const VolumeGroup& vg, const std::optional<VolumeGroup>& previous) {
    return commit_copy(vg, previous ? &*previous : nullptr);
  }
  Outcome<void> commit_copy(const VolumeGroup& original, const VolumeGroup* previous) {
    if (!locks_ || locks_->vg_mode(original.name) != locking::LockMode::exclusive)
      return failed(fmt::format("Internal error: VG {} is written without its lock.", original.name));
    if (test_mode()) {
      if (auto v = validate(original); !v) return failed(v.error().message);
      return {};
    }
    VolumeGroup vg = original;
    vg.seqno = previous ? previous->seqno + 1 : 1;
    if (auto r = shared_before_commit(*this, vg, previous); !r) return r;
    // write_vg validates the whole VG (lvmfmt's model checks) before writing.
    if (previous) archive(*previous);
    if (!cfg_.backup) {
      if (auto r = store_->write_vg(std::move(vg), cl_.text); !r) return failed(indented(r.error().message));
      shared_after_commit(*this, original, previous);
      return {};
    }
    if (auto r = store_->write_vg(vg, cl_.text); !r) return failed(indented(r.error().message));
    shared_after_commit(*this, original, previous);
    backup(vg);
    return {};
  }

  std::string backup_text(const VolumeGroup& vg, std::string_view why) {
    return format::export_vg_backup_text(vg, format::make_backup_header(why, std::time(nullptr)));
  }
  void archive(const VolumeGroup& old) {
    if (!cfg_.archive || test_mode()) return;
    std::error_code ec;
    std::filesystem::path dir = cfg_.archive_dir;
    std::filesystem::create_directories(dir, ec);
    if (ec) return;
    unsigned n = 0;
    for (auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().filename().string().starts_with(old.name + "_")) ++n;
    const std::string why = "Created *before* executing '" + cl_.text + "'";
    std::ofstream f(dir / fmt::format("{}_{:05}-{}.vg", old.name, n, std::time(nullptr)));
    // The backup the last commit left is this very version: its text with
    // the archive's header, instead of exporting the whole VG once more.
    if (cfg_.backup) {
      std::ifstream in(std::filesystem::path(cfg_.backup_dir) / old.name, std::ios::binary);
      std::string last((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (auto t = format::rehead_backup_text(last, old, format::make_backup_header(why, std::time(nullptr)))) {
        f << *t;
        return;
      }
    }
    f << backup_text(old, why);
  }
  void backup(const VolumeGroup& vg) {
    if (!cfg_.backup) return;
    std::error_code ec;
    std::filesystem::path dir = cfg_.backup_dir;
    std::filesystem::create_directories(dir, ec);
    if (ec) return;
    std::ofstream f(dir / vg.name);
    f << backup_text(vg, "Created *after* executing '" + cl_.text + "'");
  }

  // The driver, when one answers (never started by a query). All lvm code
  // reaches udmd through it.
  activate::Driver* driver(bool start) {
    if (!driver_tried_ || (start && !driver_)) {
      driver_tried_ = true;
      auto d = activate::Driver::connect(start);
      if (d) driver_ = std::move(*d);
    }
    return driver_.get();
  }

  Outcome<void> activate(const VolumeGroup& vg, const LogicalVolume& lv, const activate::ApplyOptions& opts = {}) {
    if (test_mode()) return {};
    if (auto r = shared_before_activate(*this, vg, lv); !r) return r;
    if (is_thin_lv(vg, lv)) return activate_thin_lv(*this, vg, lv);
    activate::Driver* d = driver(true);
    if (!d) return failed(fmt::format("Cannot activate {}/{}: udmd is not reachable", vg.name, lv.name));
    if (auto r = d->activate(vg, lv, pv_paths(vg.name), opts); !r) return failed(r.error().message);
    return {};
  }
  Outcome<void> deactivate(const VolumeGroup& vg, const LogicalVolume& lv) {
    if (test_mode()) return {};
    activate::Driver* d = driver(false);
    if (!d) return {};
    if (auto r = d->deactivate(vg, lv, pv_paths(vg.name)); !r) return failed(r.error().message);
    shared_after_deactivate(*this, vg, lv);
    return {};
  }
  bool is_active(const VolumeGroup& vg, const LogicalVolume& lv) { return device_state(vg, lv).active; }
  // Active and open state of the LV's device (both false without udmd).
  activate::DeviceState device_state(const VolumeGroup& vg, const LogicalVolume& lv) {
    activate::Driver* d = driver(false);
    if (!d) return {};
    auto st = is_thin_lv(vg, lv) ? thin_state(*d, vg, lv) : d->state(vg, lv);
    return st ? *st : activate::DeviceState{};
  }

 private:
  CommandLine cl_;
  CommandIo& io_;
  Config cfg_;
  std::unique_ptr<format::MetadataStore> store_;
  std::optional<DeviceScan> scan_;  // the /dev scan, when there was one
  bool config_checked_ = false;     // unknown settings warned about once
  std::unique_ptr<activate::Driver> driver_;
  bool driver_tried_ = false;
  std::unique_ptr<locking::FileLocks> locks_;
  std::shared_ptr<void> lease_hold_;
};


// "VG/LV", as lvm2's messages name an LV (its display_lvname).
inline std::string display_lvname(const VolumeGroup& vg, std::string_view lv) {
  return fmt::format("{}/{}", vg.name, lv);
}
// "vg/lv" or "/dev/vg/lv" -> {vg, lv}; "lv" with a default VG.
std::pair<std::string, std::string> split_lv_path(std::string_view s, std::string_view default_vg = {});
LogicalVolume new_lv(std::string name);
// The first free "lvolN<suffix>" name, as lvm2 names LVs it is given no name
// for ("lvol0") and the pool metadata spare ("lvol0_pmspare").
std::string free_lvol_name(const VolumeGroup& vg, std::string_view suffix = {});
// --addtag/--deltag on a tag list; true when it changed.
Outcome<bool> apply_tags(const Cmd& c, std::vector<std::string>& tags);
Outcome<bool> parse_activate(const std::string& v);
Outcome<void> set_activation(Cmd& c, VolumeGroup& vg, const LogicalVolume& lv, bool on);
// Adds a device (pvcreate'd first when it is not a PV yet) to a VG being built.
Outcome<void> add_new_pv(Cmd& c, VolumeGroup& vg, const std::string& path);
// Deactivates and drops an LV from `vg` (the caller commits).
Outcome<void> remove_lv(Cmd& c, VolumeGroup& vg, const std::string& lv_name);
// After a conversion dropped the sub-LVs `names` of `before` (images, logs)
// and LV `lvn` was reloaded without them: removes their devices.
Outcome<void> remove_sub_lv_devices(Cmd& c, const VolumeGroup& before, const std::vector<std::string>& names,
                                    const std::string& lvn);
// lvcreate/lvextend argument readers (lv_commands.cpp), shared with the thin
// and snapshot commands: -L/-l into extents, PV arguments, --alloc.
Outcome<extent_t> extents_from_args(Cmd& c, const VolumeGroup& vg, extent_t current, alloc::Sign* sign,
                                    const std::vector<std::string>& pv_names, bool resize);
Outcome<std::vector<std::string>> pv_names_of_args(Cmd& c, const VolumeGroup& vg, const std::vector<std::string>& paths);
Outcome<AllocationPolicy> policy_of(Cmd& c, const VolumeGroup& vg, const LogicalVolume* lv);
// Before removing an LV: refused while open ("Logical volume VG/LV in use."),
// asked about while active unless -f/-y; false when answered no.
Outcome<bool> confirm_lv_removal(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv);

enum class Resize { extend, reduce, any };

Outcome<void> cmd_pvcreate(Cmd& c);
Outcome<void> cmd_pvremove(Cmd& c);
Outcome<void> cmd_pvresize(Cmd& c);
Outcome<void> cmd_vgcreate(Cmd& c);
Outcome<void> cmd_vgextend(Cmd& c);
Outcome<void> cmd_vgreduce(Cmd& c);
Outcome<void> cmd_vgremove(Cmd& c);
Outcome<void> cmd_vgrename(Cmd& c);
Outcome<void> cmd_vgck(Cmd& c);
Outcome<void> cmd_vgcfgbackup(Cmd& c);
Outcome<void> cmd_vgcfgrestore(Cmd& c);
Outcome<void> cmd_vgchange(Cmd& c);
Outcome<void> cmd_lvcreate(Cmd& c);
Outcome<void> cmd_lvresize(Cmd& c, Resize mode);
Outcome<void> cmd_lvremove(Cmd& c);
Outcome<void> cmd_lvrename(Cmd& c);
Outcome<void> cmd_lvchange(Cmd& c);
Outcome<void> cmd_report(Cmd& c, report::ReportType type);
// pvdisplay ('p'), vgdisplay ('v'), lvdisplay ('l').
Outcome<void> cmd_display(Cmd& c, char what);
// scan_commands.cpp: the listing commands.
Outcome<void> cmd_lvscan(Cmd& c);
Outcome<void> cmd_vgscan(Cmd& c);
Outcome<void> cmd_pvscan(Cmd& c);
Outcome<void> cmd_segtypes(Cmd& c);
Outcome<void> cmd_formats(Cmd& c);
Outcome<void> cmd_tags(Cmd& c);
Outcome<void> cmd_lvmdiskscan(Cmd& c);
Outcome<void> cmd_version(Cmd& c);
Outcome<void> cmd_pvck(Cmd& c);
// lvmconfig_command.cpp: lvmconfig, dumpconfig, config.
Outcome<void> cmd_lvmconfig(Cmd& c);
// vgmap_command.cpp: the VG's extent map (udm's own command).
Outcome<void> cmd_vgmap(Cmd& c);

}  // namespace udm::lvm::api::detail

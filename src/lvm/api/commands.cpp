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

#include "lvm/activate/activate.hpp"
#include "lvm/activate/dm_names.hpp"
#include "lvm/alloc/alloc.hpp"
#include "lvm/alloc/sizes.hpp"
#include "lvm/api/cmdline.hpp"
#include "lvm/api/config.hpp"
#include "lvm/format/mda_text.hpp"
#include "lvm/format/store.hpp"
#include "lvm/report/display.hpp"
#include "lvm/report/report.hpp"
#include "udm/client.hpp"

namespace udm::lvm::api {
namespace {

// A command failed: exit code plus the message to print.
struct Failure {
  int code = EXIT_FAILED;
  std::string message;
};
template <class T>
using Outcome = std::expected<T, Failure>;
std::unexpected<Failure> failed(std::string m, int code = EXIT_FAILED) {
  return std::unexpected<Failure>(Failure{code, std::move(m)});
}

std::string nodename() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return u.nodename;
}

class Cmd {
 public:
  Cmd(CommandLine cl, CommandIo& io) : cl_(std::move(cl)), io_(io) {}
  ~Cmd() {
    if (io_.process_exits_after) (void)store_.release();  // see CommandIo
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }
  Cmd(const Cmd&) = delete;
  Cmd& operator=(const Cmd&) = delete;

  void say(const std::string& s) { io_.out += "  " + s + "\n"; }
  void warn(const std::string& s) { io_.err += "  " + s + "\n"; }
  void say_raw(const std::string& s) { io_.out += s; }
  auto* records() { return io_.records; }
  const CommandLine& cl() const { return cl_; }

  // Scans the configured devices plus `extra` (devices named on the command
  // line of pvcreate, vgcreate, ...). Paths are made absolute so that
  // "pv0.img" and "/srv/pv0.img" name the same device.
  Outcome<void> open(bool writable, const std::vector<std::string>& extra = {}) {
    auto cfg = load_config(cl_.all("devices"));
    if (!cfg) return failed(cfg.error().message);
    cfg_ = *cfg;
    std::vector<std::string> paths;
    for (const auto& d : cfg_.devices) paths.push_back(normal_path(d));
    for (const auto& d : extra)
      if (std::find(paths.begin(), paths.end(), normal_path(d)) == paths.end()) paths.push_back(normal_path(d));
    if (paths.empty())
      return failed("No devices to scan: give --devices or set devices in " + cfg_.confdir + "/lvm.conf");
    if (auto r = lock(writable); !r) return r;
    auto st = format::MetadataStore::scan(paths, writable);
    if (!st) return failed(st.error().message);
    store_ = std::make_unique<format::MetadataStore>(std::move(*st));
    if (cl_.has("verbose"))
      for (const auto& w : store_->warnings()) warn(w);
    return {};
  }
  format::MetadataStore& store() { return *store_; }
  const Config& config() const { return cfg_; }

  Outcome<VolumeGroup> vg(std::string_view name) {
    const format::VgState* f = store_->find_vg(name);
    if (!f) return failed(fmt::format("Volume group \"{}\" not found", name));
    return f->text.vg;
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
  // Commands that write hold an exclusive lock for their whole run, readers a
  // shared one (lvm's VG locks, simplified to one lock): two lvcreate at once
  // would otherwise both commit seqno + 1. $UDM_LVM_LOCKDIR, else
  // /run/lock/udm-lvm, else the temp directory.
  Outcome<void> lock(bool exclusive) {
    std::vector<std::string> dirs;
    if (const char* d = std::getenv("UDM_LVM_LOCKDIR"); d && *d) dirs.push_back(d);
    dirs.push_back("/run/lock/udm-lvm");
    dirs.push_back((std::filesystem::temp_directory_path() / ("udm-lvm-lock-" + std::to_string(::getuid()))).string());
    for (const auto& d : dirs) {
      std::error_code ec;
      std::filesystem::create_directories(d, ec);
      int fd = ::open((d + "/global").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0) continue;
      while (::flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
        if (errno != EINTR) {
          ::close(fd);
          return failed(fmt::format("Failed to lock {}/global: {}", d, std::strerror(errno)));
        }
      }
      lock_fd_ = fd;
      return {};
    }
    return failed("Failed to create a lock file (set UDM_LVM_LOCKDIR)");
  }
  static std::string normal_path(std::string_view path) {
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
  Outcome<void> commit(VolumeGroup vg, const std::optional<VolumeGroup>& previous) {
    vg.seqno = previous ? previous->seqno + 1 : 1;
    // write_vg validates the whole VG (lvmfmt's model checks) before writing.
    if (previous) archive(*previous);
    if (auto r = store_->write_vg(vg, cl_.text); !r) return failed(r.error().message);
    backup(vg);
    return {};
  }

  std::string backup_text(const VolumeGroup& vg, std::string_view why) {
    return format::export_vg_backup_text(vg, format::make_backup_header(why, std::time(nullptr)));
  }
  void archive(const VolumeGroup& old) {
    if (!cfg_.archive) return;
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::path(cfg_.confdir) / "archive";
    std::filesystem::create_directories(dir, ec);
    if (ec) return;
    unsigned n = 0;
    for (auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().filename().string().starts_with(old.name + "_")) ++n;
    std::ofstream f(dir / fmt::format("{}_{:05}-{}.vg", old.name, n, std::time(nullptr)));
    f << backup_text(old, "Created *before* executing '" + cl_.text + "'");
  }
  void backup(const VolumeGroup& vg) {
    if (!cfg_.backup) return;
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::path(cfg_.confdir) / "backup";
    std::filesystem::create_directories(dir, ec);
    if (ec) return;
    std::ofstream f(dir / vg.name);
    f << backup_text(vg, "Created *after* executing '" + cl_.text + "'");
  }

  // The driver, when one answers (never started by a query).
  client::Client* driver(bool start) {
    if (!driver_tried_ || (start && !driver_)) {
      driver_tried_ = true;
      client::ConnectOptions o;
      o.autostart = start;
      auto c = client::Client::connect(o);
      if (c) driver_ = std::move(*c);
    }
    return driver_.get();
  }

  Outcome<void> activate(const VolumeGroup& vg, const LogicalVolume& lv) {
    client::Client* c = driver(true);
    if (!c) return failed(fmt::format("Cannot activate {}/{}: udmd is not reachable", vg.name, lv.name));
    if (auto r = activate::activate_lv(*c, vg, lv, pv_paths(vg.name)); !r) return failed(r.error().message);
    return {};
  }
  Outcome<void> deactivate(const VolumeGroup& vg, const LogicalVolume& lv) {
    client::Client* c = driver(false);
    if (!c) return {};
    if (auto r = activate::deactivate_lv(*c, vg, lv); !r) return failed(r.error().message);
    return {};
  }
  bool is_active(const VolumeGroup& vg, const LogicalVolume& lv) {
    client::Client* c = driver(false);
    if (!c) return false;
    client::Task t(*c, client::TaskType::info);
    t.set_uuid(dm_device_uuid(vg.id, lv.id));
    return t.run() && t.info().exists;
  }

 private:
  CommandLine cl_;
  CommandIo& io_;
  Config cfg_;
  std::unique_ptr<format::MetadataStore> store_;
  std::unique_ptr<client::Client> driver_;
  bool driver_tried_ = false;
  int lock_fd_ = -1;
};

// "vg/lv" or "/dev/vg/lv" -> {vg, lv}; "lv" with a default VG.
std::pair<std::string, std::string> split_lv_path(std::string_view s, std::string_view default_vg = {}) {
  if (s.starts_with("/dev/")) s.remove_prefix(5);
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return {std::string(default_vg), std::string(s)};
  return {std::string(s.substr(0, slash)), std::string(s.substr(slash + 1))};
}

LogicalVolume new_lv(std::string name) {
  LogicalVolume lv;
  lv.name = std::move(name);
  lv.id = generate_id();
  lv.creation_time = std::time(nullptr);
  lv.creation_host = nodename();
  return lv;
}

// --addtag/--deltag on a tag list; true when it changed. Tags use lvm's
// characters: [A-Za-z0-9_+.-/=!:#&], at most 1024 of them.
Outcome<bool> apply_tags(const Cmd& c, std::vector<std::string>& tags) {
  bool changed = false;
  for (const auto& t : c.cl().all("addtag")) {
    if (t.empty() || t.size() > 1024 ||
        t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+.-/=!:#&") != std::string::npos)
      return failed(fmt::format("Tag must consist of only [A-Za-z0-9_+.-/=!:#&] and be at most 1024 characters: {}", t),
                    EXIT_INVALID);
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) {
      tags.push_back(t);
      changed = true;
    }
  }
  for (const auto& t : c.cl().all("deltag")) changed = std::erase(tags, t) > 0 || changed;
  return changed;
}

// ---------------------------------------------------------------- PV commands

Outcome<void> add_new_pv(Cmd& c, VolumeGroup& vg, const std::string& path) {
  const format::PvState* d = c.device(path);
  if (!d) return failed(fmt::format("No device found for {}.", path));
  if (d->is_pv && d->vg_id) {
    std::string owner;
    for (const auto& [n, f] : c.store().vgs())
      if (f.text.vg.id == *d->vg_id) owner = n;
    if (!owner.empty()) return failed(fmt::format("Physical volume '{}' is already in volume group '{}'", path, owner));
  }
  if (!d->is_pv) {
    if (auto r = c.store().create_pv(Cmd::normal_path(path)); !r) return failed(r.error().message);
    c.say(fmt::format("Physical volume \"{}\" successfully created.", path));
    d = c.device(path);
  }
  for (const auto& pv : vg.pvs)
    if (pv.id == d->label.pv_id) return failed(fmt::format("Physical volume '{}' is already in volume group '{}'", path, vg.name));
  PhysicalVolume pv;
  pv.name = vg.next_pv_name();
  pv.id = d->label.pv_id;
  pv.device = Cmd::normal_path(path);
  pv.dev_size = d->dev->size() / SECTOR_SIZE;
  pv.pe_start = bytes_to_sectors(format::data_area(d->label).start);
  pv.pe_count = format::usable_extents(d->label, vg.extent_bytes());
  if (pv.pe_count == 0)
    return failed(fmt::format("Physical volume {} is too small for extent size {}", path,
                              alloc::message_size(vg.extent_size)));
  vg.pvs.push_back(std::move(pv));
  return {};
}

Outcome<void> cmd_pvcreate(Cmd& c) {
  if (c.cl().args.empty()) return failed("Please enter a physical volume path.", EXIT_INVALID);
  if (auto r = c.open(true, c.cl().args); !r) return r;
  for (const auto& path : c.cl().args) {
    const format::PvState* d = c.device(path);
    if (!d) return failed(fmt::format("No device found for {}.", path));
    if (d->is_pv && d->vg_id) {
      for (const auto& [n, f] : c.store().vgs())
        if (f.text.vg.id == *d->vg_id)
          return failed(fmt::format("Can't initialize physical volume \"{}\" of volume group \"{}\" without -ff", path, n));
    }
    format::PvCreateOptions opts;
    if (auto u = c.cl().get("uuid")) {
      auto p = parse_id(*u);
      if (!p) return failed(p.error().message, EXIT_INVALID);
      opts.id = *p;
    }
    if (auto m = c.cl().get("pvmetadatacopies")) {
      if (*m != "0" && *m != "1" && *m != "2") return failed("Invalid argument for --pvmetadatacopies: " + *m, EXIT_INVALID);
      opts.metadata_copies = static_cast<unsigned>(std::stoul(*m));
    }
    if (auto r = c.store().create_pv(Cmd::normal_path(path), opts); !r) return failed(r.error().message);
    c.say(fmt::format("Physical volume \"{}\" successfully created.", path));
  }
  return {};
}

Outcome<void> cmd_pvresize(Cmd& c) {
  if (c.cl().args.empty()) return failed("Please supply physical volume(s)", EXIT_INVALID);
  std::optional<sector_t> wanted;
  if (auto s = c.cl().get("setphysicalvolumesize")) {
    auto sz = alloc::parse_size(*s);
    if (!sz || sz->sign != alloc::Sign::none) return failed("Invalid argument for --setphysicalvolumesize: " + *s, EXIT_INVALID);
    wanted = sz->sectors;
  }
  if (auto r = c.open(true, c.cl().args); !r) return r;
  unsigned done = 0;
  for (const auto& path : c.cl().args) {
    const format::PvState* d = c.device(path);
    if (!d || !d->is_pv) return failed(fmt::format("Failed to find physical volume \"{}\".", path));
    const format::VgState* owner = nullptr;
    for (const auto& [n, f] : c.store().vgs())
      for (const auto& pv : f.text.vg.pvs)
        if (pv.id == d->label.pv_id) owner = &f;
    if (!owner) return failed(fmt::format("{}: pvresize of a PV without a VG is not supported by ulvm.", path));
    VolumeGroup vg = owner->text.vg;
    PhysicalVolume* pv = nullptr;
    for (auto& p : vg.pvs)
      if (p.id == d->label.pv_id) pv = &p;
    // The store keeps PVs inside the data area its label records (the size at
    // pvcreate); growing past it would need a new pv_header.
    sector_t dev = std::min<sector_t>(d->dev->size() / SECTOR_SIZE, bytes_to_sectors(format::data_area(d->label).end));
    sector_t size = wanted.value_or(dev);
    if (size > dev)
      return failed(fmt::format("{}: requested size {} exceeds real size {}.", path, alloc::message_size(size),
                                alloc::message_size(dev)));
    if (size <= pv->pe_start) return failed(fmt::format("{}: size must exceed the data area start", path));
    extent_t count = (size - pv->pe_start) / vg.extent_size;
    extent_t used_end = 0;
    for (const auto& u : pv_extent_map(vg))
      if (u.pv_name == pv->name) used_end = std::max(used_end, u.pe_start + u.pe_count);
    if (count < used_end)
      return failed(fmt::format("{}: cannot resize to {} extents as later ones are allocated.", path, count));
    pv->dev_size = size;
    pv->pe_count = count;
    if (auto r = c.commit(vg, owner->text.vg); !r) return r;
    c.say(fmt::format("Physical volume \"{}\" changed", path));
    ++done;
  }
  c.say(fmt::format("{} physical volume(s) resized or updated / 0 physical volume(s) not resized", done));
  return {};
}

Outcome<void> cmd_pvremove(Cmd& c) {
  if (c.cl().args.empty()) return failed("Please enter a physical volume path", EXIT_INVALID);
  if (auto r = c.open(true, c.cl().args); !r) return r;
  for (const auto& path : c.cl().args) {
    const format::PvState* d = c.device(path);
    if (!d || !d->is_pv) return failed(fmt::format("No PV found on device {}.", path));
    if (d->vg_id)
      for (const auto& [n, f] : c.store().vgs())
        if (f.text.vg.id == *d->vg_id)
          return failed(fmt::format("PV {} is used by VG {} so please use vgreduce first.", path, n));
    if (auto r = c.store().wipe_label(Cmd::normal_path(path)); !r) return failed(r.error().message);
    c.say(fmt::format("Labels on physical volume \"{}\" successfully wiped.", path));
  }
  return {};
}

// ---------------------------------------------------------------- VG commands

Outcome<void> cmd_vgcreate(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please provide volume group name and physical volumes", EXIT_INVALID);
  if (a.size() < 2) return failed("Please enter physical volume name(s)", EXIT_INVALID);
  if (auto r = check_vg_name(a[0]); !r) return failed(r.error().message, EXIT_INVALID);
  VolumeGroup vg;
  vg.name = a[0];
  vg.id = generate_id();
  if (auto s = c.cl().get("physicalextentsize")) {
    auto sz = alloc::parse_size(*s, 'm');
    if (!sz || sz->sign != alloc::Sign::none) return failed(fmt::format("Invalid argument for --physicalextentsize: {}", *s), EXIT_INVALID);
    if (auto r = alloc::check_extent_size(sz->sectors); !r) return failed(r.error().message, EXIT_INVALID);
    vg.extent_size = sz->sectors;
  }
  if (auto p = c.cl().get("alloc")) {
    auto pol = parse_allocation_policy(*p);
    if (!pol || *pol == AllocationPolicy::inherit) return failed(fmt::format("Invalid argument for --alloc: {}", *p), EXIT_INVALID);
    if (*pol != AllocationPolicy::normal) vg.allocation_policy = pol;
  }
  if (auto t = apply_tags(c, vg.tags); !t) return std::unexpected(t.error());
  if (auto r = c.open(true, std::vector<std::string>(a.begin() + 1, a.end())); !r) return r;
  if (c.store().find_vg(vg.name)) return failed(fmt::format("A volume group called {} already exists.", vg.name));
  std::vector<std::string> paths(a.begin() + 1, a.end());
  for (const auto& p : paths)
    if (auto r = add_new_pv(c, vg, p); !r) return r;
  if (auto r = c.commit(vg, std::nullopt); !r) return r;
  c.say(fmt::format("Volume group \"{}\" successfully created", vg.name));
  return {};
}

Outcome<void> cmd_vgextend(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.size() < 2) return failed("Please enter volume group name and physical volume(s)", EXIT_INVALID);
  if (auto r = c.open(true, std::vector<std::string>(a.begin() + 1, a.end())); !r) return r;
  auto old = c.vg(a[0]);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  std::vector<std::string> paths(a.begin() + 1, a.end());
  for (const auto& p : paths)
    if (auto r = add_new_pv(c, vg, p); !r) return r;
  if (auto r = c.commit(vg, *old); !r) return r;
  c.say(fmt::format("Volume group \"{}\" successfully extended", vg.name));
  return {};
}

Outcome<void> cmd_vgreduce(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.size() < 2) return failed("Please enter volume group name and physical volume paths", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(a[0]);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  std::vector<std::string> removed;
  for (std::size_t i = 1; i < a.size(); ++i) {
    std::string name = c.pv_name_of_path(vg, a[i]);
    if (name.empty()) return failed(fmt::format("Physical Volume \"{}\" not found in Volume Group \"{}\".", a[i], vg.name));
    for (const auto& u : pv_extent_map(vg))
      if (u.pv_name == name) return failed(fmt::format("Physical volume \"{}\" still in use", a[i]));
    if (vg.pvs.size() == 1) return failed(fmt::format("Can't remove final physical volume \"{}\" from volume group \"{}\"", a[i], vg.name));
    std::erase_if(vg.pvs, [&](const PhysicalVolume& p) { return p.name == name; });
    removed.push_back(a[i]);
  }
  if (auto r = c.commit(vg, *old); !r) return r;
  for (const auto& p : removed) {
    if (auto r = c.store().clear_metadata(Cmd::normal_path(p)); !r) return failed(r.error().message);
    if (auto r = c.store().set_pv_in_use(Cmd::normal_path(p), false); !r) return failed(r.error().message);
    c.say(fmt::format("Removed \"{}\" from volume group \"{}\"", p, vg.name));
  }
  return {};
}

Outcome<void> remove_lv(Cmd& c, VolumeGroup& vg, const std::string& lv_name);

Outcome<void> cmd_vgremove(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please enter one or more volume group paths", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  for (const auto& name : a) {
    auto old = c.vg(name);
    if (!old) return std::unexpected(old.error());
    VolumeGroup vg = *old;
    if (!vg.lvs.empty() && !c.cl().has("force"))
      return failed(fmt::format("Volume group \"{}\" still contains {} logical volume(s): use -f to remove them", name,
                                vg.lvs.size()));
    for (const auto& lv : vg.lvs)
      if (auto r = c.deactivate(vg, lv); !r) return r;
    auto paths = c.pv_paths(name);
    for (const auto& lv : vg.lvs) c.say(fmt::format("Logical volume \"{}\" successfully removed.", lv.name));
    c.archive(vg);
    for (const auto& [pvn, p] : paths) {
      if (auto r = c.store().clear_metadata(Cmd::normal_path(p)); !r) return failed(r.error().message);
      if (auto r = c.store().set_pv_in_use(Cmd::normal_path(p), false); !r) return failed(r.error().message);
    }
    c.say(fmt::format("Volume group \"{}\" successfully removed", name));
  }
  return {};
}

Outcome<void> cmd_vgrename(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.size() != 2) return failed("Old and new volume group names need specifying", EXIT_INVALID);
  if (auto r = check_vg_name(a[1]); !r) return failed(r.error().message, EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(a[0]);
  if (!old) return std::unexpected(old.error());
  if (c.store().find_vg(a[1])) return failed(fmt::format("New volume group \"{}\" already exists", a[1]));
  VolumeGroup vg = *old;
  vg.name = a[1];
  if (auto r = c.commit(vg, *old); !r) return r;
  c.say(fmt::format("Volume group \"{}\" successfully renamed to \"{}\"", a[0], a[1]));
  return {};
}

Outcome<void> cmd_vgck(Cmd& c) {
  if (auto r = c.open(false); !r) return r;
  std::vector<std::string> names = c.cl().args;
  if (names.empty())
    for (const auto& [n, f] : c.store().vgs()) names.push_back(n);
  for (const auto& n : names) {
    const format::VgState* f = c.store().find_vg(n);
    if (!f) return failed(fmt::format("Volume group \"{}\" not found", n));
    for (const auto& w : f->warnings) c.warn(w);
    for (std::size_t i = 0; i < f->pv_index.size(); ++i)
      if (f->pv_index[i] == format::NO_PV)
        c.warn(fmt::format("WARNING: Couldn't find device with uuid {}.", format_id(f->text.vg.pvs[i].id)));
    if (auto v = validate(f->text.vg); !v) return failed(v.error().message);
  }
  return {};
}

Outcome<void> cmd_vgcfgbackup(Cmd& c) {
  if (auto r = c.open(false); !r) return r;
  std::vector<std::string> names = c.cl().args;
  if (names.empty())
    for (const auto& [n, f] : c.store().vgs()) names.push_back(n);
  for (const auto& n : names) {
    auto vg = c.vg(n);
    if (!vg) return std::unexpected(vg.error());
    std::string file = c.cl().get("file").value_or(c.config().confdir + "/backup/" + n);
    if (names.size() > 1 && c.cl().has("file")) {
      // lvm expands %s in the file name to the VG name.
      if (auto p = file.find("%s"); p != std::string::npos) file.replace(p, 2, n);
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
    std::ofstream f(file);
    if (!f) return failed(fmt::format("Failed to write backup file {}", file));
    f << c.backup_text(*vg, "Created *after* executing '" + c.cl().text + "'");
    if (!f) return failed(fmt::format("Failed to write backup file {}", file));
    c.say(fmt::format("Volume group \"{}\" successfully backed up.", n));
  }
  return {};
}

Outcome<void> cmd_vgcfgrestore(Cmd& c) {
  const auto& a = c.cl().args;
  if (auto r = c.open(true); !r) return r;
  if (c.cl().has("list")) {
    std::string name = a.empty() ? "" : a[0];
    std::error_code ec;
    std::vector<std::string> files;
    for (auto& e : std::filesystem::directory_iterator(c.config().confdir + "/archive", ec))
      if (e.path().filename().string().starts_with(name + "_")) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) c.say("File:\t\t" + f);
    return {};
  }
  if (a.size() != 1) return failed("Please specify a *single* volume group to restore.", EXIT_INVALID);
  std::string file = c.cl().get("file").value_or(c.config().confdir + "/backup/" + a[0]);
  std::ifstream f(file);
  if (!f) return failed(fmt::format("Couldn't read backup file {}", file));
  std::stringstream ss;
  ss << f.rdbuf();
  auto text = format::import_vg_text(ss.str());
  if (!text) return failed(fmt::format("Couldn't read volume group metadata from file {}: {}", file, text.error().message));
  VolumeGroup vg = text->vg;
  vg.name = a[0];
  // PVs by id among the scanned devices.
  std::vector<std::string> paths;
  for (auto& pv : vg.pvs) {
    std::string path;
    for (const auto& s : c.store().pvs())
      if (s.is_pv && s.label.pv_id == pv.id) path = s.path;
    if (path.empty()) return failed(fmt::format("Couldn't find device with uuid {}.", format_id(pv.id)));
    paths.push_back(path);
  }
  std::optional<VolumeGroup> previous;
  if (const format::VgState* cur = c.store().find_vg(a[0])) previous = cur->text.vg;
  std::uint64_t seq = std::max(previous ? previous->seqno : 0, vg.seqno);
  VolumeGroup base = vg;
  base.seqno = seq;
  if (auto r = c.commit(vg, base); !r) return r;
  c.say(fmt::format("Restored volume group {}.", vg.name));
  return {};
}

Outcome<void> set_activation(Cmd& c, VolumeGroup& vg, const LogicalVolume& lv, bool on) {
  if (on) return c.activate(vg, lv);
  return c.deactivate(vg, lv);
}

Outcome<bool> parse_activate(const std::string& v) {
  if (v == "y" || v == "ay" || v == "ey" || v == "ly" || v == "sy") return true;
  if (v == "n" || v == "en" || v == "ln" || v == "sn") return false;
  return failed(fmt::format("Invalid argument for --activate: {}", v), EXIT_INVALID);
}

Outcome<void> cmd_vgchange(Cmd& c) {
  auto act = c.cl().get("activate");
  if (!act && (c.cl().has("addtag") || c.cl().has("deltag"))) {
    if (auto r = c.open(true); !r) return r;
    std::vector<std::string> names = c.cl().args;
    if (names.empty())
      for (const auto& [n, f] : c.store().vgs()) names.push_back(n);
    for (const auto& n : names) {
      auto old = c.vg(n);
      if (!old) return std::unexpected(old.error());
      VolumeGroup vg = *old;
      auto changed = apply_tags(c, vg.tags);
      if (!changed) return std::unexpected(changed.error());
      if (*changed)
        if (auto r = c.commit(vg, *old); !r) return r;
      c.say(fmt::format("Volume group \"{}\" successfully changed", n));
    }
    return {};
  }
  if (!act) return failed("Need one or more command options.", EXIT_INVALID);
  auto on = parse_activate(*act);
  if (!on) return std::unexpected(on.error());
  if (auto r = c.open(false); !r) return r;
  std::vector<std::string> names = c.cl().args;
  if (names.empty())
    for (const auto& [n, f] : c.store().vgs()) names.push_back(n);
  for (const auto& n : names) {
    auto vg = c.vg(n);
    if (!vg) return std::unexpected(vg.error());
    unsigned active = 0;
    for (const auto& lv : vg->lvs) {
      if (!lv.visible()) continue;
      if (*on && lv.flags.has("ACTIVATION_SKIP") && !c.cl().has("ignoreactivationskip")) continue;
      if (auto r = set_activation(c, *vg, lv, *on); !r) return r;
      if (*on) ++active;
    }
    c.say(fmt::format("{} logical volume(s) in volume group \"{}\" now active", active, n));
  }
  return {};
}

Outcome<void> lvchange_metadata(Cmd& c) {
  if (c.cl().args.empty()) return failed("Please give logical volume path(s).", EXIT_INVALID);
  auto perm = c.cl().get("permission");
  if (perm && *perm != "r" && *perm != "rw") return failed("Invalid argument for --permission: " + *perm, EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  for (const auto& a : c.cl().args) {
    auto [vgn, lvn] = split_lv_path(a);
    auto old = c.vg(vgn);
    if (!old) return std::unexpected(old.error());
    VolumeGroup vg = *old;
    LogicalVolume* lv = vg.find_lv(lvn);
    if (!lv) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn));
    auto changed = apply_tags(c, lv->tags);
    if (!changed) return std::unexpected(changed.error());
    bool perm_changed = false;
    if (perm) {
      bool writable = lv->status.has("WRITE");
      if ((*perm == "rw") == writable) {
        c.warn(fmt::format("Logical volume {}/{} is already {}.", vgn, lvn, writable ? "writable" : "read-only"));
        if (!*changed && !c.cl().has("addtag") && !c.cl().has("deltag")) return std::unexpected(Failure{EXIT_FAILED, ""});
      } else {
        if (*perm == "rw") lv->status.add("WRITE");
        else lv->status.remove("WRITE");
        perm_changed = true;
      }
    }
    if (*changed || perm_changed) {
      if (auto r = c.commit(vg, *old); !r) return r;
      const LogicalVolume* now = vg.find_lv(lvn);
      if (perm_changed && c.is_active(vg, *now))
        if (auto r = c.activate(vg, *now); !r) return r;  // reload with the new access mode
    }
    c.say(fmt::format("Logical volume {}/{} changed.", vgn, lvn));
  }
  return {};
}

Outcome<void> cmd_lvchange(Cmd& c) {
  auto act = c.cl().get("activate");
  if (!act && (c.cl().has("addtag") || c.cl().has("deltag") || c.cl().has("permission"))) return lvchange_metadata(c);
  if (!act) return failed("Need one or more command options.", EXIT_INVALID);
  auto on = parse_activate(*act);
  if (!on) return std::unexpected(on.error());
  if (c.cl().args.empty()) return failed("Please give logical volume path(s).", EXIT_INVALID);
  if (auto r = c.open(false); !r) return r;
  for (const auto& a : c.cl().args) {
    auto [vgn, lvn] = split_lv_path(a);
    auto vg = c.vg(vgn);
    if (!vg) return std::unexpected(vg.error());
    std::vector<const LogicalVolume*> lvs;
    if (lvn.empty()) {
      for (const auto& lv : vg->lvs) lvs.push_back(&lv);
    } else if (const LogicalVolume* lv = vg->find_lv(lvn)) {
      lvs.push_back(lv);
    } else {
      return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn));
    }
    for (const auto* lv : lvs)
      if (auto r = set_activation(c, *vg, *lv, *on); !r) return r;
  }
  return {};
}

// ---------------------------------------------------------------- LV commands

Outcome<extent_t> extents_from_args(Cmd& c, const VolumeGroup& vg, extent_t current, alloc::Sign* sign,
                                    const std::vector<std::string>& pv_names, bool resize) {
  auto L = c.cl().get("size");
  auto l = c.cl().get("extents");
  if (L && l) return failed("Please specify either size or extents (not both).", EXIT_INVALID);
  if (!L && !l) return failed("Please specify either size or extents.", EXIT_INVALID);
  if (L) {
    auto s = alloc::parse_size(*L);
    if (!s) return failed(fmt::format("Invalid argument for --size: {}", *L), EXIT_INVALID);
    *sign = s->sign;
    if (s->sectors == 0 && !resize) return failed("--size may not be zero.", EXIT_INVALID);
    std::string note;
    extent_t e = alloc::round_to_extents(s->sectors, vg.extent_size, &note);
    if (!note.empty()) {
      if (resize && s->sign == alloc::Sign::none)
        c.say(fmt::format("Rounding size to boundary between physical extents: {}.",
                          alloc::message_size(e * vg.extent_size)));
      else
        c.say(note);
    }
    return e;
  }
  auto e = alloc::parse_extents(*l);
  if (!e) return failed(e.error().message, EXIT_INVALID);
  *sign = e->sign;
  if (e->percent == alloc::Percent::none) return e->value;
  if (e->percent == alloc::Percent::origin) return failed("--extents with %ORIGIN needs a snapshot", EXIT_INVALID);
  extent_t n = alloc::percent_extents(vg, e->percent, e->value, pv_names);
  (void)current;
  return n;
}

Outcome<std::vector<std::string>> pv_names_of_args(Cmd& c, const VolumeGroup& vg, const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::string n = c.pv_name_of_path(vg, p);
    if (n.empty()) return failed(fmt::format("Physical Volume \"{}\" not found in Volume Group \"{}\".", p, vg.name));
    out.push_back(n);
  }
  return out;
}

Outcome<AllocationPolicy> policy_of(Cmd& c, const VolumeGroup& vg, const LogicalVolume* lv) {
  if (auto p = c.cl().get("alloc")) {
    auto pol = parse_allocation_policy(*p);
    if (!pol) return failed(fmt::format("Invalid argument for --alloc: {}", *p), EXIT_INVALID);
    if (*pol != AllocationPolicy::inherit) return *pol;
  }
  if (auto cont = c.cl().get("contiguous"); cont && (*cont == "y" || *cont == "yes")) return AllocationPolicy::contiguous;
  if (lv && lv->allocation_policy && *lv->allocation_policy != AllocationPolicy::inherit) return *lv->allocation_policy;
  return vg.allocation_policy.value_or(AllocationPolicy::normal);
}

Outcome<void> cmd_lvcreate(Cmd& c) {
  const auto& a = c.cl().args;
  for (auto refused : {"snapshot", "thin", "mirrors", "virtualsize"})
    if (c.cl().has(refused)) return failed(fmt::format("lvcreate --{} is not supported by ulvm yet.", refused));
  if (a.empty()) return failed("Please specify a volume group name.", EXIT_INVALID);
  auto [vgn, lvn_from_path] = split_lv_path(a[0]);
  if (vgn.empty()) {
    vgn = a[0];
    lvn_from_path.clear();
  }
  std::string type = c.cl().get("type").value_or("");
  unsigned stripes = 1;
  if (auto i = c.cl().get("stripes")) {
    try {
      stripes = static_cast<unsigned>(std::stoul(*i));
    } catch (...) {
      return failed(fmt::format("Invalid argument for --stripes: {}", *i), EXIT_INVALID);
    }
    if (stripes < 1 || stripes > 128) return failed(fmt::format("Number of stripes ({}) must be between 1 and 128", stripes), EXIT_INVALID);
  }
  if (type.empty()) type = stripes > 1 ? "striped" : "linear";
  if (type != "linear" && type != "striped" && type != "zero" && type != "error")
    return failed(fmt::format("lvcreate --type {} is not supported by ulvm.", type));
  if (type == "linear" && stripes > 1) return failed("--stripes not allowed with --type linear", EXIT_INVALID);
  std::string name = c.cl().get("name").value_or(lvn_from_path);
  if (!name.empty())
    if (auto r = check_new_lv_name(name); !r)
      return failed(fmt::format("Logical volume name \"{}\" is invalid.", name), EXIT_INVALID);
  bool activate_it = true;
  if (auto act = c.cl().get("activate")) {
    auto on = parse_activate(*act);
    if (!on) return std::unexpected(on.error());
    activate_it = *on;
  }
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  if (name.empty()) {
    for (unsigned n = 0;; ++n) {
      name = fmt::format("lvol{}", n);
      if (!vg.find_lv(name)) break;
    }
  }
  if (vg.find_lv(name)) return failed(fmt::format("Logical Volume \"{}\" already exists in volume group \"{}\"", name, vg.name));
  auto pvn = pv_names_of_args(c, vg, std::vector<std::string>(a.begin() + 1, a.end()));
  if (!pvn) return std::unexpected(pvn.error());
  sector_t stripe_size = 0;
  if (stripes > 1) {
    if (auto I = c.cl().get("stripesize")) {
      auto s = alloc::parse_size(*I, 'k');
      if (!s || s->sectors == 0 || (s->sectors & (s->sectors - 1)) != 0)
        return failed(fmt::format("Invalid stripe size {}.", *I), EXIT_INVALID);
      stripe_size = s->sectors;
    } else {
      stripe_size = 128;
      c.say("Using default stripesize 64.00 KiB.");
    }
  }
  alloc::Sign sign = alloc::Sign::none;
  auto ext = extents_from_args(c, vg, 0, &sign, *pvn, false);
  if (!ext) return std::unexpected(ext.error());
  extent_t extents = *ext;
  if (extents == 0) return failed("Unable to create new logical volume with no extents.");
  std::string note;
  extents = alloc::round_to_stripes(extents, stripes, vg.extent_size, &note);
  if (!note.empty()) c.say(note);

  LogicalVolume lv = new_lv(name);
  if (type == "zero" || type == "error") {
    Segment s;
    s.start_extent = 0;
    s.extent_count = extents;
    s.type = type;
    lv.segments.push_back(s);
  } else {
    auto policy = policy_of(c, vg, nullptr);
    if (!policy) return std::unexpected(policy.error());
    extent_t free = 0;
    for (const auto& fa : alloc::free_areas(vg, *pvn)) free += fa.count;
    if (extents > free)
      return failed(fmt::format("Volume group \"{}\" has insufficient free space ({} extents): {} required.", vg.name,
                                free, extents));
    auto segs = alloc::allocate(vg, nullptr, {.extents = extents, .stripes = stripes, .stripe_size = stripe_size,
                                              .policy = *policy, .pv_names = *pvn, .lv_name = name});
    if (!segs) return failed(segs.error().message);
    lv.segments = *segs;
    if (auto p = c.cl().get("alloc"); p && *policy != AllocationPolicy::normal) lv.allocation_policy = *policy;
  }
  if (auto t = apply_tags(c, lv.tags); !t) return std::unexpected(t.error());
  if (auto p = c.cl().get("permission")) {
    if (*p == "r") lv.status.remove("WRITE");
    else if (*p != "rw") return failed("Invalid argument for --permission: " + *p, EXIT_INVALID);
  }
  vg.lvs.push_back(lv);
  // Visible LVs before hidden ones, as lvm writes them.
  std::stable_partition(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& x) { return x.visible(); });
  if (auto r = c.commit(vg, *old); !r) return r;
  if (activate_it && c.driver(false)) {
    if (auto r = c.activate(vg, *vg.find_lv(name)); !r) {
      c.say(fmt::format("Logical volume \"{}\" created.", name));
      return r;
    }
  }
  c.say(fmt::format("Logical volume \"{}\" created.", name));
  return {};
}

enum class Resize { extend, reduce, any };

Outcome<void> cmd_lvresize(Cmd& c, Resize mode) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please provide the logical volume name", EXIT_INVALID);
  auto [vgn, lvn] = split_lv_path(a[0]);
  if (vgn.empty() || lvn.empty()) return failed("Please provide a volume group name", EXIT_INVALID);
  if (c.cl().has("resizefs")) return failed("--resizefs is not supported by ulvm.");
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  LogicalVolume* lv = vg.find_lv(lvn);
  if (!lv) return failed(fmt::format("Logical volume {} not found in volume group {}.", lvn, vgn));
  auto pvn = pv_names_of_args(c, vg, std::vector<std::string>(a.begin() + 1, a.end()));
  if (!pvn) return std::unexpected(pvn.error());
  const extent_t cur = lv->extent_count();
  alloc::Sign sign = alloc::Sign::none;
  auto n = extents_from_args(c, vg, cur, &sign, *pvn, true);
  if (!n) return std::unexpected(n.error());
  extent_t target = *n;
  if (sign == alloc::Sign::plus) target = cur + *n;
  if (sign == alloc::Sign::minus) {
    if (*n >= cur) return failed("Unable to reduce logical volume to zero size.", EXIT_INVALID);
    target = cur - *n;
  }
  if (mode == Resize::extend && target <= cur)
    return failed(fmt::format("New size given ({} extents) not larger than existing size ({} extents)", target, cur));
  if (mode == Resize::reduce && target >= cur)
    return failed(fmt::format("New size given ({} extents) not less than existing size ({} extents)", target, cur));
  if (target == cur) return failed(fmt::format("New size ({} extents) matches existing size ({} extents).", target, cur));
  if (target == 0) return failed("Unable to reduce logical volume to zero size.", EXIT_INVALID);
  const Segment& last = lv->segments.back();
  const std::string size_before = fmt::format("{} ({} extents)", alloc::message_size(cur * vg.extent_size), cur);
  if (target > cur) {
    extent_t add = target - cur;
    if (last.type == "zero" || last.type == "error") {
      Segment s = last;
      s.start_extent = cur;
      s.extent_count = add;
      lv->segments.push_back(s);
      alloc::merge_segments(*lv);
    } else {
      unsigned stripes = static_cast<unsigned>(std::max<std::size_t>(1, last.stripes.size()));
      sector_t ss = last.stripe_size;
      if (auto i = c.cl().get("stripes")) stripes = static_cast<unsigned>(std::stoul(*i));
      if (auto I = c.cl().get("stripesize")) {
        auto s = alloc::parse_size(*I, 'k');
        if (!s) return failed(fmt::format("Invalid stripe size {}.", *I), EXIT_INVALID);
        ss = s->sectors;
      }
      if (stripes > 1 && ss == 0) ss = 128;
      std::string note;
      extent_t rounded = alloc::round_to_stripes(add, stripes, vg.extent_size, &note);
      if (!note.empty()) c.say(note);
      target = cur + rounded;
      auto policy = policy_of(c, vg, lv);
      if (!policy) return std::unexpected(policy.error());
      if (auto r = alloc::extend_lv(vg, lvn, {.extents = rounded, .stripes = stripes, .stripe_size = ss,
                                              .policy = *policy, .pv_names = *pvn, .lv_name = lvn});
          !r)
        return failed(r.error().message);
    }
  } else {
    if (auto r = alloc::reduce_lv(vg, lvn, target); !r) return failed(r.error().message);
  }
  if (auto r = c.commit(vg, *old); !r) return r;
  const LogicalVolume* now = vg.find_lv(lvn);
  if (c.is_active(vg, *now))
    if (auto r = c.activate(vg, *now); !r) return r;
  c.say(fmt::format("Size of logical volume {}/{} changed from {} to {} ({} extents).", vgn, lvn, size_before,
                    alloc::message_size(target * vg.extent_size), target));
  c.say(fmt::format("Logical volume {}/{} successfully resized.", vgn, lvn));
  return {};
}

Outcome<void> remove_lv(Cmd& c, VolumeGroup& vg, const std::string& lv_name) {
  const LogicalVolume* lv = vg.find_lv(lv_name);
  if (!lv) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vg.name, lv_name));
  if (auto r = c.deactivate(vg, *lv); !r) return r;
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return x.name == lv_name; });
  return {};
}

Outcome<void> cmd_lvremove(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.empty()) return failed("Please enter one or more logical volume paths", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  for (const auto& arg : a) {
    auto [vgn, lvn] = split_lv_path(arg);
    if (vgn.empty()) {
      vgn = lvn;
      lvn.clear();
    }
    auto old = c.vg(vgn);
    if (!old) return std::unexpected(old.error());
    VolumeGroup vg = *old;
    std::vector<std::string> names;
    if (lvn.empty())
      for (const auto& lv : vg.lvs) names.push_back(lv.name);
    else
      names.push_back(lvn);
    for (const auto& n : names) {
      if (auto r = remove_lv(c, vg, n); !r) return r;
    }
    if (auto r = c.commit(vg, *old); !r) return r;
    for (const auto& n : names) c.say(fmt::format("Logical volume \"{}\" successfully removed.", n));
  }
  return {};
}

Outcome<void> cmd_lvrename(Cmd& c) {
  const auto& a = c.cl().args;
  std::string vgn, from, to;
  if (a.size() == 3) {
    vgn = a[0];
    from = split_lv_path(a[1], vgn).second;
    to = split_lv_path(a[2], vgn).second;
  } else if (a.size() == 2) {
    auto [v1, l1] = split_lv_path(a[0]);
    auto [v2, l2] = split_lv_path(a[1], v1);
    if (v1.empty()) return failed("Please provide a valid volume group name", EXIT_INVALID);
    if (v1 != v2) return failed("Logical volume names must have the same volume group (\"" + v1 + "\" or \"" + v2 + "\").", EXIT_INVALID);
    vgn = v1;
    from = l1;
    to = l2;
  } else {
    return failed("Old and new logical volume names required", EXIT_INVALID);
  }
  if (auto r = check_new_lv_name(to); !r) return failed(fmt::format("New logical volume name \"{}\" is invalid.", to), EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  LogicalVolume* lv = vg.find_lv(from);
  if (!lv) return failed(fmt::format("Existing logical volume \"{}\" not found in volume group \"{}\"", from, vgn));
  if (vg.find_lv(to)) return failed(fmt::format("Logical volume \"{}\" already exists in volume group \"{}\"", to, vgn));
  const bool active = c.is_active(vg, *lv);
  auto rename_device = [&](const std::string& a, const std::string& b) -> Result<void> {
    client::Task t(*c.driver(false), client::TaskType::rename);
    t.set_name(dm_device_name(vgn, a)).set_new_name(dm_device_name(vgn, b));
    return t.run();
  };
  // The device first: a failed rename leaves metadata and device as they were.
  if (active)
    if (auto r = rename_device(from, to); !r) return failed(r.error().message);
  lv->name = to;
  if (auto r = c.commit(vg, *old); !r) {
    if (active) (void)rename_device(to, from);
    return r;
  }
  c.say(fmt::format("Renamed \"{}\" to \"{}\" in volume group \"{}\"", from, to, vgn));
  return {};
}

// ---------------------------------------------------------------- reports

// The report layer's view of what the scan found (and the driver, when asked).
struct ReportData {
  std::vector<const VolumeGroup*> vgs;  // owned by the command's store
  report::Input in;
};

ReportData report_data(Cmd& c, bool with_states) {
  ReportData data;
  for (const auto& [n, f] : c.store().vgs()) data.vgs.push_back(&f.text.vg);
  client::Client* drv = with_states ? c.driver(false) : nullptr;
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
        d.mda_count = static_cast<unsigned>(s.label.metadata_areas.size());
        for (const auto& m : s.mdas) {
          if (!m.header) continue;
          if (!m.header->committed.ignored()) ++d.mda_used_count;
          byte_count free = format::max_text_size(m.header->size);
          byte_count used = (m.header->committed.size + 511) / 512 * 512;
          free = free > used ? free - used : 0;
          d.mda_free = d.mda_free == 0 ? free : std::min(d.mda_free, free);
          d.mda_size = d.mda_size == 0 ? m.header->size : std::min(d.mda_size, m.header->size);
        }
        d.ext_version = s.label.ext_version;
      }
      v.devices.push_back(d);
    }
    if (drv) {
      if (auto st = activate::lv_states(*drv, vg); st) {
        for (const auto& s : *st)
          v.lv_states.push_back({s.active ? report::Tri::yes : report::Tri::no, s.open ? report::Tri::yes : report::Tri::no});
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
    o2.device.mda_count = static_cast<unsigned>(s.label.metadata_areas.size());
    o2.device.mda_used_count = o2.device.mda_count;
    if (!s.label.data_areas.empty()) o2.pe_start = bytes_to_sectors(s.label.data_areas[0].offset);
    data.in.orphans.push_back(o2);
  }
  return data;
}

Outcome<void> cmd_report(Cmd& c, report::ReportType type) {
  report::Options o;
  o.fields = c.cl().all("options");
  o.sort = c.cl().all("sort");
  if (auto u = c.cl().get("units")) {
    auto units = report::parse_units(*u);
    if (!units) return failed("Invalid units specification", EXIT_INVALID);
    o.units = *units;
  }
  o.units.suffix = !c.cl().has("nosuffix");
  o.headings = !c.cl().has("noheadings");
  o.separator = c.cl().get("separator");
  o.aligned = c.cl().has("aligned");
  if (auto f = c.cl().get("reportformat")) {
    if (*f == "json") o.json = true;
    else if (*f != "basic") return failed(fmt::format("Invalid argument for --reportformat: {}", *f), EXIT_INVALID);
  }
  if (c.cl().has("select")) return failed("--select is not supported by ulvm yet.", EXIT_INVALID);
  o.all = c.cl().has("all");
  o.segments = c.cl().has("segments");
  o.select_names = c.cl().args;
  if (type == report::ReportType::pvs)
    for (auto& n : o.select_names) n = Cmd::normal_path(n);
  if (auto r = c.open(false); !r) return r;
  for (const auto& name : c.cl().args) {
    if (type == report::ReportType::pvs) break;
    auto vgn = split_lv_path(name).first;
    if (vgn.empty()) vgn = name;
    if (!c.store().find_vg(vgn)) return failed(fmt::format("Volume group \"{}\" not found", vgn));
  }
  ReportData data = report_data(c, type == report::ReportType::lvs);
  const report::Input& in = data.in;
  if (c.records()) {
    auto rows = report::records(type, in, o);
    if (!rows) return failed(rows.error().message, EXIT_INVALID);
    *c.records() = std::move(*rows);
    return {};
  }
  auto text = report::render(type, in, o);
  if (!text) return failed(text.error().message, EXIT_INVALID);
  c.say_raw(*text);
  return {};
}

Outcome<void> cmd_display(Cmd& c, char what) {
  if (c.cl().has("colon") || c.cl().has("columns") || c.cl().has("short"))
    return failed("-c/-C/-s are not supported by ulvm's display commands yet.", EXIT_INVALID);
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
      if (wanted_vg(v.vg->name)) out += report::display_vg(v);
      continue;
    }
    if (what == 'l') {
      for (std::size_t i = 0; i < v.vg->lvs.size(); ++i) {
        const auto& lv = v.vg->lvs[i];
        if (!lv.visible()) continue;
        bool want = args.empty();
        for (const auto& a : args) {
          auto [vgn, lvn] = split_lv_path(a);
          if ((vgn.empty() && a == v.vg->name) || (vgn == v.vg->name && (lvn.empty() || lvn == lv.name))) want = true;
        }
        if (want) out += report::display_lv(v, i, c.cl().has("maps"));
      }
      continue;
    }
    for (std::size_t i = 0; i < v.vg->pvs.size(); ++i) {
      bool want = args.empty();
      for (const auto& a : args) want = want || Cmd::normal_path(a) == v.devices[i].path;
      if (want) out += report::display_pv(v, i);
    }
  }
  if (what == 'p')
    for (const auto& o : data.in.orphans) {
      bool want = args.empty();
      for (const auto& a : args) want = want || Cmd::normal_path(a) == o.device.path;
      if (want) out += report::display_orphan(o);
    }
  c.say_raw(out);
  return {};
}

using Handler = std::function<Outcome<void>(Cmd&)>;

const std::map<std::string_view, Handler>& handlers() {
  static const std::map<std::string_view, Handler> h = {
      {"pvcreate", cmd_pvcreate},
      {"pvremove", cmd_pvremove},
      {"pvresize", cmd_pvresize},
      {"pvs", [](Cmd& c) { return cmd_report(c, report::ReportType::pvs); }},
      {"vgcreate", cmd_vgcreate},
      {"vgextend", cmd_vgextend},
      {"vgreduce", cmd_vgreduce},
      {"vgremove", cmd_vgremove},
      {"vgrename", cmd_vgrename},
      {"vgs", [](Cmd& c) { return cmd_report(c, report::ReportType::vgs); }},
      {"vgchange", cmd_vgchange},
      {"vgck", cmd_vgck},
      {"vgcfgbackup", cmd_vgcfgbackup},
      {"vgcfgrestore", cmd_vgcfgrestore},
      {"lvcreate", cmd_lvcreate},
      {"lvextend", [](Cmd& c) { return cmd_lvresize(c, Resize::extend); }},
      {"lvreduce", [](Cmd& c) { return cmd_lvresize(c, Resize::reduce); }},
      {"lvresize", [](Cmd& c) { return cmd_lvresize(c, Resize::any); }},
      {"lvremove", cmd_lvremove},
      {"lvrename", cmd_lvrename},
      {"lvs", [](Cmd& c) { return cmd_report(c, report::ReportType::lvs); }},
      {"lvchange", cmd_lvchange},
      {"pvdisplay", [](Cmd& c) { return cmd_display(c, 'p'); }},
      {"vgdisplay", [](Cmd& c) { return cmd_display(c, 'v'); }},
      {"lvdisplay", [](Cmd& c) { return cmd_display(c, 'l'); }},
  };
  return h;
}

}  // namespace

const std::vector<std::string_view>& command_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& [n, h] : handlers()) v.push_back(n);
    return v;
  }();
  return names;
}

int run_command(std::string_view command, const std::vector<std::string>& argv, CommandIo& io) {
  auto h = handlers().find(command);
  if (h == handlers().end()) {
    io.err += fmt::format("  No such command '{}'.  Try 'help'.\n", command);
    return EXIT_INVALID;
  }
  auto cl = parse_command_line(command, argv);
  if (!cl) {
    io.err += "  " + cl.error().message + "\n";
    io.err += fmt::format("  Run `{} --help' for more information.\n", command);
    return EXIT_INVALID;
  }
  Cmd c(std::move(*cl), io);
  auto r = h->second(c);
  if (!r) {
    if (!r.error().message.empty()) c.warn(r.error().message);
    if (r.error().code == EXIT_INVALID) c.warn(fmt::format("Run `{} --help' for more information.", command));
    return r.error().code;
  }
  return EXIT_OK;
}

}  // namespace udm::lvm::api

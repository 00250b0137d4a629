#include "lvm/api/shared_vg.hpp"

#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <udm/client.hpp>

#include "lvm/locking/lease_device.hpp"
#include "lvm/locking/sanlock_client.hpp"
#include "lvm/locking/sanlock_layout.hpp"

namespace udm::lvm::api::detail {
namespace sl = locking::sanlock;
namespace {

// The leases this command holds (VG and global locks): sanlock releases them
// when the registration's descriptor closes, at the latest when ulvm exits.
struct LeaseHold {
  int sock = -1;
  ~LeaseHold() {
    if (sock >= 0) close(sock);
  }
};

Outcome<int> command_sock(Cmd& c) {
  auto& p = c.lease_hold();
  if (!p) p = std::make_shared<LeaseHold>();
  auto* h = static_cast<LeaseHold*>(p.get());
  if (h->sock < 0) {
    auto s = sl::register_client();
    if (!s) return failed(s.error().message);
    h->sock = *s;
  }
  return h->sock;
}

Outcome<std::uint64_t> host_id(const Cmd& c, std::string_view vg) {
  const ConfigNode* n = c.config().find("local/host_id");
  if (!n || n->is_section || !n->value.is_int() || n->value.integer < 1 || n->value.integer > 2000)
    return failed(fmt::format("VG {} start failed: invalid sanlock host_id, set in lvmlocal.conf", vg));
  return static_cast<std::uint64_t>(n->value.integer);
}

unsigned io_timeout() {
  const char* e = std::getenv("UDM_SANLOCK_IO_TIMEOUT");
  const int v = e ? std::atoi(e) : 0;
  return v > 0 && v <= 300 ? static_cast<unsigned>(v) : 10;
}

Outcome<sl::LeaseArea> area_of(Cmd& c, const VolumeGroup& vg) {
  auto a = sl::host_lease_area(vg, c.pv_paths(vg.name), client::default_rundir());
  if (!a) return failed(a.error().message);
  return *a;
}

sl::Lease lease_at(const VolumeGroup& vg, const sl::LeaseArea& a, std::string name, std::uint64_t slot_offset) {
  return sl::Lease{sl::lockspace_name(vg.name), std::move(name), a.path, a.offset + slot_offset};
}

// Retries a VG or global lease a few seconds: other hosts' commands hold
// them only while they run.
Result<void> acquire_retrying(int sock, const sl::Lease& lease, bool shared) {
  Result<void> r;
  for (int i = 0; i < 50; ++i) {
    r = sl::acquire(sock, -1, lease, shared);
    if (r || r.error().code != sl::HELD_ELSEWHERE) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return r;
}

// ---- the lease holder (udm-lockd)

std::string holder_pidfile() { return client::default_rundir() + "/udm-lockd.pid"; }

// The holder's pid when one runs (it keeps its pidfile locked).
int holder_pid() {
  const std::string path = holder_pidfile();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int pid = 0;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n > 0) pid = std::atoi(buf);
  }
  close(fd);
  return pid > 0 && kill(pid, 0) == 0 ? pid : 0;
}

std::string holder_program() {
  if (const char* e = std::getenv("UDM_LOCKD"); e && *e) return e;
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    std::string self(buf, static_cast<std::size_t>(n));
    std::string beside = self.substr(0, self.rfind('/') + 1) + "udm-lockd";
    if (access(beside.c_str(), X_OK) == 0) return beside;
  }
  return "udm-lockd";
}

Outcome<int> ensure_holder() {
  if (int pid = holder_pid()) return pid;
  const std::string rundir = client::default_rundir();
  mkdir(rundir.c_str(), 0700);
  const std::string program = holder_program();
  const std::string pidfile = holder_pidfile();
  const std::string logfile = rundir + "/udm-lockd.log";
  pid_t child = fork();
  if (child < 0) return failed("Cannot start udm-lockd: fork failed");
  if (child == 0) {
    setsid();
    int in = open("/dev/null", O_RDONLY);
    int out = open(logfile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    close_range(3, ~0U, 0);
    execlp(program.c_str(), "udm-lockd", pidfile.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    if (int pid = holder_pid()) return pid;
    int st = 0;
    if (waitpid(child, &st, WNOHANG) == child && holder_pid() == 0)
      return failed(fmt::format("Cannot start udm-lockd ({}): see {}", program, logfile));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return failed(fmt::format("udm-lockd did not start: see {}", logfile));
}

std::string lease_of_lv(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  // The committed copy has the lock_args (lvcreate activates its own copy).
  if (auto cur = c.current_vg(vg.name))
    for (const auto& l : (*cur)->lvs)
      if (l.id == lv.id && l.lock_args) return *l.lock_args;
  return lv.lock_args.value_or("");
}

}  // namespace

// ---------------------------------------------------------------- vgcreate

Outcome<void> shared_vgcreate_prepare(Cmd& c, VolumeGroup& vg) {
  const std::string lt = c.cl().get("locktype").value_or("sanlock");
  if (lt != "sanlock") return failed("The --shared option requires lock type sanlock, dlm or idm.", EXIT_INVALID);
  if (auto h = host_id(c, vg.name); !h) return std::unexpected(h.error());
  bool other_shared = false;
  for (const auto& [n, f] : c.store().vgs()) other_shared |= sl::is_sanlock_vg(f.text.vg);
  if (!other_shared) c.say("Enabling sanlock global lock");
  LogicalVolume lock_lv = sl::make_lock_lv(generate_id(), std::time(nullptr), nodename());
  vg.lvs.push_back(lock_lv);
  const extent_t extents = static_cast<extent_t>((sl::LOCK_LV_BYTES + vg.extent_bytes() - 1) / vg.extent_bytes());
  if (auto r = alloc::extend_lv(vg, sl::LOCK_LV_NAME, {.extents = extents, .lv_name = std::string(sl::LOCK_LV_NAME)}); !r)
    return failed(r.error().message);
  vg.lock_type = std::string(sl::LOCK_TYPE);
  vg.lock_args = sl::vg_lock_args();
  c.say(fmt::format("Logical volume \"{}\" created.", sl::LOCK_LV_NAME));
  return {};
}

Outcome<void> shared_vgcreate_finish(Cmd& c, const VolumeGroup& vg) {
  if (c.test_mode()) return {};
  std::map<std::string, std::string> paths = c.pv_paths(vg.name);
  if (paths.empty())
    for (std::size_t i = 0; i < vg.pvs.size() && i + 1 < c.cl().args.size(); ++i)
      paths[vg.pvs[i].name] = Cmd::normal_path(c.cl().args[i + 1]);
  if (sl::lease_lv_is_remote(vg, paths)) {
    activate::Driver* d = c.driver(true);
    if (!d) return failed(fmt::format("VG {} init failed: udmd is not reachable", vg.name));
    if (auto r = sl::activate_lease_lv(*d, vg, paths); !r) return failed(r.error().message);
  }
  auto a = sl::host_lease_area(vg, paths, client::default_rundir());
  if (!a) return failed(a.error().message);
  const std::string ls = sl::lockspace_name(vg.name);
  bool other_shared = false;
  for (const auto& [n, f] : c.store().vgs()) other_shared |= n != vg.name && sl::is_sanlock_vg(f.text.vg);
  auto fail_init = [&](const Error& e) {
    c.warn(e.message);
    return failed(fmt::format("VG {} init failed: {}", vg.name, e.message));
  };
  if (auto r = sl::write_lockspace(ls, a->path, a->offset, io_timeout()); !r) return fail_init(r.error());
  const std::string gl(other_shared ? sl::GL_DISABLED_RESOURCE : sl::GL_RESOURCE);
  if (auto r = sl::write_resource(lease_at(vg, *a, gl, sl::GL_LOCK_SLOT * sl::ALIGN_BYTES)); !r) return fail_init(r.error());
  if (auto r = sl::write_resource(lease_at(vg, *a, std::string(sl::VG_RESOURCE), sl::VG_LOCK_SLOT * sl::ALIGN_BYTES)); !r)
    return fail_init(r.error());
  for (std::uint64_t slot = sl::LV_LOCK_FIRST_SLOT; (slot + 1) * sl::ALIGN_BYTES <= a->size; ++slot)
    if (auto r = sl::write_resource(lease_at(vg, *a, std::string(sl::UNUSED_RESOURCE), slot * sl::ALIGN_BYTES)); !r)
      return fail_init(r.error());
  // As lvm2's vgcreate: the new VG's lockspace is started at once.
  auto h = host_id(c, vg.name);
  c.say(fmt::format("VG {} starting sanlock lockspace", vg.name));
  c.say("Starting locking.  Waiting until locks are ready...");
  if (auto r = sl::add_lockspace(ls, *h, a->path, a->offset, io_timeout()); !r)
    return failed(fmt::format("VG {} start failed: {}", vg.name, r.error().message));
  return {};
}

// ---------------------------------------------------------------- lockstart/stop

Outcome<void> cmd_vgchange_lock(Cmd& c) {
  const bool start = c.cl().has("lockstart");
  if (auto r = c.open(false); !r) return r;
  bool any_failed = false;
  for (const auto& name : c.vg_names_or_all()) {
    auto vgp = c.current_vg(name);
    if (!vgp) return std::unexpected(vgp.error());
    const VolumeGroup& vg = **vgp;
    if (!sl::is_sanlock_vg(vg)) continue;
    auto a = area_of(c, vg);
    if (!a) {
      c.warn(fmt::format("VG {} {} failed: {}", vg.name, start ? "start" : "stop", a.error().message));
      any_failed = true;
      continue;
    }
    const std::string ls = sl::lockspace_name(vg.name);
    auto h = host_id(c, vg.name);
    if (!h) {
      c.warn(h.error().message);
      any_failed = true;
      continue;
    }
    if (start) {
      if (sl::lease_lv_is_remote(vg, c.pv_paths(vg.name))) {
        activate::Driver* d = c.driver(true);
        auto r = d ? sl::activate_lease_lv(*d, vg, c.pv_paths(vg.name))
                   : Result<void>(fail(EHOSTDOWN, "udmd is not reachable"));
        if (!r) {
          c.warn(fmt::format("VG {} start failed: {}", vg.name, r.error().message));
          any_failed = true;
          continue;
        }
      }
      if (sl::lockspace_joined(ls, *h, a->path, a->offset)) continue;
      c.say(fmt::format("VG {} starting sanlock lockspace", vg.name));
      c.say("Starting locking.  Waiting until locks are ready...");
      if (auto r = sl::add_lockspace(ls, *h, a->path, a->offset, io_timeout()); !r) {
        c.warn(fmt::format("VG {} start failed: {}", vg.name, r.error().message));
        any_failed = true;
      }
      continue;
    }
    {
      // An active LV with a lease, also one whose lease a dead holder left
      // as an orphan (leaving the lockspace would free it on disk).
      bool busy = false;
      for (const auto& lv : vg.lvs) busy |= lv.lock_args && c.is_active(vg, lv);
      if (int pid = holder_pid()) {
        auto held = sl::held_by(-1, pid);
        if (held)
          for (const auto& l : *held) busy |= l.lockspace == ls;
      }
      if (busy) {
        c.warn(fmt::format("VG {} stop failed: LVs must first be deactivated", vg.name));
        any_failed = true;
        continue;
      }
    }
    if (auto r = sl::rem_lockspace(ls, *h, a->path, a->offset); !r) {
      c.warn(fmt::format("VG {} stop failed: {}", vg.name, r.error().message));
      any_failed = true;
    } else if (activate::Driver* d = c.driver(false)) {
      (void)sl::deactivate_lease_lv(*d, vg, c.pv_paths(vg.name));  // as lvmlockd at lockstop
    }
  }
  if (any_failed) return failed("", EXIT_FAILED);
  return {};
}

// ---------------------------------------------------------------- hooks

Outcome<void> shared_lock_vgs(Cmd& c, const locking::LockPlan& plan, const std::vector<std::string>& vgs) {
  if (c.cl().command == "vgchange" && (c.cl().has("lockstart") || c.cl().has("lockstop"))) return {};
  bool locked_any = false;
  // The global lock lives in one started shared VG ("GLLK"; the others have
  // "_GLLK_disabled"): taken for the commands lvm2 takes it exclusively for.
  if (plan.global == locking::LockMode::exclusive) {
    for (const auto& [n, f] : c.store().vgs()) {
      const VolumeGroup& vg = f.text.vg;
      if (!sl::is_sanlock_vg(vg)) continue;
      auto a = sl::host_lease_area(vg, c.pv_paths(vg.name), client::default_rundir());
      if (!a) continue;
      sl::Lease gl = lease_at(vg, *a, std::string(sl::GL_RESOURCE), sl::GL_LOCK_SLOT * sl::ALIGN_BYTES);
      auto sock = command_sock(c);
      if (!sock) return std::unexpected(sock.error());
      auto r = acquire_retrying(*sock, gl, false);
      if (r) {
        locked_any = true;
        break;
      }
      if (r.error().code == sl::HELD_ELSEWHERE)
        return failed(fmt::format("Global lock failed: held by other host.\n  Global lock is {}.", r.error().message));
      // Not started here, or the name is _GLLK_disabled: try the next VG.
    }
  }
  if (plan.vg_mode == locking::LockMode::none) return {};
  for (const auto& name : vgs) {
    const format::VgState* f = c.store().find_vg(name);
    if (!f || !sl::is_sanlock_vg(f->text.vg)) continue;
    const VolumeGroup& vg = f->text.vg;
    const bool write = plan.vg_mode == locking::LockMode::exclusive;
    auto a = area_of(c, vg);
    if (!a) return failed(fmt::format("Cannot access VG {} due to failed lock.", name));
    auto sock = command_sock(c);
    if (!sock) return std::unexpected(sock.error());
    auto r = acquire_retrying(*sock, lease_at(vg, *a, std::string(sl::VG_RESOURCE), sl::VG_LOCK_SLOT * sl::ALIGN_BYTES), !write);
    if (r) {
      locked_any = true;
      continue;
    }
    if (!write && r.error().code == sl::NO_LOCKSPACE) {
      c.warn(fmt::format("Reading VG {} without a lock.", name));
      continue;
    }
    if (r.error().code == sl::HELD_ELSEWHERE)
      c.warn(fmt::format("VG {} lock failed: held by other host ({}).", name, r.error().message));
    else if (r.error().code != sl::NO_LOCKSPACE)
      c.warn(fmt::format("VG {} lock failed: {}", name, r.error().message));
    return failed(fmt::format("Cannot access VG {} due to failed lock.", name));
  }
  // Another host may have committed between the scan and the lease.
  if (locked_any && c.store().changed_since_scan())
    if (auto r = c.store().rescan(); !r) return failed(r.error().message);
  return {};
}

Outcome<void> shared_before_commit(Cmd& c, VolumeGroup& vg, const VolumeGroup* previous) {
  if (!previous || !sl::is_sanlock_vg(vg) || c.test_mode()) return {};
  auto a = area_of(c, *previous);
  if (!a) return std::unexpected(a.error());
  // LVs that go away: nobody may hold their lease (active on another host).
  for (const auto& old : previous->lvs) {
    if (!old.lock_args) continue;
    bool kept = false;
    for (const auto& lv : vg.lvs) kept |= lv.id == old.id;
    if (kept) continue;
    auto off = sl::parse_lv_lock_args(*old.lock_args);
    if (!off) continue;
    auto sock = command_sock(c);
    if (!sock) return std::unexpected(sock.error());
    sl::Lease l = lease_at(vg, *a, sl::lv_resource_name(old), *off);
    auto r = sl::acquire(*sock, -1, l, false, /*nowait=*/true);
    if (!r && r.error().code == sl::HELD_ELSEWHERE)
      return failed(fmt::format("LV locked by other host: {}/{}\n  LV {}/{} lease is {}.", vg.name, old.name, vg.name,
                                old.name, r.error().message));
    if (r) (void)sl::release(*sock, -1, l);
  }
  // New LVs get a lease slot, formatted before the metadata names it.
  for (auto& lv : vg.lvs) {
    if (lv.lock_args || !sl::lv_needs_lock(vg, lv)) continue;
    auto off = sl::free_lv_offset(vg, a->size);
    if (!off) return failed(off.error().message);
    if (auto r = sl::write_resource(lease_at(vg, *a, sl::lv_resource_name(lv), *off)); !r)
      return failed(fmt::format("Failed to init lock for LV {}/{}: {}", vg.name, lv.name, r.error().message));
    lv.lock_args = sl::lv_lock_args(*off);
  }
  return {};
}

void shared_after_commit(Cmd& c, const VolumeGroup& vg, const VolumeGroup* previous) {
  if (!previous || !sl::is_sanlock_vg(vg) || c.test_mode()) return;
  auto a = sl::host_lease_area(*previous, c.pv_paths(vg.name), client::default_rundir());
  if (!a) return;
  for (const auto& old : previous->lvs) {
    if (!old.lock_args) continue;
    bool kept = false;
    for (const auto& lv : vg.lvs) kept |= lv.id == old.id;
    auto off = sl::parse_lv_lock_args(*old.lock_args);
    if (kept || !off) continue;
    (void)sl::write_resource(lease_at(vg, *a, std::string(sl::UNUSED_RESOURCE), *off));
  }
}

Outcome<void> shared_before_activate(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  if (!sl::is_sanlock_vg(vg)) return {};
  const std::string args = lease_of_lv(c, vg, lv);
  if (args.empty()) return {};
  auto off = sl::parse_lv_lock_args(args);
  if (!off) return failed(off.error().message);
  const std::string mode = c.cl().get("activate").value_or("ey");
  const bool shared = mode == "sy";
  if (shared)
    for (const auto& s : lv.segments)
      if (!s.is_striped())
        return failed(fmt::format("Shared activation not compatible with LV type {} of {}/{}", s.type, vg.name, lv.name));
  auto a = area_of(c, vg);
  if (!a) return std::unexpected(a.error());
  // udmd first: the holder's run directory is udmd's.
  (void)c.driver(true);
  auto pid = ensure_holder();
  if (!pid) return std::unexpected(pid.error());
  // As lvm2: refused at once while another host holds it, even one that
  // stopped renewing (its lease has yet to expire).
  auto r = sl::acquire(-1, *pid, lease_at(vg, *a, sl::lv_resource_name(lv), *off), shared, /*nowait=*/true);
  if (r) return {};
  if (r.error().code == sl::HELD_ELSEWHERE)
    return failed(fmt::format("LV locked by other host: {}/{}\n  LV {}/{} lease is {}.", vg.name, lv.name, vg.name,
                              lv.name, r.error().message));
  if (r.error().code == sl::NO_LOCKSPACE)
    return failed(fmt::format("LV {}/{} lock failed: lockspace is inactive", vg.name, lv.name));
  return failed(fmt::format("Locking failed for LV {}/{}: {}", vg.name, lv.name, r.error().message));
}

void shared_after_deactivate(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  if (!sl::is_sanlock_vg(vg) || c.test_mode()) return;
  const std::string args = lease_of_lv(c, vg, lv);
  auto off = sl::parse_lv_lock_args(args);
  if (args.empty() || !off) return;
  const int pid = holder_pid();
  auto a = sl::host_lease_area(vg, c.pv_paths(vg.name), client::default_rundir());
  if (!a) return;
  (void)sl::release(-1, pid, lease_at(vg, *a, sl::lv_resource_name(lv), *off));  // pid 0: an orphan
}

}  // namespace udm::lvm::api::detail

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

#include "lvm/api/shared_vg_internal.hpp"
#include "lvm/locking/lease_device.hpp"
#include "lvm/locking/sanlock_client.hpp"
#include "lvm/locking/sanlock_layout.hpp"
#include "lvm/locking/sanlock_lock_lv.hpp"
#include "lvm/segtypes/snapshot.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::api::detail {
namespace sl = locking::sanlock;
namespace {

// The leases this command holds (VG and global locks): sanlock releases them
// when the registration's descriptor closes, at the latest when ulvm exits.
struct LeaseHold {
  int sock = -1;
  std::string gl_lockspace;  // where this command holds the global lock
  std::vector<sl::Lease> to_free;  // LV leases the next commit frees
  bool gl_removed = false;         // a VG this command removed had the global lock
  ~LeaseHold() {
    if (sock >= 0) close(sock);
  }
};

}  // namespace

// Helpers the other shared_vg_*.cpp files share (shared_vg_internal.hpp).

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

std::string held_gl_lockspace(Cmd& c) {
  auto& p = c.lease_hold();
  return p ? static_cast<LeaseHold*>(p.get())->gl_lockspace : std::string();
}

bool global_lock_removed(Cmd& c, bool set) {
  auto& p = c.lease_hold();
  if (!p) return false;
  auto* h = static_cast<LeaseHold*>(p.get());
  if (set) h->gl_removed = true;
  return h->gl_removed;
}

namespace {

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

// The LV whose lease covers `lv`, as lvm2's lv_lock_holder: a thin LV's pool,
// an old-style snapshot's origin, else the LV itself.
const LogicalVolume& lock_holder(const VolumeGroup& vg, const LogicalVolume& lv) {
  if (segtypes::lv_is_thin_volume(lv))
    if (auto k = segtypes::thin_keys(lv.segments.front()))
      if (const LogicalVolume* pool = vg.find_lv(k->thin_pool)) return *pool;
  if (auto ref = segtypes::snapshot_of_cow(vg, lv.name))
    if (const LogicalVolume* origin = vg.find_lv(ref->origin)) return *origin;
  return lv;
}

std::string lease_of_lv(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  // The committed copy has the lock_args (lvcreate activates its own copy).
  if (auto cur = c.current_vg(vg.name))
    for (const auto& l : (*cur)->lvs)
      if (l.id == lv.id && l.lock_args) return *l.lock_args;
  return lv.lock_args.value_or("");
}

}  // namespace

// ---------------------------------------------------------------- lease addresses

Outcome<sl::Lease> lv_lease(Cmd& c, const VolumeGroup& vg, const sl::LeaseArea& a, std::string name,
                            std::uint64_t offset) {
  auto at = sl::lock_lv_place(vg, offset);
  if (!at) return failed(at.error().message);
  auto first = sl::lock_lv_place(vg, 0);
  if (!first) return failed(first.error().message);
  if (at->pv_name == first->pv_name && at->pv_offset >= first->pv_offset)
    return lease_at(vg, a, std::move(name), at->pv_offset - first->pv_offset);
  const auto paths = c.pv_paths(vg.name);
  auto p = paths.find(at->pv_name);
  if (p == paths.end())
    return failed(fmt::format("The PV of {}/{} ({}) is missing.", vg.name, sl::LOCK_LV_NAME, at->pv_name));
  return sl::Lease{sl::lockspace_name(vg.name), std::move(name), p->second, at->pv_offset};
}

bool locktype_forced_none(const Cmd& c) {
  return c.cl().command == "vgchange" && c.cl().get("locktype").value_or("") == "none" &&
         c.cl().get("lockopt").value_or("") == "force";
}

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

Outcome<void> format_leases(Cmd& c, const VolumeGroup& vg, const sl::LeaseArea& a) {
  const std::string ls = sl::lockspace_name(vg.name);
  bool other_shared = false;
  for (const auto& [n, f] : c.store().vgs()) other_shared |= n != vg.name && sl::is_sanlock_vg(f.text.vg);
  auto fail_init = [&](const Error& e) {
    c.warn(e.message);
    return failed(fmt::format("VG {} init failed: {}", vg.name, e.message));
  };
  if (auto r = sl::write_lockspace(ls, a.path, a.offset, io_timeout()); !r) return fail_init(r.error());
  const std::string gl(other_shared ? sl::GL_DISABLED_RESOURCE : sl::GL_RESOURCE);
  if (auto r = sl::write_resource(lease_at(vg, a, gl, sl::GL_LOCK_SLOT * sl::ALIGN_BYTES)); !r) return fail_init(r.error());
  if (auto r = sl::write_resource(lease_at(vg, a, std::string(sl::VG_RESOURCE), sl::VG_LOCK_SLOT * sl::ALIGN_BYTES)); !r)
    return fail_init(r.error());
  // The free slots of the first segment (a new lvmlock has one).
  auto first = sl::lock_lv_place(vg, 0);
  const std::uint64_t end = first ? std::min(first->run, a.size) : a.size;
  for (std::uint64_t slot = sl::LV_LOCK_FIRST_SLOT; (slot + 1) * sl::ALIGN_BYTES <= end; ++slot)
    if (auto r = sl::write_resource(lease_at(vg, a, std::string(sl::UNUSED_RESOURCE), slot * sl::ALIGN_BYTES)); !r)
      return fail_init(r.error());
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
  if (auto r = format_leases(c, vg, *a); !r) return r;
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
  // As lvm2: every "starting" line, then one wait for all the joins.
  struct Start {
    std::string vg, ls;
    std::uint64_t host_id;
    sl::LeaseArea area;
  };
  std::vector<Start> starts;
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
      starts.push_back({vg.name, ls, *h, *a});
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
  if (!starts.empty()) c.say("Starting locking.  Waiting for sanlock may take 20 sec to 3 min...");
  for (const auto& st : starts)
    if (auto r = sl::add_lockspace(st.ls, st.host_id, st.area.path, st.area.offset, io_timeout()); !r) {
      c.warn(fmt::format("VG {} start failed: {}", st.vg, r.error().message));
      any_failed = true;
    }
  if (any_failed) return failed("", EXIT_FAILED);
  return {};
}

// ---------------------------------------------------------------- hooks

Outcome<void> shared_lock_vgs(Cmd& c, const locking::LockPlan& plan, const std::vector<std::string>& vgs) {
  if (c.cl().command == "vgchange" && (c.cl().has("lockstart") || c.cl().has("lockstop"))) return {};
  if (locktype_forced_none(c)) return {};  // lvm2's recovery: no locks at all
  bool locked_any = false;
  // The global lock lives in one started shared VG ("GLLK"; the others have
  // "_GLLK_disabled"): taken for the commands lvm2 takes it exclusively for.
  if (plan.global == locking::LockMode::exclusive) {
    bool any_shared = false, any_started = false;
    for (const auto& [n, f] : c.store().vgs()) {
      const VolumeGroup& vg = f.text.vg;
      if (!sl::is_sanlock_vg(vg)) continue;
      any_shared = true;
      auto a = sl::host_lease_area(vg, c.pv_paths(vg.name), client::default_rundir());
      if (!a) continue;
      sl::Lease gl = lease_at(vg, *a, std::string(sl::GL_RESOURCE), sl::GL_LOCK_SLOT * sl::ALIGN_BYTES);
      auto sock = command_sock(c);
      if (!sock) return std::unexpected(sock.error());
      auto r = acquire_retrying(*sock, gl, false);
      if (r) {
        locked_any = true;
        static_cast<LeaseHold*>(c.lease_hold().get())->gl_lockspace = gl.lockspace;
        break;
      }
      if (r.error().code == sl::HELD_ELSEWHERE)
        return failed(fmt::format("Global lock failed: held by other host.\n  Global lock is {}.", r.error().message));
      // Not started here, or the name is _GLLK_disabled: try the next VG.
      any_started |= r.error().code != sl::NO_LOCKSPACE;
    }
    // As lvm2: shared VGs exist but none started here holds the global lock
    // (lvm2's vgcreate words it its own way).
    if (!locked_any && any_shared && !c.test_mode()) {
      if (c.cl().command != "vgcreate") return failed("Global lock failed: check that global lockspace is started");
      if (!c.cl().has("shared")) return failed("Global lock failed: check that global lockspace is started.");
      if (!any_started)
        return failed("Global lock failed: start existing sanlock VGs to access global lock.\n"
                      "  (If all sanlock VGs are started, enable global lock with lvmlockctl.)");
      return failed("Global lock failed: check that VG holding global lock exists and is started.");
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
  // A VG that becomes shared (vgchange --lock-type sanlock) gets its LV
  // leases in the second commit, once lvmlock exists.
  if (auto& p = c.lease_hold()) static_cast<LeaseHold*>(p.get())->to_free.clear();
  if (!previous || !sl::is_sanlock_vg(vg) || !sl::is_sanlock_vg(*previous) || c.test_mode()) return {};
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
    auto l = lv_lease(c, *previous, *a, sl::lv_resource_name(old), *off);
    if (!l) return std::unexpected(l.error());
    auto r = sl::acquire(*sock, -1, *l, false, /*nowait=*/true);
    if (!r && r.error().code == sl::HELD_ELSEWHERE)
      return failed(fmt::format("LV locked by other host: {}/{}\n  LV {}/{} lease is {}.", vg.name, old.name, vg.name,
                                old.name, r.error().message));
    if (r) (void)sl::release(*sock, -1, *l);
    // Named "#unused" once the metadata no longer names it.
    sl::Lease unused = *l;
    unused.name = std::string(sl::UNUSED_RESOURCE);
    static_cast<LeaseHold*>(c.lease_hold().get())->to_free.push_back(std::move(unused));
  }
  // New LVs get a lease slot, formatted before the metadata names it
  // (lvcreate may have extended lvmlock in `vg` already).
  if (auto now = sl::lease_area(vg, c.pv_paths(vg.name)); now && now->size > a->size) a->size = now->size;
  for (auto& lv : vg.lvs) {
    if (lv.lock_args || !sl::lv_needs_lock(vg, lv)) continue;
    auto off = sl::free_lv_offset(vg, a->size);
    if (!off && off.error().code == ENOSPC) {
      // Every slot is used: lvm2's lvcreate extends lvmlock first.
      if (auto r = extend_lock_lv(c, vg, *a, lv.name); !r) return r;
      off = sl::free_lv_offset(vg, a->size);
    }
    if (!off) return failed(off.error().message);
    auto l = lv_lease(c, vg, *a, sl::lv_resource_name(lv), *off);
    if (!l) return std::unexpected(l.error());
    if (auto r = sl::write_resource(*l); !r)
      return failed(fmt::format("Failed to init lock for LV {}/{}: {}", vg.name, lv.name, r.error().message));
    lv.lock_args = sl::lv_lock_args(*off);
  }
  return {};
}

void shared_after_commit(Cmd& c, const VolumeGroup& vg, const VolumeGroup* previous) {
  // `previous` may be the store's copy the commit just replaced: the leases
  // to free were noted by shared_before_commit.
  auto& p = c.lease_hold();
  auto* h = p ? static_cast<LeaseHold*>(p.get()) : nullptr;
  if (!h) return;
  std::vector<sl::Lease> freed = std::move(h->to_free);
  h->to_free.clear();
  if (!previous || !sl::is_sanlock_vg(vg) || c.test_mode()) return;
  for (auto& l : freed) (void)sl::write_resource(l);
}

Outcome<void> shared_before_activate(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  if (!sl::is_sanlock_vg(vg)) return {};
  const LogicalVolume& holder = lock_holder(vg, lv);
  const std::string args = lease_of_lv(c, vg, holder);
  if (args.empty()) return {};
  auto off = sl::parse_lv_lock_args(args);
  if (!off) return failed(off.error().message);
  const std::string mode = c.cl().get("activate").value_or("ey");
  const bool shared = mode == "sy";
  // lvm2 names the LV that has the lock (a thin LV's pool).
  if (shared)
    for (const auto& s : holder.segments)
      if (!s.is_striped())
        return failed(fmt::format("Shared activation not compatible with LV type {} of {}/{}", s.type, vg.name,
                                  holder.name));
  auto a = area_of(c, vg);
  if (!a) return std::unexpected(a.error());
  auto lease = lv_lease(c, vg, *a, sl::lv_resource_name(holder), *off);
  if (!lease) return std::unexpected(lease.error());
  // udmd first: the holder's run directory is udmd's.
  (void)c.driver(true);
  auto pid = ensure_holder();
  if (!pid) return std::unexpected(pid.error());
  // As lvm2: refused at once while another host holds it, even one that
  // stopped renewing (its lease has yet to expire).
  auto r = sl::acquire(-1, *pid, *lease, shared, /*nowait=*/true);
  if (r) return {};
  if (r.error().code == sl::HELD_ELSEWHERE)
    return failed(fmt::format("LV locked by other host: {}/{}\n  LV {}/{} lease is {}.", vg.name, holder.name, vg.name,
                              holder.name, r.error().message));
  if (r.error().code == sl::NO_LOCKSPACE)
    return failed(fmt::format("LV {}/{} lock failed: lockspace is inactive", vg.name, holder.name));
  return failed(fmt::format("Locking failed for LV {}/{}: {}", vg.name, holder.name, r.error().message));
}

void shared_after_deactivate(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  if (!sl::is_sanlock_vg(vg) || c.test_mode()) return;
  const LogicalVolume& holder = lock_holder(vg, lv);
  // The pool (origin) keeps the lease while it stays active.
  if (&holder != &lv && c.is_active(vg, holder)) return;
  const std::string args = lease_of_lv(c, vg, holder);
  auto off = sl::parse_lv_lock_args(args);
  if (args.empty() || !off) return;
  const int pid = holder_pid();
  auto a = sl::host_lease_area(vg, c.pv_paths(vg.name), client::default_rundir());
  if (!a) return;
  // pid 0: no holder runs; the lease is an orphan the release frees.
  if (auto l = lv_lease(c, vg, *a, sl::lv_resource_name(holder), *off)) (void)sl::release(-1, pid, *l);
}

}  // namespace udm::lvm::api::detail

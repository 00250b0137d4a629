// udm-lockd: holds the sanlock leases of the LVs this host activated in
// shared VGs (lvmlockd's role for udm). ulvm starts it on the first LV
// activation in a shared VG and takes leases on its behalf (sanlock ties a
// lease to a registered process, and a command exits). It only waits for
// signals:
//
//   SIGTERM  sanlock's kill request, sent by `udm-lockd --kill PID`, the
//            killpath it registers (as lvmlockd registers lvmlockctl --kill):
//            this host cannot renew its delta lease (the lease storage
//            failed) or the lockspace is going away. Before
//            the lease can expire, every LV this process holds exclusively
//            gets an error table (queued I/O fails, nothing more reaches the
//            shared disk), then the leases are released and it exits.
//   SIGINT   the same, for an operator.
//
// Files in udm's run directory: udm-lockd.pid (locked while it runs) and
// udm-lockd.log (what it did).
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <fmt/format.h>

#include <udm/client.hpp>

#include "lvm/locking/sanlock_client.hpp"
#include "lvm/locking/sanlock_layout.hpp"

namespace {
using namespace udm;
namespace sl = udm::lvm::locking::sanlock;

void log(const std::string& line) {
  char stamp[32];
  std::time_t t = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%F %T", std::gmtime(&t));
  std::fprintf(stderr, "%s udm-lockd[%d]: %s\n", stamp, getpid(), line.c_str());
  std::fflush(stderr);
}

// An LV lease's name is the dashed LV uuid; the LV's device uuid ends with
// the same 32 characters without dashes ("LVM-" + VG id + LV id).
std::string raw_id(const std::string& dashed) {
  std::string out;
  for (char ch : dashed)
    if (ch != '-') out += ch;
  return out;
}

bool is_lv_lease(const std::string& name) {
  return name != sl::VG_RESOURCE && name != sl::GL_RESOURCE && name != sl::GL_DISABLED_RESOURCE;
}

// Replaces the table of the device with uuid suffix `lv_raw` by an error
// table of the same size: suspend without flushing (held I/O is not sent),
// load, resume (held and new I/O fails).
void stop_io(client::Client& cl, const std::vector<client::NameEntry>& devices, const std::string& ls,
             const std::string& lv_raw) {
  for (const auto& d : devices) {
    if (!d.uuid || d.uuid->size() != 4 + 64 || !d.uuid->starts_with("LVM-") || !d.uuid->ends_with(lv_raw)) continue;
    client::Task table(cl, client::TaskType::table);
    table.set_name(d.name);
    std::uint64_t sectors = 0;
    if (table.run())
      for (const auto& l : table.table()) sectors = std::max(sectors, l.start + l.length);
    client::Task suspend(cl, client::TaskType::suspend);
    suspend.set_name(d.name).set_noflush();
    auto s = suspend.run();
    client::Task reload(cl, client::TaskType::reload);
    reload.set_name(d.name).add_target({0, sectors, "error", ""});
    auto r = sectors ? reload.run() : Result<void>(fail(EINVAL, "no table"));
    client::Task resume(cl, client::TaskType::resume);
    resume.set_name(d.name);
    auto u = resume.run();
    if (s && r && u)
      log(fmt::format("lockspace {}: stopped I/O to {} (error table) before its exclusive lease expires", ls, d.name));
    else
      log(fmt::format("lockspace {}: stopping I/O to {} failed: {}", ls, d.name,
                      !s ? s.error().message : !r ? r.error().message : u.error().message));
  }
}

int give_up(int sock, int sig) {
  log(fmt::format("{}: releasing every lease", sig == SIGTERM ? "sanlock asked to release the leases (kill request)"
                                                               : "interrupted"));
  auto held = sl::held_by(sock, -1);
  if (!held) log("cannot list the leases held: " + held.error().message);
  std::vector<client::NameEntry> devices;
  client::ConnectOptions o;
  o.kind = client::ConnectOptions::Kind::udmd;
  o.autostart = false;
  auto cl = client::Client::connect(o);
  if (cl) {
    client::Task list(**cl, client::TaskType::list);
    list.set_want_details();
    if (list.run()) devices = list.names();
  } else {
    log("udmd is not reachable: " + cl.error().message);
  }
  if (held)
    for (const auto& h : *held)
      if (is_lv_lease(h.name) && !h.shared && cl) stop_io(**cl, devices, h.lockspace, raw_id(h.name));
  auto rel = sl::release_all(sock);
  log(rel ? "leases released" : "releasing the leases failed: " + rel.error().message);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The killpath: sanlock runs `udm-lockd --kill PID`.
  if (argc == 3 && std::string(argv[1]) == "--kill") {
    const int pid = std::atoi(argv[2]);
    return pid > 0 && kill(pid, SIGTERM) == 0 ? 0 : 1;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: udm-lockd PIDFILE  (started by ulvm)\n");
    return 2;
  }
  int pf = open(argv[1], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (pf < 0 || flock(pf, LOCK_EX | LOCK_NB) != 0) return 0;  // one holder per host
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  auto sock = sl::register_client();
  if (!sock) {
    log(sock.error().message);
    return 1;
  }
  char self[256];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 1;
  if (auto k = sl::set_killpath(*sock, std::string(self, static_cast<std::size_t>(n)), "--kill"); !k) {
    log(k.error().message);
    return 1;
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(pf, 0) != 0 || pwrite(pf, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) return 1;
  log("registered with sanlock; holding LV leases");
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  int rc = give_up(*sock, sig);
  ftruncate(pf, 0);
  return rc;
}

// dmsetup's udev cookie commands as dmsetup answers them without udev
// synchronisation (udm has no udev): no cookie is created or waited for,
// flags are decoded, and udevcookies/udevcomplete_all look at the SysV
// semaphores with dm's key prefix as dmsetup does. And `mangle`.
#include <sys/ipc.h>
#include <sys/sem.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"

namespace udm::udmsetup {

namespace {

constexpr unsigned COOKIE_MAGIC = 0x0D4D;  // high 16 bits of dm's semaphore keys
constexpr unsigned FLAGS_SHIFT = 16;

// _get_cookie_value: strtoul base 0, not 0, nothing after, fits 32 bits.
std::uint32_t cookie_value(const std::string& s) {
  errno = 0;
  char* end = nullptr;
  const unsigned long v = std::strtoul(s.c_str(), &end, 0);
  if (errno || !v || *end || v > UINT32_MAX) {
    err("Incorrect cookie value.");
    return 0;
  }
  return static_cast<std::uint32_t>(v);
}

}  // namespace

int cmd_udevflags(Context&, const std::vector<std::string>& args) {
  const std::uint32_t cookie = cookie_value(args[0]);
  if (!cookie) return err("Command failed."), 1;
  static const char* const names[] = {"DISABLE_DM_RULES",   "DISABLE_SUBSYSTEM_RULES", "DISABLE_DISK_RULES",
                                      "DISABLE_OTHER_RULES", "LOW_PRIORITY",            "DISABLE_LIBRARY_FALLBACK",
                                      "PRIMARY_SOURCE"};
  const unsigned flags = cookie >> FLAGS_SHIFT;
  for (unsigned i = 0; i < FLAGS_SHIFT; ++i) {
    if (!(flags & (1u << i))) continue;
    if (i < FLAGS_SHIFT / 2 && i < 7)
      out(fmt::format("DM_UDEV_{}_FLAG='1'\n", names[i]));
    else if (i < FLAGS_SHIFT / 2)
      out(fmt::format("DM_UDEV_FLAG{}='1'\n", i));
    else
      out(fmt::format("DM_SUBSYSTEM_UDEV_FLAG{}='1'\n", i - FLAGS_SHIFT / 2));
  }
  return 0;
}

int cmd_udevcomplete(Context&, const std::vector<std::string>& args) {
  const std::uint32_t cookie = cookie_value(args[0]);
  if (!cookie) return err("Command failed."), 1;
  // Without udev sync there is no semaphore to signal: done.
  out(fmt::format("DM_COOKIE_COMPLETED=0x{:<10x}\n", cookie));
  return 0;
}

int cmd_udevcreatecookie(Context&, const std::vector<std::string>&) {
  return 0;  // no udev sync: no cookie, nothing printed
}

int cmd_udevreleasecookie(Context& ctx, const std::vector<std::string>& args) {
  std::uint32_t cookie = 0;
  if (!args.empty()) {
    if (!(cookie = cookie_value(args[0]))) return err("Command failed."), 1;
  } else if (ctx.sw.udevcookie) {
    cookie = static_cast<std::uint32_t>(std::strtoul(ctx.sw.udevcookie->c_str(), nullptr, 0));
  } else if (const char* env = std::getenv("DM_UDEV_COOKIE"); env && *env) {
    cookie = static_cast<std::uint32_t>(std::strtoul(env, nullptr, 0));
  }
  if (!cookie) {
    err("No udev transaction cookie given.");
    err("Command failed.");
    return 1;
  }
  return 0;  // nothing to wait for
}

int cmd_udevcookies(Context&, const std::vector<std::string>&) {
  seminfo info{};
  const int max_id = semctl(0, 0, SEM_INFO, reinterpret_cast<semid_ds*>(&info));
  if (max_id < 0) {
    err(fmt::format("sem_ctl: SEM_INFO failed: {}", std::strerror(errno)));
    err("Command failed.");
    return 1;
  }
  out("Cookie       Semid      Value      Last semop time           Last change time\n");
  for (int id = 0; id <= max_id; ++id) {
    semid_ds ds{};
    const int sid = semctl(id, 0, SEM_STAT, &ds);
    if (sid < 0) continue;
    const auto key = static_cast<std::uint32_t>(ds.sem_perm.__key);
    if (key >> 16 != COOKIE_MAGIC) continue;
    const int val = semctl(sid, 0, GETVAL);
    if (val < 0) {
      err(fmt::format("semid {}: sem_ctl failed for cookie 0x{:x}: {}", sid, key, std::strerror(errno)));
      continue;
    }
    char ot[26] = "unknown", ct[26] = "unknown";
    if (ctime_r(&ds.sem_otime, ot)) ot[std::strlen(ot) - 1] = '\0';
    if (ctime_r(&ds.sem_ctime, ct)) ct[std::strlen(ct) - 1] = '\0';
    out(fmt::format("0x{:<10x} {:<10} {:<10} {}  {}\n", key, sid, val, ot, ct));
  }
  return 0;
}

int cmd_udevcomplete_all(Context& ctx, const std::vector<std::string>& args) {
  unsigned age = 0;
  if (args.size() == 1 && std::sscanf(args[0].c_str(), "%u", &age) != 1) {
    err("Failed to read age_in_minutes parameter.");
    err("Command failed.");
    return 1;
  }
  if (!ctx.sw.yes) {
    std::fflush(stdout);
    err(fmt::format("WARNING: This operation will destroy all semaphores {}{}with keys that have a prefix {} (0x{:x}).",
                    age ? "older than " : "", age ? std::to_string(age) + " minutes " : "", COOKIE_MAGIC,
                    COOKIE_MAGIC));
    // _yes_no_prompt: the prompt again after each line that answered nothing.
    int c = 0, answer = 0;
    do {
      if (c == '\n' || !c) {
        std::fputs("Do you really want to continue? [y/n]: ", stdout);
        std::fflush(stdout);
      }
      if ((c = std::getchar()) == EOF) {
        answer = 'n';
        break;
      }
      c = std::tolower(c);
      if (c == 'y' || c == 'n') answer = c;
    } while (!answer || c != '\n');
    if (c != '\n') std::putchar('\n');
    if (answer == 'n') {
      out(fmt::format("Semaphores with keys prefixed by {} (0x{:x}) NOT destroyed.\n", COOKIE_MAGIC, COOKIE_MAGIC));
      return 0;
    }
  }
  seminfo info{};
  const int max_id = semctl(0, 0, SEM_INFO, reinterpret_cast<semid_ds*>(&info));
  if (max_id < 0) {
    err(fmt::format("semctl: SEM_INFO failed: {}", std::strerror(errno)));
    err("Command failed.");
    return 1;
  }
  int destroyed = 0, skipped = 0;
  for (int id = 0; id <= max_id; ++id) {
    semid_ds ds{};
    const int sid = semctl(id, 0, SEM_STAT, &ds);
    if (sid < 0) continue;
    const auto key = static_cast<std::uint32_t>(ds.sem_perm.__key);
    if (key >> 16 != COOKIE_MAGIC) continue;
    const time_t now = std::time(nullptr);
    if (ds.sem_ctime + static_cast<time_t>(age) * 60 > now || ds.sem_otime + static_cast<time_t>(age) * 60 > now) {
      ++skipped;
      continue;
    }
    if (semctl(sid, 0, IPC_RMID, 0) < 0) {
      err(fmt::format("Could not cleanup notification semaphore with semid {} and cookie value {} (0x{:x}).", sid,
                      key, key));
      continue;
    }
    ++destroyed;
  }
  out(fmt::format("{} semaphores with keys prefixed by {} (0x{:x}) destroyed. {} skipped.\n", destroyed,
                  COOKIE_MAGIC, COOKIE_MAGIC, skipped));
  return 0;
}

// mangle: each device's name (as the driver holds it) into libdevmapper's
// mangled form, renaming where it differs; a uuid in the wrong form cannot
// be changed.
bool mangle_one(Context& ctx, const std::string* name, bool) {
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::info);
  if (name)
    t.set_name(*name);  // as given: mangle works on raw names
  else if (!set_device(ctx, t, nullptr))
    return false;
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (!t.info().exists) return false;
  const std::string shown = name ? *name : t.info().name;
  const std::string& uuid = t.info().uuid;
  const bool none = ctx.sw.manglename && *ctx.sw.manglename == "none";
  if (!none) {
    if (shown.find("\\x5cx") != std::string::npos) {
      err(fmt::format("The name \"{}\" seems to be mangled more than once. "
                      "Manual intervention required to rename the device.", shown));
      return false;
    }
    if (uuid.find("\\x5cx") != std::string::npos) {
      err(fmt::format("The UUID \"{}\" seems to be mangled more than once. "
                      "Manual intervention required to correct the device UUID.", uuid));
      return false;
    }
  }
  const std::string new_name = none ? unmangle_name(t.info().name) : mangle_name(t.info().name);
  const std::string new_uuid = none ? unmangle_name(uuid) : mangle_name(uuid);
  if (uuid != new_uuid) {
    err(fmt::format("{}: {}: UUID in incorrect form. ", shown, uuid));
    err("Unable to change device UUID. The device must be deactivated first.");
    return false;
  }
  if (shown == new_name) {
    out(fmt::format("{}: {}: name {}already in correct form\n", shown, uuid.empty() ? "[no UUID]" : uuid,
                    uuid.empty() ? "" : "and UUID "));
    return true;
  }
  out(fmt::format("{}: renaming to {}\n", shown, new_name));
  Task rn(*c, TaskType::rename);
  rn.set_name(shown);
  rn.set_new_name(new_name);
  if (auto r = rn.run(); !r) {
    report_error(rn, r.error());
    return false;
  }
  return true;
}

int cmd_mangle(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() && !ctx.sw.uuid && !ctx.sw.major) {
    if (!process_all(ctx, mangle_one)) return err("Command failed."), 1;
    return 0;
  }
  if (args.empty()) return mangle_one(ctx, nullptr, false) ? 0 : (err("Command failed."), 1);
  for (const auto& a : args)
    if (!mangle_one(ctx, &a, args.size() > 1)) return err("Command failed."), 1;
  return 0;
}

}  // namespace udm::udmsetup

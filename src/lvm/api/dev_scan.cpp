#include "lvm/api/dev_scan.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace udm::lvm::api {
namespace {

// The drivers lvm2 2.03.16 knows as holding PVs (its list of known device
// types); devices/types adds more.
constexpr std::string_view KNOWN_TYPES[] = {
    "sd",       "ide",     "md",        "loop",      "ramdisk",    "device-mapper", "mdp",    "dasd",  "dac960",
    "nbd",      "ida",     "cciss",     "ubd",       "ataraid",    "drbd",          "rbd",    "emcpower", "power2",
    "i2o_block", "iseries/vd", "gnbd", "aoe",       "xvd",        "vdisk",         "ps3disk", "virtblk", "mmc",
    "blkext",   "fio",     "mtip32xx",  "vtms",      "skd",        "scm",           "bcache", "nvme",  "zvol",
    "VxDMP",
};

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Block majors -> driver name, from /proc/devices.
std::map<unsigned, std::string> block_majors(const std::string& proc_root) {
  std::map<unsigned, std::string> out;
  auto text = slurp(proc_root + "/devices");
  if (!text) return out;
  std::stringstream lines(*text);
  std::string line;
  bool block = false;
  while (std::getline(lines, line)) {
    if (line.starts_with("Block devices")) {
      block = true;
      continue;
    }
    if (!block) continue;
    std::stringstream ls(line);
    unsigned major = 0;
    std::string name;
    if (ls >> major >> name) out[major] = name;
  }
  return out;
}

std::size_t components(const std::string& p) { return static_cast<std::size_t>(std::count(p.begin(), p.end(), '/')); }

// lvm2's built-in ranking under /dev: /dev/block/ < /dev/dm-* < /dev/disk/
// < /dev/mapper/ < anything else. -1 when it does not decide.
int builtin_preference(const std::string& a, const std::string& b) {
  const std::string dev = "/dev/";
  if (!a.starts_with(dev) || !b.starts_with(dev)) return -1;
  for (std::string_view prefix : {"block/", "dm-", "disk/", "mapper/"}) {
    const bool pa = std::string_view(a).substr(dev.size()).starts_with(prefix);
    const bool pb = std::string_view(b).substr(dev.size()).starts_with(prefix);
    if (pa != pb) return pa ? 1 : 0;  // the one without the prefix wins
  }
  return -1;
}

void add_alias(BlockDevice& d, const std::string& path) {
  if (std::find(d.aliases.begin(), d.aliases.end(), path) != d.aliases.end()) return;
  // lvm2 puts a new name first when it is preferred to the current first
  // name, else last.
  if (!d.aliases.empty() && preferred_name(path, d.aliases.front())) d.aliases.insert(d.aliases.begin(), path);
  else d.aliases.push_back(path);
}

// Recursive walk in name order (lvm2 reads directories sorted), staying on
// the file system of `top_dev`, skipping symlinks to directories.
void walk(const std::string& dir, dev_t top_dev, std::map<dev_t, BlockDevice>& found, std::vector<dev_t>& order,
          int depth) {
  if (depth > 32) return;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    const std::string path = (dir.ends_with('/') ? dir : dir + "/") + n;
    struct stat lst {};
    if (::lstat(path.c_str(), &lst) != 0) continue;
    if (S_ISDIR(lst.st_mode)) {
      if (lst.st_dev == top_dev) walk(path, top_dev, found, order, depth + 1);
      continue;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) continue;
    auto [it, fresh] = found.try_emplace(st.st_rdev);
    if (fresh) {
      it->second.devno = st.st_rdev;
      order.push_back(st.st_rdev);
    }
    add_alias(it->second, path);
  }
}

bool has_partitions(const std::string& sys_dev) {
  DIR* d = ::opendir(sys_dev.c_str());
  if (!d) return false;
  bool found = false;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat st {};
    if (::stat((sys_dev + "/" + n + "/partition").c_str(), &st) == 0) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

std::string first_line(const std::string& path) {
  auto t = slurp(path);
  if (!t) return {};
  auto nl = t->find('\n');
  return nl == std::string::npos ? *t : t->substr(0, nl);
}

// Whether `file` lies on a FUSE mount of udmd (fsname udm), read from
// /proc/self/mountinfo without touching the file (a stuck daemon would hang
// a stat through FUSE).
bool on_udm_fuse(const std::string& file) {
  auto info = slurp("/proc/self/mountinfo");
  if (!info) return false;
  std::stringstream lines(*info);
  std::string line, best_mount;
  bool best_udm = false;
  while (std::getline(lines, line)) {
    // id parent maj:min root mountpoint opts [optional...] - fstype source superopts
    std::stringstream ls(line);
    std::string id, parent, devno, root, mount;
    if (!(ls >> id >> parent >> devno >> root >> mount)) continue;
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::stringstream tail(line.substr(dash + 3));
    std::string fstype, source;
    tail >> fstype >> source;
    const bool under = file == mount || file.starts_with(mount == "/" ? mount : mount + "/");
    if (under && mount.size() >= best_mount.size()) {
      best_mount = mount;
      best_udm = fstype == "fuse.udm" || (fstype.starts_with("fuse") && source == "udm");
    }
  }
  return best_udm;
}

std::optional<std::uint64_t> device_size(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  std::uint64_t bytes = 0;
  const bool ok = ::ioctl(fd, BLKGETSIZE64, &bytes) == 0;
  ::close(fd);
  if (!ok) return std::nullopt;
  return bytes;
}

}  // namespace

ScanEnv default_scan_env() {
  ScanEnv e;
  e.size = device_size;
  e.is_udm_file = on_udm_fuse;
  return e;
}

bool preferred_name(const std::string& a, const std::string& b) {
  if (int r = builtin_preference(a, b); r >= 0) return r == 0;
  const auto ca = components(a), cb = components(b);
  if (ca != cb) return ca < cb;
  // Past their common start, the first path component where one name is a
  // symlink and the other is not decides for the symlink ("they exist for a
  // reason"); a component that cannot be read loses.
  std::size_t s0 = 1, s1 = 1;
  while (s0 < a.size() && s1 < b.size() && a[s0] == b[s1]) ++s0, ++s1;
  for (;;) {
    const auto e0 = a.find('/', s0), e1 = b.find('/', s1);
    struct stat st0 {}, st1 {};
    if (::lstat(a.substr(0, e0).c_str(), &st0) != 0) return false;
    if (::lstat(b.substr(0, e1).c_str(), &st1) != 0) return true;
    if (S_ISLNK(st0.st_mode) != S_ISLNK(st1.st_mode)) return S_ISLNK(st0.st_mode);
    if (e0 == std::string::npos || e1 == std::string::npos) break;
    s0 = e0 + 1;
    s1 = e1 + 1;
  }
  return a < b;
}

bool regex_filter_passes(const std::vector<FilterRule>& rules, const std::vector<std::string>& aliases,
                         std::string& name) {
  bool rejected = false;
  for (std::size_t i = 0; i < aliases.size(); ++i) {
    for (const auto& r : rules) {
      if (!std::regex_search(aliases[i], r.compiled)) continue;
      if (r.accept) {
        if (i > 0) name = aliases[i];
        return true;
      }
      rejected = true;
      break;
    }
  }
  return !rejected;
}

const BlockDevice* DeviceScan::find(const std::string& path) const {
  for (const auto& d : devices)
    if (std::find(d.aliases.begin(), d.aliases.end(), path) != d.aliases.end()) return &d;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return nullptr;
  for (const auto& d : devices)
    if (d.devno == st.st_rdev) return &d;
  return nullptr;
}

std::vector<std::string> DeviceScan::usable() const {
  std::vector<std::string> out;
  for (const auto& d : devices)
    if (d.reason.empty()) out.push_back(d.name);
  return out;
}

DeviceScan scan_block_devices(const Config& cfg, const std::vector<std::string>& dirs, const ScanEnv& env) {
  std::map<dev_t, BlockDevice> found;
  std::vector<dev_t> order;
  for (const auto& dir : dirs) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    walk(dir, st.st_dev, found, order, 0);
  }
  const auto majors = block_majors(env.proc_root);
  std::set<std::string> types(KNOWN_TYPES, KNOWN_TYPES + std::size(KNOWN_TYPES));
  types.insert(cfg.types.begin(), cfg.types.end());

  // lvm2 keeps its devices in device number order and scans them so.
  std::sort(order.begin(), order.end());
  DeviceScan out;
  for (dev_t devno : order) {
    BlockDevice d = std::move(found[devno]);
    d.name = d.aliases.front();
    const unsigned maj = major(devno), min = minor(devno);
    const std::string sys_dev = fmt::format("{}/dev/block/{}:{}", env.sys_root, maj, min);
    auto driver = majors.find(maj);
    struct stat st {};
    if (!regex_filter_passes(cfg.global_filter, d.aliases, d.name) || !regex_filter_passes(cfg.filter, d.aliases, d.name)) {
      d.reason = "device is rejected by filter config";
    } else if (driver == majors.end() || !types.contains(driver->second)) {
      d.reason = "device type is unknown";
    } else if (cfg.sysfs_scan && ::stat(sys_dev.c_str(), &st) != 0) {
      d.reason = "device is missing sysfs info";
    } else if (!cfg.scan_lvs && driver->second == "loop" && env.is_udm_file &&
               env.is_udm_file(first_line(sys_dev + "/loop/backing_file"))) {
      d.reason = "device is an LV";
    } else if (auto size = env.size ? env.size(d.aliases.front()) : std::nullopt; !size || *size < cfg.pv_min_size_kib * 1024) {
      d.reason = "device is too small (pv_min_size)";
    } else if (::stat((sys_dev + "/partition").c_str(), &st) != 0 && has_partitions(sys_dev)) {
      d.reason = "device is partitioned";
    }
    out.devices.push_back(std::move(d));
  }
  return out;
}

}  // namespace udm::lvm::api

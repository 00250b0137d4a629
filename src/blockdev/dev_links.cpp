#include "blockdev/dev_links.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "exports/lvm_name.hpp"

namespace udm::blockdev {
namespace {

std::string read_link(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

bool is_loop_target(const std::string& target) {
  auto slash = target.rfind('/');
  std::string_view leaf = slash == std::string::npos ? std::string_view(target) : std::string_view(target).substr(slash + 1);
  return leaf.starts_with("loop") && leaf.size() > 4 && leaf.find_first_not_of("0123456789", 4) == std::string_view::npos;
}

}  // namespace

std::vector<std::string> dev_link_names(const std::string& name, const std::string& uuid) {
  std::vector<std::string> out{"mapper/" + name};
  if (exports::is_lvm_uuid(uuid))
    if (auto lv = exports::split_lvm_name(name)) out.push_back(lv->vg + "/" + lv->lv);
  return out;
}

std::string DevLinks::target_for(const std::string& node, const std::string& link_name) const {
  if (devdir_ != "/dev" || !node.starts_with("/dev/")) return node;
  // one "../" per directory level of the link inside /dev
  std::string up;
  for (char c : link_name)
    if (c == '/') up += "../";
  return up + node.substr(5);
}

Result<void> DevLinks::add(const std::string& link_name, const std::string& node) {
  const std::string path = devdir_ + "/" + link_name;
  const std::string target = target_for(node, link_name);
  if (auto slash = path.rfind('/'); slash != std::string::npos) {
    const std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return fail(errno, "mkdir " + dir + ": " + std::strerror(errno));
  }
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISLNK(st.st_mode)) return fail(EEXIST, path + " exists and is not a link made by udmd");
    const std::string old = read_link(path);
    if (old == target) return {};
    if (!is_loop_target(old)) return fail(EEXIST, path + " exists and points at " + old);
    ::unlink(path.c_str());
  }
  // Made aside and renamed in: the path never is missing or half-made.
  const std::string tmp = path + ".udm-tmp";
  ::unlink(tmp.c_str());
  if (::symlink(target.c_str(), tmp.c_str()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return fail(e, "symlink " + path + " -> " + target + ": " + std::strerror(e));
  }
  return {};
}

void DevLinks::remove(const std::string& link_name, const std::string& node) {
  const std::string path = devdir_ + "/" + link_name;
  if (read_link(path) == target_for(node, link_name)) ::unlink(path.c_str());
  // DEVDIR/VG goes with its last LV (never DEVDIR/mapper).
  if (!link_name.starts_with("mapper/"))
    if (auto slash = path.rfind('/'); slash != std::string::npos) ::rmdir(path.substr(0, slash).c_str());
}

}  // namespace udm::blockdev

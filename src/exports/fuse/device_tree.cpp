#include "exports/fuse/device_tree.hpp"

#include <unordered_set>

#include "exports/lvm_name.hpp"

namespace udm::exports::fuse {

void DeviceTree::Diff::append(Diff&& other) {
  for (auto& e : other.entries) entries.push_back(std::move(e));
  inodes.insert(inodes.end(), other.inodes.begin(), other.inodes.end());
}

DeviceTree::DeviceTree() {
  TreeNode root;
  root.ino = ROOT_INO;
  root.parent = ROOT_INO;
  root.directory = true;
  nodes_.emplace(ROOT_INO, std::move(root));
  TreeNode mapper;
  mapper.ino = mapper_dir_ = next_ino_++;
  mapper.name = "mapper";
  mapper.directory = true;
  nodes_.emplace(mapper_dir_, std::move(mapper));
  Diff ignored;
  link(ROOT_INO, mapper_dir_, ignored);
}

void DeviceTree::link(Ino parent, Ino ino, Diff& diff) {
  TreeNode& dir = node(parent);
  TreeNode& n = node(ino);
  n.parent = parent;
  n.cookie = dir.next_cookie++;
  dir.children.insert_or_assign(n.name, ino);
  dir.listing.emplace(n.cookie, ino);
  diff.entries.emplace_back(parent, n.name);
}

void DeviceTree::unlink(Ino ino, Diff& diff) {
  TreeNode& n = node(ino);
  TreeNode& dir = node(n.parent);
  if (auto it = dir.children.find(n.name); it != dir.children.end() && it->second == ino) dir.children.erase(it);
  dir.listing.erase(n.cookie);
  diff.entries.emplace_back(n.parent, n.name);
  n.parent = 0;
}

Ino DeviceTree::vg_directory(const std::string& vg, Diff& diff) {
  TreeNode& root = node(ROOT_INO);
  if (auto it = root.children.find(vg); it != root.children.end()) return it->second;
  TreeNode dir;
  dir.ino = next_ino_++;
  dir.name = vg;
  dir.directory = true;
  Ino ino = dir.ino;
  nodes_.emplace(ino, std::move(dir));
  link(ROOT_INO, ino, diff);
  return ino;
}

void DeviceTree::drop_if_empty_vg(Ino dir, Diff& diff) {
  if (dir == mapper_dir_ || dir == ROOT_INO || !node(dir).children.empty()) return;
  unlink(dir, diff);
  nodes_.erase(dir);
}

void DeviceTree::place(Ino& slot, const core::MappedDevicePtr& device, Ino parent, const std::string& name,
                       byte_count size, Diff& diff) {
  Ino old_parent = 0;
  if (slot) {
    TreeNode& n = node(slot);
    if (parent && n.parent == parent && n.name == name) {
      if (n.size != size) diff.inodes.push_back(slot);
      n.size = size;
      return;
    }
    old_parent = n.parent;
    unlink(slot, diff);
    if (!parent) {
      nodes_.erase(slot);
      slot = 0;
      drop_if_empty_vg(old_parent, diff);
      return;
    }
  } else if (!parent) {
    return;
  } else {
    TreeNode n;
    n.ino = slot = next_ino_++;
    n.device = device;
    nodes_.emplace(slot, std::move(n));
  }
  TreeNode& n = node(slot);
  if (n.size != size && n.size != 0) diff.inodes.push_back(slot);
  n.name = name;
  n.size = size;
  // A name taken in this directory by another device (a rename racing the
  // notifications) loses its entry here; that device's own sync re-places it.
  TreeNode& dir = node(parent);
  if (auto it = dir.children.find(name); it != dir.children.end() && it->second != slot) {
    const Ino other = it->second;
    if (auto pit = placed_.find(node(other).device.get()); pit != placed_.end()) {
      if (pit->second.mapper == other) pit->second.mapper = 0;
      if (pit->second.lvm == other) pit->second.lvm = 0;
      if (!pit->second.mapper && !pit->second.lvm) placed_.erase(pit);
    }
    unlink(other, diff);
    nodes_.erase(other);
  }
  link(parent, slot, diff);
  if (old_parent && old_parent != parent) drop_if_empty_vg(old_parent, diff);
}

DeviceTree::Diff DeviceTree::sync(const core::MappedDevicePtr& device) {
  Diff diff;
  const core::DeviceInfo info = device->info(false);
  const bool shown = info.live_present;
  auto it = placed_.find(device.get());
  if (!shown && it == placed_.end()) return diff;
  if (it == placed_.end()) it = placed_.emplace(device.get(), Placement{device}).first;
  Placement& p = it->second;

  const std::string name = device->name();
  const byte_count size = shown ? device->size() : 0;
  place(p.mapper, device, shown ? mapper_dir_ : 0, name, size, diff);

  Ino vg_dir = 0;
  std::string lv;
  if (shown && is_lvm_uuid(device->uuid())) {
    if (auto lvm = split_lvm_name(name); lvm && lvm->vg != "mapper") {
      lv = lvm->lv;
      // An existing LV entry under the same VG keeps its directory.
      vg_dir = vg_directory(lvm->vg, diff);
    }
  }
  place(p.lvm, device, vg_dir, lv, size, diff);
  if (vg_dir) drop_if_empty_vg(vg_dir, diff);  // made for nothing (a name clash lost)
  if (!p.mapper && !p.lvm) placed_.erase(it);
  return diff;
}

DeviceTree::Diff DeviceTree::rebuild(const std::vector<core::MappedDevicePtr>& devices) {
  Diff diff;
  std::unordered_set<const core::MappedDevice*> listed;
  for (const auto& d : devices) listed.insert(d.get());
  std::vector<core::MappedDevicePtr> gone;
  for (const auto& [dev, p] : placed_)
    if (!listed.contains(dev)) gone.push_back(p.device);
  for (const auto& d : gone) {
    Placement& p = placed_.at(d.get());
    place(p.mapper, d, 0, {}, 0, diff);
    place(p.lvm, d, 0, {}, 0, diff);
    placed_.erase(d.get());
  }
  for (const auto& d : devices) diff.append(sync(d));
  return diff;
}

const TreeNode* DeviceTree::find(Ino ino) const {
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : &it->second;
}

const TreeNode* DeviceTree::child(Ino parent, std::string_view name) const {
  const TreeNode* p = find(parent);
  if (!p || !p->directory) return nullptr;
  auto it = p->children.find(name);
  return it == p->children.end() ? nullptr : find(it->second);
}

}  // namespace udm::exports::fuse

#include "exports/fuse/device_tree.hpp"

#include <cstdio>
#include <set>

#include "exports/lvm_name.hpp"

namespace udm::exports::fuse {

DeviceTree::DeviceTree() {
  TreeNode root;
  root.ino = ROOT_INO;
  root.parent = ROOT_INO;
  root.directory = true;
  nodes_.emplace(ROOT_INO, std::move(root));
}

Ino DeviceTree::inode_for(const std::string& key) {
  auto [it, added] = inodes_by_key_.try_emplace(key, 0);
  if (added) it->second = next_ino_++;
  return it->second;
}

DeviceTree::Diff DeviceTree::rebuild(const std::vector<core::MappedDevicePtr>& devices) {
  std::unordered_map<Ino, TreeNode> fresh;
  std::set<std::string> keys_used;
  auto& root = fresh[ROOT_INO];
  root.ino = ROOT_INO;
  root.parent = ROOT_INO;
  root.directory = true;

  auto directory = [&](Ino parent, const std::string& name, const std::string& key) -> Ino {
    keys_used.insert(key);
    Ino ino = inode_for(key);
    auto& node = fresh[ino];
    if (node.ino == 0) {
      node.ino = ino;
      node.parent = parent;
      node.name = name;
      node.directory = true;
      fresh[parent].children[name] = ino;
    }
    return ino;
  };
  auto file = [&](Ino parent, const std::string& name, const core::MappedDevicePtr& device, char kind) {
    char key_text[48];
    std::snprintf(key_text, sizeof key_text, "f:%p:%c", static_cast<const void*>(device.get()), kind);
    std::string key = key_text;
    keys_used.insert(key);
    Ino ino = inode_for(key);
    auto& node = fresh[ino];
    node.ino = ino;
    node.parent = parent;
    node.name = name;
    node.device = device;
    node.size = device->size();
    fresh[parent].children[name] = ino;
  };

  Ino mapper = directory(ROOT_INO, "mapper", "d:mapper");
  for (const auto& device : devices) {
    if (!device->info(false).live_present) continue;
    file(mapper, device->name(), device, 'm');
    if (!is_lvm_uuid(device->uuid())) continue;
    auto lvm = split_lvm_name(device->name());
    if (!lvm || lvm->vg == "mapper") continue;
    Ino vg = directory(ROOT_INO, lvm->vg, "d:vg:" + lvm->vg);
    file(vg, lvm->lv, device, 'l');
  }

  Diff diff;
  // Entries that vanished or now point elsewhere, and entries that appeared.
  for (const auto& [ino, node] : nodes_) {
    if (!node.directory) continue;
    auto now = fresh.find(ino);
    for (const auto& [name, child] : node.children) {
      if (now == fresh.end()) {
        diff.entries.emplace_back(ino, name);
        continue;
      }
      auto c = now->second.children.find(name);
      if (c == now->second.children.end() || c->second != child) diff.entries.emplace_back(ino, name);
    }
  }
  for (const auto& [ino, node] : fresh) {
    if (!node.directory) continue;
    auto before = nodes_.find(ino);
    for (const auto& [name, child] : node.children)
      if (before == nodes_.end() || !before->second.children.contains(name))
        diff.entries.emplace_back(ino, name);
  }
  for (const auto& [ino, node] : fresh) {
    if (node.directory) continue;
    auto before = nodes_.find(ino);
    if (before != nodes_.end() && before->second.size != node.size) diff.inodes.push_back(ino);
  }
  std::erase_if(inodes_by_key_, [&](const auto& kv) { return !keys_used.contains(kv.first); });
  nodes_ = std::move(fresh);
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

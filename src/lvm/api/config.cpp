#include "lvm/api/config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "lvm/format/config_parser.hpp"

namespace udm::lvm::api {
namespace {

void collect_strings(const ConfigValue& v, std::vector<std::string>& out) {
  if (v.is_string()) out.push_back(v.text);
  if (v.is_array())
    for (const auto& e : v.array) collect_strings(e, out);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  s = s.substr(i);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  return s;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A key spelled as a path ("backup/backup") becomes nested sections, as
// lvm2 reads --config; applied through the whole tree.
void expand_paths(ConfigNode& node) {
  std::vector<ConfigNode> kids = std::move(node.children);
  node.children.clear();
  for (auto& k : kids) {
    if (k.is_section) expand_paths(k);
    auto slash = k.key.find('/');
    if (slash == std::string::npos || slash == 0) {
      ConfigNode wrapper{.key = "", .is_section = true, .value = {}, .children = {}, .comment = {}};
      wrapper.children.push_back(std::move(k));
      merge_config(node, wrapper);
      continue;
    }
    // "a/b/c" -> a { b { c ... } }
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
      auto s = k.key.find('/', start);
      parts.push_back(k.key.substr(start, s == std::string::npos ? std::string::npos : s - start));
      if (s == std::string::npos) break;
      start = s + 1;
    }
    ConfigNode leaf = std::move(k);
    leaf.key = parts.back();
    for (std::size_t i = parts.size() - 1; i-- > 0;) {
      ConfigNode sec{.key = parts[i], .is_section = true, .value = {}, .children = {}, .comment = {}};
      sec.children.push_back(std::move(leaf));
      leaf = std::move(sec);
    }
    ConfigNode wrapper{.key = "", .is_section = true, .value = {}, .children = {}, .comment = {}};
    wrapper.children.push_back(std::move(leaf));
    merge_config(node, wrapper);
  }
}

// udm's simple format: "key = value" lines, value a comma list.
Result<ConfigTree> parse_simple(const std::string& text, const std::string& path) {
  ConfigTree t;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    ConfigNode n{.key = key, .is_section = false, .value = {}, .children = {}, .comment = {}};
    if (key == "devices") {
      std::vector<ConfigValue> items;
      for (auto& d : split_device_list({value})) items.push_back(ConfigValue::of_string(d));
      n.value = ConfigValue::of_array(std::move(items));
      n.key = "devices/devices";
    } else if (key == "backup" || key == "archive") {
      n.value = ConfigValue::of_int(value != "0");
      n.key = "backup/" + key;
    } else {
      return fail(EINVAL, fmt::format("{}: unknown key \"{}\"", path, key));
    }
    t.root.children.push_back(std::move(n));
  }
  expand_paths(t.root);
  return t;
}

std::optional<bool> flag(const Config& c, std::string_view path) {
  const ConfigNode* n = c.find(path);
  if (!n || n->is_section || !n->value.is_int()) return std::nullopt;
  return n->value.integer != 0;
}
std::optional<std::string> text(const Config& c, std::string_view path) {
  const ConfigNode* n = c.find(path);
  if (!n || n->is_section || !n->value.is_string()) return std::nullopt;
  return n->value.text;
}

}  // namespace

std::vector<std::string> split_device_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item = trim(item);
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

void merge_config(ConfigNode& dst, const ConfigNode& src) {
  for (const auto& s : src.children) {
    ConfigNode* d = dst.find(s.key);
    if (d && d->is_section && s.is_section) merge_config(*d, s);
    else if (d) *d = s;
    else dst.children.push_back(s);
  }
}

namespace {
void insert_after_first(std::vector<ConfigNode>& kids, const ConfigNode& n) {
  kids.insert(kids.empty() ? kids.end() : kids.begin() + 1, n);
}
}  // namespace

void merge_config_lvm2(ConfigNode& dst, const ConfigNode& src, bool loading) {
  for (const auto& sec : src.children) {
    if (loading && sec.key == "tags") continue;  // host tags are taken out at load
    ConfigNode* old = dst.find(sec.key);
    if (!old) {
      insert_after_first(dst.children, sec);
      if (loading && sec.is_section) {
        auto& kids = dst.find(sec.key)->children;
        std::erase_if(kids, [](const ConfigNode& k) { return k.key == "tags"; });
      }
      continue;
    }
    if (!old->is_section || !sec.is_section) {
      *old = sec;
      continue;
    }
    for (const auto& k : sec.children) {
      if (loading && k.key == "tags") continue;
      if (k.is_section) continue;  // lvm2 does not merge subsections
      ConfigNode* o = old->find(k.key);
      if (!o) {
        insert_after_first(old->children, k);
        continue;
      }
      // At load, these lists add up (the new items first).
      if (loading && o->value.is_array() && k.value.is_array() &&
          ((sec.key == "devices" && (k.key == "filter" || k.key == "types")) ||
           (sec.key == "activation" && k.key == "volume_list"))) {
        ConfigValue v = k.value;
        v.array.insert(v.array.end(), o->value.array.begin(), o->value.array.end());
        o->value = std::move(v);
        continue;
      }
      o->value = k.value;
    }
  }
}

const ConfigNode* find_config_path(const ConfigNode& root, std::string_view path) {
  const ConfigNode* n = &root;
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!n->is_section) return nullptr;
    n = n->find(part);
    if (!n) return nullptr;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return n;
}

Result<ConfigTree> parse_config_text(std::string_view text) {
  auto tree = format::parse_config(text);
  if (!tree) return fail(tree.error());
  expand_paths(tree->root);
  return tree;
}

Result<std::vector<FilterRule>> parse_filter(const ConfigNode& node) {
  std::vector<std::string> items;
  collect_strings(node.value, items);
  std::vector<FilterRule> out;
  for (const auto& item : items) {
    // lvm2: 'a' or 'r', then a delimiter, the regex, the same delimiter.
    // The delimiter may be a bracket, closed by its pair: "a(re)", "r{re}".
    const char close = item.size() < 2 ? 0 : item[1] == '(' ? ')' : item[1] == '[' ? ']' : item[1] == '{' ? '}' : item[1];
    if (item.size() < 3 || (item[0] != 'a' && item[0] != 'r') || item.back() != close)
      return fail(EINVAL, fmt::format("Invalid filter pattern \"{}\".", item));
    FilterRule r;
    r.accept = item[0] == 'a';
    r.regex = item.substr(2, item.size() - 3);
    try {
      r.compiled = std::regex(r.regex, std::regex::extended | std::regex::optimize);
    } catch (const std::regex_error&) {
      return fail(EINVAL, fmt::format("Invalid filter pattern \"{}\".", item));
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool filter_accepts(const std::vector<FilterRule>& rules, std::string_view path) {
  const std::string p(path);
  for (const auto& r : rules)
    if (std::regex_search(p, r.compiled)) return r.accept;
  return true;
}

const ConfigNode* Config::find(std::string_view path) const { return find_config_path(merged.root, path); }

bool Config::accepts(std::string_view path) const {
  return filter_accepts(global_filter, path) && filter_accepts(filter, path);
}

Result<Config> load_config(const std::vector<std::string>& cli_devices, const std::vector<std::string>& cli_config,
                           const std::string& profile) {
  Config c;
  if (const char* d = std::getenv("LVM_SYSTEM_DIR"); d && *d) c.system_dir = d;
  std::string archive_root = c.system_dir;
  if (const char* d = std::getenv("UDM_LVM_CONFDIR"); d && *d) archive_root = c.confdir = d;

  const std::string lvm_path = c.system_dir + "/lvm.conf";
  if (auto text = read_file(lvm_path)) {
    auto tree = parse_config_text(*text);
    if (!tree) return fail(EINVAL, fmt::format("{}: {}", lvm_path, tree.error().message));
    c.file_tree = std::move(*tree);
    merge_config(c.merged.root, c.file_tree.root);
    merge_config_lvm2(c.shown.root, c.file_tree.root, true);
  }
  // lvm2 reads lvmlocal.conf (the local section, host settings) over lvm.conf.
  const std::string local_path = c.system_dir + "/lvmlocal.conf";
  if (auto text = read_file(local_path)) {
    auto tree = parse_config_text(*text);
    if (!tree) return fail(EINVAL, fmt::format("{}: {}", local_path, tree.error().message));
    merge_config(c.merged.root, tree->root);
    merge_config_lvm2(c.shown.root, tree->root, true);
  }
  std::string udm_path = c.confdir + "/lvm.conf";
  if (const char* p = std::getenv("UDM_LVM_CONFIG"); p && *p) udm_path = p;
  if (udm_path != lvm_path)
    if (auto text = read_file(udm_path)) {
      auto tree = parse_config_text(*text);
      if (!tree) tree = parse_simple(*text, udm_path);
      if (!tree) return fail(tree.error());
      // udm's simple top-level keys ("devices = /a") parse as config syntax
      // too: they mean devices/devices, backup/backup, backup/archive.
      ConfigNode moved{.key = "", .is_section = true, .value = {}, .children = {}, .comment = {}};
      for (auto& n : tree->root.children) {
        if (n.is_section || (n.key != "devices" && n.key != "backup" && n.key != "archive")) {
          moved.children.push_back(std::move(n));
          continue;
        }
        if (n.key == "devices") {
          std::vector<std::string> v;
          collect_strings(n.value, v);
          std::vector<ConfigValue> items;
          for (auto& d : split_device_list(v)) items.push_back(ConfigValue::of_string(d));
          n.value = ConfigValue::of_array(std::move(items));
        }
        ConfigNode sec{.key = n.key == "devices" ? "devices" : "backup", .is_section = true, .value = {},
                       .children = {}, .comment = {}};
        sec.children.push_back(std::move(n));
        ConfigNode wrapper{.key = "", .is_section = true, .value = {}, .children = {}, .comment = {}};
        wrapper.children.push_back(std::move(sec));
        merge_config(moved, wrapper);
      }
      tree->root = std::move(moved);
      merge_config(c.merged.root, tree->root);
      merge_config_lvm2(c.shown.root, tree->root, true);
    }
  if (!profile.empty()) {
    std::string dir = c.system_dir + "/profile";
    if (const ConfigNode* n = find_config_path(c.merged.root, "config/profile_dir"); n && n->value.is_string())
      dir = n->value.text;
    const std::string path = dir + "/" + profile + ".profile";
    auto text = read_file(path);
    if (!text)
      return fail(ENOENT, fmt::format("{}: stat failed: No such file or directory\n  Failed to load profile {}.", path, profile));
    auto tree = parse_config_text(*text);
    if (!tree) return fail(EINVAL, fmt::format("{}: {}\n  Failed to load profile {}.", path, tree.error().message, profile));
    c.profile_tree = std::move(*tree);
    merge_config(c.merged.root, c.profile_tree.root);
  }
  for (const auto& t : cli_config) {
    auto tree = parse_config_text(t);
    if (!tree) return fail(EINVAL, fmt::format("Failed to set overridden configuration entries: {}", tree.error().message));
    merge_config(c.cli_tree.root, tree->root);
  }
  merge_config(c.merged.root, c.cli_tree.root);

  if (const ConfigNode* devs = c.find("devices/devices"); devs && !devs->is_section) {
    std::vector<std::string> v;
    collect_strings(devs->value, v);
    c.devices = split_device_list(v);
  }
  c.backup = flag(c, "backup/backup").value_or(true);
  c.archive = flag(c, "backup/archive").value_or(true);
  c.backup_dir = text(c, "backup/backup_dir").value_or(archive_root + "/backup");
  c.archive_dir = text(c, "backup/archive_dir").value_or(archive_root + "/archive");
  for (auto [key, rules] : {std::pair{"devices/filter", &c.filter}, std::pair{"devices/global_filter", &c.global_filter}})
    if (const ConfigNode* n = c.find(key); n && !n->is_section) {
      auto r = parse_filter(*n);
      if (!r) return fail(r.error());
      *rules = std::move(*r);
    }
  if (const ConfigNode* n = c.find("devices/scan"); n && !n->is_section) {
    c.scan_dirs.clear();
    collect_strings(n->value, c.scan_dirs);
  }
  if (const ConfigNode* n = c.find("devices/types"); n && !n->is_section) {
    // ["name", max_partitions, ...]: the names are what matters here.
    std::vector<std::string> v;
    collect_strings(n->value, v);
    c.types = std::move(v);
  }
  c.sysfs_scan = flag(c, "devices/sysfs_scan").value_or(true);
  c.scan_lvs = flag(c, "devices/scan_lvs").value_or(false);
  if (const ConfigNode* n = c.find("devices/pv_min_size"); n && !n->is_section && n->value.is_int() && n->value.integer > 0)
    c.pv_min_size_kib = static_cast<std::uint64_t>(n->value.integer);
  if (!cli_devices.empty()) {
    c.devices = split_device_list(cli_devices);
    c.devices_from_cli = true;
  }
  return c;
}

}  // namespace udm::lvm::api

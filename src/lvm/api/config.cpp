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

Result<Config> load_config(const std::vector<std::string>& cli_devices) {
  Config c;
  if (const char* d = std::getenv("UDM_LVM_CONFDIR"); d && *d) c.confdir = d;
  std::string path = c.confdir + "/lvm.conf";
  if (const char* p = std::getenv("UDM_LVM_CONFIG"); p && *p) path = p;
  std::ifstream f(path);
  if (f) {
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string text = ss.str();
    auto tree = format::parse_config(text);
    if (tree) {
      const ConfigNode& root = tree->root;
      const ConfigNode* devs = nullptr;
      if (const ConfigNode* sec = root.find("devices"); sec && sec->is_section) devs = sec->find("devices");
      else devs = sec;
      if (devs && !devs->is_section) {
        std::vector<std::string> v;
        collect_strings(devs->value, v);
        c.devices = split_device_list(v);
      }
      if (const ConfigNode* b = root.find("backup"); b && b->is_section) {
        if (const ConfigNode* k = b->find("backup"); k && k->value.is_int()) c.backup = k->value.integer != 0;
        if (const ConfigNode* k = b->find("archive"); k && k->value.is_int()) c.archive = k->value.integer != 0;
      }
    } else {
      // Simple "key = value" lines.
      std::stringstream lines(text);
      std::string line;
      while (std::getline(lines, line)) {
        if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        if (key == "devices") c.devices = split_device_list({value});
        else if (key == "backup") c.backup = value != "0";
        else if (key == "archive") c.archive = value != "0";
        else return fail(EINVAL, fmt::format("{}: unknown key \"{}\"", path, key));
      }
    }
  }
  if (!cli_devices.empty()) c.devices = split_device_list(cli_devices);
  return c;
}

}  // namespace udm::lvm::api

// lvmconfig (dumpconfig, config): prints the configuration as lvm2's
// lvmconfig does: `key=value` lines, sections as `name {` ... `}` with tab
// indents, lists as ["a","b"] (one item printed alone), and `# key=value`
// for defaults. The defaults are lvm2 2.03.16's for the keys udm reads.
#include <fstream>

#include <fmt/format.h>

#include "lvm/api/cmd.hpp"
#include "lvm/format/config_parser.hpp"

namespace udm::lvm::api::detail {
namespace {

// lvm2's default values, in lvm2's order of definition; $SYS is
// LVM_SYSTEM_DIR. Values are spelled as lvmconfig prints them.
struct Default {
  std::string_view path;
  std::string_view value;
};
constexpr Default DEFAULTS[] = {
    {"devices/dir", R"("/dev")"},
    {"devices/scan", R"(["/dev"])"},
    {"devices/filter", R"(["a|.*|"])"},
    {"devices/global_filter", R"(["a|.*|"])"},
    {"devices/sysfs_scan", "1"},
    {"log/verbose", "0"},
    {"backup/backup", "1"},
    {"backup/backup_dir", R"("$SYS/backup")"},
    {"backup/archive", "1"},
    {"backup/archive_dir", R"("$SYS/archive")"},
    {"backup/retain_min", "10"},
    {"backup/retain_days", "30"},
    {"global/umask", "077"},
    {"global/test", "0"},
    {"global/units", R"("r")"},
    {"global/suffix", "1"},
    {"global/activation", "1"},
    {"global/etc", R"("/etc")"},
    {"global/system_id_source", R"("none")"},
    {"activation/udev_sync", "1"},
    {"activation/udev_rules", "1"},
    {"activation/readahead", R"("auto")"},
    {"activation/raid_region_size", "2048"},
    {"activation/mirror_image_fault_policy", R"("remove")"},
    {"activation/activation_mode", R"("degraded")"},
    {"activation/thin_pool_autoextend_threshold", "100"},
    {"activation/thin_pool_autoextend_percent", "20"},
    {"report/output_format", R"("basic")"},
    {"report/compact_output", "0"},
    {"report/aligned", "1"},
    {"report/buffered", "1"},
    {"report/headings", "1"},
    {"report/separator", R"(" ")"},
    {"report/prefixes", "0"},
    {"report/quoted", "1"},
    {"report/binary_values_as_numeric", "0"},
    {"report/lvs_sort", R"("vg_name,lv_name")"},
    {"report/lvs_cols", R"("lv_name,vg_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,move_pv,mirror_log,copy_percent,convert_lv")"},
    {"report/vgs_sort", R"("vg_name")"},
    {"report/vgs_cols", R"("vg_name,pv_count,lv_count,snap_count,vg_attr,vg_size,vg_free")"},
    {"report/pvs_sort", R"("pv_name")"},
    {"report/pvs_cols", R"("pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free")"},
};

std::string default_value(const Default& d, const Config& cfg) {
  std::string v(d.value);
  if (auto p = v.find("$SYS"); p != std::string::npos) v.replace(p, 4, cfg.system_dir);
  return v;
}
const Default* find_default(std::string_view path) {
  for (const auto& d : DEFAULTS)
    if (d.path == path) return &d;
  return nullptr;
}

std::string scalar_text(const ConfigValue& v) {
  switch (v.kind) {
    case ConfigValue::Kind::integer: return std::to_string(v.integer);
    case ConfigValue::Kind::real: return fmt::format("{:f}", v.real);
    case ConfigValue::Kind::string: return format::quote_config_string(v.text);
    case ConfigValue::Kind::array: break;
  }
  return {};
}
std::string value_text(const ConfigValue& v) {
  if (!v.is_array()) return scalar_text(v);
  if (v.array.size() == 1) return scalar_text(v.array[0]);  // lvm2 prints a one-item list bare
  std::string out = "[";
  for (std::size_t i = 0; i < v.array.size(); ++i) out += (i ? "," : "") + scalar_text(v.array[i]);
  return out + "]";
}

void print_node(std::string& out, const ConfigNode& n, std::size_t depth) {
  const std::string tabs(depth, '\t');
  if (!n.is_section) {
    out += fmt::format("{}{}={}\n", tabs, n.key, value_text(n.value));
    return;
  }
  out += fmt::format("{}{} {{\n", tabs, n.key);
  for (const auto& k : n.children) print_node(out, k, depth + 1);
  out += tabs + "}\n";
}

// Keeps the keys whose value differs from lvm2's default (and those
// without a default udm knows); drops sections left empty.
bool keep_diff(ConfigNode& n, const std::string& prefix, const Config& cfg) {
  if (!n.is_section) {
    const Default* d = find_default(prefix + n.key);
    if (!d) return true;
    // Compared as printed, so that "/dev" and ["/dev"] are equal.
    auto def = parse_config_text("x=" + default_value(*d, cfg));
    const std::string def_text = def && !def->root.children.empty() ? value_text(def->root.children[0].value)
                                                                      : default_value(*d, cfg);
    return def_text != value_text(n.value);
  }
  std::vector<ConfigNode> kept;
  for (auto& k : n.children)
    if (keep_diff(k, prefix + n.key + (n.key.empty() ? "" : "/"), cfg)) kept.push_back(std::move(k));
  n.children = std::move(kept);
  return !n.children.empty();
}

// lvm2 lists the top-level sections of the file it read with the first
// one first and the others in reverse order.
ConfigNode lvm2_order(ConfigNode root) {
  if (root.children.size() > 2) std::reverse(root.children.begin() + 1, root.children.end());
  return root;
}

Outcome<void> print_defaults(Cmd& c, const Config& cfg) {
  std::string out;
  auto section_of = [](std::string_view p) { return p.substr(0, p.find('/')); };
  auto print_section = [&](std::string_view sec) {
    out += fmt::format("{} {{\n", sec);
    for (const auto& d : DEFAULTS)
      if (section_of(d.path) == sec)
        out += fmt::format("\t# {}={}\n", d.path.substr(sec.size() + 1), default_value(d, cfg));
    out += "}\n";
  };
  if (c.cl().args.empty()) {
    std::string_view last;
    for (const auto& d : DEFAULTS)
      if (section_of(d.path) != last) print_section(last = section_of(d.path));
  }
  for (const auto& a : c.cl().args) {
    if (const Default* d = find_default(a)) {
      out += fmt::format("# {}={}\n", d->path.substr(d->path.rfind('/') + 1), default_value(*d, cfg));
      continue;
    }
    bool section = false;
    for (const auto& d : DEFAULTS) section = section || section_of(d.path) == a;
    if (section) print_section(a);
    else c.warn(fmt::format("Configuration node {} not found", a));  // lvm2 succeeds here
  }
  c.say_raw(out);
  return {};
}

}  // namespace

Outcome<void> cmd_lvmconfig(Cmd& c) {
  const std::string type = c.cl().get("type").value_or(c.cl().get("typeconfig").value_or("current"));
  if (type != "current" && type != "default" && type != "diff" && type != "full")
    return failed(fmt::format("Invalid argument for --typeconfig: {}\n  Error during parsing of command line.", type),
                  EXIT_INVALID);
  auto cfg = load_config({}, c.cl().all("config"));
  if (!cfg) return failed(cfg.error().message);
  if (c.cl().has("validate")) {
    // udm reads every key it knows; what it cannot use is a parse or
    // filter error, reported by load_config above.
    c.say("LVM configuration valid.");
    return {};
  }
  if (type == "default") return print_defaults(c, *cfg);

  // With --config, lvm2 shows the --config tree alone unless --mergedconfig.
  ConfigNode root;
  if (!cfg->cli_tree.root.children.empty())
    root = c.cl().has("mergedconfig") ? cfg->merged.root : cfg->cli_tree.root;
  else
    root = lvm2_order(cfg->merged.root);
  if (type == "full") {
    // Every default, overridden by what is set.
    ConfigNode full{.key = "", .is_section = true, .value = {}, .children = {}, .comment = {}};
    for (const auto& d : DEFAULTS) {
      auto parsed = parse_config_text(fmt::format("{}={}", d.path, default_value(d, *cfg)));
      if (parsed) merge_config(full, parsed->root);
    }
    merge_config(full, root);
    root = std::move(full);
  }
  if (type == "diff") keep_diff(root, "", *cfg);

  std::string out;
  bool missing = false;
  if (c.cl().args.empty())
    for (const auto& n : root.children) print_node(out, n, 0);
  for (const auto& a : c.cl().args) {
    const ConfigNode* n = find_config_path(root, a);
    if (!n) {
      if (!c.cl().has("file")) {  // keep lvm2's interleaving of stdout and stderr
        c.say_raw(out);
        out.clear();
      }
      c.warn(fmt::format("Configuration node {} not found", a));
      missing = true;
      continue;
    }
    print_node(out, *n, 0);
  }
  if (auto file = c.cl().get("file")) {
    std::ofstream f(*file);
    if (!f || !(f << out) || !f.flush()) return failed(fmt::format("Failed to write configuration file {}.", *file));
  } else {
    c.say_raw(out);
  }
  if (missing) return failed("");
  return {};
}

}  // namespace udm::lvm::api::detail

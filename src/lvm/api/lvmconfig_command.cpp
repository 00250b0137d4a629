// lvmconfig (dumpconfig, config): prints the configuration as lvm2's
// lvmconfig does: `key=value` lines, sections as `name {` ... `}` with tab
// indents, lists as ["a","b"] (a set one-item list printed alone), and
// `# key=value` for defaults. The settings and their defaults are lvm2
// 2.03.16's (lvm2_settings.cpp).
#include <fstream>

#include <fmt/format.h>

#include "lvm/api/cmd.hpp"
#include "lvm/api/lvm2_settings.hpp"
#include "lvm/format/config_parser.hpp"

namespace udm::lvm::api::detail {
namespace {

std::string_view section_of(std::string_view p) { return p.substr(0, p.find('/')); }
std::string_view key_of(std::string_view p) { return p.substr(p.rfind('/') + 1); }

std::string default_text(const Lvm2Setting& s, const Config& cfg) {
  std::string v(s.value);
  if (auto p = v.find("@SYS@"); p != std::string::npos) v.replace(p, 5, cfg.system_dir);
  return v;
}
bool has_default(const Lvm2Setting& s) { return !(s.flags & (F_NO_DEFAULT | F_SECTION)); }
bool known_section(std::string_view name) {
  for (const auto& s : lvm2_settings())
    if (section_of(s.path) == name) return true;
  return false;
}
// A setting lvm2 knows; anything goes below the free-form sections.
bool known_setting(std::string_view path) {
  return find_lvm2_setting(path) || path.starts_with("allocation/cache_settings/") || path.starts_with("tags/");
}

// --withcomments / --withversions: what lvm2 prints above a node it knows.
struct Notes {
  bool comments = false, versions = false;
};
Notes g_notes;  // one lvmconfig per process

// The table entry of a node of a configuration tree: a setting, a
// top-level section, or a subsection the user names (tags/<tag>,
// allocation/cache_settings/<policy_settings>; what is inside a policy's
// is not checked by lvm2).
const Lvm2Setting* meta_of(const std::string& path, bool section) {
  if (path.find('/') == std::string::npos) return section ? find_lvm2_section(path) : nullptr;
  if (const Lvm2Setting* s = find_lvm2_setting(path); s && bool(s->flags & F_SECTION) == section) return s;
  if (constexpr std::string_view cs = "allocation/cache_settings/"; path.starts_with(cs))
    return section && path.find('/', cs.size()) == std::string::npos ? find_lvm2_setting("allocation/cache_settings/policy_settings")
                                                                     : nullptr;
  if (path.starts_with("tags/")) {
    const auto rest = std::string_view(path).substr(5);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return section ? find_lvm2_setting("tags/tag") : nullptr;
    return section ? nullptr : find_lvm2_setting("tags/<tag>/" + std::string(rest.substr(slash + 1)));
  }
  return nullptr;
}

// lvm2's prefix of a node (its config.c _out_prefix_fn): with comments, a
// blank line, the node's path, its comment and properties (`used`: --type
// full, set in the configuration); with versions, when it came and went.
void print_notes(std::string& out, const Lvm2Setting* s, std::size_t depth, bool used = false) {
  if (!s || !(g_notes.comments || g_notes.versions)) return;
  const std::string tabs(depth, '\t');
  const char* kind = s->flags & F_SECTION ? "section" : "option";
  const bool deprecated = !s->deprecated_since.empty();
  if (g_notes.comments) {
    std::string path(s->path);
    if (s->flags & F_NAME_VARIABLE) path = path.substr(0, path.rfind('/') + 1) + "<" + path.substr(path.rfind('/') + 1) + ">";
    out += fmt::format("\n{}# Configuration {} {}.\n", tabs, kind, path);
    if (deprecated && !s->deprecation_comment.empty()) out += fmt::format("{}# {}", tabs, s->deprecation_comment);
    for (std::size_t pos = 0; pos < s->comment.size();) {
      const std::size_t nl = std::min(s->comment.find('\n', pos), s->comment.size());
      const std::string_view line = s->comment.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.empty()) break;    // lvm2's line reader stops at an empty line
      if (line == "#") continue;  // a spacer, printed only with --withspaces
      out += fmt::format("{}# {}\n", tabs, line);
    }
    if (deprecated) out += fmt::format("{}# This configuration {} is deprecated.\n", tabs, kind);
    if (s->flags & F_ADVANCED) out += fmt::format("{}# This configuration {} is advanced.\n", tabs, kind);
    if (s->flags & F_NAME_VARIABLE) out += fmt::format("{}# This configuration {} has variable name.\n", tabs, kind);
    if (s->flags & F_NO_DEFAULT)
      out += fmt::format("{}# This configuration {} does not have a default value defined.\n", tabs, kind);
    if (s->flags & F_DEFAULT_COMMENTED)
      out += fmt::format("{}# This configuration {} has an automatic default value.\n", tabs, kind);
    if (used) out += fmt::format("{}# Value defined in existing configuration has been used for this setting.\n", tabs);
  }
  if (g_notes.versions) {
    out += fmt::format("{}# Available since version {}.\n", tabs, s->since);
    if (deprecated) out += fmt::format("{}# Deprecated since version {}.\n", tabs, s->deprecated_since);
  }
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

// A tree to print: values already spelled (defaults keep lvm2's spelling,
// "umask=077", "scan=["/dev"]").
struct PNode {
  std::string key;
  bool section = false;
  std::string text;
  std::vector<PNode> kids;
  bool hidden = false;  // a setting without a default: holds its place, not printed
  const Lvm2Setting* meta = nullptr;  // what lvm2 knows of it (for the notes)
  bool used = false;                  // --type full: set in the configuration
};
PNode to_pnode(const ConfigNode& n, const std::string& path = "") {
  PNode p{.key = n.key, .section = n.is_section, .text = n.is_section ? "" : value_text(n.value), .kids = {}, .hidden = false,
          .meta = path.empty() ? nullptr : meta_of(path, n.is_section), .used = false};
  for (const auto& k : n.children) p.kids.push_back(to_pnode(k, path.empty() ? k.key : path + "/" + k.key));
  return p;
}

// Prints a tree as lvm2 prints the current configuration: settings it does
// not know are left out, and a section it does not know shows its content
// without its own name.
void print_tree(std::string& out, const PNode& n, std::size_t depth, const std::string& path) {
  const std::string tabs(depth, '\t');
  if (n.hidden) return print_notes(out, n.meta, depth, n.used);
  if (!n.section) {
    if (depth == 0 || known_setting(path) || !known_section(section_of(path))) {
      print_notes(out, n.meta, depth, n.used);
      out += fmt::format("{}{}={}\n", tabs, n.key, n.text);
    }
    return;
  }
  if (depth == 0 && !known_section(n.key)) {
    for (const auto& k : n.kids) print_tree(out, k, depth + 1, path + "/" + k.key);
    return;
  }
  print_notes(out, n.meta, depth, n.used);
  out += fmt::format("{}{} {{\n", tabs, n.key);
  for (const auto& k : n.kids) print_tree(out, k, depth + 1, path + "/" + k.key);
  out += tabs + "}\n";
}
void print_root(std::string& out, const PNode& root) {
  for (const auto& k : root.kids) print_tree(out, k, 0, k.key);
}

// --type default and its subsets: every selected setting as `# key=value`,
// lvm2's layout (some section names and subsections commented too).
// A setting without a default is picked too: it prints no line, only its
// notes (as lvm2, whose default tree holds it).
using Pick = std::function<bool(const Lvm2Setting&)>;
void print_default_setting(std::string& out, const Lvm2Setting& s, std::size_t depth, const Pick& pick, const Config& cfg) {
  const std::string tabs(depth, '\t');
  if (s.flags & F_SECTION) {
    // Its settings are the table's entries right below it
    // (tags/<tag>/host_list); lvm2 leaves out a subsection none of whose
    // own entries is picked (cache_settings/<policy_settings>).
    std::string below(s.path.substr(0, s.path.rfind('/') + 1));
    below += s.flags & F_NAME_VARIABLE ? "<" + std::string(key_of(s.path)) + ">/" : std::string(key_of(s.path)) + "/";
    std::vector<const Lvm2Setting*> kids;
    for (const auto& k : lvm2_settings())
      if (k.path.starts_with(below) && k.path.find('/', below.size()) == std::string_view::npos && pick(k)) kids.push_back(&k);
    if (kids.empty()) return;
    print_notes(out, &s, depth);
    out += fmt::format("{}# {} {{\n", tabs, key_of(s.path));
    for (const auto* k : kids) print_default_setting(out, *k, depth + 1, pick, cfg);
    out += fmt::format("{}# }}\n", tabs);
    return;
  }
  print_notes(out, &s, depth);
  if (has_default(s)) out += fmt::format("{}# {}={}\n", tabs, key_of(s.path), default_text(s, cfg));
}
void print_default_section(std::string& out, std::string_view sec, const Pick& pick, const Config& cfg) {
  // lvm2 comments these three section names too (not for a file holding
  // only comments or blank lines: that odd case is not followed).
  const char* hash = sec == "tags" || sec == "metadata" || sec == "report" ? "# " : "";
  print_notes(out, find_lvm2_section(sec), 0);
  out += fmt::format("{}{} {{\n", hash, sec);
  for (const auto& s : lvm2_settings())
    if (section_of(s.path) == sec && pick(s) && s.path.find('/') == s.path.rfind('/'))  // deeper ones in their subsection
      print_default_setting(out, s, 1, pick, cfg);
  out += fmt::format("{}}}\n", hash);
}
Outcome<void> print_defaults(Cmd& c, const Config& cfg, const Pick& pick) {
  std::string out;
  auto any = [&](std::string_view sec) {
    for (const auto& s : lvm2_settings())
      if (section_of(s.path) == sec && pick(s)) return true;
    return false;
  };
  if (c.cl().args.empty()) {
    std::string_view last;
    for (const auto& s : lvm2_settings())
      if (section_of(s.path) != last) {
        last = section_of(s.path);
        if (any(last)) print_default_section(out, last, pick, cfg);
      }
  }
  for (const auto& a : c.cl().args) {
    if (const Lvm2Setting* s = find_lvm2_setting(a); s && pick(*s)) {
      print_default_setting(out, *s, 0, pick, cfg);
      continue;
    }
    if (any(a)) print_default_section(out, a, pick, cfg);
    else c.warn(fmt::format("Configuration node {} not found", a));  // lvm2 succeeds here
  }
  c.say_raw(out);
  return {};
}

// --type full: every setting with its default, and what is set over them.
// The set keys of a section replace their defaults and come right after the
// first key of the section (a hidden one in allocation), each before the
// one set earlier; a key lvm2 does not
// know is dropped; a section it does not know goes after the first section.
PNode full_tree(const PNode& current, const Config& cfg) {
  PNode root{.key = "", .section = true, .text = {}, .kids = {}, .hidden = false, .meta = nullptr, .used = false};
  // Settings without a default are in lvm2's tree too, unprinted: the first
  // of allocation (cling_tag_list) is one, so set keys go before
  // maximise_cling there.
  for (const auto& s : lvm2_settings()) {
    if ((s.flags & F_SECTION) || s.path.find('<') != std::string_view::npos) continue;
    const std::string sec(section_of(s.path));
    if (root.kids.empty() || root.kids.back().key != sec)
      root.kids.push_back(PNode{.key = sec, .section = true, .text = {}, .kids = {}, .hidden = false,
                                .meta = find_lvm2_section(sec), .used = false});
    root.kids.back().kids.push_back(PNode{.key = std::string(key_of(s.path)), .section = false,
                                          .text = default_text(s, cfg), .kids = {}, .hidden = !has_default(s),
                                          .meta = &s, .used = false});
  }
  auto after_first = [](std::vector<PNode>& v, PNode n) { v.insert(v.empty() ? v.end() : v.begin() + 1, std::move(n)); };
  for (const auto& sec : current.kids) {
    auto it = std::find_if(root.kids.begin(), root.kids.end(), [&](const PNode& p) { return p.key == sec.key; });
    if (it == root.kids.end()) {
      after_first(root.kids, sec);
      continue;
    }
    if (!sec.section) continue;
    it->used = true;
    // The defaults of every set key go first, then the set keys come in.
    auto& kids = it->kids;
    for (const auto& k : sec.kids)
      kids.erase(std::remove_if(kids.begin(), kids.end(), [&](const PNode& p) { return p.key == k.key; }), kids.end());
    for (auto k : sec.kids)
      if (!k.section && known_setting(sec.key + "/" + k.key)) {  // subsections are not shown
        k.used = true;
        after_first(kids, std::move(k));
      }
  }
  return root;
}

// --type diff: the set keys lvm2 knows whose value is not the default (or
// that have none).
bool keep_diff(PNode& n, const std::string& path, const Config& cfg) {
  if (!n.section) {
    const Lvm2Setting* s = find_lvm2_setting(path);
    if (!s) return false;
    if (!has_default(*s)) return true;
    // Compared as printed, so that "/dev" and ["/dev"] are equal.
    auto def = parse_config_text("x=" + default_text(*s, cfg));
    const std::string def_text =
        def && !def->root.children.empty() ? value_text(def->root.children[0].value) : default_text(*s, cfg);
    return def_text != n.text;
  }
  if (!path.empty() && path.find('/') == std::string::npos && !known_section(path)) return false;
  std::vector<PNode> kept;
  for (auto& k : n.kids)
    if (keep_diff(k, path.empty() ? k.key : path + "/" + k.key, cfg)) kept.push_back(std::move(k));
  n.kids = std::move(kept);
  return !n.kids.empty();
}

// lvm2's complaints about what it does not know, in tree order.
void unknown_settings(const ConfigNode& n, const std::string& path, std::vector<std::string>& out) {
  for (const auto& k : n.children) {
    const std::string p = path.empty() ? k.key : path + "/" + k.key;
    if (path.empty() && k.is_section && !known_section(k.key)) {
      out.push_back(fmt::format("Configuration section \"{}\" unknown.", k.key));
      continue;
    }
    if (k.is_section) {
      if (!p.starts_with("tags") && p != "allocation/cache_settings") unknown_settings(k, p, out);
      continue;
    }
    // devices/devices is udm's own key (docs/lvm-config.md).
    if (!path.empty() && !known_setting(p) && p != "devices/devices") out.push_back(fmt::format("Configuration setting \"{}\" unknown.", p));
  }
}

bool is_set(const ConfigNode& root, std::string_view path) { return find_config_path(root, path) != nullptr; }

}  // namespace

std::vector<std::string> unknown_config_settings(const Config& cfg) {
  std::vector<std::string> out;
  unknown_settings(cfg.shown.root, "", out);
  unknown_settings(cfg.cli_tree.root, "", out);
  return out;
}

namespace {
Outcome<void> lvmconfig(Cmd& c, const Config& cfg, const std::string& type, const std::vector<std::string>& unknown);
}  // namespace

Outcome<void> cmd_lvmconfig(Cmd& c) {
  const std::string type = c.cl().get("type").value_or(c.cl().get("typeconfig").value_or("current"));
  static const char* const TYPES[] = {"current", "default", "diff", "full", "list", "missing", "new",
                                      "profilable", "profilable-command", "profilable-metadata"};
  if (std::find(std::begin(TYPES), std::end(TYPES), type) == std::end(TYPES))
    return failed(fmt::format("Invalid argument for --typeconfig: {}\n  Error during parsing of command line.", type),
                  EXIT_INVALID);
  // lvm2 warns about the files before it loads a profile.
  auto cfg = load_config({}, c.cl().all("config"));
  if (!cfg) return failed(cfg.error().message);
  const auto unknown = unknown_config_settings(*cfg);
  for (const auto& u : unknown) c.warn(u);
  if (const auto profile = profile_of(c.cl()); !profile.empty()) {
    cfg = load_config({}, c.cl().all("config"), profile);
    if (!cfg) return failed(cfg.error().message);
  }
  auto r = lvmconfig(c, *cfg, type, unknown);
  // After a command given --config, lvm2 reads its files again, and warns
  // again about what they hold that it does not know.
  if (!cfg->cli_tree.root.children.empty()) {
    Config files = *cfg;
    files.cli_tree = {};
    for (const auto& u : unknown_config_settings(files)) c.warn(u);
  }
  return r;
}

namespace {
Outcome<void> lvmconfig(Cmd& c, const Config& cfg_ref, const std::string& type, const std::vector<std::string>& unknown) {
  const Config* cfg = &cfg_ref;
  if (c.cl().has("validate")) {
    if (!unknown.empty()) {
      c.warn("LVM configuration invalid.");
      return failed("");
    }
    c.say("LVM configuration valid.");
    return {};
  }
  g_notes = Notes{c.cl().has("withcomments"), c.cl().has("withversions")};
  if (type == "default") return print_defaults(c, *cfg, [](const Lvm2Setting& s) { return !(s.flags & F_DEPRECATED); });
  if (type == "profilable" || type == "profilable-command" || type == "profilable-metadata") {
    const unsigned want = type == "profilable" ? F_PROFILABLE : type == "profilable-command" ? F_PROFILABLE_COMMAND : F_PROFILABLE_METADATA;
    return print_defaults(c, *cfg, [want](const Lvm2Setting& s) { return (s.flags & want) && !(s.flags & F_DEPRECATED); });
  }
  if (type == "missing") {
    const ConfigNode& root = cfg->merged.root;
    return print_defaults(c, *cfg, [&root](const Lvm2Setting& s) {
      // lvm2 does not check the tags section: what is set there is never "used".
      return !(s.flags & (F_DEPRECATED | F_SECTION)) && (!is_set(root, s.path) || s.path.starts_with("tags/"));
    });
  }
  if (type == "new") return {};  // nothing in 2.03.16 is newer than 2.03.16
  if (type == "list") {
    std::string out;
    for (const auto& s : lvm2_settings())
      if (!(s.flags & (F_DEPRECATED | F_SECTION)))
        out += std::string(s.path) + (g_notes.versions ? fmt::format(" - [{}]", s.since) : "") + "\n";
    c.say_raw(out);
    return {};
  }

  // With --config (or a profile), lvm2 shows that tree alone unless
  // --mergedconfig; then the files, the profile and --config merged.
  ConfigNode root;
  const bool cli = !cfg->cli_tree.root.children.empty(), prof = !cfg->profile_tree.root.children.empty();
  if ((cli || prof) && c.cl().has("mergedconfig")) {
    ConfigNode merged{.key = "", .is_section = true, .value = {}, .children = {}, .comment = {}};
    merge_config_lvm2(merged, cfg->shown.root);
    merge_config_lvm2(merged, cfg->profile_tree.root);
    merge_config_lvm2(merged, cfg->cli_tree.root);
    root = std::move(merged);
  } else if (cli) {
    root = cfg->cli_tree.root;
  } else if (prof) {
    root = cfg->profile_tree.root;
  } else {
    root = cfg->shown.root;
  }
  PNode tree = to_pnode(root);
  if (type == "full") tree = full_tree(tree, *cfg);
  if (type == "diff") keep_diff(tree, "", *cfg);

  std::string out;
  bool missing = false;
  if (c.cl().args.empty()) print_root(out, tree);
  for (const auto& a : c.cl().args) {
    const PNode* n = &tree;
    std::string_view rest = a;
    while (n && !rest.empty()) {
      auto slash = rest.find('/');
      auto part = rest.substr(0, slash);
      auto it = std::find_if(n->kids.begin(), n->kids.end(), [&](const PNode& p) { return p.key == part; });
      n = it == n->kids.end() ? nullptr : &*it;
      rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    }
    if (!n || n == &tree) {
      if (!c.cl().has("file")) {  // keep lvm2's interleaving of stdout and stderr
        c.say_raw(out);
        out.clear();
      }
      c.warn(fmt::format("Configuration node {} not found", a));
      missing = true;
      continue;
    }
    print_tree(out, *n, 0, a);
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
}  // namespace

}  // namespace udm::lvm::api::detail

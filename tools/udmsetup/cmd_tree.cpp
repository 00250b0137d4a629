// ls: names, --target, -o devname/blkdevname, and --tree in dmsetup's
// layouts (normal, compact, inverted, with [properties]).
#include <langinfo.h>

#include <algorithm>
#include <clocale>
#include <functional>
#include <map>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"

namespace udm::udmsetup {

// -------------------------------------------------------------------- ls

namespace {

struct TreeNode {
  std::string name;  // empty for a device that is not a mapped device
  std::string blkdevname;  // "dm-3", "loop5": the kernel's name
  unsigned major = 0, minor = 0;
  std::vector<client::DevNumber> children;  // deps, or users when inverted
  client::DeviceInfo info;
  bool is_dm = false;
  bool has_parent = false;
};

struct TreeOptions {
  bool utf = false, device = true, active = false, rw = false, open = false, uuid = false;
  bool inverted = false, compact = false, blkdevname = false, notrunc = false;
};

// dmsetup's -o for --tree: "Tree options not recognised: X." otherwise.
std::optional<TreeOptions> tree_options(const std::optional<std::string>& text) {
  TreeOptions o;
  std::setlocale(LC_ALL, "");
  o.utf = std::string_view(nl_langinfo(CODESET)) == "UTF-8";
  if (!text) return o;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view w = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (w == "ascii") o.utf = false;
    else if (w == "utf") o.utf = true;
    else if (w == "vt100" || w == "devno") {}
    else if (w == "notrunc") o.notrunc = true;
    else if (w == "blkdevname") o.blkdevname = true;
    else if (w == "compact") o.compact = true;
    else if (w == "device") o.device = true;
    else if (w == "nodevice") o.device = false;
    else if (w == "active") o.active = true;
    else if (w == "rw") o.rw = true;
    else if (w == "open") o.open = true;
    else if (w == "uuid") o.uuid = true;
    else if (w == "inverted") o.inverted = true;
    else {
      err(fmt::format("Tree options not recognised: {}.", w));
      err("Couldn't process command line.");
      return std::nullopt;
    }
  }
  return o;
}

using TreeMap = std::map<std::pair<unsigned, unsigned>, TreeNode>;

bool has_properties(const TreeOptions& o) { return o.active || o.rw || o.open || o.uuid; }

std::string tree_label(const TreeNode& n, const TreeOptions& o) {
  std::string line = unmangle_name(n.name);
  if (o.blkdevname && !n.blkdevname.empty()) line += " <" + n.blkdevname + ">";
  if (o.device || !n.is_dm) line += fmt::format(" ({}:{})", n.major, n.minor);
  if (n.is_dm && has_properties(o)) {
    std::vector<std::string> parts;
    if (o.active) parts.push_back(n.info.suspended ? "SUSPENDED" : "ACTIVE");
    if (o.rw) parts.push_back(n.info.read_only ? "RO" : "RW");
    if (o.open) parts.push_back(std::to_string(n.info.open_count));
    if (o.uuid) parts.push_back(unmangle_name(n.info.uuid));
    std::string joined;
    for (const auto& p : parts) joined += (joined.empty() ? "" : ", ") + p;
    line += " [" + joined + "]";
  }
  return line;
}

const TreeNode& tree_child(const TreeMap& nodes, client::DevNumber d, TreeNode& leaf) {
  auto it = nodes.find({d.major, d.minor});
  if (it != nodes.end()) return it->second;
  leaf = TreeNode{};
  leaf.major = d.major;
  leaf.minor = d.minor;
  return leaf;
}

// dmsetup cuts a tree line longer than 80 columns to its first 79 and "..."
// (so such a line prints 82 wide) unless -o notrunc. Columns are
// characters: the box-drawing ones count one each.
void tree_line(const std::string& line, const TreeOptions& o) {
  constexpr std::size_t WIDTH = 80;
  std::size_t columns = 0, cut = std::string::npos;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xc0) == 0x80) continue;  // UTF-8 continuation
    if (columns == WIDTH - 1) cut = i;
    ++columns;
  }
  if (o.notrunc || columns <= WIDTH) out(line + "\n");
  else out(line.substr(0, cut) + "...\n");
}

void print_tree(const TreeMap& nodes, const TreeNode& n, const std::string& indent, bool root,
                bool last, const TreeOptions& o) {
  std::string line;
  if (!root) line = indent + (last ? (o.utf ? " \u2514\u2500" : " `-") : (o.utf ? " \u251c\u2500" : " |-"));
  line += tree_label(n, o);
  tree_line(line, o);
  std::string child_indent = root ? "" : indent + (last ? "   " : (o.utf ? " \u2502 " : " | "));
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    TreeNode leaf;
    const TreeNode& child = tree_child(nodes, n.children[i], leaf);
    print_tree(nodes, child, child_indent, false, i + 1 == n.children.size(), o);
  }
}

// `-o compact`: a first child continues its parent's line ("---" or "-+-");
// later children go on new lines under the '+'. dmsetup places those lines
// 3 columns further right for every inline first-child step above them, and
// so do we, to print the same bytes.
struct CompactCanvas {
  std::vector<std::vector<std::string>> lines;  // one cell per column
  void put(std::size_t line, std::size_t col, const std::string& cell) {
    if (lines.size() <= line) lines.resize(line + 1);
    auto& l = lines[line];
    if (l.size() <= col) l.resize(col + 1, " ");
    l[col] = cell;
  }
  void text(std::size_t line, std::size_t col, const std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) put(line, col + i, std::string(1, s[i]));
  }
};

// Renders `n` at (line, col); returns the last line used.
std::size_t compact_node(const TreeMap& nodes, const TreeNode& n, CompactCanvas& c, std::size_t line,
                         std::size_t col, std::size_t drift, std::vector<std::size_t> bars,
                         const TreeOptions& o) {
  std::string label = tree_label(n, o);
  c.text(line, col, label);
  std::size_t end = col + label.size();
  const std::string h = o.utf ? "\u2500" : "-";
  if (n.children.empty()) return line;
  TreeNode leaf;
  if (n.children.size() == 1) {
    c.put(line, end, h);
    c.put(line, end + 1, h);
    c.put(line, end + 2, h);
    return compact_node(nodes, tree_child(nodes, n.children[0], leaf), c, line, end + 3, drift + 3,
                        bars, o);
  }
  c.put(line, end, h);
  c.put(line, end + 1, o.utf ? "\u252c" : "+");
  c.put(line, end + 2, h);
  std::size_t cont = end + 1 + drift;
  auto with_bar = bars;
  with_bar.push_back(cont);
  std::size_t last = compact_node(nodes, tree_child(nodes, n.children[0], leaf), c, line, end + 3,
                                  drift + 3, with_bar, o);
  for (std::size_t i = 1; i < n.children.size(); ++i) {
    bool is_last = i + 1 == n.children.size();
    std::size_t l = last + 1;
    for (auto b : bars) c.put(l, b, o.utf ? "\u2502" : "|");
    c.put(l, cont, is_last ? (o.utf ? "\u2514" : "`") : (o.utf ? "\u251c" : "|"));
    c.put(l, cont + 1, h);
    TreeNode leaf2;
    last = compact_node(nodes, tree_child(nodes, n.children[i], leaf2), c, l, cont + 2, drift,
                        is_last ? bars : with_bar, o);
  }
  return last;
}

void print_compact(const TreeMap& nodes, const TreeNode& root, const TreeOptions& o) {
  CompactCanvas c;
  compact_node(nodes, root, c, 0, 0, 0, {}, o);
  for (const auto& l : c.lines) {
    std::string s;
    for (const auto& cell : l) s += cell;
    tree_line(s, o);
  }
}

int ls_tree(Context& ctx, const std::vector<client::NameEntry>& names) {
  auto o = tree_options(ctx.sw.options);
  if (!o) return 1;
  using Key = std::pair<unsigned, unsigned>;
  TreeMap nodes;
  std::map<Key, std::vector<client::DevNumber>> deps;
  for (const auto& e : names) {
    Task d(*ctx.client, TaskType::deps);
    d.set_name(e.name);
    if (auto r = d.run(); !r) {
      report_error(d, r.error());
      err("Command failed.");
      return 1;
    }
    auto& n = nodes[{e.major, e.minor}];
    n.name = e.name;
    n.major = e.major;
    n.minor = e.minor;
    n.info = d.info();
    n.is_dm = true;
    deps[{e.major, e.minor}] = d.deps();
  }
  // Build the tree the way libdm's deptree grows: devices in list order,
  // each followed depth-first by what it uses; nodes appear in that order
  // and each use is recorded as it is met.
  std::vector<Key> created;
  std::function<void(Key)> visit = [&](Key k) {
    if (std::find(created.begin(), created.end(), k) != created.end()) return;
    created.push_back(k);
    auto& n = nodes[k];
    n.major = k.first;
    n.minor = k.second;
    if (o->blkdevname) n.blkdevname = blkdevname(ctx, k.first, k.second);
    for (const auto& dep : deps[k]) {
      Key dk{dep.major, dep.minor};
      if (o->inverted) {
        auto& below = nodes[dk];
        below.children.push_back({k.first, k.second});
      } else {
        n.children.push_back(dep);
      }
      visit(dk);
    }
  };
  for (const auto& e : names) visit({e.major, e.minor});
  for (auto& [k, n] : nodes)
    for (const auto& c : n.children)
      if (auto it = nodes.find({c.major, c.minor}); it != nodes.end()) it->second.has_parent = true;
  for (const auto& k : created) {
    const auto& n = nodes[k];
    if (n.has_parent) continue;
    // dmsetup draws a compact tree only without [properties].
    if (o->compact && !has_properties(*o)) print_compact(nodes, n, *o);
    else print_tree(nodes, n, "", true, true, *o);
  }
  return 0;
}

}  // namespace

int cmd_ls(Context& ctx, const std::vector<std::string>&) {
  if (ctx.sw.target || ctx.sw.exec) {
    if (!process_all(ctx, [](Context& x, const std::string* n, bool m) {
          return status_one(x, n, m, false, true);
        })) {
      err("Command failed.");
      return 1;
    }
    return 0;
  }
  auto names = list_devices(ctx);
  if (!names) {
    err("Command failed.");
    return 1;
  }
  if (names->empty()) {
    out("No devices found\n");
    return 0;
  }
  if (ctx.sw.tree) return ls_tree(ctx, *names);
  std::string opt = ctx.sw.options.value_or("devno");
  for (const auto& e : *names) {
    if (opt == "devname") {
      out(fmt::format("{}\t({})\n", unmangle_name(e.name), e.name));
    } else if (opt == "blkdevname") {
      std::string b = blkdevname(ctx, e.major, e.minor);
      out(b.empty() ? format_ls_line(e) : fmt::format("{}\t({})\n", unmangle_name(e.name), b));
    } else {
      out(format_ls_line(e));
    }
  }
  return 0;
}

}  // namespace udm::udmsetup

#include "lvm/report/vgmap.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "lvm/report/display.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::report {
namespace {

// Where a hidden LV is named: by a segment of `parent`. A striped area also
// says which of the child's extents it maps (`start`, `extents`); names in
// other keys (raids, mirrors, metadata, pool, ...) take the whole child.
struct Ref {
  std::size_t parent = 0;
  std::size_t segment = 0;
  bool ranged = false;
  extent_t start = 0;
  extent_t extents = 0;
};

void strings_of(const ConfigValue& v, std::vector<std::string_view>& out) {
  if (v.is_string()) out.push_back(v.text);
  for (const auto& e : v.array) strings_of(e, out);
}

void strings_of(const ConfigNode& n, std::vector<std::string_view>& out) {
  if (!n.is_section) return strings_of(n.value, out);
  for (const auto& c : n.children) strings_of(c, out);
}

// The LV-to-parent relation of one VG, built once.
class Owners {
 public:
  explicit Owners(const VolumeGroup& vg) : vg_(vg), visible_(lv_visibility(vg)) {
    for (std::size_t i = 0; i < vg.lvs.size(); ++i) index_.emplace(vg.lvs[i].name, i);
    for (std::size_t p = 0; p < vg.lvs.size(); ++p) {
      const auto& segs = vg.lvs[p].segments;
      for (std::size_t s = 0; s < segs.size(); ++s) {
        for (const auto& a : segs[s].stripes) add(a.name, Ref{p, s, true, a.start, segs[s].area_extents()});
        std::vector<std::string_view> names;
        for (const auto& n : segs[s].unknown) strings_of(n, names);
        for (auto name : names) add(name, Ref{p, s, false, 0, 0});
      }
    }
  }

  // Follows the parents of `lv`'s segment `segment` up to a visible LV; the
  // bound on steps keeps a cycle in damaged metadata from looping.
  std::pair<std::string, std::string> owner(std::string_view lv, std::size_t segment) const {
    auto it = index_.find(lv);
    if (it == index_.end()) return {std::string(lv), {}};
    std::size_t at = it->second, seg = segment;
    for (std::size_t step = 0; step <= vg_.lvs.size(); ++step) {
      if (visible_[at]) break;
      auto r = refs_.find(at);
      if (r == refs_.end()) break;
      const Ref* pick = &r->second.front();
      // pvmove0 is named by the segments of every LV it moves: the one
      // whose area covers this segment's extents owns them.
      const auto& segs = vg_.lvs[at].segments;
      if (seg < segs.size()) {
        const extent_t first = segs[seg].start_extent, end = first + segs[seg].extent_count;
        for (const auto& ref : r->second)
          if (ref.ranged && ref.start < end && first < ref.start + ref.extents) {
            pick = &ref;
            break;
          }
      }
      at = pick->parent;
      seg = pick->segment;
    }
    std::string top = vg_.lvs[at].name;
    return {top, top == lv ? std::string() : std::string(lv)};
  }

 private:
  void add(std::string_view name, Ref ref) {
    auto it = index_.find(name);
    if (it == index_.end() || it->second == ref.parent) return;
    refs_[it->second].push_back(ref);
  }

  const VolumeGroup& vg_;
  std::vector<bool> visible_;
  std::unordered_map<std::string_view, std::size_t> index_;
  std::unordered_map<std::size_t, std::vector<Ref>> refs_;
};

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows no control characters but tab, CR, LF.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
        else out += c;
    }
  }
  return out;
}

// "12", "12.5", "12.25": coordinates without trailing zeros.
std::string num(double v) {
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

struct Rgb {
  int r = 0, g = 0, b = 0;
};

Rgb rgb_of(std::string_view hex) {
  auto digit = [](char c) { return c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0'; };
  auto h = [&](std::size_t i) { return digit(hex[i]) * 16 + digit(hex[i + 1]); };
  if (hex.size() != 7 || hex[0] != '#') return {};
  return {h(1), h(3), h(5)};
}

// Dark text on light colours, white on dark ones.
bool is_light(std::string_view hex) {
  Rgb c = rgb_of(hex);
  return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b > 140;
}

constexpr std::string_view LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

}  // namespace

const VgMapLv* VgMap::find(std::string_view lv) const {
  for (const auto& l : lvs)
    if (l.name == lv) return &l;
  return nullptr;
}

const std::vector<std::string_view>& vgmap_palette() {
  // Twelve colours that stay apart from each other and from the grey of
  // free space.
  static const std::vector<std::string_view> p = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                                                  "#b07aa1", "#ff9da7", "#9c755f", "#2f4b7c", "#a0cbe8", "#8cd17d"};
  return p;
}

std::size_t vgmap_preferred_colour(std::string_view lv_name) {
  // FNV-1a: the same name gets the same colour in every run and build.
  std::uint32_t h = 2166136261u;
  for (char c : lv_name) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h % vgmap_palette().size();
}

int vgmap_ansi256(std::string_view hex) {
  static const int levels[] = {0, 95, 135, 175, 215, 255};
  auto nearest = [](int v) {
    int best = 0;
    for (int i = 1; i < 6; ++i)
      if (std::abs(levels[i] - v) < std::abs(levels[best] - v)) best = i;
    return best;
  };
  Rgb c = rgb_of(hex);
  return 16 + 36 * nearest(c.r) + 6 * nearest(c.g) + nearest(c.b);
}

VgMapSpan vgmap_span(extent_t pe_start, extent_t pe_count, extent_t max_pe, double x0, double width) {
  if (max_pe == 0) return {x0, 0};
  const double per = width / static_cast<double>(max_pe);
  return {x0 + static_cast<double>(pe_start) * per, static_cast<double>(pe_count) * per};
}

std::string vgmap_owner(const VolumeGroup& vg, const PvExtentUse& use) {
  return Owners(vg).owner(use.lv_name, use.segment_index).first;
}

VgMap vgmap_layout(const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths) {
  VgMap map;
  map.vg = vg.name;
  map.extent_size = vg.extent_size;
  const Owners owners(vg);
  std::map<std::string, std::vector<PvExtentUse>, std::less<>> by_pv;
  for (auto& u : pv_extent_map(vg)) by_pv[u.pv_name].push_back(std::move(u));
  std::map<std::string, extent_t, std::less<>> used;  // top LV -> extents
  for (const auto& pv : vg.pvs) {
    VgMapPv bar;
    bar.name = pv.name;
    auto path = pv_paths.find(pv.name);
    bar.path = path != pv_paths.end() && !path->second.empty() ? path->second : "[unknown]";
    bar.pe_count = pv.pe_count;
    extent_t at = 0;
    auto free_until = [&](extent_t end) {
      if (end > at) {
        bar.runs.push_back({at, end - 1, {}, {}});
        bar.free += end - at;
      }
    };
    if (auto it = by_pv.find(pv.name); it != by_pv.end()) {
      // pv_extent_map sorts by PE; pvdisplay -m lists the runs the same way.
      for (const auto& u : it->second) {
        if (u.pe_count == 0) continue;
        free_until(u.pe_start);
        auto [top, sub] = owners.owner(u.lv_name, u.segment_index);
        used[top] += u.pe_count;
        bar.runs.push_back({u.pe_start, u.pe_start + u.pe_count - 1, std::move(top), std::move(sub)});
        at = std::max(at, u.pe_start + u.pe_count);
      }
    }
    free_until(pv.pe_count);
    map.max_pe = std::max(map.max_pe, pv.pe_count);
    map.pvs.push_back(std::move(bar));
  }
  // The legend, in VG order; colours go to LVs in that order.
  std::vector<bool> taken(vgmap_palette().size(), false);
  for (const auto& lv : vg.lvs) {
    auto u = used.find(lv.name);
    if (u == used.end()) continue;
    VgMapLv e;
    e.name = lv.name;
    e.size = lv.extent_count() * vg.extent_size;
    e.extents = u->second;
    std::size_t c = vgmap_preferred_colour(lv.name);
    for (std::size_t k = 0; k < taken.size(); ++k) {
      std::size_t probe = (c + k) % taken.size();
      if (!taken[probe]) {
        c = probe;
        break;
      }
    }
    taken[c] = true;
    e.colour = c;
    const std::size_t n = map.lvs.size();
    e.letter = n < LETTERS.size() ? LETTERS[n] : '#';
    if (segtypes::lv_is_thin_pool(lv))
      for (const auto* t : segtypes::pool_thin_lvs(vg, lv.name)) e.thin.push_back(t->name);
    map.lvs.push_back(std::move(e));
  }
  return map;
}

// ------------------------------------------------------------------ SVG

std::string vgmap_svg(const VgMap& map) {
  constexpr double x0 = 20, bar_w = 920, bar_h = 32, top = 64, row = 72, legend_row = 22;
  const double width = x0 * 2 + bar_w;
  const double legend_top = top + static_cast<double>(map.pvs.size()) * row + 16;
  const double height = legend_top + static_cast<double>(map.lvs.size() + 1) * legend_row + 16;
  const auto& palette = vgmap_palette();
  auto colour_of = [&](std::string_view lv) -> std::string_view {
    const VgMapLv* e = map.find(lv);
    return e ? palette[e->colour] : std::string_view("#888888");
  };
  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      num(width), num(height));
  const std::string title = fmt::format("Volume group {}: {} PV{}, {} extents", map.vg, map.pvs.size(),
                                        map.pvs.size() == 1 ? "" : "s", long_size(map.extent_size));
  s += fmt::format("<title>{}</title>\n", xml_escape(title));
  s += "<defs>\n"
       "<pattern id=\"free\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\" "
       "patternTransform=\"rotate(45)\">\n"
       "<rect width=\"8\" height=\"8\" fill=\"#f6f6f6\"/>\n"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#d0d0d0\" stroke-width=\"2\"/>\n"
       "</pattern>\n"
       "</defs>\n";
  s += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"white\"/>\n", num(width), num(height));
  s += fmt::format("<text x=\"{}\" y=\"30\" font-size=\"16\" font-weight=\"bold\">{}</text>\n", num(x0),
                   xml_escape(title));
  for (std::size_t i = 0; i < map.pvs.size(); ++i) {
    const VgMapPv& pv = map.pvs[i];
    const double y = top + static_cast<double>(i) * row;
    s += fmt::format("<g class=\"pv\" data-pv=\"{}\" data-pv-name=\"{}\" data-pe-count=\"{}\">\n", xml_escape(pv.path),
                     xml_escape(pv.name), pv.pe_count);
    s += fmt::format("<text x=\"{}\" y=\"{}\">{} ({}): {} PE, {} free</text>\n", num(x0), num(y), xml_escape(pv.path),
                     xml_escape(pv.name), pv.pe_count, pv.free);
    const double bar_y = y + 8;
    for (const auto& run : pv.runs) {
      const VgMapSpan sp = vgmap_span(run.pe_start, run.count(), map.max_pe, x0, bar_w);
      const std::string range = fmt::format("PE {}-{}", run.pe_start, run.pe_end);
      if (run.free()) {
        s += fmt::format(
            "<rect class=\"free\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#free)\" data-pv=\"{}\" "
            "data-pe-start=\"{}\" data-pe-end=\"{}\"><title>free: {}</title></rect>\n",
            num(sp.x), num(bar_y), num(sp.width), num(bar_h), xml_escape(pv.path), run.pe_start, run.pe_end, range);
        continue;
      }
      const std::string_view fill = colour_of(run.lv);
      const std::string sub = run.sub_lv.empty() ? "" : fmt::format(" data-sub-lv=\"{}\"", xml_escape(run.sub_lv));
      s += fmt::format(
          "<rect class=\"seg\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"white\" "
          "stroke-width=\"1\" data-pv=\"{}\" data-lv=\"{}\"{} data-pe-start=\"{}\" data-pe-end=\"{}\">"
          "<title>{}: {}</title></rect>\n",
          num(sp.x), num(bar_y), num(sp.width), num(bar_h), fill, xml_escape(pv.path), xml_escape(run.lv), sub,
          run.pe_start, run.pe_end, xml_escape(run.lv), range);
      // The name inside the piece when it fits (about 7 px a character).
      if (sp.width >= 7.0 * static_cast<double>(run.lv.size()) + 8)
        s += fmt::format(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\" pointer-events=\"none\">{}</text>\n",
            num(sp.x + sp.width / 2), num(bar_y + bar_h / 2 + 4), is_light(fill) ? "black" : "white",
            xml_escape(run.lv));
    }
    const VgMapSpan whole = vgmap_span(0, pv.pe_count, map.max_pe, x0, bar_w);
    s += fmt::format(
        "<rect class=\"outline\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#555555\"/>\n",
        num(whole.x), num(bar_y), num(whole.width), num(bar_h));
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#666666\">0</text>\n", num(x0),
                     num(bar_y + bar_h + 12));
    s += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#666666\" text-anchor=\"end\">{}</text>\n",
                     num(whole.x + whole.width), num(bar_y + bar_h + 12), pv.pe_count);
    s += "</g>\n";
  }
  // Legend: a swatch, then columns for the name, size, extents (and a
  // pool's thin LVs); free space last.
  std::size_t name_len = 4;
  for (const auto& lv : map.lvs) name_len = std::max(name_len, lv.name.size());
  const double name_x = x0 + 22, size_x = name_x + 7.5 * static_cast<double>(name_len) + 90, pe_x = size_x + 80;
  auto row_text = [&](double y, std::string_view name, sector_t size, extent_t extents, std::string_view extra) {
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(name_x), num(y), xml_escape(name));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", num(size_x), num(y),
                     xml_escape(long_size(size)));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} PE</text>\n", num(pe_x), num(y), extents);
    if (!extra.empty())
      s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555555\">{}</text>\n", num(pe_x + 16), num(y),
                       xml_escape(extra));
  };
  s += "<g class=\"legend\">\n";
  double y = legend_top;
  for (const auto& lv : map.lvs) {
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{}\" data-lv=\"{}\"/>\n", num(x0),
                     num(y - 11), palette[lv.colour], xml_escape(lv.name));
    std::string thin;
    if (!lv.thin.empty()) {
      thin = "thin:";
      for (const auto& t : lv.thin) thin += " " + t;
    }
    row_text(y, lv.name, lv.size, lv.extents, thin);
    y += legend_row;
  }
  extent_t free = 0;
  for (const auto& pv : map.pvs) free += pv.free;
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"url(#free)\" stroke=\"#999999\"/>\n",
                   num(x0), num(y - 11));
  row_text(y, "free", free * map.extent_size, free, "");
  s += "</g>\n</svg>\n";
  return s;
}

// ------------------------------------------------------------------ text

namespace {

// The LV (legend index) or free (-1) that covers most of each cell when
// `pv` is drawn in `cells` characters of `per_cell` extents each.
std::vector<int> cells_of(const VgMap& map, const VgMapPv& pv, std::size_t cells, double per_cell) {
  std::vector<int> out(cells, -1);
  std::size_t r = 0;
  for (std::size_t c = 0; c < cells; ++c) {
    const double lo = static_cast<double>(c) * per_cell, hi = lo + per_cell;
    while (r < pv.runs.size() && static_cast<double>(pv.runs[r].pe_end + 1) <= lo) ++r;
    double best = 0, free = 0;
    for (std::size_t k = r; k < pv.runs.size() && static_cast<double>(pv.runs[k].pe_start) < hi; ++k) {
      const auto& run = pv.runs[k];
      const double part = std::min(hi, static_cast<double>(run.pe_end + 1)) -
                          std::max(lo, static_cast<double>(run.pe_start));
      if (run.free()) {
        free += part;
        continue;
      }
      // The LV covering most of the cell; free space wins only over less.
      if (part > best) {
        best = part;
        const VgMapLv* e = map.find(run.lv);
        out[c] = e ? static_cast<int>(e - map.lvs.data()) : -1;
      }
    }
    if (free > best) out[c] = -1;
  }
  // A run too small to win a cell still shows where it lies next to free
  // space: it takes the cell of its middle when free won that cell.
  if (per_cell > 0)
    for (const auto& run : pv.runs) {
      if (run.free()) continue;
      const double mid = (static_cast<double>(run.pe_start) + static_cast<double>(run.pe_end + 1)) / 2;
      const auto c = std::min(cells - 1, static_cast<std::size_t>(mid / per_cell));
      const VgMapLv* e = map.find(run.lv);
      if (out[c] < 0 && e) out[c] = static_cast<int>(e - map.lvs.data());
    }
  return out;
}

std::string paint(const std::string& text, std::string_view hex) {
  return fmt::format("\033[48;5;{};38;5;{}m{}\033[0m", vgmap_ansi256(hex), is_light(hex) ? 16 : 231, text);
}

// The tail of a long path, so the bars keep their room.
std::string fit(const std::string& s, std::size_t width) {
  if (s.size() <= width) return s;
  if (width <= 3) return s.substr(s.size() - width);
  return "..." + s.substr(s.size() - (width - 3));
}

}  // namespace

std::string vgmap_text(const VgMap& map, int columns, bool colour) {
  const auto& palette = vgmap_palette();
  const std::size_t cols = static_cast<std::size_t>(std::max(columns, 40));
  std::size_t label_w = 0, suffix_w = 0;
  std::vector<std::string> suffixes;
  for (const auto& pv : map.pvs) {
    label_w = std::max(label_w, pv.path.size());
    suffixes.push_back(fmt::format("{} PE, {} free", pv.pe_count, pv.free));
    suffix_w = std::max(suffix_w, suffixes.back().size());
  }
  label_w = std::min(label_w, cols / 3);
  // "  LABEL |BAR| SUFFIX"
  const std::size_t fixed = 2 + label_w + 2 + 2 + suffix_w;
  const std::size_t bar_w = cols > fixed + 10 ? cols - fixed : 10;
  std::string out = fmt::format("  VG {}: {} PV{}, {} extents\n", map.vg, map.pvs.size(),
                                map.pvs.size() == 1 ? "" : "s", long_size(map.extent_size));
  for (std::size_t i = 0; i < map.pvs.size(); ++i) {
    const VgMapPv& pv = map.pvs[i];
    std::size_t cells = 0;
    if (map.max_pe && pv.pe_count) {
      cells = static_cast<std::size_t>(std::llround(static_cast<double>(pv.pe_count) * static_cast<double>(bar_w) /
                                                    static_cast<double>(map.max_pe)));
      cells = std::clamp<std::size_t>(cells, 1, bar_w);
    }
    const double per_cell = cells ? static_cast<double>(pv.pe_count) / static_cast<double>(cells) : 0;
    const std::vector<int> owner = cells_of(map, pv, cells, per_cell);
    std::string bar;
    for (std::size_t c = 0; c < cells;) {
      std::size_t e = c;
      while (e < cells && owner[e] == owner[c]) ++e;
      if (owner[c] < 0) {
        bar += std::string(e - c, '.');
      } else {
        const VgMapLv& lv = map.lvs[static_cast<std::size_t>(owner[c])];
        std::string run(e - c, lv.letter);
        bar += colour ? paint(run, palette[lv.colour]) : run;
      }
      c = e;
    }
    out += fmt::format("  {:<{}} |{}|{} {}\n", fit(pv.path, label_w), label_w, bar, std::string(bar_w - cells, ' '),
                       suffixes[i]);
  }
  out += "\n";
  std::size_t name_w = 4;
  for (const auto& lv : map.lvs) name_w = std::max(name_w, lv.name.size());
  for (const auto& lv : map.lvs) {
    const std::string letter(1, lv.letter);
    out += fmt::format("  {} {:<{}} {:>12} {:>8} PE", colour ? paint(letter, palette[lv.colour]) : letter, lv.name,
                       name_w, long_size(lv.size), lv.extents);
    if (!lv.thin.empty()) {
      out += "  thin:";
      for (const auto& t : lv.thin) out += " " + t;
    }
    out += "\n";
  }
  extent_t free = 0;
  for (const auto& pv : map.pvs) free += pv.free;
  out += fmt::format("  . {:<{}} {:>12} {:>8} PE\n", "free", name_w, long_size(free * map.extent_size), free);
  return out;
}

}  // namespace udm::lvm::report

#include "stats_histogram.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace udm::udmsetup {

namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string latency_label(std::uint64_t value, bool precise) {
  std::uint64_t ns = precise ? value : value * 1'000'000u;
  if (ns == 0) return "0";
  static const std::pair<std::uint64_t, const char*> units[] = {
      {1'000'000'000u, "s"}, {1'000'000u, "ms"}, {1'000u, "us"}, {1u, "ns"}};
  for (const auto& [scale, name] : units)
    if (ns % scale == 0) return fmt::format("{}{}", ns / scale, name);
  return fmt::format("{}ns", ns);
}

std::vector<HistogramBucket> region_histogram(const StatsRegionData& r) {
  std::vector<HistogramBucket> out;
  if (r.bounds.empty()) return out;
  out.resize(r.bounds.size() + 1);
  for (std::size_t b = 0; b <= r.bounds.size(); ++b) {
    const std::string lo = b ? latency_label(r.bounds[b - 1], r.precise) : "0";
    out[b].label = b < r.bounds.size() ? lo + "-" + latency_label(r.bounds[b], r.precise) : ">" + lo;
  }
  for (const auto& h : r.histograms)
    for (std::size_t b = 0; b < h.size() && b < out.size(); ++b) out[b].count += h[b];
  return out;
}

std::string histogram_svg(const std::string& title, const std::vector<HistogramBucket>& buckets) {
  constexpr int bar_w = 60, gap = 20, left = 60, top = 50, plot_h = 240, bottom = 60;
  const int n = static_cast<int>(buckets.size());
  const int width = left + n * (bar_w + gap) + gap;
  const int height = top + plot_h + bottom;
  std::uint64_t max = 1;
  for (const auto& b : buckets) max = std::max(max, b.count);
  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      width, height, width, height);
  s += fmt::format("<title>{}</title>\n", xml_escape(title));
  s += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"white\"/>\n", width, height);
  s += fmt::format("<text x=\"{}\" y=\"24\" font-size=\"16\">{}</text>\n", left, xml_escape(title));
  // Axes.
  s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"black\"/>\n", left, top,
                   top + plot_h);
  s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"black\"/>\n", left, top + plot_h,
                   width - gap / 2);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 6, top + 4, max);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n", left - 6, top + plot_h + 4);
  for (int i = 0; i < n; ++i) {
    const auto& b = buckets[static_cast<std::size_t>(i)];
    const int h = static_cast<int>(static_cast<double>(b.count) * plot_h / static_cast<double>(max));
    const int x = left + gap + i * (bar_w + gap);
    s += fmt::format(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#3b78c2\" data-count=\"{}\" "
        "data-bucket=\"{}\"/>\n",
        x, top + plot_h - h, bar_w, h, b.count, xml_escape(b.label));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x + bar_w / 2,
                     top + plot_h - h - 4, b.count);
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x + bar_w / 2, top + plot_h + 18,
                     xml_escape(b.label));
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">latency</text>\n", left + (width - left) / 2,
                   height - 12);
  s += "</svg>\n";
  return s;
}

std::string histogram_bars(const std::string& title, const std::vector<HistogramBucket>& buckets, bool colour,
                           int width) {
  std::size_t label_w = 0;
  std::uint64_t max = 1;
  for (const auto& b : buckets) {
    label_w = std::max(label_w, b.label.size());
    max = std::max(max, b.count);
  }
  std::string out = title + "\n";
  for (const auto& b : buckets) {
    const int n = static_cast<int>(static_cast<double>(b.count) * width / static_cast<double>(max));
    std::string bar(static_cast<std::size_t>(n), '#');
    if (colour && n) bar = "\033[34m" + bar + "\033[0m";
    out += fmt::format("  {:>{}} |{}{} {}\n", b.label, label_w, bar, std::string(static_cast<std::size_t>(width - n), ' '),
                       b.count);
  }
  return out;
}

}  // namespace udm::udmsetup

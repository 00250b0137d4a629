// A region's I/O latency histogram as pictures: an SVG bar chart (one bar
// per bucket) and bars for the terminal. udm's addition to dmstats:
// `udmstats report --histogram --svg FILE [device]`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stats_report.hpp"

namespace udm::udmsetup {

struct HistogramBucket {
  std::string label;  // "0-1ms", "1ms-5ms", ">20ms"
  std::uint64_t count = 0;
};

// The buckets of a populated region, summed over its areas; empty when the
// region has no histogram.
std::vector<HistogramBucket> region_histogram(const StatsRegionData& r);

// "5ms", "100us", "1s": a bound in the region's unit (ms, or ns if precise).
std::string latency_label(std::uint64_t value, bool precise);

// A standalone SVG document: `title`, then one <rect class="bar"> per
// bucket (data-count holds its count), the labels under the bars.
std::string histogram_svg(const std::string& title, const std::vector<HistogramBucket>& buckets);

// One line per bucket: label, a bar scaled to `width` columns, the count;
// coloured with ANSI escapes when `colour`.
std::string histogram_bars(const std::string& title, const std::vector<HistogramBucket>& buckets, bool colour,
                           int width = 50);

}  // namespace udm::udmsetup

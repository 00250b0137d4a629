#include "table_text.hpp"

#include "base/table_text.hpp"

namespace udm::udmsetup {

Result<std::vector<client::TableLine>> parse_table(std::string_view text, std::string_view source) {
  auto lines = udm::parse_table_text(text, source);
  if (!lines) return fail(lines.error());
  std::vector<client::TableLine> out;
  out.reserve(lines->size());
  for (auto& l : *lines) out.push_back({l.start, l.length, std::move(l.type), std::move(l.params)});
  return out;
}

}  // namespace udm::udmsetup

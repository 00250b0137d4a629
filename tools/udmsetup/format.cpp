#include "format.hpp"

#include <cctype>
#include <string_view>

#include <fmt/format.h>

namespace udm::udmsetup {

std::string format_library_version() {
  return fmt::format("Library version:   {} ({})\n", client::LIBRARY_VERSION, client::LIBRARY_DATE);
}

std::string format_driver_version(const client::Version& v) {
  return fmt::format("Driver version:    {}.{}.{}\n", v.major, v.minor, v.patch);
}

std::string format_target_version(const client::NamedVersion& t) {
  return fmt::format("{:<16} v{}.{}.{}\n", t.name, t.version.major, t.version.minor,
                     t.version.patch);
}

std::string format_info_block(const client::DeviceInfo& info, std::optional<unsigned> read_ahead,
                              const std::string& extra_lines) {
  std::string out;
  out += fmt::format("Name:              {}\n", unmangle_name(info.name));
  out += fmt::format("State:             {}{}{}\n", info.suspended ? "SUSPENDED" : "ACTIVE",
                     info.read_only ? " (READ-ONLY)" : "",
                     info.deferred_remove ? " (DEFERRED REMOVE)" : "");
  if (read_ahead) out += fmt::format("Read Ahead:        {}\n", *read_ahead);
  if (!info.live_table && !info.inactive_table)
    out += "Tables present:    None\n";
  else
    out += fmt::format("Tables present:    {}{}{}\n", info.live_table ? "LIVE" : "",
                       info.live_table && info.inactive_table ? " & " : "",
                       info.inactive_table ? "INACTIVE" : "");
  if (info.open_count != -1) out += fmt::format("Open count:        {}\n", info.open_count);
  out += fmt::format("Event number:      {}\n", info.event_nr);
  out += fmt::format("Major, minor:      {}, {}\n", info.major, info.minor);
  if (info.target_count != -1) out += fmt::format("Number of targets: {}\n", info.target_count);
  if (!info.uuid.empty()) out += fmt::format("UUID: {}\n", unmangle_name(info.uuid));
  out += extra_lines;
  out += "\n";
  return out;
}

std::string format_table_line(const std::optional<std::string>& name_prefix,
                              const client::TableLine* line) {
  std::string out;
  if (name_prefix) out += unmangle_name(*name_prefix) + ": ";
  if (line) out += fmt::format("{} {} {} {}", line->start, line->length, line->type, line->params);
  out += "\n";
  return out;
}

std::string format_ls_line(const client::NameEntry& e) {
  return fmt::format("{}\t({}:{})\n", unmangle_name(e.name), e.major, e.minor);
}

std::string format_ls_target_line(const std::string& name, unsigned major, unsigned minor) {
  return fmt::format("{}\t({}, {})\n", unmangle_name(name), major, minor);
}

std::string format_deps(const std::optional<std::string>& name_prefix,
                        const std::vector<client::DevNumber>& deps) {
  std::string out;
  if (name_prefix) out += unmangle_name(*name_prefix) + ": ";
  out += fmt::format("{} dependencies\t:", deps.size());
  for (const auto& d : deps) out += fmt::format(" ({}, {})", d.major, d.minor);
  out += "\n";
  return out;
}

std::string format_file_line(const std::string& path) {
  return fmt::format("File:              {}\n", path);
}

std::string format_nbd_line(const std::string& name, const std::string& socket) {
  return fmt::format("NBD URI:           nbd+unix:///{}?socket={}\n", name, socket);
}

namespace {

bool whitelisted(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("#+-.:=@_").find(c) != std::string_view::npos;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// "\xNN" at position i.
bool escape_at(const std::string& s, std::size_t i) {
  return i + 3 < s.size() && s[i] == '\\' && s[i + 1] == 'x' && is_hex(s[i + 2]) && is_hex(s[i + 3]);
}

}  // namespace

std::string mangle_name(const std::string& name) {
  bool clean = true;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (escape_at(name, i)) {
      i += 3;
    } else if (!whitelisted(name[i])) {
      clean = false;
    }
  }
  if (clean) return name;  // plain, or already mangled
  std::string out;
  for (char c : name) {
    if (whitelisted(c)) out += c;
    else out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
  }
  return out;
}

std::string unmangle_name(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (escape_at(name, i)) {
      out += static_cast<char>(std::stoi(name.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += name[i];
    }
  }
  return out;
}

namespace {

// Words of a parameter string with their offsets, split on single spaces the
// way the kernel prints them.
struct Word {
  std::size_t pos, len;
};

std::vector<Word> words_of(const std::string& s) {
  std::vector<Word> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back({start, i - start});
  }
  return out;
}

// Replace the part after "prefix:" up to the next ':' (hash/crypt key) with 0s.
void mask_after(std::string& word, const std::string& prefix) {
  if (word.rfind(prefix, 0) != 0) return;
  std::size_t start = prefix.size();
  // "internal_hash:alg:key": the key is the third colon field.
  std::size_t alg_end = word.find(':', start);
  if (alg_end == std::string::npos) return;
  for (std::size_t i = alg_end + 1; i < word.size(); ++i) word[i] = '0';
}

}  // namespace

std::string mask_keys(const std::string& type, const std::string& params) {
  std::string out = params;
  auto words = words_of(params);
  if (type == "crypt") {
    if (words.size() >= 2 && params[words[1].pos] != ':')
      for (std::size_t i = 0; i < words[1].len; ++i) out[words[1].pos + i] = '0';
  } else if (type == "integrity") {
    for (const auto& w : words) {
      std::string word = params.substr(w.pos, w.len);
      for (const char* p : {"internal_hash:", "journal_crypt:", "journal_mac:"}) mask_after(word, p);
      out.replace(w.pos, w.len, word);
    }
  }
  return out;
}

}  // namespace udm::udmsetup

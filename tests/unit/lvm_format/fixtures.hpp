// Reading the fixture files made by fixtures/make-fixtures.sh with real lvm2.
#pragma once

#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lvm_format_test {

inline std::string fixture_text(const std::string& name) {
  std::ifstream in(std::string(LVM_FIXTURE_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `xxd -p` output back to bytes.
inline std::vector<std::byte> fixture_hex(const std::string& name) {
  std::string hex;
  for (char c : fixture_text(name))
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
  std::vector<std::byte> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::byte>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace lvm_format_test

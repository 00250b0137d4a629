// Internal: unaligned native-endian loads and stores into byte buffers.
// Callers bounds-check before calling; these only assert.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace udm::abi::wire {

template <class T>
T load(std::span<const std::uint8_t> buf, std::size_t off) {
  assert(off <= buf.size() && buf.size() - off >= sizeof(T));
  T v;
  std::memcpy(&v, buf.data() + off, sizeof(T));
  return v;
}

template <class T>
void store(std::span<std::uint8_t> buf, std::size_t off, T v) {
  assert(off <= buf.size() && buf.size() - off >= sizeof(T));
  std::memcpy(buf.data() + off, &v, sizeof(T));
}

inline void store_bytes(std::span<std::uint8_t> buf, std::size_t off, std::string_view s) {
  assert(off <= buf.size() && buf.size() - off >= s.size());
  if (!s.empty()) std::memcpy(buf.data() + off, s.data(), s.size());
}

// Length of the NUL-terminated string at `off`, or npos when no NUL lies in
// [off, buf.size()).
inline std::size_t find_nul(std::span<const std::uint8_t> buf, std::size_t off) {
  if (off >= buf.size()) return std::string_view::npos;
  const void* p = std::memchr(buf.data() + off, 0, buf.size() - off);
  if (!p) return std::string_view::npos;
  return static_cast<const std::uint8_t*>(p) - (buf.data() + off);
}

inline std::string_view view(std::span<const std::uint8_t> buf, std::size_t off, std::size_t len) {
  return {reinterpret_cast<const char*>(buf.data() + off), len};
}

}  // namespace udm::abi::wire

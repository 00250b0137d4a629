// verity tables and the verification path: the input's first line is a
// verity parameter string ("ROOT" stands for the root digest of the fixed
// 16-block device below), built read-only over memory devices /dev/d (data)
// and /dev/h (hash, one leaf level at block 0; version 1, sha256, salt
// 0102030405060708). A table that builds must round-trip its TABLE status;
// then the rest of the input is XORed over the hash and data devices and every
// block is read: reads may fail with EIO, nothing may crash or hang.
#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "core/device_registry.hpp"
#include "core/sync_io.hpp"
#include "core/table_line.hpp"
#include "core/target_registry.hpp"
#include "io/memory_device.hpp"

namespace {

using namespace udm;
constexpr std::size_t BLOCK = 4096, BLOCKS = 16;
const std::uint8_t SALT[8] = {1, 2, 3, 4, 5, 6, 7, 8};

void digest(const std::uint8_t* p, std::size_t n, std::uint8_t* out) {
  EVP_MD_CTX* c = EVP_MD_CTX_new();
  unsigned len = 0;
  EVP_DigestInit_ex(c, EVP_sha256(), nullptr);
  EVP_DigestUpdate(c, SALT, sizeof SALT);
  EVP_DigestUpdate(c, p, n);
  EVP_DigestFinal_ex(c, out, &len);
  EVP_MD_CTX_free(c);
}

struct Bed {
  core::TargetRegistry targets;
  core::DeviceRegistry devices{targets};
  std::vector<std::uint8_t> data, hash;
  std::shared_ptr<io::MemoryDevice> d, h;
  std::string root;

  Bed() : data(BLOCK * BLOCKS), hash(BLOCK * 2) {
    targets::register_builtin_targets(targets);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31 + i / 4096);
    for (std::size_t b = 0; b < BLOCKS; ++b) digest(&data[b * BLOCK], BLOCK, &hash[b * 32]);
    std::uint8_t r[32];
    digest(hash.data(), BLOCK, r);
    static const char* hexd = "0123456789abcdef";
    for (auto x : r) root += {hexd[x >> 4], hexd[x & 15]};
    d = std::make_shared<io::MemoryDevice>(data.size(), "/dev/d");
    h = std::make_shared<io::MemoryDevice>(hash.size(), "/dev/h");
    devices.set_backing_opener([this](const std::string& path) -> Result<io::BlockDevicePtr> {
      if (path == "/dev/d") return io::BlockDevicePtr(d);
      if (path == "/dev/h") return io::BlockDevicePtr(h);
      return fail(ENOENT, path + ": No such file or directory");
    });
  }
  void reset() {
    std::memcpy(d->raw(), data.data(), data.size());
    std::memcpy(h->raw(), hash.data(), hash.size());
  }
};

Bed& bed() {
  static Bed b;
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* in, std::size_t size) {
  if (size > 2048) return 0;
  Bed& b = bed();
  b.reset();
  std::string text(reinterpret_cast<const char*>(in), size);
  std::string tail;
  if (auto nl = text.find('\n'); nl != std::string::npos) {
    tail = text.substr(nl + 1);
    text.resize(nl);
  }
  for (std::size_t at; (at = text.find("ROOT")) != std::string::npos;) text.replace(at, 4, b.root);
  core::TableLine l;
  l.start = 0;
  l.length = BLOCKS * BLOCK / 512;
  l.type = "verity";
  l.params = text;
  l.line_no = 1;
  auto table = b.devices.build_table(std::span<const core::TableLine>(&l, 1), true);
  if (!table) return 0;
  core::TableLine again = l;
  again.params = (*table)->entry(0).target->status(core::StatusType::table);
  auto rebuilt = b.devices.build_table(std::span<const core::TableLine>(&again, 1), true);
  if (!rebuilt || (*rebuilt)->entry(0).target->status(core::StatusType::table) != again.params) {
    std::fprintf(stderr, "round trip failed for '%s'\n", again.params.c_str());
    std::abort();
  }
  // Corrupt, then read every block through a live device.
  for (std::size_t i = 0; i + 2 < tail.size(); i += 3) {
    std::size_t at = (static_cast<unsigned char>(tail[i]) << 8 | static_cast<unsigned char>(tail[i + 1]));
    std::byte x{static_cast<unsigned char>(tail[i + 2])};
    if (at & 1) b.h->raw()[(at >> 1) % b.hash.size()] ^= x;
    else b.d->raw()[(at >> 1) * 2 % b.data.size()] ^= x;
  }
  auto dev = b.devices.create("v", "");
  if (!dev) return 0;
  (*dev)->load(std::move(*table));
  if ((*dev)->resume()) {
    std::vector<std::byte> buf(BLOCK);
    for (std::size_t blk = 0; blk < BLOCKS; ++blk) (void)core::sync_io(**dev, io::Op::read, blk * BLOCK, BLOCK, buf.data());
  }
  (void)b.devices.remove(*dev, false);
  return 0;
}

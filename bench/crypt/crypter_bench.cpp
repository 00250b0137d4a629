// 1. MB/s of crypt::SectorCrypter alone (no I/O) on 1 MiB buffers, one
// thread, next to OpenSSL's own XTS on the same buffer with one EVP call per
// sector (what `openssl speed -evp aes-256-xts -bytes N` measures). Rates are
// per second of this thread's CPU time, as `openssl speed` counts, so a
// machine loaded by others gives the same figures.
// 2. The crypt target in process (no export, no io_uring): 1 MiB reads and
// writes, one at a time, through a mapped device over a memory device, with
// linear over the same memory as the baseline: MB/s of wall time (the
// target's worker pool splits each request over its threads) and MB per
// CPU-second of the whole process.
//
//   udm-bench-crypt [SECONDS_PER_ROW]        prints one JSON line
#include <openssl/evp.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/device_registry.hpp"
#include "core/sync_io.hpp"
#include "core/table_line.hpp"
#include "crypt/cipher_spec.hpp"
#include "io/memory_device.hpp"
#include "crypt/sector_crypter.hpp"

namespace {

using namespace udm;
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

constexpr std::size_t BUFFER = 1 << 20;

template <class F>
double rate(double seconds, F&& one_buffer) {
  std::size_t bytes = 0;
  const double start = cpu_seconds();
  double elapsed = 0;
  while (elapsed < seconds) {
    if (!one_buffer()) {
      std::fprintf(stderr, "udm-bench-crypt: crypto failed\n");
      std::exit(1);
    }
    bytes += BUFFER;
    elapsed = cpu_seconds() - start;
  }
  return bytes / elapsed / 1e6;
}

// OpenSSL alone: one keyed context, one update per sector; with `per_sector_iv`
// the IV is set before each (what a disk needs), without it the context is
// initialised once (what `openssl speed -evp aes-256-xts -bytes N` times).
double openssl_rate(double seconds, const std::vector<std::uint8_t>& key, std::uint32_t sector, std::byte* buf,
                    bool per_sector_iv) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_CIPHER* xts = EVP_CIPHER_fetch(nullptr, "AES-256-XTS", nullptr);
  unsigned char iv0[16] = {};
  EVP_CipherInit_ex2(ctx, xts, key.data(), iv0, 1, nullptr);
  std::uint64_t n = 0;
  double r = rate(seconds, [&] {
    unsigned char iv[16] = {};
    for (std::size_t pos = 0; pos < BUFFER; pos += sector) {
      ++n;
      for (int i = 0; i < 8; ++i) iv[i] = static_cast<unsigned char>(n >> (8 * i));
      int outl = 0;
      auto* p = reinterpret_cast<unsigned char*>(buf + pos);
      if ((per_sector_iv && EVP_CipherInit_ex2(ctx, nullptr, nullptr, iv, 1, nullptr) != 1) ||
          EVP_CipherUpdate(ctx, p, &outl, p, static_cast<int>(sector)) != 1)
        return false;
    }
    return true;
  });
  EVP_CIPHER_free(xts);
  EVP_CIPHER_CTX_free(ctx);
  return r;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wall_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// "<prefix>_<op>":wall MB/s, "<prefix>_<op>_per_cpu":MB per process CPU-second.
std::string target_rows(double seconds) {
  constexpr byte_count SIZE = 64 << 20;
  core::TargetRegistry targets;
  targets::register_builtin_targets(targets);
  core::DeviceRegistry devices(targets);
  auto mem = std::make_shared<io::MemoryDevice>(SIZE, "/bench/mem");
  devices.set_backing_opener([&](const std::string&) -> Result<io::BlockDevicePtr> { return mem; });
  std::string key;  // XTS refuses equal halves
  for (int i = 0; i < 64; ++i) key += "0123456789abcdef"[i % 16] + std::string(1, "fedcba9876543210"[i % 13]);
  const std::string sectors = std::to_string(SIZE >> SECTOR_SHIFT);
  const std::pair<const char*, std::string> tables[] = {
      {"linear", "0 " + sectors + " linear /bench/mem 0"},
      {"crypt512", "0 " + sectors + " crypt aes-xts-plain64 " + key + " 0 /bench/mem 0"},
      {"crypt4096", "0 " + sectors + " crypt aes-xts-plain64 " + key + " 0 /bench/mem 0 1 sector_size:4096"},
  };
  auto* buf = static_cast<std::byte*>(std::aligned_alloc(4096, BUFFER));
  std::memset(buf, 0x5a, BUFFER);
  std::string json;
  for (auto& [name, text] : tables) {
    auto d = devices.create(name, "");
    auto lines = core::parse_table_text(text, "bench");
    if (!d || !lines) std::exit(1);
    auto t = devices.build_table(*lines, false, **d);
    if (!t) {
      std::fprintf(stderr, "udm-bench-crypt: %s\n", t.error().message.c_str());
      std::exit(1);
    }
    (*d)->load(std::move(*t));
    if (!(*d)->resume()) std::exit(1);
    for (io::Op op : {io::Op::write, io::Op::read}) {
      std::size_t bytes = 0;
      const double w0 = wall_seconds(), c0 = process_cpu_seconds();
      byte_count at = 0;
      while (wall_seconds() - w0 < seconds) {
        if (core::sync_io(**d, op, at, BUFFER, buf) != 0) std::exit(1);
        bytes += BUFFER;
        at = (at + BUFFER) % SIZE;
      }
      const double w = wall_seconds() - w0, c = process_cpu_seconds() - c0;
      char line[200];
      std::snprintf(line, sizeof line, ",\"%s_%s_1m\":%.1f,\"%s_%s_1m_per_cpu\":%.1f", name,
                    op == io::Op::read ? "read" : "write", bytes / w / 1e6, name, op == io::Op::read ? "read" : "write",
                    bytes / c / 1e6);
      json += line;
    }
  }
  std::free(buf);
  return json;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::vector<std::uint8_t> key(64);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7 + 1);
  auto spec = crypt::parse_cipher_spec("aes-xts-plain64");
  auto c = crypt::SectorCrypter::create(*spec, key);
  if (!spec || !c) return 1;
  auto* buf = static_cast<std::byte*>(std::aligned_alloc(4096, BUFFER));
  auto* out = static_cast<std::byte*>(std::aligned_alloc(4096, BUFFER));
  for (std::size_t i = 0; i < BUFFER; ++i) buf[i] = static_cast<std::byte>(i * 31);
  std::string json = "{";
  for (std::uint32_t sector : {512u, 4096u}) {
    const std::string s = std::to_string(sector);
    std::uint64_t iv = 0;
    double enc = rate(seconds, [&] {
      iv += BUFFER / 512;
      return (*c)->crypt(crypt::Direction::encrypt, buf, out, BUFFER, sector, iv, sector / 512);
    });
    double dec_in_place = rate(seconds, [&] {
      iv += BUFFER / 512;
      return (*c)->crypt(crypt::Direction::decrypt, buf, buf, BUFFER, sector, iv, sector / 512);
    });
    double ossl = openssl_rate(seconds, key, sector, buf, true);
    double speed = openssl_rate(seconds, key, sector, buf, false);
    char line[320];
    std::snprintf(line, sizeof line,
                  "%s\"crypter_encrypt_%s\":%.1f,\"crypter_decrypt_in_place_%s\":%.1f,\"openssl_iv_per_sector_%s\":%.1f,"
                  "\"openssl_speed_loop_%s\":%.1f",
                  json.size() > 1 ? "," : "", s.c_str(), enc, s.c_str(), dec_in_place, s.c_str(), ossl, s.c_str(), speed);
    json += line;
  }
  json += target_rows(seconds);
  std::printf("%s}\n", json.c_str());
  std::free(buf);
  std::free(out);
  return 0;
}

// In-process harness for the exports tests: real target and device
// registries, devices over real backing files (io_uring), and an
// ExportManager serving them from a temporary run directory.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/device_registry.hpp"
#include "core/table_line.hpp"
#include "exports/export_manager.hpp"

namespace udm::exports::testing {

inline ExportOptions options(bool fuse, bool nbd_unix, std::optional<std::string> tcp = {}) {
  ExportOptions o;
  o.fuse = fuse;
  o.nbd_unix = nbd_unix;
  o.nbd_tcp = std::move(tcp);
  o.nbd_insecure = true;  // the unit tests' TCP listener is plaintext on 127.0.0.1
  return o;
}

inline bool fuse_available() { return ::access("/dev/fuse", R_OK | W_OK) == 0 && ::geteuid() == 0; }

inline std::vector<std::byte> pattern(std::size_t length, unsigned seed) {
  std::vector<std::byte> v(length);
  std::mt19937 rng(seed);
  for (auto& b : v) b = static_cast<std::byte>(rng());
  return v;
}

class Harness {
 public:
  explicit Harness(ExportOptions options = {}) {
    char tmpl[] = "/tmp/udm-exports-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    targets::register_builtin_targets(targets_);
    options.rundir = dir_ + "/run";
    exports_ = std::make_unique<ExportManager>(options, devices_);
  }
  ~Harness() {
    exports_->stop();
    std::filesystem::remove_all(dir_);
  }

  const std::string& dir() const { return dir_; }
  core::DeviceRegistry& devices() { return devices_; }
  ExportManager& exports() { return *exports_; }
  std::string rundir() const { return dir_ + "/run"; }

  // A zero-filled backing file of `bytes`.
  std::string backing(const std::string& name, std::size_t bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path).close();
    std::filesystem::resize_file(path, bytes);
    return path;
  }

  // create + load + resume + refresh. Fails the test on error.
  core::MappedDevicePtr make(const std::string& name, const std::string& table, bool read_only = false,
                             const std::string& uuid = "") {
    auto d = devices_.create(name, uuid);
    EXPECT_TRUE(d) << (d ? "" : d.error().message);
    if (!d) return nullptr;
    EXPECT_TRUE(load(*d, table, read_only));
    exports_->refresh();
    return *d;
  }

  bool load(const core::MappedDevicePtr& d, const std::string& table, bool read_only = false) {
    auto lines = core::parse_table_text(table, "test");
    EXPECT_TRUE(lines) << (lines ? "" : lines.error().message);
    if (!lines) return false;
    auto t = devices_.build_table(*lines, read_only, *d);
    EXPECT_TRUE(t) << (t ? "" : t.error().message);
    if (!t) return false;
    d->load(std::move(*t));
    auto r = d->resume();
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r.has_value();
  }

  // A striped device over two 4 MiB files (8 MiB, 4 KiB chunks).
  core::MappedDevicePtr striped(const std::string& name) {
    auto a = backing(name + ".a", 4 << 20);
    auto b = backing(name + ".b", 4 << 20);
    return make(name, "0 16384 striped 2 8 " + a + " 0 " + b + " 0");
  }

  std::string fuse_path(const std::string& name) const { return rundir() + "/dev/mapper/" + name; }
  std::string nbd_socket() const { return rundir() + "/nbd.sock"; }

 private:
  std::string dir_;
  core::TargetRegistry targets_;
  core::DeviceRegistry devices_{targets_};
  std::unique_ptr<ExportManager> exports_;
};

}  // namespace udm::exports::testing

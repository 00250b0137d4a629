// Shared by the core and targets unit tests: a target registry with the
// built-in targets, a device registry whose "paths" are MemoryDevices, and
// synchronous I/O helpers.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <map>
#include <deque>
#include <mutex>
#include <thread>

#include "core/device_registry.hpp"
#include "core/sync_io.hpp"
#include "core/table_line.hpp"
#include "io/memory_device.hpp"

namespace udm::testing {

struct TestBed {
  core::TargetRegistry targets;
  core::DeviceRegistry devices{targets};
  std::map<std::string, std::shared_ptr<io::BlockDevice>> backing;

  TestBed() {
    targets::register_builtin_targets(targets);
    devices.set_backing_opener([this](const std::string& path) -> Result<io::BlockDevicePtr> {
      auto it = backing.find(path);
      if (it == backing.end()) return fail(ENOENT, path + ": No such file or directory");
      return it->second;
    });
  }

  // A MemoryDevice reachable in tables as `path` (and printed as `path`).
  std::shared_ptr<io::MemoryDevice> memory(const std::string& path, byte_count bytes) {
    auto m = std::make_shared<io::MemoryDevice>(bytes, path);
    backing[path] = m;
    return m;
  }

  Result<std::unique_ptr<core::Table>> table(std::string_view text, bool read_only = false) {
    auto lines = core::parse_table_text(text, "test");
    if (!lines) return fail(lines.error());
    return devices.build_table(*lines, read_only);
  }

  // create + load + resume; fails the test on error.
  core::MappedDevicePtr make(const std::string& name, std::string_view text, bool read_only = false) {
    auto d = devices.create(name, "");
    EXPECT_TRUE(d.has_value()) << (d ? "" : d.error().message);
    if (!d) return nullptr;
    auto lines = core::parse_table_text(text, "test");
    EXPECT_TRUE(lines.has_value()) << (lines ? "" : lines.error().message);
    auto t = devices.build_table(*lines, read_only, **d);
    EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().message);
    if (!t) return nullptr;
    (*d)->load(std::move(*t));
    EXPECT_TRUE((*d)->resume().has_value());
    return *d;
  }
};

// Holds every request until release() (or, with a worker, completes them
// from another thread), so I/O is really in flight while tests act.
class DeferredDevice final : public io::BlockDevice {
 public:
  DeferredDevice(std::shared_ptr<io::MemoryDevice> inner, bool worker) : inner_(std::move(inner)) {
    if (worker) thread_ = std::thread([this] { run(); });
  }
  ~DeferredDevice() override {
    {
      std::lock_guard g(m_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    release();
  }
  byte_count size() const override { return inner_->size(); }
  std::string table_name() const override { return inner_->table_name(); }
  DevNo devno() const override { return inner_->devno(); }
  void submit(io::Request* r) override {
    {
      std::lock_guard g(m_);
      queue_.push_back(r);
    }
    cv_.notify_all();
  }
  std::size_t queued() {
    std::lock_guard g(m_);
    return queue_.size();
  }
  void release() {
    std::deque<io::Request*> q;
    {
      std::lock_guard g(m_);
      q.swap(queue_);
    }
    for (auto* r : q) inner_->submit(r);
  }

 private:
  void run() {
    std::unique_lock l(m_);
    while (!stop_) {
      if (queue_.empty()) {
        cv_.wait(l);
        continue;
      }
      auto* r = queue_.front();
      queue_.pop_front();
      l.unlock();
      inner_->submit(r);
      l.lock();
    }
  }
  std::shared_ptr<io::MemoryDevice> inner_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<io::Request*> queue_;
  bool stop_ = false;
  std::thread thread_;
};

// An asynchronous request whose completion can be checked and awaited.
struct PendingIo {
  io::Request request;
  std::atomic<int> completions{0};
  std::atomic<int> result{1};

  PendingIo(io::Op op, byte_count offset, byte_count length, std::byte* data) {
    request.op = op;
    request.offset = offset;
    request.length = length;
    request.data = data;
    request.context = this;
    request.done = [](io::Request* self, int res) {
      auto* p = static_cast<PendingIo*>(self->context);
      p->result.store(res);
      p->completions.fetch_add(1);
      p->completions.notify_all();
    };
  }
  void wait() { completions.wait(0); }
};

// Blocks until the request completes; returns its result.
using core::sync_io;

inline std::vector<std::byte> pattern(byte_count length, std::uint32_t seed) {
  std::vector<std::byte> v(length);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::byte>(x);
  }
  return v;
}

}  // namespace udm::testing

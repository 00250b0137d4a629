// Shared by the core and targets unit tests: a target registry with the
// built-in targets, a device registry whose "paths" are MemoryDevices, and
// synchronous I/O helpers.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "core/device_registry.hpp"
#include "core/sync_io.hpp"
#include "core/table_line.hpp"
#include "io/memory_device.hpp"

namespace udm::testing {

// Polls f every millisecond for up to `ms`: true once it holds.
template <class F>
bool eventually(F f, int ms = 10000) {
  for (int i = 0; i < ms; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return f();
}

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

// A backing device for tests that need I/O really in flight, over a
// MemoryDevice: requests it applies to (`only`, default all) are held until
// release() while holding, or passed on by its own thread (each after a
// random 0..max_delay, so completions reorder), or passed straight on.
// Counts every request by op.
class FakeDevice : public io::BlockDevice {
 public:
  struct Options {
    bool hold = false;    // keep requests until release(); hold(bool) changes it later
    bool worker = false;  // pass them on from a thread of its own
    std::chrono::microseconds max_delay{0};  // with worker: random delay per request
    std::function<bool(const io::Request&)> only;  // empty: every request
    unsigned seed = 5;

    // Only requests with this op.
    Options& only_op(io::Op op) {
      only = [op](const io::Request& r) { return r.op == op; };
      return *this;
    }
    // Passed on by the worker after a random 0..delay.
    Options& delayed(std::chrono::microseconds delay) {
      worker = true;
      max_delay = delay;
      return *this;
    }
  };
  FakeDevice(std::shared_ptr<io::MemoryDevice> inner, Options options)
      : inner_(std::move(inner)), options_(std::move(options)), holding_(options_.hold), rng_(options_.seed) {
    if (options_.worker) thread_ = std::thread([this] { run(); });
  }
  ~FakeDevice() override {
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
    counts_[static_cast<int>(r->op)].fetch_add(1);
    if (options_.only && !options_.only(*r)) return inner_->submit(r);
    {
      std::lock_guard g(m_);
      if (holding_) {
        held_.push_back(r);
        return;
      }
      if (options_.worker) {
        const auto delay = options_.max_delay.count() ? rng_() % (options_.max_delay.count() + 1) : 0;
        due_.emplace(std::chrono::steady_clock::now() + std::chrono::microseconds(delay), r);
        cv_.notify_all();
        return;
      }
    }
    inner_->submit(r);
  }
  // Requests held or waiting for the worker.
  std::size_t queued() {
    std::lock_guard g(m_);
    return held_.size() + due_.size();
  }
  void hold(bool on) {
    std::lock_guard g(m_);
    holding_ = on;
  }
  // Passes every held request on, in order, on the calling thread.
  void release() {
    std::deque<io::Request*> q;
    {
      std::lock_guard g(m_);
      q.swap(held_);
    }
    for (auto* r : q) inner_->submit(r);
  }
  std::uint64_t count(io::Op op) const { return counts_[static_cast<int>(op)].load(); }

 private:
  void run() {
    std::unique_lock l(m_);
    while (!stop_ || !due_.empty()) {
      if (due_.empty()) {
        cv_.wait(l);
        continue;
      }
      auto first = due_.begin();
      if (first->first > std::chrono::steady_clock::now()) {
        cv_.wait_until(l, first->first);
        continue;
      }
      io::Request* r = first->second;
      due_.erase(first);
      l.unlock();
      inner_->submit(r);
      l.lock();
    }
  }
  std::shared_ptr<io::MemoryDevice> inner_;
  const Options options_;
  std::mutex m_;
  std::condition_variable cv_;
  bool holding_;
  std::deque<io::Request*> held_;
  std::multimap<std::chrono::steady_clock::time_point, io::Request*> due_;  // equal times keep their order
  std::mt19937 rng_;
  std::array<std::atomic<std::uint64_t>, 8> counts_{};
  bool stop_ = false;
  std::thread thread_;
};

// Holds every request until release() (or, with a worker, completes them
// from another thread), so I/O is really in flight while tests act.
class DeferredDevice final : public FakeDevice {
 public:
  DeferredDevice(std::shared_ptr<io::MemoryDevice> inner, bool worker)
      : FakeDevice(std::move(inner), options(worker)) {}

 private:
  static Options options(bool worker) {
    Options o;
    o.hold = !worker;
    o.worker = worker;
    return o;
  }
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

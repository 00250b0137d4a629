// delay 1.4.0: holds I/O for a fixed time before passing it on.
//
// Table:   <dev> <offset> <delay_ms>
//          [<write_dev> <write_offset> <write_delay_ms>
//           [<flush_dev> <flush_offset> <flush_delay_ms>]]
//          3 arguments: one class for reads, writes and flushes.
//          6: the second class is for writes and flushes. 9: flushes get their own.
// Status:  INFO  "<reads_in_flight> <writes_in_flight> <flushes_in_flight>"
//                (I/Os being held right now, per class)
//          TABLE "<maj:min> <off> <delay>" once per class given (3, 6 or 9 arguments)
// Messages: none.
//
// Held I/O waits in one queue per class (FIFO: every I/O of a class waits the
// same time, so arrival order is expiry order) served by one timer thread per
// target, not a sleeping thread per I/O. Suspend releases everything at once
// and stops delaying until resume, as Linux does.
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/target.hpp"
#include "targets/args.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

using Clock = std::chrono::steady_clock;

enum IoClass : unsigned { READ_CLASS = 0, WRITE_CLASS = 1, FLUSH_CLASS = 2 };

struct DelayClass {
  io::BlockDevicePtr dev;
  sector_t start = 0;
  std::chrono::milliseconds delay{0};
  std::atomic<unsigned> held{0};  // I/Os waiting in this class's queue
};

struct HeldIo {
  Clock::time_point release_at;
  io::Request* request;
};

class DelayTarget final : public core::Target {
 public:
  explicit DelayTarget(unsigned argc) : argc_(argc) {}
  ~DelayTarget() override {
    {
      std::lock_guard g(lock_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (timer_.joinable()) timer_.join();
    release_all();  // the core drains before destroying a table; this is a safety net
  }

  std::array<DelayClass, 3> classes;

  void start_timer_if_needed() {
    for (auto& c : classes)
      if (c.delay.count() > 0) {
        timer_ = std::thread([this] { timer_loop(); });
        return;
      }
  }

  core::MapResult map(io::Request* request) override {
    map_io(request);
    return core::MapResult::submitted;
  }

  void map_io(io::Request* request) {
    IoClass k = request->op == io::Op::read    ? READ_CLASS
                : request->op == io::Op::flush ? FLUSH_CLASS
                                               : WRITE_CLASS;
    DelayClass& c = classes[k];
    if (request->op != io::Op::flush) request->offset += sectors_to_bytes(c.start);
    if (c.delay.count() > 0) {
      std::unique_lock g(lock_);
      if (may_delay_) {
        bool was_empty = queues_[k].empty();
        queues_[k].push_back(HeldIo{Clock::now() + c.delay, request});
        c.held.fetch_add(1, std::memory_order_relaxed);
        g.unlock();
        if (was_empty) wake_.notify_one();
        return;
      }
    }
    c.dev->submit(request);
  }

  std::string status(core::StatusType type) const override {
    if (type == core::StatusType::info)
      return std::to_string(classes[READ_CLASS].held.load()) + " " +
             std::to_string(classes[WRITE_CLASS].held.load()) + " " +
             std::to_string(classes[FLUSH_CLASS].held.load());
    auto emit = [](const DelayClass& c) {
      return c.dev->table_name() + " " + std::to_string(c.start) + " " + std::to_string(c.delay.count());
    };
    std::string out = emit(classes[READ_CLASS]);
    if (argc_ >= 6) out += " " + emit(classes[WRITE_CLASS]);
    if (argc_ >= 9) out += " " + emit(classes[FLUSH_CLASS]);
    return out;
  }

  std::vector<io::BlockDevicePtr> devices() const override {
    std::vector<io::BlockDevicePtr> out;
    for (const auto& c : classes) {
      bool seen = false;
      for (const auto& d : out) seen = seen || d == c.dev;
      if (!seen) out.push_back(c.dev);
    }
    return out;
  }

  Result<void> presuspend(bool /*noflush*/) override {
    {
      std::lock_guard g(lock_);
      may_delay_ = false;
    }
    release_all();
    return {};
  }

  void resume() override {
    std::lock_guard g(lock_);
    may_delay_ = true;
  }

 private:
  // Takes every held I/O (or only the expired ones) out of the queues and
  // submits them outside the lock, oldest class heads first.
  void release(bool all) {
    std::vector<std::pair<IoClass, io::Request*>> due;
    {
      std::lock_guard g(lock_);
      auto now = Clock::now();
      for (unsigned k = 0; k < 3; ++k) {
        auto& q = queues_[k];
        while (!q.empty() && (all || q.front().release_at <= now)) {
          due.emplace_back(static_cast<IoClass>(k), q.front().request);
          q.pop_front();
        }
      }
    }
    for (auto [k, r] : due) {
      classes[k].held.fetch_sub(1, std::memory_order_relaxed);
      classes[k].dev->submit(r);
    }
  }
  void release_all() { release(true); }

  void timer_loop() {
    std::unique_lock g(lock_);
    while (!stopping_) {
      Clock::time_point next = Clock::time_point::max();
      for (auto& q : queues_)
        if (!q.empty() && q.front().release_at < next) next = q.front().release_at;
      if (next == Clock::time_point::max()) {
        wake_.wait(g);
        continue;
      }
      if (Clock::now() < next) {
        wake_.wait_until(g, next);
        continue;
      }
      g.unlock();
      release(false);
      g.lock();
    }
  }

  unsigned argc_;
  std::mutex lock_;
  std::condition_variable wake_;
  std::array<std::deque<HeldIo>, 3> queues_;
  bool may_delay_ = true;
  bool stopping_ = false;
  std::thread timer_;
};

constexpr ArgRange SECTOR_ARG{0, MAX_DEVICE_SECTORS, "Invalid device sector", true};
constexpr ArgRange DELAY_ARG{0, UINT32_MAX, "Invalid delay", true};

// <dev> <offset> <delay_ms>
Result<void> parse_class(const core::TargetArgs& a, std::size_t first, DelayClass& c) {
  ArgSet as(a.args.subspan(first, 3));
  const std::string* path = as.shift();
  auto start = as.read(SECTOR_ARG);
  if (!start) return fail(start.error());
  auto delay = as.read(DELAY_ARG);
  if (!delay) return fail(delay.error());
  auto dev = a.devices->open(*path, *start, a.length);
  if (!dev) return fail(dev.error());
  c.dev = std::move(*dev);
  c.start = *start;
  c.delay = std::chrono::milliseconds(*delay);
  return {};
}

Result<std::unique_ptr<core::Target>> create_delay(const core::TargetArgs& a) {
  std::size_t argc = a.args.size();
  if (argc != 3 && argc != 6 && argc != 9) return fail(EINVAL, "Requires exactly 3, 6 or 9 arguments");
  if (!a.devices) return fail(EINVAL, "no device opener");
  auto t = std::make_unique<DelayTarget>(static_cast<unsigned>(argc));
  // Classes without their own arguments take the previous class's (Linux
  // builds them separately from the same words, so they count separately).
  std::size_t write_at = argc >= 6 ? 3 : 0, flush_at = argc == 9 ? 6 : write_at;
  if (auto r = parse_class(a, 0, t->classes[READ_CLASS]); !r) return fail(r.error());
  if (auto r = parse_class(a, write_at, t->classes[WRITE_CLASS]); !r) return fail(r.error());
  if (auto r = parse_class(a, flush_at, t->classes[FLUSH_CLASS]); !r) return fail(r.error());
  t->start_timer_if_needed();
  return t;
}

}  // namespace

const core::TargetType& delay_target_type() {
  static const core::TargetType type{"delay", {1, 4, 0}, 0, &create_delay};
  return type;
}

}  // namespace udm::targets

// A queue-depth-limited client of a BlockDevice: `depth` requests, each
// resubmitted from its own completion until time is up. No allocation per
// request; the only shared state the loop touches is one counter.
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "io/block_device.hpp"
#include "io/submit_plug.hpp"
#include "workload.hpp"

namespace udm::bench {

namespace {

struct Loop;

struct Slot {
  io::Request request;  // first: the completion finds its slot from it
  Loop* loop = nullptr;
  std::uint64_t rng = 0;
  Slot* next_done = nullptr;  // on the submitter's stack of completed slots
};

struct Loop {
  io::BlockDevice* device = nullptr;
  const Workload* workload = nullptr;
  std::atomic<bool> stop{false};
  alignas(64) std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<unsigned> active{0};
  std::mutex lock;
  std::condition_variable idle;
  // Cross-thread mode: completions are handed back to a submitter thread.
  alignas(64) std::atomic<Slot*> done_stack{nullptr};
  std::atomic<bool> submitter_sleeping{false};
};

void on_done(io::Request* r, int result) {
  auto* slot = reinterpret_cast<Slot*>(r);
  Loop* loop = slot->loop;
  if (result != 0) loop->errors.fetch_add(1, std::memory_order_relaxed);
  loop->completed.fetch_add(1, std::memory_order_relaxed);
  if (!loop->stop.load(std::memory_order_relaxed)) {
    r->offset = random_offset(slot->rng, *loop->workload);
    loop->device->submit(r);
    return;
  }
  if (loop->active.fetch_sub(1) == 1) {
    std::lock_guard g(loop->lock);
    loop->idle.notify_all();
  }
}

// Cross-thread mode: the completion only hands the slot to the submitter
// thread, as an NBD or FUSE server thread would get its replies.
void on_done_handover(io::Request* r, int result) {
  auto* slot = reinterpret_cast<Slot*>(r);
  Loop* loop = slot->loop;
  if (result != 0) loop->errors.fetch_add(1, std::memory_order_relaxed);
  loop->completed.fetch_add(1, std::memory_order_relaxed);
  Slot* head = loop->done_stack.load(std::memory_order_relaxed);
  do {
    slot->next_done = head;
  } while (!loop->done_stack.compare_exchange_weak(head, slot, std::memory_order_seq_cst));
  if (loop->submitter_sleeping.load(std::memory_order_seq_cst)) {
    loop->submitter_sleeping.store(false, std::memory_order_seq_cst);
    loop->submitter_sleeping.notify_one();
  }
}

void submitter_loop(Loop& loop) {
  unsigned outstanding = loop.workload->depth;
  while (outstanding > 0) {
    Slot* s = loop.done_stack.exchange(nullptr, std::memory_order_acquire);
    if (!s) {
      loop.submitter_sleeping.store(true, std::memory_order_seq_cst);
      if (loop.done_stack.load(std::memory_order_seq_cst) == nullptr) loop.submitter_sleeping.wait(true);
      loop.submitter_sleeping.store(false, std::memory_order_relaxed);
      continue;
    }
    const bool stop = loop.stop.load(std::memory_order_relaxed);
    io::SubmitPlug plug;  // one handover for the whole batch
    while (s) {
      Slot* next = s->next_done;
      if (stop) {
        --outstanding;
      } else {
        s->request.offset = random_offset(s->rng, *loop.workload);
        loop.device->submit(&s->request);
      }
      s = next;
    }
  }
}

}  // namespace

Sample run_device(io::BlockDevice& device, const Workload& w, bool cross_thread) {
  void* mem = nullptr;
  if (::posix_memalign(&mem, 4096, std::size_t{w.depth} * w.block) != 0) return {};
  auto* buffers = static_cast<std::byte*>(mem);
  std::memset(buffers, 0xa5, std::size_t{w.depth} * w.block);

  Loop loop;
  loop.device = &device;
  loop.workload = &w;
  std::vector<Slot> slots(w.depth);
  for (unsigned i = 0; i < w.depth; ++i) {
    Slot& s = slots[i];
    s.loop = &loop;
    s.rng = 0x9e3779b97f4a7c15ULL * (i + 1) ^ w.file_bytes;
    s.request.op = w.op;
    s.request.length = w.block;
    s.request.data = buffers + std::size_t{i} * w.block;
    s.request.done = cross_thread ? on_done_handover : on_done;
    s.request.offset = random_offset(s.rng, w);
  }
  loop.active = w.depth;

  Sample sample;
  Meter meter;
  std::thread submitter;
  if (cross_thread) {
    submitter = std::thread([&] {
      for (auto& s : slots) device.submit(&s.request);
      submitter_loop(loop);
    });
  } else {
    for (auto& s : slots) device.submit(&s.request);
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(w.seconds));
  const std::uint64_t completed = loop.completed.load();
  const double wall = meter.wall_elapsed();
  const double cpu = meter.cpu_elapsed();
  loop.stop = true;
  if (cross_thread) {
    submitter.join();
  } else {
    std::unique_lock g(loop.lock);
    loop.idle.wait(g, [&] { return loop.active.load() == 0; });
  }
  sample.iops = static_cast<double>(completed) / wall;
  sample.busy_cores = cpu / wall;
  sample.errors = loop.errors.load();
  std::free(mem);
  return sample;
}

}  // namespace udm::bench

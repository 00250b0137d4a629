// A target that holds requests in map() (as snapshot waits for a copy and
// thin for a block) and later resubmits them: each completes exactly once,
// with its per-request scratch space intact, also when a suspend releases
// them. Runs under TSan in the sanitizer pass.
//   gate <dev> <offset>   linear, but while the gate is closed map() parks every request
#include <mutex>
#include <set>
#include <thread>

#include "testing.hpp"

namespace udm::core {
namespace {

using testing::PendingIo;
using testing::sync_io;

struct Gate {
  std::mutex lock;
  bool open = false;
  std::vector<io::Request*> parked;
  std::set<std::uint64_t> marks;       // ids written to per_io_data when parking
  std::atomic<int> resumed_intact{0};  // re-mapped pieces that found their id
  std::uint64_t next_id = 1;
};
Gate* gate = nullptr;  // the test's, for the constructor

class GateTarget final : public Target {
 public:
  GateTarget(io::BlockDevicePtr dev, sector_t offset, Gate* g) : dev_(std::move(dev)), offset_(offset), g_(g) {}

  MapResult map(io::Request* r) override {
    // Remaps first, then decides to park: a resubmitted piece must arrive
    // with the offset it first had, or it would be shifted twice.
    r->offset += sectors_to_bytes(offset_);
    auto scratch = per_io_data(r);
    {
      std::lock_guard l(g_->lock);
      std::uint64_t id = 0;
      std::memcpy(&id, scratch.data(), sizeof id);
      if (g_->marks.erase(id)) g_->resumed_intact++;
      if (!g_->open) {
        id = g_->next_id++;
        std::memcpy(scratch.data(), &id, sizeof id);
        g_->marks.insert(id);
        g_->parked.push_back(r);
        return MapResult::held;
      }
    }
    dev_->submit(r);
    return MapResult::submitted;
  }
  std::string status(StatusType) const override { return ""; }
  std::vector<io::BlockDevicePtr> devices() const override { return {dev_}; }
  // A suspend must not wait forever for parked requests: let them go.
  Result<void> presuspend(bool) override {
    release(*g_);
    return {};
  }

  static void release(Gate& g) {
    std::vector<io::Request*> parked;
    {
      std::lock_guard l(g.lock);
      g.open = true;
      parked.swap(g.parked);
    }
    for (auto* r : parked) resubmit(r);
  }

 private:
  io::BlockDevicePtr dev_;
  sector_t offset_;
  Gate* g_;
};

Result<std::unique_ptr<Target>> make_gate(const TargetArgs& a) {
  const sector_t offset = std::stoull(a.args[1]);
  auto dev = a.devices->open(a.args[0], offset, a.length);
  if (!dev) return fail(dev.error());
  return std::make_unique<GateTarget>(std::move(*dev), offset, gate);
}

struct Bed : testing::TestBed {
  Gate g;
  std::shared_ptr<io::MemoryDevice> mem = std::make_shared<io::MemoryDevice>(1 << 20, "/dev/a");
  Bed() {
    gate = &g;
    EXPECT_TRUE(targets.add(TargetType{"gate", {1, 0, 0}, 0, make_gate}));
    // Completions come from another thread, as from io_uring.
    backing["/dev/a"] = std::make_shared<testing::DeferredDevice>(mem, true);
  }
};

TEST(HeldIo, AHeldRequestIsResubmittedAndCompletesExactlyOnce) {
  Bed bed;
  // Two targets, so one request is split in two pieces, each held.
  auto d = bed.make("g", "0 8 gate /dev/a 0\n8 8 gate /dev/a 8");
  ASSERT_TRUE(d);
  auto data = testing::pattern(8192, 5);
  PendingIo w(io::Op::write, 0, 8192, data.data());
  d->submit(&w.request);
  {
    std::lock_guard l(bed.g.lock);
    EXPECT_EQ(bed.g.parked.size(), 2u);
  }
  EXPECT_EQ(w.completions.load(), 0);
  std::thread releaser([&] { GateTarget::release(bed.g); });
  w.wait();
  releaser.join();
  EXPECT_EQ(w.result.load(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(w.completions.load(), 1);
  EXPECT_EQ(bed.g.resumed_intact.load(), 2);  // both pieces found their scratch data
  // The second target's piece went to sector 8 of the device, as mapped
  // from scratch again (the target saw its own offset, not a stale one).
  EXPECT_EQ(std::memcmp(bed.mem->raw(), data.data(), 8192), 0);
}

TEST(HeldIo, ManyHeldRequestsFromSeveralThreadsEachCompleteOnce) {
  Bed bed;
  auto d = bed.make("g", "0 2048 gate /dev/a 0");
  ASSERT_TRUE(d);
  constexpr int THREADS = 4, PER_THREAD = 64;
  std::vector<std::unique_ptr<PendingIo>> ios;
  std::vector<std::vector<std::byte>> bufs(THREADS * PER_THREAD, std::vector<std::byte>(512));
  for (int i = 0; i < THREADS * PER_THREAD; ++i)
    ios.push_back(std::make_unique<PendingIo>(io::Op::read, sectors_to_bytes(i % 2048), 512, bufs[i].data()));
  std::vector<std::thread> submitters;
  for (int t = 0; t < THREADS; ++t)
    submitters.emplace_back([&, t] {
      for (int i = 0; i < PER_THREAD; ++i) d->submit(&ios[t * PER_THREAD + i]->request);
    });
  // Release while submissions are still arriving: some are held, some not.
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    GateTarget::release(bed.g);
  });
  for (auto& s : submitters) s.join();
  releaser.join();
  for (auto& io : ios) io->wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (auto& io : ios) {
    EXPECT_EQ(io->completions.load(), 1);
    EXPECT_EQ(io->result.load(), 0);
  }
}

TEST(HeldIo, SuspendWaitsForHeldRequestsThatPresuspendReleases) {
  Bed bed;
  auto d = bed.make("g", "0 16 gate /dev/a 0");
  ASSERT_TRUE(d);
  std::vector<std::byte> buf(512);
  PendingIo r(io::Op::read, 0, 512, buf.data());
  d->submit(&r.request);
  EXPECT_EQ(r.completions.load(), 0);
  ASSERT_TRUE(d->suspend(false));  // presuspend resubmits, the drain then finishes
  EXPECT_EQ(r.completions.load(), 1);
  EXPECT_EQ(r.result.load(), 0);
  ASSERT_TRUE(d->resume());
}

}  // namespace
}  // namespace udm::core

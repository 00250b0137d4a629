// The copier (kcopyd): region lists copied to several destinations and
// zeroed, progress counters, cancel, and the throttle slowing a copy down.
#include <chrono>
#include <cstring>
#include <thread>

#include "core/copier.hpp"
#include "testing.hpp"

namespace udm::core {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<io::MemoryDevice> filled(byte_count size, std::uint32_t seed) {
  auto m = std::make_shared<io::MemoryDevice>(size);
  auto p = testing::pattern(size, seed);
  std::memcpy(m->raw(), p.data(), size);
  return m;
}

bool same(const std::byte* a, const std::byte* b, byte_count n) { return std::memcmp(a, b, n) == 0; }

TEST(Copier, CopiesARegionListToEveryDestinationWithProgress) {
  auto from = filled(8 << 20, 1);
  auto to1 = filled(8 << 20, 2), to2 = filled(8 << 20, 3);
  const std::vector<std::byte> untouched[2] = {testing::pattern(8 << 20, 2), testing::pattern(8 << 20, 3)};
  Copier copier(Copier::Options{.chunk_bytes = 256 << 10, .depth = 3});
  // Three regions, one of them not a multiple of the chunk.
  std::vector<CopyRegion> regions{{0, 2048, 2048}, {4096, 0, 1000}, {10000, 12000, 3000}};
  std::atomic<int> callbacks{0};
  std::atomic<int> seen{1};
  auto job = copier.copy(from, {to1, to2}, regions, [&](int r) {
    seen = r;
    callbacks++;
  });
  EXPECT_EQ(job->wait(), 0);
  EXPECT_EQ(seen.load(), 0);
  EXPECT_EQ(callbacks.load(), 1);
  EXPECT_TRUE(job->finished());
  const std::uint64_t total = sectors_to_bytes(2048 + 1000 + 3000);
  EXPECT_EQ(job->progress().bytes_done, total);
  EXPECT_EQ(job->progress().bytes_total, total);
  EXPECT_EQ(copier.progress().bytes_done, total);
  for (int i = 0; i < 2; ++i) {
    io::MemoryDevice* to = i == 0 ? to1.get() : to2.get();
    for (const auto& r : regions)
      EXPECT_TRUE(same(to->raw() + sectors_to_bytes(r.dest), from->raw() + sectors_to_bytes(r.source),
                       sectors_to_bytes(r.count)));
    // Outside the regions nothing changed.
    EXPECT_TRUE(same(to->raw() + sectors_to_bytes(1000), untouched[i].data() + sectors_to_bytes(1000), 512 * 1048))
        << "between region 2 and region 1";
  }
  EXPECT_TRUE(same(to1->raw() + sectors_to_bytes(15000), untouched[0].data() + sectors_to_bytes(15000), 512 * 100));
}

TEST(Copier, ZeroesRegions) {
  auto to = filled(4 << 20, 7);
  auto before = testing::pattern(4 << 20, 7);
  Copier copier;
  auto job = copier.zero({to}, {{0, 8, 16}, {0, 4000, 96}});
  EXPECT_EQ(job->wait(), 0);
  EXPECT_EQ(job->progress().bytes_done, sectors_to_bytes(112));
  std::vector<std::byte> zeros(sectors_to_bytes(96));
  EXPECT_TRUE(same(to->raw() + sectors_to_bytes(8), zeros.data(), sectors_to_bytes(16)));
  EXPECT_TRUE(same(to->raw() + sectors_to_bytes(4000), zeros.data(), sectors_to_bytes(96)));
  EXPECT_TRUE(same(to->raw(), before.data(), sectors_to_bytes(8)));
  EXPECT_TRUE(same(to->raw() + sectors_to_bytes(24), before.data() + sectors_to_bytes(24), 512));
}

TEST(Copier, ReportsTheFirstIoError) {
  auto from = filled(1 << 20, 1);
  auto to = std::make_shared<io::MemoryDevice>(1 << 20);
  to->fail_with(ENOSPC);
  Copier copier;
  EXPECT_EQ(copier.copy(from, {to}, {{0, 0, 64}})->wait(), -ENOSPC);
  // Past the end of the source: EIO from the device.
  to->fail_with(0);
  EXPECT_EQ(copier.copy(from, {to}, {{2040, 0, 64}})->wait(), -EIO);
}

TEST(Copier, ThrottleSlowsACopyAndCancelStopsIt) {
  auto from = filled(8 << 20, 1);
  auto to = std::make_shared<io::MemoryDevice>(8 << 20);
  // 2 MiB at 4 MiB/s in 256 KiB batches: about half a second, not instant.
  Copier copier(Copier::Options{.chunk_bytes = 128 << 10, .depth = 2, .bytes_per_second = 4 << 20});
  EXPECT_EQ(copier.throttle(), 4u << 20);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(copier.copy(from, {to}, {{0, 0, 4096}})->wait(), 0);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 350ms);
  EXPECT_TRUE(same(to->raw(), from->raw(), 2 << 20));

  // Unthrottled, the same copy is far quicker.
  copier.set_throttle(0);
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_EQ(copier.copy(from, {to}, {{0, 0, 4096}})->wait(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t1, took / 2);

  // Throttled hard, a long copy is cancelled part way: it stops with
  // ECANCELED, and progress says how far it got.
  copier.set_throttle(1 << 20);
  auto job = copier.copy(from, {to}, {{0, 0, 16384}});
  while (job->progress().bytes_done == 0) std::this_thread::sleep_for(1ms);
  job->cancel();
  EXPECT_EQ(job->wait(), -ECANCELED);
  EXPECT_GT(job->progress().bytes_done, 0u);
  EXPECT_LT(job->progress().bytes_done, job->progress().bytes_total);
}

TEST(Copier, DestroyingTheCopierCancelsQueuedJobs) {
  auto from = filled(8 << 20, 1);
  auto to = std::make_shared<io::MemoryDevice>(8 << 20);
  std::shared_ptr<CopyJob> a, b;
  {
    Copier copier(Copier::Options{.chunk_bytes = 64 << 10, .depth = 1, .bytes_per_second = 256 << 10});
    a = copier.copy(from, {to}, {{0, 0, 16384}});
    b = copier.copy(from, {to}, {{0, 0, 16384}});
  }
  EXPECT_EQ(a->wait(), -ECANCELED);
  EXPECT_EQ(b->wait(), -ECANCELED);
}

}  // namespace
}  // namespace udm::core

#include <thread>

#include "testing.hpp"

namespace udm::core {
namespace {

using io::Op;
using testing::PendingIo;
using testing::sync_io;
using testing::TestBed;

TEST(MappedDevice, NewDeviceHasNoTablesAndFailsIo) {
  TestBed bed;
  auto d = bed.devices.create("a", "uuid-a");
  ASSERT_TRUE(d);
  auto info = (*d)->info(false);
  EXPECT_FALSE(info.suspended);
  EXPECT_FALSE(info.live_present);
  EXPECT_FALSE(info.inactive_present);
  EXPECT_EQ(info.event_nr, 0u);
  EXPECT_EQ((*d)->size(), 0u);
  std::vector<std::byte> buf(512);
  EXPECT_EQ(sync_io(**d, Op::read, 0, 512, buf.data()), -EIO);
  EXPECT_EQ(sync_io(**d, Op::flush, 0, 0), 0);
}

TEST(MappedDevice, LoadFillsInactiveResumeSwapsAndCallsListener) {
  TestBed bed;
  auto mem = bed.memory("/dev/a", 1 << 20);
  auto d = *bed.devices.create("a", "");
  std::vector<byte_count> sizes_seen;
  bed.devices.set_listener([&] { sizes_seen.push_back(d->size()); });

  d->load(*bed.table("0 16 linear /dev/a 8"));
  EXPECT_TRUE(d->info(false).inactive_present);
  EXPECT_FALSE(d->info(false).live_present);
  EXPECT_EQ(d->info(true).target_count, 1u);
  EXPECT_EQ(d->size(), 0u);  // size changes only at resume
  EXPECT_TRUE(sizes_seen.empty());

  ASSERT_TRUE(d->resume());
  EXPECT_EQ(d->size(), 16u * 512);
  EXPECT_EQ(sizes_seen, std::vector<byte_count>{16 * 512});
  auto info = d->info(false);
  EXPECT_TRUE(info.live_present);
  EXPECT_FALSE(info.inactive_present);
  EXPECT_FALSE(info.suspended);
  EXPECT_EQ(info.event_nr, 0u);  // create/load/resume raise no event

  auto data = testing::pattern(4096, 1);
  ASSERT_EQ(sync_io(*d, Op::write, 1024, 4096, data.data()), 0);
  EXPECT_EQ(std::memcmp(mem->raw() + 8 * 512 + 1024, data.data(), 4096), 0);
  std::vector<std::byte> back(4096);
  ASSERT_EQ(sync_io(*d, Op::read, 1024, 4096, back.data()), 0);
  EXPECT_EQ(back, data);

  auto table = d->status(StatusType::table, false);
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table[0].type, "linear");
  EXPECT_EQ(table[0].text, "/dev/a 8");
  EXPECT_EQ(d->status(StatusType::info, false)[0].text, "");

  // A resume with nothing loaded is not an error and changes nothing.
  ASSERT_TRUE(d->resume());
  EXPECT_EQ(sizes_seen.size(), 1u);
}

TEST(MappedDevice, ClearDropsInactive) {
  TestBed bed;
  auto d = bed.make("a", "0 8 zero");
  d->load(*bed.table("0 16 zero"));
  EXPECT_TRUE(d->clear());
  EXPECT_FALSE(d->clear());
  ASSERT_TRUE(d->resume());
  EXPECT_EQ(d->size(), 8u * 512);
}

TEST(MappedDevice, OutOfRangeAndMisalignedIoFail) {
  TestBed bed;
  auto d = bed.make("a", "0 8 zero");
  std::vector<std::byte> buf(4096 + 512);
  EXPECT_EQ(sync_io(*d, Op::read, 4096, 512, buf.data()), -EIO);
  EXPECT_EQ(sync_io(*d, Op::read, 512, 4096, buf.data()), -EIO);
  EXPECT_EQ(sync_io(*d, Op::read, 100, 512, buf.data()), -EINVAL);
  EXPECT_EQ(sync_io(*d, Op::read, 0, 4096, buf.data()), 0);
  // Writes past the end fail as on a block device file.
  EXPECT_EQ(sync_io(*d, Op::write, 512, 4096, buf.data()), -ENOSPC);
  EXPECT_EQ(sync_io(*d, Op::discard, 4096, 512), -ENOSPC);
  EXPECT_EQ(sync_io(*d, Op::write, 4096, 0, buf.data()), 0);  // empty, at the end
}

TEST(MappedDevice, ReadOnlyRefusesWritesDiscardsAndWriteZeroes) {
  TestBed bed;
  bed.memory("/dev/a", 1 << 20);
  auto d = bed.make("a", "0 16 linear /dev/a 0", /*read_only=*/true);
  EXPECT_TRUE(d->read_only());
  EXPECT_TRUE(d->info(false).read_only);
  std::vector<std::byte> buf(512);
  EXPECT_EQ(sync_io(*d, Op::write, 0, 512, buf.data()), -EROFS);
  EXPECT_EQ(sync_io(*d, Op::discard, 0, 512), -EROFS);
  EXPECT_EQ(sync_io(*d, Op::write_zeroes, 0, 512), -EROFS);
  EXPECT_EQ(sync_io(*d, Op::read, 0, 512, buf.data()), 0);
  EXPECT_EQ(sync_io(*d, Op::flush, 0, 0), 0);
}

TEST(MappedDevice, BackingErrorsReachTheCallerWithTheirErrno) {
  TestBed bed;
  auto a = bed.memory("/dev/a", 1 << 20);
  auto b = bed.memory("/dev/b", 1 << 20);
  auto d = bed.make("a", "0 8 linear /dev/a 0\n8 8 linear /dev/b 0\n16 8 error");
  std::vector<std::byte> buf(8 * 512);
  b->fail_with(ENOSPC);
  EXPECT_EQ(sync_io(*d, Op::write, 0, 4096, buf.data()), 0);
  EXPECT_EQ(sync_io(*d, Op::write, 4096, 4096, buf.data()), -ENOSPC);
  EXPECT_EQ(sync_io(*d, Op::write, 2048, 4096, buf.data()), -ENOSPC);  // spans both: the error wins
  EXPECT_EQ(sync_io(*d, Op::flush, 0, 0), -ENOSPC);
  b->fail_with(0);
  EXPECT_EQ(sync_io(*d, Op::read, 8192, 512, buf.data()), -EIO);  // error target
  EXPECT_EQ(sync_io(*d, Op::flush, 0, 0), 0);
}

TEST(MappedDevice, SuspendHoldsIoUntilResume) {
  TestBed bed;
  auto mem = bed.memory("/dev/a", 1 << 20);
  auto d = bed.make("a", "0 64 linear /dev/a 0");
  ASSERT_TRUE(d->suspend(false));
  EXPECT_TRUE(d->info(false).suspended);
  ASSERT_TRUE(d->suspend(false));  // idempotent
  const auto at_suspend = mem->completed();  // the suspend's own flush

  auto data = testing::pattern(4096, 7);
  PendingIo w(Op::write, 0, 4096, data.data());
  PendingIo f(Op::flush, 0, 0, nullptr);
  d->submit(&w.request);
  d->submit(&f.request);
  // Held: nothing reached the backing device, nothing completed.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(w.completions.load(), 0);
  EXPECT_EQ(f.completions.load(), 0);
  EXPECT_EQ(mem->completed(), at_suspend);
  EXPECT_NE(std::memcmp(mem->raw(), data.data(), 4096), 0);

  ASSERT_TRUE(d->resume());
  w.wait();
  f.wait();
  EXPECT_EQ(w.result.load(), 0);
  EXPECT_EQ(f.result.load(), 0);
  EXPECT_EQ(w.completions.load(), 1);
  EXPECT_EQ(std::memcmp(mem->raw(), data.data(), 4096), 0);
  EXPECT_FALSE(d->info(false).suspended);
}

TEST(MappedDevice, SuspendFlushesBackingDevicesUnlessNoflush) {
  TestBed bed;
  auto a = bed.memory("/dev/a", 1 << 20);
  auto b = bed.memory("/dev/b", 1 << 20);
  auto d = bed.make("d", "0 64 linear /dev/a 0\n64 64 linear /dev/b 0");
  ASSERT_TRUE(d->suspend(false));
  EXPECT_EQ(a->completed(), 1u);  // one flush each, nothing else was in flight
  EXPECT_EQ(b->completed(), 1u);
  ASSERT_TRUE(d->resume());

  ASSERT_TRUE(d->suspend(true));  // noflush
  EXPECT_EQ(a->completed(), 1u);
  EXPECT_EQ(b->completed(), 1u);
  ASSERT_TRUE(d->resume());

  // A stacked device is not flushed through a suspended lower device (that
  // would wait forever); the lower one flushed its own files when suspended.
  auto upper = bed.make("upper", "0 32 linear 252:0 0");
  ASSERT_TRUE(d->suspend(false));
  ASSERT_TRUE(upper->suspend(false));
  ASSERT_TRUE(upper->resume());
  ASSERT_TRUE(d->resume());
}

TEST(MappedDevice, HeldIoGoesToTheNewTable) {
  TestBed bed;
  auto a = bed.memory("/dev/a", 1 << 20);
  auto b = bed.memory("/dev/b", 1 << 20);
  auto d = bed.make("a", "0 64 linear /dev/a 0");
  ASSERT_TRUE(d->suspend(true));
  auto data = testing::pattern(512, 3);
  PendingIo w(Op::write, 512, 512, data.data());
  d->submit(&w.request);
  d->load(*bed.table("0 64 linear /dev/b 16"));
  ASSERT_TRUE(d->resume());
  w.wait();
  EXPECT_EQ(w.result.load(), 0);
  EXPECT_EQ(std::memcmp(b->raw() + 17 * 512, data.data(), 512), 0);
  EXPECT_EQ(a->completed(), 0u);
}

TEST(MappedDevice, SuspendWaitsForInFlightIo) {
  TestBed bed;
  auto mem = std::make_shared<io::MemoryDevice>(1 << 20, "/dev/slow");
  auto slow = std::make_shared<testing::DeferredDevice>(mem, /*worker=*/false);
  bed.backing["/dev/slow"] = slow;
  auto d = bed.make("a", "0 64 linear /dev/slow 0");
  std::vector<std::byte> buf(512);
  PendingIo r(Op::read, 0, 512, buf.data());
  d->submit(&r.request);
  ASSERT_EQ(slow->queued(), 1u);

  std::atomic<bool> suspended{false};
  std::thread t([&] {
    ASSERT_TRUE(d->suspend(false));
    suspended = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(suspended.load());  // still draining: the read is in flight
  // Release the read, then the suspend's own flush of the backing device.
  while (!suspended.load()) {
    slow->release();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  t.join();
  EXPECT_TRUE(suspended.load());
  EXPECT_EQ(r.completions.load(), 1);
  ASSERT_TRUE(d->resume());
}

TEST(MappedDevice, FlushFansOutPerStripeAndTarget) {
  TestBed bed;
  std::vector<std::shared_ptr<io::MemoryDevice>> m;
  for (int i = 0; i < 4; ++i) m.push_back(bed.memory("/dev/m" + std::to_string(i), 1 << 20));
  auto d = bed.make("a", "0 48 striped 3 8 /dev/m0 0 /dev/m1 0 /dev/m2 0\n48 8 linear /dev/m3 0\n56 8 zero");
  ASSERT_EQ(sync_io(*d, Op::flush, 0, 0), 0);
  for (auto& x : m) EXPECT_EQ(x->completed(), 1u);
}

TEST(MappedDevice, EventsAndWaiting) {
  TestBed bed;
  auto d = bed.make("a", "0 8 zero");
  EXPECT_EQ(d->info(false).event_nr, 0u);
  std::atomic<bool> cancel{false};
  EXPECT_EQ(d->wait_event(5, cancel), 0u);  // already differs: returns at once

  std::atomic<std::uint32_t> got{999};
  std::thread waiter([&] { got = d->wait_event(0, cancel); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(got.load(), 999u);
  d->raise_event();
  waiter.join();
  EXPECT_EQ(got.load(), 1u);

  std::thread canceled([&] { got = d->wait_event(1, cancel); });
  cancel = true;
  canceled.join();
  EXPECT_EQ(got.load(), 1u);
}

TEST(MappedDevice, MessagesGoToTheTargetAtTheSector) {
  TestBed bed;
  auto d = bed.make("a", "0 8 zero\n8 8 error");
  std::vector<std::string> words{"hello"};
  auto r = d->message(9, words);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_FALSE(d->message(16, words));
}

}  // namespace
}  // namespace udm::core

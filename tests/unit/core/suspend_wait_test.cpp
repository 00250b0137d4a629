// A suspend waiting for in-flight I/O that a lower, suspended device holds:
// the upper device still answers queries, the lower one can be resumed, and
// fail_held_io() (shutdown) ends the wait with EIO.
#include <future>
#include <thread>

#include "testing.hpp"

namespace udm::core {
namespace {

using io::Op;
using testing::PendingIo;
using testing::TestBed;

constexpr auto SHORT = std::chrono::milliseconds(100);

TEST(SuspendWait, QueriesAndTheLowerResumeAnswerWhileAnUpperSuspendWaits) {
  TestBed bed;
  auto mem = bed.memory("/dev/b", 1 << 20);
  auto lower = bed.make("b", "0 64 linear /dev/b 0");
  auto upper = bed.make("a", "0 64 linear 252:0 0");
  ASSERT_TRUE(lower->suspend(false));
  auto data = testing::pattern(4096, 5);
  PendingIo w(Op::write, 0, 4096, data.data());
  upper->submit(&w.request);  // in flight in `upper`, held by `lower`

  auto suspending = std::async(std::launch::async, [&] { return upper->suspend(false); });
  EXPECT_EQ(suspending.wait_for(SHORT), std::future_status::timeout);
  // Neither the upper device's queries nor anything of the lower one waits for it.
  auto queried = std::async(std::launch::async, [&] {
    auto i = upper->info(false);
    (void)upper->status(StatusType::table, false);
    (void)upper->deps(false);
    return i.suspended;
  });
  ASSERT_EQ(queried.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(queried.get());  // not suspended until the drain is done
  ASSERT_TRUE(lower->resume());
  ASSERT_EQ(suspending.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(suspending.get());
  w.wait();
  EXPECT_EQ(w.result.load(), 0);
  EXPECT_EQ(std::memcmp(mem->raw(), data.data(), 4096), 0);
  EXPECT_TRUE(upper->info(false).suspended);
  ASSERT_TRUE(upper->resume());
}

TEST(SuspendWait, FailHeldIoEndsTheWaitWithEio) {
  TestBed bed;
  bed.memory("/dev/b", 1 << 20);
  auto lower = bed.make("b", "0 64 linear /dev/b 0");
  auto upper = bed.make("a", "0 64 linear 252:0 0");
  ASSERT_TRUE(lower->suspend(false));
  auto data = testing::pattern(512, 9);
  PendingIo w(Op::write, 0, 512, data.data());
  upper->submit(&w.request);
  auto suspending = std::async(std::launch::async, [&] { return upper->suspend(false); });
  EXPECT_EQ(suspending.wait_for(SHORT), std::future_status::timeout);

  lower->fail_held_io();
  ASSERT_EQ(suspending.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(suspending.get());
  w.wait();
  EXPECT_EQ(w.result.load(), -EIO);
  // From now on nothing waits on the suspended lower device.
  PendingIo late(Op::write, 0, 512, data.data());
  lower->submit(&late.request);
  late.wait();
  EXPECT_EQ(late.result.load(), -EIO);
}

}  // namespace
}  // namespace udm::core

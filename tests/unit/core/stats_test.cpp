// dm-stats: the @stats_* messages (formats and errors as the kernel's) and
// the counting in the I/O path of a mapped device.
#include <sstream>

#include "testing.hpp"

namespace udm::core {
namespace {

using io::Op;
using testing::sync_io;
using testing::TestBed;

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> v;
  for (std::string w; in >> w;) v.push_back(w);
  return v;
}

// Sends `msg` to the device's core; the reply text, or "E<errno>".
std::string send(MappedDevice& d, const std::string& msg, std::size_t room = 1 << 16) {
  auto args = words(msg);
  auto r = d.stats_message(args, room);
  if (!r) return "not-stats";
  if (!*r) return "E" + std::to_string(r->error().code);
  if ((*r)->buffer_full) return "FULL";
  return (*r)->text;
}

TEST(Stats, CreateListDeleteAsTheKernel) {
  TestBed bed;
  auto d = bed.make("a", "0 1000 zero");
  EXPECT_EQ(send(*d, "@stats_list"), "");
  EXPECT_EQ(send(*d, "@stats_create - /3"), "0");
  EXPECT_EQ(send(*d, "@stats_create 100+50 10 2 precise_timestamps histogram:1,5,100 prog aux"), "1");
  EXPECT_EQ(send(*d, "@STATS_CREATE 0+8 8 other"), "2");
  EXPECT_EQ(send(*d, "@stats_list"),
            "0: 0+1000 334 - -\n"
            "1: 100+50 10 prog aux precise_timestamps histogram:1,5,100\n"
            "2: 0+8 8 other -\n");
  EXPECT_EQ(send(*d, "@stats_list prog"), "1: 100+50 10 prog aux precise_timestamps histogram:1,5,100\n");
  EXPECT_EQ(send(*d, "@stats_delete 1"), "");
  EXPECT_EQ(send(*d, "@stats_delete 1"), "E" + std::to_string(ENOENT));
  // The lowest free id is reused.
  EXPECT_EQ(send(*d, "@stats_create 0+1 1"), "1");
  EXPECT_EQ(send(*d, "@stats_set_aux 1 hello"), "");
  EXPECT_EQ(send(*d, "@stats_list"), "0: 0+1000 334 - -\n1: 0+1 1 - hello\n2: 0+8 8 other -\n");
  EXPECT_EQ(send(*d, "@stats_print 2"), "0+8 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  EXPECT_EQ(send(*d, "@stats_bogus"), "not-stats");
}

TEST(Stats, BadParametersAreRefused) {
  TestBed bed;
  auto d = bed.make("a", "0 64 zero");
  const std::string inval = "E" + std::to_string(EINVAL);
  for (const char* m : {"@stats_create", "@stats_create -", "@stats_create 5+0 1", "@stats_create x+1 1",
                        "@stats_create - 0", "@stats_create - /0", "@stats_create - 8 2 precise_timestamps",
                        "@stats_create - 8 1 bogus", "@stats_create - 8 1 histogram:5,5",
                        "@stats_create - 8 1 histogram:", "@stats_create - 8 2 histogram:1 histogram:2",
                        "@stats_create - 8 p a extra", "@stats_create 18446744073709551615+2 1",
                        "@stats_delete", "@stats_delete -1", "@stats_delete x", "@stats_print", "@stats_print 0 1",
                        "@stats_print 0 x 1", "@stats_set_aux 0", "@stats_list a b", "@stats_clear"})
    EXPECT_EQ(send(*d, m), inval) << m;
  EXPECT_EQ(send(*d, "@stats_print 0"), "E" + std::to_string(ENOENT));
  EXPECT_EQ(send(*d, "@stats_clear 7"), "E" + std::to_string(ENOENT));
  EXPECT_EQ(send(*d, "@stats_list"), "");  // nothing was created by the failures
}

TEST(Stats, TooLargeRegionsFailWithoutAllocating) {
  TestBed bed;
  auto d = bed.make("a", "0 64 zero");
  const std::size_t before = DeviceStats::allocated_bytes();
  EXPECT_EQ(send(*d, "@stats_create 0+18446744073709551614 1"), "E" + std::to_string(EOVERFLOW));
  EXPECT_EQ(send(*d, "@stats_create 0+4611686018427387904 1"), "E" + std::to_string(EOVERFLOW));
  EXPECT_EQ(send(*d, "@stats_create 0+1099511627776 1"), "E" + std::to_string(ENOMEM));
  EXPECT_EQ(DeviceStats::allocated_bytes(), before);
  EXPECT_EQ(send(*d, "@stats_create - 1"), "0");
  EXPECT_GT(DeviceStats::allocated_bytes(), before);
  EXPECT_EQ(send(*d, "@stats_delete 0"), "");
  EXPECT_EQ(DeviceStats::allocated_bytes(), before);
}

TEST(Stats, SmallBufferAsksForMoreAndCreatesNothing) {
  TestBed bed;
  auto d = bed.make("a", "0 64 zero");
  EXPECT_EQ(send(*d, "@stats_create - 1", 8), "FULL");
  EXPECT_EQ(send(*d, "@stats_list"), "");
  EXPECT_EQ(send(*d, "@stats_create - 1"), "0");
  EXPECT_EQ(send(*d, "@stats_print 0", 32), "FULL");
}

TEST(Stats, CountsReadsWritesSectorsPerArea) {
  TestBed bed;
  auto d = bed.make("a", "0 64 zero");
  ASSERT_EQ(send(*d, "@stats_create - 16 1 histogram:1000000"), "0");  // ms: all under the bound
  ASSERT_EQ(send(*d, "@stats_create 8+16 /1 1 precise_timestamps"), "1");
  std::vector<std::byte> buf(64 * 512);
  ASSERT_EQ(sync_io(*d, Op::read, 0, 4096, buf.data()), 0);         // area 0: 8 sectors
  ASSERT_EQ(sync_io(*d, Op::write, 12 * 512, 8 * 512, buf.data()), 0);  // areas 0 and 1: 4 + 4
  ASSERT_EQ(sync_io(*d, Op::write, 20 * 512, 4 * 512, buf.data()), 0);  // area 1, right after: merged
  ASSERT_EQ(sync_io(*d, Op::flush, 0, 0), 0);                       // not counted
  auto lines = send(*d, "@stats_print 0");
  std::istringstream in(lines);
  std::vector<std::vector<std::string>> rows;
  for (std::string l; std::getline(in, l);) rows.push_back(words(l));
  ASSERT_EQ(rows.size(), 4u);
  for (auto& r : rows) ASSERT_EQ(r.size(), 15u);
  EXPECT_EQ(rows[0][0], "0+16");
  EXPECT_EQ(rows[3][0], "48+16");
  auto col = [&](int row, int c) { return rows[row][c]; };
  // reads, read merges, read sectors; writes, write merges, write sectors; in flight
  EXPECT_EQ(col(0, 1), "1");
  EXPECT_EQ(col(0, 3), "8");
  EXPECT_EQ(col(0, 5), "1");
  EXPECT_EQ(col(0, 7), "4");
  EXPECT_EQ(col(1, 5), "2");
  EXPECT_EQ(col(1, 6), "1");
  EXPECT_EQ(col(1, 7), "8");
  EXPECT_EQ(col(0, 9), "0");
  EXPECT_EQ(col(2, 1), "0");
  EXPECT_EQ(col(0, 14), "2:0");  // histogram: both in the first bucket, none above
  EXPECT_EQ(col(1, 14), "2:0");
  // The precise region over sectors 8..24: one area.
  auto p = words(send(*d, "@stats_print 1"));
  ASSERT_EQ(p.size(), 14u);  // no histogram
  EXPECT_EQ(p[0], "8+16");
  EXPECT_EQ(p[1], "0");  // the read covered sectors 0..8: none of this region
  EXPECT_EQ(p[3], "0");
  EXPECT_EQ(p[5], "2");
  EXPECT_EQ(p[7], "12");
  // Lines by index, and print_clear resets all but in-flight.
  EXPECT_EQ(words(send(*d, "@stats_print 0 1 1"))[0], "16+16");
  EXPECT_EQ(words(send(*d, "@stats_print 0 3 -")).size(), 15u);
  EXPECT_EQ(send(*d, "@stats_print 0 9 1"), "");
  send(*d, "@stats_print_clear 0");
  EXPECT_EQ(send(*d, "@stats_print 0 0 1"), "0+16 0 0 0 0 0 0 0 0 0 0 0 0 0 0:0\n");
  ASSERT_EQ(sync_io(*d, Op::read, 0, 512, buf.data()), 0);
  EXPECT_EQ(words(send(*d, "@stats_print 0 0 1"))[1], "1");
  EXPECT_EQ(send(*d, "@stats_clear 0"), "");
  EXPECT_EQ(words(send(*d, "@stats_print 0 0 1"))[1], "0");
}

TEST(Stats, InFlightAndBusyTimeWhileHeld) {
  TestBed bed;
  auto mem = bed.memory("/dev/m", 1 << 20);
  auto held = std::make_shared<testing::DeferredDevice>(mem, false);
  bed.backing["/dev/h"] = held;
  auto d = bed.make("a", "0 64 linear /dev/h 0");
  ASSERT_EQ(send(*d, "@stats_create - /1 1 precise_timestamps"), "0");
  std::vector<std::byte> buf(4096);
  testing::PendingIo w(Op::write, 0, 4096, buf.data());
  d->submit(&w.request);
  auto during = words(send(*d, "@stats_print 0"));
  EXPECT_EQ(during[9], "1");  // in flight
  EXPECT_EQ(during[5], "0");  // not completed yet
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  held->release();
  w.wait();
  auto after = words(send(*d, "@stats_print 0"));
  EXPECT_EQ(after[9], "0");
  EXPECT_EQ(after[5], "1");
  EXPECT_GE(std::stoull(after[8]), 2'000'000u);   // write ticks, ns
  EXPECT_GE(std::stoull(after[10]), 2'000'000u);  // io_ticks
  EXPECT_GE(std::stoull(after[13]), 2'000'000u);  // write io_ticks
  EXPECT_EQ(after[12], "0");                      // no read was in flight
}

// I/O on several threads while regions come and go (TSan watches this).
TEST(Stats, RegionsChangeUnderConcurrentIo) {
  TestBed bed;
  auto d = bed.make("a", "0 256 zero");
  std::atomic<bool> stop{false};
  std::vector<std::thread> io;
  for (int t = 0; t < 3; ++t)
    io.emplace_back([&, t] {
      std::vector<std::byte> buf(8 * 512);
      for (unsigned i = 0; !stop.load(); ++i)
        (void)sync_io(*d, (i + t) % 2 ? Op::read : Op::write, ((i * 7 + t) % 240) * 512, 8 * 512, buf.data());
    });
  for (int round = 0; round < 200; ++round) {
    EXPECT_EQ(send(*d, "@stats_create - /7 1 histogram:1,2,3"), "0");
    EXPECT_EQ(send(*d, "@stats_create 10+100 3"), "1");
    (void)send(*d, "@stats_print_clear 0");
    (void)send(*d, "@stats_print 1");
    EXPECT_EQ(send(*d, "@stats_delete 0"), "");
    EXPECT_EQ(send(*d, "@stats_delete 1"), "");
  }
  // A region that lives through the whole run ends with nothing in flight.
  EXPECT_EQ(send(*d, "@stats_create - /1"), "0");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  for (auto& t : io) t.join();
  auto w = words(send(*d, "@stats_print 0"));
  EXPECT_EQ(w[9], "0");
  EXPECT_GT(std::stoull(w[1]) + std::stoull(w[5]), 0u);
}

}  // namespace
}  // namespace udm::core

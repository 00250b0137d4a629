// delay, flakey and dust over in-memory devices: table refusals, status and
// table text, messages and replies, and what each does to I/O.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <thread>

#include "core/target.hpp"
#include "core/target_registry.hpp"
#include "targets/target_types.hpp"
#include "io/memory_device.hpp"


namespace udm {
namespace {

using namespace std::chrono_literals;
using core::StatusType;

constexpr byte_count DEV_BYTES = 1 << 20;

// Opens "8:16"-style names from a fixed set of memory devices and checks ranges.
class MemoryOpener final : public core::DeviceOpener {
 public:
  std::shared_ptr<io::MemoryDevice> add(const std::string& name) {
    auto d = std::make_shared<io::MemoryDevice>(DEV_BYTES, name);
    devices_[name] = d;
    return d;
  }
  Result<io::BlockDevicePtr> open(std::string_view arg, sector_t start, sector_t length) override {
    auto it = devices_.find(std::string(arg));
    if (it == devices_.end()) return fail(ENXIO, "device " + std::string(arg) + " not found");
    if (sectors_to_bytes(start + length) > it->second->size())
      return fail(EINVAL, "device " + std::string(arg) + " is too small");
    return it->second;
  }

 private:
  std::map<std::string, std::shared_ptr<io::MemoryDevice>> devices_;
};

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ') ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

// A request that records its completion.
struct TestIo {
  io::Request req;
  std::vector<std::byte> buf;
  std::atomic<bool> done{false};
  std::atomic<int> result{1};
  std::chrono::steady_clock::time_point finished;

  TestIo(io::Op op, byte_count offset, byte_count length, std::uint8_t fill = 0) : buf(length, std::byte{fill}) {
    req.op = op;
    req.offset = offset;
    req.length = length;
    req.data = length ? buf.data() : nullptr;
    req.context = this;
    req.done = [](io::Request* r, int res) {
      auto* self = static_cast<TestIo*>(r->context);
      self->finished = std::chrono::steady_clock::now();
      self->result = res;
      self->done = true;
    };
  }
  bool wait(std::chrono::milliseconds limit = 10s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(1ms);
    return done;
  }
};

class FaultTargets : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = opener_.add("8:16");
    b_ = opener_.add("8:32");
    c_ = opener_.add("8:48");
  }
  Result<std::unique_ptr<core::Target>> make(const core::TargetType& type, std::string_view params,
                                              sector_t length = 1024) {
    args_ = words(params);
    core::TargetArgs a;
    a.begin = 0;
    a.length = length;
    a.args = args_;
    a.devices = &opener_;
    return type.create(a);
  }
  Result<std::unique_ptr<core::Target>> make_flakey(std::string_view params, targets::FlakeyClock clock) {
    args_ = words(params);
    core::TargetArgs a;
    a.length = 1024;
    a.args = args_;
    a.devices = &opener_;
    return targets::create_flakey(a, std::move(clock));
  }
  Result<std::string> msg(core::Target& t, std::string_view text) {
    auto w = words(text);
    return t.message(w);
  }
  // Round trip: the TABLE text is accepted back and prints the same.
  void expect_round_trip(const core::TargetType& type, const core::Target& t) {
    std::string table = t.status(StatusType::table);
    auto again = make(type, table);
    ASSERT_TRUE(again) << table << ": " << again.error().message;
    EXPECT_EQ((*again)->status(StatusType::table), table);
  }

  MemoryOpener opener_;
  std::shared_ptr<io::MemoryDevice> a_, b_, c_;
  std::vector<std::string> args_;
};

// ---------------------------------------------------------------- delay

TEST_F(FaultTargets, DelayTypeAndVersion) {
  const auto& t = targets::delay_target_type();
  EXPECT_EQ(t.name, "delay");
  EXPECT_EQ(t.version, (core::Version{1, 4, 0}));
}

TEST_F(FaultTargets, DelayRefusesBadTables) {
  const auto& t = targets::delay_target_type();
  for (const char* bad : {"", "8:16 0", "8:16 0 10 8:32", "8:16 0 10 8:32 0", "8:16 0 10 8:32 0 10 8:48 0",
                          "8:16 x 10", "8:16 0 -1", "8:16 0 10ms", "8:16 0 4294967296", "9:9 0 10",
                          "8:16 0 10 8:32 zz 10", "8:16 2048 10"}) {
    auto r = make(t, bad);
    EXPECT_FALSE(r) << "accepted: " << bad;
    if (!r) {
      EXPECT_EQ(r.error().code == EINVAL || r.error().code == ENXIO, true) << bad;
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_EQ(make(t, "8:16 0").error().message, "Requires exactly 3, 6 or 9 arguments");
  EXPECT_EQ(make(t, "9:9 0 10").error().code, ENXIO);
}

TEST_F(FaultTargets, DelayStatusAndTableText) {
  const auto& type = targets::delay_target_type();
  auto t3 = make(type, "8:16 0 0");
  ASSERT_TRUE(t3);
  EXPECT_EQ((*t3)->status(StatusType::info), "0 0 0");
  EXPECT_EQ((*t3)->status(StatusType::table), "8:16 0 0");
  expect_round_trip(type, **t3);
  auto t6 = make(type, "8:16 8 100 8:32 16 200");
  ASSERT_TRUE(t6);
  EXPECT_EQ((*t6)->status(StatusType::table), "8:16 8 100 8:32 16 200");
  expect_round_trip(type, **t6);
  auto t9 = make(type, "8:16 0 1 8:32 0 2 8:48 0 3");
  ASSERT_TRUE(t9);
  EXPECT_EQ((*t9)->status(StatusType::table), "8:16 0 1 8:32 0 2 8:48 0 3");
  EXPECT_EQ((*t9)->devices().size(), 3u);
  expect_round_trip(type, **t9);
  EXPECT_FALSE((*t9)->message(words("anything")));
}

TEST_F(FaultTargets, DelayZeroPassesThroughAndRemaps) {
  auto t = make(targets::delay_target_type(), "8:16 8 0 8:32 16 0");
  ASSERT_TRUE(t);
  TestIo w(io::Op::write, 0, 512, 0x5a);
  (*t)->map(&w.req);
  ASSERT_TRUE(w.done);  // no delay: completes inline on a memory device
  EXPECT_EQ(w.result, 0);
  EXPECT_EQ(b_->raw()[16 * 512], std::byte{0x5a});  // writes went to the write class's device + offset
  EXPECT_EQ(a_->raw()[8 * 512], std::byte{0});
  std::memset(a_->raw() + 8 * 512, 0x11, 512);
  TestIo r(io::Op::read, 0, 512);
  (*t)->map(&r.req);
  ASSERT_TRUE(r.done);
  EXPECT_EQ(r.buf[0], std::byte{0x11});
}

TEST_F(FaultTargets, DelayHoldsIoForTheDelayPerClass) {
  auto t = make(targets::delay_target_type(), "8:16 0 300 8:32 0 0");
  ASSERT_TRUE(t);
  auto start = std::chrono::steady_clock::now();
  TestIo r1(io::Op::read, 0, 512), r2(io::Op::read, 512, 512);
  (*t)->map(&r1.req);
  (*t)->map(&r2.req);
  TestIo w(io::Op::write, 0, 512, 1);
  (*t)->map(&w.req);
  EXPECT_TRUE(w.done);  // the write class has no delay
  EXPECT_FALSE(r1.done);
  EXPECT_FALSE(r2.done);
  EXPECT_EQ((*t)->status(StatusType::info), "2 0 0");
  ASSERT_TRUE(r1.wait());
  ASSERT_TRUE(r2.wait());
  EXPECT_EQ(r1.result, 0);
  // Never early: each read was held at least the delay.
  EXPECT_GE(r1.finished - start, 300ms);
  EXPECT_GE(r2.finished - start, 300ms);
  EXPECT_EQ((*t)->status(StatusType::info), "0 0 0");
}

TEST_F(FaultTargets, DelayCountsWritesAndFlushesSeparately) {
  auto t = make(targets::delay_target_type(), "8:16 0 5000");
  ASSERT_TRUE(t);
  TestIo w(io::Op::write, 0, 512, 3), f(io::Op::flush, 0, 0), d(io::Op::discard, 4096, 512);
  (*t)->map(&w.req);
  (*t)->map(&f.req);
  (*t)->map(&d.req);
  EXPECT_EQ((*t)->status(StatusType::info), "0 2 1");
  // Suspend releases everything at once and stops delaying until resume.
  ASSERT_TRUE((*t)->presuspend(false));
  EXPECT_TRUE(w.wait(1s));
  EXPECT_TRUE(f.wait(1s));
  EXPECT_TRUE(d.wait(1s));
  EXPECT_EQ((*t)->status(StatusType::info), "0 0 0");
  EXPECT_EQ(a_->raw()[0], std::byte{3});
  TestIo r(io::Op::read, 0, 512);
  (*t)->map(&r.req);
  EXPECT_TRUE(r.done);
  (*t)->resume();
  TestIo r2(io::Op::read, 0, 512);
  (*t)->map(&r2.req);
  EXPECT_FALSE(r2.done);
  EXPECT_EQ((*t)->status(StatusType::info), "1 0 0");
  ASSERT_TRUE((*t)->presuspend(false));
  EXPECT_TRUE(r2.wait(1s));
}

TEST_F(FaultTargets, DelayDestructionReleasesHeldIo) {
  TestIo r(io::Op::read, 0, 512);
  {
    auto t = make(targets::delay_target_type(), "8:16 0 60000");
    ASSERT_TRUE(t);
    (*t)->map(&r.req);
    EXPECT_FALSE(r.done);
  }
  EXPECT_TRUE(r.done);
}

// ---------------------------------------------------------------- flakey

struct FakeClock {
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::time_point{} + 1000s);
  targets::FlakeyClock fn() const {
    auto p = now;
    return [p] { return *p; };
  }
  void advance(std::chrono::seconds s) const { *now += s; }
};

TEST_F(FaultTargets, FlakeyTypeAndVersion) {
  EXPECT_EQ(targets::flakey_target_type().name, "flakey");
  EXPECT_EQ(targets::flakey_target_type().version, (core::Version{1, 5, 0}));
}

TEST_F(FaultTargets, FlakeyRefusesBadTables) {
  const auto& t = targets::flakey_target_type();
  struct Case {
    const char* params;
    const char* message;
  };
  for (auto c : std::initializer_list<Case>{
           {"8:16 0 1", "Invalid argument count"},
           {"8:16 x 1 1", "Invalid device sector 'x'"},
           {"8:16 0 -1 1", "Invalid up interval '-1'"},
           {"8:16 0 1 y", "Invalid down interval 'y'"},
           {"8:16 0 0 0", "Total (up + down) interval is zero"},
           {"8:16 0 4294967295 1", "Total (up + down) interval too large"},
           {"8:16 0 1 1 1", "Invalid number of feature args"},
           {"8:16 0 1 1 12 a b c d e f g h i j k l", "Invalid number of feature args"},
           {"8:16 0 1 1 1 error_reads extra", "Too many arguments"},
           {"8:16 0 1 1 1 bogus", "Unrecognised flakey feature requested 'bogus'"},
           {"8:16 0 1 1 2 error_reads error_reads", "Feature error_reads duplicated"},
           {"8:16 0 1 1 2 drop_writes error_writes", "Feature error_writes conflicts with feature drop_writes"},
           {"8:16 0 1 1 2 error_writes drop_writes", "Feature drop_writes conflicts with feature error_writes"},
           {"8:16 0 1 1 3 corrupt_bio_byte 1 r", "Feature corrupt_bio_byte requires parameters"},
           {"8:16 0 1 1 5 corrupt_bio_byte 0 r 1 0", "Invalid corrupt bio byte"},
           {"8:16 0 1 1 5 corrupt_bio_byte 1 x 1 0", "Invalid corrupt bio direction (r or w)"},
           {"8:16 0 1 1 5 corrupt_bio_byte 1 r 256 0", "Invalid corrupt bio byte value"},
           {"8:16 0 1 1 5 corrupt_bio_byte 1 r 1 -2", "Invalid corrupt bio flags mask"},
           {"8:16 0 1 1 1 random_read_corrupt", "Feature random_read_corrupt requires a parameter"},
           {"8:16 0 1 1 2 random_write_corrupt 1000000001", "Invalid random_write_corrupt probability"},
           {"8:16 0 1 1 6 drop_writes corrupt_bio_byte 1 w 1 0",
            "drop_writes is incompatible with random_write_corrupt or corrupt_bio_byte with the WRITE flag set"},
           {"8:16 0 1 1 3 error_writes random_write_corrupt 5",
            "error_writes is incompatible with random_write_corrupt or corrupt_bio_byte with the WRITE flag set"},
       }) {
    auto r = make(t, c.params);
    ASSERT_FALSE(r) << "accepted: " << c.params;
    EXPECT_EQ(r.error().code, EINVAL) << c.params;
    EXPECT_EQ(r.error().message, c.message) << c.params;
  }
  EXPECT_EQ(make(t, "7:7 0 1 1").error().code, ENXIO);
  EXPECT_FALSE(make(t, "8:16 2048 1 1"));  // past the end of the device
}

TEST_F(FaultTargets, FlakeyStatusAndTableText) {
  const auto& type = targets::flakey_target_type();
  struct Case {
    const char* params;
    const char* table;
  };
  for (auto c : std::initializer_list<Case>{
           {"8:16 0 5 5", "8:16 0 5 5 0"},
           {"8:16 8 5 5 0", "8:16 8 5 5 0"},
           {"8:16 0 1 2 1 error_reads", "8:16 0 1 2 1 error_reads"},
           {"8:16 0 1 2 2 drop_writes error_reads", "8:16 0 1 2 2 error_reads drop_writes"},
           {"8:16 0 1 2 1 error_writes", "8:16 0 1 2 1 error_writes"},
           {"8:16 0 1 2 5 corrupt_bio_byte 32 r 1 0", "8:16 0 1 2 5 corrupt_bio_byte 32 r 1 0"},
           {"8:16 0 1 2 7 random_write_corrupt 7 corrupt_bio_byte 1 w 255 131072",
            "8:16 0 1 2 7 corrupt_bio_byte 1 w 255 131072 random_write_corrupt 7"},
           {"8:16 0 1 2 4 random_read_corrupt 100 random_write_corrupt 200",
            "8:16 0 1 2 4 random_read_corrupt 100 random_write_corrupt 200"},
       }) {
    auto t = make(type, c.params);
    ASSERT_TRUE(t) << c.params << ": " << t.error().message;
    EXPECT_EQ((*t)->status(StatusType::info), "");
    EXPECT_EQ((*t)->status(StatusType::table), c.table);
    expect_round_trip(type, **t);
    EXPECT_EQ((*t)->devices().size(), 1u);
    EXPECT_FALSE((*t)->message(words("x")));
  }
}

TEST_F(FaultTargets, FlakeyUpThenDownByTheClock) {
  FakeClock clock;
  auto t = make_flakey("8:16 0 2 3", clock.fn());
  ASSERT_TRUE(t);
  std::memset(a_->raw(), 0x42, 4096);
  auto read_result = [&] {
    TestIo r(io::Op::read, 0, 512);
    (*t)->map(&r.req);
    EXPECT_TRUE(r.done);
    return r.result.load();
  };
  auto write_result = [&] {
    TestIo w(io::Op::write, 512, 512, 9);
    (*t)->map(&w.req);
    EXPECT_TRUE(w.done);
    return w.result.load();
  };
  EXPECT_EQ(read_result(), 0);  // seconds 0, 1: up
  clock.advance(1s);
  EXPECT_EQ(write_result(), 0);
  clock.advance(1s);  // seconds 2, 3, 4: down; no features: everything fails
  EXPECT_EQ(read_result(), -EIO);
  EXPECT_EQ(write_result(), -EIO);
  clock.advance(2s);
  EXPECT_EQ(read_result(), -EIO);
  TestIo f(io::Op::flush, 0, 0);
  (*t)->map(&f.req);
  EXPECT_EQ(f.result, -EIO);
  clock.advance(1s);  // second 5: up again (period 5)
  EXPECT_EQ(read_result(), 0);
  clock.advance(2s);
  EXPECT_EQ(read_result(), -EIO);
}

TEST_F(FaultTargets, FlakeyDownFeatures) {
  FakeClock clock;
  std::memset(a_->raw(), 0x42, DEV_BYTES);
  {
    auto t = make_flakey("8:16 0 0 10 1 error_reads", clock.fn());  // always down
    ASSERT_TRUE(t);
    TestIo r(io::Op::read, 0, 512), w(io::Op::write, 0, 512, 7);
    (*t)->map(&r.req);
    (*t)->map(&w.req);
    EXPECT_EQ(r.result, -EIO);
    EXPECT_EQ(w.result, 0);
    EXPECT_EQ(a_->raw()[0], std::byte{7});  // writes pass with only error_reads
  }
  {
    auto t = make_flakey("8:16 0 0 10 1 drop_writes", clock.fn());
    ASSERT_TRUE(t);
    TestIo w(io::Op::write, 4096, 512, 8), r(io::Op::read, 4096, 512);
    (*t)->map(&w.req);
    EXPECT_EQ(w.result, 0);                    // reported written...
    EXPECT_EQ(a_->raw()[4096], std::byte{0x42});  // ...but dropped
    (*t)->map(&r.req);
    EXPECT_EQ(r.result, 0);
    EXPECT_EQ(r.buf[0], std::byte{0x42});
  }
  {
    auto t = make_flakey("8:16 0 0 10 1 error_writes", clock.fn());
    ASSERT_TRUE(t);
    TestIo w(io::Op::write, 4096, 512, 8), r(io::Op::read, 4096, 512);
    (*t)->map(&w.req);
    EXPECT_EQ(w.result, -EIO);
    EXPECT_EQ(a_->raw()[4096], std::byte{0x42});
    (*t)->map(&r.req);
    EXPECT_EQ(r.result, 0);
  }
}

TEST_F(FaultTargets, FlakeyCorruptsTheNthByte) {
  FakeClock clock;
  std::memset(a_->raw(), 0x42, DEV_BYTES);
  {
    auto t = make_flakey("8:16 8 0 10 5 corrupt_bio_byte 3 r 7 0", clock.fn());
    ASSERT_TRUE(t);
    TestIo r(io::Op::read, 0, 1024);
    (*t)->map(&r.req);
    ASSERT_TRUE(r.done);
    EXPECT_EQ(r.result, 0);
    EXPECT_EQ(r.buf[2], std::byte{7});  // byte 3, 1-based
    EXPECT_EQ(r.buf[1], std::byte{0x42});
    EXPECT_EQ(r.buf[3], std::byte{0x42});
    EXPECT_EQ(a_->raw()[8 * 512 + 2], std::byte{0x42});  // the device is untouched
    TestIo w(io::Op::write, 0, 512, 0x33);
    (*t)->map(&w.req);
    EXPECT_EQ(w.result, 0);
    EXPECT_EQ(a_->raw()[8 * 512 + 2], std::byte{0x33});  // writes are not corrupted in 'r' mode
  }
  {
    auto t = make_flakey("8:16 0 0 10 5 corrupt_bio_byte 1 w 9 0", clock.fn());
    ASSERT_TRUE(t);
    TestIo w(io::Op::write, 0, 512, 0x55);
    (*t)->map(&w.req);
    ASSERT_TRUE(w.done);
    EXPECT_EQ(w.result, 0);
    EXPECT_EQ(a_->raw()[0], std::byte{9});
    EXPECT_EQ(a_->raw()[1], std::byte{0x55});
    EXPECT_EQ(w.buf[0], std::byte{0x55});  // the caller's buffer is never changed
    TestIo r(io::Op::read, 512, 512);
    (*t)->map(&r.req);
    EXPECT_EQ(r.buf[0], std::byte{0x42});
  }
  {
    // flags 131072 = REQ_FUA: only FUA writes are corrupted.
    auto t = make_flakey("8:16 0 0 10 5 corrupt_bio_byte 1 w 9 131072", clock.fn());
    ASSERT_TRUE(t);
    TestIo w(io::Op::write, 0, 512, 0x66);
    (*t)->map(&w.req);
    EXPECT_EQ(a_->raw()[0], std::byte{0x66});
    TestIo fua(io::Op::write, 0, 512, 0x66);
    fua.req.fua = true;
    (*t)->map(&fua.req);
    EXPECT_EQ(a_->raw()[0], std::byte{9});
  }
  {
    // While up nothing is corrupted.
    auto t = make_flakey("8:16 0 10 10 5 corrupt_bio_byte 1 r 9 0", clock.fn());
    ASSERT_TRUE(t);
    TestIo r(io::Op::read, 65536, 512);
    (*t)->map(&r.req);
    EXPECT_EQ(r.buf[0], std::byte{0x42});
  }
}

TEST_F(FaultTargets, FlakeyRandomCorruption) {
  FakeClock clock;
  std::memset(a_->raw(), 0x42, DEV_BYTES);
  auto differs = [](const TestIo& io) {
    for (auto b : io.buf)
      if (b != std::byte{0x42}) return true;
    return false;
  };
  {
    auto t = make_flakey("8:16 0 0 10 2 random_read_corrupt 1000000000", clock.fn());
    ASSERT_TRUE(t);
    bool any = false;
    for (int i = 0; i < 32; ++i) {  // a random byte may equal the old one: 1/256 per read
      TestIo r(io::Op::read, 0, 4096);
      (*t)->map(&r.req);
      EXPECT_EQ(r.result, 0);
      any = any || differs(r);
    }
    EXPECT_TRUE(any);
    for (int i = 0; i < 4096; ++i) ASSERT_EQ(a_->raw()[i], std::byte{0x42});
  }
  {
    auto t = make_flakey("8:16 0 0 10 2 random_write_corrupt 0", clock.fn());
    ASSERT_TRUE(t);
    TestIo w(io::Op::write, 0, 4096, 0x42);
    (*t)->map(&w.req);
    for (int i = 0; i < 4096; ++i) ASSERT_EQ(a_->raw()[i], std::byte{0x42});
  }
  {
    auto t = make_flakey("8:16 0 0 10 2 random_write_corrupt 1000000000", clock.fn());
    ASSERT_TRUE(t);
    bool any = false;
    for (int i = 0; i < 32 && !any; ++i) {
      TestIo w(io::Op::write, 0, 4096, 0x42);
      (*t)->map(&w.req);
      EXPECT_FALSE(differs(w));
      for (int j = 0; j < 4096; ++j) any = any || a_->raw()[j] != std::byte{0x42};
    }
    EXPECT_TRUE(any);
  }
}

// ---------------------------------------------------------------- dust

TEST_F(FaultTargets, DustTypeAndVersion) {
  EXPECT_EQ(targets::dust_target_type().name, "dust");
  EXPECT_EQ(targets::dust_target_type().version, (core::Version{1, 0, 0}));
}

TEST_F(FaultTargets, DustRefusesBadTables) {
  const auto& t = targets::dust_target_type();
  struct Case {
    const char* params;
    const char* message;
  };
  for (auto c : std::initializer_list<Case>{
           {"8:16 0", "Invalid argument count"},
           {"8:16 0 512 1", "Invalid argument count"},
           {"8:16 0 0", "Invalid block size parameter '0'"},
           {"8:16 0 x", "Invalid block size parameter 'x'"},
           {"8:16 0 256", "Block size must be at least 512"},
           {"8:16 0 1536", "Block size must be a power of 2"},
           {"8:16 0 1048576", "Block size is too large"},  // 2048 sectors > target length 1024
           {"8:16 z 512", "Invalid device offset sector 'z'"},
       }) {
    auto r = make(t, c.params);
    ASSERT_FALSE(r) << "accepted: " << c.params;
    EXPECT_EQ(r.error().code, EINVAL) << c.params;
    EXPECT_EQ(r.error().message, c.message) << c.params;
  }
  EXPECT_EQ(make(t, "1:1 0 512").error().code, ENXIO);
  EXPECT_TRUE(make(t, "8:16 0 524288"));  // 1024 sectors == the target length
}

TEST_F(FaultTargets, DustStatusAndMessages) {
  const auto& type = targets::dust_target_type();
  auto made = make(type, "8:16 0 4096");
  ASSERT_TRUE(made);
  core::Target& t = **made;
  EXPECT_EQ(t.status(StatusType::table), "8:16 0 4096");
  EXPECT_EQ(t.status(StatusType::info), "8:16 bypass verbose");
  expect_round_trip(type, t);

  EXPECT_EQ(*msg(t, "enable"), "");
  EXPECT_EQ(t.status(StatusType::info), "8:16 fail_read_on_bad_block verbose");
  EXPECT_EQ(*msg(t, "quiet"), "");
  EXPECT_EQ(t.status(StatusType::info), "8:16 fail_read_on_bad_block quiet");
  EXPECT_EQ(*msg(t, "QUIET"), "");
  EXPECT_EQ(t.status(StatusType::info), "8:16 fail_read_on_bad_block verbose");
  EXPECT_EQ(*msg(t, "Disable"), "");
  EXPECT_EQ(t.status(StatusType::info), "8:16 bypass verbose");

  EXPECT_EQ(*msg(t, "listbadblocks"), "No blocks in badblocklist");
  EXPECT_EQ(*msg(t, "countbadblocks"), "countbadblocks: 0 badblock(s) found");
  EXPECT_EQ(*msg(t, "clearbadblocks"), "dust_clear_badblocks: no badblocks found");
  EXPECT_EQ(*msg(t, "addbadblock 60"), "");
  EXPECT_EQ(*msg(t, "addbadblock 7 3"), "");
  EXPECT_EQ(*msg(t, "AddBadBlock 128"), "");  // 1024 sectors / 8 = 128: one past the end is allowed
  EXPECT_EQ(msg(t, "addbadblock 129").error().message, "selected block value out of range");
  EXPECT_EQ(msg(t, "addbadblock 7").error().message, "dust_add_block: block 7 already in badblocklist");
  EXPECT_EQ(msg(t, "addbadblock 8 256").error().message, "selected write fail count out of range");
  EXPECT_FALSE(msg(t, "addbadblock x"));
  EXPECT_EQ(msg(t, "addbadblock").error().message, "addbadblock requires an additional argument");
  EXPECT_EQ(*msg(t, "countbadblocks"), "countbadblocks: 3 badblock(s) found");
  EXPECT_EQ(*msg(t, "listbadblocks"), "7\n60\n128\n");
  EXPECT_EQ(*msg(t, "queryblock 60"), "dust_query_block: block 60 found in badblocklist");
  EXPECT_EQ(*msg(t, "queryblock 61"), "dust_query_block: block 61 not found in badblocklist");
  EXPECT_EQ(*msg(t, "removebadblock 60"), "");
  EXPECT_EQ(msg(t, "removebadblock 60").error().message, "dust_remove_block: block 60 not found in badblocklist");
  EXPECT_EQ(*msg(t, "countbadblocks"), "countbadblocks: 2 badblock(s) found");
  EXPECT_EQ(msg(t, "queryblock 1 2").error().message, "unrecognized message 'queryblock' received");
  EXPECT_EQ(msg(t, "frobnicate").error().message, "unrecognized message 'frobnicate' received");
  EXPECT_EQ(msg(t, "frobnicate 1").error().message, "unrecognized message 'frobnicate' received");
  EXPECT_EQ(msg(t, "addbadblock 1 2 3").error().message, "invalid number of arguments '4'");
  EXPECT_EQ(*msg(t, "clearbadblocks"), "dust_clear_badblocks: badblocks cleared");
  EXPECT_EQ(*msg(t, "listbadblocks"), "No blocks in badblocklist");
  for (auto& m : {"addbadblock 7", "enable", "frob"}) {
    auto r = msg(t, m);
    if (!r) {
      EXPECT_EQ(r.error().code, EINVAL);
    }
  }
}

TEST_F(FaultTargets, DustFailsReadsOfBadBlocksAndWritesClearThem) {
  auto made = make(targets::dust_target_type(), "8:16 0 512");
  ASSERT_TRUE(made);
  core::Target& t = **made;
  std::memset(a_->raw(), 0x42, DEV_BYTES);
  auto read_at = [&](byte_count off, byte_count len = 512) {
    TestIo r(io::Op::read, off, len);
    t.map(&r.req);
    EXPECT_TRUE(r.done);
    return r.result.load();
  };
  auto write_at = [&](byte_count off, byte_count len = 512) {
    TestIo w(io::Op::write, off, len, 0x77);
    t.map(&w.req);
    EXPECT_TRUE(w.done);
    return w.result.load();
  };
  ASSERT_TRUE(msg(t, "addbadblock 5"));
  ASSERT_TRUE(msg(t, "addbadblock 9 2"));
  EXPECT_EQ(read_at(5 * 512), 0);  // disabled: bad blocks read fine
  ASSERT_TRUE(msg(t, "enable"));
  EXPECT_EQ(read_at(5 * 512), -EIO);
  EXPECT_EQ(read_at(4 * 512), 0);
  EXPECT_EQ(read_at(0, 8 * 512), -EIO);  // a larger read covering block 5
  // A write to block 5 succeeds and takes it off the list.
  EXPECT_EQ(write_at(5 * 512), 0);
  EXPECT_EQ(a_->raw()[5 * 512], std::byte{0x77});
  EXPECT_EQ(*msg(t, "queryblock 5"), "dust_query_block: block 5 not found in badblocklist");
  EXPECT_EQ(read_at(5 * 512), 0);
  // Block 9 fails its first two writes, then the third clears it.
  EXPECT_EQ(write_at(9 * 512), -EIO);
  EXPECT_EQ(a_->raw()[9 * 512], std::byte{0x42});
  EXPECT_EQ(write_at(9 * 512), -EIO);
  EXPECT_EQ(read_at(9 * 512), -EIO);
  EXPECT_EQ(write_at(9 * 512), 0);
  EXPECT_EQ(read_at(9 * 512), 0);
  EXPECT_EQ(*msg(t, "countbadblocks"), "countbadblocks: 0 badblock(s) found");
  // Disabled: writes do not clear bad blocks.
  ASSERT_TRUE(msg(t, "addbadblock 3"));
  ASSERT_TRUE(msg(t, "disable"));
  EXPECT_EQ(write_at(3 * 512), 0);
  EXPECT_EQ(*msg(t, "queryblock 3"), "dust_query_block: block 3 found in badblocklist");
}

TEST_F(FaultTargets, DustBlocksCountFromTheDeviceStart) {
  // Linux numbers blocks after remapping: with offset 16 sectors and 4 KiB
  // blocks, target sector 0 is device block 2.
  auto made = make(targets::dust_target_type(), "8:16 16 4096");
  ASSERT_TRUE(made);
  core::Target& t = **made;
  ASSERT_TRUE(msg(t, "addbadblock 2"));
  ASSERT_TRUE(msg(t, "enable"));
  TestIo r(io::Op::read, 0, 512);
  t.map(&r.req);
  EXPECT_EQ(r.result, -EIO);
  TestIo r2(io::Op::read, 4096, 512);
  t.map(&r2.req);
  EXPECT_EQ(r2.result, 0);
}

}  // namespace
}  // namespace udm

namespace udm {
namespace {
TEST(FaultTargetsRegistry, BuiltinListHasTheFaultTargets) {
  core::TargetRegistry registry;
  targets::register_builtin_targets(registry);
  for (const char* name : {"delay", "flakey", "dust"}) {
    const core::TargetType* t = registry.find(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_NE(t->create, nullptr);
  }
  EXPECT_EQ(registry.find("delay")->version, (core::Version{1, 4, 0}));
}
}  // namespace
}  // namespace udm

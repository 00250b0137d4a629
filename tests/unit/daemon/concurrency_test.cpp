// The dispatcher without a daemon-wide lock: a suspend waiting for in-flight
// I/O holds up only its own device; commands that change one device keep
// their order; names with control characters are refused.
#include <future>
#include <thread>

#include "daemon/device_gates.hpp"
#include "fixture.hpp"

namespace udm::daemon::test {
namespace {

constexpr auto SHORT = std::chrono::milliseconds(100);
constexpr auto LONG = std::chrono::seconds(5);

struct PendingWrite {
  io::Request request;
  std::atomic<int> result{1};
  std::vector<std::byte> data = std::vector<std::byte>(4096);
  PendingWrite() {
    request.op = io::Op::write;
    request.length = data.size();
    request.data = data.data();
    request.context = this;
    request.done = [](io::Request* r, int res) {
      auto* p = static_cast<PendingWrite*>(r->context);
      p->result = res;
      p->result.notify_all();
    };
  }
};

class Concurrency : public DispatcherTest {
 protected:
  // One request as its own client would send it (own connection state).
  std::future<CommandReply> send_async(std::uint32_t command, abi::Header h) {
    return std::async(std::launch::async, [this, command, h] {
      ConnectionState conn;
      auto req = abi::encode_request(h, {}, 16384);
      return dispatcher_.handle(command, *req, conn);
    });
  }
};

TEST_F(Concurrency, AStackedSuspendWaitingForHeldIoHoldsUpNothingElse) {
  make_device("b", {{0, 64, "zero", "", 0}});
  make_device("a", {{0, 64, "linear", "252:0 0", 0}});
  ASSERT_EQ(send(abi::CMD_DEV_SUSPEND, header("b", abi::EXISTS_FLAG | abi::SUSPEND_FLAG)).error(), 0u);
  PendingWrite w;
  registry_.find_by_name("a")->submit(&w.request);  // in flight in a, held by b

  auto suspend_a = send_async(abi::CMD_DEV_SUSPEND, header("a", abi::EXISTS_FLAG | abi::SUSPEND_FLAG));
  ASSERT_EQ(suspend_a.wait_for(SHORT), std::future_status::timeout);

  // Everything else answers at once, from other clients.
  auto answers = std::async(std::launch::async, [&] {
    EXPECT_EQ(send(abi::CMD_LIST_DEVICES, header()).error(), 0u);
    auto info = send(abi::CMD_DEV_STATUS, header("a"));
    EXPECT_EQ(info.error(), 0u);
    EXPECT_FALSE(info.header.flags & abi::SUSPEND_FLAG);  // not yet
    EXPECT_EQ(send(abi::CMD_TABLE_STATUS, header("a")).error(), 0u);
    EXPECT_EQ(send(abi::CMD_DEV_CREATE, header("c")).error(), 0u);
    EXPECT_EQ(load("c", {{0, 8, "linear", "252:1 0", 0}}).error(), 0u);  // a table on the suspending device
    EXPECT_EQ(send(abi::CMD_DEV_REMOVE, header("c")).error(), 0u);
    return send(abi::CMD_DEV_SUSPEND, header("b")).error();  // resume b
  });
  ASSERT_EQ(answers.wait_for(LONG), std::future_status::ready) << "a command waited for the suspend of a";
  EXPECT_EQ(answers.get(), 0u);

  ASSERT_EQ(suspend_a.wait_for(LONG), std::future_status::ready);
  EXPECT_EQ(suspend_a.get().error, 0u);
  w.result.wait(1);
  EXPECT_EQ(w.result.load(), 0);
  auto info = send(abi::CMD_DEV_STATUS, header("a"));
  EXPECT_TRUE(info.header.flags & abi::SUSPEND_FLAG);
  EXPECT_EQ(send(abi::CMD_DEV_SUSPEND, header("a")).error(), 0u);
}

TEST_F(Concurrency, CommandsOnTheSuspendingDeviceWaitTheirTurnInOrder) {
  make_device("b", {{0, 64, "zero", "", 0}});
  make_device("a", {{0, 64, "linear", "252:0 0", 0}});
  ASSERT_EQ(send(abi::CMD_DEV_SUSPEND, header("b", abi::EXISTS_FLAG | abi::SUSPEND_FLAG)).error(), 0u);
  PendingWrite w;
  registry_.find_by_name("a")->submit(&w.request);
  auto suspend_a = send_async(abi::CMD_DEV_SUSPEND, header("a", abi::EXISTS_FLAG | abi::SUSPEND_FLAG));
  ASSERT_EQ(suspend_a.wait_for(SHORT), std::future_status::timeout);
  // A rename of a queues behind the suspend; a resume of a behind the rename.
  auto h = header("a");
  auto rename = std::async(std::launch::async, [&] {
    ConnectionState conn;
    auto req = abi::encode_request(h, abi::encode_string("a2"), 16384);
    return dispatcher_.handle(abi::CMD_DEV_RENAME, *req, conn);
  });
  EXPECT_EQ(rename.wait_for(SHORT), std::future_status::timeout);
  EXPECT_EQ(send(abi::CMD_DEV_SUSPEND, header("b")).error(), 0u);  // resume b: the drain ends
  ASSERT_EQ(suspend_a.wait_for(LONG), std::future_status::ready);
  EXPECT_EQ(suspend_a.get().error, 0u);
  ASSERT_EQ(rename.wait_for(LONG), std::future_status::ready);
  EXPECT_EQ(rename.get().error, 0u);
  EXPECT_TRUE(registry_.find_by_name("a2"));
  EXPECT_EQ(send(abi::CMD_DEV_SUSPEND, header("a2")).error(), 0u);
  w.result.wait(1);
}

TEST_F(Concurrency, ParkedWaitIsAnsweredWhenSentAgainAfterTheEvent) {
  make_device("w", {{0, 8, "zero", "", 0}});
  conn_.park_waits = true;
  auto first = send(abi::CMD_DEV_WAIT, header("w"));
  EXPECT_TRUE(first.reply.parked);
  ASSERT_TRUE(conn_.wait_device);
  EXPECT_EQ(conn_.wait_event, 0u);
  // Renamed meanwhile: the wait stays on the device it found.
  ASSERT_EQ(send(abi::CMD_DEV_RENAME, header("w"), abi::encode_string("w2")).error(), 0u);
  ASSERT_NE(conn_.wait_device->event_nr(), 0u);
  auto again = send(abi::CMD_DEV_WAIT, header("w"));
  ASSERT_EQ(again.error(), 0u) << again.reply.message;
  EXPECT_FALSE(again.reply.parked);
  EXPECT_EQ(again.header.name, "w2");
  EXPECT_EQ(again.header.event_nr, 1u);
  EXPECT_FALSE(conn_.wait_device);
  // At shutdown a parked wait gets EINTR instead.
  send(abi::CMD_DEV_WAIT, header("w2"));
  auto h = header("w2");
  h.event_nr = 1;
  EXPECT_TRUE(send(abi::CMD_DEV_WAIT, h).reply.parked);
  dispatcher_.cancel_waits();
  EXPECT_EQ(send(abi::CMD_DEV_WAIT, h).error(), (std::uint32_t)EINTR);
}

TEST_F(Concurrency, NamesAndUuidsWithControlCharactersAreRefused) {
  auto s = send(abi::CMD_DEV_CREATE, header("bad\nname"));
  EXPECT_EQ(s.error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(s.reply.message, "device name \"bad\\x0aname\" contains a control character (\\x0a)");
  auto h = header("ok");
  h.uuid = "UUID\x01";
  EXPECT_EQ(send(abi::CMD_DEV_CREATE, h).error(), (std::uint32_t)EINVAL);
  ASSERT_EQ(send(abi::CMD_DEV_CREATE, header("ok")).error(), 0u);
  s = send(abi::CMD_DEV_RENAME, header("ok"), abi::encode_string("tab\there"));
  EXPECT_EQ(s.error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(s.reply.message, "device name \"tab\\x09here\" contains a control character (\\x09)");
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, header("ok"), abi::encode_string("del\x7f")).error(), (std::uint32_t)EINVAL);
  EXPECT_EQ(send(abi::CMD_DEV_RENAME, header("ok"), abi::encode_string("ünïcode ok")).error(), 0u);
}

TEST(DeviceGates, CommandsOnOneDeviceGoInOrderOthersDoNotWait) {
  auto a = std::make_shared<core::MappedDevice>("a", "", DevNo{252, 0});
  auto b = std::make_shared<core::MappedDevice>("b", "", DevNo{252, 1});
  DeviceGates gates;
  auto first = gates.enter(a);
  std::mutex m;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 5; ++i) {
    waiters.emplace_back([&, i] {
      auto p = gates.enter(a);
      std::lock_guard g(m);
      order.push_back(i);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // arrive in order
  }
  { auto other = gates.enter(b); }  // never waits for a's gate
  {
    std::lock_guard g(m);
    EXPECT_TRUE(order.empty());
  }
  first.release();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(gates.busy(), 0u);
}

}  // namespace
}  // namespace udm::daemon::test

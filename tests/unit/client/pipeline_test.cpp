// run_pipelined: many tasks in flight on one connection to a real (in-process)
// udmd, each ending as its run() would; and the default transact_many of a
// backend that has only transact().
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include <udm/client.hpp>

#include "abi/frame.hpp"
#include "client/socket_backend.hpp"
#include "daemon/daemon.hpp"

using namespace udm;
using namespace udm::client;

namespace {

class Pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/udm-pipeline.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    daemon::DaemonOptions o;
    o.rundir = dir_ + "/run";
    o.fuse = false;
    o.nbd = false;
    log_ = std::make_unique<daemon::Log>(std::tmpfile(), true);
    auto d = daemon::Daemon::start(o, *log_);
    ASSERT_TRUE(d) << d.error().message;
    daemon_ = std::move(*d);
    ConnectOptions c;
    c.kind = ConnectOptions::Kind::udmd;
    c.rundir = o.rundir;
    c.autostart = false;
    auto cl = Client::connect(c);
    ASSERT_TRUE(cl) << cl.error().message;
    client_ = std::move(*cl);
  }
  void TearDown() override {
    client_.reset();
    if (daemon_) daemon_->stop();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<daemon::Log> log_;
  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<Client> client_;
};

std::vector<Task*> pointers(std::vector<Task>& tasks) {
  std::vector<Task*> out;
  for (auto& t : tasks) out.push_back(&t);
  return out;
}

// Tables of many targets: requests and replies larger than the socket
// buffers hold, so a client that wrote everything before reading would stall.
void add_table(Task& t) {
  for (std::uint64_t k = 0; k < 64; ++k) t.add_target({k * 8, 8, "zero", ""});
}

}  // namespace

TEST_F(Pipeline, CreateLoadResumeOfManyDevicesInOneGo) {
  constexpr int N = 300;
  std::vector<Task> creates;
  for (int i = 0; i < N; ++i) creates.emplace_back(*client_, TaskType::create).set_name("p" + std::to_string(i));
  auto r = run_pipelined(pointers(creates));
  ASSERT_EQ(r.size(), std::size_t(N));
  for (int i = 0; i < N; ++i) {
    ASSERT_TRUE(r[i]) << r[i].error().message;
    EXPECT_EQ(creates[i].info().name, "p" + std::to_string(i));
    EXPECT_EQ(creates[i].info().minor, std::uint32_t(i));
  }
  std::vector<Task> rest;  // load then resume, device by device, all in flight
  for (int i = 0; i < N; ++i) {
    add_table(rest.emplace_back(*client_, TaskType::reload).set_name("p" + std::to_string(i)));
    rest.emplace_back(*client_, TaskType::resume).set_name("p" + std::to_string(i));
  }
  r = run_pipelined(pointers(rest));
  for (std::size_t k = 0; k < r.size(); ++k) ASSERT_TRUE(r[k]) << k << ": " << r[k].error().message;
  EXPECT_TRUE(rest[0].info().inactive_table);
  EXPECT_TRUE(rest[1].info().live_table);
  Task t(*client_, TaskType::table);
  t.set_name("p299");
  ASSERT_TRUE(t.run());
  EXPECT_EQ(t.table().size(), 64u);
  EXPECT_FALSE(t.info().suspended);
}

TEST_F(Pipeline, AFailureIsThatTasksOwnAndTheRestGoOn) {
  Task one(*client_, TaskType::create);
  ASSERT_TRUE(one.set_name("dup").run());
  std::vector<Task> tasks;
  tasks.emplace_back(*client_, TaskType::create).set_name("a");
  tasks.emplace_back(*client_, TaskType::create).set_name("dup");  // exists: EBUSY
  tasks.emplace_back(*client_, TaskType::info).set_name("nosuch");  // info: not there is no failure
  tasks.emplace_back(*client_, TaskType::resume).set_name("nosuch");  // ENXIO
  tasks.emplace_back(*client_, TaskType::create).set_name("b");
  auto r = run_pipelined(pointers(tasks));
  EXPECT_TRUE(r[0]);
  ASSERT_FALSE(r[1]);
  EXPECT_EQ(tasks[1].error_code(), EBUSY);
  // The same words as one run() of the same task.
  Task again(*client_, TaskType::create);
  again.set_name("dup");
  auto alone = again.run();
  ASSERT_FALSE(alone);
  EXPECT_EQ(r[1].error().message, alone.error().message);
  EXPECT_EQ(tasks[1].driver_message(), again.driver_message());
  ASSERT_TRUE(r[2]);
  EXPECT_FALSE(tasks[2].info().exists);
  ASSERT_FALSE(r[3]);
  EXPECT_EQ(tasks[3].error_code(), ENXIO);
  EXPECT_TRUE(r[4]);
  EXPECT_EQ(tasks[4].info().minor, tasks[0].info().minor + 1);  // sent in order
}

TEST_F(Pipeline, TasksOfSeveralRequestsRunInTheirPlace) {
  std::vector<Task> tasks;
  tasks.emplace_back(*client_, TaskType::create).set_name("x");
  add_table(tasks.emplace_back(*client_, TaskType::create).set_name("y"));  // create + load + resume
  tasks.emplace_back(*client_, TaskType::list);
  tasks.emplace_back(*client_, TaskType::remove).set_name("x");
  tasks.emplace_back(*client_, TaskType::list);
  auto r = run_pipelined(pointers(tasks));
  for (auto& x : r) ASSERT_TRUE(x) << x.error().message;
  EXPECT_TRUE(tasks[1].info().live_table);
  EXPECT_EQ(tasks[2].names().size(), 2u);
  ASSERT_EQ(tasks[4].names().size(), 1u);
  EXPECT_EQ(tasks[4].names()[0].name, "y");
}

TEST_F(Pipeline, TheConnectionLostFailsWhatWasNotAnswered) {
  int sv[2];
  ASSERT_EQ(0, ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  // A peer that answers the first request (an error reply) and hangs up.
  std::thread peer([fd = sv[1]] {
    auto f = udm::abi::read_frame(fd);
    if (f) (void)udm::abi::write_frame(fd, f->header.command, ENXIO, udm::abi::encode_error_body({4, 0, 0}, "gone"));
    ::close(fd);
  });
  std::vector<std::vector<std::uint8_t>> bufs(4, std::vector<std::uint8_t>(400, 0));
  std::vector<Backend::Request> reqs(4);
  for (int k = 0; k < 4; ++k) {
    reqs[k].nr = udm::abi::CMD_DEV_STATUS;
    reqs[k].buffer = &bufs[k];
  }
  auto backend = detail::SocketBackend::adopt(sv[0]);
  backend->transact_many(reqs);
  peer.join();
  EXPECT_EQ(reqs[0].error, ENXIO);
  EXPECT_EQ(reqs[0].driver_message, "gone");
  for (int k = 1; k < 4; ++k) {
    EXPECT_EQ(reqs[k].error, ECONNRESET);
    EXPECT_EQ(reqs[k].driver_message.rfind("lost the connection to udmd: ", 0), 0u) << reqs[k].driver_message;
  }
}

TEST(PipelineDefault, ABackendWithOnlyTransactAnswersOneByOne) {
  struct Counting : Backend {
    int calls = 0;
    int transact(std::uint32_t nr, std::vector<std::uint8_t>&, std::string& m) override {
      ++calls;
      m = "n" + std::to_string(nr);
      return nr == 2 ? EIO : 0;
    }
    std::string driver_name() const override { return "test"; }
    bool has_command_list() const override { return false; }
  };
  Counting b;
  std::vector<std::uint8_t> buf;
  std::vector<Backend::Request> reqs(3);
  for (std::uint32_t k = 0; k < 3; ++k) {
    reqs[k].nr = k + 1;
    reqs[k].buffer = &buf;
  }
  b.transact_many(reqs);
  EXPECT_EQ(b.calls, 3);
  EXPECT_EQ(reqs[0].error, 0);
  EXPECT_EQ(reqs[1].error, EIO);
  EXPECT_EQ(reqs[2].driver_message, "n3");
}

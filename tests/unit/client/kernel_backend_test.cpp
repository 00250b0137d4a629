// The kernel backend's encoding against a fake ioctl: request numbers
// (_IOWR(0xfd, nr, struct dm_ioctl)) and the dm_ioctl buffer layout.
#include <gtest/gtest.h>

#include <cstring>

#include "abi/commands.hpp"
#include "abi/dm_ioctl.hpp"
#include "base/devno.hpp"
#include "client/kernel_backend.hpp"

namespace udm::client {
namespace {

struct Call {
  unsigned long request;
  std::vector<std::uint8_t> bytes;
};

template <class T>
T at(const std::vector<std::uint8_t>& b, std::size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

TEST(KernelBackend, CreateWithTableSendsKernelRequestsAndLayout) {
  std::vector<Call> calls;
  auto fake_ioctl = [&](int fd, unsigned long request, void* arg) {
    EXPECT_EQ(fd, 42);
    auto* dmi = static_cast<abi::DmIoctl*>(arg);
    calls.push_back({request, std::vector<std::uint8_t>(static_cast<std::uint8_t*>(arg),
                                                         static_cast<std::uint8_t*>(arg) +
                                                             dmi->data_size)});
    // Like the kernel: write its version back, keep the rest.
    dmi->version[0] = 4;
    dmi->version[1] = 48;
    dmi->version[2] = 0;
    if ((request & 0xff) == abi::CMD_DEV_CREATE) dmi->dev = DevNo{252, 3}.to_huge();
    return 0;
  };
  auto client = Client::with_backend(std::make_unique<detail::KernelBackend>(42, fake_ioctl));
  Task t(*client, TaskType::create);
  t.set_name("x").add_target({0, 8, "linear", "7:0 0"});
  ASSERT_TRUE(t.run());

  ASSERT_EQ(calls.size(), 4u);  // no list_commands for a kernel
  EXPECT_EQ(calls[0].request, 0xc138fd00u);  // VERSION
  EXPECT_EQ(calls[1].request, 0xc138fd03u);  // DEV_CREATE
  EXPECT_EQ(calls[2].request, 0xc138fd09u);  // TABLE_LOAD
  EXPECT_EQ(calls[3].request, 0xc138fd06u);  // DEV_SUSPEND (resume)

  const auto& create = calls[1].bytes;
  EXPECT_EQ(at<std::uint32_t>(create, 0), 4u);
  EXPECT_EQ(at<std::uint32_t>(create, 4), 0u);
  EXPECT_EQ(at<std::uint32_t>(create, 16), 312u);               // data_start
  EXPECT_EQ(at<std::uint32_t>(create, 28), abi::EXISTS_FLAG);  // flags
  EXPECT_STREQ(reinterpret_cast<const char*>(create.data() + 48), "x");

  const auto& load = calls[2].bytes;
  EXPECT_EQ(at<std::uint32_t>(load, 16), 312u);
  EXPECT_EQ(at<std::uint32_t>(load, 20), 1u);  // target_count
  EXPECT_STREQ(reinterpret_cast<const char*>(load.data() + 48), "x");
  EXPECT_EQ(at<std::uint64_t>(load, 312), 0u);      // sector_start
  EXPECT_EQ(at<std::uint64_t>(load, 320), 8u);      // length
  EXPECT_EQ(at<std::uint32_t>(load, 332) % 8, 0u);  // next, 8-aligned
  EXPECT_GE(at<std::uint32_t>(load, 332), 40u + 6u);
  EXPECT_STREQ(reinterpret_cast<const char*>(load.data() + 312 + 24), "linear");
  EXPECT_STREQ(reinterpret_cast<const char*>(load.data() + 312 + 40), "7:0 0");
  EXPECT_GE(at<std::uint32_t>(load, 12), 312u + 40u + 6u);  // data_size

  const auto& resume = calls[3].bytes;
  EXPECT_EQ(at<std::uint32_t>(resume, 28) & abi::SUSPEND_FLAG, 0u);
}

TEST(KernelBackend, ErrnoComesBackAndListCommandsIsNeverSent) {
  std::vector<unsigned long> requests;
  auto fake_ioctl = [&](int, unsigned long request, void* arg) {
    requests.push_back(request);
    auto* dmi = static_cast<abi::DmIoctl*>(arg);
    dmi->version[0] = 4;
    dmi->version[1] = 48;
    if ((request & 0xff) == abi::CMD_DEV_REMOVE) {
      errno = EBUSY;
      return -1;
    }
    return 0;
  };
  auto client = Client::with_backend(std::make_unique<detail::KernelBackend>(3, fake_ioctl));
  Task t(*client, TaskType::remove);
  t.set_name("busy");
  auto r = t.run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBUSY);
  EXPECT_EQ(r.error().message, "device-mapper: remove ioctl on busy  failed: Device or resource busy");
  for (auto req : requests) EXPECT_EQ(req & 0xffffff00u, 0xc138fd00u);
}

TEST(KernelBackend, OpeningAMissingControlNodeFails) {
  auto k = detail::KernelBackend::open("/nonexistent/mapper/control");
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, ENOENT);
}

}  // namespace
}  // namespace udm::client

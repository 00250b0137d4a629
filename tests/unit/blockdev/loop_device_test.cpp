// The loop manager's parts that need no root: finding loops by backing
// path, and errors that name what failed.
#include <gtest/gtest.h>

#include <unistd.h>

#include "blockdev/block_device_manager.hpp"
#include "blockdev/loop_device.hpp"

namespace udm::blockdev {
namespace {

TEST(LoopDevice, NoLoopBackedUnderAFreshPrefix) {
  EXPECT_TRUE(loops_backed_under("/nonexistent/udm-test-prefix/").empty());
  EXPECT_EQ(loop_backing_file(1 << 20), "");
}

TEST(LoopDevice, AttachErrorNamesTheBackingFile) {
  auto r = loop_attach(LoopSetup{"/nonexistent/udm-test/file", 512, false, true});
  ASSERT_FALSE(r);
  // Without /dev/loop-control (or without root) the control node is named.
  EXPECT_TRUE(r.error().message.find("/nonexistent/udm-test/file") != std::string::npos ||
              r.error().message.find("/dev/loop-control") != std::string::npos)
      << r.error().message;
}

TEST(BlockDeviceManager, UnavailableReasonNamesTheDevDir) {
  if (::geteuid() == 0) {
    auto why = BlockDeviceManager::unavailable_reason("/nonexistent/udm-devdir");
    EXPECT_NE(why.find("/nonexistent/udm-devdir"), std::string::npos) << why;
  } else {
    EXPECT_NE(BlockDeviceManager::unavailable_reason("/dev").find("root"), std::string::npos);
  }
  EXPECT_NE(BlockDeviceManager::ublk_note().find("ublk"), std::string::npos);
}

}  // namespace
}  // namespace udm::blockdev

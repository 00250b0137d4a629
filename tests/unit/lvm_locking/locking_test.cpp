#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "lvm/locking/file_locks.hpp"
#include "lvm/locking/lock_plan.hpp"

using namespace udm::lvm::locking;
using namespace std::chrono_literals;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/udm-lock-test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string locks() const { return (path / "lvm").string(); }
};

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// True when `done` is set within `wait`.
bool finishes_within(std::atomic<bool>& done, std::chrono::milliseconds wait) {
  auto until = std::chrono::steady_clock::now() + wait;
  while (!done && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  return done;
}

}  // namespace

TEST(LvmLockPlan, CommandsTakeLvm2sLocks) {
  auto p = plan_locks("lvcreate", {"vg0", "/dev/loop2"}, false);
  EXPECT_EQ(p.global, LockMode::none);
  EXPECT_EQ(p.vg_mode, LockMode::exclusive);
  EXPECT_EQ(p.vgs, std::vector<std::string>{"vg0"});
  EXPECT_FALSE(p.all_vgs);

  p = plan_locks("lvremove", {"/dev/vg1/a", "vg0/b", "vg1/c"}, false);
  EXPECT_EQ(p.vgs, (std::vector<std::string>{"vg0", "vg1"}));  // sorted, once each
  EXPECT_EQ(p.vg_mode, LockMode::exclusive);

  p = plan_locks("vgrename", {"old", "new"}, false);
  EXPECT_EQ(p.global, LockMode::exclusive);
  EXPECT_EQ(p.vgs, (std::vector<std::string>{"new", "old"}));

  p = plan_locks("pvcreate", {"/dev/loop2"}, false);
  EXPECT_EQ(p.global, LockMode::exclusive);
  EXPECT_TRUE(p.vgs.empty());
  EXPECT_FALSE(p.all_vgs);

  p = plan_locks("vgs", {}, false);
  EXPECT_EQ(p.global, LockMode::shared);
  EXPECT_EQ(p.vg_mode, LockMode::shared);
  EXPECT_TRUE(p.all_vgs);

  p = plan_locks("lvs", {"vg0/lv"}, false);
  EXPECT_EQ(p.global, LockMode::none);
  EXPECT_EQ(p.vgs, std::vector<std::string>{"vg0"});
  EXPECT_EQ(p.vg_mode, LockMode::shared);

  EXPECT_EQ(plan_locks("vgck", {"vg0"}, false).vg_mode, LockMode::shared);
  EXPECT_EQ(plan_locks("vgck", {"vg0"}, true).vg_mode, LockMode::exclusive);
  p = plan_locks("vgchange", {}, false);
  EXPECT_EQ(p.global, LockMode::shared);
  EXPECT_EQ(p.vg_mode, LockMode::exclusive);
  EXPECT_TRUE(p.all_vgs);

  // No lock file outside the directory for a name that is no VG name.
  p = plan_locks("lvcreate", {"../../etc/x"}, false);
  EXPECT_TRUE(p.vgs.empty());
  // Unknown commands take everything.
  p = plan_locks("vgsplit", {"a", "b"}, false);
  EXPECT_EQ(p.global, LockMode::exclusive);
  EXPECT_TRUE(p.all_vgs);
}

TEST(LvmFileLocks, FilesAndCleanup) {
  TempDir t;
  {
    FileLocks l(t.locks());
    ASSERT_TRUE(l.lock_global(LockMode::exclusive).has_value());
    ASSERT_TRUE(l.lock_vg("vg0", LockMode::shared).has_value());
    EXPECT_EQ(entries(t.locks()), (std::vector<std::string>{"P_global", "V_vg0"}));  // no :aux left
    struct stat st {};
    ASSERT_EQ(::stat(t.locks().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_EQ(l.vg_mode("vg0"), LockMode::shared);
    EXPECT_EQ(l.global_mode(), LockMode::exclusive);
    // Shared to exclusive on the same file, without waiting for ourselves.
    ASSERT_TRUE(l.lock_vg("vg0", LockMode::exclusive).has_value());
    EXPECT_EQ(l.vg_mode("vg0"), LockMode::exclusive);
  }
  EXPECT_TRUE(entries(t.locks()).empty());  // deleted at release, as lvm2 does
}

TEST(LvmFileLocks, ExclusiveExcludesAndSharedShares) {
  TempDir t;
  FileLocks a(t.locks()), b(t.locks());
  ASSERT_TRUE(a.lock_vg("vg0", LockMode::shared).has_value());
  ASSERT_TRUE(b.lock_vg("vg0", LockMode::shared).has_value());  // readers share
  b.release_all();

  std::atomic<bool> done{false};
  std::thread writer([&] {
    FileLocks c(t.locks());
    EXPECT_TRUE(c.lock_vg("vg0", LockMode::exclusive).has_value());
    done = true;
    // It holds the file the path names, not one a releaser unlinked.
    struct stat ps {};
    EXPECT_EQ(::stat((t.locks() + "/V_vg0").c_str(), &ps), 0);
  });
  EXPECT_FALSE(finishes_within(done, 200ms));  // waits for the reader
  a.release_all();                                       // which deletes V_vg0
  EXPECT_TRUE(finishes_within(done, 5000ms));
  writer.join();
}

TEST(LvmFileLocks, WriterWaitsOnlyForItsVg) {
  TempDir t;
  FileLocks a(t.locks()), b(t.locks());
  ASSERT_TRUE(a.lock_vg("vg0", LockMode::exclusive).has_value());
  ASSERT_TRUE(b.lock_vg("vg1", LockMode::exclusive).has_value());
  std::atomic<bool> done{false};
  std::thread global([&] {
    FileLocks c(t.locks());
    EXPECT_TRUE(c.lock_global(LockMode::shared).has_value());
    done = true;
  });
  EXPECT_TRUE(finishes_within(done, 5000ms));
  global.join();
}

TEST(LvmFileLocks, UnusableDirectoryIsAnError) {
  TempDir t;
  std::ofstream(t.path / "file") << "x";
  FileLocks l((t.path / "file" / "lvm").string());
  auto r = l.lock_vg("vg0", LockMode::shared);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("mkdir failed"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("File locking initialisation failed."), std::string::npos);
}

TEST(LvmFileLocks, LockingDirFromLvmConf) {
  TempDir t;
  const std::string conf = (t.path / "lvm.conf").string();
  EXPECT_EQ(locking_dir(conf), "/run/lock/lvm");  // no file
  std::ofstream(conf) << "devices {\n  locking_dir = \"/nope\"\n}\nglobal {\n  # locking_dir = \"/commented\"\n"
                         "  umask = 077\n  locking_dir = \"/var/lock/lvm2\"\n}\n";
  EXPECT_EQ(locking_dir(conf), "/var/lock/lvm2");
  std::ofstream(conf) << "global {\n  # locking_dir = \"/commented\"\n}\n";
  EXPECT_EQ(locking_dir(conf), "/run/lock/lvm");
}

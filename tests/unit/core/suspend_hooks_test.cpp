// The suspend and resume hooks in the kernel's order, presuspend_undo when a
// later target's presuspend fails, preresume refusing a resume, and noflush
// reaching the targets' suspend hooks and status.
//   hooks <name> <fail presuspend 0|1> <fail preresume 0|1>
#include "testing.hpp"

namespace udm::core {
namespace {

using testing::sync_io;

std::vector<std::string>* hook_log = nullptr;

class Hooks final : public Target {
 public:
  Hooks(std::string name, bool fail_presuspend, bool fail_preresume)
      : name_(std::move(name)), fail_presuspend_(fail_presuspend), fail_preresume_(fail_preresume) {}
  MapResult map(io::Request* r) override {
    if (r->op == io::Op::read) std::memset(r->data, 0, r->length);
    r->complete(0);
    return MapResult::submitted;
  }
  unsigned flush_copies() const override { return 0; }
  std::string status(StatusType type) const override { return type == StatusType::table ? name_ : "plain"; }
  std::string status(StatusType type, StatusFlags flags) const override {
    return flags.noflush && type == StatusType::info ? "noflush" : status(type);
  }
  Result<void> presuspend(bool noflush) override {
    log("presuspend " + name_ + (noflush ? " noflush" : ""));
    if (fail_presuspend_) return fail(EBUSY, name_ + " cannot stop now");
    return {};
  }
  void presuspend_undo() override { log("presuspend_undo " + name_); }
  void postsuspend(bool noflush) override { log("postsuspend " + name_ + (noflush ? " noflush" : "")); }
  Result<void> preresume() override {
    log("preresume " + name_);
    if (fail_preresume_) return fail(EINVAL, name_ + " metadata needs repair");
    return {};
  }
  void resume() override { log("resume " + name_); }

 private:
  void log(std::string s) { hook_log->push_back(std::move(s)); }
  std::string name_;
  bool fail_presuspend_, fail_preresume_;
};

Result<std::unique_ptr<Target>> make_hooks(const TargetArgs& a) {
  return std::make_unique<Hooks>(a.args[0], a.args[1] == "1", a.args[2] == "1");
}

struct Bed : testing::TestBed {
  std::vector<std::string> log;
  Bed() {
    hook_log = &log;
    EXPECT_TRUE(targets.add(TargetType{"hooks", {1, 0, 0}, 0, make_hooks}));
  }
  std::vector<std::string> take() { return std::exchange(log, {}); }
};

using Log = std::vector<std::string>;

TEST(SuspendHooks, RunInTheKernelsOrderAndCarryNoflush) {
  Bed bed;
  auto d = bed.make("h", "0 8 hooks a 0 0\n8 8 hooks b 0 0");
  ASSERT_TRUE(d);
  EXPECT_EQ(bed.take(), (Log{"preresume a", "preresume b", "resume a", "resume b"}));  // the first resume
  ASSERT_TRUE(d->suspend(true));
  EXPECT_EQ(bed.take(), (Log{"presuspend a noflush", "presuspend b noflush", "postsuspend a noflush",
                             "postsuspend b noflush"}));
  ASSERT_TRUE(d->suspend(true));  // idempotent
  EXPECT_TRUE(bed.take().empty());
  ASSERT_TRUE(d->resume());
  EXPECT_EQ(bed.take(), (Log{"preresume a", "preresume b", "resume a", "resume b"}));
  ASSERT_TRUE(d->suspend(false));
  EXPECT_EQ(bed.take(), (Log{"presuspend a", "presuspend b", "postsuspend a", "postsuspend b"}));
  ASSERT_TRUE(d->resume());
  bed.take();
  // The status request's noflush flag reaches the target.
  EXPECT_EQ(d->status(StatusType::info, false)[0].text, "plain");
  EXPECT_EQ(d->status(StatusType::info, false, true)[0].text, "noflush");
  EXPECT_EQ(d->status(StatusType::table, false, true)[1].text, "b");
}

TEST(SuspendHooks, AFailedPresuspendIsUndoneAndTheDeviceKeepsRunning) {
  Bed bed;
  auto d = bed.make("h", "0 8 hooks a 0 0\n8 8 hooks b 0 0\n16 8 hooks c 1 0\n24 8 hooks d 0 0");
  ASSERT_TRUE(d);
  bed.take();
  auto r = d->suspend(false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBUSY);
  EXPECT_EQ(r.error().message, "suspend: target 3 (hooks): c cannot stop now");
  // Undone in reverse order, and nothing after the failure ran.
  EXPECT_EQ(bed.take(), (Log{"presuspend a", "presuspend b", "presuspend c", "presuspend_undo b", "presuspend_undo a"}));
  EXPECT_FALSE(d->info(false).suspended);
  std::vector<std::byte> buf(512);
  EXPECT_EQ(sync_io(*d, io::Op::read, 0, 512, buf.data()), 0);  // not holding I/O
  EXPECT_FALSE(d->holds_io());

  // A reload whose swap needs a suspend fails the same way.
  d->load(*bed.table("0 8 hooks e 0 0"));
  bed.take();
  auto swap = d->resume();
  ASSERT_FALSE(swap);
  EXPECT_EQ(swap.error().message, "resume: suspend: target 3 (hooks): c cannot stop now");
  EXPECT_FALSE(d->info(false).suspended);
}

TEST(SuspendHooks, AFailedPreresumeRefusesTheResume) {
  Bed bed;
  auto d = bed.make("h", "0 8 hooks a 0 0");
  ASSERT_TRUE(d);
  d->load(*bed.table("0 8 hooks broken 0 1"));
  bed.take();
  auto r = d->resume();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "resume: broken metadata needs repair");
  EXPECT_EQ(bed.take(), (Log{"presuspend a", "postsuspend a", "preresume broken"}));
  // Still suspended, on the old table; the new one is gone.
  auto info = d->info(false);
  EXPECT_TRUE(info.suspended);
  EXPECT_FALSE(info.inactive_present);
  EXPECT_EQ(d->status(StatusType::table, false)[0].text, "a");
  ASSERT_TRUE(d->resume());
  EXPECT_EQ(bed.take(), (Log{"preresume a", "resume a"}));
}

}  // namespace
}  // namespace udm::core

#include "testing.hpp"

namespace udm::core {
namespace {

using testing::sync_io;
using testing::TestBed;

TEST(DeviceRegistry, NameAndUuidRules) {
  TestBed bed;
  for (const std::string& bad : std::vector<std::string>{"", "control", ".", "..", "a/b", std::string(128, 'x')}) {
    auto r = bed.devices.create(bad, "");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, EINVAL) << bad;
  }
  EXPECT_TRUE(bed.devices.create(std::string(127, 'x'), ""));
  EXPECT_FALSE(bed.devices.create("u", std::string(129, 'u')));
  EXPECT_TRUE(bed.devices.create("u", std::string(128, 'u')));
  ASSERT_TRUE(bed.devices.create("a", "A"));
  auto dup = bed.devices.create("a", "");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, EBUSY);
  EXPECT_NE(dup.error().message.find("'a'"), std::string::npos);
  auto dup_uuid = bed.devices.create("b", "A");
  ASSERT_FALSE(dup_uuid);
  EXPECT_EQ(dup_uuid.error().code, EBUSY);
}

// The uuid index follows removal, rename and a uuid set later: a removed
// device's uuid is free again, a renamed one keeps its uuid.
TEST(DeviceRegistry, UuidIndexFollowsRemoveRenameAndSetUuid) {
  TestBed bed;
  auto a = bed.devices.create("a", "UA");
  ASSERT_TRUE(a);
  ASSERT_TRUE(bed.devices.rename(*a, "a2"));
  EXPECT_EQ(bed.devices.find_by_uuid("UA"), *a);
  auto dup = bed.devices.create("b", "UA");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("'a2'"), std::string::npos);
  ASSERT_TRUE(bed.devices.remove(*a, false));
  EXPECT_EQ(bed.devices.find_by_uuid("UA"), nullptr);
  auto b = bed.devices.create("b", "");
  ASSERT_TRUE(b);
  ASSERT_TRUE(bed.devices.set_uuid(*b, "UA"));
  EXPECT_EQ(bed.devices.find_by_uuid("UA"), *b);
  EXPECT_FALSE(bed.devices.create("c", "UA"));
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(bed.devices.create("d" + std::to_string(i), "U" + std::to_string(i)));
  EXPECT_EQ(bed.devices.find_by_uuid("U1999")->name(), "d1999");
  EXPECT_FALSE(bed.devices.create("e", "U1234"));
}

TEST(DeviceRegistry, LowestFreeMinorAndLookups) {
  TestBed bed;
  auto a = *bed.devices.create("a", "ua");
  auto b = *bed.devices.create("b", "");
  auto c = *bed.devices.create("c", "uc");
  EXPECT_EQ(a->devno(), (DevNo{252, 0}));
  EXPECT_EQ(b->devno(), (DevNo{252, 1}));
  EXPECT_EQ(c->devno(), (DevNo{252, 2}));
  EXPECT_EQ(a->table_name(), "252:0");
  ASSERT_TRUE(bed.devices.remove(b, false));
  auto d = *bed.devices.create("d", "");
  EXPECT_EQ(d->devno().minor, 1u);
  auto e = bed.devices.create("e", "", 7u);
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)->devno().minor, 7u);
  auto taken = bed.devices.create("f", "", 7u);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, EBUSY);

  EXPECT_EQ(bed.devices.find_by_name("c"), c);
  EXPECT_EQ(bed.devices.find_by_uuid("uc"), c);
  EXPECT_EQ(bed.devices.find_by_uuid(""), nullptr);
  EXPECT_EQ(bed.devices.find_by_devno(DevNo{252, 2}), c);
  EXPECT_EQ(bed.devices.find_by_devno(DevNo{8, 2}), nullptr);
  EXPECT_EQ(bed.devices.find_by_name("b"), nullptr);

  std::vector<std::string> names;
  for (auto& x : bed.devices.list()) names.push_back(x->name());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "c", "d", "e"}));
}

// Exports and the daemon read a device's name while the control plane
// renames it: every read sees one whole name (TSan checks the rest).
TEST(DeviceRegistry, NamesReadDuringRenamesAreWhole) {
  TestBed bed;
  auto d = bed.make("short", "0 8 zero");
  const std::string long_name(100, 'l');
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      std::string n = d->name();
      ASSERT_TRUE(n == "short" || n == long_name) << n;
    }
  });
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(bed.devices.rename(d, i % 2 ? "short" : long_name));
  stop = true;
  reader.join();
}

TEST(DeviceRegistry, RenameBumpsEventAndKeepsDevice) {
  TestBed bed;
  auto a = bed.make("a", "0 8 zero");
  auto b = *bed.devices.create("b", "");
  int notified = 0;
  bed.devices.set_listener([&] { ++notified; });
  auto busy = bed.devices.rename(a, "b");
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, EBUSY);
  EXPECT_FALSE(bed.devices.rename(a, "x/y"));
  ASSERT_TRUE(bed.devices.rename(a, "z"));
  EXPECT_EQ(a->name(), "z");
  EXPECT_EQ(a->info(false).event_nr, 1u);
  EXPECT_EQ(bed.devices.find_by_name("z"), a);
  EXPECT_EQ(bed.devices.find_by_name("a"), nullptr);
  EXPECT_EQ(notified, 1);

  ASSERT_TRUE(bed.devices.set_uuid(b, "U"));
  EXPECT_EQ(bed.devices.find_by_uuid("U"), b);
  auto again = bed.devices.set_uuid(b, "V");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, EINVAL);
}

TEST(DeviceRegistry, RemoveRefusedWhileOpenUnlessDeferred) {
  TestBed bed;
  auto a = bed.make("a", "0 8 zero");
  a->open();
  auto r = bed.devices.remove(a, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBUSY);
  ASSERT_TRUE(bed.devices.remove(a, true));
  EXPECT_TRUE(a->info(false).deferred_remove);
  EXPECT_EQ(bed.devices.find_by_name("a"), a);  // still there while open

  ASSERT_TRUE(bed.devices.cancel_deferred_remove(a));
  EXPECT_FALSE(a->info(false).deferred_remove);
  EXPECT_FALSE(bed.devices.cancel_deferred_remove(a));
  ASSERT_TRUE(bed.devices.remove(a, true));

  a->open();
  a->close();  // not the last close
  EXPECT_EQ(bed.devices.find_by_name("a"), a);
  a->close();  // last close: removed now
  EXPECT_EQ(bed.devices.find_by_name("a"), nullptr);
  EXPECT_FALSE(a->info(false).live_present);
  EXPECT_EQ(a->info(false).event_nr, 1u);  // a remove is an event
}

TEST(DeviceRegistry, CancelDeferredRemoveByMessage) {
  TestBed bed;
  auto a = bed.make("a", "0 8 zero");
  a->open();
  ASSERT_TRUE(bed.devices.remove(a, true));
  std::vector<std::string> words{"@cancel_deferred_remove"};
  ASSERT_TRUE(a->message(0, words));
  a->close();
  EXPECT_EQ(bed.devices.find_by_name("a"), a);
  auto again = a->message(0, words);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ENXIO);
}

TEST(DeviceRegistry, StackingHoldsTheLowerDeviceOpen) {
  TestBed bed;
  auto mem = bed.memory("/dev/a", 1 << 20);
  auto lower = bed.make("lower", "0 64 linear /dev/a 0");
  auto upper = bed.make("upper", "0 32 linear 252:0 32");
  EXPECT_EQ(lower->info(false).open_count, 1);
  auto deps = upper->deps(false);
  ASSERT_EQ(deps.size(), 1u);
  EXPECT_EQ(deps[0], (DevNo{252, 0}));
  EXPECT_EQ(upper->status(StatusType::table, false)[0].text, "252:0 32");

  auto data = testing::pattern(512, 9);
  ASSERT_EQ(sync_io(*upper, io::Op::write, 512, 512, data.data()), 0);
  EXPECT_EQ(std::memcmp(mem->raw() + 33 * 512, data.data(), 512), 0);

  auto busy = bed.devices.remove(lower, false);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, EBUSY);
  // remove_all takes the upper one first, then the lower one.
  EXPECT_EQ(bed.devices.remove_all(false), 0u);
  EXPECT_TRUE(bed.devices.list().empty());
}

TEST(DeviceRegistry, RefusesTablesReferencingThemselves) {
  TestBed bed;
  auto a = bed.make("a", "0 64 zero");
  auto lines = *parse_table_text("0 8 linear 252:0 0", "t");
  auto t = bed.devices.build_table(lines, false, *a);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("table line 1: linear: device: device 252:0"), std::string::npos)
      << t.error().message;
  EXPECT_NE(t.error().message.find("own device"), std::string::npos);

  // Through another device: b -> a, then a -> b would close a loop.
  auto b = bed.make("b", "0 8 linear 252:0 0");
  auto loop = *parse_table_text("0 8 linear 252:1 0", "t");
  EXPECT_FALSE(bed.devices.build_table(loop, false, *a));
  auto c = *bed.devices.create("c", "");
  EXPECT_TRUE(bed.devices.build_table(loop, false, *c));
}

TEST(DeviceRegistry, UnknownDevicesAreRefused) {
  TestBed bed;
  auto r = bed.table("0 8 linear 252:77 0");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("252:77"), std::string::npos);
  // A device number that names no block device on this machine.
  auto s = bed.table("0 8 linear 4000:4000 0");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("4000:4000"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace udm::core

namespace udm::core {
namespace {

TEST(DeviceRegistry, DeferredRemovalOfALowerDeviceHappensWhenTheUpperGoes) {
  testing::TestBed bed;
  bed.memory("/dev/a", 1 << 20);
  auto lower = bed.make("lower", "0 64 linear /dev/a 0");
  auto upper = bed.make("upper", "0 64 linear 252:0 0");
  ASSERT_TRUE(bed.devices.remove(lower, true));  // held open by upper's table
  EXPECT_EQ(bed.devices.find_by_name("lower"), lower);
  ASSERT_TRUE(bed.devices.remove(upper, false));  // drops upper's table: the last close of lower
  EXPECT_EQ(bed.devices.find_by_name("lower"), nullptr);
  EXPECT_TRUE(bed.devices.list().empty());
}

TEST(DeviceRegistry, RemovingASuspendedDeviceFailsItsHeldIo) {
  testing::TestBed bed;
  bed.memory("/dev/a", 1 << 20);
  auto d = bed.make("a", "0 64 linear /dev/a 0");
  ASSERT_TRUE(d->suspend(false));
  std::vector<std::byte> buf(512);
  testing::PendingIo r(io::Op::read, 0, 512, buf.data());
  d->submit(&r.request);
  EXPECT_EQ(r.completions.load(), 0);
  ASSERT_TRUE(bed.devices.remove(d, false));
  r.wait();
  EXPECT_EQ(r.result.load(), -EIO);
  EXPECT_EQ(testing::sync_io(*d, io::Op::read, 0, 512, buf.data()), -EIO);  // no table any more
}

TEST(DeviceRegistry, TablesBuiltForADeviceCanRaiseItsEvents) {
  testing::TestBed bed;
  auto d = *bed.devices.create("a", "");
  std::function<void()> captured;
  auto probe = [](const TargetArgs& a) -> Result<std::unique_ptr<Target>> {
    struct Probe final : Target {
      std::function<void()> ev;
      MapResult map(io::Request* r) override {
        ev();
        r->complete(0);
        return MapResult::submitted;
      }
      std::string status(StatusType) const override { return ""; }
    };
    if (!a.raise_event) return fail(EINVAL, "no event hook");
    auto p = std::make_unique<Probe>();
    p->ev = a.raise_event;
    return p;
  };
  ASSERT_TRUE(bed.targets.add(TargetType{"probe", {1, 0, 0}, 0, probe}));
  auto lines = *parse_table_text("0 8 probe", "t");
  EXPECT_FALSE(bed.devices.build_table(lines, false));  // built for no device: no hook
  auto t = bed.devices.build_table(lines, false, *d);
  ASSERT_TRUE(t) << t.error().message;
  d->load(std::move(*t));
  ASSERT_TRUE(d->resume());
  std::vector<std::byte> buf(512);
  ASSERT_EQ(testing::sync_io(*d, io::Op::read, 0, 512, buf.data()), 0);
  EXPECT_EQ(d->info(false).event_nr, 1u);
}

TEST(DeviceRegistry, DepsListEachDeviceOnceWhenTargetsShareIt) {
  TestBed bed;
  bed.memory("/dev/a", 1 << 20);
  bed.make("lower", "0 64 linear /dev/a 0");
  // Two targets open the same lower device separately; deps names it once.
  auto upper = bed.make("upper", "0 16 linear 252:0 0\n16 16 linear 252:0 32");
  auto deps = upper->deps(false);
  ASSERT_EQ(deps.size(), 1u);
  EXPECT_EQ(deps[0], (DevNo{252, 0}));
}

// The listener is told which device changed and how, so the exports update
// one entry instead of re-reading every device.
TEST(DeviceRegistry, ListenerNamesTheChangedDevice) {
  TestBed bed;
  using Kind = DeviceRegistry::Change::Kind;
  std::vector<std::pair<Kind, MappedDevicePtr>> seen;
  bed.devices.set_listener([&](const DeviceRegistry::Change& c) { seen.emplace_back(c.kind, c.device); });
  auto a = bed.make("a", "0 8 zero");  // create, then the table swap at resume
  ASSERT_TRUE(bed.devices.rename(a, "b"));
  ASSERT_TRUE(bed.devices.set_uuid(a, "U"));
  ASSERT_TRUE(bed.devices.remove(a, false));
  std::vector<std::pair<Kind, MappedDevicePtr>> want{
      {Kind::created, a}, {Kind::table, a}, {Kind::renamed, a}, {Kind::uuid_set, a}, {Kind::removed, a}};
  EXPECT_EQ(seen, want);
  bed.devices.set_listener(std::function<void()>{});
  (void)*bed.devices.create("quiet", "");
  EXPECT_EQ(seen.size(), want.size());
}

// Minors come from a hint: still the lowest free one, also after explicit
// minors and removes below the hint.
TEST(DeviceRegistry, LowestFreeMinorAfterExplicitAndRemoved) {
  TestBed bed;
  auto m0 = *bed.devices.create("m0", "");
  auto m2 = *bed.devices.create("m2", "", 2u);
  EXPECT_EQ((*bed.devices.create("m1", ""))->devno().minor, 1u);
  EXPECT_EQ((*bed.devices.create("m3", ""))->devno().minor, 3u);  // skips the explicit 2
  ASSERT_TRUE(bed.devices.remove(m0, false));
  ASSERT_TRUE(bed.devices.remove(m2, false));
  EXPECT_EQ((*bed.devices.create("n0", ""))->devno().minor, 0u);
  EXPECT_EQ((*bed.devices.create("n2", ""))->devno().minor, 2u);
  EXPECT_EQ((*bed.devices.create("n4", ""))->devno().minor, 4u);
}

}  // namespace
}  // namespace udm::core

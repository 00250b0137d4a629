// State that survives a table swap (the kernel's pool lookup), exclusive
// device claims, and a typed handle on another mapped device, through small
// test-only targets registered in the test bed's registry:
//   keeper <metadata dev>   shares a PoolState keyed by its own device and
//                           claims <metadata dev> for it
//   client <keeper dev>     finds that PoolState through a typed handle
#include "core/device_handle.hpp"
#include "core/target_services.hpp"
#include "testing.hpp"

namespace udm::core {
namespace {

using testing::sync_io;
using testing::TestBed;

struct PoolState {
  std::atomic<int> writes{0};
  std::atomic<int> clients{0};
  DeviceClaims::Claim metadata;
  inline static std::atomic<int> alive{0};
  PoolState() { alive++; }
  ~PoolState() { alive--; }
};

class Keeper final : public Target {
 public:
  Keeper(io::BlockDevicePtr meta, std::shared_ptr<PoolState> state) : meta_(std::move(meta)), state_(std::move(state)) {}
  MapResult map(io::Request* r) override {
    if (r->op == io::Op::write) state_->writes++;
    r->complete(0);
    return MapResult::submitted;
  }
  std::string status(StatusType) const override { return std::to_string(state_->writes.load()); }
  std::vector<io::BlockDevicePtr> devices() const override { return {meta_}; }

 private:
  io::BlockDevicePtr meta_;
  std::shared_ptr<PoolState> state_;
};

Result<std::unique_ptr<Target>> make_keeper(const TargetArgs& a) {
  if (a.args.size() != 1) return fail(EINVAL, "keeper takes <metadata dev>");
  auto meta = a.devices->open(a.args[0], 0, 8);
  if (!meta) return fail(meta.error());
  auto state = a.services->shared().find_or_create<PoolState>(
      "keeper", a.device, [&]() -> Result<std::shared_ptr<PoolState>> {
        auto s = std::make_shared<PoolState>();
        auto claim = a.services->claims().claim(**meta, "keeper " + a.device.to_string() + " as its metadata device");
        if (!claim) return fail(claim.error());
        s->metadata = std::move(*claim);
        return s;
      });
  if (!state) return fail(state.error());
  return std::make_unique<Keeper>(std::move(*meta), std::move(*state));
}

class Client final : public Target {
 public:
  explicit Client(MappedDeviceHandle<PoolState> pool) : pool_(std::move(pool)) { pool_.object->clients++; }
  ~Client() override { pool_.object->clients--; }
  MapResult map(io::Request* r) override {
    pool_.device->submit(r);
    return MapResult::submitted;
  }
  std::string status(StatusType) const override { return pool_.device->table_name(); }
  std::vector<io::BlockDevicePtr> devices() const override { return {pool_.device}; }

 private:
  MappedDeviceHandle<PoolState> pool_;
};

Result<std::unique_ptr<Target>> make_client(const TargetArgs& a) {
  if (a.args.size() != 1) return fail(EINVAL, "client takes <pool dev>");
  auto pool = open_mapped_device<PoolState>(a, a.args[0], "keeper");
  if (!pool) return fail(pool.error());
  return std::make_unique<Client>(std::move(*pool));
}

struct Bed : TestBed {
  Bed() {
    EXPECT_TRUE(targets.add(TargetType{"keeper", {1, 0, 0}, 0, make_keeper}));
    EXPECT_TRUE(targets.add(TargetType{"client", {1, 0, 0}, 0, make_client}));
    memory("/dev/meta", 1 << 20);
    memory("/dev/meta2", 1 << 20);
  }
  Result<void> reload(MappedDevice& d, std::string_view text) {
    auto lines = parse_table_text(text, "test");
    auto t = devices.build_table(*lines, false, d);
    if (!t) return fail(t.error());
    d.load(std::move(*t));
    return d.resume();
  }
};

TEST(SharedObjects, OutliveATableSwapAndDieWithTheLastTable) {
  Bed bed;
  auto& shared = bed.targets.services().shared();
  auto d = bed.make("pool", "0 16 keeper /dev/meta");
  ASSERT_TRUE(d);
  auto first = shared.find<PoolState>("keeper", d->devno());
  ASSERT_TRUE(first);
  std::vector<std::byte> buf(512);
  ASSERT_EQ(sync_io(*d, io::Op::write, 0, 512, buf.data()), 0);

  // The new table's keeper finds the old one's state (and does not claim
  // the metadata device a second time, which would fail).
  ASSERT_TRUE(bed.reload(*d, "0 32 keeper /dev/meta"));
  EXPECT_EQ(shared.find<PoolState>("keeper", d->devno()), first);
  EXPECT_EQ(d->status(StatusType::info, false)[0].text, "1");
  ASSERT_EQ(sync_io(*d, io::Op::write, 0, 512, buf.data()), 0);
  EXPECT_EQ(first->writes.load(), 2);
  EXPECT_EQ(shared.size(), 1u);

  // A lookup of the wrong C++ type finds nothing.
  EXPECT_FALSE(shared.find<int>("keeper", d->devno()));

  first.reset();
  EXPECT_EQ(PoolState::alive.load(), 1);
  ASSERT_TRUE(bed.devices.remove(d, false));
  d.reset();
  EXPECT_EQ(PoolState::alive.load(), 0);
  EXPECT_FALSE(shared.find<PoolState>("keeper", DevNo{UDM_BLOCK_MAJOR, 0}));
  EXPECT_EQ(shared.size(), 0u);
  // The claim went with it: a new pool may take the metadata device.
  EXPECT_TRUE(bed.make("again", "0 16 keeper /dev/meta"));
}

TEST(SharedObjects, ASecondClaimOfAMetadataDeviceIsRefused) {
  Bed bed;
  auto d = bed.make("pool", "0 16 keeper /dev/meta");
  ASSERT_TRUE(d);
  auto other = *bed.devices.create("other", "");
  auto lines = *parse_table_text("0 16 keeper /dev/meta", "test");
  auto t = bed.devices.build_table(lines, false, *other);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, EBUSY);
  EXPECT_EQ(t.error().message,
            "table line 1: keeper: device /dev/meta is busy: already claimed by keeper 252:0 as its metadata device");
  // Another metadata device is fine.
  EXPECT_TRUE(bed.devices.build_table(*parse_table_text("0 16 keeper /dev/meta2", "test"), false, *other));
}

TEST(SharedObjects, ClaimsDirectly) {
  DeviceClaims claims;
  io::MemoryDevice m(4096, "/dev/x");
  auto a = claims.claim(m, "first");
  ASSERT_TRUE(a);
  auto b = claims.claim(m, "second");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, EBUSY);
  EXPECT_EQ(b.error().message, "device /dev/x is busy: already claimed by first");
  EXPECT_TRUE(claims.claimed(m));
  DeviceClaims::Claim moved = std::move(*a);
  EXPECT_TRUE(claims.claimed(m));
  moved.release();
  EXPECT_FALSE(claims.claimed(m));
  EXPECT_TRUE(claims.claim(m, "third"));
}

TEST(SharedObjects, ATargetOpensAnotherMappedDeviceByDevnoWithATypedHandle) {
  Bed bed;
  auto pool = bed.make("pool", "0 16 keeper /dev/meta");
  ASSERT_TRUE(pool);
  auto state = bed.targets.services().shared().find<PoolState>("keeper", pool->devno());
  auto thin = bed.make("thin", "0 16 client " + pool->devno().to_string());
  ASSERT_TRUE(thin);
  EXPECT_EQ(state->clients.load(), 1);
  EXPECT_EQ(pool->info(false).open_count, 1);  // the handle holds the pool open
  std::vector<std::byte> buf(512);
  ASSERT_EQ(sync_io(*thin, io::Op::write, 0, 512, buf.data()), 0);
  EXPECT_EQ(state->writes.load(), 1);
  EXPECT_EQ(thin->deps(false), std::vector<DevNo>{pool->devno()});

  auto plain = bed.make("plain", "0 16 zero");
  auto other = *bed.devices.create("other", "");
  auto refuse = [&](const std::string& text) {
    auto t = bed.devices.build_table(*parse_table_text(text, "test"), false, *other);
    return t ? std::string("built") : t.error().message;
  };
  EXPECT_EQ(refuse("0 16 client " + plain->devno().to_string()),
            "table line 1: client: device 252:2 is not an active keeper device");
  EXPECT_EQ(refuse("0 16 client /dev/meta2"), "table line 1: client: device /dev/meta2 is not a mapped device");
}

}  // namespace
}  // namespace udm::core

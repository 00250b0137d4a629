// lvmlock's size and growth as lvm2 2.03.16 makes them, and how a lease
// offset in lvmlock maps to a PV when an extension landed elsewhere.
#include <gtest/gtest.h>

#include "lvm/locking/sanlock_layout.hpp"
#include "lvm/locking/sanlock_lock_lv.hpp"

namespace sl = udm::lvm::locking::sanlock;
using udm::lvm::LogicalVolume;
using udm::lvm::PhysicalVolume;
using udm::lvm::Segment;
using udm::lvm::VolumeGroup;

namespace {
constexpr std::uint64_t MiB = 1 << 20;

VolumeGroup two_pv_vg() {
  VolumeGroup vg;
  vg.name = "vg1";
  vg.lock_type = "sanlock";
  for (const char* n : {"pv0", "pv1"}) {
    PhysicalVolume pv;
    pv.name = n;
    pv.pe_start = 2048;
    pv.pe_count = 255;
    vg.pvs.push_back(pv);
  }
  LogicalVolume lock = sl::make_lock_lv("x", 0, "h");
  Segment a;
  a.extent_count = 64;
  a.stripes.push_back({"pv0", 0});
  Segment b;
  b.start_extent = 64;
  b.extent_count = 64;
  b.stripes.push_back({"pv1", 10});
  lock.segments = {a, b};
  vg.lvs.push_back(lock);
  return vg;
}
}  // namespace

TEST(SanlockLockLv, SizesAsLvm2MakesThem) {
  EXPECT_EQ(sl::lock_lv_extents(4 * MiB, 0), 64u);   // vgcreate --shared: 256 MiB
  EXPECT_EQ(sl::lock_lv_extents(4 * MiB, 2), 64u);   // --lock-type sanlock with 2 LVs: 258 MiB, rounded down (measured)
  EXPECT_EQ(sl::lock_lv_extents(4 * MiB, 4), 65u);
  EXPECT_EQ(sl::lock_lv_extents(1 * MiB, 3), 259u);
  EXPECT_EQ(sl::lock_lv_extend_extents(4 * MiB, 256), 64u);  // sanlock_lv_extend's default
  EXPECT_EQ(sl::lock_lv_extend_extents(8 * MiB, 4), 1u);     // rounded up to an extent
  EXPECT_EQ(sl::lock_lv_extend_extents(4 * MiB, 0), 0u);
  EXPECT_EQ(sl::lv_lease_slots(256 * MiB), 189u);            // slots 67..255
  EXPECT_EQ(sl::lv_lease_slots(512 * MiB), 445u);
  EXPECT_EQ(sl::lv_lease_slots(60 * MiB), 0u);
}

TEST(SanlockLockLv, FullLvmlockThenItsExtension) {
  VolumeGroup vg = two_pv_vg();
  for (std::uint64_t slot = 67; slot < 256; ++slot) {
    LogicalVolume lv;
    lv.lock_args = sl::lv_lock_args(slot * MiB);
    vg.lvs.push_back(lv);
  }
  auto full = sl::free_lv_offset(vg, 256 * MiB);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ENOSPC);
  // After the extension the next lease is the first slot of the new space.
  EXPECT_EQ(*sl::free_lv_offset(vg, 512 * MiB), 256 * MiB);
}

TEST(SanlockLockLv, OffsetsMapThroughSegments) {
  VolumeGroup vg = two_pv_vg();
  auto first = sl::lock_lv_place(vg, 0);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->pv_name, "pv0");
  EXPECT_EQ(first->pv_offset, 1 * MiB);
  EXPECT_EQ(first->run, 256 * MiB);
  auto slot = sl::lock_lv_place(vg, 67 * MiB);
  ASSERT_TRUE(slot);
  EXPECT_EQ(slot->pv_offset, 68 * MiB);
  auto ext = sl::lock_lv_place(vg, 256 * MiB + 3 * MiB);
  ASSERT_TRUE(ext) << ext.error().message;
  EXPECT_EQ(ext->pv_name, "pv1");
  EXPECT_EQ(ext->pv_offset, 1 * MiB + 10 * 4 * MiB + 3 * MiB);
  EXPECT_EQ(ext->run, 253 * MiB);
  EXPECT_FALSE(sl::lock_lv_place(vg, 512 * MiB));  // past the end
  auto a = sl::lease_area(vg, {{"pv0", "/dev/a"}, {"pv1", "/dev/b"}});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->size, 512 * MiB);  // the whole LV
  EXPECT_EQ(a->offset, 1 * MiB);
}

TEST(SanlockLockLv, SnapshotsAndThinLvsHaveNoLockOfTheirOwn) {
  VolumeGroup vg = two_pv_vg();
  LogicalVolume origin;
  origin.name = "origin";
  origin.status = udm::lvm::FlagSet(udm::lvm::FlagSet::Kind::lv_status, {"READ", "WRITE", "VISIBLE"});
  Segment s;
  s.type = "striped";
  s.extent_count = 1;
  s.stripes.push_back({"pv0", 100});
  origin.segments.push_back(s);
  LogicalVolume cow = origin;
  cow.name = "snap";
  cow.status = udm::lvm::FlagSet(udm::lvm::FlagSet::Kind::lv_status, {"READ", "WRITE"});
  cow.segments[0].stripes[0].start = 101;
  LogicalVolume carrier;
  carrier.name = "snapshot0";
  carrier.status = udm::lvm::FlagSet(udm::lvm::FlagSet::Kind::lv_status, {"READ", "WRITE", "VISIBLE"});
  Segment ss;
  ss.type = "snapshot";
  ss.extent_count = 1;
  auto key = [](std::string k, udm::lvm::ConfigValue v) {
    udm::lvm::ConfigNode n;
    n.key = std::move(k);
    n.value = std::move(v);
    return n;
  };
  ss.unknown = {key("origin", udm::lvm::ConfigValue::of_string("origin")),
                key("cow_store", udm::lvm::ConfigValue::of_string("snap")),
                key("chunk_size", udm::lvm::ConfigValue::of_int(8))};
  carrier.segments.push_back(ss);
  vg.lvs.push_back(origin);
  vg.lvs.push_back(cow);
  vg.lvs.push_back(carrier);
  EXPECT_TRUE(sl::lv_needs_lock(vg, vg.lvs[1]));
  EXPECT_FALSE(sl::lv_needs_lock(vg, vg.lvs[2]));  // the COW LV: its origin's lock
  EXPECT_FALSE(sl::lv_needs_lock(vg, vg.lvs[3]));
}

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "lvm/format/crc.hpp"
#include "lvm/format/store.hpp"

using namespace udm;
using namespace udm::lvm;
using namespace udm::lvm::format;

namespace {

constexpr byte_count MIB = 1 << 20;

// Memory "disks" that outlive each store, opened through a write budget so a
// test can stop the machine after any number of writes.
struct Disks {
  std::map<std::string, std::unique_ptr<MemoryPvDevice>> devs;
  std::shared_ptr<long> budget = std::make_shared<long>(1L << 40);

  void add(const std::string& name, byte_count size) { devs[name] = std::make_unique<MemoryPvDevice>(name, size); }
  DeviceOpener opener() {
    return [this](const std::string& path, bool) -> Result<PvDevicePtr> {
      auto it = devs.find(path);
      if (it == devs.end()) return fail(ENOENT, path + ": No such file or directory");
      return PvDevicePtr(std::make_unique<FaultyPvDevice>(*it->second, budget));
    };
  }
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : devs) out.push_back(k);
    return out;
  }
  MetadataStore scan() {
    auto s = MetadataStore::scan(paths(), true, opener());
    EXPECT_TRUE(s.has_value());
    return std::move(*s);
  }
  Disks clone() const {
    Disks d;
    for (const auto& [k, v] : devs) {
      d.add(k, v->size());
      d.devs[k]->bytes() = v->bytes();
    }
    return d;
  }
};

VolumeGroup make_vg(const MetadataStore& st, const std::vector<std::string>& paths) {
  VolumeGroup vg;
  vg.name = "vg0";
  vg.id = "VGidVGidVGidVGidVGidVGidVGidVGid";
  vg.seqno = 1;
  for (const auto& p : paths) {
    const PvState* dev = st.device(p);
    PhysicalVolume pv;
    pv.name = vg.next_pv_name();
    pv.id = dev->label.pv_id;
    pv.dev_size = bytes_to_sectors(dev->label.device_size);
    pv.pe_start = bytes_to_sectors(data_area(dev->label).start);
    pv.pe_count = usable_extents(dev->label, vg.extent_bytes());
    vg.pvs.push_back(pv);
  }
  return vg;
}

LogicalVolume make_lv(const std::string& name, std::vector<Segment> segs) {
  LogicalVolume lv;
  lv.name = name;
  lv.id = generate_id();
  lv.creation_host = "test";
  lv.creation_time = 1795565751;
  lv.segments = std::move(segs);
  return lv;
}

Segment linear(extent_t le, extent_t count, const std::string& pv, extent_t pe) {
  Segment s;
  s.start_extent = le;
  s.extent_count = count;
  s.stripes = {{pv, pe}};
  return s;
}

MetadataHeader header_for(std::uint64_t n) {
  auto h = make_header("test write " + std::to_string(n), 1795565751);
  h.creation_host = "test";
  h.creation_host_comment = "Linux test";
  return h;
}

// Two PVs: a (64 MiB, one mda) and b (64 MiB, two mdas), in VG vg0 with LVs.
struct Fixture {
  Disks disks;
  VolumeGroup vg;
  Fixture() {
    disks.add("/dev/a", 64 * MIB);
    disks.add("/dev/b", 64 * MIB);
    auto st = disks.scan();
    EXPECT_TRUE(st.create_pv("/dev/a").has_value());
    PvCreateOptions two;
    two.metadata_copies = 2;
    EXPECT_TRUE(st.create_pv("/dev/b", two).has_value());
    vg = make_vg(st, {"/dev/a", "/dev/b"});
    vg.lvs.push_back(make_lv("lin", {linear(0, 3, "pv0", 0), linear(3, 2, "pv1", 4)}));
    Segment str;
    str.extent_count = 4;
    str.stripe_size = 128;
    str.stripes = {{"pv0", 3}, {"pv1", 0}};
    vg.lvs.push_back(make_lv("str", {str}));
    auto r = st.write_vg(vg, header_for(1));
    EXPECT_TRUE(r.has_value()) << r.error().message;
    vg.pvs[0].device = "/dev/a";
    vg.pvs[1].device = "/dev/b";
  }
};

}  // namespace

TEST(LvmStore, CreatePvLayouts) {
  Disks d;
  d.add("/dev/x", 64 * MIB);
  auto st = d.scan();
  EXPECT_FALSE(st.device("/dev/x")->is_pv);
  auto l = st.create_pv("/dev/x");
  ASSERT_TRUE(l.has_value()) << l.error().message;
  EXPECT_EQ(l->data_areas, (std::vector<DiskLocn>{{MIB, 0}}));
  EXPECT_EQ(l->metadata_areas, (std::vector<DiskLocn>{{4096, 1044480}}));
  EXPECT_FALSE(l->in_use());
  EXPECT_EQ(usable_extents(*l, 4 * MIB), 15u);

  PvCreateOptions o;
  o.metadata_copies = 2;
  o.force = true;
  l = st.create_pv("/dev/x", o);
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->metadata_areas[1], (DiskLocn{63 * MIB, MIB}));  // spec: {dev_size - 1 MiB, 1 MiB}
  EXPECT_EQ(usable_extents(*l, 4 * MIB), 15u);

  o = {};
  o.metadata_size = 32 * 1024;
  o.data_alignment = 64 * 1024;
  l = st.create_pv("/dev/x", o);
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->data_areas[0].offset, 64u * 1024);
  EXPECT_EQ(l->metadata_areas[0], (DiskLocn{4096, 61440}));

  o = {};
  o.bootloader_area_size = MIB;
  o.label_sector = 3;
  l = st.create_pv("/dev/x", o);
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->bootloader_areas, (std::vector<DiskLocn>{{MIB, MIB}}));
  EXPECT_EQ(l->data_areas[0].offset, 2 * MIB);

  // A fresh scan finds the label in sector 3 and an empty mda.
  auto again = d.scan();
  const PvState* pv = again.device("/dev/x");
  ASSERT_TRUE(pv->is_pv);
  EXPECT_EQ(pv->label.sector, 3u);
  ASSERT_EQ(pv->mdas.size(), 1u);
  ASSERT_TRUE(pv->mdas[0].header.has_value());
  EXPECT_TRUE(pv->mdas[0].header->committed.empty());
  EXPECT_TRUE(again.vgs().empty());

  ASSERT_TRUE(again.wipe_label("/dev/x").has_value());
  EXPECT_FALSE(d.scan().device("/dev/x")->is_pv);

  Disks tiny;
  tiny.add("/dev/t", MIB + 4096);
  auto ts = tiny.scan();
  EXPECT_FALSE(ts.create_pv("/dev/t").has_value());
}

TEST(LvmStore, WriteThenScanGivesTheSameVg) {
  Fixture f;
  auto st = f.disks.scan();
  const VgState* vs = st.find_vg("vg0");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->seqno, 1u);
  EXPECT_TRUE(vs->warnings.empty()) << vs->warnings[0];
  EXPECT_TRUE(vs->problems.empty()) << vs->problems[0];
  EXPECT_EQ(vs->text.vg, f.vg);
  EXPECT_EQ(vs->pv_index, (std::vector<std::size_t>{0, 1}));
  EXPECT_TRUE(st.device("/dev/a")->label.in_use());
  // Every mda (3) holds the copy, committed, with slot 1 cleared.
  int committed = 0;
  for (const auto& pv : st.pvs())
    for (const auto& m : pv.mdas) {
      ASSERT_TRUE(m.header.has_value());
      EXPECT_TRUE(m.header->precommitted.empty());
      EXPECT_EQ(m.header->committed.offset, 512u);
      EXPECT_EQ(m.seqno, 1u);
      ++committed;
    }
  EXPECT_EQ(committed, 3);
  EXPECT_EQ(st.committed_text("/dev/b").value(), vs->raw_text);
}

TEST(LvmStore, ManyCommitsWrapTheBuffer) {
  Fixture f;
  VolumeGroup vg = f.vg;
  // Grow the text so that a few copies wrap the 1 MiB area.
  for (int i = 0; i < 3000; ++i) vg.tags.push_back("tag" + std::to_string(i));
  bool wrapped = false;
  for (std::uint64_t seq = 2; seq < 40; ++seq) {
    auto st = f.disks.scan();
    vg.seqno = seq;
    vg.lvs[0].tags = {"w" + std::to_string(seq)};
    auto r = st.write_vg(vg, header_for(seq));
    ASSERT_TRUE(r.has_value()) << r.error().message;
    auto back = f.disks.scan();
    const VgState* vs = back.find_vg("vg0");
    ASSERT_NE(vs, nullptr);
    ASSERT_EQ(vs->seqno, seq);
    EXPECT_EQ(vs->text.vg, vg);
    const auto& h = *back.device("/dev/a")->mdas[0].header;
    wrapped = wrapped || h.committed.offset + h.committed.size > h.size;
  }
  EXPECT_TRUE(wrapped);
}

TEST(LvmStore, RefusesInvalidVgsAndWritesNothing) {
  Fixture f;
  const auto before = f.disks.devs["/dev/a"]->bytes();
  auto expect_refused = [&](VolumeGroup vg, const std::string& needle) {
    auto st = f.disks.scan();
    vg.seqno = 2;
    auto r = st.write_vg(vg, header_for(2));
    ASSERT_FALSE(r.has_value()) << needle;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    EXPECT_EQ(f.disks.devs["/dev/a"]->bytes(), before);
  };
  {
    auto vg = f.vg;
    vg.lvs[1].segments[0].stripes[0].start = 2;  // overlaps lin on pv0
    expect_refused(vg, "used by both");
  }
  {
    auto vg = f.vg;
    vg.pvs[0].pe_count = 99;  // real lvm2 would accept this silently
    vg.pvs[0].dev_size = 1u << 30;
    expect_refused(vg, "do not fit the data area");
  }
  {
    auto vg = f.vg;
    vg.pvs[1].pe_count = 16;  // would run into mda #2 at the end of /dev/b
    vg.pvs[1].dev_size = 1u << 30;
    expect_refused(vg, "PV pv1 (/dev/b)");
  }
  {
    auto vg = f.vg;
    vg.lvs[0].status.add("FROBNICATED");
    expect_refused(vg, "unknown status flag 'FROBNICATED'");
  }
  {
    auto vg = f.vg;
    vg.seqno = 1;  // not above what is on disk
    auto st = f.disks.scan();
    auto r = st.write_vg(vg, header_for(1));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ESTALE);
  }
  {
    auto vg = f.vg;
    vg.pvs[0].id = "UnknownPVUnknownPVUnknownPVUnkno";
    expect_refused(vg, "Cannot change VG vg0 while PVs are missing.");
  }
}

// Stop the machine after every possible number of writes during a commit: the
// VG must then open at the old or the new seqno, with the matching content.
TEST(LvmStore, CommitIsCrashSafeAtEveryWrite) {
  Fixture f;
  VolumeGroup next = f.vg;
  next.seqno = 2;
  next.lvs.push_back(make_lv("new", {linear(0, 2, "pv0", 7)}));
  long total_writes = 0;
  {
    Disks d = f.disks.clone();
    auto st = d.scan();
    *d.budget = 1L << 40;
    const long start = *d.budget;
    ASSERT_TRUE(st.write_vg(next, header_for(2)).has_value());
    total_writes = start - *d.budget;
  }
  ASSERT_GE(total_writes, 9);  // 3 texts, 3 precommits, 3 commits (+ labels)
  int saw_old = 0, saw_new = 0;
  for (long n = 0; n <= total_writes; ++n) {
    Disks d = f.disks.clone();
    auto st = d.scan();
    *d.budget = n;
    auto r = st.write_vg(next, header_for(2));
    EXPECT_EQ(r.has_value(), n == total_writes) << "budget " << n;
    *d.budget = 1L << 40;  // the machine comes back
    auto back = d.scan();
    const VgState* vs = back.find_vg("vg0");
    ASSERT_NE(vs, nullptr) << "budget " << n;
    if (vs->seqno == 1) {
      EXPECT_EQ(vs->text.vg, f.vg);
      ++saw_old;
    } else {
      ASSERT_EQ(vs->seqno, 2u) << "budget " << n;
      EXPECT_EQ(vs->text.vg, next);
      ++saw_new;
    }
    // A later commit of seqno 2 from the recovered state always succeeds.
    const std::uint64_t recovered = vs->seqno;  // `vs` dies with the next write
    auto retry = back.write_vg(next, header_for(2));
    if (recovered == 1) {
      ASSERT_TRUE(retry.has_value()) << retry.error().message;
      auto final_scan = d.scan();
      EXPECT_EQ(final_scan.find_vg("vg0")->seqno, 2u);
      EXPECT_TRUE(final_scan.find_vg("vg0")->warnings.empty());
    }
  }
  EXPECT_GT(saw_old, 0);
  EXPECT_GT(saw_new, 0);
}

TEST(LvmStore, StaleAndDamagedCopies) {
  Fixture f;
  // Commit seqno 2 only partly: stop after the texts, precommits and the first commit.
  VolumeGroup next = f.vg;
  next.seqno = 2;
  next.tags = {"two"};
  {
    auto st = f.disks.scan();
    *f.disks.budget = 3 + 3 + 1;
    EXPECT_FALSE(st.write_vg(next, header_for(2)).has_value());
    *f.disks.budget = 1L << 40;
  }
  auto st = f.disks.scan();
  const VgState* vs = st.find_vg("vg0");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->seqno, 2u);
  // lvm2's lines, one per stale copy (/dev/b has two mdas), then its advice.
  EXPECT_EQ(vs->warnings, (std::vector<std::string>{
                              "WARNING: ignoring metadata seqno 1 on /dev/b for seqno 2 on /dev/a for VG vg0.",
                              "WARNING: ignoring metadata seqno 1 on /dev/b for seqno 2 on /dev/a for VG vg0.",
                              "WARNING: Inconsistent metadata found for VG vg0.",
                              "See vgck --updatemetadata to correct inconsistency.",
                          }));

  // Damage the mda header of /dev/a: the VG is served from /dev/b (seqno 1 there).
  f.disks.devs["/dev/a"]->bytes()[4096 + 100] ^= std::byte{1};
  auto st2 = f.disks.scan();
  ASSERT_NE(st2.find_vg("vg0"), nullptr);
  EXPECT_EQ(st2.find_vg("vg0")->seqno, 1u);
  // lvm2's scan lines (it prints the stored checksum), then our detail.
  const std::string stored = fmt::format("{:x}", get_le32(&f.disks.devs["/dev/a"]->bytes()[4096]));
  EXPECT_EQ(st2.diagnostics(), (std::vector<std::string>{
                                   "WARNING: wrong checksum " + stored + " in mda header on /dev/a at 4096",
                                   "WARNING: bad metadata header on /dev/a at 4096.",
                                   "WARNING: scanning /dev/a mda1 failed to read metadata summary.",
                                   "WARNING: repair VG metadata on /dev/a with vgck --updatemetadata.",
                                   "WARNING: scan failed to get metadata summary from /dev/a PVID " +
                                       st2.device("/dev/a")->label.pv_id,
                               }));
  ASSERT_EQ(st2.notes().size(), 1u);
  EXPECT_NE(st2.notes()[0].find("wrong checksum (stored 0x" + stored), std::string::npos) << st2.notes()[0];
  EXPECT_EQ(st2.device("/dev/a")->mdas[0].bad_fields, BAD_MDA_HEADER | BAD_MDA_CHECKSUM);
  // A new write repairs it (like vgck --updatemetadata).
  next.seqno = 3;
  ASSERT_TRUE(st2.write_vg(next, header_for(3)).has_value());
  auto st3 = f.disks.scan();
  EXPECT_TRUE(st3.warnings().empty());
  EXPECT_EQ(st3.find_vg("vg0")->seqno, 3u);
  EXPECT_TRUE(st3.find_vg("vg0")->warnings.empty());

  // Damage the committed text on every mda: the VG is gone, with one warning per copy.
  for (auto& [path, dev] : f.disks.devs) {
    const PvState* pv = st3.device(path);
    for (const auto& m : pv->mdas)
      dev->bytes()[m.locn.offset + m.header->committed.offset + 10] ^= std::byte{1};
  }
  auto st4 = f.disks.scan();
  EXPECT_EQ(st4.find_vg("vg0"), nullptr);
  // One per damaged copy, then the two PVs that are in use with no VG.
  // No good copy read before any of them: lvm2's scan parses each and fails
  // (three lines each), retries (three again), gives up on each mda (three),
  // names both PVs by PVID; then the two PVs in use with no VG.
  ASSERT_EQ(st4.warnings().size(), 3 * 3 + 1 + 3 * 3 + 3 * 3 + 2 + 2u);
  EXPECT_EQ(st4.warnings()[0], "WARNING: Checksum error on /dev/a at offset 4608.");
  EXPECT_EQ(st4.warnings()[1], "WARNING: invalid metadata text from /dev/a at 4608.");
  EXPECT_EQ(st4.warnings()[2], "WARNING: metadata on /dev/a at 4608 has invalid summary for VG.");
  EXPECT_EQ(st4.warnings()[9], "Retrying metadata scan.");
  EXPECT_EQ(st4.warnings()[19], "WARNING: bad metadata text on /dev/a in mda1");
  EXPECT_EQ(st4.warnings()[25], "WARNING: bad metadata text on /dev/b in mda2");
  EXPECT_EQ(st4.diagnostics().size(), 30u);
  EXPECT_EQ(st4.diagnostics()[28].rfind("WARNING: scan failed to get metadata summary from /dev/a PVID ", 0), 0u);
  EXPECT_EQ(st4.notes().back(), "WARNING: PV /dev/b is marked in use but no VG was found using it.");
  EXPECT_EQ(st4.device("/dev/a")->mdas[0].bad_fields, BAD_MDA_TEXT);
}

TEST(LvmStore, MetadataCopiesMarksOtherMdasIgnored) {
  Fixture f;
  VolumeGroup vg = f.vg;
  vg.seqno = 2;
  vg.metadata_copies = 1;
  auto st = f.disks.scan();
  ASSERT_TRUE(st.write_vg(vg, header_for(2)).has_value());
  auto back = f.disks.scan();
  int used = 0, ignored = 0;
  for (const auto& pv : back.pvs())
    for (const auto& m : pv.mdas) (m.ignored() ? ignored : used)++;
  EXPECT_EQ(used, 1);
  EXPECT_EQ(ignored, 2);
  ASSERT_NE(back.find_vg("vg0"), nullptr);
  EXPECT_EQ(back.find_vg("vg0")->seqno, 2u);
  // Unmanaged again: the flags stay as they are until pvchange --metadataignore n.
  vg.seqno = 3;
  vg.metadata_copies = 0;
  ASSERT_TRUE(back.write_vg(vg, header_for(3)).has_value());
  auto still = f.disks.scan();
  int still_ignored = 0;
  for (const auto& pv : still.pvs())
    for (const auto& m : pv.mdas) still_ignored += m.ignored();
  EXPECT_EQ(still_ignored, 2);
  for (const auto& pv : still.pvs()) ASSERT_TRUE(still.set_metadata_ignored(pv.path, false).has_value());
  vg.seqno = 4;
  ASSERT_TRUE(still.write_vg(vg, header_for(4)).has_value());
  auto all = f.disks.scan();
  for (const auto& pv : all.pvs())
    for (const auto& m : pv.mdas) {
      EXPECT_FALSE(m.ignored());
      EXPECT_EQ(m.seqno, 4u);
    }
}

TEST(LvmStore, MetadataIgnoreOnOnePv) {
  Fixture f;
  auto st = f.disks.scan();
  ASSERT_TRUE(st.set_metadata_ignored("/dev/b", true).has_value());
  auto back = f.disks.scan();
  for (const auto& m : back.device("/dev/b")->mdas) EXPECT_TRUE(m.ignored());
  ASSERT_NE(back.find_vg("vg0"), nullptr);
  VolumeGroup vg = f.vg;
  vg.seqno = 2;
  ASSERT_TRUE(back.write_vg(vg, header_for(2)).has_value());
  auto after = f.disks.scan();
  EXPECT_EQ(after.device("/dev/a")->mdas[0].seqno, 2u);
  for (const auto& m : after.device("/dev/b")->mdas) {
    EXPECT_TRUE(m.ignored());
    EXPECT_FALSE(m.seqno.has_value());
  }
  // Ignoring every mda of the VG is refused by nobody, but write_vg still finds a home.
  ASSERT_TRUE(after.set_metadata_ignored("/dev/a", true).has_value());
  vg.seqno = 3;
  ASSERT_TRUE(after.write_vg(vg, header_for(3)).has_value());
  EXPECT_EQ(f.disks.scan().find_vg("vg0")->seqno, 3u);
}

TEST(LvmStore, TooLargeForAnMdaWritesNothing) {
  Disks d;
  d.add("/dev/a", 64 * MIB);
  d.add("/dev/s", 64 * MIB);
  auto st = d.scan();
  ASSERT_TRUE(st.create_pv("/dev/a").has_value());
  PvCreateOptions small;
  small.data_alignment = 36864;
  small.metadata_size = 32768;  // mda of 32 KiB (lvm2's smallest): copies of at most 15616 bytes
  ASSERT_TRUE(st.create_pv("/dev/s", small).has_value());
  VolumeGroup vg = make_vg(st, {"/dev/a", "/dev/s"});
  for (int i = 0; i < 800; ++i) vg.tags.push_back("a-rather-long-tag-number-" + std::to_string(i));
  const auto before_a = d.devs["/dev/a"]->bytes();
  auto r = st.write_vg(vg, header_for(1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ENOSPC);
  EXPECT_NE(r.error().message.find("/dev/s"), std::string::npos) << r.error().message;
  // lvm2's words: "VG vg0 1 metadata on /dev/s (N bytes) exceeds maximum metadata size (15616 bytes)"
  EXPECT_NE(r.error().message.find("exceeds maximum metadata size (15616 bytes)\nFailed to write VG vg0."),
            std::string::npos) << r.error().message;
  EXPECT_EQ(d.devs["/dev/a"]->bytes(), before_a);
}

TEST(LvmStore, LabelPointingPastTheDevice) {
  Disks d;
  d.add("/dev/a", 8 * MIB);
  auto st = d.scan();
  ASSERT_TRUE(st.create_pv("/dev/a").has_value());
  // Rewrite the label with a second mda beyond the end of the 8 MiB device.
  PvLabel l = st.device("/dev/a")->label;
  l.metadata_areas.push_back({16 * MIB, MIB});
  auto bytes = encode_label(l);
  ASSERT_TRUE(bytes.has_value());
  std::copy(bytes->begin(), bytes->end(), d.devs["/dev/a"]->bytes().begin() + 512);
  auto back = d.scan();
  const PvState* pv = back.device("/dev/a");
  ASSERT_TRUE(pv->is_pv);
  ASSERT_EQ(pv->mdas.size(), 2u);
  EXPECT_TRUE(pv->mdas[0].error.empty());
  EXPECT_NE(pv->mdas[1].error.find("runs past the end of the device"), std::string::npos) << pv->mdas[1].error;
  EXPECT_EQ(back.diagnostics(), (std::vector<std::string>{
                                    "WARNING: bad metadata header on /dev/a at 16777216.",
                                    "WARNING: scanning /dev/a mda2 failed to read metadata summary.",
                                    "WARNING: repair VG metadata on /dev/a with vgck --updatemetadata.",
                                }));
}

TEST(LvmStore, PrecommitLeftoverIsVisibleAndCleared) {
  Fixture f;
  VolumeGroup next = f.vg;
  next.seqno = 2;
  {
    auto st = f.disks.scan();
    *f.disks.budget = 3 + 3;  // texts and precommits, no commit
    EXPECT_FALSE(st.write_vg(next, header_for(2)).has_value());
    *f.disks.budget = 1L << 40;
  }
  auto st = f.disks.scan();
  EXPECT_EQ(st.find_vg("vg0")->seqno, 1u);
  for (const auto& pv : st.pvs())
    for (const auto& m : pv.mdas) EXPECT_TRUE(m.precommit_pending());
  ASSERT_TRUE(st.write_vg(next, header_for(2)).has_value());
  auto after = f.disks.scan();
  for (const auto& pv : after.pvs())
    for (const auto& m : pv.mdas) EXPECT_FALSE(m.precommit_pending());
}

TEST(LvmStore, DuplicatePvIdsAreReported) {
  Fixture f;
  f.disks.add("/dev/clone", 64 * MIB);
  f.disks.devs["/dev/clone"]->bytes() = f.disks.devs["/dev/a"]->bytes();
  auto st = f.disks.scan();
  const VgState* vs = st.find_vg("vg0");
  ASSERT_NE(vs, nullptr);
  bool warned = false;
  for (const auto& w : vs->warnings) warned = warned || w.find("has the same PV id") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(LvmStore, OrphaningAPv) {
  Fixture f;
  auto st = f.disks.scan();
  // A PV flagged in use that no VG lists is reported (only /dev/b in the scan:
  // its VG lists /dev/a, but a lone in-use PV without metadata is not claimed).
  {
    Disks lone;
    lone.add("/dev/lone", 64 * MIB);
    auto ls = lone.scan();
    PvCreateOptions none;
    none.metadata_copies = 0;
    ASSERT_TRUE(ls.create_pv("/dev/lone", none).has_value());
    ASSERT_TRUE(ls.set_pv_in_use("/dev/lone", true).has_value());
    auto again = lone.scan();
    ASSERT_EQ(again.warnings().size(), 1u);
    EXPECT_EQ(again.warnings()[0], "WARNING: PV /dev/lone is marked in use but no VG was found using it.");
  }
  EXPECT_TRUE(st.warnings().empty());
  ASSERT_TRUE(st.clear_metadata("/dev/a").has_value());
  ASSERT_TRUE(st.set_pv_in_use("/dev/a", false).has_value());
  auto back = f.disks.scan();
  EXPECT_FALSE(back.device("/dev/a")->label.in_use());
  EXPECT_FALSE(back.device("/dev/a")->mdas[0].seqno.has_value());
  // /dev/b still has the VG, which now misses /dev/a's PV... no: /dev/a is still found by its label.
  const VgState* vs = back.find_vg("vg0");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->pv_index[0], 0u);
  // Without /dev/a in the scan, the VG reports the missing PV.
  auto only_b = MetadataStore::scan({"/dev/b"}, false, f.disks.opener());
  ASSERT_TRUE(only_b.has_value());
  ASSERT_NE(only_b->find_vg("vg0"), nullptr);
  EXPECT_EQ(only_b->find_vg("vg0")->pv_index[0], NO_PV);
  const std::string uuid = format_id(only_b->find_vg("vg0")->text.vg.pvs[0].id);
  EXPECT_EQ(only_b->find_vg("vg0")->warnings,
            (std::vector<std::string>{"WARNING: Couldn't find device with uuid " + uuid + ".",
                                      "WARNING: VG vg0 is missing PV " + uuid + " (last written to /dev/a)."}));
  EXPECT_EQ(only_b->find_vg("vg0")->missing_pvs(), 1u);
}

// 1000 one-extent LVs (the spec's performance anchor: about 283 KB of text):
// the copy fits the default mda, commits and reads back intact. Timings are
// printed for the record, not asserted.
TEST(LvmStore, ThousandLvs) {
  Disks d;
  d.add("/dev/big", 64 * MIB);
  auto st = d.scan();
  ASSERT_TRUE(st.create_pv("/dev/big").has_value());
  VolumeGroup vg = make_vg(st, {"/dev/big"});
  for (int i = 0; i < 1000; ++i)
    vg.lvs.push_back(make_lv("lvol" + std::to_string(i), {linear(0, 1, "pv0", static_cast<extent_t>(i))}));
  vg.extent_size = 64;  // 32 KiB extents, so 1000 of them fit in 63 MiB
  vg.pvs[0].pe_count = usable_extents(st.device("/dev/big")->label, vg.extent_bytes());
  using clock = std::chrono::steady_clock;
  auto ms = [](clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  const auto t0 = clock::now();
  const std::string text = export_vg_text(vg, header_for(1));
  const auto t1 = clock::now();
  auto imported = import_vg_text(text);
  const auto t2 = clock::now();
  ASSERT_TRUE(imported.has_value());
  EXPECT_EQ(imported->vg, vg);
  auto r = st.write_vg(vg, header_for(1));
  const auto t3 = clock::now();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  auto back = d.scan();
  const auto t4 = clock::now();
  ASSERT_NE(back.find_vg("vg0"), nullptr);
  EXPECT_EQ(back.find_vg("vg0")->text.vg.lvs.size(), 1000u);
  EXPECT_GT(text.size(), 200000u);
  std::printf("1000 LVs: text %zu bytes; export %.1f ms, import %.1f ms, write_vg %.1f ms, scan %.1f ms\n",
              text.size(), ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3));
}

namespace {
// Everything a caller can see of a store, against a fresh scan of the same disks.
void expect_same_view(const MetadataStore& kept, const MetadataStore& fresh, const std::string& step) {
  SCOPED_TRACE(step);
  EXPECT_EQ(kept.warnings(), fresh.warnings());
  ASSERT_EQ(kept.pvs().size(), fresh.pvs().size());
  for (std::size_t i = 0; i < kept.pvs().size(); ++i) {
    const PvState& a = kept.pvs()[i];
    const PvState& b = fresh.pvs()[i];
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.is_pv, b.is_pv);
    EXPECT_EQ(a.label, b.label);
    EXPECT_EQ(a.vg_id, b.vg_id);
    ASSERT_EQ(a.mdas.size(), b.mdas.size());
    for (std::size_t m = 0; m < a.mdas.size(); ++m) {
      EXPECT_EQ(a.mdas[m].header, b.mdas[m].header) << a.path << " mda " << m;
      EXPECT_EQ(a.mdas[m].seqno, b.mdas[m].seqno) << a.path << " mda " << m;
      EXPECT_EQ(a.mdas[m].vg_name, b.mdas[m].vg_name);
      EXPECT_EQ(a.mdas[m].vg_id, b.mdas[m].vg_id);
      EXPECT_EQ(a.mdas[m].error, b.mdas[m].error);
    }
  }
  ASSERT_EQ(kept.vgs().size(), fresh.vgs().size());
  for (const auto& [name, a] : kept.vgs()) {
    const VgState* b = fresh.find_vg(name);
    ASSERT_NE(b, nullptr) << name;
    EXPECT_EQ(a.seqno, b->seqno);
    EXPECT_EQ(a.raw_text, b->raw_text);
    EXPECT_EQ(a.text.vg, b->text.vg);
    EXPECT_EQ(a.text.header.description, b->text.header.description);
    EXPECT_EQ(a.text.header.generated_by, b->text.header.generated_by);
    EXPECT_EQ(a.pv_index, b->pv_index);
    EXPECT_EQ(a.warnings, b->warnings);
    EXPECT_EQ(a.problems, b->problems);
  }
}
}  // namespace

// write_vg keeps what it committed instead of reading the PVs back: the view
// a store gives after each change must be what a fresh scan of the disks gives.
TEST(LvmStore, ViewAfterChangesMatchesAFreshScan) {
  Fixture f;
  f.disks.add("/dev/c", 64 * MIB);
  auto st = f.disks.scan();
  expect_same_view(st, f.disks.scan(), "scan");
  VolumeGroup vg = f.vg;
  // Hidden LVs before visible ones: the text (and so a re-read) lists visible ones first.
  LogicalVolume hidden = make_lv("hidden", {linear(0, 1, "pv0", 10)});
  hidden.status.remove("VISIBLE");
  vg.lvs.insert(vg.lvs.begin(), hidden);
  for (std::uint64_t seq = 2; seq < 6; ++seq) {
    vg.seqno = seq;
    vg.lvs.push_back(make_lv("more" + std::to_string(seq), {linear(0, 1, "pv1", 6 + seq)}));
    auto r = st.write_vg(vg, header_for(seq));
    ASSERT_TRUE(r.has_value()) << r.error().message;
    expect_same_view(st, f.disks.scan(), "write seqno " + std::to_string(seq));
  }
  ASSERT_TRUE(st.set_metadata_ignored("/dev/b", true).has_value());
  expect_same_view(st, f.disks.scan(), "ignore /dev/b");
  vg.seqno = 6;
  ASSERT_TRUE(st.write_vg(vg, header_for(6)).has_value());
  expect_same_view(st, f.disks.scan(), "write with /dev/b ignored");
  ASSERT_TRUE(st.set_metadata_ignored("/dev/b", false).has_value());
  vg.seqno = 7;
  vg.metadata_copies = 1;
  ASSERT_TRUE(st.write_vg(vg, header_for(7)).has_value());
  expect_same_view(st, f.disks.scan(), "metadata_copies 1");
  ASSERT_TRUE(st.create_pv("/dev/c").has_value());
  expect_same_view(st, f.disks.scan(), "pvcreate /dev/c");
  // A second VG on /dev/c, and /dev/a taken out of vg0 (orphaned).
  VolumeGroup other = make_vg(st, {"/dev/c"});
  other.name = "vg1";
  other.id = "VG1dVGidVGidVGidVGidVGidVGidVGid";
  ASSERT_TRUE(st.write_vg(other, header_for(1)).has_value());
  expect_same_view(st, f.disks.scan(), "vgcreate vg1");
  ASSERT_EQ(st.find_vg("vg1")->text.vg.pvs[0].device, "/dev/c");
  EXPECT_EQ(st.find_vg("vg0")->seqno, 7u);
  EXPECT_EQ(st.find_vg("vg0")->text.vg.lvs.front().name, "lin");  // visible first, as written
}

// ---------------------------------------------------------------- scan diagnostics in lvm2's words

namespace {
// Rewrites the mda header at `off` of `dev` after `edit`, with a valid CRC.
void edit_mda_header(MemoryPvDevice& dev, byte_count off, const std::function<void(std::byte*)>& edit) {
  std::byte* h = dev.bytes().data() + off;
  edit(h);
  put_le32(h, lvm_crc(std::span<const std::byte>(h + 4, MDA_HEADER_SIZE - 4)));
}
}  // namespace

TEST(LvmScanDiagnostics, HeaderFaultsInLvm2Order) {
  Fixture f;
  auto& a = *f.disks.devs["/dev/a"];
  const std::vector<std::byte> good(a.bytes().begin() + 4096, a.bytes().begin() + 4096 + 512);
  const DiskLocn where{4096, f.disks.scan().device("/dev/a")->label.metadata_areas[0].size};
  auto restore = [&] { std::copy(good.begin(), good.end(), a.bytes().begin() + 4096); };
  struct Case {
    std::function<void()> damage;
    std::vector<std::string> words;
    std::uint32_t bits;
  };
  const std::string stored = fmt::format("{:x}", get_le32(good.data()));
  const std::vector<Case> cases = {
      {[&] { a.bytes()[4096 + 300] ^= std::byte{0x40}; }, {"wrong checksum " + stored},
       BAD_MDA_HEADER | BAD_MDA_CHECKSUM},
      {[&] { edit_mda_header(a, 4096, [](std::byte* h) { h[5] ^= std::byte{1}; }); }, {"wrong magic number"},
       BAD_MDA_HEADER | BAD_MDA_MAGIC},
      {[&] { edit_mda_header(a, 4096, [](std::byte* h) { put_le32(h + 20, 7); }); }, {"wrong version 7"},
       BAD_MDA_HEADER | BAD_MDA_VERSION},
      {[&] { edit_mda_header(a, 4096, [](std::byte* h) { put_le64(h + 24, 8192); }); }, {"wrong start sector 8192"},
       BAD_MDA_HEADER | BAD_MDA_START},
      // lvm2 checks every field and names each wrong one: a flipped magic byte
      // also breaks the checksum.
      {[&] { a.bytes()[4096 + 8] ^= std::byte{0x5a}; }, {"wrong checksum " + stored, "wrong magic number"},
       BAD_MDA_HEADER | BAD_MDA_CHECKSUM | BAD_MDA_MAGIC},
  };
  for (const auto& c : cases) {
    restore();
    c.damage();
    const MdaHeaderFault fault = classify_mda_header(std::span<const std::byte>(a.bytes()).subspan(4096, 512), where);
    EXPECT_EQ(fault.words, c.words);
    EXPECT_EQ(fault.bad_fields, c.bits);
    auto st = f.disks.scan();
    ASSERT_GT(st.diagnostics().size(), c.words.size()) << c.words[0];
    for (std::size_t i = 0; i < c.words.size(); ++i)
      EXPECT_EQ(st.diagnostics()[i], "WARNING: " + c.words[i] + " in mda header on /dev/a at 4096");
    EXPECT_EQ(st.diagnostics()[c.words.size()], "WARNING: bad metadata header on /dev/a at 4096.");
    EXPECT_EQ(st.device("/dev/a")->mdas[0].bad_fields, c.bits);
    // The VG is still served from /dev/b, whose copies are fine.
    ASSERT_NE(st.find_vg("vg0"), nullptr);
    EXPECT_TRUE(st.find_vg("vg0")->warnings.empty());
  }
  // An intact header: nothing to say.
  restore();
  EXPECT_TRUE(classify_mda_header(std::span<const std::byte>(a.bytes()).subspan(4096, 512), where).words.empty());
  EXPECT_TRUE(f.disks.scan().diagnostics().empty());
}

TEST(LvmScanDiagnostics, SecondMdaOfAPvWithAGoodFirstOne) {
  Fixture f;
  auto st = f.disks.scan();
  const byte_count mda2 = st.device("/dev/b")->label.metadata_areas[1].offset;
  f.disks.devs["/dev/b"]->bytes()[mda2 + 64] ^= std::byte{1};
  auto again = f.disks.scan();
  // mda1 still gives the scan its summary: no "scan failed ... PVID" line.
  ASSERT_EQ(again.diagnostics().size(), 4u);
  EXPECT_EQ(again.diagnostics()[2], "WARNING: scanning /dev/b mda2 failed to read metadata summary.");
  EXPECT_EQ(again.diagnostics()[3], "WARNING: repair VG metadata on /dev/b with vgck --updatemetadata.");
}

TEST(LvmScanDiagnostics, CopyWithADamagedVgNameIsReportedUnderTheVgOfItsPv) {
  Fixture f;
  auto st = f.disks.scan();
  const MdaState& m = st.device("/dev/b")->mdas[1];
  const byte_count at = m.locn.offset + m.header->committed.offset;
  // The first byte of the text is the VG name's: the copy no longer names a
  // VG, but lvm2 names the VG that lists the PV. Like the copies scanned
  // before it, it is read only with the VG (lvm2's scan takes it as read).
  f.disks.devs["/dev/b"]->bytes()[at] = std::byte{'{'};
  auto again = f.disks.scan();
  ASSERT_NE(again.find_vg("vg0"), nullptr);
  const std::string where = std::to_string(at);
  EXPECT_EQ(again.diagnostics(), std::vector<std::string>{"WARNING: Metadata location on /dev/b at offset " + where +
                                                          " begins with invalid name."});
  EXPECT_EQ(again.find_vg("vg0")->warnings,
            (std::vector<std::string>{
                "WARNING: Checksum error on /dev/b at offset " + where + ".",
                "WARNING: couldn't read volume group metadata from /dev/b.",
                fmt::format("WARNING: Failed to read metadata text at {} off {} size {} VG vg0 on /dev/b", at,
                            m.header->committed.offset, m.header->committed.size),
                "WARNING: reading /dev/b mda2 failed to read metadata.",
                "WARNING: repair VG metadata on /dev/b with vgck --updatemetadata.",
                "WARNING: Reading VG vg0 on /dev/b failed.",
            }));
}

TEST(LvmScanDiagnostics, DamagedCopyScannedFirstFailsTheScan) {
  Fixture f;
  auto st = f.disks.scan();
  const MdaState& m = st.device("/dev/a")->mdas[0];
  f.disks.devs["/dev/a"]->bytes()[m.locn.offset + m.header->committed.offset + 40] ^= std::byte{1};
  auto again = f.disks.scan();
  // Measured with lvm2 2.03.16: the first device's copy is parsed by the scan.
  EXPECT_EQ(again.diagnostics(), (std::vector<std::string>{
                                     "WARNING: Checksum error on /dev/a at offset 4608.",
                                     "WARNING: invalid metadata text from /dev/a at 4608.",
                                     "WARNING: metadata on /dev/a at 4608 has invalid summary for VG.",
                                     "Retrying metadata scan.",
                                     "WARNING: Checksum error on /dev/a at offset 4608.",
                                     "WARNING: invalid metadata text from /dev/a at 4608.",
                                     "WARNING: metadata on /dev/a at 4608 has invalid summary for VG.",
                                     "WARNING: bad metadata text on /dev/a in mda1",
                                     "WARNING: scanning /dev/a mda1 failed to read metadata summary.",
                                     "WARNING: repair VG metadata on /dev/a with vgck --updatemetadata.",
                                     "WARNING: scan failed to get metadata summary from /dev/a PVID " +
                                         again.device("/dev/a")->label.pv_id,
                                 }));
  ASSERT_NE(again.find_vg("vg0"), nullptr);
  EXPECT_TRUE(again.find_vg("vg0")->warnings.empty());
  EXPECT_EQ(again.device("/dev/a")->mdas[0].bad_fields, BAD_MDA_TEXT);
}

TEST(LvmScanDiagnostics, DeviceBelowPvMinSizeIsAMissingPv) {
  Fixture f;
  // /dev/a cut to 4 KiB keeps its label sector, but lvm2 does not look at a
  // device under pv_min_size: the PV is missing, not damaged.
  f.disks.devs["/dev/a"]->bytes().resize(4096);
  auto st = f.disks.scan();
  EXPECT_FALSE(st.device("/dev/a")->is_pv);
  EXPECT_TRUE(st.diagnostics().empty());
  const VgState* vs = st.find_vg("vg0");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->missing_pvs(), 1u);
  ASSERT_EQ(vs->warnings.size(), 2u);
  EXPECT_EQ(vs->warnings[0].rfind("WARNING: Couldn't find device with uuid ", 0), 0u);
  EXPECT_NE(vs->warnings[1].find("(last written to /dev/a)."), std::string::npos);
  // Exactly pv_min_size is still a device lvm2 reads.
  f.disks.devs["/dev/a"]->bytes().resize(PV_MIN_SIZE);
  EXPECT_TRUE(f.disks.scan().device("/dev/a")->is_pv);
}

TEST(LvmScanDiagnostics, ChangedSinceScanSeesCommitsOnly) {
  Fixture f;
  auto reader = f.disks.scan();
  EXPECT_FALSE(reader.changed_since_scan());
  // Another writer commits seqno 2: its headers changed.
  auto writer = f.disks.scan();
  VolumeGroup next = f.vg;
  next.seqno = 2;
  ASSERT_TRUE(writer.write_vg(next, header_for(2)).has_value());
  EXPECT_TRUE(reader.changed_since_scan());
  ASSERT_TRUE(reader.rescan().has_value());
  EXPECT_FALSE(reader.changed_since_scan());
  EXPECT_EQ(reader.find_vg("vg0")->seqno, 2u);
  // A damaged header counts as a change too.
  f.disks.devs["/dev/a"]->bytes()[4096 + 7] ^= std::byte{1};
  EXPECT_TRUE(reader.changed_since_scan());
}

// Data safety pieces of the ulvm commands: the signature table, where an
// LV's bytes live on its PVs (for zeroing and wiping), and lvm's [y/n]
// questions answered through CommandIo::ask.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "lvm/api/commands.hpp"
#include "lvm/api/signatures.hpp"
#include "lvm/api/wipe.hpp"

namespace udm::lvm::api {
namespace {

std::vector<std::byte> blank() { return std::vector<std::byte>(SIGNATURE_PROBE_BYTES); }
void put(std::vector<std::byte>& b, std::size_t off, std::string_view s) { std::memcpy(b.data() + off, s.data(), s.size()); }
void put32(std::vector<std::byte>& b, std::size_t off, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = std::byte((v >> (8 * i)) & 0xff);
}

TEST(LvmSignatures, NothingOnZeros) {
  EXPECT_TRUE(find_signatures(blank()).empty());
  EXPECT_TRUE(find_signatures({}).empty());
}

TEST(LvmSignatures, ExtFamilyByFeatures) {
  auto b = blank();
  put(b, 1080, "\x53\xef");
  EXPECT_EQ(find_signatures(b), (std::vector<Signature>{{"ext2", 1080, 2}}));
  put32(b, 1024 + 0x5c, 0x4);  // has_journal
  EXPECT_EQ(find_signatures(b).at(0).type, "ext3");
  put32(b, 1024 + 0x60, 0x40);  // extents
  EXPECT_EQ(find_signatures(b).at(0).type, "ext4");
}

TEST(LvmSignatures, TableEntries) {
  auto xfs = blank();
  put(xfs, 0, "XFSB");
  EXPECT_EQ(find_signatures(xfs), (std::vector<Signature>{{"xfs", 0, 4}}));
  auto luks = blank();
  put(luks, 0, "LUKS\xba\xbe");
  EXPECT_EQ(find_signatures(luks), (std::vector<Signature>{{"crypto_LUKS", 0, 6}}));
  auto btrfs = blank();
  put(btrfs, 65600, "_BHRfS_M");
  EXPECT_EQ(find_signatures(btrfs), (std::vector<Signature>{{"btrfs", 65600, 8}}));
  auto swap = blank();
  put(swap, 4086, "SWAPSPACE2");
  EXPECT_EQ(find_signatures(swap), (std::vector<Signature>{{"swap", 4086, 10}}));
  auto swap64k = blank();
  put(swap64k, 65526, "SWAPSPACE2");
  EXPECT_EQ(find_signatures(swap64k), (std::vector<Signature>{{"swap", 65526, 10}}));
  auto pv = blank();
  put(pv, 512, "LABELONE");
  put(pv, 536, "LVM2 001");
  EXPECT_EQ(find_signatures(pv), (std::vector<Signature>{{"LVM2_member", 536, 8}}));
}

TEST(LvmSignatures, PartitionTables) {
  auto gpt = blank();
  put(gpt, 510, "\x55\xaa");
  gpt[446 + 4] = std::byte{0xee};
  put32(gpt, 446 + 12, 1000);
  put(gpt, 512, "EFI PART");
  EXPECT_EQ(find_signatures(gpt), (std::vector<Signature>{{"gpt", 512, 8}, {"PMBR", 510, 2}}));
  auto dos = blank();
  put(dos, 510, "\x55\xaa");
  dos[446] = std::byte{0x80};
  dos[446 + 4] = std::byte{0x83};
  put32(dos, 446 + 12, 2048);
  EXPECT_EQ(find_signatures(dos), (std::vector<Signature>{{"dos", 510, 2}}));
  // A boot signature without a plausible entry is no partition table.
  auto bare = blank();
  put(bare, 510, "\x55\xaa");
  EXPECT_TRUE(find_signatures(bare).empty());
  bare[446] = std::byte{0x12};
  bare[446 + 4] = std::byte{0x83};
  put32(bare, 446 + 12, 1);
  EXPECT_TRUE(find_signatures(bare).empty());
}

TEST(LvmSignatures, ShortBuffersAreProbedAsFarAsTheyGo) {
  auto b = blank();
  put(b, 1080, "\x53\xef");
  put(b, 65600, "_BHRfS_M");
  EXPECT_EQ(find_signatures(std::span(b).first(1082)).size(), 1u);
  EXPECT_TRUE(find_signatures(std::span(b).first(1081)).empty());
}

VolumeGroup two_pv_vg() {
  VolumeGroup vg;
  vg.name = "vg0";
  vg.extent_size = 8192;  // 4 MiB
  for (int i = 0; i < 2; ++i) {
    PhysicalVolume pv;
    pv.name = "pv" + std::to_string(i);
    pv.pe_start = 2048;
    pv.pe_count = 10;
    vg.pvs.push_back(pv);
  }
  return vg;
}

TEST(LvmWipe, LinearAndStripedPiecesOnThePvs) {
  VolumeGroup vg = two_pv_vg();
  const std::map<std::string, std::string> paths{{"pv0", "/a"}, {"pv1", "/b"}};
  LogicalVolume lin;
  lin.name = "lin";
  Segment s;
  s.extent_count = 2;
  s.stripes = {{"pv1", 3}};
  lin.segments = {s};
  auto p = detail::lv_pieces(vg, lin, paths, 4096, 4096);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].path, "/b");
  EXPECT_EQ((*p)[0].offset, (1u << 20) + 3u * (4u << 20) + 4096u);

  LogicalVolume str;
  str.name = "str";
  Segment t;
  t.extent_count = 2;
  t.stripe_size = 128;  // 64 KiB
  t.stripes = {{"pv0", 0}, {"pv1", 5}};
  str.segments = {t};
  // 64 KiB from 32 KiB: the second half of chunk 0 (pv0), then chunk 1 (pv1).
  p = detail::lv_pieces(vg, str, paths, 32 << 10, 64 << 10);
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].path, "/a");
  EXPECT_EQ((*p)[0].offset, (1u << 20) + (32u << 10));
  EXPECT_EQ((*p)[0].length, 32u << 10);
  EXPECT_EQ((*p)[1].path, "/b");
  EXPECT_EQ((*p)[1].offset, (1u << 20) + 5u * (4u << 20));
  EXPECT_EQ((*p)[1].length, 32u << 10);
  // Chunk 2 is the second row on pv0.
  p = detail::lv_pieces(vg, str, paths, 128 << 10, 4096);
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)[0].path, "/a");
  EXPECT_EQ((*p)[0].offset, (1u << 20) + (64u << 10));

  EXPECT_FALSE(detail::lv_pieces(vg, str, paths, 8 << 20, 1));  // past the end
  EXPECT_FALSE(detail::lv_pieces(vg, lin, {{"pv0", "/a"}}, 0, 1));  // PV missing
}

class LvmPrompts : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lvm-prompt-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    setenv("UDM_LVM_CONFDIR", (dir_ + "/conf").c_str(), 1);
    setenv("UDM_LVM_LOCKDIR", dir_.c_str(), 1);
    setenv("UDM_RUNDIR", (dir_ + "/run").c_str(), 1);
    dev_ = dir_ + "/a.img";
    std::filesystem::resize_file((std::ofstream(dev_), dev_), 32 << 20);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  int run(std::vector<std::string> argv, CommandIo& io) {
    std::string cmd = argv.front();
    argv.erase(argv.begin());
    argv.insert(argv.begin(), "--devices=" + dev_);
    return run_command(cmd, argv, io);
  }
  std::string dir_, dev_;
};

TEST_F(LvmPrompts, AnswersAreReadUntilYesOrNo) {
  CommandIo setup;
  ASSERT_EQ(run({"vgcreate", "vg0", dev_}, setup), 0) << setup.err;
  ASSERT_EQ(run({"lvcreate", "-an", "-L", "4m", "-n", "lv0", "vg0"}, setup), 0) << setup.err;

  std::vector<std::string> asked;
  std::vector<std::string> answers{"maybe", " No "};
  CommandIo io;
  io.ask = [&](const std::string& q) -> std::optional<std::string> {
    asked.push_back(q);
    if (answers.empty()) return std::nullopt;
    std::string a = answers.front();
    answers.erase(answers.begin());
    return a;
  };
  EXPECT_EQ(run({"vgremove", "vg0"}, io), EXIT_FAILED);
  const std::string q = "Do you really want to remove volume group \"vg0\" containing 1 logical volumes? [y/n]: ";
  EXPECT_EQ(asked, (std::vector<std::string>{q, q}));
  EXPECT_EQ(io.err, "  WARNING: Invalid input 'maybe'.\n  Volume group \"vg0\" not removed\n");

  // Unset ask: the question meets end of input.
  CommandIo eof;
  EXPECT_EQ(run({"vgremove", "vg0"}, eof), EXIT_FAILED);
  EXPECT_EQ(eof.err, q + "[n]\n  Volume group \"vg0\" not removed\n");

  answers = {"Y"};
  asked.clear();
  CommandIo yes;
  yes.ask = io.ask;
  EXPECT_EQ(run({"vgremove", "vg0"}, yes), EXIT_OK) << yes.err;
  EXPECT_EQ(yes.out, "  Logical volume \"lv0\" successfully removed.\n  Volume group \"vg0\" successfully removed\n");
}

TEST_F(LvmPrompts, YesAndForceDoNotAsk) {
  CommandIo setup;
  ASSERT_EQ(run({"vgcreate", "vg0", dev_}, setup), 0) << setup.err;
  ASSERT_EQ(run({"lvcreate", "-an", "-L", "4m", "-n", "lv0", "vg0"}, setup), 0) << setup.err;
  CommandIo io;
  io.ask = [](const std::string&) -> std::optional<std::string> {
    ADD_FAILURE() << "asked";
    return std::nullopt;
  };
  EXPECT_EQ(run({"vgremove", "-t", "-y", "vg0"}, io), EXIT_OK) << io.err;
  EXPECT_EQ(run({"vgremove", "-f", "vg0"}, io), EXIT_OK) << io.err;
}

}  // namespace
}  // namespace udm::lvm::api

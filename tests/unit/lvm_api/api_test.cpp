// The LVM API: command-line grammar, configuration, and whole commands run
// through the C API on sparse files.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "lvm/api/cmdline.hpp"
#include "lvm/api/config.hpp"
#include "lvm/format/store.hpp"
#include "udm/ulvm.h"

namespace udm::lvm::api {
namespace {

TEST(LvmApiCmdline, ShortLongAndGluedValues) {
  auto cl = parse_command_line("lvcreate", {"-L10M", "--name=lv0", "-i", "2", "-ay", "--devices", "/a,/b",
                                            "--devices", "/c", "vg0", "/dev/x"});
  ASSERT_TRUE(cl) << cl.error().message;
  EXPECT_EQ(cl->get("size"), "10M");
  EXPECT_EQ(cl->get("name"), "lv0");
  EXPECT_EQ(cl->get("stripes"), "2");
  EXPECT_EQ(cl->get("activate"), "y");
  EXPECT_EQ(cl->all("devices"), (std::vector<std::string>{"/a,/b", "/c"}));
  EXPECT_EQ(cl->args, (std::vector<std::string>{"vg0", "/dev/x"}));
}

TEST(LvmApiCmdline, ShortLettersDependOnTheCommand) {
  auto lvs = parse_command_line("lvs", {"-a", "-o", "+devices"});
  ASSERT_TRUE(lvs);
  EXPECT_TRUE(lvs->has("all"));
  auto vgchange = parse_command_line("vgchange", {"-an", "vg0"});
  ASSERT_TRUE(vgchange);
  EXPECT_EQ(vgchange->get("activate"), "n");
  auto flags = parse_command_line("lvremove", {"-fy", "vg0/lv"});
  ASSERT_TRUE(flags);
  EXPECT_TRUE(flags->has("force"));
  EXPECT_TRUE(flags->has("yes"));
}

TEST(LvmApiCmdline, DashesInLongNamesAreDroppedAsLvm2Does) {
  auto cl = parse_command_line("lvconvert", {"--use-policies", "--repair", "--region-size=4m", "vg0/m"});
  ASSERT_TRUE(cl) << cl.error().message;
  EXPECT_TRUE(cl->has("usepolicies"));
  EXPECT_EQ(cl->get("regionsize"), "4m");
  // Only the name: the value keeps its dashes.
  auto tag = parse_command_line("lvchange", {"--add-tag=a-b", "vg0/m"});
  ASSERT_TRUE(tag) << tag.error().message;
  EXPECT_EQ(tag->get("addtag"), "a-b");
}

TEST(LvmApiCmdline, DashesInsideLongNamesAsLvm2) {
  auto cl = parse_command_line("vgchange", {"--lock-type", "none", "--lock-opt=force", "vg0"});
  ASSERT_TRUE(cl) << cl.error().message;
  EXPECT_EQ(cl->get("locktype"), "none");
  EXPECT_EQ(cl->get("lockopt"), "force");
  EXPECT_FALSE(parse_command_line("vgchange", {"--lock-bogus"}));
}

TEST(LvmApiCmdline, Errors) {
  auto bad = parse_command_line("lvcreate", {"--bogus"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "lvcreate: unrecognized option '--bogus'");
  EXPECT_FALSE(parse_command_line("lvcreate", {"-L"}));
  EXPECT_FALSE(parse_command_line("nosuchcmd", {}));
  auto dashdash = parse_command_line("lvs", {"--", "-odd-vg"});
  ASSERT_TRUE(dashdash);
  EXPECT_EQ(dashdash->args, (std::vector<std::string>{"-odd-vg"}));
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lvm-api-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    setenv("UDM_LVM_CONFDIR", (dir_ + "/conf").c_str(), 1);
    unsetenv("UDM_LVM_CONFIG");
    unsetenv("UDM_RUNDIR");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name, std::uintmax_t size) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p).close();
    std::filesystem::resize_file(p, size);
    return p;
  }
  std::string dir_;
};

using LvmApiConfig = TempDir;

TEST_F(LvmApiConfig, LvmSyntaxSimpleSyntaxAndCommandLine) {
  std::filesystem::create_directories(dir_ + "/conf");
  {
    std::ofstream f(dir_ + "/conf/lvm.conf");
    f << "devices {\n  devices = [\"/x\", \"/y\"]\n}\nbackup { backup = 0 }\n";
  }
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->devices, (std::vector<std::string>{"/x", "/y"}));
  EXPECT_FALSE(c->backup);
  EXPECT_TRUE(c->archive);
  {
    std::ofstream f(dir_ + "/simple.conf");
    f << "# comment\ndevices = /p, /q\narchive = 0\n";
  }
  setenv("UDM_LVM_CONFIG", (dir_ + "/simple.conf").c_str(), 1);
  c = load_config({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->devices, (std::vector<std::string>{"/p", "/q"}));
  EXPECT_FALSE(c->archive);
  c = load_config({"/cli1,/cli2", "/cli3"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices, (std::vector<std::string>{"/cli1", "/cli2", "/cli3"}));
}

// Runs a command through the C API; returns {rc, stdout, stderr}.
struct Run {
  int rc;
  std::string out, err;
};
Run run(std::vector<std::string> argv) {
  std::vector<const char*> a;
  for (const auto& s : argv) a.push_back(s.c_str());
  char *out = nullptr, *err = nullptr;
  int rc = ulvm_run(static_cast<int>(a.size()), a.data(), &out, &err);
  Run r{rc, out ? out : "", err ? err : ""};
  ulvm_free(out);
  ulvm_free(err);
  return r;
}

using LvmApiCommands = TempDir;

TEST_F(LvmApiCommands, CreateExtendReportThroughTheCApi) {
  std::string a = file("a.img", 64 << 20), b = file("b.img", 64 << 20);
  std::string devs = "--devices=" + a + "," + b;
  auto r = run({"vgcreate", devs, "vg0", a, b});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "  Physical volume \"" + a + "\" successfully created.\n  Physical volume \"" + b +
                       "\" successfully created.\n  Volume group \"vg0\" successfully created\n");
  r = run({"lvcreate", devs, "-an", "-l", "40%FREE", "-n", "part", "vg0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  r = run({"lvcreate", devs, "-an", "-l", "2", "-i", "2", "-I", "8k", "-n", "s", "vg0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  r = run({"lvs", devs, "--noheadings", "--separator", ",", "-o", "lv_name,seg_size_pe,stripes,stripe_size", "--units", "k"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "  part,12,1,0k\n  s,2,2,8.00k\n");

  // What the API wrote is what the format layer reads back, and it validates.
  auto st = format::MetadataStore::scan({a, b}, false);
  ASSERT_TRUE(st);
  const auto* vg = st->find_vg("vg0");
  ASSERT_NE(vg, nullptr);
  EXPECT_EQ(vg->seqno, 3u);
  EXPECT_TRUE(vg->problems.empty());
  EXPECT_EQ(vg->text.vg.find_lv("s")->segments[0].stripe_size, 16u);

  r = run({"lvcreate", devs, "-an", "-l", "100", "-n", "toobig", "vg0"});
  EXPECT_EQ(r.rc, 5);
  EXPECT_EQ(r.err, "  Volume group \"vg0\" has insufficient free space (16 extents): 100 required.\n");
  r = run({"lvcreate", devs, "-an", "-l", "4", "-i", "2", "-n", "s2", "vg0", b});
  EXPECT_EQ(r.rc, 5);
  EXPECT_EQ(r.out, "  Using default stripesize 64.00 KiB.\n");
  EXPECT_EQ(r.err, "  Insufficient suitable allocatable extents for logical volume s2: 4 more required\n");
  r = run({"nosuchcommand"});
  EXPECT_EQ(r.rc, 3);
}

TEST_F(LvmApiCommands, VgcfgrestoreBringsBackAnEarlierVersion) {
  std::string a = file("a.img", 64 << 20);
  std::string devs = "--devices=" + a;
  ASSERT_EQ(run({"vgcreate", devs, "vg0", a}).rc, 0);
  ASSERT_EQ(run({"lvcreate", devs, "-an", "-L", "8m", "-n", "keep", "vg0"}).rc, 0);
  auto r = run({"vgcfgbackup", devs, "-f", dir_ + "/saved.vg", "vg0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  ASSERT_EQ(run({"lvremove", devs, "-y", "vg0/keep"}).rc, 0);
  EXPECT_EQ(run({"lvs", devs, "--noheadings", "-o", "lv_name"}).out, "");
  r = run({"vgcfgrestore", devs, "-f", dir_ + "/saved.vg", "vg0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "  Restored volume group vg0.\n");
  EXPECT_EQ(run({"lvs", devs, "--noheadings", "-o", "lv_name"}).out, "  keep\n");
  // The archive holds every earlier version.
  r = run({"vgcfgrestore", devs, "--list", "vg0"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("vg0_00002"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace udm::lvm::api

#include "lvm/api/lvm.hpp"

namespace udm::lvm::api {
namespace {

using LvmApiFacade = TempDir;

TEST_F(LvmApiFacade, TypedCallsAndRows) {
  std::string a = file("a.img", 64 << 20), b = file("b.img", 64 << 20);
  Lvm lvm({a, b});
  ASSERT_TRUE(lvm.vgcreate("vg0", {a, b}, "2m"));
  ASSERT_TRUE(lvm.lvcreate({.vg = "vg0", .name = "lin", .size = "10m", .activate = false}));
  ASSERT_TRUE(lvm.lvcreate({.vg = "vg0", .name = "str", .extents = "4", .stripes = 2, .stripe_size = "16k", .activate = false}));
  ASSERT_TRUE(lvm.lvresize("vg0", "lin", "+2", true));
  auto lvs = lvm.lvs("vg0");
  ASSERT_TRUE(lvs) << lvs.error().message;
  ASSERT_EQ(lvs->size(), 2u);
  EXPECT_EQ((*lvs)[0].name, "lin");
  EXPECT_EQ((*lvs)[0].size_bytes, 14u << 20);
  EXPECT_EQ((*lvs)[0].segtype, "linear");
  EXPECT_EQ((*lvs)[0].devices, a + "(0)," + a + "(7)");  // extended after str's area
  EXPECT_EQ((*lvs)[0].segments, 2u);
  EXPECT_EQ((*lvs)[1].segtype, "striped");
  EXPECT_EQ((*lvs)[1].devices, a + "(5)," + b + "(0)");
  EXPECT_FALSE((*lvs)[0].active);
  auto vgs = lvm.vgs();
  ASSERT_TRUE(vgs);
  ASSERT_EQ(vgs->size(), 1u);
  EXPECT_EQ((*vgs)[0].extent_bytes, 2u << 20);
  EXPECT_EQ((*vgs)[0].lvs, 2u);
  EXPECT_EQ((*vgs)[0].seqno, 4u);
  auto pvs = lvm.pvs();
  ASSERT_TRUE(pvs);
  ASSERT_EQ(pvs->size(), 2u);
  EXPECT_EQ((*pvs)[0].pe_start_bytes, 1u << 20);
  EXPECT_EQ((*pvs)[0].size_bytes + (*pvs)[1].size_bytes, (*vgs)[0].size_bytes);

  // Rows come from the typed report, with lvs' own refusal of unknown VGs.
  auto none = lvm.lvs("nope");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, EIO);
  EXPECT_EQ(none.error().message, "Volume group \"nope\" not found");
  ASSERT_TRUE(lvm.lvcreate({.vg = "vg0", .name = "z", .size = "8m", .type = "zero", .activate = false}));
  auto with_zero = lvm.lvs("vg0");
  ASSERT_TRUE(with_zero);
  ASSERT_EQ(with_zero->size(), 3u);
  EXPECT_EQ((*with_zero)[2].segtype, "zero");
  EXPECT_EQ((*with_zero)[2].attr.substr(0, 1), "v");
  EXPECT_EQ((*with_zero)[2].devices, "");
  ASSERT_TRUE(lvm.lvremove("vg0", "z"));

  auto bad = lvm.lvcreate({.vg = "vg0", .name = "lin", .size = "4m", .activate = false});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, EIO);
  EXPECT_EQ(bad.error().message, "Logical Volume \"lin\" already exists in volume group \"vg0\"");
  auto usage = lvm.lvcreate({.vg = "vg0", .name = "bad name", .size = "4m", .activate = false});
  ASSERT_FALSE(usage);
  EXPECT_EQ(usage.error().code, EINVAL);
  ASSERT_TRUE(lvm.lvrename("vg0", "lin", "lin2"));
  ASSERT_TRUE(lvm.lvremove("vg0", "lin2"));
  ASSERT_TRUE(lvm.vgremove("vg0", true));
  EXPECT_TRUE(lvm.vgs()->empty());
}

}  // namespace
}  // namespace udm::lvm::api

// The run-state record (run_state.hpp) and its restore (device_restore.hpp).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "abi/codec.hpp"
#include "abi/frame.hpp"
#include "core/device_registry.hpp"
#include "core/target_registry.hpp"
#include "daemon/daemon.hpp"
#include "daemon/device_restore.hpp"
#include "daemon/run_state.hpp"
#include "in_process.hpp"

namespace udm::daemon {
namespace {

namespace fs = std::filesystem;

class RunStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/udm-run-state-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name, std::uintmax_t bytes = 4 << 20) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p).close();
    fs::resize_file(p, bytes);
    return p;
  }
  std::string read(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  std::vector<std::string> entries() {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string dir_;
  Log log_{std::tmpfile(), true};
};

std::vector<std::string> records_in(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

DeviceRecord bare(const std::string& name, std::uint32_t minor) {
  DeviceRecord d;
  d.name = name;
  d.devno = {252, minor};
  return d;
}

TableRecord table(bool ro, std::vector<core::TableLine> lines) { return TableRecord{ro, std::move(lines)}; }

RunState sample() {
  RunState s;
  s.writer = "udmd";
  DeviceRecord a;
  a.name = "a";
  a.uuid = "LVM-abc";
  a.devno = {252, 7};
  a.event_nr = 42;
  a.suspended = true;
  a.live = table(false, {{0, 8, "zero", "", 0}, {8, 8, "error", "", 0}});
  a.inactive = table(true, {{0, 16, "linear", "/srv/with space\\ x 0", 0}});
  DeviceRecord b;
  b.name = std::string("b\xff\x01ü");  // device names are bytes, not always UTF-8
  b.devno = {252, 0};
  s.devices = {a, b};
  return s;
}

TEST_F(RunStateTest, RoundTrip) {
  for (const auto& dev : sample().devices) {
    std::string text = encode_device_state(dev);
    auto back = decode_device_state(text);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, dev);
    EXPECT_EQ(encode_device_state(*back), text);
    // Self-describing.
    auto doc = nlohmann::json::parse(text);
    EXPECT_EQ(doc["format"], "udm-device-state");
    EXPECT_EQ(doc["version"], 1);
    EXPECT_TRUE(doc["crc32"].is_number_unsigned());
    EXPECT_TRUE(doc["device"].is_object());
  }
  // The previous single-file layout still round-trips (the upgrade reads it).
  RunState s = sample();
  auto back = decode_run_state(encode_run_state(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->devices, s.devices);
  EXPECT_TRUE(decode_run_state(encode_run_state(RunState{}))->devices.empty());
}

// The direct encoder writes what nlohmann's tree and dump wrote: records
// written by an older udmd compare equal (no rewrite at start) and the
// checksum is over the same bytes. Random names, params and numbers,
// control bytes, quotes, backslashes, UTF-8 and non-UTF-8 bytes included.
TEST_F(RunStateTest, DirectEncoderWritesNlohmannsBytes) {
  std::uint64_t x = 88172645463325252ull;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  auto bytes = [&](std::size_t max) {
    static const std::string pool[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\b", "\f", "\r",
                                       std::string(1, '\0'), "\x01", "\x1f", "\x7f", "ü", "€", "😀", "\xff",
                                       "\xc3", "\xe2\x82", "-", ":"};
    std::string s;
    for (std::size_t n = next() % (max + 1); n > 0; --n) s += pool[next() % std::size(pool)];
    return s;
  };
  for (const auto& dev : sample().devices) EXPECT_EQ(encode_device_state(dev), encode_device_state_nlohmann(dev));
  for (int round = 0; round < 2000; ++round) {
    DeviceRecord d;
    d.name = bytes(12);
    d.uuid = bytes(12);
    d.devno = {UDM_BLOCK_MAJOR, static_cast<std::uint32_t>(next() % (1u << 20))};
    d.event_nr = static_cast<std::uint32_t>(next());
    d.suspended = next() & 1;
    d.deferred_remove = next() & 1;
    auto some_table = [&]() -> std::optional<TableRecord> {
      if (next() % 3 == 0) return std::nullopt;
      TableRecord t;
      t.read_only = next() & 1;
      std::uint64_t start = 0;
      for (std::size_t n = 1 + next() % 3; n > 0; --n) {
        const std::uint64_t len = next() % 4 == 0 ? next() : 1 + next() % 100000;
        t.targets.push_back({start, len, bytes(4), bytes(20), 0});
        start += len;
      }
      return t;
    };
    d.live = some_table();
    d.inactive = some_table();
    ASSERT_EQ(encode_device_state(d), encode_device_state_nlohmann(d)) << round;
  }
}

TEST_F(RunStateTest, FileNames) {
  EXPECT_EQ(device_state_name(7), "7.json");
  EXPECT_EQ(device_state_minor("7.json"), 7u);
  EXPECT_EQ(device_state_minor("0.json"), 0u);
  EXPECT_EQ(device_state_minor("1048575.json"), 1048575u);
  for (const char* n : {"1048576.json", "07.json", ".json", "7.json.bad-20260101T000000Z", "7.json.tmp-1-2",
                        "x.json", "7.jso", "-1.json", "devices.state"})
    EXPECT_FALSE(device_state_minor(n)) << n;
}

TEST_F(RunStateTest, ChecksumCatchesAnyChange) {
  std::string text = encode_device_state(sample().devices[0]);
  std::string changed = text;
  changed.replace(changed.find("\"event_nr\":42"), 13, "\"event_nr\":43");
  auto r = decode_device_state(changed);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("checksum"), std::string::npos) << r.error().message;
  EXPECT_FALSE(decode_device_state(text.substr(0, text.size() / 2)));  // torn
  EXPECT_FALSE(decode_device_state(""));                             // empty (a machine crash)
  EXPECT_FALSE(decode_device_state(std::string(text.size(), '\0')));  // zeroes (likewise)
  EXPECT_FALSE(decode_device_state("[]"));
  EXPECT_FALSE(decode_device_state("{\"format\":\"other\",\"version\":1}"));
  EXPECT_FALSE(decode_device_state(encode_run_state(sample())));  // the whole-set format is not one device
  EXPECT_FALSE(decode_run_state(text));
}

// Re-signs a hand-made document as the encoder would.
std::string signed_doc(nlohmann::json doc) {
  doc.erase("crc32");
  doc["crc32"] = crc32_ieee(doc.dump());
  return doc.dump();
}

TEST_F(RunStateTest, Versions) {
  auto doc = nlohmann::json::parse(encode_device_state(sample().devices[0]));
  doc["version"] = DEVICE_STATE_VERSION + 1;
  auto newer = decode_device_state(signed_doc(doc));
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("format version 2"), std::string::npos) << newer.error().message;
  doc["version"] = 0;
  EXPECT_FALSE(decode_device_state(signed_doc(doc)));
  doc.erase("version");
  EXPECT_FALSE(decode_device_state(signed_doc(doc)));
  // A version-1 device file as the first udmd with this layout wrote it,
  // byte for byte: every later udmd must keep reading it (live upgrade).
  const std::string dev_v1 =
      R"({"crc32":CRC,"device":{"deferred_remove":false,"event_nr":3,"inactive":null,"live":{"read_only":true,)"
      R"("targets":[{"length":8,"params":"","start":0,"type":"zero"}]},"major":252,"minor":2,"name":"old",)"
      R"("suspended":false,"uuid":"U"},"format":"udm-device-state","version":1,"writer":"udmd"})";
  auto with_crc = [](std::string text) {
    std::string body = text;
    body.replace(body.find("\"crc32\":CRC,"), 12, "");
    text.replace(text.find("CRC"), 3, std::to_string(crc32_ieee(body)));
    return text;
  };
  auto one = decode_device_state(with_crc(dev_v1));
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->name, "old");
  EXPECT_EQ(one->event_nr, 3u);
  EXPECT_TRUE(one->live->read_only);
  // And the single-file record of the previous layout (read for the upgrade).
  const std::string v1 =
      R"({"crc32":CRC,"devices":[{"deferred_remove":false,"event_nr":3,"inactive":null,"live":{"read_only":true,)"
      R"("targets":[{"length":8,"params":"","start":0,"type":"zero"}]},"major":252,"minor":2,"name":"old",)"
      R"("suspended":false,"uuid":"U"}],"format":"udm-devices-state","version":1,"writer":"udmd"})";
  auto old = decode_run_state(with_crc(v1));
  ASSERT_TRUE(old) << old.error().message;
  ASSERT_EQ(old->devices.size(), 1u);
  EXPECT_EQ(old->devices[0], *one);
}

TEST_F(RunStateTest, RefusesBadFields) {
  auto base = nlohmann::json::parse(encode_device_state(sample().devices[0]));
  auto refused = [&](auto edit) {
    auto doc = base;
    edit(doc["device"]);
    return !decode_device_state(signed_doc(doc));
  };
  EXPECT_TRUE(refused([](auto& d) { d["major"] = 8; }));
  EXPECT_TRUE(refused([](auto& d) { d["minor"] = 1u << 20; }));
  EXPECT_TRUE(refused([](auto& d) { d["minor"] = -1; }));
  EXPECT_TRUE(refused([](auto& d) { d["name"] = "a/b"; }));
  EXPECT_TRUE(refused([](auto& d) { d["name"] = ""; }));
  EXPECT_TRUE(refused([](auto& d) { d.erase("suspended"); }));
  EXPECT_TRUE(refused([](auto& d) { d["live"]["targets"] = nlohmann::json::array(); }));
  EXPECT_TRUE(refused([](auto& d) { d["live"]["targets"][1]["start"] = 9; }));  // gap
  EXPECT_TRUE(refused([](auto& d) { d["live"]["targets"][0]["length"] = 0; }));
  EXPECT_TRUE(refused([](auto& d) { d["uuid"] = nlohmann::json{{"hex", "zz"}}; }));
  EXPECT_TRUE(refused([](auto& d) { d = nlohmann::json::array(); }));
  EXPECT_FALSE(refused([](auto& d) { d["uuid"] = nlohmann::json{{"hex", "4142"}}; }));
  // The whole-set record refuses duplicates.
  auto set = nlohmann::json::parse(encode_run_state(sample()));
  auto dup = set;
  dup["devices"][1]["minor"] = 7;
  EXPECT_FALSE(decode_run_state(signed_doc(dup)));
  dup = set;
  dup["devices"][1]["name"] = "a";
  EXPECT_FALSE(decode_run_state(signed_doc(dup)));
}

class RecordDirTest : public RunStateTest {
 protected:
  std::string devdir() { return dir_ + "/devices"; }
  std::vector<std::string> records() {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(devdir())) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  void put(std::uint32_t minor, const std::string& bytes) { std::ofstream(devdir() + "/" + device_state_name(minor)) << bytes; }
  // As put, then as a new udmd would read it (a crash tears a file; the
  // process that wrote it is gone).
  void replace(std::uint32_t minor, const std::string& bytes) {
    put(minor, bytes);
    forget_device_state_slots();
  }
};

TEST_F(RecordDirTest, AtomicWriteAndLoad) {
  RunState s = sample();
  auto fd = open_device_state_dir(dir_);
  ASSERT_TRUE(fd) << fd.error().message;
  for (const auto& d : s.devices) ASSERT_TRUE(write_device_state(*fd, d.devno.minor, encode_device_state(d)));
  EXPECT_EQ(records(), (std::vector<std::string>{"0.json", "7.json"}));  // no temp file left
  auto loaded = load_run_state(dir_);
  EXPECT_TRUE(loaded.found);
  EXPECT_TRUE(loaded.set_aside.empty());
  ASSERT_EQ(loaded.state.devices.size(), 2u);
  EXPECT_EQ(loaded.state.devices[0], s.devices[1]);  // by minor
  EXPECT_EQ(loaded.state.devices[1], s.devices[0]);
  EXPECT_EQ(*decode_device_state(loaded.files.at(7)), s.devices[0]);

  // A writer killed before its rename: the temp file is there, half written,
  // and the record is the old one.
  { std::ofstream(devdir() + "/7.json.tmp-99999-0") << "{\"format\":\"udm-dev"; }
  loaded = load_run_state(dir_);
  EXPECT_TRUE(loaded.set_aside.empty());
  EXPECT_EQ(loaded.state.devices.size(), 2u);
  EXPECT_EQ(records(), (std::vector<std::string>{"0.json", "7.json"}));  // stale temp removed

  // Replaced as a whole; removal unlinks.
  DeviceRecord changed = s.devices[0];
  changed.event_nr = 99;
  ASSERT_TRUE(write_device_state(*fd, 7, encode_device_state(changed)));
  ASSERT_TRUE(remove_device_state(*fd, 0));
  ASSERT_TRUE(remove_device_state(*fd, 0));  // absent is fine
  loaded = load_run_state(dir_);
  ASSERT_EQ(loaded.state.devices.size(), 1u);
  EXPECT_EQ(loaded.state.devices[0], changed);
  ::close(*fd);
}

// An update that fits in a slot is written in place (into the older of two
// slots); a bigger one goes through a new file and a rename.
TEST_F(RecordDirTest, UpdatesInPlaceWhenSmall) {
  auto fd = open_device_state_dir(dir_);
  ASSERT_TRUE(fd);
  DeviceRecord d = sample().devices[0];
  ASSERT_TRUE(write_device_state(*fd, 7, encode_device_state(d)));
  const std::string path = devdir() + "/7.json";
  struct stat st0{}, st1{};
  ASSERT_EQ(::stat(path.c_str(), &st0), 0);
  DeviceRecord shorter = d;
  shorter.inactive.reset();
  ASSERT_TRUE(write_device_state(*fd, 7, encode_device_state(shorter)));
  ASSERT_EQ(::stat(path.c_str(), &st1), 0);
  EXPECT_EQ(st1.st_ino, st0.st_ino);    // same file
  EXPECT_EQ(st1.st_size, st0.st_size);  // two whole slots
  EXPECT_EQ(st1.st_size, (off_t)(2 * DEVICE_STATE_SLOT));
  auto back = decode_device_state(read(path));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, shorter);
  EXPECT_EQ(load_run_state(dir_).state.devices, std::vector<DeviceRecord>{shorter});
  DeviceRecord big = d;
  for (int i = 0; i < 200; ++i) big.live->targets.push_back({16 + 8u * i, 8, "zero", "", 0});
  ASSERT_TRUE(write_device_state(*fd, 7, encode_device_state(big)));
  ASSERT_EQ(::stat(path.c_str(), &st1), 0);
  EXPECT_NE(st1.st_ino, st0.st_ino);  // renamed over
  EXPECT_EQ(*decode_device_state(read(path)), big);
  EXPECT_EQ(records(), std::vector<std::string>{"7.json"});
  ::close(*fd);
}

// A crash of the machine tearing an update's write spoils one slot; the
// other holds the record one change older, and that is what loads and
// restores: nothing is set aside. Updates keep alternating slots.
TEST_F(RecordDirTest, TornSlotLeavesTheOtherSlotsRecord) {
  auto fd = open_device_state_dir(dir_);
  ASSERT_TRUE(fd);
  DeviceRecord a = sample().devices[0], b = a, c = a;
  b.event_nr = 2;
  c.event_nr = 3;
  c.suspended = !a.suspended;
  const std::string path = devdir() + "/7.json";
  ASSERT_TRUE(write_device_state(*fd, 7, encode_device_state(a)));  // slot 0, seq 1
  ASSERT_TRUE(write_device_state(*fd, 7, encode_device_state(b)));  // slot 1, seq 2
  ASSERT_TRUE(write_device_state(*fd, 7, encode_device_state(c)));  // slot 0, seq 3
  EXPECT_EQ(*decode_device_state(read(path)), c);
  const std::string whole = read(path);

  // Slot 0 (c) torn: its second half is still old bytes (or zeroes).
  for (char fill : {'\0', 'x'}) {
    std::string torn = whole;
    std::fill(torn.begin() + 300, torn.begin() + DEVICE_STATE_SLOT, fill);
    replace(7, torn);
    auto loaded = load_run_state(dir_);
    EXPECT_TRUE(loaded.set_aside.empty());
    ASSERT_EQ(loaded.state.devices.size(), 1u);
    EXPECT_EQ(loaded.state.devices[0], b);
    // The next update goes over the torn slot, not over b.
    ASSERT_TRUE(write_device_state(*fd, 7, encode_device_state(a)));
    EXPECT_EQ(*decode_device_state(read(path)), a);
    std::string after = read(path);
    EXPECT_EQ(after.substr(DEVICE_STATE_SLOT), torn.substr(DEVICE_STATE_SLOT));  // b's slot untouched
  }
  // Slot 1 torn instead: slot 0's record stands.
  std::string torn = whole;
  torn[DEVICE_STATE_SLOT + 40] ^= 1;
  replace(7, torn);
  EXPECT_EQ(load_run_state(dir_).state.devices, std::vector<DeviceRecord>{c});
  // Both torn: set aside, as any unreadable record.
  torn[40] ^= 1;
  replace(7, torn);
  auto loaded = load_run_state(dir_);
  EXPECT_TRUE(loaded.state.devices.empty());
  EXPECT_EQ(loaded.set_aside.size(), 1u);
  ::close(*fd);
}

// An older udmd's one-document record (updated in place, padded) reads, and
// its next update makes it two slots.
TEST_F(RecordDirTest, OneDocumentRecordBecomesTwoSlots) {
  auto fd = open_device_state_dir(dir_);
  ASSERT_TRUE(fd);
  DeviceRecord a = sample().devices[0], b = a;
  b.event_nr = 42;
  std::string doc = encode_device_state(a);
  doc.insert(doc.size() - 1, std::string(100, ' '));
  put(7, doc);
  EXPECT_EQ(load_run_state(dir_).state.devices, std::vector<DeviceRecord>{a});
  ASSERT_TRUE(write_device_state(*fd, 7, encode_device_state(b)));
  EXPECT_EQ(fs::file_size(devdir() + "/7.json"), 2 * DEVICE_STATE_SLOT);
  EXPECT_EQ(load_run_state(dir_).state.devices, std::vector<DeviceRecord>{b});
  ::close(*fd);
}

TEST_F(RecordDirTest, WriteRefusesSymlinkedTemp) {
  // O_EXCL | O_NOFOLLOW: a planted name is never written through.
  std::string victim = file("victim", 0);
  auto fd = open_device_state_dir(dir_);
  ASSERT_TRUE(fd);
  // The next temp name is unknown to an attacker in general; plant the whole
  // set this process could use next and check the write fails rather than follows.
  for (int i = 0; i < 256; ++i)
    fs::create_symlink(victim, devdir() + "/3.json.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(i));
  for (int i = 0; i < 8; ++i) {
    auto r = write_device_state(*fd, 3, "x");
    if (!r) {
      EXPECT_EQ(r.error().code, EEXIST);
    }
  }
  EXPECT_EQ(read(victim), "");
  ::close(*fd);
  // The directory itself is never followed through a symlink either.
  fs::remove_all(devdir());
  fs::create_directory(dir_ + "/elsewhere");
  fs::create_directory_symlink(dir_ + "/elsewhere", devdir());
  EXPECT_FALSE(open_device_state_dir(dir_));
}

TEST_F(RecordDirTest, MissingRecordIsEmpty) {
  auto loaded = load_run_state(dir_);
  EXPECT_FALSE(loaded.found);
  EXPECT_TRUE(loaded.set_aside.empty());
  EXPECT_TRUE(loaded.state.devices.empty());
}

// A bad file (torn or emptied by a machine crash, a bad checksum, a minor
// other than its name's, a name a lower minor has) is kept aside byte for
// byte; every other device still loads.
TEST_F(RecordDirTest, BadRecordIsKeptAsideOthersLoad) {
  ASSERT_TRUE(open_device_state_dir(dir_));
  RunState s = sample();
  DeviceRecord c = s.devices[1];
  c.name = "c";
  c.devno.minor = 3;
  DeviceRecord dup = c;
  dup.devno.minor = 4;  // name "c" again
  std::string corrupt = encode_device_state(s.devices[0]);
  corrupt[corrupt.find("zero")] = 'Z';
  put(0, encode_device_state(s.devices[1]));
  put(7, corrupt);
  put(3, encode_device_state(c));
  put(4, encode_device_state(dup));
  put(5, "");                                       // empty
  put(6, encode_device_state(c).substr(0, 40));     // torn
  put(8, encode_device_state(s.devices[1]));        // records minor 0
  auto loaded = load_run_state(dir_);
  EXPECT_TRUE(loaded.found);
  ASSERT_EQ(loaded.state.devices.size(), 2u);
  EXPECT_EQ(loaded.state.devices[0], s.devices[1]);
  EXPECT_EQ(loaded.state.devices[1], c);
  ASSERT_EQ(loaded.set_aside.size(), 5u);
  std::vector<std::string> kept;
  for (const auto& a : loaded.set_aside) {
    ASSERT_FALSE(a.path.empty()) << a.problem.message;
    kept.push_back(fs::path(a.path).filename().string());
  }
  for (std::string m : {"4", "5", "6", "7", "8"})
    EXPECT_TRUE(std::any_of(kept.begin(), kept.end(), [&](auto& k) { return k.starts_with(m + ".json.bad-"); })) << m;
  EXPECT_NE(loaded.set_aside[0].problem.message.find("is recorded by a lower minor"), std::string::npos)
      << loaded.set_aside[0].problem.message;
  EXPECT_NE(loaded.set_aside[3].problem.message.find("checksum"), std::string::npos);
  EXPECT_NE(loaded.set_aside[3].problem.message.find("devices/7.json"), std::string::npos);
  EXPECT_EQ(read(loaded.set_aside[3].path), corrupt);  // byte for byte
  EXPECT_FALSE(fs::exists(devdir() + "/7.json"));
  // A second bad record in the same second does not overwrite the first.
  put(7, "garbage");
  auto again = load_run_state(dir_);
  ASSERT_EQ(again.set_aside.size(), 1u);
  EXPECT_NE(again.set_aside[0].path, loaded.set_aside[3].path);
  EXPECT_EQ(read(loaded.set_aside[3].path), corrupt);
  EXPECT_EQ(again.state.devices.size(), 2u);
}

// A run directory of the previous layout (<rundir>/devices.state): its
// devices replace the per-device files, and it goes.
TEST_F(RecordDirTest, UpgradesSingleFileRecord) {
  RunState s = sample();
  ASSERT_TRUE(open_device_state_dir(dir_));
  put(5, encode_device_state(bare("stale", 5)));  // older than devices.state
  { std::ofstream(dir_ + "/devices.state") << encode_run_state(s); }
  { std::ofstream(dir_ + "/devices.state.tmp-99999-0") << "{"; }
  auto loaded = load_run_state(dir_);
  EXPECT_TRUE(loaded.found);
  EXPECT_TRUE(loaded.upgraded);
  EXPECT_TRUE(loaded.set_aside.empty());
  ASSERT_EQ(loaded.state.devices.size(), 2u);
  EXPECT_EQ(loaded.state.devices[0], s.devices[1]);
  EXPECT_EQ(loaded.state.devices[1], s.devices[0]);
  EXPECT_FALSE(fs::exists(dir_ + "/devices.state"));
  EXPECT_FALSE(fs::exists(dir_ + "/devices.state.tmp-99999-0"));
  EXPECT_EQ(records(), (std::vector<std::string>{"0.json", "7.json"}));
  // Once only: the next start reads the per-device files.
  auto next = load_run_state(dir_);
  EXPECT_FALSE(next.upgraded);
  EXPECT_EQ(next.state.devices, loaded.state.devices);

  // An unreadable single file is kept aside; the per-device files still load.
  { std::ofstream(dir_ + "/devices.state") << "{\"format\":\"udm-devices-state\",\"version\":1,\"devices\":[],\"crc32\":1}"; }
  auto bad = load_run_state(dir_);
  EXPECT_FALSE(bad.upgraded);
  ASSERT_EQ(bad.set_aside.size(), 1u);
  EXPECT_TRUE(bad.set_aside[0].path.starts_with(dir_ + "/devices.state.bad-")) << bad.set_aside[0].path;
  EXPECT_NE(bad.set_aside[0].problem.message.find("checksum"), std::string::npos);
  EXPECT_EQ(bad.state.devices.size(), 2u);
}

// --- restore into a registry --------------------------------------------------

class RestoreTest : public RunStateTest {
 protected:
  void SetUp() override {
    RunStateTest::SetUp();
    targets::register_builtin_targets(targets_);
  }

  core::MappedDevicePtr make(core::DeviceRegistry& reg, const std::string& name,
                             std::vector<core::TableLine> lines, bool ro = false) {
    auto d = reg.create(name, "", std::nullopt);
    EXPECT_TRUE(d) << d.error().message;
    if (!d) return nullptr;
    if (!lines.empty()) {
      for (unsigned i = 0; i < lines.size(); ++i) lines[i].line_no = i + 1;
      auto t = reg.build_table(lines, ro, **d);
      EXPECT_TRUE(t) << name << ": " << t.error().message;
      if (!t) return *d;
      (*d)->load(std::move(*t));
      EXPECT_TRUE((*d)->resume());
    }
    return *d;
  }

  core::TargetRegistry targets_;
};

// Every target's table text (STATUSTYPE_TABLE) is accepted back by its
// constructor and prints the same again.
TEST_F(RestoreTest, EveryTargetsTableParsesBack) {
  std::string a = file("a.img"), b = file("b.img");
  RunState before;
  {
    core::DeviceRegistry reg(targets_);
    make(reg, "linear", {{0, 2048, "linear", a + " 0"}});
    make(reg, "striped", {{0, 2048, "striped", "2 64 " + a + " 2048 " + b + " 0"}});
    make(reg, "zero", {{0, 100, "zero", ""}});
    make(reg, "error", {{0, 100, "error", ""}});
    make(reg, "delay", {{0, 512, "delay", a + " 8 0 " + b + " 16 5 " + a + " 0 1"}});
    make(reg, "flakey", {{0, 512, "flakey", b + " 0 10 2 3 drop_writes random_read_corrupt 1000"}});
    make(reg, "flakey2", {{0, 512, "flakey", b + " 0 10 2 5 corrupt_bio_byte 32 r 1 0"}});
    make(reg, "dust", {{0, 512, "dust", a + " 0 4096"}});
    make(reg, "multi", {{0, 8, "zero", ""}, {8, 16, "linear", b + " 100"}, {24, 8, "error", ""}});
    before = capture_run_state(reg);
    ASSERT_EQ(before.devices.size(), 9u);
    for (auto& d : before.devices) EXPECT_TRUE(d.live) << d.name << " has no table";
  }
  core::DeviceRegistry reg(targets_);
  auto report = restore_run_state(reg, before, log_);
  EXPECT_EQ(report.devices, 9u);
  EXPECT_EQ(report.failures, 0u);
  EXPECT_EQ(capture_run_state(reg).devices, before.devices);
}

TEST_F(RestoreTest, StackedSuspendedReadOnlyAndEvents) {
  std::string a = file("a.img");
  RunState before;
  {
    core::DeviceRegistry reg(targets_);
    // "top" gets the lower minor, so minor order is not dependency order.
    auto top = make(reg, "top", {});
    auto mid = make(reg, "mid", {});
    auto base = make(reg, "base", {{0, 4096, "linear", a + " 0"}});
    auto t = reg.build_table(std::vector<core::TableLine>{{0, 2048, "linear", "252:2 1024", 1}}, false, *mid);
    ASSERT_TRUE(t);
    mid->load(std::move(*t));
    ASSERT_TRUE(mid->resume());
    t = reg.build_table(std::vector<core::TableLine>{{0, 1024, "linear", "252:1 0", 1}}, true, *top);
    ASSERT_TRUE(t);
    top->load(std::move(*t));
    ASSERT_TRUE(top->resume());
    auto susp = make(reg, "susp", {{0, 8, "zero", ""}});
    ASSERT_TRUE(susp->suspend(false));
    t = reg.build_table(std::vector<core::TableLine>{{0, 16, "error", "", 1}}, true, *susp);
    ASSERT_TRUE(t);
    susp->load(std::move(*t));
    make(reg, "notable", {});
    for (int i = 0; i < 5; ++i) base->raise_event();
    ASSERT_TRUE(reg.rename(susp, "susp2"));  // an event too
    before = capture_run_state(reg);
  }
  ASSERT_EQ(before.devices.size(), 5u);
  core::DeviceRegistry reg(targets_);
  auto report = restore_run_state(reg, before, log_);
  EXPECT_EQ(report.failures, 0u);
  auto after = capture_run_state(reg);
  EXPECT_EQ(after.devices, before.devices);
  auto top = reg.find_by_name("top");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->devno(), (DevNo{252, 0}));
  EXPECT_TRUE(top->read_only());
  EXPECT_EQ(top->size(), 1024u * 512);
  EXPECT_EQ(reg.find_by_name("base")->info(false).event_nr, 5u);
  auto susp = reg.find_by_name("susp2");
  EXPECT_TRUE(susp->info(false).suspended);
  EXPECT_TRUE(susp->info(false).inactive_present);
  EXPECT_EQ(susp->info(false).event_nr, 1u);
  EXPECT_EQ(reg.find_by_name("mid")->info(false).open_count, 1);  // held by top
}

TEST_F(RestoreTest, DeviceWhoseBackingIsGoneComesBackWithoutTable) {
  std::string a = file("a.img"), gone = file("gone.img");
  RunState before;
  {
    core::DeviceRegistry reg(targets_);
    make(reg, "ok", {{0, 8, "linear", a + " 0"}});
    make(reg, "lost", {{0, 8, "linear", gone + " 0"}});
    make(reg, "z", {{0, 8, "zero", ""}});
    before = capture_run_state(reg);
  }
  fs::remove(gone);
  core::DeviceRegistry reg(targets_);
  auto report = restore_run_state(reg, before, log_);
  EXPECT_EQ(report.devices, 3u);
  EXPECT_EQ(report.failures, 1u);
  ASSERT_TRUE(reg.find_by_name("lost"));
  EXPECT_FALSE(reg.find_by_name("lost")->info(false).live_present);
  EXPECT_TRUE(reg.find_by_name("ok")->info(false).live_present);
  EXPECT_TRUE(reg.find_by_name("z")->info(false).live_present);
}

TEST_F(RestoreTest, RecorderWritesOnlyTheDeviceACommandNamed) {
  core::DeviceRegistry reg(targets_);
  StateRecorder rec(dir_, reg, log_);
  rec.start({});
  EXPECT_EQ(rec.writes(), 0u);
  auto by_name = [](const std::string& n) {
    StateChange c;
    c.names = {n};
    return c;
  };
  for (int i = 0; i < 100; ++i) {
    make(reg, "d" + std::to_string(i), {{0, 8, "zero", ""}});
    rec.record(by_name("d" + std::to_string(i)));
  }
  EXPECT_EQ(rec.writes(), 100u);
  const std::string f42 = dir_ + "/devices/42.json";
  ASSERT_TRUE(fs::exists(f42));
  auto t0 = fs::last_write_time(f42) - std::chrono::hours(1);
  fs::last_write_time(f42, t0);
  rec.record(by_name("d42"));  // nothing changed: no write
  EXPECT_EQ(rec.writes(), 100u);
  EXPECT_EQ(fs::last_write_time(f42), t0);

  // One device changed among 100: one file written.
  auto d42 = reg.find_by_name("d42");
  d42->raise_event();
  rec.record(by_name("d42"));
  EXPECT_EQ(rec.writes(), 101u);
  EXPECT_NE(fs::last_write_time(f42), t0);
  // Renamed: its file only, found under its old name.
  ASSERT_TRUE(reg.rename(d42, "renamed"));
  rec.record(by_name("d42"));
  EXPECT_EQ(rec.writes(), 102u);
  EXPECT_EQ(decode_device_state(read(f42))->name, "renamed");
  // Removed: found under its (new) name in the record, unlinked.
  ASSERT_TRUE(reg.remove(reg.find_by_name("renamed"), false));
  rec.record(by_name("renamed"));
  EXPECT_EQ(rec.writes(), 103u);
  EXPECT_FALSE(fs::exists(f42));
  // By device number only (a request naming the device by dev).
  reg.find_by_name("d7")->raise_event();
  StateChange by_dev;
  by_dev.minors = {7};
  rec.record(by_dev);
  EXPECT_EQ(rec.writes(), 104u);
  EXPECT_EQ(decode_device_state(read(dir_ + "/devices/7.json"))->event_nr, 1u);

  // remove_all: every file.
  reg.remove_all(false);
  StateChange all;
  all.all = true;
  rec.record(all);
  EXPECT_EQ(rec.writes(), 203u);
  EXPECT_TRUE(records_in(dir_ + "/devices").empty());
}

// Under a Hold (the control server's group commit) the changes of several
// commands are noted, and each device is written once when it is flushed.
TEST_F(RestoreTest, HoldWritesEachDeviceOnceAtItsFlush) {
  core::DeviceRegistry reg(targets_);
  StateRecorder rec(dir_, reg, log_);
  rec.start({});
  auto by_name = [](const std::string& n) {
    StateChange c;
    c.names = {n};
    return c;
  };
  {
    StateRecorder::Hold hold;
    auto d0 = make(reg, "d0", {{0, 8, "zero", ""}});
    rec.record(by_name("d0"));
    d0->raise_event();
    rec.record(by_name("d0"));
    d0->raise_event();
    rec.record(by_name("d0"));
    make(reg, "d1", {});
    rec.record(by_name("d1"));
    EXPECT_EQ(rec.writes(), 0u);
    EXPECT_TRUE(records_in(dir_ + "/devices").empty());
    hold.flush();
    EXPECT_EQ(rec.writes(), 2u);
    EXPECT_EQ(decode_device_state(read(dir_ + "/devices/0.json"))->event_nr, 2u);
    ASSERT_TRUE(reg.remove(reg.find_by_name("d1"), false));
    rec.record(by_name("d1"));
    EXPECT_EQ(rec.writes(), 2u);
  }  // the end of the hold flushes too
  EXPECT_EQ(rec.writes(), 3u);
  EXPECT_FALSE(fs::exists(dir_ + "/devices/1.json"));
  rec.record(by_name("d0"));  // no hold: written at once (nothing changed here)
  reg.find_by_name("d0")->raise_event();
  rec.record(by_name("d0"));
  EXPECT_EQ(rec.writes(), 4u);
}

// A crypt key never reaches the disk: the device holding it is not recorded
// (nor is it when only its inactive table has a key), the others are.
TEST_F(RestoreTest, DevicesHoldingKeysAreNotRecorded) {
  const std::string key = std::string(32, 'a') + std::string(32, 'b');  // XTS halves must differ
  std::string a = file("a.img");
  core::DeviceRegistry reg(targets_);
  StateRecorder rec(dir_, reg, log_);
  rec.start({});
  make(reg, "plain", {{0, 8, "zero", ""}});
  make(reg, "secret", {{0, 2048, "crypt", "aes-xts-plain64 " + key + " 0 " + a + " 0"}});
  auto later = make(reg, "later", {{0, 8, "zero", ""}});
  StateChange all;
  all.all = true;
  rec.record(all);
  EXPECT_EQ(records_in(dir_ + "/devices"), (std::vector<std::string>{"0.json", "2.json"}));
  // A key loaded into the inactive slot of a recorded device drops its record.
  std::vector<core::TableLine> lines{{0, 2048, "crypt", "aes-xts-plain64 " + key + " 0 " + a + " 0", 1}};
  auto t = reg.build_table(lines, false, *later);
  ASSERT_TRUE(t) << t.error().message;
  later->load(std::move(*t));
  rec.record(all);
  EXPECT_EQ(records_in(dir_ + "/devices"), (std::vector<std::string>{"0.json"}));
  for (const auto& e : fs::directory_iterator(dir_ + "/devices"))
    EXPECT_EQ(read(e.path().string()).find(key), std::string::npos) << e.path();
  auto state = capture_run_state(reg);
  ASSERT_EQ(state.devices.size(), 1u);
  EXPECT_EQ(state.devices[0].name, "plain");
}

TEST_F(RestoreTest, RecorderStartBringsFilesInStep) {
  core::DeviceRegistry reg(targets_);
  make(reg, "a", {{0, 8, "zero", ""}});
  make(reg, "b", {});
  auto fd = open_device_state_dir(dir_);
  ASSERT_TRUE(fd);
  std::string a_rec = encode_device_state(capture_device(*reg.find_by_name("a")));
  ASSERT_TRUE(write_device_state(*fd, 0, a_rec));
  ASSERT_TRUE(write_device_state(*fd, 9, encode_device_state(bare("gone", 9))));
  ::close(*fd);
  StateRecorder rec(dir_, reg, log_);
  rec.start({{0, a_rec}, {9, encode_device_state(bare("gone", 9))}});
  EXPECT_EQ(rec.writes(), 2u);  // b written, 9 removed, a as it was
  EXPECT_EQ(records_in(dir_ + "/devices"), (std::vector<std::string>{"0.json", "1.json"}));
}

// The hookup in udmd: every changing command (table load and clear too) is
// recorded before its reply; a stop keeps the record and the next daemon on
// the run directory restores it before it listens.
// One command to an in-process daemon, as a client's frame would carry it.
std::uint32_t send(Daemon& d, abi::Command cmd, const std::string& name, std::uint32_t flags = 0,
                   const std::vector<abi::TargetSpecText>& table = {}) {
  abi::Header h;
  h.version = {4, 0, 0};
  h.name = name;
  h.flags = flags;
  h.target_count = static_cast<std::uint32_t>(table.size());
  abi::Bytes payload;
  if (!table.empty()) payload = *abi::encode_load_specs(table);
  auto req = abi::encode_request(h, payload, 16384);
  ConnectionState conn;
  return d.dispatcher().handle(cmd, *req, conn).error;
}

TEST_F(RunStateTest, DaemonRecordsEveryChangeAndRestoresAtStart) {
  DaemonOptions opts;
  opts.rundir = dir_ + "/run";
  opts.fuse = false;
  opts.nbd = false;
  auto recorded = [&] {
    auto l = load_run_state(opts.rundir);
    EXPECT_TRUE(l.set_aside.empty());
    return l.state;
  };
  {
    auto d = Daemon::start(opts, log_);
    ASSERT_TRUE(d) << d.error().message;
    ASSERT_EQ(send(**d, abi::CMD_DEV_CREATE, "a"), 0u);
    ASSERT_EQ(recorded().devices.size(), 1u);
    ASSERT_EQ(send(**d, abi::CMD_TABLE_LOAD, "a", 0, {{0, 8, "zero", "", 0}}), 0u);
    ASSERT_TRUE(recorded().devices[0].inactive);  // load alone is recorded
    ASSERT_EQ(send(**d, abi::CMD_DEV_SUSPEND, "a"), 0u);  // resume
    ASSERT_TRUE(recorded().devices[0].live);
    ASSERT_EQ(send(**d, abi::CMD_TABLE_LOAD, "a", abi::READONLY_FLAG, {{0, 16, "error", "", 0}}), 0u);
    ASSERT_EQ(send(**d, abi::CMD_TABLE_CLEAR, "a"), 0u);
    EXPECT_FALSE(recorded().devices[0].inactive);  // clear too
    ASSERT_EQ(send(**d, abi::CMD_TABLE_LOAD, "a", abi::READONLY_FLAG, {{0, 16, "error", "", 0}}), 0u);
    ASSERT_EQ(send(**d, abi::CMD_DEV_SUSPEND, "a", abi::SUSPEND_FLAG), 0u);
    ASSERT_EQ(send(**d, abi::CMD_DEV_CREATE, "b"), 0u);
    ASSERT_EQ(send(**d, abi::CMD_DEV_REMOVE, "b"), 0u);
    auto s = recorded();
    ASSERT_EQ(s.devices.size(), 1u);
    EXPECT_TRUE(s.devices[0].suspended);
    (*d)->stop();  // as SIGTERM: the record stays
  }
  auto d = Daemon::start(opts, log_);
  ASSERT_TRUE(d) << d.error().message;
  auto a = (*d)->registry().find_by_name("a");
  ASSERT_TRUE(a);
  auto info = a->info(false);
  EXPECT_TRUE(info.live_present);
  EXPECT_TRUE(info.suspended);
  EXPECT_TRUE(info.inactive_present);
  EXPECT_TRUE(a->info(true).read_only);
  EXPECT_EQ(a->size(), 8u * 512);
  EXPECT_FALSE((*d)->registry().find_by_name("b"));
}

// A client that pipelines: create, load and resume of a device sent in one
// write. When the three replies arrive the record already holds the live
// table (replies never go out before the record of their change).
TEST_F(RunStateTest, PipelinedCommandsAreRecordedBeforeTheirReplies) {
  DaemonOptions opts;
  opts.rundir = dir_ + "/run";
  opts.fuse = false;
  opts.nbd = false;
  auto d = Daemon::start(opts, log_);
  ASSERT_TRUE(d) << d.error().message;
  abi::Bytes frames;
  auto add = [&](abi::Command cmd, std::uint32_t flags, const std::vector<abi::TargetSpecText>& table) {
    abi::Header h;
    h.version = {4, 0, 0};
    h.name = "p";
    h.flags = flags;
    h.target_count = static_cast<std::uint32_t>(table.size());
    abi::Bytes payload;
    if (!table.empty()) payload = *abi::encode_load_specs(table);
    auto req = *abi::encode_request(h, payload, 0);
    abi::FrameHeader fh{abi::FRAME_MAGIC, cmd, static_cast<std::uint32_t>(req.size()), 0};
    const auto* p = reinterpret_cast<const std::uint8_t*>(&fh);
    frames.insert(frames.end(), p, p + sizeof fh);
    frames.insert(frames.end(), req.begin(), req.end());
  };
  add(abi::CMD_DEV_CREATE, 0, {});
  add(abi::CMD_TABLE_LOAD, 0, {{0, 8, "zero", "", 0}});
  add(abi::CMD_DEV_SUSPEND, 0, {});  // resume
  int fd = test::connect_to((*d)->control_path());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(abi::write_all(fd, frames));
  for (int k = 0; k < 3; ++k) {
    auto f = abi::read_frame(fd);
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(f->header.error, 0u);
  }
  auto l = load_run_state(opts.rundir);
  ASSERT_EQ(l.state.devices.size(), 1u);
  EXPECT_TRUE(l.state.devices[0].live);
  EXPECT_FALSE(l.state.devices[0].inactive);
  ::close(fd);
  (*d)->stop();
}

// A daemon killed by a machine crash mid-update: the newest slot of the
// device's record is torn. The next udmd restores the device from the other
// slot (one change older) instead of setting it aside.
TEST_F(RunStateTest, DeviceWithOneTornSlotIsRestored) {
  DaemonOptions opts;
  opts.rundir = dir_ + "/run";
  opts.fuse = false;
  opts.nbd = false;
  std::uint32_t minor = 0;
  {
    auto d = Daemon::start(opts, log_);
    ASSERT_TRUE(d) << d.error().message;
    ASSERT_EQ(send(**d, abi::CMD_DEV_CREATE, "t"), 0u);
    ASSERT_EQ(send(**d, abi::CMD_TABLE_LOAD, "t", 0, {{0, 8, "zero", "", 0}}), 0u);
    ASSERT_EQ(send(**d, abi::CMD_DEV_SUSPEND, "t"), 0u);  // resume: the newest record has a live table
    minor = (*d)->registry().find_by_name("t")->devno().minor;
    (*d)->stop();
  }
  const std::string path = opts.rundir + "/devices/" + device_state_name(minor);
  std::string bytes = read(path);
  ASSERT_EQ(bytes.size(), 2 * DEVICE_STATE_SLOT);
  // Tear whichever slot holds the live table (the newest).
  unsigned newest = bytes.substr(0, DEVICE_STATE_SLOT).find("\"live\":null") == std::string::npos ? 0 : 1;
  std::fill(bytes.begin() + newest * DEVICE_STATE_SLOT + 100, bytes.begin() + (newest + 1) * DEVICE_STATE_SLOT, '\0');
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  auto d = Daemon::start(opts, log_);
  ASSERT_TRUE(d) << d.error().message;
  auto t = (*d)->registry().find_by_name("t");
  ASSERT_TRUE(t);  // restored, not set aside
  auto info = t->info(false);
  EXPECT_FALSE(info.live_present);  // the record before the resume
  EXPECT_TRUE(info.inactive_present);
  bool aside = false;
  for (auto& e : fs::directory_iterator(opts.rundir + "/devices"))
    aside = aside || e.path().filename().string().find(".bad-") != std::string::npos;
  EXPECT_FALSE(aside);
}

}  // namespace
}  // namespace udm::daemon

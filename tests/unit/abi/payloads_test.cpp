#include <gtest/gtest.h>

#include <cstring>

#include "abi/codec.hpp"

using namespace udm::abi;

namespace {
std::uint32_t u32_at(const Bytes& b, std::size_t off) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + off, 4);
  return v;
}
std::uint64_t u64_at(const Bytes& b, std::size_t off) {
  std::uint64_t v;
  std::memcpy(&v, b.data() + off, 8);
  return v;
}
std::vector<NameEntry> names() {
  return {{0xfc00, "a", 3, 0, std::nullopt}, {0xfc01, "bb", 0, 0, std::string("U-1")}};
}
}  // namespace

TEST(NameList, GoldenWithEventTrailer) {
  auto b = encode_name_list(names(), {true, false});
  // "a": align8(12 + 2) = 16, + 8 trailer = 24; "bb": 16 + 8 = 24.
  ASSERT_EQ(b.size(), 48u);
  EXPECT_EQ(name_list_size(names(), {true, false}), 48u);
  EXPECT_EQ(u64_at(b, 0), 0xfc00u);
  EXPECT_EQ(u32_at(b, 8), 24u);  // next from this record
  EXPECT_EQ(b[12], 'a');
  EXPECT_EQ(b[13], 0);
  EXPECT_EQ(u32_at(b, 16), 3u);  // event_nr
  EXPECT_EQ(u32_at(b, 20), 0u);  // flags without UUID_FLAG
  EXPECT_EQ(u32_at(b, 24 + 8), 0u);  // last next
  auto back = decode_name_list(b, true);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].event_nr, 3u);
  EXPECT_EQ((*back)[1].name, "bb");
  EXPECT_FALSE((*back)[1].uuid);
}

TEST(NameList, GoldenWithUuidTrailer) {
  auto b = encode_name_list(names(), {true, true});
  // "a": 16 + 8 (no uuid); "bb": 16 + 8 + align8("U-1\0") = 32.
  ASSERT_EQ(b.size(), 56u);
  EXPECT_EQ(u32_at(b, 20), NAME_LIST_FLAG_DOESNT_HAVE_UUID);
  EXPECT_EQ(u32_at(b, 24 + 20), NAME_LIST_FLAG_HAS_UUID);
  EXPECT_EQ(0, std::memcmp(b.data() + 24 + 24, "U-1", 4));
  auto back = decode_name_list(b, true);
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[1].uuid.value_or(""), "U-1");
  EXPECT_EQ((*back)[0].flags, NAME_LIST_FLAG_DOESNT_HAVE_UUID);
}

TEST(NameList, PreTrailerForm) {
  auto b = encode_name_list(names(), {false, false});
  ASSERT_EQ(b.size(), 32u);
  EXPECT_EQ(u32_at(b, 8), 16u);
  auto back = decode_name_list(b, false);
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[1].name, "bb");
}

TEST(NameList, EmptyAndGarbage) {
  EXPECT_TRUE(decode_name_list({}, true)->empty());
  Bytes zero(8, 0);
  EXPECT_TRUE(decode_name_list(zero, true)->empty());
  auto b = encode_name_list(names(), {true, false});
  EXPECT_FALSE(decode_name_list(std::span(b).first(40), true));  // second trailer cut
  auto loop = b;
  std::uint32_t next = 4;
  std::memcpy(loop.data() + 8, &next, 4);
  EXPECT_FALSE(decode_name_list(loop, true));
  auto noname = b;
  std::memset(noname.data() + 12, 'x', noname.size() - 12);
  EXPECT_FALSE(decode_name_list(noname, true));
}

TEST(Versions, GoldenKernelSizing) {
  std::vector<VersionRecord> r{{"striped", {1, 6, 0}}, {"linear", {1, 4, 0}}};
  auto b = encode_versions(r);
  // The kernel's estimate: (16 + 7 + 1 + 7) + (16 + 6 + 1 + 7).
  EXPECT_EQ(b.size(), 61u);
  EXPECT_EQ(u32_at(b, 0), 24u);  // align8(16 + 8)
  EXPECT_EQ(u32_at(b, 4), 1u);
  EXPECT_EQ(u32_at(b, 8), 6u);
  EXPECT_EQ(0, std::memcmp(b.data() + 16, "striped", 8));
  EXPECT_EQ(u32_at(b, 24), 0u);
  EXPECT_EQ(0, std::memcmp(b.data() + 40, "linear", 7));
  auto back = decode_versions(b);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].name, "linear");
  EXPECT_EQ((*back)[1].version, (CommandVersion{1, 4, 0}));
  EXPECT_FALSE(decode_versions(std::span(b).first(16)));
  auto loop = b;
  std::uint32_t next = 8;
  std::memcpy(loop.data(), &next, 4);
  EXPECT_FALSE(decode_versions(loop));
}

TEST(Deps, RoundTripAndBounds) {
  std::vector<std::uint64_t> devs{0x700, 0xfc03};
  auto b = encode_deps(devs);
  ASSERT_EQ(b.size(), 24u);
  EXPECT_EQ(u32_at(b, 0), 2u);
  EXPECT_EQ(u64_at(b, 16), 0xfc03u);
  EXPECT_EQ(*decode_deps(b), devs);
  EXPECT_FALSE(decode_deps(std::span(b).first(23)));
  EXPECT_FALSE(decode_deps(std::span(b).first(4)));
}

TEST(TargetMsg, RoundTripAndKernelChecks) {
  Header h;
  auto req = *encode_request(h, encode_target_msg({16, "@cancel_deferred_remove"}));
  auto m = decode_target_msg(req, 312);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->sector, 16u);
  EXPECT_EQ(m->message, "@cancel_deferred_remove");
  EXPECT_FALSE(decode_target_msg(req, 300));  // inside the header
  EXPECT_FALSE(decode_target_msg(std::span(req).first(312 + 8), 312));
  EXPECT_FALSE(decode_target_msg(std::span(req).first(req.size() - 1), 312));  // NUL cut off
}

TEST(StringPayload, RoundTripAndKernelChecks) {
  Header h;
  auto req = *encode_request(h, encode_string("newname"));
  EXPECT_EQ(*decode_string(req, 312), "newname");
  EXPECT_FALSE(decode_string(req, 304));
  EXPECT_FALSE(decode_string(std::span(req).first(req.size() - 1), 312));
  EXPECT_FALSE(decode_string(req, static_cast<std::uint32_t>(req.size())));
}

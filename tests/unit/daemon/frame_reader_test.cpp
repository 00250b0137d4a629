// The incremental frame reader: bytes in any pieces, memory only for what
// arrived, bad headers refused once whole.
#include <gtest/gtest.h>

#include <cstring>

#include "daemon/frame_reader.hpp"

namespace udm::daemon {
namespace {

std::vector<std::uint8_t> frame(std::uint32_t size, std::uint32_t magic = abi::FRAME_MAGIC) {
  abi::FrameHeader h{magic, 2, size, 0};
  std::vector<std::uint8_t> out(sizeof h + size);
  std::memcpy(out.data(), &h, sizeof h);
  for (std::uint32_t i = 0; i < size; ++i) out[sizeof h + i] = static_cast<std::uint8_t>(i * 7);
  return out;
}

TEST(FrameReader, AssemblesAFrameFedOneByteAtATime) {
  auto bytes = frame(400);
  FrameReader r;
  EXPECT_FALSE(r.started());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_EQ(r.state() == FrameReader::State::complete, false);
    ASSERT_GE(r.want(), 1u);
    ASSERT_TRUE(r.feed({bytes.data() + i, 1}));
    EXPECT_TRUE(r.started());
  }
  ASSERT_EQ(r.state(), FrameReader::State::complete);
  EXPECT_EQ(r.want(), 0u);
  EXPECT_EQ(r.header().size, 400u);
  auto body = r.take_body();
  EXPECT_EQ(body, std::vector<std::uint8_t>(bytes.begin() + 16, bytes.end()));
  EXPECT_FALSE(r.started());  // ready for the next frame
}

TEST(FrameReader, ADeclaredSizeCostsNothingUntilTheBytesCome) {
  auto bytes = frame(0);
  abi::FrameHeader h{abi::FRAME_MAGIC, 2, abi::MAX_FRAME_SIZE, 0};
  std::memcpy(bytes.data(), &h, sizeof h);
  FrameReader r;
  ASSERT_TRUE(r.feed({bytes.data(), 16}));
  EXPECT_EQ(r.state(), FrameReader::State::body);
  EXPECT_EQ(r.want(), abi::MAX_FRAME_SIZE);
  EXPECT_EQ(r.buffered(), 0u);
  std::vector<std::uint8_t> chunk(1000, 1);
  ASSERT_TRUE(r.feed(chunk));
  EXPECT_LE(r.buffered(), 2000u);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(r.feed(chunk));
  EXPECT_LE(r.buffered(), 2 * 101000u);  // at most twice what arrived
}

TEST(FrameReader, RefusesBadMagicOversizeAndOverfeeding) {
  auto bad = frame(10, 0x12345678);
  FrameReader r;
  auto e = r.feed({bad.data(), 16});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, EINVAL);
  EXPECT_EQ(r.header().command, 2u);  // readable for the error reply

  abi::FrameHeader h{abi::FRAME_MAGIC, 2, abi::MAX_FRAME_SIZE + 1, 0};
  FrameReader big;
  EXPECT_FALSE(big.feed({reinterpret_cast<const std::uint8_t*>(&h), sizeof h}));

  auto ok = frame(4);
  FrameReader over;
  ok.push_back(0);
  EXPECT_FALSE(over.feed(ok));  // more than want(): the next frame's bytes
}

}  // namespace
}  // namespace udm::daemon

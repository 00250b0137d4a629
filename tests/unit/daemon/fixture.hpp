// An in-process dispatcher over a real device registry with the built-in
// targets, and helpers that build requests with the abi codec.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>

#include "abi/codec.hpp"
#include "abi/frame.hpp"
#include "core/device_registry.hpp"
#include "core/target_registry.hpp"
#include "daemon/dispatcher.hpp"

namespace udm::daemon::test {

struct Sent {
  CommandReply reply;
  abi::Header header;  // decoded reply header (when the body has one)
  bool has_header = false;

  std::uint32_t error() const { return reply.error; }
  abi::ByteView payload() const {
    if (reply.body.size() <= abi::PAYLOAD_OFFSET) return {};
    return abi::ByteView(reply.body).subspan(abi::PAYLOAD_OFFSET);
  }
};

class DispatcherTest : public ::testing::Test {
 protected:
  explicit DispatcherTest(std::vector<VersionClaim> claims = {})
      : log_(std::tmpfile(), true), registry_(targets_), dispatcher_(registry_, CommandVersions(claims), log_) {}

  void SetUp() override { targets::register_builtin_targets(targets_); }

  static abi::Header header(std::string name = "", std::uint32_t flags = abi::EXISTS_FLAG) {
    abi::Header h;
    h.version = {4, 0, 0};
    h.name = std::move(name);
    h.flags = flags;
    return h;
  }

  Sent send(std::uint32_t command, const abi::Header& h, abi::ByteView payload = {},
            std::uint32_t size = 16384) {
    auto req = abi::encode_request(h, payload, size);
    EXPECT_TRUE(req);
    return send_raw(command, *req);
  }

  Sent send_raw(std::uint32_t command, abi::ByteView request) {
    Sent s;
    s.reply = dispatcher_.handle(command, request, conn_);
    if (s.reply.error == 0 && s.reply.body.size() >= abi::HEADER_MIN_SIZE) {
      s.header = *abi::decode_header(s.reply.body);
      s.has_header = true;
    }
    return s;
  }

  // create NAME [uuid], load TABLE (lines of "start len type params"), resume.
  void make_device(const std::string& name, const std::vector<abi::TargetSpecText>& table,
                   const std::string& uuid = "") {
    auto h = header(name);
    h.uuid = uuid;
    ASSERT_EQ(send(abi::CMD_DEV_CREATE, h).error(), 0u);
    if (table.empty()) return;
    load(name, table);
    ASSERT_EQ(send(abi::CMD_DEV_SUSPEND, header(name)).error(), 0u);
  }

  Sent load(const std::string& name, const std::vector<abi::TargetSpecText>& table,
            std::uint32_t flags = abi::EXISTS_FLAG) {
    auto h = header(name, flags);
    h.target_count = static_cast<std::uint32_t>(table.size());
    return send(abi::CMD_TABLE_LOAD, h, *abi::encode_load_specs(table));
  }

  Log log_;
  core::TargetRegistry targets_;
  core::DeviceRegistry registry_;
  Dispatcher dispatcher_;
  ConnectionState conn_;
};

}  // namespace udm::daemon::test

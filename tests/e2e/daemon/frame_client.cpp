// udm-frame-client: a frame-level test client for udmd, built on the abi codec.
//
//   udm-frame-client SOCKET check            run every command once and check the replies
//   udm-frame-client SOCKET fuzz N SEED      send N random and mutated frames
//   udm-frame-client SOCKET expect-errno COMMAND ERRNO
//                                            send COMMAND (a command_id), expect ERRNO
//
// Exit 0 when everything matched; otherwise one line on stderr and exit 1.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "abi/codec.hpp"
#include "abi/frame.hpp"
#include "base/devno.hpp"

using namespace udm;
using namespace udm::abi;

namespace {

std::string g_socket;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "udm-frame-client: %s\n", what.c_str());
  std::exit(1);
}

int connect_control(int timeout_ms = 0) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, g_socket.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    die("connect " + g_socket + ": " + std::strerror(errno));
  if (timeout_ms > 0) {
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  return fd;
}

// ------------------------------------------------------------------ check

struct Checker {
  int fd;
  int failures = 0;

  Reply call(std::uint32_t cmd, Header h, ByteView payload = {}, std::uint32_t size = 16384) {
    if (h.version.major == 0) h.version = cmd == CMD_LIST_COMMANDS ? CommandVersion{1, 0, 0} : CommandVersion{4, 0, 0};
    h.flags |= EXISTS_FLAG;
    auto req = encode_request(h, payload, size);
    if (!req) die("encode: " + req.error().message);
    auto r = exchange(fd, cmd, *req);
    if (!r) die("exchange: " + r.error().message);
    return *r;
  }
  Header reply_header(const Reply& r) {
    auto h = decode_header(r.copy_back);
    if (!h) die("reply header: " + h.error().message);
    return *h;
  }
  void expect(bool ok, const std::string& what) {
    if (!ok) {
      std::fprintf(stderr, "check failed: %s\n", what.c_str());
      ++failures;
    }
  }
  void expect_ok(const Reply& r, const std::string& what) {
    expect(r.error == 0, what + ": error " + std::to_string(r.error) + " " + r.message);
  }
};

Header named(const std::string& name, std::uint32_t flags = 0) {
  Header h;
  h.name = name;
  h.flags = flags;
  return h;
}

int run_check() {
  Checker c{connect_control(10000)};
  const std::string sfx = std::to_string(::getpid());
  const std::string a = "chk-a-" + sfx, b = "chk-b-" + sfx, renamed = "chk-c-" + sfx;

  auto r = c.call(CMD_VERSION, {});
  c.expect_ok(r, "version");
  c.expect(r.copy_back.size() == 12, "version returns 12 bytes");
  c.expect(decode_version(r.copy_back).value_or(CommandVersion{}) == CommandVersion{4, 48, 0}, "version 4.48.0");

  r = c.call(CMD_LIST_COMMANDS, {});
  c.expect_ok(r, "list_commands");
  auto recs = decode_versions(ByteView(r.copy_back).subspan(std::min<std::size_t>(PAYLOAD_OFFSET, r.copy_back.size())));
  c.expect(recs && recs->size() == COMMANDS.size(), "list_commands lists every command");

  r = c.call(CMD_DEV_CREATE, named(a));
  c.expect_ok(r, "create " + a);
  c.expect(r.copy_back.size() == HEADER_MIN_SIZE, "create returns 305 bytes");
  c.expect(r.copy_back.size() >= 305 && (c.reply_header(r).flags & EXISTS_FLAG), "create echoes bit 2");
  DevNo devno_a = r.error == 0 ? DevNo::from_huge(c.reply_header(r).dev) : DevNo{};
  c.expect(devno_a.major == UDM_BLOCK_MAJOR, "create: major 252");

  std::vector<TargetSpecText> zero{{0, 16, "zero", "", 0}};
  auto h = named(a);
  h.target_count = 1;
  r = c.call(CMD_TABLE_LOAD, h, *encode_load_specs(zero));
  c.expect_ok(r, "load " + a);
  c.expect(r.error == 0 && (c.reply_header(r).flags & INACTIVE_PRESENT_FLAG), "load sets INACTIVE_PRESENT");

  r = c.call(CMD_DEV_SUSPEND, named(a));
  c.expect_ok(r, "resume " + a);
  if (r.error == 0) {
    auto rh = c.reply_header(r);
    c.expect((rh.flags & ACTIVE_PRESENT_FLAG) && rh.target_count == 1 && !(rh.flags & SUSPEND_FLAG),
             "resume: live table with one target, running");
  }

  r = c.call(CMD_TABLE_STATUS, named(a, STATUS_TABLE_FLAG));
  c.expect_ok(r, "table " + a);
  if (r.error == 0) {
    auto rh = c.reply_header(r);
    auto specs = decode_status_specs(r.copy_back, rh.data_start, rh.target_count);
    c.expect(specs && specs->size() == 1 && (*specs)[0].type == "zero" && (*specs)[0].length == 16,
             "table: one zero target of 16 sectors");
  }

  r = c.call(CMD_DEV_CREATE, named(b));
  c.expect_ok(r, "create " + b);
  h = named(b);
  h.target_count = 1;
  std::vector<TargetSpecText> lin{{0, 8, "linear", devno_a.to_string() + " 0", 0}};
  r = c.call(CMD_TABLE_LOAD, h, *encode_load_specs(lin));
  c.expect_ok(r, "load linear on " + a);
  c.expect_ok(c.call(CMD_DEV_SUSPEND, named(b)), "resume " + b);
  r = c.call(CMD_TABLE_DEPS, named(b));
  c.expect_ok(r, "deps " + b);
  if (r.error == 0) {
    auto deps = decode_deps(ByteView(r.copy_back).subspan(PAYLOAD_OFFSET));
    c.expect(deps && deps->size() == 1 && DevNo::from_huge((*deps)[0]) == devno_a, "deps: the stacked device");
  }

  r = c.call(CMD_LIST_DEVICES, named("", UUID_FLAG));
  c.expect_ok(r, "list_devices");
  if (r.error == 0) {
    auto list = decode_name_list(ByteView(r.copy_back).subspan(PAYLOAD_OFFSET), true);
    int found = 0;
    if (list)
      for (auto& e : *list) found += (e.name == a || e.name == b) && e.flags == NAME_LIST_FLAG_DOESNT_HAVE_UUID;
    c.expect(found == 2, "list_devices shows both devices with uuid flags");
  }

  h = named(a);
  r = c.call(CMD_TARGET_MSG, h, encode_target_msg({0, "hello"}));
  c.expect(r.error == EINVAL, "message to zero: EINVAL");

  r = c.call(CMD_DEV_RENAME, named(b), encode_string(renamed));
  c.expect_ok(r, "rename");
  c.expect(c.call(CMD_DEV_STATUS, named(b)).error == ENXIO, "old name gone");
  c.expect_ok(c.call(CMD_DEV_STATUS, named(renamed)), "new name found");

  c.expect_ok(c.call(CMD_DEV_REMOVE, named(renamed)), "remove " + renamed);
  c.expect_ok(c.call(CMD_DEV_REMOVE, named(a)), "remove " + a);
  c.expect(c.call(CMD_DEV_STATUS, named(a)).error == ENXIO, "removed device: ENXIO");
  c.expect(c.call(99, {}).error == ENOTTY, "unknown command: ENOTTY");
  Header old;
  old.version = {5, 0, 0};
  r = c.call(CMD_DEV_STATUS, old);
  c.expect(r.error == EINVAL && r.copy_back.size() == 12, "major mismatch: EINVAL with the version only");
  ::close(c.fd);
  if (c.failures) return 1;
  std::printf("check: ok\n");
  return 0;
}

// ------------------------------------------------------------------- fuzz

struct Fuzzer {
  std::mt19937_64 rng;
  std::uint64_t u(std::uint64_t n) { return n ? rng() % n : 0; }
  bool coin(int pct) { return static_cast<int>(u(100)) < pct; }

  std::string name() {
    static const char* pool[] = {"f0", "f1", "f2", "fz-a", "control", "", "a/b", "."};
    if (coin(70)) return pool[u(8)];
    std::string s(u(140), 'x');
    for (auto& ch : s) ch = static_cast<char>(32 + u(95));
    return s;
  }

  // A well-formed request of a random command, often aimed at a few names.
  std::pair<std::uint32_t, Bytes> valid_request() {
    const auto& info = COMMANDS[u(COMMANDS.size())];
    Header h;
    h.version = info.version;
    if (coin(30)) h.version.minor = static_cast<std::uint32_t>(u(60));
    h.flags = coin(50) ? static_cast<std::uint32_t>(rng()) & KNOWN_FLAGS : EXISTS_FLAG;
    h.name = name();
    if (h.name.size() > 127) h.name.resize(127);
    if (coin(20)) h.uuid = "U-" + std::to_string(u(4));
    if (coin(10)) h.dev = DevNo{UDM_BLOCK_MAJOR, static_cast<std::uint32_t>(u(4))}.to_huge();
    h.event_nr = static_cast<std::uint32_t>(rng());  // DEV_WAIT returns at once unless it hits the count
    Bytes payload;
    switch (info.command) {
      case CMD_TABLE_LOAD: {
        std::vector<TargetSpecText> specs;
        static const char* types[] = {"zero", "error", "linear", "striped", "bogus", "delay", "flakey"};
        sector_t at = 0;
        for (std::uint64_t i = 0, n = 1 + u(4); i < n; ++i) {
          sector_t len = 1 + u(64);
          std::string params;
          if (coin(50)) params = "252:" + std::to_string(u(4)) + " " + std::to_string(u(8));
          specs.push_back({at, len, types[u(7)], params, 0});
          at += len;
        }
        payload = *encode_load_specs(specs);
        h.target_count = static_cast<std::uint32_t>(specs.size());
        break;
      }
      case CMD_DEV_RENAME: payload = encode_string(name()); break;
      case CMD_DEV_SET_GEOMETRY: payload = encode_string(coin(50) ? "1 2 3 4" : "99999 1 1 1"); break;
      case CMD_TARGET_MSG: payload = encode_target_msg({u(64), coin(50) ? "@cancel_deferred_remove" : "countbadblocks"}); break;
      default: break;
    }
    auto req = encode_request(h, payload, static_cast<std::uint32_t>(coin(50) ? 16384 : 305 + u(200)));
    if (!req) {
      h.name.clear();
      req = encode_request(h, payload);
    }
    return {info.command, *req};
  }

  void mutate(std::uint32_t& cmd, Bytes& b) {
    for (std::uint64_t k = 0, n = 1 + u(4); k < n; ++k) {
      switch (u(9)) {
        case 0: if (!b.empty()) b[u(b.size())] = static_cast<std::uint8_t>(rng()); break;
        case 1: b.resize(u(b.size() + 1)); break;                                  // truncate
        case 2: b.resize(b.size() + u(64), static_cast<std::uint8_t>(rng())); break;  // extend
        case 3: if (b.size() >= 16) { std::uint32_t v = static_cast<std::uint32_t>(rng() % 0x20000); std::memcpy(b.data() + 12, &v, 4); } break;  // data_size
        case 4: if (b.size() >= 20) { std::uint32_t v = static_cast<std::uint32_t>(rng() % 0x1000); std::memcpy(b.data() + 16, &v, 4); } break;  // data_start
        case 5: if (b.size() >= 24) { std::uint32_t v = static_cast<std::uint32_t>(rng()); std::memcpy(b.data() + 20, &v, 4); } break;  // target_count
        case 6: if (b.size() >= 312 + 24) { std::uint32_t v = static_cast<std::uint32_t>(rng() % 0x400); std::memcpy(b.data() + 312 + 20, &v, 4); } break;  // first next
        case 7: cmd = coin(50) ? static_cast<std::uint32_t>(u(20)) : static_cast<std::uint32_t>(rng()); break;
        case 8: if (b.size() >= 32) { std::uint32_t v = static_cast<std::uint32_t>(rng()); std::memcpy(b.data() + 28, &v, 4); } break;  // flags
      }
    }
  }
};

int run_fuzz(long count, std::uint64_t seed) {
  Fuzzer f{std::mt19937_64(seed)};
  int fd = connect_control(3000);
  long replies = 0, reconnects = 0, timeouts = 0;
  std::map<std::uint32_t, long> by_error;  // reply errno -> count, to show how deep the frames got
  for (long i = 0; i < count; ++i) {
    auto [cmd, body] = f.valid_request();
    if (f.coin(85)) f.mutate(cmd, body);
    // Frame-level damage: bad magic, a size that lies, a cut-off frame.
    int kind = static_cast<int>(f.u(100));
    FrameHeader fh{FRAME_MAGIC, cmd, static_cast<std::uint32_t>(body.size()), 0};
    bool expect_reply = true, then_close = false;
    if (kind < 3) {
      fh.magic = static_cast<std::uint32_t>(f.rng());
      then_close = true;  // an EINVAL reply, then the daemon closes
    } else if (kind < 5) {
      fh.size = MAX_FRAME_SIZE + 1 + static_cast<std::uint32_t>(f.u(1000));
      then_close = true;
    } else if (kind < 7) {
      fh.size = static_cast<std::uint32_t>(body.size() + 1 + f.u(100));  // promises more than it sends
      expect_reply = false;
      then_close = true;
    } else if (kind < 8) {
      body.resize(f.u(16));  // a header cut short
      expect_reply = false;
      then_close = true;
    }
    Bytes wire(sizeof fh + body.size());
    std::memcpy(wire.data(), &fh, sizeof fh);
    if (!body.empty()) std::memcpy(wire.data() + sizeof fh, body.data(), body.size());
    if (kind >= 7 && kind < 8) wire.resize(f.u(sizeof fh));
    if (!write_all(fd, wire)) {
      ::close(fd);
      fd = connect_control(3000);
      ++reconnects;
      continue;
    }
    if (expect_reply) {
      auto reply = read_frame(fd);
      if (!reply) {
        if (reply.error().code == EAGAIN || reply.error().code == EWOULDBLOCK) {
          ++timeouts;  // a DEV_WAIT that hit the current event number: hang up, it is cancelled
        } else {
          die("frame " + std::to_string(i) + ": no reply: " + reply.error().message);
        }
        then_close = true;
      } else {
        ++replies;
        ++by_error[reply->header.error];
        if (reply->header.magic != FRAME_MAGIC) die("frame " + std::to_string(i) + ": reply with bad magic");
        if (reply->body.size() < 12) die("frame " + std::to_string(i) + ": reply shorter than the version");
        if (fh.magic == FRAME_MAGIC && fh.size <= MAX_FRAME_SIZE && reply->header.command != cmd)
          die("frame " + std::to_string(i) + ": reply for another command");
      }
    }
    if (then_close) {
      ::close(fd);
      fd = connect_control(3000);
      ++reconnects;
    }
  }
  ::close(fd);
  std::printf("fuzz: %ld frames, %ld replies, %ld reconnects, %ld timeouts\nreplies by errno:", count, replies,
              reconnects, timeouts);
  for (auto [e, n] : by_error) std::printf(" %s=%ld", e ? strerrorname_np(static_cast<int>(e)) : "ok", n);
  std::printf("\n");
  return 0;
}

int run_expect_errno(const std::string& command, int want) {
  const auto* info = find_command_by_name(command);
  if (!info) die("unknown command " + command);
  Checker c{connect_control(10000)};
  Header h;
  h.version = info->version;
  auto r = c.call(info->command, h);
  if (static_cast<int>(r.error) != want)
    die(command + ": expected errno " + std::to_string(want) + ", got " + std::to_string(r.error) + " " + r.message);
  std::printf("%s: errno %u (%s)\n", command.c_str(), r.error, r.message.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) die("usage: udm-frame-client SOCKET check | fuzz N SEED | expect-errno COMMAND ERRNO");
  g_socket = argv[1];
  std::string mode = argv[2];
  if (mode == "check") return run_check();
  if (mode == "fuzz" && argc == 5) return run_fuzz(std::stol(argv[3]), std::stoull(argv[4]));
  if (mode == "expect-errno" && argc == 5) return run_expect_errno(argv[3], std::stoi(argv[4]));
  die("bad arguments");
}

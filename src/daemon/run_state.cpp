#include "daemon/run_state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>

#include <nlohmann/json.hpp>

namespace udm::daemon {
namespace {

using json = nlohmann::json;

constexpr std::uint32_t MAX_MINOR = (1u << 20) - 1;

// --- strings: UTF-8 as JSON strings, anything else as {"hex": ...} ----------

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xe0) == 0xc0) { n = 1; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 2; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 3; cp = c & 0x07; }
    else return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

json text_json(const std::string& s) {
  if (valid_utf8(s)) return s;
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(s.size() * 2);
  for (unsigned char c : s) {
    hex.push_back(digits[c >> 4]);
    hex.push_back(digits[c & 15]);
  }
  return json{{"hex", hex}};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// --- decoding helpers: every access checks the type first (no throws) --------

struct Reader {
  std::string where;  // "device 3", for messages

  Result<const json*> field(const json& obj, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end()) return fail(EINVAL, where + ": missing field \"" + key + "\"");
    return &*it;
  }
  Result<std::uint64_t> number(const json& obj, const char* key, std::uint64_t max) const {
    auto f = field(obj, key);
    if (!f) return fail(f.error());
    if (!(*f)->is_number_unsigned())
      return fail(EINVAL, where + ": field \"" + key + "\" is not a non-negative integer");
    auto v = (*f)->get<std::uint64_t>();
    if (v > max)
      return fail(EINVAL, where + ": field \"" + key + "\" is " + std::to_string(v) + ", at most " +
                              std::to_string(max) + " is allowed");
    return v;
  }
  Result<bool> boolean(const json& obj, const char* key) const {
    auto f = field(obj, key);
    if (!f) return fail(f.error());
    if (!(*f)->is_boolean()) return fail(EINVAL, where + ": field \"" + key + "\" is not true or false");
    return (*f)->get<bool>();
  }
  Result<std::string> text(const json& obj, const char* key) const {
    auto f = field(obj, key);
    if (!f) return fail(f.error());
    const json& v = **f;
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.size() == 1) {
      auto h = v.find("hex");
      if (h != v.end() && h->is_string()) {
        const auto& hex = h->get_ref<const std::string&>();
        if (hex.size() % 2 == 0) {
          std::string out;
          out.reserve(hex.size() / 2);
          bool ok = true;
          for (std::size_t i = 0; i < hex.size() && ok; i += 2) {
            int a = hex_value(hex[i]), b = hex_value(hex[i + 1]);
            ok = a >= 0 && b >= 0;
            out.push_back(static_cast<char>(a * 16 + b));
          }
          if (ok) return out;
        }
      }
    }
    return fail(EINVAL, where + ": field \"" + key + "\" is not a string");
  }
};

json table_json(const std::optional<TableRecord>& t) {
  if (!t) return nullptr;
  json targets = json::array();
  for (const auto& l : t->targets)
    targets.push_back(
        json{{"start", l.start}, {"length", l.length}, {"type", text_json(l.type)}, {"params", text_json(l.params)}});
  return json{{"read_only", t->read_only}, {"targets", std::move(targets)}};
}

Result<std::optional<TableRecord>> decode_table(const json& dev, const char* key, const std::string& where) {
  Reader r{where + " " + key + " table"};
  auto f = Reader{where}.field(dev, key);
  if (!f) return fail(f.error());
  const json& t = **f;
  if (t.is_null()) return std::optional<TableRecord>{};
  if (!t.is_object()) return fail(EINVAL, r.where + " is neither an object nor null");
  TableRecord out;
  auto ro = r.boolean(t, "read_only");
  if (!ro) return fail(ro.error());
  out.read_only = *ro;
  auto targets = r.field(t, "targets");
  if (!targets) return fail(targets.error());
  if (!(*targets)->is_array() || (*targets)->empty())
    return fail(EINVAL, r.where + ": \"targets\" is not a non-empty array");
  sector_t next = 0;
  unsigned n = 0;
  for (const json& l : **targets) {
    ++n;
    Reader lr{r.where + " target " + std::to_string(n)};
    if (!l.is_object()) return fail(EINVAL, lr.where + " is not an object");
    auto start = lr.number(l, "start", UINT64_MAX);
    auto length = lr.number(l, "length", UINT64_MAX);
    auto type = lr.text(l, "type");
    auto params = lr.text(l, "params");
    if (!start) return fail(start.error());
    if (!length) return fail(length.error());
    if (!type) return fail(type.error());
    if (!params) return fail(params.error());
    // The table builder checks targets again at restore; this keeps a
    // nonsensical record from getting that far.
    if (*start != next || *length == 0 || *start + *length < *start)
      return fail(EINVAL, lr.where + ": sectors " + std::to_string(*start) + "+" + std::to_string(*length) +
                              " do not follow on from sector " + std::to_string(next));
    if (type->empty()) return fail(EINVAL, lr.where + ": empty target type");
    next = *start + *length;
    out.targets.push_back({*start, *length, std::move(*type), std::move(*params), n});
  }
  return std::optional<TableRecord>{std::move(out)};
}

Result<DeviceRecord> decode_device(const json& d, std::size_t index) {
  Reader r{"device " + std::to_string(index + 1)};
  if (!d.is_object()) return fail(EINVAL, r.where + " is not an object");
  DeviceRecord out;
  auto name = r.text(d, "name");
  if (!name) return fail(name.error());
  if (name->empty() || name->size() > 127 || name->find('/') != std::string::npos)
    return fail(EINVAL, r.where + ": invalid device name \"" + *name + "\"");
  out.name = std::move(*name);
  r.where += " (" + out.name + ")";
  auto uuid = r.text(d, "uuid");
  if (!uuid) return fail(uuid.error());
  if (uuid->size() > 128) return fail(EINVAL, r.where + ": uuid longer than 128 bytes");
  out.uuid = std::move(*uuid);
  auto major = r.number(d, "major", UINT32_MAX);
  auto minor = r.number(d, "minor", MAX_MINOR);
  auto event = r.number(d, "event_nr", UINT32_MAX);
  auto suspended = r.boolean(d, "suspended");
  auto deferred = r.boolean(d, "deferred_remove");
  if (!major) return fail(major.error());
  if (!minor) return fail(minor.error());
  if (!event) return fail(event.error());
  if (!suspended) return fail(suspended.error());
  if (!deferred) return fail(deferred.error());
  if (*major != UDM_BLOCK_MAJOR)
    return fail(EINVAL, r.where + ": major " + std::to_string(*major) + " is not udm's " +
                            std::to_string(UDM_BLOCK_MAJOR));
  out.devno = DevNo{static_cast<std::uint32_t>(*major), static_cast<std::uint32_t>(*minor)};
  out.event_nr = static_cast<std::uint32_t>(*event);
  out.suspended = *suspended;
  out.deferred_remove = *deferred;
  auto live = decode_table(d, "live", r.where);
  if (!live) return fail(live.error());
  auto inactive = decode_table(d, "inactive", r.where);
  if (!inactive) return fail(inactive.error());
  out.live = std::move(*live);
  out.inactive = std::move(*inactive);
  return out;
}

Result<RunState> decode_v1(const json& doc) {
  RunState out;
  out.version = 1;
  Reader r{"record"};
  if (auto w = doc.find("writer"); w != doc.end() && w->is_string()) out.writer = w->get<std::string>();
  auto devices = r.field(doc, "devices");
  if (!devices) return fail(devices.error());
  if (!(*devices)->is_array()) return fail(EINVAL, "record: \"devices\" is not an array");
  std::set<std::string> names, uuids;
  std::set<std::uint32_t> minors;
  std::size_t i = 0;
  for (const json& d : **devices) {
    auto dev = decode_device(d, i++);
    if (!dev) return fail(dev.error());
    if (!names.insert(dev->name).second) return fail(EINVAL, "record: device name \"" + dev->name + "\" appears twice");
    if (!dev->uuid.empty() && !uuids.insert(dev->uuid).second)
      return fail(EINVAL, "record: uuid \"" + dev->uuid + "\" appears twice");
    if (!minors.insert(dev->devno.minor).second)
      return fail(EINVAL, "record: device number " + dev->devno.to_string() + " appears twice");
    out.devices.push_back(std::move(*dev));
  }
  return out;
}

std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Error errno_error(const std::string& what) { return Error{errno, what + ": " + std::strerror(errno)}; }

}  // namespace

bool TableRecord::operator==(const TableRecord& o) const {
  if (read_only != o.read_only || targets.size() != o.targets.size()) return false;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto &a = targets[i], &b = o.targets[i];
    if (a.start != b.start || a.length != b.length || a.type != b.type || a.params != b.params) return false;
  }
  return true;
}

std::uint32_t crc32_ieee(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char b : data) crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

std::string encode_run_state(const RunState& state) {
  json devices = json::array();
  for (const auto& d : state.devices) {
    devices.push_back(json{{"name", text_json(d.name)},
                           {"uuid", text_json(d.uuid)},
                           {"major", d.devno.major},
                           {"minor", d.devno.minor},
                           {"suspended", d.suspended},
                           {"deferred_remove", d.deferred_remove},
                           {"event_nr", d.event_nr},
                           {"live", table_json(d.live)},
                           {"inactive", table_json(d.inactive)}});
  }
  json doc{{"format", RUN_STATE_FORMAT},
           {"version", RUN_STATE_VERSION},
           {"writer", text_json(state.writer)},
           {"devices", std::move(devices)}};
  doc["crc32"] = crc32_ieee(doc.dump());
  std::string out = doc.dump();
  out.push_back('\n');
  return out;
}

Result<RunState> decode_run_state(std::string_view bytes) {
  // nlohmann throws on a few paths even with allow_exceptions off (dump of
  // bad UTF-8 in a parsed string cannot happen: the parser refuses it first);
  // keep any surprise from escaping into the daemon.
  try {
    json doc = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return fail(EINVAL, "record is not valid JSON");
    if (!doc.is_object()) return fail(EINVAL, "record is not a JSON object");
    auto fmt = doc.find("format");
    if (fmt == doc.end() || !fmt->is_string() || fmt->get_ref<const std::string&>() != RUN_STATE_FORMAT)
      return fail(EINVAL, "record is not a udm device record (no \"format\": \"" + std::string(RUN_STATE_FORMAT) +
                              "\")");
    auto ver = doc.find("version");
    if (ver == doc.end() || !ver->is_number_unsigned())
      return fail(EINVAL, "record has no format version");
    const std::uint64_t version = ver->get<std::uint64_t>();
    if (version == 0 || version > RUN_STATE_VERSION)
      return fail(EPROTO, "record has format version " + std::to_string(version) + "; this udmd reads versions 1 to " +
                              std::to_string(RUN_STATE_VERSION) + " (written by a newer udmd?)");
    auto crc = doc.find("crc32");
    if (crc == doc.end() || !crc->is_number_unsigned()) return fail(EINVAL, "record has no crc32");
    const std::uint64_t want = crc->get<std::uint64_t>();
    doc.erase("crc32");
    const std::uint32_t got = crc32_ieee(doc.dump());
    if (want != got)
      return fail(EILSEQ, "record checksum mismatch: stored crc32 " + std::to_string(want) + ", computed " +
                              std::to_string(got));
    // One decoder per version; older versions are upgraded here as the format grows.
    return decode_v1(doc);
  } catch (const std::exception& e) {
    return fail(EINVAL, std::string("record cannot be decoded: ") + e.what());
  }
}

Result<void> write_run_state(const std::string& rundir, std::string_view encoded) {
  static std::atomic<unsigned> counter{0};
  const std::string final_path = rundir + "/" + std::string(RUN_STATE_FILE);
  const std::string tmp = final_path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail(errno_error("cannot create " + tmp));
  std::size_t done = 0;
  while (done < encoded.size()) {
    ssize_t n = ::write(fd, encoded.data() + done, encoded.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e = errno_error("cannot write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return fail(e);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    Error e = errno_error("cannot sync " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(e);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    Error e = errno_error("cannot rename " + tmp + " to " + final_path);
    ::unlink(tmp.c_str());
    return fail(e);
  }
  int dfd = ::open(rundir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return fail(errno_error("cannot open " + rundir));
  int r = ::fsync(dfd);
  Error e = r != 0 ? errno_error("cannot sync " + rundir) : Error{};
  ::close(dfd);
  if (r != 0) return fail(e);
  return {};
}

LoadedRunState load_run_state(const std::string& rundir) {
  LoadedRunState out;
  const std::string name(RUN_STATE_FILE);
  // A writer killed between creating its temp file and the rename leaves the
  // temp file; the record itself is whole (old or new).
  if (DIR* dir = ::opendir(rundir.c_str())) {
    const std::string prefix = name + ".tmp-";
    while (dirent* e = ::readdir(dir))
      if (std::string_view(e->d_name).starts_with(prefix)) ::unlinkat(::dirfd(dir), e->d_name, 0);
    ::closedir(dir);
  }
  const std::string path = rundir + "/" + name;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return out;
  out.found = true;
  Result<RunState> state = fail(EIO, "");
  if (fd < 0) {
    state = fail(errno_error("cannot open " + path));
  } else {
    std::string bytes;
    char buf[65536];
    ssize_t n;
    bool failed = false;
    while ((n = ::read(fd, buf, sizeof buf)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        state = fail(errno_error("cannot read " + path));
        failed = true;
        break;
      }
      bytes.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (!failed) state = decode_run_state(bytes);
  }
  if (state) {
    out.state = std::move(*state);
    return out;
  }
  out.problem = state.error();
  // Kept aside, never dropped: the user may want the devices it lists.
  std::string aside = path + ".bad-" + utc_stamp();
  for (int i = 1; ::access(aside.c_str(), F_OK) == 0; ++i) aside = path + ".bad-" + utc_stamp() + "." + std::to_string(i);
  if (::rename(path.c_str(), aside.c_str()) == 0) out.set_aside = aside;
  return out;
}

}  // namespace udm::daemon

#include "daemon/run_state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
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

Result<DeviceRecord> decode_device(const json& d, std::string where) {
  Reader r{std::move(where)};
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

json device_json(const DeviceRecord& d) {
  return json{{"name", text_json(d.name)},
              {"uuid", text_json(d.uuid)},
              {"major", d.devno.major},
              {"minor", d.devno.minor},
              {"suspended", d.suspended},
              {"deferred_remove", d.deferred_remove},
              {"event_nr", d.event_nr},
              {"live", table_json(d.live)},
              {"inactive", table_json(d.inactive)}};
}

std::string signed_dump(json doc) {
  doc["crc32"] = crc32_ieee(doc.dump());
  std::string out = doc.dump();
  out.push_back('\n');
  return out;
}

// Format name, version (1..max) and checksum of a record; removes "crc32".
Result<std::uint64_t> check_envelope(json& doc, std::string_view format, std::uint32_t max_version) {
  if (!doc.is_object()) return fail(EINVAL, "record is not a JSON object");
  auto fmt = doc.find("format");
  if (fmt == doc.end() || !fmt->is_string() || fmt->get_ref<const std::string&>() != format)
    return fail(EINVAL, "record is not a udm device record (no \"format\": \"" + std::string(format) + "\")");
  auto ver = doc.find("version");
  if (ver == doc.end() || !ver->is_number_unsigned()) return fail(EINVAL, "record has no format version");
  const std::uint64_t version = ver->get<std::uint64_t>();
  if (version == 0 || version > max_version)
    return fail(EPROTO, "record has format version " + std::to_string(version) + "; this udmd reads versions 1 to " +
                            std::to_string(max_version) + " (written by a newer udmd?)");
  auto crc = doc.find("crc32");
  if (crc == doc.end() || !crc->is_number_unsigned()) return fail(EINVAL, "record has no crc32");
  const std::uint64_t want = crc->get<std::uint64_t>();
  doc.erase("crc32");
  const std::uint32_t got = crc32_ieee(doc.dump());
  if (want != got)
    return fail(EILSEQ, "record checksum mismatch: stored crc32 " + std::to_string(want) + ", computed " +
                            std::to_string(got));
  return version;
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
    auto dev = decode_device(d, "device " + std::to_string(++i));
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

namespace {

// The compact dump nlohmann gives of the same document, written directly:
// a record per command was half of udmd's JSON time building and freeing the
// tree. Keys in nlohmann's (sorted) order; strings escaped as its dump does
// (", \\, \b \f \n \r \t, other control bytes as \u00xx; UTF-8 as is).
// run_state_test checks it against nlohmann's dump.
void put_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(digits[c >> 4]);
          out.push_back(digits[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void put_text(std::string& out, const std::string& s) {
  if (valid_utf8(s)) return put_string(out, s);
  static constexpr char digits[] = "0123456789abcdef";
  out += "{\"hex\":\"";
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  out += "\"}";
}

void put_number(std::string& out, std::uint64_t v) {
  char buf[24];
  char* end = buf + sizeof buf;
  char* p = end;
  do *--p = static_cast<char>('0' + v % 10);
  while ((v /= 10) != 0);
  out.append(p, end);
}

void put_bool(std::string& out, bool b) { out += b ? "true" : "false"; }

void put_table(std::string& out, const std::optional<TableRecord>& t) {
  if (!t) {
    out += "null";
    return;
  }
  out += "{\"read_only\":";
  put_bool(out, t->read_only);
  out += ",\"targets\":[";
  bool first = true;
  for (const auto& l : t->targets) {
    if (!first) out.push_back(',');
    first = false;
    out += "{\"length\":";
    put_number(out, l.length);
    out += ",\"params\":";
    put_text(out, l.params);
    out += ",\"start\":";
    put_number(out, l.start);
    out += ",\"type\":";
    put_text(out, l.type);
    out.push_back('}');
  }
  out += "]}";
}

// {"device":{...},"format":..,"version":..,"writer":"udmd"} without the
// closing brace, so "crc32" (first) and "seq" can be put around it.
void put_device_body(std::string& out, const DeviceRecord& d) {
  out += "\"device\":{\"deferred_remove\":";
  put_bool(out, d.deferred_remove);
  out += ",\"event_nr\":";
  put_number(out, d.event_nr);
  out += ",\"inactive\":";
  put_table(out, d.inactive);
  out += ",\"live\":";
  put_table(out, d.live);
  out += ",\"major\":";
  put_number(out, d.devno.major);
  out += ",\"minor\":";
  put_number(out, d.devno.minor);
  out += ",\"name\":";
  put_text(out, d.name);
  out += ",\"suspended\":";
  put_bool(out, d.suspended);
  out += ",\"uuid\":";
  put_text(out, d.uuid);
  out += "},\"format\":";
  put_string(out, DEVICE_STATE_FORMAT);
}

}  // namespace

std::string encode_device_state(const DeviceRecord& device) {
  std::string body;
  body.reserve(512);
  body.push_back('{');
  put_device_body(body, device);
  body += ",\"version\":";
  put_number(body, DEVICE_STATE_VERSION);
  body += ",\"writer\":\"udmd\"}";
  std::string out;
  out.reserve(body.size() + 24);
  out += "{\"crc32\":";
  put_number(out, crc32_ieee(body));
  out.push_back(',');
  out.append(body, 1);
  out.push_back('\n');
  return out;
}

std::string encode_device_state_nlohmann(const DeviceRecord& device) {
  return signed_dump(json{{"format", DEVICE_STATE_FORMAT},
                          {"version", DEVICE_STATE_VERSION},
                          {"writer", "udmd"},
                          {"device", device_json(device)}});
}

namespace {

// One record document: the device and its slot sequence number (0 when the
// document has none: written whole, by rename).
Result<std::pair<DeviceRecord, std::uint64_t>> decode_one(std::string_view bytes) {
  // nlohmann throws on a few paths even with allow_exceptions off; keep any
  // surprise from escaping into the daemon.
  try {
    json doc = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return fail(EINVAL, "record is not valid JSON");
    auto version = check_envelope(doc, DEVICE_STATE_FORMAT, DEVICE_STATE_VERSION);
    if (!version) return fail(version.error());
    std::uint64_t seq = 0;
    if (auto q = doc.find("seq"); q != doc.end()) {
      if (!q->is_number_unsigned()) return fail(EINVAL, "record: field \"seq\" is not a non-negative integer");
      seq = q->get<std::uint64_t>();
    }
    // One decoder per version; older versions are upgraded here as the format grows.
    auto dev = Reader{"record"}.field(doc, "device");
    if (!dev) return fail(dev.error());
    auto d = decode_device(**dev, "device");
    if (!d) return fail(d.error());
    return std::pair{std::move(*d), seq};
  } catch (const std::exception& e) {
    return fail(EINVAL, std::string("record cannot be decoded: ") + e.what());
  }
}

// Slot k up to its first newline: a record's compact JSON has none, and
// what follows is padding (which the JSON lexer would take space by space).
std::string_view slot_of(std::string_view file, unsigned k) {
  std::string_view slot = file.substr(k * DEVICE_STATE_SLOT, DEVICE_STATE_SLOT);
  return slot.substr(0, slot.find('\n'));
}

}  // namespace

Result<DeviceRecord> decode_device_state(std::string_view bytes) {
  std::optional<Error> slot_problem;
  if (bytes.size() == 2 * DEVICE_STATE_SLOT) {
    // Two slots: the valid one with the higher sequence number; a slot torn
    // by a crash during its write fails its checksum and the other stands.
    std::optional<std::pair<DeviceRecord, std::uint64_t>> best;
    for (unsigned k = 0; k < 2; ++k) {
      std::string_view slot = slot_of(bytes, k);
      auto r = decode_one(slot);
      if (r && (!best || r->second > best->second)) best = std::move(*r);
      if (!r && !slot_problem && !slot.empty()) slot_problem = r.error();
    }
    if (best) return std::move(best->first);
    // Neither: perhaps one document of that very size (written by rename).
  }
  auto r = decode_one(bytes);
  if (!r) return fail(slot_problem ? *slot_problem : r.error());
  return std::move(r->first);
}

std::string device_state_name(std::uint32_t minor) { return std::to_string(minor) + ".json"; }

std::optional<std::uint32_t> device_state_minor(std::string_view name) {
  if (!name.ends_with(".json")) return std::nullopt;
  name.remove_suffix(5);
  if (name.empty() || name.size() > 7 || (name.size() > 1 && name[0] == '0')) return std::nullopt;
  std::uint32_t minor = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    minor = minor * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (minor > MAX_MINOR) return std::nullopt;
  return minor;
}

std::string encode_run_state(const RunState& state) {
  json devices = json::array();
  for (const auto& d : state.devices) devices.push_back(device_json(d));
  return signed_dump(json{{"format", RUN_STATE_FORMAT},
                          {"version", RUN_STATE_VERSION},
                          {"writer", text_json(state.writer)},
                          {"devices", std::move(devices)}});
}

Result<RunState> decode_run_state(std::string_view bytes) {
  try {
    json doc = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return fail(EINVAL, "record is not valid JSON");
    auto version = check_envelope(doc, RUN_STATE_FORMAT, RUN_STATE_VERSION);
    if (!version) return fail(version.error());
    return decode_v1(doc);
  } catch (const std::exception& e) {
    return fail(EINVAL, std::string("record cannot be decoded: ") + e.what());
  }
}

Result<int> open_device_state_dir(const std::string& rundir) {
  const std::string path = rundir + "/" + std::string(RUN_STATE_DIR);
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return fail(errno_error("cannot create " + path));
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail(errno_error("cannot open " + path));
  return fd;
}

namespace {

// `encoded` (a signed record, as signed_dump writes it) with "seq": `seq`
// added under a new checksum. Done on the text: the dump is canonical (keys
// sorted, so "seq" goes just before the top-level "version", whose quotes
// cannot stand bare inside a string), which spares a parse and a dump per
// update. nullopt when `encoded` is not shaped so.
std::optional<std::string> with_seq(std::string_view encoded, std::uint64_t seq) {
  constexpr std::string_view head = "{\"crc32\":";
  if (!encoded.starts_with(head) || !encoded.ends_with("}\n")) return std::nullopt;
  const std::size_t comma = encoded.find(',', head.size());
  const std::size_t version = encoded.rfind(",\"version\":");
  if (comma == std::string_view::npos || version == std::string_view::npos || version < comma) return std::nullopt;
  std::string body = "{";
  body.append(encoded.substr(comma + 1, version - comma - 1));
  body += ",\"seq\":" + std::to_string(seq);
  body.append(encoded.substr(version, encoded.size() - 1 - version));  // without the newline
  std::string out = std::string(head) + std::to_string(crc32_ieee(body)) + ",";
  out.append(body, 1);
  out.push_back('\n');
  return out;
}

// `encoded` with "seq" as one slot: padded with spaces after its newline to
// DEVICE_STATE_SLOT; nullopt if it does not fit or is not a record.
std::optional<std::string> slot_record(std::string_view encoded, std::uint64_t seq) {
  auto out = with_seq(encoded, seq);
  if (!out || out->size() >= DEVICE_STATE_SLOT) return std::nullopt;
  out->append(DEVICE_STATE_SLOT - out->size(), ' ');
  return out;
}

// The sequence number of the valid record in a slot; nullopt if torn or empty.
std::optional<std::uint64_t> slot_seq(std::string_view slot) {
  auto r = decode_one(slot);
  if (!r) return std::nullopt;
  return r->second;
}

// An update of a two-slot record: the new record goes into the slot that
// does not hold the newest valid one, with the next sequence number, in one
// pwrite. A crash (of udmd or of the machine) tearing that write leaves the
// other slot's record, one change older, which is what load reads then;
// never a record set aside. Skips the inode creation of a temp file, which
// the ext4 journal makes cost ~1.6 ms on a busy machine. false: not done
// (no such file, not two slots, too big), rename instead.
// What this process last wrote into each two-slot file (by device and
// inode): the slot holding the newest record, its sequence number and how
// that slot starts ({"crc32":N,), so an update need not check both slots
// again. An update reads that slot's start to see it is still there (a file
// replaced since, by a hand edit, may have the same inode number) and checks
// both slots when not; a file torn by a crash is read by a new process.
struct SlotState {
  unsigned newest = 0;
  std::uint64_t seq = 0;
  std::string head;
};

std::string head_of(std::string_view slot) { return std::string(slot.substr(0, slot.find(',') + 1)); }

std::mutex slot_cache_lock;
std::map<std::pair<dev_t, ino_t>, SlotState> slot_cache;

void remember_slot(const struct stat& st, std::optional<SlotState> s) {
  std::lock_guard g(slot_cache_lock);
  if (s) slot_cache[{st.st_dev, st.st_ino}] = *s;
  else slot_cache.erase({st.st_dev, st.st_ino});
}

bool write_slot(int dirfd, const std::string& name, std::string_view encoded) {
  int fd = ::openat(dirfd, name.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  bool done = false;
  struct stat st{};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
      static_cast<std::size_t>(st.st_size) == 2 * DEVICE_STATE_SLOT) {
    std::optional<SlotState> known;
    {
      std::lock_guard g(slot_cache_lock);
      if (auto it = slot_cache.find({st.st_dev, st.st_ino}); it != slot_cache.end()) known = it->second;
    }
    if (known) {
      char head[32];
      const std::size_t n = std::min(known->head.size(), sizeof head);
      if (::pread(fd, head, n, static_cast<off_t>(known->newest * DEVICE_STATE_SLOT)) != static_cast<ssize_t>(n) ||
          known->head.compare(0, n, head, n) != 0)
        known.reset();
    }
    if (!known) {
      std::string file(2 * DEVICE_STATE_SLOT, '\0');
      if (::pread(fd, file.data(), file.size(), 0) == static_cast<ssize_t>(file.size())) {
        auto s0 = slot_seq(slot_of(file, 0));
        auto s1 = slot_seq(slot_of(file, 1));
        known = SlotState{s0 && (!s1 || *s0 >= *s1) ? 0u : 1u, std::max(s0.value_or(0), s1.value_or(0)), {}};
      }
    }
    if (known) {
      const unsigned target = 1 - known->newest;
      const std::uint64_t seq = known->seq + 1;
      if (auto slot = slot_record(encoded, seq)) {
        ssize_t n;
        do n = ::pwrite(fd, slot->data(), slot->size(), static_cast<off_t>(target * DEVICE_STATE_SLOT));
        while (n < 0 && errno == EINTR);
        done = n == static_cast<ssize_t>(slot->size());
        remember_slot(st, done ? std::optional(SlotState{target, seq, head_of(*slot)}) : std::nullopt);
      }
    }
  }
  ::close(fd);
  return done;
}

}  // namespace

void forget_device_state_slots() {
  std::lock_guard g(slot_cache_lock);
  slot_cache.clear();
}

Result<void> write_device_state(int dirfd, std::uint32_t minor, std::string_view encoded) {
  static std::atomic<unsigned> counter{0};
  const std::string final_name = device_state_name(minor);
  if (write_slot(dirfd, final_name, encoded)) return {};
  // A new file: two slots, the record (sequence 1) in the first, the second
  // blank; a record too big for a slot is written whole.
  std::string content;
  if (auto slot = slot_record(encoded, 1)) {
    content = std::move(*slot);
    content.push_back('\n');  // an empty slot
    content.append(DEVICE_STATE_SLOT - 1, ' ');
    encoded = content;
  }
  const std::string tmp = final_name + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  int fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail(errno_error("cannot create " + tmp));
  std::size_t done = 0;
  while (done < encoded.size()) {
    ssize_t n = ::write(fd, encoded.data() + done, encoded.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e = errno_error("cannot write " + tmp);
      ::close(fd);
      ::unlinkat(dirfd, tmp.c_str(), 0);
      return fail(e);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  // rename is atomic against a crash of udmd (the page cache outlives it);
  // against a crash of the machine, see StateRecorder.
  if (::renameat(dirfd, tmp.c_str(), dirfd, final_name.c_str()) != 0) {
    Error e = errno_error("cannot rename " + tmp + " to " + final_name);
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return fail(e);
  }
  if (struct stat st{}; !content.empty() && ::fstatat(dirfd, final_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
    remember_slot(st, SlotState{0, 1, head_of(content)});
  return {};
}

Result<void> remove_device_state(int dirfd, std::uint32_t minor) {
  const std::string name = device_state_name(minor);
  if (struct stat st{}; ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) remember_slot(st, std::nullopt);
  if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) return fail(errno_error("cannot remove " + name));
  return {};
}

Result<std::string> set_aside(int dirfd, const std::string& name, std::string_view what) {
  const std::string base = name + "." + std::string(what) + "-" + utc_stamp();
  std::string aside = base;
  struct stat st{};
  for (int i = 1; ::fstatat(dirfd, aside.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0; ++i)
    aside = base + "." + std::to_string(i);
  if (::renameat(dirfd, name.c_str(), dirfd, aside.c_str()) != 0)
    return fail(errno_error("cannot rename " + name + " to " + aside));
  return aside;
}

namespace {

// A stream over dirfd from its start (dup'ed descriptors share the offset).
DIR* dir_stream(int dirfd) {
  int fd = ::dup(dirfd);
  if (fd < 0) return nullptr;
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return nullptr;
  }
  ::rewinddir(dir);
  return dir;
}

Result<std::string> read_all(int dirfd, const std::string& name) {
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fail(errno_error("cannot open " + name));
  std::string bytes;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = errno_error("cannot read " + name);
      ::close(fd);
      return fail(e);
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
    if (bytes.size() > (64u << 20)) {
      ::close(fd);
      return fail(EFBIG, name + " is larger than 64 MiB");
    }
  }
  ::close(fd);
  return bytes;
}

// Leftover temp files of a writer killed between create and rename; the
// records themselves are whole (old or new).
void remove_temps(int dirfd, std::string_view marker) {
  DIR* dir = dir_stream(dirfd);
  if (!dir) return;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(dir))
    if (std::string_view(e->d_name).find(marker) != std::string_view::npos) stale.emplace_back(e->d_name);
  ::closedir(dir);
  for (const auto& n : stale) ::unlinkat(dirfd, n.c_str(), 0);
}

// The previous layout's <rundir>/devices.state: its devices become
// per-device files (replacing any there: the single file is newer when an
// older udmd ran last), then it goes. Done in that order so a crash in
// between converts again at the next start.
void upgrade_single_file(const std::string& rundir, int dirfd, LoadedRunState& out) {
  int rfd = ::open(rundir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0) return;
  const std::string name(RUN_STATE_FILE);
  remove_temps(rfd, name + ".tmp-");
  auto bytes = read_all(rfd, name);
  if (!bytes && bytes.error().code == ENOENT) {
    ::close(rfd);
    return;
  }
  out.found = true;
  Result<RunState> state = bytes ? decode_run_state(*bytes) : Result<RunState>(fail(bytes.error()));
  if (!state) {
    auto aside = set_aside(rfd, name, "bad");
    out.set_aside.push_back({aside ? rundir + "/" + *aside : std::string(), state.error()});
    ::close(rfd);
    return;
  }
  std::set<std::uint32_t> minors;
  for (const auto& d : state->devices) {
    minors.insert(d.devno.minor);
    if (auto r = write_device_state(dirfd, d.devno.minor, encode_device_state(d)); !r) {
      out.set_aside.push_back({rundir + "/" + name, r.error()});  // left in place, tried again next start
      ::close(rfd);
      return;
    }
  }
  if (DIR* dir = dir_stream(dirfd)) {
    std::vector<std::uint32_t> other;
    while (dirent* e = ::readdir(dir))
      if (auto m = device_state_minor(e->d_name); m && !minors.contains(*m)) other.push_back(*m);
    ::closedir(dir);
    for (auto m : other) (void)remove_device_state(dirfd, m);
  }
  ::unlinkat(rfd, name.c_str(), 0);
  out.upgraded = true;
  ::close(rfd);
}

}  // namespace

LoadedRunState load_run_state(const std::string& rundir) {
  LoadedRunState out;
  const std::string dir_path = rundir + "/" + std::string(RUN_STATE_DIR);
  auto dirfd = open_device_state_dir(rundir);
  if (!dirfd) {
    out.found = true;
    out.set_aside.push_back({std::string(), dirfd.error()});
    return out;
  }
  upgrade_single_file(rundir, *dirfd, out);
  remove_temps(*dirfd, ".json.tmp-");
  std::map<std::uint32_t, std::string> names;  // by minor: the files to read
  if (DIR* dir = dir_stream(*dirfd)) {
    while (dirent* e = ::readdir(dir))
      if (auto m = device_state_minor(e->d_name)) names.emplace(*m, e->d_name);
    ::closedir(dir);
  }
  std::set<std::string> seen_names, seen_uuids;
  for (const auto& [minor, name] : names) {
    out.found = true;
    auto bytes = read_all(*dirfd, name);
    Result<DeviceRecord> dev = bytes ? decode_device_state(*bytes) : Result<DeviceRecord>(fail(bytes.error()));
    if (dev && dev->devno.minor != minor)
      dev = fail(EINVAL, "it records device " + dev->devno.to_string() + ", not minor " + std::to_string(minor));
    // Lower minors win a clash (a hand edit or a copied file): the later file
    // is kept aside rather than restoring a device the earlier one holds.
    if (dev && seen_names.contains(dev->name))
      dev = fail(EINVAL, "device name \"" + dev->name + "\" is recorded by a lower minor too");
    if (dev && !dev->uuid.empty() && seen_uuids.contains(dev->uuid))
      dev = fail(EINVAL, "uuid \"" + dev->uuid + "\" is recorded by a lower minor too");
    if (!dev) {
      // Kept aside, never dropped: the user may want the device it holds.
      Error problem = dev.error();
      problem.message = dir_path + "/" + name + ": " + problem.message;
      auto aside = set_aside(*dirfd, name, "bad");
      out.set_aside.push_back({aside ? dir_path + "/" + *aside : std::string(), problem});
      continue;
    }
    seen_names.insert(dev->name);
    if (!dev->uuid.empty()) seen_uuids.insert(dev->uuid);
    out.files.emplace(minor, std::move(*bytes));
    out.state.devices.push_back(std::move(*dev));
  }
  ::close(*dirfd);
  return out;
}
}  // namespace udm::daemon

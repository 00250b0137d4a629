#include "lvm/api/pvck_dump.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "lvm/api/cmd.hpp"
#include "lvm/format/crc.hpp"
#include "lvm/format/disk.hpp"

namespace udm::lvm::api {
namespace {

using format::get_le32;
using format::get_le64;

constexpr std::size_t SECTOR = 512;
constexpr std::size_t LABEL_HEADER_SIZE = 32;
constexpr std::size_t PV_UUID_LEN = 32;
constexpr std::size_t LOCN_SIZE = 16;
constexpr std::size_t RAW_LOCN_SIZE = 24;
constexpr std::size_t MDA_RAW_LOCN_AT = 40;  // after checksum, magic, version, start, size

struct Dumper {
  format::PvDevice& dev;
  std::string_view name;
  PvckOutput o;
  void say(const std::string& s) { o.out += "  " + s + "\n"; }
  void check(const std::string& s) { say("CHECK: " + s); }
  std::optional<std::vector<std::byte>> read(byte_count off, std::size_t n) {
    if (off > dev.size() || n > dev.size() - off) return std::nullopt;
    std::vector<std::byte> b(n);
    if (!dev.read(off, b)) return std::nullopt;
    return b;
  }
};

// lvm2 shows non-printable bytes of a text field as '?'.
std::string printable(const std::byte* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    const auto ch = static_cast<unsigned char>(p[i]);
    s += std::isprint(ch) ? static_cast<char>(ch) : '?';
  }
  return s;
}

bool valid_uuid(const std::byte* p) {
  for (std::size_t i = 0; i < PV_UUID_LEN; ++i) {
    const auto ch = static_cast<unsigned char>(p[i]);
    if (!std::isalnum(ch)) return false;
  }
  return true;
}

struct Located {
  std::uint64_t sector = 1;
  std::vector<std::byte> bytes;  // the label sector
};

// The sector among 0-3 that holds LABELONE; sector 1 when none does, as
// lvm2 then shows what sector 1 holds.
std::optional<Located> find_label(Dumper& d) {
  for (std::uint64_t s = 0; s < format::LABEL_SCAN_SECTORS; ++s) {
    auto b = d.read(s * SECTOR, SECTOR);
    if (b && format::looks_like_label(*b)) return Located{s, std::move(*b)};
  }
  auto b = d.read(SECTOR, SECTOR);
  if (!b) return std::nullopt;
  return Located{1, std::move(*b)};
}

// One disk_locn list: entries up to and including the zero-offset end.
std::vector<format::DiskLocn> dump_list(Dumper& d, const std::vector<std::byte>& sec, std::size_t& at,
                                        byte_count base, std::string_view prefix, std::size_t& index,
                                        std::string_view what, bool print) {
  std::vector<format::DiskLocn> out;
  while (at + LOCN_SIZE <= sec.size()) {
    const format::DiskLocn l{get_le64(&sec[at]), get_le64(&sec[at + 8])};
    const bool end = l.offset == 0;
    if (print) {
      d.say(fmt::format("{}.disk_locn[{}] at {} # {}", prefix, index, base + at,
                        end ? "location list end" : fmt::format("location of {}", what)));
      d.say(fmt::format("{}.disk_locn[{}].offset {}", prefix, index, l.offset));
      d.say(fmt::format("{}.disk_locn[{}].size {}", prefix, index, l.size));
    }
    ++index;
    at += LOCN_SIZE;
    if (end) break;
    out.push_back(l);
  }
  return out;
}

struct Label {
  std::vector<format::DiskLocn> mdas;
  bool found = false;
  std::uint64_t sector = 1;
};

Label dump_label(Dumper& d, bool print) {
  Label lab;
  auto loc = find_label(d);
  if (!loc) return lab;
  const auto& s = loc->bytes;
  const byte_count base = loc->sector * SECTOR;
  lab.sector = loc->sector;
  const std::string id = printable(&s[0], 8), type = printable(&s[24], 8);
  const std::uint64_t sector = get_le64(&s[8]);
  const std::uint32_t crc = get_le32(&s[16]), offset = get_le32(&s[20]);
  const std::uint32_t want_crc = format::lvm_crc(std::span<const std::byte>(s).subspan(20));
  lab.found = id == format::LABEL_ID;
  if (print) {
    d.say(fmt::format("label_header at {}", base));
    d.say("label_header.id " + id);
    d.say(fmt::format("label_header.sector {}", sector));
    d.say(fmt::format("label_header.crc 0x{:x}", crc));
    d.say(fmt::format("label_header.offset {}", offset));
    d.say("label_header.type " + type);
  }
  if (id != format::LABEL_ID) d.check("label_header.id expected LABELONE");
  if (sector != loc->sector) d.check(fmt::format("label_header.sector expected {}", loc->sector));
  if (crc != want_crc) d.check(fmt::format("label_header.crc expected 0x{:x}", want_crc));
  if (offset != LABEL_HEADER_SIZE) d.check(fmt::format("label_header.offset expected {}", LABEL_HEADER_SIZE));
  if (type != format::LABEL_TYPE) d.check(fmt::format("label_header.type expected {}", format::LABEL_TYPE));
  // lvm2 reads the pv_header at the fixed place whatever offset_xl says.
  std::size_t at = LABEL_HEADER_SIZE;
  if (print) {
    d.say(fmt::format("pv_header at {}", base + at));
    d.say("pv_header.pv_uuid " + printable(&s[at], PV_UUID_LEN));
    d.say(fmt::format("pv_header.device_size {}", get_le64(&s[at + PV_UUID_LEN])));
  }
  if (!valid_uuid(&s[at])) d.check("pv_header.pv_uuid invalid format");
  at += PV_UUID_LEN + 8;
  std::size_t index = 0;
  (void)dump_list(d, s, at, base, "pv_header", index, "data area", print);
  lab.mdas = dump_list(d, s, at, base, "pv_header", index, "metadata area", print);
  if (at + 8 <= s.size()) {
    if (print) {
      d.say(fmt::format("pv_header_extension at {}", base + at));
      d.say(fmt::format("pv_header_extension.version {}", get_le32(&s[at])));
      d.say(fmt::format("pv_header_extension.flags {}", get_le32(&s[at + 4])));
    }
    at += 8;
    std::size_t ext_index = 0;
    (void)dump_list(d, s, at, base, "pv_header_extension", ext_index, "bootloader area", print);
  }
  return lab;
}

struct Text {
  byte_count at = 0;  // absolute offset
  std::string text;   // without the NUL
};

// "vgname {" ... "seqno = N" ... "id = "..."": what lvm2 names a copy by.
struct TextNames {
  std::string vg, id;
  std::uint64_t seqno = 0;
};
TextNames names_of(std::string_view t) {
  TextNames n;
  if (auto sp = t.find_first_of(" {\n"); sp != std::string_view::npos) n.vg = std::string(t.substr(0, sp));
  if (auto p = t.find("\nseqno = "); p != std::string_view::npos) {
    for (std::size_t i = p + 9; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i)
      n.seqno = n.seqno * 10 + static_cast<std::uint64_t>(t[i] - '0');
  }
  if (auto p = t.find("\nid = \""); p != std::string_view::npos) {
    auto q = t.find('"', p + 7);
    if (q != std::string_view::npos) n.id = std::string(t.substr(p + 7, q - p - 7));
  }
  return n;
}

struct Mda {
  byte_count start = 0, size = 0;
  std::optional<Text> committed;
  std::uint32_t committed_crc = 0;
};

// The metadata area's header, and the committed text it points at (which may
// wrap around the end of the circular buffer).
std::optional<Mda> dump_mda(Dumper& d, const format::DiskLocn& l, std::size_t number, bool print) {
  auto h = d.read(l.offset, format::MDA_HEADER_SIZE);
  if (!h) return std::nullopt;
  const std::string p = fmt::format("mda_header_{}", number);
  const std::byte* b = h->data();
  Mda m{l.offset, l.size, std::nullopt, 0};
  if (print) {
    d.say(fmt::format("{} at {} # metadata area", p, l.offset));
    d.say(fmt::format("{}.checksum 0x{:x}", p, get_le32(b)));
    std::string magic;
    for (std::size_t i = 0; i < 16; ++i) magic += fmt::format("{:02x}", static_cast<unsigned>(b[4 + i]));
    d.say(fmt::format("{}.magic 0x{}", p, magic));
    d.say(fmt::format("{}.version {}", p, get_le32(b + 20)));
    d.say(fmt::format("{}.start {}", p, get_le64(b + 24)));
    d.say(fmt::format("{}.size {}", p, get_le64(b + 32)));
  }
  for (std::size_t i = 0; i < 2; ++i) {
    const std::byte* r = b + MDA_RAW_LOCN_AT + i * RAW_LOCN_SIZE;
    const std::uint64_t off = get_le64(r), size = get_le64(r + 8);
    const std::uint32_t crc = get_le32(r + 16), flags = get_le32(r + 20);
    if (print) {
      d.say(fmt::format("{}.raw_locn[{}] at {} # {}", p, i, l.offset + MDA_RAW_LOCN_AT + i * RAW_LOCN_SIZE,
                        i == 0 ? "commit" : "precommit"));
      d.say(fmt::format("{}.raw_locn[{}].offset {}", p, i, off));
      d.say(fmt::format("{}.raw_locn[{}].size {}", p, i, size));
      d.say(fmt::format("{}.raw_locn[{}].checksum 0x{:x}", p, i, crc));
      d.say(fmt::format("{}.raw_locn[{}].flags 0x{:x}", p, i, flags));
    }
    if (i != 0 || off == 0 || size == 0) continue;
    // The text is inside the area after the header; a copy that reaches the
    // end continues right after the header.
    if (l.size <= format::MDA_HEADER_SIZE || off < format::MDA_HEADER_SIZE || off >= l.size || size > l.size) continue;
    const byte_count ring = l.size - format::MDA_HEADER_SIZE;
    if (size > ring) continue;
    const byte_count first = std::min<byte_count>(size, l.size - off);
    auto t1 = d.read(l.offset + off, first);
    if (!t1) continue;
    if (first < size) {
      auto t2 = d.read(l.offset + format::MDA_HEADER_SIZE, size - first);
      if (!t2) continue;
      t1->insert(t1->end(), t2->begin(), t2->end());
    }
    std::string text(reinterpret_cast<const char*>(t1->data()), t1->size());
    if (auto nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
    m.committed = Text{l.offset + off, std::move(text)};
    m.committed_crc = crc;
  }
  return m;
}

// lvm2's length and checksum of a copy count its terminating NUL.
std::uint32_t with_nul_crc(std::string_view text) {
  const char nul = '\0';
  return format::lvm_crc(std::string_view(&nul, 1), format::lvm_crc(text));
}

void say_text_line(Dumper& d, const Mda& m) {
  const Text& t = *m.committed;
  const TextNames n = names_of(t.text);
  d.say(fmt::format("metadata text at {} crc 0x{:x} # vgname {} seqno {}", t.at, with_nul_crc(t.text), n.vg,
                    n.seqno));
}

// Every text copy left in the circular buffer: a VG name and " {" at the
// start of a 512-byte block, up to its NUL.
void search_texts(Dumper& d, const Mda& m) {
  d.say(fmt::format("Searching for metadata at offset {} size {}", m.start, m.size));
  const byte_count area = m.size > format::MDA_HEADER_SIZE ? m.size - format::MDA_HEADER_SIZE : 0;
  auto buf = d.read(m.start + format::MDA_HEADER_SIZE, area);
  if (!buf) return;
  const std::string_view all(reinterpret_cast<const char*>(buf->data()), buf->size());
  for (std::size_t at = 0; at < all.size(); at += SECTOR) {
    const std::string_view rest = all.substr(at);
    const auto brace = rest.find(" {\n");
    if (brace == 0 || brace == std::string_view::npos || brace > 128) continue;
    if (!std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(brace), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.' || ch == '+';
        }))
      continue;
    const std::string_view text = rest.substr(0, rest.find('\0'));
    if (text.find("\nseqno = ") == std::string_view::npos) continue;
    const TextNames n = names_of(text);
    d.say(fmt::format("metadata at {} length {} crc {:08x} vg {} seqno {} id {}",
                      m.start + format::MDA_HEADER_SIZE + at, text.size() + 1, with_nul_crc(text), n.vg, n.seqno,
                      n.id));
    at += (text.size() / SECTOR) * SECTOR;
  }
}

}  // namespace

PvckOutput pvck_dump(format::PvDevice& dev, std::string_view name, std::string_view what) {
  Dumper d{dev, name, {}};
  if (what.empty()) {
    Dumper quiet{dev, name, {}};
    const Label lab = dump_label(quiet, false);
    if (!lab.found) {
      d.o.err += fmt::format("  Could not find LVM label on {}\n", name);
      d.o.rc = EXIT_FAILED;
      return d.o;
    }
    d.say(fmt::format("Found label on {}, sector {}, type=LVM2 001", name, lab.sector));
    for (const auto& m : lab.mdas) d.say(fmt::format("Found text metadata area: offset={}, size={}", m.offset, m.size));
    return d.o;
  }
  const bool headers = what == "headers";
  const Label lab = dump_label(d, headers);
  std::vector<Mda> mdas;
  for (std::size_t i = 0; i < lab.mdas.size(); ++i) {
    auto m = dump_mda(d, lab.mdas[i], i + 1, headers);
    if (!m) continue;
    if (headers && m->committed) say_text_line(d, *m);
    mdas.push_back(std::move(*m));
  }
  if (lab.mdas.empty()) {
    d.say("zero metadata copies");
    return d.o;
  }
  if (what == "metadata") {
    if (!mdas.empty() && mdas[0].committed) {
      say_text_line(d, mdas[0]);
      d.say("---");
      d.o.out += mdas[0].committed->text + "\n";
      d.say("---");
    }
  } else if (what == "metadata_all" || what == "metadata_search") {
    if (!mdas.empty()) search_texts(d, mdas[0]);
    if (what == "metadata_all") {
      // lvm2 prints the search line only for metadata_search.
      auto nl = d.o.out.find("  Searching for metadata");
      if (nl != std::string::npos) d.o.out.erase(nl, d.o.out.find('\n', nl) + 1 - nl);
    }
  } else if (!headers) {
    d.o.err += fmt::format("  Unknown dump value.\n");
    d.o.rc = EXIT_INVALID;
  }
  return d.o;
}

}  // namespace udm::lvm::api

// ------------------------------------------------------------------ pvck PV

namespace udm::lvm::api::detail {

Outcome<void> cmd_pvck(Cmd& c) {
  if (c.cl().args.empty()) return failed("Please enter a physical volume path", EXIT_INVALID);
  const std::string what = c.cl().get("dump").value_or("");
  if (c.cl().has("dump") && what != "headers" && what != "metadata" && what != "metadata_all" &&
      what != "metadata_search")
    return failed("Unknown dump value.", EXIT_INVALID);
  int rc = EXIT_OK;
  for (const auto& path : c.cl().args) {
    auto dev = format::open_file_device(Cmd::normal_path(path), true);
    if (!dev) {
      c.warn(fmt::format("Cannot use {}: device not found", path));
      rc = EXIT_FAILED;
      continue;
    }
    PvckOutput o = pvck_dump(**dev, path, what);
    c.say_raw(o.out);
    c.warn_raw(o.err);
    if (o.rc) rc = o.rc;
  }
  if (rc) return failed("", rc);
  return {};
}

}  // namespace udm::lvm::api::detail

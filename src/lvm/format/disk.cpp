// pack/unpack of label_header, pv_header(+extension) and mda_header.
#include "lvm/format/disk.hpp"

#include <cstring>
#include <fmt/format.h>

#include "lvm/format/crc.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::format {

std::uint32_t get_le32(const std::byte* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}
std::uint64_t get_le64(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
  return v;
}
void put_le32(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
void put_le64(std::byte* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

namespace {

constexpr std::size_t LH_ID = 0, LH_SECTOR = 8, LH_CRC = 16, LH_OFFSET = 20, LH_TYPE = 24, LH_SIZE = 32;
constexpr std::size_t PVH_ID_LEN = 32, LOCN_SIZE = 16;
constexpr std::size_t MDA_CRC = 0, MDA_MAGIC_OFF = 4, MDA_VERSION_OFF = 20, MDA_START = 24, MDA_SIZE = 32,
                      MDA_LOCNS = 40, RAW_LOCN_SIZE = 24;

bool bytes_equal(const std::byte* p, std::string_view s) { return std::memcmp(p, s.data(), s.size()) == 0; }

// Reads {offset,size} pairs from `pos` until the {0,0} terminator.
Result<std::vector<DiskLocn>> read_locn_list(std::span<const std::byte> s, std::size_t& pos, const char* what) {
  std::vector<DiskLocn> out;
  for (;;) {
    if (pos + LOCN_SIZE > s.size())
      return fail(EINVAL, fmt::format("pv_header: {} list runs past the end of the label sector", what));
    DiskLocn l{get_le64(&s[pos]), get_le64(&s[pos + 8])};
    pos += LOCN_SIZE;
    if (l.offset == 0 && l.size == 0) return out;
    out.push_back(l);
  }
}

Result<void> write_locn_list(std::span<std::byte> s, std::size_t& pos, const std::vector<DiskLocn>& list,
                             const char* what) {
  if (pos + (list.size() + 1) * LOCN_SIZE > s.size())
    return fail(EINVAL, fmt::format("pv_header: {} list of {} entries does not fit in the label sector", what,
                                    list.size()));
  for (const auto& l : list) {
    if (l.offset == 0 && l.size == 0) return fail(EINVAL, fmt::format("pv_header: {} entry {{0,0}} is not allowed", what));
    put_le64(&s[pos], l.offset);
    put_le64(&s[pos + 8], l.size);
    pos += LOCN_SIZE;
  }
  pos += LOCN_SIZE;  // terminator: already zero
  return {};
}

}  // namespace

bool looks_like_label(std::span<const std::byte> s) {
  return s.size() >= LH_SIZE && bytes_equal(s.data(), LABEL_ID);
}

Result<PvLabel> decode_label(std::span<const std::byte> s, std::uint64_t sector) {
  const std::string where = fmt::format("label in sector {}", sector);
  if (s.size() != LABEL_SIZE) return fail(EINVAL, where + ": not 512 bytes");
  if (!bytes_equal(&s[LH_ID], LABEL_ID)) return fail(EINVAL, where + ": no LABELONE id");
  const std::uint64_t sector_xl = get_le64(&s[LH_SECTOR]);
  if (sector_xl != sector)
    return fail(EINVAL, fmt::format("{}: header says sector {}", where, sector_xl));
  const std::uint32_t stored = get_le32(&s[LH_CRC]);
  const std::uint32_t computed = lvm_crc(s.subspan(LH_OFFSET));
  if (stored != computed)
    return fail(EINVAL, fmt::format("{}: bad CRC (stored {:#x}, computed {:#x})", where, stored, computed));
  if (!bytes_equal(&s[LH_TYPE], LABEL_TYPE))
    return fail(EINVAL, fmt::format("{}: type \"{}\" is not \"LVM2 001\"", where,
                                    std::string(reinterpret_cast<const char*>(&s[LH_TYPE]), 8)));
  const std::uint32_t offset = get_le32(&s[LH_OFFSET]);
  if (offset < LH_SIZE || offset + PVH_ID_LEN + 8 > LABEL_SIZE)
    return fail(EINVAL, fmt::format("{}: pv_header offset {} outside the sector", where, offset));

  PvLabel label;
  label.sector = sector;
  std::size_t pos = offset;
  label.pv_id.assign(reinterpret_cast<const char*>(&s[pos]), PVH_ID_LEN);
  if (!is_valid_raw_id(label.pv_id)) return fail(EINVAL, where + ": pv_header uuid is not 32 id characters");
  pos += PVH_ID_LEN;
  label.device_size = get_le64(&s[pos]);
  pos += 8;
  auto da = read_locn_list(s, pos, "data area");
  if (!da) return fail(with_context(where + ": ", da.error()));
  label.data_areas = std::move(*da);
  auto mda = read_locn_list(s, pos, "metadata area");
  if (!mda) return fail(with_context(where + ": ", mda.error()));
  label.metadata_areas = std::move(*mda);
  label.ext_version = 0;
  label.ext_flags = 0;
  if (pos + 8 <= LABEL_SIZE) {
    label.ext_version = get_le32(&s[pos]);
    label.ext_flags = get_le32(&s[pos + 4]);
    pos += 8;
    if (label.ext_version != 0) {
      auto ba = read_locn_list(s, pos, "bootloader area");
      if (!ba) return fail(with_context(where + ": ", ba.error()));
      label.bootloader_areas = std::move(*ba);
    }
  }
  for (const auto& m : label.metadata_areas)
    if (m.size < MDA_HEADER_SIZE * 2)
      return fail(EINVAL, fmt::format("{}: metadata area at {} has size {}, too small", where, m.offset, m.size));
  return label;
}

Result<std::array<std::byte, LABEL_SIZE>> encode_label(const PvLabel& label) {
  std::array<std::byte, LABEL_SIZE> s{};
  if (label.sector >= LABEL_SCAN_SECTORS) return fail(EINVAL, fmt::format("label sector {} is not 0-3", label.sector));
  if (!is_valid_raw_id(label.pv_id)) return fail(EINVAL, "label: PV id \"" + label.pv_id + "\" is not 32 id characters");
  std::memcpy(&s[LH_ID], LABEL_ID.data(), 8);
  put_le64(&s[LH_SECTOR], label.sector);
  put_le32(&s[LH_OFFSET], LH_SIZE);
  std::memcpy(&s[LH_TYPE], LABEL_TYPE.data(), 8);
  std::size_t pos = LH_SIZE;
  std::memcpy(&s[pos], label.pv_id.data(), PVH_ID_LEN);
  pos += PVH_ID_LEN;
  put_le64(&s[pos], label.device_size);
  pos += 8;
  if (auto r = write_locn_list(s, pos, label.data_areas, "data area"); !r) return fail(r.error());
  if (auto r = write_locn_list(s, pos, label.metadata_areas, "metadata area"); !r) return fail(r.error());
  if (label.ext_version != 0) {
    if (pos + 8 > LABEL_SIZE) return fail(EINVAL, "pv_header extension does not fit in the label sector");
    put_le32(&s[pos], label.ext_version);
    put_le32(&s[pos + 4], label.ext_flags);
    pos += 8;
    if (auto r = write_locn_list(s, pos, label.bootloader_areas, "bootloader area"); !r) return fail(r.error());
  }
  put_le32(&s[LH_CRC], lvm_crc(std::span<const std::byte>(s).subspan(LH_OFFSET)));
  return s;
}

Result<MdaHeader> decode_mda_header(std::span<const std::byte> b, const DiskLocn& expected) {
  const std::string where = fmt::format("mda header at {}", expected.offset);
  if (b.size() != MDA_HEADER_SIZE) return fail(EINVAL, where + ": not 512 bytes");
  const std::uint32_t stored = get_le32(&b[MDA_CRC]);
  const std::uint32_t computed = lvm_crc(b.subspan(MDA_MAGIC_OFF));
  if (stored != computed)
    return fail(EINVAL, fmt::format("{}: wrong checksum (stored {:#x}, computed {:#x})", where, stored, computed));
  if (std::memcmp(&b[MDA_MAGIC_OFF], MDA_MAGIC.data(), MDA_MAGIC.size()) != 0)
    return fail(EINVAL, where + ": wrong magic number");
  MdaHeader h;
  h.version = get_le32(&b[MDA_VERSION_OFF]);
  if (h.version != MDA_VERSION) return fail(EINVAL, fmt::format("{}: unknown version {}", where, h.version));
  h.start = get_le64(&b[MDA_START]);
  h.size = get_le64(&b[MDA_SIZE]);
  if (h.start != expected.offset)
    return fail(EINVAL, fmt::format("{}: start {} does not match the pv_header", where, h.start));
  if (h.size != expected.size)
    return fail(EINVAL, fmt::format("{}: size {} does not match the pv_header ({})", where, h.size, expected.size));
  auto read_slot = [&](std::size_t i) {
    const std::byte* p = &b[MDA_LOCNS + i * RAW_LOCN_SIZE];
    return RawLocn{get_le64(p), get_le64(p + 8), get_le32(p + 16), get_le32(p + 20)};
  };
  h.committed = read_slot(0);
  h.precommitted = h.committed == RawLocn{} ? RawLocn{} : read_slot(1);  // the list ends at an all-zero entry
  for (const RawLocn* r : {&h.committed, &h.precommitted}) {
    if (r->empty()) continue;
    const char* slot = r == &h.committed ? "raw_locn[0]" : "raw_locn[1]";
    if (r->offset < MDA_HEADER_SIZE || r->offset >= h.size)
      return fail(EINVAL, fmt::format("{}: {} offset {} outside the area of {} bytes", where, slot, r->offset, h.size));
    if (r->size == 0 || r->size > h.size - MDA_HEADER_SIZE)
      return fail(EINVAL, fmt::format("{}: {} size {} does not fit in the area of {} bytes", where, slot, r->size, h.size));
  }
  return h;
}

MdaHeaderFault classify_mda_header(std::span<const std::byte> b, const DiskLocn& expected) {
  MdaHeaderFault f;
  if (b.size() != MDA_HEADER_SIZE) return f;
  if (const std::uint32_t stored = get_le32(&b[MDA_CRC]); stored != lvm_crc(b.subspan(MDA_MAGIC_OFF))) {
    f.words.push_back(fmt::format("wrong checksum {:x}", stored));
    f.bad_fields |= BAD_MDA_CHECKSUM;
  }
  if (std::memcmp(&b[MDA_MAGIC_OFF], MDA_MAGIC.data(), MDA_MAGIC.size()) != 0) {
    f.words.push_back("wrong magic number");
    f.bad_fields |= BAD_MDA_MAGIC;
  }
  if (const std::uint32_t v = get_le32(&b[MDA_VERSION_OFF]); v != MDA_VERSION) {
    f.words.push_back(fmt::format("wrong version {}", v));
    f.bad_fields |= BAD_MDA_VERSION;
  }
  if (const std::uint64_t start = get_le64(&b[MDA_START]); start != expected.offset) {
    f.words.push_back(fmt::format("wrong start sector {}", start));
    f.bad_fields |= BAD_MDA_START;
  }
  return f;
}

std::array<std::byte, MDA_HEADER_SIZE> encode_mda_header(const MdaHeader& h) {
  std::array<std::byte, MDA_HEADER_SIZE> b{};
  std::memcpy(&b[MDA_MAGIC_OFF], MDA_MAGIC.data(), MDA_MAGIC.size());
  put_le32(&b[MDA_VERSION_OFF], h.version);
  put_le64(&b[MDA_START], h.start);
  put_le64(&b[MDA_SIZE], h.size);
  auto write_slot = [&](std::size_t i, const RawLocn& r) {
    std::byte* p = &b[MDA_LOCNS + i * RAW_LOCN_SIZE];
    put_le64(p, r.offset);
    put_le64(p + 8, r.size);
    put_le32(p + 16, r.checksum);
    put_le32(p + 20, r.flags);
  };
  write_slot(0, h.committed);
  write_slot(1, h.precommitted);
  put_le32(&b[MDA_CRC], lvm_crc(std::span<const std::byte>(b).subspan(MDA_MAGIC_OFF)));
  return b;
}

}  // namespace udm::lvm::format

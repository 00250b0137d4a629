#include "lvm/format/mda_text.hpp"

#include <cstring>
#include <fmt/format.h>
#include <vector>

#include "lvm/format/crc.hpp"

namespace udm::lvm::format {

namespace {
byte_count align_up(byte_count v, byte_count a) { return (v + a - 1) / a * a; }

// The end (exclusive, relative to the mda) of the copy at `locn`, after a wrap.
byte_count copy_end(const MdaHeader& mda, const RawLocn& locn) {
  const byte_count end = locn.offset + locn.size;
  return end > mda.size ? MDA_HEADER_SIZE + (end - mda.size) : end;
}
}  // namespace

byte_count max_text_size(byte_count mda_size) {
  if (mda_size < 4 * MDA_HEADER_SIZE) return 0;
  return (mda_size - MDA_HEADER_SIZE) / 2 - MDA_HEADER_SIZE;
}

Result<std::string> read_mda_text(PvDevice& dev, const MdaHeader& mda, const RawLocn& locn, std::string* unchecked) {
  const std::string where = fmt::format("{}: metadata text in mda at {}", dev.path(), mda.start);
  if (locn.empty()) return fail(ENODATA, where + ": no committed copy");
  if (locn.offset < MDA_HEADER_SIZE || locn.offset >= mda.size || locn.size == 0 ||
      locn.size > mda.size - MDA_HEADER_SIZE)
    return fail(EINVAL, fmt::format("{}: location {}+{} outside the area of {} bytes", where, locn.offset, locn.size,
                                    mda.size));
  if (mda.start > dev.size() || mda.size > dev.size() - mda.start)
    return fail(EINVAL, fmt::format("{}: area of {} bytes runs past the end of the device ({} bytes)", where,
                                    mda.size, dev.size()));
  std::string text(locn.size, '\0');
  auto* bytes = reinterpret_cast<std::byte*>(text.data());
  const byte_count first = std::min<byte_count>(locn.size, mda.size - locn.offset);
  const byte_count second = locn.size - first;
  if (second > locn.offset - MDA_HEADER_SIZE)
    return fail(EINVAL, fmt::format("{}: wrapped copy at {}+{} overlaps itself", where, locn.offset, locn.size));
  if (auto r = dev.read(mda.start + locn.offset, {bytes, first}); !r) return fail(r.error());
  if (second)
    if (auto r = dev.read(mda.start + MDA_HEADER_SIZE, {bytes + first, second}); !r) return fail(r.error());
  const std::uint32_t crc = lvm_crc(std::string_view(text));
  if (crc != locn.checksum) {
    if (unchecked) *unchecked = text;
    return fail(EBADMSG, fmt::format("{}: checksum error at offset {} (stored {:#x}, computed {:#x})", where,
                                    mda.start + locn.offset, locn.checksum, crc));
  }
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

Result<byte_count> next_text_offset(const MdaHeader& mda, byte_count text_size) {
  const byte_count limit = max_text_size(mda.size);
  if (text_size > limit)
    return fail(ENOSPC, fmt::format("metadata of {} bytes is too large for the mda at {} (at most {} bytes per copy)",
                                    text_size, mda.start, limit));
  if (mda.committed.empty() || mda.committed.ignored()) return MDA_HEADER_SIZE;
  byte_count next = align_up(copy_end(mda, mda.committed), MDA_HEADER_SIZE);
  if (next >= mda.size || mda.size - next < MDA_HEADER_SIZE) next = MDA_HEADER_SIZE;
  return next;
}

Result<RawLocn> write_mda_text(PvDevice& dev, const MdaHeader& mda, byte_count offset, std::string_view text) {
  const byte_count size = text.size() + 1;
  if (size > max_text_size(mda.size))
    return fail(ENOSPC, fmt::format("{}: metadata of {} bytes is too large for the mda at {}", dev.path(), size,
                                    mda.start));
  if (offset < MDA_HEADER_SIZE || offset >= mda.size)
    return fail(EINVAL, fmt::format("{}: text offset {} outside the mda at {}", dev.path(), offset, mda.start));
  // Never overwrite the committed copy: the new copy must end before it starts
  // in the circular order (both measured from `offset`).
  if (!mda.committed.empty() && !mda.committed.ignored()) {
    const byte_count ring = mda.size - MDA_HEADER_SIZE;
    auto dist = [&](byte_count from, byte_count to) { return (to + ring - from) % ring; };
    const byte_count ns = offset - MDA_HEADER_SIZE, os = mda.committed.offset - MDA_HEADER_SIZE;
    if (dist(os, ns) < mda.committed.size || align_up(size, MDA_HEADER_SIZE) > dist(ns, os))
      return fail(ENOSPC, fmt::format("{}: new copy at {}+{} would overwrite the committed copy at {}+{}",
                                      dev.path(), offset, size, mda.committed.offset, mda.committed.size));
  }
  // The copy plus zero padding to a 512-byte boundary (the padding never wraps).
  const byte_count first = std::min<byte_count>(size, mda.size - offset);
  const byte_count second = size - first;
  std::vector<std::byte> buf(align_up(size, MDA_HEADER_SIZE) + MDA_HEADER_SIZE, std::byte{0});
  std::memcpy(buf.data(), text.data(), text.size());
  const byte_count first_len = second ? first : std::min<byte_count>(align_up(first, MDA_HEADER_SIZE), mda.size - offset);
  if (auto r = dev.write(mda.start + offset, {buf.data(), first_len}); !r) return fail(r.error());
  if (second) {
    const byte_count second_len = std::min<byte_count>(align_up(second, MDA_HEADER_SIZE), mda.size - MDA_HEADER_SIZE);
    if (auto r = dev.write(mda.start + MDA_HEADER_SIZE, {buf.data() + first, second_len}); !r) return fail(r.error());
  }
  RawLocn locn;
  locn.offset = offset;
  locn.size = size;
  // The CRC covers the text and its NUL (fed in two pieces, no copy).
  locn.checksum = lvm_crc(std::string_view("\0", 1), lvm_crc(text));
  return locn;
}

}  // namespace udm::lvm::format

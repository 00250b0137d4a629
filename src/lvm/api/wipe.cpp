#include "lvm/api/wipe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "lvm/api/signatures.hpp"
#include "lvm/format/device.hpp"

namespace udm::lvm::api::detail {

Result<std::vector<LvPiece>> lv_pieces(const VolumeGroup& vg, const LogicalVolume& lv,
                                       const std::map<std::string, std::string>& pv_paths, std::uint64_t offset,
                                       std::uint64_t length) {
  std::vector<LvPiece> out;
  const std::uint64_t ext_bytes = vg.extent_bytes();
  if (ext_bytes == 0) return fail(EINVAL, fmt::format("VG {} has no extent size", vg.name));
  while (length > 0) {
    const Segment* seg = nullptr;
    for (const auto& s : lv.segments)
      if (offset >= s.start_extent * ext_bytes && offset < (s.start_extent + s.extent_count) * ext_bytes) seg = &s;
    if (!seg) return fail(EINVAL, fmt::format("offset {} is past the end of LV {}/{}", offset, vg.name, lv.name));
    const std::uint64_t in_seg = offset - seg->start_extent * ext_bytes;
    const std::uint64_t seg_left = seg->extent_count * ext_bytes - in_seg;
    LvPiece p;
    if (!seg->is_striped()) {
      p.length = std::min(length, seg_left);
    } else {
      if (seg->stripes.empty()) return fail(EINVAL, fmt::format("LV {}/{}: striped segment without areas", vg.name, lv.name));
      const std::size_t n = seg->stripes.size();
      std::uint64_t area_off = in_seg;
      std::size_t idx = 0;
      std::uint64_t run = seg_left;
      if (n > 1) {
        const std::uint64_t chunk = seg->stripe_size * SECTOR_SIZE;
        if (chunk == 0) return fail(EINVAL, fmt::format("LV {}/{}: striped segment without a stripe size", vg.name, lv.name));
        const std::uint64_t c = in_seg / chunk;
        idx = c % n;
        area_off = (c / n) * chunk + in_seg % chunk;
        run = chunk - in_seg % chunk;
      }
      const SegmentArea& a = seg->stripes[idx];
      const PhysicalVolume* pv = vg.find_pv(a.name);
      auto path = pv_paths.find(a.name);
      if (!pv || path == pv_paths.end() || path->second.empty())
        return fail(ENODEV, fmt::format("LV {}/{}: PV {} is missing", vg.name, lv.name, a.name));
      p.path = path->second;
      p.offset = pv->pe_start * SECTOR_SIZE + a.start * ext_bytes + area_off;
      p.length = std::min({length, seg_left, run});
    }
    out.push_back(p);
    offset += p.length;
    length -= p.length;
  }
  return out;
}

namespace {

// A PV named by an NBD URI is reached through libnbd, not open(2).
bool is_uri(const std::string& path) { return path.find("://") != std::string::npos; }

Result<void> pread_all(const std::string& path, std::uint64_t offset, std::span<std::byte> out) {
  if (is_uri(path)) {
    auto d = format::open_file_device(path, true);
    return d ? (*d)->read(offset, out) : Result<void>(fail(d.error()));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno, fmt::format("{}: open failed: {}", path, std::strerror(errno)));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return fail(e, fmt::format("{}: read failed: {}", path, std::strerror(e)));
    }
    if (n == 0) {  // past the end of a file: zeros, as a sparse tail reads
      std::fill(out.begin() + done, out.end(), std::byte{0});
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return {};
}

Result<void> pwrite_all(const std::string& path, std::uint64_t offset, std::span<const std::byte> in) {
  if (is_uri(path)) {
    auto d = format::open_file_device(path, false);
    if (!d) return fail(d.error());
    if (auto r = (*d)->write(offset, in); !r) return r;
    return (*d)->flush();
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno, fmt::format("{}: open failed: {}", path, std::strerror(errno)));
  std::size_t done = 0;
  while (done < in.size()) {
    ssize_t n = ::pwrite(fd, in.data() + done, in.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      ::close(fd);
      return fail(e, fmt::format("{}: write failed: {}", path, std::strerror(e)));
    }
    done += static_cast<std::size_t>(n);
  }
  // Durable before the LV is activated or the command reports success.
  if (::fdatasync(fd) != 0) {
    int e = errno;
    ::close(fd);
    return fail(e, fmt::format("{}: sync failed: {}", path, std::strerror(e)));
  }
  ::close(fd);
  return {};
}

std::uint64_t file_size(const std::string& path) {
  if (is_uri(path)) {
    auto d = format::open_file_device(path, true);
    return d ? (*d)->size() : 0;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  off_t end = ::lseek(fd, 0, SEEK_END);
  ::close(fd);
  return end < 0 ? 0 : static_cast<std::uint64_t>(end);
}

}  // namespace

ByteTarget lv_target(const VolumeGroup& vg, const LogicalVolume& lv, const std::map<std::string, std::string>& pv_paths) {
  ByteTarget t;
  t.name = fmt::format("/dev/{}/{}", vg.name, lv.name);
  t.size = lv.extent_count() * vg.extent_bytes();
  t.read = [vg, lv, pv_paths](std::uint64_t off, std::span<std::byte> out) -> Result<void> {
    auto pieces = lv_pieces(vg, lv, pv_paths, off, out.size());
    if (!pieces) return fail(pieces.error());
    std::size_t at = 0;
    for (const auto& p : *pieces) {
      auto part = out.subspan(at, p.length);
      if (p.path.empty()) std::fill(part.begin(), part.end(), std::byte{0});
      else if (auto r = pread_all(p.path, p.offset, part); !r) return r;
      at += p.length;
    }
    return {};
  };
  t.write = [vg, lv, pv_paths](std::uint64_t off, std::span<const std::byte> in) -> Result<void> {
    auto pieces = lv_pieces(vg, lv, pv_paths, off, in.size());
    if (!pieces) return fail(pieces.error());
    std::size_t at = 0;
    for (const auto& p : *pieces) {
      if (!p.path.empty())
        if (auto r = pwrite_all(p.path, p.offset, in.subspan(at, p.length)); !r) return r;
      at += p.length;
    }
    return {};
  };
  return t;
}

ByteTarget device_target(const std::string& name, const std::string& path) {
  ByteTarget t;
  t.name = name;
  t.size = file_size(path);
  t.read = [path](std::uint64_t off, std::span<std::byte> out) { return pread_all(path, off, out); };
  t.write = [path](std::uint64_t off, std::span<const std::byte> in) { return pwrite_all(path, off, in); };
  return t;
}

Outcome<bool> wipe_signatures(Cmd& c, const ByteTarget& t, const WipeOptions& opts) {
  std::vector<std::byte> head(std::min<std::uint64_t>(t.size, SIGNATURE_PROBE_BYTES));
  if (auto r = t.read(0, head); !r) return failed(r.error().message);
  unsigned left = 0;
  for (const auto& s : find_signatures(head)) {
    if (std::find(opts.skip_types.begin(), opts.skip_types.end(), s.type) != opts.skip_types.end()) continue;
    if (!opts.yes &&
        yes_no(c, fmt::format("WARNING: {} signature detected on {} at offset {}. Wipe it? [y/n]: ", s.type, t.name,
                              s.offset)) == 'n') {
      c.warn(fmt::format("Aborted wiping of {}.", s.type));
      ++left;
      continue;
    }
    c.say(fmt::format("Wiping {} signature on {}.", s.type, t.name));
    if (c.test_mode()) continue;
    std::vector<std::byte> zeros(s.length);
    if (auto r = t.write(s.offset, zeros); !r) return failed(r.error().message);
  }
  if (left) c.warn(fmt::format("{} existing signature{} left on the device.", left, left > 1 ? "s" : ""));
  return left == 0;
}

Result<void> zero_start(const ByteTarget& t, std::uint64_t bytes) {
  std::vector<std::byte> zeros(std::min(bytes, t.size));
  if (zeros.empty()) return {};
  return t.write(0, zeros);
}

}  // namespace udm::lvm::api::detail

#include "lvm/api/store.hpp"

#include <array>
#include <ctime>

#include <fmt/format.h>

#include "lvm/format/mda_text.hpp"

namespace udm::lvm::api {
namespace {

constexpr byte_count PE_START_BYTES = 1 << 20;  // devices/default_data_alignment
constexpr byte_count MDA_START = 4096;

struct ParsedCopy {
  std::uint64_t seqno = 0;
  std::shared_ptr<format::VgText> text;
};

Result<void> write_zeros(format::PvDevice& dev, byte_count offset, std::size_t n) {
  std::vector<std::byte> z(n);
  return dev.write(offset, z);
}

}  // namespace

Result<Store> Store::scan(const std::vector<std::string>& paths, bool writable) {
  Store st;
  // VG id -> newest copy; copies with the same checksum and size are parsed once.
  std::map<std::string, ParsedCopy> newest;
  std::map<std::pair<std::uint32_t, byte_count>, std::shared_ptr<format::VgText>> parsed;
  for (const auto& path : paths) {
    bool dup = false;
    for (const auto& p : st.pvs_) dup = dup || p.path == path;
    if (dup) continue;
    auto dev = format::open_file_device(path, !writable);
    if (!dev) {
      st.warnings_.push_back(fmt::format("Cannot use {}: {}", path, dev.error().message));
      continue;
    }
    ScannedPv pv;
    pv.path = path;
    pv.dev = std::move(*dev);
    std::array<std::byte, format::LABEL_SIZE * format::LABEL_SCAN_SECTORS> head{};
    if (pv.dev->size() >= head.size() && pv.dev->read(0, head)) {
      for (std::size_t s = 0; s < format::LABEL_SCAN_SECTORS; ++s) {
        std::span<const std::byte> sector(head.data() + s * format::LABEL_SIZE, format::LABEL_SIZE);
        if (!format::looks_like_label(sector)) continue;
        auto label = format::decode_label(sector, s);
        if (!label) {
          st.warnings_.push_back(fmt::format("WARNING: {}: {}", path, label.error().message));
          break;
        }
        pv.is_pv = true;
        pv.label = *label;
        break;
      }
    }
    if (pv.is_pv) {
      std::uint64_t best_seqno = 0;
      for (const auto& locn : pv.label.metadata_areas) {
        ScannedMda m;
        m.locn = locn;
        std::array<std::byte, format::MDA_HEADER_SIZE> hb{};
        if (auto rr = pv.dev->read(locn.offset, hb); !rr) {
          st.warnings_.push_back(fmt::format("WARNING: {}: {}", path, rr.error().message));
          pv.mdas.push_back(m);
          continue;
        }
        auto hdr = format::decode_mda_header(hb, locn);
        if (!hdr) {
          st.warnings_.push_back(fmt::format("WARNING: bad metadata header on {} at {}: {}", path, locn.offset,
                                             hdr.error().message));
          pv.mdas.push_back(m);
          continue;
        }
        m.header = *hdr;
        const auto& c = hdr->committed;
        if (!c.empty() && !c.ignored()) {
          std::shared_ptr<format::VgText> vt;
          auto key = std::make_pair(c.checksum, c.size);
          if (auto it = parsed.find(key); it != parsed.end()) {
            vt = it->second;
          } else {
            auto text = format::read_mda_text(*pv.dev, *hdr, c);
            if (!text) {
              st.warnings_.push_back(fmt::format("WARNING: {}: {}", path, text.error().message));
            } else if (auto imp = format::import_vg_text(*text); !imp) {
              st.warnings_.push_back(fmt::format("WARNING: {}: {}", path, imp.error().message));
            } else {
              vt = std::make_shared<format::VgText>(std::move(*imp));
              parsed[key] = vt;
            }
          }
          if (vt) {
            m.seqno = vt->vg.seqno;
            if (!pv.vg_id || best_seqno < vt->vg.seqno) {
              pv.vg_id = vt->vg.id;
              best_seqno = vt->vg.seqno;
            }
            auto& n = newest[vt->vg.id];
            if (!n.text || n.seqno < vt->vg.seqno) n = {vt->vg.seqno, vt};
          }
        }
        pv.mdas.push_back(m);
      }
    }
    st.pvs_.push_back(std::move(pv));
  }
  for (auto& [id, copy] : newest) {
    FoundVg f;
    f.text = *copy.text;
    for (const auto& vpv : f.text.vg.pvs) {
      std::size_t at = MISSING;
      for (std::size_t i = 0; i < st.pvs_.size(); ++i)
        if (st.pvs_[i].is_pv && st.pvs_[i].label.pv_id == vpv.id) at = i;
      f.pv_scans.push_back(at);
    }
    for (const auto& p : st.pvs_)
      for (const auto& m : p.mdas)
        if (p.vg_id == id && m.seqno && *m.seqno < copy.seqno)
          f.warnings.push_back(fmt::format("WARNING: ignoring metadata seqno {} on {} for seqno {} for VG {}.",
                                           *m.seqno, p.path, copy.seqno, f.text.vg.name));
    std::string name = f.text.vg.name;
    st.vgs_.emplace(name, std::move(f));
  }
  return st;
}

const FoundVg* Store::find_vg(std::string_view name) const {
  auto it = vgs_.find(std::string(name));
  return it == vgs_.end() ? nullptr : &it->second;
}

ScannedPv* Store::device(std::string_view path) {
  for (auto& p : pvs_)
    if (p.path == path) return &p;
  return nullptr;
}

Result<void> Store::create_pv(const std::string& path, const std::string& raw_id) {
  ScannedPv* pv = device(path);
  if (!pv) return fail(ENOENT, fmt::format("Cannot use {}: device not found", path));
  format::PvDevice& dev = *pv->dev;
  byte_count size = dev.size() / SECTOR_SIZE * SECTOR_SIZE;
  if (size < PE_START_BYTES + 1024 * 1024)
    return fail(EINVAL, fmt::format("Cannot use {}: device is too small (< 2.00 MiB)", path));
  format::PvLabel label;
  label.sector = 1;
  label.pv_id = raw_id;
  label.device_size = size;
  label.data_areas = {{PE_START_BYTES, 0}};
  label.metadata_areas = {{MDA_START, PE_START_BYTES - MDA_START}};
  label.ext_version = format::PV_EXT_VERSION;
  label.ext_flags = 0;
  auto sector = format::encode_label(label);
  if (!sector) return fail(sector.error());
  format::MdaHeader mh;
  mh.start = MDA_START;
  mh.size = PE_START_BYTES - MDA_START;
  auto hb = format::encode_mda_header(mh);
  if (auto r = write_zeros(dev, 0, 2048); !r) return r;
  if (auto r = write_zeros(dev, MDA_START, 4096); !r) return r;
  if (auto r = dev.write(MDA_START, hb); !r) return r;
  if (auto r = dev.write(label.sector * SECTOR_SIZE, *sector); !r) return r;
  if (auto r = dev.flush(); !r) return r;
  pv->is_pv = true;
  pv->label = label;
  pv->mdas = {ScannedMda{.locn = label.metadata_areas[0], .header = mh, .seqno = std::nullopt}};
  pv->vg_id.reset();
  return {};
}

Result<void> Store::wipe_label(const std::string& path) {
  ScannedPv* pv = device(path);
  if (!pv) return fail(ENOENT, fmt::format("Cannot use {}: device not found", path));
  if (auto r = write_zeros(*pv->dev, 0, 2048); !r) return r;
  if (auto r = pv->dev->flush(); !r) return r;
  pv->is_pv = false;
  return {};
}

Result<void> Store::set_pv_in_use(const std::string& path, bool in_use) {
  ScannedPv* pv = device(path);
  if (!pv || !pv->is_pv) return fail(ENOENT, fmt::format("{} is not a physical volume", path));
  if (pv->label.in_use() == in_use) return {};
  format::PvLabel label = pv->label;
  if (in_use) label.ext_flags |= format::PV_EXT_USED;
  else label.ext_flags &= ~format::PV_EXT_USED;
  auto sector = format::encode_label(label);
  if (!sector) return fail(sector.error());
  if (auto r = pv->dev->write(label.sector * SECTOR_SIZE, *sector); !r) return r;
  if (auto r = pv->dev->flush(); !r) return r;
  pv->label = label;
  return {};
}

Result<void> Store::write_vg(const VolumeGroup& vg, const std::vector<std::string>& pv_paths,
                             std::string_view command_line) {
  // Never write what lvm would refuse to read back.
  if (auto v = validate(vg); !v) return fail(v.error());
  const std::string text = format::export_vg_text(vg, format::make_header(command_line, std::time(nullptr)));
  struct Pending {
    ScannedPv* pv;
    ScannedMda* mda;
    format::RawLocn locn;
  };
  std::vector<Pending> pending;
  for (const auto& path : pv_paths) {
    ScannedPv* pv = device(path);
    if (!pv || !pv->is_pv) return fail(ENOENT, fmt::format("{} is not a physical volume", path));
    for (auto& m : pv->mdas) {
      if (!m.header || m.header->committed.ignored()) continue;
      if (text.size() + 1 > format::max_text_size(m.header->size))
        return fail(ENOSPC, fmt::format("VG {} metadata on {} ({} bytes) exceeds maximum metadata size ({} bytes)",
                                        vg.name, path, text.size() + 1, format::max_text_size(m.header->size)));
      auto off = format::next_text_offset(*m.header, text.size() + 1);
      if (!off) return fail(off.error());
      auto locn = format::write_mda_text(*pv->dev, *m.header, *off, text);
      if (!locn) return fail(locn.error());
      pending.push_back({pv, &m, *locn});
    }
  }
  if (pending.empty()) return fail(EINVAL, fmt::format("No metadata areas to write VG {} to", vg.name));
  auto flush_all = [&]() -> Result<void> {
    for (const auto& p : pending)
      if (auto r = p.pv->dev->flush(); !r) return r;
    return {};
  };
  if (auto r = flush_all(); !r) return r;
  for (auto& p : pending) {  // precommit
    format::MdaHeader h = *p.mda->header;
    h.precommitted = p.locn;
    auto hb = format::encode_mda_header(h);
    if (auto r = p.pv->dev->write(h.start, hb); !r) return r;
  }
  if (auto r = flush_all(); !r) return r;
  for (auto& p : pending) {  // commit
    format::MdaHeader h = *p.mda->header;
    h.committed = p.locn;
    h.precommitted = {};
    auto hb = format::encode_mda_header(h);
    if (auto r = p.pv->dev->write(h.start, hb); !r) return r;
    p.mda->header = h;
    p.mda->seqno = vg.seqno;
    p.pv->vg_id = vg.id;
  }
  return flush_all();
}

Result<void> Store::clear_metadata(const std::string& path) {
  ScannedPv* pv = device(path);
  if (!pv || !pv->is_pv) return fail(ENOENT, fmt::format("{} is not a physical volume", path));
  for (auto& m : pv->mdas) {
    if (!m.header) continue;
    format::MdaHeader h = *m.header;
    h.committed = {};
    h.precommitted = {};
    auto hb = format::encode_mda_header(h);
    if (auto r = pv->dev->write(h.start, hb); !r) return r;
    m.header = h;
    m.seqno.reset();
  }
  pv->vg_id.reset();
  return pv->dev->flush();
}

Result<std::string> Store::committed_text(const ScannedPv& pv) const {
  for (const auto& m : pv.mdas)
    if (m.header && !m.header->committed.empty() && !m.header->committed.ignored())
      return format::read_mda_text(*pv.dev, *m.header, m.header->committed);
  return fail(ENOENT, fmt::format("No metadata on {}", pv.path));
}

}  // namespace udm::lvm::api

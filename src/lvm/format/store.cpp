#include "lvm/format/store.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "lvm/format/mda_text.hpp"

namespace udm::lvm::format {

// The text of a committed copy and, once needed, its parse.
struct CommittedText {
  std::string raw;  // without the NUL
  std::optional<VgText> parsed;
  std::string parse_error;  // "" when raw parses (or has not been tried)
  // What the mda view needs of it: known from the parse, or from write_vg.
  bool identified = false;
  std::uint64_t seqno = 0;
  std::string vg_name;
  std::string vg_id;
};

namespace {

constexpr byte_count MDA1_START = 4096;
constexpr byte_count MIB = 1 << 20;

byte_count align_up(byte_count v, byte_count a) { return (v + a - 1) / a * a; }
byte_count align_down(byte_count v, byte_count a) { return v / a * a; }

Result<void> write_zeros(PvDevice& dev, byte_count offset, std::size_t n) {
  std::vector<std::byte> z(n);
  return dev.write(offset, z);
}

Result<void> write_mda_header(PvDevice& dev, const MdaHeader& h) {
  auto bytes = encode_mda_header(h);
  return dev.write(h.start, bytes);
}

// The VG name a metadata text starts with ("vg0 {"), or "" when it does not.
std::string vg_name_of_text(std::string_view t) {
  std::size_t i = 0;
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n')) ++i;
  std::size_t j = i;
  while (j < t.size() && t[j] != ' ' && t[j] != '\t' && t[j] != '\n' && t[j] != '{') ++j;
  std::string name(t.substr(i, j - i));
  while (j < t.size() && (t[j] == ' ' || t[j] == '\t' || t[j] == '\n')) ++j;
  if (j >= t.size() || t[j] != '{' || !check_vg_name(name)) return {};
  return name;
}

}  // namespace

// What lvm2's scan prints for a copy whose text fails its checksum.
void MetadataStore::scan_text_lines(const SummaryFailure& f) const {
  const std::string& path = pvs_[f.pv].path;
  diag(fmt::format("WARNING: Checksum error on {} at offset {}.", path, f.offset));
  diag(fmt::format("WARNING: invalid metadata text from {} at {}.", path, f.offset));
  diag(fmt::format("WARNING: metadata on {} at {} has invalid summary for VG.", path, f.offset));
}

// What lvm2 prints reading VG `vg` when one copy of its text does not read: a
// checksum error, or a location or read error (our words), then its lines.
std::vector<std::string> MetadataStore::unreadable_lines(const UnreadableCopy& u, const std::string& vg) const {
  const PvState& pv = pvs_[u.pv];
  const MdaState& m = pv.mdas[u.mda];
  const RawLocn& l = m.header->committed;
  std::vector<std::string> lines;
  if (u.error.code == EBADMSG)
    lines.push_back(fmt::format("WARNING: Checksum error on {} at offset {}.", pv.path, m.header->start + l.offset));
  else
    lines.push_back(fmt::format("WARNING: {}", u.error.message));
  lines.push_back(fmt::format("WARNING: couldn't read volume group metadata from {}.", pv.path));
  if (!vg.empty())
    lines.push_back(fmt::format("WARNING: Failed to read metadata text at {} off {} size {} VG {} on {}",
                                m.header->start + l.offset, l.offset, l.size, vg, pv.path));
  lines.push_back(fmt::format("WARNING: reading {} mda{} failed to read metadata.", pv.path, u.mda + 1));
  lines.push_back(fmt::format("WARNING: repair VG metadata on {} with vgck --updatemetadata.", pv.path));
  if (!vg.empty()) lines.push_back(fmt::format("WARNING: Reading VG {} on {} failed.", vg, pv.path));
  return lines;
}

DataArea data_area(const PvLabel& label) {
  DataArea d;
  d.start = label.data_areas.empty() ? 0 : label.data_areas[0].offset;
  d.end = label.device_size;
  if (!label.data_areas.empty() && label.data_areas[0].size)
    d.end = std::min(d.end, label.data_areas[0].offset + label.data_areas[0].size);
  for (const auto& m : label.metadata_areas)
    if (m.offset >= d.start) d.end = std::min(d.end, m.offset);
  if (d.end < d.start) d.end = d.start;
  return d;
}

std::uint64_t usable_extents(const PvLabel& label, byte_count extent_bytes) {
  if (!extent_bytes) return 0;
  const DataArea d = data_area(label);
  return (d.end - d.start) / extent_bytes;
}

PvLayout pv_layout(const PvCreateOptions& o) {
  PvLayout l;
  const byte_count align = o.data_alignment ? o.data_alignment : MIB;
  const byte_count wanted = o.metadata_size ? o.metadata_size : MIB - MDA1_START;
  // mda #1 is [4096, end of metadata); the bootloader area follows; PE 0 at the next alignment.
  l.mda_end = align_up(MDA1_START + wanted, align);
  l.mda_size = l.mda_end - MDA1_START;
  l.mda2_size = wanted;
  l.pe_start = l.mda_end;
  if (o.bootloader_area_size) {
    l.bootloader_size = align_up(o.bootloader_area_size, SECTOR_SIZE);
    l.pe_start = align_up(l.mda_end + l.bootloader_size, align);
  }
  return l;
}

Result<void> check_pv_create_options(const std::string& path, const PvCreateOptions& o) {
  const PvLayout lay = pv_layout(o);
  // lvm2's smallest metadata area (its words, then its refusal of the PV).
  if (o.metadata_copies >= 1 && lay.mda_size < MIN_MDA_SIZE)
    return fail(EINVAL, fmt::format("Metadata area size too small: {} bytes. It must be at least {} bytes.\n"
                                    "Not enough space available for metadata area with index 0 on PV {}.\n"
                                    "Failed to add metadata area for new physical volume {}\n"
                                    "Failed to setup physical volume \"{}\".",
                                    lay.mda_size, MIN_MDA_SIZE, path, path, path));
  return {};
}

// ---------------------------------------------------------------- scanning

Result<MetadataStore> MetadataStore::scan(const std::vector<std::string>& paths, bool writable, DeviceOpener opener) {
  MetadataStore st;
  st.writable_ = writable;
  st.opener_ = opener ? std::move(opener) : DeviceOpener([](const std::string& p, bool w) {
    return open_file_device(p, !w);
  });
  for (const auto& path : paths) {
    if (st.find_device(path)) continue;
    auto dev = st.opener_(path, writable);
    if (!dev) {
      st.scan_warnings_.push_back(fmt::format("Cannot use {}: {}", path, dev.error().message));
      continue;
    }
    PvState pv;
    pv.path = path;
    pv.dev = std::move(*dev);
    st.pvs_.push_back(std::move(pv));
  }
  if (auto r = st.rescan(); !r) return fail(r.error());
  return st;
}

Result<void> MetadataStore::rescan() {
  for (auto& pv : pvs_) read_pv(pv);
  stale_ = true;
  return {};
}

bool MetadataStore::changed_since_scan() const {
  for (const auto& pv : pvs_) {
    std::array<std::byte, LABEL_SIZE * LABEL_SCAN_SECTORS> head{};
    if (pv.dev->size() < head.size() || pv.dev->size() < PV_MIN_SIZE) continue;
    if (!pv.dev->read(0, head)) return true;
    std::optional<PvLabel> now;
    for (std::size_t s = 0; s < LABEL_SCAN_SECTORS && !now; ++s) {
      std::span<const std::byte> sector(head.data() + s * LABEL_SIZE, LABEL_SIZE);
      if (!looks_like_label(sector)) continue;
      if (auto l = decode_label(sector, s)) now = std::move(*l);
    }
    if (now.has_value() != pv.is_pv || (now && *now != pv.label)) return true;
    if (!now) continue;
    for (const MdaState& m : pv.mdas) {
      std::array<std::byte, MDA_HEADER_SIZE> hb{};
      if (m.locn.offset > pv.dev->size() || m.locn.size > pv.dev->size() - m.locn.offset) continue;  // as scanned
      if (!pv.dev->read(m.locn.offset, hb)) return true;
      auto h = decode_mda_header(hb, m.locn);
      if (h.has_value() != m.header.has_value() || (h && *h != *m.header)) return true;
    }
  }
  return false;
}

void MetadataStore::read_pv(PvState& pv) {
  pv.is_pv = false;
  pv.label = {};
  pv.label_error.clear();
  pv.mdas.clear();
  pv.vg_id.reset();
  pv.read_warnings.clear();
  std::array<std::byte, LABEL_SIZE * LABEL_SCAN_SECTORS> head{};
  if (pv.dev->size() < head.size() || pv.dev->size() < PV_MIN_SIZE) return;
  if (auto r = pv.dev->read(0, head); !r) {
    pv.read_warnings.push_back(fmt::format("WARNING: {}", r.error().message));
    return;
  }
  for (std::size_t s = 0; s < LABEL_SCAN_SECTORS; ++s) {
    std::span<const std::byte> sector(head.data() + s * LABEL_SIZE, LABEL_SIZE);
    if (!looks_like_label(sector)) continue;
    auto label = decode_label(sector, s);
    if (!label) {
      pv.label_error = label.error().message;
      pv.read_warnings.push_back(fmt::format("WARNING: {}: {}", pv.path, pv.label_error));
      continue;  // another sector may still hold a good label
    }
    pv.is_pv = true;
    pv.label = std::move(*label);
    pv.label_error.clear();
    break;
  }
  if (!pv.is_pv) return;
  for (const auto& locn : pv.label.metadata_areas) {
    MdaState m;
    m.locn = locn;
    std::array<std::byte, MDA_HEADER_SIZE> hb{};
    if (locn.offset > pv.dev->size() || locn.size > pv.dev->size() - locn.offset) {
      m.error = fmt::format("metadata area {}+{} runs past the end of the device ({} bytes)", locn.offset, locn.size,
                            pv.dev->size());
    } else if (auto r = pv.dev->read(locn.offset, hb); !r) {
      m.error = r.error().message;
    } else if (auto h = decode_mda_header(hb, locn); !h) {
      m.error = h.error().message;
      const MdaHeaderFault f = classify_mda_header(hb, locn);
      m.header_words = f.words;
      m.bad_fields = f.bad_fields;
    } else {
      m.header = *h;
    }
    if (!m.header && !m.bad_fields) m.bad_fields = BAD_MDA_READ;
    pv.mdas.push_back(std::move(m));  // collect_vgs warns about a bad header
  }
}

void MetadataStore::collect_vgs() const {
  stale_ = false;
  warnings_.clear();
  diagnostics_.clear();
  notes_.clear();
  for (const auto& w : scan_warnings_) note(w);
  using TextPtr = std::shared_ptr<CommittedText>;
  std::map<std::string_view, TextPtr> read_now;  // texts read in this pass, by content (identical copies parse once)
  struct Best {
    TextPtr copy;
    std::uint64_t seqno = 0;
    std::string path;
  };
  std::map<std::string, Best> best;  // VG id -> newest copy
  std::vector<std::pair<std::size_t, std::size_t>> readable;  // (pv, mda) with a parsed copy
  std::map<std::string, std::vector<std::string>> vg_warnings;
  std::vector<UnreadableCopy> unreadable;  // copies whose text does not read
  std::set<std::pair<byte_count, std::uint32_t>> seen_good;  // (size, checksum) of copies read so far
  std::vector<SummaryFailure> summary_failures;             // damaged copies lvm2's scan parses
  std::vector<std::size_t> pvs_without_summary;

  for (std::size_t pi = 0; pi < pvs_.size(); ++pi) {
    PvState& pv = pvs_[pi];
    pv.vg_id.reset();
    for (const auto& w : pv.read_warnings) note(w);
    // lvm2's scan: a header that does not check out leaves that mda without
    // a "metadata summary"; a PV left with none is named by its PVID.
    for (std::size_t mi = 0; mi < pv.mdas.size(); ++mi) {
      const MdaState& m = pv.mdas[mi];
      if (m.header) continue;
      for (const auto& w : m.header_words)
        diag(fmt::format("WARNING: {} in mda header on {} at {}", w, pv.path, m.locn.offset));
      diag(fmt::format("WARNING: bad metadata header on {} at {}.", pv.path, m.locn.offset));
      diag(fmt::format("WARNING: scanning {} mda{} failed to read metadata summary.", pv.path, mi + 1));
      diag(fmt::format("WARNING: repair VG metadata on {} with vgck --updatemetadata.", pv.path));
      note(fmt::format("{}: {}", pv.path, m.error));
    }
    const std::size_t failures_before = summary_failures.size();
    for (std::size_t mi = 0; mi < pv.mdas.size(); ++mi) {
      MdaState& m = pv.mdas[mi];
      m.seqno.reset();
      m.vg_name.clear();
      m.vg_id.clear();
      if (!m.header) continue;  // m.error says why
      m.error.clear();
      m.bad_fields = 0;
      if (m.header->committed.empty() || m.header->committed.ignored()) {
        m.cached.reset();
        continue;
      }
      if (!m.cached || m.cached_locn != m.header->committed) {
        m.cached.reset();
        std::string unchecked;
        auto text = read_mda_text(*pv.dev, *m.header, m.header->committed, &unchecked);
        if (!text) {
          m.error = text.error().message;
          m.bad_fields = BAD_MDA_TEXT;
          // lvm2's scan reads the name the copy starts with (up to white
          // space or '{', at most 127 bytes) before it checks the whole text.
          if (text.error().code == EBADMSG) {
            const std::string_view u(unchecked);
            const std::size_t end = std::min(u.find_first_of(" \t\n\r\f\v{"), std::size_t{127});
            if (!check_vg_name(u.substr(0, end)))
              diag(fmt::format("WARNING: Metadata location on {} at offset {} begins with invalid name.", pv.path,
                               m.header->start + m.header->committed.offset));
          }
          const RawLocn& l = m.header->committed;
          if (text.error().code == EBADMSG && !seen_good.count({l.size, l.checksum})) {
            // lvm2's scan parses a copy unlike every good one it read before
            // (a copy like one of those it takes as read): the damage shows
            // there, and the mda gives no summary.
            summary_failures.push_back({pi, mi, m.header->start + l.offset});
            scan_text_lines(summary_failures.back());
            continue;
          }
          unreadable.push_back({pi, mi, text.error(), vg_name_of_text(unchecked), false});
          continue;
        }
        auto it = read_now.find(*text);
        if (it == read_now.end()) {
          auto c = std::make_shared<CommittedText>();
          c->raw = std::move(*text);
          it = read_now.emplace(std::string_view(c->raw), c).first;
        }
        m.cached = it->second;
        m.cached_locn = m.header->committed;
      }
      seen_good.insert({m.header->committed.size, m.header->committed.checksum});
      CommittedText& c = *m.cached;
      if (!c.identified && c.parse_error.empty()) {
        auto imp = import_vg_text(c.raw);
        if (!imp) {
          c.parse_error = imp.error().message;
        } else {
          c.parsed = std::move(*imp);
          c.identified = true;
          c.seqno = c.parsed->vg.seqno;
          c.vg_name = c.parsed->vg.name;
          c.vg_id = c.parsed->vg.id;
        }
      }
      if (!c.parse_error.empty()) {
        m.error = fmt::format("{}: metadata at {}: {}", pv.path, m.locn.offset, c.parse_error);
        m.bad_fields = BAD_MDA_TEXT;
        diag(fmt::format("WARNING: {}", m.error));
        continue;
      }
      m.seqno = c.seqno;
      m.vg_name = c.vg_name;
      m.vg_id = c.vg_id;
      readable.emplace_back(pi, mi);
      Best& b = best[c.vg_id];
      if (!b.copy || c.seqno > b.seqno) {
        b = {m.cached, c.seqno, pv.path};
      } else if (c.seqno == b.seqno && m.cached != b.copy && c.raw != b.copy->raw) {
        // Same seqno, other text: parse both to tell a real difference from layout.
        for (CommittedText* t : {&c, b.copy.get()})
          if (!t->parsed)
            if (auto imp = import_vg_text(t->raw)) t->parsed = std::move(*imp);
        if (!c.parsed || !b.copy->parsed || c.parsed->vg != b.copy->parsed->vg)
          vg_warnings[c.vg_id].push_back(fmt::format(
              "WARNING: metadata seqno {} on {} differs from the copy with the same seqno on {} for VG {}.", c.seqno,
              pv.path, b.path, c.vg_name));
      }
    }
    // No mda gave the scan a summary: lvm2 names the PV by its PVID (after
    // its retry, when a text was the reason).
    const bool text_failed = summary_failures.size() > failures_before;
    std::size_t summaries = 0;
    for (std::size_t mi = 0; mi < pv.mdas.size(); ++mi)
      if (pv.mdas[mi].header &&
          std::none_of(summary_failures.begin() + static_cast<std::ptrdiff_t>(failures_before), summary_failures.end(),
                       [&](const SummaryFailure& f) { return f.mda == mi; }))
        ++summaries;
    if (!pv.mdas.empty() && !summaries) {
      if (text_failed) pvs_without_summary.push_back(pi);
      else diag(fmt::format("WARNING: scan failed to get metadata summary from {} PVID {}", pv.path, pv.label.pv_id));
    }
  }
  if (!summary_failures.empty()) {
    // lvm2 scans those devices again, then gives up on their mdas.
    diag(std::string(RETRY_SCAN_NOTICE));
    for (const auto& f : summary_failures) scan_text_lines(f);
    for (const auto& f : summary_failures) {
      const std::string& path = pvs_[f.pv].path;
      diag(fmt::format("WARNING: bad metadata text on {} in mda{}", path, f.mda + 1));
      diag(fmt::format("WARNING: scanning {} mda{} failed to read metadata summary.", path, f.mda + 1));
      diag(fmt::format("WARNING: repair VG metadata on {} with vgck --updatemetadata.", path));
    }
    for (std::size_t pi : pvs_without_summary)
      if (std::any_of(summary_failures.begin(), summary_failures.end(), [&](const auto& f) { return f.pv == pi; }))
        diag(fmt::format("WARNING: scan failed to get metadata summary from {} PVID {}", pvs_[pi].path,
                         pvs_[pi].label.pv_id));
  }
  for (auto [pi, mi] : readable) {
    PvState& pv = pvs_[pi];
    const MdaState& m = pv.mdas[mi];
    if (!pv.vg_id || best[m.vg_id].seqno > best[*pv.vg_id].seqno) pv.vg_id = m.vg_id;
  }

  vgs_.clear();
  for (auto& [id, b] : best) {
    VgState st;
    if (!b.copy->parsed) {  // known from write_vg, not parsed yet
      auto imp = import_vg_text(b.copy->raw);
      if (!imp) {  // cannot happen for a text this store exported; kept as a warning, not a crash
        diag(fmt::format("WARNING: VG {}: {}", b.copy->vg_name, imp.error().message));
        continue;
      }
      b.copy->parsed = std::move(*imp);
    }
    // The VG view takes the parse; a later refresh parses again if it needs it.
    st.text = std::move(*b.copy->parsed);
    b.copy->parsed.reset();
    st.raw = b.copy;  // shared, not copied (a 10,000-LV text is ~3 MB)
    st.raw_text = b.copy->raw;
    st.seqno = b.seqno;
    // A copy that does not read belongs to the VG that lists its PV (its own
    // text may be damaged right in the VG name).
    for (auto& u : unreadable) {
      if (u.reported) continue;
      const std::string& id = pvs_[u.pv].label.pv_id;
      if (std::none_of(st.text.vg.pvs.begin(), st.text.vg.pvs.end(), [&](const auto& p) { return p.id == id; }))
        continue;
      u.reported = true;
      for (auto& l : unreadable_lines(u, st.text.vg.name)) st.warnings.push_back(std::move(l));
    }
    for (auto& w : vg_warnings[id]) st.warnings.push_back(std::move(w));
    bool stale = false;
    for (auto [pi, mi] : readable) {
      const MdaState& m = pvs_[pi].mdas[mi];
      if (m.vg_id == id && *m.seqno < b.seqno) {
        st.warnings.push_back(fmt::format("WARNING: ignoring metadata seqno {} on {} for seqno {} on {} for VG {}.",
                                          *m.seqno, pvs_[pi].path, b.seqno, b.path, st.text.vg.name));
        stale = true;
      }
    }
    if (stale) {
      st.warnings.push_back(fmt::format("WARNING: Inconsistent metadata found for VG {}.", st.text.vg.name));
      st.warnings.push_back("See vgck --updatemetadata to correct inconsistency.");
    }
    std::vector<std::string> missing;
    for (const auto& vpv : st.text.vg.pvs) {
      std::size_t at = NO_PV;
      for (std::size_t i = 0; i < pvs_.size(); ++i) {
        if (!pvs_[i].is_pv || pvs_[i].label.pv_id != vpv.id) continue;
        if (at == NO_PV) {
          at = i;
        } else {
          st.warnings.push_back(fmt::format("WARNING: Not using device {} for PV {}: {} has the same PV id.",
                                            pvs_[i].path, format_id(vpv.id), pvs_[at].path));
        }
      }
      st.pv_index.push_back(at);
      if (at == NO_PV) {
        st.warnings.push_back(fmt::format("WARNING: Couldn't find device with uuid {}.", format_id(vpv.id)));
        missing.push_back(vpv.device.empty()
                              ? fmt::format("WARNING: VG {} is missing PV {}.", st.text.vg.name, format_id(vpv.id))
                              : fmt::format("WARNING: VG {} is missing PV {} (last written to {}).", st.text.vg.name,
                                            format_id(vpv.id), vpv.device));
        continue;
      }
      // What real lvm2 does not check: the extents must be on the device.
      const PvState& dev = pvs_[at];
      const DataArea d = data_area(dev.label);
      const unsigned __int128 end = static_cast<unsigned __int128>(vpv.pe_count) * st.text.vg.extent_size * SECTOR_SIZE +
                                    sectors_to_bytes(vpv.pe_start);
      if (end > dev.dev->size() || end > std::max(d.end, d.start))
        st.problems.push_back(fmt::format("PV {} ({}): {} extents from sector {} end past the data area of {} bytes",
                                          vpv.name, dev.path, vpv.pe_count, vpv.pe_start,
                                          std::min<byte_count>(d.end, dev.dev->size())));
    }
    for (auto& w : missing) st.warnings.push_back(std::move(w));
    auto problems = validation_problems(st.text.vg);
    st.problems.insert(st.problems.end(), problems.begin(), problems.end());
    const std::string name = st.text.vg.name;
    if (auto it = vgs_.find(name); it != vgs_.end()) {
      diag(fmt::format("WARNING: VG name {} is used by VGs {} and {}; using the one with seqno {}.",
                                      name, format_id(it->second.text.vg.id), format_id(id),
                                      std::max(it->second.seqno, st.seqno)));
      if (it->second.seqno >= st.seqno) continue;
    }
    vgs_[name] = std::move(st);
  }
  // Copies that do not read, of a VG no copy of which reads.
  for (const auto& u : unreadable)
    if (!u.reported)
      for (auto& l : unreadable_lines(u, u.text_vg)) diag(std::move(l));
  warn_unclaimed_pvs();
}

void MetadataStore::diag(std::string line) const {
  warnings_.push_back(line);
  diagnostics_.push_back(std::move(line));
}

void MetadataStore::note(std::string line) const {
  warnings_.push_back(line);
  notes_.push_back(std::move(line));
}

void MetadataStore::warn_unclaimed_pvs() const {
  for (const auto& pv : pvs_) {
    if (!pv.is_pv || !pv.label.in_use()) continue;
    bool claimed = false;
    for (const auto& [name, vs] : vgs_)
      for (const auto& vpv : vs.text.vg.pvs) claimed = claimed || vpv.id == pv.label.pv_id;
    if (!claimed)
      note(fmt::format("WARNING: PV {} is marked in use but no VG was found using it.", pv.path));
  }
}

const VgState* MetadataStore::find_vg(std::string_view name) const {
  refresh();
  auto it = vgs_.find(std::string(name));
  return it == vgs_.end() ? nullptr : &it->second;
}

const PvState* MetadataStore::device(std::string_view path) const {
  refresh();
  for (const auto& p : pvs_)
    if (p.path == path) return &p;
  return nullptr;
}

PvState* MetadataStore::find_device(std::string_view path) {
  for (auto& p : pvs_)
    if (p.path == path) return &p;
  return nullptr;
}

const PvState* MetadataStore::pv_by_id(std::string_view raw_id) const {
  refresh();
  for (const auto& p : pvs_)
    if (p.is_pv && p.label.pv_id == raw_id) return &p;
  return nullptr;
}

Result<std::string> MetadataStore::committed_text(const std::string& path) const {
  const PvState* pv = device(path);
  if (!pv) return fail(ENOENT, path + ": not scanned");
  if (!pv->is_pv) return fail(ENODATA, path + ": no LVM2 label");
  for (const auto& m : pv->mdas) {
    if (!m.header || m.header->committed.empty() || m.header->committed.ignored()) continue;
    return read_mda_text(*pv->dev, *m.header, m.header->committed);
  }
  return fail(ENODATA, path + ": no committed metadata");
}

// ---------------------------------------------------------------- labels

Result<void> MetadataStore::write_label(PvState& pv) {
  auto bytes = encode_label(pv.label);
  if (!bytes) return fail(with_context(pv.path + ": ", bytes.error()));
  if (auto r = pv.dev->write(pv.label.sector * LABEL_SIZE, *bytes); !r) return r;
  return pv.dev->flush();
}

Result<PvLabel> MetadataStore::create_pv(const std::string& path, const PvCreateOptions& o) {
  PvState* pv = find_device(path);
  if (!pv) return fail(ENOENT, fmt::format("Cannot use {}: device not scanned", path));
  if (!writable_) return fail(EROFS, fmt::format("Cannot use {}: opened read-only", path));
  if (pv->is_pv && pv->label.in_use() && !o.force)
    return fail(EBUSY, fmt::format("Cannot use {}: it is a PV in use by a VG", path));
  if (o.metadata_copies > 2) return fail(EINVAL, "metadata copies must be 0, 1 or 2");
  if (o.label_sector >= LABEL_SCAN_SECTORS) return fail(EINVAL, "label sector must be 0-3");
  if (!o.data_alignment || o.data_alignment % SECTOR_SIZE)
    return fail(EINVAL, fmt::format("data alignment {} is not a multiple of 512", o.data_alignment));
  const byte_count dev_size = align_down(o.device_size.value_or(pv->dev->size()), SECTOR_SIZE);
  if (dev_size > pv->dev->size())
    return fail(EINVAL, fmt::format("Cannot use {}: size {} is larger than the device ({} bytes)", path, dev_size,
                                    pv->dev->size()));

  const PvLayout lay = pv_layout(o);
  const byte_count pe_start = lay.pe_start;
  std::vector<DiskLocn> bootloader;
  if (lay.bootloader_size) bootloader.push_back({lay.mda_end, lay.bootloader_size});
  std::vector<DiskLocn> mdas;
  if (o.metadata_copies >= 1) mdas.push_back({MDA1_START, lay.mda_size});
  if (o.metadata_copies == 2) {
    // mda #2 starts the requested size before the end, aligned down (not
    // mda #1's size: --metadatasize 16m gives 16 MiB at the end, 17 MiB - 4 KiB at the start).
    if (dev_size < lay.mda2_size) return fail(ENOSPC, fmt::format("Cannot use {}: too small for two metadata areas", path));
    const byte_count start = align_down(dev_size - lay.mda2_size, o.data_alignment);
    mdas.push_back({start, dev_size - start});
  }
  PvLabel label;
  label.sector = o.label_sector;
  label.pv_id = o.id.value_or(generate_id());
  if (!is_valid_raw_id(label.pv_id)) return fail(EINVAL, fmt::format("PV id \"{}\" is not 32 id characters", label.pv_id));
  label.device_size = dev_size;
  label.data_areas = {{pe_start, 0}};
  label.metadata_areas = mdas;
  label.bootloader_areas = bootloader;
  const DataArea d = data_area(label);
  if (d.end <= d.start || d.end - d.start < MIB)
    return fail(ENOSPC, fmt::format("Cannot use {}: device of {} bytes leaves no room for data after {} bytes of "
                                    "metadata", path, dev_size, pe_start));

  // Metadata areas first, label last: a crash in between leaves no label
  // pointing at uninitialised areas.
  PvDevice& dev = *pv->dev;
  for (const auto& m : mdas) {
    if (auto r = write_zeros(dev, m.offset, std::min<byte_count>(4096, m.size)); !r) return fail(r.error());
    MdaHeader h;
    h.start = m.offset;
    h.size = m.size;
    if (auto r = write_mda_header(dev, h); !r) return fail(r.error());
  }
  if (auto r = dev.flush(); !r) return fail(r.error());
  if (auto r = write_zeros(dev, 0, LABEL_SIZE * LABEL_SCAN_SECTORS); !r) return fail(r.error());
  pv->label = label;
  if (auto r = write_label(*pv); !r) return fail(r.error());
  read_pv(*pv);
  stale_ = true;
  return label;
}

Result<void> MetadataStore::wipe_label(const std::string& path) {
  PvState* pv = find_device(path);
  if (!pv) return fail(ENOENT, fmt::format("Cannot use {}: device not scanned", path));
  if (!pv->is_pv) return fail(ENODATA, fmt::format("No PV label found on {}.", path));
  if (auto r = write_zeros(*pv->dev, 0, LABEL_SIZE * LABEL_SCAN_SECTORS); !r) return r;
  if (auto r = pv->dev->flush(); !r) return r;
  read_pv(*pv);
  stale_ = true;
  return {};
}

Result<void> MetadataStore::set_pv_in_use(const std::string& path, bool in_use) {
  PvState* pv = find_device(path);
  if (!pv || !pv->is_pv) return fail(ENODATA, fmt::format("No PV label found on {}.", path));
  const std::uint32_t flags = in_use ? (pv->label.ext_flags | PV_EXT_USED) : (pv->label.ext_flags & ~PV_EXT_USED);
  if (flags == pv->label.ext_flags && pv->label.ext_version) return {};
  pv->label.ext_version = PV_EXT_VERSION;
  pv->label.ext_flags = flags;
  return write_label(*pv);
}

Result<void> MetadataStore::set_pv_id(const std::string& path, const std::string& raw_id) {
  PvState* pv = find_device(path);
  if (!pv || !pv->is_pv) return fail(ENODATA, fmt::format("No PV label found on {}.", path));
  if (!writable_) return fail(EROFS, fmt::format("Cannot use {}: opened read-only", path));
  pv->label.pv_id = raw_id;
  if (auto r = write_label(*pv); !r) return r;
  stale_ = true;
  return {};
}

Result<void> MetadataStore::clear_metadata(const std::string& path) {
  PvState* pv = find_device(path);
  if (!pv || !pv->is_pv) return fail(ENODATA, fmt::format("No PV label found on {}.", path));
  for (auto& m : pv->mdas) {
    MdaHeader h;
    h.start = m.locn.offset;
    h.size = m.locn.size;
    if (auto r = write_mda_header(*pv->dev, h); !r) return r;
  }
  if (auto r = pv->dev->flush(); !r) return r;
  read_pv(*pv);
  stale_ = true;
  return {};
}

Result<void> MetadataStore::set_metadata_ignored(const std::string& path, bool ignored) {
  PvState* pv = find_device(path);
  if (!pv || !pv->is_pv) return fail(ENODATA, fmt::format("No PV label found on {}.", path));
  for (auto& m : pv->mdas) {
    if (!m.header) return fail(EIO, fmt::format("{}: metadata area at {} is damaged: {}", path, m.locn.offset, m.error));
    MdaHeader h = *m.header;
    if (ignored == h.committed.ignored()) continue;
    // Ignoring keeps the old copy behind the flag; un-ignoring empties slot 0
    // so that no stale copy shows up before the next write_vg fills it.
    if (ignored) h.committed.flags |= RAW_LOCN_IGNORED;
    else h.committed = {};
    h.precommitted = {};
    if (auto r = write_mda_header(*pv->dev, h); !r) return r;
  }
  if (auto r = pv->dev->flush(); !r) return r;
  read_pv(*pv);
  stale_ = true;
  return {};
}

// ---------------------------------------------------------------- commit

Result<void> MetadataStore::write_vg(const VolumeGroup& vg, std::string_view command_line) {
  return write_vg(vg, make_header(command_line, static_cast<std::int64_t>(std::time(nullptr))));
}

Result<void> MetadataStore::write_vg(VolumeGroup&& vg, std::string_view command_line) {
  return write_vg(std::move(vg), make_header(command_line, static_cast<std::int64_t>(std::time(nullptr))));
}

Result<void> MetadataStore::write_vg(const VolumeGroup& original, const MetadataHeader& header) {
  return write_vg(VolumeGroup(original), header);
}

Result<void> MetadataStore::write_vg(VolumeGroup&& vg, const MetadataHeader& header) {
  const std::string who = "VG " + vg.name;
  if (!writable_) return fail(EROFS, who + ": devices opened read-only");
  if (auto r = validate(vg); !r) return fail(with_context(who + ": not written: ", r.error()));
  refresh();  // the seqnos and VG ids on the mdas
  struct Target {
    PvState* pv;
    std::size_t mda;
    MdaHeader header;  // as it will be rewritten
    bool in_use;
    RawLocn locn;
    bool written = false;  // its header was rewritten at the commit step
  };
  std::vector<Target> targets;
  std::vector<PvState*> members;
  for (auto& vpv : vg.pvs) {
    if (vpv.status.has("MISSING") || vpv.flags.has("MISSING")) continue;
    PvState* dev = nullptr;
    for (auto& p : pvs_)
      if (!dev && p.is_pv && p.label.pv_id == vpv.id) dev = &p;
    if (!dev)  // lvm2's refusal, line by line
      return fail(ENODEV, fmt::format("Cannot change VG {} while PVs are missing.\nSee vgreduce --removemissing and "
                                      "vgextend --restoremissing.\nCannot process volume group {}",
                                      vg.name, vg.name));
    // Extents must lie in the data area, clear of every mda (real lvm2 does not check).
    const DataArea d = data_area(dev->label);
    const byte_count pe_start = sectors_to_bytes(vpv.pe_start);
    const unsigned __int128 end = static_cast<unsigned __int128>(vpv.pe_count) * vg.extent_bytes() + pe_start;
    if (pe_start < d.start || end > d.end || end > dev->dev->size())
      return fail(EINVAL, fmt::format("{}: not written: PV {} ({}): pe_start {} and {} extents of {} sectors do not "
                                      "fit the data area [{}, {}) bytes",
                                      who, vpv.name, dev->path, vpv.pe_start, vpv.pe_count, vg.extent_size, d.start,
                                      std::min<byte_count>(d.end, dev->dev->size())));
    vpv.device = dev->path;
    members.push_back(dev);
    for (std::size_t mi = 0; mi < dev->mdas.size(); ++mi) {
      const MdaState& m = dev->mdas[mi];
      const bool replaced = m.seqno && m.vg_id != vg.id &&
                            std::find(replaceable_vg_ids_.begin(), replaceable_vg_ids_.end(), m.vg_id) !=
                                replaceable_vg_ids_.end();
      if (m.seqno && m.vg_id != vg.id && !replaced)
        return fail(EBUSY, fmt::format("{}: not written: {} holds metadata of another VG {}", who, dev->path,
                                       m.vg_name));
      if (m.seqno && !replaced && *m.seqno >= vg.seqno)
        return fail(ESTALE, fmt::format("{}: not written: seqno {} is not above seqno {} on {}", who, vg.seqno,
                                        *m.seqno, dev->path));
      MdaHeader h;
      if (m.header) {
        h = *m.header;
      } else {  // a damaged header is rewritten from the label (vgck --updatemetadata)
        h.start = m.locn.offset;
        h.size = m.locn.size;
      }
      h.precommitted = {};
      targets.push_back({dev, mi, h, !h.committed.ignored(), {}, false});
    }
  }
  // metadata_copies N > 0: use N mdas, mark the rest ignored; 0 = use them all.
  // Mdas already in use keep being used first.
  if (vg.metadata_copies > 0) {
    std::size_t used = 0;
    for (auto& t : targets) {
      t.in_use = t.in_use && used < vg.metadata_copies;
      if (t.in_use) ++used;
    }
    for (auto& t : targets)
      if (!t.in_use && used < vg.metadata_copies) {
        t.in_use = true;
        ++used;
      }
  } else if (std::none_of(targets.begin(), targets.end(), [](const Target& t) { return t.in_use; })) {
    for (auto& t : targets) t.in_use = true;  // unmanaged, but every mda ignored: use them all
  }
  if (std::none_of(targets.begin(), targets.end(), [](const Target& t) { return t.in_use; }))
    return fail(EINVAL, who + ": not written: none of its PVs has a metadata area");

  std::string text = export_vg_text(vg, header);

  // Where each copy goes, decided before anything is written (a text too
  // large for one of the mdas fails here, with nothing written).
  std::vector<byte_count> offsets(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    Target& t = targets[i];
    if (!t.in_use) continue;
    if (t.header.committed.ignored()) t.header.committed = {};  // was ignored: start afresh at 512
    // lvm2's refusal when a copy would take more than half the circular buffer.
    if (const byte_count limit = max_text_size(t.header.size); text.size() + 1 > limit)
      return fail(ENOSPC, fmt::format("VG {} {} metadata on {} ({} bytes) exceeds maximum metadata size ({} bytes)\n"
                                      "Failed to write VG {}.",
                                      vg.name, vg.seqno, t.pv->path, text.size() + 1, limit, vg.name));
    auto off = next_text_offset(t.header, text.size() + 1);
    if (!off) return fail(with_context(fmt::format("{}: not written: {}: ", who, t.pv->path), off.error()));
    offsets[i] = *off;
  }

  // 1. write: the new text into every mda in use; nothing points at it yet.
  for (std::size_t i = 0; i < targets.size(); ++i) {
    Target& t = targets[i];
    if (!t.in_use) continue;
    auto locn = write_mda_text(*t.pv->dev, t.header, offsets[i], text);
    if (!locn) return fail(with_context(who + ": ", locn.error()));
    t.locn = *locn;
  }
  for (PvState* p : members)
    if (auto r = p->dev->flush(); !r) return r;
  // 2. precommit: slot 1 = the new copy, slot 0 unchanged.
  for (auto& t : targets) {
    if (!t.in_use) continue;
    t.header.precommitted = t.locn;
    if (auto r = write_mda_header(*t.pv->dev, t.header); !r) return r;
  }
  for (PvState* p : members)
    if (auto r = p->dev->flush(); !r) return r;
  // 3. commit: slot 0 = the new copy, slot 1 cleared. Unused mdas are marked ignored.
  for (auto& t : targets) {
    if (t.in_use) {
      t.header.committed = t.locn;
    } else {
      if (t.header.committed.ignored()) continue;
      t.header.committed.flags |= RAW_LOCN_IGNORED;
    }
    t.header.precommitted = {};
    if (auto r = write_mda_header(*t.pv->dev, t.header); !r) return r;
    t.written = true;
  }
  for (PvState* p : members)
    if (auto r = p->dev->flush(); !r) return r;
  // PVs of a VG carry PV_EXT_USED in their label.
  for (PvState* p : members)
    if (auto r = set_pv_in_use(p->path, true); !r) return r;
  // Keep what was just committed instead of reading it back: the mda
  // headers as written, and the text, parsed only if the VG is asked for again.
  auto written = std::make_shared<CommittedText>();
  written->raw = std::move(text);
  written->identified = true;
  written->seqno = vg.seqno;
  written->vg_name = vg.name;
  written->vg_id = vg.id;
  for (auto& t : targets) {
    if (!t.written) continue;
    MdaState& m = t.pv->mdas[t.mda];
    m.header = t.header;
    m.error.clear();
    if (t.in_use) {
      m.cached = written;
      m.cached_locn = t.locn;
    }
  }
  stale_ = true;
  return {};
}

}  // namespace udm::lvm::format

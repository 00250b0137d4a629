// pvcreate, pvremove, pvresize.
#include <cctype>

#include "lvm/api/cmd.hpp"
#include "lvm/api/wipe.hpp"

namespace udm::lvm::api::detail {

namespace {
// Before a device becomes a PV: its known signatures are asked about and
// wiped (-y or -f wipe without asking); any left refuse the device. An old
// LVM2 label is pvcreate's to replace.
Outcome<void> wipe_before_pvcreate(Cmd& c, const std::string& path) {
  WipeOptions o;
  o.yes = c.cl().has("yes") || c.force_count() > 0;
  o.skip_types = {"LVM2_member"};
  auto r = wipe_signatures(c, device_target(path, Cmd::normal_path(path)), o);
  if (!r) return std::unexpected(r.error());
  if (!*r) return failed("");
  return {};
}

// A size option of pvcreate (and vgcreate/vgextend for the PVs they make):
// unsigned, `unit` when none is given; lvm2's lines when it does not read.
Outcome<std::optional<byte_count>> size_option(Cmd& c, const char* name, char unit) {
  auto v = c.cl().get(name);
  if (!v) return std::nullopt;
  auto sz = alloc::parse_size(*v, unit);
  if (!sz) {
    const bool number = !v->empty() && (std::isdigit(static_cast<unsigned char>((*v)[0])) || (*v)[0] == '.');
    return failed(Cmd::indented(fmt::format("{}Invalid argument for --{}: {}",
                                            number ? "" : "Size requires number argument.\n", name, *v)),
                  EXIT_INVALID);
  }
  if (sz->sign != alloc::Sign::none)
    return failed(Cmd::indented(fmt::format("Size may not be relative/signed.\nInvalid argument for --{}: {}", name, *v)),
                  EXIT_INVALID);
  return sectors_to_bytes(sz->sectors);
}

// --metadatasize, --pvmetadatacopies, --dataalignment as pvcreate reads them.
Outcome<format::PvCreateOptions> pv_create_options(Cmd& c) {
  format::PvCreateOptions o;
  if (auto m = c.cl().get("pvmetadatacopies")) {
    if (*m != "0" && *m != "1" && *m != "2")
      return failed("Invalid argument for --pvmetadatacopies: " + *m, EXIT_INVALID);
    o.metadata_copies = static_cast<unsigned>(std::stoul(*m));
  }
  auto ms = size_option(c, "metadatasize", 'm');
  if (!ms) return std::unexpected(ms.error());
  if (*ms) o.metadata_size = **ms;  // 0 = the default, as lvm2
  auto da = size_option(c, "dataalignment", 'k');
  if (!da) return std::unexpected(da.error());
  if (*da && **da) o.data_alignment = **da;
  return o;
}
}  // namespace

// ---------------------------------------------------------------- PV commands

Outcome<void> add_new_pv(Cmd& c, VolumeGroup& vg, const std::string& path) {
  const format::PvState* d = c.device(path);
  if (!d) return failed(fmt::format("No device found for {}.", path));
  if (d->is_pv && d->vg_id) {
    std::string owner;
    for (const auto& [n, f] : c.store().vgs())
      if (f.text.vg.id == *d->vg_id) owner = n;
    if (!owner.empty()) return failed(fmt::format("Physical volume '{}' is already in volume group '{}'", path, owner));
  }
  if (!d->is_pv) {
    if (auto r = wipe_before_pvcreate(c, path); !r) return r;
    auto opts = pv_create_options(c);
    if (!opts) return std::unexpected(opts.error());
    if (c.test_mode()) {
      // Nothing written: the PV as pvcreate would lay it out, for the VG's validation.
      PhysicalVolume pv;
      pv.name = vg.next_pv_name();
      pv.id = generate_id();
      pv.device = Cmd::normal_path(path);
      pv.dev_size = d->dev->size() / SECTOR_SIZE;
      pv.pe_start = bytes_to_sectors(format::pv_layout(*opts).pe_start);
      pv.pe_count = pv.dev_size > pv.pe_start ? (pv.dev_size - pv.pe_start) / vg.extent_size : 0;
      c.say(fmt::format("Physical volume \"{}\" successfully created.", path));
      if (pv.pe_count == 0)
        return failed(fmt::format("Physical volume {} is too small for extent size {}", path,
                                  alloc::message_size(vg.extent_size)));
      vg.pvs.push_back(std::move(pv));
      return {};
    }
    if (auto r = format::check_pv_create_options(path, *opts); !r) return failed(Cmd::indented(r.error().message));
    if (auto r = c.store().create_pv(Cmd::normal_path(path), *opts); !r) return failed(Cmd::indented(r.error().message));
    c.say(fmt::format("Physical volume \"{}\" successfully created.", path));
    d = c.device(path);
  }
  for (const auto& pv : vg.pvs)
    if (pv.id == d->label.pv_id) return failed(fmt::format("Physical volume '{}' is already in volume group '{}'", path, vg.name));
  PhysicalVolume pv;
  pv.name = vg.next_pv_name();
  pv.id = d->label.pv_id;
  pv.device = Cmd::normal_path(path);
  pv.dev_size = d->dev->size() / SECTOR_SIZE;
  pv.pe_start = bytes_to_sectors(format::data_area(d->label).start);
  pv.pe_count = format::usable_extents(d->label, vg.extent_bytes());
  if (pv.pe_count == 0)
    return failed(fmt::format("Physical volume {} is too small for extent size {}", path,
                              alloc::message_size(vg.extent_size)));
  vg.pvs.push_back(std::move(pv));
  return {};
}

Outcome<void> cmd_pvcreate(Cmd& c) {
  if (c.cl().args.empty()) return failed("Please enter a physical volume path.", EXIT_INVALID);
  auto parsed = pv_create_options(c);
  if (!parsed) return std::unexpected(parsed.error());
  if (auto r = c.open(true, c.cl().args); !r) return r;
  for (const auto& path : c.cl().args) {
    const format::PvState* d = c.device(path);
    if (!d) return failed(fmt::format("No device found for {}.", path));
    format::PvCreateOptions opts = *parsed;
    if (d->is_pv && d->vg_id) {
      for (const auto& [n, f] : c.store().vgs())
        if (f.text.vg.id == *d->vg_id) {
          // lvm: a PV of a VG is re-initialized only with -ff, and asked about.
          if (c.force_count() < 2) {
            c.warn(fmt::format("Can't initialize physical volume \"{}\" of volume group \"{}\" without -ff", path, n));
            return failed(fmt::format("{}: physical volume not initialized.", path));
          }
          if (yes_no(c, fmt::format("Really INITIALIZE physical volume \"{}\" of volume group \"{}\" [y/n]? ", path,
                                    n)) == 'n')
            return failed(fmt::format("{}: physical volume not initialized.", path));
          c.warn(fmt::format("WARNING: Forcing physical volume creation on {} of volume group \"{}\"", path, n));
          opts.force = true;
        }
    }
    if (auto u = c.cl().get("uuid")) {
      auto p = parse_id(*u);
      if (!p) return failed(p.error().message, EXIT_INVALID);
      opts.id = *p;
    }
    if (auto r = format::check_pv_create_options(path, opts); !r) return failed(Cmd::indented(r.error().message));
    if (auto r = wipe_before_pvcreate(c, path); !r) return r;
    if (!c.test_mode())
      if (auto r = c.store().create_pv(Cmd::normal_path(path), opts); !r) return failed(Cmd::indented(r.error().message));
    c.say(fmt::format("Physical volume \"{}\" successfully created.", path));
  }
  return {};
}

Outcome<void> cmd_pvresize(Cmd& c) {
  if (c.cl().args.empty()) return failed("Please supply physical volume(s)", EXIT_INVALID);
  std::optional<sector_t> wanted;
  if (auto s = c.cl().get("setphysicalvolumesize")) {
    auto sz = alloc::parse_size(*s);
    if (!sz || sz->sign != alloc::Sign::none) return failed("Invalid argument for --setphysicalvolumesize: " + *s, EXIT_INVALID);
    wanted = sz->sectors;
  }
  if (auto r = c.open(true, c.cl().args); !r) return r;
  unsigned done = 0;
  for (const auto& path : c.cl().args) {
    const format::PvState* d = c.device(path);
    if (!d || !d->is_pv) return failed(fmt::format("Failed to find physical volume \"{}\".", path));
    const format::VgState* owner = nullptr;
    for (const auto& [n, f] : c.store().vgs())
      for (const auto& pv : f.text.vg.pvs)
        if (pv.id == d->label.pv_id) owner = &f;
    if (!owner) return failed(fmt::format("{}: pvresize of a PV without a VG is not supported by ulvm.", path));
    VolumeGroup vg = owner->text.vg;
    PhysicalVolume* pv = nullptr;
    for (auto& p : vg.pvs)
      if (p.id == d->label.pv_id) pv = &p;
    // The store keeps PVs inside the data area its label records (the size at
    // pvcreate); growing past it would need a new pv_header.
    sector_t dev = std::min<sector_t>(d->dev->size() / SECTOR_SIZE, bytes_to_sectors(format::data_area(d->label).end));
    sector_t size = wanted.value_or(dev);
    if (size > dev)
      return failed(fmt::format("{}: requested size {} exceeds real size {}.", path, alloc::message_size(size),
                                alloc::message_size(dev)));
    if (size <= pv->pe_start) return failed(fmt::format("{}: size must exceed the data area start", path));
    extent_t count = (size - pv->pe_start) / vg.extent_size;
    extent_t used_end = 0;
    for (const auto& u : pv_extent_map(vg))
      if (u.pv_name == pv->name) used_end = std::max(used_end, u.pe_start + u.pe_count);
    if (count < used_end)
      return failed(fmt::format("{}: cannot resize to {} extents as later ones are allocated.", path, count));
    pv->dev_size = size;
    pv->pe_count = count;
    if (auto r = c.commit(vg, owner->text.vg); !r) return r;
    c.say(fmt::format("Physical volume \"{}\" changed", path));
    ++done;
  }
  c.say(fmt::format("{} physical volume(s) resized or updated / 0 physical volume(s) not resized", done));
  return {};
}

Outcome<void> cmd_pvremove(Cmd& c) {
  if (c.cl().args.empty()) return failed("Please enter a physical volume path", EXIT_INVALID);
  if (auto r = c.open(true, c.cl().args); !r) return r;
  for (const auto& path : c.cl().args) {
    const format::PvState* d = c.device(path);
    if (!d || !d->is_pv) return failed(fmt::format("No PV found on device {}.", path));
    if (d->vg_id)
      for (const auto& [n, f] : c.store().vgs())
        if (f.text.vg.id == *d->vg_id) {
          // lvm: the label of a PV in a VG goes only with -ff, and asked about.
          if (c.force_count() < 2) {
            c.warn(fmt::format("PV {} is used by VG {} so please use vgreduce first.", path, n));
            c.warn("(If you are certain you need pvremove, then confirm by using --force twice.)");
            return failed(fmt::format("{}: physical volume label not removed.", path));
          }
          c.warn(fmt::format("WARNING: PV {} is used by VG {}.", path, n));
          if (yes_no(c, fmt::format("Really WIPE LABELS from physical volume \"{}\" of volume group \"{}\" [y/n]? ",
                                    path, n)) == 'n')
            return failed(fmt::format("{}: physical volume label not removed.", path));
          c.warn(fmt::format("WARNING: Wiping physical volume label from {} of volume group \"{}\".", path, n));
        }
    if (!c.test_mode())
      if (auto r = c.store().wipe_label(Cmd::normal_path(path)); !r) return failed(r.error().message);
    c.say(fmt::format("Labels on physical volume \"{}\" successfully wiped.", path));
  }
  return {};
}

}  // namespace udm::lvm::api::detail

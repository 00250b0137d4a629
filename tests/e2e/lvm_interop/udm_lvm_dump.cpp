// udm-lvm-dump: a small test CLI over src/lvm/format, for the interop tests
// against real lvm2. Not a user tool (that is ulvm).
//
//   udm-lvm-dump dump DEV...                 labels, mdas and VGs as JSON
//   udm-lvm-dump text DEV                    the committed metadata text
//   udm-lvm-dump backup VG DEV...            the VG in vgcfgbackup style
//   udm-lvm-dump pvcreate [--copies N] [--align BYTES] [--mdsize BYTES]
//                [--basize BYTES] [--label-sector N] DEV...
//   udm-lvm-dump pvremove DEV...
//   udm-lvm-dump vgcreate-demo VG DEV...     a VG with LVs lin (2 segments),
//                                            str (2 stripes, with 2+ PVs), z (zero), e (error)
//   udm-lvm-dump rename-lv VG OLD NEW DEV... read, rename, commit seqno+1
//   udm-lvm-dump vgremove VG DEV...          orphan every PV of the VG
// With UDM_LVM_CRASH_AFTER=N in the environment, every write after the N-th
// fails (a simulated crash during the command).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lvm/format/store.hpp"

using namespace udm;
using namespace udm::lvm;
using namespace udm::lvm::format;
using nlohmann::json;

namespace {

int die(const std::string& msg) {
  std::cerr << "udm-lvm-dump: " << msg << "\n";
  return 1;
}

DeviceOpener crash_opener() {
  const char* env = std::getenv("UDM_LVM_CRASH_AFTER");
  if (!env) return {};
  auto budget = std::make_shared<long>(std::stol(env));
  return [budget](const std::string& path, bool writable) -> Result<PvDevicePtr> {
    auto dev = open_file_device(path, !writable);
    if (!dev) return dev;
    return PvDevicePtr(std::make_unique<FaultyPvDevice>(std::move(*dev), budget));
  };
}

MetadataStore open_store(const std::vector<std::string>& devs, bool writable) {
  auto st = MetadataStore::scan(devs, writable, crash_opener());
  if (!st) {
    std::cerr << "udm-lvm-dump: " << st.error().message << "\n";
    std::exit(1);
  }
  for (const auto& w : st->warnings()) std::cerr << "  " << w << "\n";
  return std::move(*st);
}

json dump_vg(const VgState& vs) {
  const VolumeGroup& vg = vs.text.vg;
  json j;
  j["name"] = vg.name;
  j["id"] = format_id(vg.id);
  j["seqno"] = vg.seqno;
  j["extent_size"] = vg.extent_size;
  j["status"] = vg.status.words();
  j["tags"] = vg.tags;
  j["metadata_copies"] = vg.metadata_copies;
  j["description"] = vs.text.header.description;
  j["warnings"] = vs.warnings;
  j["problems"] = vs.problems;
  j["pvs"] = json::array();
  for (const auto& pv : vg.pvs)
    j["pvs"].push_back({{"name", pv.name}, {"id", format_id(pv.id)}, {"device", pv.device},
                        {"dev_size", pv.dev_size}, {"pe_start", pv.pe_start}, {"pe_count", pv.pe_count},
                        {"status", pv.status.words()}, {"tags", pv.tags}});
  j["lvs"] = json::array();
  for (const auto& lv : vg.lvs) {
    json l = {{"name", lv.name}, {"id", format_id(lv.id)}, {"status", lv.status.words()},
              {"tags", lv.tags}, {"extent_count", lv.extent_count()}, {"segments", json::array()}};
    for (const auto& s : lv.segments) {
      json seg = {{"start_extent", s.start_extent}, {"extent_count", s.extent_count}, {"type", s.type},
                  {"stripe_size", s.stripe_size}, {"stripes", json::array()}};
      for (const auto& a : s.stripes) seg["stripes"].push_back({a.name, a.start});
      l["segments"].push_back(seg);
    }
    j["lvs"].push_back(l);
  }
  return j;
}

int cmd_dump(const std::vector<std::string>& devs) {
  auto st = open_store(devs, false);
  json out;
  out["pvs"] = json::array();
  for (const auto& pv : st.pvs()) {
    json p = {{"path", pv.path}, {"is_pv", pv.is_pv}};
    if (pv.is_pv) {
      p["id"] = format_id(pv.label.pv_id);
      p["label_sector"] = pv.label.sector;
      p["device_size"] = pv.label.device_size;
      p["pe_start"] = data_area(pv.label).start;
      p["in_use"] = pv.label.in_use();
      p["mdas"] = json::array();
      for (const auto& m : pv.mdas) {
        json jm = {{"offset", m.locn.offset}, {"size", m.locn.size}, {"ignored", m.ignored()}, {"error", m.error}};
        if (m.seqno) jm["seqno"] = *m.seqno;
        if (m.header && !m.header->committed.empty())
          jm["committed"] = {{"offset", m.header->committed.offset}, {"size", m.header->committed.size},
                             {"wrapped", m.header->committed.offset + m.header->committed.size > m.header->size}};
        p["mdas"].push_back(jm);
      }
    }
    out["pvs"].push_back(p);
  }
  out["vgs"] = json::array();
  for (const auto& [name, vs] : st.vgs()) out["vgs"].push_back(dump_vg(vs));
  out["warnings"] = st.warnings();
  std::cout << out.dump(2) << "\n";
  return 0;
}

int cmd_pvcreate(std::vector<std::string> args) {
  PvCreateOptions o;
  std::vector<std::string> devs;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto val = [&]() -> std::uint64_t {
      if (i + 1 >= args.size()) std::exit(die(args[i] + " needs a value"));
      return std::stoull(args[++i]);
    };
    if (args[i] == "--copies") o.metadata_copies = static_cast<unsigned>(val());
    else if (args[i] == "--align") o.data_alignment = val();
    else if (args[i] == "--mdsize") o.metadata_size = val();
    else if (args[i] == "--basize") o.bootloader_area_size = val();
    else if (args[i] == "--label-sector") o.label_sector = val();
    else devs.push_back(args[i]);
  }
  auto st = open_store(devs, true);
  for (const auto& d : devs) {
    auto r = st.create_pv(d, o);
    if (!r) return die(r.error().message);
    std::cout << "Physical volume \"" << d << "\" successfully created.\n";
  }
  return 0;
}

int cmd_pvremove(const std::vector<std::string>& devs) {
  auto st = open_store(devs, true);
  for (const auto& d : devs)
    if (auto r = st.wipe_label(d); !r) return die(r.error().message);
  return 0;
}

int cmd_vgcreate_demo(const std::string& name, const std::vector<std::string>& devs) {
  auto st = open_store(devs, true);
  VolumeGroup vg;
  vg.name = name;
  vg.id = generate_id();
  vg.seqno = 1;
  for (const auto& d : devs) {
    const PvState* p = st.device(d);
    if (!p || !p->is_pv) return die(d + ": not a PV");
    PhysicalVolume pv;
    pv.name = vg.next_pv_name();
    pv.id = p->label.pv_id;
    pv.device = d;
    pv.dev_size = bytes_to_sectors(p->label.device_size);
    pv.pe_start = bytes_to_sectors(data_area(p->label).start);
    pv.pe_count = usable_extents(p->label, vg.extent_bytes());
    if (p->label.bootloader_areas.size()) {
      pv.ba_start = bytes_to_sectors(p->label.bootloader_areas[0].offset);
      pv.ba_size = bytes_to_sectors(p->label.bootloader_areas[0].size);
    }
    vg.pvs.push_back(pv);
  }
  auto lv = [&](const std::string& lv_name, std::vector<Segment> segs) {
    LogicalVolume l;
    l.name = lv_name;
    l.id = generate_id();
    l.creation_time = 1795565751;
    l.creation_host = "udm-lvm-dump";
    l.segments = std::move(segs);
    vg.lvs.push_back(l);
  };
  auto seg = [](extent_t le, extent_t count, std::vector<SegmentArea> areas, sector_t stripe_size = 0,
                std::string type = "striped") {
    Segment s;
    s.start_extent = le;
    s.extent_count = count;
    s.type = std::move(type);
    s.stripes = std::move(areas);
    s.stripe_size = stripe_size;
    return s;
  };
  const std::string last = vg.pvs.back().name;
  lv("lin", {seg(0, 3, {{"pv0", 0}}), seg(3, 2, {{last, vg.pvs.size() > 1 ? 6u : 8u}})});
  if (vg.pvs.size() > 1) lv("str", {seg(0, 4, {{"pv0", 3}, {"pv1", 0}}, 128)});
  lv("z", {seg(0, 2, {}, 0, "zero")});
  lv("e", {seg(0, 1, {}, 0, "error")});
  if (auto r = st.write_vg(vg, "udm-lvm-dump vgcreate-demo " + name); !r) return die(r.error().message);
  std::cout << "Volume group \"" << name << "\" successfully created\n";
  return 0;
}

int cmd_rename_lv(const std::string& vg_name, const std::string& from, const std::string& to,
                  const std::vector<std::string>& devs) {
  auto st = open_store(devs, true);
  const VgState* vs = st.find_vg(vg_name);
  if (!vs) return die("Volume group \"" + vg_name + "\" not found");
  VolumeGroup vg = vs->text.vg;
  LogicalVolume* lv = vg.find_lv(from);
  if (!lv) return die("Logical volume \"" + from + "\" not found in volume group \"" + vg_name + "\"");
  lv->name = to;
  vg.seqno++;
  if (auto r = st.write_vg(vg, "udm-lvm-dump rename-lv " + vg_name + " " + from + " " + to); !r)
    return die(r.error().message);
  return 0;
}

int cmd_vgremove(const std::string& vg_name, const std::vector<std::string>& devs) {
  auto st = open_store(devs, true);
  const VgState* vs = st.find_vg(vg_name);
  if (!vs) return die("Volume group \"" + vg_name + "\" not found");
  std::vector<std::string> paths;
  for (std::size_t i : vs->pv_index)
    if (i != NO_PV) paths.push_back(st.pvs()[i].path);
  for (const auto& p : paths) {
    if (auto r = st.clear_metadata(p); !r) return die(r.error().message);
    if (auto r = st.set_pv_in_use(p, false); !r) return die(r.error().message);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return die("usage: udm-lvm-dump dump|text|pvcreate|pvremove|vgcreate-demo|rename-lv|vgremove ...");
  const std::string cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "dump" && !rest.empty()) return cmd_dump(rest);
  if (cmd == "text" && rest.size() == 1) {
    auto st = open_store(rest, false);
    auto t = st.committed_text(rest[0]);
    if (!t) return die(t.error().message);
    std::cout << *t;
    return 0;
  }
  if (cmd == "backup" && rest.size() >= 2) {
    auto st = open_store(std::vector<std::string>(rest.begin() + 1, rest.end()), false);
    const VgState* vs = st.find_vg(rest[0]);
    if (!vs) return die("Volume group \"" + rest[0] + "\" not found");
    std::cout << export_vg_backup_text(vs->text.vg, make_backup_header("udm-lvm-dump backup", std::time(nullptr)));
    return 0;
  }
  if (cmd == "pvcreate" && !rest.empty()) return cmd_pvcreate(rest);
  if (cmd == "pvremove" && !rest.empty()) return cmd_pvremove(rest);
  if (cmd == "vgcreate-demo" && rest.size() >= 2)
    return cmd_vgcreate_demo(rest[0], std::vector<std::string>(rest.begin() + 1, rest.end()));
  if (cmd == "rename-lv" && rest.size() >= 4)
    return cmd_rename_lv(rest[0], rest[1], rest[2], std::vector<std::string>(rest.begin() + 3, rest.end()));
  if (cmd == "vgremove" && rest.size() >= 2)
    return cmd_vgremove(rest[0], std::vector<std::string>(rest.begin() + 1, rest.end()));
  return die("bad arguments for " + cmd);
}

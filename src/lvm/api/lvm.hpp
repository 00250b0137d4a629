// The LVM library API in C++: the commands as typed calls, and reports as
// structs. Every call goes through the same code as the ulvm tool (scan,
// validation before writing, commit protocol, activation through libudm), so
// the library and the tool cannot disagree.
//
//   udm::lvm::api::Lvm lvm({"/srv/pv0.img", "/srv/pv1.img"});
//   lvm.vgcreate("vg0", {"/srv/pv0.img", "/srv/pv1.img"});
//   lvm.lvcreate({.vg = "vg0", .name = "data", .size = "1G"});
//   for (auto& lv : *lvm.lvs("vg0")) std::cout << lv.name << ' ' << lv.size_bytes << '\n';
//
// Errors: code EINVAL for what lvm calls an invalid command line (exit 3),
// EIO for a failed command (exit 5); the message is lvm's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace udm::lvm::api {

struct LvSpec {
  std::string vg{};
  std::string name{};                // empty: lvolN
  std::string size{};                // -L ("10M", "1.5g"), or
  std::string extents{};             // -l ("10", "100%FREE")
  unsigned stripes = 1;            // -i
  std::string stripe_size{};         // -I ("64k"); empty = 64 KiB
  std::string type{};                // "", linear, striped, zero, error
  bool activate = true;            // -ay when udmd runs
  std::vector<std::string> pvs{};    // allocate only on these PVs
};

struct LvRow {
  std::string vg, name, uuid, attr, segtype, devices;
  std::uint64_t size_bytes = 0;
  unsigned segments = 0;
  bool active = false, open = false;  // from lv_attr; false when udmd is not asked
};
struct VgRow {
  std::string name, uuid, attr;
  std::uint64_t size_bytes = 0, free_bytes = 0, extent_bytes = 0, seqno = 0;
  unsigned pvs = 0, lvs = 0;
};
struct PvRow {
  std::string name, vg, uuid, attr;
  std::uint64_t size_bytes = 0, free_bytes = 0, dev_size_bytes = 0, pe_start_bytes = 0;
};

class Lvm {
 public:
  // Devices to scan; empty = the config file's list (UDM_LVM_CONFIG, ...).
  explicit Lvm(std::vector<std::string> devices = {});

  // Any command with lvm arguments; returns what it printed.
  Result<std::string> run(const std::string& command, const std::vector<std::string>& args);

  Result<void> pvcreate(const std::vector<std::string>& paths);
  Result<void> pvremove(const std::vector<std::string>& paths);
  Result<void> vgcreate(const std::string& vg, const std::vector<std::string>& paths, const std::string& extent_size = {});
  Result<void> vgextend(const std::string& vg, const std::vector<std::string>& paths);
  Result<void> vgremove(const std::string& vg, bool force = false);
  Result<void> vgrename(const std::string& from, const std::string& to);
  Result<void> lvcreate(const LvSpec& spec);
  // size as for lvresize -L ("+4M", "20G") or extents when `extents` is set.
  Result<void> lvresize(const std::string& vg, const std::string& lv, const std::string& size, bool extents = false);
  Result<void> lvremove(const std::string& vg, const std::string& lv);
  Result<void> lvrename(const std::string& vg, const std::string& from, const std::string& to);
  // Activates (or deactivates) one LV, or every LV of the VG when `lv` is empty.
  Result<void> activate(const std::string& vg, const std::string& lv, bool on);

  Result<std::vector<LvRow>> lvs(const std::string& vg = {});
  Result<std::vector<VgRow>> vgs();
  Result<std::vector<PvRow>> pvs();

 private:
  std::vector<std::string> with_devices(std::vector<std::string> args) const;
  std::vector<std::string> devices_;
};

}  // namespace udm::lvm::api

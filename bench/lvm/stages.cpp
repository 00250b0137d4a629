// Where a ulvm command's CPU time goes, stage by stage, on one VG text (not a
// test): udm-bench-lvm-stages VG_TEXT [rounds [ONLY]]. VG_TEXT is an mda text or a
// vgcfgbackup file. Prints the median CPU microseconds of each stage (or of
// those whose name has ONLY: bench/lvm/stages VG_TEXT 21 report).
#include <malloc.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "lvm/format/crc.hpp"
#include "lvm/format/text_tree.hpp"
#include "lvm/format/vg_text.hpp"
#include "lvm/metadata/model.hpp"
#include "lvm/report/report.hpp"

using namespace udm::lvm;

namespace {

// CPU time of this process in ns: the machine may be shared, wall time is not this code's.
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double median_us(int rounds, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < rounds; ++i) {
    const auto a = cpu_now();
    f();
    t.push_back((cpu_now() - a) / 1e3);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s VG_TEXT [rounds]\n", argv[0]);
    return 2;
  }
  // ulvm's heap settings (tools/ulvm/main.cpp): memory is reused, not handed
  // back and faulted in again each round. Run with
  // GLIBC_TUNABLES=glibc.malloc.hugetlb=1 for its huge pages too.
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 21;
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto vt = format::import_vg_text(text);
  if (!vt) {
    std::fprintf(stderr, "%s: %s\n", argv[1], vt.error().message.c_str());
    return 1;
  }
  const VolumeGroup& vg = vt->vg;
  const std::string mda = format::export_vg_text(vg, vt->header);
  std::printf("%zu LVs, %zu bytes of mda text; median of %d rounds, microseconds\n", vg.lvs.size(), mda.size(), rounds);
  const std::string only = argc > 3 ? argv[3] : "";  // run only stages whose name has this
  auto row = [&](const char* what, const std::function<void()>& f) {
    if (only.empty() || std::string(what).find(only) != std::string::npos)
      std::printf("  %-28s %10.0f\n", what, median_us(rounds, f));
  };
  row("crc", [&] { (void)format::lvm_crc(mda); });
  row("parse (text tree)", [&] { (void)format::parse_text_tree(mda); });
  row("parse + import", [&] { (void)format::import_vg_text(mda); });
  row("copy of the VG", [&] { VolumeGroup copy(vg); });
  row("validation_problems", [&] { (void)validation_problems(vg); });
  row("pv_extent_map", [&] { (void)pv_extent_map(vg); });
  row("export (mda)", [&] { (void)format::export_vg_text(vg, vt->header); });
  row("export (backup)", [&] { (void)format::export_vg_backup_text(vg, vt->header); });
  report::Input input;
  report::VgView view;
  view.vg = &vg;
  for (const auto& pv : vg.pvs) view.devices.push_back({.path = pv.device, .dev_size = pv.dev_size});
  input.vgs.push_back(view);
  row("index (VgIndexScope)", [&] { VgIndexScope s(vg); });
  VgIndexScope scope(vg);
  report::Options o;
  row("lvs report", [&] { (void)report::render(report::ReportType::lvs, input, o); });
  report::Options j;
  j.json = true;
  j.all = true;
  j.fields = {"+seg_pe_ranges,devices"};
  row("lvs -a json with segments", [&] { (void)report::render(report::ReportType::lvs, input, j); });
  return 0;
}

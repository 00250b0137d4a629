// udm-thin-meta: runs workloads on a thin pool metadata file with udm's
// persistent-data library, for tests judged by thin_check/thin_dump.
//
//   udm-thin-meta format FILE DATA_BLOCK_SECTORS NR_DATA_BLOCKS
//   udm-thin-meta workload FILE SEED OPS   random thins, snapshots, provisions,
//                                           removes, deletes, commits; prints the
//                                           mappings it expects (kept apart from
//                                           the library) as "D V B" lines
//   udm-thin-meta dump FILE                 the mappings as udm reads them
//   udm-thin-meta script FILE < commands    create_thin D | create_snap D O |
//                                           provision D V | insert D V B | remove D V |
//                                           delete D | commit | reserve_snap |
//                                           release_snap | set_trans OLD NEW | resize_data N |
//                                           needs_check | resize_meta N
//   udm-thin-meta info FILE                 sizes and transaction id
//   udm-thin-meta fuzz-seed FILE OUT        FILE's blocks as a fuzz_thin_metadata input
//   udm-thin-meta verify FILE               recount every metadata and data reference
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "persistent_data/thin_metadata.hpp"

using namespace udm;
using namespace udm::pd;

namespace {

int die(const Error& e) {
  std::fprintf(stderr, "udm-thin-meta: %s\n", e.message.c_str());
  return 1;
}

Result<std::map<uint32_t, std::map<uint64_t, uint64_t>>> read_all(ThinMetadata& md) {
  std::map<uint32_t, std::map<uint64_t, uint64_t>> out;
  for (uint32_t d : md.devices()) {
    auto& m = out[d];
    auto r = md.walk_mappings(d, [&](uint64_t v, const Mapping& mp) -> Result<void> {
      m[v] = mp.data_block;
      return {};
    });
    if (!r) return fail(r.error());
  }
  return out;
}

void print(const std::map<uint32_t, std::map<uint64_t, uint64_t>>& all) {
  for (auto& [d, m] : all) {
    std::printf("device %u %zu\n", d, m.size());
    for (auto& [v, b] : m) std::printf("map %u %llu %llu\n", d, (unsigned long long)v, (unsigned long long)b);
  }
}

int workload(ThinMetadata& md, uint64_t seed, uint64_t ops) {
  // The model: what the mappings must be, kept without the library's trees.
  auto start = read_all(md);
  if (!start) return die(start.error());
  std::map<uint32_t, std::map<uint64_t, uint64_t>> model = *start;
  std::mt19937_64 rng(seed);
  uint32_t next_dev = model.empty() ? 0 : model.rbegin()->first + 1;
  auto pick_dev = [&]() -> int64_t {
    if (model.empty()) return -1;
    auto it = model.begin();
    std::advance(it, rng() % model.size());
    return it->first;
  };
  for (uint64_t i = 0; i < ops; ++i) {
    unsigned op = unsigned(rng() % 1000);
    Result<void> r;
    if (model.empty() || op < 2) {
      uint32_t d = next_dev++;
      if (auto e = md.create_thin(d); !e) return die(e.error());
      model[d];
    } else if (op < 5) {
      uint32_t o = uint32_t(pick_dev()), d = next_dev++;
      if (auto e = md.create_snap(d, o); !e) return die(e.error());
      model[d] = model[o];
    } else if (op < 6 && model.size() > 2) {
      uint32_t d = uint32_t(pick_dev());
      if (auto e = md.delete_device(d); !e) return die(e.error());
      model.erase(d);
    } else if (op < 12) {
      if (auto e = md.commit(); !e) return die(e.error());
    } else if (op < 700) {
      uint32_t d = uint32_t(pick_dev());
      uint64_t v = rng() % 20000;
      auto b = md.provision(d, v);
      if (!b) return die(b.error());
      model[d][v] = *b;
    } else {
      uint32_t d = uint32_t(pick_dev());
      auto& m = model[d];
      if (m.empty()) continue;
      auto it = m.begin();
      std::advance(it, rng() % m.size());
      auto rem = md.remove_block(d, it->first);
      if (!rem) return die(rem.error());
      if (!*rem) {
        std::fprintf(stderr, "udm-thin-meta: remove %u %llu found nothing\n", d, (unsigned long long)it->first);
        return 1;
      }
      m.erase(it);
    }
  }
  if (auto e = md.commit(); !e) return die(e.error());
  print(model);
  return 0;
}

int script(ThinMetadata& md) {
  std::string line;
  int n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    std::istringstream in(line);
    std::string cmd;
    if (!(in >> cmd) || cmd[0] == '#') continue;
    uint64_t a = 0, b = 0, c = 0;
    in >> a >> b >> c;
    Result<void> r;
    if (cmd == "create_thin") r = md.create_thin(uint32_t(a));
    else if (cmd == "create_snap") r = md.create_snap(uint32_t(a), uint32_t(b));
    else if (cmd == "provision") {
      auto x = md.provision(uint32_t(a), b);
      if (!x) r = fail(x.error());
    } else if (cmd == "insert") r = md.insert_block(uint32_t(a), b, c);
    else if (cmd == "remove") {
      auto x = md.remove_block(uint32_t(a), b);
      if (!x) r = fail(x.error());
    } else if (cmd == "delete") r = md.delete_device(uint32_t(a));
    else if (cmd == "commit") r = md.commit();
    else if (cmd == "reserve_snap") r = md.reserve_metadata_snap();
    else if (cmd == "release_snap") r = md.release_metadata_snap();
    else if (cmd == "set_trans") r = md.set_transaction_id(a, b);
    else if (cmd == "resize_data") r = md.resize_data(a);
    else if (cmd == "needs_check") r = md.set_needs_check();
    else if (cmd == "resize_meta") r = md.resize_metadata(a);
    else r = fail(EINVAL, "unknown command " + cmd);
    if (!r) return die(with_context("line " + std::to_string(n) + ": ", r.error()));
  }
  if (auto r = md.commit(); !r) return die(r.error());
  return 0;
}

// Writes FILE's used blocks as a tests/fuzz/fuzz_thin_metadata.cpp input.
int fuzz_seed(BlockDevice& dev, const char* out_path) {
  const Validator* kinds[] = {&kSuperblockValidator, &kBtreeValidator, &kBitmapValidator, &kIndexValidator};
  uint64_t nr = std::min<uint64_t>(dev.nr_blocks(), 64);
  std::vector<uint8_t> out{uint8_t(nr - 1)};
  std::vector<uint8_t> b(kBlockSize);
  for (uint64_t i = 0; i < nr; ++i) {
    if (auto r = dev.read(i, b.data()); !r) return die(r.error());
    uint8_t type = 0;
    for (int k = 0; k < 4; ++k)
      if (check_block(b.data(), i, *kinds[k])) type = uint8_t(k + 1);
    size_t len = kBlockSize;
    while (len && b[len - 1] == 0) --len;
    if (!len) continue;
    out.insert(out.end(), {uint8_t(i), type, uint8_t(len), uint8_t(len >> 8)});
    out.insert(out.end(), b.begin(), b.begin() + long(len));
  }
  FILE* f = std::fopen(out_path, "wb");
  if (!f || std::fwrite(out.data(), 1, out.size(), f) != out.size()) return die(Error{EIO, out_path});
  std::fclose(f);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: udm-thin-meta format|workload|dump|script|info FILE ...\n");
    return 2;
  }
  std::string cmd = argv[1];
  auto dev = FileBlockDevice::open(argv[2], cmd != "dump" && cmd != "info" && cmd != "verify" && cmd != "fuzz-seed");
  if (!dev) return die(dev.error());
  if (cmd == "format") {
    if (argc != 5) return 2;
    auto md = ThinMetadata::format(**dev, uint32_t(std::stoul(argv[3])), std::stoull(argv[4]));
    if (!md) return die(md.error());
    return 0;
  }
  if (cmd == "fuzz-seed" && argc == 4) return fuzz_seed(**dev, argv[3]);
  bool ro = cmd == "dump" || cmd == "info" || cmd == "verify";
  auto md = ThinMetadata::open(**dev, ro ? ThinMetadata::Mode::read_only : ThinMetadata::Mode::read_write);
  if (!md) return die(md.error());
  if (cmd == "workload" && argc == 5) return workload(**md, std::stoull(argv[3]), std::stoull(argv[4]));
  if (cmd == "verify") {
    if (auto r = (*md)->verify(); !r) return die(r.error());
    return 0;
  }
  if (cmd == "script") return script(**md);
  if (cmd == "dump") {
    auto all = read_all(**md);
    if (!all) return die(all.error());
    print(*all);
    return 0;
  }
  if (cmd == "info") {
    std::printf("transaction %llu\ndata %llu/%llu\nmetadata %llu/%llu\nheld_root %llu\n",
                (unsigned long long)(*md)->transaction_id(), (unsigned long long)(*md)->used_data_blocks(),
                (unsigned long long)(*md)->nr_data_blocks(), (unsigned long long)(*md)->used_metadata_blocks(),
                (unsigned long long)(*md)->nr_metadata_blocks(), (unsigned long long)(*md)->held_root());
    return 0;
  }
  std::fprintf(stderr, "udm-thin-meta: unknown command %s\n", cmd.c_str());
  return 2;
}

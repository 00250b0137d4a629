// ThinMetadata::verify(): every reference recounted from the trees.
#include <string>
#include <unordered_map>

#include "persistent_data/endian.hpp"
#include "persistent_data/thin_metadata.hpp"

namespace udm::pd {

class Verifier {
 public:
  explicit Verifier(ThinMetadata& md) : md_(md), tm_(*md.tm_) {}

  Result<void> run() {
    const Superblock& sb = md_.sb_;
    ++meta_[0];
    if (auto r = mapping_tree(sb.data_mapping_root); !r) return r;
    if (auto r = tree(sb.device_details_root, 24, nullptr); !r) return r;
    if (sb.held_root) {
      ++meta_[sb.held_root];
      auto h = tm_.read_lock(sb.held_root, kSuperblockValidator);
      if (!h) return fail(with_context("held root: ", h.error()));
      uint64_t mr = le64(h->data() + 320), dr = le64(h->data() + 328);
      h = ReadRef();
      if (auto r = mapping_tree(mr); !r) return r;
      if (auto r = tree(dr, 24, nullptr); !r) return r;
    }
    // Data space map: index tree -> bitmaps, overflow tree.
    if (auto r = tree(sb.data_sm.bitmap_root, 16, [&](const uint8_t* v) -> Result<void> {
          ++meta_[le64(v)];
          return {};
        }); !r)
      return r;
    if (auto r = tree(sb.data_sm.ref_count_root, 4, nullptr); !r) return r;
    // Metadata space map: index block -> bitmaps, overflow tree.
    ++meta_[sb.metadata_sm.bitmap_root];
    for (uint64_t loc : md_.meta_sm_->bitmap_locations()) ++meta_[loc];
    if (auto r = tree(sb.metadata_sm.ref_count_root, 4, nullptr); !r) return r;
    return compare();
  }

 private:
  using LeafFn = std::function<Result<void>(const uint8_t*)>;

  Result<void> tree(uint64_t b, uint32_t vsize, const LeafFn& leaf) {
    if (++meta_[b] > 1) return {};  // shared: its contents were counted once
    auto r = tm_.read_lock(b, kBtreeValidator);
    if (!r) return fail(r.error());
    if (auto c = check_node(r->data(), b, vsize); !c) return c;
    std::vector<uint8_t> copy(r->data(), r->data() + kBlockSize);
    r = ReadRef();
    uint32_t nr = le32(copy.data() + 16), max = le32(copy.data() + 20);
    bool internal = le32(copy.data() + 4) == kInternalNode;
    uint32_t vs = internal ? 8 : vsize;
    for (uint32_t i = 0; i < nr; ++i) {
      const uint8_t* v = copy.data() + kNodeHeader + 8 * max + vs * i;
      if (internal) {
        if (auto e = tree(le64(v), vsize, leaf); !e) return e;
      } else if (leaf) {
        if (auto e = leaf(v); !e) return e;
      }
    }
    return {};
  }

  Result<void> mapping_tree(uint64_t root) {
    return tree(root, 8, [&](const uint8_t* v) {
      return tree(le64(v), 8, [&](const uint8_t* m) -> Result<void> {
        ++data_[le64(m) >> 24];
        return {};
      });
    });
  }

  Result<void> compare() {
    for (auto& [b, n] : meta_)
      if (b >= md_.meta_counts_->nr_blocks())
        return fail(EILSEQ, "metadata block " + std::to_string(b) + " is referenced but out of range");
    for (auto& [b, n] : data_)
      if (b >= md_.data_sm_->counts().nr_blocks())
        return fail(EILSEQ, "data block " + std::to_string(b) + " is mapped but out of range");
    if (auto r = compare_one("metadata", *md_.meta_counts_, meta_); !r) return r;
    return compare_one("data", md_.data_sm_->counts(), data_);
  }

  static Result<void> compare_one(const char* what, const RefCounts& counts,
                                  const std::unordered_map<uint64_t, uint32_t>& seen) {
    for (uint64_t b = 0; b < counts.nr_blocks(); ++b) {
      auto have = counts.get(b);
      if (!have) return fail(have.error());
      auto it = seen.find(b);
      uint32_t want = it == seen.end() ? 0 : it->second;
      if (*have != want)
        return fail(EILSEQ, std::string(what) + " reference counts differ for block " + std::to_string(b) +
                                ", expected " + std::to_string(want) + ", but got " + std::to_string(*have));
    }
    return {};
  }

  ThinMetadata& md_;
  TransactionManager& tm_;
  std::unordered_map<uint64_t, uint32_t> meta_, data_;
};

Result<void> ThinMetadata::verify() {
  if (auto r = usable(); !r) return r;
  return Verifier(*this).run();
}

}  // namespace udm::pd

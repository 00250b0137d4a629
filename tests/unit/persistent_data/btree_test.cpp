#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <unordered_map>

#include "persistent_data/btree.hpp"
#include "persistent_data/endian.hpp"

namespace udm::pd {
namespace {

struct Env {
  MemoryBlockDevice dev{20000};
  BlockManager bm{dev};
  RefCounts sm{"metadata", 20000};
  TransactionManager tm{bm, sm};
  Env() { EXPECT_TRUE(sm.inc(0)); }
};

std::vector<uint8_t> val(uint64_t v) {
  std::vector<uint8_t> b(8);
  put_le64(b.data(), v);
  return b;
}

// Walks the nodes: every non-root node at least a third full, keys within
// the parent's range, all leaves at one depth. Returns the nodes seen.
std::vector<uint64_t> check_shape(TransactionManager& tm, uint64_t root, uint32_t vsize) {
  std::vector<uint64_t> nodes;
  int leaf_depth = -1;
  std::function<void(uint64_t, int, uint64_t, bool)> rec = [&](uint64_t b, int depth, uint64_t lo, bool has_lo) {
    nodes.push_back(b);
    auto r = tm.read_lock(b, kBtreeValidator);
    ASSERT_TRUE(r);
    std::vector<uint8_t> d(r->data(), r->data() + kBlockSize);
    r = ReadRef();
    ASSERT_TRUE(check_node(d.data(), b, vsize));
    uint32_t nr = le32(d.data() + 16), max = le32(d.data() + 20);
    if (depth > 0) {
      EXPECT_GE(nr, max / 3) << "node " << b << " is under-full";
    }
    if (has_lo && nr) {
      EXPECT_LE(lo, le64(d.data() + 32)) << "parent key above the child's lowest key";
    }
    if (le32(d.data() + 4) == kLeafNode) {
      if (leaf_depth < 0) leaf_depth = depth;
      EXPECT_EQ(leaf_depth, depth);
      return;
    }
    for (uint32_t i = 0; i < nr; ++i)
      rec(le64(d.data() + 32 + 8 * max + 8 * i), depth + 1, le64(d.data() + 32 + 8 * i), true);
  };
  rec(root, 0, 0, false);
  return nodes;
}

TEST(BTree, ThousandsOfKeysSplitMergeAndStayBalanced) {
  Env e;
  BTree t(e.tm, plain_value(8));
  auto root = t.create();
  ASSERT_TRUE(root);
  uint64_t r = *root;
  std::map<uint64_t, uint64_t> model;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    uint64_t k = rng() % 50000, v = rng();
    bool inserted = false;
    auto nr = t.insert(r, k, val(v).data(), true, &inserted);
    ASSERT_TRUE(nr) << nr.error().message;
    r = *nr;
    EXPECT_EQ(inserted, !model.count(k));
    model[k] = v;
  }
  auto nodes = check_shape(e.tm, r, 8);
  EXPECT_GT(nodes.size(), 60u);  // several levels of splits
  // Every allocated metadata block is a node of the tree (or the superblock).
  EXPECT_EQ(e.sm.nr_allocated(), nodes.size() + 1);
  for (auto& [k, v] : model) {
    auto got = t.lookup(r, k);
    ASSERT_TRUE(got && *got);
    ASSERT_EQ(le64((*got)->data()), v);
  }
  EXPECT_FALSE(*t.lookup(r, 50001));
  std::vector<uint64_t> keys;
  ASSERT_TRUE(t.walk(r, [&](uint64_t k, const uint8_t*) -> Result<void> { keys.push_back(k); return {}; }));
  EXPECT_EQ(keys.size(), model.size());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));

  // Remove in random order; the shape holds all the way down to empty.
  std::vector<uint64_t> order(keys);
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t i = 0; i < order.size(); ++i) {
    bool removed = false;
    auto nr = t.remove(r, order[i], &removed);
    ASSERT_TRUE(nr) << nr.error().message;
    ASSERT_TRUE(removed);
    r = *nr;
    model.erase(order[i]);
    if (i % 2000 == 0) {
      auto n = check_shape(e.tm, r, 8);
      EXPECT_EQ(e.sm.nr_allocated(), n.size() + 1);
      for (auto& [k, v] : model) ASSERT_TRUE(*t.lookup(r, k)) << k;
    }
  }
  bool removed = true;
  auto nr = t.remove(r, 5, &removed);
  ASSERT_TRUE(nr);
  EXPECT_FALSE(removed);
  EXPECT_EQ(check_shape(e.tm, *nr, 8).size(), 1u);
  EXPECT_EQ(e.sm.nr_allocated(), 2u);
}

TEST(BTree, WideValuesKeepTheirBytes) {
  Env e;
  BTree t(e.tm, plain_value(24));
  EXPECT_EQ(btree_max_entries(24), 126u);
  EXPECT_EQ(btree_max_entries(8), 252u);
  EXPECT_EQ(btree_max_entries(4), 336u);
  auto root = t.create();
  ASSERT_TRUE(root);
  uint64_t r = *root;
  for (uint64_t k = 0; k < 3000; ++k) {
    uint8_t v[24];
    for (int i = 0; i < 24; ++i) v[i] = uint8_t(k * 31 + i);
    auto nr = t.insert(r, k * 3, v);
    ASSERT_TRUE(nr);
    r = *nr;
  }
  check_shape(e.tm, r, 24);
  for (uint64_t k = 0; k < 3000; ++k) {
    auto got = t.lookup(r, k * 3);
    ASSERT_TRUE(got && *got);
    ASSERT_EQ((**got)[23], uint8_t(k * 31 + 23));
  }
}

TEST(BTree, SharedTreeIsCopiedOnWriteAndCountsFollow) {
  Env e;
  // Values are references to "data" blocks counted in their own map.
  RefCounts data("data", 100000);
  ValueType vt{8, [&](const uint8_t* v) { return data.inc(le64(v)); },
               [&](const uint8_t* v) { return data.dec(le64(v)); }};
  BTree t(e.tm, vt);
  uint64_t a = *t.create();
  for (uint64_t k = 0; k < 5000; ++k) {
    ASSERT_TRUE(data.inc(k));
    a = *t.insert(a, k, val(k).data());
  }
  // A second root sharing the whole tree, like a snapshot.
  ASSERT_TRUE(e.tm.inc(a));
  uint64_t b = a;
  uint64_t allocated = e.sm.nr_allocated();
  ASSERT_TRUE(data.inc(70000));
  b = *t.insert(b, 17, val(70000).data());  // overwrite in b only
  EXPECT_NE(a, b);
  EXPECT_EQ(le64((*t.lookup(a, 17))->data()), 17u);
  EXPECT_EQ(le64((*t.lookup(b, 17))->data()), 70000u);
  EXPECT_EQ(*data.get(17), 1u);  // a's leaf still holds it; b's copy dropped it
  EXPECT_GT(e.sm.nr_allocated(), allocated);  // a path was copied, not the tree
  EXPECT_LT(e.sm.nr_allocated(), allocated + 5);
  b = *t.remove(b, 4000);
  EXPECT_TRUE(*t.lookup(a, 4000));
  EXPECT_FALSE(*t.lookup(b, 4000));
  // Deleting a leaves b whole; deleting b too frees everything.
  ASSERT_TRUE(t.del(a));
  for (uint64_t k = 0; k < 5000; ++k) {
    auto got = t.lookup(b, k);
    ASSERT_TRUE(got);
    ASSERT_EQ(bool(*got), k != 4000) << k;
  }
  EXPECT_EQ(*data.get(4000), 0u);
  EXPECT_EQ(*data.get(10), 1u);
  ASSERT_TRUE(t.del(b));
  EXPECT_EQ(data.nr_allocated(), 0u);
  EXPECT_EQ(e.sm.nr_allocated(), 1u);
}

TEST(BTree, CorruptNodesAreRefusedByName) {
  Env e;
  BTree t(e.tm, plain_value(8));
  uint64_t r = *t.create();
  for (uint64_t k = 0; k < 10; ++k) r = *t.insert(r, k, val(k).data());
  auto w = e.bm.write_lock(r, kBtreeValidator);
  ASSERT_TRUE(w);
  put_le32(w->data() + 16, 300);  // nr_entries > max_entries
  w = WriteRef();
  auto got = t.lookup(r, 3);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "btree node " + std::to_string(r) + ": 300 entries exceed max entries 252");
}

}  // namespace
}  // namespace udm::pd

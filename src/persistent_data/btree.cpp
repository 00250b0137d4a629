#include "persistent_data/btree.hpp"

#include <cstring>
#include <string>

#include "persistent_data/endian.hpp"

namespace udm::pd {
namespace {

constexpr int kMaxDepth = 32;

struct Node {
  uint8_t* d;
  uint32_t flags() const { return le32(d + 4); }
  bool leaf() const { return flags() == kLeafNode; }
  uint32_t nr() const { return le32(d + 16); }
  uint32_t max() const { return le32(d + 20); }
  uint32_t vsize() const { return le32(d + 24); }
  void set_nr(uint32_t n) { put_le32(d + 16, n); }
  uint8_t* key_ptr(uint32_t i) const { return d + kNodeHeader + 8 * i; }
  uint64_t key(uint32_t i) const { return le64(key_ptr(i)); }
  void set_key(uint32_t i, uint64_t k) { put_le64(key_ptr(i), k); }
  uint8_t* value(uint32_t i) const { return d + kNodeHeader + 8 * max() + vsize() * i; }
  uint64_t value64(uint32_t i) const { return le64(value(i)); }
  void set_value64(uint32_t i, uint64_t v) { put_le64(value(i), v); }
  void init(uint32_t flags, uint32_t vsize) {
    put_le32(d + 4, flags);
    put_le32(d + 16, 0);
    put_le32(d + 20, btree_max_entries(vsize));
    put_le32(d + 24, vsize);
  }
  // Moves entries [from, nr) to the right by `by` slots.
  void shift_right(uint32_t from, uint32_t by) {
    uint32_t n = nr();
    std::memmove(key_ptr(from + by), key_ptr(from), size_t(n - from) * 8);
    std::memmove(value(from + by), value(from), size_t(n - from) * vsize());
  }
  void shift_left(uint32_t from, uint32_t by) {
    uint32_t n = nr();
    std::memmove(key_ptr(from - by), key_ptr(from), size_t(n - from) * 8);
    std::memmove(value(from - by), value(from), size_t(n - from) * vsize());
  }
  void copy_entries(uint32_t to, const Node& src, uint32_t from, uint32_t count) {
    std::memcpy(key_ptr(to), src.key_ptr(from), size_t(count) * 8);
    std::memcpy(value(to), src.value(from), size_t(count) * vsize());
  }
  // Largest i with key(i) <= k, or -1.
  int64_t lower(uint64_t k) const {
    int64_t lo = 0, hi = int64_t(nr()) - 1, best = -1;
    while (lo <= hi) {
      int64_t mid = (lo + hi) / 2;
      if (key(uint32_t(mid)) <= k) { best = mid; lo = mid + 1; }
      else hi = mid - 1;
    }
    return best;
  }
};

std::string at(uint64_t b) { return "btree node " + std::to_string(b) + ": "; }

// The refusal of a node reached below kMaxDepth levels (a loop or a corrupt tree).
std::unexpected<Error> too_deep(uint64_t b) {
  return fail(EILSEQ, at(b) + "tree is deeper than " + std::to_string(kMaxDepth) + " levels");
}

}  // namespace

Result<void> check_node(const uint8_t* data, uint64_t location, uint32_t value_size) {
  Node n{const_cast<uint8_t*>(data)};
  uint32_t flags = n.flags();
  if (flags != kLeafNode && flags != kInternalNode)
    return fail(EILSEQ, at(location) + "flags " + std::to_string(flags) + " are neither internal nor leaf");
  uint32_t want_vsize = flags == kInternalNode ? 8 : value_size;
  if (n.vsize() != want_vsize)
    return fail(EILSEQ, at(location) + "value size " + std::to_string(n.vsize()) + ", expected " + std::to_string(want_vsize));
  if (n.max() == 0 || uint64_t(n.max()) * (8 + n.vsize()) + kNodeHeader > kBlockSize)
    return fail(EILSEQ, at(location) + "max entries " + std::to_string(n.max()) + " do not fit in a block");
  if (n.nr() > n.max())
    return fail(EILSEQ, at(location) + std::to_string(n.nr()) + " entries exceed max entries " + std::to_string(n.max()));
  for (uint32_t i = 1; i < n.nr(); ++i)
    if (n.key(i) <= n.key(i - 1)) return fail(EILSEQ, at(location) + "keys out of order at entry " + std::to_string(i));
  return {};
}

Result<uint64_t> BTree::create() {
  auto w = tm_.new_block(kBtreeValidator);
  if (!w) return fail(w.error());
  Node{w->data()}.init(kLeafNode, vt_.size);
  return w->location();
}

Result<WriteRef> BTree::shadow_node(uint64_t b) {
  bool shared = false;
  auto w = tm_.shadow(b, kBtreeValidator, shared);
  if (!w) return fail(w.error());
  if (auto r = check_node(w->data(), b, vt_.size); !r) return fail(r.error());
  if (shared)
    if (auto r = inc_children(w->data()); !r) return fail(r.error());
  return w;
}

Result<void> BTree::inc_children(const uint8_t* data) {
  Node n{const_cast<uint8_t*>(data)};
  for (uint32_t i = 0; i < n.nr(); ++i) {
    if (!n.leaf()) {
      if (auto r = tm_.inc(n.value64(i)); !r) return r;
    } else if (vt_.inc) {
      if (auto r = vt_.inc(n.value(i)); !r) return r;
    }
  }
  return {};
}

Result<std::optional<std::vector<uint8_t>>> BTree::lookup(uint64_t root, uint64_t key) {
  uint64_t b = root;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    auto r = tm_.read_lock(b, kBtreeValidator);
    if (!r) return fail(r.error());
    if (auto c = check_node(r->data(), b, vt_.size); !c) return fail(c.error());
    Node n{const_cast<uint8_t*>(r->data())};
    int64_t i = n.lower(key);
    if (i < 0) return std::optional<std::vector<uint8_t>>{};
    if (n.leaf()) {
      if (n.key(uint32_t(i)) != key) return std::optional<std::vector<uint8_t>>{};
      const uint8_t* v = n.value(uint32_t(i));
      return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>(v, v + n.vsize()));
    }
    b = n.value64(uint32_t(i));
  }
  return too_deep(root);
}

Result<void> BTree::split_beneath(WriteRef& root) {
  std::vector<uint8_t> copy(root.data(), root.data() + kBlockSize);
  Node old{copy.data()};
  uint32_t nr = old.nr(), nl = nr / 2, nrr = nr - nl;
  auto l = tm_.new_block(kBtreeValidator);
  if (!l) return fail(l.error());
  auto r = tm_.new_block(kBtreeValidator);
  if (!r) return fail(r.error());
  Node L{l->data()}, R{r->data()};
  L.init(old.flags(), old.vsize());
  R.init(old.flags(), old.vsize());
  L.copy_entries(0, old, 0, nl);
  L.set_nr(nl);
  R.copy_entries(0, old, nl, nrr);
  R.set_nr(nrr);
  Node n{root.data()};
  std::memset(root.data() + 4, 0, kBlockSize - 4);
  n.init(kInternalNode, 8);
  n.set_nr(2);
  n.set_key(0, L.key(0));
  n.set_value64(0, l->location());
  n.set_key(1, R.key(0));
  n.set_value64(1, r->location());
  return {};
}

Result<WriteRef> BTree::split_sibling(uint8_t* parent, uint32_t index, WriteRef& child) {
  Node c{child.data()};
  uint32_t nr = c.nr(), nl = nr / 2, nrr = nr - nl;
  auto r = tm_.new_block(kBtreeValidator);
  if (!r) return fail(r.error());
  Node R{r->data()};
  R.init(c.flags(), c.vsize());
  R.copy_entries(0, c, nl, nrr);
  R.set_nr(nrr);
  c.set_nr(nl);
  Node p{parent};
  p.shift_right(index + 1, 1);
  p.set_nr(p.nr() + 1);
  p.set_key(index + 1, R.key(0));
  p.set_value64(index + 1, r->location());
  return r;
}

Result<uint64_t> BTree::insert(uint64_t root, uint64_t key, const uint8_t* value, bool dec_old, bool* inserted) {
  auto w = shadow_node(root);
  if (!w) return fail(w.error());
  uint64_t new_root = w->location();
  if (Node{w->data()}.nr() == Node{w->data()}.max())
    if (auto r = split_beneath(*w); !r) return fail(r.error());
  WriteRef cur = std::move(*w);
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    Node n{cur.data()};
    if (n.leaf()) {
      int64_t i = n.lower(key);
      if (i >= 0 && n.key(uint32_t(i)) == key) {
        uint8_t* old = n.value(uint32_t(i));
        if (dec_old && vt_.dec && std::memcmp(old, value, vt_.size) != 0)
          if (auto r = vt_.dec(old); !r) return fail(r.error());
        std::memcpy(old, value, vt_.size);
        if (inserted) *inserted = false;
        return new_root;
      }
      uint32_t pos = uint32_t(i + 1);
      n.shift_right(pos, 1);
      n.set_nr(n.nr() + 1);
      n.set_key(pos, key);
      std::memcpy(n.value(pos), value, vt_.size);
      if (inserted) *inserted = true;
      return new_root;
    }
    if (n.nr() == 0) return fail(EILSEQ, at(cur.location()) + "internal node has no entries");
    int64_t i = n.lower(key);
    if (i < 0) {
      i = 0;
      n.set_key(0, key);  // the new lowest key under child 0
    }
    auto c = shadow_node(n.value64(uint32_t(i)));
    if (!c) return fail(c.error());
    n.set_value64(uint32_t(i), c->location());
    if (Node{c->data()}.nr() == Node{c->data()}.max()) {
      auto right = split_sibling(cur.data(), uint32_t(i), *c);
      if (!right) return fail(right.error());
      if (key >= n.key(uint32_t(i) + 1)) *c = std::move(*right);
    }
    cur = std::move(*c);
  }
  return too_deep(root);
}

Result<uint64_t> BTree::remove(uint64_t root, uint64_t key, bool* removed) {
  bool did = false;
  auto nr = remove_rec(root, key, did, 0);
  if (!nr) return fail(nr.error());
  if (removed) *removed = did;
  // A root with one child takes the child's place (the tree gets shallower).
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    auto w = tm_.bm().write_lock(*nr, kBtreeValidator);
    if (!w) return fail(w.error());
    Node n{w->data()};
    if (n.leaf() || n.nr() != 1) break;
    uint64_t child = n.value64(0);
    auto cr = tm_.read_lock(child, kBtreeValidator);
    if (!cr) return fail(cr.error());
    if (auto c = check_node(cr->data(), child, vt_.size); !c) return fail(c.error());
    std::memcpy(w->data() + 4, cr->data() + 4, kBlockSize - 4);
    cr = ReadRef();
    auto count = tm_.ref(child);
    if (!count) return fail(count.error());
    if (*count > 1)
      if (auto r = inc_children(w->data()); !r) return fail(r.error());
    if (auto r = tm_.dec(child); !r) return fail(r.error());
  }
  return *nr;
}

Result<uint64_t> BTree::remove_rec(uint64_t b, uint64_t key, bool& removed, int depth) {
  if (depth >= kMaxDepth) return too_deep(b);
  auto w = shadow_node(b);
  if (!w) return fail(w.error());
  Node n{w->data()};
  int64_t i = n.lower(key);
  if (i < 0) return w->location();
  if (n.leaf()) {
    if (n.key(uint32_t(i)) != key) return w->location();
    if (vt_.dec)
      if (auto r = vt_.dec(n.value(uint32_t(i))); !r) return fail(r.error());
    n.shift_left(uint32_t(i) + 1, 1);
    n.set_nr(n.nr() - 1);
    removed = true;
    return w->location();
  }
  auto c = remove_rec(n.value64(uint32_t(i)), key, removed, depth + 1);
  if (!c) return fail(c.error());
  n.set_value64(uint32_t(i), *c);
  if (removed) {
    auto cr = tm_.read_lock(*c, kBtreeValidator);
    if (!cr) return fail(cr.error());
    Node child{const_cast<uint8_t*>(cr->data())};
    bool low = child.nr() < child.max() / 3;
    cr = ReadRef();
    if (low)
      if (auto r = rebalance(w->data(), uint32_t(i)); !r) return fail(r.error());
  }
  return w->location();
}

Result<void> BTree::rebalance(uint8_t* parent, uint32_t index) {
  Node p{parent};
  if (p.nr() < 2) return {};
  uint32_t left = index > 0 ? index - 1 : index, right = left + 1;
  auto lw = shadow_node(p.value64(left));
  if (!lw) return fail(lw.error());
  p.set_value64(left, lw->location());
  auto rw = shadow_node(p.value64(right));
  if (!rw) return fail(rw.error());
  p.set_value64(right, rw->location());
  Node L{lw->data()}, R{rw->data()};
  if (L.flags() != R.flags() || L.vsize() != R.vsize())
    return fail(EILSEQ, at(lw->location()) + "sibling " + std::to_string(rw->location()) + " is a different kind of node");
  uint32_t nl = L.nr(), nrr = R.nr(), total = nl + nrr;
  if (total <= L.max()) {
    L.copy_entries(nl, R, 0, nrr);
    L.set_nr(total);
    uint64_t gone = rw->location();
    rw = WriteRef();
    p.shift_left(right + 1, 1);
    p.set_nr(p.nr() - 1);
    return tm_.dec(gone);
  }
  uint32_t target = total / 2;
  if (nl < target) {
    uint32_t move = target - nl;
    L.copy_entries(nl, R, 0, move);
    L.set_nr(target);
    R.shift_left(move, move);
    R.set_nr(nrr - move);
  } else if (nl > target) {
    uint32_t move = nl - target;
    R.shift_right(0, move);
    R.copy_entries(0, L, target, move);
    R.set_nr(nrr + move);
    L.set_nr(target);
  }
  p.set_key(right, R.key(0));
  return {};
}

Result<std::vector<uint8_t>> BTree::read_node_copy(uint64_t b) {
  auto r = tm_.read_lock(b, kBtreeValidator);
  if (!r) return fail(r.error());
  if (auto c = check_node(r->data(), b, vt_.size); !c) return fail(c.error());
  // Copy out, the lock dropped: the caller goes on to lock other blocks.
  return std::vector<uint8_t>(r->data(), r->data() + kBlockSize);
}

Result<void> BTree::walk(uint64_t root, const std::function<Result<void>(uint64_t, const uint8_t*)>& fn) {
  std::unordered_set<uint64_t> seen;
  return walk_rec(root, 0, seen, fn);
}

Result<void> BTree::walk_rec(uint64_t b, int depth, std::unordered_set<uint64_t>& seen,
                             const std::function<Result<void>(uint64_t, const uint8_t*)>& fn) {
  if (depth >= kMaxDepth) return too_deep(b);
  if (!seen.insert(b).second) return fail(EILSEQ, at(b) + "node is reached twice in one tree");
  auto copy = read_node_copy(b);
  if (!copy) return fail(copy.error());
  Node n{copy->data()};
  for (uint32_t i = 0; i < n.nr(); ++i) {
    if (n.leaf()) {
      if (auto e = fn(n.key(i), n.value(i)); !e) return e;
    } else {
      if (auto e = walk_rec(n.value64(i), depth + 1, seen, fn); !e) return e;
    }
  }
  return {};
}

Result<void> BTree::del(uint64_t root) { return del_rec(root, 0); }

Result<void> BTree::del_rec(uint64_t b, int depth) {
  if (depth >= kMaxDepth) return too_deep(b);
  auto count = tm_.ref(b);
  if (!count) return fail(count.error());
  if (*count > 1) return tm_.dec(b);
  auto copy = read_node_copy(b);
  if (!copy) return fail(copy.error());
  Node n{copy->data()};
  for (uint32_t i = 0; i < n.nr(); ++i) {
    if (!n.leaf()) {
      if (auto e = del_rec(n.value64(i), depth + 1); !e) return e;
    } else if (vt_.dec) {
      if (auto e = vt_.dec(n.value(i)); !e) return e;
    }
  }
  return tm_.dec(b);
}

}  // namespace udm::pd

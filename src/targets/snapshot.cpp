// snapshot and snapshot-merge: a point-in-time view of an origin, keeping the
// origin's old chunks on a COW device in Linux's COW format.
//   table:  <origin> <COW dev> <P|PO|N> <chunk size> [<#features> <feature>...]
//           features: discard_zeroes_cow (a whole-chunk discard zeroes the exception),
//           discard_passdown_origin (needs the first; the discard also reaches the origin device)
//   status: <allocated>/<total> <metadata> (sectors), or Invalid, Merge failed, Overflow
//   table output: <origin> <cow> <P|PO|N> <chunk size> [<n> <features>]
//   snapshot-merge: the same table (persistent stores only); it acts as the
//   origin and copies the COW chunks back into it in the background.
#include <algorithm>
#include <cctype>
#include <strings.h>

#include "core/target_services.hpp"
#include "targets/args.hpp"
#include "targets/snapshot_state.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

using snap::Origin;
using snap::Snapshot;

class SnapshotTarget final : public core::Target {
 public:
  SnapshotTarget(std::shared_ptr<Snapshot> s, bool merge, bool zeroes, bool passdown, sector_t length)
      : s_(std::move(s)), merge_(merge), discard_zeroes_cow_(zeroes), discard_passdown_origin_(passdown),
        length_(length) {}

  core::MapResult map(io::Request* r) override {
    if (merge_) return s_->map_merge(r);
    if (discard_passdown_origin_ && r->op == io::Op::discard) return s_->map_discard_passdown(r);
    return s_->map_snapshot(r, discard_zeroes_cow_);
  }
  void end_io(const io::Request& r, int) override { s_->end_io(r); }

  byte_count max_io_bytes(byte_count offset) const override {
    byte_count m = s_->chunk_bytes();
    if (merge_) {  // also an origin: pieces must not cross other snapshots' chunks
      const byte_count o = s_->origin_object()->min_chunk_bytes();
      if (o) m = std::min(m, o);
    }
    return m - offset % m;
  }
  unsigned flush_copies() const override { return merge_ ? 2 : 1; }

  std::string status(core::StatusType type) const override {
    if (type == core::StatusType::info) return s_->status_info();
    const ExceptionStore& st = s_->store();
    std::string t = s_->origin()->table_name() + " " + s_->cow()->table_name() + " ";
    t += st.kind() == ExceptionStore::Kind::transient ? "N" : (st.overflow_supported() ? "PO" : "P");
    t += " " + std::to_string(st.chunk_size());
    const unsigned features = (discard_zeroes_cow_ ? 1 : 0) + (discard_passdown_origin_ ? 1 : 0);
    if (features) {
      t += " " + std::to_string(features);
      if (discard_zeroes_cow_) t += " discard_zeroes_cow";
      if (discard_passdown_origin_) t += " discard_passdown_origin";
    }
    return t;
  }

  std::vector<io::BlockDevicePtr> devices() const override { return {s_->origin(), s_->cow()}; }

  Result<void> presuspend(bool) override {
    if (merge_) s_->stop_merge();
    return {};
  }
  void presuspend_undo() override {
    if (merge_) s_->start_merge();
  }
  void resume() override {
    s_->set_length(length_);
    s_->activate();
    if (merge_) s_->start_merge();
  }

 private:
  std::shared_ptr<Snapshot> s_;
  bool merge_;
  bool discard_zeroes_cow_, discard_passdown_origin_;
  sector_t length_;
};

Result<std::unique_ptr<core::Target>> create(const core::TargetArgs& a, bool merge) {
  if (a.args.size() < 4) return fail(EINVAL, "requires 4 or more arguments");
  if (!a.services) return fail(EINVAL, "no target services");
  ArgSet as(a.args);
  as.consume(4);
  bool zeroes = false, passdown = false;
  if (!as.empty()) {
    auto n = as.read_group({0, 2, "Invalid number of feature arguments"});
    if (!n) return fail(n.error());
    for (std::size_t i = 0; i < *n; ++i) {
      const std::string& w = *as.shift();
      if (strcasecmp(w.c_str(), "discard_zeroes_cow") == 0)
        zeroes = true;
      else if (strcasecmp(w.c_str(), "discard_passdown_origin") == 0)
        passdown = true;
      else
        return fail(EINVAL, "Unrecognised feature requested");
    }
    if (passdown && !zeroes) return fail(EINVAL, "discard_passdown_origin feature depends on discard_zeroes_cow");
  }

  auto origin = open_device(a, a.args[0], 0, a.length, "Cannot get origin device");
  if (!origin) return fail(origin.error());
  auto cow = open_device(a, a.args[1], 0, 0, "Cannot get COW device");
  if (!cow) return fail(cow.error());
  if ((*origin)->table_name() == (*cow)->table_name())
    return fail(EINVAL, "COW device cannot be the same as origin device");

  // Exception store type and chunk size, as dm_exception_store_create reads them.
  const std::string& type = a.args[2];
  const char kind = type.empty() ? '\0' : static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
  bool overflow = false;
  if (kind == 'P') {
    if (type.size() > 1) {
      if (std::toupper(static_cast<unsigned char>(type[1])) != 'O')
        return fail(EINVAL, "Exception store type constructor failed: Unsupported persistent store option: " +
                                type.substr(1));
      overflow = true;
    }
  } else if (kind != 'N') {
    return fail(EINVAL, "Exception store type is not P or N");
  }
  std::uint64_t chunk = 0;
  if (!parse_in_range(a.args[3], 0, UINT32_MAX, chunk)) return fail(EINVAL, "Invalid chunk size");
  if (chunk != 0)
    if (auto r = check_chunk_size(chunk, **cow, origin->get()); !r)
      return fail(with_context("Couldn't create exception store: ", r.error()));
  if (merge && kind != 'P') return fail(EINVAL, "Snapshot exception store does not support snapshot-merge.");

  auto& shared = a.services->shared();
  auto origin_object = shared.find_or_create<Origin>("snapshot-origin", (*origin)->table_name(),
                                                     [&]() -> Result<std::shared_ptr<Origin>> {
                                                       return std::make_shared<Origin>(*origin);
                                                     });
  if (!origin_object) return fail(origin_object.error());
  io::WorkerPool* workers = &a.services->workers();
  bool made = false;
  auto state = shared.find_or_create<Snapshot>(
      "snapshot", (*cow)->table_name(), [&]() -> Result<std::shared_ptr<Snapshot>> {
        std::vector<Exception> loaded;
        Result<std::unique_ptr<ExceptionStore>> store =
            kind == 'N' ? ExceptionStore::transient(*cow, chunk)
                        : ExceptionStore::open_persistent(
                              *cow, chunk, overflow, [&](const Exception& e) { loaded.push_back(e); }, origin->get());
        if (!store) {
          if (kind == 'N') return fail(store.error());
          return fail(with_context("Failed to read snapshot metadata: ", store.error()));
        }
        auto s = std::make_shared<Snapshot>(snap::SnapshotConfig{*origin, *cow, *origin_object, workers},
                                            std::move(*store));
        for (const auto& e : loaded) s->add_loaded(e);
        made = true;
        return s;
      });
  if (!state) return fail(state.error());
  // A second table on the same COW takes the exceptions over (the kernel's
  // handover); it must name the same origin.
  if ((*state)->origin_object() != *origin_object)
    return fail(EINVAL, "Snapshot cow pairing for exception table handover failed");
  if (made) (*state)->register_with_origin();
  if (merge && (*origin_object)->other_is_merging(state->get())) return fail(EINVAL, "A snapshot is already merging.");
  (*state)->set_event(a.raise_event);
  if (made) (*state)->set_length(a.length);
  return std::make_unique<SnapshotTarget>(std::move(*state), merge, zeroes, passdown, a.length);
}

Result<std::unique_ptr<core::Target>> create_snapshot(const core::TargetArgs& a) { return create(a, false); }
Result<std::unique_ptr<core::Target>> create_merge(const core::TargetArgs& a) { return create(a, true); }

}  // namespace

const core::TargetType& snapshot_target_type() {
  static const core::TargetType type{"snapshot", {1, 16, 0}, 0, create_snapshot};
  return type;
}

const core::TargetType& snapshot_merge_target_type() {
  static const core::TargetType type{"snapshot-merge", {1, 5, 0}, 0, create_merge};
  return type;
}

}  // namespace udm::targets

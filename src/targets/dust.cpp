// dust 1.0.0: emulates bad blocks. Reads of a block in the bad block list fail
// while enabled; a write to a bad block fails while its write-fail count
// lasts, and after that succeeds and removes the block from the list (the
// drive "remapped" it), as Linux's dm-dust does.
//
// Table:   <dev> <offset> <blksz>   (blksz in bytes: a power of 2, >= 512,
//                                    <= min(target length, 1 GiB))
// Status:  INFO  "<maj:min> <fail_read_on_bad_block|bypass> <quiet|verbose>"
//          TABLE "<maj:min> <offset> <blksz>"
// Messages (case-insensitive; replies through DM_DATA_OUT):
//   enable | disable | quiet (toggles) | countbadblocks | clearbadblocks | listbadblocks
//   addbadblock <blk> [<write_fail_count 0-255>] | removebadblock <blk> | queryblock <blk>
//
// Block numbers count blksz blocks on the underlying device, from its sector
// 0 (Linux computes them after remapping, so <offset> is included). Unlike
// Linux, which looks only at a bio's first block, every block a request
// covers is checked: our requests can be far larger than one block.
#include <map>
#include <mutex>
#include <strings.h>

#include "core/target.hpp"
#include "targets/args.hpp"
#include "targets/target_types.hpp"

namespace udm::targets {
namespace {

constexpr sector_t DUST_MAX_BLOCK_SECTORS = 2097152;  // 1 GiB

bool parse_unsigned(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  return parse_in_range(text, 0, max, out);
}

bool word_is(const std::string& word, const char* name) { return ::strcasecmp(word.c_str(), name) == 0; }

class DustTarget final : public core::Target {
 public:
  DustTarget(io::BlockDevicePtr dev, sector_t start, std::uint32_t blksz, sector_t length)
      : dev_(std::move(dev)), start_(start), blksz_(blksz), length_(length) {}

  core::MapResult map(io::Request* r) override {
    map_io(r);
    return core::MapResult::submitted;
  }

  void map_io(io::Request* r) {
    if (r->op != io::Op::flush) r->offset += sectors_to_bytes(start_);
    if (r->op == io::Op::flush || r->length == 0) return dev_->submit(r);
    std::uint64_t first = r->offset / blksz_, last = (r->offset + r->length - 1) / blksz_;
    {
      std::lock_guard g(lock_);
      if (fail_read_on_bad_block_ && !bad_.empty()) {
        auto it = bad_.lower_bound(first);
        if (r->op == io::Op::read) {
          if (it != bad_.end() && it->first <= last) {
            return r->complete(-EIO);
          }
        } else {
          // A write fails while any covered block still has write failures
          // to give; otherwise it "remaps" (forgets) every covered bad block.
          bool fail_write = false;
          for (auto j = it; j != bad_.end() && j->first <= last; ++j)
            if (j->second > 0) {
              --j->second;
              fail_write = true;
            }
          if (!fail_write)
            while (it != bad_.end() && it->first <= last) it = bad_.erase(it);
          if (fail_write) return r->complete(-EIO);
        }
      }
    }
    dev_->submit(r);
  }

  std::string status(core::StatusType type) const override {
    if (type == core::StatusType::table)
      return dev_->table_name() + " " + std::to_string(start_) + " " + std::to_string(blksz_);
    std::lock_guard g(lock_);
    return dev_->table_name() + (fail_read_on_bad_block_ ? " fail_read_on_bad_block" : " bypass") +
           (quiet_ ? " quiet" : " verbose");
  }

  Result<std::string> message(std::span<const std::string> args) override {
    std::lock_guard g(lock_);
    if (args.size() == 1) {
      const std::string& w = args[0];
      if (word_is(w, "addbadblock") || word_is(w, "removebadblock") || word_is(w, "queryblock"))
        return fail(EINVAL, w + " requires an additional argument");
      if (word_is(w, "disable")) {
        fail_read_on_bad_block_ = false;
        return std::string();
      }
      if (word_is(w, "enable")) {
        fail_read_on_bad_block_ = true;
        return std::string();
      }
      if (word_is(w, "countbadblocks")) return "countbadblocks: " + std::to_string(bad_.size()) + " badblock(s) found";
      if (word_is(w, "clearbadblocks")) {
        bool had = !bad_.empty();
        bad_.clear();
        return std::string(had ? "dust_clear_badblocks: badblocks cleared" : "dust_clear_badblocks: no badblocks found");
      }
      if (word_is(w, "quiet")) {
        quiet_ = !quiet_;
        return std::string();
      }
      if (word_is(w, "listbadblocks")) {
        std::string out;
        for (const auto& [blk, count] : bad_) out += std::to_string(blk) + "\n";
        if (bad_.empty()) out = "No blocks in badblocklist";
        return out;
      }
      return fail(EINVAL, "unrecognized message '" + w + "' received");
    }
    if (args.size() == 2 || args.size() == 3) {
      std::uint64_t block = 0, fail_count = 0;
      if (!parse_unsigned(args[1], UINT64_MAX, block)) return fail(EINVAL, "invalid block number '" + args[1] + "'");
      if (args.size() == 3) {
        if (!parse_unsigned(args[2], UINT32_MAX, fail_count))
          return fail(EINVAL, "invalid write fail count '" + args[2] + "'");
        if (fail_count > 255) return fail(EINVAL, "selected write fail count out of range");
      }
      // Linux compares against the target length in blocks with '>', so the
      // block one past the end is accepted too.
      if (block > length_ / (blksz_ >> SECTOR_SHIFT)) return fail(EINVAL, "selected block value out of range");
      const std::string& w = args[0];
      if (word_is(w, "addbadblock")) {
        if (bad_.contains(block))
          return fail(EINVAL, "dust_add_block: block " + std::to_string(block) + " already in badblocklist");
        bad_.emplace(block, static_cast<std::uint8_t>(fail_count));
        return std::string();
      }
      if (args.size() == 2 && word_is(w, "removebadblock")) {
        if (bad_.erase(block) == 0)
          return fail(EINVAL, "dust_remove_block: block " + std::to_string(block) + " not found in badblocklist");
        return std::string();
      }
      if (args.size() == 2 && word_is(w, "queryblock"))
        return "dust_query_block: block " + std::to_string(block) +
               (bad_.contains(block) ? " found in badblocklist" : " not found in badblocklist");
      return fail(EINVAL, "unrecognized message '" + w + "' received");
    }
    return fail(EINVAL, "invalid number of arguments '" + std::to_string(args.size()) + "'");
  }

  std::vector<io::BlockDevicePtr> devices() const override { return {dev_}; }

 private:
  io::BlockDevicePtr dev_;
  sector_t start_;
  std::uint32_t blksz_;
  sector_t length_;
  mutable std::mutex lock_;
  std::map<std::uint64_t, std::uint8_t> bad_;  // block -> writes still to fail
  bool fail_read_on_bad_block_ = false;
  bool quiet_ = false;
};

Result<std::unique_ptr<core::Target>> create_dust(const core::TargetArgs& a) {
  if (a.args.size() != 3) return fail(EINVAL, "Invalid argument count");
  if (!a.devices) return fail(EINVAL, "no device opener");
  // <dev> <offset> <blksz>; the block size is checked first, as Linux does.
  auto blksz = ArgSet(a.args.subspan(2)).read({1, UINT32_MAX, "Invalid block size parameter", true});
  if (!blksz) return fail(blksz.error());
  if (*blksz < 512) return fail(EINVAL, "Block size must be at least 512");
  if ((*blksz & (*blksz - 1)) != 0) return fail(EINVAL, "Block size must be a power of 2");
  if (bytes_to_sectors(*blksz) > std::min<sector_t>(a.length, DUST_MAX_BLOCK_SECTORS))
    return fail(EINVAL, "Block size is too large");
  auto start = ArgSet(a.args.subspan(1, 1)).read({0, MAX_DEVICE_SECTORS, "Invalid device offset sector", true});
  if (!start) return fail(start.error());
  auto dev = a.devices->open(a.args[0], *start, a.length);
  if (!dev) return fail(dev.error());
  return std::make_unique<DustTarget>(std::move(*dev), *start, static_cast<std::uint32_t>(*blksz), a.length);
}

}  // namespace

const core::TargetType& dust_target_type() {
  static const core::TargetType type{"dust", {1, 0, 0}, 0, &create_dust};
  return type;
}

}  // namespace udm::targets

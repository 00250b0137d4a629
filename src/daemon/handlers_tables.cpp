// Table commands: load, clear, deps, status, and target messages.
// Semantics: ABI.md §6.1, §6.2, §6.5, §6.7, §8.
#include <algorithm>

#include "core/table_line.hpp"
#include "daemon/handlers.hpp"

namespace udm::daemon {
namespace {

// "252:M" words in a table or status line name mapped devices; where one has
// a kernel block device (udmd --block-devices), its devno is shown, as info
// and deps show it. The device record keeps the 252:M form (device_restore).
std::string with_block_devnos(const core::DeviceRegistry& registry, std::string text) {
  const std::string prefix = std::to_string(UDM_BLOCK_MAJOR) + ":";
  std::size_t pos = 0;
  while ((pos = text.find(prefix, pos)) != std::string::npos) {
    std::size_t end = pos + prefix.size();
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    const bool word = (pos == 0 || text[pos - 1] == ' ') && end > pos + prefix.size() &&
                      (end == text.size() || text[end] == ' ') && end - pos - prefix.size() <= 7;
    if (!word) {
      pos = end;
      continue;
    }
    DevNo mapped{UDM_BLOCK_MAJOR, static_cast<std::uint32_t>(std::stoul(text.substr(pos + prefix.size(), end - pos - prefix.size())))};
    const std::string shown = registry.reported_devno(mapped).to_string();
    text.replace(pos, end - pos, shown);
    pos += shown.size();
  }
  return text;
}

}  // namespace

void retrieve_status(Context& ctx, const core::MappedDevice& device) {
  const bool inactive = ctx.has(abi::QUERY_INACTIVE_TABLE_FLAG);
  core::DeviceInfo info = device.info(inactive);
  if (!(inactive ? info.inactive_present : info.live_present)) return;
  const auto type = ctx.has(abi::STATUS_TABLE_FLAG) ? core::StatusType::table : core::StatusType::info;
  std::vector<abi::TargetSpecText> specs;
  // DM_NOFLUSH_FLAG reaches the targets (a thin-pool must not commit to report).
  for (auto& line : device.status(type, inactive, ctx.has(abi::NOFLUSH_FLAG)))
    specs.push_back({line.start, line.length, std::move(line.type), with_block_devnos(ctx.registry, std::move(line.text)), 0});
  auto out = abi::encode_status_specs(specs, ctx.result_room());
  if (out.buffer_full) ctx.out.flags |= abi::BUFFER_FULL_FLAG;
  if (out.used) {
    ctx.payload = std::move(out.payload);
    ctx.out.data_size = abi::PAYLOAD_OFFSET + out.used;
  }
  ctx.out.target_count = static_cast<std::uint32_t>(specs.size());
}

namespace handlers {

Result<void> table_load(Context& ctx) {
  auto d = find_device(ctx);
  if (!d) return fail(d.error());
  auto specs = abi::decode_load_specs(ctx.buffer, ctx.in.data_start, ctx.in.target_count);
  if (!specs) return fail(specs.error());
  std::vector<core::TableLine> lines;
  lines.reserve(specs->size());
  for (std::size_t i = 0; i < specs->size(); ++i) {
    auto& s = (*specs)[i];
    lines.push_back({s.start, s.length, std::move(s.type), std::move(s.text), static_cast<unsigned>(i + 1)});
  }
  auto table = ctx.registry.build_table(lines, ctx.has(abi::READONLY_FLAG), **d);
  if (!table) {
    Error e = table.error();
    // As the kernel: a table that cannot be built is EINVAL, whatever the cause.
    if (e.code != ENOMEM && e.code != EOVERFLOW) e.code = EINVAL;
    return fail(std::move(e));
  }
  (*d)->load(std::move(*table));
  fill_status(ctx, **d);
  return {};
}

Result<void> table_clear(Context& ctx) {
  auto d = find_device(ctx);
  if (!d) return fail(d.error());
  (*d)->clear();
  fill_status(ctx, **d);
  return {};
}

Result<void> table_deps(Context& ctx) {
  auto d = find_device(ctx);
  if (!d) return fail(d.error());
  fill_status(ctx, **d);
  const bool inactive = ctx.has(abi::QUERY_INACTIVE_TABLE_FLAG);
  core::DeviceInfo info = (*d)->info(inactive);
  if (!(inactive ? info.inactive_present : info.live_present)) return {};
  std::vector<std::uint64_t> devs;
  for (const auto& dn : (*d)->deps(inactive)) devs.push_back(ctx.registry.reported_devno(dn).to_huge());
  std::size_t room = ctx.result_room();
  std::size_t needed = sizeof(abi::TargetDeps) + 8 * devs.size();
  if (room < needed) {
    ctx.out.flags |= abi::BUFFER_FULL_FLAG;
    return {};
  }
  ctx.set_payload(abi::encode_deps(devs));
  return {};
}

Result<void> table_status(Context& ctx) {
  if (ctx.has(abi::IMA_MEASUREMENT_FLAG))
    return fail(EINVAL, "status: IMA measurement is not supported by udm");
  auto d = find_device(ctx);
  if (!d) return fail(d.error());
  fill_status(ctx, **d);
  retrieve_status(ctx, **d);
  return {};
}

Result<void> target_msg(Context& ctx) {
  auto d = find_device(ctx);
  if (!d) return fail(d.error());
  auto msg = abi::decode_target_msg(ctx.buffer, ctx.in.data_start);
  if (!msg) return fail(msg.error());
  auto args = core::split_params(msg->message);
  if (args.empty()) return fail(EINVAL, "message: empty message");
  std::string reply;
  if (args[0].starts_with('@') && args[0] != "@cancel_deferred_remove") {
    auto r = (*d)->stats_message(args, ctx.result_room());
    if (!r) return fail(EINVAL, "Unsupported message sent to DM core: " + args[0]);
    if (!*r) return fail(r->error());
    if (!(*r)->data_out) return {};
    // A reply, even an empty one (no regions listed), sets DATA_OUT.
    ctx.out.flags |= abi::DATA_OUT_FLAG;
    if ((*r)->buffer_full || (*r)->text.size() + 1 >= ctx.result_room())
      ctx.out.flags |= abi::BUFFER_FULL_FLAG;
    else
      ctx.set_payload(abi::encode_string((*r)->text));
    return {};
  } else if (args[0].starts_with('@')) {
    if (args.size() != 1) return fail(EINVAL, "message: @cancel_deferred_remove takes no arguments");
    if (auto r = ctx.registry.cancel_deferred_remove(*d); !r) return r;
  } else {
    sector_t size = bytes_to_sectors((*d)->size());
    if (msg->sector >= size)
      return fail(EINVAL, "message: sector " + std::to_string(msg->sector) + " lies outside the device (" +
                              std::to_string(size) + " sectors)");
    auto r = (*d)->message(msg->sector, args);
    if (!r) return fail(r.error());
    reply = std::move(*r);
  }
  if (reply.empty()) return {};
  ctx.out.flags |= abi::DATA_OUT_FLAG;
  std::size_t room = ctx.result_room();
  if (reply.size() + 1 >= room)  // the kernel's "result filled the buffer"
    ctx.out.flags |= abi::BUFFER_FULL_FLAG;
  else
    ctx.set_payload(abi::encode_string(reply));
  return {};
}

}  // namespace handlers
}  // namespace udm::daemon

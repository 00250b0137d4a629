// List commands: list_devices, list_versions, get_target_version and udm's
// list_commands. Semantics: ABI.md §6.3, §6.4.
#include "daemon/handlers.hpp"

namespace udm::daemon::handlers {
namespace {

// Fits `records` into the reply, or sets BUFFER_FULL and writes nothing.
void put_versions(Context& ctx, const std::vector<abi::VersionRecord>& records) {
  std::size_t room = ctx.result_room();
  if (room < abi::versions_size(records)) {
    ctx.out.flags |= abi::BUFFER_FULL_FLAG;
    return;
  }
  ctx.set_payload(abi::encode_versions(records));
}

}  // namespace

Result<void> list_devices(Context& ctx) {
  abi::NameListForm form;
  form.event_trailer = ctx.version.minor >= abi::LIST_DEVICES_EVENT_TRAILER_MINOR;
  form.uuids = form.event_trailer && ctx.has(abi::UUID_FLAG) && ctx.version.minor >= abi::LIST_DEVICES_UUID_MINOR;
  std::vector<abi::NameEntry> entries;
  for (const auto& d : ctx.registry.list()) {
    // A name or uuid in the request filters by prefix (kernel 4.48).
    if (!ctx.in.name.empty() && !d->name().starts_with(ctx.in.name)) continue;
    if (!ctx.in.uuid.empty() && (d->uuid().empty() || !d->uuid().starts_with(ctx.in.uuid))) continue;
    abi::NameEntry e;
    e.dev = ctx.registry.reported_devno(d->devno()).to_huge();
    e.name = d->name();
    e.event_nr = d->info(false).event_nr;
    if (!d->uuid().empty()) e.uuid = d->uuid();
    entries.push_back(std::move(e));
  }
  std::size_t room = ctx.result_room();
  std::size_t needed = abi::name_list_size(entries, form);
  if (room < needed || room < sizeof(std::uint64_t)) {
    ctx.out.flags |= abi::BUFFER_FULL_FLAG;
    return {};
  }
  // No devices: data_size = 312 and the record's zero dev lies past it.
  ctx.set_payload(abi::encode_name_list(entries, form));
  return {};
}

Result<void> list_versions(Context& ctx) {
  std::vector<abi::VersionRecord> records;
  for (const auto* t : ctx.registry.targets().list())
    records.push_back({std::string(t->name), {t->version.major, t->version.minor, t->version.patch}});
  put_versions(ctx, records);
  return {};
}

Result<void> get_target_version(Context& ctx) {
  const auto* t = ctx.registry.targets().find(ctx.in.name);
  if (!t) return fail(EINVAL, "target type \"" + ctx.in.name + "\" is not known");
  put_versions(ctx, {{std::string(t->name), {t->version.major, t->version.minor, t->version.patch}}});
  return {};
}

Result<void> list_commands(Context& ctx) {
  std::vector<abi::VersionRecord> records;
  for (const auto& c : abi::COMMANDS) records.push_back({std::string(c.name), ctx.versions.at(c.command)});
  put_versions(ctx, records);
  return {};
}

Handler find(abi::Command command) {
  switch (command) {
    case abi::CMD_VERSION: return nullptr;  // answered by the dispatcher
    case abi::CMD_REMOVE_ALL: return remove_all;
    case abi::CMD_LIST_DEVICES: return list_devices;
    case abi::CMD_DEV_CREATE: return dev_create;
    case abi::CMD_DEV_REMOVE: return dev_remove;
    case abi::CMD_DEV_RENAME: return dev_rename;
    case abi::CMD_DEV_SUSPEND: return dev_suspend;
    case abi::CMD_DEV_STATUS: return dev_status;
    case abi::CMD_DEV_WAIT: return dev_wait;
    case abi::CMD_TABLE_LOAD: return table_load;
    case abi::CMD_TABLE_CLEAR: return table_clear;
    case abi::CMD_TABLE_DEPS: return table_deps;
    case abi::CMD_TABLE_STATUS: return table_status;
    case abi::CMD_LIST_VERSIONS: return list_versions;
    case abi::CMD_TARGET_MSG: return target_msg;
    case abi::CMD_DEV_SET_GEOMETRY: return dev_set_geometry;
    case abi::CMD_DEV_ARM_POLL: return dev_arm_poll;
    case abi::CMD_GET_TARGET_VERSION: return get_target_version;
    case abi::CMD_LIST_COMMANDS: return list_commands;
  }
  return nullptr;
}

}  // namespace udm::daemon::handlers

// Commands that change devices: create (and --concise), load/reload, remove
// (-f, --deferred, --retry), remove_all, suspend, resume, clear, wipe_table,
// rename, message, wait, setgeometry, mknodes.
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli.hpp"
#include "format.hpp"
#include "table_text.hpp"
#include "base/devno.hpp"

namespace udm::udmsetup {

// --concise devices: "name,uuid,minor,flags,table[,table...]" separated by
// ';', with '\\' escaping the next character. Each entry is created as soon
// as it is parsed, as dmsetup does.
bool create_concise(Context& ctx, const std::vector<std::string>& args) {
  if (ctx.sw.table || ctx.sw.notable || ctx.sw.minor || ctx.sw.uuid || ctx.sw.inactive) {
    err("--concise is incompatible with --[no]table, --minor, --uuid and --inactive.");
    return false;
  }
  if (args.size() > 1) {
    err("udmsetup create --concise takes at most one argument");
    return false;
  }
  std::string text;
  if (args.empty()) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
    while (!text.empty() && text.back() == '\n') text.pop_back();
  } else {
    text = args[0];
  }
  std::vector<std::string> fields;
  std::string field;
  auto show = [&](std::size_t i) -> std::string {
    if (i < fields.size()) return fields[i];
    return "(null)";
  };
  auto parsed = [&]() {
    err(fmt::format("Parsed {} fields: name: {} uuid: {} minor: {} flags: {} table: {}", fields.size(),
                    show(0), show(1), show(2), show(3), show(4)));
  };
  auto finish_entry = [&]() -> bool {
    fields.push_back(field);
    field.clear();
    if (fields.size() < 5 || fields[4].empty()) {
      err(fields.size() <= 1 ? "Five comma-separated fields are required for each device"
                             : "Incomplete entry: five comma-separated fields are required for each device");
      parsed();
      return false;
    }
    const std::string& flags = fields[3];
    if (!flags.empty() && flags != "ro" && flags != "rw") {
      err(fmt::format("Invalid flags parameter '{}' must be 'ro' or 'rw' or empty.", flags));
      return false;
    }
    std::string table;
    for (std::size_t i = 4; i < fields.size(); ++i) table += (i > 4 ? "\n" : "") + fields[i];
    auto lines = parse_table(table, "");
    if (!lines) {
      err(lines.error().message);
      return false;
    }
    auto* c = ctx.connect();
    if (!c) return false;
    Task t(*c, TaskType::create);
    t.set_name(input_name(fields[0]));
    if (!fields[1].empty()) t.set_uuid(input_name(fields[1]));
    if (!fields[2].empty()) {
      auto minor = static_cast<std::uint32_t>(std::strtoul(fields[2].c_str(), nullptr, 10));
      t.set_persistent_minor(minor).set_devno(UDM_BLOCK_MAJOR, minor);
    }
    if (flags == "ro") t.set_read_only();
    for (auto& l : *lines) t.add_target(std::move(l));
    if (auto r = t.run(); !r) {
      report_error(t, r.error());
      return false;
    }
    if (ctx.sw.verbose && !display_info(ctx, t.info())) return false;
    fields.clear();
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '\\') {
      if (i + 1 >= text.size()) {
        err("Backslash must be followed by another character at end of string.");
        fields.push_back(field);
        parsed();
        return false;
      }
      field += text[++i];
    } else if (ch == ',') {
      fields.push_back(field);
      field.clear();
    } else if (ch == ';') {
      if (!finish_entry()) return false;
    } else {
      field += ch;
    }
  }
  if (!fields.empty() || !field.empty()) return finish_entry();
  return true;
}

bool cmd_create(Context& ctx, const std::vector<std::string>& args, bool) {
  if (ctx.sw.concise) return create_concise(ctx, args);
  if (args.empty()) {
    err("Please provide a name for the new device.");
    return false;
  }
  std::vector<client::TableLine> lines;
  if (!ctx.sw.notable) {
    auto t = read_table(ctx, args.size() > 1 ? &args[1] : nullptr);
    if (!t) return false;
    lines = std::move(*t);
  }
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::create);
  t.set_name(input_name(args[0]));
  if (ctx.sw.uuid) t.set_uuid(input_name(*ctx.sw.uuid));
  if (ctx.sw.minor) t.set_persistent_minor(*ctx.sw.minor).set_devno(*ctx.sw.major, *ctx.sw.minor);
  if (ctx.sw.readonly) t.set_read_only();
  for (auto& l : lines) t.add_target(std::move(l));
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (ctx.sw.verbose) return display_info(ctx, t.info());
  return true;
}

bool cmd_load(Context& ctx, const std::vector<std::string>& args, bool) {
  if (ctx.sw.notable) {
    err("--notable only available when creating new device.");
    return false;
  }
  if (args.empty() && !ctx.sw.uuid && !ctx.sw.major) {
    err("Please specify device.");
    return false;
  }
  // With -u or -j/-m, the only argument is the table file.
  const std::string* name = nullptr;
  const std::string* file = nullptr;
  if (ctx.sw.uuid || ctx.sw.major) {
    file = first(args);
  } else {
    name = &args[0];
    file = args.size() > 1 ? &args[1] : nullptr;
  }
  auto lines = read_table(ctx, file);
  if (!lines) return false;
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::reload);
  if (!set_device(ctx, t, name)) return false;
  if (ctx.sw.readonly) t.set_read_only();
  for (auto& l : *lines) t.add_target(std::move(l));
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (ctx.sw.verbose) return display_info(ctx, t.info());
  return true;
}

std::uint64_t table_size(const std::vector<client::TableLine>& table) {
  std::uint64_t size = 0;
  for (const auto& l : table) size += l.length;
  return size;
}

// wipe_table / remove -f: replace the table with one `error` target of the
// same size and resume without flushing, so holders see errors at once.
bool error_device(Context& ctx, const std::string* name, bool) {
  auto* c = ctx.connect();
  if (!c) return false;
  Task st(*c, TaskType::table);
  if (!set_device(ctx, st, name)) return false;
  if (auto r = st.run(); !r) {
    report_error(st, r.error());
    return false;
  }
  if (!st.info().exists) {
    err("Device does not exist.");
    return false;
  }
  std::uint64_t size = table_size(st.table());
  if (size == 0) return true;  // nothing to wipe
  Task load(*c, TaskType::reload);
  set_device(ctx, load, name);
  load.add_target({0, size, "error", ""});
  if (auto r = load.run(); !r) {
    report_error(load, r.error());
    return false;
  }
  Task resume(*c, TaskType::resume);
  set_device(ctx, resume, name);
  resume.set_noflush().set_skip_lockfs();
  if (auto r = resume.run(); !r) {
    report_error(resume, r.error());
    Task clear(*c, TaskType::clear);
    set_device(ctx, clear, name);
    (void)clear.run();
    return false;
  }
  return true;
}

bool cmd_remove(Context& ctx, const std::vector<std::string>& args, bool multiple) {
  if (ctx.sw.force && (!args.empty() || ctx.sw.uuid || ctx.sw.major))
    (void)error_device(ctx, first(args), multiple);  // dmsetup ignores its result
  // dmsetup prints nothing after a remove, even with -v.
  return simple(ctx, TaskType::remove, first(args), false,
                [&](Task& t) { t.set_deferred_remove(ctx.sw.deferred).set_retry_remove(ctx.sw.retry); });
}

bool count_devices(Context& ctx, int& count) {
  auto names = list_devices(ctx);
  if (!names) return false;
  count = static_cast<int>(names->size());
  return true;
}

bool cmd_remove_all(Context& ctx, const std::vector<std::string>&, bool) {
  auto* c = ctx.connect();
  if (!c) return false;
  auto remove_all = [&]() {
    Task t(*c, TaskType::remove_all);
    t.set_deferred_remove(ctx.sw.deferred);
    if (auto r = t.run(); !r) {
      report_error(t, r.error());
      return false;
    }
    return true;
  };
  bool ok = remove_all();
  if (!ctx.sw.force) return ok;
  int left = 0;
  if (!count_devices(ctx, left)) return false;
  if (left == 0) return ok;
  (void)process_all(ctx, [](Context& x, const std::string* n, bool m) { return error_device(x, n, m); },
                    true);
  ok = remove_all() || ok;
  if (!count_devices(ctx, left)) return false;
  if (left) {
    err(fmt::format("Unable to remove {} device(s).", left));
    return false;
  }
  return ok;
}

bool cmd_suspend(Context& ctx, const std::vector<std::string>& args, bool) {
  return simple(ctx, TaskType::suspend, first(args), true, [&](Task& t) {
    t.set_noflush(ctx.sw.noflush).set_skip_lockfs(ctx.sw.nolockfs);
  });
}

bool cmd_resume(Context& ctx, const std::vector<std::string>& args, bool) {
  return simple(ctx, TaskType::resume, first(args), true, [&](Task& t) {
    t.set_noflush(ctx.sw.noflush).set_skip_lockfs(ctx.sw.nolockfs);
  });
}

bool cmd_clear(Context& ctx, const std::vector<std::string>& args, bool) {
  return simple(ctx, TaskType::clear, first(args), true);
}

bool cmd_wipe_table(Context& ctx, const std::vector<std::string>& args, bool multiple) {
  if (args.empty() && !ctx.sw.uuid && !ctx.sw.major) {
    err("No device specified.");
    return false;
  }
  return error_device(ctx, first(args), multiple);
}

bool cmd_rename(Context& ctx, const std::vector<std::string>& args, bool) {
  const std::string* name = args.size() == 2 ? &args[0] : nullptr;
  const std::string& to = args.back();
  auto* c = ctx.connect();
  if (!c) return false;
  // The driver looks the old device up by name only: resolve -u/-j first.
  std::string resolved;
  if (!name) {
    Task info(*c, TaskType::info);
    if (!set_device(ctx, info, nullptr)) return false;
    if (auto r = info.run(); !r) {
      report_error(info, r.error());
      return false;
    }
    if (!info.info().exists) {
      err("Device does not exist.");
      return false;
    }
    resolved = info.info().name;
    name = &resolved;
  }
  Task t(*c, TaskType::rename);
  t.set_name(input_name(*name));
  if (ctx.sw.setuuid) t.set_new_uuid(input_name(to));
  else t.set_new_name(input_name(to));
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  return true;
}

bool cmd_message(Context& ctx, const std::vector<std::string>& args, bool) {
  std::size_t i = 0;
  const std::string* name = nullptr;
  if (!ctx.sw.uuid && !ctx.sw.major) name = &args[i++];
  if (i >= args.size()) {
    err("No device specified.");
    return false;
  }
  const std::string& sector_text = args[i++];
  char* end = nullptr;
  errno = 0;
  unsigned long long sector = std::strtoull(sector_text.c_str(), &end, 10);
  if (sector_text.empty() || *end || errno) {
    err("Invalid sector.");
    return false;
  }
  if (i >= args.size()) {
    err("No message supplied.");
    return false;
  }
  std::string message;
  for (; i < args.size(); ++i) {
    if (!message.empty()) message += ' ';
    message += args[i];
  }
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::target_msg);
  if (!set_device(ctx, t, name)) return false;
  t.set_message(sector, message);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (const auto& reply = t.message_reply(); reply && !reply->empty()) {
    out(*reply);
    if (reply->back() != '\n') out("\n");
  }
  return true;
}

bool cmd_wait(Context& ctx, const std::vector<std::string>& args, bool) {
  const std::string* name = nullptr;
  std::size_t i = 0;
  if (!ctx.sw.uuid && !ctx.sw.major && !args.empty()) name = &args[i++];
  std::uint32_t event_nr = 0;
  if (i < args.size()) event_nr = static_cast<std::uint32_t>(std::strtoul(args[i].c_str(), nullptr, 10));
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::waitevent);
  if (!set_device(ctx, t, name)) return false;
  t.set_event_nr(event_nr).set_noflush(ctx.sw.noflush).set_query_inactive(ctx.sw.inactive);
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  if (ctx.sw.verbose) return display_info(ctx, t.info());
  return true;
}

bool mknodes_one(Context& ctx, const std::string* name, bool) {
  // udmd exports devices itself (FUSE files, NBD); mknodes only checks that
  // each device answers, as libdm's DEV_STATUS pass does.
  auto* c = ctx.connect();
  if (!c) return false;
  Task t(*c, TaskType::info);
  if (!set_device(ctx, t, name)) return false;
  if (auto r = t.run(); !r) {
    report_error(t, r.error());
    return false;
  }
  return true;
}

bool cmd_setgeometry(Context& ctx, const std::vector<std::string>& args, bool) {
  return simple(ctx, TaskType::set_geometry, &args[0], false,
                [&](Task& t) { t.set_geometry(args[1], args[2], args[3], args[4]); });
}

int cmd_mknodes(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return ctx.connect() ? 0 : 1;
  return for_devices(ctx, args, mknodes_one);
}

}  // namespace udm::udmsetup

#include "report.hpp"
#include "format.hpp"
#include "report_help.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>

#include <fmt/format.h>

namespace udm::udmsetup {

namespace {

enum class Kind { str, num };

struct Field {
  const char* id;
  const char* heading;
  int width;
  Kind kind;
  const char* section;  // "name", "info", "deps", "split"
  const char* help;
  std::function<std::string(const ReportRow&)> value;
};

std::string join_devnos(const std::vector<client::DevNumber>& deps) {
  std::string out;
  for (const auto& d : deps) {
    if (!out.empty()) out += ',';
    out += fmt::format("{}:{}", d.major, d.minor);
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (s.empty()) continue;
    if (!out.empty()) out += ',';
    out += unmangle_name(s);
  }
  return out;
}

const std::vector<Field>& fields() {
  static const std::vector<Field> table = {
      {"name", "Name", 16, Kind::str, "name", "Name of mapped device.",
       [](const ReportRow& r) { return unmangle_name(r.info.name); }},
      {"mangled_name", "MangledName", 16, Kind::str, "name", "Mangled name of mapped device.",
       [](const ReportRow& r) { return r.info.name; }},
      {"unmangled_name", "UnmangledName", 16, Kind::str, "name", "Unmangled name of mapped device.",
       [](const ReportRow& r) { return unmangle_name(r.info.name); }},
      {"uuid", "UUID", 32, Kind::str, "name", "Unique (optional) identifier for mapped device.",
       [](const ReportRow& r) { return unmangle_name(r.info.uuid); }},
      {"mangled_uuid", "MangledUUID", 32, Kind::str, "name",
       "Mangled unique (optional) identifier for mapped device.",
       [](const ReportRow& r) { return r.info.uuid; }},
      {"unmangled_uuid", "UnmangledUUID", 32, Kind::str, "name",
       "Unmangled unique (optional) identifier for mapped device.",
       [](const ReportRow& r) { return unmangle_name(r.info.uuid); }},
      {"read_ahead", "RAhead", 6, Kind::num, "name", "Read ahead value.",
       [](const ReportRow& r) { return r.read_ahead ? std::to_string(*r.read_ahead) : std::string(); }},
      {"blkdevname", "BlkDevName", 16, Kind::str, "info", "Name of block device.",
       [](const ReportRow& r) { return r.blkdevname; }},
      {"attr", "Stat", 4, Kind::str, "info",
       "(L)ive, (I)nactive, (s)uspended, (r)ead-only, read-(w)rite.",
       [](const ReportRow& r) {
         std::string s = "----";
         if (r.info.live_table) s[0] = 'L';
         if (r.info.inactive_table) s[1] = 'I';
         if (r.info.suspended) s[2] = 's';
         s[3] = r.info.read_only ? 'r' : 'w';
         return s;
       }},
      {"tables_loaded", "Tables", 6, Kind::str, "info",
       "Which of the live and inactive table slots are filled.",
       [](const ReportRow& r) -> std::string {
         if (r.info.live_table) return r.info.inactive_table ? "Both" : "Live";
         return r.info.inactive_table ? "Inactive" : "None";
       }},
      {"suspended", "Suspended", 9, Kind::str, "info", "Whether the device is suspended.",
       [](const ReportRow& r) -> std::string { return r.info.suspended ? "Suspended" : "Active"; }},
      {"readonly", "Read-only", 9, Kind::str, "info", "Whether the device is read-only or writeable.",
       [](const ReportRow& r) -> std::string { return r.info.read_only ? "Read-only" : "Writeable"; }},
      {"devno", "DevNo", 5, Kind::str, "info", "Device major and minor numbers",
       [](const ReportRow& r) { return fmt::format("{}:{}", r.info.major, r.info.minor); }},
      {"major", "Maj", 3, Kind::num, "info", "Block device major number.",
       [](const ReportRow& r) { return std::to_string(r.info.major); }},
      {"minor", "Min", 3, Kind::num, "info", "Block device minor number.",
       [](const ReportRow& r) { return std::to_string(r.info.minor); }},
      {"open", "Open", 4, Kind::num, "info", "Number of references to open device, if requested.",
       [](const ReportRow& r) { return std::to_string(r.info.open_count); }},
      {"segments", "Targ", 4, Kind::num, "info", "Number of segments in live table, if present.",
       [](const ReportRow& r) { return std::to_string(r.info.target_count); }},
      {"events", "Event", 6, Kind::num, "info", "Number of most recent event.",
       [](const ReportRow& r) { return std::to_string(r.info.event_nr); }},
      {"device_count", "#Devs", 5, Kind::num, "deps", "Number of devices used by this one.",
       [](const ReportRow& r) { return std::to_string(r.deps.size()); }},
      // libdevmapper's tree fields (devs_used, *_using_dev) are not in deps_all.
      {"devs_used", "DevNamesUsed", 16, Kind::str, "tree",
       "List of names of mapped devices used by this one.",
       [](const ReportRow& r) { return join(r.dep_names); }},
      {"devnos_used", "DevNosUsed", 16, Kind::str, "deps",
       "List of device numbers of devices used by this one.",
       [](const ReportRow& r) { return join_devnos(r.deps); }},
      {"blkdevs_used", "BlkDevNamesUsed", 16, Kind::str, "deps",
       "List of names of block devices used by this one.",
       [](const ReportRow& r) { return join(r.dep_blkdevnames); }},
      {"device_ref_count", "#Refs", 5, Kind::num, "tree", "Number of mapped devices referencing this one.",
       [](const ReportRow& r) { return std::to_string(r.using_names.size()); }},
      {"names_using_dev", "RefNames", 8, Kind::str, "tree", "List of names of mapped devices using this one.",
       [](const ReportRow& r) { return join(r.using_names); }},
      {"devnos_using_dev", "RefDevNos", 9, Kind::str, "tree",
       "List of device numbers of mapped devices using this one.",
       [](const ReportRow& r) { return join_devnos(r.using_devnos); }},
      {"subsystem", "Subsys", 6, Kind::str, "split",
       "Userspace subsystem responsible for this device.",
       [](const ReportRow& r) { return r.subsystem; }},
      {"vg_name", "VG", 4, Kind::str, "split", "LVM Volume Group name.",
       [](const ReportRow& r) { return r.vg_name; }},
      {"lv_name", "LV", 4, Kind::str, "split", "LVM Logical Volume name.",
       [](const ReportRow& r) { return r.lv_name; }},
      {"lv_layer", "LVLayer", 7, Kind::str, "split", "LVM device layer.",
       [](const ReportRow& r) { return r.lv_layer; }},
      {"selected", "Selected", 8, Kind::num, "special", "Set if item passes selection criteria.",
       [](const ReportRow& r) { return std::string(r.selected ? "1" : "0"); }},
  };
  return table;
}

struct Section {
  const char* id;
  const char* all;
  const char* title;
};

constexpr Section SECTIONS[] = {
    {"name", "name_all", "Mapped Device Name"},
    {"info", "info_all", "Mapped Device Information"},
    {"deps", "deps_all", "Mapped Device Relationship Information"},
    {"split", "splitname_all", "Mapped Device Name Components"},
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(start, comma - start);
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string Report::help_text() { return REPORT_FIELD_HELP; }

std::vector<ReportFieldRef> report_fields() {
  std::vector<ReportFieldRef> out;
  for (std::size_t i = 0; i < fields().size(); ++i) {
    const auto& f = fields()[i];
    out.push_back({int(i), f.id, f.heading, f.width, f.kind == Kind::num});
  }
  return out;
}

std::string report_field_value(int index, const ReportRow& row) { return fields()[std::size_t(index)].value(row); }

Result<Report> Report::create(const ReportOptions& options, const std::string& defaults) {
  Report r;
  r.options_ = options;
  std::string spec = options.fields.empty() ? defaults : options.fields;
  if (!spec.empty() && spec[0] == '+') spec = defaults + "," + spec.substr(1);
  for (const auto& item : split_commas(spec)) {
    if (item == "help" || item == "?") return fail(EAGAIN, "help");
    bool found = false;
    for (const auto& sec : SECTIONS) {
      if (item == sec.all) {
        for (std::size_t i = 0; i < fields().size(); ++i)
          if (std::string_view(fields()[i].section) == sec.id) r.columns_.push_back({int(i)});
        found = true;
      }
    }
    for (std::size_t i = 0; !found && i < fields().size(); ++i) {
      if (item == fields()[i].id) {
        r.columns_.push_back({int(i)});
        found = true;
      }
    }
    if (!found) return fail(EINVAL, "Unrecognised field: " + item);
  }
  for (auto item : split_commas(options.sort)) {
    bool descending = false;
    if (item[0] == '+' || item[0] == '-') {
      descending = item[0] == '-';
      item = item.substr(1);
    }
    bool found = false;
    for (std::size_t i = 0; !found && i < fields().size(); ++i) {
      if (item == fields()[i].id) {
        r.sort_.push_back({int(i), descending});
        found = true;
      }
    }
    if (!found) return fail(EINVAL, "Unrecognised field: " + item);
  }
  std::vector<int> used;
  auto lookup = [&used](const std::string& name) -> std::optional<SelectField> {
    for (std::size_t i = 0; i < fields().size(); ++i) {
      if (name != fields()[i].id || std::string_view(fields()[i].id) == "selected") continue;
      used.push_back(int(i));
      return SelectField{int(i), fields()[i].kind == Kind::num};
    }
    return std::nullopt;
  };
  auto sel = Selection::parse(options.select, lookup);
  if (!sel) return fail(EBADMSG, sel.error().message);
  r.selection_ = std::move(*sel);
  r.selection_fields_ = std::move(used);
  return r;
}

bool Report::selects(const ReportRow& row) const {
  return selection_.matches([&](int i) { return fields()[std::size_t(i)].value(row); });
}

ReportNeeds Report::needs() const {
  ReportNeeds n;
  std::vector<int> read;
  for (const auto& c : columns_) read.push_back(c.field);
  read.insert(read.end(), selection_fields_.begin(), selection_fields_.end());
  for (int f : read) {
    std::string_view sec = fields()[f].section;
    std::string_view id = fields()[f].id;
    if (sec == "deps" || id == "devs_used") n.deps = true;
    if (id == "device_ref_count" || id == "names_using_dev" || id == "devnos_using_dev") n.users = true;
    if (id == "read_ahead") n.read_ahead = true;
    if (sec != "split" && id != "name" && id != "mangled_name" && id != "unmangled_name" &&
        id != "uuid" && id != "mangled_uuid" && id != "unmangled_uuid" && id != "devno" &&
        id != "major" && id != "minor" && id != "events")
      n.list_only = false;
  }
  return n;
}

void Report::add(const ReportRow& in) {
  ReportRow row = in;
  row.selected = selects(row);
  bool shows_selected = false;
  for (const auto& c : columns_) shows_selected |= std::string_view(fields()[c.field].id) == "selected";
  if (!row.selected && !shows_selected) return;
  std::vector<std::string> cells;
  for (const auto& c : columns_) cells.push_back(fields()[c.field].value(row));
  rows_.push_back(std::move(cells));
  std::vector<std::string> keys;
  for (const auto& k : sort_) keys.push_back(fields()[k.field].value(row));
  sort_values_.push_back(std::move(keys));
}

std::string Report::render() const {
  // dmsetup: --noheadings implies ':' between unaligned fields; --separator
  // also turns alignment off; --nameprefixes prints KEY='value' pairs.
  bool aligned = !options_.separator && options_.headings && !options_.name_prefixes;
  bool headings = options_.headings;
  std::string sep = options_.separator ? *options_.separator : (options_.headings ? " " : ":");

  std::vector<std::size_t> order(rows_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t k = 0; k < sort_.size(); ++k) {
      const auto& x = sort_values_[a][k];
      const auto& y = sort_values_[b][k];
      int c = 0;
      if (fields()[sort_[k].field].kind == Kind::num) {
        long long nx = std::atoll(x.c_str()), ny = std::atoll(y.c_str());
        c = nx < ny ? -1 : nx > ny ? 1 : 0;
      } else {
        c = x.compare(y);
      }
      if (c != 0) return sort_[k].descending ? c > 0 : c < 0;
    }
    return false;
  });

  if (options_.rows) {
    // --rows: "Heading value value..." per field, never aligned.
    std::string out;
    if (rows_.empty()) return out;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const auto& f = fields()[columns_[i].field];
      std::string line = headings ? std::string(f.heading) : std::string();
      bool first = !headings;
      for (std::size_t r : order) {
        if (!first) line += sep;
        first = false;
        line += options_.name_prefixes ? fmt::format("DM_{}='{}'", upper(f.id), rows_[r][i])
                                       : rows_[r][i];
      }
      out += line + "\n";
    }
    return out;
  }

  std::vector<std::size_t> width(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const auto& f = fields()[columns_[i].field];
    width[i] = std::max<std::size_t>(f.width, std::string_view(f.heading).size());
    for (const auto& row : rows_) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  if (headings && !rows_.empty()) {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i) out += sep;
      std::string h = fields()[columns_[i].field].heading;
      out += aligned ? fmt::format("{:<{}}", h, width[i]) : h;
    }
    out += "\n";
  }
  for (std::size_t r : order) {
    const auto& row = rows_[r];
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i) out += sep;
      const auto& f = fields()[columns_[i].field];
      if (options_.name_prefixes)
        out += fmt::format("DM_{}='{}'", upper(f.id), row[i]);
      else if (!aligned)
        out += row[i];
      else if (f.kind == Kind::num)
        out += fmt::format("{:>{}}", row[i], width[i]);
      else
        out += fmt::format("{:<{}}", row[i], width[i]);
    }
    out += "\n";
  }
  return out;
}

void split_lvm_name(const std::string& name, std::string& vg, std::string& lv, std::string& layer) {
  std::string* parts[3] = {&vg, &lv, &layer};
  int part = 0;
  vg.clear();
  lv.clear();
  layer.clear();
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '-') {
      if (i + 1 < name.size() && name[i + 1] == '-') {
        *parts[part] += '-';
        ++i;
        continue;
      }
      if (part < 2) {
        ++part;
        continue;
      }
    }
    *parts[part] += name[i];
  }
}

void fill_split_name(ReportRow& row) {
  const auto& uuid = row.info.uuid;
  auto dash = uuid.find('-');
  row.subsystem = dash == std::string::npos ? std::string() : uuid.substr(0, dash);
  if (row.subsystem == "LVM")
    split_lvm_name(row.info.name, row.vg_name, row.lv_name, row.lv_layer);
}

}  // namespace udm::udmsetup

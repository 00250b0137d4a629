// Name rules of lvm(8) for VGs and LVs.
#include <array>

#include "lvm/metadata/model.hpp"

namespace udm::lvm {

namespace {
constexpr std::size_t NAME_MAX_LEN = 127;

Result<void> check_chars(std::string_view what, std::string_view name) {
  // The message prefix, built only for a bad name (this runs for every LV of a VG).
  auto q = [&] { return std::string(what) + " name " + quote_for_message(name, 130) + ": "; };
  if (name.empty()) return fail(EINVAL, std::string(what) + " name is empty");
  if (name.size() > NAME_MAX_LEN) return fail(EINVAL, q() + "longer than 127 characters");
  if (name == "." || name == "..") return fail(EINVAL, q() + "\".\" and \"..\" are not allowed");
  if (name[0] == '-') return fail(EINVAL, q() + "must not start with '-'");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return fail(EINVAL, q() + "character " + quote_for_message(std::string_view(&c, 1)) + " is not allowed (use a-z A-Z 0-9 + _ . -)");
  }
  return {};
}
}  // namespace

Result<void> check_vg_name(std::string_view name) { return check_chars("VG", name); }

Result<void> check_lv_name(std::string_view name) { return check_chars("LV", name); }

Result<void> check_new_lv_name(std::string_view name) {
  if (auto r = check_chars("LV", name); !r) return r;
  const std::string q = "LV name " + quote_for_message(name, 130) + ": ";
  for (std::string_view prefix : {"snapshot", "pvmove"})
    if (name.starts_with(prefix)) return fail(EINVAL, q + "names starting \"" + std::string(prefix) + "\" are reserved");
  static constexpr std::array<std::string_view, 15> RESERVED = {
      "_cdata", "_cmeta", "_corig", "_cpool", "_cvol", "_mimage", "_mlog", "_pmspare",
      "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata", "_vorigin", "_wcorig"};
  for (auto s : RESERVED)
    if (name.find(s) != std::string_view::npos)
      return fail(EINVAL, q + "names including \"" + std::string(s) + "\" are reserved");
  return {};
}

}  // namespace udm::lvm

#include "core/target_registry.hpp"

namespace udm::core {

Result<void> TargetRegistry::add(const TargetType& type) {
  std::lock_guard g(lock_);
  for (const auto& t : types_)
    if (t.name == type.name) return fail(EEXIST, "target type '" + std::string(type.name) + "' is already registered");
  types_.push_back(type);
  return {};
}

const TargetType* TargetRegistry::find(std::string_view name) const {
  std::lock_guard g(lock_);
  for (const auto& t : types_)
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<const TargetType*> TargetRegistry::list() const {
  std::lock_guard g(lock_);
  std::vector<const TargetType*> out;
  out.reserve(types_.size());
  for (auto it = types_.rbegin(); it != types_.rend(); ++it) out.push_back(&*it);
  return out;
}

}  // namespace udm::core

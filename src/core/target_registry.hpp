// The explicit registry of target types (no static-constructor magic): the
// daemon calls register_builtin_targets() at start-up.
#pragma once

#include <deque>
#include <mutex>
#include <vector>

#include "core/target.hpp"
#include "core/target_services.hpp"

namespace udm::core {

class TargetRegistry {
 public:
  // EEXIST when a type of that name is already registered.
  Result<void> add(const TargetType& type);
  const TargetType* find(std::string_view name) const;
  // Most recently registered first, as the kernel lists them.
  std::vector<const TargetType*> list() const;

  // Services every target built from this registry is handed.
  TargetServices& services() const { return *services_; }

 private:
  std::unique_ptr<TargetServices> services_ = std::make_unique<TargetServices>();
  mutable std::mutex lock_;
  std::deque<TargetType> types_;  // deque: find() pointers stay valid as types are added
};

}  // namespace udm::core

namespace udm::targets {
// Defined in src/targets/builtin.cpp: adds every target type udm ships.
void register_builtin_targets(core::TargetRegistry& registry);
}  // namespace udm::targets

#include "core/shared_object_registry.hpp"

namespace udm::core {

std::shared_ptr<void> SharedObjectRegistry::find_erased(std::string_view type, std::string_view id,
                                                        std::type_index t) const {
  std::lock_guard g(lock_);
  auto it = objects_.find(Key{type, id});
  if (it == objects_.end()) return nullptr;
  auto object = it->second.object.lock();
  if (!object) {
    objects_.erase(it);
    return nullptr;
  }
  return it->second.type == t ? object : nullptr;
}

Result<std::shared_ptr<void>> SharedObjectRegistry::find_or_create_erased(
    std::string_view type, std::string_view id, std::type_index t,
    const std::function<Result<std::shared_ptr<void>>()>& make) {
  std::lock_guard g(lock_);
  Key key{type, id};
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    if (auto object = it->second.object.lock()) {
      if (it->second.type != t)
        return fail(EEXIST, std::string(id) + ": a shared " + std::string(type) + " object of another kind exists");
      return object;
    }
  }
  auto made = make();
  if (!made) return fail(made.error());
  objects_[std::move(key)] = Entry{*made, t};
  return made;
}

std::size_t SharedObjectRegistry::size() const {
  std::lock_guard g(lock_);
  std::erase_if(objects_, [](const auto& kv) { return kv.second.object.expired(); });
  return objects_.size();
}

}  // namespace udm::core

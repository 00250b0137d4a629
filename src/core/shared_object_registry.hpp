// Objects shared by the tables of one device, keyed by (type, device), as the
// kernel's thin-pool and snapshot origin lookups: the new table's target
// finds the object the old table's target made (a pool's metadata, an
// origin's exception list), so state survives a table swap. The registry
// holds only weak references: each table's target holds a shared_ptr, and
// the object dies when the last table referencing it is destroyed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <typeindex>
#include <utility>

#include "base/devno.hpp"
#include "base/result.hpp"

namespace udm::core {

class SharedObjectRegistry {
 public:
  // The object under (type, id) if one is alive and of type T, else null.
  // `id` is a device's table name ("252:3", a path) or DevNo::to_string().
  template <class T>
  std::shared_ptr<T> find(std::string_view type, std::string_view id) const {
    return std::static_pointer_cast<T>(find_erased(type, id, typeid(T)));
  }
  template <class T>
  std::shared_ptr<T> find(std::string_view type, DevNo devno) const {
    return find<T>(type, devno.to_string());
  }

  // The live object under (type, id), or a new one from `make` (called under
  // the registry's lock: it must not use the registry). EEXIST when a live
  // object of another C++ type holds the key.
  template <class T>
  Result<std::shared_ptr<T>> find_or_create(std::string_view type, std::string_view id,
                                            const std::function<Result<std::shared_ptr<T>>()>& make) {
    auto r = find_or_create_erased(type, id, typeid(T), [&]() -> Result<std::shared_ptr<void>> {
      auto made = make();
      if (!made) return fail(made.error());
      return std::shared_ptr<void>(std::move(*made));
    });
    if (!r) return fail(r.error());
    return std::static_pointer_cast<T>(std::move(*r));
  }
  template <class T>
  Result<std::shared_ptr<T>> find_or_create(std::string_view type, DevNo devno,
                                            const std::function<Result<std::shared_ptr<T>>()>& make) {
    return find_or_create<T>(type, devno.to_string(), make);
  }

  // Live objects (expired entries are dropped as they are found).
  std::size_t size() const;

 private:
  struct Entry {
    std::weak_ptr<void> object;
    std::type_index type = typeid(void);
  };
  using Key = std::pair<std::string, std::string>;

  std::shared_ptr<void> find_erased(std::string_view type, std::string_view id, std::type_index t) const;
  Result<std::shared_ptr<void>> find_or_create_erased(std::string_view type, std::string_view id, std::type_index t,
                                                      const std::function<Result<std::shared_ptr<void>>()>& make);

  mutable std::mutex lock_;
  mutable std::map<Key, Entry, std::less<>> objects_;
};

}  // namespace udm::core

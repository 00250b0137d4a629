#include "io/memory_device.hpp"

#include <cstring>

namespace udm::io {

const char* op_name(Op op) {
  switch (op) {
    case Op::read: return "read";
    case Op::write: return "write";
    case Op::flush: return "flush";
    case Op::discard: return "discard";
    case Op::write_zeroes: return "write_zeroes";
  }
  return "unknown";
}

MemoryDevice::MemoryDevice(byte_count size, std::string name)
    : name_(std::move(name)), bytes_(size) {}

void MemoryDevice::submit(Request* r) {
  int result = 0;
  if (int e = fail_errno_.load()) {
    result = -e;
  } else if (r->op != Op::flush && (r->offset > bytes_.size() || r->length > bytes_.size() - r->offset)) {
    result = -EIO;
  } else {
    std::lock_guard g(lock_);
    switch (r->op) {
      case Op::read: std::memcpy(r->data, bytes_.data() + r->offset, r->length); break;
      case Op::write: std::memcpy(bytes_.data() + r->offset, r->data, r->length); break;
      case Op::discard:
      case Op::write_zeroes: std::memset(bytes_.data() + r->offset, 0, r->length); break;
      case Op::flush: break;
    }
  }
  completed_.fetch_add(1);
  r->complete(result);
}

}  // namespace udm::io

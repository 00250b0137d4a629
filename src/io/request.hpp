// One block I/O, as it travels from an export through the mapping core to a
// backing device. The struct is intrusive: whoever submits it owns the memory
// until `done` has been called, so no layer allocates to carry it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/units.hpp"

namespace udm::io {

enum class Op : std::uint8_t {
  read,          // fill `data` with `length` bytes from `offset`
  write,         // write `length` bytes from `data` at `offset`
  flush,         // make every completed write durable; offset/length 0
  discard,       // the range may read back as anything (zeros on files)
  write_zeroes,  // the range must read back as zeros
};

const char* op_name(Op op);

struct Request {
  Op op = Op::read;
  bool fua = false;         // write: durable before completion
  std::uint32_t index = 0;  // which copy, when a target fans one request out (flush to stripe N)
  byte_count offset = 0;    // bytes from the start of the device; multiple of 512
  byte_count length = 0;    // bytes; multiple of 512; 0 for flush
  std::byte* data = nullptr;  // read/write buffer of `length` bytes, else null

  // Called exactly once, from any thread, possibly before submit() returns.
  // `result` is 0 or a negative errno. After it the callee must not touch the request.
  void (*done)(Request* self, int result) = nullptr;
  void* context = nullptr;  // for the submitter's use

  void complete(int result) { done(this, result); }

  // Belongs to the device the request is currently submitted to (queue links,
  // progress of a partly done transfer), so devices need not allocate per
  // request. Submitters and layers that forward this same request must leave
  // it alone while it is submitted.
  struct DeviceScratch {
    Request* next = nullptr;
    const void* owner = nullptr;
    byte_count done = 0;
    std::uint32_t flags = 0;
    std::uint32_t retries = 0;
  } scratch;
};

}  // namespace udm::io

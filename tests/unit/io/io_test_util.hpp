// Helpers for the io tests: temporary files, aligned buffers, synchronous
// submission with an exactly-once check.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "io/block_device.hpp"

namespace udm::io::test {

// A file under `dir` removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(byte_count size, const std::string& dir = "/tmp") {
    std::string pattern = dir + "/udm-io-test-XXXXXX";
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error("mkstemp in " + dir + ": " + std::strerror(errno));
    path_ = pattern;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) throw std::runtime_error("ftruncate " + path_);
    ::close(fd);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct FreeDeleter {
  void operator()(std::byte* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<std::byte[], FreeDeleter>;

inline Buffer aligned_buffer(std::size_t bytes, std::byte fill = std::byte{0}) {
  void* p = nullptr;
  if (::posix_memalign(&p, 4096, bytes) != 0) throw std::bad_alloc();
  std::memset(p, static_cast<int>(fill), bytes);
  return Buffer(static_cast<std::byte*>(p));
}

// Submits one request and waits for it; fails the test if `done` runs other
// than exactly once (a second call is caught by a short grace wait).
class SyncCall {
 public:
  int run(BlockDevice& device, Request& r) {
    r.context = this;
    r.done = [](Request* self, int result) {
      auto* call = static_cast<SyncCall*>(self->context);
      std::lock_guard g(call->lock_);
      call->calls_++;
      call->result_ = result;
      call->wake_.notify_all();
    };
    device.submit(&r);
    std::unique_lock g(lock_);
    wake_.wait(g, [this] { return calls_ > 0; });
    EXPECT_EQ(calls_, 1);
    return result_;
  }

 private:
  std::mutex lock_;
  std::condition_variable wake_;
  int calls_ = 0;
  int result_ = 1;
};

inline int submit_sync(BlockDevice& device, Op op, byte_count offset, byte_count length,
                       std::byte* data = nullptr, bool fua = false) {
  Request r;
  r.op = op;
  r.offset = offset;
  r.length = length;
  r.data = data;
  r.fua = fua;
  SyncCall call;
  return call.run(device, r);
}

// Runs a shell command; returns its stdout (trailing newline removed) or
// nullopt when it fails.
std::optional<std::string> shell(const std::string& command);

}  // namespace udm::io::test

#include "core/sync_io.hpp"

namespace udm::core {

int SyncRequest::run(io::BlockDevice& device) {
  done_ = false;
  io.context = this;
  io.done = [](io::Request* r, int result) {
    auto* self = static_cast<SyncRequest*>(r->context);
    std::lock_guard g(self->lock_);
    self->result_ = result;
    self->done_ = true;
    self->cv_.notify_all();
  };
  device.submit(&io);
  std::unique_lock l(lock_);
  cv_.wait(l, [&] { return done_; });
  return result_;
}

int sync_io(io::BlockDevice& device, io::Op op, byte_count offset, byte_count length, std::byte* data, bool fua) {
  SyncRequest r;
  r.io.op = op;
  r.io.offset = offset;
  r.io.length = length;
  r.io.data = data;
  r.io.fua = fua;
  return r.run(device);
}

SyncBatch::~SyncBatch() { wait(); }

void SyncBatch::submit(io::BlockDevice& device, const io::Request& request) {
  auto entry = std::make_unique<Entry>();
  entry->io = request;
  entry->io.scratch = {};
  entry->batch = this;
  entry->io.context = entry.get();
  entry->io.done = [](io::Request* r, int result) {
    auto* e = static_cast<Entry*>(r->context);
    SyncBatch* b = e->batch;
    std::lock_guard g(b->lock_);
    if (result != 0 && b->error_ == 0) b->error_ = result;
    if (--b->left_ == 0) b->cv_.notify_all();
  };
  io::Request* r = &entry->io;
  {
    std::lock_guard g(lock_);
    ++left_;
    entries_.push_back(std::move(entry));
  }
  device.submit(r);
}

int SyncBatch::wait() {
  std::unique_lock l(lock_);
  cv_.wait(l, [&] { return left_ == 0; });
  entries_.clear();
  return std::exchange(error_, 0);
}

}  // namespace udm::core

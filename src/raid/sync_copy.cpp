#include "raid/sync_copy.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "io/file_device.hpp"
#include "io/submit_plug.hpp"

namespace udm::raid {

SyncCopy::SyncCopy(byte_count chunk, unsigned depth) : chunk_(chunk), slots_(std::max(depth, 1u)) {
  for (Slot& s : slots_) {
    s.owner = this;
    s.buf = Buffer(chunk_);
  }
}

void SyncCopy::release(Slot* s) {
  std::lock_guard g(lock_);
  free_.push_back(s);
  --busy_;
  cv_.notify_all();
}

// On the source's completion thread: the chunk goes to every target at once.
void SyncCopy::read_done(io::Request* r, int result) {
  auto* s = static_cast<Slot*>(r->context);
  SyncCopy* self = s->owner;
  if (result < 0) {
    {
      std::lock_guard g(self->lock_);
      if (!self->result_.source_error) self->result_.source_error = result;
    }
    return self->release(s);
  }
  const std::size_t n = self->targets_->size();
  {
    std::lock_guard g(self->lock_);
    s->left = static_cast<unsigned>(n);
  }
  io::SubmitPlug plug;
  for (std::size_t k = 0; k < n; ++k) {
    io::Request& w = s->writes[k];
    w = io::Request{};
    w.op = io::Op::write;
    w.index = static_cast<std::uint32_t>(k);
    w.offset = r->offset;
    w.length = r->length;
    w.data = s->buf.data();
    w.context = s;
    w.done = write_done;
  }
  io::Request* writes = s->writes.data();
  for (std::size_t k = 0; k < n; ++k) (*self->targets_)[k].dev->submit(&writes[k]);
}

void SyncCopy::write_done(io::Request* r, int result) {
  auto* s = static_cast<Slot*>(r->context);
  SyncCopy* self = s->owner;
  bool last;
  {
    std::lock_guard g(self->lock_);
    if (result < 0 && !self->result_.target_error[r->index]) self->result_.target_error[r->index] = result;
    last = --s->left == 0;
  }
  if (last) self->release(s);
}

namespace {

// A regular file read and written through the page cache, as the write pool
// and ring do: copy_file_range keeps coherent with them.
const io::FileDevice* plain_file(io::BlockDevice* dev) {
  const auto* f = dynamic_cast<const io::FileDevice*>(dev);
  return f && !f->is_block_device() && !f->direct() ? f : nullptr;
}

// One chunk from file to file inside the kernel (page cache to page cache,
// or shared extents where the filesystem can): one copy instead of a read
// into a buffer and a write out of it. False on any error or short copy;
// the caller then copies the chunk itself, which tells which leg failed.
bool copy_in_kernel(int from, int to, byte_count offset, byte_count length) {
  loff_t in = static_cast<loff_t>(offset), out = static_cast<loff_t>(offset);
  while (length > 0) {
    const ssize_t n = ::copy_file_range(from, &in, to, &out, length, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    length -= static_cast<byte_count>(n);
  }
  return true;
}

}  // namespace

SyncCopy::Result SyncCopy::run(io::BlockDevice& source, const std::vector<SyncTarget>& targets,
                               const std::vector<Range>& ranges, const std::function<bool(byte_count)>& admit) {
  targets_ = &targets;
  {
    std::lock_guard g(lock_);
    result_ = Result{};
    result_.target_error.assign(targets.size(), 0);
    free_.clear();
    for (Slot& s : slots_) {
      s.writes.resize(targets.size());
      free_.push_back(&s);
    }
    busy_ = 0;
  }
  bool stop = targets.empty();
  byte_count submitted = 0, in_kernel_bytes = 0;
  // Files on both sides: the kernel copies, until it cannot.
  const io::FileDevice* from_file = plain_file(&source);
  bool in_kernel = from_file != nullptr;
  for (const SyncTarget& t : targets) in_kernel = in_kernel && plain_file(t.dev);
  for (const Range& range : ranges) {
    for (byte_count off = 0; off < range.length && !stop; off += chunk_) {
      const byte_count len = std::min(chunk_, range.length - off);
      if (!admit(len)) {
        stop = true;
        std::lock_guard g(lock_);
        result_.stopped = true;
        break;
      }
      if (in_kernel) {
        bool ok = true;
        for (const SyncTarget& t : targets)
          ok = ok && copy_in_kernel(from_file->fd(), plain_file(t.dev)->fd(), range.offset + off, len);
        if (ok) {
          submitted += len;
          in_kernel_bytes += len;
          continue;
        }
        in_kernel = false;  // this chunk and the rest through buffers
      }
      Slot* s;
      {
        std::unique_lock g(lock_);
        cv_.wait(g, [&] { return !free_.empty(); });
        if (result_.source_error) {
          stop = true;
          break;
        }
        s = free_.back();
        free_.pop_back();
        ++busy_;
      }
      s->read = io::Request{};
      s->read.op = io::Op::read;
      s->read.offset = range.offset + off;
      s->read.length = len;
      s->read.data = s->buf.data();
      s->read.context = s;
      s->read.done = read_done;
      source.submit(&s->read);
      submitted += len;
    }
    if (stop) break;
  }
  std::unique_lock g(lock_);
  cv_.wait(g, [&] { return busy_ == 0; });
  targets_ = nullptr;
  result_.done = result_.source_error ? 0 : submitted;
  result_.in_kernel = in_kernel_bytes;
  return result_;
}

}  // namespace udm::raid

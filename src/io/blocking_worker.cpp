#include "io/blocking_worker.hpp"

#include <cerrno>
#include <cstdint>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "io/uring_engine.hpp"

namespace udm::io {

void BlockingWorker::submit(const FileHandle& file, Request* request) {
  struct Job : WorkerPool::Work {
    const FileHandle* file;
    Request* request;
  };
  auto* job = new Job;
  job->file = &file;
  job->request = request;
  job->run = [](WorkerPool::Work* w) {
    auto* j = static_cast<Job*>(w);
    const FileHandle* f = j->file;
    Request* r = j->request;
    delete j;
    r->complete(execute(*f, *r));
  };
  pool_.submit(job);
}

int BlockingWorker::execute(const FileHandle& file, const Request& r) {
  std::uint64_t range[2] = {r.offset, r.length};
  unsigned long command = 0;
  switch (r.op) {
    case Op::discard: command = BLKDISCARD; break;
    case Op::write_zeroes: command = BLKZEROOUT; break;
    default: return -EINVAL;
  }
  for (;;) {
    if (::ioctl(file.fd, command, range) == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

}  // namespace udm::io

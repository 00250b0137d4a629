// The baseline: the same I/O issued straight on the file with one ring and
// one thread, as fio's io_uring engine would.
#include <liburing.h>
#include <stdlib.h>

#include <cstring>
#include <vector>

#include "workload.hpp"

namespace udm::bench {

namespace {

int init_ring(io_uring* ring, unsigned entries) {
  // The same setup flags the engine uses, so the comparison is about the
  // engine's own cost.
  for (unsigned flags : {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_COOP_TASKRUN, 0u}) {
    io_uring_params p{};
    p.flags = flags;
    if (io_uring_queue_init_params(entries, ring, &p) == 0) return 0;
  }
  return -1;
}

}  // namespace

Sample run_raw_uring(int fd, const Workload& w) {
  io_uring ring;
  if (init_ring(&ring, w.depth * 2) != 0) return {};
  void* mem = nullptr;
  if (::posix_memalign(&mem, 4096, std::size_t{w.depth} * w.block) != 0) return {};
  auto* buffers = static_cast<std::byte*>(mem);
  std::memset(buffers, 0x5a, std::size_t{w.depth} * w.block);
  std::uint64_t rng = 0x9e3779b97f4a7c15ULL ^ w.file_bytes;

  auto prep = [&](unsigned slot) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    std::byte* buf = buffers + std::size_t{slot} * w.block;
    const auto at = static_cast<off_t>(random_offset(rng, w));
    if (w.op == io::Op::read) {
      io_uring_prep_read(sqe, fd, buf, w.block, at);
    } else {
      io_uring_prep_write(sqe, fd, buf, w.block, at);
    }
    io_uring_sqe_set_data64(sqe, slot);
  };

  Sample s;
  Meter meter;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(w.seconds);
  for (unsigned i = 0; i < w.depth; ++i) prep(i);
  unsigned inflight = w.depth;
  std::uint64_t completed = 0;
  double wall = 0, cpu = 0;
  bool stopping = false;
  while (inflight > 0) {
    io_uring_submit_and_wait(&ring, 1);
    io_uring_cqe* cqes[64];
    unsigned n = io_uring_peek_batch_cqe(&ring, cqes, 64);
    if (!stopping && std::chrono::steady_clock::now() >= deadline) {
      stopping = true;
      wall = meter.wall_elapsed();
      cpu = meter.cpu_elapsed();
      s.iops = static_cast<double>(completed) / wall;
    }
    for (unsigned i = 0; i < n; ++i) {
      if (cqes[i]->res != static_cast<int>(w.block)) ++s.errors;
      ++completed;
      if (stopping) {
        --inflight;
      } else {
        prep(static_cast<unsigned>(cqes[i]->user_data));
      }
    }
    io_uring_cq_advance(&ring, n);
  }
  s.busy_cores = cpu / wall;
  io_uring_queue_exit(&ring);
  std::free(mem);
  return s;
}

}  // namespace udm::bench

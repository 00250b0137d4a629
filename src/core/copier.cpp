#include "core/copier.hpp"

#include <algorithm>

#include "core/sync_io.hpp"

namespace udm::core {

// --- CopyJob ------------------------------------------------------------------

void CopyJob::cancel() { cancelled_.store(true); }

bool CopyJob::finished() const {
  std::lock_guard g(lock_);
  return finished_;
}

int CopyJob::wait() {
  std::unique_lock l(lock_);
  finished_cv_.wait(l, [&] { return finished_; });
  return result_;
}

// --- Copier -------------------------------------------------------------------

Copier::Copier() : Copier(Options{}) {}

Copier::Copier(Options options)
    : options_(options),
      rate_(options.bytes_per_second),
      window_start_(std::chrono::steady_clock::now()),
      pool_(std::max(options.threads, 1u), "udm-kcopyd") {
  options_.chunk_bytes = std::max<byte_count>(options_.chunk_bytes / SECTOR_SIZE * SECTOR_SIZE, SECTOR_SIZE);
  options_.depth = std::max(options_.depth, 1u);
}

Copier::~Copier() {
  {
    std::lock_guard g(lock_);
    stopping_ = true;
    for (auto& w : jobs_)
      if (auto j = w.lock()) j->cancel();
  }
  throttle_cv_.notify_all();
  // pool_ is destroyed first (declared last): queued jobs run, see the
  // cancel, and complete with -ECANCELED before the rest of us goes.
}

std::shared_ptr<CopyJob> Copier::copy(io::BlockDevicePtr from, std::vector<io::BlockDevicePtr> to,
                                      std::vector<CopyRegion> regions, Done done) {
  auto job = std::make_shared<CopyJob>();
  job->from_ = std::move(from);
  job->to_ = std::move(to);
  job->regions_ = std::move(regions);
  job->done_fn_ = std::move(done);
  return queue(std::move(job));
}

std::shared_ptr<CopyJob> Copier::zero(std::vector<io::BlockDevicePtr> to, std::vector<CopyRegion> regions, Done done) {
  auto job = std::make_shared<CopyJob>();
  job->to_ = std::move(to);
  job->regions_ = std::move(regions);
  job->done_fn_ = std::move(done);
  return queue(std::move(job));
}

std::shared_ptr<CopyJob> Copier::queue(std::shared_ptr<CopyJob> job) {
  for (const auto& r : job->regions_) job->total_ += sectors_to_bytes(r.count);
  total_.fetch_add(job->total_);
  {
    std::lock_guard g(lock_);
    std::erase_if(jobs_, [](const auto& w) { return w.expired(); });
    jobs_.push_back(job);
    if (stopping_) job->cancel();
  }
  pool_.post([this, job] { run(*job); });
  return job;
}

void Copier::set_throttle(std::uint64_t bytes_per_second) {
  {
    std::lock_guard g(lock_);
    rate_ = bytes_per_second;
    window_start_ = std::chrono::steady_clock::now();
    window_bytes_ = 0;
  }
  throttle_cv_.notify_all();
}

std::uint64_t Copier::throttle() const {
  std::lock_guard g(lock_);
  return rate_;
}

bool Copier::admit(CopyJob& job, std::uint64_t bytes) {
  std::unique_lock l(lock_);
  for (;;) {
    if (job.cancelled()) return false;
    if (rate_ == 0) return true;
    // Allowed: rate * elapsed since the window began. The first batch of a
    // window goes at once; later ones wait until the rate has caught up.
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - window_start_).count();
    const double due_at = static_cast<double>(window_bytes_) / static_cast<double>(rate_);
    if (window_bytes_ == 0 || elapsed >= due_at) {
      window_bytes_ += bytes;
      return true;
    }
    // In slices, so a cancel (which does not know this condvar) is seen soon.
    const auto due = window_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                         std::chrono::duration<double>(due_at));
    throttle_cv_.wait_until(l, std::min(due, now + std::chrono::milliseconds(20)));
  }
}

int Copier::run_region(CopyJob& job, const CopyRegion& region, std::vector<std::vector<std::byte>>& buffers) {
  const byte_count total = sectors_to_bytes(region.count);
  byte_count pos = 0;
  while (pos < total) {
    // One batch: up to `depth` chunks read at once, then written at once.
    const byte_count batch_bytes = std::min<byte_count>(total - pos, options_.chunk_bytes * options_.depth);
    if (!admit(job, batch_bytes)) return -ECANCELED;
    const unsigned chunks = static_cast<unsigned>((batch_bytes + options_.chunk_bytes - 1) / options_.chunk_bytes);
    auto chunk_len = [&](unsigned k) { return std::min<byte_count>(options_.chunk_bytes, batch_bytes - k * options_.chunk_bytes); };
    SyncBatch batch;
    if (job.from_) {
      for (unsigned k = 0; k < chunks; ++k) {
        auto& b = buffers[k];
        b.resize(options_.chunk_bytes);
        io::Request r;
        r.op = io::Op::read;
        r.offset = sectors_to_bytes(region.source) + pos + k * options_.chunk_bytes;
        r.length = chunk_len(k);
        r.data = b.data();
        batch.submit(*job.from_, r);
      }
      if (int e = batch.wait(); e < 0) return e;
    }
    for (const auto& to : job.to_) {
      for (unsigned k = 0; k < chunks; ++k) {
        io::Request r;
        r.op = job.from_ ? io::Op::write : io::Op::write_zeroes;
        r.offset = sectors_to_bytes(region.dest) + pos + k * options_.chunk_bytes;
        r.length = chunk_len(k);
        r.data = job.from_ ? buffers[k].data() : nullptr;
        batch.submit(*to, r);
      }
    }
    if (int e = batch.wait(); e < 0) return e;
    pos += batch_bytes;
    job.done_.fetch_add(batch_bytes);
    done_.fetch_add(batch_bytes);
  }
  return 0;
}

void Copier::run(CopyJob& job) {
  std::vector<std::vector<std::byte>> buffers(options_.depth);
  int result = 0;
  for (const auto& region : job.regions_) {
    if (job.cancelled()) result = -ECANCELED;
    if (result == 0) result = run_region(job, region, buffers);
    if (result != 0) break;
  }
  if (job.done_fn_) job.done_fn_(result);
  {
    std::lock_guard g(job.lock_);
    job.finished_ = true;
    job.result_ = result;
  }
  job.finished_cv_.notify_all();
}

}  // namespace udm::core

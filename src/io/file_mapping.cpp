#include "io/file_mapping.hpp"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace udm::io {

namespace {

// The guarded read on this thread: where a SIGBUS inside [t_low, t_high)
// jumps back to.
thread_local sigjmp_buf* t_jump = nullptr;
thread_local const std::byte* t_low = nullptr;
thread_local const std::byte* t_high = nullptr;

struct sigaction g_previous {};

// Bytes moved through the mapping are the backing file's I/O: overlapping
// requests in flight at once may race there as they do in the kernel's
// copies, which ThreadSanitizer cannot see. Under TSan the guarded access
// is not checked (libtsan's dynamic annotations).
#if defined(__SANITIZE_THREAD__)
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
extern "C" void AnnotateIgnoreWritesBegin(const char* file, int line);
extern "C" void AnnotateIgnoreWritesEnd(const char* file, int line);
void device_bytes_begin() {
  AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
}
void device_bytes_end() {
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
  AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
}
#else
void device_bytes_begin() {}
void device_bytes_end() {}
#endif

void on_sigbus(int sig, siginfo_t* info, void* ucontext) {
  const auto* at = static_cast<const std::byte*>(info->si_addr);
  if (t_jump && at >= t_low && at < t_high) siglongjmp(*t_jump, 1);
  // Not a guarded read: whatever handled SIGBUS before us does.
  if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction) return g_previous.sa_sigaction(sig, info, ucontext);
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) return g_previous.sa_handler(sig);
  // The default: the faulting access runs again on return and kills us.
  ::signal(SIGBUS, SIG_DFL);
}

void install_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    // NODEFER: a jump out of the handler leaves SIGBUS unblocked, without a
    // signal mask saved and restored on every guarded read.
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, &g_previous);
  });
}

// Runs fn(); false when a SIGBUS in [low, low + length) cut it off.
template <class Fn>
bool guarded(const std::byte* low, byte_count length, Fn&& fn) {
  sigjmp_buf jump;
  sigjmp_buf* const outer = t_jump;
  const std::byte* const outer_low = t_low;
  const std::byte* const outer_high = t_high;
  if (sigsetjmp(jump, 0) != 0) {
    // From inside fn, through the SIGBUS handler: TSan clears its ignore
    // count on entering a handler, and the jump out skips the restore, so
    // there is no device_bytes_end() to call here.
    t_jump = outer;
    t_low = outer_low;
    t_high = outer_high;
    return false;
  }
  t_low = low;
  t_high = low + length;
  t_jump = &jump;
  // The handler reads these: without the fences the compiler may drop the
  // stores above as dead when fn is a memcpy it knows reads none of them.
  std::atomic_signal_fence(std::memory_order_seq_cst);
  device_bytes_begin();
  fn();
  device_bytes_end();
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_jump = outer;
  t_low = outer_low;
  t_high = outer_high;
  return true;
}

const byte_count PAGE = static_cast<byte_count>(::sysconf(_SC_PAGESIZE));

}  // namespace

std::unique_ptr<FileMapping> FileMapping::create(int fd, byte_count size, bool writable) {
  if (size == 0) return nullptr;
  void* base = ::mmap(nullptr, size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) return nullptr;
  install_handler();
  return std::unique_ptr<FileMapping>(new FileMapping(static_cast<std::byte*>(base), size, writable));
}

FileMapping::~FileMapping() { ::munmap(base_, size_); }

// In the mapping and in the page cache, every page of it.
bool FileMapping::usable(byte_count offset, byte_count length) const {
  if (length == 0 || offset > size_ || length > size_ - offset) return false;
  byte_count first = offset / PAGE * PAGE;
  const byte_count end = offset + length;
  unsigned char vec[256];
  while (first < end) {
    const byte_count pages = std::min<byte_count>((end - first + PAGE - 1) / PAGE, sizeof vec);
    if (::mincore(base_ + first, pages * PAGE, vec) != 0) return false;
    for (byte_count i = 0; i < pages; ++i)
      if (!(vec[i] & 1)) return false;
    first += pages * PAGE;
  }
  return true;
}

bool FileMapping::read(byte_count offset, byte_count length, InPlaceFn fn, void* context) const {
  if (!usable(offset, length)) return false;
  const std::byte* bytes = base_ + offset;
  return guarded(bytes, length, [&] { fn(bytes, context); });
}

bool FileMapping::write(byte_count offset, byte_count length, InPlaceWriteFn fn, void* context) const {
  if (!writable_ || !usable(offset, length)) return false;
  std::byte* bytes = base_ + offset;
  return guarded(bytes, length, [&] { fn(bytes, context); });
}

bool FileMapping::copy_in(byte_count offset, const std::byte* data, byte_count length) const {
  if (!writable_ || !usable(offset, length)) return false;
  std::byte* bytes = base_ + offset;
  return guarded(bytes, length, [&] { std::memcpy(bytes, data, length); });
}

}  // namespace udm::io

/* Test helper, preloaded into the sanlock daemons the shared-VG tests start.
 * sanlock raises RLIMIT_MEMLOCK (and RTPRIO) to unlimited at start and exits
 * when that is refused; a container without CAP_SYS_RESOURCE refuses it.
 * The daemons run without a watchdog (-w 0) and without mlockall (-l 0), so
 * the limits do not matter to them: report success for those two. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/resource.h>

typedef int (*setrlimit_fn)(__rlimit_resource_t, const struct rlimit*);

int setrlimit(__rlimit_resource_t r, const struct rlimit* l) {
  setrlimit_fn real = (setrlimit_fn)dlsym(RTLD_NEXT, "setrlimit");
  int rv = real(r, l);
  if (rv < 0 && errno == EPERM && (r == RLIMIT_MEMLOCK || r == RLIMIT_RTPRIO)) return 0;
  return rv;
}

int setrlimit64(__rlimit_resource_t r, const struct rlimit64* l) {
  return setrlimit(r, (const struct rlimit*)l);
}

/* Control-plane scale driver: one libudm client, one process. Creates N
 * zero devices one after the other (create + load + resume), renames every
 * one, lists them, removes them; prints one JSON object with the time of
 * each phase. The caller (run.sh) starts udmd with its default exports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <udm/libudm.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of the process $UDM_SCALE_PID, or 0: on a
 * loaded machine the daemon's CPU time says more than the wall clock. */
static double daemon_cpu(void) {
  const char* pid = getenv("UDM_SCALE_PID");
  if (!pid) return 0;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%s/stat", pid);
  FILE* f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char* p = strrchr(buf, ')');
  if (!p) return 0;
  unsigned long utime = 0, stime = 0;
  /* after ")": state and fields 4..13, then utime (14) and stime (15) */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return 0;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static int run(udm_client* c, int type, const char* name, const char* new_name, int with_table) {
  udm_task* t = udm_task_create_on(c, type);
  if (!t) return -1;
  if (name) udm_task_set_name(t, name, strlen(name));
  if (new_name) udm_task_set_new_name(t, new_name, strlen(new_name));
  if (with_table) udm_task_add_target(t, 0, 2048, "zero", 4, "", 0);
  int r = udm_task_run(t);
  if (r != 0) fprintf(stderr, "%s %s: %s\n", name ? name : "-", new_name ? new_name : "", udm_task_error(t));
  udm_task_destroy(t);
  return r;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s RUNDIR COUNT [PREFIX [--keep]]\n", argv[0]);
    return 2;
  }
  const char* rundir = argv[1];
  long n = strtol(argv[2], NULL, 10);
  const char* prefix = argc > 3 ? argv[3] : "s";
  udm_client* c = NULL;
  if (udm_client_open(rundir, strlen(rundir), &c) != 0) {
    fprintf(stderr, "udm_client_open: %s\n", udm_last_error());
    return 1;
  }
  char name[64], other[64];
  double c0 = daemon_cpu();
  double t0 = now();
  for (long i = 0; i < n; ++i) {
    snprintf(name, sizeof name, "%s%06ld", prefix, i);
    /* create with a table is create + load + resume, as libdevmapper's */
    if (run(c, UDM_TASK_CREATE, name, NULL, 1)) return 1;
  }
  double t1 = now();
  double c1 = daemon_cpu();
  if (argc > 4 && strcmp(argv[4], "--keep") == 0) { /* leave them, for RSS */
    printf("{\"devices\": %ld, \"create_s\": %.4f}\n", n, t1 - t0);
    udm_client_close(c);
    return 0;
  }
  for (long i = 0; i < n; ++i) {
    snprintf(name, sizeof name, "%s%06ld", prefix, i);
    snprintf(other, sizeof other, "%s%06ld-r", prefix, i);
    if (run(c, UDM_TASK_RENAME, name, other, 0)) return 1;
  }
  double t2 = now();
  double c2 = daemon_cpu();
  udm_task* l = udm_task_create_on(c, UDM_TASK_LIST);
  if (!l || udm_task_run(l) != 0) return 1;
  size_t listed = udm_task_name_count(l);
  udm_task_destroy(l);
  double t3 = now();
  for (long i = 0; i < n; ++i) {
    snprintf(other, sizeof other, "%s%06ld-r", prefix, i);
    if (run(c, UDM_TASK_REMOVE, other, NULL, 0)) return 1;
  }
  double t4 = now();
  double c4 = daemon_cpu();
  udm_client_close(c);
  printf("{\"devices\": %ld, \"listed\": %zu, \"create_s\": %.4f, \"rename_s\": %.4f, \"ls_s\": %.4f, "
         "\"remove_s\": %.4f, \"udmd_cpu_create_s\": %.3f, \"udmd_cpu_rename_s\": %.3f, "
         "\"udmd_cpu_ls_remove_s\": %.3f}\n",
         n, listed, t1 - t0, t2 - t1, t3 - t2, t4 - t3, c1 - c0, c2 - c1, c4 - c2);
  return 0;
}

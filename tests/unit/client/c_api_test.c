/* libudm's C API, from C: creates, inspects and removes a device on a real
 * udmd listening in the run directory given as argv[1]. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <udm/libudm.h>

static int failures = 0;
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                    \
    }                                                                \
  } while (0)

static udm_task *named(udm_client *c, int type, const char *name) {
  udm_task *t = udm_task_create_on(c, type);
  udm_task_set_name(t, name, strlen(name));
  return t;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s RUNDIR\n", argv[0]);
    return 2;
  }
  udm_client *c = NULL;
  int e = udm_client_open(argv[1], strlen(argv[1]), &c);
  if (e) {
    fprintf(stderr, "udm_client_open: %s\n", udm_last_error());
    return 1;
  }
  CHECK(strcmp(udm_client_rundir(c), argv[1]) == 0);
  CHECK(strcmp(udm_library_version(), "0.1.0") == 0);

  udm_task *t = named(c, UDM_TASK_CREATE, "capi");
  udm_task_set_uuid(t, "CAPI-1", 6);
  udm_task_add_target(t, 0, 8, "zero", 4, "", 0);
  e = udm_task_run(t);
  if (e) fprintf(stderr, "create: %s\n", udm_task_error(t));
  CHECK(e == 0);
  udm_task_destroy(t);

  t = named(c, UDM_TASK_CREATE, "capi");
  CHECK(udm_task_run(t) == EBUSY);
  CHECK(strstr(udm_task_error(t), "Device or resource busy") != NULL);
  udm_task_destroy(t);

  t = named(c, UDM_TASK_INFO, "capi");
  CHECK(udm_task_run(t) == 0);
  struct udm_info info;
  memset(&info, 0, sizeof info);
  info.size = sizeof info;
  CHECK(udm_task_get_info(t, &info) == 0);
  CHECK(info.exists && info.live_table && !info.suspended && info.target_count == 1);
  CHECK(strcmp(udm_task_get_uuid(t), "CAPI-1") == 0);
  udm_task_destroy(t);

  t = named(c, UDM_TASK_TABLE, "capi");
  CHECK(udm_task_run(t) == 0);
  CHECK(udm_task_target_count(t) == 1);
  struct udm_target tgt;
  memset(&tgt, 0, sizeof tgt);
  tgt.size = sizeof tgt;
  CHECK(udm_task_get_target(t, 0, &tgt) == 0);
  CHECK(tgt.start == 0 && tgt.length == 8 && strcmp(tgt.type, "zero") == 0);
  udm_task_destroy(t);

  t = udm_task_create_on(c, UDM_TASK_LIST);
  CHECK(udm_task_run(t) == 0);
  int found = 0;
  for (size_t i = 0; i < udm_task_name_count(t); i++) {
    uint32_t maj = 0, min = 0;
    const char *n = udm_task_name_at(t, i, &maj, &min);
    if (n && strcmp(n, "capi") == 0 && maj == info.major && min == info.minor) found = 1;
  }
  CHECK(found);
  udm_task_destroy(t);

  t = udm_task_create_on(c, UDM_TASK_VERSION);
  CHECK(udm_task_run(t) == 0);
  uint32_t v[3] = {0, 0, 0};
  CHECK(udm_task_driver_version(t, v) == 0 && v[0] == 4);
  udm_task_destroy(t);

  t = named(c, UDM_TASK_REMOVE, "capi");
  CHECK(udm_task_run(t) == 0);
  udm_task_destroy(t);

  t = named(c, UDM_TASK_INFO, "capi");
  CHECK(udm_task_run(t) == 0);
  memset(&info, 0, sizeof info);
  info.size = sizeof info;
  CHECK(udm_task_get_info(t, &info) == 0 && !info.exists);
  udm_task_destroy(t);

  t = named(c, UDM_TASK_REMOVE, "capi");
  CHECK(udm_task_run(t) == ENXIO);
  CHECK(strcmp(udm_task_error(t),
               "device-mapper: remove ioctl on capi  failed: No such device or address") == 0);
  udm_task_destroy(t);

  CHECK(udm_task_create_on(c, 999) == NULL);
  udm_client_close(c);
  if (failures) return 1;
  printf("c_api: all checks passed\n");
  return 0;
}

/* Lists udm devices through the installed libudm (tests/e2e/packaging/install.sh). */
#include <stdio.h>
#include <udm/libudm.h>

int main(void) {
  udm_task *t = udm_task_create(UDM_TASK_LIST);
  if (!t) return 2;
  if (udm_task_run(t)) {
    fprintf(stderr, "list: %s\n", udm_task_error(t));
    udm_task_destroy(t);
    return 1;
  }
  printf("libudm %s\n", udm_library_version());
  for (size_t i = 0; i < udm_task_name_count(t); i++) {
    uint32_t major = 0, minor = 0;
    const char *name = udm_task_name_at(t, i, &major, &minor);
    printf("%s %u:%u\n", name, major, minor);
  }
  udm_task_destroy(t);
  return 0;
}

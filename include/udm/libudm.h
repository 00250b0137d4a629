/*
 * libudm's C API: a frozen C face over the C++ client (udm/client.hpp).
 *
 * Conventions:
 * - Opaque handles; strings go in as pointer + length (not NUL-terminated)
 *   and come out as NUL-terminated pointers owned by the handle, valid until
 *   the next call on that handle or its destruction.
 * - Every function is noexcept. Functions that can fail return 0 on success
 *   or a positive errno value; the message for the last failure is
 *   udm_task_error() / udm_client_error() ("device-mapper: remove ioctl on x
 *   failed: Device or resource busy", "udmd's table_status is 4.15.0;
 *   --inactive needs 4.16.0").
 * - Structs filled by the library start with a `size` field the caller sets
 *   to sizeof(struct); fields are only ever added at the end.
 *
 *   udm_task *t = udm_task_create(UDM_TASK_CREATE);   // default connection
 *   udm_task_set_name(t, "x", 1);
 *   udm_task_add_target(t, 0, 8, "zero", 4, "", 0);
 *   if (udm_task_run(t)) fprintf(stderr, "%s\n", udm_task_error(t));
 *   udm_task_destroy(t);
 */
#ifndef UDM_LIBUDM_H
#define UDM_LIBUDM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define UDM_NOEXCEPT noexcept
#else
#define UDM_NOEXCEPT
#endif

typedef struct udm_client udm_client;
typedef struct udm_task udm_task;

/* Task types; values are stable. */
enum udm_task_type {
  UDM_TASK_CREATE = 0,
  UDM_TASK_RELOAD = 1,
  UDM_TASK_REMOVE = 2,
  UDM_TASK_REMOVE_ALL = 3,
  UDM_TASK_SUSPEND = 4,
  UDM_TASK_RESUME = 5,
  UDM_TASK_INFO = 6,
  UDM_TASK_DEPS = 7,
  UDM_TASK_RENAME = 8,
  UDM_TASK_VERSION = 9,
  UDM_TASK_STATUS = 10,
  UDM_TASK_TABLE = 11,
  UDM_TASK_WAITEVENT = 12,
  UDM_TASK_LIST = 13,
  UDM_TASK_CLEAR = 14,
  UDM_TASK_LIST_VERSIONS = 15,
  UDM_TASK_TARGET_MSG = 16,
  UDM_TASK_SET_GEOMETRY = 17,
  UDM_TASK_GET_TARGET_VERSION = 18,
  UDM_TASK_ARM_POLL = 19,
  UDM_TASK_LIST_COMMANDS = 20
};

/* The device header after a run. */
struct udm_info {
  size_t size; /* set to sizeof(struct udm_info) */
  int exists;
  int suspended;
  int live_table;
  int inactive_table;
  int read_only;
  int deferred_remove;
  int32_t open_count;
  uint32_t event_nr;
  uint32_t major;
  uint32_t minor;
  int32_t target_count;
};

/* One target of a table, or one line of status. */
struct udm_target {
  size_t size; /* set to sizeof(struct udm_target) */
  uint64_t start;
  uint64_t length;
  const char *type;
  const char *params;
};

/* Connections. rundir NULL/empty: $UDM_RUNDIR, /run/udm as root,
 * $XDG_RUNTIME_DIR/udm. udmd is started when its socket is missing. */
int udm_client_open(const char *rundir, size_t rundir_len, udm_client **out) UDM_NOEXCEPT;
void udm_client_close(udm_client *client) UDM_NOEXCEPT;
/* The message of the last udm_client_open failure on this thread. */
const char *udm_last_error(void) UDM_NOEXCEPT;
const char *udm_client_rundir(const udm_client *client) UDM_NOEXCEPT;

/* Tasks. udm_task_create uses a process-wide default connection opened on
 * the first run; udm_task_create_on uses `client`, which must outlive it. */
udm_task *udm_task_create(int type) UDM_NOEXCEPT;
udm_task *udm_task_create_on(udm_client *client, int type) UDM_NOEXCEPT;
void udm_task_destroy(udm_task *task) UDM_NOEXCEPT;

int udm_task_set_name(udm_task *t, const char *name, size_t len) UDM_NOEXCEPT;
int udm_task_set_uuid(udm_task *t, const char *uuid, size_t len) UDM_NOEXCEPT;
int udm_task_set_devno(udm_task *t, uint32_t major, uint32_t minor) UDM_NOEXCEPT;
int udm_task_add_target(udm_task *t, uint64_t start, uint64_t length, const char *type,
                        size_t type_len, const char *params, size_t params_len) UDM_NOEXCEPT;
int udm_task_set_read_only(udm_task *t, int on) UDM_NOEXCEPT;
int udm_task_set_noflush(udm_task *t, int on) UDM_NOEXCEPT;
int udm_task_set_query_inactive(udm_task *t, int on) UDM_NOEXCEPT;
int udm_task_set_deferred_remove(udm_task *t, int on) UDM_NOEXCEPT;
int udm_task_set_event_nr(udm_task *t, uint32_t event_nr) UDM_NOEXCEPT;
int udm_task_set_message(udm_task *t, uint64_t sector, const char *msg, size_t len) UDM_NOEXCEPT;
int udm_task_set_new_name(udm_task *t, const char *name, size_t len) UDM_NOEXCEPT;
int udm_task_set_new_uuid(udm_task *t, const char *uuid, size_t len) UDM_NOEXCEPT;
int udm_task_set_target_type(udm_task *t, const char *type, size_t len) UDM_NOEXCEPT;

/* Runs the task: 0 or a positive errno (ENXIO: no such device, EBUSY: busy
 * or a duplicate name/uuid, EINVAL: bad table or refused version, ...). */
int udm_task_run(udm_task *t) UDM_NOEXCEPT;
const char *udm_task_error(const udm_task *t) UDM_NOEXCEPT;

/* Results. */
int udm_task_get_info(const udm_task *t, struct udm_info *out) UDM_NOEXCEPT;
const char *udm_task_get_name(const udm_task *t) UDM_NOEXCEPT;
const char *udm_task_get_uuid(const udm_task *t) UDM_NOEXCEPT;
size_t udm_task_target_count(const udm_task *t) UDM_NOEXCEPT;
int udm_task_get_target(const udm_task *t, size_t i, struct udm_target *out) UDM_NOEXCEPT;
/* LIST: names and device numbers. */
size_t udm_task_name_count(const udm_task *t) UDM_NOEXCEPT;
const char *udm_task_name_at(const udm_task *t, size_t i, uint32_t *major, uint32_t *minor) UDM_NOEXCEPT;
/* LIST_VERSIONS / GET_TARGET_VERSION / LIST_COMMANDS. */
size_t udm_task_version_count(const udm_task *t) UDM_NOEXCEPT;
const char *udm_task_version_at(const udm_task *t, size_t i, uint32_t version[3]) UDM_NOEXCEPT;
/* DEPS. */
size_t udm_task_dep_count(const udm_task *t) UDM_NOEXCEPT;
int udm_task_dep_at(const udm_task *t, size_t i, uint32_t *major, uint32_t *minor) UDM_NOEXCEPT;
/* TARGET_MSG reply, NULL when the target sent none. */
const char *udm_task_message_reply(const udm_task *t) UDM_NOEXCEPT;
/* VERSION: the driver's version. */
int udm_task_driver_version(const udm_task *t, uint32_t version[3]) UDM_NOEXCEPT;

/* "0.1.0" */
const char *udm_library_version(void) UDM_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* UDM_LIBUDM_H */

/* ulvm C API: run LVM commands (lvm(8) names and options) on udm.
 *
 *   char *out = NULL, *err = NULL;
 *   const char *argv[] = {"lvs", "--reportformat", "json", "--devices", "/tmp/pv0.img"};
 *   int rc = ulvm_run(5, argv, &out, &err);   // rc as lvm: 0 ok, 3 usage, 5 failed
 *   ...; ulvm_free(out); ulvm_free(err);
 *
 * argv[0] is the command ("pvcreate", "vgcreate", "lvcreate", "lvs", ...). The
 * output and error text are exactly what the ulvm tool prints. Functions never
 * throw and are safe to call from several threads on different VGs.
 */
#ifndef UDM_ULVM_H
#define UDM_ULVM_H

#ifdef __cplusplus
extern "C" {
#endif

/* Runs one command. *out and *err (when the pointers are not NULL) receive
 * malloc'd NUL-terminated text, to be released with ulvm_free. Returns the
 * lvm exit code (0, 3 invalid command line, 5 failed); -1 on allocation failure. */
int ulvm_run(int argc, const char* const* argv, char** out, char** err);

/* Releases text returned by ulvm_run. */
void ulvm_free(char* text);

#ifdef __cplusplus
}
#endif

#endif /* UDM_ULVM_H */

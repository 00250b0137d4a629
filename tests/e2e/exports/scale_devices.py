#!/usr/bin/env python3
"""Creates, renames or removes many devices through libudm's C API in one
process (thousands of udmsetup runs would take minutes).

  scale_devices.py LIBUDM RUNDIR create PREFIX FROM TO    zero devices of 1 MiB
  scale_devices.py LIBUDM RUNDIR rename PREFIX FROM TO NEWPREFIX
  scale_devices.py LIBUDM RUNDIR remove PREFIX FROM TO
Names are PREFIX + a 5-digit index, FROM <= index < TO."""
import ctypes
import sys

TASK_CREATE, TASK_REMOVE, TASK_RENAME = 0, 2, 8


def main():
    lib = ctypes.CDLL(sys.argv[1])
    lib.udm_task_create_on.restype = ctypes.c_void_p
    lib.udm_task_create_on.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.udm_task_error.restype = ctypes.c_char_p
    lib.udm_task_error.argtypes = [ctypes.c_void_p]
    lib.udm_last_error.restype = ctypes.c_char_p
    for f in ("udm_task_set_name", "udm_task_set_new_name"):
        getattr(lib, f).argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.udm_task_add_target.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_char_p,
                                        ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    lib.udm_task_run.argtypes = [ctypes.c_void_p]
    lib.udm_task_destroy.argtypes = [ctypes.c_void_p]
    lib.udm_client_close.argtypes = [ctypes.c_void_p]

    rundir = sys.argv[2].encode()
    client = ctypes.c_void_p()
    if lib.udm_client_open(rundir, len(rundir), ctypes.byref(client)) != 0:
        sys.exit("udm_client_open: %s" % lib.udm_last_error().decode())
    verb, prefix = sys.argv[3], sys.argv[4]
    first, end = int(sys.argv[5]), int(sys.argv[6])
    new_prefix = sys.argv[7] if verb == "rename" else None

    def run(kind, name, new_name=None, table=False):
        t = lib.udm_task_create_on(client, kind)
        lib.udm_task_set_name(t, name, len(name))
        if new_name:
            lib.udm_task_set_new_name(t, new_name, len(new_name))
        if table:
            lib.udm_task_add_target(t, 0, 2048, b"zero", 4, b"", 0)
        if lib.udm_task_run(t) != 0:
            sys.exit("%s: %s" % (name.decode(), lib.udm_task_error(t).decode()))
        lib.udm_task_destroy(t)

    for i in range(first, end):
        name = ("%s%05d" % (prefix, i)).encode()
        if verb == "create":
            run(TASK_CREATE, name, table=True)  # create + load + resume
        elif verb == "rename":
            run(TASK_RENAME, name, ("%s%05d" % (new_prefix, i)).encode())
        elif verb == "remove":
            run(TASK_REMOVE, name)
        else:
            sys.exit("unknown verb " + verb)
    lib.udm_client_close(client)


if __name__ == "__main__":
    main()

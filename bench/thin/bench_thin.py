#!/usr/bin/env python3
"""thin vs linear through the real udmd, in one run: fio's nbd engine on
udmd's NBD exports (no FUSE, no page cache of the device files), a linear
device and the pool's data device both linear slices of one sparse backing
file, metadata on its own file.

  first_write   4 KiB random writes, QD32, each into a block never written
                (64 KiB-aligned offsets, each once) of a new thin; the
                linear device gets the same offsets on a never-written slice
  seq_1m        1 MiB sequential writes, QD8, on a new thin / fresh slice
  provisioned   4 KiB random writes, QD32, over blocks written before
  snapshots     1,000 create_snap messages of one thin volume (with its
                blocks provisioned): through udmsetup (one process each) and
                through libudm on one connection (the pool, not start-up)
Prints a table and JSON with the ratios thin / linear (goals: provisioned
>= 0.9, first_write >= 0.5, snapshot <= 1 ms).

Each measure runs --rounds times (3), thin and linear alternating first;
the medians are compared.

Usage: bench_thin.py BUILD_DIR [--runtime 5] [--rounds 3] [--snaps 1000] [--json out.json]
"""
import argparse, ctypes, json, os, shutil, signal, subprocess, sys, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("build")
p.add_argument("--runtime", type=int, default=5)
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--snaps", type=int, default=1000)
p.add_argument("--json")
a = p.parse_args()
BIN = os.path.abspath(a.build) + "/bin"
LIB = os.path.abspath(a.build) + "/lib/libudm.so"
tmp = tempfile.mkdtemp(prefix="udm-bench-thin.")
run = tmp + "/run"
env = dict(os.environ, UDM_RUNDIR=run, UDM_NO_AUTOSTART="1")
GiB = 1 << 30
SLICE = 4 * GiB


def sh(*cmd):
    r = subprocess.run(list(cmd), capture_output=True, text=True, env=env)
    if r.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    return r.stdout


def udmsetup(*args):
    return sh(BIN + "/udmsetup", *args)


def devno(name):
    return udmsetup("info", "-c", "--noheadings", "-o", "major,minor", name).strip().replace(" ", "")


def fio(dev, rw, bs, qd, size, offset=0, extra=()):
    """MiB/s and IOPS of one fio run on udm device `dev` over NBD."""
    out = tmp + "/fio.json"
    cmd = ["fio", "--name=b", f"--rw={rw}", f"--bs={bs}", f"--iodepth={qd}", "--ioengine=nbd",
           f"--uri=nbd+unix:///{dev}?socket={run}/nbd.sock", f"--size={size}", f"--offset={offset}",
           "--output-format=json", f"--output={out}", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"fio failed: {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    text = open(out).read()
    j = json.loads(text[text.index("{"):])["jobs"][0]["write"]
    return {"mib_s": round(j["bw_bytes"] / 2**20, 1), "iops": round(j["iops"])}


udmd = None
try:
    os.makedirs(run)
    for f, size in (("backing", 3 * SLICE), ("meta", 128 << 20)):
        with open(f"{tmp}/{f}", "wb") as fh:
            fh.truncate(size)
    udmd = subprocess.Popen([BIN + "/udmd", "--rundir", run, "--foreground", "--no-fuse"],
                            stdout=open(tmp + "/udmd.log", "w"), stderr=subprocess.STDOUT, env=env)
    for _ in range(200):
        if os.path.exists(run + "/nbd.sock") and subprocess.run(
                [BIN + "/udmsetup", "daemon", "status"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.05)
    sl = SLICE // 512
    udmsetup("create", "lin", "--table", f"0 {sl} linear {tmp}/backing 0")
    udmsetup("create", "pdata", "--table", f"0 {sl} linear {tmp}/backing {sl}")
    udmsetup("create", "pool", "--table", f"0 {sl} thin-pool {tmp}/meta {devno('pdata')} 128 0")
    pool = devno("pool")
    udmsetup("message", "pool", "0", "create_thin 0")
    udmsetup("create", "thin0", "--table", f"0 {GiB // 512} thin {pool} 0")

    res = {}
    rounds = a.rounds

    def thin_dev(i):
        udmsetup("message", "pool", "0", f"create_thin {i}")
        udmsetup("create", f"thin{i}", "--table", f"0 {GiB // 512} thin {pool} {i}")
        return f"thin{i}"

    def median(runs):
        return sorted(runs, key=lambda x: x["iops"])[len(runs) // 2]

    # Each round on a new thin and a never-written linear slice, the order alternating.
    fw = ["--blockalign=64k", "--io_size=32m"]  # one 4 KiB write into each of 8192 blocks
    sq = {"linear": [], "thin": []}
    first = {"linear": [], "thin": []}
    for r in range(rounds):
        t = thin_dev(10 + r)
        runs = [("linear", lambda: fio("lin", "randwrite", "4k", 32, "512m", r * 512 * 2**20, fw)),
                ("thin", lambda: fio(t, "randwrite", "4k", 32, "512m", 0, fw))]
        for k, f in runs[::1 if r % 2 == 0 else -1]:
            first[k].append(f())
    for r in range(rounds):
        t = thin_dev(20 + r)
        runs = [("linear", lambda: fio("lin", "write", "1m", 8, "256m", 2 * GiB + r * 256 * 2**20)),
                ("thin", lambda: fio(t, "write", "1m", 8, "256m"))]
        for k, f in runs[::1 if r % 2 == 0 else -1]:
            sq[k].append(f())
    res["first_write"] = {k: median(v) for k, v in first.items()}
    res["seq_1m"] = {k: median(v) for k, v in sq.items()}
    # Provisioned: the last seq thin's 256 MiB and the linear slice written last.
    tb = ["--time_based", f"--runtime={a.runtime}", "--norandommap"]
    prov = {"linear": [], "thin": []}
    for r in range(rounds):
        runs = [("linear", lambda: fio("lin", "randwrite", "4k", 32, "256m", 2 * GiB + (rounds - 1) * 256 * 2**20, tb)),
                ("thin", lambda: fio(f"thin{20 + rounds - 1}", "randwrite", "4k", 32, "256m", 0, tb))]
        for k, f in runs[::1 if r % 2 == 0 else -1]:
            prov[k].append(f())
    res["provisioned"] = {k: median(v) for k, v in prov.items()}
    res["runs"] = {"first_write": first, "seq_1m": sq, "provisioned": prov}

    # Snapshots of thin0, 256 MiB of it written.
    fio("thin0", "write", "1m", 8, "256m")
    n = a.snaps
    t0 = time.perf_counter()
    for i in range(n):
        udmsetup("message", "pool", "0", f"create_snap {1000 + i} 0")
    cli_ms = (time.perf_counter() - t0) * 1e3 / n
    lib = ctypes.CDLL(LIB)
    lib.udm_task_create_on.restype = ctypes.c_void_p
    lib.udm_task_create_on.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.udm_task_set_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.udm_task_set_message.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t]
    lib.udm_task_run.argtypes = [ctypes.c_void_p]
    lib.udm_task_destroy.argtypes = [ctypes.c_void_p]
    lib.udm_task_error.argtypes = [ctypes.c_void_p]
    lib.udm_task_error.restype = ctypes.c_char_p
    client = ctypes.c_void_p()
    if lib.udm_client_open(run.encode(), len(run), ctypes.byref(client)):
        sys.exit("udm_client_open failed")

    def message(text):
        t = lib.udm_task_create_on(client, 16)
        lib.udm_task_set_name(t, b"pool", 4)
        m = text.encode()
        lib.udm_task_set_message(t, 0, m, len(m))
        if lib.udm_task_run(t):
            sys.exit(f"message {text}: {lib.udm_task_error(t).decode()}")
        lib.udm_task_destroy(t)

    t0 = time.perf_counter()
    for i in range(n):
        message(f"create_snap {5000 + i} 0")
    lib_ms = (time.perf_counter() - t0) * 1e3 / n
    t0 = time.perf_counter()
    for i in range(n):
        message(f"delete {5000 + i}")
    del_ms = (time.perf_counter() - t0) * 1e3 / n
    res["snapshots"] = {"count": n, "udmsetup_ms_each": round(cli_ms, 3), "libudm_ms_each": round(lib_ms, 3),
                        "libudm_delete_ms_each": round(del_ms, 3)}
    status = udmsetup("status", "pool").split()

    ratios = {k: round(res[k]["thin"]["iops"] / res[k]["linear"]["iops"], 2)
              for k in ("first_write", "provisioned", "seq_1m")}
    goals = {"provisioned": 0.9, "first_write": 0.5}
    out = {"method": "fio nbd engine on udmd's exports; thin and linear on one sparse file", "results": res,
           "ratios_thin_over_linear": ratios, "pool_status_after": " ".join(status[3:]),
           "goals_met": {**{k: ratios[k] >= g for k, g in goals.items()}, "snapshot_1ms": lib_ms <= 1.0}}
    print(f"{'measure':<12} {'linear':>18} {'thin':>18} {'ratio':>6}")
    for k in ("first_write", "provisioned", "seq_1m"):
        c = lambda s: f"{res[k][s]['iops']} ({res[k][s]['mib_s']} MiB/s)"
        print(f"{k:<12} {c('linear'):>18} {c('thin'):>18} {ratios[k]:6.2f}")
    s = res["snapshots"]
    print(f"create_snap x{n}: {s['udmsetup_ms_each']} ms each through udmsetup, "
          f"{s['libudm_ms_each']} ms through libudm (delete {s['libudm_delete_ms_each']} ms)")
    js = json.dumps(out, indent=1)
    print(js)
    if a.json:
        open(a.json, "w").write(js)
finally:
    if udmd:
        for dev in ["thin0"] + [f"thin{10 + r}" for r in range(a.rounds)] + [f"thin{20 + r}" for r in range(a.rounds)] + ["pool", "pdata", "lin"]:
            subprocess.run([BIN + "/udmsetup", "remove", "--retry", dev], env=env, capture_output=True)
        udmd.send_signal(signal.SIGTERM)
        try:
            udmd.wait(20)
        except subprocess.TimeoutExpired:
            udmd.kill()
    shutil.rmtree(tmp, ignore_errors=True)

#!/usr/bin/env python3
"""ulvm vs real lvm2 on a VG of the same shape: one 8 GiB sparse PV, 4 MiB
extents, 1000 one-extent LVs (PERF.md / LVM2-FORMAT.md §12).

Measures, in one run and interleaved (A B A B ...):
  lvs VG                       10 runs each, wall and user+sys CPU medians
  lvs -a -o+seg_pe_ranges,devices --reportformat json
  vgs
  the 1001st lvcreate -an -Zn -l1 (5 create/remove cycles; lvremove timed too)
ulvm works on the PV as a loop device too (same device type as lvm2) and, as
it is meant to be used, on the plain file. Prints a table and a JSON object
with the ratios (lvm2 time / ulvm time; > 1 means ulvm is faster).

Usage: bench_lvm.py ULVM_BINARY [--lvs 1000] [--json out.json]  (root: loop devices)
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("ulvm")
p.add_argument("--lvs", type=int, default=1000)
p.add_argument("--runs", type=int, default=10)
p.add_argument("--cycles", type=int, default=5)
p.add_argument("--json")
a = p.parse_args()

tmp = tempfile.mkdtemp(prefix="udm-bench-lvm.")
env = dict(os.environ, LVM_SUPPRESS_FD_WARNINGS="1", UDM_LVM_CONFDIR=tmp + "/conf")
env.pop("UDM_RUNDIR", None)
# Same settings as the lvm2 side: no metadata archives or backups.
os.makedirs(tmp + "/conf")
with open(tmp + "/conf/lvm.conf", "w") as f:
    f.write("backup {\n backup = 0\n archive = 0\n}\n")
loops = []


def sh(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)
    if check and r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    return r.stdout


def timed(cmd):
    """wall seconds, user+sys CPU seconds of one child."""
    t0 = time.perf_counter()
    pr = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(pr.pid, 0)
    wall = time.perf_counter() - t0
    err = pr.stderr.read().decode()
    pr.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}: {err}")
    return wall, ru.ru_utime + ru.ru_stime


def loop(path):
    dev = sh(["losetup", "-f", "--show", path]).strip()
    loops.append(dev)
    return dev


try:
    U = a.ulvm
    # ulvm builds its VG on a file, then the same shape is restored on loop devices.
    f_ulvm = tmp + "/ulvm.img"
    f_lvm = tmp + "/lvm2.img"
    f_uloop = tmp + "/ulvm-loop.img"
    for f in (f_ulvm, f_lvm, f_uloop):
        os.truncate(f, 8 << 30) if os.path.exists(f) else open(f, "wb").truncate(8 << 30)
    du = ["--devices", f_ulvm]
    sh([U, "vgcreate", "vgperf", f_ulvm] + du)
    t0 = time.perf_counter()
    for i in range(a.lvs):
        sh([U, "lvcreate", "-an", "-Zn", "-l1", "-n", f"lv{i}", "vgperf"] + du)
    build_ulvm = time.perf_counter() - t0
    backup = tmp + "/vgperf.vg"
    sh([U, "vgcfgbackup", "-f", backup, "vgperf"] + du)
    pv_uuid = sh([U, "pvs", "--noheadings", "-o", "pv_uuid"] + du).strip()

    dl = loop(f_lvm)
    cfg = ("global{activation=0 use_lvmpolld=0} devices{global_filter=[\"a|^%s$|\",\"r|.*|\"] "
           "hints=\"none\" use_devicesfile=0} backup{backup=0 archive=0}" % dl)
    L = ["lvm"]
    C = ["--config", cfg]
    sh(L + ["pvcreate", "--uuid", pv_uuid, "--restorefile", backup, dl] + C)
    sh(L + ["vgcfgrestore", "-f", backup, "vgperf"] + C)
    du_loop = loop(f_uloop)
    sh([U, "pvcreate", "--uuid", pv_uuid, du_loop, "--devices", du_loop])
    sh([U, "vgcfgrestore", "-f", backup, "vgperf", "--devices", du_loop])
    n_real = sh(L + ["lvs", "--noheadings", "-o", "lv_name", "vgperf"] + C).count("\n")
    n_ours = sh([U, "lvs", "--noheadings", "-o", "lv_name", "vgperf", "--devices", du_loop]).count("\n")
    assert n_real == n_ours == a.lvs, (n_real, n_ours)

    contenders = {
        "lvm2": (L, C),
        "ulvm_loop": ([U], ["--devices", du_loop]),
        "ulvm_file": ([U], du),
    }
    queries = {
        "lvs": ["lvs", "vgperf"],
        "lvs_json_segs": ["lvs", "-a", "-o+seg_pe_ranges,devices", "--reportformat", "json", "vgperf"],
        "vgs": ["vgs", "vgperf"],
    }
    res = {}
    for q, args in queries.items():
        samples = {k: [] for k in contenders}
        for r in range(a.runs):
            order = list(contenders)
            order = order[r % len(order):] + order[:r % len(order)]  # rotate
            for k in order:
                pre, post = contenders[k]
                samples[k].append(timed(pre + args + post))
        res[q] = {k: {"wall_ms": round(statistics.median(s[0] for s in v) * 1e3, 2),
                      "cpu_ms": round(statistics.median(s[1] for s in v) * 1e3, 1)} for k, v in samples.items()}
    create = {k: [] for k in contenders}
    remove = {k: [] for k in contenders}
    for r in range(a.cycles):
        for k, (pre, post) in contenders.items():
            create[k].append(timed(pre + ["lvcreate", "-an", "-Zn", "-l1", "-n", "lvextra", "vgperf"] + post))
            remove[k].append(timed(pre + ["lvremove", "-y", "vgperf/lvextra"] + post))
    res["lvcreate_1001st"] = {k: {"wall_ms": round(statistics.median(s[0] for s in v) * 1e3, 2),
                                  "cpu_ms": round(statistics.median(s[1] for s in v) * 1e3, 1)} for k, v in create.items()}
    res["lvremove"] = {k: {"wall_ms": round(statistics.median(s[0] for s in v) * 1e3, 2),
                           "cpu_ms": round(statistics.median(s[1] for s in v) * 1e3, 1)} for k, v in remove.items()}
    out = {"lvs_in_vg": a.lvs, "runs": a.runs, "cycles": a.cycles,
           "ulvm_build_1000_lvs_s": round(build_ulvm, 2), "results": res, "ratios_lvm2_over_ulvm": {}}
    print("wall ms (cpu ms), medians; ratio = lvm2 wall / ulvm wall")
    print(f"{'measure':<16} {'lvm2':>14} {'ulvm loop':>14} {'ulvm file':>14} {'ratio loop':>10} {'ratio file':>10}")
    for q, v in res.items():
        rl = v["lvm2"]["wall_ms"] / v["ulvm_loop"]["wall_ms"]
        rf = v["lvm2"]["wall_ms"] / v["ulvm_file"]["wall_ms"]
        out["ratios_lvm2_over_ulvm"][q] = {"loop": round(rl, 2), "file": round(rf, 2)}
        cell = lambda k: f"{v[k]['wall_ms']:.1f} ({v[k]['cpu_ms']:.0f})"
        print(f"{q:<16} {cell('lvm2'):>14} {cell('ulvm_loop'):>14} {cell('ulvm_file'):>14} {rl:10.1f} {rf:10.1f}")
    print(f"(ulvm built the {a.lvs}-LV VG with {a.lvs} lvcreate runs in {build_ulvm:.1f} s)")
    js = json.dumps(out, indent=1)
    print(js)
    if a.json:
        open(a.json, "w").write(js)
finally:
    for d in loops:
        subprocess.run(["losetup", "-d", d])
    subprocess.run(["rm", "-rf", tmp])

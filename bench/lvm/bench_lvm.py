#!/usr/bin/env python3
"""ulvm vs real lvm2, and ulvm alone at scale, in one run.

At 1,000 LVs (one 8 GiB sparse PV, 4 MiB extents, one-extent LVs; PERF.md /
LVM2-FORMAT.md §12), ulvm against real lvm2, interleaved (A B A B ...):
  lvs VG                       --runs each, wall and user+sys CPU medians
  lvs -a -o+seg_pe_ranges,devices --reportformat json
  vgs
  the 1001st lvcreate -an -Zn -l1 (--cycles create/remove cycles; lvremove timed too)
ulvm works on the PV as a loop device too (same device type as lvm2) and, as
it is meant to be used, on the plain file.

ulvm alone (lvm2 has no device-mapper here, and lvm2's default 1 MiB metadata
area holds about 1,400 LVs):
  vgchange -ay / -an of the 1,000-LV VG through a private udmd (default exports)
  at --big LVs (10,000; PV made with pvcreate --metadatasize 16m): lvs, vgs,
  the 10,001st lvcreate and its lvremove.
Goals (issue 19): ratio lvm2/ulvm >= 10 at 1,000 LVs; lvs < 50 ms and the
10,001st lvcreate < 100 ms at 10,000; vgchange -ay of 1,000 LVs < 1 s.

Prints a table and a JSON object (also to --json FILE).

Usage: bench_lvm.py ULVM_BINARY [--lvs 1000] [--big 10000] [--setup ULVM] [--json out.json]  (root: loop devices)
       bench_lvm.py ULVM_BINARY --activation-only [--lvs 1000]   (the vgchange rows alone, with udmd's CPU)
udmd's run directory is on /dev/shm (tmpfs, as /run/udm); no loop devices
per LV unless UDM_BLOCK_DEVICES=1.
"""
import argparse, json, os, random, re, statistics, string, subprocess, sys, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("ulvm")
p.add_argument("--lvs", type=int, default=1000)
p.add_argument("--big", type=int, default=10000, help="LVs of the ulvm-only VG (0: skip)")
p.add_argument("--runs", type=int, default=10)
p.add_argument("--cycles", type=int, default=5)
p.add_argument("--activation-cycles", type=int, default=3)
p.add_argument("--no-activation", action="store_true")
p.add_argument("--activation-only", action="store_true",
               help="only the vgchange -ay/-an rows, on a VG restored from a generated backup (no lvm2)")
p.add_argument("--no-lvm2", action="store_true", help="ulvm on the file only (no loop devices, no lvm2)")
p.add_argument("--setup", help="ulvm that makes the 10,000-LV VG (an older ulvm without --metadatasize is measured on it)")
p.add_argument("--backup", action="store_true",
               help="keep ulvm's metadata backup and archive on (lvm.conf default; off otherwise, as on the lvm2 side)")
p.add_argument("--json")
a = p.parse_args()

bindir = os.path.dirname(os.path.abspath(a.ulvm))
tmp = tempfile.mkdtemp(prefix="udm-bench-lvm.")
# udmd's run directory on tmpfs, as /run/udm is on a real host (it writes a
# record file per device there; on a busy ext4 that costs more than the rest).
rundir = tempfile.mkdtemp(prefix="udm-bench-lvm-run.", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
env = dict(os.environ, LVM_SUPPRESS_FD_WARNINGS="1", UDM_LVM_CONFDIR=tmp + "/conf", UDM_RUNDIR=rundir)
env["PATH"] = bindir + ":" + env.get("PATH", "")
# No loop device per LV (udmd's block devices, on by default as root): they
# are global, and the rows measure the control plane. UDM_BLOCK_DEVICES=1 measures them.
env.setdefault("UDM_BLOCK_DEVICES", "0")
# Same settings as the lvm2 side: no metadata archives or backups.
os.makedirs(tmp + "/conf")
with open(tmp + "/conf/lvm.conf", "w") as f:
    if not a.backup:
        f.write("backup {\n backup = 0\n archive = 0\n}\n")
loops = []
udmd_started = False


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


def medians(samples):
    return {"wall_ms": round(statistics.median(s[0] for s in samples) * 1e3, 2),
            "cpu_ms": round(statistics.median(s[1] for s in samples) * 1e3, 1)}


def loop(path):
    dev = sh(["losetup", "-f", "--show", path]).strip()
    loops.append(dev)
    return dev


def sparse(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


def lvm_id():
    c = string.ascii_letters + string.digits
    s = "".join(random.choice(c) for _ in range(32))
    return "-".join([s[0:6], s[6:10], s[10:14], s[14:18], s[18:22], s[22:26], s[26:32]])


def grow_backup(text, n):
    """The backup of a VG with one LV `lv0` on extent 0, with lv1..lv{n-1}
    added, each on the next extent of pv0 (same section as lv0)."""
    m = re.search(r"\n(\s*)lv0 \{\n", text)
    start = m.start() + 1
    depth, i = 0, text.index("{", start)
    while True:
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                break
        i += 1
    end = i + 1
    block = text[start:end]
    parts = []
    for k in range(1, n):
        b = re.sub(r"lv0 \{", f"lv{k} {{", block, count=1)
        b = re.sub(r'id = "[^"]*"', f'id = "{lvm_id()}"', b, count=1)
        b = re.sub(r'"pv0", 0\n', f'"pv0", {k}\n', b, count=1)
        parts.append("\n" + b)
    return text[:end] + "".join(parts) + text[end:]


rows = {}  # measure -> contender -> medians
stage_cpu_us = {}  # stage -> median CPU microseconds at --big LVs


def compare(name, args, contenders, runs):
    samples = {k: [] for k in contenders}
    for r in range(runs):
        order = list(contenders)
        order = order[r % len(order):] + order[:r % len(order)]  # rotate
        for k in order:
            pre, post = contenders[k]
            samples[k].append(timed(pre + args + post))
    rows[name] = {k: medians(v) for k, v in samples.items()}


try:
    U = a.ulvm
    # ulvm builds its VG on a file, then the same shape is restored on loop devices.
    f_ulvm = tmp + "/ulvm.img"
    f_lvm = tmp + "/lvm2.img"
    f_uloop = tmp + "/ulvm-loop.img"
    for f in (f_ulvm, f_lvm, f_uloop):
        sparse(f, 8 << 30)
    du = ["--devices", f_ulvm]
    sh([U, "vgcreate", "vgperf", f_ulvm] + du)
    t0 = time.perf_counter()
    if a.activation_only:
        # The VG's LVs restored from a backup grown by hand: no lvm2 rows, and
        # no 1,000 lvcreate runs first.
        a.no_lvm2, a.big, a.runs, a.cycles = True, 0, 0, 0
        sh([U, "lvcreate", "-an", "-Zn", "-l1", "-n", "lv0", "vgperf"] + du)
        gb = tmp + "/grown.vg"
        sh([U, "vgcfgbackup", "-f", gb, "vgperf"] + du)
        with open(gb) as f:
            text = f.read()
        with open(gb, "w") as f:
            f.write(grow_backup(text, a.lvs))
        sh([U, "vgcfgrestore", "-f", gb, "vgperf"] + du)
    else:
        for i in range(a.lvs):
            sh([U, "lvcreate", "-an", "-Zn", "-l1", "-n", f"lv{i}", "vgperf"] + du)
    build_ulvm = time.perf_counter() - t0
    backup = tmp + "/vgperf.vg"
    sh([U, "vgcfgbackup", "-f", backup, "vgperf"] + du)
    pv_uuid = sh([U, "pvs", "--noheadings", "-o", "pv_uuid"] + du).strip()

    if a.no_lvm2:
        contenders = {"ulvm_file": ([U], du)}
    else:
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
    if not a.activation_only:
        compare("lvs", ["lvs", "vgperf"], contenders, a.runs)
        compare("lvs_json_segs", ["lvs", "-a", "-o+seg_pe_ranges,devices", "--reportformat", "json", "vgperf"],
                contenders, a.runs)
        compare("vgs", ["vgs", "vgperf"], contenders, a.runs)
        create = {k: [] for k in contenders}
        remove = {k: [] for k in contenders}
        for r in range(a.cycles):
            for k, (pre, post) in contenders.items():
                create[k].append(timed(pre + ["lvcreate", "-an", "-Zn", "-l1", "-n", "lvextra", "vgperf"] + post))
                remove[k].append(timed(pre + ["lvremove", "-y", "vgperf/lvextra"] + post))
        rows[f"lvcreate_{a.lvs + 1}th"] = {k: medians(v) for k, v in create.items()}
        rows["lvremove"] = {k: medians(v) for k, v in remove.items()}

    # vgchange -ay/-an of every LV through a private udmd (started by the
    # first vgchange, as users meet it; its start is not timed).
    if not a.no_activation:
        sh(["udmsetup", "daemon", "start"])
        udmd_started = True
        with open(rundir + "/udmd.pid") as f:
            udmd_pid = f.read().split()[0]

        def udmd_cpu():
            with open(f"/proc/{udmd_pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        def with_udmd_cpu(cmd, cpu):
            c0 = udmd_cpu()
            r = timed(cmd)
            cpu.append(udmd_cpu() - c0)
            return r

        on, off, on_cpu, off_cpu = [], [], [], []
        for r in range(a.activation_cycles):
            on.append(with_udmd_cpu([U, "vgchange", "-ay", "vgperf"] + du, on_cpu))
            n_dev = sh(["udmsetup", "ls"]).count("vgperf-")
            assert n_dev == a.lvs, n_dev
            off.append(with_udmd_cpu([U, "vgchange", "-an", "vgperf"] + du, off_cpu))
        rows[f"vgchange_ay_{a.lvs}"] = {"ulvm_file": medians(on)}
        rows[f"vgchange_an_{a.lvs}"] = {"ulvm_file": medians(off)}
        # udmd's own CPU (the wall clock on a loaded machine is mostly waiting to run)
        rows[f"vgchange_ay_{a.lvs}"]["ulvm_file"]["udmd_cpu_ms"] = round(statistics.median(on_cpu) * 1e3, 1)
        rows[f"vgchange_an_{a.lvs}"]["ulvm_file"]["udmd_cpu_ms"] = round(statistics.median(off_cpu) * 1e3, 1)

    if a.big:
        # ulvm alone at --big LVs: a PV with a 16 MiB metadata area, the VG
        # restored from a generated backup.
        f_big = tmp + "/big.img"
        extents = a.big + 64
        sparse(f_big, (extents * 4 + 32) << 20)
        db = ["--devices", f_big]
        S = a.setup or U
        sh([S, "pvcreate", "--metadatasize", "16m", f_big] + db)
        sh([S, "vgcreate", "vgbig", f_big] + db)
        sh([S, "lvcreate", "-an", "-Zn", "-l1", "-n", "lv0", "vgbig"] + db)
        bb = tmp + "/vgbig.vg"
        sh([S, "vgcfgbackup", "-f", bb, "vgbig"] + db)
        with open(bb) as f:
            text = f.read()
        with open(bb, "w") as f:
            f.write(grow_backup(text, a.big))
        sh([S, "vgcfgrestore", "-f", bb, "vgbig"] + db)
        n_big = sh([U, "lvs", "--noheadings", "-o", "lv_name", "vgbig"] + db).count("\n")
        assert n_big == a.big, n_big
        big = {"ulvm_file": ([U], db)}
        compare(f"lvs_{a.big}", ["lvs", "vgbig"], big, a.runs)
        compare(f"vgs_{a.big}", ["vgs", "vgbig"], big, a.runs)
        cr, rm = [], []
        for r in range(a.cycles):
            cr.append(timed([U, "lvcreate", "-an", "-Zn", "-l1", "-n", "lvextra", "vgbig"] + db))
            rm.append(timed([U, "lvremove", "-y", "vgbig/lvextra"] + db))
        rows[f"lvcreate_{a.big + 1}th"] = {"ulvm_file": medians(cr)}
        rows[f"lvremove_{a.big}"] = {"ulvm_file": medians(rm)}
        # Where the CPU time goes, stage by stage, on the same VG text
        # (udm-bench-lvm-stages from the same build, when there is one).
        stages_bin = os.path.join(bindir, "udm-bench-lvm-stages")
        if os.path.exists(stages_bin):
            out_txt = subprocess.run([stages_bin, bb, str(max(a.runs, 5))], capture_output=True, text=True,
                                     env=dict(env, GLIBC_TUNABLES="glibc.malloc.hugetlb=1")).stdout
            stages = {}
            for line in out_txt.splitlines()[1:]:
                name, _, us = line.strip().rpartition(" ")
                if name.strip():
                    stages[name.strip()] = float(us)
            stage_cpu_us = stages

    out = {"lvs_in_vg": a.lvs, "big_vg_lvs": a.big, "runs": a.runs, "cycles": a.cycles,
           f"ulvm_build_{a.lvs}_lvs_s": round(build_ulvm, 2), "results": rows, "ratios_lvm2_over_ulvm": {},
           "ratios_cpu_lvm2_over_ulvm": {}, f"stages_cpu_us_{a.big}": stage_cpu_us}
    goals = {"lvs": ("ratio", 10), f"lvs_{a.big}": ("ms", 50), f"lvcreate_{a.big + 1}th": ("ms", 100),
             f"vgchange_ay_{a.lvs}": ("ms", 1000)}
    print("wall ms (cpu ms), medians; ratio = lvm2 wall / ulvm wall")
    print(f"{'measure':<20} {'lvm2':>14} {'ulvm loop':>14} {'ulvm file':>14} {'ratio loop':>10} {'ratio file':>10}")
    cell = lambda v, k: f"{v[k]['wall_ms']:.1f} ({v[k]['cpu_ms']:.0f})" if k in v else "-"
    for q, v in rows.items():
        rl = rf = None
        if "lvm2" in v:
            rl = v["lvm2"]["wall_ms"] / v["ulvm_loop"]["wall_ms"]
            rf = v["lvm2"]["wall_ms"] / v["ulvm_file"]["wall_ms"]
            out["ratios_lvm2_over_ulvm"][q] = {"loop": round(rl, 2), "file": round(rf, 2)}
            # CPU time as well: on a shared machine wall time is mostly waiting for a core.
            cl = v["lvm2"]["cpu_ms"] / max(v["ulvm_loop"]["cpu_ms"], 0.1)
            cf = v["lvm2"]["cpu_ms"] / max(v["ulvm_file"]["cpu_ms"], 0.1)
            out["ratios_cpu_lvm2_over_ulvm"][q] = {"loop": round(cl, 2), "file": round(cf, 2)}
        fr = lambda x: f"{x:10.1f}" if x is not None else f"{'-':>10}"
        print(f"{q:<20} {cell(v, 'lvm2'):>14} {cell(v, 'ulvm_loop'):>14} {cell(v, 'ulvm_file'):>14} {fr(rl)} {fr(rf)}")
    out["goals"] = {}
    for q, (kind, goal) in goals.items():
        if q not in rows:
            continue
        if kind == "ratio":
            if q not in out["ratios_lvm2_over_ulvm"]:
                continue
            got = out["ratios_lvm2_over_ulvm"][q]["file"]
            out["goals"][q] = {"goal": f">= {goal}x", "got": got, "met": got >= goal}
        else:
            got = rows[q]["ulvm_file"]["wall_ms"]
            out["goals"][q] = {"goal": f"< {goal} ms", "got": got, "met": got < goal}
    if stage_cpu_us:
        print(f"CPU time per stage at {a.big} LVs (udm-bench-lvm-stages, median microseconds):")
        for k, us in stage_cpu_us.items():
            print(f"  {k:<28} {us:10.0f}")
    print(f"(ulvm built the {a.lvs}-LV VG with {a.lvs} lvcreate runs in {build_ulvm:.1f} s)")
    js = json.dumps(out, indent=1)
    print(js)
    if a.json:
        open(a.json, "w").write(js)
finally:
    if udmd_started:
        subprocess.run([a.ulvm, "vgchange", "-an", "vgperf", "--devices", tmp + "/ulvm.img"], env=env,
                       capture_output=True)
        subprocess.run(["udmsetup", "daemon", "stop"], env=env, capture_output=True)
    for d in loops:
        subprocess.run(["losetup", "-d", d])
    subprocess.run(["rm", "-rf", tmp, rundir])

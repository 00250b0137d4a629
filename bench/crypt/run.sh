#!/usr/bin/env bash
# bench/crypt/run.sh [SECONDS] [ROUNDS]
#
# crypt through the real udmd against two baselines measured in the same run:
#   - `openssl speed -evp aes-256-xts` (16 KiB blocks, one core): the most
#     one core can encrypt (measured beside every row: see ossl_row), and
#   - a linear device on the same backing file (udm without crypto).
# fio (psync, O_DIRECT, queue depth 1; and libaio queue depth 8 for 1 MiB) on
# the devices' FUSE files: 1 MiB sequential read and write, 4 KiB random read;
# and the same rows through fio's nbd engine (libnbd) on the devices' NBD
# exports. udmd, fio and openssl all run under `nice -n -15` (NICE) so that
# other processes' builds do not preempt them. crypt is aes-xts-plain64 with a 512-bit key, 512-byte and
# 4096-byte sectors. A `zero` device ("null") shows what the export alone
# costs: no backing file, no crypto.
#
# With BEFORE=<bin dir of another build> a second udmd from that build serves
# the same devices on its own backing file, and the two take turns, so a
# before/after comparison sees the same load from other processes.
# Every (build, device, row) runs once per round for ROUNDS rounds (default
# 3), interleaved; the median is kept. Besides MB/s (wall clock, which other
# processes on the machine depress) each row records udmd's CPU time per MB
# (utime+stime of the daemon), and from it MB per udmd CPU-second: like
# `openssl speed`, which counts user CPU time, this rate does not move with the
# machine's load. fio's own CPU time (the client side of each copy) is added
# for "MB per CPU-second, udmd + fio". fio runs with --disk_util=0: with many
# block devices on the machine its start-up scan of /sys/block otherwise
# costs seconds of CPU per run (20 s wall with 10,000 entries). Prints tables
# and one JSON line.
#
# Also runs udm-bench-crypt (the crypto loop alone, CPU time) when built.
#
# Env: UDM_BIN (default <repo>/build/bin), BEFORE, BENCH_SIZE_MB (backing
# file, 256), NICE (default -15; empty: no renice), ROWS (a subset of the
# row names below, space separated), DEVS (subset of: bz bl bc bc4).
set -euo pipefail
secs=${1:-5}
rounds=${2:-3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${UDM_BIN:-$repo/build/bin}
before=${BEFORE:-}
for t in fio openssl python3; do
  command -v "$t" >/dev/null || { echo "run.sh: needs $t" >&2; exit 2; }
done
for b in "$bin" ${before:+"$before"}; do
  for t in udmd udmsetup; do [ -x "$b/$t" ] || { echo "run.sh: no $b/$t" >&2; exit 2; }; done
done
[ -e /dev/fuse ] || { echo "run.sh: needs /dev/fuse" >&2; exit 2; }

nice_level=${NICE--15}
prio=()
[ -n "$nice_level" ] && prio=(nice -n "$nice_level")
all_rows="write1m read1m read1m_qd8 write1m_qd8 randread4k nbd_write1m nbd_read1m nbd_read1m_qd8 nbd_write1m_qd8 nbd_randread4k"
rows_run=${ROWS:-$all_rows}
devs_run=${DEVS:-bz bl bc bc4}

tmp=$(mktemp -d /tmp/udm-bench-crypt.XXXXXX)
builds=(now)
[ -n "$before" ] && builds+=(before)
declare -A bindir=([now]=$bin [before]=$before) pid=()
cleanup() {
  set +e
  for b in "${builds[@]}"; do
    for d in bz bl bc bc4; do UDM_RUNDIR="$tmp/$b" "${bindir[$b]}/udmsetup" remove "$d" >/dev/null 2>&1; done
    [ -n "${pid[$b]:-}" ] && kill "${pid[$b]}" 2>/dev/null && wait "${pid[$b]}" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

mb=${BENCH_SIZE_MB:-256}
sectors=$((mb * 2048))
key=$(head -c 64 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
for b in "${builds[@]}"; do
  mkdir -p "$tmp/$b"
  "${prio[@]}" "${bindir[$b]}/udmd" --rundir "$tmp/$b" --foreground >"$tmp/udmd-$b.log" 2>&1 &
  pid[$b]=$!
  for _ in $(seq 100); do [ -S "$tmp/$b/control" ] && break; sleep 0.05; done
  fallocate -l "${mb}M" "$tmp/back-$b.img"
  u() { UDM_RUNDIR="$tmp/$b" "${bindir[$b]}/udmsetup" "$@"; }
  u create bz --table "0 $sectors zero"
  u create bl --table "0 $sectors linear $tmp/back-$b.img 0"
  u create bc --table "0 $sectors crypt aes-xts-plain64 $key 0 $tmp/back-$b.img 0"
  u create bc4 --table "0 $sectors crypt aes-xts-plain64 $key 0 $tmp/back-$b.img 0 1 sector_size:4096"
  # Fill once so reads are of real data.
  dd if=/dev/urandom of="$tmp/$b/dev/mapper/bl" bs=1M count="$mb" conv=fsync status=none
done
key=

# cpu PID: utime+stime of the process in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# run BUILD DEV ROW RW BS [ENGINE DEPTH]: appends "BUILD DEV ROW MB/s udmd-CPU-s MB fio-CPU-s ROUND" to
# results.
# ENGINE nbd: fio's nbd engine on the device's NBD export instead of its file.
run() {
  local b=$1 dev=$2 row=$3 rw=$4 bs=$5 engine=${6:-psync} depth=${7:-1} c0 c1 out target
  target=(--filename="$tmp/$b/dev/mapper/$dev" --direct=1)
  [ "$engine" = nbd ] && target=(--uri="nbd+unix:///$dev?socket=$tmp/$b/nbd.sock")
  c0=$(cpu "${pid[$b]}")
  out=$("${prio[@]}" fio --disk_util=0 --name=b --ioengine="$engine" "${target[@]}" --rw="$rw" --bs="$bs" \
    --iodepth="$depth" --size="${mb}M" --runtime="$secs" --time_based \
    --output-format=json 2>"$tmp/fio.err" | sed -n '/^{/,$p' |
    python3 -c "import json,sys; j=json.load(sys.stdin)['jobs'][0]
b=j['read']['io_bytes']+j['write']['io_bytes']
print(round((j['read']['bw_bytes']+j['write']['bw_bytes'])/1e6, 1), b/1e6, (j['usr_cpu']+j['sys_cpu'])/100*j['job_runtime']/1e3)")
  c1=$(cpu "${pid[$b]}")
  set -- $out
  echo "$b $dev $row $1 $(python3 -c "print(($c1 - $c0) / $(getconf CLK_TCK))") $2 $3 $round" >>"$tmp/results"
}

# openssl's rate moves with the machine's load as much as udm's (4,250 to
# 6,580 MB/s within one run here): it is measured next to each row of each
# round ("ROUND ROW MB/s" in $tmp/openssl), and a row's ratio to openssl is
# the median over the rounds of its rate over the openssl figure taken
# beside it.
ossl_row() {
  "${prio[@]}" openssl speed -evp aes-256-xts -seconds "$secs" -bytes 16384 -mr 2>/dev/null |
    awk -F: -v r="$1 $2" '/^\+F:/{printf "%s %.1f\n", r, $4/1e6}' >>"$tmp/openssl"
}
# ROW -> "RW BS ENGINE DEPTH"
declare -A spec=(
  [write1m]="write 1M psync 1" [read1m]="read 1M psync 1" [read1m_qd8]="read 1M libaio 8"
  [write1m_qd8]="write 1M libaio 8" [randread4k]="randread 4k psync 1"
  [nbd_write1m]="write 1M nbd 1" [nbd_read1m]="read 1M nbd 1" [nbd_read1m_qd8]="read 1M nbd 8"
  [nbd_write1m_qd8]="write 1M nbd 8" [nbd_randread4k]="randread 4k nbd 1")
for ((round = 0; round < rounds; round++)); do
  for row in $rows_run; do
    ossl_row "$round" "$row"
    for b in "${builds[@]}"; do
      for dev in $devs_run; do
        # shellcheck disable=SC2086
        run "$b" "$dev" "$row" ${spec[$row]}
      done
    done
  done
done

micro=
for b in "${builds[@]}"; do
  if [ -x "${bindir[$b]}/udm-bench-crypt" ]; then
    micro+="${micro:+,}\"$b\":$("${prio[@]}" "${bindir[$b]}/udm-bench-crypt" 2)"
  fi
done

python3 - "$tmp/results" "$tmp/openssl" "$secs" "$rounds" "$(cut -d' ' -f1 /proc/loadavg)" "{$micro}" <<'EOF'
import json, statistics, sys
path, ossl_path, secs, rounds, load, micro = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
ossl_at = {}
for line in open(ossl_path):
    rnd, row, rate = line.split()
    ossl_at[(rnd, row)] = float(rate)
ossl_all = list(ossl_at.values())
ossl = statistics.median(ossl_all)
runs = {}
for line in open(path):
    b, dev, row, rate, cpu, mbytes, fio_cpu, rnd = line.split()
    runs.setdefault((b, dev, row), []).append((float(rate), float(cpu), float(mbytes), float(fio_cpu),
                                               ossl_at.get((rnd, row), 0.0)))
out = {"seconds": secs, "rounds": rounds, "openssl_aes256xts_1core_MBps": ossl,
       "openssl_MBps_by_round_and_row": {f"{r}.{row}": v for (r, row), v in sorted(ossl_at.items())},
       "openssl_min_MBps": min(ossl_all), "openssl_max_MBps": max(ossl_all), "load_avg": float(load),
       "crypto_loop": json.loads(micro)}
names = {"bz": "null", "bl": "linear", "bc": "crypt512", "bc4": "crypt4096"}
order = ["read1m", "write1m", "read1m_qd8", "write1m_qd8", "randread4k",
         "nbd_read1m", "nbd_write1m", "nbd_read1m_qd8", "nbd_write1m_qd8", "nbd_randread4k"]
rows = [r for r in order if any(k[2] == r for k in runs)]
names = {d: n for d, n in names.items() if any(k[1] == d for k in runs)}
for b in sorted({k[0] for k in runs}, key=lambda x: x != "now"):
    print(f"== {b}: median of {rounds}; MB/s wall | MB per udmd CPU-second | MB per CPU-second of udmd + fio"
          f" | ratio to openssl beside it (openssl {ossl:.0f} MB/s per CPU-second, median;"
          f" {min(ossl_all):.0f}-{max(ossl_all):.0f})")
    print(f"{'':16}" + "".join(f"{names[d]:>36}" for d in names))
    for row in rows:
        cells = []
        for dev in names:
            r = runs.get((b, dev, row), [])
            if not r:
                cells.append("-")
                continue
            wall = statistics.median(x[0] for x in r)
            per_cpu = statistics.median(x[2] / x[1] if x[1] else 0 for x in r)
            per_all = statistics.median(x[2] / (x[1] + x[3]) if x[1] + x[3] else 0 for x in r)
            # Each round's rate over the openssl figure measured beside it.
            paired = statistics.median(x[0] / x[4] if x[4] else 0 for x in r)
            paired_cpu = statistics.median(x[2] / x[1] / x[4] if x[1] and x[4] else 0 for x in r)
            out[f"{b}.{dev}.{row}.vs_openssl"] = round(paired, 3)
            out[f"{b}.{dev}.{row}.vs_openssl_per_cpu"] = round(paired_cpu, 3)
            out[f"{b}.{dev}.{row}"] = wall
            out[f"{b}.{dev}.{row}.MB_per_cpu_s"] = round(per_cpu, 1)
            out[f"{b}.{dev}.{row}.MB_per_cpu_s_with_fio"] = round(per_all, 1)
            cells.append(f"{wall:6.0f} |{per_cpu:6.0f} |{per_all:6.0f} |{paired:6.2f}")
        print(f"{row:16}" + "".join(f"{c:>36}" for c in cells))
    for dev in [d for d in ("bc", "bc4") if d in names]:
        for row in rows:
            if f"{b}.{dev}.{row}" not in out:
                continue
            lin = out.get(f"{b}.bl.{row}", 0)
            out[f"{b}.ratio_{names[dev]}_vs_linear.{row}"] = round(out[f"{b}.{dev}.{row}"] / lin, 3) if lin else 0
print(json.dumps(out))
EOF

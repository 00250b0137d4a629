#!/bin/bash
# raid1 (2 legs) against linear through the real udmd, over NBD with fio:
# 4 KiB random read and write at QD32 and 1 MiB sequential write at QD8,
# interleaved rounds, medians, ratios raid1/linear. Devices per udmd:
#   lin    linear over a file
#   r1     raid1 over two files (nosync), metadata files with the bitmap
#   r1one  the same raid1 with its second leg missing: the raid path's own
#          cost without the second copy of each write
#   lvlin, lvr1  `ulvm lvcreate` linear and `ulvm lvcreate --type raid1 -m1
#          --nosync` LVs of one VG over two PV files (raid over its sub-LVs)
# Then, per round, the resync of a new raid1 set (source leg full of data)
# against a raw copy of that leg by dd (1 MiB blocks) both through the page
# cache (what the resync does) and with O_DIRECT.
# Besides IOPS it reports udmd's CPU time per I/O (user+system of the
# daemon over the run / I/Os), steadier than IOPS on a loaded machine.
#
#   bench/raid/run.sh [BUILD_DIR [BASE_BUILD_DIR]]
# With BASE_BUILD_DIR, a second udmd from that build gets the same devices
# on its own files, and every round runs both builds one after the other
# (before/after in one run). Environment: SIZE (MiB per leg, 512), RUNTIME
# (s per fio run, 8), ROUNDS (3), WORK (scratch, /tmp/udm-raid-bench), OUT
# (JSON, $WORK/results.json), DEVS (default "lin r1 r1one lvlin lvr1"),
# NICE (priority of udmd, fio and dd when run as root, -15: builds of a
# shared machine then do not preempt the measured processes).
# Not a test: numbers depend on the machine's load.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILDS=("${1:-$ROOT/build}")
[ -n "${2:-}" ] && BUILDS+=("$2")
SIZE=${SIZE:-512}
RUNTIME=${RUNTIME:-8}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-/tmp/udm-raid-bench}
OUT=${OUT:-$WORK/results.json}
read -r -a DEVS <<<"${DEVS:-lin r1 r1one lvlin lvr1}"
PRIO=()
[ "$(id -u)" == 0 ] && PRIO=(nice -n "${NICE:--15}")
for t in fio python3 dd; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }; done
for b in "${BUILDS[@]}"; do
  for t in udmd udmsetup ulvm; do [ -x "$b/bin/$t" ] || { echo "needs $b/bin/$t" >&2; exit 1; }; done
done
export UDM_NO_AUTOSTART=1 LVM_SUPPRESS_FD_WARNINGS=1

TAGS=(new base)
PIDS=()
cleanup() {
  set +e
  for k in "${!PIDS[@]}"; do
    tool "$k" udmsetup remove_all >/dev/null 2>&1
    kill "${PIDS[$k]}" 2>/dev/null
    wait "${PIDS[$k]}" 2>/dev/null
  done
}
trap cleanup EXIT
# tool K CMD...: CMD of build K against its own udmd and VG.
tool() {
  local k=$1 w="$WORK/${TAGS[$1]}"
  shift
  PATH="${BUILDS[$k]}/bin:$PATH" UDM_RUNDIR="$w/run" UDM_LVM_CONFDIR="$w/conf" UDM_LVM_CONFIG="$w/lvm.conf" "$@"
}
fill() { dd if=/dev/zero of="$1" bs=1M count="$2" conv=notrunc status=none; }

SECTORS=$((SIZE * 2048))
mkdir -p "$WORK"
# One source leg of data for the resync runs, copied per build.
if [ ! -f "$WORK/src.img" ] || [ "$(stat -c %s "$WORK/src.img")" != $((SIZE << 20)) ]; then
  head -c $((SIZE << 20)) /dev/urandom >"$WORK/src.img"
fi
for k in "${!BUILDS[@]}"; do
  w="$WORK/${TAGS[$k]}"
  rm -rf "$w"
  mkdir -p "$w/run" "$w/conf"
  # Allocated files, so writes and reads hit data rather than holes.
  for f in lin d0 d1; do fill "$w/$f.img" "$SIZE"; done
  for f in m0 m1 m2; do truncate -s 4M "$w/$f.img"; done
  for f in p0 p1; do fill "$w/$f.img" $((SIZE * 2 + 64)); done
  echo "devices = $w/p0.img,$w/p1.img" >"$w/lvm.conf"
  "${PRIO[@]}" "${BUILDS[$k]}/bin/udmd" --rundir "$w/run" --foreground --no-fuse >"$w/udmd.log" 2>&1 &
  PIDS[k]=$!
  for i in $(seq 300); do [ -S "$w/run/nbd.sock" ] && [ -S "$w/run/control" ] && break; sleep 0.1; done
  tool "$k" udmsetup create lin --table "0 $SECTORS linear $w/lin.img 0"
  tool "$k" udmsetup create r1 --table "0 $SECTORS raid raid1 2 0 nosync 2 $w/m0.img $w/d0.img $w/m1.img $w/d1.img"
  tool "$k" udmsetup create r1one --table "0 $SECTORS raid raid1 2 0 nosync 2 $w/m2.img $w/d0.img - -"
  tool "$k" ulvm vgcreate bench "$w/p0.img" "$w/p1.img" >/dev/null
  tool "$k" ulvm lvcreate -y -L "${SIZE}M" -n lvlin bench "$w/p0.img" >/dev/null
  tool "$k" ulvm lvcreate -y --type raid1 -m 1 --nosync -L "${SIZE}M" -n lvr1 bench >/dev/null 2>&1
done
devname() { case $1 in lv*) echo "bench-$1" ;; *) echo "$1" ;; esac; }

# Every run starts from a settled page cache: the build's files written back
# first (fsync, untimed), so no row pays for the writeback of the rows
# before it. Without that the device run second in a pair paid for the
# first's dirty pages: with lin first the 1 MiB write ratio came out 0.65
# and 0.47, with r1 first 1.26, in one run of three rounds.
# The page cache's state then decides what a 4 KiB buffered write costs the
# kernel: into a large folio (files just written by 1 MiB writes, as a dd
# fill leaves them) several times more CPU than into a page of its own.
# Likewise a 1 MiB write into pages a 4 KiB row left as small folios costs
# far more than into new ones (the same device measured 2,600 and 1,500
# IOPS by its place in the order). So the write rows set the state first:
#   "-warm": files dropped from the page cache, then read once (what a
#            device whose data was read before holds: readahead's large
#            folios);
#   "-cold": files dropped from the page cache, as fio's invalidate=1 does
#            for a file it writes.
WORKLOADS=("randread 4k 32" "randwrite-warm 4k 32" "randwrite-cold 4k 32" "write-cold 1m 8")
prepare() {  # K STATE: every file of build K written back; STATE cold/warm as above
  python3 -c "
import glob, os, sys
for f in glob.glob(sys.argv[1] + '/*.img'):
    fd = os.open(f, os.O_RDONLY)
    os.fsync(fd)
    if sys.argv[2] in ('cold', 'warm'):
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    if sys.argv[2] == 'warm':
        while os.read(fd, 1 << 20):
            pass
    os.close(fd)" "$WORK/${TAGS[$1]}" "$2"
}
declare -A IOPS CPU
run_fio() {  # K dev rw bs depth -> "IOPS cpu_us_per_io"
  local k=$1 w="$WORK/${TAGS[$1]}" pid=${PIDS[$1]} rw=$3 state=settled t0 t1 out
  case $rw in *-cold | *-warm) state=${rw##*-} rw=${rw%-*} ;; esac
  prepare "$k" "$state"
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$("${PRIO[@]}" fio --name=b --ioengine=nbd --uri="nbd+unix:///$(devname "$2")?socket=$w/run/nbd.sock" --rw="$rw" --bs="$4" \
    --iodepth="$5" --size="${SIZE}M" --time_based --runtime="$RUNTIME" --output-format=json 2>/dev/null)
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "$out" | python3 -c "
import json, os, sys
t = sys.stdin.read()  # fio's nbd engine prints a line before the JSON
j = json.loads(t[t.index('{'):])['jobs'][0]
ios = j['read']['total_ios'] + j['write']['total_ios']
ticks = ($t1 - $t0) / os.sysconf('SC_CLK_TCK')
print(j['read']['iops'] + j['write']['iops'], ticks * 1e6 / max(ios, 1))"
}
declare -A RESYNC RAWBUF RAWDIRECT
resync_round() {  # K: a new set from src, timed to idle; then dd of the same leg
  local k=$1 w="$WORK/${TAGS[$1]}" start s
  rm -f "$w/s0.img" "$w/s1.img" "$w/n0.img" "$w/n1.img" "$w/raw.img"
  cp "$WORK/src.img" "$w/s0.img"
  truncate -s "${SIZE}M" "$w/s1.img" "$w/raw.img"
  truncate -s 4M "$w/n0.img" "$w/n1.img"
  start=$(date +%s.%N)
  tool "$k" udmsetup create rs --table "0 $SECTORS raid raid1 1 0 2 $w/n0.img $w/s0.img $w/n1.img $w/s1.img"
  until tool "$k" udmsetup status rs | grep -q " idle "; do sleep 0.02; done
  s=$(python3 -c "import time; print($SIZE / (time.time() - $start))")
  tool "$k" udmsetup remove rs
  cmp -s "$w/s0.img" "$w/s1.img" || { echo "resync of build ${TAGS[$k]}: legs differ" >&2; exit 1; }
  RESYNC[$k]+="$s "
  start=$(date +%s.%N)
  "${PRIO[@]}" dd if="$w/s0.img" of="$w/raw.img" bs=1M conv=notrunc status=none
  RAWBUF[$k]+="$(python3 -c "import time; print($SIZE / (time.time() - $start))") "
  rm -f "$w/raw.img"
  truncate -s "${SIZE}M" "$w/raw.img"
  start=$(date +%s.%N)
  "${PRIO[@]}" dd if="$w/s0.img" of="$w/raw.img" bs=1M iflag=direct oflag=direct conv=notrunc status=none
  RAWDIRECT[$k]+="$(python3 -c "import time; print($SIZE / (time.time() - $start))") "
  echo "round: build ${TAGS[$k]} resync ${s%.*} MiB/s" >&2
}

for ((round = 0; round < ROUNDS; round++)); do
  builds=("${!BUILDS[@]}")
  ((round % 2)) && builds=($(printf '%s\n' "${builds[@]}" | tac))
  for w in "${WORKLOADS[@]}"; do
    read -r rw bs depth <<<"$w"
    for k in "${builds[@]}"; do
      order=("${DEVS[@]}")
      ((round % 2)) && order=($(printf '%s\n' "${order[@]}" | tac))
      for dev in "${order[@]}"; do
        read -r iops cpu < <(run_fio "$k" "$dev" "$rw" "$bs" "$depth")
        IOPS["$k $dev $w"]+="$iops "
        CPU["$k $dev $w"]+="$cpu "
        printf 'round %d build %s %-6s %-16s %8.0f IOPS %7.1f us/IO\n' "$round" "${TAGS[$k]}" "$dev" "$w" "$iops" "$cpu" >&2
      done
    done
  done
  for k in "${builds[@]}"; do resync_round "$k"; done
done

{
  for key in "${!IOPS[@]}"; do echo "iops|$key|${IOPS[$key]}"; echo "cpu|$key|${CPU[$key]}"; done
  for k in "${!BUILDS[@]}"; do
    echo "resync|$k|${RESYNC[$k]}"; echo "rawbuf|$k|${RAWBUF[$k]}"; echo "rawdirect|$k|${RAWDIRECT[$k]}"
  done
} | python3 -c "
import json, statistics, sys
size, out, tags, builds, devs = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(), sys.argv[4].split('|'), sys.argv[5].split()
workloads = sys.argv[6].split('|')
med, series = {}, {}
for line in sys.stdin:
    kind, key, vals = line.rstrip('\n').split('|')
    series[(kind, key)] = [float(v) for v in vals.split()]
    med[(kind, key)] = statistics.median(series[(kind, key)])
res = {'size_mib': size, 'builds': {}}
for k, tag in enumerate(tags[:len(builds)]):
    b = {'build': builds[k], 'workloads': {}}
    for w in workloads:
        row = {}
        for d in devs:
            iops, us = med[('iops', f'{k} {d} {w}')], med[('cpu', f'{k} {d} {w}')]
            bs = (1 << 20) if ' 1m ' in w else 4096
            # udmd CPU per MiB moved, beside MiB/s: steadier on a loaded machine.
            row[d] = {'iops': round(iops), 'mib_s': round(iops * bs / (1 << 20), 1), 'udmd_us_per_io': round(us, 1),
                      'udmd_ms_per_mib': round(us * (1 << 20) / bs / 1000, 2)}
        for d, base in (('r1', 'lin'), ('r1one', 'lin'), ('lvr1', 'lvlin')):
            if d in row and base in row:
                row[d + '/' + base] = round(row[d]['iops'] / row[base]['iops'], 3)
                # Paired: the two devices run back to back in each round, so
                # the median of the rounds' own ratios moves less with the
                # machine's load than the ratio of two medians.
                pairs = zip(series[('iops', f'{k} {d} {w}')], series[('iops', f'{k} {base} {w}')])
                row[d + '/' + base + '_paired'] = round(statistics.median(a / b for a, b in pairs), 3)
        b['workloads'][w] = row
    rs, rb, rd = med[('resync', str(k))], med[('rawbuf', str(k))], med[('rawdirect', str(k))]
    b['resync_mib_s'] = round(rs, 1)
    b['raw_copy_buffered_mib_s'] = round(rb, 1)
    b['raw_copy_direct_mib_s'] = round(rd, 1)
    b['resync/raw_buffered'] = round(rs / rb, 3)
    b['resync/raw_direct'] = round(rs / rd, 3)
    res['builds'][tag] = b
print(json.dumps(res, indent=1))
json.dump(res, open(out, 'w'), indent=1)
# The same as a table: MiB/s and (udmd CPU ms per MiB) per device, ratios.
# Ratios: of the medians, and [the median of each round's own ratio].
print('| workload | build | ' + ' | '.join(devs) + ' | r1/lin | lvr1/lvlin |')
print('|---|---|' + '---|' * (len(devs) + 2))
for w in workloads:
    for tag, b in res['builds'].items():
        row = b['workloads'][w]
        cells = ['%s (%s)' % (row[d]['mib_s'], row[d]['udmd_ms_per_mib']) for d in devs]
        ratios = ['%s [%s]' % (row[x], row[x + '_paired']) if x in row else '' for x in ('r1/lin', 'lvr1/lvlin')]
        print('| %s | %s | %s | %s |' % (w, tag, ' | '.join(cells), ' | '.join(ratios)))
for tag, b in res['builds'].items():
    print('resync %s: %s MiB/s, dd buffered %s, dd direct %s' % (tag, b['resync_mib_s'], b['raw_copy_buffered_mib_s'], b['raw_copy_direct_mib_s']))
" "$SIZE" "$OUT" "${TAGS[*]}" "$(IFS='|'; echo "${BUILDS[*]}")" "${DEVS[*]}" "$(IFS='|'; echo "${WORKLOADS[*]}")"

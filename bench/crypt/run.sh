#!/usr/bin/env bash
# bench/crypt/run.sh [SECONDS] [ROUNDS]
#
# crypt through the real udmd against two baselines measured in the same run:
#   - `openssl speed -evp aes-256-xts` (16 KiB blocks, one core): the most
#     one core can encrypt, and
#   - a linear device on the same backing file (udm without crypto).
# fio (psync, O_DIRECT, queue depth 1; and libaio queue depth 8 for 1 MiB) on
# the devices' FUSE files: 1 MiB sequential read and write, 4 KiB random read.
# crypt is aes-xts-plain64 with a 512-bit key, 512-byte and 4096-byte sectors.
# The devices take turns for ROUNDS rounds (default 3) and each keeps its
# best rate, so load from other processes hits all of them alike.
# Prints a table and one JSON line of rates (MB/s) and ratios.
#
# Env: UDM_BIN (default <repo>/build/bin), BENCH_SIZE_MB (backing file, 256).
set -euo pipefail
secs=${1:-5}
rounds=${2:-3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${UDM_BIN:-$repo/build/bin}
export PATH="$bin:$PATH"
for t in udmd udmsetup fio openssl python3; do
  command -v "$t" >/dev/null || { echo "run.sh: needs $t" >&2; exit 2; }
done
[ -e /dev/fuse ] || { echo "run.sh: needs /dev/fuse" >&2; exit 2; }

tmp=$(mktemp -d /tmp/udm-bench-crypt.XXXXXX)
export UDM_RUNDIR="$tmp/run"
mkdir -p "$UDM_RUNDIR"
pid=
cleanup() {
  set +e
  for d in bl bc bc4; do udmsetup remove "$d" >/dev/null 2>&1; done
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

udmd --rundir "$UDM_RUNDIR" --foreground >"$tmp/udmd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$UDM_RUNDIR/control" ] && break; sleep 0.05; done

mb=${BENCH_SIZE_MB:-256}
sectors=$((mb * 2048))
fallocate -l "${mb}M" "$tmp/back.img"
key=$(head -c 64 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
udmsetup create bl --table "0 $sectors linear $tmp/back.img 0"
udmsetup create bc --table "0 $sectors crypt aes-xts-plain64 $key 0 $tmp/back.img 0"
udmsetup create bc4 --table "0 $sectors crypt aes-xts-plain64 $key 0 $tmp/back.img 0 1 sector_size:4096"
key=

# fio_rate DEV RW BS [ENGINE DEPTH]: MB/s
fio_rate() {
  local dev=$1 rw=$2 bs=$3 engine=${4:-psync} depth=${5:-1}
  fio --name=b --filename="$UDM_RUNDIR/dev/mapper/$dev" --rw="$rw" --bs="$bs" --direct=1 \
    --ioengine="$engine" --iodepth="$depth" --size="${mb}M" --runtime="$secs" --time_based \
    --output-format=json 2>/dev/null |
    python3 -c "import json,sys; j=json.load(sys.stdin)['jobs'][0]; print(round((j['read']['bw_bytes']+j['write']['bw_bytes'])/1e6, 1))"
}

ossl=$(openssl speed -evp aes-256-xts -seconds "$secs" -bytes 16384 -mr 2>/dev/null |
       awk -F: '/^\+F:/{printf "%.1f", $4/1e6}')
declare -A r
# keep KEY RATE: the best rate seen for KEY.
keep() { r[$1]=$(python3 -c "print(max(${r[$1]:-0}, $2))"); }
# Fill once so reads are of real data.
dd if=/dev/urandom of="$UDM_RUNDIR/dev/mapper/bl" bs=1M count="$mb" conv=fsync status=none
for ((round = 0; round < rounds; round++)); do
  for dev in bl bc bc4; do
    keep "$dev.write1m" "$(fio_rate "$dev" write 1M)"
    keep "$dev.read1m" "$(fio_rate "$dev" read 1M)"
    keep "$dev.read1m_qd8" "$(fio_rate "$dev" read 1M libaio 8)"
    keep "$dev.randread4k" "$(fio_rate "$dev" randread 4k)"
  done
done

ratio() { python3 -c "print(round($1 / $2, 3) if $2 else 0)"; }
printf '%-22s %10s %10s %10s %10s\n' "MB/s" linear crypt512 crypt4096 openssl
for k in read1m write1m read1m_qd8 randread4k; do
  printf '%-22s %10s %10s %10s %10s\n' "$k" "${r[bl.$k]}" "${r[bc.$k]}" "${r[bc4.$k]}" "$ossl"
done
load=$(cut -d' ' -f1 /proc/loadavg)
json="{\"seconds\":$secs,\"rounds\":$rounds,\"openssl_aes256xts_1core_MBps\":$ossl,\"load_avg\":$load"
for k in read1m write1m read1m_qd8 randread4k; do
  for dev in bl bc bc4; do json+=",\"$dev.$k\":${r[$dev.$k]}"; done
  json+=",\"ratio_crypt512_vs_linear.$k\":$(ratio "${r[bc.$k]}" "${r[bl.$k]}")"
  json+=",\"ratio_crypt4096_vs_linear.$k\":$(ratio "${r[bc4.$k]}" "${r[bl.$k]}")"
done
for k in read1m write1m read1m_qd8; do
  json+=",\"ratio_crypt512_vs_openssl.$k\":$(ratio "${r[bc.$k]}" "$ossl")"
  json+=",\"ratio_crypt4096_vs_openssl.$k\":$(ratio "${r[bc4.$k]}" "$ossl")"
done
echo "$json}"

#!/bin/bash
# 20 rounds of kill -9 of udmd at a random moment while one loop creates,
# loads, suspends, resumes, clears and removes devices and another writes
# through NBD (qemu-io: write, then flush). After each restart every device
# the last completed command left is back with its tables and suspended
# state (the command in flight at the kill may or may not have happened),
# and every write whose flush completed reads back, from the file and
# through NBD. ROUNDS=N overrides the number of rounds.
. "$UDM_E2E_LIB"
requires udmd udmsetup qemu-io python3
export UDM_NO_AUTOSTART=1

ROUNDS=${ROUNDS:-20}
SOCK=$UDM_RUNDIR/nbd.sock
DATA=$E2E_TMP/data.img
BLK=4096
sparse_file "$DATA" 64M
sparse_file "$E2E_TMP/small.img" 1M
MODEL=$E2E_TMP/model        # name|live|inactive|suspended, one device a line, sorted
PENDING=$E2E_TMP/pending    # PENDING.N: the model if the command in flight completed
                            # (udmsetup create --table is three commands: each step)
WRITTEN=$E2E_TMP/written    # "slot pattern" of every write whose flush completed
STOP=$E2E_TMP/stop
: >"$MODEL"
: >"$WRITTEN"
: >"$E2E_TMP/commands"
echo 0 >"$E2E_TMP/slot"

TABLES=("0 8 zero" "0 16 zero" "0 32 error" "0 64 linear $E2E_TMP/small.img 8" "0 8 zero
8 8 error")

# actual: the model as udmd shows it (the data device left out). With no
# device besides data, grep selects nothing and fails: that is an empty model,
# not an error (pipefail would end the test without a word).
actual() {
  local name live inactive attr
  udmsetup ls | cut -f1 | { grep -vx data || true; } | sort | while read -r name; do
    [ "$name" = "No devices found" ] && continue
    live=$(udmsetup table "$name" | sed 's/ *$//' | paste -sd ';')
    inactive=$(udmsetup table --inactive "$name" | sed 's/ *$//' | paste -sd ';')
    attr=$(udmsetup info -c --noheadings -o attr "$name" | tr -d ' ')
    echo "$name|$live|$inactive|${attr:2:1}"
  done
}

# churn: random commands on c0..c3 until $STOP or until udmd dies.
churn() {
  local -A live inactive susp
  local n l i s name t op
  while IFS='|' read -r n l i s; do live[$n]=$l; inactive[$n]=$i; susp[$n]=$s; done <"$MODEL"
  render() {
    for n in "${!live[@]}"; do echo "$n|${live[$n]}|${inactive[$n]}|${susp[$n]}"; done | sort
  }
  while [ ! -e "$STOP" ]; do
    name=c$((RANDOM % 4))
    t=${TABLES[RANDOM % ${#TABLES[@]}]}
    local -A nl=() ni=() ns=()
    for n in "${!live[@]}"; do nl[$n]=${live[$n]}; ni[$n]=${inactive[$n]}; ns[$n]=${susp[$n]}; done
    if [ -z "${live[$name]+x}" ]; then
      op=(create "$name" --table "$t"); nl[$name]=$(sed 's/ *$//' <<<"$t" | paste -sd ';'); ni[$name]=""; ns[$name]=-
    else
      case $((RANDOM % 6)) in
        0) op=(load "$name" --table "$t"); ni[$name]=$(paste -sd ';' <<<"$t") ;;
        1) op=(suspend "$name"); ns[$name]=s ;;
        2|3) op=(resume "$name"); ns[$name]=-
           if [ -n "${inactive[$name]}" ]; then nl[$name]=${inactive[$name]}; ni[$name]=""; fi ;;
        4) op=(clear "$name"); ni[$name]="" ;;
        5) op=(remove "$name"); unset "nl[$name]" "ni[$name]" "ns[$name]" ;;
      esac
    fi
    rm -f "$PENDING".*
    for n in "${!nl[@]}"; do echo "$n|${nl[$n]}|${ni[$n]}|${ns[$n]}"; done | sort >"$PENDING.0"
    if [ "${op[0]}" = create ]; then   # created without a table; table loaded, not resumed
      { render; echo "$name|||-"; } | sort >"$PENDING.1"
      { render; echo "$name||${nl[$name]}|-"; } | sort >"$PENDING.2"
    fi
    udmsetup "${op[@]}" >/dev/null 2>&1 || return 0   # udmd died under the command
    live=(); inactive=(); susp=()
    for n in "${!nl[@]}"; do live[$n]=${nl[$n]}; inactive[$n]=${ni[$n]}; susp[$n]=${ns[$n]}; done
    cp "$PENDING.0" "$MODEL.tmp" && mv "$MODEL.tmp" "$MODEL"
    echo >>"$E2E_TMP/commands"
    rm -f "$PENDING".*
  done
}

# writer: one 4 KiB block a write, never the same block twice, each flushed.
writer() {
  local slot pattern
  slot=$(cat "$E2E_TMP/slot")
  while [ ! -e "$STOP" ]; do
    pattern=$(( slot % 251 + 1 ))
    if qemu-io -f raw -c "write -P $pattern $((slot * BLK)) $BLK" -c flush \
         "nbd+unix:///data?socket=$SOCK" >/dev/null 2>&1; then
      echo "$slot $pattern" >>"$WRITTEN"
      slot=$((slot + 1))
      echo "$slot" >"$E2E_TMP/slot"
    else
      sleep 0.02
    fi
  done
}

check_data() {
  python3 - "$DATA" "$WRITTEN" "$BLK" <<'PY' || fail "round $1: flushed writes lost"
import sys
data = open(sys.argv[1], "rb").read()
blk = int(sys.argv[3])
bad = 0
for line in open(sys.argv[2]):
    slot, pattern = map(int, line.split())
    if data[slot * blk:(slot + 1) * blk] != bytes([pattern]) * blk:
        bad += 1
        print(f"slot {slot}: pattern {pattern} not there", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
  local last
  last=$(tail -1 "$WRITTEN")
  if [ -n "$last" ]; then
    set -- $last
    qemu-io -f raw -c "read -P $2 $(($1 * BLK)) $BLK" "nbd+unix:///data?socket=$SOCK" >/dev/null ||
      fail "last flushed write (slot $1) does not read back through NBD"
  fi
}

start_daemon --no-fuse
udmsetup create data --table "0 131072 linear $DATA 0"
total_writes=0
for ((round=1; round<=ROUNDS; round++)); do
  rm -f "$STOP" "$PENDING".*
  churn &
  churn_pid=$!
  writer &
  writer_pid=$!
  sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
  kill -KILL "$UDMD_PID"
  wait "$UDMD_PID" 2>/dev/null || true
  UDMD_PID=
  touch "$STOP"
  wait "$churn_pid" "$writer_pid"

  start_daemon --no-fuse
  got=$(actual)
  want=$(cat "$MODEL")
  if [ "$got" != "$want" ]; then
    matched=
    for p in "$PENDING".*; do
      [ -e "$p" ] && [ "$got" == "$(cat "$p")" ] && matched=$p
    done
    [ -n "$matched" ] || fail "round $round: devices differ from the last completed command
--- expected
$want
--- in flight
$(cat "$PENDING".* 2>/dev/null)
--- got
$got"
    # The command in flight had been done (or begun) and recorded before the kill.
    cp "$matched" "$MODEL"
  fi
  expect_eq "$(udmsetup table data)" "0 131072 linear $DATA 0" "round $round: data device"
  check_data "$round"
done
echo "PASS: $ROUNDS rounds, $(wc -l <"$E2E_TMP/commands") commands completed, $(wc -l <"$WRITTEN") flushed writes checked, last model:"
cat "$MODEL"

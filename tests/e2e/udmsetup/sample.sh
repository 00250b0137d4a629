#!/bin/bash
# Replays the session of shared/specs/evidence/real-dmsetup-output.txt (real
# dmsetup 1.02.185) with udmsetup and compares every byte, except the
# Library version line (udm's own) and `targets` (udmd registers more types).
. "$(dirname "$0")/common.sh"
start_daemon --no-fuse --no-nbd
sample="$UDM_SOURCE/../shared/specs/evidence/real-dmsetup-output.txt"
[ -f "$sample" ] || sample=/work/shared/specs/evidence/real-dmsetup-output.txt
[ -f "$sample" ] || { echo "SKIP: no evidence file"; exit 77; }

# The sample's y is linear over 7:0; udmd opens what a table names, so y
# sits on a loop device of ours and the sample is read with its numbers.
requires losetup
sparse_file "$E2E_TMP/backing.img" 1M
loop=$(attach_loop "$E2E_TMP/backing.img")
loop_devno=$(printf '%d:%d' "0x$(stat -c %t "$loop")" "0x$(stat -c %T "$loop")")

got="$E2E_TMP/got.txt"
: >"$got"
run() {
  echo "\$ dmsetup ${*//$loop_devno/7:0}" >>"$got"
  udmsetup "$@" >>"$got"
}
run version
run targets
run ls
run create x --table "0 8 zero"
run create y -u DEMO-uuid --table "0 16 linear $loop_devno 0"
run ls
run info x
run info -c
run table
run status
run suspend y
run info -c y
run remove x
run remove y
run ls

# Drop what legitimately differs: the library line and the targets list.
filter() {
  sed -e 's/^Library version:.*$/Library version: X/' -e "s/ $loop_devno 0\$/ 7:0 0/" |
    awk '/^\$ dmsetup targets$/{print; skip=1; next} /^\$ /{skip=0} !skip'
}
diff <(filter <"$sample") <(filter <"$got") || fail "udmsetup output differs from real dmsetup's sample"
grep -q "^Library version:   0.1.0 (" "$got" || fail "library version line layout"
for t in linear striped zero error; do
  grep -Eq "^$t +v[0-9]+\.[0-9]+\.[0-9]+$" "$got" || fail "targets lacks $t"
done
echo "sample: identical to real dmsetup 1.02.185"

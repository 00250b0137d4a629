# ulvm vgck reports what real lvm2's vgck reports, on the same bytes: the VG
# (two PVs on loop devices, real lvm2 and ulvm both reading them) is damaged
# one way at a time and both vgcks run on it. Their exit codes and their
# stderr lines must be the same (lvm2 2.03 words: "wrong checksum ... in mda
# header", "Checksum error on ...", "ignoring metadata seqno ...", "Couldn't
# find device with uuid ..."). After ulvm vgck --updatemetadata both are clean.
. "$(dirname "$0")/common.sh"
requires lvm losetup python3
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
sparse_file "$E2E_TMP/a.img" 64M; sparse_file "$E2E_TMP/b.img" 64M
A=$(attach_loop "$E2E_TMP/a.img"); B=$(attach_loop "$E2E_TMP/b.img")
VG=vgck$$
CFG=$(lvm_cfg "$A" "$B")
CFG_A=$(lvm_cfg "$A")
L() { lvm "$@" --config "$CFG" 2>"$E2E_TMP/lvm.err" >/dev/null || fail "lvm $*: $(cat "$E2E_TMP/lvm.err")"; }
L pvcreate -q "$A" "$B"
L vgcreate -q "$VG" "$A" "$B"
L lvcreate -q -an -Zn -Wn -L 8M -n one "$VG"
ulvm lvcreate -an -L 4M -n two "$VG" --devices "$A,$B" >/dev/null 2>&1 || fail "ulvm lvcreate"

# vgcks WHAT [lvm-config [ulvm-devices]]: both vgcks on the VG; sets RC_LVM,
# RC_ULVM and the stderr files (lvm's "Activation disabled" line dropped).
vgcks() {
  local cfg=${2:-$CFG} devs=${3:-$A,$B}
  RC_LVM=0; RC_ULVM=0
  lvm vgck "$VG" --config "$cfg" 2>"$E2E_TMP/lvm.raw" >/dev/null || RC_LVM=$?
  grep -v "WARNING: Activation disabled" "$E2E_TMP/lvm.raw" >"$E2E_TMP/lvm.out" || true
  ulvm vgck "$VG" --devices "$devs" 2>"$E2E_TMP/ulvm.out" >/dev/null || RC_ULVM=$?
}
# same WHAT ...: both vgcks print the same lines and exit the same.
same() {
  vgcks "$@"
  [ "$RC_LVM" == "$RC_ULVM" ] || fail "$1: lvm2 vgck exit $RC_LVM, ulvm vgck exit $RC_ULVM
lvm2: $(cat "$E2E_TMP/lvm.out")
ulvm: $(cat "$E2E_TMP/ulvm.out")"
  diff "$E2E_TMP/lvm.out" "$E2E_TMP/ulvm.out" >"$E2E_TMP/diff" || fail "$1: vgck output differs (lvm2 <, ulvm >):
$(cat "$E2E_TMP/diff")"
  echo "$1: exit $RC_LVM, $(wc -l <"$E2E_TMP/lvm.out") lines, same"
}
# same_scan WHAT [lvm-config [ulvm-devices]]: other commands' scans print the
# same lines too (vgs VG, lvs without a VG).
same_scan() {
  local cfg=${2:-$CFG} devs=${3:-$A,$B} cmd
  for cmd in "vgs $VG" "lvs"; do
    lvm $cmd --config "$cfg" 2>&1 >/dev/null | grep -v "WARNING: Activation disabled" >"$E2E_TMP/lvm.scan" || true
    ulvm $cmd --devices "$devs" 2>"$E2E_TMP/ulvm.scan" >/dev/null || true
    diff "$E2E_TMP/lvm.scan" "$E2E_TMP/ulvm.scan" >"$E2E_TMP/diff" || fail "$1: $cmd stderr differs (lvm2 <, ulvm >):
$(cat "$E2E_TMP/diff")"
  done
}
clean() {
  vgcks "$1"
  [ "$RC_LVM" == 0 ] && [ "$RC_ULVM" == 0 ] && [ ! -s "$E2E_TMP/lvm.out" ] && [ ! -s "$E2E_TMP/ulvm.out" ] ||
    fail "$1: not clean: lvm2 exit $RC_LVM: $(cat "$E2E_TMP/lvm.out"); ulvm exit $RC_ULVM: $(cat "$E2E_TMP/ulvm.out")"
}
repair() {
  ulvm vgck --updatemetadata "$VG" --devices "$A,$B" >/dev/null 2>"$E2E_TMP/repair.err" ||
    fail "$1: ulvm vgck --updatemetadata: $(cat "$E2E_TMP/repair.err")"
  grep -q "$2" "$E2E_TMP/repair.err" || fail "$1: repair did not say \"$2\": $(cat "$E2E_TMP/repair.err")"
  clean "$1 repaired"
}
# xor_byte DEV OFFSET: flips the bits of one byte, written through to the device.
xor_byte() {
  python3 - "$1" "$2" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
off = int(sys.argv[2])
b = os.pread(fd, 1, off)[0]
os.pwrite(fd, bytes([b ^ 0x5a]), off)
os.fsync(fd)
PY
}
# text_range DEV: absolute offset and size of the committed text of mda 1.
text_range() {
  python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], 'rb') as f:
    f.seek(4096); h = f.read(512)
off, size = struct.unpack('<QQ', h[40:56])
print(4096 + off, size)
PY
}
save() { dd if="$B" of="$E2E_TMP/b.save" bs=1M count=1 status=none; }
restore() { dd if="$E2E_TMP/b.save" of="$B" bs=1M count=1 conv=notrunc,fsync status=none; }

clean "intact"
save

# 1. A bad mda header checksum on one PV: warnings, exit 0 (served from the other PV).
xor_byte "$B" $((4096 + 100))
same "mda header checksum"
grep -q "wrong checksum" "$E2E_TMP/ulvm.out" || fail "no checksum warning"
same_scan "mda header checksum"
repair "mda header checksum" "repairing bad metadata (0x14) in mda1 at 4096"
save

# 2. A byte of the committed text: lvm2's six lines, exit 0.
read -r toff tsize < <(text_range "$B")
xor_byte "$B" $((toff + tsize / 2))
same "text checksum"
same_scan "text checksum"
repair "text checksum" "repairing bad metadata (0x8) in mda1 at 4096"
save

# 2b. The same on the first PV: lvm2's scan parses that copy first and fails
# there (it takes later identical copies as read), so other lines.
read -r toff tsize < <(text_range "$A")
dd if="$A" of="$E2E_TMP/a.save" bs=1M count=1 status=none
xor_byte "$A" $((toff + tsize / 3))
same "text checksum on the first PV"
grep -q "has invalid summary for VG" "$E2E_TMP/ulvm.out" || fail "no scan-phase lines"
repair "text checksum on the first PV" "repairing bad metadata (0x8) in mda1 at 4096"
save

# 3. Copies with different seqnos: /dev/B keeps the copy before an lvcreate.
L lvcreate -q -an -Zn -Wn -L 4M -n three "$VG"
restore
same "older seqno on one PV"
grep -q "ignoring metadata seqno" "$E2E_TMP/ulvm.out" || fail "no seqno warning"
same_scan "older seqno on one PV"
repair "older seqno" "updating old metadata to"
save

# 4. 40 byte flips (the VG name, the header's checksum, magic, version and
# start, then random ones) in the mda
# header or the committed text of one PV:
# ulvm warns whenever lvm2 warns, with the same lines and exit code.
warned_lvm=0 warned_ulvm=0
for t in $(seq 1 40); do
  read -r toff tsize < <(text_range "$B")
  if (( t == 1 )); then off=$((toff + 2))  # the VG name in the text (still a valid name)
  elif (( t == 6 )); then off=$toff        # its first character (an invalid name)
  elif (( t == 2 )); then off=4096         # the header's own checksum
  elif (( t == 3 )); then off=$((4096 + 8))   # magic
  elif (( t == 4 )); then off=$((4096 + 20))  # version
  elif (( t == 5 )); then off=$((4096 + 25))  # start
  elif (( RANDOM % 4 == 0 )); then off=$((4096 + RANDOM % 512))
  else off=$((toff + (RANDOM * 32768 + RANDOM) % tsize)); fi
  xor_byte "$B" "$off"
  vgcks "flip $t"
  [ -s "$E2E_TMP/lvm.out" ] && warned_lvm=$((warned_lvm + 1))
  [ -s "$E2E_TMP/ulvm.out" ] && warned_ulvm=$((warned_ulvm + 1))
  same "flip $t at $off" >/dev/null
  restore
done
echo "random flips: lvm2 warned in $warned_lvm of 40, ulvm in $warned_ulvm of 40"
[ "$warned_ulvm" -ge "$warned_lvm" ] || fail "ulvm missed flips lvm2 found"
clean "after flips"

# 5. A missing PV: exit 5, lvm2's lines.
same "missing PV" "$CFG_A" "$A"
grep -q "Couldn't find device with uuid" "$E2E_TMP/ulvm.out" || fail "no missing-PV warning"
[ "$RC_ULVM" == 5 ] || fail "missing PV: exit $RC_ULVM"
same_scan "missing PV" "$CFG_A" "$A"
# Writes are refused the same way (nothing written).
rc_l=0 rc_u=0
lvm lvcreate -an -Zn -Wn -L 4M -n nope "$VG" --config "$CFG_A" 2>&1 >/dev/null |
  grep -v "WARNING: Activation disabled" >"$E2E_TMP/lvm.w" || true
lvm lvcreate -an -Zn -Wn -L 4M -n nope "$VG" --config "$CFG_A" >/dev/null 2>&1 || rc_l=$?
ulvm lvcreate -an -L 4M -n nope "$VG" --devices "$A" 2>"$E2E_TMP/ulvm.w" >/dev/null || rc_u=$?
expect_eq "$rc_u" "$rc_l" "lvcreate with a missing PV: exit"
diff "$E2E_TMP/lvm.w" "$E2E_TMP/ulvm.w" >"$E2E_TMP/diff" || fail "lvcreate with a missing PV (lvm2 <, ulvm >):
$(cat "$E2E_TMP/diff")"

# 6. A PV cut to 4 KiB: lvm2 does not take a device that small (pv_min_size),
# so the PV is missing.
truncate -s 4096 "$E2E_TMP/b.img"; losetup -c "$B"
same "PV cut to 4 KiB"
[ "$RC_ULVM" == 5 ] || fail "cut PV: exit $RC_ULVM"
truncate -s 64M "$E2E_TMP/b.img"; losetup -c "$B"
restore
clean "PV restored"
echo PASS

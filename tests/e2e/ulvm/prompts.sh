# lvm's questions before destroying data, asked on stderr and answered from
# stdin whether or not it is a terminal: end of input is "[n]", "n" refuses,
# "y" goes on, -y and -f skip the question. Refused: exit 5 and lvm's
# message, with nothing changed.
. "$(dirname "$0")/common.sh"
requires udmd mkfs.ext4 blkid
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
A="$E2E_TMP/a.img"; B="$E2E_TMP/b.img"; C="$E2E_TMP/c.img"
sparse_file "$A" 64M; sparse_file "$B" 64M; sparse_file "$C" 64M
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = $A,$B,$C" > "$UDM_LVM_CONFIG"

# answer INPUT RC STDERR CMD...: CMD with INPUT on stdin ("" = /dev/null)
# exits RC and prints exactly STDERR.
answer() {
  local input="$1" rc_want="$2" want="$3"; shift 3
  local rc=0
  if [ -z "$input" ]; then "$@" </dev/null >"$E2E_TMP/stdout" 2>"$E2E_TMP/stderr" || rc=$?
  else printf '%s' "$input" | "$@" >"$E2E_TMP/stdout" 2>"$E2E_TMP/stderr" || rc=$?; fi
  [ "$rc" == "$rc_want" ] || fail "$* <<<'$input': expected exit $rc_want, got $rc ($(cat "$E2E_TMP/stderr"))"
  [ "$(cat "$E2E_TMP/stderr")" == "$want" ] || fail "$* <<<'$input': expected stderr
$want
got
$(cat "$E2E_TMP/stderr")"
}
lvnames() { ulvm lvs --noheadings -o lv_name vg0 2>/dev/null | tr -d ' ' | tr '\n' ' '; }

ulvm vgcreate vg0 "$A" "$B" >/dev/null || fail "vgcreate"
ulvm lvcreate -an -L 8M -n x vg0 >/dev/null || fail "lvcreate x"
ulvm lvcreate -an -L 12M -n y vg0 >/dev/null || fail "lvcreate y"

# vgremove of a VG with LVs asks even when none is active.
Q='Do you really want to remove volume group "vg0" containing 2 logical volumes? [y/n]: '
answer "" 5 "$Q[n]
  Volume group \"vg0\" not removed" ulvm vgremove vg0
answer $'n\n' 5 "$Q  Volume group \"vg0\" not removed" ulvm vgremove vg0
answer $'maybe\nn\n' 5 "$Q  WARNING: Invalid input 'maybe'.
$Q  Volume group \"vg0\" not removed" ulvm vgremove vg0
[ "$(lvnames)" == "x y " ] || fail "a refused vgremove removed LVs: $(lvnames)"

start_daemon
ulvm vgchange -ay vg0 >/dev/null || fail "vgchange -ay"

# lvremove of an active LV.
Q='Do you really want to remove active logical volume vg0/x? [y/n]: '
answer "" 5 "$Q[n]
  Logical volume vg0/x not removed." ulvm lvremove vg0/x
answer $'n\n' 5 "$Q  Logical volume vg0/x not removed." ulvm lvremove vg0/x
[ -e "$UDM_RUNDIR/dev/mapper/vg0-x" ] || fail "refused lvremove deactivated vg0/x"
answer $'y\n' 0 "$Q" ulvm lvremove vg0/x
[ "$(lvnames)" == "y " ] || fail "lvremove answered y kept x"
ulvm lvcreate -y -L 8M -n x vg0 >/dev/null || fail "lvcreate x again"
answer "" 0 "" ulvm lvremove -y vg0/x
ulvm lvcreate -y -L 8M -n x vg0 >/dev/null || fail "lvcreate x again"
answer "" 0 "" ulvm lvremove -f vg0/x
# Open: refused whatever the answer.
exec 7<"$UDM_RUNDIR/dev/mapper/vg0-y"
answer "" 5 "  Logical volume vg0/y in use." ulvm lvremove -f vg0/y

# lvreduce of an active LV (open or not): warned, asked, -f skips the question.
W='  WARNING: Reducing active and open logical volume to 4.00 MiB
  THIS MAY DESTROY YOUR DATA (filesystem etc.)'
Q='Do you really want to reduce vg0/y? [y/n]: '
answer "" 5 "$W
$Q[n]
  Logical volume vg0/y NOT reduced" ulvm lvreduce -L 4M vg0/y
answer $'n\n' 5 "$W
${Q}  Logical volume vg0/y NOT reduced" ulvm lvresize -L 4M vg0/y
[ "$(ulvm lvs --noheadings -o lv_size --units m --nosuffix vg0/y | tr -d ' ')" == 12.00 ] || fail "refused lvreduce shrank y"
exec 7<&-
# FUSE reports the close asynchronously.
for ((i=0; i<50; i++)); do
  [ "$(ulvm lvs --noheadings -o lv_attr vg0/y | tr -d ' ' | cut -c6)" == - ] && break
  sleep 0.1
done
W='  WARNING: Reducing active logical volume to 8.00 MiB
  THIS MAY DESTROY YOUR DATA (filesystem etc.)'
answer $'y\n' 0 "$W
$Q" ulvm lvreduce -L 8M vg0/y
W='  WARNING: Reducing active logical volume to 4.00 MiB
  THIS MAY DESTROY YOUR DATA (filesystem etc.)'
answer "" 0 "$W" ulvm lvreduce -f -L 4M vg0/y

# vgremove: the VG, then each active LV.
Q1='Do you really want to remove volume group "vg0" containing 1 logical volumes? [y/n]: '
Q2='Do you really want to remove active logical volume vg0/y? [y/n]: '
answer $'y\n' 5 "$Q1$Q2[n]
  Logical volume vg0/y not removed." ulvm vgremove vg0
answer $'y\ny\n' 0 "$Q1$Q2" ulvm vgremove vg0
ulvm vgs vg0 >/dev/null 2>&1 && fail "vgremove answered y y kept vg0"

# vgcfgrestore over active LVs is asked about; -y restores.
ulvm vgcreate vg0 "$A" "$B" >/dev/null || fail "vgcreate again"
ulvm lvcreate -y -L 8M -n z vg0 >/dev/null || fail "lvcreate z"
ulvm vgcfgbackup vg0 >/dev/null || fail "vgcfgbackup"
seq=$(ulvm vgs --noheadings -o vg_seqno vg0 | tr -d ' ')
answer "" 5 '  WARNING: Found 1 active volume(s) in volume group "vg0".
Do you really want to proceed with restore of volume group "vg0", while 1 volume(s) are active? [y/n]: [n]
  Restore aborted.' ulvm vgcfgrestore vg0
[ "$(cat "$E2E_TMP/stdout")" == '  Volume group vg0 has active volume: z.
  Restoring VG with active LVs, may cause mismatch with its metadata.' ] || fail "vgcfgrestore stdout: $(cat "$E2E_TMP/stdout")"
[ "$(ulvm vgs --noheadings -o vg_seqno vg0 | tr -d ' ')" == "$seq" ] || fail "refused vgcfgrestore wrote metadata"
answer "" 0 '  WARNING: Found 1 active volume(s) in volume group "vg0".' ulvm vgcfgrestore -y vg0
ulvm vgchange -an vg0 >/dev/null || fail "vgchange -an"
answer "" 0 "" ulvm vgcfgrestore vg0

# pvremove of a PV in a VG: refused without -ff, asked with it.
answer "" 5 "  PV $A is used by VG vg0 so please use vgreduce first.
  (If you are certain you need pvremove, then confirm by using --force twice.)
  $A: physical volume label not removed." ulvm pvremove -y "$A"
answer "" 5 "  WARNING: PV $A is used by VG vg0.
Really WIPE LABELS from physical volume \"$A\" of volume group \"vg0\" [y/n]? [n]
  $A: physical volume label not removed." ulvm pvremove -ff "$A"
ulvm pvs "$A" >/dev/null 2>&1 || fail "refused pvremove -ff wiped the label"

# pvcreate over a filesystem: asked, refused on no, wiped on yes.
mkfs.ext4 -q -F "$C"
before=$(sha256sum < "$C")
Q="WARNING: ext4 signature detected on $C at offset 1080. Wipe it? [y/n]: "
answer "" 5 "$Q[n]
  Aborted wiping of ext4.
  1 existing signature left on the device." ulvm pvcreate "$C"
answer $'n\n' 5 "$Q  Aborted wiping of ext4.
  1 existing signature left on the device." ulvm vgcreate vg1 "$C"
[ "$(sha256sum < "$C")" == "$before" ] || fail "refused pvcreate changed the device"
answer $'y\n' 0 "$Q" ulvm pvcreate "$C"
[ "$(cat "$E2E_TMP/stdout")" == "  Wiping ext4 signature on $C.
  Physical volume \"$C\" successfully created." ] || fail "pvcreate y stdout: $(cat "$E2E_TMP/stdout")"
[ "$(blkid -p -o value -s TYPE "$C")" == LVM2_member ] || fail "not a PV after pvcreate: $(blkid -p "$C")"
ulvm pvremove "$C" >/dev/null || fail "pvremove"
mkfs.ext4 -q -F "$C"
answer "" 0 "" ulvm pvcreate -y "$C"
echo PASS

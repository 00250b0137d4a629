# Real dmsetup through udm-run: every common command, output compared with
# udmsetup's for the same state and with the formats of DMSETUP.md.
. "$UDM_E2E_LIB"
. "$(dirname "$0")/shim_lib.sh"

img="$E2E_TMP/a.img"
sparse_file "$img" 64M

# version / targets
out=$(D version)
grep -qx 'Library version:   1.02.185 (2022-05-18)' <<<"$out" || fail "version: $out"
grep -Eqx 'Driver version:    4\.[0-9]+\.[0-9]+' <<<"$out" || fail "version: $out"
out=$(same targets)
for t in linear striped zero error delay flakey dust; do
  grep -Eq "^$t +v[0-9]+\.[0-9]+\.[0-9]+$" <<<"$out" || fail "targets lacks $t: $out"
done
expect_eq "$(echo "$out" | grep '^linear')" "linear           v1.4.0" "targets linear line"
expect_eq "$(D target-version dust)" "dust             v1.0.0" "target-version"

# create: table string, file, stdin, uuid, --notable
D create a --table "0 2048 linear $img 0"
printf '0 1024 linear %s 2048\n1024 1024 zero\n' "$img" >"$E2E_TMP/b.table"
D create b "$E2E_TMP/b.table"
echo "0 100 zero" | D create c
D create d -u UDM-TEST-d --table "0 8 error"
D create e --notable

same ls >/dev/null
expect_eq "$(D ls | cut -f1 | tr '\n' ' ')" "a b c d e " "ls names"
grep -Pq '^a\t\(252:[0-9]+\)$' <<<"$(D ls)" || fail "ls format: $(D ls)"
same info >/dev/null
out=$(same info d)
grep -qx 'State:             ACTIVE' <<<"$out" || fail "info d: $out"
grep -qx 'Tables present:    LIVE' <<<"$out" || fail "info d: $out"
grep -qx 'UUID: UDM-TEST-d' <<<"$out" || fail "info d: $out"
grep -qx 'Read Ahead:        256' <<<"$out" || fail "info d read ahead: $out"
out=$(same info e)
grep -qx 'Tables present:    None' <<<"$out" || fail "info e: $out"
same info -c >/dev/null
same info -c -o name,attr,tables_loaded,devno >/dev/null
expect_eq "$(same table b)" "$(printf '0 1024 linear %s 2048\n1024 1024 zero ' "$img")" "table b"
expect_eq "$(same table c)" "0 100 zero " "table c"
same table >/dev/null
same status >/dev/null
same status a >/dev/null

# load / suspend / resume
D load a --table "0 4096 linear $img 0"
out=$(same info a)
grep -qx 'Tables present:    LIVE & INACTIVE' <<<"$out" || fail "info after load: $out"
expect_eq "$(D table a)" "0 2048 linear $img 0" "live table before resume"
expect_eq "$(D table --inactive a)" "0 4096 linear $img 0" "inactive table"
D suspend a
grep -qx 'State:             SUSPENDED' <<<"$(same info a)" || fail "not suspended: $(D info a)"
expect_eq "$(same info -c -o attr --noheadings a)" "LIsw" "attr suspended with an inactive table"
D resume a
expect_eq "$(same table a)" "0 4096 linear $img 0" "table after resume"
grep -qx 'State:             ACTIVE' <<<"$(D info a)" || fail "not active: $(D info a)"

# deps and ls --tree over a loop device and a stacked device
# Not lib.sh's attach_loop: called in $(...) its cleanup_fn registers in the
# subshell and the loop device would never be detached.
lo=$(losetup -f --show "$E2E_TMP/a.img")
cleanup_fn "losetup -d $lo"
lomm=$(printf '%d:%d' $((0x$(stat -c %t "$lo"))) $((0x$(stat -c %T "$lo"))))
D create base --table "0 2048 linear $lo 0"
basemm=$(D info -c -o devno --noheadings base)
D create top --table "0 1024 linear $basemm 0"
expect_eq "$(same deps base)" "1 dependencies	: (${lomm/:/, })" "deps base"
expect_eq "$(same deps top)" "1 dependencies	: (${basemm/:/, })" "deps top"
expect_eq "$(same table top)" "0 1024 linear $basemm 0" "table top"
same deps >/dev/null
out=$(same ls --tree)
grep -Eq "^top \(252:[0-9]+\)$" <<<"$out" || fail "ls --tree: $out"
grep -Eq "base \($basemm\)" <<<"$out" || fail "ls --tree: $out"
grep -Eq "\($lomm\)" <<<"$out" || fail "ls --tree: $out"
# udmsetup does not take ls --tree -o options yet (reported); dmsetup's own format:
out=$(D ls --tree -o active,rw,open,uuid)
grep -Eq '^ `-base \(252:[0-9]+\) \[ACTIVE, RW, 1, \]$' <<<"$out" || fail "ls --tree -o: $out"
same ls -o devname >/dev/null
expect_eq "$(same deps -o devname top)" "1 dependencies	: (base)" "deps -o devname"
same ls --target linear >/dev/null
same status --target linear >/dev/null
same table top base >/dev/null
same info -c --noheadings --separator : >/dev/null
same splitname vg-lv LVM >/dev/null
# The kernel name is dm-<minor> (the shim answers sysfs as the kernel would).
expect_eq "$(D ls -o blkdevname | grep '^base')" "base	(dm-${basemm#*:})" "ls -o blkdevname"
# lookup by major:minor with an empty name
out=$(D info -j "${basemm%:*}" -m "${basemm#*:}")
grep -qx 'Name:              base' <<<"$out" || fail "info -j -m: $out"

# message (dust replies come back through DATA_OUT)
D create dusty --table "0 2048 dust $lo 0 512"
expect_eq "$(same status dusty)" "0 2048 dust $lomm bypass verbose" "dust status"
D message dusty 0 addbadblock 5
D message dusty 0 addbadblock 9 2
D message dusty 0 enable
expect_eq "$(D message dusty 0 countbadblocks)" "countbadblocks: 2 badblock(s) found" "countbadblocks"
expect_eq "$(U message dusty 0 countbadblocks)" "countbadblocks: 2 badblock(s) found" "udmsetup countbadblocks"
expect_eq "$(same message dusty 0 listbadblocks)" "$(printf '5\n9')" "listbadblocks"
expect_eq "$(same message dusty 0 queryblock 5)" "dust_query_block: block 5 found in badblocklist" "queryblock"
expect_eq "$(same status dusty)" "0 2048 dust $lomm fail_read_on_bad_block verbose" "dust status enabled"
expect_fail 1 "message ioctl on dusty .*failed: Invalid argument" D message dusty 0 frobnicate

# rename and --setuuid
D rename c c2
expect_eq "$(D ls | cut -f1 | grep -c '^c2$')" "1" "renamed"
D rename c2 --setuuid UDM-TEST-c2
grep -qx 'UUID: UDM-TEST-c2' <<<"$(same info c2)" || fail "setuuid: $(D info c2)"

# wait: returns at once when the event number already differs
timeout 10 udm-run dmsetup wait a 1 || fail "wait a 1 did not return"
udm-run dmsetup wait a 0 & waiter=$!
sleep 0.5
kill -0 $waiter 2>/dev/null || fail "wait a 0 returned although no event happened"
kill $waiter 2>/dev/null || true
wait $waiter 2>/dev/null || true

# table --concise and the stats/status prefixes of several devices
# udmsetup has no table --concise yet (reported); dmsetup's own format:
out=$(D table --concise)
grep -q "c2,UDM-TEST-c2,[0-9]*,rw,0 100 zero " <<<"$out" || fail "table --concise: $out"
same status a b >/dev/null

# remove, remove_all
D remove top
D remove b
expect_fail 1 "Device does not exist" D info b
D remove_all
expect_eq "$(D ls)" "No devices found" "ls after remove_all"
same ls >/dev/null
echo PASS

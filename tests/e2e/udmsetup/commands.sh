#!/bin/bash
# Every udmsetup command against a real udmd, with dmsetup's exact output.
. "$(dirname "$0")/common.sh"
start_daemon --no-fuse --no-nbd
tab=$'\t'

# create: --table, a table file, stdin, -u, -r, --notable, -v
udmsetup create a --table "0 8 zero"
printf '# a comment\n\n0 8 zero\n8 8 zero # tail\n' >"$E2E_TMP/t.txt"
udmsetup create b -u UUID-b "$E2E_TMP/t.txt"
echo "0 4 zero" | udmsetup create c -r
udmsetup create n --notable
out=$(udmsetup create -v v --table "0 8 zero")
expect_eq "$(sed -n 1p <<<"$out")" "Name:              v" "create -v"
udmsetup remove v

expect_eq "$(udmsetup ls)" "a${tab}(252:0)
b${tab}(252:1)
c${tab}(252:2)
n${tab}(252:3)" "ls"
expect_eq "$(udmsetup table b)" "0 8 zero 
8 8 zero " "table from file"
expect_eq "$(udmsetup info c | sed -n 2p)" "State:             ACTIVE (READ-ONLY)" "readonly"
expect_eq "$(udmsetup info -c -o name,attr,tables_loaded,devno c n)" "Name             Stat Tables DevNo
c                L--r Live   252:2
n                ---w None   252:3" "info -c -o"
expect_eq "$(udmsetup info -c --noheadings -o name,uuid b)" "b:UUID-b" "--noheadings"
expect_eq "$(udmsetup info -c --separator ';' -o name,major,minor b)" "Name;Maj;Min
b;252;1" "--separator"
expect_eq "$(udmsetup info -u UUID-b | sed -n 1p)" "Name:              b" "info -u"
expect_eq "$(udmsetup info -j 252 -m 0 | sed -n 1p)" "Name:              a" "info -j -m"
expect_eq "$(udmsetup info n | sed -n 4p)" "Tables present:    None" "notable"

# load / reload / --inactive / clear / resume
udmsetup load n --table "0 16 zero"
expect_eq "$(udmsetup info n | sed -n 4p)" "Tables present:    INACTIVE" "after load"
expect_eq "$(udmsetup table --inactive n)" "0 16 zero " "table --inactive"
expect_eq "$(udmsetup table n)" "" "no live table"
udmsetup clear n
expect_eq "$(udmsetup info n | sed -n 4p)" "Tables present:    None" "after clear"
echo "0 16 zero" | udmsetup reload n
udmsetup resume n
expect_eq "$(udmsetup table n)" "0 16 zero " "after resume"

# suspend / resume with flags
udmsetup suspend --noflush --nolockfs a
expect_eq "$(udmsetup info -c -o attr --noheadings a)" "L-sw" "suspended"
udmsetup resume a
expect_eq "$(udmsetup info -c -o attr --noheadings a)" "L--w" "resumed"

# table / status: all devices get name prefixes; --target filters
expect_eq "$(udmsetup table)" "a: 0 8 zero 
b: 0 8 zero 
b: 8 8 zero 
c: 0 4 zero 
n: 0 16 zero " "table all"
expect_eq "$(udmsetup status a c)" "a: 0 8 zero 
c: 0 4 zero " "status two"
udmsetup create l --table "0 8 linear 252:0 0"
expect_eq "$(udmsetup table --target linear)" "l: 0 8 linear 252:0 0" "table --target"
expect_eq "$(udmsetup ls --target linear)" "l${tab}(252, 4)" "ls --target"

# deps and ls --tree
expect_eq "$(udmsetup deps l)" "1 dependencies${tab}: (252, 0)" "deps"
expect_eq "$(udmsetup deps -o devname l)" "1 dependencies${tab}: (a)" "deps -o devname"
expect_eq "$(LANG=C LC_ALL=C udmsetup ls --tree | sed -n '1,2p')" "b (252:1)
c (252:2)" "tree roots"
expect_eq "$(LANG=C LC_ALL=C udmsetup ls --tree | grep -A1 '^l ')" "l (252:4)
 \`-a (252:0)" "tree child"

# create --concise and table --concise
udmsetup create --concise 'k1,UUID-k1,,ro,0 4 zero,4 4 zero;k2,,,,0 8 zero'
expect_eq "$(udmsetup table --concise k1 k2)" "k1,UUID-k1,5,ro,0 4 zero ,4 4 zero ;k2,,6,rw,0 8 zero " "concise"
udmsetup remove k1
udmsetup remove k2

# wait blocks until the event number moves
expect_eq "$(udmsetup info -c --noheadings -o events a)" "0" "events before"
udmsetup wait a 0 &
waiter=$!
sleep 0.3
kill -0 "$waiter" 2>/dev/null || fail "wait returned before any event"
udmsetup rename a a-tmp
udmsetup rename a-tmp a
wait "$waiter" || fail "wait failed"

# rename, rename --setuuid
udmsetup rename l l2
udmsetup rename l2 --setuuid UUID-l
expect_eq "$(udmsetup info -c --noheadings -o name,uuid l2)" "l2:UUID-l" "rename"

# message: zero has no message method -> EINVAL, like the kernel; dust replies
not udmsetup message a 0 hello 2>/dev/null
udmsetup create d --table "0 8 dust 252:0 0 512"
expect_eq "$(udmsetup message d 0 countbadblocks)" "countbadblocks: 0 badblock(s) found" "message reply"
expect_eq "$(udmsetup message d 0 addbadblock 3)" "" "message without reply"
expect_eq "$(udmsetup message d 0 listbadblocks | od -c | sed -n 1p | tr -s ' ')" "0000000 3 \\n" "reply keeps its newline"
udmsetup remove d

# A table bigger than the first 16 KiB buffer: BUFFER_FULL, retried larger.
for ((i = 0; i < 1000; i++)); do echo "$((i * 8)) 8 zero"; done >"$E2E_TMP/big.txt"
udmsetup create big "$E2E_TMP/big.txt"
expect_eq "$(udmsetup table big | wc -l)" "1000" "big table"
expect_eq "$(udmsetup table big | tail -1)" "7992 8 zero " "big table end"
udmsetup remove --retry big

# wait returns at once when the event number differs
expect_eq "$(udmsetup info -c --noheadings -o events l2)" "2" "each rename is an event"
expect_eq "$(udmsetup info -c --noheadings -o events a)" "2" "renames of a"
udmsetup wait l2 0
expect_eq "$(udmsetup wait -v l2 0 | sed -n 1p)" "Name:              l2" "wait -v"

# targets, target-version, version, mknodes, help
grep -Eq '^linear +v1\.[0-9]+\.[0-9]+$' <<<"$(udmsetup targets)" || fail "targets"
expect_eq "$(udmsetup target-version zero linear | awk '{print $1}' | tr '\n' ' ')" "zero linear " "target-version"
expect_eq "$(udmsetup version | sed -n 2p)" "Driver version:    4.48.0" "version"
udmsetup mknodes
udmsetup mknodes a
grep -q '^udmsetup$' <<<"$(udmsetup help 2>&1)" || fail "help"
grep -q '^  attr ' <<<"$(udmsetup help -c 2>&1)" || fail "help -c"

# remove -f on an open device (l2 holds a), wipe_table, --deferred, remove_all
not udmsetup remove a 2>/dev/null
udmsetup wipe_table a
expect_eq "$(udmsetup table a)" "0 8 error " "wipe_table"
udmsetup remove l2
udmsetup remove -f b
udmsetup remove --deferred c
udmsetup remove_all
expect_eq "$(udmsetup ls)" "No devices found" "remove_all"
expect_eq "$(udmsetup info)" "No devices found" "info with none"
echo "commands: ok"

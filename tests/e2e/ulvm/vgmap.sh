# ulvm vgmap: the SVG is well-formed XML (xmllint) with one <rect> per
# physical segment that `ulvm pvdisplay -m` lists (used and free, same PE
# ranges, same LV, sub-LVs drawn as their top LV) for a VG with a linear LV
# in two segments (lvextend), a striped LV over two PVs, a raid1 and a thin
# pool; the terminal map without and with colour; lvm2-style errors.
. "$(dirname "$0")/common.sh"
requires python3 xmllint
F=()
for i in 0 1 2; do F[i]="$E2E_TMP/p$i.img"; sparse_file "${F[i]}" 64M; done
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = ${F[0]},${F[1]},${F[2]}" > "$UDM_LVM_CONFIG"
run() { "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "$*: $(cat "$E2E_TMP/err")"; }
run ulvm vgcreate vm "${F[@]}"
run ulvm lvcreate -an -L 8M -n lin vm "${F[0]}"
run ulvm lvcreate -an -L 8M -i 2 -I 64k -n str vm "${F[0]}" "${F[1]}"
run ulvm lvextend -L +8M vm/lin "${F[0]}"
run ulvm lvcreate -an --type raid1 -m 1 -L 8M -n mirror vm "${F[1]}" "${F[2]}"
run ulvm lvcreate -an -L 8M -T vm/pool "${F[2]}"

run ulvm vgmap vm --svg "$E2E_TMP/vm.svg"
[ ! -s "$E2E_TMP/out" ] || fail "vgmap --svg printed: $(cat "$E2E_TMP/out")"
xmllint --noout "$E2E_TMP/vm.svg" || fail "vgmap's SVG is not well-formed"
for f in "${F[@]}"; do
  run ulvm pvdisplay -m "$f"
  cp "$E2E_TMP/out" "$E2E_TMP/pvdisplay.$(basename "$f")"
done
python3 - "$E2E_TMP/vm.svg" "${F[@]}" <<'EOF' || fail "SVG and pvdisplay -m disagree"
import os, re, sys
import xml.etree.ElementTree as ET
svg, pvs = sys.argv[1], sys.argv[2:]
ns = "{http://www.w3.org/2000/svg}"
rects = [r for r in ET.parse(svg).getroot().iter(ns + "rect") if r.get("class") in ("seg", "free")]
total = 0
for pv in pvs:
    text = open(os.path.join(os.path.dirname(svg), "pvdisplay." + os.path.basename(pv))).read()
    want = []  # (first PE, last PE, LV path's name or None for FREE)
    for m in re.finditer(r"  Physical extent (\d+) to (\d+):\n    (FREE|Logical volume\t/dev/vm/(\S+))", text):
        want.append((int(m[1]), int(m[2]), m[4]))
    got = []
    for r in rects:
        if r.get("data-pv") != pv:
            continue
        lv = r.get("data-sub-lv") or r.get("data-lv")
        if r.get("class") == "seg":
            # A sub-LV is drawn as its top LV: mirror_rimage_0 as mirror.
            top = r.get("data-lv")
            assert lv == top or lv.startswith(top + "_"), (lv, top)
            title = r.find(ns + "title").text
            assert title == "%s: PE %s-%s" % (top, r.get("data-pe-start"), r.get("data-pe-end")), title
        got.append((int(r.get("data-pe-start")), int(r.get("data-pe-end")), lv))
    assert want, "no segments in pvdisplay -m of " + pv
    assert got == want, "%s:\n svg       %s\n pvdisplay %s" % (pv, got, want)
    total += len(want)
assert total == len(rects), (total, len(rects))
tops = {r.get("data-lv") for r in rects if r.get("class") == "seg"}
assert tops == {"lin", "str", "mirror", "pool", "lvol0_pmspare"}, tops
# lin has two segments on the first PV (the lvextend).
assert sum(1 for r in rects if r.get("data-lv") == "lin") == 2
EOF

# The terminal map: letters without a terminal or with --color never,
# ANSI colours with --color always; lines fit COLUMNS.
for opt in "" "--color never"; do
  # shellcheck disable=SC2086
  COLUMNS=90 run ulvm vgmap vm $opt
  ! grep -q $'\033' "$E2E_TMP/out" || fail "vgmap $opt: colour without a terminal"
  awk 'length > 90 { exit 1 }' "$E2E_TMP/out" || fail "vgmap: a line wider than COLUMNS: $(cat "$E2E_TMP/out")"
  grep -q "^  ${F[0]} |AAAA*BB*AA*\.*| 15 PE, 10 free" "$E2E_TMP/out" || fail "vgmap: no bar for ${F[0]}: $(cat "$E2E_TMP/out")"
  grep -qE '^  A lin +16.00 MiB +4 PE$' "$E2E_TMP/out" || fail "vgmap: no legend: $(cat "$E2E_TMP/out")"
  grep -qE '^  C mirror +8.00 MiB +6 PE$' "$E2E_TMP/out" || fail "vgmap: raid1 with its sub-LVs: $(cat "$E2E_TMP/out")"
  grep -qE '^  \. free ' "$E2E_TMP/out" || fail "vgmap: no free space in the legend"
done
COLUMNS=90 run ulvm vgmap vm --color always
grep -q $'\033\[48;5;[0-9]*;38;5;[0-9]*mAAAA' "$E2E_TMP/out" || fail "vgmap --color always: no colour: $(cat -v "$E2E_TMP/out")"
grep -q $'\033\[0m' "$E2E_TMP/out" || fail "vgmap --color always: colour not reset"
# --color auto (the default) colours on a terminal: script(1) gives it one.
if command -v script >/dev/null; then
  COLUMNS=90 script -qec "ulvm vgmap vm" /dev/null >"$E2E_TMP/tty.out" </dev/null || fail "vgmap on a terminal"
  grep -q $'\033\[48;5;' "$E2E_TMP/tty.out" || fail "vgmap on a terminal: no colour: $(cat -v "$E2E_TMP/tty.out")"
fi

expect_fail 5 '  Volume group "nosuch" not found
  Cannot process volume group nosuch' ulvm vgmap nosuch
expect_fail 3 '  Invalid argument for --color: rainbow
  Error during parsing of command line.' ulvm vgmap vm --color rainbow
expect_fail 3 '  Please specify a volume group name.
  Run `vgmap --help'"'"' for more information.' ulvm vgmap
ulvm vgmap --help | grep -q '^  vgmap - Draw the extent map of volume group(s)' || fail "vgmap --help"
echo PASS

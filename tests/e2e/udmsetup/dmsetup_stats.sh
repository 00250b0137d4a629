#!/bin/bash
# dm-stats: udmd answers the kernel's @stats_* messages and counts I/O per
# region and area; the real dmstats (through udm-run's preload shim) and
# udmstats (udmsetup's dmstats name) drive the same udmd and must print the
# same bytes, exit codes and errors. I/O goes through the FUSE file; times
# are normalised where they differ run to run.
. "$(dirname "$0")/stats_common.sh"
start_fuse_daemon

# same ARGS...: stats_both; a report (it reads and clears the counters)
# follows the same I/O ($IO, a function) in each tool.
IO=true
same() {
  if [ "$1" == report ] && [ "$IO" != true ]; then
    BEFORE_D="stats_fresh_io $IO" BEFORE_U=$IO stats_both "$@"
  else
    stats_both "$@"
  fi
}

sparse_file "$E2E_TMP/a.img" 8M
udmsetup create sa --table "0 16384 linear $E2E_TMP/a.img 0"
udmsetup create sb --table "0 4096 zero"

expect_eq "$(dm create sa --areas 4)" "sa: Created new region with 4 area(s) as region ID 0"
expect_eq "$(udmstats create sa --start 1024 --length 3000 --areasize 1000 --userdata hi)" \
  "sa: Created new region with 3 area(s) as region ID 1"
expect_eq "$(dm create sa --precise --programid other --bounds 1ms,5ms,20ms)" \
  "sa: Created new region with 1 area(s) as region ID 2"
expect_eq "$(udmstats create sb --bounds 10,100us)" "sb: Created new region with 1 area(s) as region ID 0"
# The driver's own view (dmsetup message) is the kernel's @stats_list format.
expect_eq "$(udmsetup message sa 0 @stats_list)" "0: 0+16384 4096 dmstats -
1: 1024+3000 1000 dmstats hi
2: 0+16384 16384 other - precise_timestamps histogram:1000000,5000000,20000000"
expect_eq "$(udmsetup message sb 0 @stats_list)" "0: 0+4096 4096 dmstats - precise_timestamps histogram:10,100000"

# Counted I/O: 16 writes of 4 KiB then 8 reads of 8 KiB, and an 8 KiB write
# at sector 3016: all in area 0 of region 0, the last across areas 1 and 2
# of region 1.
dev="$UDM_RUNDIR/dev/mapper/sa"
io() {
  dd if=/dev/zero of="$dev" bs=4096 count=16 oflag=direct conv=notrunc status=none
  dd if="$dev" of=/dev/null bs=8192 count=8 iflag=direct status=none
  dd if=/dev/zero of="$dev" bs=8192 seek=$((3016 * 512)) count=1 oflag=direct,seek_bytes conv=notrunc status=none
}
io
line=$(udmsetup message sa 0 @stats_print 0 0 1)
read -r range reads _ rsect _ writes _ wsect _ inflight _ <<<"$line"
expect_eq "$range $reads $rsect $writes $wsect $inflight" "0+4096 8 128 17 144 0" "area 0 counters"
expect_eq "$(udmsetup message sa 0 @stats_print 1 1 2 | cut -d' ' -f1,6,8)" "2024+1000 1 8
3024+1000 1 8" "a write across two areas counts once in each"
IO=io

# Time columns vary run to run in the raw counters: drop them.
for args in "list" "list --allprograms" "list -v" "list -v --allprograms" "list sa" "list sb" \
    "list --programid other" "list --noheadings" "print sa --regionid 0" "print sa --regionid 1" \
    "print sa --allregions" "print --allregions" "report -o region_id,area_id,read_count,write_count,read_sector_count,write_sector_count,in_progress_count" \
    "report --allprograms -o region_id,area_id,area_start,area_len,area_offset,obj_type,user_data,precise,region_start,region_len,area_count,program_id" \
    "report -o read_count,reads_per_sec,writes_per_sec,read_size_per_sec,write_size_per_sec,avg_request_size sa" \
    "report --separator , -o region_id,read_count" "report --noheadings -o region_id,write_count" \
    "list nope" "report nope" "print sa" "clear sa" "delete sa" "delete" "create" "create nope" \
    "create sa --areas 2 --areasize 100" "create sa --allregions" \
    "delete sa --regionid 9" "delete sa --regionid 2" "clear sa --regionid 9" "print sa --regionid 7" \
    "list --allprograms --programid x"; do
  # shellcheck disable=SC2086
  NORM="sed -E s/[0-9]+\\.[0-9]+[kmgtpe]?$//" same $args
done
same report -o bogus_field
same report -o help
# Usage and field list as dmstats prints them (under its own name).
for args in help bogus_command ""; do
  # shellcheck disable=SC2086
  udmstats $args >"$E2E_TMP/u.out" 2>&1 && urc=0 || urc=$?
  # shellcheck disable=SC2086
  dmstats $args >"$E2E_TMP/d.out" 2>&1 && drc=0 || drc=$?
  sed -i 's/^udmstats$/dmstats/' "$E2E_TMP/u.out"
  cmp -s "$E2E_TMP/d.out" "$E2E_TMP/u.out" && [ "$drc" == "$urc" ] ||
    { diff "$E2E_TMP/d.out" "$E2E_TMP/u.out" >&2; fail "udmstats $args differs (exit $drc vs $urc)"; }
done
# Whole reports without the time-derived columns (their widths would vary too).
NORM="cut -d: -f1-14" same report --noheadings
NORM="cut -d: -f1-14" same report --noheadings sa
NORM="cut -d: -f1-10,13-15,18" same report --raw --noheadings
IO=true
# udm's picture of a region's latency histogram: terminal bars (--bars) and an SVG
# with one bar per bucket (region 2 has 3 bounds: 4 buckets) whose counts
# add up to the requests.
udmstats report --allprograms >/dev/null
io
udmstats report --bars --programid other --svg "$E2E_TMP/h.svg" sa >"$E2E_TMP/bars"
expect_eq "$(head -1 "$E2E_TMP/bars")" "sa: region 2 I/O latency (25 I/Os)"
expect_eq "$(grep -c '|' "$E2E_TMP/bars")" 4 "terminal bars"
if command -v xmllint >/dev/null; then
  xmllint --noout "$E2E_TMP/h.svg" || fail "the histogram SVG is not well-formed"
fi
expect_eq "$(grep -c '<rect class="bar"' "$E2E_TMP/h.svg")" 4 "SVG bars"
expect_eq "$(grep -o 'data-count="[0-9]*"' "$E2E_TMP/h.svg" | tr -dc '0-9\n' | awk '{s += $1} END {print s}')" 25 "SVG counts"
expect_fail 1 "No statistics region with a histogram.
Command failed." udmstats report --svg "$E2E_TMP/none.svg" sa
# Without --bars and not on a terminal, --svg alone prints nothing.
expect_eq "$(udmstats report --programid other --svg "$E2E_TMP/h2.svg" sa)" ""
grep -q '<rect class="bar"' "$E2E_TMP/h2.svg" || fail "--svg without --bars wrote no picture"

# Clear and print --clear, by each tool, read back by the other.
udmstats clear sa --regionid 0
same print sa --regionid 0
dd if=/dev/zero of="$dev" bs=4096 count=2 oflag=direct conv=notrunc status=none
dm print sa --regionid 0 --clear >"$E2E_TMP/cleared"
grep -q '^0+4096 0 0 0 0 2 ' "$E2E_TMP/cleared" || fail "print --clear: $(cat "$E2E_TMP/cleared")"
same print sa --regionid 0

# Deletion by either tool; regions of another program need --allprograms.
udmstats delete sa --regionid 1
dm delete sa --allregions
expect_eq "$(udmsetup message sa 0 @stats_list)" "2: 0+16384 16384 other - precise_timestamps histogram:1000000,5000000,20000000"
udmstats delete --alldevices --allregions --allprograms
expect_eq "$(udmsetup message sa 0 @stats_list)" ""
same list --allprograms

# The driver's errors for malformed messages (EINVAL) and unknown regions (ENOENT).
expect_fail 1 "device-mapper: message ioctl on sa  failed: Invalid argument
Command failed." udmsetup message sa 0 @stats_create - 0
expect_fail 1 "device-mapper: message ioctl on sa  failed: No such file or directory
Command failed." udmsetup message sa 0 @stats_print 3
echo "dmsetup_stats: $compared commands identical"

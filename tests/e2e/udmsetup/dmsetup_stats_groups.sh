#!/bin/bash
# dmstats groups and report options: real dmstats (through udm-run) and
# udmstats drive the same udmd. A group one tool makes is read, listed,
# reported, ungrouped and deleted by the other (libdm keeps it in the
# leader's aux_data as DMS_GROUP=alias:members#user_data), and both print the
# same bytes, errors and exit codes.
. "$(dirname "$0")/stats_common.sh"
start_fuse_daemon

same() { stats_both "$@"; }
# both ARGS...: a command that changes state, run by each tool in turn on
# the same starting state ($UNDO restores it): same output, same @stats_list.
both() { BEFORE_U=$UNDO LIST_DEV=ga stats_both "$@"; }

sparse_file "$E2E_TMP/a.img" 8M
udmsetup create ga --table "0 16384 linear $E2E_TMP/a.img 0"
udmsetup create gb --table "0 4096 zero"
dm create ga --areas 4 >/dev/null
dm create ga --start 1024 --length 3000 >/dev/null
dm create ga --length 100 --userdata hi >/dev/null
dm create ga --start 300 --length 200 >/dev/null
udmstats create gb >/dev/null

# Grouping by either tool writes the same tag; ungrouping gives the user data back.
UNDO="udmstats ungroup --groupid 0 ga"
both group --regions 0,1 ga
expect_eq "$(udmsetup message ga 0 @stats_list | head -1)" "0: 0+16384 4096 dmstats DMS_GROUP=:0-1#-"
UNDO="udmstats ungroup --groupid 2 ga"
both group --alias foo --regions 3,2 ga
expect_eq "$(udmsetup message ga 0 @stats_list | sed -n 3p)" "2: 0+100 100 dmstats DMS_GROUP=foo:2-3#hi"
regroup() { dm group --alias foo --regions 2,3 ga >/dev/null; }
UNDO=regroup
both ungroup --groupid 2 ga
expect_eq "$(udmsetup message ga 0 @stats_list | sed -n 3p)" "2: 0+100 100 dmstats hi"
dm group --alias foo --regions 2,3 ga >/dev/null

for args in "list" "list -v" "list ga" "list --allprograms -v" \
    "report -o stats_name,group_id,region_id,obj_type,region_start,region_len,area_start,area_len,area_offset,area_count,user_data,program_id" \
    "report -o statsname,GROUP_ID,region_id,read_count,write_count --noheadings" \
    "group ga" "ungroup ga" "group --regions 9 ga" "group --regions x ga" "group --regions 1,2 ga" \
    "ungroup --groupid 7 ga" "ungroup --groupid 1 ga" "ungroup --groupid 0" "delete --groupid 7 ga" \
    "delete --groupid 3 ga"; do
  # shellcheck disable=SC2086
  same $args
done
udmstats delete ga --regionid 1
same group --regions 0,1 ga
same list -v

# Deleting a group deletes its regions (each tool in turn).
regroup() { dm create ga --areas 4 >/dev/null && dm create ga --length 100 --userdata hi >/dev/null && dm group --regions 0,1 ga >/dev/null; }
UNDO=regroup
dm create ga --length 100 --userdata hi >/dev/null
udmstats ungroup --groupid 0 ga >/dev/null
dm group --regions 0,1 ga >/dev/null
both delete --groupid 0 ga
expect_eq "$(udmsetup message ga 0 @stats_list | cut -d' ' -f1)" "2:
3:"
# Tags written by other programs: one led by another region is refused with
# libdm's two lines; one naming a deleted region keeps the name.
udmsetup message ga 0 @stats_set_aux 3 'DMS_GROUP=x:3,2#-'
same list -v ga
udmsetup message ga 0 @stats_set_aux 3 -
udmsetup message ga 0 @stats_set_aux 2 'DMS_GROUP=:2-3,7#u'
same list ga
same report -o region_id,group_id,user_data ga
# Report options over counted I/O. Histogram bounds 1ns and 100s put every
# request in the middle bin, so the counts do not depend on timing; columns
# derived from times are left out.
udmstats delete --alldevices --allregions --allprograms
dm create ga --areas 3 >/dev/null
dm create ga --bounds 1ns,100s --length 8192 >/dev/null
udmstats create ga --bounds 1ns,100s --start 4096 --length 4096 --userdata u >/dev/null
dm create gb --precise --bounds 1ms,1s >/dev/null
UNDO="udmstats ungroup --groupid 0 ga"
both group --regions 0,1 ga
$UNDO >/dev/null
udmstats create ga --bounds 1ms --length 8 >/dev/null
same group --regions 1,3 ga
udmstats delete ga --regionid 3
dm group --alias pair --regions 1,2 ga >/dev/null
dev="$UDM_RUNDIR/dev/mapper/ga"
io() {
  dd if=/dev/zero of="$dev" bs=4096 count=24 oflag=direct conv=notrunc status=none
  dd if="$dev" of=/dev/null bs=65536 count=4 iflag=direct status=none
}
# report: the same I/O before each tool's report (which reads and clears).
SUB=report
rep() { BEFORE_D="stats_fresh_io io" BEFORE_U=io stats_both $SUB "$@"; }
H=region_id,obj_type
for args in "-o $H,hist_count,hist_count_bounds,hist_count_ranges ga"     "-o $H,hist_percent,hist_percent_bounds,hist_percent_ranges ga"     "-o $H,hist_count,hist_percent_bounds,hist_count_ranges --noheadings ga"     "-o $H,hist_count_ranges,hist_percent_ranges --notimesuffix ga"     "-o $H,hist_count_bounds --nameprefixes ga" "-o $H,hist_count_bounds --separator / ga"     "-o $H,hist_bins,hist_bounds,hist_ranges" "-o $H,hist_bounds,hist_ranges --notimesuffix"     "-o stats_name,region_id,read_count,write_count,read_sector_count,write_sector_count,interval_ns,interval,throughput"     "-o region_id,area_id,read_count -O -read_count,area_id" "-o region_id,group_id,area_id -O group_id,-region_id"     "-o region_id,area_id,write_count -S write_count>0" "-o region_id,area_id -S obj_type=group||area_id=2"     "-o region_id,region_len,area_len,area_start,write_size_per_sec --units k"     "-o region_id,region_len,area_len,avg_request_size --units 4K" "-o region_len,area_len --units s"     "-o region_len,area_len --units b" "-o region_len,area_len --units H" "-o region_len,area_len --units m --nosuffix"     "-o region_id,write_count --count 2 --interval 1 ga" "-o stats_name,region_id,write_count --programid dmstats"     "-o region_id -S bogus=1" "-O bogus" "-o region_id -S region_id>"; do
  # shellcheck disable=SC2086
  rep $args
done
# list reads (and clears) the counters when a field shows them.
SUB=list rep -o region_id,obj_type,read_count,write_count,region_len,hist_count ga
SUB=list rep -v -o region_id,area_id,write_sector_count,hist_count_bounds ga
for args in "list --histogram" "list --histogram ga" "list -o +hist_bins,precise,user_data"     "list --units s -o region_id,region_start,region_len" "list -O -region_len,region_id"     "list -S area_count>1" "list --nameprefixes" "list --count 2 --interval 1 gb" \
    "list -o region_all" "list --units 2s" "list --units x" "list -v --histogram" \
    "list -o selected,region_id -S region_id=1" "list --rows" "list --rows --noheadings" \
    "list -o region_id,selected -S region_id=0 -O -selected" \
    "list -o name,uuid,major,minor,devno,attr,open,segments,events,region_id" \
    "list -o name_all,info_all,deps_all,splitname_all" "list -o name,region_id -O -name" \
    "list --interval 0.5" "list --interval 0 gb" "report --interval x"; do
  # shellcheck disable=SC2086
  same $args
done
# -S on the size fields: values with units (MiB without one) compared in
# sectors as libdm does, and its errors for units, percents and regexes.
for sel in 'region_len>1m' 'region_len>=4m' 'region_len=2m' 'region_len<2.5m' 'region_len>1' \
    'region_len>8192s' 'region_start>=2048k' 'area_len<1.5M' 'area_offset>0&&area_len<=1398102b' \
    'region_len>.001g' 'region_len>1h' '!(region_len<=2m)' '(area_start>1.m)' 'region_len>1x' 'region_len>1%' \
    'region_id>1m' 'region_id>1.5' 'region_len>1e3' 'region_len>1mb' 'region_len=~1' \
    'region_id>99999999999999999999'; do
  same list -v -o region_id,area_id,region_start,region_len,area_start,area_offset,area_len -S "$sel"
done
# --segments: a region per table line, grouped.
udmsetup create gs --table "0 100 zero
100 200 zero
300 50 error"
gs_clear() { udmstats delete --allregions --allprograms gs; }
gs_both() { BEFORE_D=gs_clear BEFORE_U=gs_clear LIST_DEV=gs stats_both "$@"; }
gs_both create --segments gs
gs_both create --segments --areas 2 --start 10 --length 20 gs
gs_both create --segments --bounds 1ms --userdata uu gs
gs_both create --segments --areasize 40 --precise gs
echo "dmsetup_stats_groups: $compared commands identical"

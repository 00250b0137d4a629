# Report options through real lvm2 and ulvm on the same VGs (made by lvm2 on
# loop devices): -o help, *_all sections, mixed vgs/pvs reports, --rows,
# --nameprefixes, --unquoted, --binary, --aligned and report/ settings given
# with --config print the same bytes and exit the same.
# shellcheck disable=SC1090
. "$(dirname "$0")/common.sh"
L vgcreate -q --addtag fast vgx "$A" "$B"
L vgcreate -q -s 1m vgy "$C"
L lvcreate -q -an -Zn -L 10M -n lv0 --addtag foo --addtag bar vgx
L lvcreate -q -an -Zn -L 12M -i2 -I 32k -n str vgx
L lvcreate -q -an -Zn -l 3 -n lv-x vgx

n=0
# same "REPORT-CONFIG" CMD ARGS...: lvm2 and ulvm print the same and exit the same.
same() {
  local extra=$1; shift
  local rl ru
  n=$((n + 1))
  rl=0; lvm "$@" --config "$CFG $extra" >"$E2E_TMP/l.out" 2>"$E2E_TMP/l.err" || rl=$?
  if [ -n "$extra" ]; then
    ru=0; ulvm "$@" --config "$extra" --devices "$A,$B,$C" >"$E2E_TMP/u.out" 2>"$E2E_TMP/u.err" || ru=$?
  else
    ru=0; ulvm "$@" --devices "$A,$B,$C" >"$E2E_TMP/u.out" 2>"$E2E_TMP/u.err" || ru=$?
  fi
  grep -v -e "Activation disabled" "$E2E_TMP/l.err" >"$E2E_TMP/l.err2" || true
  [ "$rl" == "$ru" ] || fail "$* ($extra): exit $ru, lvm2 $rl ($(head -3 "$E2E_TMP/u.err"))"
  cmp -s "$E2E_TMP/l.out" "$E2E_TMP/u.out" || fail "$* ($extra): output differs:
$(diff "$E2E_TMP/l.out" "$E2E_TMP/u.out" | head -20)"
  cmp -s "$E2E_TMP/l.err2" "$E2E_TMP/u.err" || fail "$* ($extra): errors differ:
$(diff "$E2E_TMP/l.err2" "$E2E_TMP/u.err" | head -20)"
}
F="-o lv_name,lv_size,lv_tags"
same "" lvs -o help
same "" vgs -o '?'
same "" pvs -o +help
same "" lvs -o nosuch
same "" vgs -o +lv_name
same "" vgs -o vg_name,lv_name,lv_size -O lv_name
same "" vgs -o vg_name,pv_name
same "" pvs -o +lv_name
same "" pvs -o pv_name,lv_name,seg_size
same "" pvs -o pvseg_all
same "" pvs -o pv_name,pv_major,pv_minor
same "" lvs $F vgx --rows
same "" lvs $F vgx --rows --separator :
same "" lvs $F vgx --rows --noheadings
same "" lvs $F vgx --rows --nameprefixes
same "" lvs $F vgx --nameprefixes
same "" lvs $F vgx --nameprefixes --unquoted --noheadings
same "" lvs $F vgx --separator : --aligned
same "" lvs $F vgx --separator ,
same "" lvs -o lv_name,lv_fixed_minor,lv_skip_activation vgx --binary
same "" vgs -o vg_name,vg_extendable,vg_exported --binary
same "" pvs -o pv_name,pv_allocatable,pv_in_use --binary --reportformat json
same "" lvs -S 'lv_size>10m' -o lv_name --rows --nameprefixes
same "report/compact_output=1" lvs vgx
same "report/compact_output=1" pvs -o +lv_name,pv_tags
same 'report{separator=":" aligned=1}' lvs -o lv_name,lv_size vgx
same 'report/separator="|"' vgs
same "report/binary_values_as_numeric=1" lvs -o lv_name,lv_fixed_minor vgx --reportformat json
same "report/output_format=json" lvs -o lv_name vgx
same "report/headings=0" lvs -o lv_name vgx
same "report/prefixes=1" lvs -o lv_name,lv_size vgx
same "report/prefixes=1 report/quoted=0" lvs -o lv_name vgx
same "report/columns_as_rows=1" lvs -o lv_name vgx
same 'report/lvs_cols="lv_name,lv_attr"' lvs vgx
same 'report/lvs_sort="-lv_size"' lvs vgx
same 'report/vgs_cols="vg_name,vg_tags"' vgs
# Every field of lvm 2.03.16 that udm reports, with lvm2's headings and widths.
same "" vgs -o vg_all
same "" pvs -o pv_all
same "" pvs -o pv_all,pvseg_all --units s
same "" lvs -o seg_pe_ranges,seg_le_ranges,devices vgx
same "" lvs -o lv_initial_image_sync,lv_image_synced,lv_merging,lv_converting,lv_allocation_locked,lv_active_locally,lv_active_remotely,lv_active_exclusively,origin_uuid,lv_ancestors,lv_full_ancestors,lv_descendants,lv_full_descendants,convert_lv_uuid,data_lv_uuid,metadata_lv_uuid,pool_lv_uuid,lv_lockargs,lv_time_removed,lv_modules,lv_historical,writecache_block_size,lv_kernel_read_ahead,lv_permissions,lv_suspended,lv_live_table,lv_inactive_table,cache_total_blocks,cache_used_blocks,cache_dirty_blocks,cache_read_hits,cache_read_misses,cache_write_hits,cache_write_misses,kernel_cache_settings,kernel_cache_policy,kernel_metadata_format,kernel_discards,lv_check_needed,lv_merge_failed,lv_snapshot_invalid,vdo_operating_mode,vdo_compression_state,vdo_index_state,vdo_used_size,vdo_saving_percent,writecache_total_blocks,writecache_free_blocks,writecache_writeback_blocks,writecache_error,vg_lock_args,reshape_len,reshape_len_le,data_offset,new_data_offset,parity_chunks,cache_metadata_format,cache_mode,seg_metadata_le_ranges,metadata_devices,seg_monitor,cache_policy,cache_settings,vdo_compression,vdo_deduplication,vdo_use_metadata_hints,vdo_minimum_io_size,vdo_block_map_cache_size,vdo_block_map_era_length,vdo_use_sparse_index,vdo_index_memory_size,vdo_slab_size,vdo_ack_threads,vdo_bio_threads,vdo_bio_rotation,vdo_cpu_threads,vdo_hash_zone_threads,vdo_logical_threads,vdo_physical_threads,vdo_max_discard,vdo_write_policy,vdo_header_size,lv_metadata_size,origin_size,raidintegritymode,raidintegrityblocksize,integritymismatches vgx
same "" lvs -o lv_name,lv_modules,lv_permissions,lv_live_table,lv_active_locally vgx --binary
echo "PASS ($n commands)"

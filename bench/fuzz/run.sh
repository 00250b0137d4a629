#!/usr/bin/env bash
# bench/fuzz/run.sh [SECONDS] [TARGET...]
#
# Builds the libFuzzer targets of tests/fuzz (clang, ASan+UBSan, -DUDM_FUZZ=ON)
# in their own build directory and runs each for SECONDS (default 60) on a
# working copy of its seed corpus. Prints, per target: executions, execs/s,
# corpus files before/after, coverage, and any crash with its reproducer.
# Ends with a JSON line. Exit status 1 if any target crashed.
#
# Env: UDM_FUZZ_BUILD (build dir, default <repo>/build-fuzz), UDM_FUZZ_OUT
# (corpora and crash files, default <build>/fuzz-out), UDM_FUZZ_JOBS (ninja -j, 2).
# Debian 12's clang-16 is used when present: clang 14 cannot compile
# libstdc++ 12's <expected>. Clang < 19 reports __cpp_concepts 201907 although
# it implements what <expected> needs, so the macro is raised for the build.
set -euo pipefail

secs=${1:-60}
shift || true
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${UDM_FUZZ_BUILD:-$repo/build-fuzz}
out=${UDM_FUZZ_OUT:-$build/fuzz-out}

cc=clang; cxx=clang++
if command -v clang++-16 >/dev/null; then cc=clang-16; cxx=clang++-16; fi
command -v "$cxx" >/dev/null || { echo "run.sh: needs clang (apt-get install clang-16 libclang-rt-16-dev)" >&2; exit 2; }
flags="-U__cpp_concepts -D__cpp_concepts=202002L -Wno-builtin-macro-redefined"

if [ ! -f "$build/build.ninja" ]; then
  CC=$cc CXX=$cxx cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DUDM_FUZZ=ON -DCMAKE_CXX_FLAGS="$flags" >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log" >&2; exit 2; }
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$repo"/tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi

exes=()
for t in "${targets[@]}"; do exes+=("udm_fuzz_$t"); done
ninja -C "$build" -j"${UDM_FUZZ_JOBS:-2}" "${exes[@]}" >"$build/fuzz-build.log" 2>&1 ||
  { tail -30 "$build/fuzz-build.log" >&2; exit 2; }

mkdir -p "$out"
json="{\"seconds\":$secs,\"targets\":{"
sep=""
crashed=0
printf '%-12s %12s %9s %8s %8s %6s  %s\n' target execs exec/s seeds corpus cov result
for t in "${targets[@]}"; do
  exe="$build/bin/udm_fuzz_$t"
  corpus="$out/corpus/$t"
  crashes="$out/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  seeds=$(find "$repo/tests/fuzz/corpus/$t" -type f | wc -l)
  cp -n "$repo/tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null || true
  log="$out/$t.log"
  set +e
  "$exe" "$corpus" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$crashes/" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  files=$(find "$corpus" -type f | wc -l)
  result=ok
  artifact=""
  if [ $rc -ne 0 ]; then
    crashed=1
    artifact=$(ls -t "$crashes" 2>/dev/null | sed -n 1p)
    result="CRASH rc=$rc ${artifact:+$crashes/$artifact} (log $log)"
  fi
  printf '%-12s %12s %9s %8s %8s %6s  %s\n' "$t" "${execs:-0}" "${rate:-0}" "$seeds" "$files" "${cov:-0}" "$result"
  json+="$sep\"$t\":{\"execs\":${execs:-0},\"execs_per_sec\":${rate:-0},\"seeds\":$seeds,\"corpus\":$files,\"cov\":${cov:-0},\"crash\":$([ $rc -ne 0 ] && echo true || echo false)}"
  sep=","
done
json+="}}"
echo "$json"
exit $crashed

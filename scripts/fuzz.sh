#!/usr/bin/env bash
# Builds deepnet's libFuzzer targets (fuzz/, clang with AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs each for a bounded time on a copy of its committed seed
# corpus (fuzz/corpus/<target>). Any crash, leak, timeout, out-of-memory, uncaught exception or
# broken invariant fails the script; the input that caused it is kept in the runs directory
# and its name printed, to be turned into a regression test in tests/.
#
#   scripts/fuzz.sh                  every target for DEEPNET_FUZZ_SECONDS (default 60) each
#   scripts/fuzz.sh fuzz_csv         the named targets only
#   scripts/fuzz.sh --seeds          rewrite fuzz/corpus/ with fuzz/make_seeds.cpp, run nothing
#
# Environment: DEEPNET_FUZZ_BUILD_DIR (default build/fuzz), DEEPNET_FUZZ_WORK_DIR (default
# <build dir>/runs), DEEPNET_FUZZ_SECONDS, DEEPNET_FUZZ_RSS_MB (default 2048).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dir="${DEEPNET_FUZZ_BUILD_DIR:-$DEEPNET_ROOT/build/fuzz}"
work_dir="${DEEPNET_FUZZ_WORK_DIR:-$build_dir/runs}"
seconds="${DEEPNET_FUZZ_SECONDS:-60}"
rss_mb="${DEEPNET_FUZZ_RSS_MB:-2048}"
all_targets=(fuzz_model_load fuzz_idx fuzz_csv fuzz_construct)

seeds_only=0
targets=()
for arg in "$@"; do
  case "$arg" in
    --seeds) seeds_only=1 ;;
    fuzz_*) targets+=("$arg") ;;
    *)
      echo "usage: scripts/fuzz.sh [--seeds] [fuzz_model_load|fuzz_idx|fuzz_csv|fuzz_construct]..." >&2
      exit 2
      ;;
  esac
done
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")

deepnet_log "packages"
# clang and its runtime libraries (libFuzzer, the sanitizers): libclang-rt-dev on Debian 12
# (it pulls libclang-rt-14-dev).
deepnet_require_packages libeigen3-dev zlib1g-dev cmake make clang libclang-rt-dev

deepnet_log "build ($build_dir)"
deepnet_run cmake -S "$DEEPNET_ROOT/fuzz" -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=
if [ "$seeds_only" = 1 ]; then
  deepnet_run cmake --build "$build_dir" --target make_seeds --parallel "$(deepnet_jobs)"
  deepnet_run "$build_dir/make_seeds" "$DEEPNET_ROOT/fuzz/corpus"
  exit 0
fi
deepnet_run cmake --build "$build_dir" --target "${targets[@]}" --parallel "$(deepnet_jobs)"

# Runs one target; its summary line goes to <runs>/<target>.summary and its result (ok or
# failed) to <runs>/<target>.result.
run_target() {
  local target="$1"
  local corpus="$work_dir/corpus/$target"
  local artifacts="$work_dir/artifacts/$target"
  local log="$work_dir/$target.log"
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  cp "$DEEPNET_ROOT/fuzz/corpus/$target/"* "$corpus/"
  local status=0
  # -timeout: one input may take 10 s at most; -rss_limit_mb also caps single allocations
  # (malloc_limit_mb defaults to it); leaks are reported by LeakSanitizer at the end of each
  # input (-detect_leaks=1); ASan's and UBSan's first report ends the run.
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:abort_on_error=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$build_dir/$target" "$corpus" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb="$rss_mb" -detect_leaks=1 \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    >"$log" 2>&1 || status=$?
  local runs corpus_size found
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  corpus_size="$(find "$corpus" -type f | wc -l)"
  found="$(find "$artifacts" -type f | wc -l)"
  echo "$target: ${runs:-?} executions in ${seconds} s, corpus $corpus_size inputs, findings $found" \
    >"$work_dir/$target.summary"
  if [ "$status" -eq 0 ] && [ "$found" -eq 0 ]; then
    echo ok >"$work_dir/$target.result"
  else
    echo "failed (exit status $status)" >"$work_dir/$target.result"
  fi
}

# The targets run side by side, one per core (each fuzzer is a single process).
jobs="$(deepnet_jobs)"
mkdir -p "$work_dir"
deepnet_log "${targets[*]}: ${seconds} s each, $jobs at a time"
for target in "${targets[@]}"; do
  rm -f "$work_dir/$target.summary" "$work_dir/$target.result"
  deepnet_wait_for_slot "$jobs"
  run_target "$target" &
done
wait

summary=()
failed=()
for target in "${targets[@]}"; do
  result="$(cat "$work_dir/$target.result" 2>/dev/null || echo "failed (no result)")"
  summary+=("$(cat "$work_dir/$target.summary" 2>/dev/null || echo "$target: no summary")")
  if [ "$result" != ok ]; then
    failed+=("$target")
    echo "error: $target $result; the end of its log:" >&2
    tail -n 60 "$work_dir/$target.log" >&2
    find "$work_dir/artifacts/$target" -type f -printf 'finding: %p\n' >&2
  fi
done

deepnet_log "summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "error: fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing: no findings"

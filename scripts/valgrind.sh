#!/usr/bin/env bash
# Runs the example programs under valgrind (memcheck) with small settings: any invalid read or
# write, use of uninitialised memory, bad free or definite leak fails the script
# (--error-exitcode=1). The examples come from the build of scripts/test.sh (build/, or
# $DEEPNET_BUILD_DIR), configured and built here when missing.
#
#   scripts/valgrind.sh
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dir="${DEEPNET_BUILD_DIR:-$DEEPNET_ROOT/build}"
# regularization is left out: it has no flag for a short run, and its 3 x 30000 iterations
# would take a quarter of an hour under valgrind.
examples=(deep_network dimensions planar optimizers custom_optimizer)

deepnet_log "packages"
deepnet_require_packages libeigen3-dev catch2 cmake g++ make valgrind

deepnet_log "build the examples ($build_dir)"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  deepnet_configure "$build_dir"
fi
deepnet_run cmake --build "$build_dir" --parallel "$(deepnet_jobs)" --target "${examples[@]}"

# Each example with arguments that keep it short under valgrind (roughly 20 to 50 times slower
# than natively); the output goes to a log, shown when the run fails.
declare -A arguments=(
  [deep_network]="--iterations 200"
  [dimensions]=""
  [planar]=""
  [optimizers]="--epochs 100"
  [custom_optimizer]="--epochs 10"
)
log_dir="$build_dir/valgrind"
mkdir -p "$log_dir"

# Runs one example under valgrind; its exit status goes to <log dir>/<example>.result.
run_example() {
  local example="$1" args status=0 start=$SECONDS
  read -r -a args <<<"${arguments[$example]}"
  valgrind --error-exitcode=1 --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --log-file="$log_dir/$example.valgrind" \
    "$build_dir/examples/$example" "${args[@]}" >"$log_dir/$example.log" 2>&1 || status=$?
  echo "$example ${args[*]}: exit status $status, $((SECONDS - start)) s"
  echo "$status" >"$log_dir/$example.result"
}

# The examples run side by side, one per core (valgrind runs a program on one thread).
jobs="$(deepnet_jobs)"
for example in "${examples[@]}"; do
  rm -f "$log_dir/$example.result"
  deepnet_wait_for_slot "$jobs"
  printf '+ valgrind ... %s %s\n' "$build_dir/examples/$example" "${arguments[$example]}" >&2
  run_example "$example" &
done
wait

failed=()
for example in "${examples[@]}"; do
  status="$(cat "$log_dir/$example.result" 2>/dev/null || echo "no result")"
  if [ "$status" != 0 ]; then
    failed+=("$example")
    echo "error: $example under valgrind (exit status $status); its report:" >&2
    cat "$log_dir/$example.valgrind" >&2 || true
    tail -n 20 "$log_dir/$example.log" >&2 || true
  else
    grep -h "ERROR SUMMARY" "$log_dir/$example.valgrind" || true
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "error: valgrind found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "valgrind: ok (${examples[*]})"

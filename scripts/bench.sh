#!/usr/bin/env bash
# Runs deepnet's benchmarks against libtorch and writes benchmarks/results.md:
#   1. installs the Debian packages it needs that are missing (libtorch-dev is optional: when
#      it cannot be installed, the libtorch columns say "not measured"),
#   2. configures a Release build with -march=native and OpenMP into build-bench/ (or
#      $DEEPNET_BENCH_BUILD_DIR) and builds the benchmark programs,
#   3. runs every workload (W1 to W5) with 1 and 2 threads, deepnet and libtorch one after the
#      other in each round (the order swaps every round), $DEEPNET_BENCH_ROUNDS rounds (default 3) of
#      $DEEPNET_BENCH_REPETITIONS repetitions (default 3),
#   4. measures the peak memory of a W2 epoch,
#   5. writes the medians, ratios and goals to benchmarks/results.md (raw JSON in
#      benchmarks/results/raw/).
# Threads: OMP_NUM_THREADS is the count compared, for deepnet's Eigen and for libtorch;
# OPENBLAS_NUM_THREADS=1 keeps the OpenBLAS under Debian's libtorch from starting a pool of its
# own next to libtorch's threads.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dir="${DEEPNET_BENCH_BUILD_DIR:-$DEEPNET_ROOT/build-bench}"
rounds="${DEEPNET_BENCH_ROUNDS:-3}"
repetitions="${DEEPNET_BENCH_REPETITIONS:-3}"
threads_list=(1 2)
raw_dir="$DEEPNET_ROOT/benchmarks/results/raw"
results="$DEEPNET_ROOT/benchmarks/results.md"

deepnet_log "packages"
deepnet_require_packages libeigen3-dev libbenchmark-dev cmake g++ make python3 time
# libtorch's products go through the system's libblas.so.3: without OpenBLAS that is the
# reference BLAS, several times slower, and the comparison would flatter deepnet.
if ! deepnet_require_packages libtorch-dev libopenblas0-pthread; then
  echo "note: libtorch-dev could not be installed; the libtorch columns will say 'not measured'" >&2
fi

deepnet_log "configure ($build_dir)"
deepnet_configure_benchmarks "$build_dir"

targets=(bench_deepnet bench_memory)
# bench_torch exists only when CMake found libtorch.
if cmake --build "$build_dir" --target help 2>/dev/null | grep -q bench_torch; then
  targets+=(bench_torch)
fi
deepnet_log "build ${targets[*]}"
deepnet_run cmake --build "$build_dir" --parallel "$(deepnet_jobs)" --target "${targets[@]}"

bin="$build_dir/benchmarks"
have_torch=0
if [[ " ${targets[*]} " == *" bench_torch "* ]]; then
  have_torch=1
fi

rm -rf "$raw_dir"
mkdir -p "$raw_dir"
cp /proc/loadavg "$raw_dir/loadavg.txt" 2>/dev/null || true

# run LIBRARY THREADS FILTER ROUND: one program, one group of workloads, JSON into raw/.
run() {
  local library="$1" threads="$2" filter="$3" round="$4"
  local out="$raw_dir/${library}-${filter}-t${threads}-r${round}.json"
  printf '  %-8s %-3s threads=%s round %s\n' "$library" "$filter" "$threads" "$round" >&2
  env OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    "$bin/bench_$library" --benchmark_filter="^${filter}_" \
    --benchmark_repetitions="$repetitions" \
    --benchmark_out="$out" --benchmark_out_format=json >/dev/null
}

deepnet_log "run: $rounds rounds of $repetitions repetitions"
for round in $(seq 1 "$rounds"); do
  for threads in "${threads_list[@]}"; do
    for workload in W1 W2 W3; do
      libraries=(deepnet)
      if [ "$have_torch" = 1 ]; then
        if [ $((round % 2)) = 1 ]; then libraries=(deepnet torch); else libraries=(torch deepnet); fi
      fi
      for library in "${libraries[@]}"; do
        run "$library" "$threads" "$workload" "$round"
      done
    done
    run deepnet "$threads" W4 "$round"
    run deepnet "$threads" W5 "$round"
  done
done

deepnet_log "peak memory of a W2 epoch"
/usr/bin/time -v "$bin/bench_memory" >"$raw_dir/memory.txt" 2>"$raw_dir/memory_time.txt"
cat "$raw_dir/memory.txt" >&2

deepnet_log "report"
compiler="$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build_dir/CMakeCache.txt")"
DEEPNET_BENCH_COMPILER="$("${compiler:-c++}" --version | head -n 1)" \
  DEEPNET_BENCH_ROUNDS="$rounds" DEEPNET_BENCH_REPETITIONS="$repetitions" \
  DEEPNET_BENCH_HAVE_TORCH="$have_torch" \
  deepnet_run python3 "$DEEPNET_ROOT/benchmarks/report.py" "$raw_dir" "$results"
cat "$results"

#!/usr/bin/env bash
# W2 trained data-parallel over MPI with 1 and 2 processes on this machine, and the cost model of
# docs/distributed.md; writes benchmarks/results/mpi.md (raw output in benchmarks/results/mpi/):
#   1. installs the Debian packages it needs that are missing (Open MPI among them),
#   2. configures the benchmarks' Release build (-march=native, OpenMP) into build-bench/ (or
#      $DEEPNET_BENCH_BUILD_DIR) and builds bench_mpi,
#   3. runs W2 (4 epochs, the first not counted) with 1 and 2 processes, alternating,
#      $DEEPNET_BENCH_ROUNDS rounds (default 3), one thread per process; then a wider network
#      ({784, 1024, 1024, 10}, 2 epochs) once with each,
#   4. benchmarks/mpi_model.py turns the medians into the 2-process ratio, the model's
#      prediction of it from its measured pieces, and the model for P processes on real networks.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dir="${DEEPNET_BENCH_BUILD_DIR:-$DEEPNET_ROOT/build-bench}"
rounds="${DEEPNET_BENCH_ROUNDS:-3}"
raw_dir="$DEEPNET_ROOT/benchmarks/results/mpi"

deepnet_log "packages"
deepnet_require_packages libeigen3-dev libbenchmark-dev libopenmpi-dev openmpi-bin cmake g++ make \
  python3

deepnet_log "configure ($build_dir)"
deepnet_configure_benchmarks "$build_dir"
deepnet_log "build bench_mpi"
deepnet_run cmake --build "$build_dir" --parallel "$(deepnet_jobs)" --target bench_mpi

# One thread per process; Open MPI refuses to run as root (as in CI) without these two, and more
# processes than cores without --oversubscribe.
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() {
  local processes="$1" out="$2"
  shift 2
  deepnet_run mpiexec -n "$processes" --oversubscribe "$build_dir/benchmarks/bench_mpi" "$@" >"$out"
}

rm -rf "$raw_dir"
mkdir -p "$raw_dir"
{
  echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "flags $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|fma|avx512f|avx512bw|avx512vl)$' | tr '\n' ' ')"
  echo "cores $(nproc --all)"
  echo "mpi $(mpiexec --version | head -1)"
  echo "load $(cut -d' ' -f1 /proc/loadavg)"
  echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
} >"$raw_dir/machine.txt"

for ((round = 1; round <= rounds; round++)); do
  if ((round % 2 == 1)); then order=(1 2); else order=(2 1); fi
  for processes in "${order[@]}"; do
    deepnet_log "W2, $processes process(es), round $round of $rounds"
    run "$processes" "$raw_dir/w2-p$processes-r$round.txt" --epochs 4
  done
done
for processes in 1 2; do
  deepnet_log "wide network, $processes process(es)"
  run "$processes" "$raw_dir/wide-p$processes.txt" --hidden 1024 --epochs 2
done

deepnet_log "report"
python3 "$DEEPNET_ROOT/benchmarks/mpi_model.py" "$raw_dir" >"$DEEPNET_ROOT/benchmarks/results/mpi.md"
cat "$DEEPNET_ROOT/benchmarks/results/mpi.md"

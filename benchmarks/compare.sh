#!/usr/bin/env bash
# Compares deepnet's speed on the workloads W1-W3 of bench_deepnet.cpp between an earlier
# commit and the working tree, in one run on one machine:
#   benchmarks/compare.sh BASE_REF [FILTER]
#   e.g. benchmarks/compare.sh ea26ef9        (W1_course_net, W2_mlp_epoch, W3_latency)
# 1. checks BASE_REF out into a temporary git worktree and builds bench_deepnet there and in
#    the working tree, both Release with -march=native, one thread (no OpenMP), with the
#    working tree's benchmarks/bench_deepnet.cpp and workloads.hpp in both, so that only the
#    library differs;
# 2. runs the two programs alternately, $DEEPNET_COMPARE_ROUNDS rounds (default 5, the order
#    swapping every round), each round one run of every workload;
# 3. prints the CPU's flags, the median time of each workload for both, and the ratio
#    working tree / base (below 1: faster now).
# The machine may be shared: only the ratio of medians measured in the same minutes means
# anything. The exit status is 0 whatever the ratios; non-zero only when a build fails.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

if [ $# -lt 1 ]; then
  echo "usage: $0 BASE_REF [BENCHMARK_FILTER]" >&2
  exit 2
fi
base_ref="$1"
filter="${2:-^(W1_course_net|W2_mlp_epoch|W3_latency)(/|\$)}"
rounds="${DEEPNET_COMPARE_ROUNDS:-5}"

deepnet_require_packages libeigen3-dev libbenchmark-dev cmake g++ make python3

work="$(mktemp -d)"
cleanup() {
  git -C "$DEEPNET_ROOT" worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

deepnet_log "base $base_ref into $work/base"
git -C "$DEEPNET_ROOT" worktree add --detach "$work/base" "$base_ref" >/dev/null
# The same benchmark source on both sides: only the library under it differs.
cp "$DEEPNET_ROOT/benchmarks/bench_deepnet.cpp" "$DEEPNET_ROOT/benchmarks/workloads.hpp" \
  "$work/base/benchmarks/"

build() {  # build SOURCE_DIR BUILD_DIR
  deepnet_run cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DDEEPNET_BUILD_TESTS=OFF \
    -DDEEPNET_BUILD_EXAMPLES=OFF -DDEEPNET_BUILD_BENCHMARKS=ON -DDEEPNET_NATIVE=ON \
    -DDEEPNET_OPENMP=OFF
  deepnet_run cmake --build "$2" --target bench_deepnet --parallel "$(deepnet_jobs)"
}
deepnet_log "build base"
build "$work/base" "$work/build-base"
deepnet_log "build working tree"
build "$DEEPNET_ROOT" "$work/build-now"

echo "CPU flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|avx512f)$' | tr '\n' ' ')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 1; round <= rounds; ++round)); do
  order=(base now)
  if ((round % 2 == 0)); then order=(now base); fi
  for side in "${order[@]}"; do
    OMP_NUM_THREADS=1 "$work/build-$side/benchmarks/bench_deepnet" \
      --benchmark_filter="$filter" --benchmark_format=json \
      --benchmark_out="$work/$side.$round.json" >/dev/null
    if [ ! -s "$work/$side.$round.json" ]; then
      echo "error: no benchmark of $side matches '$filter'" >&2
      exit 1
    fi
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$work" "$rounds" "$base_ref" <<'PY'
import json, statistics, sys
work, rounds, base_ref = sys.argv[1], int(sys.argv[2]), sys.argv[3]
times = {"base": {}, "now": {}}
units = {}
for side in times:
    for r in range(1, rounds + 1):
        with open("%s/%s.%d.json" % (work, side, r)) as f:
            for b in json.load(f)["benchmarks"]:
                times[side].setdefault(b["name"], []).append(b["real_time"])
                units[b["name"]] = b["time_unit"]
print("| workload | base %s: median of %d (range) | working tree | ratio now/base |" % (base_ref, rounds))
print("|---|---|---|---|")
for name in times["base"]:
    b, n = times["base"][name], times["now"].get(name, [float("nan")])
    base, now = statistics.median(b), statistics.median(n)
    unit = units[name]
    print("| %s | %.3f %s (%.3f-%.3f) | %.3f %s (%.3f-%.3f) | %.3fx |"
          % (name.split("/")[0], base, unit, min(b), max(b), now, unit, min(n), max(n), now / base))
PY

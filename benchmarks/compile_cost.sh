#!/usr/bin/env bash
# Measures what deepnet costs the compiler and reports it against the goals:
#   - fit_deepnet.cpp (includes <deepnet/deepnet.hpp>, fits and predicts a DeepNet<float>)
#     compiles in at most 8 s and 600 MB peak memory; its ratio to fit_eigen.cpp, the same
#     training written by hand with <Eigen/Dense>, is printed alongside,
#   - fit_eigen_included.cpp (fit_eigen.cpp's training in a program that also includes
#     <deepnet/deepnet.hpp>) is the floor under fit_deepnet: reading the headers plus Eigen's
#     kernels, with no deepnet code generated; fit_deepnet's cost above it is printed,
#   - include_core.cpp (<deepnet/core.hpp> alone) costs at most 1.5x include_eigen.cpp
#     (<Eigen/Dense> alone) in wall time.
# Each program in benchmarks/compile_cost/ is compiled with `$CXX -std=c++17 -O2 -c`
# $DEEPNET_COMPILE_COST_RUNS times (default 3; the order of the programs alternates from one
# round to the next), and the medians of wall time and peak memory (/usr/bin/time) are kept.
# A program whose deepnet header does not exist is skipped with a note.
# $DEEPNET_COMPILE_COST_INCLUDE (default: the repository's include/) says where deepnet's
# headers are, to measure another copy of them.
# This is a report: the exit status is 0 whether or not the goals are met, and non-zero only
# when a compile fails.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

cxx="${CXX:-g++}"
runs="${DEEPNET_COMPILE_COST_RUNS:-3}"
include_dir="${DEEPNET_COMPILE_COST_INCLUDE:-$DEEPNET_ROOT/include}"
sources="$DEEPNET_ROOT/benchmarks/compile_cost"
flags=(-std=c++17 -O2)

# The goals.
fit_seconds_goal=8
fit_megabytes_goal=600
core_ratio_goal=1.5

# Each program and the deepnet header it needs ("-": none).
programs=(fit_deepnet fit_eigen fit_eigen_included include_core include_eigen include_all)
declare -A header=(
  [fit_deepnet]=deepnet/deepnet.hpp
  [fit_eigen]=-
  [fit_eigen_included]=deepnet/deepnet.hpp
  [include_core]=deepnet/core.hpp
  [include_eigen]=-
  [include_all]=deepnet/deepnet.hpp
)

if [ ! -x /usr/bin/time ]; then
  deepnet_require_packages time
fi

eigen_flags=()
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists eigen3; then
  read -r -a eigen_flags <<<"$(pkg-config --cflags-only-I eigen3)"
else
  eigen_flags=(-I/usr/include/eigen3)
fi
if [ ! -d "$include_dir/deepnet" ]; then
  echo "error: no deepnet headers in $include_dir" >&2
  exit 1
fi

out_dir="$(mktemp -d)"
trap 'rm -rf "$out_dir"' EXIT

measured=()
for program in "${programs[@]}"; do
  if [ "${header[$program]}" != - ] && [ ! -f "$include_dir/${header[$program]}" ]; then
    echo "note: skipping $program: <${header[$program]}> does not exist yet" >&2
  else
    measured+=("$program")
  fi
done

# compile PROGRAM: one compile; appends "seconds kilobytes" to $out_dir/PROGRAM.times.
compile() {
  local program="$1"
  local log="$out_dir/$program.log"
  if ! /usr/bin/time -f '%e %M' -o "$out_dir/$program.time" \
    "$cxx" "${flags[@]}" -c -I"$include_dir" "${eigen_flags[@]}" \
    "$sources/$program.cpp" -o "$out_dir/$program.o" >"$log" 2>&1; then
    echo "error: $program.cpp does not compile:" >&2
    cat "$log" >&2
    exit 1
  fi
  tail -n 1 "$out_dir/$program.time" >>"$out_dir/$program.times"
}

# median COLUMN PROGRAM: the median of one column (1: seconds, 2: kilobytes) of its runs.
median() {
  cut -d ' ' -f "$1" "$out_dir/$2.times" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# range PROGRAM: "min-max" of the wall times.
range() {
  cut -d ' ' -f 1 "$out_dir/$1.times" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'
}

# ratio A B: A / B with two decimals.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# verdict VALUE LIMIT: "met" when VALUE <= LIMIT, "not met" otherwise.
verdict() {
  awk -v v="$1" -v limit="$2" 'BEGIN { print (v <= limit) ? "met" : "not met" }'
}

deepnet_log "compile cost: ${#measured[@]} programs, $runs runs each"
for round in $(seq 1 "$runs"); do
  order=("${measured[@]}")
  if [ $((round % 2)) = 0 ]; then
    order=()
    for ((i = ${#measured[@]} - 1; i >= 0; i--)); do order+=("${measured[$i]}"); done
  fi
  for program in "${order[@]}"; do
    printf '  round %s: %s\n' "$round" "$program" >&2
    compile "$program"
  done
done

declare -A seconds megabytes
for program in "${measured[@]}"; do
  seconds[$program]="$(median 1 "$program")"
  megabytes[$program]="$(awk -v kb="$(median 2 "$program")" 'BEGIN { printf "%.0f", kb / 1024 }')"
done

echo "# deepnet compile cost"
echo
echo "compiler: $("$cxx" --version | head -n 1)"
echo "flags:    ${flags[*]} -c"
echo "cpu:      $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1) ($(deepnet_jobs) cores)"
echo "load:     $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo unknown) (1, 5, 15 min)"
echo "runs:     $runs per program, medians"
echo
printf '| %-18s | %9s | %13s | %9s |\n' program "wall (s)" "range (s)" "peak (MB)"
printf '|%s|%s|%s|%s|\n' "--------------------" "-----------" "---------------" "-----------"
for program in "${programs[@]}"; do
  if [ -n "${seconds[$program]:-}" ]; then
    printf '| %-18s | %9s | %13s | %9s |\n' "$program" "${seconds[$program]}" \
      "$(range "$program")" "${megabytes[$program]}"
  else
    printf '| %-18s | %9s | %13s | %9s |\n' "$program" skipped - -
  fi
done
echo
echo "## goals"
echo
if [ -n "${seconds[fit_deepnet]:-}" ]; then
  s="${seconds[fit_deepnet]}"
  mb="${megabytes[fit_deepnet]}"
  echo "- fit_deepnet wall time ${s} s <= ${fit_seconds_goal} s:" \
    "$(verdict "$s" "$fit_seconds_goal") ($(ratio "$s" "$fit_seconds_goal")x the limit)"
  echo "- fit_deepnet peak memory ${mb} MB <= ${fit_megabytes_goal} MB:" \
    "$(verdict "$mb" "$fit_megabytes_goal") ($(ratio "$mb" "$fit_megabytes_goal")x the limit)"
  echo "- fit_deepnet / fit_eigen (for information): $(ratio "$s" "${seconds[fit_eigen]}")x" \
    "wall time, $(ratio "$mb" "${megabytes[fit_eigen]}")x peak memory"
else
  echo "- fit_deepnet <= ${fit_seconds_goal} s and <= ${fit_megabytes_goal} MB:" \
    "not measured (<${header[fit_deepnet]}> is missing)"
fi
if [ -n "${seconds[include_core]:-}" ]; then
  r="$(ratio "${seconds[include_core]}" "${seconds[include_eigen]}")"
  echo "- include_core / include_eigen wall time ${r}x <= ${core_ratio_goal}x:" \
    "$(verdict "$r" "$core_ratio_goal") (peak memory" \
    "$(ratio "${megabytes[include_core]}" "${megabytes[include_eigen]}")x)"
else
  echo "- include_core <= ${core_ratio_goal}x include_eigen:" \
    "not measured (<${header[include_core]}> is missing)"
fi
if [ -n "${seconds[include_all]:-}" ]; then
  echo "- include_all / include_eigen (for information):" \
    "$(ratio "${seconds[include_all]}" "${seconds[include_eigen]}")x wall time"
fi

#!/usr/bin/env bash
# scikit-learn's 8x8 digits from a CSV file: deepnet's accuracy next to scikit-learn's
# MLPClassifier on the same split (examples/digits_csv.cpp, examples/digits_export.py):
#   1. installs the Debian packages the build needs that are missing (apt-get, through sudo if
#      needed); scikit-learn is not installed here: without it the script says how and ends
#      with status 77 (skipped),
#   2. configures build/ (or $DEEPNET_BUILD_DIR) as scripts/test.sh does and builds digits_csv,
#   3. exports the data set to <build>/examples/digits.csv (it ships with scikit-learn),
#   4. runs digits_csv, which trains, prints its report and writes the split it used,
#   5. trains MLPClassifier on that split with the same hidden size, optimizer and epochs,
#   6. prints both accuracies.
# Arguments go to both programs: --epochs N, --hidden N, --batch-size B, --seed S.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dir="${DEEPNET_BUILD_DIR:-$DEEPNET_ROOT/build}"
jobs="$(deepnet_jobs)"
python=/usr/bin/python3

deepnet_log "packages"
deepnet_require_packages libeigen3-dev catch2 cmake g++ make python3
if ! "$python" -c 'import sklearn' 2>/dev/null; then
  echo "digits.sh: scikit-learn is not installed for $python; on Debian or Ubuntu:" >&2
  echo "    sudo apt-get install python3-sklearn" >&2
  echo "Skipped." >&2
  exit 77
fi

deepnet_log "configure ($build_dir)"
deepnet_configure "$build_dir"

deepnet_log "build digits_csv ($jobs jobs)"
deepnet_run cmake --build "$build_dir" --target digits_csv --parallel "$jobs"

program="$build_dir/examples/digits_csv"
for candidate in "$program" "$build_dir/examples/Release/digits_csv"; do
  if [ -x "$candidate" ]; then
    program="$candidate"
    break
  fi
done
data_dir="$(dirname "$program")"

deepnet_log "export the digits"
deepnet_run "$python" "$DEEPNET_ROOT/examples/digits_export.py" export "$data_dir"

deepnet_log "deepnet"
ours="$(mktemp)"
theirs="$(mktemp)"
trap 'rm -f "$ours" "$theirs"' EXIT
deepnet_run "$program" --data "$data_dir/digits.csv" --split "$data_dir/digits_split.csv" "$@" |
  tee "$ours"

deepnet_log "scikit-learn"
deepnet_run "$python" "$DEEPNET_ROOT/examples/digits_export.py" sklearn "$@" \
  --data "$data_dir/digits.csv" --split "$data_dir/digits_split.csv" | tee "$theirs"

deepnet_log "both, on the same test images"
printf 'deepnet:      %s\n' "$(grep '^Test accuracy' "$ours")"
printf '              %s\n' "$(grep '^Built with' "$ours")"
printf 'scikit-learn: %s\n' "$(grep '^Test accuracy' "$theirs")"
printf '              %s\n' "$(grep '^scikit-learn' "$theirs")"

#!/usr/bin/env bash
# Builds and runs the deep_network example (examples/deep_network.cpp):
#   1. installs the Debian packages it needs that are missing (apt-get, through sudo if needed),
#   2. configures build/ (or $DEEPNET_BUILD_DIR) as scripts/test.sh does,
#   3. builds the target deep_network alone,
#   4. runs it; arguments go to the program, e.g. `scripts/demo.sh --help`.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dir="${DEEPNET_BUILD_DIR:-$DEEPNET_ROOT/build}"
jobs="$(deepnet_jobs)"

deepnet_log "packages"
# catch2 too: configuring the build tree also sets up the tests.
deepnet_require_packages libeigen3-dev catch2 cmake g++ make

deepnet_log "configure ($build_dir)"
deepnet_configure "$build_dir"

deepnet_log "build deep_network ($jobs jobs)"
deepnet_run cmake --build "$build_dir" --target deep_network --parallel "$jobs"

program="$build_dir/examples/deep_network"
for candidate in "$program" "$build_dir/examples/Release/deep_network"; do
  if [ -x "$candidate" ]; then
    program="$candidate"
    break
  fi
done

deepnet_log "run"
printf '+ %s\n' "$program $*" >&2
exec "$program" "$@"

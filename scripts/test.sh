#!/usr/bin/env bash
# Runs deepnet's whole test suite on a Debian machine:
#   1. installs the Debian packages it needs that are missing (apt-get, through sudo if needed;
#      Open MPI for the data-parallel tests, which run under mpiexec with 1, 2 and 3 processes),
#   2. configures a Release build with warnings as errors into build/ (or $DEEPNET_BUILD_DIR),
#   3. builds everything on all cores,
#   4. runs ctest in parallel; arguments go to ctest, e.g. `scripts/test.sh -L unit`
#      or `scripts/test.sh -R test_model` (one test executable; see tests/CMakeLists.txt).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dir="${DEEPNET_BUILD_DIR:-$DEEPNET_ROOT/build}"
jobs="$(deepnet_jobs)"

deepnet_log "packages"
deepnet_require_packages libeigen3-dev catch2 python3-numpy cmake g++ make librsvg2-bin zlib1g-dev dataset-fashion-mnist \
  libopenmpi-dev openmpi-bin

deepnet_log "configure ($build_dir)"
deepnet_configure "$build_dir"

deepnet_log "build ($jobs jobs)"
deepnet_run cmake --build "$build_dir" --parallel "$jobs"

deepnet_log "test"
cd "$build_dir"
deepnet_run ctest --output-on-failure --no-tests=error -j "$jobs" "$@"

# shellcheck shell=bash
# Shared by scripts/test.sh, scripts/demo.sh and .ci/run; source it, do not run it.
#
#   deepnet_run CMD...                    prints CMD, then runs it
#   deepnet_apt_get ARGS...               apt-get ARGS as root (through sudo when not root)
#   deepnet_require_packages PKG...       installs the Debian packages that are missing
#   deepnet_jobs                          prints the number of cores
#   deepnet_wait_for_slot N               waits until fewer than N background jobs run
#   deepnet_configure BUILD_DIR           configures deepnet into BUILD_DIR for tests and demos
#   deepnet_configure_benchmarks DIR      configures the benchmarks (scripts/bench*.sh) into DIR
#
# DEEPNET_APT_UPDATED=1 in the environment says that `apt-get update` has already run.

DEEPNET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

deepnet_log() {
  printf '\n--- %s\n' "$*" >&2
}

deepnet_run() {
  printf '+ %s\n' "$*" >&2
  "$@"
}

deepnet_apt_get() {
  if [ "$(id -u)" -eq 0 ]; then
    deepnet_run env DEBIAN_FRONTEND=noninteractive apt-get "$@"
  elif command -v sudo >/dev/null 2>&1; then
    deepnet_run sudo env DEBIAN_FRONTEND=noninteractive apt-get "$@"
  else
    echo "error: need root to run 'apt-get $*': run as root or install sudo" >&2
    return 1
  fi
}

deepnet_package_installed() {
  local status
  status="$(dpkg -s "$1" 2>/dev/null)" || return 1
  [[ "$status" == *$'\nStatus: install ok installed\n'* ]]
}

deepnet_require_packages() {
  if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: not a Debian-like system; make sure these are installed: $*" >&2
    return 0
  fi
  local missing=() package
  for package in "$@"; do
    deepnet_package_installed "$package" || missing+=("$package")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "packages already installed: $*" >&2
    return 0
  fi
  deepnet_log "installing missing packages: ${missing[*]}"
  if [ "${DEEPNET_APT_UPDATED:-0}" != 1 ]; then
    deepnet_apt_get update
    export DEEPNET_APT_UPDATED=1
  fi
  deepnet_apt_get install -y --no-install-recommends "${missing[@]}"
}

deepnet_jobs() {
  nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2
}

# For scripts that start single-threaded jobs in the background, one per core: each job
# reports its own result in a file, so their exit statuses are not collected here.
deepnet_wait_for_slot() {
  while [ "$(jobs -rp | wc -l)" -ge "$1" ]; do wait -n || true; done
}

# One configuration for both the tests and the demo, so that they can share a build directory.
deepnet_configure() {
  deepnet_run cmake -S "$DEEPNET_ROOT" -B "$1" \
    -DCMAKE_BUILD_TYPE=Release \
    -DDEEPNET_WERROR=ON \
    -DDEEPNET_BUILD_TESTS=ON \
    -DDEEPNET_BUILD_EXAMPLES=ON
}

# The benchmarks' build (scripts/bench.sh, scripts/bench_mpi.sh share it): Release,
# -march=native, OpenMP, the benchmark programs alone.
deepnet_configure_benchmarks() {
  deepnet_run cmake -S "$DEEPNET_ROOT" -B "$1" \
    -DCMAKE_BUILD_TYPE=Release \
    -DDEEPNET_BUILD_TESTS=OFF \
    -DDEEPNET_BUILD_EXAMPLES=OFF \
    -DDEEPNET_BUILD_BENCHMARKS=ON \
    -DDEEPNET_NATIVE=ON \
    -DDEEPNET_OPENMP=ON
}

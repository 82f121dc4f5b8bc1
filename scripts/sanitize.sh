#!/usr/bin/env bash
# Runs deepnet's tests under the sanitizers, with every report fatal (-fno-sanitize-recover=all,
# halt_on_error), so that any report fails the script:
#   asan  the whole suite (the test executables and the examples; not the package tests and the
#         documentation's checks, which only rebuild the same code in other projects) built with
#         the `asan-ubsan` preset of CMakePresets.json: clang, AddressSanitizer (with
#         LeakSanitizer) and UndefinedBehaviorSanitizer, -O1 -g1 (line tables)
#   tsan  test_concurrency, built with the `tsan` preset: clang, ThreadSanitizer
#
#   scripts/sanitize.sh            both
#   scripts/sanitize.sh asan       one of them; further arguments go to ctest
#
# DEEPNET_ASAN_TESTS="test_a test_b ..." builds and runs only those test executables under ASan.
# Build directories: $DEEPNET_SANITIZE_BUILD_DIR/{asan-ubsan,tsan} (default build/).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

base_dir="${DEEPNET_SANITIZE_BUILD_DIR:-$DEEPNET_ROOT/build}"
jobs="$(deepnet_jobs)"
modes=(asan tsan)
if [ "$#" -gt 0 ] && { [ "$1" = asan ] || [ "$1" = tsan ]; }; then
  modes=("$1")
  shift
fi

deepnet_log "packages"
# clang and its sanitizer runtimes for asan: libclang-rt-dev on Debian 12 (it pulls
# libclang-rt-14-dev).
deepnet_require_packages libeigen3-dev catch2 python3-numpy zlib1g-dev cmake g++ make clang \
  libclang-rt-dev

# Configures with the preset into its own directory, builds the given targets (all when none).
build_with_preset() {
  local preset="$1" dir="$2"
  shift 2
  deepnet_log "configure with preset $preset ($dir)"
  (cd "$DEEPNET_ROOT" && deepnet_run cmake --preset "$preset" -B "$dir")
  deepnet_log "build ($jobs jobs)"
  if [ "$#" -gt 0 ]; then
    deepnet_run cmake --build "$dir" --parallel "$jobs" --target "$@"
  else
    deepnet_run cmake --build "$dir" --parallel "$jobs"
  fi
}

for mode in "${modes[@]}"; do
  case "$mode" in
    asan)
      dir="$base_dir/asan-ubsan"
      filter=(-LE 'package|tutorial')
      if [ -n "${DEEPNET_ASAN_TESTS:-}" ]; then
        read -r -a asan_tests <<<"$DEEPNET_ASAN_TESTS"
        build_with_preset asan-ubsan "$dir" "${asan_tests[@]}"
        pattern="$(printf '%s:|' "${asan_tests[@]}")"
        filter=(-R "^(${pattern%|})")
      else
        build_with_preset asan-ubsan "$dir"
      fi
      deepnet_log "test under ASan + UBSan"
      (cd "$dir" &&
        ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
          UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
          deepnet_run ctest --output-on-failure --no-tests=error -j "$jobs" "${filter[@]}" "$@")
      ;;
    tsan)
      dir="$base_dir/tsan"
      build_with_preset tsan "$dir" test_concurrency
      deepnet_log "test_concurrency under ThreadSanitizer"
      (cd "$dir" &&
        TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" \
          deepnet_run ctest --output-on-failure --no-tests=error -R '^test_concurrency:' "$@")
      ;;
  esac
done
echo "sanitizers: ok (${modes[*]})"

#!/usr/bin/env bash
# Builds deepnet's API reference with Doxygen and fails if Doxygen reports anything: an
# undocumented public name, a malformed comment. Also checks that the code blocks of the
# Markdown documentation are the files they show.
#   1. installs doxygen and python3 when missing (apt-get, through sudo if needed),
#   2. configures into build/ (or $DEEPNET_BUILD_DIR) and builds the `docs` target,
#   3. prints the warnings file and fails unless it is empty.
# The reference is then in <build>/docs/html/index.html.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dir="${DEEPNET_BUILD_DIR:-$DEEPNET_ROOT/build}"

deepnet_log "packages"
deepnet_require_packages doxygen python3 libeigen3-dev cmake g++ make

deepnet_log "code blocks of the documentation"
deepnet_run python3 "$DEEPNET_ROOT/tests/docs/doc_code.py" check "$DEEPNET_ROOT" \
  "$DEEPNET_ROOT/README.md" "$DEEPNET_ROOT"/docs/*.md "$DEEPNET_ROOT/examples/README.md"
deepnet_run python3 "$DEEPNET_ROOT/tests/docs/doc_code.py" check "$DEEPNET_ROOT" \
  "$DEEPNET_ROOT/docs/tutorial.md" --all-marked

deepnet_log "configure ($build_dir)"
deepnet_configure "$build_dir"

deepnet_log "API reference (Doxygen $(doxygen --version))"
warnings="$build_dir/docs/doxygen-warnings.txt"
deepnet_run cmake --build "$build_dir" --target docs
if [ ! -f "$warnings" ]; then
  echo "error: Doxygen wrote no warnings file ($warnings): did it run?" >&2
  exit 1
fi
if [ -s "$warnings" ]; then
  cat "$warnings" >&2
  echo "error: Doxygen reported $(wc -l <"$warnings") warning line(s) (above): document every public name" >&2
  exit 1
fi
echo "API reference: $build_dir/docs/html/index.html (no warnings)"

#!/usr/bin/env bash
# Recompute the golden test's reference (tests/golden/reference.json) from the built
# program, after a change that is meant to move model outputs. Say in the commit which
# outputs moved, by how much and why: tests/golden/README.md.
# Usage: scripts/update-golden.sh [BUILD_DIR]   (default: build; built first if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j2 --target greenshift >/dev/null
/usr/bin/python3 tests/golden/golden.py check "$build/apps/greenshift" . || true
/usr/bin/python3 tests/golden/golden.py update "$build/apps/greenshift" .

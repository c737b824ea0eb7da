#!/usr/bin/env bash
# Set up a fresh Debian 12 machine (installs the packages, test tools included),
# build greenshift with its tests, and run the whole suite; then the suite again under
# AddressSanitizer and UndefinedBehaviorSanitizer, and a bounded fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-tests
mpi=OFF  # the MPI tests need the MPI build; without mpicxx they report SKIPPED
if command -v mpicxx >/dev/null; then mpi=ON; fi
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DGREENSHIFT_TESTS=ON -DGREENSHIFT_MPI=$mpi >/dev/null
cmake --build build-test -j2
cd build-test
ctest --output-on-failure -j2 --timeout 600
cd ..
# docs/reliability.md: what these prove and what they cost.
scripts/sanitize.sh
scripts/fuzz.sh 30  # seconds per target: 2 targets, 1 min in all (CI time: docs/reliability.md)

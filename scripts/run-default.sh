#!/usr/bin/env bash
# Set up a fresh Debian 12 machine (installs the packages), build greenshift in
# Release, and run the default scenario (Morocco's COP22 programme) and its baseline.
# Results: out/morocco-cop22.h5 and out/morocco-baseline.h5.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGREENSHIFT_TESTS=OFF -DGREENSHIFT_BENCH=OFF >/dev/null
cmake --build build -j2 --target greenshift
mkdir -p out
./build/apps/greenshift run scenarios/morocco-cop22.yaml -o out/morocco-cop22.h5 --force
./build/apps/greenshift run scenarios/morocco-baseline.yaml -o out/morocco-baseline.h5 --force
echo "results: out/morocco-cop22.h5 out/morocco-baseline.h5 (try: ncdump -h out/morocco-cop22.h5)"

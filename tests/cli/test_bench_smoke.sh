#!/usr/bin/env bash
# bench/run.sh --smoke on an existing build: the script runs to the end and prints
# every figure of the performance table with a value (timings are never judged here);
# bench/sensitivity_throughput.sh on a tiny design likewise.
#   test_bench_smoke.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/cli/lib.sh"

expect 0 "bench/run.sh --smoke runs to the end" -- bash "$src/bench/run.sh" --smoke --no-build --build-dir "$build"
cp "$tmp/out" "$tmp/table"
for row in "stress-1m firm-steps/s, 1 thread" "stress-1m firm-steps/s, 2 thread" "parallel efficiency" \
           "bytes per firm (peak RSS" "100M firms x 30 yr" "bass mode firm-steps/s" "plain C++ loop -O2" \
           "plain C++ loop -O3 -march=native" "numpy script firm-steps/s" "bass / numpy" "bass / C++ loop -O2" \
           "one Morocco run"; do
    matches "$tmp/table" "^ *$(printf '%s' "$row" | sed 's/[][().*+?^$/\\]/\\&/g').* [0-9]" "row '$row' has a value"
done
matches "$tmp/table" "^firm pass +[0-9.]+ +[0-9.]+%" "the phase profile is printed"
# bench/sensitivity_throughput.sh at N = 2 (28 samples, 56 runs per case)
expect 0 "bench/sensitivity_throughput.sh at N = 2 runs to the end" -- \
    bash "$src/bench/sensitivity_throughput.sh" "$build/apps/greenshift" 2 2
for case in sobol reference; do
    matches "$tmp/out" "^$case +56 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+% +[0-9]+ " "sensitivity bench: the $case row has its figures"
done
echo "$fails failure(s)"
[ "$fails" -eq 0 ]

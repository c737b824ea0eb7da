#!/usr/bin/env bash
# Batch throughput on the Morocco batch (scenarios/morocco-cop22-batch.yaml): runs/s,
# firm-steps/s and the share of the time spent writing HDF5 (part files, shared
# over the threads, plus the batch file), with 1 and 2 threads.
# Usage: bench/batch_throughput.sh [GREENSHIFT_EXE] [BATCH.yaml]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
exe=${1:-$here/build/apps/greenshift}
batch=${2:-$here/scenarios/morocco-cop22-batch.yaml}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-8s %8s %10s %10s %14s %12s %14s\n' threads runs wall_s runs/s firm-steps/s hdf5_share "parts+file_s"
for threads in 1 2; do
    "$exe" batch "$batch" -o "$tmp/b$threads.h5" --threads "$threads" -q 2>"$tmp/log$threads"
    line=$(grep '^wrote' "$tmp/log$threads")
    # wrote OUT: N runs (...) in W s with T threads: R runs/s, F firm-steps/s; HDF5 writing S% ... (parts P s, batch file A s)
    runs=$(sed -E 's/.*: ([0-9]+) runs \(.*/\1/' <<<"$line")
    wall=$(sed -E 's/.* in ([0-9.]+) s with.*/\1/' <<<"$line")
    rate=$(sed -E 's/.*threads: ([0-9.]+) runs\/s.*/\1/' <<<"$line")
    fsr=$(sed -E 's/.* ([0-9.e+]+) firm-steps\/s.*/\1/' <<<"$line")
    share=$(sed -E 's/.*HDF5 writing ([0-9.]+%).*/\1/' <<<"$line")
    io=$(sed -E 's/.*\(parts ([0-9.]+) s, batch file ([0-9.]+) s\).*/\1+\2/' <<<"$line")
    printf '%-8s %8s %10s %10s %14s %12s %14s\n' "$threads" "$runs" "$wall" "$rate" "$fsr" "$share" "$io"
done
/usr/bin/python3 "$here/tests/python/compare_runs.py" "$tmp/b1.h5" "$tmp/b2.h5" >/dev/null &&
    echo "1 and 2 threads: identical datasets" || echo "1 and 2 threads: DATASETS DIFFER"

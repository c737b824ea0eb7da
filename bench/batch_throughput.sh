#!/usr/bin/env bash
# Batch throughput on the Morocco batch (scenarios/morocco-cop22-batch.yaml, 300 runs):
# runs per second of the whole command (HDF5 batch file included), firm-steps/s while
# computing, and the share of the time spent writing HDF5 (part files: thread-seconds
# shared over the threads; plus the batch file), with 1 and 2 threads, best of
# REPEAT (default 3) by wall time.
# Usage: [REPEAT=3] bench/batch_throughput.sh [GREENSHIFT_EXE] [BATCH.yaml]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
exe=${1:-$here/build/apps/greenshift}
batch=${2:-$here/scenarios/morocco-cop22-batch.yaml}
repeat=${REPEAT:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
printf '%-8s %6s %10s %10s %14s %12s %14s\n' threads runs wall_s runs/s firm-steps/s hdf5_share "parts+file_s"
for threads in 1 2; do
    best=""
    for ((k = 1; k <= repeat; k++)); do
        rm -rf "$tmp/b$threads.h5" "$tmp/b$threads.h5.parts"
        t0=$(now)
        "$exe" batch "$batch" -o "$tmp/b$threads.h5" --threads "$threads" -q 2>"$tmp/log"
        wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
        if [ -z "$best" ] || awk -v w="$wall" -v b="$best" 'BEGIN { exit !(w < b) }'; then
            best=$wall
            cp "$tmp/log" "$tmp/log$threads"
        fi
    done
    line=$(grep '^wrote' "$tmp/log$threads")
    # wrote OUT: N runs (...) in W s with T threads: R runs/s, F firm-steps/s; HDF5 writing S% ... (parts P s, batch file A s)
    runs=$(sed -E 's/.*: ([0-9]+) runs \(.*/\1/' <<<"$line")
    rate=$(awk -v n="$runs" -v w="$best" 'BEGIN { printf "%.2f", n / w }')
    fsr=$(sed -E 's/.* ([0-9.e+]+) firm-steps\/s.*/\1/' <<<"$line")
    share=$(sed -E 's/.*HDF5 writing ([0-9.]+%).*/\1/' <<<"$line")
    io=$(sed -E 's/.*\(parts ([0-9.]+) s, batch file ([0-9.]+) s\).*/\1+\2/' <<<"$line")
    printf '%-8s %6s %10s %10s %14s %12s %14s\n' "$threads" "$runs" "$best" "$rate" "$fsr" "$share" "$io"
done
/usr/bin/python3 "$here/tests/python/compare_runs.py" "$tmp/b1.h5" "$tmp/b2.h5" >/dev/null &&
    echo "1 and 2 threads: identical datasets" || echo "1 and 2 threads: DATASETS DIFFER"

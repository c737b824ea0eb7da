#!/usr/bin/env bash
# The Morocco Sobol design of docs/sensitivity.md at full size, HDF5 batch file
# included, beside a reference of as many plain runs in the same session:
#   sobol      scenarios/morocco-cop22-sensitivity.yaml with sensitivity: {method: sobol, N}
#              — 12 parameters, N (12 + 2) samples (7,168 at N = 512), each run for the
#              programme and for its paired baseline: 2 N (12 + 2) runs (14,336);
#   reference  the same file, the same variants and uncertain parameters, without the
#              sensitivity block: a Latin hypercube of as many samples, as many runs.
# Prints, per case, the runs, the wall time of the whole command, runs per second, its
# CPU time (user + system: what the run costs, whatever else the machine runs), the
# share greenshift reports for HDF5 writing, the file's size, and the load average
# before and after (wall times mean little on a machine shared with other work).
# Usage: bench/sensitivity_throughput.sh [GREENSHIFT_EXE] [N (512)] [THREADS (2)] [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
exe=${1:-$here/build/apps/greenshift}
base=${2:-512}
threads=${3:-2}
tmp=${4:-$(mktemp -d)}
[ -n "${4:-}" ] || trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
src=$here/scenarios/morocco-cop22-sensitivity.yaml
d=$(sed -n '/^uncertain:/,/^[a-z]/p' "$src" | grep -c '^  [a-z].*distribution')
samples=$((base * (d + 2)))
sed -e "s|^scenario: .*|scenario: $here/scenarios/morocco-cop22.yaml|" \
    -e "s|^sensitivity: .*|sensitivity: {method: sobol, N: $base}|" "$src" >"$tmp/sobol.yaml"
sed -e "s|^scenario: .*|scenario: $here/scenarios/morocco-cop22.yaml|" \
    -e "s|^sensitivity: .*|samples: $samples|" "$src" >"$tmp/reference.yaml"
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "greenshift: $("$exe" --version | head -1); $(nproc) cores; $d parameters, N = $base: $samples samples; $threads threads"
printf '%-10s %7s %9s %8s %8s %11s %8s  %-16s %-16s\n' case runs wall_s runs/s cpu_s hdf5_share file_MB load_before load_after
for case in sobol reference; do
    rm -rf "$tmp/$case.h5" "$tmp/$case.h5.parts"
    before=$(load)
    t0=$(now)
    /usr/bin/time -f '%U %S' -o "$tmp/$case.cpu" "$exe" batch "$tmp/$case.yaml" -o "$tmp/$case.h5" --threads "$threads" -q 2>"$tmp/$case.log"
    wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    after=$(load)
    line=$(grep '^wrote' "$tmp/$case.log")
    runs=$(sed -E 's/.*: ([0-9]+) runs \(.*/\1/' <<<"$line")
    share=$(sed -E 's/.*HDF5 writing ([0-9.]+%).*/\1/' <<<"$line")
    mb=$(( $(stat -c %s "$tmp/$case.h5") / 1000000 ))
    cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$tmp/$case.cpu")
    printf '%-10s %7s %9s %8s %8s %11s %8s  %-16s %-16s\n' "$case" "$runs" "$wall" \
        "$(awk -v n="$runs" -v w="$wall" 'BEGIN { printf "%.1f", n / w }')" "$cpu" "$share" "$mb" "$before" "$after"
    echo "  $line" | cut -c1-400
done

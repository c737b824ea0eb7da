#!/usr/bin/env bash
# plot and report of a batch with a sensitivity: block (docs/sensitivity.md, "In plot
# and report"): the drivers chart exists at the figures' size, and the report has one
# sentence per promise naming first the parameter whose total index (or mu*) is the
# largest in the file, as tests/python/check_drivers_report.py reads it with h5py.
# Usage: test_sensitivity_report.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT

if ! $py -c 'import matplotlib, h5py, numpy' 2>/dev/null; then
    echo "FAIL - /usr/bin/python3 lacks matplotlib/h5py/numpy (scripts/setup.sh --with-tests installs them)"
    exit 1
fi

sensitivity_batch() {  # FILE BLOCK
    cat >"$1" <<YAML
schema: 1
name: sensitivity_report
scenario: $src/scenarios/morocco-cop22.yaml
seed: 5
variants:
  baseline:
    set:
      policies: {}
  cop22:
    baseline: baseline
uncertain:
  electricity.price: {distribution: uniform, apply: scale, low: 0.85, high: 1.15}
  fuels.*.price: {distribution: uniform, apply: scale, low: 0.8, high: 1.25}
  sectors.*.hurdle_rate: {distribution: normal, apply: scale, mean: 1.0, sd: 0.15}
$2
YAML
}
png_size() { $py -c '
import struct, sys
b = open(sys.argv[1], "rb").read(24)
assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR", "not a PNG"
print("%dx%d" % struct.unpack(">II", b[16:24]))' "$1"; }

for method in sobol morris; do
    if [ $method = sobol ]; then block="sensitivity: {method: sobol, N: 8}"; else
        block="sensitivity: {method: morris, trajectories: 4, levels: 4}"; fi
    sensitivity_batch "$tmp/$method.yaml" "$block"
    expect 0 "$method batch" -- "$exe" batch "$tmp/$method.yaml" -o "$tmp/$method.h5" --threads 2 -q
    expect 0 "plot of the $method batch" -- "$exe" plot "$tmp/$method.h5" -o "$tmp/fig-$method"
    size=$(png_size "$tmp/fig-$method/drivers.png" 2>/dev/null)
    [ "$size" = "1000x600" ] && pass "$method: drivers.png is 1000x600" || fail "$method: drivers.png size '$size'"
    expect 0 "report of the $method batch" -- "$exe" report "$tmp/$method.h5" -o "$tmp/$method.html"
    contains "$tmp/$method.html" 'id="fig-drivers"' "$method: the report embeds the drivers chart"
    contains "$tmp/$method.html" 'What drives the results' "$method: the report has the drivers section"
    expect 0 "$method: each promise's sentence names the largest index in the file first" -- \
        "$py" "$src/tests/python/check_drivers_report.py" "$tmp/$method.h5" "$tmp/$method.html"
done

# a batch without the block: no drivers chart, no drivers section
morocco_batch "$tmp/plain.yaml" plain 3 2 1
expect 0 "batch without sensitivity" -- "$exe" batch "$tmp/plain.yaml" -o "$tmp/plain.h5" --threads 2 -q
expect 0 "plot of it" -- "$exe" plot "$tmp/plain.h5" -o "$tmp/fig-plain"
[ ! -e "$tmp/fig-plain/drivers.png" ] && pass "no drivers chart without /sensitivity" || fail "a drivers chart without /sensitivity"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

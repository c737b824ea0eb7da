#!/usr/bin/env bash
# `design: FILE.csv` in a batch file (docs/sensitivity.md, "An explicit design"): the
# rows of a design matrix give the same runs, bit for bit, as the same values given
# through `set:` variants; every run's seed is recorded and shared across the rows;
# a row range; bad designs refused at the CSV's line and column (exit 3, nothing
# written); two shards merged equal the whole batch.
# Usage: test_design_csv.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT

lr=technologies.rooftop_pv.learning_rate
hr=sectors.textile_leather.hurdle_rate
design_batch() {  # FILE DESIGN-VALUE [LEARNING-RATE DISTRIBUTION]
    cat >"$1" <<YAML
schema: 1
name: design_test
scenario: $src/scenarios/morocco-cop22.yaml
seed: 11
variants:
  cop22: {}
uncertain:
  $lr: ${3:-{distribution: triangular, apply: set, low: 0.15, mode: 0.215, high: 0.28\}}
  $hr: {distribution: uniform, apply: set, low: 0.05, high: 0.4}
design: $2
YAML
}
printf '%s, %s\n0.12,0.2\n0.2,0.17\n"0.15",0.25\n' "$hr" "$lr" >"$tmp/d.csv"
design_batch "$tmp/design.yaml" "{file: d.csv, rows: [1, 3]}"
expect 0 "rows 1 and 2 of a design file" -- "$exe" batch "$tmp/design.yaml" -o "$tmp/design.h5" --threads 2
contains "$tmp/err" "2 runs" "rows [1, 3) are 2 runs"
cat >"$tmp/sets.yaml" <<YAML
schema: 1
name: sets_test
scenario: $src/scenarios/morocco-cop22.yaml
seed: 11
variants:
  row1: {set: {$hr: 0.2, $lr: 0.17}}
  row2: {set: {$hr: 0.15, $lr: 0.25}}
YAML
expect 0 "the same values as set: variants" -- "$exe" batch "$tmp/sets.yaml" -o "$tmp/sets.h5" --threads 1
expect 0 "design rows equal set: variants, every run dataset bitwise; seeds recorded and equal" -- "$py" - "$tmp/design.h5" "$tmp/sets.h5" <<'PY'
import sys
import h5py
import numpy as np
a, b = (h5py.File(p, "r")["runs"] for p in sys.argv[1:3])
assert list(a["sample"][:]) == [0, 1], a["sample"][:]
assert np.array_equal(a["parameters"][:], [[0.17, 0.2], [0.25, 0.15]]), a["parameters"][:]
assert np.array_equal(a["seed"][:], b["seed"][:]) and a["seed"][0] == a["seed"][1], (a["seed"][:], b["seed"][:])
compared = 0
for k in a:
    if k in ("run", "variant", "sample", "replicate", "parameter", "parameter_apply", "parameters"):
        continue
    x = a[k]
    if x.dtype.kind in "fiu" and x.shape and x.shape[0] == 2:
        assert np.array_equal(x[...], b[k][...], equal_nan=True), k
        compared += 1
assert compared > 30, compared
# the rows differ, so equality says something
assert not np.array_equal(a["co2_emissions"][0], a["co2_emissions"][1])
print(f"{compared} datasets equal")
PY

expect 3 "export --tidy of a batch without a paired variant is refused" -- "$exe" export "$tmp/design.h5" --tidy "$tmp/t.csv"
contains "$tmp/err" "no per-run indicators" "the error says why"
[ -e "$tmp/t.csv" ] && fail "a table was written" || pass "no table written"

# shards of a design batch merge into the whole batch
design_batch "$tmp/all.yaml" "d.csv"
expect 0 "the whole design" -- "$exe" batch "$tmp/all.yaml" -o "$tmp/all.h5" --threads 2 -q
expect 0 "shard 0/2" -- "$exe" batch "$tmp/all.yaml" --shard 0/2 -o "$tmp/s0.h5" --threads 1 -q
expect 0 "shard 1/2" -- "$exe" batch "$tmp/all.yaml" --shard 1/2 -o "$tmp/s1.h5" --threads 2 -q
expect 0 "merge" -- "$exe" merge "$tmp/s0.h5" "$tmp/s1.h5" -o "$tmp/merged.h5"
expect 0 "merged equals the whole design, bitwise" -- "$py" "$src/tests/python/compare_runs.py" "$tmp/all.h5" "$tmp/merged.h5"
printf '%s,%s\n0.12,0.2\n0.2,0.18\n0.15,0.25\n' "$hr" "$lr" >"$tmp/d.csv"
expect 4 "resuming with changed design values is refused" -- "$exe" batch "$tmp/all.yaml" -o "$tmp/all.h5" --resume -q
contains "$tmp/err" "its design file changed" "the resume is refused: the identity covers the design values"

# bad designs: file:line:col, the key or value, what is allowed
bad_design() {  # DESCRIPTION CSV-TEXT EXPECTED-TEXT [LEARNING-RATE DISTRIBUTION]
    printf "$2" >"$tmp/bad.csv"
    design_batch "$tmp/bad.yaml" "bad.csv" "${4:-}"
    expect 3 "$1 is refused" -- "$exe" batch "$tmp/bad.yaml" -o "$tmp/bad.h5"
    contains "$tmp/err" "$3" "$1: the error says where and what"
    [ -e "$tmp/bad.h5" ] && fail "$1: an output was written" || pass "$1: nothing written"
}
bad_design "an unknown key" "$hr,technologies.rooftop_pv.learnin_rate\n0.1,0.2\n" \
    "bad.csv:1:37: column 'technologies.rooftop_pv.learnin_rate' is not an uncertain parameter of the batch; allowed: $lr, $hr"
bad_design "a non-number" "$hr,$lr\n0.1,0.2\n0.1,abc\n" "bad.csv:3:5: column '$lr': 'abc' is not a number"
bad_design "a ragged row" "$hr,$lr\n0.1,0.2\n0.1\n0.1,0.2\n" "bad.csv:3:4: row 1 has 1 fields, the header 2"
bad_design "a value outside the distribution's range" "$hr,$lr\n0.1,0.2\n0.1,0.3\n" \
    "bad.csv:3:5: column '$lr': 0.3 is outside the allowed range; allowed: [0.15, 0.28]"
bad_design "a value the scenario refuses" "$hr,$lr\n0.1,0.2\n0.1,  1.2\n" \
    "bad.csv:3:7: column '$lr': 1.2 (row 1) is outside the allowed range" "{distribution: normal, apply: set, mean: 0.2, sd: 0.05}"
bad_design "a missing column" "$hr\n0.1\n" "bad.csv:1:1: no column for uncertain parameter '$lr'"
design_batch "$tmp/bad.yaml" "{file: d.csv, rows: [2, 5]}"
expect 3 "a row range past the file is refused" -- "$exe" batch "$tmp/bad.yaml" -o "$tmp/bad.h5"
contains "$tmp/err" "design.rows[1]: out of range, got '5'" "the error names design.rows"
design_batch "$tmp/bad.yaml" "d.csv
sensitivity: {method: sobol, N: 4}"
expect 3 "a design file with a sensitivity block is refused" -- "$exe" batch "$tmp/bad.yaml" -o "$tmp/bad.h5"
contains "$tmp/err" "both give the samples" "the error says why"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# A batch with a sensitivity: block (docs/sensitivity.md): the Saltelli design as its
# samples, the /sensitivity group recomputed from the effects (numpy, and OpenTURNS
# when installed), the ranking in `summary`, shards merged bitwise equal, Morris,
# and a bad block refused.
# Usage: test_sensitivity_batch.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT

sensitivity_batch() {  # FILE BLOCK
    cat >"$1" <<YAML
schema: 1
name: sensitivity_test
scenario: $src/scenarios/morocco-cop22.yaml
seed: 11
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

sensitivity_batch "$tmp/sobol.yaml" "sensitivity: {method: sobol, N: 8}"
expect 0 "a Sobol batch: N = 8, 3 parameters" -- "$exe" batch "$tmp/sobol.yaml" -o "$tmp/sobol.h5" --threads 2
contains "$tmp/err" "80 runs" "80 runs = 8 x (3 + 2) samples x 2 variants"
expect 0 "/sensitivity equals the indices recomputed from /effects" -- "$py" "$src/tests/python/check_sensitivity_batch.py" "$tmp/sobol.h5" 8
"$py" -c "import h5py, sys; s = h5py.File('$tmp/sobol.h5', 'r')['runs/seed'][...]; sys.exit(0 if len(set(s.tolist())) == 1 else 1)" \
    && pass "every row of the design has the same seed (one replicate)" || fail "the design's rows have different seeds"
# The time series of the base sample A only (samples 0-7), every run's indicators: the
# statistics, budgets and effects over A's runs, against numpy (tests/python/check_batch.py)
"$py" -c "import h5py, sys; f = h5py.File('$tmp/sobol.h5', 'r'); sys.exit(0 if ((f['runs/sample'][...] < 8) == (f['runs/series_kept'][...] == 1)).all() and f['effects/indicators'].shape[0] == 40 else 1)" \
    && pass "runs/series_kept marks the runs of the base sample A; /effects/indicators has all 40 pairs" \
    || fail "series_kept is not the base sample, or /effects/indicators lost rows"
expect 0 "the Sobol batch file checks out against numpy (its kept series)" -- "$py" "$src/tests/python/check_batch.py" "$tmp/sobol.h5"
expect 0 "export --tidy of a Sobol batch: every run's parameters and indicators" -- "$exe" export "$tmp/sobol.h5" --tidy "$tmp/tidy.csv"
[ "$(wc -l <"$tmp/tidy.csv")" -eq 41 ] && pass "the tidy table has the 40 pairs" || fail "the tidy table has $(wc -l <"$tmp/tidy.csv") lines"
expect 3 "compare --variants of a Sobol batch" -- "$exe" compare "$tmp/sobol.h5" --variants baseline cop22
contains "$tmp/err" "base sample's runs only" "the refusal says the batch keeps its base sample's series only"
expect 0 "summary of a Sobol batch" -- "$exe" summary "$tmp/sobol.h5"
contains "$tmp/out" "what drives each indicator" "summary ranks the parameters"
contains "$tmp/out" "ST " "summary gives the total indices"

# a Sobol design is a batch: two shards merged give the same file, /sensitivity included
expect 0 "shard 0/2 of the Sobol batch" -- "$exe" batch "$tmp/sobol.yaml" --shard 0/2 -o "$tmp/s0.h5" --threads 1 -q
expect 0 "shard 1/2 of the Sobol batch" -- "$exe" batch "$tmp/sobol.yaml" --shard 1/2 -o "$tmp/s1.h5" --threads 2 -q
expect 0 "merge of the shards" -- "$exe" merge "$tmp/s1.h5" "$tmp/s0.h5" -o "$tmp/merged.h5"
expect 0 "merged equals unsharded, every dataset bitwise" -- "$py" "$src/tests/python/compare_runs.py" "$tmp/sobol.h5" "$tmp/merged.h5"
"$py" -c "import h5py, sys; sys.exit(0 if 'sensitivity' in h5py.File('$tmp/merged.h5', 'r') else 1)" \
    && pass "the merged file has /sensitivity" || fail "the merged file has no /sensitivity"

sensitivity_batch "$tmp/morris.yaml" "sensitivity: {method: morris, trajectories: 4, levels: 4}"
expect 0 "a Morris batch: 4 trajectories, 3 parameters" -- "$exe" batch "$tmp/morris.yaml" -o "$tmp/morris.h5" --threads 2
contains "$tmp/err" "32 runs" "32 runs = 4 x (3 + 1) samples x 2 variants"
expect 0 "summary of a Morris batch" -- "$exe" summary "$tmp/morris.h5"
contains "$tmp/out" "mu* " "summary gives mu*"

sensitivity_batch "$tmp/bad.yaml" "sensitivity: {method: sobol, N: 8, levels: 4}"
expect 3 "levels with sobol is refused" -- "$exe" batch "$tmp/bad.yaml" -o "$tmp/bad.h5"
contains "$tmp/err" "sensitivity.levels" "the error names the key"
sensitivity_batch "$tmp/bad2.yaml" "samples: 7
sensitivity: {method: sobol, N: 8}"
expect 3 "samples that disagree with the design are refused" -- "$exe" batch "$tmp/bad2.yaml" -o "$tmp/bad2.h5"
contains "$tmp/err" "the sensitivity design has 40 samples" "the error gives the design's size"
[ -e "$tmp/bad.h5" ] && fail "an output for a refused batch" || pass "nothing written for a refused batch"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# greenshift compare: a run against itself gives zero effects; two runs made with a
# batch's seed give, bit for bit, that batch's effects for the pair; two variants of
# a batch give the batch's own effects; the comparison file is a batch file that
# summary and report read; mistakes are refused with their reason.
# Usage: test_compare.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT

# A batch without uncertain parameters: the programme against no programme, 2 replicates.
cat >"$tmp/pair.yaml" <<YAML
schema: 1
name: compare_pair
scenario: $src/scenarios/morocco-cop22.yaml
seed: 7
replicates: 2
variants:
  baseline:
    set:
      policies: {}
  cop22:
    baseline: baseline
YAML
expect 0 "the batch" -- "$exe" batch "$tmp/pair.yaml" -o "$tmp/pair.h5" --threads 2 -q
seed=$($py -c "import h5py; f = h5py.File('$tmp/pair.h5', 'r'); print(int(f['runs/seed'][3]))")
expect 0 "the baseline run of replicate 1, alone" -- "$exe" run "$src/scenarios/morocco-cop22.yaml" --set 'policies={}' \
    --seed "$seed" -o "$tmp/base.h5" -q
expect 0 "the programme run of replicate 1, alone" -- "$exe" run "$src/scenarios/morocco-cop22.yaml" --seed "$seed" \
    -o "$tmp/prog.h5" -q

expect 0 "compare the two runs" -- "$exe" compare "$tmp/base.h5" "$tmp/prog.h5" -o "$tmp/cmp.h5"
contains "$tmp/out" "prog against base: 1 run (1 sample x 1 replicate)" "the second is compared with the first, named"
contains "$tmp/out" "CO2 avoided, 2017-2040" "the indicators in words"
contains "$tmp/out" "Budgets and capacities" "what limited each budget"
contains "$tmp/err" "compared prog against base (1 pair of runs)" "stderr says what was compared"
expect 0 "the comparison equals the batch's effects for that pair, bit for bit" -- "$py" - "$tmp/pair.h5" "$tmp/cmp.h5" <<'PY'
import sys, h5py, numpy as np
batch, cmp = (h5py.File(p, "r") for p in sys.argv[1:])
eb, ec = batch["effects"], cmp["effects"]
names = lambda g: [x.decode() if isinstance(x, bytes) else x for x in g["indicator"][()]]
assert names(eb) == names(ec), "the same indicators"
row = [i for i, r in enumerate(eb["run"][()]) if r == 3][0]  # cop22, replicate 1
assert np.array_equal(eb["indicators"][row], ec["indicators"][0], equal_nan=True), "indicators differ"
for name in ec:
    d = ec[name]
    if isinstance(d, h5py.Dataset) and d.ndim >= 2 and d.dims[0].label == "run" and name in eb:
        assert np.array_equal(eb[name][row], d[0], equal_nan=True), name
print("ok")
PY

expect 0 "compare a run with itself" -- "$exe" compare "$tmp/prog.h5" "$tmp/prog.h5" -o "$tmp/self.h5"
expect 0 "every effect of a run against itself is zero" -- "$py" - "$tmp/self.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
ind = f["effects/indicators"][()]
assert np.all((ind == 0) | np.isnan(ind)), "non-zero indicators"
names = [x.decode() for x in f["effects/indicator"][()]]
undefined = [n for n, x in zip(names, ind[0]) if np.isnan(x)]
assert all("per_tco2" in n or n == "leverage" for n in undefined), undefined  # ratios over 0 t, 0 MAD
for name, d in f["effects"].items():
    if isinstance(d, h5py.Dataset) and d.ndim >= 2 and d.dims[0].label == "run":
        assert not np.any(d[()]), name
print("ok")
PY

expect 0 "compare two variants of the batch" -- "$exe" compare "$tmp/pair.h5" --variants baseline cop22 -o "$tmp/vars.h5"
contains "$tmp/err" "(2 pairs of runs)" "every (sample, replicate) is a pair"
expect 0 "the variants' comparison equals the batch's effects and summary" -- "$py" - "$tmp/pair.h5" "$tmp/vars.h5" <<'PY'
import sys, h5py, numpy as np
batch, cmp = (h5py.File(p, "r") for p in sys.argv[1:])
assert np.array_equal(batch["effects/indicators"][()], cmp["effects/indicators"][()], equal_nan=True)
assert np.array_equal(batch["summary/value"][()], cmp["summary/value"][()], equal_nan=True)
assert np.array_equal(batch["effects/co2_avoided"][()], cmp["effects/co2_avoided"][()])
print("ok")
PY
expect 0 "compare two variants the other way round" -- "$exe" compare "$tmp/pair.h5" --variants cop22 baseline
contains "$tmp/out" "baseline against cop22: 2 runs" "the header names the variant compared with (not 'its baseline')"
expect 0 "summary of the batch" -- "$exe" summary "$tmp/pair.h5"
contains "$tmp/out" "cop22 against baseline: 2 runs" "summary names each variant's baseline"
expect 0 "summary reads the comparison" -- "$exe" summary "$tmp/cmp.h5"
contains "$tmp/out" "Public cost, all instruments" "summary of a comparison"
expect 0 "report of the comparison" -- "$exe" report "$tmp/cmp.h5" -o "$tmp/cmp.html"
contains "$tmp/cmp.html" "prog against base" "the report says what is compared"
mkdir "$tmp/scratch"
expect 0 "compare prints without -o" -- env TMPDIR="$tmp/scratch" "$exe" compare "$tmp/base.h5" "$tmp/prog.h5" --csv
contains "$tmp/out" "variant,indicator,label" "the CSV table"
[ -z "$(ls -A "$tmp/scratch")" ] && pass "no scratch file left" || fail "scratch files left: $(ls "$tmp/scratch")"

expect 3 "an unknown variant" -- "$exe" compare "$tmp/pair.h5" --variants baseline grant
contains "$tmp/err" "no variant 'grant' in this batch; its variants: baseline, cop22" "the message lists the variants"
expect 2 "two files and --variants" -- "$exe" compare "$tmp/base.h5" "$tmp/prog.h5" --variants a b
expect 2 "one run file without --variants" -- "$exe" compare "$tmp/base.h5"
expect 3 "a batch file where a run file is expected" -- "$exe" compare "$tmp/pair.h5" "$tmp/prog.h5"
expect 4 "an existing output without --force" -- "$exe" compare "$tmp/base.h5" "$tmp/prog.h5" -o "$tmp/cmp.h5"
expect 0 "a run of another scenario" -- "$exe" run "$src/tests/data/small.yaml" -o "$tmp/small.h5" -q
expect 3 "runs with other sectors do not compare" -- "$exe" compare "$tmp/base.h5" "$tmp/small.h5"
contains "$tmp/err" "the variants of a batch must share" "the refusal says why"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

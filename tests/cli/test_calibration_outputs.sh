#!/usr/bin/env bash
# What a calibration file gives its reader: summary prints the fit table (observed with
# its +/- 2 se band, simulated with the 90% band, held-out figures apart) and each
# parameter's estimate and 90% interval, the same numbers h5py reads from the file
# (--csv to full precision); plot draws fit.png and posterior.png at the promised size;
# report is one self-contained page with both tables and both figures;
# calibrated-scenario (and calibrate --write-scenario) writes a scenario that validate and
# run accept, with the estimates;
# a batch from_calibration takes the posterior's rows, whole or as merged shards.
# Usage: test_calibration_outputs.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$(realpath "$1")
src=$(realpath "$2")
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT

if ! $py -c 'import matplotlib, h5py, numpy' 2>/dev/null; then
    echo "FAIL - /usr/bin/python3 lacks matplotlib/h5py/numpy (scripts/setup.sh --with-tests installs them)"
    exit 1
fi
sed -e 's|scenario: ../small.yaml|scenario: '"$src"'/tests/data/small.yaml|' \
    "$src/tests/data/calibration/small-calib.yaml" >"$tmp/calib.yaml"
expect 0 "a small calibration" -- "$exe" calibrate "$tmp/calib.yaml" -o "$tmp/c.h5" --threads 2 -q

# summary: the text table, and the CSV checked value for value against the file.
expect 0 "summary of a calibration file" -- "$exe" summary "$tmp/c.h5"
for t in pv_adopters_2022 heat_adopters_2024 efficiency_adopters_2024 decision.midpoint \
    technologies.solar_process_heat.bass_p "held out of the fit" "90% interval"; do
    contains "$tmp/out" "$t" "summary shows $t"
done
expect 0 "summary --csv of a calibration file" -- "$exe" summary "$tmp/c.h5" --csv
cp "$tmp/out" "$tmp/summary.csv"
expect 0 "the CSV holds the file's fit and parameters, to the last digit" -- $py - "$tmp/c.h5" "$tmp/summary.csv" <<'PY'
import csv, math, sys
import h5py
f = h5py.File(sys.argv[1], "r")
rows = list(csv.DictReader(open(sys.argv[2])))
fit = f["fit"]
names = [x.decode() if isinstance(x, bytes) else x for x in fit["name"][:]]
got = {r["name"]: r for r in rows if r["table"] == "fit"}
assert sorted(got) == sorted(names), (sorted(got), names)
for i, n in enumerate(names):
    r = got[n]
    o, s = float(fit["observed"][i]), float(fit["se"][i])
    err = fit["error"][i]; err = err.decode() if isinstance(err, bytes) else err
    lo, hi = (o * math.exp(-2 * s), o * math.exp(2 * s)) if err == "lognormal" else (o - 2 * s, o + 2 * s)
    for key, want in (("observed", o), ("band_lo", lo), ("band_hi", hi), ("simulated", float(fit["simulated"][i])),
                      ("p05", float(fit["p05"][i])), ("p95", float(fit["p95"][i]))):
        assert float(r[key]) == want, (n, key, r[key], want)
    assert int(r["in_calibration"]) == int(fit["in_calibration"][i]), n
    sim = float(fit["simulated"][i])
    assert r["verdict"] == ("below" if sim < lo else "above" if sim > hi else "inside"), (n, r["verdict"])
p = f["parameters"]
keys = [x.decode() if isinstance(x, bytes) else x for x in p["key"][:]]
par = {r["name"]: r for r in rows if r["table"] == "parameter"}
assert sorted(par) == sorted(keys)
for i, k in enumerate(keys):
    for key, ds in (("band_lo", "lower"), ("band_hi", "upper"), ("simulated", "estimate"), ("p05", "p05"), ("p95", "p95")):
        assert float(par[k][key]) == float(p[ds][i]), (k, key)
print("ok")
PY

# plot: the two figures, 1000x600.
png_size() { $py -c '
import struct, sys
b = open(sys.argv[1], "rb").read(24)
assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR", "not a PNG"
print("%dx%d" % struct.unpack(">II", b[16:24]))' "$1"; }
expect 0 "plot of a calibration file" -- "$exe" plot "$tmp/c.h5" -o "$tmp/fig"
for f in fit posterior; do
    size=$(png_size "$tmp/fig/$f.png" 2>/dev/null)
    [ "$size" = "1000x600" ] && pass "$f.png is 1000x600" || fail "$f.png size '$size', expected 1000x600"
done
[ "$(ls "$tmp/fig" | wc -l)" -eq 2 ] && pass "two figures, nothing else" || fail "figure folder: $(ls "$tmp/fig")"

# report: one page, both tables, both figures inline, nothing fetched.
expect 0 "report of a calibration file" -- "$exe" report "$tmp/c.h5" -o "$tmp/c.html"
contains "$tmp/c.html" '<table id="fit">' "the report has the fit table"
contains "$tmp/c.html" '<table id="parameters">' "the report has the parameter table"
contains "$tmp/c.html" "efficiency_adopters_2024</td>" "the report lists the held-out figure"
contains "$tmp/c.html" "held out" "the report says it is held out"
[ "$(grep -o 'src="data:image/png;base64,' "$tmp/c.html" | wc -l)" -eq 2 ] && pass "two inline figures" || fail "inline figures"
grep -qE '(src|href)="https?:' "$tmp/c.html" && fail "the report fetches from the network" || pass "nothing fetched"

# calibrated-scenario: the estimates in a scenario that validate and run accept.
expect 0 "calibrated-scenario" -- "$exe" calibrated-scenario "$tmp/c.h5" -o "$tmp/calibrated.yaml"
contains "$tmp/calibrated.yaml" "# Calibrated: the base scenario of c.h5" "the scenario says where it comes from"
expect 4 "calibrated-scenario refuses an existing output" -- "$exe" calibrated-scenario "$tmp/c.h5" -o "$tmp/calibrated.yaml"
expect 0 "validate reads the calibrated scenario" -- "$exe" validate "$tmp/calibrated.yaml"
cp "$tmp/out" "$tmp/resolved.yaml"
expect 0 "the calibrated scenario has the estimates" -- $py - "$tmp/c.h5" "$tmp/resolved.yaml" <<'PY'
import sys
import h5py
p = h5py.File(sys.argv[1], "r")["parameters"]
resolved = open(sys.argv[2]).read()
midpoint = float(p["estimate"][0])
line = [l for l in resolved.splitlines() if l.strip().startswith("midpoint:")][0]
assert float(line.split(":")[1].split("#")[0]) == midpoint, (line, midpoint)
print("ok")
PY
expect 0 "the calibrated scenario runs" -- "$exe" run "$tmp/calibrated.yaml" -o "$tmp/run.h5" --threads 2 -q

# calibrate --write-scenario: the same file as calibrated-scenario; an existing one is
# refused before any evaluation, without --force.
expect 0 "calibrate --write-scenario" -- "$exe" calibrate "$tmp/calib.yaml" -o "$tmp/c2.h5" --threads 2 -q \
    --write-scenario "$tmp/written.yaml"
cmp -s <(sed 's/c2\.h5/c.h5/g' "$tmp/written.yaml") "$tmp/calibrated.yaml" \
    && pass "--write-scenario writes what calibrated-scenario writes (the same calibration, another name)" \
    || fail "--write-scenario and calibrated-scenario differ"
expect 4 "--write-scenario refuses an existing file" -- "$exe" calibrate "$tmp/calib.yaml" -o "$tmp/c3.h5" -q \
    --write-scenario "$tmp/written.yaml"
[ -e "$tmp/c3.h5" ] || [ -e "$tmp/c3.h5.checkpoint" ] && fail "the refused calibration ran" || pass "refused before it ran"

# a batch drawing from the posterior: whole, and as two shards merged, the same file;
# each run's draw is its sample (fewer samples than draws).
cat >"$tmp/posterior-batch.yaml" <<YAML
schema: 1
scenario: $src/tests/data/small.yaml
seed: 3
samples: 6
from_calibration: c.h5
variants:
  base: {}
YAML
expect 0 "a batch from_calibration" -- "$exe" batch "$tmp/posterior-batch.yaml" -o "$tmp/pb.h5" -q --threads 2
expect 0 "its shard 0/2" -- "$exe" batch "$tmp/posterior-batch.yaml" -o "$tmp/pb0.h5" --shard 0/2 -q
expect 0 "its shard 1/2" -- "$exe" batch "$tmp/posterior-batch.yaml" -o "$tmp/pb1.h5" --shard 1/2 -q
expect 0 "the shards merged" -- "$exe" merge "$tmp/pb0.h5" "$tmp/pb1.h5" -o "$tmp/pbm.h5"
expect 0 "merged shards equal the whole batch, calibration_draw included" -- "$py" "$src/tests/python/compare_runs.py" "$tmp/pb.h5" "$tmp/pbm.h5"
expect 0 "each run's draw and values are the posterior's row" -- $py - "$tmp/pb.h5" "$tmp/c.h5" <<'PY'
import sys
import h5py
b, c = h5py.File(sys.argv[1], "r")["runs"], h5py.File(sys.argv[2], "r")
sample, draw = b["sample"][:], b["calibration_draw"][:]
post = c["posterior/sample"][:]
keys = [k.decode() if isinstance(k, bytes) else k for k in c["parameters/key"][:]]
cols = [k.decode() if isinstance(k, bytes) else k for k in b["parameter"][:]]
x = b["parameters"][:]
for i in range(len(sample)):
    assert draw[i] == sample[i] % len(post), (i, draw[i])
    for j, k in enumerate(keys):
        assert x[i, cols.index(k)] == post[draw[i], j], (i, k)
print("ok")
PY

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# greenshift plot / report on a small Morocco batch and on a single run: every figure
# exists with the promised pixel size (read from the PNG header), the report is one
# self-contained page holding every figure as a data URI and the indicator table,
# with no network URL; existing outputs are refused without --force.
# Usage: test_plot_report.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT
figures="adoption co2 budgets cost_per_tco2 jobs by_size"

if ! $py -c 'import matplotlib, h5py, numpy' 2>/dev/null; then
    echo "FAIL - /usr/bin/python3 lacks matplotlib/h5py/numpy (scripts/setup.sh --with-tests installs them)"
    exit 1
fi

morocco_batch "$tmp/batch.yaml" plot_batch 7 4 1
expect 0 "batch for the figures" -- "$exe" batch "$tmp/batch.yaml" -o "$tmp/b.h5" --threads 2 -q
expect 0 "run for the figures" -- "$exe" run "$src/scenarios/morocco-cop22.yaml" -o "$tmp/r.h5" --threads 2 -q

# PNG: 8-byte signature, then the IHDR chunk with width and height (big-endian).
png_size() { $py -c '
import struct, sys
b = open(sys.argv[1], "rb").read(24)
assert b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR", "not a PNG"
print("%dx%d" % struct.unpack(">II", b[16:24]))' "$1"; }

for kind in b r; do
    expect 0 "plot ($kind)" -- "$exe" plot "$tmp/$kind.h5" -o "$tmp/fig-$kind"
    for f in $figures; do
        size=$(png_size "$tmp/fig-$kind/$f.png" 2>/dev/null)
        [ "$size" = "1000x600" ] && pass "$kind: $f.png is 1000x600" || fail "$kind: $f.png size '$size', expected 1000x600"
    done
    [ -z "$(ls -A "$tmp/fig-$kind" | grep -v '\.png$')" ] && pass "$kind: no temporary files left" || fail "$kind: stray files in the figure folder"
    expect 4 "plot refuses existing figures without --force ($kind)" -- "$exe" plot "$tmp/$kind.h5" -o "$tmp/fig-$kind"
    grep -qF "exists; use --force" "$tmp/err" && pass "refusal names --force" || fail "refusal message: $(cat "$tmp/err")"
    expect 0 "plot --force ($kind)" -- "$exe" plot "$tmp/$kind.h5" -o "$tmp/fig-$kind" --force

    expect 0 "report ($kind)" -- "$exe" report "$tmp/$kind.h5" -o "$tmp/$kind.html"
    n=$(grep -o 'src="data:image/png;base64,' "$tmp/$kind.html" | wc -l)
    [ "$n" -eq 6 ] && pass "$kind: report embeds 6 figures" || fail "$kind: report embeds $n figures, expected 6"
    for f in $figures; do grep -qF "id=\"fig-$f\"" "$tmp/$kind.html" && pass "$kind: report has $f" || fail "$kind: report lacks $f"; done
    grep -qF '<table id="indicators">' "$tmp/$kind.html" && pass "$kind: report has the indicator table" || fail "$kind: no indicator table"
    if grep -Eiq '(src|href)[[:space:]]*=[[:space:]]*"?(https?:)?//' "$tmp/$kind.html"; then
        fail "$kind: report fetches something from the network"
    else
        pass "$kind: report has no network URL in src/href"
    fi
    # The embedded images decode to the PNG files plot wrote (same size).
    $py - "$tmp/$kind.html" <<'PY' && pass "$kind: embedded figures decode to 1000x600 PNGs" || fail "$kind: embedded figures do not decode"
import base64, re, struct, sys
page = open(sys.argv[1]).read()
imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
assert len(imgs) == 6
for b64 in imgs:
    b = base64.b64decode(b64)
    assert b[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", b[16:24]) == (1000, 600)
PY
    expect 4 "report refuses an existing page without --force ($kind)" -- "$exe" report "$tmp/$kind.h5" -o "$tmp/$kind.html"
done

# The batch report states the three promises with intervals and the indicators.
for s in "Less CO2" "What it costs" "Lower production costs" "New investment and business" "How sure" \
         "90% interval" "co2_avoided_lifetime" "jobs_indirect_added" "tpme_labelled" \
         "supplier_output_added_construction" "production_cost_pct_micro" "public_cost_of_cop22_grant" \
         "Capex grants" "thousand tonnes of CO2" "% lower" "a year" "cop22_tpme_label (label)"; do
    grep -qF "$s" "$tmp/b.html" && pass "batch report mentions '$s'" || fail "batch report lacks '$s'"
done

expect 3 "report of a file that is not HDF5" -- "$exe" report "$src/README.md" -o "$tmp/x.html"
[ ! -e "$tmp/x.html" ] && pass "nothing written for bad input" || fail "a page was written for bad input"
expect 1 "a missing python is named" -- env GREENSHIFT_PYTHON=/nonexistent/python3 "$exe" plot "$tmp/b.h5" -o "$tmp/fig-none"
grep -qF "matplotlib" "$tmp/err" && pass "the message names matplotlib" || fail "message: $(cat "$tmp/err")"

# Names are data, not markup: a scenario named like a mathtext formula, and one of
# 20,000 characters, are drawn (shortened in the figures) and kept whole in the report.
frac='$\frac{$'
long=$($py -c "print('n' * 20000)")
expect 0 "a run named $frac" -- "$exe" run "$src/scenarios/bass.yaml" -o "$tmp/frac.h5" -q --set "name=$frac" --set run.end_year=2019
expect 0 "a run with a 20,000-character name" -- "$exe" run "$src/scenarios/bass.yaml" -o "$tmp/long.h5" -q --set "name=$long" --set run.end_year=2019
for kind in frac long; do
    expect 0 "plot of the run named $kind" -- "$exe" plot "$tmp/$kind.h5" -o "$tmp/fig-$kind"
    grep -q Traceback "$tmp/err" && fail "$kind: a traceback" || pass "$kind: no traceback"
    [ "$(ls "$tmp/fig-$kind" | wc -l)" -eq 6 ] && pass "$kind: 6 figures" || fail "$kind: $(ls "$tmp/fig-$kind")"
    expect 0 "report of the run named $kind" -- "$exe" report "$tmp/$kind.h5" -o "$tmp/$kind.html"
    grep -q Traceback "$tmp/err" && fail "$kind: a traceback" || pass "$kind: no traceback"
done
grep -qF '$\frac{$' "$tmp/frac.html" && pass "the report shows $frac as written" || fail "the report lost $frac"
grep -q "n\{20000\}" "$tmp/long.html" && pass "the report keeps the 20,000-character name whole" || fail "the report cut the long name"
expect 0 "figures draw names verbatim (no mathtext) and shorten long ones" -- "$py" - "$src/apps/greenshift_plot.py" <<'PY'
import importlib.util, io, sys
spec = importlib.util.spec_from_file_location("gp", sys.argv[1])
gp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gp)
gp.need_libraries()
import matplotlib, matplotlib.pyplot as plt
assert matplotlib.rcParams.get("text.parse_math", False) is False
assert gp.label_of("$\\frac{$") == "$\\frac{$"
assert len(gp.label_of("n" * 20000)) == gp.NAME_CHARS and gp.label_of("n" * 20000).endswith("\u2026")
fig = plt.figure()
ax = fig.add_subplot(1, 1, 1)
ax.plot([0, 1], [0, 1], label="$\\frac{$")
ax.set_title("x" * 20000)              # past every bound: cut to a line of TEXT_LINE_CHARS
ax.legend()
fig.savefig(io.BytesIO(), format="png")  # raised before: mathtext parse error, raster overflow
assert ax.get_legend().get_texts()[0].get_text() == "$\\frac{$"
assert len(ax.title.get_text()) == gp.TEXT_LINE_CHARS
PY

# A failure mid-way (a file size limit under the figures' size, SIGXFSZ ignored so
# that writes fail with EFBIG) leaves nothing under the final name, and no temporary.
expect 4 "plot under a 20 KiB file size limit" -- bash -c "trap '' XFSZ; ulimit -f 20; '$exe' plot '$tmp/b.h5' -o '$tmp/fig-limited'"
[ ! -e "$tmp/fig-limited" ] && ! ls "$tmp" | grep -q 'fig-limited.tmp' && pass "no figure folder, no temporary" \
    || fail "left behind: $(ls "$tmp")"
expect 4 "report under a 200 KiB file size limit" -- bash -c "trap '' XFSZ; ulimit -f 200; '$exe' report '$tmp/b.h5' -o '$tmp/limited.html'"
[ ! -e "$tmp/limited.html" ] && ! ls -a "$tmp" | grep -q 'limited.html' && pass "no page, no temporary" \
    || fail "left behind: $(ls -a "$tmp")"
expect 4 "report over its own input, even with --force" -- "$exe" report "$tmp/b.h5" -o "$tmp/b.h5" --force
$py -c "import h5py; h5py.File('$tmp/b.h5', 'r')" && pass "the input is intact" || fail "the input was overwritten"
mkdir "$tmp/fig-mine" && echo "mine" >"$tmp/fig-mine/notes.txt"
expect 4 "plot into a folder holding a user's file, even with --force" -- "$exe" plot "$tmp/b.h5" -o "$tmp/fig-mine" --force
[ "$(cat "$tmp/fig-mine/notes.txt")" = "mine" ] && [ "$(ls "$tmp/fig-mine")" = "notes.txt" ] && pass "the user's folder is untouched" \
    || fail "the user's folder changed: $(ls "$tmp/fig-mine")"

# With several steps a year (bass.yaml: 4), the adoption figure's axis names whole
# years (it read 2017.0, 2017.5, ...).
expect 0 "the adoption axis of a run with 4 steps a year shows whole years" -- "$py" - "$src/apps/greenshift_plot.py" "$tmp/frac.h5" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("gp", sys.argv[1])
gp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gp)
gp.need_libraries()
gp.names_are_text(__import__("matplotlib"))
d = gp.Data(sys.argv[2])
assert len(d.t) > len(d.years), "the run has several steps a year"
fig = gp.fig_adoption(d)
fig.canvas.draw()
ticks = [t for ax in fig.axes if ax.get_visible() for t in ax.get_xticks()]
assert ticks and all(float(t).is_integer() for t in ticks), ticks
print("ok")
PY

# A variant whose ratios are undefined in every run (no policy against no policy: no
# tonne avoided, no dirham spent) is drawn with gaps, and stderr holds only progress
# and the final line (numpy printed "RuntimeWarning: All-NaN slice encountered").
expect 0 "a batch with a variant equal to its baseline" -- "$exe" batch "$src/tests/data/batch/pairing.yaml" -o "$tmp/pair.h5" -q
expect 0 "plot of it" -- "$exe" plot "$tmp/pair.h5" -o "$tmp/fig-pair"
[ -z "$(grep -v -e '^plot ' -e '^wrote ' "$tmp/err")" ] && pass "plot: stderr is progress and the final line" \
    || fail "plot printed: $(grep -v -e '^plot ' -e '^wrote ' "$tmp/err" | head -3)"
expect 0 "report of it" -- "$exe" report "$tmp/pair.h5" -o "$tmp/pair.html"
[ -z "$(grep -v -e '^report ' -e '^wrote ' "$tmp/err")" ] && pass "report: stderr is progress and the final line" \
    || fail "report printed: $(grep -v -e '^report ' -e '^wrote ' "$tmp/err" | head -3)"

# A summary table whose shape disagrees with its coordinates, in a file given a
# matching checksum (tests/python/greenshift_checksum.py) and stored without dimension
# scales, so that only a check by name finds it: plot and report refuse it as summary
# does, with one line, before python reads it (report ended in an IndexError traceback).
cp "$tmp/pair.h5" "$tmp/shape.h5"
$py - "$tmp/shape.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    s = f["summary"]
    attrs = {k: v for k, v in s["value"].attrs.items() if k != "DIMENSION_LIST"}
    v = s["value"][()]
    del s["value"]
    d = s.create_dataset("value", data=np.zeros((v.shape[0], v.shape[1] - 3, v.shape[2])))
    for k, x in attrs.items():
        d.attrs[k] = x
PY
$py "$src/tests/python/greenshift_checksum.py" write "$tmp/shape.h5"
# refused_by_plot_and_report FILE WHAT NEEDLE NAMED: plot and report of FILE exit 3 with
# one line containing NEEDLE (the check says NAMED), and write nothing.
refused_by_plot_and_report() {
    local file=$1 what=$2 needle=$3 named=$4 cmd out errs
    for cmd in plot report; do
        out="${file%.h5}-$cmd"; [ $cmd = report ] && out="$out.html"
        expect 3 "$cmd of $what" -- "$exe" $cmd "$file" -o "$out"
        errs=$(grep -v "^$cmd " "$tmp/err")
        [ "$(echo "$errs" | wc -l)" -eq 1 ] && echo "$errs" | grep -qF "$needle" \
            && pass "$cmd: one line naming $named" || fail "$cmd: $(echo "$errs" | head -3)"
        [ ! -e "$out" ] && pass "$cmd: nothing written" || fail "$cmd: $out written"
    done
}
refused_by_plot_and_report "$tmp/shape.h5" "a summary whose shape disagrees with its coordinates" \
    "dataset /summary/value " "/summary/value"

# The same for any other group python reads: /budgets/budget cut short and stored
# without its dimension scales (a check against the scales had nothing to compare):
# refused because greenshift gives every axis of its datasets a scale.
cp "$tmp/pair.h5" "$tmp/noscale.h5"
$py - "$tmp/noscale.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    g = f["budgets"]
    name = [k for k in g if isinstance(g[k], h5py.Dataset) and g[k].ndim == 3 and g[k].dtype.kind == "f"][0]
    v = g[name][()]
    del g[name]
    g.create_dataset(name, data=v[:, :, :-2])
PY
$py "$src/tests/python/greenshift_checksum.py" write "$tmp/noscale.h5"
refused_by_plot_and_report "$tmp/noscale.h5" "a budgets dataset without its dimension scales" \
    "has no dimension scale on axis 0" "the dataset's missing scale"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

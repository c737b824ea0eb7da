#!/usr/bin/env bash
# greenshift export as an analyst meets it: CSV folders (a trailing slash, the
# coordinates first, the shortest numbers that read back exactly, filters), the Excel
# workbook (opens with openpyxl; its key sheet is `greenshift summary --csv`), and
# outputs that appear whole or not at all: a folder that is not ours is never
# replaced, and a failure mid-way (a file size limit, a corrupted input) leaves
# nothing under the final name.
# Usage: test_export.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT

if ! $py -c 'import h5py, numpy, xlsxwriter, openpyxl' 2>/dev/null; then
    echo "FAIL - /usr/bin/python3 lacks h5py/numpy/xlsxwriter/openpyxl (scripts/setup.sh --with-tests installs them)"
    exit 1
fi

morocco_batch "$tmp/b.yaml" export_batch 11 3 1
expect 0 "a small batch" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/b.h5" --threads 2 -q
expect 0 "a run" -- "$exe" run "$src/scenarios/bass.yaml" -o "$tmp/r.h5" -q --set run.end_year=2020
nothing_left() {  # nothing_left NAME DESCRIPTION: neither NAME nor a temporary of it exists
    if [ -e "$1" ] || ls -a "$(dirname "$1")" | grep -qF "$(basename "$1").tmp"; then
        fail "$2: $(ls -a "$(dirname "$1")" | tr '\n' ' ')"
    else
        pass "$2"
    fi
}

# ---- CSV: the trailing slash of the README's example, every table against the file
expect 0 "export --csv DIR/ (trailing slash)" -- "$exe" export "$tmp/b.h5" --csv "$tmp/csv/"
contains "$tmp/err" "wrote " "the export says what it wrote"
contains "$tmp/err" "export csv " "progress on stderr"
[ "$(wc -l <"$tmp/out")" -ge 10 ] && pass "stdout lists the files" || fail "stdout: $(cat "$tmp/out")"
for f in "$tmp/b.h5:$tmp/csv" "$tmp/r.h5:$tmp/rcsv"; do
    [ "${f%%:*}" = "$tmp/r.h5" ] && expect 0 "export a run file" -- "$exe" export "$tmp/r.h5" --csv "$tmp/rcsv" -q
    expect 0 "$(basename "${f%%:*}"): coordinates first, values exact and shortest, every variable once" -- \
        "$py" - "${f%%:*}" "${f##*:}" <<'PY'
import csv, glob, os, sys
import h5py, numpy as np
h5, folder = sys.argv[1], sys.argv[2]
f = h5py.File(h5, "r")
batch = "batch_identity" in f.attrs
groups = [g for g in f if isinstance(f[g], h5py.Group)] if batch else ["/"]


def listed_in(g):
    out = set()
    for d in g.values():
        if isinstance(d, h5py.Dataset):
            out.update(d.attrs.get("coordinates", b"").decode().split())
    return out


def is_variable(g, name, listed):
    d = g[name]
    return isinstance(d, h5py.Dataset) and d.attrs.get("CLASS") != b"DIMENSION_SCALE" and name not in listed \
        and not (g.name == "/summary" and name in ("value", "valid_runs"))  # those are summary.csv


def expected_text(d, x):
    if h5py.check_string_dtype(d.dtype):
        return x.decode() if isinstance(x, bytes) else str(x)
    if "flag_meanings" in d.attrs:
        return d.attrs["flag_meanings"].decode().split()[int(x)]
    return None


seen = set()
for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
    name = os.path.basename(path)[:-4]
    if name == "summary":
        continue
    group = max((g for g in groups if name.startswith("run_" if g == "/" else g + "_")), key=len)
    g = f[group]
    listed = listed_in(g)
    rows = list(csv.reader(open(path, newline="")))
    header, body = rows[0], rows[1:]
    variables = [c for c in header if c in g and is_variable(g, c, listed)]
    first_var = header.index(variables[0])
    assert all(c not in variables for c in header[:first_var]), (name, header)   # coordinates first
    assert header[first_var:] == variables, (name, header)
    for v in variables:
        assert (group, v) not in seen, (group, v)
        seen.add((group, v))
        d = g[v]
        data = np.asarray(d[:]).ravel()
        col = [r[header.index(v)] for r in body]
        assert len(col) == data.size, (name, v, len(col), data.size)
        for text, x in zip(col, data):
            want = expected_text(d, x)
            if want is not None:
                assert text == want, (name, v, text, want)
            elif np.issubdtype(data.dtype, np.integer):
                assert text == str(int(x)), (name, v, text, x)
            elif np.isnan(x):
                assert text == "", (name, v, text)
            else:
                assert float(text) == float(x), (name, v, text, x)           # exact
                assert len(text) <= len(repr(float(x))), (name, v, text)     # shortest
for group in groups:
    g = f[group]
    listed = listed_in(g)
    for v in g:
        if is_variable(g, v, listed):
            assert (group, v) in seen, ("not exported", group, v)
PY
done
cmp -s <("$exe" summary "$tmp/b.h5" --csv) "$tmp/csv/summary.csv" && pass "summary.csv is summary --csv" || fail "summary.csv differs from summary --csv"

# ---- filters
expect 0 "export --vars --years --stats" -- "$exe" export "$tmp/b.h5" --csv "$tmp/sel" -q \
    --vars co2_emissions,co2_avoided --years 2020,2025-2026 --stats mean,p95
expect 0 "the selection holds exactly what was asked, with the file's values" -- "$py" - "$tmp/b.h5" "$tmp/sel" <<'PY'
import csv, glob, os, sys
import h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(sys.argv[2], "*.csv")))
assert names == sorted(["summary.csv", "runs_run_time_sector.csv", "statistics_variant_statistic_time_sector.csv",
                        "effects_run_time_sector.csv", "effect_statistics_variant_statistic_time_sector.csv"]), names
for name in [n for n in names if n != "summary.csv"]:
    rows = list(csv.DictReader(open(os.path.join(sys.argv[2], name), newline="")))
    group = next(g for g in ("effect_statistics", "effects", "statistics", "runs") if name.startswith(g))
    var = "co2_avoided" if group.startswith("effect") else "co2_emissions"
    assert set(rows[0]) & {"co2_emissions", "co2_avoided"} == {var}, (name, rows[0].keys())
    assert {int(r["year"]) for r in rows} == {2020, 2025, 2026}, name
    g = f[group]
    years = list(g["year"][:])
    if "statistic" in rows[0]:
        assert {r["statistic"] for r in rows} == {"mean", "p95"}, name
        stats = [s.decode() for s in g["statistic"][:]]
        sectors = [s.decode() for s in g["sector"][:]]
        variants = [s.decode() for s in g["variant"][:]]
        for r in rows:
            x = g[var][variants.index(r["variant"]), stats.index(r["statistic"]), years.index(int(r["year"])),
                       sectors.index(r["sector"])]
            assert float(r[var]) == x, (name, r)
    else:
        runs = list(g["run"][:])
        sectors = [s.decode() for s in g["sector"][:]]
        for r in rows:
            x = g[var][runs.index(int(r["run"])), years.index(int(r["year"])), sectors.index(r["sector"])]
            assert float(r[var]) == x, (name, r)
        assert len(rows) == len(runs) * 3 * len(sectors), (name, len(rows))
PY
expect 0 "--groups runs --vars" -- "$exe" export "$tmp/b.h5" --csv "$tmp/g" -q --groups runs --vars firms
[ "$(ls "$tmp/g")" = "runs_run_sector_size_class.csv" ] && pass "--groups keeps one group" || fail "--groups: $(ls "$tmp/g")"
expect 2 "an unknown variable is a usage error" -- "$exe" export "$tmp/b.h5" --csv "$tmp/bad1" --vars co2_emision
contains "$tmp/err" "co2_emision" "the error names the unknown variable"
contains "$tmp/err" "co2_emissions" "and lists the variables there are"
expect 2 "a year outside the horizon" -- "$exe" export "$tmp/b.h5" --csv "$tmp/bad2" --years 2050
contains "$tmp/err" "2017-2040" "the error gives the horizon"
expect 2 "a range that is not one" -- "$exe" export "$tmp/b.h5" --csv "$tmp/bad3" --years 2030-2020
expect 2 "--stats on a run file" -- "$exe" export "$tmp/r.h5" --csv "$tmp/bad4" --stats mean
expect 2 "--groups on a run file" -- "$exe" export "$tmp/r.h5" --csv "$tmp/bad5" --groups runs
# limited_by is a code variable (CF flag_meanings): the CSV has its words, code by code
# as h5py reads them; a batch stores the words with /runs/limited_by and keeps the
# codes out of /statistics (a mean of codes means nothing).
expect 0 "a run with policies" -- "$exe" run "$src/tests/data/small.yaml" -o "$tmp/pol.h5" -q
expect 0 "export of its limited_by" -- "$exe" export "$tmp/pol.h5" --csv "$tmp/lim" -q --vars limited_by
expect 0 "limited_by is written as its words, code by code" -- "$py" - "$tmp/pol.h5" "$tmp/lim" "$tmp/b.h5" <<'PY'
import csv, glob, sys, h5py
def text(x): return x.decode() if isinstance(x, bytes) else str(x)
f = h5py.File(sys.argv[1], "r")
words = text(f["limited_by"].attrs["flag_meanings"]).split()
assert words == ["none", "budget", "label", "demand", "capacity", "eligible_firms"], words
codes = f["limited_by"][()].reshape(-1)
rows = [r for p in sorted(glob.glob(sys.argv[2] + "/*.csv")) for r in csv.DictReader(open(p)) if "limited_by" in r]
got = [r["limited_by"] for r in rows]
assert got == [words[c] for c in codes], (got[:8], codes[:8])
assert len(set(got)) > 1, set(got)
b = h5py.File(sys.argv[3], "r")
assert text(b["runs/limited_by"].attrs["flag_meanings"]).split() == words
assert "limited_by" not in b["statistics"], list(b["statistics"])
PY
expect 2 "neither --csv nor --xlsx" -- "$exe" export "$tmp/b.h5"
for k in 1 2 3 4 5; do nothing_left "$tmp/bad$k" "refused selection $k wrote nothing"; done

# ---- the folder is the export's own: refused, replaced whole, never someone else's
expect 4 "an existing export without --force" -- "$exe" export "$tmp/b.h5" --csv "$tmp/sel" -q
contains "$tmp/err" "use --force" "the refusal says how to replace it"
expect 0 "--force replaces the earlier export whole" -- "$exe" export "$tmp/b.h5" --csv "$tmp/sel" -q --force --vars firms
[ "$(ls "$tmp/sel" | sort | tr '\n' ' ')" = "runs_run_sector_size_class.csv statistics_variant_statistic_sector_size_class.csv summary.csv " ] \
    && pass "only the new tables are there" || fail "after --force: $(ls "$tmp/sel")"
mkdir "$tmp/mine" && echo "my notes" >"$tmp/mine/notes.txt" && echo "a,b" >"$tmp/mine/mine.csv"
expect 4 "a folder holding another kind of file, even with --force" -- "$exe" export "$tmp/b.h5" --csv "$tmp/mine" --force -q
contains "$tmp/err" "notes.txt" "the refusal names the file"
[ "$(cat "$tmp/mine/notes.txt")" = "my notes" ] && [ -f "$tmp/mine/mine.csv" ] && pass "the user's files are untouched" || fail "the user's files changed"
mkdir "$tmp/empty"
expect 0 "an empty folder is used" -- "$exe" export "$tmp/b.h5" --csv "$tmp/empty" -q --vars firms
expect 4 "the current folder is not an export folder" -- bash -c "cd '$tmp/empty' && '$exe' export '$tmp/b.h5' --csv . --force -q"
expect 4 "a missing parent folder" -- "$exe" export "$tmp/b.h5" --csv "$tmp/no/such/dir" -q
contains "$tmp/err" "does not exist" "the error names the missing folder"

# ---- failures mid-way leave nothing under the final name
# A file size limit (SIGXFSZ ignored, so writes fail with EFBIG) after a few tables:
expect 4 "CSV export under a 300 KiB file size limit" -- bash -c "trap '' XFSZ; ulimit -f 300; '$exe' export '$tmp/b.h5' --csv '$tmp/limited' -q"
contains "$tmp/err" "greenshift: error:" "one error line"
nothing_left "$tmp/limited" "nothing under the final name, no temporary folder"
# A corrupted chunk in the middle of the runs: the export fails when it reaches it.
cp "$tmp/b.h5" "$tmp/corrupt.h5"
$py - "$tmp/corrupt.h5" <<'PY'
import h5py, sys
with h5py.File(sys.argv[1], "r") as f:
    d = f["runs/adopters_by_size"]
    info = d.id.get_chunk_info(d.id.get_num_chunks() // 2)
    offset, size = info.byte_offset, info.size
with open(sys.argv[1], "r+b") as out:
    out.seek(offset)
    out.write(b"\xff" * size)
PY
expect 3 "a corrupted chunk mid-way" -- timeout 60 "$exe" export "$tmp/corrupt.h5" --csv "$tmp/broken" -q
contains "$tmp/err" "greenshift: error:" "one error line"
nothing_left "$tmp/broken" "corrupted input: nothing under the final name, no temporary folder"

# A stop signal while the tables or the workbook are written: exit 75, nothing under
# the final name, no temporary, no scratch folder.
morocco_batch "$tmp/big.yaml" export_big 12 40 1
expect 0 "a batch of 80 runs" -- "$exe" batch "$tmp/big.yaml" -o "$tmp/big.h5" --threads 2 -q
for target in "--csv $tmp/stopped" "--xlsx $tmp/stopped.xlsx --groups runs"; do
    "$exe" export "$tmp/big.h5" $target -q 2>"$tmp/err" &
    pid=$!
    for _ in $(seq 1 200); do ls -a "$tmp" | grep -q 'stopped.*\.\(tmp\|tables\)\.' && break; sleep 0.01; done  # writing
    kill -TERM $pid
    wait $pid
    rc=$?
    [ $rc -eq 75 ] && pass "SIGTERM during export $target: exit 75" || fail "SIGTERM during export $target: exit $rc"
    contains "$tmp/err" "nothing written" "the message says nothing was written"
    out=${target#* }; out=${out%% *}
    nothing_left "$out" "nothing under $(basename "$out"), no temporary"
done
ls -a "$tmp" | grep -q '\.tables\.' && fail "scratch folder left after SIGTERM" || pass "no scratch folder after SIGTERM"

# ---- the workbook
expect 0 "export --xlsx" -- "$exe" export "$tmp/b.h5" --xlsx "$tmp/b.xlsx"
contains "$tmp/err" "export xlsx" "workbook progress on stderr"
"$exe" summary "$tmp/b.h5" --csv >"$tmp/summary.csv"
expect 0 "openpyxl opens it; the key sheet is summary --csv; names within Excel's limits" -- "$py" - "$tmp/b.xlsx" "$tmp/summary.csv" <<'PY'
import csv, sys
import openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True)
assert book.sheetnames[:2] == ["Key results", "About"], book.sheetnames
assert all(len(n) <= 31 for n in book.sheetnames), book.sheetnames
assert len({n.lower() for n in book.sheetnames}) == len(book.sheetnames)
key = [list(r) for r in book["Key results"].iter_rows(values_only=True)]
ref = list(csv.reader(open(sys.argv[2], newline="")))
assert len(key) == len(ref) and key[0] == ref[0], (len(key), len(ref), key[0], ref[0])
numeric = [i for i, c in enumerate(ref[0]) if c in ("mean", "p5", "p50", "p95", "valid_runs")]
for got, want in zip(key[1:], ref[1:]):
    for i, (x, y) in enumerate(zip(got, want)):
        if y == "":
            assert x is None, (got, want)
        elif i in numeric:
            assert float("%.16G" % float(y)) == x, (i, x, y)   # xlsxwriter writes 16 significant digits
        else:
            assert x == y, (i, x, y)
sheets = book.sheetnames[2:]
assert any(n.startswith("stats ") for n in sheets) and any(n.startswith("eff stats ") for n in sheets), sheets
assert not any(n.startswith("runs") or n.startswith("effects") for n in sheets), sheets  # per-run tables: opt-in
PY
expect 0 "a filtered workbook of a run file" -- "$exe" export "$tmp/r.h5" --xlsx "$tmp/r.xlsx" -q --vars adopters,electricity_price --years 2018-2019
expect 0 "the run workbook holds the selection" -- "$py" - "$tmp/r.xlsx" "$tmp/r.h5" <<'PY'
import sys
import h5py, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True)
assert book.sheetnames == ["Key results", "About", "run time·sector·tech", "run time"], book.sheetnames
rows = list(book["run time·sector·tech"].iter_rows(values_only=True))
assert rows[0][:6] == ("time", "year", "period", "sector", "technology", "technology_unit"), rows[0]
assert rows[0][6:] == ("adopters",), rows[0]
f = h5py.File(sys.argv[2], "r")
years = list(f["year"][:])
steps = [i for i, y in enumerate(years) if y in (2018, 2019)]
assert len(rows) - 1 == len(steps) * f["sector"].shape[0] * f["technology"].shape[0]
assert {r[1] for r in rows[1:]} == {2018, 2019}
assert {r[2] for r in rows[1:]} == {"2018-01-01 to 2018-03-31", "2018-04-01 to 2018-06-30", "2018-07-01 to 2018-09-30",
                                   "2018-10-01 to 2018-12-31", "2019-01-01 to 2019-03-31", "2019-04-01 to 2019-06-30",
                                   "2019-07-01 to 2019-09-30", "2019-10-01 to 2019-12-31"}  # bass.yaml: quarters
assert sum(r[6] for r in rows[1:]) == int(f["adopters"][steps].sum())
PY
expect 2 "--xlsx needs the .xlsx extension" -- "$exe" export "$tmp/b.h5" --xlsx "$tmp/b.xls"
expect 4 "an existing workbook without --force" -- "$exe" export "$tmp/b.h5" --xlsx "$tmp/b.xlsx" -q
expect 2 "the input as the workbook, with --force: refused (not .xlsx)" -- "$exe" export "$tmp/b.h5" --xlsx "$tmp/b.h5" --force -q
cp "$tmp/b.h5" "$tmp/b2.h5" && ln "$tmp/b2.h5" "$tmp/same.xlsx"
expect 4 "the input under another name (a hard link), even with --force" -- "$exe" export "$tmp/b2.h5" --xlsx "$tmp/same.xlsx" --force -q
cmp -s "$tmp/b.h5" "$tmp/b2.h5" && pass "the input is untouched" || fail "the input changed"
# The tables (under 170 KB each) fit under 250 KiB; the workbook's sheets (about 1 MB
# of XML) do not: the failure comes from the workbook writer.
expect 4 "a workbook under a 250 KiB file size limit" -- bash -c "trap '' XFSZ; ulimit -f 250; '$exe' export '$tmp/b.h5' --xlsx '$tmp/limited.xlsx' -q --vars co2_emissions,co2_avoided"
contains "$tmp/err" "cannot write $tmp/limited.xlsx: File too large" "one error line naming the workbook"
nothing_left "$tmp/limited.xlsx" "no workbook, no temporary file"
ls -a "$tmp" | grep -q '\.tables\.' && fail "scratch folder left" || pass "no scratch folder left"

# ---- the splitting rules, against a small hand-made table and lowered limits
expect 0 "tables past the row or column limit continue on further sheets" -- "$py" - "$src/apps/greenshift_xlsx.py" "$tmp/split" <<'PY'
import importlib.util, os, sys
import openpyxl
spec = importlib.util.spec_from_file_location("gx", sys.argv[1])
gx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gx)
gx.MAX_ROWS, gx.MAX_COLS = 11, 4           # 10 data rows and 4 columns per sheet
folder = sys.argv[2]
os.makedirs(folder)
cols = ["run", "variant", "a", "b", "c"]     # 2 coordinates + 3 variables -> 2 + 2 and 2 + 1 columns
with open(os.path.join(folder, "t.csv"), "w") as f:
    f.write(",".join(cols) + "\n")
    for i in range(25):
        f.write(f"{i},v{i % 2},{i}.5,{-i},{i * 2}\n")
with open(os.path.join(folder, "tables.tsv"), "w") as f:
    f.write("greenshift-tables\t1\nsource\tx.h5\tbatch\nselection\tall\tall\tall\tall\n")
    f.write("table\truns_run\truns\t25\tt.csv\n")
    for c, k, role in (("run", "integer", "dimension"), ("variant", "text", "auxiliary"), ("a", "real", "variable"),
                       ("b", "integer", "variable"), ("c", "integer", "variable")):
        f.write(f"column\t{c}\t{k}\t{role}\t\t\n")
out = os.path.join(folder, "t.xlsx")
gx.build(folder, out, True)
book = openpyxl.load_workbook(out, read_only=True)
parts = book.sheetnames[2:]
assert len(parts) == 6 and all(p.endswith(f"({k} of 6)") for k, p in enumerate(parts, 1)), parts
seen = {}
for p in parts:
    rows = list(book[p].iter_rows(values_only=True))
    assert rows[0][:2] == ("run", "variant") and len(rows) <= 11, (p, rows[0], len(rows))
    for r in rows[1:]:
        for name, x in zip(rows[0][2:], r[2:]):
            seen[(r[0], name)] = x
assert seen == {(i, n): x for i in range(25) for n, x in (("a", i + 0.5), ("b", -i), ("c", i * 2))}, "cells lost or moved"
PY

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

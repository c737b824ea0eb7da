#!/usr/bin/env bash
# greenshift batch / summary / export as a user meets them, including a batch killed
# with SIGKILL and resumed: the resumed file must equal an uninterrupted one, dataset
# by dataset, bitwise.
# Usage: test_batch_cli.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
parts() { ls "$1" 2>/dev/null | grep -c '^run-.*\.h5$'; }

make_batch() { morocco_batch "$1" cli_batch "$2" 20; }  # make_batch FILE SEED
make_batch "$tmp/b.yaml" 7

expect 0 "uninterrupted batch, 2 threads" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/whole.h5" --threads 2
contains "$tmp/err" "runs/s" "the batch reports its rate"
contains "$tmp/err" "80 runs" "80 runs = 20 samples x 2 replicates x 2 variants"
# after the last run the progress says the batch file is being written (it stayed at
# 100% for the third of the time that takes), before the final line
$py - "$tmp/err" "$tmp/whole.h5" <<'PY' && pass "a line says the batch file is being written, between 100% and 'wrote'" || fail "no 'writing' line in order: $(cat "$tmp/err")"
import sys
lines = open(sys.argv[1]).read().splitlines()
at = lambda text: next(i for i, l in enumerate(lines) if text in l)
assert at("80/80 (100%)") < at("batch: every run done; writing " + sys.argv[2]) < at("wrote " + sys.argv[2])
PY
[ -d "$tmp/whole.h5.parts" ] && fail "parts left behind" || pass "parts removed after the batch file is written"
expect 0 "xarray opens every group; statistics equal numpy" -- "$py" "$src/tests/python/check_batch.py" "$tmp/whole.h5"

# SIGKILL mid-way, then --resume: the same datasets as the uninterrupted batch
"$exe" batch "$tmp/b.yaml" -o "$tmp/cut.h5" --threads 1 -q 2>"$tmp/killed.err" &
pid=$!
for _ in $(seq 1 600); do
    [ "$(parts "$tmp/cut.h5.parts")" -ge 6 ] && break
    sleep 0.05
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
done_before=$(parts "$tmp/cut.h5.parts")
if [ "$done_before" -ge 6 ] && [ "$done_before" -lt 80 ]; then pass "killed with $done_before of 80 runs durable"; else fail "kill came at a bad time: $done_before parts"; fi
[ -e "$tmp/cut.h5" ] && fail "an output file appeared for a killed batch" || pass "no output file after the kill"
expect 4 "the interrupted batch is not silently restarted" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/cut.h5" -q
contains "$tmp/err" "--resume" "the refusal says how to resume"
expect 2 "--resume and --force exclude each other" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/cut.h5" --resume --force
make_batch "$tmp/changed.yaml" 8
expect 4 "a resume against a changed batch is refused" -- "$exe" batch "$tmp/changed.yaml" -o "$tmp/cut.h5" --resume
contains "$tmp/err" "identity" "the refusal names the identities"
contains "$tmp/err" "--force" "the refusal says how to start over"
expect 0 "resume after SIGKILL" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/cut.h5" --resume --threads 2
contains "$tmp/err" "already done" "the resume reports the runs already done"
computed=$(grep -o '([0-9]* computed' "$tmp/err" | grep -o '[0-9]*')
[ -n "$computed" ] && [ "$computed" -le $((80 - done_before)) ] && pass "resume computed only the missing runs ($computed)" || fail "resume computed ${computed:-?} runs"
expect 0 "resumed file equals the uninterrupted one, bitwise" -- "$py" "$src/tests/python/compare_runs.py" "$tmp/whole.h5" "$tmp/cut.h5"
expect 0 "resuming a complete batch" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/cut.h5" --resume
contains "$tmp/err" "nothing to compute" "a complete batch computes nothing"
expect 4 "a resume of a complete batch changed since is refused" -- "$exe" batch "$tmp/changed.yaml" -o "$tmp/cut.h5" --resume
expect 4 "an existing output without --force" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/cut.h5" -q

# A parts folder holding a file greenshift did not write is refused, and left as it
# was: no lock file added (--force, and --resume of a complete batch).
mkdir "$tmp/user.h5.parts"
echo "my notes" >"$tmp/user.h5.parts/notes.txt"
expect 4 "batch --force next to a user's file in the parts folder" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/user.h5" --force -q
contains "$tmp/err" "notes.txt, which greenshift did not write" "the refusal names the user's file"
[ "$(ls -A "$tmp/user.h5.parts")" = "notes.txt" ] && pass "the refused parts folder is left as it was (no lock)" \
    || fail "the refused parts folder now holds: $(ls -A "$tmp/user.h5.parts" | tr '\n' ' ')"
# --resume there: the folder holds no batch's runs; the refusal names the user's file
# (it said the folder "was made by another batch (identity unknown)")
expect 4 "batch --resume next to a user's file in the parts folder" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/user.h5" --resume -q
contains "$tmp/err" "notes.txt, which greenshift did not write" "the --resume refusal names the user's file"
[ "$(ls -A "$tmp/user.h5.parts")" = "notes.txt" ] && pass "left as it was after --resume" \
    || fail "the parts folder now holds: $(ls -A "$tmp/user.h5.parts" | tr '\n' ' ')"
mkdir "$tmp/cut.h5.parts"
echo "my notes" >"$tmp/cut.h5.parts/notes.txt"
expect 4 "--resume of a complete batch next to a user's file in its parts folder" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/cut.h5" --resume -q
[ "$(ls -A "$tmp/cut.h5.parts")" = "notes.txt" ] && pass "that parts folder is left as it was (no lock)" \
    || fail "that parts folder now holds: $(ls -A "$tmp/cut.h5.parts" | tr '\n' ' ')"
rm -r "$tmp/user.h5.parts" "$tmp/cut.h5.parts"

# A batch killed after it created its parts folder but before it recorded the batch's
# identity saved no run; --resume takes the folder over (it refused it as "made by
# another batch (identity unknown)", so every later --resume failed too).
for leftover in "lock" "lock batch.yaml.tmp" "lock batch.yaml identity.tmp"; do
    name=early-$(echo "$leftover" | tr ' .' '__')
    mkdir "$tmp/$name.h5.parts"
    for f in $leftover; do echo "half" >"$tmp/$name.h5.parts/$f"; done
    expect 0 "--resume after a kill that left only: $leftover" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/$name.h5" --resume -q --threads 2
    [ ! -e "$tmp/$name.h5.parts" ] && pass "and its parts folder is gone" || fail "its parts folder remains: $(ls -A "$tmp/$name.h5.parts" | tr '\n' ' ')"
    expect 0 "and the batch equals the uninterrupted one" -- "$py" "$src/tests/python/compare_runs.py" "$tmp/whole.h5" "$tmp/$name.h5"
    rm -f "$tmp/$name.h5"
done

# An output that is one of the batch's inputs is refused, --force or not.
cp "$tmp/b.yaml" "$tmp/b.before"
expect 4 "batch -o its own batch file --force" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/b.yaml" --force -q
contains "$tmp/err" "is also an input of this command" "the refusal says the output is an input"
cmp -s "$tmp/b.yaml" "$tmp/b.before" && [ ! -e "$tmp/b.yaml.parts" ] && pass "the batch file is untouched, no parts folder" \
    || fail "the batch file changed or a parts folder appeared"
sed "s|scenario: .*|scenario: $tmp/scenario-copy.yaml|" "$tmp/b.yaml" >"$tmp/own.yaml"
cp "$src/scenarios/morocco-cop22.yaml" "$tmp/scenario-copy.yaml"
expect 4 "batch --shard -o its scenario --force" -- "$exe" batch "$tmp/own.yaml" --shard 0/2 -o "$tmp/scenario-copy.yaml" --force -q
cmp -s "$tmp/scenario-copy.yaml" "$src/scenarios/morocco-cop22.yaml" && pass "the scenario is untouched" || fail "the scenario changed"

# SIGTERM: running runs finish, exit 75, resumable
"$exe" batch "$tmp/b.yaml" -o "$tmp/term.h5" --threads 1 -q 2>"$tmp/term.err" &
pid=$!
for _ in $(seq 1 600); do
    [ "$(parts "$tmp/term.h5.parts")" -ge 3 ] && break
    sleep 0.05
done
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" -eq 75 ] && pass "SIGTERM ends the batch with 75" || fail "SIGTERM: exit $rc"
contains "$tmp/term.err" "--resume" "the message says how to finish"
expect 0 "resume after SIGTERM" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/term.h5" --resume -q
expect 0 "SIGTERM-then-resume equals the uninterrupted file" -- "$py" "$src/tests/python/compare_runs.py" "$tmp/whole.h5" "$tmp/term.h5"

# summary and export
expect 0 "summary" -- "$exe" summary "$tmp/whole.h5"
contains "$tmp/out" "CO2 avoided, 2017-2040" "summary shows CO2 avoided, in words"
contains "$tmp/out" "thousand tonnes of CO2" "summary gives units in words"
contains "$tmp/out" "Public cost, all instruments" "summary shows the total public cost"
contains "$tmp/out" "Capex grants: cop22_grant" "summary shows the TPME grant on its own"
matches "$tmp/out" "cop22_grant \(capex grant\): [0-9.,]+ of 400 million MAD spent" "summary says what a budget spent of what"
contains "$tmp/out" "p95" "summary shows the 90% interval"
contains "$tmp/out" "Where the spread across runs comes from (law of total variance over 20 samples x 2 replicates" \
    "summary says where the spread comes from"
matches "$tmp/out" "uncertain parameters, +[0-9]+% firm population and random draws" "summary gives the shares"
expect 0 "summary --names" -- "$exe" summary "$tmp/whole.h5" --names
contains "$tmp/out" "public_cost_of_cop22_grant" "summary --names shows the identifiers"
expect 0 "summary --csv" -- "$exe" summary "$tmp/whole.h5" --csv
contains "$tmp/out" "variant,indicator,label,group,units,unit_words,mean,p5,p50,p95" "CSV header"
expect 0 "export --csv" -- "$exe" export "$tmp/whole.h5" --csv "$tmp/csv"
[ -s "$tmp/csv/summary.csv" ] && [ -s "$tmp/csv/runs_run_time_sector_technology.csv" ] && pass "CSV files written" || fail "CSV files missing"
expect 0 "pandas reads the CSV as it is" -- "$py" -c "
import pandas as pd, sys
d = pd.read_csv('$tmp/csv/runs_run_time_sector.csv')
sys.exit(0 if len(d) == 80 * 24 * 9 and 'co2_emissions' in d and d['year'].min() == 2017 else 1)"
expect 4 "export refuses to overwrite" -- "$exe" export "$tmp/whole.h5" --csv "$tmp/csv"
expect 0 "export --force overwrites" -- "$exe" export "$tmp/whole.h5" --csv "$tmp/csv" --force
ls "$tmp/csv" | grep -q '\.tmp' && fail "temporary CSV left" || pass "no temporary CSV left"

# files greenshift did not write, and run files
expect 0 "a run file" -- "$exe" run "$src/scenarios/bass.yaml" -o "$tmp/run.h5" -q
expect 0 "summary of a run file" -- "$exe" summary "$tmp/run.h5"
contains "$tmp/out" "a single run, without a baseline" "summary says a run has no indicators"
contains "$tmp/out" "greenshift compare BASELINE.h5" "and how to compare it"
expect 3 "summary --csv of a run file" -- "$exe" summary "$tmp/run.h5" --csv
contains "$tmp/err" "use greenshift compare" "the refusal points to compare"
"$py" -c "import h5py; h5py.File('$tmp/foreign.h5', 'w')['x'] = [1, 2]"
expect 3 "summary of a foreign HDF5 file" -- "$exe" summary "$tmp/foreign.h5"
echo "not hdf5" >"$tmp/text.h5"
expect 3 "summary of a non-HDF5 file" -- "$exe" summary "$tmp/text.h5"
expect 3 "summary of a missing file" -- "$exe" summary "$tmp/missing.h5"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

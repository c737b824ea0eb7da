#!/usr/bin/env bash
# The command line as a user meets it: exit codes, messages, files written or not.
# Usage: test_cli.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT

bass=$src/scenarios/bass.yaml
cop=$src/scenarios/morocco-cop22.yaml

expect 0 "--version" -- "$exe" --version
contains "$tmp/out" "greenshift " "--version prints the name and version"
expect 0 "--help" -- "$exe" --help
contains "$tmp/out" "Examples:" "--help shows examples"
contains "$tmp/out" "Exit codes" "--help documents exit codes"
expect 2 "no subcommand" -- "$exe"
expect 2 "unknown option" -- "$exe" run "$bass" -o "$tmp/x.h5" --frobnicate
expect 2 "run without -o" -- "$exe" run "$bass"
expect 2 "--threads 0" -- "$exe" run "$bass" -o "$tmp/x.h5" --threads 0

expect 0 "validate the bass scenario" -- "$exe" validate "$bass"
contains "$tmp/out" "decision:" "validate prints the resolved scenario"
contains "$tmp/err" "valid" "validate says the scenario is valid"
"$exe" validate "$bass" >"$tmp/resolved.yaml" 2>/dev/null
expect 0 "the resolved scenario validates again" -- "$exe" validate "$tmp/resolved.yaml"
expect 0 "validate the Morocco programme" -- "$exe" validate "$cop"
expect 0 "validate the Morocco baseline" -- "$exe" validate "$src/scenarios/morocco-baseline.yaml"

printf 'run:\n  start_year: 2017\n  end_year: 2016\n' >"$tmp/bad.yaml"
expect 3 "end before start is bad input" -- "$exe" validate "$tmp/bad.yaml"
contains "$tmp/err" "bad.yaml:" "the error names the file"
expect 3 "a missing scenario file" -- "$exe" validate "$tmp/nope.yaml"
contains "$tmp/err" "nope.yaml" "the error names the missing file"
expect 3 "a directory as scenario" -- "$exe" validate "$tmp"
expect 3 "--set on an unknown key" -- "$exe" validate "$bass" --set run.sed=4
contains "$tmp/err" "did you mean 'seed'" "--set suggests the closest key"
expect 3 "--unset of a key the file does not have" -- "$exe" validate "$cop" --unset policies.cop22_grnt
contains "$tmp/err" "--unset policies.cop22_grnt: no key 'cop22_grnt' to remove under 'policies' in the file; did you mean 'cop22_grant'?" \
    "the --unset error names the option and suggests the key"
expect 0 "--unset of a policy" -- "$exe" validate "$cop" --unset policies.cop22_grant
contains "$tmp/err" "6 policies" "one policy fewer (of 7)"
expect 3 "--max-memory too small" -- "$exe" validate "$bass" --max-memory 1K
contains "$tmp/err" "max-memory" "the memory error says how to raise the limit"
expect 2 "--max-memory not a size" -- "$exe" validate "$bass" --max-memory lots

# run: the file appears, complete, and is not overwritten without --force
expect 0 "run bass" -- "$exe" run "$bass" -o "$tmp/bass.h5" -q
[ -s "$tmp/bass.h5" ] && pass "output written" || fail "no output file"
contains "$tmp/err" "firm-steps/s" "run reports its rate"
ls "$tmp" | grep -q '\.tmp' && fail "temporary file left behind" || pass "no temporary file left"
cp "$tmp/bass.h5" "$tmp/bass.before"
expect 4 "existing output without --force" -- "$exe" run "$bass" -o "$tmp/bass.h5" -q
contains "$tmp/err" "--force" "the refusal says how to overwrite"
cmp -s "$tmp/bass.h5" "$tmp/bass.before" && pass "existing file untouched" || fail "existing file changed"
expect 0 "existing output with --force" -- "$exe" run "$bass" -o "$tmp/bass.h5" -q --force
# an output that is the command's own input is refused, --force or not (exit 4)
cp "$bass" "$tmp/self.yaml"
cp "$bass" "$tmp/self.before"
expect 4 "run -o its own scenario --force" -- "$exe" run "$tmp/self.yaml" -o "$tmp/self.yaml" -q --force
contains "$tmp/err" "$tmp/self.yaml is also an input of this command" "the refusal says the output is the input"
ln -s self.yaml "$tmp/self-link.h5"
ln "$tmp/self.yaml" "$tmp/self-hard.h5"
expect 4 "run -o a symbolic link to its scenario --force" -- "$exe" run "$tmp/self.yaml" -o "$tmp/self-link.h5" -q --force
expect 4 "run -o a hard link to its scenario --force" -- "$exe" run "$tmp/self.yaml" -o "$tmp/self-hard.h5" -q --force
expect 4 "run -o its scenario spelled another way --force" -- "$exe" run "$tmp/self.yaml" -o "$tmp/./self.yaml" -q --force
cmp -s "$tmp/self.yaml" "$tmp/self.before" && [ -L "$tmp/self-link.h5" ] && pass "the scenario and its links are untouched" \
    || fail "the scenario or a link to it was replaced"
rm -f "$tmp/self.yaml" "$tmp/self.before" "$tmp/self-link.h5" "$tmp/self-hard.h5"
expect 4 "output in a missing directory" -- "$exe" run "$bass" -o "$tmp/no/such/dir/x.h5" -q
contains "$tmp/err" "does not exist" "the error names the missing directory"
expect 4 "output is a directory" -- "$exe" run "$bass" -o "$tmp" -q
expect 3 "bad scenario writes nothing" -- "$exe" run "$tmp/bad.yaml" -o "$tmp/bad.h5" -q
[ -e "$tmp/bad.h5" ] && fail "a file was written for a bad scenario" || pass "nothing written for a bad scenario"

# export of a run file: tidy CSV, one row per time x sector x technology
expect 0 "export a run file to CSV" -- "$exe" export "$tmp/bass.h5" --csv "$tmp/csv"
expect 0 "the CSV has one row per step x sector x technology and the adopters column" -- "$py" -c "
import sys, pandas as pd, h5py
d = pd.read_csv('$tmp/csv/run_time_sector_technology.csv')
f = h5py.File('$tmp/bass.h5')
n = f['time'].shape[0] * f['sector'].shape[0] * f['technology'].shape[0]
assert len(d) == n, (len(d), n)
assert (d.groupby('time').adopters.sum().values == f['adopters'][:].sum(axis=(1, 2))).all()
"
expect 4 "export refuses to overwrite without --force" -- "$exe" export "$tmp/bass.h5" --csv "$tmp/csv"

# threads: 1 and 2 threads give bitwise-equal datasets; --seed and --set take effect
expect 0 "Morocco, 1 thread" -- "$exe" run "$cop" -o "$tmp/t1.h5" -q --threads 1
expect 0 "Morocco, 2 threads" -- "$exe" run "$cop" -o "$tmp/t2.h5" -q --threads 2
expect 0 "1 and 2 threads give identical datasets" -- "$py" "$src/tests/python/compare_runs.py" "$tmp/t1.h5" "$tmp/t2.h5"
expect 0 "another seed" -- "$exe" run "$cop" -o "$tmp/s2.h5" -q --seed 12345
expect 1 "another seed gives other draws" -- "$py" "$src/tests/python/compare_runs.py" "$tmp/t1.h5" "$tmp/s2.h5"
expect 0 "run with --set" -- "$exe" run "$bass" -o "$tmp/set.h5" -q --set run.end_year=2020
expect 0 "--set changed the horizon" -- "$py" -c "import h5py,sys; f=h5py.File('$tmp/set.h5'); y=f['year'][:]; sys.exit(0 if y.max()==2020 else 1)"

# check-plausibility: the scenario's references beside the run; exit 5 when one is out
cp "$bass" "$tmp/bass-refs.yaml"
cat >>"$tmp/bass-refs.yaml" <<'EOF'
references:
  adopters_2020:
    variable: adopters
    year: 2020
    value: 23.3
    unit: k
    interval: [21, 25.5]
    source: "Bass (1969) closed form F(4) = 0.233 at p = 0.03, q = 0.38, times 100,000 firms"
  all_firms:
    variable: firms
    value: 100000
    se: 1
    source: "the scenario's firm count"
EOF
expect 3 "a unit the variable cannot take" -- "$exe" check-plausibility "$tmp/bass-refs.yaml" --set references.all_firms.unit=kWh
contains "$tmp/err" "references.all_firms.unit: cannot be converted into the variables' unit '1'" "the unit error names the reference"
expect 0 "check-plausibility of a scenario inside its references" -- "$exe" check-plausibility "$tmp/bass-refs.yaml" --threads 2
contains "$tmp/out" "2 references, 2 in range, 0 out of range" "the table counts what is in range"
contains "$tmp/out" "Bass (1969) closed form" "the table lists the sources"
expect 5 "check-plausibility with a reference out of range" -- "$exe" check-plausibility "$tmp/bass-refs.yaml" \
    --set 'references.adopters_2020.interval=[10, 20]' --set references.adopters_2020.value=15
contains "$tmp/out" "HIGH" "the out-of-range figure is flagged"
expect 0 "run the scenario with references" -- "$exe" run "$tmp/bass-refs.yaml" -o "$tmp/bass-refs.h5" -q
expect 0 "check-plausibility of a run file" -- "$exe" check-plausibility "$tmp/bass-refs.h5" --csv
contains "$tmp/out" "reference,when,observed,band_lo,band_hi,level,simulated,unit,verdict,source" "--csv writes a header"
contains "$tmp/out" "adopters_2020,2020,23.3,21,25.5,0.9," "--csv writes the rows"
expect 2 "--set applies to a scenario, not to a run file" -- "$exe" check-plausibility "$tmp/bass-refs.h5" --set run.seed=1
expect 0 "a scenario without references has nothing to check" -- "$exe" check-plausibility "$tmp/bass.h5"
contains "$tmp/err" "no references" "says there is nothing to check"

# SIGTERM stops a run between steps with the documented code and writes nothing
# (the full model at 10^6 firms with monthly steps: seconds of work, so the signal lands mid-run)
"$exe" run "$src/scenarios/stress-1m.yaml" -o "$tmp/killed.h5" -q --threads 1 --set run.steps_per_year=12 2>"$tmp/err" &
pid=$!
sleep 1.5
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 75 ] && pass "SIGTERM gives exit 75" || fail "SIGTERM gave exit $rc"
[ -e "$tmp/killed.h5" ] && fail "an interrupted run left an output" || pass "an interrupted run leaves no output"
ls "$tmp" | grep -q '\.tmp' && fail "interrupted run left a temporary file" || pass "no temporary file after SIGTERM"

echo "$fails failure(s)"
[ $fails -eq 0 ]

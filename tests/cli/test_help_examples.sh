#!/usr/bin/env bash
# Every subcommand's --help ends with examples of that subcommand (not the general
# list), and the examples work: each is run as written, in a copy of the repository's
# scenarios with the Morocco batch cut to 3 samples so that it takes seconds. The
# README's `$greenshift ...` lines are run the same way in a fresh folder.
# Usage: test_help_examples.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$(realpath "$1")
src=$(realpath "$2")
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/bin" && ln -s "$exe" "$tmp/bin/greenshift"
export PATH="$tmp/bin:$PATH"
# a folder laid out like the repository: scenarios/ (the batch made small) and out/
fresh_root() {
    mkdir -p "$1/out"
    cp -r "$src/scenarios" "$1/scenarios"
    sed -i 's/^samples: 100 /samples: 3   /' "$1/scenarios/morocco-cop22-batch.yaml"
    grep -q '^samples: 3 ' "$1/scenarios/morocco-cop22-batch.yaml" || fail "could not make the Morocco batch small"
    # the Morocco calibration cut to a few evaluations
    sed -i -e 's/global_evaluations: [0-9]*/global_evaluations: 4/' -e 's/local_evaluations: [0-9]*/local_evaluations: 4/' \
        -e 's/samples: [0-9]*, burn_in: [0-9]*/samples: 6, burn_in: 4/' -e 's/predictive: [0-9]*/predictive: 6/' \
        "$1/scenarios/morocco-calibration.yaml"
    grep -q 'samples: 6, burn_in: 4' "$1/scenarios/morocco-calibration.yaml" || fail "could not make the Morocco calibration small"
}
# examples FILE: the example commands (with their continuation lines) in a help text
examples() { awk '/^  greenshift / {cmd=$0; while (cmd ~ /\\$/) {getline l; cmd = substr(cmd, 1, length(cmd)-1) l} print cmd}' "$1"; }

subcommands=$("$exe" --help | awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
[ -n "$subcommands" ] && pass "the subcommands: $(echo $subcommands)" || fail "no subcommand listed by --help"
"$exe" --help >"$tmp/general.txt"
for c in $subcommands; do
    "$exe" "$c" --help >"$tmp/help-$c.txt" 2>&1 || { fail "$c --help exits non-zero"; continue; }
    examples "$tmp/help-$c.txt" >"$tmp/ex-$c.txt"
    n=$(wc -l <"$tmp/ex-$c.txt")
    others=$(awk -v c="$c" '$2 != c' "$tmp/ex-$c.txt" | wc -l)
    if [ "$n" -ge 1 ] && [ "$others" -eq 0 ]; then
        pass "$c --help: $n examples, all of $c"
    else
        fail "$c --help: $n examples, $others of other commands"; cat "$tmp/help-$c.txt"
    fi
    grep -q "^Exit codes:" "$tmp/help-$c.txt" && pass "$c --help gives the exit codes" || fail "$c --help lacks the exit codes"
done

# Run them, in the order of a session: validate, run, check-plausibility, batch, calibrate, merge, summary,
# export, plot, report.
root="$tmp/root"
fresh_root "$root"
run_examples() {  # run_examples COMMAND
    while IFS= read -r line; do
        if (cd "$root" && bash -c "$line") >"$tmp/out" 2>"$tmp/err"; then
            pass "runs: $line"
        else
            fail "exit $? from: $line"; tail -5 "$tmp/err"
        fi
    done <"$tmp/ex-$1.txt"
}
for c in validate run check-plausibility batch calibrate; do run_examples $c; done
# the merge example joins shards 0/2 and 1/2; the batch examples made the first
(cd "$root" && greenshift batch scenarios/morocco-cop22-batch.yaml -o out/part-1.h5 --shard 1/2 -q 2>/dev/null) \
    && pass "shard 1/2 for the merge example" || fail "shard 1/2"
for c in merge summary export plot report; do run_examples $c; done
expect 0 "the merged shards equal the batch" -- "$py" "$src/tests/python/compare_runs.py" "$root/out/merged.h5" "$root/out/cop22-batch.h5"
[ -s "$root/out/summary.csv" ] && [ -s "$root/out/co2.xlsx" ] && [ -f "$root/out/figures/co2.png" ] && [ -s "$root/out/cop22-report.html" ] \
    && pass "the examples' outputs are there" || fail "outputs missing: $(ls "$root/out")"
ls "$root/out" | grep -q '\.tmp' && fail "a temporary was left in out/" || pass "no temporary left in out/"

# The README's commands, as an analyst types them after building.
readme="$tmp/readme"
fresh_root "$readme"
awk '/^\$greenshift / {cmd=$0; while (cmd ~ /\\$/) {getline l; cmd = substr(cmd, 1, length(cmd)-1) l} print cmd}' \
    "$src/README.md" >"$tmp/readme.txt"
[ "$(wc -l <"$tmp/readme.txt")" -ge 5 ] && pass "README: $(wc -l <"$tmp/readme.txt") commands" || fail "README: too few commands found"
while IFS= read -r line; do
    if (cd "$readme" && greenshift="$exe" bash -c "$line") >"$tmp/out" 2>"$tmp/err"; then
        pass "README runs: $line"
    else
        fail "README: exit $? from: $line"; tail -5 "$tmp/err"
    fi
done <"$tmp/readme.txt"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

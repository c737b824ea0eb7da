#!/usr/bin/env bash
# greenshift calibrate as a user meets it: a calibration of tests/data/small.yaml
# stopped with SIGTERM (exit 75, a checkpoint, no output), refused without --resume
# or --force, resumed to a file whose datasets equal those of an uninterrupted run;
# a bad calibration file is exit 3 with file:line:col; validate reads CALIB.yaml.
# Usage: test_calibrate_cli.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$(realpath "$1")
src=$(realpath "$2")
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

# A longer chain than the test file's, so that a signal lands mid-way.
sed -e 's|scenario: ../small.yaml|scenario: '"$src"'/tests/data/small.yaml|' \
    -e 's|samples: 100, burn_in: 50|samples: 600, burn_in: 200|' \
    "$src/tests/data/calibration/small-calib.yaml" >"$tmp/calib.yaml"
grep -q "samples: 600" "$tmp/calib.yaml" || fail "could not lengthen the chain"
expect 0 "validate reads a calibration file" -- "$exe" validate "$tmp/calib.yaml"
contains "$tmp/err" "valid calibration — 2 parameters, 2 targets, 1 held out" "validate says what it read"

expect 0 "an uninterrupted calibration" -- "$exe" calibrate "$tmp/calib.yaml" -o "$tmp/whole.h5" --threads 2 -q
[ -e "$tmp/whole.h5.checkpoint" ] && fail "a checkpoint left after a complete calibration" || pass "no checkpoint left"

"$exe" calibrate "$tmp/calib.yaml" -o "$tmp/cut.h5" --threads 2 -q 2>"$tmp/term.err" &
pid=$!
for _ in $(seq 1 200); do [ -e "$tmp/cut.h5.checkpoint" ] && break; sleep 0.05; done
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" -eq 75 ] && pass "SIGTERM ends the calibration with 75" || fail "SIGTERM: exit $rc"
contains "$tmp/term.err" "run the same command with --resume to finish" "the message says how to continue"
[ -e "$tmp/cut.h5" ] && fail "an output appeared for a stopped calibration" || pass "no output after SIGTERM"
[ -e "$tmp/cut.h5.checkpoint" ] && pass "the checkpoint is there" || fail "no checkpoint after SIGTERM"
expect 4 "without --resume or --force the checkpoint is kept" -- "$exe" calibrate "$tmp/calib.yaml" -o "$tmp/cut.h5" -q
contains "$tmp/err" "continue it with --resume, or start over with --force" "the refusal says what to do"
expect 0 "resume after SIGTERM" -- "$exe" calibrate "$tmp/calib.yaml" -o "$tmp/cut.h5" --resume --threads 1
matches "$tmp/err" "[1-9][0-9]* replayed from the checkpoint" "the resumed calibration replays the checkpoint"
expect 0 "--resume on a finished calibration" -- "$exe" calibrate "$tmp/calib.yaml" -o "$tmp/cut.h5" --resume
contains "$tmp/err" "is complete" "it says there is nothing to compute"
"$py" "$src/tests/python/compare_calibrations.py" "$tmp/whole.h5" "$tmp/cut.h5" >"$tmp/cmp" 2>&1
[ $? -eq 0 ] && pass "SIGTERM-then-resume equals the uninterrupted file ($(cat "$tmp/cmp"))" || { fail "resumed file differs"; cat "$tmp/cmp"; }

# Bad input: exit 3, one line with the file's position.
sed 's|bounds: \[0.05, 1.5\]|bounds: [1.5, 0.05]|' "$tmp/calib.yaml" >"$tmp/bad.yaml"
expect 3 "inverted bounds are bad input" -- "$exe" calibrate "$tmp/bad.yaml" -o "$tmp/bad.h5"
matches "$tmp/err" "bad.yaml:[0-9]+:[0-9]+: calibration.parameters\[0\].bounds: the bounds are inverted" "the error names file, line, column and key"
[ -e "$tmp/bad.h5" ] && fail "an output for a bad calibration" || pass "nothing written for bad input"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]

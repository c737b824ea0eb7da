#!/usr/bin/env bash
# greenshift batch --shard I/N and greenshift merge: shards merged in any order equal
# the unsharded batch, dataset by dataset, bitwise (statistics and effects included);
# a shard stopped by SIGUSR1 exits 75 and --resume finishes it; merge refuses a
# missing, duplicated, foreign or corrupt part, naming it, with exit 3.
# Usage: test_shard_merge.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
same() { expect 0 "$1" -- "$py" "$src/tests/python/compare_runs.py" "$2" "$3"; }

make_batch() { morocco_batch "$1" shard_batch "$2" "$3"; }  # make_batch FILE SEED SAMPLES
make_batch "$tmp/b.yaml" 11 7     # 28 runs: shards of 9, 9 and 10
make_batch "$tmp/other.yaml" 12 7

expect 0 "the unsharded batch" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/whole.h5" --threads 2 -q
expect 0 "shard 0/3, 1 thread" -- "$exe" batch "$tmp/b.yaml" --shard 0/3 -o "$tmp/part-0.h5" --threads 1 -q
contains "$tmp/err" "9 runs of shard 0/3 (28 in the batch)" "shard 0/3 runs its block of 9 runs"
expect 0 "shard 1/3, 2 threads" -- "$exe" batch "$tmp/b.yaml" --shard 1/3 -o "$tmp/part-1.h5" --threads 2 -q
[ -d "$tmp/part-1.h5.parts" ] && fail "a shard left its parts folder" || pass "a finished shard removes its parts folder"

# shard 2/3 stopped by SIGUSR1 (Slurm's warning before the time limit), then resumed
"$exe" batch "$tmp/b.yaml" --shard 2/3 -o "$tmp/part-2.h5" --threads 1 -q 2>"$tmp/usr1.err" &
pid=$!
for _ in $(seq 1 400); do
    [ "$(ls "$tmp/part-2.h5.parts" 2>/dev/null | grep -c '^run-.*\.h5$')" -ge 2 ] && break
    sleep 0.02
done
kill -USR1 $pid
wait $pid
rc=$?
[ "$rc" -eq 75 ] && pass "SIGUSR1 stops a shard with exit 75" || fail "SIGUSR1: exit $rc, expected 75"
contains "$tmp/usr1.err" "--resume" "the interrupted shard says how to resume"
[ -e "$tmp/part-2.h5" ] && fail "an interrupted shard wrote its shard file" || pass "no shard file for an interrupted shard"
expect 4 "an interrupted shard is not silently restarted" -- "$exe" batch "$tmp/b.yaml" --shard 2/3 -o "$tmp/part-2.h5" -q
expect 0 "--resume finishes the shard" -- "$exe" batch "$tmp/b.yaml" --shard 2/3 -o "$tmp/part-2.h5" --resume -q
contains "$tmp/err" "already done" "the resumed shard kept the runs done before the signal"
expect 0 "--resume of a finished shard" -- "$exe" batch "$tmp/b.yaml" --shard 2/3 -o "$tmp/part-2.h5" --resume -q
contains "$tmp/err" "nothing to compute" "a finished shard computes nothing"
expect 4 "--resume with another shard spec on that output" -- "$exe" batch "$tmp/b.yaml" --shard 1/3 -o "$tmp/part-2.h5" --resume -q
contains "$tmp/err" "is shard 2/3, not shard 1/3" "the refusal names both shard specs"

expect 0 "merge, parts in shuffled order" -- "$exe" merge "$tmp/part-2.h5" "$tmp/part-0.h5" "$tmp/part-1.h5" -o "$tmp/merged.h5"
contains "$tmp/err" "28 runs from 3 shards" "merge reports runs and shards"
same "merged equals the unsharded batch bitwise (runs, statistics, effects, summary)" "$tmp/whole.h5" "$tmp/merged.h5"
expect 0 "summary reads the merged file" -- "$exe" summary "$tmp/merged.h5"
expect 0 "xarray opens every group of the merged file" -- "$py" "$src/tests/python/check_batch.py" "$tmp/merged.h5"

# one shard = the whole batch; many shards, some empty (more shards than runs is refused nowhere: they hold 0-1 runs)
expect 0 "shard 0/1" -- "$exe" batch "$tmp/b.yaml" --shard 0/1 -o "$tmp/one-0.h5" -q
expect 0 "merge of a single shard 0/1" -- "$exe" merge "$tmp/one-0.h5" -o "$tmp/one.h5"
same "0/1 merged equals the unsharded batch" "$tmp/whole.h5" "$tmp/one.h5"

# refusals: exit 3 and the file (or shard) named
expect 3 "merge with shard 1/3 missing" -- "$exe" merge "$tmp/part-0.h5" "$tmp/part-2.h5" -o "$tmp/m.h5"
contains "$tmp/err" "shard 1/3 (runs 9-17" "the missing shard is named with its runs"
cp "$tmp/part-1.h5" "$tmp/copy-of-1.h5"
expect 3 "merge with a shard given twice" -- "$exe" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/copy-of-1.h5" "$tmp/part-2.h5" -o "$tmp/m.h5"
contains "$tmp/err" "copy-of-1.h5: is shard 1/3, and so is $tmp/part-1.h5" "the duplicate names both files"
expect 3 "merge with the same file twice" -- "$exe" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/part-1.h5" "$tmp/part-2.h5" -o "$tmp/m.h5"
contains "$tmp/err" "given twice" "the repeated file is named"
expect 0 "a shard of another batch" -- "$exe" batch "$tmp/other.yaml" --shard 1/3 -o "$tmp/foreign-1.h5" -q
expect 3 "merge with a foreign shard" -- "$exe" merge "$tmp/part-0.h5" "$tmp/foreign-1.h5" "$tmp/part-2.h5" -o "$tmp/m.h5"
contains "$tmp/err" "foreign-1.h5: belongs to another batch" "the foreign part is named"
size=$(stat -c %s "$tmp/part-1.h5")
head -c $((size / 2)) "$tmp/part-1.h5" >"$tmp/truncated-1.h5"
expect 3 "merge with a truncated shard" -- "$exe" merge "$tmp/part-0.h5" "$tmp/truncated-1.h5" "$tmp/part-2.h5" -o "$tmp/m.h5"
contains "$tmp/err" "truncated-1.h5" "the truncated part is named"
head -c 4096 /dev/urandom >"$tmp/garbage-1.h5"
expect 3 "merge with a file that is not HDF5" -- "$exe" merge "$tmp/part-0.h5" "$tmp/garbage-1.h5" "$tmp/part-2.h5" -o "$tmp/m.h5"
contains "$tmp/err" "garbage-1.h5" "the corrupt part is named"
expect 3 "merge of a whole batch file" -- "$exe" merge "$tmp/whole.h5" -o "$tmp/m.h5"
contains "$tmp/err" "is a whole batch file, not a shard" "a batch file is not taken for a shard"
expect 3 "merge with a missing file" -- "$exe" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/nope-2.h5" -o "$tmp/m.h5"
contains "$tmp/err" "nope-2.h5: no such file" "the missing file is named"
[ -e "$tmp/m.h5" ] && fail "a refused merge left an output" || pass "refused merges write nothing"
ls "$tmp" | grep -q '\.tmp' && fail "a temporary file was left behind" || pass "no temporary files left"
expect 4 "merge onto an existing output" -- "$exe" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/part-2.h5" -o "$tmp/merged.h5"
expect 0 "merge --force replaces it" -- "$exe" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/part-2.h5" -o "$tmp/merged.h5" --force
cp "$tmp/part-2.h5" "$tmp/part-2.before"
expect 4 "merge -o one of its shards --force" -- "$exe" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/part-2.h5" -o "$tmp/part-2.h5" --force
contains "$tmp/err" "is also an input of this command" "the refusal says the output is an input"
cmp -s "$tmp/part-2.h5" "$tmp/part-2.before" && pass "the shard is untouched" || fail "the shard was replaced"
expect 2 "--shard 3/3 is refused" -- "$exe" batch "$tmp/b.yaml" --shard 3/3 -o "$tmp/x.h5"
expect 2 "--shard 1 is refused" -- "$exe" batch "$tmp/b.yaml" --shard 1 -o "$tmp/x.h5"

echo "test_shard_merge: $fails failed"
[ "$fails" -eq 0 ]

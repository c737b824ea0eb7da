#!/usr/bin/env bash
# Faults end cleanly (docs/reliability.md):
# - a full disk, or a file size limit, while run, batch, merge or export writes: exit 4,
#   one line on stderr, no crash (HDF5 used to segfault at exit after a failed write),
#   nothing left under the output name; the disk is a small tmpfs when this runs as
#   root, and `ulimit -f` with SIGXFSZ ignored (writes fail with EFBIG) always;
# - SIGTERM while a file is read (its checksum checked), merged, exported or drawn:
#   exit 75 within 2 s, nothing left; a named pipe or a directory as the input is
#   refused at once;
# - OMP_NUM_THREADS beyond what --threads allows is refused (it crashed runs), and
#   --seed takes 0 to 2^64 - 1 exactly, giving the run --set run.seed gives.
# Usage: test_faults.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
mounted=""
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
now_ms() { echo $(($(date +%s%N) / 1000000)); }
checksum=$src/tests/python/greenshift_checksum.py

# one_line_error CODE WHAT: $tmp/err is one `greenshift: error:` line and the exit was CODE.
one_line_error() {
    local rc=$1 want=$2 what=$3
    if [ "$rc" -ne "$want" ]; then fail "$what: exit $rc, expected $want"; head -5 err; return 1; fi
    if [ "$(wc -l <err)" -ne 1 ] || ! grep -q '^greenshift: error: ' err; then
        fail "$what: stderr is not one 'greenshift: error:' line:"; head -5 err; return 1
    fi
    pass "$what (exit $rc): $(head -c 150 err)"
}

# Inputs: a small run, a small batch and its two shards (the Morocco batch of lib.sh,
# 3 samples x 2 replicates x 2 variants).
morocco_batch batch.yaml faults 11 3
"$exe" run "$src/tests/data/small.yaml" -o run.h5 -q &&
    "$exe" batch batch.yaml -o batch.h5 -q &&
    "$exe" batch batch.yaml -o shard0.h5 -q --shard 0/2 &&
    "$exe" batch batch.yaml -o shard1.h5 -q --shard 1/2 || { fail "could not make the inputs"; exit 1; }

# --- full disk, file size limit ---
# write_ends WHAT LEAVE DIR -- COMMAND: COMMAND writes into DIR, where space runs out
# (or not). It either succeeds with a complete file (its checksum matches), or fails
# with exit 4 and one line, leaving DIR empty but for LEAVE (a regular expression of
# names kept on purpose: a batch's parts folder, for --resume). Never a crash.
declare -A refused
write_ends() {
    local what=$1 leave=$2 dir=$3
    shift 4
    "$@" >/dev/null 2>err
    local rc=$?
    # export reports its progress on stderr; the error is still one line.
    grep -v '^export ' err >err.lines; mv err.lines err
    if [ $rc -eq 0 ]; then
        local f
        for f in "$dir"/*.h5; do
            [ -e "$f" ] || continue
            "$py" "$checksum" check "$f" && pass "$what: it fit, and $(basename "$f") is complete" ||
                fail "$what: exit 0 with an incomplete $(basename "$f")"
        done
    else
        one_line_error $rc 4 "$what" || { rm -rf "${dir:?}"/*; return; }
        refused[${what%% *}]=1
        # run and merge name the output given, not the temporary they wrote (r.h5, not
        # r.h5.tmp.PID: the user never saw that name, and it is gone)
        case $what in run* | merge*)
            grep -q '\.tmp\.[0-9]' err && fail "$what: the message names the temporary: $(cat err)" ||
                pass "$what: the message names the output" ;;
        esac
        local left
        left=$(ls -A "$dir" | grep -Ev "^(${leave})\$" || true)
        [ -z "$left" ] && pass "$what: nothing left" || fail "$what: left $left"
    fi
    rm -rf "${dir:?}"/*
}

commands() {  # commands DIR: each writing command, its output in DIR
    local d=$1
    echo "run|-|$exe run $src/tests/data/small.yaml -o $d/r.h5 -q"
    echo "batch|out\\.h5\\.parts|$exe batch batch.yaml -o $d/out.h5 -q"
    echo "merge|-|$exe merge shard0.h5 shard1.h5 -o $d/m.h5"
    echo "export|-|$exe export batch.h5 --csv $d/csv"
}

if [ "$(id -u)" -eq 0 ] && mkdir disk && mount -t tmpfs -o size=64k tmpfs disk 2>/dev/null; then
    mounted=$tmp/disk
    for size in 64k 256k 1m; do
        mount -o remount,size=$size "$mounted"
        while IFS='|' read -r name leave cmd; do
            # shellcheck disable=SC2086
            write_ends "$name on a full $size disk" "$leave" disk -- $cmd
        done < <(commands disk)
    done
    umount "$mounted" && mounted=""
else
    echo "ok   - # skip: not root or no tmpfs mount here; the file size limit below stands in for a full disk"
fi
mkdir -p limited
for kib in 16 200; do
    while IFS='|' read -r name leave cmd; do
        # shellcheck disable=SC2086
        write_ends "$name under a ${kib} KiB file size limit" "$leave" limited -- \
            bash -c "trap '' XFSZ; ulimit -f $kib; exec $cmd"
    done < <(commands limited)
done
for name in run batch merge export; do
    [ -n "${refused[$name]:-}" ] && pass "$name met a full disk or the size limit at least once" ||
        fail "$name never ran out of space: the sizes above no longer test it"
done

# --- SIGTERM while reading, merging, exporting, drawing ---
# big FILE: FILE with 3 GiB of (sparse) zeros between its HDF5 data and its checksum,
# which HDF5 ignores: checking the checksum takes a second or more.
big() {
    head -c -4096 "$1" >"$2"
    truncate -s +3G "$2"
    "$py" "$checksum" write "$2"
}
big batch.h5 big-batch.h5
big shard0.h5 big-shard0.h5
expect 0 "a file with 3 GiB after its HDF5 data is still read" -- timeout 120 "$exe" summary big-batch.h5
# term_ends WHAT DIR -- COMMAND: SIGTERM 300 ms after the start ends COMMAND with 75
# within 2 s, and DIR holds nothing new.
# A process has installed its SIGTERM handler when bit 15 of SigCgt is set in
# /proc/PID/status. A signal sent before that just ends it (143): a sanitized build, or
# a loaded machine, can take longer than the 0.3 s below to reach main.
handles_term() {
    local mask
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
    [ -n "$mask" ] && (((16#$mask >> 14) & 1))
}
term_ends() {
    local what=$1 dir=$2
    shift 3
    mkdir -p "$dir"
    "$@" >/dev/null 2>err &
    local pid=$!
    pids+=("$pid")
    sleep 0.3
    local started=0
    while [ $started -lt 100 ] && kill -0 $pid 2>/dev/null && ! handles_term $pid; do
        sleep 0.05
        started=$((started + 1))
    done
    local t0
    t0=$(now_ms)
    kill -TERM $pid
    local waited=0
    while kill -0 $pid 2>/dev/null && [ $waited -lt 100 ]; do sleep 0.05; waited=$((waited + 1)); done
    local ms=$(($(now_ms) - t0))
    if kill -0 $pid 2>/dev/null; then kill -KILL $pid; fail "$what: still running 5 s after SIGTERM"; return; fi
    wait $pid
    local rc=$?
    [ $rc -eq 75 ] && [ $ms -lt 2000 ] && pass "$what: exit 75, $ms ms after SIGTERM" ||
        { fail "$what: exit $rc, $ms ms after SIGTERM"; head -3 err; }
    [ -z "$(ls -A "$dir")" ] && pass "$what: nothing left" || fail "$what: left $(ls -A "$dir")"
    # stderr, not a terminal: progress lines, then the message alone on its line (it
    # was preceded by an empty line, meant to end a progress line redrawn in place)
    [ "$(grep -v -E '^(export|plot|report) ' err)" = "greenshift: interrupted by signal 15; stopped, nothing written" ] &&
        pass "$what: one line says so" || { fail "$what: stderr is not the one line:"; cat -A err | head -5; }
}
term_ends "SIGTERM to summary while it checks the file" o1 -- "$exe" summary big-batch.h5
term_ends "SIGTERM to export while it checks the file" o2 -- "$exe" export big-batch.h5 --csv o2/csv
term_ends "SIGTERM to merge while it checks a shard" o3 -- "$exe" merge big-shard0.h5 shard1.h5 -o o3/m.h5
term_ends "SIGTERM to report while it checks the file" o4 -- "$exe" report big-batch.h5 -o o4/r.html
# The figures take seconds in python: the signal reaches the script too.
term_ends "SIGTERM to plot while python draws" o5 -- "$exe" plot batch.h5 -o o5/png

mkfifo pipe.h5
t0=$(now_ms)
timeout -s KILL 10 "$exe" summary pipe.h5 2>err
one_line_error $? 3 "summary of a named pipe, refused in $(($(now_ms) - t0)) ms"
timeout -s KILL 10 "$exe" merge pipe.h5 -o m.h5 2>err
one_line_error $? 3 "merge of a named pipe"
mkdir dir.h5
"$exe" export dir.h5 --csv out 2>err
one_line_error $? 3 "export of a directory"
"$exe" merge dir.h5 -o m.h5 2>err
one_line_error $? 3 "merge of a directory"
"$exe" summary shard0.h5 2>err
one_line_error $? 3 "summary of a shard" && contains err "is a shard file, not a run or batch file" "summary calls a shard a shard"

# --- thread counts and seeds ---
OMP_NUM_THREADS=100000 "$exe" run "$src/tests/data/small.yaml" -o t.h5 -q 2>err
one_line_error $? 2 "OMP_NUM_THREADS=100000 (run)"
OMP_NUM_THREADS=100000 "$exe" batch batch.yaml -o t.h5 -q 2>err
one_line_error $? 2 "OMP_NUM_THREADS=100000 (batch)"
# libgomp itself warns of a value it cannot use, before greenshift starts.
OMP_NUM_THREADS=0 "$exe" run "$src/tests/data/small.yaml" -o t.h5 -q 2>err.all
rc=$?
grep -v '^libgomp: \|^$' err.all >err
one_line_error $rc 2 "OMP_NUM_THREADS=0"
expect 0 "OMP_NUM_THREADS=100000 with --threads 2" -- env OMP_NUM_THREADS=100000 "$exe" run "$src/tests/data/small.yaml" -o t.h5 -q --threads 2
expect 0 "OMP_NUM_THREADS=3" -- env OMP_NUM_THREADS=3 "$exe" run "$src/tests/data/small.yaml" -o t3.h5 -q
"$py" -c "import h5py, sys; sys.exit(0 if h5py.File('t3.h5')['/'].attrs['threads'] == 3 else 1)" &&
    pass "OMP_NUM_THREADS=3 runs on 3 threads" || fail "OMP_NUM_THREADS=3 is not the thread count"
max=18446744073709551615
expect 0 "--seed 2^64 - 1" -- "$exe" run "$src/tests/data/small.yaml" -o s1.h5 -q --seed $max
expect 0 "--set run.seed=2^64 - 1" -- "$exe" run "$src/tests/data/small.yaml" -o s2.h5 -q --set run.seed=$max
expect 0 "--seed and run.seed give the same run" -- "$py" "$src/tests/python/compare_runs.py" s1.h5 s2.h5
"$py" -c "import h5py, sys; sys.exit(0 if int(h5py.File('s1.h5')['/'].attrs['seed']) == $max else 1)" &&
    pass "the seed stored is 2^64 - 1" || fail "the seed stored is not 2^64 - 1"
# Seeds above 2^63 - 1 were all taken as 2^63 - 1.
expect 0 "--seed 2^63" -- "$exe" run "$src/tests/data/small.yaml" -o s3.h5 -q --seed 9223372036854775808
expect 0 "--seed 2^63 - 1" -- "$exe" run "$src/tests/data/small.yaml" -o s4.h5 -q --seed 9223372036854775807
expect 1 "--seed 2^63 and 2^63 - 1 give different runs" -- "$py" "$src/tests/python/compare_runs.py" s3.h5 s4.h5
for bad in 18446744073709551616 -1 abc 1e3; do
    "$exe" run "$src/tests/data/small.yaml" -o s5.h5 -q --seed $bad 2>err
    one_line_error $? 2 "--seed $bad" && contains err "allowed: integers from 0 to $max" "--seed $bad: the range as integers"
done
"$exe" run "$src/tests/data/small.yaml" 2>err
one_line_error $? 2 "a usage error (no -o)"

# --- a batch's design: its memory known before it is drawn, a shard draws its own rows ---
# 10^6 samples x 10 parameters, 10^7 runs: ~0.4 GiB of design.
sed -e 's/end_year: 2040/end_year: 2017/' -e 's/steps_per_year: 4 /steps_per_year: 1 /' \
    -e 's/micro: 100000 /micro: 50 /' "$src/scenarios/bass.yaml" >mini.yaml
{
    printf 'schema: 1\nname: big_design\nscenario: mini.yaml\nseed: 3\nsamples: 1000000\nreplicates: 5\n'
    printf 'variants:\n  baseline: {}\n  faster:\n    baseline: baseline\nuncertain:\n'
    for k in electricity.price electricity.emission_factor sectors.all.output_median sectors.all.electricity_intensity \
             sectors.all.hurdle_rate technologies.product.savings_fraction technologies.product.yield \
             technologies.product.capex technologies.product.bass_p technologies.product.bass_q; do
        printf '  %s: {distribution: uniform, apply: scale, low: 0.9, high: 1.1}\n' $k
    done
} >big-design.yaml
mkdir design
if [ -n "${GREENSHIFT_SANITIZER:-}" ]; then
    # AddressSanitizer reserves terabytes of address space at start: ulimit -v stops it first.
    echo "ok   - # skip: a design under ulimit -v (a sanitized build cannot start under ulimit -v)"
else
    t0=$(now_ms)
    (ulimit -v 400000; exec "$exe" batch big-design.yaml -o design/b.h5 -q) 2>err
    one_line_error $? 3 "a design larger than the memory left under ulimit -v 400000, refused in $(($(now_ms) - t0)) ms"
    contains err "needs about 0.4 GiB" "the refusal gives the design's size"
    [ -z "$(ls -A design)" ] && pass "the refused design wrote nothing" || fail "the refused design left $(ls -A design)"
fi
# It was an 'out of memory' after 2 s, the whole design drawn first.
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o rss "$exe" batch big-design.yaml -o design/s.h5 -q --shard 7/1000000 2>err
    rc=$?
    kb=$(tail -1 rss)
    limit_kb=1000000  # the whole design would be ~4 GB
    [ -n "${GREENSHIFT_SANITIZER:-}" ] && limit_kb=$((limit_kb + 500000))  # shadow memory and quarantine
    [ $rc -eq 0 ] && [ "$kb" -lt $limit_kb ] && pass "shard 7/1000000 draws its own samples: exit 0, peak $((kb / 1024)) MiB" ||
        { fail "shard 7/1000000: exit $rc, peak $((kb / 1024)) MiB"; head -3 err; }
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]

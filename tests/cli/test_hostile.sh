#!/usr/bin/env bash
# Hostile and mistaken input at the command line, beyond the loader corpus
# (tests/bad_scenarios/) and the everyday cases of test_cli.sh: each is refused
# quickly with the documented exit code and one message, writes nothing, and stays
# within bounded memory (peak RSS measured with /usr/bin/time).
# Usage: test_hostile.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"  # the unwritable-directory case runs as user nobody
bass=$src/scenarios/bass.yaml
rss_limit_kb=$((200 * 1024))
# Under AddressSanitizer (scripts/sanitize.sh sets GREENSHIFT_SANITIZER) every process
# starts at ~215 MiB of shadow memory and allocator state: the bound moves by that much,
# and still catches an allocation that grows with the hostile input.
[ -n "${GREENSHIFT_SANITIZER:-}" ] && rss_limit_kb=$((rss_limit_kb + 300 * 1024))
timer=/usr/bin/time
[ -x $timer ] || { echo "# /usr/bin/time not found (Debian package 'time'): peak memory not checked"; timer=""; }

# refused CODE MESSAGE DESCRIPTION -- COMMAND...: the command exits with CODE within
# 10 s, prints exactly one line to stderr, starting "greenshift: error:" and
# containing MESSAGE, nothing to stdout, and peaks below 200 MiB.
refused() {
    local code=$1 msg=$2 what=$3; shift 4
    local t0=$(($(date +%s%N) / 1000000))
    if [ -n "$timer" ]; then
        timeout -s KILL 10 $timer -o "$tmp/rss" -f %M "$@" >"$tmp/out" 2>"$tmp/err"
    else
        timeout -s KILL 10 "$@" >"$tmp/out" 2>"$tmp/err"
    fi
    local rc=$? ms=$(($(date +%s%N) / 1000000 - t0))
    local lines=$(wc -l <"$tmp/err")
    if [ $rc -ne "$code" ]; then
        fail "$what: exit $rc, expected $code"; head -3 "$tmp/err"; return
    fi
    if [ "$lines" -ne 1 ] || ! grep -q '^greenshift: error: ' "$tmp/err" || ! grep -qF -- "$msg" "$tmp/err"; then
        fail "$what: want one line 'greenshift: error: ...$msg...', got $lines:"; head -3 "$tmp/err"; return
    fi
    [ -s "$tmp/out" ] && { fail "$what: printed to stdout"; return; }
    local kb=0
    [ -n "$timer" ] && kb=$(tail -1 "$tmp/rss")
    if [ "$kb" -ge $rss_limit_kb ]; then fail "$what: peak RSS $((kb / 1024)) MiB"; return; fi
    pass "$what (exit $rc, ${ms} ms, peak $((kb / 1024)) MiB): $(cut -c1-110 "$tmp/err")"
}
# nothing_in DIR WHAT: DIR holds no output and no temporary.
nothing_in() {
    [ -z "$(ls -A "$1")" ] && pass "$2: nothing written" || fail "$2: left $(ls -A "$1" | tr '\n' ' ')"
}

# --- big and hostile files ---
# 100 MB of plausible YAML: refused from its size, without reading it (the peak
# memory stays far below the file's size).
yes 'description: padding padding padding padding padding padding padding padding' | head -c 100M >"$tmp/big.yaml"
refused 3 "larger than the 16 MiB" "a 100 MB scenario file (validate)" -- "$exe" validate "$tmp/big.yaml"
mkdir "$tmp/o1"
refused 3 "larger than the 16 MiB" "a 100 MB scenario file (run)" -- "$exe" run "$tmp/big.yaml" -o "$tmp/o1/x.h5" -q
nothing_in "$tmp/o1" "a 100 MB scenario"
rm -f "$tmp/big.yaml"

# A device that never ends: read up to the limit, then refused.
refused 3 "larger than the 16 MiB" "/dev/zero as the scenario" -- "$exe" validate /dev/zero
mkfifo "$tmp/pipe.yaml"
refused 3 "is a pipe or a socket" "a named pipe as the scenario (would block on open)" -- "$exe" validate "$tmp/pipe.yaml"
# validate and check-plausibility look at a file before loading it (a calibration file?
# an HDF5 run?): they must not read /dev/zero to its end or block on a pipe doing so.
refused 3 "is a pipe or a socket" "a named pipe to check-plausibility" -- "$exe" check-plausibility "$tmp/pipe.yaml"
refused 3 "is a pipe or a socket" "a named pipe as the calibration" -- "$exe" calibrate "$tmp/pipe.yaml" -o "$tmp/c.h5"
refused 3 "larger than the 16 MiB" "/dev/zero as the calibration" -- "$exe" calibrate /dev/zero -o "$tmp/c.h5"
ln -s "$tmp/nowhere" "$tmp/dangling.h5"
refused 4 "exists; use --force" "a dangling symlink as the output, refused before simulating" -- "$exe" run "$src/scenarios/bass.yaml" -o "$tmp/dangling.h5" -q

# Billion laughs: ten levels of ten aliases would expand to 10^9 strings.
{
    echo 'l0: &l0 "lol"'
    for i in $(seq 1 9); do
        p=$((i - 1))
        echo "l$i: &l$i [*l$p, *l$p, *l$p, *l$p, *l$p, *l$p, *l$p, *l$p, *l$p, *l$p]"
    done
    echo 'description: *l9'
} >"$tmp/laughs.yaml"
refused 3 "anchors (&l0) and aliases are not allowed" "an alias bomb (billion laughs)" -- "$exe" validate "$tmp/laughs.yaml"
refused 3 "aliases are not allowed" "an alias bomb in a --set value" -- \
    "$exe" validate "$bass" --set 'description=[&a [1, 1, 1], *a, *a, *a]'

# 10^5 levels of flow nesting, through the command (the loader test checks the position).
{ printf 'description: '; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; echo; } >"$tmp/deep.yaml"
refused 3 "nesting deeper than 64 levels" "10^5 nested brackets" -- "$exe" validate "$tmp/deep.yaml"

# 1 MiB of random bytes.
head -c 1M /dev/urandom >"$tmp/random.yaml"
refused 3 "random.yaml:" "1 MiB of random bytes" -- "$exe" validate "$tmp/random.yaml"

# --- memory: refused before anything is allocated ---
# 20 million firms need ~530 MiB; refused under a 256 MiB limit at the start-up
# footprint (~30 MiB), so nothing was allocated for them.
mkdir "$tmp/o2"
refused 3 "more than the limit of 256.0 MiB" "--max-memory 256M, 20 million firms" -- \
    "$exe" run "$bass" -o "$tmp/o2/x.h5" -q --set sectors.all.firms.micro=20000000 --max-memory 256M
nothing_in "$tmp/o2" "a scenario refused for memory"
# The default limit is the memory available now: 2^32 - 1 firms need ~115 GiB.
refused 3 "firms need about" "2^32 - 1 firms against the available memory" -- \
    "$exe" run "$bass" -o "$tmp/o2/x.h5" -q --set sectors.all.firms.micro=4294967295
refused 3 "firms" "2^32 firms" -- "$exe" validate "$bass" --set sectors.all.firms.micro=4294967296

# --- outputs ---
# An existing output is refused before the simulation starts: with 20 million firms
# the refusal is immediate and allocates nothing.
mkdir "$tmp/o3"
echo "precious" >"$tmp/o3/x.h5"
refused 4 "exists" "an existing output, refused before simulating" -- \
    "$exe" run "$bass" -o "$tmp/o3/x.h5" -q --set sectors.all.firms.micro=20000000
[ "$(cat "$tmp/o3/x.h5")" = precious ] && [ "$(ls -A "$tmp/o3")" = x.h5 ] && pass "the existing output is untouched" \
    || fail "the existing output changed"
# A dangling symbolic link under the output name counts as existing.
mkdir "$tmp/o4"
ln -s "$tmp/o4/nowhere" "$tmp/o4/x.h5"
refused 4 "exists" "a dangling symlink as output" -- "$exe" run "$bass" -o "$tmp/o4/x.h5" -q
[ ! -e "$tmp/o4/nowhere" ] && pass "nothing written through the symlink" || fail "written through the symlink"
# The output's directory is a regular file.
echo x >"$tmp/afile"
refused 4 "afile" "an output under a regular file" -- "$exe" run "$bass" -o "$tmp/afile/x.h5" -q

# An unwritable output directory. CI runs as root, which may write anywhere, so the
# command runs as user nobody; skipped where that is not possible.
mkdir "$tmp/ro"
as_nobody=()
if setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
    as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
elif runuser -u nobody -- true 2>/dev/null; then
    as_nobody=(runuser -u nobody --)
fi
if [ "$(id -u)" -ne 0 ]; then
    chmod 555 "$tmp/ro"
    as_nobody=(env)
fi
if [ ${#as_nobody[@]} -gt 0 ] && "${as_nobody[@]}" "$exe" --version >/dev/null 2>&1 \
       && "${as_nobody[@]}" test -r "$bass"; then
    refused 4 "not writable" "an unwritable output directory" -- "${as_nobody[@]}" "$exe" run "$bass" -o "$tmp/ro/x.h5" -q
    nothing_in "$tmp/ro" "an unwritable output directory"
else
    echo "ok   - # skip: cannot run as an unprivileged user here (setpriv/runuser, or nobody cannot reach $exe)"
fi

# Files greenshift did not write: a soft or external link inside a file it reads
# (here a batch file given to summary) is refused, never followed. The file is
# changed with h5py, then given a matching checksum (tests/python/greenshift_checksum.py),
# so that the link check itself is tested, not the checksum.
if "$exe" batch "$src/tests/data/batch/small-batch.yaml" -o "$tmp/eb.h5" -q 2>/dev/null; then
    "$py" - "$tmp/eb.h5" "$tmp/eb-link.h5" <<'PY'
import shutil, sys
import h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "a") as f:
    f["elsewhere"] = h5py.ExternalLink("/etc/hostname", "/x")
    f["nowhere"] = h5py.SoftLink("/no/such/object")
PY
    "$py" "$src/tests/python/greenshift_checksum.py" write "$tmp/eb-link.h5"
    refused 3 "soft or external link" "summary of a file with an external link" -- "$exe" summary "$tmp/eb-link.h5"
else
    fail "could not make the batch for the link case"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]

#!/usr/bin/env bash
# Every single-byte change of a small batch file and of a small shard file, read by
# summary and merge: each must give the right result or a clean refusal (exit 3, one
# line) — never a signal, a hang, a wrong number with exit 0 or a file left behind
# (tests/byteflip/byteflip.cpp does every byte, a process each). Then a sample of the
# same changes through the greenshift executable itself: summary, export, plot and
# merge.
# Usage: test_byteflip.sh GREENSHIFT_EXE BYTEFLIP_EXE SOURCE_DIR
#   (BYTEFLIP_STRIDE=K changes every K-th byte only, for a quick look by hand)
set -uo pipefail
stride=${BYTEFLIP_STRIDE:-1}
exe=$1
flip=$2
src=$3
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# The Bass check scenario cut to one quarter and 50 firms, and a batch of two runs
# (a baseline and a variant): the smallest files a batch and a shard can be.
sed -e 's/end_year: 2040/end_year: 2017/' -e 's/steps_per_year: 4 /steps_per_year: 1 /' \
    -e 's/micro: 100000 /micro: 50 /' "$src/scenarios/bass.yaml" >mini.yaml
cat >mini-batch.yaml <<'YAML'
schema: 1
name: byteflip
scenario: mini.yaml
seed: 5
samples: 1
replicates: 1
variants:
  baseline: {}
  faster:
    baseline: baseline
    set:
      technologies.product.bass_p: 0.05
YAML
expect 0 "the batch" -- "$exe" batch mini-batch.yaml -o batch.h5 -q
expect 0 "shard 0/2" -- "$exe" batch mini-batch.yaml -o shard0.h5 -q --shard 0/2
expect 0 "shard 1/2" -- "$exe" batch mini-batch.yaml -o shard1.h5 -q --shard 1/2
echo "# batch.h5: $(stat -c %s batch.h5) bytes, shard0.h5: $(stat -c %s shard0.h5) bytes"

# Every byte, a process each.
for args in "summary batch.h5" "merge shard0.h5 shard1.h5"; do
    # shellcheck disable=SC2086
    if "$flip" $args --jobs 2 --timeout 20 --stride "$stride" >flip.log 2>&1; then
        pass "every byte changed: $(head -1 flip.log)"
    else
        fail "byte changes of ${args#* }:"
        cat flip.log
    fi
    sed -n '2,$p' flip.log | sed 's/^/#/'
done

# A sample through the executable: every 1009th byte.
"$exe" summary --csv batch.h5 >summary.ref
"$exe" merge shard0.h5 shard1.h5 -o merged.h5 2>/dev/null && "$exe" summary --csv merged.h5 >merge.ref
rm -f merged.h5
bad=0 n=0
check_case() {  # check_case WHAT RC ERRFILE [OUTPUT REFERENCE]
    local what=$1 rc=$2 err=$3
    if [ "$rc" -eq 3 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q '^greenshift: error: .*changed.h5: ' "$err"; then
        return 0
    fi
    if [ "$rc" -eq 0 ] && [ $# -ge 5 ] && cmp -s "$4" "$5"; then return 0; fi
    echo "FAIL - $what: exit $rc: $(head -c 300 "$err")"
    bad=$((bad + 1))
}
for file in batch.h5 shard0.h5; do
    size=$(stat -c %s $file)
    for ((at = 0; at < size; at += 1009)); do
        cp $file changed.h5
        printf "$(printf '\\%03o' $(( $(od -An -tu1 -j $at -N1 $file) ^ 255 )))" |
            dd of=changed.h5 bs=1 seek=$at conv=notrunc status=none
        n=$((n + 1))
        mkdir outdir
        if [ $file = batch.h5 ]; then
            timeout -s KILL 30 "$exe" summary --csv changed.h5 >out.csv 2>err; check_case "summary, byte $at" $? err out.csv summary.ref
            timeout -s KILL 30 "$exe" export changed.h5 --csv outdir/csv >/dev/null 2>err; check_case "export, byte $at" $? err
            timeout -s KILL 30 "$exe" plot changed.h5 -o outdir/png >/dev/null 2>err; check_case "plot, byte $at" $? err
        else
            timeout -s KILL 30 "$exe" merge changed.h5 shard1.h5 -o outdir/m.h5 >/dev/null 2>err
            check_case "merge, byte $at" $? err
        fi
        [ -z "$(ls -A outdir)" ] || { echo "FAIL - byte $at of $file: left $(ls -A outdir)"; bad=$((bad + 1)); }
        rm -rf outdir
    done
done
[ $bad -eq 0 ] && pass "$n sampled changes through greenshift (summary, export, plot; merge): right result or one-line refusal, nothing left" ||
    fail "$bad of the sampled changes through greenshift"

echo "$fails failure(s)"
[ $fails -eq 0 ]

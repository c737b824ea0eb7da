#!/usr/bin/env bash
# On a one-node Slurm cluster started on localhost (tests/cli/local-slurm.sh):
# scripts/slurm/submit.sh queues the job array over the shards of a small batch and
# the merge job (afterok); the merged file must equal the batch run without Slurm,
# bitwise. Then a shard task warned with SIGUSR1 (what --signal=B:USR1@120 sends
# before the time limit) must exit 75, be requeued, resume, and still merge equal.
# Exit 77 (ctest: skipped) when Slurm is absent.
# Usage: test_slurm.sh GREENSHIFT_EXE SOURCE_DIR
set -uo pipefail
exe=$(realpath "$1")
src=$(realpath "$2")
helper="$src/tests/cli/local-slurm.sh"
for b in slurmctld slurmd sbatch munged; do
    command -v "$b" >/dev/null || { echo "SKIP: $b not found (apt-get install slurmctld slurmd slurm-client munge)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the local cluster runs its daemons as root"; exit 77; }
tmp=$(mktemp -d /tmp/greenshift-slurm.XXXXXX)
chmod 755 "$tmp"
. "$src/tests/cli/lib.sh"
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

morocco_batch "$tmp/b.yaml" slurm_batch 3 6
sed 's/samples: 6/samples: 30/; s/seed: 3/seed: 4/' "$tmp/b.yaml" >"$tmp/long.yaml"
"$exe" batch "$tmp/b.yaml" -o "$tmp/serial.h5" --threads 2 -q 2>/dev/null || { echo "FAIL - the batch without Slurm"; exit 1; }

# Runs inside the cluster's lifetime (local-slurm.sh run: up, this, down).
cat >"$tmp/on_cluster.sh" <<'EOS'
set -uo pipefail
tmp=$1; src=$2; exe=$3
. "$src/tests/cli/lib.sh"  # pass, fail, $py
gone() {  # gone JOBID SECONDS: wait until no task of the job (or array) is queued or running
    for _ in $(seq 1 $(( $2 * 4 ))); do
        # %F: the array's job id (a requeued array task gets a new job id of its own)
        [ -z "$(squeue -h -o '%F %i' 2>/dev/null | awk -v id="$1" '$1 == id')" ] && return 0
        sleep 0.25
    done
    return 1
}
state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' '; }

# 1. job array over 4 shards + merge job with afterok
ids=$(GREENSHIFT=$exe "$src/scripts/slurm/submit.sh" "$tmp/b.yaml" "$tmp/out" 4 --cpus-per-task=1) \
    && pass "submit.sh queued the array and the merge ($ids)" || fail "submit.sh: $ids"
read -r array merge <<<"$ids"
gone "$array" 60 && pass "the array finished" || fail "the array is still queued after 60 s: $(state "$array")"
gone "$merge" 60 && pass "the merge job finished" || fail "the merge job is still queued: $(state "$merge")"
n=$(ls "$tmp/out"/part-*.h5 2>/dev/null | wc -l)
[ "$n" -eq 4 ] && pass "4 shard files" || { fail "$n shard files"; tail -5 "$tmp/out"/*.out; }
grep -q "24 runs from 4 shards" "$tmp/out"/greenshift-merge-*.out && pass "the merge job merged 24 runs from 4 shards" \
    || { fail "merge log"; cat "$tmp/out"/greenshift-merge-*.out; }
"$py" "$src/tests/python/compare_runs.py" "$tmp/serial.h5" "$tmp/out/batch.h5" \
    && pass "merged on Slurm equals the batch without Slurm, bitwise" || fail "merged file differs"

# 2. the time-limit warning: SIGUSR1 to the batch shell of a running shard task
ids=$(GREENSHIFT=$exe "$src/scripts/slurm/submit.sh" "$tmp/long.yaml" "$tmp/long" 2 --cpus-per-task=1)
read -r array merge <<<"$ids"
for _ in $(seq 1 400); do
    [ "$(ls "$tmp/long/part-0.h5.parts" 2>/dev/null | grep -c '^run-.*\.h5$')" -ge 3 ] && break
    sleep 0.05
done
scancel --batch --signal=USR1 "${array}_0" && pass "SIGUSR1 sent to task ${array}_0" || fail "scancel --signal"
for _ in $(seq 1 200); do
    grep -q "requeueing" "$tmp/long/greenshift-${array}_0.out" 2>/dev/null && break
    sleep 0.1
done
grep -q "interrupted (exit 75)" "$tmp/long/greenshift-${array}_0.out" && pass "the task exited 75 and requeued itself" \
    || { fail "no requeue"; cat "$tmp/long/greenshift-${array}_0.out"; }
# A requeued job waits for a begin time (Slurm delays requeued jobs); on this test
# cluster, move it to now — but only once slurmd has finished with the killed
# instance (restarted sooner, Slurm refuses it: "job credential revoked").
for _ in $(seq 1 100); do
    grep -q "DUE TO JOB REQUEUE" "$tmp/long/greenshift-${array}_0.out" 2>/dev/null && break
    sleep 0.1
done
sleep 3
for _ in $(seq 1 180); do
    [ -e "$tmp/long/part-0.h5" ] && break
    scontrol update JobId="${array}_0" StartTime=now >/dev/null 2>&1
    sleep 0.5
done
[ -e "$tmp/long/part-0.h5" ] && pass "the requeued task wrote its shard file" || fail "no shard file after the requeue: $(state "${array}_0")"
for _ in $(seq 1 240); do [ -e "$tmp/long/batch.h5" ] && break; sleep 0.25; done
[ -e "$tmp/long/batch.h5" ] && pass "the merge job ran after the requeue" || fail "no merged file: merge $(state "$merge")"
grep -q "already done" "$tmp/long/greenshift-${array}_0.out" \
    && pass "the requeued task resumed (runs already done were kept)" || { fail "no resume"; cat "$tmp/long/greenshift-${array}_0.out"; }
"$exe" batch "$tmp/long.yaml" -o "$tmp/long-serial.h5" --threads 2 -q 2>/dev/null
"$py" "$src/tests/python/compare_runs.py" "$tmp/long-serial.h5" "$tmp/long/batch.h5" \
    && pass "interrupted, requeued, resumed and merged equals the batch without Slurm" || fail "differs after requeue"
echo "test_slurm: $fails failed"
[ "$fails" -eq 0 ]
EOS
export LOCAL_SLURM_DIR="$tmp/cluster"
bash "$helper" run bash "$tmp/on_cluster.sh" "$tmp" "$src" "$exe"

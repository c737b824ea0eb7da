#!/usr/bin/env bash
# mpirun -np 1/2/3: a batch spread over ranks, and one run split across ranks, give
# datasets bitwise equal to the same command without MPI (any thread count); SIGUSR1
# to mpirun stops a batch with exit 75 and --resume finishes it.
# Exit 77 (ctest: skipped) when greenshift was built without MPI or mpirun is absent.
# Usage: test_mpi.sh GREENSHIFT_EXE SOURCE_DIR MPI_BUILT(ON|OFF)
set -uo pipefail
exe=$1
src=$2
built=${3:-OFF}
case "$built" in ON|on|1|TRUE|true|YES|yes) ;; *) echo "SKIP: greenshift built without GREENSHIFT_MPI"; exit 77 ;; esac
command -v mpirun >/dev/null || { echo "SKIP: mpirun not found (apt-get install openmpi-bin)"; exit 77; }
# Open MPI refuses root unless told twice; a test container runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi() { local n=$1; shift; timeout 120 mpirun --allow-run-as-root --oversubscribe -np "$n" "$@"; }
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
same() { expect 0 "$1" -- "$py" "$src/tests/python/compare_runs.py" "$2" "$3"; }

morocco_batch "$tmp/b.yaml" mpi_batch 5 8

# A batch over ranks: rank 0 hands out runs and writes.
expect 0 "batch without mpirun" -- "$exe" batch "$tmp/b.yaml" -o "$tmp/serial.h5" --threads 2 -q
for n in 1 2 3; do
    expect 0 "mpirun -np $n batch" -- mpi "$n" "$exe" batch "$tmp/b.yaml" -o "$tmp/batch-$n.h5" --threads 1 -q
    [ "$n" -gt 1 ] && matches "$tmp/err" "[1-9][0-9]* computed by other ranks" "-np $n: other ranks computed runs"
    same "-np $n batch equals the batch without MPI, bitwise" "$tmp/serial.h5" "$tmp/batch-$n.h5"
done
expect 0 "mpirun -np 2 batch --shard 1/2" -- mpi 2 "$exe" batch "$tmp/b.yaml" --shard 1/2 -o "$tmp/s1.h5" --threads 1 -q
expect 0 "shard 0/2 without MPI" -- "$exe" batch "$tmp/b.yaml" --shard 0/2 -o "$tmp/s0.h5" -q
expect 0 "merge of an MPI shard and a plain one" -- "$exe" merge "$tmp/s0.h5" "$tmp/s1.h5" -o "$tmp/merged.h5"
same "merged equals the batch without MPI" "$tmp/serial.h5" "$tmp/merged.h5"

# SIGUSR1 to mpirun (Slurm's warning): every rank stops starting runs, exit 75, resumable
sed 's/samples: 8/samples: 40/' "$tmp/b.yaml" >"$tmp/big.yaml"
mpirun --allow-run-as-root --oversubscribe -np 2 "$exe" batch "$tmp/big.yaml" -o "$tmp/sig.h5" --threads 1 -q \
    >"$tmp/sig.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
    [ "$(ls "$tmp/sig.h5.parts" 2>/dev/null | grep -c '^run-.*\.h5$')" -ge 6 ] && break
    sleep 0.02
done
kill -USR1 $pid
wait $pid
rc=$?
[ "$rc" -eq 75 ] && pass "SIGUSR1 to mpirun: exit 75" || { fail "SIGUSR1 to mpirun: exit $rc, expected 75"; tail -5 "$tmp/sig.out"; }
expect 0 "mpirun -np 3 --resume finishes it" -- mpi 3 "$exe" batch "$tmp/big.yaml" -o "$tmp/sig.h5" --threads 1 -q --resume
matches "$tmp/err" "[1-9][0-9]* already done" "the resume kept the runs done before the signal"
expect 0 "the same batch without MPI" -- "$exe" batch "$tmp/big.yaml" -o "$tmp/big.h5" --threads 2 -q
same "interrupted and resumed under MPI equals the batch without MPI" "$tmp/big.h5" "$tmp/sig.h5"

# One run split across ranks: each rank owns a block of firms.
scen="$src/scenarios/morocco-cop22.yaml"
expect 0 "run without mpirun" -- "$exe" run "$scen" -o "$tmp/run.h5" --threads 2 -q
for n in 1 2 3; do
    for t in 1 2; do
        expect 0 "mpirun -np $n run --threads $t" -- mpi "$n" "$exe" run "$scen" -o "$tmp/run-$n-$t.h5" --threads "$t" -q
        same "split run on $n ranks x $t threads equals the run without MPI" "$tmp/run.h5" "$tmp/run-$n-$t.h5"
    done
done
expect 0 "mpirun -np 3 run, bass decision mode" -- mpi 3 "$exe" run "$src/scenarios/bass.yaml" -o "$tmp/bass-3.h5" --threads 1 -q
expect 0 "bass run without mpirun" -- "$exe" run "$src/scenarios/bass.yaml" -o "$tmp/bass.h5" -q
same "split bass run equals the run without MPI" "$tmp/bass.h5" "$tmp/bass-3.h5"

# A calibration over ranks: each evaluation's replicates shared out; the file equals the
# one without MPI (3 replicates on 2 ranks: an uneven share). SIGUSR1 stops every rank
# at the same evaluation with exit 75; --resume under mpirun finishes it.
sed -e 's|scenario: ../small.yaml|scenario: '"$src"'/tests/data/small.yaml|' -e 's|replicates: 2|replicates: 3|' \
    "$src/tests/data/calibration/small-calib.yaml" >"$tmp/calib.yaml"
expect 0 "calibrate without mpirun" -- "$exe" calibrate "$tmp/calib.yaml" -o "$tmp/calib.h5" --threads 2 -q
for n in 2 3; do
    expect 0 "mpirun -np $n calibrate" -- mpi "$n" "$exe" calibrate "$tmp/calib.yaml" -o "$tmp/calib-$n.h5" --threads 1 -q
    expect 0 "calibration on $n ranks equals the one without MPI" -- "$py" "$src/tests/python/compare_calibrations.py" "$tmp/calib.h5" "$tmp/calib-$n.h5"
done
sed 's|samples: 100, burn_in: 50|samples: 3000, burn_in: 50|' "$tmp/calib.yaml" >"$tmp/long.yaml"
expect 0 "long calibrate without mpirun" -- "$exe" calibrate "$tmp/long.yaml" -o "$tmp/long.h5" --threads 2 -q
mpirun --allow-run-as-root --oversubscribe -np 2 "$exe" calibrate "$tmp/long.yaml" -o "$tmp/long-2.h5" --threads 1 -q \
    >"$tmp/csig.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -e "$tmp/long-2.h5.checkpoint" ] && break; sleep 0.05; done
kill -USR1 $pid
wait $pid
rc=$?
[ "$rc" -eq 75 ] && pass "SIGUSR1 to mpirun stops a calibration: exit 75" || { fail "calibrate SIGUSR1: exit $rc"; tail -5 "$tmp/csig.out"; }
expect 0 "mpirun -np 2 calibrate --resume" -- mpi 2 "$exe" calibrate "$tmp/long.yaml" -o "$tmp/long-2.h5" --resume --threads 1 -q
expect 0 "the resumed calibration on 2 ranks equals the one without MPI" -- "$py" "$src/tests/python/compare_calibrations.py" "$tmp/long.h5" "$tmp/long-2.h5"

echo "test_mpi: $fails failed"
[ "$fails" -eq 0 ]

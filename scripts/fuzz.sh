#!/usr/bin/env bash
# fuzz.sh SECONDS — build the libFuzzer targets (tests/fuzz) with clang in build-fuzz
# and run each one for SECONDS, seeded with the bad-scenario corpus and the real
# scenarios (fuzz_hdf5: small files greenshift writes). Exits 1 when a target crashes (the crashing input is kept, its path
# printed), 0 otherwise; prints "fuzz: skipped (clang not found)" and exits 0 where
# clang or libFuzzer is not installed.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD
seconds=${1:-60}
case $seconds in ''|*[!0-9]*) echo "usage: scripts/fuzz.sh SECONDS" >&2; exit 2 ;; esac

cc=$(command -v clang || command -v clang-14 || true)
cxx=$(command -v clang++ || command -v clang++-14 || true)
if [ -z "$cc" ] || [ -z "$cxx" ]; then
    echo "fuzz: skipped (clang not found)"
    exit 0
fi
# libFuzzer ships separately (Debian: libclang-rt-14-dev): probe with a one-line target.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe/p.cpp"
if ! "$cxx" -fsanitize=fuzzer "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
    echo "fuzz: skipped (clang not found: $cxx cannot link -fsanitize=fuzzer; install libclang-rt-14-dev)"
    exit 0
fi

build=$src/build-fuzz
echo "fuzz: building in $build with $cxx"
if ! CC=$cc CXX=$cxx cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DGREENSHIFT_FUZZ=ON -DGREENSHIFT_TESTS=OFF -DGREENSHIFT_BENCH=OFF >"$probe/cmake.log" 2>&1; then
    cat "$probe/cmake.log"; echo "fuzz: configure failed"; exit 1
fi
targets=(fuzz_scenario fuzz_batch fuzz_hdf5)
if ! cmake --build "$build" -j2 --target "${targets[@]}" >"$probe/build.log" 2>&1; then
    tail -40 "$probe/build.log"; echo "fuzz: build failed"; exit 1
fi

# fuzz_hdf5's seeds are files greenshift writes: a run, a batch and a shard of the
# Bass check cut to one quarter and 50 firms (small files fuzz faster). The Release
# build makes them when there is one (scripts/test.sh builds it first), else this one.
# The HDF5 seeds are written by an ordinary greenshift: the one scripts/run-default.sh
# (build) or scripts/test.sh (build-test) made, else a Release build in build. The fuzz
# build's own libraries are instrumented for libFuzzer and cannot link the program.
gs=""
for b in build build-test; do
    if [ -x "$src/$b/apps/greenshift" ]; then gs=$src/$b/apps/greenshift; break; fi
done
if [ -z "$gs" ]; then
    gs=$src/build/apps/greenshift
    if ! { cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release >>"$probe/build.log" 2>&1 &&
           cmake --build "$src/build" -j2 --target greenshift >>"$probe/build.log" 2>&1; }; then
        tail -40 "$probe/build.log"; echo "fuzz: build of greenshift (for the HDF5 seeds) failed"; exit 1
    fi
fi
h5seeds=$probe/h5seeds
mkdir -p "$h5seeds"
sed -e 's/end_year: 2040/end_year: 2017/' -e 's/steps_per_year: 4 /steps_per_year: 1 /' \
    -e 's/micro: 100000 /micro: 50 /' "$src/scenarios/bass.yaml" >"$h5seeds/mini.yaml"
printf 'schema: 1\nname: fuzz\nscenario: mini.yaml\nseed: 5\nsamples: 1\nreplicates: 1\nvariants:\n  baseline: {}\n  faster:\n    baseline: baseline\n    set:\n      technologies.product.bass_p: 0.05\n' \
    >"$h5seeds/batch.yaml"
if ! ( cd "$h5seeds" && "$gs" run mini.yaml -o run.h5 -q && "$gs" batch batch.yaml -o batch.h5 -q &&
       "$gs" batch batch.yaml -o shard.h5 -q --shard 0/1 ) >"$probe/seeds.log" 2>&1; then
    cat "$probe/seeds.log"; echo "fuzz: could not make the HDF5 seeds"; exit 1
fi

# Findings are kept under build-fuzz/findings/, never in the source tree.
findings=$build/findings
mkdir -p "$findings"
status=0
for t in "${targets[@]}"; do
    # The seeds are copied so that what libFuzzer adds to its corpus stays in a temporary
    # directory (generated corpora are not committed).
    corpus=$probe/corpus-$t
    mkdir -p "$corpus"
    dict=$src/tests/fuzz/scenario.dict
    max_len=65536
    case $t in
        fuzz_scenario) seeds=("$src"/tests/bad_scenarios/*.yaml "$src"/tests/data/*.yaml "$src"/scenarios/*.yaml) ;;
        fuzz_batch) seeds=("$src"/tests/bad_batches/*.yaml "$src"/tests/data/batch/*.yaml "$src"/scenarios/*-batch.yaml) ;;
        # whole files up to 256 KiB; the target adds a part and the forms without
        # checksum (tests/fuzz/fuzz_hdf5.cpp)
        fuzz_hdf5) seeds=("$h5seeds"/*.h5); dict=$src/tests/fuzz/hdf5.dict; max_len=262144 ;;
    esac
    for f in "${seeds[@]}"; do [ -f "$f" ] && cp "$f" "$corpus/"; done
    if [ $t = fuzz_batch ]; then
        # fuzz_batch reads every input as tests/bad_batches/fuzz.yaml: point the other
        # seeds' base scenarios at where they are from there.
        sed -i -e 's#^scenario: \.\./small\.yaml#scenario: ../data/small.yaml#' \
               -e "s#^scenario: morocco-cop22\.yaml#scenario: $src/scenarios/morocco-cop22.yaml#" "$corpus"/*.yaml
    fi
    log=$build/$t.log
    echo "fuzz: $t for ${seconds}s ($(ls "$corpus" | wc -l) seeds), log in $log"
    # -max_len: real scenarios are < 64 KiB. -timeout: a single input taking 10 s is a
    # hang. -rss_limit_mb: memory per input must stay bounded whatever the input.
    # UBSan findings abort (-fno-sanitize-recover in tests/fuzz/CMakeLists.txt).
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$build/tests/fuzz/$t" "$corpus" -dict="$dict" \
        -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$findings/$t-" </dev/null >"$log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz: $t: ${runs:-?} executions, ${rate:-?} exec/s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) inputs, exit $rc"
    if [ $rc -ne 0 ]; then
        status=1
        grep -m1 -B2 -A25 'ERROR: \|runtime error\|fuzz_scenario: \|fuzz_batch: \|fuzz_hdf5: ' "$log"
        for a in $(grep -o "Test unit written to .*" "$log" | sed 's/Test unit written to //'); do
            echo "fuzz: FINDING: $t crashed; input kept in $a"
            echo "fuzz: reproduce with: $build/tests/fuzz/$t $a"
        done
    fi
done
[ $status -eq 0 ] && echo "fuzz: no crash" || echo "fuzz: FAILED"
exit $status

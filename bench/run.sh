#!/usr/bin/env bash
# End-to-end benchmark: builds greenshift in Release (its own build directory) and
# prints one table of the performance figures of the issue, each next to its target:
#   - full model firm-steps/s on scenarios/stress-1m.yaml and stress-10m.yaml, 1 and 2
#     threads, and the parallel efficiency; wall time of the whole command (firm
#     generation, simulation, HDF5 write);
#   - bytes per firm: peak resident memory of the 10M run minus that of a tiny run
#     (scenarios/morocco-cop22.yaml, 10,891 firms), over the firm count;
#   - bass mode (scenarios/bench-bass-10m.yaml, 10^7 firms x 100 steps, 1 thread)
#     against the two references of the same model in bench/reference/, as ratios;
#   - Morocco batch: `greenshift batch` of scenarios/morocco-cop22-batch.yaml with 334
#     samples (1,002 runs), 2 threads, HDF5 output included: wall time and runs/s
#     (n/a when `greenshift batch` is not built).
# Every figure is the best of --repeat runs (default 3); the spread is (worst - best)
# / best. The simulation rate is the one `greenshift run` prints, which times the
# steps only (not firm generation nor the HDF5 write).
#
#   bench/run.sh [--smoke] [--repeat N] [--build-dir DIR] [--no-build]
#
# --smoke: a tiny version (seconds) for CI: 3 steps of stress-1m, 10^5 bass firms,
# one repeat; the figures are then not comparable with the targets.
set -euo pipefail
shopt -s inherit_errexit  # a failing run inside $(...) stops the script

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build-bench"
smoke=0
repeat=3
do_build=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --smoke) smoke=1; repeat=1 ;;
        --repeat) repeat="$2"; shift ;;
        --build-dir) build="$2"; shift ;;
        --no-build) do_build=0 ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

log() { echo "$*" >&2; }

if [[ $do_build == 1 ]]; then
    log "building in $build (Release) ..."
    mkdir -p "$build"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$build/bench-cmake.log" 2>&1 ||
        { cat "$build/bench-cmake.log" >&2; exit 1; }
    cmake --build "$build" -j2 --target greenshift greenshift_bench bass_loop_o2 bass_loop_native \
        >"$build/bench-build.log" 2>&1 || { tail -30 "$build/bench-build.log" >&2; exit 1; }
fi
gs="$build/apps/greenshift"
loop_o2="$build/bench/bass_loop_o2"
loop_native="$build/bench/bass_loop_native"
numpy_ref="$here/reference/bass_numpy.py"
for b in "$gs" "$loop_o2" "$loop_native"; do
    [[ -x "$b" ]] || { echo "bench/run.sh: $b not built" >&2; exit 1; }
done

work="$(mktemp -d /tmp/greenshift-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# run_gs THREADS SCENARIO [--set ...]: one `greenshift run`; prints
# "rate wall_s rss_kb sim_s write_s".
run_gs() {
    local threads="$1" scenario="$2"; shift 2
    local err="$work/err"
    /usr/bin/time -v "$gs" run "$scenario" -o "$work/out.h5" --force -q --threads "$threads" "$@" \
        2>"$err" >/dev/null || { cat "$err" >&2; exit 1; }
    awk '
        /firm-steps\/s/ { for (i = 1; i <= NF; ++i) {
                              if ($i == "in" && $(i+2) == "s" && sim == "") sim = $(i+1)
                              if ($i == "firm-steps/s,") rate = substr($(i-1), 2)
                              if ($i == "written") write = $(i+2) } }
        /Maximum resident set size/ { rss = $NF }
        /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); wall = 0
                                   for (i = 1; i <= n; ++i) wall = wall * 60 + p[i] }
        END { printf "%s %s %s %s %s\n", rate, wall, rss, sim, write }' "$err"
    rm -f "$work/out.h5"
}

# best_of N CMD...: runs CMD (which prints "rate ...") N times; prints the line with
# the highest rate, then the spread of the rates (worst - best) / best.
best_of() {
    local n="$1"; shift
    local lines=()
    for ((r = 0; r < n; ++r)); do lines+=("$("$@")"); done
    printf '%s\n' "${lines[@]}" | awk '
        { if (NR == 1 || $1 > best) { best = $1; line = $0 }
          if (NR == 1 || $1 < worst) worst = $1 }
        END { printf "%s %.3f\n", line, (best > 0 ? (best - worst) / best : 0) }'
}

ref_rate() {  # CMD...: a reference implementation; prints its firm-steps/s
    "$@" | awk '/^firm-steps\/s:/ { print $2 }'
}

fmt() { awk -v x="$1" 'BEGIN { if (x >= 1e6) printf "%.3gM", x / 1e6; else printf "%.3g", x }'; }
pct() { awk -v x="$1" 'BEGIN { printf "%.0f%%", 100 * x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
pass() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
    ok = (op == ">=") ? a >= b : a <= b; print ok ? "met" : "NOT met" }'; }

stress_args=()
bass_args=()
bass_n=10000000
if [[ $smoke == 1 ]]; then
    stress_args=(--set run.end_year=2019)
    for p in cop22_tpme_label cop22_tpme_audit_ta cop22_grant cop22_green_fund \
             cop22_green_credit_line cop22_credit_line_grant; do
        stress_args+=(--set "policies.$p.end_year=2019")
    done
    bass_n=100000
    bass_args=(--set sectors.all.firms.micro=$bass_n)
fi
bass_steps=100

log "uptime: $(uptime)"
[[ -n "${BENCH_DEBUG:-}" ]] && set -x
declare -A R
for sc in stress-1m stress-10m; do
    [[ $smoke == 1 && $sc == stress-10m ]] && continue
    for th in 1 2; do
        log "running $sc, $th thread(s), best of $repeat ..."
        R[$sc.$th]="$(best_of "$repeat" run_gs "$th" "$root/scenarios/$sc.yaml" "${stress_args[@]}")"
    done
done
big_sc=stress-10m
[[ $smoke == 1 ]] && big_sc=stress-1m
log "profile: $big_sc, 2 threads, --timings ..."
"$gs" run "$root/scenarios/$big_sc.yaml" -o "$work/out.h5" --force -q --threads 2 --timings "${stress_args[@]}" \
    2>"$work/timings" >/dev/null || { cat "$work/timings" >&2; exit 1; }
rm -f "$work/out.h5"
log "running the tiny baseline (morocco-cop22) for memory ..."
R[tiny]="$(run_gs 1 "$root/scenarios/morocco-cop22.yaml")"
log "running bass mode, 1 thread, best of $repeat ..."
R[bass]="$(best_of "$repeat" run_gs 1 "$root/scenarios/bench-bass-10m.yaml" "${bass_args[@]}")"
batch_file="$root/scenarios/morocco-cop22-batch.yaml"
if "$gs" --help 2>&1 | grep -qE '^ +batch ' && [[ -f "$batch_file" ]]; then
    # `greenshift batch` prints "wrote OUT: N runs (...) in W s with T threads: R runs/s, ..."
    # 334 Latin-hypercube samples x 3 variants = 1,002 runs: the 1,000-run batch of the
    # target, measured rather than extrapolated
    sed -E 's/^samples: *[0-9]+/samples: 334/' "$batch_file" >"$work/batch-1000.yaml"
    cp "$root/scenarios/morocco-cop22.yaml" "$work/"  # the batch names it relative to its folder
    log "running the Morocco batch, 1,002 runs, 2 threads ..."
    if [[ $smoke == 1 ]]; then
        log "  (skipped in --smoke)"
    elif "$gs" batch "$work/batch-1000.yaml" -o "$work/batch.h5" --force --threads 2 -q 2>"$work/batch.err" >/dev/null; then
        R[batch]="$(sed -nE 's/^wrote .*: ([0-9]+) runs .* in ([0-9.]+) s with .* ([0-9.]+) runs\/s.*/\1 \2 \3/p' "$work/batch.err")"
    else
        log "greenshift batch failed:"; cat "$work/batch.err" >&2
    fi
    rm -f "$work/batch.h5"
fi
log "running the references ..."
R[loop_o2]="$(best_of "$repeat" ref_rate "$loop_o2" "$bass_n" "$bass_steps")"
R[loop_native]="$(best_of "$repeat" ref_rate "$loop_native" "$bass_n" "$bass_steps")"
R[numpy]="$(best_of "$repeat" ref_rate /usr/bin/python3 "$numpy_ref" "$bass_n" "$bass_steps")"

big=stress-10m
[[ $smoke == 1 ]] && big=stress-1m
big_firms=$([[ $big == stress-10m ]] && echo 10000000 || echo 1000000)
read -r r1 w1 rss1 s1 x1 sp1 <<<"${R[$big.1]}"
read -r r2 w2 rss2 s2 x2 sp2 <<<"${R[$big.2]}"
read -r _ _ rss_tiny _ _ <<<"${R[tiny]}"
eff="$(awk -v a="$r1" -v b="$r2" 'BEGIN { print b / (2 * a) }')"
bpf="$(awk -v a="$rss2" -v b="$rss_tiny" -v n="$big_firms" 'BEGIN { printf "%.1f", (a - b) * 1024 / n }')"
mem100m="$(awk -v b="$bpf" -v t="$rss_tiny" 'BEGIN { printf "%.1f", (b * 1e8 + t * 1024) / 2^30 }')"
read -r rb wb rssb sb xb spb <<<"${R[bass]}"
read -r ro2 spo2 <<<"${R[loop_o2]}"
read -r rnat spnat <<<"${R[loop_native]}"
read -r rnp spnp <<<"${R[numpy]}"

echo
echo "greenshift benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, commit $(git -C "$root" rev-parse --short HEAD)$([[ $smoke == 1 ]] && echo ", SMOKE (not comparable with targets)")"
echo "best of $repeat; spread = (worst - best) / best; firm-steps/s times the steps only"
printf '%-44s %12s %8s %10s   %-22s %s\n' "figure" "value" "spread" "wall s" "target" "status"
row() { printf '%-44s %12s %8s %10s   %-22s %s\n' "$@"; }
for sc in stress-1m stress-10m; do
    [[ -z "${R[$sc.1]:-}" ]] && continue
    for th in 1 2; do
        read -r r w rss s x sp <<<"${R[$sc.$th]}"
        if [[ $sc == stress-10m && $th == 2 ]]; then
            row "$sc firm-steps/s, $th thread(s)" "$(fmt "$r")" "$(pct "$sp")" "$w" ">= 20M (10M, 2 thr)" "$(pass "$r" ">=" 2e7)"
        else
            row "$sc firm-steps/s, $th thread(s)" "$(fmt "$r")" "$(pct "$sp")" "$w" "" ""
        fi
    done
done
row "parallel efficiency ($big, 2 threads)" "$(pct "$eff")" "" "" ">= 90%" "$(pass "$eff" ">=" 0.9)"
row "bytes per firm (peak RSS, $big)" "$bpf" "" "" "<= 64" "$(pass "$bpf" "<=" 64)"
row "  state bytes per firm (FirmArrays)" "$((12 + 3 * 6))" "" "" "" ""
row "  peak RSS $big / tiny baseline, MiB" "$((rss2 / 1024)) / $((rss_tiny / 1024))" "" "" "" ""
row "100M firms x 30 yr, GiB (extrapolated)" "$mem100m" "" "" "<= 24" "$(pass "$mem100m" "<=" 24)"
row "bass mode firm-steps/s, 1 thread" "$(fmt "$rb")" "$(pct "$spb")" "$wb" "" ""
row "plain C++ loop -O2 firm-steps/s" "$(fmt "$ro2")" "$(pct "$spo2")" "" "" ""
row "plain C++ loop -O3 -march=native" "$(fmt "$rnat")" "$(pct "$spnat")" "" "" ""
row "numpy script firm-steps/s" "$(fmt "$rnp")" "$(pct "$spnp")" "" "" ""
row "bass / numpy" "$(ratio "$rb" "$rnp")" "" "" ">= 3" "$(pass "$(ratio "$rb" "$rnp")" ">=" 3)"
row "bass / C++ loop -O2" "$(ratio "$rb" "$ro2")" "" "" ">= 1.5" "$(pass "$(ratio "$rb" "$ro2")" ">=" 1.5)"
row "bass / C++ loop -O3 -march=native" "$(ratio "$rb" "$rnat")" "" "" "" ""
if [[ -n "${R[batch]:-}" ]]; then
    read -r bruns bwall _ <<<"${R[batch]}"
    brate="$(awk -v n="$bruns" -v w="$bwall" 'BEGIN { printf "%.1f", n / w }')"  # runs over the whole wall time
    row "Morocco batch, $bruns runs (2 thr), wall s" "$bwall" "" "$bwall" "< 60" "$(pass "$bwall" "<=" 60)"
    row "  runs/s" "$brate" "" "" "" ""
else
    row "Morocco batch runs/s (1,000 runs)" "n/a (batch not built or --smoke)" "" "" ">= 16.7 (1000 < 60 s)" ""
fi
read -r _ wt _ st xt _ <<<"${R[tiny]}"
row "  one Morocco run: sim s / HDF5 s / wall s" "$st / $xt / $wt" "" "" "" ""
echo "bytes per firm = (peak RSS of the $big run, 2 threads - peak RSS of morocco-cop22.yaml) / firms"
echo "100M x 30 yr = bytes per firm x 1e8 + the baseline RSS (vintage and recorder tables grow with steps, not firms)"
echo
echo "where the step time goes: greenshift run scenarios/$big_sc.yaml --threads 2 --timings"
grep -v '^wrote ' "$work/timings"

# tests/cli/lib.sh — what every command-line test script shares. Source it after
# setting $tmp, the scratch folder the script owns and removes.
py=/usr/bin/python3   # Debian's: a python3 earlier on PATH may lack Debian's packages
fails=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; fails=$((fails + 1)); }
# expect CODE DESCRIPTION -- COMMAND...: runs the command (stdout to $tmp/out,
# stderr to $tmp/err) and checks its exit code.
expect() {
    local code=$1 what=$2; shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -eq "$code" ]; then pass "$what (exit $rc)"; else fail "$what: exit $rc, expected $code"; tail -20 "$tmp/err"; fi
}
# contains FILE TEXT DESCRIPTION
contains() { grep -qF -- "$2" "$1" && pass "$3" || { fail "$3: '$2' not in $(basename "$1")"; tail -20 "$1"; }; }
# matches FILE REGEX DESCRIPTION (extended regular expression)
matches() { grep -qE -- "$2" "$1" && pass "$3" || { fail "$3: /$2/ not in $(basename "$1")"; tail -20 "$1"; }; }
# morocco_batch FILE NAME SEED SAMPLES [REPLICATES]: the small batch the CLI tests
# share — morocco-cop22.yaml as `cop22` against a `baseline` without policies, the
# electricity price uncertain by +-15%; REPLICATES defaults to 2. Needs $src.
morocco_batch() {
    cat >"$1" <<YAML
schema: 1
name: $2
scenario: $src/scenarios/morocco-cop22.yaml
seed: $3
samples: $4
replicates: ${5:-2}
variants:
  baseline:
    set:
      policies: {}
  cop22:
    baseline: baseline
uncertain:
  electricity.price: {distribution: uniform, apply: scale, low: 0.85, high: 1.15}
YAML
}

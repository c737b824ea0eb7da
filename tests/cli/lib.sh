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

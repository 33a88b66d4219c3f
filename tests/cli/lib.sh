# lib.sh: helpers shared by the command-line tests (sourced, POSIX sh).
# Each test prints TAP: "ok N - what" / "not ok N - what", diagnostics as
# "# ..." lines, and the plan last (done_testing).  The tests run dmlhog as
# a user would: exit status, stdout, stderr and the files it leaves.

if [ -z "${DMLHOG:-}" ] || [ -z "${top_srcdir:-}" ]; then
	echo "1..0 # SKIP DMLHOG and top_srcdir must be set (run through make check)"
	exit 0
fi

HEART="$top_srcdir/data/heart_scale"
CLIDATA="$top_srcdir/tests/data"
if [ ! -r "$HEART" ]; then
	echo "Bail out! $HEART is missing"
	exit 1
fi

T=$(mktemp -d -t dmlhog-cli.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
cd "$T" || exit 1

tap_n=0
tap_failed=0

pass() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
fail() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/#   /'; }

# ok STATUS WHAT: pass when STATUS (of a test command) is 0.
ok() {
	if [ "$1" -eq 0 ]; then shift; pass "$@"; else shift; fail "$@"; fi
}

# is GOT WANT WHAT
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$1'" "want: '$2'"
	fi
}

# run CMD...: run it, with stdout in $T/out and stderr in $T/err, status in $rc.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# exit_is WANT WHAT: the status of the last run.
exit_is() {
	is "$rc" "$1" "$2 (exit $1)"
	[ "$rc" = "$1" ] || { diag "stderr:"; sed -n '1,8p' "$T/err" | sed 's/^/#     /'; }
}

# has FILE PATTERN WHAT: FILE contains a line matching the fixed string.
has() {
	if grep -qF -- "$2" "$1"; then
		pass "$3"
	else
		fail "$3"
		diag "no '$2' in $(basename "$1"):"
		sed -n '1,8p' "$1" | sed 's/^/#     /'
	fi
}

# value KEY [FILE]: the value of a `key = value` line (default $T/out).
value() {
	sed -n "s/^$1 = //p" "${2:-$T/out}" | head -n 1
}

# ge X Y: X >= Y as numbers.
ge() {
	awk -v x="$1" -v y="$2" 'BEGIN { exit !(x != "" && x + 0 >= y + 0) }'
}

have_python() {
	command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null
}

# json_get KEY [FILE]: a top-level key of the one JSON object in FILE.
json_get() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[2]))[sys.argv[1]]; print("null" if v is None else v)' "$1" "${2:-$T/out}"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}

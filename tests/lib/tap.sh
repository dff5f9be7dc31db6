# tap.sh - TAP helpers for shell tests (source it).
#   ok CMD...            one test point: passes when CMD succeeds
#   is GOT WANT NAME     equality test point
#   check COND NAME      test point from an exit status already computed ($?)
#   need_server VAR      exits (fail in CI, skip elsewhere) unless $VAR is set
#   done_testing         prints the plan; exit status reflects failures
# The build tree is $MB_BUILDDIR, the source tree $MB_SRCDIR; MB is the binary.
_tap_n=0
_tap_fail=0
MB_BUILDDIR=${MB_BUILDDIR:-$(pwd)}
MB_SRCDIR=${MB_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MB="$MB_BUILDDIR/maskbench"
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC

pass() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
fail() { _tap_n=$((_tap_n + 1)); _tap_fail=$((_tap_fail + 1)); echo "not ok $_tap_n - $*"; }
diag() { printf '# %s\n' "$@"; }
ok() { local name="$1"; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
is() {
	if [ "$1" == "$2" ]; then pass "$3"; else
		fail "$3"; diag "got:  $1" "want: $2"
	fi
}
check() { if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi; }
need_server() {
	local v="${!1:-}"
	if [ -z "$v" ]; then
		if [ -n "${CI:-}" ] && [ "${CI}" != false ]; then
			echo "not ok 1 - $1 is not set: the test server is missing"; echo "1..1"; exit 1
		fi
		if [ "$_tap_n" -eq 0 ]; then
			echo "1..0 # SKIP $1 not set (test servers not started)"; exit 0
		fi
		# Some points already ran: close the plan with them, skip the rest.
		diag "$1 not set: the server tests that follow are skipped"
		done_testing; exit $?
	fi
}
# A private scratch folder per test script, removed at exit.
tap_tmpdir() {
	TMPD=$(mktemp -d "${TMPDIR:-/tmp}/mbtest.XXXXXX")
	trap 'rm -rf "$TMPD"' EXIT
	export HOME="$TMPD/home"; mkdir -p "$HOME"
}
done_testing() { echo "1..$_tap_n"; [ "$_tap_fail" -eq 0 ]; }

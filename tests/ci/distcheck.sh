#!/bin/bash
# distcheck: the release tarball is complete, builds out of tree, installs
# and uninstalls cleanly, and passes its unit tests, the fuzz corpora and
# the demo test. The whole suite already ran (under the sanitizers, with
# the real servers) in the main pass; running it again here would double
# CI time for no new information.
set -uo pipefail
[ "${MB_DISTCHECK:-1}" = 0 ] && { echo "skipped (MB_DISTCHECK=0)"; exit 0; }
unset MB_PG_URL MB_MYSQL_URL PGHOST PGPORT MB_SERVERS_DIR
export CI=false
build=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tests="$(grep -ho 'tests/unit/test_[a-z_]*' "$top"/tests/*.mk | sort -u | tr '\n' ' ')"
tests+="tests/fuzz/replay.sh tests/integration/demo.sh"
if make -C "$build" -j"$(nproc)" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror \
	TESTS="$tests"; then
	exit 0
fi
# On failure the unpacked tree stays: name what failed, with its log.
echo "== distcheck failed; failing test points:"
find "$build"/maskbench-*/_build -name '*.log' ! -name test-suite.log 2>/dev/null |
while read -r log; do
	if grep -qE '^(FAIL|ERROR|not ok)' "$log"; then
		echo "-- $log"
		grep -E '^(FAIL|ERROR|not ok|#)' "$log" | head -n 40
	fi
done
exit 1

#!/bin/bash
# distcheck: the release tarball builds out of tree and passes its tests.
# The database tests already ran against the real servers in the main pass,
# so here they are left to skip (no server variables), which keeps CI short.
set -uo pipefail
[ "${MB_DISTCHECK:-1}" = 0 ] && { echo "skipped (MB_DISTCHECK=0)"; exit 0; }
unset MB_PG_URL MB_MYSQL_URL PGHOST PGPORT MB_SERVERS_DIR
export CI=false
build=$1
if make -C "$build" -j"$(nproc)" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror; then
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

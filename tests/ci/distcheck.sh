#!/bin/bash
# distcheck: the release tarball builds out of tree and passes its tests.
# The database tests already ran against the real servers in the main pass,
# so here they are left to skip (no server variables), which keeps CI short.
set -euo pipefail
[ "${MB_DISTCHECK:-1}" = 0 ] && { echo "skipped (MB_DISTCHECK=0)"; exit 0; }
unset MB_PG_URL MB_MYSQL_URL PGHOST PGPORT MB_SERVERS_DIR
export CI=false
make -C "$1" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror

#!/bin/bash
# distcheck: the release tarball builds out of tree and passes its tests.
set -euo pipefail
[ "${MB_DISTCHECK:-1}" = 0 ] && { echo "skipped (MB_DISTCHECK=0)"; exit 0; }
make -C "$1" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror

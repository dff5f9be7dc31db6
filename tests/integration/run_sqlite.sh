#!/bin/bash
# run_sqlite.sh - plan, run, verify, dump and the refusals on SQLite files (tests/integration/run_lib.sh).
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/run_fixture.sh"
. "$MB_SRCDIR/tests/integration/run_lib.sh"
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 client missing"; exit 0; }
tap_tmpdir
run_suite sqlite
run_gaps sqlite
done_testing

#!/bin/bash
# harden_kill_sqlite.sh - SIGKILL at ten random moments of a run on sqlite (harden_kill_lib.sh).
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
. "$MB_SRCDIR/tests/integration/harden_kill_lib.sh"

tap_tmpdir
kill_suite sqlite
done_testing

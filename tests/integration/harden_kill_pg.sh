#!/bin/bash
# harden_kill_pg.sh - SIGKILL at ten random moments of a run on pg (harden_kill_lib.sh).
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
. "$MB_SRCDIR/tests/integration/harden_kill_lib.sh"
need_server MB_PG_URL
tap_tmpdir
kill_suite pg
done_testing

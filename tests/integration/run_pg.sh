#!/bin/bash
# run_pg.sh - plan, run, verify, dump and the refusals on PostgreSQL (tests/integration/run_lib.sh).
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/run_fixture.sh"
. "$MB_SRCDIR/tests/integration/run_lib.sh"
need_server MB_PG_URL
export PGTZ=UTC
tap_tmpdir
run_suite pg
run_gaps pg
done_testing

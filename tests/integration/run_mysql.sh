#!/bin/bash
# run_mysql.sh - plan, run, verify, dump and the refusals on MariaDB (tests/integration/run_lib.sh).
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/run_fixture.sh"
. "$MB_SRCDIR/tests/integration/run_lib.sh"
need_server MB_MYSQL_URL
tap_tmpdir
run_suite mysql
run_gaps mysql
done_testing

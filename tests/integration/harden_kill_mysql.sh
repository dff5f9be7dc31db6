#!/bin/bash
# harden_kill_mysql.sh - SIGKILL at ten random moments of a run on mysql (harden_kill_lib.sh).
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
. "$MB_SRCDIR/tests/integration/harden_kill_lib.sh"
need_server MB_MYSQL_URL
tap_tmpdir
kill_suite mysql
done_testing

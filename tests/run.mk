## tests: run - the subset planner, the job runner, plan/run/verify/preview.

# Integration: the same suite on SQLite, PostgreSQL and MariaDB.
EXTRA_DIST += tests/integration/run_lib.sh tests/integration/run_fixture.sh
dist_check_SCRIPTS += tests/integration/run_sqlite.sh tests/integration/run_pg.sh \
	tests/integration/run_mysql.sh tests/integration/run_chinook.sh \
	tests/integration/run_pg_binary.sh
TESTS += tests/integration/run_sqlite.sh tests/integration/run_pg.sh \
	tests/integration/run_mysql.sh tests/integration/run_chinook.sh \
	tests/integration/run_pg_binary.sh

# The planner on real SQLite files (TAP).
check_PROGRAMS += tests/unit/test_subset
TESTS += tests/unit/test_subset
tests_unit_test_subset_SOURCES = tests/unit/test_subset.c
tests_unit_test_subset_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_unit_test_subset_LDADD = $(MB_LINK)

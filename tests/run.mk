## tests: run - the subset planner, the job runner, plan/run/verify/preview.
# The run subcommands live in tui/ but are listed here (this fragment comes
# after tui/local.mk, which defines maskbench_SOURCES).
maskbench_SOURCES += tui/cmd_plan.c tui/cmd_plan.h tui/cmd_run.c \
	tui/cmd_verify.c tui/cmd_preview.c

# Integration: the same suite on SQLite, PostgreSQL and MariaDB.
EXTRA_DIST += tests/integration/run_lib.sh tests/integration/run_fixture.sh
dist_check_SCRIPTS += tests/integration/run_sqlite.sh tests/integration/run_pg.sh \
	tests/integration/run_mysql.sh
TESTS += tests/integration/run_sqlite.sh tests/integration/run_pg.sh \
	tests/integration/run_mysql.sh

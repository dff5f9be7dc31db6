## tests: harden (issue 8) - in-place strategy, faults, least privilege,
## hostile data, canaries. Scripts share tests/integration/harden_lib.sh.

# The in-place driver: cmd_run's steps ending in job_run_in_place(), for the
# tests until `run --in-place` is wired in tui/cmd_run.c.
check_PROGRAMS += tests/harden/inplace_run
tests_harden_inplace_run_SOURCES = tests/harden/inplace_run.c tui/cmd_plan.c \
	tui/cmd_plan.h tui/options.c tui/options.h
tests_harden_inplace_run_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_harden_inplace_run_LDADD = $(MB_LINK)

EXTRA_DIST += tests/integration/harden_lib.sh tests/integration/harden_kill_lib.sh \
	tests/lib/fixtures_big.sh tests/lib/fixtures_hostile.sh
HARDEN_TESTS = tests/integration/harden_inplace.sh \
	tests/integration/harden_kill_sqlite.sh tests/integration/harden_kill_pg.sh \
	tests/integration/harden_kill_mysql.sh tests/integration/harden_faults.sh \
	tests/integration/harden_pg_restart.sh tests/integration/harden_canary.sh \
	tests/integration/harden_least_priv.sh tests/integration/harden_hostile.sh \
	tests/integration/harden_inplace_faults.sh
dist_check_SCRIPTS += $(HARDEN_TESTS)
TESTS += $(HARDEN_TESTS)

## tests: harden (issue 8) - in-place strategy, faults, least privilege,
## hostile data, canaries. Scripts share tests/integration/harden_lib.sh.

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

# The scanner's value path under libFuzzer (replays its corpus in make check).
FUZZ_TARGETS += tests/fuzz/fuzz_scan
if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_scan
else
check_PROGRAMS += tests/fuzz/fuzz_scan
endif
tests_fuzz_fuzz_scan_SOURCES = tests/fuzz/fuzz_scan.c $(FUZZ_MAIN)
tests_fuzz_fuzz_scan_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE) $(MB_DEP_CFLAGS)
tests_fuzz_fuzz_scan_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_scan_LDADD = $(MB_LINK)

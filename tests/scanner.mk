## tests: scanner (issue 3) - matchers, scanner fixtures on all engines,
## the Chinook real-data suite, the CLI, benchmarks.

# The scan subcommand lives in tui/ but belongs to this area; it is added
# here because this fragment is included after tui/local.mk.

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_match
TESTS += tests/unit/test_match
tests_unit_test_match_SOURCES = tests/unit/test_match.c
tests_unit_test_match_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(MB_DEP_CFLAGS)
tests_unit_test_match_LDADD = $(MB_LINK) $(CMOCKA_LIBS)
endif

# Generated fixtures with traps and bad input, canary check (SQLite always,
# PostgreSQL and MariaDB from the test servers).
check_PROGRAMS += tests/integration/test_scan
TESTS += tests/integration/test_scan
tests_integration_test_scan_SOURCES = tests/integration/test_scan.c tests/lib/tap.h
tests_integration_test_scan_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_integration_test_scan_LDADD = $(MB_LINK)

# Real data (skips without ../shared/data): Chinook on all three engines.
check_PROGRAMS += tests/integration/test_scan_chinook
TESTS += tests/integration/test_scan_chinook
tests_integration_test_scan_chinook_SOURCES = tests/integration/test_scan_chinook.c tests/lib/tap.h
tests_integration_test_scan_chinook_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_integration_test_scan_chinook_LDADD = $(MB_LINK)

# MariaDB sampling: primary-key range probes, at most two statements per
# table (MB_TRACE_SQL), a larger sample for free text, same findings as --full.
check_PROGRAMS += tests/integration/test_scan_sampling
TESTS += tests/integration/test_scan_sampling
tests_integration_test_scan_sampling_SOURCES = tests/integration/test_scan_sampling.c tests/lib/tap.h
tests_integration_test_scan_sampling_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_integration_test_scan_sampling_LDADD = $(MB_LINK)

# The scan subcommand end to end: formats, exit codes, canaries in output.
dist_check_SCRIPTS += tests/integration/cli_scan.sh
TESTS += tests/integration/cli_scan.sh

# Benchmarks: built by make check, run by hand or `make bench-scan`
# (figures only, never asserted).
check_PROGRAMS += tests/bench/scan_customers
tests_bench_scan_customers_SOURCES = tests/bench/scan_customers.c
tests_bench_scan_customers_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_bench_scan_customers_LDADD = $(MB_LINK)
EXTRA_DIST += tests/bench/scan_pg.sh tests/bench/scan_full_rg.sh

bench-scan: tests/bench/scan_customers maskbench
	./tests/bench/scan_customers
	MB_BUILDDIR=$(abs_top_builddir) $(SHELL) $(top_srcdir)/tests/bench/scan_pg.sh
	MB_BUILDDIR=$(abs_top_builddir) $(SHELL) $(top_srcdir)/tests/bench/scan_full_rg.sh
.PHONY: bench-scan

## tests/ - unit, integration, TUI, fuzz and benchmark harness (core part).
EXTRA_DIST += tests/lib/tap.h tests/lib/tap.sh tests/lib/servers.sh

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_core
TESTS += tests/unit/test_core
tests_unit_test_core_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(MB_DEP_CFLAGS)
tests_unit_test_core_LDADD = $(MB_LINK) $(CMOCKA_LIBS)
endif

dist_check_SCRIPTS += tests/integration/cli_catalog.sh
TESTS += tests/integration/cli_catalog.sh

FUZZ_TARGETS += tests/fuzz/fuzz_url
if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_url
else
check_PROGRAMS += tests/fuzz/fuzz_url
endif
tests_fuzz_fuzz_url_SOURCES = tests/fuzz/fuzz_url.c $(FUZZ_MAIN)
tests_fuzz_fuzz_url_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE) $(MB_DEP_CFLAGS)
tests_fuzz_fuzz_url_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_url_LDADD = $(MB_LINK)

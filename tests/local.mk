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

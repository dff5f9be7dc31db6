## tests: drivers - URL parsing, SQLSTATE table, and the PostgreSQL, SQLite
## (and MySQL) drivers against real engines.
check_PROGRAMS += tests/integration/test_drivers
TESTS += tests/integration/test_drivers
tests_integration_test_drivers_SOURCES = tests/integration/test_drivers.c tests/lib/tap.h
tests_integration_test_drivers_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_integration_test_drivers_LDADD = libmbcore.a $(MB_LIBS)

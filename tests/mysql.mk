## tests: mysql - the MySQL/MariaDB driver against a real server
check_PROGRAMS += tests/integration/test_mysql
TESTS += tests/integration/test_mysql
tests_integration_test_mysql_SOURCES = tests/integration/test_mysql.c tests/lib/tap.h
tests_integration_test_mysql_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_integration_test_mysql_LDADD = libmbcore.a $(MB_LIBS)

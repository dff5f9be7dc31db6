## tests: demo
## The demo database generator (share/demo) is compiled into maskbench
## (tui/local.mk); its company list is installed for `scan --customers`.
demodir = $(pkgdatadir)/demo
dist_demo_DATA = share/demo/customers.txt

## demo_build: builds the demo twice with the library code and checks
## tables, row counts, foreign keys, cards, IBANs, determinism.
check_PROGRAMS += tests/integration/demo_build
tests_integration_demo_build_SOURCES = tests/integration/demo_build.c \
	share/demo/demo_gen.c share/demo/demo_gen.h tests/lib/tap.h
tests_integration_demo_build_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
tests_integration_demo_build_LDADD = libmbcore.a $(SQLITE_LIBS)
TESTS += tests/integration/demo_build

## demo.sh: `maskbench demo` from the outside (paths, rebuild, .dump hashes).
dist_check_SCRIPTS += tests/integration/demo.sh
TESTS += tests/integration/demo.sh

## Benchmarks are run by hand (tests/bench/README.md), never by make check.
EXTRA_DIST += tests/bench/README.md tests/bench/catalog.sh

## tests: rules (issue 4) - rules model, audit, YAML, drift, gate, report.

# The rules subcommand lives in tui/ but belongs to this area; it is added
# here because this fragment is included after tui/local.mk.

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_rules tests/unit/test_rules_yaml
TESTS += tests/unit/test_rules tests/unit/test_rules_yaml
tests_unit_test_rules_SOURCES = tests/unit/test_rules.c tests/unit/rules_fixture.h
tests_unit_test_rules_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(MB_DEP_CFLAGS)
tests_unit_test_rules_LDADD = $(MB_LINK) $(CMOCKA_LIBS)
tests_unit_test_rules_yaml_SOURCES = tests/unit/test_rules_yaml.c tests/unit/rules_fixture.h
tests_unit_test_rules_yaml_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(MB_DEP_CFLAGS)
tests_unit_test_rules_yaml_LDADD = $(MB_LINK) $(CMOCKA_LIBS)
endif

# Drift on real engines through a C program (ws_catalog_save + rules_sync).
check_PROGRAMS += tests/integration/rules_drift
TESTS += tests/integration/rules_drift
tests_integration_rules_drift_SOURCES = tests/integration/rules_drift.c
tests_integration_rules_drift_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_integration_rules_drift_LDADD = $(MB_LINK)

dist_check_SCRIPTS += tests/integration/rules_cli.sh tests/integration/rules_chinook.sh
TESTS += tests/integration/rules_cli.sh tests/integration/rules_chinook.sh

FUZZ_TARGETS += tests/fuzz/fuzz_yaml
if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_yaml
else
check_PROGRAMS += tests/fuzz/fuzz_yaml
endif
tests_fuzz_fuzz_yaml_SOURCES = tests/fuzz/fuzz_yaml.c $(FUZZ_MAIN)
tests_fuzz_fuzz_yaml_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE) $(MB_DEP_CFLAGS)
tests_fuzz_fuzz_yaml_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_yaml_LDADD = $(MB_LINK)

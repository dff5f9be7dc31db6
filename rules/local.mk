## rules/ - rules model, review states, audit, YAML, drift, gate, report.
noinst_LIBRARIES += libmbrules.a
MB_RULES_LIB += libmbrules.a
libmbrules_a_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
libmbrules_a_SOURCES = \
	rules/rules.c rules/rules.h \
	rules/audit.c rules/audit.h \
	rules/rules_yaml.c rules/rules_yaml.h \
	rules/report.c rules/report.h

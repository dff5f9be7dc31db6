## match fragment - core/match*: categories, validators, normaliser, customer names.
noinst_LIBRARIES += libmbmatch.a
MB_MATCH_LIB += libmbmatch.a
libmbmatch_a_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
libmbmatch_a_SOURCES = \
	core/match.c core/match.h core/match_int.h \
	core/match_validate.c \
	core/match_norm.c \
	core/match_customer.c \
	core/match_prefilter.c

## Differential test of the Vectorscan prefilter against plain PCRE2.
check_PROGRAMS += tests/unit/test_match_prefilter
TESTS += tests/unit/test_match_prefilter
tests_unit_test_match_prefilter_SOURCES = tests/unit/test_match_prefilter.c
tests_unit_test_match_prefilter_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_unit_test_match_prefilter_LDADD = $(MB_LINK)

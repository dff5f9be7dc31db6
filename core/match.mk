## match fragment - core/match*: categories, validators, normaliser, customer names.
noinst_LIBRARIES += libmbmatch.a
MB_MATCH_LIB += libmbmatch.a
libmbmatch_a_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
libmbmatch_a_SOURCES = \
	core/match.c core/match.h core/match_int.h \
	core/match_validate.c \
	core/match_norm.c \
	core/match_customer.c

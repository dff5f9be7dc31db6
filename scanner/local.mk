## scanner/ - PII scanner: names, sampling, scoring, findings store.
noinst_LIBRARIES += libmbscanner.a
MB_SCANNER_LIB += libmbscanner.a
libmbscanner_a_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
libmbscanner_a_SOURCES = \
	scanner/scanner.h \
	scanner/names.c \
	scanner/scan.c \
	scanner/store.c

## tests: mask (issue 5) - masking actions, keys, transform, uniqueness,
## fuzzing, benchmark.

# The transform subcommand lives in tui/ but belongs to this area; it is
# added here because this fragment is included after tui/local.mk.

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_mask
TESTS += tests/unit/test_mask
tests_unit_test_mask_SOURCES = tests/unit/test_mask.c
tests_unit_test_mask_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(MB_DEP_CFLAGS)
tests_unit_test_mask_LDADD = $(MB_LINK) $(CMOCKA_LIBS)
endif

# 1,000,000 distinct inputs -> 1,000,000 distinct outputs, per unique action.
check_PROGRAMS += tests/unit/test_mask_unique
TESTS += tests/unit/test_mask_unique
tests_unit_test_mask_unique_SOURCES = tests/unit/test_mask_unique.c tests/lib/tap.h
tests_unit_test_mask_unique_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_unit_test_mask_unique_LDADD = $(MB_LINK)

dist_check_SCRIPTS += tests/integration/mask_transform.sh tests/integration/mask_engines.sh
TESTS += tests/integration/mask_transform.sh tests/integration/mask_engines.sh

# The benchmark: built by make check, run only by `make bench-mask`.
check_PROGRAMS += tests/bench/mask
tests_bench_mask_SOURCES = tests/bench/mask.c
tests_bench_mask_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
tests_bench_mask_LDADD = $(MB_LINK)
bench-mask: tests/bench/mask$(EXEEXT)
	MB_SRCDIR='$(abs_top_srcdir)' ./tests/bench/mask$(EXEEXT)
.PHONY: bench-mask

FUZZ_TARGETS += tests/fuzz/fuzz_mask
if ENABLE_FUZZING
EXTRA_PROGRAMS += tests/fuzz/fuzz_mask
else
check_PROGRAMS += tests/fuzz/fuzz_mask
endif
tests_fuzz_fuzz_mask_SOURCES = tests/fuzz/fuzz_mask.c $(FUZZ_MAIN)
tests_fuzz_fuzz_mask_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE) $(MB_DEP_CFLAGS)
tests_fuzz_fuzz_mask_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_mask_LDADD = $(MB_LINK)

## core/ run fragment - the subset planner and the job runner (libmbrun.a).
noinst_LIBRARIES += libmbrun.a
MB_RUN_LIB += libmbrun.a
libmbrun_a_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
libmbrun_a_SOURCES = \
	core/subset.c core/subset.h \
	core/job.c core/job.h core/job_int.h core/job_after.c \
	core/job_schema.c core/job_copy.c core/job_dump.c \
	core/job_verify.c core/job_runs.c
libmbrun_a_SOURCES += core/job_inplace.c core/job_inplace.h

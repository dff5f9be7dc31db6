## core/ - drivers, catalog, workspace, matchers, masking, subset, jobs.
noinst_LIBRARIES += libmbcore.a
libmbcore_a_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
libmbcore_a_SOURCES = \
	core/util.c core/util.h \
	core/strbuf.c core/strbuf.h \
	core/error.c core/error.h \
	core/subset_config.c core/subset_config.h \
	core/catalog.c core/catalog.h \
	core/workspace.c core/workspace.h core/db_mysql.c \
	core/db.h core/db.c core/db_internal.h core/db_pg.c core/db_sqlite.c


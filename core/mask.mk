## mask fragment - core/mask*: masking actions, keys, dictionaries' reader.
noinst_LIBRARIES += libmbmask.a
MB_MASK_LIB += libmbmask.a
libmbmask_a_CFLAGS = $(AM_CFLAGS) $(MB_DEP_CFLAGS)
libmbmask_a_SOURCES = \
	core/mask.c core/mask.h core/mask_int.h \
	core/mask_fpe.c \
	core/mask_fake.c \
	core/mask_text.c \
	core/keys.c core/keys.h

# Dictionaries for the fake_* actions: share/dict/<locale>/<kind>.txt
dictendir = $(pkgdatadir)/dict/en
dictdedir = $(pkgdatadir)/dict/de
dictfrdir = $(pkgdatadir)/dict/fr
dist_dicten_DATA = \
	share/dict/en/first_names.txt \
	share/dict/en/last_names.txt \
	share/dict/en/streets.txt \
	share/dict/en/cities.txt \
	share/dict/en/companies.txt \
	share/dict/en/email_domains.txt
dist_dictde_DATA = \
	share/dict/de/first_names.txt \
	share/dict/de/last_names.txt \
	share/dict/de/streets.txt \
	share/dict/de/cities.txt \
	share/dict/de/companies.txt \
	share/dict/de/email_domains.txt
dist_dictfr_DATA = \
	share/dict/fr/first_names.txt \
	share/dict/fr/last_names.txt \
	share/dict/fr/streets.txt \
	share/dict/fr/cities.txt \
	share/dict/fr/companies.txt \
	share/dict/fr/email_domains.txt
EXTRA_DIST += share/dict/README

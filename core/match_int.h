/*
 * match_int.h - internals shared by core/match*.c only. Not an API: other
 * modules include core/match.h.
 */
#ifndef MB_MATCH_INT_H
#define MB_MATCH_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <hs/hs.h>

#include "core/match.h"

struct validator {
	const char *name;
	bool (*fn)(const char *s, size_t len);
};
/* NULL when unknown. */
const struct validator *match_find_validator(const char *name);

struct match_pattern {
	char *name;                   /* "EMAIL" */
	int category;
	int priority;                 /* the category's, for claim order */
	size_t order;                 /* position in its file, for stable sorting */
	bool weak;                    /* counts only with a column-name hint */
	bool in_text;                 /* also searched unanchored in free text */
	char need_char;               /* prefilter: the value must contain it (0: none) */
	size_t min_len, max_len;      /* prefilter on the trimmed value */
	uint8_t first[32];            /* bitmap of possible first bytes (anchored) */
	bool has_first;
	bool jit;                     /* anchored pattern is JIT-compiled */
	const struct validator *validator; /* NULL: the shape is enough */
	pcre2_code *anchored;
	pcre2_code *unanchored;       /* NULL when !in_text */
};

struct match_catalog {
	char *share_dir;
	struct match_category *cats;
	size_t ncats, cats_alloc;
	struct match_pattern *pats;   /* all patterns, in category order */
	size_t npats, pats_alloc;
	size_t *cat_first;            /* index of the category's first pattern */
};

struct match_scratch {
	pcre2_match_data *md;
	pcre2_jit_stack *jit;
	pcre2_match_context *mctx;    /* limits + the JIT stack */
	hs_scratch_t *hs;             /* grown for every customer set it meets */
	const void *hs_for;           /* the database hs was last checked against */
	struct strbuf norm;
	struct strbuf norm2;
	void *toks;                   /* customer token buffer (match_customer.c) */
};

#endif

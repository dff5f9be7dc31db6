/*
 * match_int.h - internals shared by core/match*.c only. Not an API: other
 * modules include core/match.h.
 */
#ifndef MB_MATCH_INT_H
#define MB_MATCH_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <hs/hs.h>
#include <pthread.h>

#include "core/match.h"

struct validator {
	const char *name;
	bool (*fn)(const char *s, size_t len);
};
/* NULL when unknown. */
const struct validator *match_find_validator(const char *name);

/*
 * True when the normalised token t (n bytes) can end a legal form ("inc",
 * "gmbh", the "a" of "s a"): when false, match_legal_core_len() of a
 * string ending in t returns its whole length.
 */
bool match_legal_last_token(const char *t, size_t n);
/* The legal forms match_strip_legal() removes, as normalised token sequences. */
size_t match_legal_forms(const char *const **forms);

struct match_pattern {
	char *name;                   /* "EMAIL" */
	int category;
	int priority;                 /* the category's, for claim order */
	size_t order;                 /* position in its file, for stable sorting */
	bool weak;                    /* counts only with a column-name hint */
	bool in_text;                 /* also searched unanchored in free text */
	char need_char;               /* prefilter: the value must contain it (0: none) */
	size_t need_lead;             /* a match starts at most this many bytes before
				       * its first need_char (SIZE_MAX: unknown) */
	size_t min_len, max_len;      /* prefilter on the trimmed value */
	uint8_t first[32];            /* bitmap of possible first bytes (anchored) */
	bool has_first;
	bool jit;                     /* anchored pattern is JIT-compiled */
	const struct validator *validator; /* NULL: the shape is enough */
	pcre2_code *anchored;
	pcre2_code *unanchored;       /* NULL when !in_text */
	char *regex;                  /* the source text, for the prefilter databases */
};

/*
 * Prefilter (match_prefilter.c): one Vectorscan scan per value or text
 * decides which patterns can match at all; PCRE2 then runs only those.
 * The databases are compiled with HS_FLAG_PREFILTER (a superset of the
 * PCRE2 language: never a false negative), so the results are exactly
 * those of running every pattern. A pattern Vectorscan cannot compile is
 * "always" a candidate.
 */
struct match_prefilter {
	hs_database_t *db;            /* NULL: no prefilter, every pattern runs */
	uint64_t *always;             /* bit i: pattern i is not in db */
	uint32_t *run;                /* text form: pattern i is screened by a run of
				       * this many letters/digits/non-ASCII bytes
				       * instead of db (0: not; a VIN) */
	size_t *run_pats, nrun;       /* the patterns with run[i] != 0 */
	size_t run_max;               /* the largest run[i] */
	bool any_run;
	bool ready;                   /* built (db may still be NULL); atomic */
};
#define MATCH_PF_ANCHORED 0
#define MATCH_PF_TEXT 1


struct match_catalog {
	char *share_dir;
	struct match_category *cats;
	size_t ncats, cats_alloc;
	struct match_pattern *pats;   /* all patterns, in category order */
	size_t npats, pats_alloc;
	size_t *cat_first;            /* index of the category's first pattern */
	struct match_prefilter pf[2]; /* MATCH_PF_ANCHORED, MATCH_PF_TEXT */
	size_t pf_words;              /* uint64_t words in a pattern bit set */
	uint64_t *by_first;           /* 256 pattern bit sets: first byte can start it */
	uint64_t serial;              /* unique per loaded catalog (scratch checks) */
	pthread_mutex_t pf_lock;      /* builds pf[] on first use */
	bool pf_lock_init;
	bool use_prefilter;           /* false: run every pattern (tests compare) */
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
	hs_scratch_t *pf;             /* scratch for the catalog's prefilter databases */
	uint64_t pf_serial;           /* catalog serial pf was allocated for (0: none) */
	int pf_ready;                 /* which of the catalog's databases pf fits (bits) */
	uint64_t *cand;               /* candidate pattern bit set, pf_words long */
	size_t cand_words;
	void *spans;                  /* span list reused by match_find_spans_s */
	size_t spans_alloc;
};

/*
 * Prepares cat->pf[] after the patterns are sorted; the databases are
 * compiled (or loaded from the cache) on first use by match_prefilter_run.
 * Failures only disable the prefilter.
 */
void match_prefilter_build(struct match_catalog *cat);
void match_prefilter_free(struct match_catalog *cat);
/*
 * Runs prefilter `which` over s (valid UTF-8) and returns the candidate
 * pattern bit set (in scratch), or NULL when every pattern must run.
 */
/*
 * For a pattern whose every match holds the plain character c at top
 * level ("...{1,64}@" for an e-mail): the most bytes the items before it
 * can match, so a match starts at most that far before the first c of the
 * text after a given offset. SIZE_MAX when unknown (alternation, groups,
 * unbounded repeats before c, no such c).
 */
size_t match_need_lead(const char *re, char c);
const uint64_t *match_prefilter_run(const struct match_catalog *cat,
				    struct match_scratch *scratch, int which,
				    const char *s, size_t len);
static inline bool match_cand(const uint64_t *cand, size_t i)
{
	return !cand || (cand[i >> 6] >> (i & 63) & 1);
}

#endif

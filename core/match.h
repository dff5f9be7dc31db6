/*
 * match.h - the PII matchers shared by the scanner, the `redact_text`
 * masking action and `verify`: category definitions, value patterns with
 * validators, text normalisation and the customer-name set.
 *
 * Categories are data: every file share/categories/NAME.cat describes one
 * category (keywords, PCRE2 patterns, validators, proposed action); the
 * format is documented in share/categories/README. A catalog is loaded once,
 * is immutable afterwards and may be shared by any number of threads; every
 * thread that matches needs its own `struct match_scratch`.
 *
 * Privacy: nothing in this module prints, logs or stores a value. Error
 * messages name files, lines and pattern names, never data.
 */
#ifndef MB_MATCH_H
#define MB_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"

/* At most this many categories in one catalog (they fit a uint64_t mask). */
#define MATCH_MAX_CATEGORIES 64

struct match_catalog;   /* categories + compiled patterns; load once */
struct match_scratch;   /* per-thread PCRE2 match data + Vectorscan scratch */
struct customer_set;    /* normalised customer names */

/* ------------------------------------------------------------------ */
/* Categories                                                          */
/* ------------------------------------------------------------------ */

/* A keyword: one or more whole tokens ("email", "first name", "dob"). */
struct match_keyword {
	char **tokens;       /* lower-case ASCII tokens */
	size_t ntokens;
	bool needs_context;  /* counts only in a table named by `context` ("name" in "customers") */
};

/*
 * One category, read-only once loaded. All strings are owned by the
 * catalog and live until match_catalog_free().
 */
struct match_category {
	int id;                   /* index in the catalog, 0..n-1 */
	char *name;               /* "email": the names of pii_labels.tsv */
	char *description;        /* one line for humans */
	char *action;             /* proposed SPEC §7 action: "fake_email" */
	char *params;             /* proposed action parameters, JSON object text */
	double name_weight;       /* w_t in conf = 1-(1-0.9L)(1-w_t N) */
	double value_cap;         /* cap of the value-only confidence (need-name: < 0.5) */
	bool need_name;           /* value evidence alone is never enough */
	bool low_cardinality;     /* few distinct values are normal (country, gender) */
	bool free_text;           /* the "free text containing PII" category */
	bool secret;              /* report any validated hit (secrets, cards) */
	bool report;              /* false: claims values (uuid) but is never a finding */
	int priority;             /* claims a value before lower priorities (uuid > phone) */
	struct match_keyword *keywords;     /* whole-token column-name keywords */
	size_t nkeywords;
	char **fused;             /* fused compounds: "firstname", "zipcode" */
	size_t nfused;
	char **exclude;           /* column names (normalised, '_' joined) never this category */
	size_t nexclude;
	char **context;           /* table tokens that make a bare keyword count ("name" in "customer") */
	size_t ncontext;
	size_t npatterns;         /* value patterns (see match_pattern_name) */
};

/*
 * Loads every share_dir/categories/ *.cat file. share_dir NULL means: the
 * MASKBENCH_SHARE environment variable, else the build tree's share/
 * (MB_SRCSHAREDIR) when it exists, else the installed MB_PKGDATADIR.
 * Patterns are compiled (and JIT-compiled) once. The Vectorscan prefilter
 * databases (one pass deciding which patterns can match; results are
 * identical without it) are compiled on first use, thread-safely, and
 * cached in $MASKBENCH_CACHE, else $XDG_CACHE_HOME/maskbench, else
 * ~/.cache/maskbench (pattern text only, never data; MASKBENCH_CACHE=off
 * disables the cache). Returns NULL with
 * MB_ERR_INPUT naming "file:line: ..." for a malformed file or a pattern
 * that does not compile, MB_ERR_IO when the folder cannot be read.
 */
struct match_catalog *match_catalog_load(const char *share_dir_or_NULL,
					 struct mb_err *err);
void match_catalog_free(struct match_catalog *cat);

size_t match_catalog_count(const struct match_catalog *cat);
/* The i-th category (0 <= i < count); categories are sorted by name. */
const struct match_category *match_catalog_get(const struct match_catalog *cat,
						size_t i);
/* NULL when there is no such category. */
const struct match_category *match_catalog_find(const struct match_catalog *cat,
						 const char *name);
/* The resolved share folder the catalog was loaded from (owned). */
const char *match_catalog_share_dir(const struct match_catalog *cat);
/*
 * Name of pattern j of category c ("EMAIL", "CARD_LUHN"), for evidence.
 * Owned by the catalog.
 */
const char *match_pattern_name(const struct match_catalog *cat, int category,
			       size_t j);

/* Per-thread working memory for matching. Never NULL; free with _free. */
struct match_scratch *match_scratch_new(const struct match_catalog *cat);
void match_scratch_free(struct match_scratch *s);

/* ------------------------------------------------------------------ */
/* Whole values                                                        */
/* ------------------------------------------------------------------ */

/*
 * The outcome of classifying one whole value (anchored patterns).
 *   shape:     categories whose pattern matched the shape of the value;
 *   valid:     categories whose pattern matched AND whose validator passed
 *              (a subset of shape; patterns without validator count as valid);
 *   weak:      categories matched only by a pattern marked weak (a bare
 *              9-digit number for national_id): they count only with a
 *              column-name hint. weak is a subset of valid.
 *   pattern[c]: index of the pattern that matched for category c, -1 if none.
 * Bit c of a mask is category id c.
 */
struct match_result {
	uint64_t shape;
	uint64_t valid;
	uint64_t weak;
	int8_t pattern[MATCH_MAX_CATEGORIES];
};

/*
 * Classifies one value (trimmed of surrounding white space first). Values
 * that are not valid UTF-8 or longer than 4096 bytes match nothing in
 * anchored mode. Returns 0; -1 only with MB_ERR_INTERNAL when PCRE2 fails
 * for a reason other than "no match" (match limit: then the pattern simply
 * does not count).
 */
int match_classify_value(const struct match_catalog *cat,
			 struct match_scratch *scratch, const char *value,
			 size_t len, struct match_result *out, struct mb_err *err);

/* ------------------------------------------------------------------ */
/* Spans in free text                                                  */
/* ------------------------------------------------------------------ */

/*
 * A validated span in free text: byte offsets into the text given to
 * match_find_spans(). `category` points into the catalog ("email"), or is
 * "company_name" for a customer-set hit. `pattern` names the pattern
 * ("EMAIL") or is "customer".
 */
struct match_span {
	size_t start, len;
	const char *category;
	const char *pattern;
};

/*
 * Span finder for free text (redact_text, verify, structure scan): runs
 * the unanchored form of every non-weak pattern, validates each hit, adds
 * customer-name containment hits (cs may be NULL; short/common-word
 * entries are skipped in text), drops overlaps (the earlier start wins,
 * then the longer span), and calls cb for every span left to right.
 * JSON documents are searched as text (their string contents included).
 * cb returns 0 to continue, non-zero to stop: match_find_spans then
 * returns that value. Returns 0 when all spans were reported, -1 when
 * text is not valid UTF-8 (nothing is reported).
 * Thread-safety: uses a temporary scratch; the _s variant takes the
 * caller's scratch (faster for many calls; the span list lives in the
 * scratch, so cb must not call the matcher with that same scratch).
 */
int match_find_spans(const struct match_catalog *cat,
		     const struct customer_set *cs_or_NULL, const char *text,
		     size_t len, int (*cb)(void *ctx, const struct match_span *),
		     void *ctx);
int match_find_spans_s(const struct match_catalog *cat,
		       struct match_scratch *scratch,
		       const struct customer_set *cs_or_NULL, const char *text,
		       size_t len,
		       int (*cb)(void *ctx, const struct match_span *),
		       void *ctx);

/*
 * utf8_valid() (core/util.h) with an ASCII fast path, 8 bytes at a time:
 * the same answer, several times faster on mostly-ASCII text.
 */
bool match_utf8_valid(const char *s, size_t len);

/* ------------------------------------------------------------------ */
/* Validators (exported for tests and masking)                         */
/* ------------------------------------------------------------------ */

/* All take the raw candidate (separators such as spaces/dashes allowed). */
bool match_luhn(const char *s, size_t len);            /* digits only, 2+ */
bool match_card(const char *s, size_t len);            /* 13-19 digits, issuer length, Luhn */
bool match_iban(const char *s, size_t len);            /* country length + mod-97 == 1 */
bool match_ssn(const char *s, size_t len);             /* US SSN area/group/serial rules, samples */
bool match_ipv4(const char *s, size_t len);            /* inet_pton(AF_INET) */
bool match_ipv6(const char *s, size_t len);            /* inet_pton(AF_INET6), zone allowed */
bool match_birth_date(const char *s, size_t len);      /* ISO / DMY / MDY, 1900..today, age <= 120 */
bool match_nhs(const char *s, size_t len);             /* UK NHS mod-11 */
bool match_es_nif(const char *s, size_t len);          /* ES DNI/NIF and NIE mod-23 letter */
bool match_vin(const char *s, size_t len);             /* VIN check digit (position 9) */
bool match_aba(const char *s, size_t len);             /* ABA routing 3-7-1 */
bool match_jwt(const char *s, size_t len);             /* header base64url-decodes to JSON with "alg" */
bool match_email_domain(const char *s, size_t len);    /* domain plausible, not localhost/example */
/* Shannon entropy in bits per byte. */
double match_entropy(const char *s, size_t len);
/* Runs the validator called `name` ("luhn", "iban", ...); unknown names: false. */
bool match_validate(const char *name, const char *s, size_t len);
/* True when `name` is a known validator. */
bool match_validator_known(const char *name);

/* ------------------------------------------------------------------ */
/* Normalisation                                                       */
/* ------------------------------------------------------------------ */

/*
 * Appends the normalised form of s to out: ASCII fast path (lower-case),
 * otherwise utf8proc NFKD + strip marks + case fold + a transliteration
 * table (æ->ae, ø->o, ł->l, đ->d, þ->th, œ->oe, ı->i); every run of
 * characters that are not letters or digits becomes one space; leading and
 * trailing spaces are dropped. When map is not NULL, *map is set to a newly
 * allocated array (caller frees) of out->len - old_len + 1 entries: for
 * each output byte, the offset in s of the character it came from (the
 * last entry is len). Invalid UTF-8 bytes are treated as separators.
 */
void match_normalize(const char *s, size_t len, struct strbuf *out,
		     size_t **map);
/*
 * Removes trailing legal-form tokens (gmbh, inc, ltd, s a, ...) from a
 * normalised name, in place, as long as one other token remains.
 * Returns the new length.
 */
size_t match_strip_legal(char *norm, size_t len);
/* The length match_strip_legal() would leave, without writing. */
size_t match_legal_core_len(const char *norm, size_t len);

/* ------------------------------------------------------------------ */
/* Customer names                                                      */
/* ------------------------------------------------------------------ */

enum customer_match {
	CUSTOMER_NONE = 0,
	CUSTOMER_CONTAINS,  /* a whole-token occurrence of a (non-flagged) name */
	CUSTOMER_EXACT,     /* the whole value is a name */
};

/*
 * A set of customer names, held only in normalised form (legal forms
 * stripped). Entries that are short (< 4 characters) or a single common
 * word ("apple", "target") are flagged: they match whole values only.
 * Duplicates after normalisation are counted once; entries that normalise
 * to nothing are dropped.
 * Matching: values up to 256 normalised bytes are matched by token-window
 * hashes (exact whole value, then every window of up to the longest name's
 * token count); longer values and free text use one Vectorscan scan of the
 * literal database (hs_compile_lit_multi) with a token-boundary check.
 * Lifecycle: customer_set_new(), _add / _load_file / _load_common_words, then
 * customer_set_build() (compiles the Vectorscan database) before matching;
 * adding after build is an error. customer_set_free() wipes the names.
 */
struct customer_set *customer_set_new(void);
void customer_set_free(struct customer_set *cs);
/* Adds one name (copied, normalised). */
void customer_set_add(struct customer_set *cs, const char *name, size_t len);
/*
 * Adds every non-empty line of a file (UTF-8; '#' lines are comments).
 * Returns 0 or -1 with MB_ERR_IO/MB_ERR_INPUT naming the file (and line
 * for invalid UTF-8) but never a name.
 */
int customer_set_load_file(struct customer_set *cs, const char *path,
			   struct mb_err *err);
/*
 * Loads the common-word list used for flagging (one word a line) from
 * path; optional: a small built-in list is always used. Call before build.
 */
int customer_set_load_common_words(struct customer_set *cs, const char *path,
				   struct mb_err *err);
/* Builds the matcher. Returns 0 or -1 with MB_ERR_INTERNAL. */
int customer_set_build(struct customer_set *cs, struct mb_err *err);
size_t customer_set_count(const struct customer_set *cs);
size_t customer_set_flagged_count(const struct customer_set *cs);
/*
 * Classifies one whole value: exact (normalised, legal forms stripped)
 * beats containment on token boundaries. Thread-safe with a per-thread
 * scratch (may be NULL: a temporary one is used).
 */
enum customer_match customer_set_match(const struct customer_set *cs,
				       struct match_scratch *scratch,
				       const char *value, size_t len);
/*
 * Calls cb for every whole-token occurrence of a non-flagged name in
 * text, with byte offsets into text (not the normalised form). Returns
 * what match_find_spans documents.
 */
int customer_set_find(const struct customer_set *cs, struct match_scratch *scratch,
		      const char *text, size_t len,
		      int (*cb)(void *ctx, size_t start, size_t len), void *ctx);

#endif

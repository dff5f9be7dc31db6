/*
 * match.c - the category catalog (share/categories/ *.cat), whole-value
 * classification and the free-text span finder.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/match.h"
#include "core/match_int.h"

#define MATCH_MAX_VALUE 4096
/* Texts shorter than this skip the prefilter pass (measured break-even). */
#define MATCH_PF_MIN_TEXT 128

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void category_release(struct match_category *c)
{
	free(c->name);
	free(c->description);
	free(c->action);
	free(c->params);
	for (size_t i = 0; i < c->nkeywords; i++)
		free_strv(c->keywords[i].tokens, c->keywords[i].ntokens);
	free(c->keywords);
	free_strv(c->fused, c->nfused);
	free_strv(c->exclude, c->nexclude);
	free_strv(c->context, c->ncontext);
}

void match_catalog_free(struct match_catalog *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->ncats; i++)
		category_release(&cat->cats[i]);
	free(cat->cats);
	for (size_t i = 0; i < cat->npats; i++) {
		free(cat->pats[i].name);
		pcre2_code_free(cat->pats[i].anchored);
		pcre2_code_free(cat->pats[i].unanchored);
		free(cat->pats[i].regex);
	}
	match_prefilter_free(cat);
	free(cat->pats);
	free(cat->cat_first);
	free(cat->by_first);
	free(cat->share_dir);
	free(cat);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

/* Lower-case, every non-alphanumeric run to one '_'. */
static char *norm_ident(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	bool sep = false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c)) {
			if (sep && sb.len)
				strbuf_addch(&sb, '_');
			sep = false;
			strbuf_addch(&sb, tolower(c));
		} else {
			sep = true;
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* Splits a comma list; each item is normalised with norm_ident. */
static void add_list(char ***v, size_t *n, const char *text)
{
	size_t alloc = *n;
	char *copy = xstrdup(text), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *item = norm_ident(tok);
		if (!*item) {
			free(item);
			continue;
		}
		ALLOC_GROW(*v, *n + 1, alloc);
		(*v)[(*n)++] = item;
	}
	free(copy);
}

static void add_keywords(struct match_category *c, const char *text, bool needs_context)
{
	char **items = NULL;
	size_t n = 0, alloc = c->nkeywords;
	add_list(&items, &n, text);
	for (size_t i = 0; i < n; i++) {
		struct match_keyword kw = { NULL, 0, needs_context };
		size_t ka = 0;
		char *save = NULL;
		for (char *t = strtok_r(items[i], "_", &save); t; t = strtok_r(NULL, "_", &save)) {
			ALLOC_GROW(kw.tokens, kw.ntokens + 1, ka);
			kw.tokens[kw.ntokens++] = xstrdup(t);
		}
		ALLOC_GROW(c->keywords, c->nkeywords + 1, alloc);
		c->keywords[c->nkeywords++] = kw;
	}
	free_strv(items, n);
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_double(const char *v, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

static pcre2_code *compile_one(const char *pattern, struct mb_err *err,
			       const char *file, int line)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_NO_UTF_CHECK, &ec, &eo, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		mb_err_set(err, MB_ERR_INPUT, "%s:%d: pattern does not compile at offset %zu: %s",
			   file, line, (size_t)eo, (const char *)msg);
		return NULL;
	}
	/*
	 * JIT is an optimisation: without it pcre2_match interprets, with the
	 * same results. MASKBENCH_NO_JIT turns it off for memory checkers,
	 * which cannot see through JIT-generated code.
	 */
	const char *no_jit = getenv("MASKBENCH_NO_JIT");
	if (!no_jit || !*no_jit)
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* Pattern options: "validator=luhn weak notext need=@ min=5 max=40". */
static int parse_pattern_line(struct match_catalog *cat, int category,
			      const char *text, const char *file, int line,
			      struct mb_err *err)
{
	char *copy = xstrdup(text), *save = NULL;
	struct match_pattern p = { 0 };
	int ret = -1;

	p.category = category;
	p.in_text = true;
	p.max_len = MATCH_MAX_VALUE;
	for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!p.name) {
			p.name = xstrdup(tok);
		} else if (!strcmp(tok, "weak")) {
			p.weak = true;
			p.in_text = false;
		} else if (!strcmp(tok, "notext")) {
			p.in_text = false;
		} else if (!strncmp(tok, "validator=", 10)) {
			p.validator = match_find_validator(tok + 10);
			if (!p.validator) {
				mb_err_set(err, MB_ERR_INPUT, "%s:%d: unknown validator '%s'",
					   file, line, tok + 10);
				goto cleanup;
			}
		} else if (!strncmp(tok, "need=", 5) && tok[5] && !tok[6]) {
			p.need_char = tok[5];
		} else if (!strncmp(tok, "min=", 4)) {
			p.min_len = (size_t)strtoul(tok + 4, NULL, 10);
		} else if (!strncmp(tok, "max=", 4)) {
			p.max_len = (size_t)strtoul(tok + 4, NULL, 10);
		} else {
			mb_err_set(err, MB_ERR_INPUT, "%s:%d: unknown pattern option '%s'",
				   file, line, tok);
			goto cleanup;
		}
	}
	if (!p.name) {
		mb_err_set(err, MB_ERR_INPUT, "%s:%d: pattern needs a name", file, line);
		goto cleanup;
	}
	ALLOC_GROW(cat->pats, cat->npats + 1, cat->pats_alloc);
	cat->pats[cat->npats++] = p;
	p.name = NULL;
	ret = 0;
cleanup:
	free(p.name);
	free(copy);
	return ret;
}

static int set_regex(struct match_pattern *p, const char *regex, const char *file,
		     int line, struct mb_err *err)
{
	if (p->anchored) {
		return mb_err_set(err, MB_ERR_INPUT, "%s:%d: pattern %s has two regex lines",
				  file, line, p->name);
	}
	p->regex = xstrdup(regex);
	char *a = xasprintf("\\A(?:%s)\\z", regex);
	p->anchored = compile_one(a, err, file, line);
	free(a);
	if (!p->anchored)
		return -1;
	size_t jitsize = 0;
	p->jit = !pcre2_pattern_info(p->anchored, PCRE2_INFO_JITSIZE, &jitsize) && jitsize > 0;
	/* Cheap rejections before running the pattern: length and first byte. */
	uint32_t minlen = 0, type = 0, unit = 0;
	const uint8_t *bitmap = NULL;
	if (!pcre2_pattern_info(p->anchored, PCRE2_INFO_MINLENGTH, &minlen) &&
	    minlen > p->min_len)
		p->min_len = minlen;
	if (!pcre2_pattern_info(p->anchored, PCRE2_INFO_FIRSTCODETYPE, &type) && type == 1 &&
	    !pcre2_pattern_info(p->anchored, PCRE2_INFO_FIRSTCODEUNIT, &unit)) {
		memset(p->first, 0, sizeof(p->first));
		p->first[unit >> 3] |= (uint8_t)(1u << (unit & 7));
		/* A caseless first unit (?i) may start either way. */
		if (unit < 128 && isalpha((int)unit)) {
			unsigned o = (unsigned)(islower((int)unit) ? toupper((int)unit) : tolower((int)unit));
			p->first[o >> 3] |= (uint8_t)(1u << (o & 7));
		}
		p->has_first = true;
	} else if (!pcre2_pattern_info(p->anchored, PCRE2_INFO_FIRSTBITMAP, &bitmap) && bitmap) {
		memcpy(p->first, bitmap, sizeof(p->first));
		p->has_first = true;
	}
	p->need_lead = match_need_lead(regex, p->need_char);
	if (p->in_text) {
		char *u = xasprintf("(?<![A-Za-z0-9_])(?:%s)(?![A-Za-z0-9_])", regex);
		p->unanchored = compile_one(u, err, file, line);
		free(u);
		if (!p->unanchored)
			return -1;
	}
	return 0;
}

static int load_file(struct match_catalog *cat, const char *path, struct mb_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, ret = -1;
	struct match_category *c;
	size_t first_pat = cat->npats;

	if (!f)
		return mb_err_set(err, MB_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	if (cat->ncats == MATCH_MAX_CATEGORIES) {
		mb_err_set(err, MB_ERR_INPUT, "%s: more than %d categories", path,
			   MATCH_MAX_CATEGORIES);
		goto cleanup;
	}
	ALLOC_GROW(cat->cats, cat->ncats + 1, cat->cats_alloc);
	c = &cat->cats[cat->ncats++];
	memset(c, 0, sizeof(*c));
	c->name_weight = 0.8;
	c->value_cap = 1.0;
	c->report = true;
	c->priority = 10;

	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *colon = strchr(s, ':');
		if (!colon) {
			mb_err_set(err, MB_ERR_INPUT, "%s:%d: expected 'key: value'", path, lineno);
			goto cleanup;
		}
		*colon = 0;
		char *key = trim(s), *val = trim(colon + 1);
		int bad = 0;
		if (!strcmp(key, "name")) {
			free(c->name);
			c->name = xstrdup(val);
		} else if (!strcmp(key, "description")) {
			free(c->description);
			c->description = xstrdup(val);
		} else if (!strcmp(key, "action")) {
			free(c->action);
			c->action = xstrdup(val);
		} else if (!strcmp(key, "params")) {
			free(c->params);
			c->params = xstrdup(val);
		} else if (!strcmp(key, "name_weight")) {
			bad = parse_double(val, 0, 1, &c->name_weight);
		} else if (!strcmp(key, "value_cap")) {
			bad = parse_double(val, 0, 1, &c->value_cap);
		} else if (!strcmp(key, "priority")) {
			double d = 0;
			bad = parse_double(val, 0, 100, &d);
			c->priority = (int)d;
		} else if (!strcmp(key, "need_name")) {
			bad = parse_bool(val, &c->need_name);
		} else if (!strcmp(key, "low_cardinality")) {
			bad = parse_bool(val, &c->low_cardinality);
		} else if (!strcmp(key, "free_text")) {
			bad = parse_bool(val, &c->free_text);
		} else if (!strcmp(key, "secret")) {
			bad = parse_bool(val, &c->secret);
		} else if (!strcmp(key, "report")) {
			bad = parse_bool(val, &c->report);
		} else if (!strcmp(key, "keywords")) {
			add_keywords(c, val, false);
		} else if (!strcmp(key, "context_keywords")) {
			add_keywords(c, val, true);
		} else if (!strcmp(key, "fused")) {
			add_list(&c->fused, &c->nfused, val);
		} else if (!strcmp(key, "exclude")) {
			add_list(&c->exclude, &c->nexclude, val);
		} else if (!strcmp(key, "context")) {
			add_list(&c->context, &c->ncontext, val);
		} else if (!strcmp(key, "pattern")) {
			if (parse_pattern_line(cat, (int)(cat->ncats - 1), val, path, lineno, err))
				goto cleanup;
		} else if (!strcmp(key, "regex")) {
			if (cat->npats == first_pat) {
				mb_err_set(err, MB_ERR_INPUT, "%s:%d: 'regex' before any 'pattern'",
					   path, lineno);
				goto cleanup;
			}
			if (set_regex(&cat->pats[cat->npats - 1], val, path, lineno, err))
				goto cleanup;
		} else {
			mb_err_set(err, MB_ERR_INPUT, "%s:%d: unknown key '%s'", path, lineno, key);
			goto cleanup;
		}
		if (bad) {
			mb_err_set(err, MB_ERR_INPUT, "%s:%d: bad value for '%s'", path, lineno, key);
			goto cleanup;
		}
	}
	if (!c->name || !*c->name) {
		mb_err_set(err, MB_ERR_INPUT, "%s: no 'name'", path);
		goto cleanup;
	}
	if (!c->action)
		c->action = xstrdup("keep");
	if (!c->params)
		c->params = xstrdup("{}");
	if (!c->description)
		c->description = xstrdup(c->name);
	for (size_t i = first_pat; i < cat->npats; i++)
		if (!cat->pats[i].anchored) {
			mb_err_set(err, MB_ERR_INPUT, "%s: pattern %s has no 'regex' line",
				   path, cat->pats[i].name);
			goto cleanup;
		}
	c->npatterns = cat->npats - first_pat;
	ret = 0;
cleanup:
	free(line);
	fclose(f);
	return ret;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *resolve_share(const char *arg)
{
	if (arg)
		return xstrdup(arg);
	const char *env = getenv("MASKBENCH_SHARE");
	if (env && *env)
		return xstrdup(env);
	char *cand = xasprintf("%s/categories", MB_SRCSHAREDIR);
	bool ok = is_dir(cand);
	free(cand);
	return xstrdup(ok ? MB_SRCSHAREDIR : MB_PKGDATADIR);
}

static int cmp_pattern(const void *a, const void *b)
{
	const struct match_pattern *x = a, *y = b;
	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	if (x->category != y->category)
		return x->category < y->category ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct match_catalog *match_catalog_load(const char *share_dir, struct mb_err *err)
{
	struct match_catalog *cat = xcalloc(1, sizeof(*cat));
	char *dir = NULL;
	char **files = NULL;
	size_t nfiles = 0, files_alloc = 0;
	DIR *d = NULL;

	cat->share_dir = resolve_share(share_dir);
	dir = xasprintf("%s/categories", cat->share_dir);
	d = opendir(dir);
	if (!d) {
		mb_err_set(err, MB_ERR_IO, "cannot read category folder %s: %s", dir,
			   strerror(errno));
		goto fail;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || !str_ends_with(e->d_name, ".cat"))
			continue;
		ALLOC_GROW(files, nfiles + 1, files_alloc);
		files[nfiles++] = xasprintf("%s/%s", dir, e->d_name);
	}
	if (!nfiles) {
		mb_err_set(err, MB_ERR_INPUT, "no category files (*.cat) in %s", dir);
		goto fail;
	}
	qsort(files, nfiles, sizeof(*files), cmp_str);
	for (size_t i = 0; i < nfiles; i++)
		if (load_file(cat, files[i], err))
			goto fail;
	for (size_t i = 0; i < cat->ncats; i++) {
		cat->cats[i].id = (int)i;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cat->cats[i].name, cat->cats[j].name)) {
				mb_err_set(err, MB_ERR_INPUT, "%s: category '%s' defined twice",
					   dir, cat->cats[i].name);
				goto fail;
			}
	}
	/* Highest priority first, so a claimed value skips what would lose. */
	for (size_t i = 0; i < cat->npats; i++) {
		cat->pats[i].priority = cat->cats[cat->pats[i].category].priority;
		cat->pats[i].order = i;
	}
	if (cat->npats > 1)
		qsort(cat->pats, cat->npats, sizeof(*cat->pats), cmp_pattern);
	cat->cat_first = xcalloc(cat->ncats + 1, sizeof(size_t));
	for (size_t i = cat->npats; i-- > 0;)
		cat->cat_first[cat->pats[i].category] = i;
	match_prefilter_build(cat);
	/* by_first[b]: the patterns a value starting with byte b can match */
	cat->by_first = xcalloc(256 * cat->pf_words, sizeof(uint64_t));
	for (size_t b = 0; b < 256; b++)
		for (size_t i = 0; i < cat->npats; i++) {
			const struct match_pattern *p = &cat->pats[i];
			if (!p->has_first || (p->first[b >> 3] >> (b & 7) & 1))
				cat->by_first[b * cat->pf_words + (i >> 6)] |= 1ull << (i & 63);
		}
	closedir(d);
	free_strv(files, nfiles);
	free(dir);
	return cat;
fail:
	if (d)
		closedir(d);
	free_strv(files, nfiles);
	free(dir);
	match_catalog_free(cat);
	return NULL;
}

size_t match_catalog_count(const struct match_catalog *cat)
{
	return cat->ncats;
}

const struct match_category *match_catalog_get(const struct match_catalog *cat, size_t i)
{
	return i < cat->ncats ? &cat->cats[i] : NULL;
}

const struct match_category *match_catalog_find(const struct match_catalog *cat,
						 const char *name)
{
	for (size_t i = 0; i < cat->ncats; i++)
		if (!strcmp(cat->cats[i].name, name))
			return &cat->cats[i];
	return NULL;
}

const char *match_catalog_share_dir(const struct match_catalog *cat)
{
	return cat->share_dir;
}

const char *match_pattern_name(const struct match_catalog *cat, int category, size_t j)
{
	if (category < 0 || (size_t)category >= cat->ncats)
		return NULL;
	if (j >= cat->cats[category].npatterns)
		return NULL;
	return cat->pats[cat->cat_first[category] + j].name;
}

/* ------------------------------------------------------------------ */
/* Scratch                                                             */
/* ------------------------------------------------------------------ */

struct match_scratch *match_scratch_new(const struct match_catalog *cat)
{
	struct match_scratch *s = xcalloc(1, sizeof(*s));
	s->md = pcre2_match_data_create(32, NULL);
	s->mctx = pcre2_match_context_create(NULL);
	if (!s->md || !s->mctx) {
		fprintf(stderr, "maskbench: out of memory (pcre2)\n");
		abort();
	}
	pcre2_set_match_limit(s->mctx, 100000);
	pcre2_set_depth_limit(s->mctx, 1000);
	s->jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (s->jit)
		pcre2_jit_stack_assign(s->mctx, NULL, s->jit);
	strbuf_init(&s->norm, 0);
	strbuf_init(&s->norm2, 0);
	(void)cat;
	return s;
}

void match_scratch_free(struct match_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	if (s->jit)
		pcre2_jit_stack_free(s->jit);
	if (s->hs)
		hs_free_scratch(s->hs);
	if (s->pf)
		hs_free_scratch(s->pf);
	free(s->cand);
	free(s->spans);
	strbuf_release(&s->norm);
	strbuf_release(&s->norm2);
	free(s->toks);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Whole values                                                        */
/* ------------------------------------------------------------------ */

static bool prefilter(const struct match_pattern *p, const char *v, size_t len)
{
	if (len < p->min_len || len > p->max_len)
		return false;
	unsigned char c0 = (unsigned char)v[0];
	if (p->has_first && !(p->first[c0 >> 3] >> (c0 & 7) & 1))
		return false;
	return !p->need_char || memchr(v, p->need_char, len) != NULL;
}

bool match_utf8_valid(const char *s, size_t len)
{
	size_t i = 0;
	while (i + 8 <= len) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			break;
		i += 8;
	}
	while (i < len && !((unsigned char)s[i] & 0x80))
		i++;
	/* from the first non-ASCII byte on (never inside a character) */
	return i == len || utf8_valid(s + i, len - i);
}

int match_classify_value(const struct match_catalog *cat, struct match_scratch *scratch,
			 const char *value, size_t len, struct match_result *out,
			 struct mb_err *err)
{
	memset(out, 0, offsetof(struct match_result, pattern));
	memset(out->pattern, -1, sizeof(out->pattern));
	while (len && isspace((unsigned char)*value)) {
		value++;
		len--;
	}
	while (len && isspace((unsigned char)value[len - 1]))
		len--;
	if (!len || len > MATCH_MAX_VALUE || !match_utf8_valid(value, len))
		return 0;

	/* Values with a space run the letter-led patterns (streets, legal
	 * forms) that backtrack: one prefilter pass is cheaper there; short
	 * structured values are rejected faster by prefilter() below. */
	const uint64_t *cand = memchr(value, ' ', len) ?
		match_prefilter_run(cat, scratch, MATCH_PF_ANCHORED, value, len) : NULL;
	/* Only the patterns that can start with the value's first byte and
	 * that the prefilter left, in pattern order (bit order). */
	const uint64_t *fb = cat->by_first + (size_t)(unsigned char)value[0] * cat->pf_words;
	int claimed = -1;
	for (size_t w = 0; w < cat->pf_words; w++)
	for (uint64_t bits = fb[w] & (cand ? cand[w] : ~0ull); bits; bits &= bits - 1) {
		size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
		const struct match_pattern *p = &cat->pats[i];
		uint64_t bit = 1ull << p->category;
		if (p->priority < claimed)
			goto claim_done;  /* sorted: everything after loses to the claim */
		if ((out->valid & bit) && !(out->weak & bit))
			continue;
		if (!prefilter(p, value, len))
			continue;
		int rc = p->jit ? pcre2_jit_match(p->anchored, (PCRE2_SPTR)value, len, 0, 0,
						  scratch->md, scratch->mctx)
				: pcre2_match(p->anchored, (PCRE2_SPTR)value, len, 0,
					      PCRE2_NO_UTF_CHECK, scratch->md, scratch->mctx);
		if (rc < 0) {
			if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_MATCHLIMIT ||
			    rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
				continue;
			return mb_err_set(err, MB_ERR_INTERNAL, "pattern %s failed (%d)",
					  p->name, rc);
		}
		out->shape |= bit;
		if (p->validator && !p->validator->fn(value, len))
			continue;
		if (p->weak) {
			if (out->valid & bit)
				continue;  /* a weak hit never replaces a strong one */
			out->weak |= bit;
		} else {
			out->weak &= ~bit;
			if (p->priority > claimed)
				claimed = p->priority;
		}
		out->valid |= bit;
		out->pattern[p->category] = (int8_t)(i - cat->cat_first[p->category]);
	}
claim_done:;  /* a label before a declaration is C23 */
	/* The strongest validated category claims the value (uuid over phone). */
	int claim = -1;
	for (size_t c = 0; c < cat->ncats; c++)
		if ((out->valid & ~out->weak) >> c & 1)
			if (cat->cats[c].priority > claim)
				claim = cat->cats[c].priority;
	if (claim >= 0)
		for (size_t c = 0; c < cat->ncats; c++)
			if (cat->cats[c].priority < claim) {
				uint64_t bit = 1ull << c;
				out->valid &= ~bit;
				out->weak &= ~bit;
				out->shape &= ~bit;
				out->pattern[c] = -1;
			}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Spans                                                               */
/* ------------------------------------------------------------------ */

/*
 * Spans are collected in the scratch (no allocation per call once grown),
 * sorted by start, longer first, then discovery order (pattern order, then
 * customer hits), and overlaps are dropped.
 */
struct span_item {
	struct match_span s;
	size_t seq;
};

struct span_list {
	struct span_item *v;
	size_t n, alloc;
};

static void span_push(struct span_list *l, size_t start, size_t len,
		      const char *category, const char *pattern)
{
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n] = (struct span_item){ { start, len, category, pattern }, l->n };
	l->n++;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span_item *x = a, *y = b;
	if (x->s.start != y->s.start)
		return x->s.start < y->s.start ? -1 : 1;
	if (x->s.len != y->s.len)
		return x->s.len > y->s.len ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct cust_ctx {
	struct span_list *l;
};

static int cust_cb(void *ctx, size_t start, size_t len)
{
	struct cust_ctx *c = ctx;
	span_push(c->l, start, len, "company_name", "customer");
	return 0;
}

int match_find_spans_s(const struct match_catalog *cat, struct match_scratch *scratch,
		       const struct customer_set *cs, const char *text, size_t len,
		       int (*cb)(void *ctx, const struct match_span *), void *ctx)
{
	struct span_list l = { scratch->spans, 0, scratch->spans_alloc };
	int ret = 0;

	if (!match_utf8_valid(text, len))
		return -1;
	/* Short texts: PCRE2's own start-of-match screening beats a pass. */
	const uint64_t *cand = len >= MATCH_PF_MIN_TEXT ?
		match_prefilter_run(cat, scratch, MATCH_PF_TEXT, text, len) : NULL;
	for (size_t i = 0; i < cat->npats; i++) {
		const struct match_pattern *p = &cat->pats[i];
		if (!p->unanchored || !cat->cats[p->category].report || !match_cand(cand, i))
			continue;
		if (p->need_char && !memchr(text, p->need_char, len))
			continue;
		size_t off = 0;
		while (off < len) {
			if (p->need_lead != SIZE_MAX) {
				/* No match starts more than need_lead before the next
				 * need_char: skip there (on a character boundary). */
				const char *c = memchr(text + off, p->need_char, len - off);
				if (!c)
					break;
				size_t from = (size_t)(c - text);
				from = from > p->need_lead ? from - p->need_lead : 0;
				while (from > off && ((unsigned char)text[from] & 0xc0) == 0x80)
					from--;
				if (from > off)
					off = from;
			}
			int rc = pcre2_match(p->unanchored, (PCRE2_SPTR)text, len, off,
					     PCRE2_NO_UTF_CHECK, scratch->md, scratch->mctx);
			if (rc < 0)
				break;
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(scratch->md);
			size_t s = ov[0], e = ov[1];
			if (e - s >= p->min_len && e - s <= p->max_len &&
			    (!p->validator || p->validator->fn(text + s, e - s)))
				span_push(&l, s, e - s, cat->cats[p->category].name, p->name);
			off = e > s ? e : s + 1;
			/* Continue on a character boundary. */
			while (off < len && ((unsigned char)text[off] & 0xc0) == 0x80)
				off++;
			/* A later match holds need_char too: none left, no match. */
			if (p->need_char && off < len && !memchr(text + off, p->need_char, len - off))
				break;
		}
	}
	if (cs) {
		struct cust_ctx cc = { &l };
		customer_set_find(cs, scratch, text, len, cust_cb, &cc);
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp_span);
	size_t end = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (i && l.v[i].s.start < end)
			continue;
		end = l.v[i].s.start + l.v[i].s.len;
		ret = cb(ctx, &l.v[i].s);
		if (ret)
			break;
	}
	scratch->spans = l.v;
	scratch->spans_alloc = l.alloc;
	return ret;
}

int match_find_spans(const struct match_catalog *cat, const struct customer_set *cs,
		     const char *text, size_t len,
		     int (*cb)(void *ctx, const struct match_span *), void *ctx)
{
	struct match_scratch *s = match_scratch_new(cat);
	int ret = match_find_spans_s(cat, s, cs, text, len, cb, ctx);
	match_scratch_free(s);
	return ret;
}

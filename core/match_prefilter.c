/*
 * match_prefilter.c - one Vectorscan pass that tells which category
 * patterns can match a value (anchored) or somewhere in a text, so PCRE2
 * runs only for those.
 *
 * Every pattern is compiled with HS_FLAG_PREFILTER: Vectorscan matches a
 * language that contains the pattern's (constructs it lacks, such as
 * back-references and look-arounds, are widened), so a pattern it does not
 * report cannot match and skipping it changes no result. The text form
 * spells the PCRE2 look-behind/look-ahead word boundaries as consumed
 * characters, which is equivalent for deciding "is there a match at all".
 * Patterns Vectorscan refuses stay "always" candidates.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/match.h"
#include "core/match_int.h"

/* No HS_FLAG_UCP: the PCRE2 patterns are compiled without PCRE2_UCP either. */
#define PF_FLAGS (HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8 | \
		  HS_FLAG_ALLOWEMPTY)

static bool pf_wanted(const struct match_catalog *cat, const struct match_pattern *p,
		      int which)
{
	if (which == MATCH_PF_ANCHORED)
		return true;
	return p->unanchored && cat->cats[p->category].report;
}

/* Repeat bounds above this become open-ended in the prefilter. */
#define PF_MAX_BOUND 16
#define PF_LETTERS "A-Za-z\\x{80}-\\x{10FFFF}"
#define PF_ANY "\\x{0}-\\x{10FFFF}"

static bool parse_uint(const char **sp, unsigned long *out)
{
	const char *s = *sp;
	if (*s < '0' || *s > '9')
		return false;
	*out = 0;
	while (*s >= '0' && *s <= '9') {
		if (*out < 100000)
			*out = *out * 10 + (unsigned long)(*s - '0');
		s++;
	}
	*sp = s;
	return true;
}

/*
 * Rewrites a PCRE2 pattern into a wider one that is much cheaper for
 * Vectorscan to compile: Unicode properties become "letters or any
 * non-ASCII" (\p{L}) or "any character", and large repeat bounds become
 * open-ended ({2,64} -> {2,}, {53} -> {16,}). Every string the original
 * matches, the result matches. Returns false (out unusable) for syntax it
 * does not follow (\Q..\E); the caller then uses the pattern as it is.
 */
static bool pf_widen(const char *re, struct strbuf *out)
{
	bool in_class = false, negated = false;
	const char *s = re;

	while (*s) {
		if (*s == '\\') {
			char e = s[1];
			if (!e || e == 'Q' || e == 'E')
				return false;
			if (e == 'p' || e == 'P') {
				const char *name = s + 2, *end = name + 1;
				if (*name == '{') {
					end = strchr(name, '}');
					if (!end)
						return false;
					end++;
				} else if (!*name) {
					return false;
				}
				if (in_class && negated)
					return false;  /* widening inside [^...] would narrow */
				bool letters = e == 'p' && (!strncmp(name, "{L}", 3) || *name == 'L');
				const char *body = letters ? PF_LETTERS : PF_ANY;
				if (in_class)
					strbuf_addstr(out, body);
				else
					strbuf_addf(out, "[%s]", body);
				s = end;
				continue;
			}
			if ((e == 'x' || e == 'o' || e == 'N' || e == 'g' || e == 'k') && s[2] == '{') {
				const char *end = strchr(s + 2, '}');
				if (!end)
					return false;
				strbuf_add(out, s, (size_t)(end + 1 - s));
				s = end + 1;
				continue;
			}
			strbuf_add(out, s, 2);
			s += 2;
			continue;
		}
		if (in_class) {
			if (*s == '[' && s[1] == ':') {
				const char *end = strstr(s + 2, ":]");
				if (!end)
					return false;
				strbuf_add(out, s, (size_t)(end + 2 - s));
				s = end + 2;
				continue;
			}
			if (*s == ']')
				in_class = false;
			strbuf_addch(out, *s++);
			continue;
		}
		if (*s == '[') {
			in_class = true;
			negated = s[1] == '^';
			strbuf_addch(out, *s++);
			if (*s == '^')
				strbuf_addch(out, *s++);
			if (*s == ']')
				strbuf_addch(out, *s++);
			continue;
		}
		if (*s == '{') {
			const char *t = s + 1;
			unsigned long lo, hi = 0;
			bool open = false, has_hi = false;
			if (parse_uint(&t, &lo)) {
				if (*t == ',') {
					t++;
					has_hi = parse_uint(&t, &hi);
					open = !has_hi;
				} else {
					hi = lo;
					has_hi = true;
				}
				if (*t == '}') {
					t++;
					if ((has_hi && hi > PF_MAX_BOUND) || (open && lo > PF_MAX_BOUND))
						strbuf_addf(out, "{%lu,}", lo < PF_MAX_BOUND ? lo : PF_MAX_BOUND);
					else
						strbuf_add(out, s, (size_t)(t - s));
					s = t;
					continue;
				}
			}
		}
		strbuf_addch(out, *s++);
	}
	return !in_class;
}

static char *pf_expression(const struct match_pattern *p, int which)
{
	struct strbuf w = STRBUF_INIT;
	const char *re = p->regex;
	char *ret;

	if (pf_widen(p->regex, &w))
		re = w.buf;
	if (which == MATCH_PF_ANCHORED)
		ret = xasprintf("^(?:%s)$", re);
	else
		ret = xasprintf("(?:^|[^A-Za-z0-9_])(?:%s)(?:[^A-Za-z0-9_]|$)", re);
	strbuf_release(&w);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Database cache                                                      */
/* ------------------------------------------------------------------ */

/*
 * Compiling the databases costs about a second of CPU, so they are built
 * on first use and kept in $MASKBENCH_CACHE, else $XDG_CACHE_HOME/maskbench,
 * else ~/.cache/maskbench, as pf-KEY.hs, where KEY hashes the Vectorscan
 * version and every expression with its id (patterns only: no data ever
 * reaches these files). A file that is missing, unreadable or made for
 * another platform is ignored and rebuilt; writes go to a temporary file
 * renamed into place. MASKBENCH_CACHE=off disables the cache.
 */
static uint64_t fnv_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static uint64_t pf_key(char **ex, const unsigned *ids, size_t n, int which)
{
	uint64_t h = 1469598103934665603ull;
	const char *v = hs_version();
	unsigned fl = PF_FLAGS;
	h = fnv_add(h, v, strlen(v) + 1);
	h = fnv_add(h, &which, sizeof(which));
	h = fnv_add(h, &fl, sizeof(fl));
	for (size_t k = 0; k < n; k++) {
		h = fnv_add(h, ex[k], strlen(ex[k]) + 1);
		h = fnv_add(h, &ids[k], sizeof(ids[k]));
	}
	return h;
}

static char *pf_cache_path(uint64_t key)
{
	const char *dir = getenv("MASKBENCH_CACHE"), *xdg = getenv("XDG_CACHE_HOME"),
		   *home = getenv("HOME");
	char *base;

	if (dir && !strcmp(dir, "off"))
		return NULL;
	if (dir && *dir)
		base = xstrdup(dir);
	else if (xdg && *xdg == '/')
		base = xasprintf("%s/maskbench", xdg);
	else if (home && *home == '/')
		base = xasprintf("%s/.cache/maskbench", home);
	else
		return NULL;
	char *path = xasprintf("%s/pf-%016llx.hs", base, (unsigned long long)key);
	free(base);
	return path;
}

static bool pf_cache_load(uint64_t key, hs_database_t **db)
{
	char *path = pf_cache_path(key), *buf = NULL;
	bool ok = false;
	FILE *f = path ? fopen(path, "rb") : NULL;
	struct stat st;

	if (!f || fstat(fileno(f), &st) || st.st_size <= 0 || st.st_size > (64 << 20))
		goto cleanup;
	buf = xmalloc((size_t)st.st_size);
	if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		goto cleanup;
	ok = hs_deserialize_database(buf, (size_t)st.st_size, db) == HS_SUCCESS;
	if (!ok)
		*db = NULL;
cleanup:
	if (f)
		fclose(f);
	free(buf);
	free(path);
	return ok;
}

static int mkdir_p(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		int r = mkdir(path, 0700);
		*p = '/';
		if (r && errno != EEXIST)
			return -1;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void pf_cache_store(uint64_t key, const hs_database_t *db)
{
	char *path = pf_cache_path(key), *tmp = NULL, *bytes = NULL;
	size_t len = 0;
	int fd;

	if (!path || mkdir_p(path))
		goto cleanup;
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		goto cleanup;
	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto cleanup;
	bool ok = write_all(fd, bytes, len) == 0;
	if (close(fd) || !ok || rename(tmp, path))
		unlink(tmp);
cleanup:
	free(bytes);  /* hs_serialize_database uses the default (malloc) allocator */
	free(tmp);
	free(path);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */
/* ------------------------------------------------------------------ */

static void pf_build_one(struct match_catalog *cat, int which)
{
	struct match_prefilter *pf = &cat->pf[which];
	size_t n = 0;
	char **ex = xcalloc(cat->npats + 1, sizeof(*ex));
	unsigned *ids = xcalloc(cat->npats + 1, sizeof(*ids));
	unsigned *flags = xcalloc(cat->npats + 1, sizeof(*flags));
	bool bad_any = false;

	for (size_t i = 0; i < cat->npats; i++) {
		const struct match_pattern *p = &cat->pats[i];
		if (!pf_wanted(cat, p, which))
			continue;
		if (!p->regex) {
			pf->always[i >> 6] |= 1ull << (i & 63);
			continue;
		}
		ex[n] = pf_expression(p, which);
		ids[n] = (unsigned)i;
		flags[n] = PF_FLAGS;
		n++;
	}
	uint64_t key = pf_key(ex, ids, n, which);
	if (n && pf_cache_load(key, &pf->db))
		goto done;
	/* Drop what Vectorscan cannot compile (it names the expression) and retry. */
	while (n) {
		hs_compile_error_t *ce = NULL;
		if (hs_compile_multi((const char *const *)ex, flags, ids, (unsigned)n,
				     HS_MODE_BLOCK, NULL, &pf->db, &ce) == HS_SUCCESS)
			break;
		int bad = ce ? ce->expression : -1;
		hs_free_compile_error(ce);
		pf->db = NULL;
		bad_any = true;
		if (bad < 0 || (size_t)bad >= n) {
			/* Not one expression's fault: no prefilter, run everything. */
			for (size_t k = 0; k < n; k++) {
				pf->always[ids[k] >> 6] |= 1ull << (ids[k] & 63);
				free(ex[k]);
			}
			n = 0;
			break;
		}
		pf->always[ids[bad] >> 6] |= 1ull << (ids[bad] & 63);
		bad_any = true;
		free(ex[bad]);
		memmove(ex + bad, ex + bad + 1, (n - (size_t)bad - 1) * sizeof(*ex));
		memmove(ids + bad, ids + bad + 1, (n - (size_t)bad - 1) * sizeof(*ids));
		n--;
	}
	/* Only a database of every expression is cached (the key names them all). */
	if (pf->db && !bad_any)
		pf_cache_store(key, pf->db);
done:
	for (size_t k = 0; k < n; k++)
		free(ex[k]);
	free(ex);
	free(ids);
	free(flags);
}

void match_prefilter_build(struct match_catalog *cat)
{
	static uint64_t serials;

	cat->serial = __atomic_add_fetch(&serials, 1, __ATOMIC_RELAXED);
	cat->pf_words = (cat->npats + 63) / 64;
	if (!cat->pf_words)
		cat->pf_words = 1;
	for (int w = 0; w < 2; w++)
		cat->pf[w].always = xcalloc(cat->pf_words, sizeof(uint64_t));
	pthread_mutex_init(&cat->pf_lock, NULL);
	cat->pf_lock_init = true;
	cat->use_prefilter = true;
}

void match_prefilter_free(struct match_catalog *cat)
{
	if (cat->pf_lock_init)
		pthread_mutex_destroy(&cat->pf_lock);
	for (int w = 0; w < 2; w++) {
		if (cat->pf[w].db)
			hs_free_database(cat->pf[w].db);
		free(cat->pf[w].always);
		cat->pf[w].db = NULL;
		cat->pf[w].always = NULL;
	}
}

static int pf_on_match(unsigned int id, unsigned long long from ATTR_UNUSED,
		       unsigned long long to ATTR_UNUSED, unsigned int flags ATTR_UNUSED,
		       void *ctx)
{
	uint64_t *cand = ctx;
	cand[id >> 6] |= 1ull << (id & 63);
	return 0;
}

/* The scratch's Vectorscan scratch, sized for this catalog's databases. */
static hs_scratch_t *pf_scratch(const struct match_catalog *cat, struct match_scratch *s)
{
	if (s->pf_serial == cat->serial && s->pf_ready == (cat->pf[0].db ? 1 : 0) + (cat->pf[1].db ? 2 : 0))
		return s->pf;
	for (int w = 0; w < 2; w++)
		if (cat->pf[w].db && hs_alloc_scratch(cat->pf[w].db, &s->pf) != HS_SUCCESS)
			return NULL;
	s->pf_ready = (cat->pf[0].db ? 1 : 0) + (cat->pf[1].db ? 2 : 0);
	if (s->cand_words < cat->pf_words) {
		free(s->cand);
		s->cand = xcalloc(cat->pf_words, sizeof(uint64_t));
		s->cand_words = cat->pf_words;
	}
	s->pf_serial = cat->serial;
	return s->pf;
}

const uint64_t *match_prefilter_run(const struct match_catalog *cat,
				    struct match_scratch *scratch, int which,
				    const char *s, size_t len)
{
	const struct match_prefilter *pf = &cat->pf[which];

	if (!cat->use_prefilter || len > UINT32_MAX)
		return NULL;
	if (!__atomic_load_n(&pf->ready, __ATOMIC_ACQUIRE)) {
		/* First use: compile (or load) under the lock; the catalog stays
		 * logically immutable, this only fills in a cache. */
		struct match_catalog *mcat = (struct match_catalog *)cat;
		pthread_mutex_lock(&mcat->pf_lock);
		if (!pf->ready) {
			pf_build_one(mcat, which);
			__atomic_store_n(&mcat->pf[which].ready, true, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&mcat->pf_lock);
	}
	if (!pf->db)
		return NULL;
	hs_scratch_t *hs = pf_scratch(cat, scratch);
	if (!hs)
		return NULL;
	memcpy(scratch->cand, pf->always, cat->pf_words * sizeof(uint64_t));
	if (hs_scan(pf->db, s, (unsigned)len, 0, hs, pf_on_match, scratch->cand) != HS_SUCCESS)
		return NULL;
	return scratch->cand;
}

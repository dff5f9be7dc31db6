/*
 * scan.c - sampling per engine, per-column accumulation and scoring.
 *
 * One bounded query per table reads every candidate column at once
 * (research §3.3); a second plain LIMIT query only when a block sample of
 * a big table came back nearly empty. Values are truncated on the server,
 * analysed one row at a time and forgotten: only counts, pattern ids and
 * redacted shapes survive.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <utf8proc.h>

#include "core/mask.h"
#include "scanner/scanner.h"

#define SCAN_MAX_VALUE 4096       /* bytes read per value when sampling */
#define SCAN_MAX_VALUE_FULL 65536 /* bytes read per value with --full */
#define SCAN_DISTINCT_CAP 8192    /* distinct values remembered per column */
#define SCAN_SHAPES 3             /* redacted shapes kept per category */
#define SCAN_TEXT_MIN_LEN 24      /* shorter values are not free text */

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

double scan_wilson_lower(size_t k, size_t n)
{
	if (!n)
		return 0;
	const double z = 1.96;
	double p = (double)k / (double)n, nn = (double)n;
	double den = 1 + z * z / nn;
	double centre = p + z * z / (2 * nn);
	double margin = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
	double l = (centre - margin) / den;
	return l < 0 ? 0 : l;
}

void scan_shape(const char *v, size_t len, bool card, struct strbuf *out)
{
	const size_t cap = 32;
	size_t emitted = 0;

	if (card) {
		char d[24];
		size_t n = 0;
		for (size_t i = 0; i < len && n < sizeof(d); i++)
			if (isdigit((unsigned char)v[i]))
				d[n++] = v[i];
		if (n >= 12) {
			strbuf_add(out, d, 4);
			for (size_t i = 4; i < n - 4; i++)
				strbuf_addch(out, '*');
			strbuf_add(out, d + n - 4, 4);
			return;
		}
	}
	for (size_t i = 0; i < len && emitted < cap;) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x80) {
			if (isupper(c))
				strbuf_addch(out, 'X');
			else if (islower(c))
				strbuf_addch(out, 'x');
			else if (isdigit(c))
				strbuf_addch(out, '9');
			else if (c == '\t' || c == '\n' || c == '\r')
				strbuf_addch(out, ' ');
			else if (c < 0x20 || c == 0x7f)
				strbuf_addch(out, '?');
			else
				strbuf_addch(out, (char)c);
			i++;
		} else {
			int32_t cp;
			utf8proc_ssize_t n = utf8proc_iterate((const uint8_t *)v + i,
							      (utf8proc_ssize_t)(len - i), &cp);
			if (n <= 0) {
				strbuf_addch(out, '?');
				i++;
			} else {
				utf8proc_category_t k = utf8proc_category(cp);
				strbuf_addch(out, k == UTF8PROC_CATEGORY_LU ? 'X' :
					     k == UTF8PROC_CATEGORY_ND ? '9' :
					     (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ? 'x' : '_');
				i += (size_t)n;
			}
		}
		emitted++;
	}
	if (emitted == cap)
		strbuf_addstr(out, "...");
}

static uint64_t hash64(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29) ^ ((uint64_t)n << 1);
}

/* ------------------------------------------------------------------ */
/* Per-column accumulation                                             */
/* ------------------------------------------------------------------ */

struct seen {
	uint64_t h;             /* 0: empty slot */
	uint64_t valid, weak, text;
	uint8_t cust;           /* enum customer_match */
};

struct col_acc {
	const struct cat_column *col;
	bool sampled;           /* read from the database */
	bool wide;              /* free-text type: SCAN_TEXT_SAMPLE_FACTOR times the rows */
	char *note;             /* why not, or what went wrong */
	size_t n, nulls, invalid_utf8, truncated, binary;
	size_t distinct;        /* distinct non-empty values (up to the cap) */
	size_t total_len;
	size_t *k, *kw, *m, *ku, *kwu; /* per category: valid, weak, shape, distinct valid/weak */
	size_t *text_hits;      /* per category: rows with a span inside free text */
	int *pattern;           /* per category: a pattern that matched (-1) */
	size_t text_rows, text_any, json_rows;
	size_t cust_exact, cust_contains;
	struct strbuf *shapes;  /* per category: "shape, shape" */
	size_t *nshapes;
	size_t shape_tries;     /* bounded work on shapes per column */
	struct seen *set;
	size_t set_cap, set_n;
};

static void acc_init(struct col_acc *a, const struct cat_column *col, size_t ncat)
{
	memset(a, 0, sizeof(*a));
	a->col = col;
	a->k = xcalloc(ncat, sizeof(size_t));
	a->kw = xcalloc(ncat, sizeof(size_t));
	a->m = xcalloc(ncat, sizeof(size_t));
	a->ku = xcalloc(ncat, sizeof(size_t));
	a->kwu = xcalloc(ncat, sizeof(size_t));
	a->text_hits = xcalloc(ncat, sizeof(size_t));
	a->pattern = xmalloc(ncat * sizeof(int));
	for (size_t c = 0; c < ncat; c++)
		a->pattern[c] = -1;
	a->shapes = xcalloc(ncat, sizeof(struct strbuf));
	for (size_t c = 0; c < ncat; c++)
		strbuf_init(&a->shapes[c], 0);
	a->nshapes = xcalloc(ncat, sizeof(size_t));
}

static void acc_release(struct col_acc *a, size_t ncat)
{
	free(a->note);
	free(a->k);
	free(a->kw);
	free(a->m);
	free(a->ku);
	free(a->kwu);
	free(a->text_hits);
	free(a->pattern);
	for (size_t c = 0; c < ncat; c++)
		strbuf_release(&a->shapes[c]);
	free(a->shapes);
	free(a->nshapes);
	free(a->set);
}

static void acc_note(struct col_acc *a, const char *note)
{
	if (a->note)
		return;
	a->note = xstrdup(note);
}

/* Finds the slot for h; NULL when the set is full (then no dedupe). */
static struct seen *seen_slot(struct col_acc *a, uint64_t h, bool *fresh)
{
	if (!h)
		h = 1;
	if (!a->set) {
		a->set_cap = 1024;
		a->set = xcalloc(a->set_cap, sizeof(*a->set));
	}
	if ((a->set_n + 1) * 2 > a->set_cap) {
		if (a->set_cap >= SCAN_DISTINCT_CAP * 2)
			return NULL;
		size_t nc = a->set_cap * 2;
		struct seen *ns = xcalloc(nc, sizeof(*ns));
		for (size_t i = 0; i < a->set_cap; i++)
			if (a->set[i].h) {
				size_t j = a->set[i].h & (nc - 1);
				while (ns[j].h)
					j = (j + 1) & (nc - 1);
				ns[j] = a->set[i];
			}
		free(a->set);
		a->set = ns;
		a->set_cap = nc;
	}
	size_t i = h & (a->set_cap - 1);
	while (a->set[i].h && a->set[i].h != h)
		i = (i + 1) & (a->set_cap - 1);
	*fresh = !a->set[i].h;
	if (*fresh) {
		a->set[i].h = h;
		a->set_n++;
	}
	return &a->set[i];
}

struct scan_ctx {
	const struct match_catalog *mc;
	const struct customer_set *cs;
	struct match_scratch *scratch;
	size_t ncat;
	int card_cat;           /* id of credit_card, -1 */
	int free_cat;           /* id of free_text_pii, -1 */
	struct mb_err *err;
};

struct text_ctx {
	const struct match_catalog *mc;
	uint64_t hits;
};

static int text_span_cb(void *vctx, const struct match_span *s)
{
	struct text_ctx *t = vctx;
	const struct match_category *c = match_catalog_find(t->mc, s->category);
	if (c)
		t->hits |= 1ull << c->id;
	return 0;
}

static bool looks_like_text(const char *v, size_t len)
{
	if (len && (v[0] == '{' || v[0] == '['))
		return true;
	return len >= SCAN_TEXT_MIN_LEN && memchr(v, ' ', len) != NULL;
}

static void add_shape(struct scan_ctx *sc, struct col_acc *a, size_t c,
		      const char *v, size_t len)
{
	if (a->nshapes[c] >= SCAN_SHAPES || a->shape_tries >= 64)
		return;
	a->shape_tries++;
	struct strbuf sh = STRBUF_INIT;
	scan_shape(v, len, (int)c == sc->card_cat, &sh);
	/* Keep distinct shapes only. */
	const char *p = a->shapes[c].buf;
	bool dup = false;
	while (p && *p) {
		const char *e = strstr(p, ", ");
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == sh.len && !memcmp(p, sh.buf, l))
			dup = true;
		p = e ? e + 2 : NULL;
	}
	if (!dup) {
		if (a->shapes[c].len)
			strbuf_addstr(&a->shapes[c], ", ");
		strbuf_add(&a->shapes[c], sh.buf, sh.len);
		a->nshapes[c]++;
	}
	strbuf_release(&sh);
}

static int acc_value(struct scan_ctx *sc, struct col_acc *a, const char *v, size_t len,
		     size_t limit)
{
	if (!v) {
		a->nulls++;
		return 0;
	}
	if (len > limit) {
		/* SQLite: not cut by the server; cut here on a character boundary */
		len = limit;
		while (len && ((unsigned char)v[len] & 0xc0) == 0x80)
			len--;
	}
	while (len && isspace((unsigned char)*v)) {
		v++;
		len--;
	}
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	if (!len) {
		a->nulls++;
		return 0;
	}
	if (len >= limit)
		a->truncated++;
	if (memchr(v, 0, len)) {
		a->binary++;
		return 0;
	}
	if (!utf8_valid(v, len)) {
		a->invalid_utf8++;
		return 0;
	}
	a->n++;
	a->total_len += len;

	bool fresh = true;
	struct seen *s = seen_slot(a, hash64(v, len), &fresh);
	struct seen tmp = { 0 };
	if (!s)
		s = &tmp;
	if (fresh) {
		struct match_result r;
		if (match_classify_value(sc->mc, sc->scratch, v, len, &r, sc->err))
			return -1;
		s->valid = r.valid;
		s->weak = r.weak;
		s->text = 0;
		/* Free text: spans inside, unless the whole value already matched.
		 * After 256 values a column that is not text-like stops paying
		 * (a free-text type always is). */
		bool texty = a->wide || a->n <= 256 || a->json_rows * 2 > a->text_rows ||
			     a->total_len >= 48 * a->n;
		if (texty && !(r.valid & ~r.weak) && looks_like_text(v, len)) {
			struct text_ctx t = { sc->mc, 0 };
			match_find_spans_s(sc->mc, sc->scratch, sc->cs, v, len, text_span_cb, &t);
			s->text = t.hits | (1ull << 63);  /* bit 63: it was text */
		}
		s->cust = sc->cs ? (uint8_t)customer_set_match(sc->cs, sc->scratch, v, len)
				 : CUSTOMER_NONE;
		for (uint64_t bits = r.shape; bits; bits &= bits - 1) {
			size_t c = (size_t)__builtin_ctzll(bits);
			uint64_t bit = 1ull << c;
			a->m[c]++;   /* shapes and validations count per distinct value */
			if (r.valid & bit) {
				if (r.weak & bit)
					a->kwu[c]++;
				else
					a->ku[c]++;
				if (a->pattern[c] < 0)
					a->pattern[c] = r.pattern[c];
				add_shape(sc, a, c, v, len);
			}
		}
		a->distinct++;
	}
	for (uint64_t bits = s->valid; bits; bits &= bits - 1) {
		size_t c = (size_t)__builtin_ctzll(bits);
		if (s->weak >> c & 1)
			a->kw[c]++;
		else
			a->k[c]++;
	}
	if (s->text >> 63) {
		a->text_rows++;
		if (v[0] == '{' || v[0] == '[')
			a->json_rows++;
		uint64_t hits = s->text & ~(1ull << 63);
		if (hits) {
			a->text_any++;
			for (size_t c = 0; c < sc->ncat; c++)
				if (hits >> c & 1)
					a->text_hits[c]++;
			if (fresh && sc->free_cat >= 0)
				add_shape(sc, a, (size_t)sc->free_cat, v, len);
		}
	}
	if (s->cust == CUSTOMER_EXACT)
		a->cust_exact++;
	else if (s->cust == CUSTOMER_CONTAINS)
		a->cust_contains++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Scoring                                                             */
/* ------------------------------------------------------------------ */

struct cand {
	int cat;
	double conf;
	double name, value;
	bool by_pattern, by_customer, by_structure;
	size_t matched;
	char *why;
};

static int cmp_cand(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	if (a->conf != b->conf)
		return a->conf > b->conf ? -1 : 1;
	return a->cat - b->cat;
}

static bool is_company(const struct match_category *c)
{
	return !strcmp(c->name, "company_name");
}

/* True when the column is part of the table's primary key or a unique key. */
static bool column_in_unique_key(const struct cat_table *t, const char *column)
{
	for (size_t i = 0; i < t->pk.ncols; i++)
		if (str_eq(t->pk.cols[i], column))
			return true;
	for (size_t u = 0; u < t->nuniques; u++)
		for (size_t i = 0; i < t->uniques[u].ncols; i++)
			if (str_eq(t->uniques[u].cols[i], column))
				return true;
	return false;
}

static void add_finding(struct scan_result *res, const struct cat_table *t,
			const char *column, const char *category, double conf,
			const char *methods, size_t matched, size_t sampled,
			const char *evidence, const char *action, const char *params,
			int rank, const char *note)
{
	ALLOC_GROW(res->findings, res->nfindings + 1, res->findings_alloc);
	struct scan_finding *f = &res->findings[res->nfindings++];
	f->schema = xstrdup(t->schema ? t->schema : "");
	f->table = xstrdup(t->name);
	f->column = xstrdup(column);
	f->category = xstrdup(category);
	f->confidence = round(conf * 1000) / 1000;
	f->methods = xstrdup(methods);
	f->matched = (int64_t)matched;
	f->sampled = (int64_t)sampled;
	f->evidence = xstrdup(evidence);
	f->action = xstrdup(action);
	f->params = xstrdup(params);
	f->rank = rank;
	f->note = note ? xstrdup(note) : NULL;
}

static void score_column(struct scan_ctx *sc, const struct cat_table *t,
			 struct col_acc *a, const char *sample_method,
			 struct scan_result *res)
{
	size_t ncat = sc->ncat;
	double *ns = xcalloc(ncat, sizeof(double));
	char **why = xcalloc(ncat, sizeof(char *));
	struct cand *cands = xcalloc(ncat, sizeof(struct cand));
	size_t nc = 0;
	struct strbuf ev = STRBUF_INIT, methods = STRBUF_INIT, notes = STRBUF_INIT;

	scan_name_scores(sc->mc, t->name, a->col->name, ns, why);
	size_t n = a->n, u = a->distinct;
	bool repeats = n >= 20 && u * 5 < n;

	for (size_t c = 0; c < ncat; c++) {
		const struct match_category *cat = match_catalog_get(sc->mc, c);
		double N = ns[c];
		if (!cat->report || N < 0)
			continue;
		double vs = 0;
		size_t k = a->k[c] + (N > 0 ? a->kw[c] : 0);
		size_t ku = a->ku[c] + (N > 0 ? a->kwu[c] : 0);
		bool by_pattern = false, by_customer = false, by_structure = false;
		size_t matched = 0;

		if (cat->free_text) {
			size_t hits = a->text_any;
			/* Free text: long values or JSON documents, not short
			 * addresses; or a free-text type (TEXT, LONGTEXT, json). */
			bool texty = a->text_rows && (a->wide || a->json_rows * 2 > a->text_rows ||
						      a->total_len >= 48 * n);
			if (hits && texty) {
				double L = scan_wilson_lower(hits, a->text_rows ? a->text_rows : n);
				if (hits >= 2 || (a->text_rows && a->text_rows < 50))
					vs = fmin(0.95, 0.5 + L);
				else
					vs = 0.4;
				by_structure = true;
				matched = hits;
			}
		} else if (n && k) {
			double L = repeats ? scan_wilson_lower(ku, u) : scan_wilson_lower(k, n);
			vs = fmin(0.9 * L, cat->value_cap);
			/* A checksum passing at about its random base rate means "an id". */
			if (a->m[c] >= 10 && (double)(a->ku[c] + a->kwu[c]) < 0.8 * (double)a->m[c])
				vs = 0;
			/* Status enums and repeated defaults are not personal data. */
			if (!cat->low_cardinality && n >= 100 && (double)u < 0.01 * (double)n)
				vs = 0;
			if (vs > 0) {
				by_pattern = true;
				matched = k;
			}
		}
		if (is_company(cat) && sc->cs && n) {
			double le = 0.9 * scan_wilson_lower(a->cust_exact, n);
			double lc = 0.9 * scan_wilson_lower(a->cust_contains + a->cust_exact, n);
			if (N <= 0)
				lc = fmin(lc, 0.6);
			double cv = fmax(le, lc);
			if (cv > vs) {
				vs = cv;
				by_customer = true;
				matched = a->cust_exact + a->cust_contains;
			}
		}
		double conf = 1 - (1 - vs) * (1 - cat->name_weight * (N > 0 ? N : 0));
		/* Secrets and cards: any validated value is worth a look. */
		if (cat->secret && a->k[c] > 0 && conf < 0.3)
			conf = 0.3;
		if (conf < 0.05)
			continue;
		cands[nc++] = (struct cand){ (int)c, conf, N, vs, by_pattern, by_customer,
					     by_structure, matched, why[c] };
	}
	qsort(cands, nc, sizeof(*cands), cmp_cand);

	/* Notes: what made the sample smaller. */
	if (a->note)
		strbuf_addstr(&notes, a->note);
	if (a->invalid_utf8)
		strbuf_addf(&notes, "%s%zu values not valid UTF-8 (skipped)",
			    notes.len ? "; " : "", a->invalid_utf8);
	if (a->binary)
		strbuf_addf(&notes, "%s%zu binary values (skipped)", notes.len ? "; " : "",
			    a->binary);
	if (a->truncated)
		strbuf_addf(&notes, "%s%zu values truncated", notes.len ? "; " : "",
			    a->truncated);
	if (a->sampled && !n && !a->note)
		strbuf_addf(&notes, "%sno non-empty values sampled", notes.len ? "; " : "");

	for (size_t i = 0; i < nc && i < 2; i++) {
		struct cand *cd = &cands[i];
		const struct match_category *cat = match_catalog_get(sc->mc, (size_t)cd->cat);
		strbuf_reset(&ev);
		strbuf_reset(&methods);
		if (cd->name > 0) {
			strbuf_addstr(&methods, "name");
			strbuf_addf(&ev, "name: '%s' %s (%.2f)", cd->why ? cd->why : "?",
				    cd->name >= 1 ? "whole name" : "token", cd->name);
		}
		if (cd->by_pattern) {
			const char *pn = match_pattern_name(sc->mc, cd->cat,
							    (size_t)(a->pattern[cd->cat] < 0 ? 0 : a->pattern[cd->cat]));
			strbuf_addf(&methods, "%spattern", methods.len ? "," : "");
			strbuf_addf(&ev, "%svalues: %s %zu/%zu validated", ev.len ? "; " : "",
				    pn ? pn : "?", cd->matched, n);
			if (a->m[cd->cat])
				strbuf_addf(&ev, ", validator %zu/%zu distinct",
					    a->ku[cd->cat] + a->kwu[cd->cat], a->m[cd->cat]);
		}
		if (cd->by_customer) {
			strbuf_addf(&methods, "%scustomer", methods.len ? "," : "");
			strbuf_addf(&ev, "%scustomers: %zu exact, %zu contained of %zu",
				    ev.len ? "; " : "", a->cust_exact, a->cust_contains, n);
		}
		if (cd->by_structure) {
			strbuf_addf(&methods, "%sstructure", methods.len ? "," : "");
			strbuf_addf(&ev, "%stext: %zu/%zu rows with PII inside (", ev.len ? "; " : "",
				    a->text_any, a->text_rows);
			bool first = true;
			for (size_t c = 0; c < ncat; c++)
				if (a->text_hits[c]) {
					strbuf_addf(&ev, "%s%s %zu", first ? "" : ", ",
						    match_catalog_get(sc->mc, c)->name, a->text_hits[c]);
					first = false;
				}
			strbuf_addch(&ev, ')');
		}
		if (!methods.len)
			strbuf_addstr(&methods, "name");
		if (a->shapes[cd->cat].len)
			strbuf_addf(&ev, "; shapes: %s", a->shapes[cd->cat].buf);
		strbuf_addf(&ev, "; distinct %zu/%zu; sample: %s", u, n, sample_method);
		bool reset;
		const char *action = mask_action_for_column(cat->action, a->col->nullable,
							    column_in_unique_key(t, a->col->name),
							    &reset);
		add_finding(res, t, a->col->name, cat->name, cd->conf, methods.buf,
			    cd->matched, n, ev.buf, action, reset ? "{}" : cat->params,
			    (int)i + 1, notes.len ? notes.buf : NULL);
	}
	if (!nc && notes.len)
		add_finding(res, t, a->col->name, "none", 0, "none", 0, n, "", "keep", "{}", 0,
			    notes.buf);

	for (size_t c = 0; c < ncat; c++)
		free(why[c]);
	free(why);
	free(ns);
	free(cands);
	strbuf_release(&ev);
	strbuf_release(&methods);
	strbuf_release(&notes);
}

/* ------------------------------------------------------------------ */
/* Sampling                                                            */
/* ------------------------------------------------------------------ */

static bool type_has(const char *type, const char *const *words)
{
	struct strbuf low = STRBUF_INIT;
	bool hit = false;
	for (const char *p = type; *p; p++)
		strbuf_addch(&low, tolower((unsigned char)*p));
	for (size_t i = 0; words[i] && !hit; i++)
		hit = strstr(low.buf, words[i]) != NULL;
	strbuf_release(&low);
	return hit;
}

/* Why a column is not sampled, or NULL when it is. */
static const char *skip_reason(const struct cat_column *col)
{
	static const char *const binary[] = { "bytea", "blob", "binary", "varbinary",
		"image", "raw", NULL };
	static const char *const boolean[] = { "bool", NULL };
	static const char *const geo[] = { "geometry", "geography", "point", "polygon",
		"linestring", NULL };
	const char *type = col->type ? col->type : "";
	if (type_has(type, binary))
		return "skipped: binary column";
	if (type_has(type, boolean) || !strcmp(type, "bit") || !strcmp(type, "bit(1)") ||
	    !strcmp(type, "tinyint(1)"))
		return "skipped: boolean column";
	if (type_has(type, geo))
		return "skipped: spatial column (name rules only)";
	return NULL;
}

static void add_value_expr(struct db_conn *conn, struct strbuf *sql, const char *col,
			   size_t limit)
{
	struct strbuf q = STRBUF_INIT;
	db_quote_ident(conn, &q, col);
	switch (conn->drv->engine) {
	case DB_ENGINE_PG:
		strbuf_addf(sql, "left(CAST(%s AS text), %zu)", q.buf, limit);
		break;
	case DB_ENGINE_MYSQL:
		strbuf_addf(sql, "LEFT(CAST(%s AS CHAR), %zu)", q.buf, limit);
		break;
	default:
		/* substr() costs more than the scan itself (0.2 s a million
		 * rows); SQLite hands out values without copying, so they are
		 * cut to `limit` bytes in acc_value() instead. */
		strbuf_addf(sql, "CAST(%s AS TEXT)", q.buf);
		break;
	}
	strbuf_release(&q);
}

enum sample_kind { SAMPLE_FULL, SAMPLE_LIMIT, SAMPLE_BLOCK, SAMPLE_RANDOM_FILTER,
		   SAMPLE_ORDER_RANDOM, SAMPLE_PK_RANGES };

static const char *sample_kind_name(enum sample_kind k)
{
	switch (k) {
	case SAMPLE_FULL: return "full";
	case SAMPLE_LIMIT: return "limit";
	case SAMPLE_BLOCK: return "tablesample";
	case SAMPLE_RANDOM_FILTER: return "random filter";
	case SAMPLE_ORDER_RANDOM: return "random order";
	case SAMPLE_PK_RANGES: return "pk ranges";
	}
	return "?";
}

/* Free text: long text types, where PII hides in a few rows of many. */
static bool free_text_type(enum db_engine engine, const char *type)
{
	static const char *const mysql[] = { "text", "mediumtext", "longtext", NULL };
	static const char *const pg[] = { "json", "jsonb", "xml", NULL };
	struct strbuf low = STRBUF_INIT;
	bool hit = false;

	for (const char *p = type ? type : ""; *p; p++)
		strbuf_addch(&low, tolower((unsigned char)*p));
	/* SQLite declares everything TEXT and PostgreSQL uses text for short
	 * strings too: there only documents and wide varchars count. */
	const char *const *words = engine == DB_ENGINE_MYSQL ? mysql
				 : engine == DB_ENGINE_PG ? pg : NULL;
	for (size_t i = 0; words && words[i] && !hit; i++)
		hit = !strcmp(low.buf, words[i]);
	const char *paren = strchr(low.buf, '(');
	if (!hit && paren && (strstr(low.buf, "char") || strstr(low.buf, "clob")))
		hit = strtoul(paren + 1, NULL, 10) >= 1000;
	strbuf_release(&low);
	return hit;
}

/* The primary key column when it is a single integer column, else NULL. */
static const struct cat_column *integer_pk(const struct cat_table *t)
{
	static const char *const ints[] = { "tinyint", "smallint", "mediumint", "int",
		"integer", "bigint", NULL };
	if (t->pk.ncols != 1 || !t->pk.col_idx || t->pk.col_idx[0] < 0 ||
	    (size_t)t->pk.col_idx[0] >= t->ncols)
		return NULL;
	const struct cat_column *c = &t->cols[t->pk.col_idx[0]];
	const char *type = c->type ? c->type : "";
	for (size_t i = 0; ints[i]; i++) {
		size_t n = strlen(ints[i]);
		if (!strncasecmp(type, ints[i], n) && !isalpha((unsigned char)type[n]))
			return c;
	}
	return NULL;
}

static enum sample_kind choose_sample(struct db_conn *conn, const struct cat_table *t,
				      const struct scan_options *opt, size_t n)
{
	if (opt->full)
		return SAMPLE_FULL;
	bool big = t->rows > (int64_t)(10 * n);
	switch (conn->drv->engine) {
	case DB_ENGINE_PG:
		return big && !t->is_view && conn->drv->caps.tablesample ? SAMPLE_BLOCK
									 : SAMPLE_LIMIT;
	case DB_ENGINE_MYSQL:
		if (!big || t->is_view)
			return SAMPLE_LIMIT;
		return integer_pk(t) ? SAMPLE_PK_RANGES : SAMPLE_RANDOM_FILTER;
	default:
		/* SQLite files are local: a random order is cheap below ~1M rows. */
		if (t->is_view)
			return SAMPLE_LIMIT;
		if (t->rows > 1000000)
			return SAMPLE_RANDOM_FILTER;
		return SAMPLE_ORDER_RANDOM;
	}
}

/*
 * MySQL/MariaDB: SCAN_PK_PROBES index range reads in one statement,
 *   (SELECT cols FROM t WHERE pk >= B(f0) AND pk < B(f1) ORDER BY pk LIMIT k)
 *   UNION ALL ... (the last range open-ended)
 * where B(f) = (SELECT MIN(pk) + FLOOR(f * (MAX(pk) - MIN(pk) + 1)) FROM t)
 * is a constant the optimiser reads from the ends of the primary key, and
 * f_i = (i + u) / SCAN_PK_PROBES with one u in [0, 0.5) drawn from a
 * generator seeded by the table name (the same table gives the same
 * sample): equal strata with a random start, so on a dense key every range
 * holds its share, the open-ended last one at least half a stratum (starts
 * drawn per stratum could fall close together and the range between them
 * come back short). Each probe costs an index
 * seek plus k rows instead of the full scan of WHERE RAND() < p. Gaps in
 * the key make some ranges shorter: the caller reads plainly when fewer
 * than half the rows come back.
 */
static void build_pk_query(struct db_conn *conn, const struct cat_table *t,
			   struct col_acc *accs, size_t nacc, size_t n, size_t limit,
			   struct strbuf *sql)
{
	const struct cat_column *pk = integer_pk(t);
	struct strbuf cols = STRBUF_INIT, tbl = STRBUF_INIT, key = STRBUF_INIT;
	double f[SCAN_PK_PROBES + 1];
	size_t k = (n + SCAN_PK_PROBES - 1) / SCAN_PK_PROBES;
	uint64_t seed = hash64(t->name, strlen(t->name)) ^
			(t->schema ? hash64(t->schema, strlen(t->schema)) : 0);

	for (size_t i = 0; i < nacc; i++) {
		if (!accs[i].sampled)
			continue;
		if (cols.len)
			strbuf_addstr(&cols, ", ");
		add_value_expr(conn, &cols, accs[i].col->name, limit);
	}
	db_quote_table(conn, &tbl, t->schema, t->name);
	db_quote_ident(conn, &key, pk->name);
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	double u = (double)(seed >> 11) / 18014398509481984.0;  /* [0, 0.5) */
	for (size_t i = 0; i < SCAN_PK_PROBES; i++)
		f[i] = ((double)i + u) / SCAN_PK_PROBES;
	for (size_t i = 0; i < SCAN_PK_PROBES; i++) {
		if (i)
			strbuf_addstr(sql, " UNION ALL ");
		strbuf_addf(sql, "(SELECT %s FROM %s WHERE ", cols.buf, tbl.buf);
		for (int end = 0; end < 2; end++) {
			if (end && i + 1 == SCAN_PK_PROBES)
				break;
			/* DECIMAL: MAX - MIN of a full BIGINT range overflows */
			strbuf_addf(sql, "%s%s %s (SELECT MIN(%s) + FLOOR(%.9f * "
				    "(CAST(MAX(%s) AS DECIMAL(21,0)) - MIN(%s) + 1)) FROM %s)",
				    end ? " AND " : "", key.buf, end ? "<" : ">=", key.buf,
				    f[i + (size_t)end], key.buf, key.buf, tbl.buf);
		}
		strbuf_addf(sql, " ORDER BY %s LIMIT %zu)", key.buf, k);
	}
	strbuf_release(&cols);
	strbuf_release(&tbl);
	strbuf_release(&key);
}

static void build_query(struct db_conn *conn, const struct cat_table *t,
			struct col_acc *accs, size_t nacc, enum sample_kind kind,
			size_t n, size_t limit, struct strbuf *sql)
{
	bool first = true;
	if (kind == SAMPLE_PK_RANGES) {
		build_pk_query(conn, t, accs, nacc, n, limit, sql);
		return;
	}
	strbuf_addstr(sql, "SELECT ");
	for (size_t i = 0; i < nacc; i++) {
		if (!accs[i].sampled)
			continue;
		if (!first)
			strbuf_addstr(sql, ", ");
		add_value_expr(conn, sql, accs[i].col->name, limit);
		first = false;
	}
	strbuf_addstr(sql, " FROM ");
	db_quote_table(conn, sql, t->schema, t->name);
	double rows = t->rows > 0 ? (double)t->rows : 1;
	double frac = fmin(1.0, 3.0 * (double)n / rows);
	switch (kind) {
	case SAMPLE_FULL:
		break;
	case SAMPLE_LIMIT:
		strbuf_addf(sql, " LIMIT %zu", n);
		break;
	case SAMPLE_BLOCK:
		strbuf_addf(sql, " TABLESAMPLE SYSTEM (%.6f) LIMIT %zu", 100.0 * frac, n);
		break;
	case SAMPLE_RANDOM_FILTER:
		if (conn->drv->engine == DB_ENGINE_MYSQL)
			strbuf_addf(sql, " WHERE RAND() < %.8f LIMIT %zu", frac, n);
		else
			strbuf_addf(sql, " WHERE (abs(random()) %% 1000000000) < %.0f LIMIT %zu",
				    frac * 1e9, n);
		break;
	case SAMPLE_ORDER_RANDOM:
		strbuf_addf(sql, " ORDER BY random() LIMIT %zu", n);
		break;
	case SAMPLE_PK_RANGES:
		break;  /* build_pk_query() */
	}
}

/* Runs the query and feeds every row; returns rows read or -1. */
/* Columns that are not wide take only their first `base` rows. */
static int64_t run_sample(struct scan_ctx *sc, struct db_conn *conn, const char *sql,
			  struct col_acc *accs, size_t nacc, size_t limit, size_t base,
			  struct mb_err *err)
{
	struct db_rows *rows = NULL;
	int64_t nrows = 0;
	int rc;

	if (db_query(conn, sql, &rows, err))
		return -1;
	while ((rc = db_rows_next(rows, err)) == 1) {
		size_t k = 0;
		for (size_t i = 0; i < nacc && k < rows->ncols; i++) {
			if (!accs[i].sampled)
				continue;
			if ((size_t)nrows >= base && !accs[i].wide) {
				k++;
				continue;
			}
			if (acc_value(sc, &accs[i], rows->values[k], rows->lengths[k], limit)) {
				db_rows_close(rows);
				return -1;
			}
			k++;
		}
		nrows++;
		if (conn->cancel) {
			db_rows_close(rows);
			return mb_err_set(err, MB_ERR_CANCELLED, "scan cancelled");
		}
	}
	db_rows_close(rows);
	return rc < 0 ? -1 : nrows;
}

/* After a failed statement: make sure the connection still works. */
static int recover(struct db_conn **conn, const struct scan_options *opt, struct mb_err *err)
{
	struct db_rows *rows = NULL;
	struct mb_err probe = MB_ERR_INIT;
	if (!db_query(*conn, "SELECT 1", &rows, &probe)) {
		int rc;
		while ((rc = db_rows_next(rows, &probe)) == 1)
			;
		db_rows_close(rows);
		if (rc == 0)
			return 0;
	}
	if (!opt->source)
		return mb_err_set(err, MB_ERR_DB, "the source connection failed after a timeout");
	struct db_conn *fresh = NULL;
	if (db_open(opt->source, DB_MODE_SOURCE, &fresh, err))
		return -1;
	db_close(*conn);
	*conn = fresh;
	unsigned ms = opt->timeout_ms ? opt->timeout_ms : SCAN_DEFAULT_TIMEOUT_MS;
	return db_set_timeout(*conn, ms, err);
}

static int scan_table(struct scan_ctx *sc, struct db_conn **connp, const struct cat_table *t,
		      const struct scan_options *opt, struct scan_result *res,
		      struct mb_err *err)
{
	size_t base = opt->sample ? opt->sample : SCAN_DEFAULT_SAMPLE, n = base;
	size_t limit = opt->full ? SCAN_MAX_VALUE_FULL : SCAN_MAX_VALUE;
	struct col_acc *accs = xcalloc(t->ncols ? t->ncols : 1, sizeof(*accs));
	struct strbuf sql = STRBUF_INIT;
	size_t nsampled = 0;
	int ret = 0;
	enum db_engine engine = (*connp)->drv->engine;

	for (size_t i = 0; i < t->ncols; i++) {
		acc_init(&accs[i], &t->cols[i], sc->ncat);
		const char *why = skip_reason(&t->cols[i]);
		if (why) {
			acc_note(&accs[i], why);
		} else {
			accs[i].sampled = true;
			accs[i].wide = free_text_type(engine, t->cols[i].type);
			if (accs[i].wide)
				n = base * SCAN_TEXT_SAMPLE_FACTOR;
			nsampled++;
		}
	}
	if (opt->full)
		base = SIZE_MAX;
	enum sample_kind kind = choose_sample(*connp, t, opt, n);
	const char *method = sample_kind_name(kind);
	char method_buf[64];
	if (nsampled) {
		build_query(*connp, t, accs, t->ncols, kind, n, limit, &sql);
		struct mb_err qerr = MB_ERR_INIT;
		int64_t got = run_sample(sc, *connp, sql.buf, accs, t->ncols, limit, base, &qerr);
		if (got >= 0 && (kind == SAMPLE_BLOCK || kind == SAMPLE_PK_RANGES) &&
		    (size_t)got < n / 2) {
			/* Block sampling of a table whose estimate was off, or key
			 * ranges of a sparse key: read plainly (a second query). */
			for (size_t i = 0; i < t->ncols; i++) {
				if (!accs[i].sampled)
					continue;
				const struct cat_column *col = accs[i].col;
				bool wide = accs[i].wide;
				acc_release(&accs[i], sc->ncat);
				acc_init(&accs[i], col, sc->ncat);
				accs[i].sampled = true;
				accs[i].wide = wide;
			}
			strbuf_reset(&sql);
			kind = SAMPLE_LIMIT;
			method = sample_kind_name(kind);
			build_query(*connp, t, accs, t->ncols, kind, n, limit, &sql);
			got = run_sample(sc, *connp, sql.buf, accs, t->ncols, limit, base, &qerr);
		}
		if (got < 0) {
			if (qerr.kind == MB_ERR_CANCELLED || qerr.kind == MB_ERR_INTERNAL) {
				*err = qerr;
				ret = -1;
				goto cleanup;
			}
			enum db_outcome o = (*connp)->last_outcome;
			const char *why = o == DB_FAIL_TIMEOUT ? "timeout: statement time limit reached (name rules only)"
				: o == DB_FAIL_PERMISSION ? "skipped: permission denied (name rules only)"
				: "skipped: sampling query failed (name rules only)";
			for (size_t i = 0; i < t->ncols; i++)
				if (accs[i].sampled) {
					/* Partial counts from a broken stream are dropped. */
					const struct cat_column *col = accs[i].col;
					acc_release(&accs[i], sc->ncat);
					acc_init(&accs[i], col, sc->ncat);
					acc_note(&accs[i], why);
				}
			if (recover(connp, opt, err)) {
				ret = -1;
				goto cleanup;
			}
		} else {
			snprintf(method_buf, sizeof(method_buf), "%s %lld rows", method,
				 (long long)got);
			method = method_buf;
		}
	}
	for (size_t i = 0; i < t->ncols; i++)
		score_column(sc, t, &accs[i], method, res);
	res->columns += t->ncols;
	res->tables++;
cleanup:
	for (size_t i = 0; i < t->ncols; i++)
		acc_release(&accs[i], sc->ncat);
	free(accs);
	strbuf_release(&sql);
	return ret;
}

int scan_database(struct db_conn **conn, const struct catalog *cat,
		  const struct match_catalog *mc, const struct customer_set *cs,
		  const struct scan_options *opt, struct scan_result *res,
		  struct mb_err *err)
{
	struct scan_ctx sc = { mc, cs, match_scratch_new(mc), match_catalog_count(mc),
			       -1, -1, err };
	const struct match_category *card = match_catalog_find(mc, "credit_card");
	const struct match_category *ft = NULL;
	int ret = 0;

	for (size_t c = 0; c < sc.ncat; c++)
		if (match_catalog_get(mc, c)->free_text)
			ft = match_catalog_get(mc, c);
	sc.card_cat = card ? card->id : -1;
	sc.free_cat = ft ? ft->id : -1;
	res->sample = opt->sample ? opt->sample : SCAN_DEFAULT_SAMPLE;
	res->full = opt->full;
	if (db_set_timeout(*conn, opt->timeout_ms ? opt->timeout_ms : SCAN_DEFAULT_TIMEOUT_MS,
			   err)) {
		ret = -1;
		goto cleanup;
	}
	for (size_t i = 0; i < cat->ntables; i++) {
		if (scan_table(&sc, conn, &cat->tables[i], opt, res, err)) {
			mb_err_prefix(err, "%s.%s", cat->tables[i].schema ? cat->tables[i].schema : "",
				      cat->tables[i].name);
			ret = -1;
			goto cleanup;
		}
		if (opt->progress)
			opt->progress(opt->progress_ctx, i + 1, cat->ntables, cat->tables[i].name);
	}
cleanup:
	match_scratch_free(sc.scratch);
	return ret;
}

/*
 * match_customer.c - the customer-name set: exact whole-value lookup in a
 * hash set and whole-token containment with Vectorscan literals. Names
 * live only in normalised form and are wiped on free.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/match.h"
#include "core/match_int.h"

struct hset {
	char **keys;       /* NULL slot: empty */
	size_t *lens;
	uint32_t *vals;
	size_t cap, n;     /* cap is a power of two */
};

struct cs_entry {
	char *name;
	size_t len;
	uint64_t th;       /* token-sequence hash (tok_hash/tok_comb) */
	bool flagged;
};

/* Open addressing: token-sequence hash -> entry index + 1 (0: empty). */
struct tslot {
	uint64_t h;
	uint32_t idx1;
};

#define CS_MAX_TOKENS 64   /* short values: token path; longer: Vectorscan */
#define CS_SHORT_VALUE 256 /* bytes; longer values use one Vectorscan scan */

struct customer_set {
	struct cs_entry *e; /* normalised, legal forms stripped */
	size_t n, alloc, nflagged;
	struct hset exact; /* name -> index */
	struct hset common;/* common words */
	hs_database_t *db; /* non-flagged names; NULL when there are none */
	struct tslot *slots;
	size_t nslots;     /* power of two */
	uint64_t *first;   /* 2^16-bit filter on the first token of non-flagged names */
	uint64_t *whole;   /* 2^19-bit filter on every name's hash: skips slot lookups */
	size_t maxtok;     /* most tokens in a non-flagged name */
	bool built;
};

/*
 * Short values are matched with token hashes (a name hit must start and end
 * on token boundaries, so only token windows can match): measured faster
 * than a Vectorscan call per value on short cells. Long values and free
 * text use the Vectorscan literal database in one scan.
 */
/*
 * Token hash: 8 bytes at a time (one multiply per word instead of one per
 * byte); the length is mixed in so "ab" and "ab\0" differ.
 */
static inline uint64_t tok_hash(const char *s, size_t n)
{
	uint64_t h = 0x9ae16a3b2f90404full ^ (n * 0xc3a5c85c97cb3127ull);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x9fb21c651e98df25ull;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0x9fb21c651e98df25ull;
		h ^= h >> 29;
	}
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

#define TOK_SEED 0x9e3779b97f4a7c15ull
static inline uint64_t tok_comb(uint64_t h, uint64_t t)
{
	h ^= t + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

struct toks {
	uint32_t start[CS_MAX_TOKENS], end[CS_MAX_TOKENS];
	uint64_t h[CS_MAX_TOKENS];
	size_t n;
	bool overflow;
};

/* Splits a normalised buffer (tokens separated by one space). */
static void tokenize(const char *s, size_t len, struct toks *t)
{
	t->n = 0;
	t->overflow = false;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != ' ')
			j++;
		if (t->n == CS_MAX_TOKENS) {
			t->overflow = true;
			return;
		}
		t->start[t->n] = (uint32_t)i;
		t->end[t->n] = (uint32_t)j;
		t->h[t->n] = tok_hash(s + i, j - i);
		t->n++;
		i = j + 1;
	}
}

static uint64_t seq_hash(const struct toks *t, size_t from, size_t to)
{
	uint64_t h = TOK_SEED;
	for (size_t k = from; k < to; k++)
		h = tok_comb(h, t->h[k]);
	return h;
}

#define WHOLE_BITS 19
static inline bool whole_maybe(const struct customer_set *cs, uint64_t h)
{
	uint64_t b = (h >> 20) & ((1u << WHOLE_BITS) - 1);
	return cs->whole[b >> 6] >> (b & 63) & 1;
}

static const struct cs_entry *slot_find(const struct customer_set *cs, uint64_t h,
					const char *s, size_t n)
{
	if (!whole_maybe(cs, h))
		return NULL;
	size_t i = (size_t)(h ^ (h >> 32)) & (cs->nslots - 1);
	while (cs->slots[i].idx1) {
		if (cs->slots[i].h == h) {
			const struct cs_entry *e = &cs->e[cs->slots[i].idx1 - 1];
			if (e->len == n && !memcmp(e->name, s, n))
				return e;
		}
		i = (i + 1) & (cs->nslots - 1);
	}
	return NULL;
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void hset_release(struct hset *h, bool owns)
{
	if (owns)
		for (size_t i = 0; i < h->cap; i++)
			if (h->keys[i]) {
				secure_zero(h->keys[i], h->lens[i]);
				free(h->keys[i]);
			}
	free(h->keys);
	free(h->lens);
	free(h->vals);
	memset(h, 0, sizeof(*h));
}

/* Returns the slot of key, or the empty slot where it would go. */
static size_t hset_slot(const struct hset *h, const char *k, size_t n)
{
	size_t i = (size_t)fnv1a(k, n) & (h->cap - 1);
	while (h->keys[i] && !(h->lens[i] == n && !memcmp(h->keys[i], k, n)))
		i = (i + 1) & (h->cap - 1);
	return i;
}

static bool hset_get(const struct hset *h, const char *k, size_t n, uint32_t *val)
{
	if (!h->cap)
		return false;
	size_t i = hset_slot(h, k, n);
	if (!h->keys[i])
		return false;
	if (val)
		*val = h->vals[i];
	return true;
}

/* Inserts a copy of k unless present; returns true when inserted. */
static bool hset_put(struct hset *h, const char *k, size_t n, uint32_t val)
{
	if ((h->n + 1) * 2 > h->cap) {
		struct hset g = { 0 };
		g.cap = h->cap ? h->cap * 2 : 64;
		g.keys = xcalloc(g.cap, sizeof(*g.keys));
		g.lens = xcalloc(g.cap, sizeof(*g.lens));
		g.vals = xcalloc(g.cap, sizeof(*g.vals));
		for (size_t i = 0; i < h->cap; i++)
			if (h->keys[i]) {
				size_t j = hset_slot(&g, h->keys[i], h->lens[i]);
				g.keys[j] = h->keys[i];
				g.lens[j] = h->lens[i];
				g.vals[j] = h->vals[i];
				g.n++;
			}
		hset_release(h, false);
		*h = g;
	}
	size_t i = hset_slot(h, k, n);
	if (h->keys[i])
		return false;
	h->keys[i] = xstrndup(k, n);
	h->lens[i] = n;
	h->vals[i] = val;
	h->n++;
	return true;
}

/* Short, common words that are also company names. */
static const char *const builtin_common[] = {
	"apple", "shell", "target", "orange", "next", "gap", "sky", "amazon",
	"oracle", "visa", "delta", "subway", "dove", "tide", "monster", "square",
	"block", "meta", "alphabet", "uber", "lyft", "zoom", "slack", "box",
	"dropbox", "snap", "twitter", "x", "google", "intel", "apex", "summit",
	"pioneer", "prime", "global", "united", "national", "general", "first",
	"american", "international", "group", "holdings", "services", "solutions",
	"systems", "partners", "capital", "bank", "trust", "energy", "one",
	"the", "and", "best", "buy", "home", "depot", "office", "max", "gold",
	"silver", "star", "sun", "moon", "eagle", "lion", "tiger", "fox", "bear",
	"bird", "fish", "blue", "red", "green", "black", "white", "time", "life",
	"health", "care", "sports", "music", "coffee", "table", "chair", "data",
	"cloud", "mobile", "digital", "media", "news", "post", "mail", "express",
	"direct", "online", "world", "city", "state", "north", "south", "east",
	"west", "central", "pacific", "atlantic", "sony", "nike", "puma", "gucci",
	"mars", "kind", "dell", "hp", "ford", "fiat", "seat", "smart", "mini",
	"total", "eni", "bp", "ups", "dhl", "ibm", "sap", "ge", "rain", "snow",
	"tesla", "jaguar", "puma", "cisco", "adobe", "virgin", "corona", "genesis",
	"liberty", "progressive", "allstate", "chase", "wells", "discover", "ally",
};

struct customer_set *customer_set_new(void)
{
	struct customer_set *cs = xcalloc(1, sizeof(*cs));
	for (size_t i = 0; i < ARRAY_SIZE(builtin_common); i++)
		hset_put(&cs->common, builtin_common[i], strlen(builtin_common[i]), 0);
	return cs;
}

void customer_set_free(struct customer_set *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n; i++) {
		secure_zero(cs->e[i].name, cs->e[i].len);
		free(cs->e[i].name);
	}
	free(cs->e);
	hset_release(&cs->exact, true);
	hset_release(&cs->common, true);
	if (cs->db)
		hs_free_database(cs->db);
	free(cs->slots);
	free(cs->first);
	free(cs->whole);
	free(cs);
}

void customer_set_add(struct customer_set *cs, const char *name, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	if (cs->built)
		return;
	match_normalize(name, len, &sb, NULL);
	sb.len = match_strip_legal(sb.buf, sb.len);
	if (!sb.len || !hset_put(&cs->exact, sb.buf, sb.len, (uint32_t)cs->n))
		goto cleanup;
	ALLOC_GROW(cs->e, cs->n + 1, cs->alloc);
	cs->e[cs->n].name = xstrndup(sb.buf, sb.len);
	cs->e[cs->n].len = sb.len;
	cs->e[cs->n].flagged = false;
	cs->n++;
cleanup:
	secure_zero(sb.buf, sb.len);
	strbuf_release(&sb);
}

int customer_set_load_file(struct customer_set *cs, const char *path, struct mb_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, ret = 0;

	if (!f)
		return mb_err_set(err, MB_ERR_IO, "cannot open customer file %s: %s", path,
				  strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (!n || line[0] == '#')
			continue;
		if (!utf8_valid(line, (size_t)n)) {
			ret = mb_err_set(err, MB_ERR_INPUT, "%s:%d: not valid UTF-8", path, lineno);
			break;
		}
		customer_set_add(cs, line, (size_t)n);
	}
	if (line) {
		secure_zero(line, cap);
		free(line);
	}
	if (!ret && ferror(f))
		ret = mb_err_set(err, MB_ERR_IO, "cannot read %s", path);
	fclose(f);
	return ret;
}

int customer_set_load_common_words(struct customer_set *cs, const char *path,
				   struct mb_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct strbuf sb = STRBUF_INIT;

	if (!f)
		return mb_err_set(err, MB_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n && line[0] == '#')
			continue;
		strbuf_reset(&sb);
		match_normalize(line, (size_t)n, &sb, NULL);
		if (sb.len)
			hset_put(&cs->common, sb.buf, sb.len, 0);
	}
	free(line);
	strbuf_release(&sb);
	fclose(f);
	return 0;
}

int customer_set_build(struct customer_set *cs, struct mb_err *err)
{
	const char **exprs = NULL;
	unsigned *ids = NULL, *flags = NULL;
	size_t *lens = NULL, m = 0;
	int ret = -1;

	if (cs->built)
		return 0;
	cs->nflagged = 0;
	for (size_t i = 0; i < cs->n; i++) {
		struct cs_entry *e = &cs->e[i];
		bool one_token = !memchr(e->name, ' ', e->len);
		e->flagged = e->len < 4 ||
			(one_token && hset_get(&cs->common, e->name, e->len, NULL));
		cs->nflagged += e->flagged;
	}
	cs->nslots = 16;
	while (cs->nslots < cs->n * 2 + 2)
		cs->nslots <<= 1;
	cs->slots = xcalloc(cs->nslots, sizeof(*cs->slots));
	cs->first = xcalloc(65536 / 64, sizeof(uint64_t));
	cs->whole = xcalloc(((size_t)1 << WHOLE_BITS) / 64, sizeof(uint64_t));
	cs->maxtok = 0;
	struct toks *t = xmalloc(sizeof(*t));
	for (size_t i = 0; i < cs->n; i++) {
		struct cs_entry *e = &cs->e[i];
		tokenize(e->name, e->len, t);
		e->th = t->overflow ? 0 : seq_hash(t, 0, t->n);
		size_t k = (size_t)(e->th ^ (e->th >> 32)) & (cs->nslots - 1);
		while (cs->slots[k].idx1)
			k = (k + 1) & (cs->nslots - 1);
		cs->slots[k].h = e->th;
		cs->slots[k].idx1 = (uint32_t)(i + 1);
		uint64_t b = (e->th >> 20) & ((1u << WHOLE_BITS) - 1);
		cs->whole[b >> 6] |= 1ull << (b & 63);
		if (!e->flagged && !t->overflow && t->n) {
			uint64_t fh = t->h[0] & 0xffff;
			cs->first[fh >> 6] |= 1ull << (fh & 63);
			if (t->n > cs->maxtok)
				cs->maxtok = t->n;
		}
	}
	free(t);
	exprs = xcalloc(cs->n + 1, sizeof(*exprs));
	ids = xcalloc(cs->n + 1, sizeof(*ids));
	flags = xcalloc(cs->n + 1, sizeof(*flags));
	lens = xcalloc(cs->n + 1, sizeof(*lens));
	for (size_t i = 0; i < cs->n; i++) {
		if (cs->e[i].flagged)
			continue;
		exprs[m] = cs->e[i].name;
		lens[m] = cs->e[i].len;
		ids[m] = (unsigned)i;
		flags[m] = 0;
		m++;
	}
	if (m) {
		hs_compile_error_t *ce = NULL;
		if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)m, HS_MODE_BLOCK,
					 NULL, &cs->db, &ce) != HS_SUCCESS) {
			mb_err_set(err, MB_ERR_INTERNAL, "cannot compile the customer names: %s",
				   ce && ce->message ? ce->message : "vectorscan error");
			hs_free_compile_error(ce);
			goto cleanup;
		}
	}
	cs->built = true;
	ret = 0;
cleanup:
	free(exprs);
	free(ids);
	free(flags);
	free(lens);
	return ret;
}

size_t customer_set_count(const struct customer_set *cs)
{
	return cs->n;
}

size_t customer_set_flagged_count(const struct customer_set *cs)
{
	return cs->nflagged;
}

static int ensure_hs(const struct customer_set *cs, struct match_scratch *s)
{
	if (!cs->db)
		return -1;
	if (s->hs_for == cs->db)
		return 0;
	if (hs_alloc_scratch(cs->db, &s->hs) != HS_SUCCESS)
		return -1;
	s->hs_for = cs->db;
	return 0;
}

struct contain_ctx {
	const struct customer_set *cs;
	const char *text;       /* normalised */
	size_t len;
	const size_t *map;      /* normalised -> original offsets; NULL for "any hit?" */
	const char *orig;
	size_t orig_len;
	int (*cb)(void *ctx, size_t start, size_t len);
	void *ctx;
	int ret;
	bool hit;
};

static size_t utf8_char_len(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

static int on_hit(unsigned int id, unsigned long long from ATTR_UNUSED,
		  unsigned long long to, unsigned int flags ATTR_UNUSED, void *vctx)
{
	struct contain_ctx *c = vctx;
	size_t end = (size_t)to, start = end - c->cs->e[id].len;
	if ((start && c->text[start - 1] != ' ') || (end < c->len && c->text[end] != ' '))
		return 0;
	c->hit = true;
	if (!c->map)
		return 1;  /* one hit is enough */
	size_t os = c->map[start], oe = c->map[end - 1];
	oe += utf8_char_len((unsigned char)c->orig[oe]);
	if (oe > c->orig_len)
		oe = c->orig_len;
	c->ret = c->cb(c->ctx, os, oe - os);
	return c->ret ? 1 : 0;
}

/*
 * ASCII values: normalise, split and hash tokens in one pass (the same
 * result as match_normalize() + tokenize()). Returns the normalised
 * length, or SIZE_MAX when the value is not ASCII or has too many tokens.
 */
static size_t norm_tokens_ascii(const char *s, size_t len, char *out, struct toks *t)
{
	static const char lut[128] =
		"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
		"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" "0123456789\0\0\0\0\0\0"
		"\0abcdefghijklmnopqrstuvwxyz\0\0\0\0\0"
		"\0abcdefghijklmnopqrstuvwxyz\0\0\0\0";
	size_t o = 0;
	bool in_tok = false;

	t->n = 0;
	t->overflow = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];
		if (b >= 0x80)
			return SIZE_MAX;
		char c = lut[b];
		if (c) {
			if (!in_tok) {
				if (t->n == CS_MAX_TOKENS)
					return SIZE_MAX;
				if (t->n)
					out[o++] = ' ';
				t->start[t->n] = (uint32_t)o;
				in_tok = true;
			}
			out[o++] = c;
		} else if (in_tok) {
			t->end[t->n] = (uint32_t)o;
			t->h[t->n] = tok_hash(out + t->start[t->n], o - t->start[t->n]);
			t->n++;
			in_tok = false;
		}
	}
	if (in_tok) {
		t->end[t->n] = (uint32_t)o;
		t->h[t->n] = tok_hash(out + t->start[t->n], o - t->start[t->n]);
		t->n++;
	}
	return o;
}

/* Exact or token-window containment on a normalised, tokenised short value. */
static enum customer_match match_tokens(const struct customer_set *cs, const char *buf,
					size_t len, struct toks *t)
{
	if (t->overflow)
		return CUSTOMER_NONE;
	size_t core = match_legal_core_len(buf, len), ncore = t->n;
	while (ncore && t->end[ncore - 1] > core)
		ncore--;
	if (ncore && slot_find(cs, seq_hash(t, 0, ncore), buf, core))
		return CUSTOMER_EXACT;
	for (size_t i = 0; i < t->n; i++) {
		uint64_t fh = t->h[i] & 0xffff;
		if (!(cs->first[fh >> 6] >> (fh & 63) & 1))
			continue;
		uint64_t h = TOK_SEED;
		for (size_t j = i; j < t->n && j - i < cs->maxtok; j++) {
			h = tok_comb(h, t->h[j]);
			const struct cs_entry *e = slot_find(cs, h, buf + t->start[i],
							     t->end[j] - t->start[i]);
			if (e && !e->flagged)
				return CUSTOMER_CONTAINS;
		}
	}
	return CUSTOMER_NONE;
}

enum customer_match customer_set_match(const struct customer_set *cs,
				       struct match_scratch *scratch,
				       const char *value, size_t len)
{
	enum customer_match m = CUSTOMER_NONE;
	struct match_scratch *own = NULL;

	if (!cs->n || !cs->built)
		return CUSTOMER_NONE;
	if (!scratch)
		scratch = own = match_scratch_new(NULL);
	if (!scratch->toks)
		scratch->toks = xmalloc(sizeof(struct toks));
	struct strbuf *sb = &scratch->norm;
	if (len <= CS_SHORT_VALUE) {
		strbuf_grow(sb, len);
		size_t n = norm_tokens_ascii(value, len, sb->buf, scratch->toks);
		if (n != SIZE_MAX) {
			m = n ? match_tokens(cs, sb->buf, n, scratch->toks) : CUSTOMER_NONE;
			goto done;
		}
	}
	strbuf_reset(sb);
	match_normalize(value, len, sb, NULL);
	if (!sb->len)
		goto done;
	if (sb->len <= CS_SHORT_VALUE) {
		tokenize(sb->buf, sb->len, scratch->toks);
		m = match_tokens(cs, sb->buf, sb->len, scratch->toks);
		goto done;
	}
	/* Long text: the whole value cannot be a name; search it once. */
	if (ensure_hs(cs, scratch))
		goto done;
	struct contain_ctx c = { cs, sb->buf, sb->len, NULL, NULL, 0, NULL, NULL, 0, false };
	hs_scan(cs->db, sb->buf, (unsigned)sb->len, 0, scratch->hs, on_hit, &c);
	if (c.hit)
		m = CUSTOMER_CONTAINS;
done:
	match_scratch_free(own);
	return m;
}

int customer_set_find(const struct customer_set *cs, struct match_scratch *scratch,
		      const char *text, size_t len,
		      int (*cb)(void *ctx, size_t start, size_t len), void *ctx)
{
	struct match_scratch *own = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t *map = NULL;
	int ret = 0;

	if (!cs->db || !len)
		return 0;
	if (!scratch)
		scratch = own = match_scratch_new(NULL);
	if (ensure_hs(cs, scratch))
		goto done;
	match_normalize(text, len, &sb, &map);
	if (!sb.len)
		goto done;
	struct contain_ctx c = { cs, sb.buf, sb.len, map, text, len, cb, ctx, 0, false };
	hs_scan(cs->db, sb.buf, (unsigned)sb.len, 0, scratch->hs, on_hit, &c);
	ret = c.ret;
done:
	free(map);
	secure_zero(sb.buf, sb.len);
	strbuf_release(&sb);
	match_scratch_free(own);
	return ret;
}

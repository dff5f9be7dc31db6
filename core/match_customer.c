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

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
	uint32_t off;      /* the name in cs->arena */
	uint16_t len;
	uint8_t flagged;
	uint8_t used;
};

#define CS_MAX_TOKENS 64   /* short values: token path; longer: Vectorscan */
#define CS_SHORT_VALUE 256 /* bytes; longer values use one Vectorscan scan */
#define LEGAL_SLOTS 128    /* open addressing; more than twice the legal forms */

/* A legal form ("s a r l") as up to 4 token hashes. */
#define LEGAL_MAX_TOKENS 4
struct legal_form {
	const char *s;
	size_t ntok;
	uint64_t h[LEGAL_MAX_TOKENS];
};

struct customer_set {
	struct cs_entry *e; /* normalised, legal forms stripped */
	size_t n, alloc, nflagged;
	struct hset exact; /* name -> index */
	struct hset common;/* common words */
	hs_database_t *db; /* non-flagged names; NULL when there are none */
	struct tslot *slots; /* names of up to CS_SHORT_VALUE bytes */
	char *arena;       /* every name, back to back: one cache miss less a lookup */
	size_t arena_len;
	size_t nslots;     /* power of two */
	uint64_t *first;   /* 2^16-bit filter on the token of one-token non-flagged names */
	uint64_t *pair;    /* 2^PAIR_BITS-bit filter on the first two tokens of longer ones */
	size_t nsingle;    /* one-token non-flagged names */
	uint64_t *whole;   /* filter on every name's hash: skips slot lookups */
	uint64_t whole_mask; /* its size in bits - 1 (about 16 bits a name) */
	uint64_t legal_h[LEGAL_SLOTS]; /* tok_hash of every legal form's last token */
	struct legal_form *legal; /* match_legal_forms() as token hashes, in order */
	size_t nlegal;
	size_t mintok;     /* fewest tokens in a non-flagged name */
	bool legal_used[LEGAL_SLOTS];
	uint64_t legal_key[1024 / 64]; /* tok_key() & 1023 of the same tokens */
	size_t maxtok;     /* most tokens in a non-flagged name */
	size_t maxtok_all; /* most tokens in any name: longer values are never exact */
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
static inline uint64_t tok_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9fb21c651e98df25ull;
	return h ^ (h >> 29);
}

/* The whole 8-byte words of s mixed into the seed; *rest gets the tail length. */
static inline uint64_t tok_words(const char **s, size_t n, size_t *rest)
{
	uint64_t h = 0x9ae16a3b2f90404full ^ (n * 0xc3a5c85c97cb3127ull);
	for (; n >= 8; *s += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, *s, 8);
		h = tok_mix(h, w);
	}
	*rest = n;
	return h;
}

static inline uint64_t tok_final(uint64_t h)
{
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static inline uint64_t tok_hash(const char *s, size_t n)
{
	uint64_t h = tok_words(&s, n, &n);
	if (n) {
		uint64_t w = 0;
		memcpy(&w, s, n);
		h = tok_mix(h, w);
	}
	return tok_final(h);
}

#define TOK_SEED 0x9e3779b97f4a7c15ull
static inline uint64_t tok_comb(uint64_t h, uint64_t t)
{
	h ^= t + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

struct toks {
	uint32_t start[CS_MAX_TOKENS], end[CS_MAX_TOKENS];
	uint64_t h[CS_MAX_TOKENS];     /* tok_hash(); the fast path fills it lazily */
	uint16_t key[CS_MAX_TOKENS];   /* tok_key(): the first-token filter */
	uint64_t have;                 /* fast path: bit k set when h[k] is computed */
	size_t n;
	bool overflow;
};

/* The first-token filter key: a token's length and first 8 bytes mixed. */
static inline uint16_t key_mix(uint64_t w, size_t n)
{
	return (uint16_t)(((w ^ (n * 0x9e3779b97f4a7c15ull)) * 0xd6e8feb86659fd93ull) >> 48);
}

static inline uint16_t tok_key(const char *s, size_t n)
{
	uint64_t w = 0;
	memcpy(&w, s, n < 8 ? n : 8);
	return key_mix(w, n);
}

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
		t->key[t->n] = tok_key(s + i, j - i);
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

/*
 * A window of tokens can hold a name only if its first token (one-token
 * names) or its first two tokens (longer names) are in a filter: in
 * ordinary text a word pair that starts a name is rare, so most values
 * hash no window at all.
 */
#define PAIR_BITS 18
static inline size_t pair_bit(uint16_t k0, uint16_t k1)
{
	uint64_t x = ((uint64_t)k0 << 16 | k1) * 0x9e3779b97f4a7c15ull;
	return (size_t)(x >> (64 - PAIR_BITS));
}

static inline bool bit_test(const uint64_t *f, size_t b)
{
	return f[b >> 6] >> (b & 63) & 1;
}

/* Bit 0: a one-token name may start at token i; bit 1: a longer one may. */
static inline unsigned window_starts(const struct customer_set *cs, const uint16_t *key,
				     size_t i, size_t n)
{
	unsigned r = cs->nsingle && bit_test(cs->first, key[i]);
	if (i + 1 < n && bit_test(cs->pair, pair_bit(key[i], key[i + 1])))
		r |= 2;
	return r;
}

static inline bool whole_maybe(const struct customer_set *cs, uint64_t h)
{
	uint64_t b = (h >> 20) & cs->whole_mask;
	return cs->whole[b >> 6] >> (b & 63) & 1;
}

static const struct tslot *slot_find(const struct customer_set *cs, uint64_t h,
				     const char *s, size_t n)
{
	if (!whole_maybe(cs, h))
		return NULL;
	size_t i = (size_t)(h ^ (h >> 32)) & (cs->nslots - 1);
	while (cs->slots[i].used) {
		const struct tslot *sl = &cs->slots[i];
		if (sl->h == h && sl->len == n && !memcmp(cs->arena + sl->off, s, n))
			return sl;
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
	free(cs->legal);
	if (cs->arena) {
		secure_zero(cs->arena, cs->arena_len);
		free(cs->arena);
	}
	free(cs->first);
	free(cs->pair);
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
	size_t total = 1;
	for (size_t i = 0; i < cs->n; i++)
		total += cs->e[i].len <= CS_SHORT_VALUE ? cs->e[i].len : 0;
	if (total > UINT32_MAX) {
		mb_err_set(err, MB_ERR_INPUT, "customer names: more than 4 GB of names");
		goto cleanup;
	}
	cs->arena = xmalloc(total);
	cs->arena_len = 0;
	cs->first = xcalloc(65536 / 64, sizeof(uint64_t));
	cs->pair = xcalloc(((size_t)1 << PAIR_BITS) / 64, sizeof(uint64_t));
	cs->nsingle = 0;
	/* 16 bits a name, 4 KB to 2 MB: small enough to stay in cache. */
	size_t wbits = (size_t)1 << 15;
	while (wbits < cs->n * 16 && wbits < ((size_t)1 << 24))
		wbits <<= 1;
	cs->whole_mask = wbits - 1;
	cs->whole = xcalloc(wbits / 64, sizeof(uint64_t));
	const char *const *forms;
	size_t nforms = match_legal_forms(&forms);
	cs->legal = xcalloc(nforms, sizeof(*cs->legal));
	for (size_t i = 0; i < nforms; i++) {
		struct legal_form *lf = &cs->legal[cs->nlegal];
		const char *p = forms[i];
		lf->s = p;
		lf->ntok = 0;
		while (*p && lf->ntok < LEGAL_MAX_TOKENS) {
			size_t n = strcspn(p, " ");
			lf->h[lf->ntok++] = tok_hash(p, n);
			p += n + (p[n] == ' ');
		}
		if (!*p)
			cs->nlegal++;  /* a longer form could never be stripped here */
	}
	for (size_t i = 0; i < nforms; i++) {
		const char *sp = strrchr(forms[i], ' '), *lt = sp ? sp + 1 : forms[i];
		uint64_t h = tok_hash(lt, strlen(lt));
		size_t k = (size_t)h & (LEGAL_SLOTS - 1);
		while (cs->legal_used[k] && cs->legal_h[k] != h)
			k = (k + 1) & (LEGAL_SLOTS - 1);
		cs->legal_h[k] = h;
		cs->legal_used[k] = true;
		size_t kb = tok_key(lt, strlen(lt)) & 1023;
		cs->legal_key[kb >> 6] |= 1ull << (kb & 63);
	}
	cs->maxtok = cs->maxtok_all = 0;
	cs->mintok = SIZE_MAX;
	struct toks *t = xmalloc(sizeof(*t));
	for (size_t i = 0; i < cs->n; i++) {
		struct cs_entry *e = &cs->e[i];
		tokenize(e->name, e->len, t);
		e->th = t->overflow ? 0 : seq_hash(t, 0, t->n);
		if (e->len <= CS_SHORT_VALUE) {
			size_t k = (size_t)(e->th ^ (e->th >> 32)) & (cs->nslots - 1);
			while (cs->slots[k].used)
				k = (k + 1) & (cs->nslots - 1);
			cs->slots[k].h = e->th;
			cs->slots[k].off = (uint32_t)cs->arena_len;
			cs->slots[k].len = (uint16_t)e->len;
			cs->slots[k].flagged = e->flagged;
			cs->slots[k].used = 1;
			memcpy(cs->arena + cs->arena_len, e->name, e->len);
			cs->arena_len += e->len;
		}
		uint64_t b = (e->th >> 20) & cs->whole_mask;
		cs->whole[b >> 6] |= 1ull << (b & 63);
		if (!t->overflow && t->n > cs->maxtok_all)
			cs->maxtok_all = t->n;
		if (!e->flagged && !t->overflow && t->n) {
			size_t fb = t->n == 1 ? t->key[0] : pair_bit(t->key[0], t->key[1]);
			(t->n == 1 ? cs->first : cs->pair)[fb >> 6] |= 1ull << (fb & 63);
			cs->nsingle += t->n == 1;
			if (t->n > cs->maxtok)
				cs->maxtok = t->n;
			if (t->n < cs->mintok)
				cs->mintok = t->n;
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
 * Fast path for short ASCII values. The value is lower-cased into a
 * scratch buffer while a bit mask of its letters and digits is built (16
 * bytes at a time with SSE2, a byte loop elsewhere). The buffer is not
 * compacted: a token (a run of set bits) has exactly the
 * bytes of the same token of match_normalize()'s output, so its hash is
 * the same, and candidate names are compared token by token. The result
 * is that of match_normalize() + tokenize() + match_tokens();
 * tests/unit/test_match.c checks it against a plain reference.
 */
#define FAST_PAD 16                      /* room after the value: 16-byte blocks, 8-byte words */
#define FAST_WORDS (CS_SHORT_VALUE / 64 + 1) /* mask words + a zero sentinel */

/* tok_hash() of n bytes at s when 8 bytes past every word may be read. */
static inline uint64_t tok_hash_padded(const char *s, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t h = tok_words(&s, n, &n);
	if (n) {
		uint64_t w;
		memcpy(&w, s, 8);
		w &= ~0ull >> (64 - 8 * n);  /* the bytes memcpy(&w, s, n) would give */
		h = tok_mix(h, w);
	}
	return tok_final(h);
#else
	return tok_hash(s, n);
#endif
}

/* tok_key() of n bytes at s when 8 bytes at s may be read. */
static inline uint16_t tok_key_padded(const char *s, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;
	memcpy(&w, s, 8);
	if (n < 8)
		w &= ~0ull >> (64 - 8 * n);
	return key_mix(w, n);
#else
	return tok_key(s, n);
#endif
}

/* Fast path: the hash of token k, computed the first time it is needed. */
static inline uint64_t fast_h(const char *buf, struct toks *t, size_t k)
{
	if (!(t->have >> k & 1)) {
		t->h[k] = tok_hash_padded(buf + t->start[k], t->end[k] - t->start[k]);
		t->have |= 1ull << k;
	}
	return t->h[k];
}

/*
 * Copies the len bytes at src lower-cased to dst (room for len rounded up
 * to 16) and sets mask bit i when byte i is an ASCII letter or digit.
 * Returns false when a byte is not ASCII. Bytes of dst after len are
 * undefined. With SSE2, src is read 16 bytes at a time; a last partial
 * block is read as the value's last 16 bytes, or copied when the value
 * is shorter (nothing after the value is ever read).
 */
static bool classify_ascii(const char *src, size_t len, char *dst,
			   uint64_t mask[FAST_WORDS])
{
	memset(mask, 0, FAST_WORDS * sizeof(uint64_t));
#ifdef __SSE2__
	const __m128i x20 = _mm_set1_epi8(0x20), a1 = _mm_set1_epi8('a' - 1),
		      z1 = _mm_set1_epi8('z' + 1), d0 = _mm_set1_epi8('0' - 1),
		      d9 = _mm_set1_epi8('9' + 1);
	for (size_t i = 0; i < len; i += 16) {
		unsigned valid = 0xffff;
		size_t at = i;
		__m128i x;
		if (len - i >= 16) {
			x = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
		} else if (len >= 16) {
			/* the last 16 bytes again, overlapping: the same answers for
			 * the bytes seen twice, and nothing read past the value */
			at = len - 16;
			x = _mm_loadu_si128((const __m128i *)(const void *)(src + at));
		} else {
			char tail[16] = { 0 };
			valid = (1u << len) - 1;
			memcpy(tail, src, len);
			x = _mm_loadu_si128((const __m128i *)(const void *)tail);
		}
		if ((unsigned)_mm_movemask_epi8(x) & valid)
			return false;
		__m128i lx = _mm_or_si128(x, x20);
		__m128i let = _mm_and_si128(_mm_cmpgt_epi8(lx, a1), _mm_cmpgt_epi8(z1, lx));
		__m128i dig = _mm_and_si128(_mm_cmpgt_epi8(x, d0), _mm_cmpgt_epi8(d9, x));
		_mm_storeu_si128((__m128i *)(void *)(dst + at),
				 _mm_or_si128(x, _mm_and_si128(let, x20)));
		uint64_t m = (unsigned)_mm_movemask_epi8(_mm_or_si128(let, dig)) & valid;
		mask[at >> 6] |= m << (at & 63);
		if ((at & 63) > 48)
			mask[(at >> 6) + 1] |= m >> (64 - (at & 63));
	}
#else
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)src[i];
		if (b >= 0x80)
			return false;
		bool let = (b | 0x20) >= 'a' && (b | 0x20) <= 'z';
		bool dig = b >= '0' && b <= '9';
		dst[i] = (char)(let ? b | 0x20 : b);
		mask[i >> 6] |= (uint64_t)(let || dig) << (i & 63);
	}
#endif
	return true;
}

/*
 * Tokens of a classified buffer: runs of set mask bits, found a word at a
 * time (run starts and ends are single bits). false: too many tokens.
 */
static bool fast_tokens(const char *buf, const uint64_t mask[FAST_WORDS], size_t len,
			struct toks *t)
{
	size_t nw = (len + 63) / 64, ns = 0, ne = 0;
	uint64_t carry = 0;

	t->n = 0;
	t->overflow = false;
	for (size_t w = 0; w <= nw; w++) {  /* mask[nw] is zero: closes a last run */
		uint64_t m = mask[w], prev = (m << 1) | carry;
		uint64_t starts = m & ~prev, ends = ~m & prev;
		carry = m >> 63;
		for (; starts; starts &= starts - 1) {
			if (ns == CS_MAX_TOKENS) {
				t->overflow = true;
				return false;
			}
			t->start[ns++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(starts));
		}
		for (; ends; ends &= ends - 1)
			t->end[ne++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(ends));
	}
	for (size_t k = 0; k < ns; k++)
		t->key[k] = tok_key_padded(buf + t->start[k], t->end[k] - t->start[k]);
	t->have = 0;  /* hashes on demand: fast_h() */
	t->n = ns;
	return true;
}

/* Is the name of sl the tokens [i, j) of buf joined by single spaces? */
static bool entry_is_tokens(const struct customer_set *cs, const struct tslot *sl,
			    const char *buf, const struct toks *t, size_t i, size_t j)
{
	const char *p = cs->arena + sl->off, *end = p + sl->len;
	for (size_t k = i; k < j; k++) {
		size_t n = t->end[k] - t->start[k];
		if (k > i) {
			if (p == end || *p != ' ')
				return false;
			p++;
		}
		if ((size_t)(end - p) < n)
			return false;
		const char *q = buf + t->start[k];
		for (size_t b = 0; b < n; b++)  /* tokens are short: no call */
			if (p[b] != q[b])
				return false;
		p += n;
	}
	return p == end;
}

static const struct tslot *slot_find_tokens(const struct customer_set *cs, uint64_t h,
					    const char *buf, const struct toks *t,
					    size_t i, size_t j)
{
	if (!whole_maybe(cs, h))
		return NULL;
	size_t k = (size_t)(h ^ (h >> 32)) & (cs->nslots - 1);
	while (cs->slots[k].used) {
		const struct tslot *sl = &cs->slots[k];
		if (sl->h == h && entry_is_tokens(cs, sl, buf, t, i, j))
			return sl;
		k = (k + 1) & (cs->nslots - 1);
	}
	return NULL;
}

/* Can a token with hash h end a legal form? (Equal tokens, equal hashes.) */
static inline bool legal_last(const struct customer_set *cs, uint64_t h)
{
	size_t k = (size_t)h & (LEGAL_SLOTS - 1);
	while (cs->legal_used[k]) {
		if (cs->legal_h[k] == h)
			return true;
		k = (k + 1) & (LEGAL_SLOTS - 1);
	}
	return false;
}

/* Is the token [k] of buf the n bytes at s? */
static inline bool token_is(const char *buf, const struct toks *t, size_t k, const char *s,
			    size_t n)
{
	return t->end[k] - t->start[k] == n && !memcmp(buf + t->start[k], s, n);
}

/*
 * The number of tokens match_legal_core_len() keeps of the tokens of buf:
 * trailing legal forms (compared by token hash, then by bytes) are dropped
 * while another token remains, then a trailing "and".
 */
static size_t legal_core_tokens(const struct customer_set *cs, const char *buf,
				struct toks *t)
{
	size_t ncore = t->n;
	bool again = true;
	/* most values: the last token's key already says it is no legal form */
	while (again && ncore >= 2 && bit_test(cs->legal_key, t->key[ncore - 1] & 1023u) &&
	       legal_last(cs, fast_h(buf, t, ncore - 1))) {
		again = false;
		for (size_t f = 0; f < cs->nlegal; f++) {
			const struct legal_form *lf = &cs->legal[f];
			size_t k = lf->ntok, first = ncore - k;
			if (ncore <= k)
				continue;
			size_t q = 0;
			while (q < k && fast_h(buf, t, first + q) == lf->h[q])
				q++;
			if (q < k)
				continue;
			const char *p = lf->s;
			for (q = 0; q < k; q++) {
				size_t n = strcspn(p, " ");
				if (!token_is(buf, t, first + q, p, n))
					break;
				p += n + (p[n] == ' ');
			}
			if (q < k)
				continue;
			ncore = first;
			if (ncore >= 2 && token_is(buf, t, ncore - 1, "and", 3))
				ncore--;
			again = true;
			break;
		}
	}
	return ncore;
}

/* slot_find_tokens() with the filter test inlined (most lookups stop there). */
static inline const struct tslot *lookup_tokens(const struct customer_set *cs, uint64_t h,
						 const char *buf, const struct toks *t,
						 size_t i, size_t j)
{
	return whole_maybe(cs, h) ? slot_find_tokens(cs, h, buf, t, i, j) : NULL;
}

/* match_tokens() on a classified, uncompacted buffer. */
static enum customer_match match_fast(const struct customer_set *cs, const char *buf,
				      struct toks *t)
{
	if (!t->n)
		return CUSTOMER_NONE;
	size_t ncore = legal_core_tokens(cs, buf, t);
	if (ncore && ncore <= cs->maxtok_all) {
		uint64_t h = TOK_SEED;
		for (size_t k = 0; k < ncore; k++)
			h = tok_comb(h, fast_h(buf, t, k));  /* seq_hash() */
		if (lookup_tokens(cs, h, buf, t, 0, ncore))
			return CUSTOMER_EXACT;
	}
	if (!cs->maxtok)
		return CUSTOMER_NONE;
	for (size_t i = 0; i + cs->mintok <= t->n; i++) {
		unsigned starts = window_starts(cs, t->key, i, t->n);
		if (!starts)
			continue;
		uint64_t h = TOK_SEED;
		for (size_t j = i; j < t->n && j - i < cs->maxtok; j++) {
			h = tok_comb(h, fast_h(buf, t, j));
			if (j == i && !(starts & 1))
				continue;
			if (j > i && !(starts & 2))
				break;
			const struct tslot *e = lookup_tokens(cs, h, buf, t, i, j + 1);
			if (e && !e->flagged)
				return CUSTOMER_CONTAINS;
		}
	}
	return CUSTOMER_NONE;
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
		unsigned starts = window_starts(cs, t->key, i, t->n);
		if (!starts)
			continue;
		uint64_t h = TOK_SEED;
		for (size_t j = i; j < t->n && j - i < cs->maxtok; j++) {
			h = tok_comb(h, t->h[j]);
			if (j == i && !(starts & 1))
				continue;
			if (j > i && !(starts & 2))
				break;
			const struct tslot *e = slot_find(cs, h, buf + t->start[i],
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
		uint64_t mask[FAST_WORDS];
		if (sb->alloc < CS_SHORT_VALUE + FAST_PAD + 1)
			strbuf_grow(sb, CS_SHORT_VALUE + FAST_PAD);
		if (classify_ascii(value, len, sb->buf, mask)) {
			if (fast_tokens(sb->buf, mask, len, scratch->toks))
				m = match_fast(cs, sb->buf, scratch->toks);
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

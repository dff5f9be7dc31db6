/*
 * names.c - column-name tokeniser and name scores. Whole tokens only:
 * "passenger" never matches "pass", "zip" never matches "ship".
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>

#include "scanner/scanner.h"

static void push_token(struct scan_tokens *t, const char *s, size_t n)
{
	ALLOC_GROW(t->v, t->n + 1, t->alloc);
	t->v[t->n++] = xstrndup(s, n);
}

void scan_tokens_release(struct scan_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = t->alloc = 0;
}

void scan_tokenize(const char *name, struct scan_tokens *out)
{
	struct strbuf split = STRBUF_INIT, norm = STRBUF_INIT;
	size_t len = strlen(name);

	/* camelCase boundaries become spaces before normalising. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		unsigned char p = i ? (unsigned char)name[i - 1] : 0;
		unsigned char nx = i + 1 < len ? (unsigned char)name[i + 1] : 0;
		if (i && isupper(c) && (islower(p) || (isupper(p) && islower(nx))))
			strbuf_addch(&split, ' ');
		else if (i && ((isdigit(c) && isalpha(p)) || (isalpha(c) && isdigit(p))))
			strbuf_addch(&split, ' ');
		strbuf_addch(&split, c);
	}
	match_normalize(split.buf, split.len, &norm, NULL);
	const char *s = norm.buf, *end = norm.buf + norm.len;
	while (s < end) {
		const char *e = memchr(s, ' ', (size_t)(end - s));
		if (!e)
			e = end;
		if (e > s)
			push_token(out, s, (size_t)(e - s));
		s = e + 1;
	}
	strbuf_release(&split);
	strbuf_release(&norm);
}

/* Tokens that qualify a keyword without changing what the column holds. */
static const char *const modifiers[] = {
	"billing", "bill", "shipping", "ship", "delivery", "to", "from", "home", "work", "office", "business",
	"primary", "secondary", "alt", "alternate", "alternative", "other",
	"customer", "cust", "client", "user", "usr", "contact", "personal",
	"mailing", "current", "curr", "previous", "prev", "new", "old", "main",
	"private", "my", "default", "the", "of", "no", "num", "number", "nr",
	"nbr", "line", "hashed", "encrypted", "enc", "raw", "plain", "value",
	"val", "text", "txt", "str", "field", "data", "info", "full", "emp",
	"employee", "person", "member", "patient", "owner", "holder", "invoice",
	"order", "registered", "legal", "official", "preferred", "company",
	"contact", "emergency", "guardian", "parent", "spouse", "partner",
	"cell", "mobile", "fixed", "direct", "de", "du", "la", "le", "del", "da",
	"di", "van", "des", "1", "2", "3", "4",
};

/* A last token that turns a PII word into metadata about it: "genre_id",
 * "email_count", "phone_verified", "address_type". */
static const char *const meta_suffixes[] = {
	"id", "ids", "fk", "pk", "key", "idx", "ref", "uuid", "guid", "count",
	"cnt", "type", "types", "status", "flag", "enabled", "disabled", "at",
	"ts", "verified", "confirmed", "len", "length", "size", "format",
	"policy", "template", "sent", "opt", "optin", "changed", "updated",
	"created", "mask", "regex", "pattern", "label", "visible", "public",
	"required", "valid", "validated", "bounce", "bounced", "source",
};

static bool is_meta_suffix(const char *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(meta_suffixes); i++)
		if (!strcmp(meta_suffixes[i], t))
			return true;
	return false;
}

static bool is_modifier(const char *t)
{
	if (isdigit((unsigned char)t[0]))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(modifiers); i++)
		if (!strcmp(modifiers[i], t))
			return true;
	return false;
}

/* Token equality allowing a plural on the column side ("emails", "addresses"). */
static bool tok_eq(const char *col, const char *kw)
{
	size_t a = strlen(col), b = strlen(kw);
	if (a == b)
		return !memcmp(col, kw, a);
	if (b <= 4)  /* "pass" is not "passes", "ip" not "ips" */
		return false;
	if (a == b + 1 && col[a - 1] == 's')
		return !memcmp(col, kw, b);
	if (a == b + 2 && col[a - 2] == 'e' && col[a - 1] == 's')
		return !memcmp(col, kw, b);
	return false;
}

/* "_a_b_c_" for substring checks on token boundaries. */
static void join_tokens(const struct scan_tokens *t, struct strbuf *out, const char *sep,
			bool wrap)
{
	if (wrap)
		strbuf_addstr(out, sep);
	for (size_t i = 0; i < t->n; i++) {
		if (i)
			strbuf_addstr(out, sep);
		strbuf_addstr(out, t->v[i]);
	}
	if (wrap)
		strbuf_addstr(out, sep);
}

static bool has_seq(const char *wrapped, const char *seq)
{
	size_t n = strlen(seq);
	for (const char *p = wrapped; (p = strstr(p, seq)); p++)
		if (p[-1] == '_' && p[n] == '_')
			return true;
	return false;
}

static bool table_has_context(const struct match_category *c, const struct scan_tokens *tt)
{
	for (size_t i = 0; i < tt->n; i++)
		for (size_t j = 0; j < c->ncontext; j++)
			if (tok_eq(tt->v[i], c->context[j]) || !strcmp(tt->v[i], c->context[j]))
				return true;
	return false;
}

void scan_name_scores(const struct match_catalog *mc, const char *table,
		      const char *column, double *scores, char **why)
{
	struct scan_tokens ct = { 0 }, tt = { 0 };
	struct strbuf wrapped = STRBUF_INIT, fused = STRBUF_INIT;
	size_t ncat = match_catalog_count(mc);
	uint64_t *mask = xcalloc(ncat ? ncat : 1, sizeof(*mask));

	scan_tokenize(column, &ct);
	if (table)
		scan_tokenize(table, &tt);
	join_tokens(&ct, &wrapped, "_", true);
	join_tokens(&ct, &fused, "", false);
	size_t ntok = ct.n < 64 ? ct.n : 64;
	uint64_t all = ntok == 64 ? ~0ull : ((1ull << ntok) - 1);
	uint64_t mods = 0;
	for (size_t i = 0; i < ntok; i++)
		if (is_modifier(ct.v[i]))
			mods |= 1ull << i;

	for (size_t c = 0; c < ncat; c++) {
		const struct match_category *cat = match_catalog_get(mc, c);
		const char *hit = NULL;
		scores[c] = 0;
		if (why)
			why[c] = NULL;
		if (!ntok)
			continue;
		bool excluded = false;
		for (size_t e = 0; e < cat->nexclude && !excluded; e++)
			excluded = has_seq(wrapped.buf, cat->exclude[e]);
		if (excluded) {
			scores[c] = -1;
			continue;
		}
		for (size_t f = 0; f < cat->nfused; f++) {
			if (!strcmp(fused.buf, cat->fused[f])) {
				mask[c] = all;
				hit = cat->fused[f];
				break;
			}
			for (size_t i = 0; i < ntok; i++)
				if (tok_eq(ct.v[i], cat->fused[f])) {
					mask[c] |= 1ull << i;
					hit = cat->fused[f];
				}
		}
		bool ctx_checked = false, ctx_ok = false;
		for (size_t k = 0; k < cat->nkeywords; k++) {
			const struct match_keyword *kw = &cat->keywords[k];
			if (!kw->ntokens || kw->ntokens > ntok)
				continue;
			if (kw->needs_context) {
				if (!ctx_checked) {
					ctx_ok = table_has_context(cat, &tt);
					ctx_checked = true;
				}
				if (!ctx_ok)
					continue;
			}
			for (size_t i = 0; i + kw->ntokens <= ntok; i++) {
				size_t j = 0;
				while (j < kw->ntokens &&
				       (j + 1 < kw->ntokens ? !strcmp(ct.v[i + j], kw->tokens[j])
							    : tok_eq(ct.v[i + j], kw->tokens[j])))
					j++;
				if (j < kw->ntokens)
					continue;
				uint64_t m = ((kw->ntokens == 64 ? ~0ull : (1ull << kw->ntokens) - 1)) << i;
				if ((m & ~mask[c]) && (!hit || kw->ntokens > 1 || !(mask[c])))
					hit = hit ? hit : kw->tokens[0];
				mask[c] |= m;
			}
		}
		if (!mask[c])
			continue;
		if (is_meta_suffix(ct.v[ntok - 1]) && !(mask[c] >> (ntok - 1) & 1)) {
			mask[c] = 0;
			continue;
		}
		/* Modifiers do not count against a full match, but a name made of a
		 * keyword that is itself a modifier ("number") needs the keyword. */
		scores[c] = ((mask[c] | mods) & all) == all ? 1.0 : 0.65;
		if (why && hit)
			why[c] = xstrdup(hit);
	}
	/* Specificity: "ip_address" beats "address", "first_name" beats "name". */
	for (size_t a = 0; a < ncat; a++) {
		if (scores[a] <= 0)
			continue;
		for (size_t b = 0; b < ncat; b++) {
			if (a == b || scores[b] <= 0)
				continue;
			if ((mask[a] & mask[b]) == mask[a] && mask[b] != mask[a]) {
				scores[a] = 0;
				if (why) {
					free(why[a]);
					why[a] = NULL;
				}
				break;
			}
		}
	}
	free(mask);
	strbuf_release(&wrapped);
	strbuf_release(&fused);
	scan_tokens_release(&ct);
	scan_tokens_release(&tt);
}

/*
 * test_match_prefilter.c - differential test of the Vectorscan prefilter
 * (core/match_prefilter.c) against running every PCRE2 pattern:
 *   1. superset: for generated values and texts (ASCII, non-ASCII with
 *      case-folding traps such as U+212A KELVIN SIGN and U+017F LONG S,
 *      random bytes, invalid UTF-8), every pattern whose PCRE2 form
 *      matches is a prefilter candidate, anchored and in text;
 *   2. same results: match_classify_value and match_find_spans_s give
 *      exactly the same output with the prefilter on and off.
 * TAP output (tests/lib/tap.h). MASKBENCH_CACHE=off keeps it hermetic
 * unless the caller sets a cache folder.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/match.h"
#include "core/match_int.h"
#include "tests/lib/tap.h"

static unsigned long long rng = 0x2545f4914f6cdd1dull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Fragments: PII shapes, near misses, Unicode case traps, separators. */
static const char *const frags[] = {
	"anna.smith@corp.io", "user5@example.com", "a@b.c", "x@@y.zz", "+44 20 7946 0005",
	"+1 (415) 555-0134", "(212) 555 0199", "4111 1111 1111 1111", "4111-1111-1111-1112",
	"5500005555555559", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432",
	"192.168.1.20", "10.0.0.256", "fe80::1%eth0", "2001:db8::ff00:42:8329", "::",
	"123-45-6789", "078-05-1120", "912-70-1234", "AB 12 34 56 C", "943 476 5919",
	"12345678Z", "X1234567L", "1HGCM82633A004352", "550e8400-e29b-41d4-a716-446655440000",
	"{550E8400-E29B-41D4-A716-446655440000}", "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
	"*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9", "md5d41d8cd98f00b204e9800998ecf8427e",
	"AKIAIOSFODNN7EXAMPLE", "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
	"xoxb-1234567890-abcdef", "sk_live_abcdefghijklmnop1234", "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
	"postgres://bob:s3cret@db.example.net/x", "12 Main Street", "4b Baker St., Apt 5",
	"742 Evergreen Terrace", "Hauptstraße 5", "HAUPTSTRASSE 12a", "Lindenweg 7", "Rue de la Paix 12",
	"Calle Mayor, nº 3", "Praça da Sé 1", "PO Box 1234", "Postfach 77", "SW1A 1AA", "K1A 0B1",
	"1234 AB", "90210-1234", "48.8566,2.3522", "POINT(2.35 48.85)", "Acme Inc", "Foo GmbH",
	"1990-05-17", "17/05/1990", "31.12.1985", "A12.3", "DEUTDEFF500", "1EG4-TE5-MK73",
	/* case-folding and Unicode traps */
	"\xe2\x84\xaa", "\xc5\xbf", "12 Main \xc5\xbftreet", "Acme \xe2\x84\xaag", "Hauptstra\xe1\xba\x9e" "e 5",
	"M\xc3\xbcnchener Stra\xc3\x9f" "e 9", "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80", "\xe4\xb8\xad\xe6\x96\x87",
	"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 12", "\xc4\xb0stanbul 34", "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93",
	/* the reduced text forms: folded s/k at word edges, VIN runs, look-aheads */
	"1HGCM82633A00435\xe2\x84\xaa", "WP0ZZZ99ZTS39213\xc5\xbf", "99 Elm \xc5\xbft.", "7 Oak ST",
	"Via Roma 5", "avenida", "called", "first st", "::ffff:10.0.0.1", "a:b:c", "Rue\xc3\xa9",
	"p.o. box 12", "sk_test_", "BIC", "DE", "\xe2\x84\xaa", "straat 4",
	/* plain words, numbers, separators */
	"order", "shipped", "the", "customer", "called", "12", "4.99", "2024", "000", "9", "-", ".", ",",
	":", "/", "_", "@", "+", "$", "#", "(", ")", "'", "\"", "\t", "\n", "  ",
};

static void gen(struct strbuf *sb, size_t maxparts)
{
	size_t parts = 1 + rnd((unsigned)maxparts);
	strbuf_reset(sb);
	for (size_t i = 0; i < parts; i++) {
		unsigned r = rnd(20);
		if (r == 0) {
			/* random bytes (may break UTF-8) */
			size_t n = 1 + rnd(6);
			for (size_t k = 0; k < n; k++)
				strbuf_addch(sb, (char)(rnd(255) + 1));
		} else if (r == 1) {
			/* random digits and separators */
			size_t n = 1 + rnd(20);
			for (size_t k = 0; k < n; k++)
				strbuf_addch(sb, "0123456789 -./"[rnd(14)]);
		} else {
			strbuf_addstr(sb, frags[rnd(ARRAY_SIZE(frags))]);
		}
		if (rnd(3))
			strbuf_addch(sb, " ,;\n"[rnd(4)]);
	}
}

static size_t misses;

/* Every pattern PCRE2 matches must be a candidate. */
static void check_superset(struct match_catalog *cat, struct match_scratch *s,
			   const char *v, size_t len)
{
	if (!utf8_valid(v, len) || !len)
		return;
	for (int w = 0; w < 2; w++) {
		const uint64_t *cand = match_prefilter_run(cat, s, w, v, len);
		if (!cand)
			continue;
		/* copy: the PCRE2 runs below do not touch it, but be explicit */
		uint64_t bits[8] = { 0 };
		memcpy(bits, cand, cat->pf_words * sizeof(uint64_t));
		for (size_t i = 0; i < cat->npats; i++) {
			const struct match_pattern *p = &cat->pats[i];
			pcre2_code *re = w == MATCH_PF_ANCHORED ? p->anchored : p->unanchored;
			if (!re || (w == MATCH_PF_TEXT && !cat->cats[p->category].report))
				continue;
			int rc = pcre2_match(re, (PCRE2_SPTR)v, len, 0, PCRE2_NO_UTF_CHECK, s->md,
					     s->mctx);
			if (rc >= 0 && !match_cand(bits, i)) {
				misses++;
				tap_diag("prefilter %s missed pattern %s (input of %zu bytes)",
					 w ? "text" : "anchored", p->name, len);
			}
		}
	}
}

struct spans {
	struct strbuf out;
};

static int span_cb(void *ctx, const struct match_span *sp)
{
	struct spans *s = ctx;
	strbuf_addf(&s->out, "%zu+%zu:%s/%s;", sp->start, sp->len, sp->category, sp->pattern);
	return 0;
}

static bool same_result(const struct match_result *a, const struct match_result *b)
{
	return a->shape == b->shape && a->valid == b->valid && a->weak == b->weak &&
	       !memcmp(a->pattern, b->pattern, sizeof(a->pattern));
}

int main(void)
{
	struct mb_err err = MB_ERR_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct spans on = { STRBUF_INIT }, off = { STRBUF_INIT };
	size_t n_values = 0, n_texts = 0, diff_class = 0, diff_spans = 0, pf_text_used = 0;

	if (!getenv("MASKBENCH_CACHE"))
		setenv("MASKBENCH_CACHE", "off", 1);
	struct match_catalog *cat = match_catalog_load(NULL, &err);
	if (!tap_ok(cat != NULL, "catalog loads")) {
		tap_diag("%s", err.msg);
		return tap_done();
	}
	struct match_scratch *s = match_scratch_new(cat);
	struct match_scratch *s2 = match_scratch_new(NULL);  /* grows lazily */

	/* Fixed traps first, then generated inputs. */
	for (size_t i = 0; i < ARRAY_SIZE(frags); i++)
		check_superset(cat, s, frags[i], strlen(frags[i]));
	tap_ok(cat->pf[0].db && cat->pf[1].db, "both prefilter databases compiled");

	for (int round = 0; round < 6000; round++) {
		gen(&sb, round % 3 == 0 ? 40 : 4);
		check_superset(cat, s, sb.buf, sb.len);

		/* whole values: prefilter on vs off */
		struct match_result a, b;
		cat->use_prefilter = true;
		int ra = match_classify_value(cat, round & 1 ? s : s2, sb.buf, sb.len, &a, &err);
		cat->use_prefilter = false;
		int rb = match_classify_value(cat, s, sb.buf, sb.len, &b, &err);
		cat->use_prefilter = true;
		n_values++;
		if (ra != rb || !same_result(&a, &b)) {
			diff_class++;
			tap_diag("classify differs on a generated value of %zu bytes", sb.len);
		}

		/* free text: prefilter on vs off */
		strbuf_reset(&on.out);
		strbuf_reset(&off.out);
		ra = match_find_spans_s(cat, s, NULL, sb.buf, sb.len, span_cb, &on);
		cat->use_prefilter = false;
		rb = match_find_spans_s(cat, s, NULL, sb.buf, sb.len, span_cb, &off);
		cat->use_prefilter = true;
		n_texts++;
		pf_text_used += sb.len >= 128 && utf8_valid(sb.buf, sb.len);
		if (ra != rb || strcmp(on.out.buf, off.out.buf)) {
			diff_spans++;
			tap_diag("spans differ on a generated text of %zu bytes", sb.len);
		}
	}
	tap_ok(misses == 0, "prefilter never misses a PCRE2 match (%zu misses)", misses);
	tap_ok(diff_class == 0, "match_classify_value same with and without prefilter (%zu values)",
	       n_values);
	tap_ok(diff_spans == 0, "match_find_spans_s same with and without prefilter (%zu texts)",
	       n_texts);
	tap_ok(pf_text_used > 500, "the text prefilter ran on %zu long texts", pf_text_used);

	/* The widening must not make the anchored prefilter accept nothing:
	 * a plain word is no candidate for a digits-only pattern. */
	const uint64_t *cand = match_prefilter_run(cat, s, MATCH_PF_ANCHORED, "hello", 5);
	size_t ncand = 0;
	for (size_t i = 0; cand && i < cat->npats; i++)
		ncand += match_cand(cand, i);
	tap_ok(cand && ncand < cat->npats / 2, "prefilter rejects most patterns for a word (%zu of %zu)",
	       ncand, cat->npats);

	match_scratch_free(s);
	match_scratch_free(s2);
	match_catalog_free(cat);
	strbuf_release(&sb);
	strbuf_release(&on.out);
	strbuf_release(&off.out);
	return tap_done();
}

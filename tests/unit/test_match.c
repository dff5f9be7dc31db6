/*
 * test_match.c - unit tests for core/match* and the scanner's pure parts:
 * validators, normaliser, customer names, column-name tokeniser and name
 * scores, value classification, span finder, shapes, Wilson bound.
 */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/match.h"
#include "scanner/scanner.h"

#define S(x) x, strlen(x)

static struct match_catalog *mc;

static int setup(void **state)
{
	struct mb_err err = MB_ERR_INIT;
	char *share = getenv("MB_SRCDIR") ? xasprintf("%s/share", getenv("MB_SRCDIR")) : NULL;
	mc = match_catalog_load(share, &err);
	free(share);
	if (!mc)
		fprintf(stderr, "# %s\n", err.msg);
	return mc ? 0 : -1;
}

static int teardown(void **state)
{
	match_catalog_free(mc);
	return 0;
}

/* ---- validators ---- */

static void test_luhn_card(void **state)
{
	assert_true(match_luhn(S("79927398713")));
	assert_false(match_luhn(S("79927398710")));
	assert_true(match_card(S("4111 1111 1111 1111")));
	assert_true(match_card(S("5500-0000-0000-0004")));
	assert_true(match_card(S("378282246310005")));      /* Amex 15 */
	assert_false(match_card(S("4111 1111 1111 1112")));  /* Luhn */
	assert_false(match_card(S("1234567812345678")));     /* issuer */
	assert_true(match_card(S("4222222222222")));         /* Visa 13 */
	assert_false(match_card(S("0000000000000000")));
	assert_false(match_card(S("37828224631000")));       /* Amex needs 15 */
}

static void test_iban(void **state)
{
	assert_true(match_iban(S("DE89 3704 0044 0532 0130 00")));
	assert_true(match_iban(S("GB82WEST12345698765432")));
	assert_true(match_iban(S("fr1420041010050500013m02606")));
	assert_false(match_iban(S("DE89 3704 0044 0532 0130 01")));  /* mod 97 */
	assert_false(match_iban(S("DE89 3704 0044 0532 0130")));     /* length */
	assert_false(match_iban(S("QQ89370400440532013000")));       /* country */
}

static void test_ssn(void **state)
{
	assert_true(match_ssn(S("536-22-1234")));
	assert_false(match_ssn(S("666-12-3456")));
	assert_false(match_ssn(S("000-12-3456")));
	assert_false(match_ssn(S("912-12-3456")));
	assert_false(match_ssn(S("536-00-1234")));
	assert_false(match_ssn(S("536-22-0000")));
	assert_false(match_ssn(S("078-05-1120")));  /* the Woolworth sample */
	assert_false(match_ssn(S("123-45-6789")));
	assert_false(match_ssn(S("111-11-1111")));
}

static void test_ip(void **state)
{
	assert_true(match_ipv4(S("192.168.1.20")));
	assert_false(match_ipv4(S("1.2.3.256")));
	assert_true(match_ipv6(S("2001:db8::8a2e:370:7334")));
	assert_true(match_ipv6(S("fe80::1%eth0")));
	assert_false(match_ipv6(S("12:30:45")));
	assert_false(match_ipv6(S("foo:bar")));
}

static void test_birth_date(void **state)
{
	assert_true(match_birth_date(S("1987-03-14")));
	assert_true(match_birth_date(S("1962-02-18 00:00:00")));
	assert_true(match_birth_date(S("14.03.1987")));
	assert_true(match_birth_date(S("03/14/1987")));
	assert_false(match_birth_date(S("1987-13-14")));
	assert_false(match_birth_date(S("1887-03-14")));   /* older than 120 */
	assert_false(match_birth_date(S("2999-01-01")));   /* future */
	assert_false(match_birth_date(S("2001-02-29")));   /* not a leap year */
	assert_false(match_birth_date(S("29.99")));
}

static void test_checksums(void **state)
{
	assert_true(match_nhs(S("943 476 5919")));
	assert_false(match_nhs(S("943 476 5918")));
	assert_true(match_es_nif(S("12345678Z")));
	assert_false(match_es_nif(S("12345678A")));
	assert_true(match_es_nif(S("X1234567L")));
	assert_true(match_vin(S("1M8GDM9AXKP042788")));
	assert_false(match_vin(S("1M8GDM9A1KP042788")));
	assert_true(match_aba(S("021000021")));
	assert_false(match_aba(S("021000022")));
	assert_true(match_jwt(S("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc")));
	assert_false(match_jwt(S("eyJzdWIiOiIxMjM0In0.eyJzdWIiOiIxMjM0In0.abc"))); /* no alg */
	assert_true(match_email_domain(S("john@corp.io")));
	assert_false(match_email_domain(S("john@localhost")));
	assert_false(match_email_domain(S("john@example.com")));
	assert_true(match_entropy(S("aaaa")) < 0.01);
	assert_true(match_entropy(S("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")) > 4.0);
	assert_true(match_validator_known("luhn"));
	assert_false(match_validator_known("nope"));
	assert_true(match_validate("iban", S("GB82WEST12345698765432")));
}

/* ---- normaliser ---- */

static void check_norm(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	match_normalize(in, strlen(in), &sb, NULL);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_normalize(void **state)
{
	check_norm("Société Générale", "societe generale");
	check_norm("  SOCIETE   GENERALE, S.A. ", "societe generale s a");
	check_norm("ŠKODA", "skoda");
	check_norm("Straße", "strasse");
	check_norm("ﬁne Ｆｕｌｌ", "fine full");
	check_norm("Ærø Łódź", "aero lodz");
	check_norm("Müller-Lüdenscheidt GmbH", "muller ludenscheidt gmbh");
	check_norm("", "");
	check_norm("---", "");
	/* invalid UTF-8 bytes are separators, never a crash */
	check_norm("ab\xff\xfe" "cd", "ab cd");

	char buf[] = "societe generale s a";
	assert_int_equal(match_strip_legal(buf, strlen(buf)), strlen("societe generale"));
	char one[] = "gmbh";
	assert_int_equal(match_strip_legal(one, 4), 4);  /* a lone legal form stays */
	char amp[] = "smith and co";
	match_strip_legal(amp, strlen(amp));
	assert_string_equal(amp, "smith");

	/* offsets map back into the original text */
	struct strbuf sb = STRBUF_INIT;
	size_t *map = NULL;
	const char *t = "Hé, Ünïcode!";
	match_normalize(t, strlen(t), &sb, &map);
	assert_string_equal(sb.buf, "he unicode");
	assert_int_equal(map[0], 0);
	assert_int_equal(map[3], 5);  /* 'u' comes from Ü at byte 5 */
	free(map);
	strbuf_release(&sb);
}

/* ---- customers ---- */

static int count_cb(void *ctx, size_t start, size_t len)
{
	size_t *n = ctx;
	(*n)++;
	return 0;
}

static void test_customers(void **state)
{
	struct mb_err err = MB_ERR_INIT;
	struct customer_set *cs = customer_set_new();
	customer_set_add(cs, S("Apple"));
	customer_set_add(cs, S("Société Générale"));
	customer_set_add(cs, S("Acme Widgets Inc."));
	customer_set_add(cs, S("ACME WIDGETS"));        /* duplicate after normalising */
	customer_set_add(cs, S("IBM"));
	customer_set_add(cs, S(" -- "));                /* normalises to nothing */
	assert_int_equal(customer_set_build(cs, &err), 0);
	assert_int_equal(customer_set_count(cs), 4);
	assert_int_equal(customer_set_flagged_count(cs), 2);  /* apple (common), ibm (short) */

	struct match_scratch *s = match_scratch_new(mc);
	assert_int_equal(customer_set_match(cs, s, S("Apple")), CUSTOMER_EXACT);
	assert_int_equal(customer_set_match(cs, s, S("APPLE INC")), CUSTOMER_EXACT);
	assert_int_equal(customer_set_match(cs, s, S("pineapple")), CUSTOMER_NONE);
	assert_int_equal(customer_set_match(cs, s, S("Apple pie")), CUSTOMER_NONE); /* flagged */
	assert_int_equal(customer_set_match(cs, s, S("SOCIETE GENERALE S.A.")), CUSTOMER_EXACT);
	assert_int_equal(customer_set_match(cs, s, S("Paid by Société Générale yesterday")),
			 CUSTOMER_CONTAINS);
	assert_int_equal(customer_set_match(cs, s, S("societegenerale")), CUSTOMER_NONE);
	assert_int_equal(customer_set_match(cs, s, S("acme widgetsx")), CUSTOMER_NONE);
	assert_int_equal(customer_set_match(cs, NULL, S("ibm")), CUSTOMER_EXACT);

	size_t n = 0;
	const char *text = "Acme Widgets and ACME-widgets; not acmewidgets";
	customer_set_find(cs, s, text, strlen(text), count_cb, &n);
	assert_int_equal(n, 2);
	match_scratch_free(s);
	customer_set_free(cs);

	/* a file with invalid UTF-8 names the line, not the name */
	char path[] = "/tmp/mbt_scan_custXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "Good Name\n\xff\xfe bad\n", 15), 15);
	close(fd);
	cs = customer_set_new();
	assert_int_equal(customer_set_load_file(cs, path, &err), -1);
	assert_non_null(strstr(err.msg, ":2:"));
	assert_null(strstr(err.msg, "Good"));
	customer_set_free(cs);
	unlink(path);
}

/*
 * customer_set_match() against a plain reference on random values: the
 * reference normalises with match_normalize(), strips legal forms with
 * match_legal_core_len(), and compares strings (whole value, then every
 * token window) with a linear search of the names. It knows the rules of
 * match.h: values longer than 256 normalised bytes are only searched for
 * containment, more than 64 tokens match nothing, flagged names (short or
 * a common single word) count only as whole values.
 */
struct ref_name {
	char *norm;      /* normalised, legal forms stripped */
	bool flagged;
};

static uint64_t ref_rng = 0x243f6a8885a308d3ull;
static unsigned ref_rand(unsigned n)
{
	ref_rng ^= ref_rng << 13;
	ref_rng ^= ref_rng >> 7;
	ref_rng ^= ref_rng << 17;
	return (unsigned)(ref_rng % n);
}

static bool ref_is_name(const struct ref_name *names, size_t n, const char *s, size_t len,
			bool only_unflagged)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i].norm) == len && !memcmp(names[i].norm, s, len) &&
		    !(only_unflagged && names[i].flagged))
			return true;
	return false;
}

static enum customer_match ref_match(const struct ref_name *names, size_t n, const char *v,
				     size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	enum customer_match m = CUSTOMER_NONE;
	size_t st[300], en[300], nt = 0;

	match_normalize(v, len, &sb, NULL);
	for (size_t i = 0; i < sb.len;) {
		size_t j = i;
		while (j < sb.len && sb.buf[j] != ' ')
			j++;
		st[nt] = i;
		en[nt++] = j;
		i = j + 1;
	}
	if (!sb.len || (sb.len <= 256 && nt > 64))
		goto done;
	if (sb.len <= 256) {
		size_t core = match_legal_core_len(sb.buf, sb.len);
		if (ref_is_name(names, n, sb.buf, core, false)) {
			m = CUSTOMER_EXACT;
			goto done;
		}
	}
	for (size_t i = 0; i < nt; i++)
		for (size_t j = i; j < nt; j++)
			if (ref_is_name(names, n, sb.buf + st[i], en[j] - st[i], true)) {
				m = CUSTOMER_CONTAINS;
				goto done;
			}
done:
	strbuf_release(&sb);
	return m;
}

static void test_customers_reference(void **state)
{
	static const char *const syl[] = { "zor", "qua", "vex", "tal", "min", "ka", "lo",
		"dru", "fen", "ix", "o", "yar" };
	static const char *const legal[] = { " Inc", " GmbH", " S.A.", " Ltd.", " GmbH & Co. KG",
		" s.a.r.l.", " and", " & Co", " AG" };
	static const char *const seps[] = { " ", "  ", "-", ", ", ".", " & ", "/", "\t", "_" };
	static const char *const other[] = { "paid", "by", "Apple", "shell", "pineapple", "é",
		"Zoré", "ZOR", "42", "n/a", "\xff", "straße", "x" };
	struct mb_err err = MB_ERR_INIT;
	struct customer_set *cs = customer_set_new();
	struct ref_name names[300];
	size_t nnames = 0;
	struct strbuf sb = STRBUF_INIT, v = STRBUF_INIT;

	/* names: 1-3 words of 1-3 syllables, sometimes a legal form; traps */
	char *raw[243];
	for (int i = 0; i < 243; i++) {
		strbuf_reset(&sb);
		if (i < 240) {
			int words = 1 + (int)ref_rand(3);
			for (int w = 0; w < words; w++) {
				if (w)
					strbuf_addch(&sb, ' ');
				int ns = 1 + (int)ref_rand(3);
				for (int k = 0; k < ns; k++)
					strbuf_addstr(&sb, syl[ref_rand(ARRAY_SIZE(syl))]);
			}
			if (!ref_rand(3))
				strbuf_addstr(&sb, legal[ref_rand(ARRAY_SIZE(legal))]);
		} else {
			strbuf_addstr(&sb, i == 240 ? "Apple" : i == 241 ? "Shell Oil" : "Zoré Min");
		}
		raw[i] = xstrdup(sb.buf);
		customer_set_add(cs, sb.buf, sb.len);
	}
	assert_int_equal(customer_set_build(cs, &err), 0);
	/* the reference list: the same names, normalised the same way, once each */
	for (int i = 0; i < 243; i++) {
		struct strbuf nb = STRBUF_INIT;
		match_normalize(raw[i], strlen(raw[i]), &nb, NULL);
		nb.len = match_strip_legal(nb.buf, nb.len);
		free(raw[i]);
		if (!nb.len || ref_is_name(names, nnames, nb.buf, nb.len, false)) {
			strbuf_release(&nb);
			continue;
		}
		/* flagged: short, or one of the built-in common words used here */
		names[nnames].flagged = nb.len < 4 || !strcmp(nb.buf, "apple");
		names[nnames].norm = strbuf_detach(&nb, NULL);
		nnames++;
	}
	assert_int_equal(customer_set_count(cs), nnames);

	struct match_scratch *s = match_scratch_new(mc);
	size_t counts[3] = { 0 };
	for (int iter = 0; iter < 20000; iter++) {
		strbuf_reset(&v);
		int parts = 1 + (int)ref_rand(iter % 50 ? 6 : 120);  /* some long values */
		for (int p = 0; p < parts; p++) {
			if (p || !ref_rand(4))
				strbuf_addstr(&v, seps[ref_rand(ARRAY_SIZE(seps))]);
			unsigned r = ref_rand(10);
			if (r < 4) {
				const char *nm = names[ref_rand((unsigned)nnames)].norm;
				for (const char *c = nm; *c; c++)  /* random case, random separators */
					if (*c == ' ')
						strbuf_addstr(&v, seps[ref_rand(ARRAY_SIZE(seps))]);
					else
						strbuf_addch(&v, ref_rand(3) ? *c : (char)toupper((unsigned char)*c));
			} else if (r < 6) {
				strbuf_addstr(&v, syl[ref_rand(ARRAY_SIZE(syl))]);
			} else if (r < 8) {
				strbuf_addstr(&v, legal[ref_rand(ARRAY_SIZE(legal))]);
			} else {
				strbuf_addstr(&v, other[ref_rand(ARRAY_SIZE(other))]);
			}
		}
		enum customer_match got = customer_set_match(cs, s, v.buf, v.len);
		enum customer_match want = ref_match(names, nnames, v.buf, v.len);
		if (got != want)
			fail_msg("value %d (%zu bytes): got %d, want %d", iter, v.len, got, want);
		counts[got]++;
	}
	/* the generator reaches every outcome */
	assert_true(counts[CUSTOMER_NONE] > 1000);
	assert_true(counts[CUSTOMER_EXACT] > 200);
	assert_true(counts[CUSTOMER_CONTAINS] > 1000);
	match_scratch_free(s);
	customer_set_free(cs);
	for (size_t i = 0; i < nnames; i++)
		free(names[i].norm);
	strbuf_release(&sb);
	strbuf_release(&v);
}

/* ---- classification and spans ---- */

static const char *top_category(const char *v)
{
	struct match_result r;
	struct mb_err err = MB_ERR_INIT;
	struct match_scratch *s = match_scratch_new(mc);
	assert_int_equal(match_classify_value(mc, s, v, strlen(v), &r, &err), 0);
	match_scratch_free(s);
	for (size_t c = 0; c < match_catalog_count(mc); c++)
		if ((r.valid & ~r.weak) >> c & 1)
			return match_catalog_get(mc, c)->name;
	return "";
}

static void test_classify(void **state)
{
	assert_true(match_catalog_count(mc) >= 20);
	static const char *const required[] = {
		"person_name", "first_name", "last_name", "email", "phone",
		"street_address", "city", "postal_code", "country", "birth_date",
		"national_id", "credit_card", "iban", "ip_address", "geo_coordinates",
		"username", "password_hash", "secret", "company_name", "free_text_pii",
		"passport", "driver_license", "medical_record_number", "health",
	};
	for (size_t i = 0; i < ARRAY_SIZE(required); i++)
		assert_non_null(match_catalog_find(mc, required[i]));
	assert_string_equal(top_category("john.doe+x@mail.example.co.uk"), "email");
	assert_string_equal(top_category("4111 1111 1111 1111"), "credit_card");
	assert_string_equal(top_category("DE89 3704 0044 0532 0130 00"), "iban");
	assert_string_equal(top_category("536-22-1234"), "national_id");
	assert_string_equal(top_category("2001:db8::1"), "ip_address");
	assert_string_equal(top_category("12:30:45"), "");
	assert_string_equal(top_category("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"),
			    "password_hash");
	assert_string_equal(top_category("AKIAIOSFODNN7EXAMPLE"), "secret");
	assert_string_equal(top_category("48.8566,2.3522"), "geo_coordinates");
	assert_string_equal(top_category("+4915123456789"), "phone");
	/* traps */
	assert_string_equal(top_category("550e8400-e29b-41d4-a716-446655440000"), "identifier");
	assert_string_equal(top_category("1234567812345678"), "");
	assert_string_equal(top_category("ACTIVE"), "");
	assert_string_equal(top_category("5d41402abc4b2a76b9719d911017c592"), "");  /* weak only */
	assert_string_equal(top_category("\xff\xfe"), "");
	char *big = xmalloc(20000);
	memset(big, 'a', 19999);
	big[19999] = 0;
	assert_string_equal(top_category(big), "");
	free(big);
}

struct spans {
	char cats[8][32];
	size_t n;
};

static int span_cb(void *ctx, const struct match_span *s)
{
	struct spans *sp = ctx;
	if (sp->n < 8)
		snprintf(sp->cats[sp->n++], 32, "%s", s->category);
	return 0;
}

static void test_spans(void **state)
{
	struct spans sp = { .n = 0 };
	const char *t = "Call Jane at +1 415 555 0890 or jane@corp.io; card 4111111111111111, "
			"version 2024-01-01 order 1234567812345678";
	assert_int_equal(match_find_spans(mc, NULL, t, strlen(t), span_cb, &sp), 0);
	assert_int_equal(sp.n, 3);
	assert_string_equal(sp.cats[0], "phone");
	assert_string_equal(sp.cats[1], "email");
	assert_string_equal(sp.cats[2], "credit_card");
	assert_int_equal(match_find_spans(mc, NULL, S("bad \xff utf8"), span_cb, &sp), -1);

	/* customer names inside text, with offsets into the original text */
	struct mb_err err = MB_ERR_INIT;
	struct customer_set *cs = customer_set_new();
	customer_set_add(cs, S("Société Générale"));
	assert_int_equal(customer_set_build(cs, &err), 0);
	sp.n = 0;
	const char *u = "wire from SOCIÉTÉ GÉNÉRALE today";
	assert_int_equal(match_find_spans(mc, cs, u, strlen(u), span_cb, &sp), 0);
	assert_int_equal(sp.n, 1);
	assert_string_equal(sp.cats[0], "company_name");
	customer_set_free(cs);
}

/* ---- scanner pure parts ---- */

static void check_tokens(const char *name, const char *want)
{
	struct scan_tokens t = { 0 };
	struct strbuf sb = STRBUF_INIT;
	scan_tokenize(name, &t);
	for (size_t i = 0; i < t.n; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", t.v[i]);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
	scan_tokens_release(&t);
}

static void test_tokenize(void **state)
{
	check_tokens("custEmailAddr", "cust email addr");
	check_tokens("e_mail", "e mail");
	check_tokens("HTTPServer2", "http server 2");
	check_tokens("address_line1", "address line 1");
	check_tokens("BillingPostalCode", "billing postal code");
	check_tokens("Prénom", "prenom");
	check_tokens("zip-code.v2", "zip code v 2");
	check_tokens("", "");
}

static double name_score(const char *table, const char *col, const char *category)
{
	size_t n = match_catalog_count(mc);
	double *s = xcalloc(n, sizeof(double));
	const struct match_category *c = match_catalog_find(mc, category);
	assert_non_null(c);
	scan_name_scores(mc, table, col, s, NULL);
	double v = s[c->id];
	free(s);
	return v;
}

static void test_name_scores(void **state)
{
	assert_true(name_score("t", "email", "email") == 1.0);
	assert_true(name_score("t", "custEmailAddr", "email") > 0.6);
	assert_true(name_score("t", "e_mail", "email") == 1.0);
	assert_true(name_score("t", "telefono", "phone") == 1.0);
	assert_true(name_score("t", "billing_postal_code", "postal_code") == 1.0);
	assert_true(name_score("t", "FirstName", "first_name") == 1.0);
	assert_true(name_score("t", "firstname", "first_name") == 1.0);
	/* traps: whole tokens only */
	assert_true(name_score("t", "passenger_count", "password_hash") <= 0);
	assert_true(name_score("t", "passenger", "password_hash") <= 0);
	assert_true(name_score("t", "compass", "password_hash") <= 0);
	assert_true(name_score("t", "zip_shipping", "ip_address") <= 0);
	assert_true(name_score("t", "hotel", "phone") <= 0);
	assert_true(name_score("t", "mailing_list_id", "email") <= 0);
	assert_true(name_score("t", "email_sent", "email") < 0);
	assert_true(name_score("t", "password_changed_at", "password_hash") < 0);
	assert_true(name_score("t", "created_at", "birth_date") <= 0);
	assert_true(name_score("t", "GenreId", "gender") <= 0);
	/* "name" is a person only in a person-ish table */
	assert_true(name_score("products", "name", "person_name") <= 0);
	assert_true(name_score("artist", "Name", "person_name") <= 0);
	assert_true(name_score("customers", "name", "person_name") > 0);
	/* specificity */
	assert_true(name_score("t", "ip_address", "street_address") <= 0);
	assert_true(name_score("t", "ip_address", "ip_address") == 1.0);
	assert_true(name_score("customer", "first_name", "person_name") <= 0);
	assert_true(name_score("t", "app_version", "ip_address") < 0);
}

static void test_shape_wilson(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	scan_shape(S("John.Smith@mail.com"), false, &sb);
	assert_string_equal(sb.buf, "Xxxx.Xxxxx@xxxx.xxx");
	strbuf_reset(&sb);
	scan_shape(S("4111 1111 1111 1111"), true, &sb);
	assert_string_equal(sb.buf, "4111********1111");
	strbuf_reset(&sb);
	scan_shape(S("Müller 42"), false, &sb);
	assert_string_equal(sb.buf, "Xxxxxx 99");
	strbuf_release(&sb);

	assert_true(scan_wilson_lower(0, 0) == 0);
	double l = scan_wilson_lower(95, 100);
	assert_true(l > 0.88 && l < 0.90);
	l = scan_wilson_lower(5, 5);
	assert_true(l > 0.55 && l < 0.60);
}

static void test_catalog_errors(void **state)
{
	struct mb_err err = MB_ERR_INIT;
	char dir[] = "/tmp/mbt_scan_catXXXXXX";
	assert_non_null(mkdtemp(dir));
	char *sub = xasprintf("%s/categories", dir), *file = xasprintf("%s/bad.cat", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	FILE *f = fopen(file, "w");
	fputs("name: bad\npattern: BROKEN\nregex: ([a-z\n", f);
	fclose(f);
	assert_null(match_catalog_load(dir, &err));
	assert_int_equal(err.kind, MB_ERR_INPUT);
	assert_non_null(strstr(err.msg, "bad.cat:3:"));
	f = fopen(file, "w");
	fputs("name: bad\nwhat: ever\n", f);
	fclose(f);
	assert_null(match_catalog_load(dir, &err));
	assert_non_null(strstr(err.msg, "bad.cat:2: unknown key"));
	f = fopen(file, "w");
	fputs("name: ok\naction: keep\npattern: P validator=luhn\nregex: [0-9]+\n", f);
	fclose(f);
	struct match_catalog *c = match_catalog_load(dir, &err);
	assert_non_null(c);
	assert_int_equal(match_catalog_count(c), 1);
	match_catalog_free(c);
	unlink(file);
	rmdir(sub);
	rmdir(dir);
	free(sub);
	free(file);
	assert_null(match_catalog_load("/nonexistent/mbt", &err));
	assert_int_equal(err.kind, MB_ERR_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_luhn_card),
		cmocka_unit_test(test_iban),
		cmocka_unit_test(test_ssn),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_birth_date),
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_customers),
		cmocka_unit_test(test_customers_reference),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_tokenize),
		cmocka_unit_test(test_name_scores),
		cmocka_unit_test(test_shape_wilson),
		cmocka_unit_test(test_catalog_errors),
	};
	return cmocka_run_group_tests_name("match", tests, setup, teardown);
}

/*
 * test_mask.c - unit tests of the masking engine (core/mask.h): specs and
 * their JSON, rule-time checks, keys, every action's promises (format,
 * validity, determinism, NULL, wrong shapes, no output equal to its input),
 * json_paths, redact_text and shuffle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mask.h"
#include "core/match.h"
#include "core/util.h"

static struct mask_key *key;

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static struct masker *mk(const char *action, ...)
{
	struct mask_spec s = MASK_SPEC_INIT;
	struct mb_err err = MB_ERR_INIT;
	struct masker *m;
	va_list ap;
	const char *k;

	mask_spec_set_action(&s, action);
	va_start(ap, action);
	while ((k = va_arg(ap, const char *)))
		mask_spec_set_param(&s, k, va_arg(ap, const char *));
	va_end(ap);
	m = masker_new(&s, key, &err);
	if (!m)
		fail_msg("masker_new(%s): %s", action, err.msg);
	mask_spec_release(&s);
	return m;
}

/* Masks v with m; returns a newly allocated string ("\\N" for NULL). */
static char *apply(struct masker *m, const char *v)
{
	struct strbuf out = STRBUF_INIT;
	struct mb_err err = MB_ERR_INIT;
	bool isnull;

	if (masker_apply(m, v, v ? strlen(v) : 0, &out, &isnull, &err) < 0)
		fail_msg("masker_apply(%s): %s", masker_action(m), err.msg);
	if (isnull) {
		strbuf_release(&out);
		return xstrdup("\\N");
	}
	return strbuf_detach(&out, NULL);
}

static char *apply1(const char *action, const char *v)
{
	struct masker *m = mk(action, NULL);
	char *r = apply(m, v);
	masker_free(m);
	return r;
}

static int check(const char *action, const char *k, const char *v, const char *col_type,
		 bool nullable, struct mb_err *err)
{
	struct mask_spec s = MASK_SPEC_INIT;
	int rc;

	mask_spec_set_action(&s, action);
	if (k)
		mask_spec_set_param(&s, k, v);
	rc = mask_spec_check(&s, "public.customers.col", col_type, nullable, err);
	mask_spec_release(&s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* specs                                                               */
/* ------------------------------------------------------------------ */

static void test_spec_json(void **state)
{
	struct mask_spec s = MASK_SPEC_INIT, t = MASK_SPEC_INIT;
	struct strbuf j = STRBUF_INIT, j2 = STRBUF_INIT;
	struct mb_err err = MB_ERR_INIT;

	mask_spec_set_action(&s, "fake_email");
	mask_spec_set_param(&s, "locale", "de");
	mask_spec_set_param(&s, "keep_domain", "true");
	mask_spec_set_param(&s, "keep_domain", "false");   /* replaces */
	assert_int_equal(s.nparams, 2);
	assert_string_equal(mask_spec_param(&s, "keep_domain"), "false");
	assert_null(mask_spec_param(&s, "nope"));
	mask_spec_params_json(&s, &j);
	assert_string_equal(j.buf, "{\"keep_domain\":\"false\",\"locale\":\"de\"}");
	assert_int_equal(mask_spec_params_from_json(&t, j.buf, &err), 0);
	mask_spec_set_action(&t, "fake_email");
	mask_spec_params_json(&t, &j2);
	assert_string_equal(j.buf, j2.buf);
	mask_spec_release(&t);

	/* numbers and booleans keep their spelling; escapes decode */
	assert_int_equal(mask_spec_params_from_json(&t, " { \"length\" : 12, \"x\": true,"
						     " \"$.a\\\"b\": \"hash \\u00e9\" } ", &err), 0);
	assert_string_equal(mask_spec_param(&t, "length"), "12");
	assert_string_equal(mask_spec_param(&t, "x"), "true");
	assert_string_equal(mask_spec_param(&t, "$.a\"b"), "hash \xc3\xa9");
	mask_spec_release(&t);
	assert_int_equal(mask_spec_params_from_json(&t, "", &err), 0);
	assert_int_equal(mask_spec_params_from_json(&t, "{}", &err), 0);
	assert_int_equal(t.nparams, 0);
	/* malformed */
	assert_int_equal(mask_spec_params_from_json(&t, "{\"a\":{\"b\":1}}", &err), -1);
	assert_int_equal(err.kind, MB_ERR_INPUT);
	assert_int_equal(mask_spec_params_from_json(&t, "{\"a\":1", &err), -1);
	assert_int_equal(mask_spec_params_from_json(&t, "[1]", &err), -1);
	assert_int_equal(mask_spec_params_from_json(&t, "{\"a\":1} x", &err), -1);
	mask_spec_release(&t);
	mask_spec_release(&s);
	strbuf_release(&j);
	strbuf_release(&j2);
}

static void test_action_table(void **state)
{
	const char *const *names = mask_action_names();
	const char *spec7[] = {
		"keep", "null", "fixed", "hash", "uuid", "scramble", "fake_first_name",
		"fake_last_name", "fake_full_name", "fake_email", "fake_phone", "fake_street",
		"fake_city", "fake_postal_code", "fake_company", "partial", "card", "iban",
		"national_id", "ip", "date_shift", "generalize", "noise", "shuffle",
		"regex_replace", "redact_text", "json_paths", "sql",
	};
	size_t n = 0;

	while (names[n])
		n++;
	assert_int_equal(n, ARRAY_SIZE(spec7));
	for (size_t i = 0; i < ARRAY_SIZE(spec7); i++) {
		const struct mask_action_info *ai = mask_action_info(spec7[i]);
		assert_non_null(ai);
		assert_string_equal(ai->name, spec7[i]);
		assert_non_null(ai->help);
	}
	assert_null(mask_action_info("frobnicate"));
	assert_true(mask_action_info("card")->unique);
	assert_true(mask_action_info("shuffle")->row_context);
}

static void test_check(void **state)
{
	struct mb_err err = MB_ERR_INIT;

	assert_int_equal(check("null", NULL, NULL, "integer", false, &err), -1);
	assert_non_null(strstr(err.msg, "public.customers.col"));
	assert_non_null(strstr(err.msg, "NOT NULL"));
	assert_int_equal(check("null", NULL, NULL, "integer", true, &err), 0);
	assert_int_equal(check("frobnicate", NULL, NULL, NULL, true, &err), -1);
	assert_non_null(strstr(err.msg, "unknown action"));
	assert_int_equal(check("hash", "colour", "red", NULL, true, &err), -1);
	assert_non_null(strstr(err.msg, "unknown parameter 'colour'"));
	assert_int_equal(check("hash", "length", "2", NULL, true, &err), -1);
	assert_int_equal(check("hash", "length", "20", "varchar(40)", true, &err), 0);
	assert_int_equal(check("hash", NULL, NULL, "bigint", true, &err), -1);
	assert_non_null(strstr(err.msg, "scramble"));
	assert_int_equal(check("scramble", NULL, NULL, "bigint", true, &err), 0);
	assert_int_equal(check("regex_replace", "pattern", "([a-z", NULL, true, &err), -1);
	assert_non_null(strstr(err.msg, "bad pattern"));
	assert_int_equal(check("regex_replace", NULL, NULL, NULL, true, &err), -1);
	assert_int_equal(check("sql", "expression", "  ", NULL, true, &err), -1);
	assert_non_null(strstr(err.msg, "may not be empty"));
	assert_int_equal(check("sql", "expression", "upper(name)", NULL, true, &err), 0);
	assert_int_equal(check("fixed", NULL, NULL, NULL, true, &err), -1);
	assert_int_equal(check("fixed", "value", "abc", "integer", true, &err), -1);
	assert_int_equal(check("fixed", "value", "42", "integer", true, &err), 0);
	assert_int_equal(check("date_shift", NULL, NULL, "integer", true, &err), -1);
	assert_int_equal(check("date_shift", "max_days", "0", "date", true, &err), -1);
	assert_int_equal(check("date_shift", "max_days", "30", "timestamp with time zone", true, &err), 0);
	assert_int_equal(check("fake_email", NULL, NULL, "bigint", true, &err), -1);
	assert_int_equal(check("fake_email", "keep_domain", "maybe", NULL, true, &err), -1);
	assert_int_equal(check("fake_city", "locale", "xx", NULL, true, &err), -1);
	assert_int_equal(check("fake_city", "locale", "de", NULL, true, &err), 0);
	assert_int_equal(check("partial", "mask_char", "ab", NULL, true, &err), -1);
	assert_int_equal(check("partial", "mask_char", "\xe2\x80\xa2", NULL, true, &err), 0);
	assert_int_equal(check("noise", "percent", "0", NULL, true, &err), -1);
	assert_int_equal(check("noise", NULL, NULL, "date", true, &err), -1);
	assert_int_equal(check("scramble", NULL, NULL, "boolean", true, &err), -1);
	assert_int_equal(check("generalize", "to", "week", NULL, true, &err), -1);
	assert_int_equal(check("national_id", "kind", "xyz", NULL, true, &err), -1);
	assert_int_equal(check("json_paths", NULL, NULL, "jsonb", true, &err), -1);
	assert_int_equal(check("json_paths", "email", "fake_email", "jsonb", true, &err), -1);
	assert_int_equal(check("json_paths", "$.email", "frob", "jsonb", true, &err), -1);
	assert_int_equal(check("json_paths", "$.email", "shuffle", "jsonb", true, &err), -1);
	assert_int_equal(check("json_paths", "$.a[", "hash", "jsonb", true, &err), -1);
	assert_int_equal(check("json_paths", "$.a", "hash length=x", "jsonb", true, &err), -1);
	assert_int_equal(check("json_paths", "$.a[*]..b", "hash length=8", "jsonb", true, &err), 0);
	/* messages never carry values: the bad value of a param is not echoed */
	assert_int_equal(check("hash", "length", "SECRET123", NULL, true, &err), -1);
	assert_null(strstr(err.msg, "SECRET123"));
}

/* ------------------------------------------------------------------ */
/* keys                                                                */
/* ------------------------------------------------------------------ */

static void test_keys(void **state)
{
	struct mb_err err = MB_ERR_INIT;
	char path[] = "/tmp/mbt_mask_keyXXXXXX";
	struct mask_key *a, *b, *d;
	struct masker *m;
	char *x, *y;
	int fd;

	unsetenv("MASKBENCH_KEY");
	assert_null(mask_key_load(NULL, &err));
	assert_int_equal(err.kind, MB_ERR_USAGE);
	setenv("MASKBENCH_KEY", "k3y!", 1);
	assert_null(mask_key_load(NULL, &err));
	assert_int_equal(err.kind, MB_ERR_USAGE);
	assert_null(strstr(err.msg, "k3y!"));
	setenv("MASKBENCH_KEY", "a sufficiently long test key", 1);
	a = mask_key_load(NULL, &err);
	assert_non_null(a);
	assert_false(mask_key_is_demo(a));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a sufficiently long test key\n", 29), 29);
	close(fd);
	chmod(path, 0644);
	assert_null(mask_key_load(path, &err));
	assert_int_equal(err.kind, MB_ERR_USAGE);
	assert_non_null(strstr(err.msg, "0644"));
	chmod(path, 0600);
	b = mask_key_load(path, &err);
	assert_non_null(b);
	chmod(path, 0400);
	{
		struct mask_key *c = mask_key_load(path, &err);
		assert_non_null(c);
		mask_key_free(c);
	}
	unlink(path);
	assert_null(mask_key_load(path, &err));
	assert_int_equal(err.kind, MB_ERR_IO);

	/* the file's key (newline dropped) is the environment's key */
	{
		struct mask_spec s = MASK_SPEC_INIT;
		struct masker *ma, *mb;
		mask_spec_set_action(&s, "hash");
		ma = masker_new(&s, a, &err);
		mb = masker_new(&s, b, &err);
		x = apply(ma, "alice");
		y = apply(mb, "alice");
		assert_string_equal(x, y);
		free(x);
		free(y);
		masker_free(ma);
		masker_free(mb);
		mask_spec_release(&s);
	}
	/* another key gives other outputs; the demo key is flagged */
	d = mask_key_demo();
	assert_true(mask_key_is_demo(d));
	m = mk("hash", NULL);
	x = apply(m, "alice");
	masker_free(m);
	{
		struct mask_spec s = MASK_SPEC_INIT;
		mask_spec_set_action(&s, "hash");
		m = masker_new(&s, d, &err);
		mask_spec_release(&s);
	}
	y = apply(m, "alice");
	assert_string_not_equal(x, y);
	free(x);
	free(y);
	masker_free(m);
	mask_key_free(a);
	mask_key_free(b);
	mask_key_free(d);
	unsetenv("MASKBENCH_KEY");
}

/* ------------------------------------------------------------------ */
/* actions                                                             */
/* ------------------------------------------------------------------ */

static void test_null_and_constants(void **state)
{
	const char *const *names = mask_action_names();
	char *r;

	/* NULL stays NULL for every action a masker evaluates alone */
	for (; *names; names++) {
		struct masker *m;
		if (!strcmp(*names, "shuffle") || !strcmp(*names, "sql"))
			continue;
		if (!strcmp(*names, "fixed"))
			m = mk(*names, "value", "x", NULL);
		else if (!strcmp(*names, "regex_replace"))
			m = mk(*names, "pattern", "a", NULL);
		else if (!strcmp(*names, "json_paths"))
			m = mk(*names, "$.a", "hash", NULL);
		else
			m = mk(*names, NULL);
		r = apply(m, NULL);
		assert_string_equal(r, "\\N");
		free(r);
		masker_free(m);
	}
	r = apply1("null", "x");
	assert_string_equal(r, "\\N");
	free(r);
	r = apply1("keep", "x y");
	assert_string_equal(r, "x y");
	free(r);
	{
		struct masker *m = mk("fixed", "value", "REDACTED", NULL);
		r = apply(m, "anything");
		assert_string_equal(r, "REDACTED");
		free(r);
		masker_free(m);
	}
}

static void test_determinism(void **state)
{
	const char *actions[] = { "hash", "uuid", "scramble", "fake_full_name", "fake_email",
				  "fake_phone", "card", "iban", "ip", "date_shift", "noise" };
	const char *values[] = { "x7", "550e8400-e29b-41d4-a716-446655440000", "Ab-123",
				 "Anna Smith", "anna@corp.io", "+1 555 123 4567",
				 "4111111111111111", "DE89370400440532013000", "10.1.2.3",
				 "2020-02-29", "12.50" };

	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		struct masker *m1 = mk(actions[i], NULL), *m2 = mk(actions[i], NULL);
		char *a = apply(m1, values[i]), *b = apply(m2, values[i]), *c = apply(m1, values[i]);
		assert_string_equal(a, b);
		assert_string_equal(a, c);
		assert_string_not_equal(a, values[i]);
		free(a);
		free(b);
		free(c);
		masker_free(m1);
		masker_free(m2);
	}
}

/* Small domains switch to tabulated round functions after a streak of one
 * shape: the outputs must not change. */
static void test_table_path(void **state)
{
	const char *actions[] = { "fake_postal_code", "scramble", "national_id", "fake_phone" };
	const char *fmt[] = { "%05d", "a%03d", "%03d-%02d-%04d", "555-%04d" };

	for (size_t a = 0; a < ARRAY_SIZE(actions); a++) {
		struct masker *fresh = mk(actions[a], NULL), *warm = mk(actions[a], NULL);
		for (int i = 0; i < 300; i++) {
			char in[32], *x, *y;
			snprintf(in, sizeof(in), fmt[a], i * 37 % 1000 + 1, i % 99 + 1, i + 1);
			y = apply(warm, in);           /* warm builds the table */
			masker_free(fresh);
			fresh = mk(actions[a], NULL);   /* fresh never does */
			x = apply(fresh, in);
			assert_string_equal(x, y);
			free(x);
			free(y);
		}
		masker_free(fresh);
		masker_free(warm);
	}
}

static void test_hash_uuid(void **state)
{
	struct masker *m;
	char *r;

	r = apply1("hash", "alice");
	assert_int_equal(strlen(r), 16);
	for (char *p = r; *p; p++)
		assert_true(isxdigit((unsigned char)*p));
	free(r);
	/* a hex token keeps its length and case */
	r = apply1("hash", "DEADBEEFCAFE0123");
	assert_int_equal(strlen(r), 16);
	for (char *p = r; *p; p++)
		assert_true(isdigit((unsigned char)*p) || (*p >= 'A' && *p <= 'F'));
	free(r);
	m = mk("hash", "length", "40", "encoding", "base32", NULL);
	r = apply(m, "alice");
	assert_int_equal(strlen(r), 40);
	for (char *p = r; *p; p++)
		assert_true(islower((unsigned char)*p) || (*p >= '2' && *p <= '7'));
	free(r);
	masker_free(m);

	/* UUIDs: version and variant kept; other values give v5-style UUIDs */
	r = apply1("uuid", "550e8400-e29b-41d4-a716-446655440000");
	assert_int_equal(strlen(r), 36);
	assert_int_equal(r[14], '4');
	assert_true(strchr("89ab", r[19]) != NULL);
	free(r);
	r = apply1("uuid", "12345");
	assert_int_equal(strlen(r), 36);
	assert_int_equal(r[14], '5');
	assert_true(r[8] == '-' && r[13] == '-' && r[18] == '-' && r[23] == '-');
	free(r);
}

static void test_scramble(void **state)
{
	char *r = apply1("scramble", "Ab-12 cD.9");

	assert_int_equal(strlen(r), 10);
	assert_true(isupper((unsigned char)r[0]) && islower((unsigned char)r[1]));
	assert_int_equal(r[2], '-');
	assert_true(isdigit((unsigned char)r[3]) && isdigit((unsigned char)r[4]));
	assert_int_equal(r[5], ' ');
	assert_true(islower((unsigned char)r[6]) && isupper((unsigned char)r[7]));
	assert_int_equal(r[8], '.');
	assert_true(isdigit((unsigned char)r[9]));
	assert_string_not_equal(r, "Ab-12 cD.9");
	free(r);
	/* one character has 10 possible values: still never itself */
	for (char c = '0'; c <= '9'; c++) {
		char in[2] = { c, 0 };
		r = apply1("scramble", in);
		assert_int_not_equal(r[0], c);
		assert_true(isdigit((unsigned char)r[0]));
		free(r);
	}
	/* integers keep their length and never gain a leading zero */
	for (int i = 10; i < 3000; i += 7) {
		char in[16];
		snprintf(in, sizeof(in), "%d", i);
		r = apply1("scramble", in);
		assert_int_equal(strlen(r), strlen(in));
		assert_int_not_equal(r[0], '0');
		free(r);
	}
	r = apply1("scramble", "-0042");
	assert_true(str_starts_with(r, "-0"));
	free(r);
	/* non-ASCII letters and invalid bytes become ASCII letters */
	r = apply1("scramble", "M\xc3\xbcller\xff");
	assert_int_equal(strlen(r), 7);
	assert_true(utf8_valid(r, strlen(r)));
	free(r);
}

static void test_fakes(void **state)
{
	struct masker *m;
	char *r, *r2;

	r = apply1("fake_first_name", "Anna");
	assert_true(strlen(r) > 1 && isupper((unsigned char)r[0]));
	assert_string_not_equal(r, "Anna");
	/* the same person in any case and spacing is the same fake person */
	r2 = apply1("fake_first_name", "  ANNA ");
	assert_true(str_ieq(r, r2));
	for (char *p = r2; *p; p++)
		assert_false(islower((unsigned char)*p));
	free(r);
	free(r2);
	r = apply1("fake_full_name", "Smith, John");
	assert_non_null(strstr(r, ", "));
	free(r);
	r = apply1("fake_full_name", "John Smith");
	assert_non_null(strchr(r, ' '));
	free(r);
	m = mk("fake_street", "locale", "de", NULL);
	r = apply(m, "Hauptstraße 5");
	assert_true(isdigit((unsigned char)r[strlen(r) - 1]));
	assert_true(utf8_valid(r, strlen(r)));
	free(r);
	masker_free(m);
	r = apply1("fake_street", "5 Main Street");
	assert_true(isdigit((unsigned char)r[0]));
	free(r);
	m = mk("fake_city", "locale", "fr", NULL);
	r = apply(m, "Paris");
	assert_true(strlen(r) > 2);
	free(r);
	masker_free(m);
	r = apply1("fake_company", "Initech LLC");
	assert_true(strlen(r) > 2);
	free(r);
	r = apply1("fake_postal_code", "SW1A 1AA");
	assert_int_equal(strlen(r), 8);
	assert_int_equal(r[4], ' ');
	assert_true(isupper((unsigned char)r[0]) && isdigit((unsigned char)r[2]));
	free(r);
}

static bool email_valid(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || strchr(at + 1, '@') || at == s || !strchr(at, '.'))
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("@.-_", *p)))
			return false;
	return s[0] != '.' && at[-1] != '.';
}

static void test_email(void **state)
{
	struct masker *m;
	char *r;

	r = apply1("fake_email", "John.Smith@Corp.example.org");
	assert_true(email_valid(r));
	assert_non_null(strstr(r, ".example"));   /* reserved TLD, nobody gets mail */
	free(r);
	m = mk("fake_email", "keep_domain", "true", NULL);
	r = apply(m, "john.smith@Corp.IO");
	assert_true(email_valid(r));
	assert_true(str_ends_with(r, "@corp.io"));
	free(r);
	/* wrong shape: still a (fake) email, never passed through */
	r = apply(m, "n/a");
	assert_true(email_valid(r));
	free(r);
	masker_free(m);
	m = mk("fake_email", "domain", "test.invalid", "locale", "de", NULL);
	r = apply(m, "jürgen.müller@web.de");
	assert_true(email_valid(r));
	assert_true(str_ends_with(r, "@test.invalid"));
	free(r);
	masker_free(m);
}

static void test_phone(void **state)
{
	const char *in[] = { "+1 (555) 123-4567", "+49 30 1234567", "030/123 456-78",
			     "(02) 9876 5432", "555.123.4567 x12" };

	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		char *r = apply1("fake_phone", in[i]);
		assert_int_equal(strlen(r), strlen(in[i]));
		for (size_t j = 0; in[i][j]; j++)
			assert_int_equal(isdigit((unsigned char)in[i][j]) != 0,
					 isdigit((unsigned char)r[j]) != 0);
		for (size_t j = 0; in[i][j]; j++)
			if (!isdigit((unsigned char)in[i][j]))
				assert_int_equal(r[j], in[i][j]);
		assert_string_not_equal(r, in[i]);
		free(r);
	}
	{
		char *r = apply1("fake_phone", "+49 30 1234567");
		assert_true(str_starts_with(r, "+49 "));   /* country code kept */
		free(r);
		r = apply1("fake_phone", "030 1234567");
		assert_int_equal(r[0], '0');             /* trunk prefix kept */
		free(r);
	}
}

static void test_card_iban_natid_ip(void **state)
{
	struct masker *m;
	char *r;

	r = apply1("card", "4111 1111 1111 1111");
	assert_int_equal(strlen(r), 19);
	assert_true(str_starts_with(r, "4111 11"));
	assert_true(match_luhn(r, strlen(r)));
	assert_true(match_card(r, strlen(r)));
	assert_string_not_equal(r, "4111 1111 1111 1111");
	free(r);
	r = apply1("card", "378282246310005");          /* Amex, 15 digits */
	assert_int_equal(strlen(r), 15);
	assert_true(str_starts_with(r, "378282"));
	assert_true(match_luhn(r, strlen(r)));
	free(r);
	/* an invalid Luhn input stays invalid (keeps the bijection) */
	r = apply1("card", "4111111111111112");
	assert_false(match_luhn(r, strlen(r)));
	free(r);

	r = apply1("iban", "DE89 3704 0044 0532 0130 00");
	assert_int_equal(strlen(r), 27);
	assert_true(str_starts_with(r, "DE"));
	assert_true(match_iban(r, strlen(r)));
	assert_string_not_equal(r, "DE89 3704 0044 0532 0130 00");
	free(r);
	r = apply1("iban", "GB82WEST12345698765432");
	assert_int_equal(strlen(r), 22);
	assert_true(str_starts_with(r, "GB"));
	assert_true(match_iban(r, strlen(r)));
	assert_true(isupper((unsigned char)r[4]) && isdigit((unsigned char)r[8]));
	free(r);
	r = apply1("iban", "FR1420041010050500013M02606");
	assert_true(match_iban(r, strlen(r)));
	free(r);

	r = apply1("national_id", "078-05-1120");
	assert_int_equal(strlen(r), 11);
	assert_true(r[3] == '-' && r[6] == '-');
	assert_true(match_ssn(r, strlen(r)));
	free(r);
	m = mk("national_id", "kind", "luhn", NULL);
	r = apply(m, "046 454 286");                     /* a Canadian SIN */
	assert_true(match_luhn(r, strlen(r)));
	assert_string_not_equal(r, "046 454 286");
	free(r);
	masker_free(m);
	r = apply1("national_id", "X1234567L");
	assert_int_equal(strlen(r), 9);
	assert_true(isupper((unsigned char)r[0]) && isdigit((unsigned char)r[1]));
	free(r);

	r = apply1("ip", "192.168.1.20");
	assert_true(match_ipv4(r, strlen(r)));
	assert_string_not_equal(r, "192.168.1.20");
	free(r);
	r = apply1("ip", "2001:db8::1");
	assert_true(match_ipv6(r, strlen(r)));
	assert_null(strchr(r, '.'));
	free(r);
	r = apply1("ip", "fe80::1%eth0");
	assert_true(str_ends_with(r, "%eth0"));
	free(r);
}

static void test_wrong_shapes(void **state)
{
	const char *actions[] = { "hash", "uuid", "scramble", "fake_first_name", "fake_email",
				  "fake_phone", "fake_postal_code", "card", "iban", "national_id",
				  "ip", "date_shift", "noise", "partial", "fake_city" };
	const char *values[] = { "n/a", "unknown", "12", "\xff\xfe", "" };

	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		struct masker *m = mk(actions[i], NULL);
		for (size_t j = 0; j < ARRAY_SIZE(values); j++) {
			char *r = apply(m, values[j]);
			if (values[j][0])
				assert_string_not_equal(r, values[j]);
			assert_true(utf8_valid(r, strlen(r)));
			free(r);
		}
		masker_free(m);
	}
}

static void test_partial(void **state)
{
	struct masker *m;
	char *r;

	r = apply1("partial", "4111-1111-1111-1234");
	assert_string_equal(r, "XXXX-XXXX-XXXX-1234");
	free(r);
	m = mk("partial", "keep_first", "1", "keep_last", "0", "mask_char", "\xe2\x80\xa2", NULL);
	r = apply(m, "Jörg");
	assert_string_equal(r, "J\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2");
	free(r);
	masker_free(m);
	r = apply1("partial", "123");              /* shorter than what is kept */
	assert_string_equal(r, "XXX");
	free(r);
	r = apply1("partial", "---");
	assert_string_equal(r, "XXX");
	free(r);
}

static void test_dates(void **state)
{
	struct masker *m = mk("date_shift", "max_days", "30", "entity", "patient_id", NULL);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct mb_err err = MB_ERR_INIT;
	bool isnull;
	char *r;

	assert_true(masker_needs_row_context(m));
	assert_string_equal(masker_entity_column(m), "patient_id");
	/* one entity: the same offset, so order and interval are kept */
	assert_int_equal(masker_apply_entity(m, "2024-02-28", 10, "p1", 2, &a, &isnull, &err), 0);
	assert_int_equal(masker_apply_entity(m, "2024-03-01 12:00:00", 19, "p1", 2, &b, &isnull, &err), 0);
	assert_true(str_ends_with(b.buf, " 12:00:00"));
	assert_true(strcmp(a.buf, b.buf) < 0);
	{
		int y1, m1, d1, y2, m2, d2;
		assert_int_equal(sscanf(a.buf, "%d-%d-%d", &y1, &m1, &d1), 3);
		assert_int_equal(sscanf(b.buf, "%d-%d-%d", &y2, &m2, &d2), 3);
		assert_true(m1 >= 1 && m1 <= 12 && d1 >= 1 && d1 <= 31);
	}
	assert_string_not_equal(a.buf, "2024-02-28");
	masker_free(m);
	strbuf_release(&a);
	strbuf_release(&b);

	m = mk("date_shift", NULL);
	assert_false(masker_needs_row_context(m));
	for (int i = 0; i < 400; i++) {
		char in[16];
		int y, mo, d;
		snprintf(in, sizeof(in), "2023-%02d-%02d", i % 12 + 1, i % 28 + 1);
		r = apply(m, in);
		assert_int_equal(sscanf(r, "%d-%d-%d", &y, &mo, &d), 3);
		assert_true(y >= 2021 && y <= 2025 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31);
		assert_string_not_equal(r, in);
		free(r);
	}
	masker_free(m);

	m = mk("generalize", "to", "month", NULL);
	r = apply(m, "1987-06-15");
	assert_string_equal(r, "1987-06-01");
	free(r);
	masker_free(m);
	m = mk("generalize", "to", "decade", NULL);
	r = apply(m, "1987-06-15");
	assert_string_equal(r, "1980-01-01");
	free(r);
	r = apply(m, "1987");
	assert_string_equal(r, "1980");
	free(r);
	masker_free(m);
	m = mk("generalize", "bucket", "1000", NULL);
	r = apply(m, "52345");
	assert_string_equal(r, "52000");
	free(r);
	masker_free(m);
	r = apply1("generalize", "1987-06-15");
	assert_string_equal(r, "1987-01-01");
	free(r);
}

static void test_noise(void **state)
{
	struct masker *m = mk("noise", "percent", "10", NULL);
	char *r;

	for (int i = 1; i < 200; i++) {
		char in[32];
		double v, w;
		snprintf(in, sizeof(in), "%d.%02d", i * 7, i % 100);
		v = atof(in);
		r = apply(m, in);
		w = atof(r);
		assert_true(w >= v * 0.9 - 0.011 && w <= v * 1.1 + 0.011);
		assert_string_not_equal(r, in);
		assert_non_null(strchr(r, '.'));
		assert_int_equal(strlen(strchr(r, '.')), 3);   /* two decimals kept */
		free(r);
	}
	r = apply(m, "0");
	assert_string_not_equal(r, "0");
	assert_null(strchr(r, '-'));
	free(r);
	masker_free(m);
}

static void test_regex(void **state)
{
	struct masker *m = mk("regex_replace", "pattern", "(\\w+)@(\\w+)", "replacement",
			      "user@$2", NULL);
	char *r = apply(m, "mail alice@corp and bob@home");

	assert_string_equal(r, "mail user@corp and user@home");
	free(r);
	r = apply(m, "bad \xff bytes alice@corp");
	assert_non_null(strstr(r, "user@corp"));
	free(r);
	masker_free(m);
}

static void test_json_paths(void **state)
{
	struct masker *m = mk("json_paths", "$.email", "fake_email keep_domain=true",
			      "$..name", "fake_full_name", "$.ids[*]", "hash length=8",
			      "$.drop", "null", NULL);
	char *r;

	r = apply(m, "{\"email\": \"ann@corp.io\", \"n\": 1, \"kids\": [{\"name\": \"Bo Li\"}],"
		     " \"ids\": [\"a\", 42], \"drop\": {\"x\": 1}, \"keep\": \"ann@corp.io\"}");
	assert_non_null(strstr(r, "@corp.io\", \"n\": 1"));
	assert_null(strstr(r, "\"ann@corp.io\", \"n\""));
	assert_null(strstr(r, "Bo Li"));
	assert_non_null(strstr(r, "\"drop\": {\"x\": null}"));
	assert_non_null(strstr(r, "\"keep\": \"ann@corp.io\""));   /* not a masked path */
	assert_null(strstr(r, "[\"a\", 42]"));
	free(r);
	/* not JSON: still masked */
	r = apply(m, "{\"email\": ");
	assert_string_not_equal(r, "{\"email\": ");
	free(r);
	/* JSON null stays null; escapes decode before masking */
	r = apply(m, "{\"email\":null,\"name\":\"J\\u00f6rg\"}");
	assert_non_null(strstr(r, "\"email\":null"));
	assert_null(strstr(r, "J\\u00f6rg"));
	free(r);
	masker_free(m);
}

static void test_redact_text(void **state)
{
	struct masker *m = mk("redact_text", NULL);
	const char *text = "Call Anna on +44 20 7946 0958 or write to anna.berg@nordwind-trading.de; "
			   "card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00. Thanks!";
	char *r = apply(m, text), *r2;
	struct customer_set *cs;
	struct mb_err err = MB_ERR_INIT;

	assert_null(strstr(r, "anna.berg@nordwind-trading.de"));
	assert_null(strstr(r, "4111 1111 1111 1111"));
	assert_null(strstr(r, "DE89 3704 0044 0532 0130 00"));
	assert_true(str_starts_with(r, "Call Anna on "));
	assert_true(str_ends_with(r, "Thanks!"));
	assert_true(utf8_valid(r, strlen(r)));
	/* the same email becomes the same fake as in an email column */
	{
		struct masker *e = mk("fake_email", NULL);
		r2 = apply(e, "anna.berg@nordwind-trading.de");
		assert_non_null(strstr(r, r2));
		free(r2);
		masker_free(e);
	}
	free(r);
	/* customer names */
	cs = customer_set_new();
	customer_set_add(cs, "Nordwind Trading GmbH", strlen("Nordwind Trading GmbH"));
	assert_int_equal(customer_set_build(cs, &err), 0);
	masker_set_customers(m, cs);
	r = apply(m, "Order for Nordwind Trading shipped.");
	assert_null(strstr(r, "Nordwind"));
	assert_true(str_starts_with(r, "Order for "));
	free(r);
	/* invalid UTF-8 in: valid out */
	r = apply(m, "bad \xc3\x28 bytes");
	assert_true(utf8_valid(r, strlen(r)));
	free(r);
	masker_free(m);
	customer_set_free(cs);
}

static void test_shuffle_and_sql(void **state)
{
	struct masker *m = mk("shuffle", NULL);
	struct strbuf out = STRBUF_INIT;
	struct mb_err err = MB_ERR_INIT;
	bool isnull;

	assert_true(masker_needs_row_context(m));
	for (uint64_t n = 2; n < 300; n += 37) {
		uint8_t seen[300] = { 0 };
		for (uint64_t i = 0; i < n; i++) {
			uint64_t j = masker_shuffle_index(m, n, i);
			assert_true(j < n);
			assert_int_equal(seen[j]++, 0);
			assert_true(j != i);
		}
	}
	assert_int_equal(masker_apply(m, "x", 1, &out, &isnull, &err), -1);
	assert_int_equal(err.kind, MB_ERR_INTERNAL);
	masker_free(m);
	m = mk("sql", "expression", "md5(email)", NULL);
	assert_true(masker_needs_row_context(m));
	assert_string_equal(masker_sql_expression(m), "md5(email)");
	assert_int_equal(masker_apply(m, "x", 1, &out, &isnull, &err), -1);
	masker_free(m);
	strbuf_release(&out);
}

static void test_big_value(void **state)
{
	size_t n = 10 * 1024 * 1024;
	char *big = xmalloc(n + 1);
	const char *actions[] = { "scramble", "hash", "partial", "redact_text", "fake_email" };

	for (size_t i = 0; i < n; i++)
		big[i] = "ab1 -Z9"[i % 7];
	big[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		struct masker *m = mk(actions[i], NULL);
		char *r = apply(m, big);
		/* redact_text has no PII to replace here: the text stays */
		assert_true(strcmp(r, big) != 0 || !strcmp(actions[i], "redact_text"));
		if (!strcmp(actions[i], "scramble") || !strcmp(actions[i], "partial"))
			assert_int_equal(strlen(r), n);
		free(r);
		masker_free(m);
	}
	free(big);
}

static int setup(void **state)
{
	key = mask_key_from_bytes("unit test key, not secret", 25);
	return 0;
}

static int teardown(void **state)
{
	mask_key_free(key);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_json),
		cmocka_unit_test(test_action_table),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_null_and_constants),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_table_path),
		cmocka_unit_test(test_hash_uuid),
		cmocka_unit_test(test_scramble),
		cmocka_unit_test(test_fakes),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_card_iban_natid_ip),
		cmocka_unit_test(test_wrong_shapes),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_json_paths),
		cmocka_unit_test(test_redact_text),
		cmocka_unit_test(test_shuffle_and_sql),
		cmocka_unit_test(test_big_value),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * mask.c - specs and their JSON form, the action table, rule-time checks,
 * maskers (compile + dispatch), and the small actions: keep, null, fixed,
 * partial, date_shift, generalize, noise, regex_replace, shuffle, sql.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/mask_int.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "core/util.h"

/* ------------------------------------------------------------------ */
/* Specs                                                               */
/* ------------------------------------------------------------------ */

void mask_spec_init(struct mask_spec *s)
{
	memset(s, 0, sizeof(*s));
}

void mask_spec_release(struct mask_spec *s)
{
	for (size_t i = 0; i < s->nparams; i++) {
		free(s->params[i].key);
		free(s->params[i].value);
	}
	free(s->params);
	free(s->action);
	mask_spec_init(s);
}

void mask_spec_set_action(struct mask_spec *s, const char *action)
{
	free(s->action);
	s->action = xstrdup(action);
}

int mask_spec_set_param(struct mask_spec *s, const char *key, const char *value)
{
	if (!key || !*key)
		return -1;
	for (size_t i = 0; i < s->nparams; i++) {
		if (!strcmp(s->params[i].key, key)) {
			free(s->params[i].value);
			s->params[i].value = xstrdup(value ? value : "");
			return 0;
		}
	}
	ALLOC_GROW(s->params, s->nparams + 1, s->alloc);
	s->params[s->nparams].key = xstrdup(key);
	s->params[s->nparams].value = xstrdup(value ? value : "");
	s->nparams++;
	return 0;
}

const char *mask_spec_param(const struct mask_spec *s, const char *key)
{
	for (size_t i = 0; i < s->nparams; i++)
		if (!strcmp(s->params[i].key, key))
			return s->params[i].value;
	return NULL;
}

void mask_spec_copy(struct mask_spec *dst, const struct mask_spec *src)
{
	mask_spec_release(dst);
	dst->action = xstrdup(src->action);
	for (size_t i = 0; i < src->nparams; i++)
		mask_spec_set_param(dst, src->params[i].key, src->params[i].value);
}

static int cmp_param(const void *a, const void *b)
{
	const struct mask_param *const *x = a, *const *y = b;
	return strcmp((*x)->key, (*y)->key);
}

void mask_spec_params_json(const struct mask_spec *s, struct strbuf *out)
{
	const struct mask_param **v = xmalloc((s->nparams + 1) * sizeof(*v));

	for (size_t i = 0; i < s->nparams; i++)
		v[i] = &s->params[i];
	qsort(v, s->nparams, sizeof(*v), cmp_param);
	strbuf_addch(out, '{');
	for (size_t i = 0; i < s->nparams; i++) {
		if (i)
			strbuf_addch(out, ',');
		strbuf_add_json_str(out, v[i]->key, strlen(v[i]->key));
		strbuf_addch(out, ':');
		strbuf_add_json_str(out, v[i]->value, strlen(v[i]->value));
	}
	strbuf_addch(out, '}');
	free(v);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Appends a UTF-8 encoding of cp. */
static void add_utf8(struct strbuf *sb, uint32_t cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, 0xc0 | (cp >> 6));
		strbuf_addch(sb, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, 0xe0 | (cp >> 12));
		strbuf_addch(sb, 0x80 | ((cp >> 6) & 0x3f));
		strbuf_addch(sb, 0x80 | (cp & 0x3f));
	} else {
		strbuf_addch(sb, 0xf0 | (cp >> 18));
		strbuf_addch(sb, 0x80 | ((cp >> 12) & 0x3f));
		strbuf_addch(sb, 0x80 | ((cp >> 6) & 0x3f));
		strbuf_addch(sb, 0x80 | (cp & 0x3f));
	}
}

static int hex4(const char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)p[i], d;
		if (c >= '0' && c <= '9') d = c - '0';
		else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
		else return -1;
		*v = *v * 16 + (uint32_t)d;
	}
	return 0;
}

/* Parses a JSON string at p (at the opening quote); returns the end or NULL. */
static const char *json_string(const char *p, struct strbuf *out)
{
	strbuf_reset(out);
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\') {
			strbuf_addch(out, *p++);
			continue;
		}
		p++;
		switch (*p) {
		case '"': case '\\': case '/': strbuf_addch(out, *p); break;
		case 'b': strbuf_addch(out, '\b'); break;
		case 'f': strbuf_addch(out, '\f'); break;
		case 'n': strbuf_addch(out, '\n'); break;
		case 'r': strbuf_addch(out, '\r'); break;
		case 't': strbuf_addch(out, '\t'); break;
		case 'u': {
			uint32_t cp, lo;
			if (hex4(p + 1, &cp) < 0)
				return NULL;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u' &&
			    hex4(p + 3, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;
			}
			add_utf8(out, cp);
			break;
		}
		default:
			return NULL;
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

int mask_spec_params_from_json(struct mask_spec *s, const char *json,
			       struct mb_err *err)
{
	struct strbuf key = STRBUF_INIT, val = STRBUF_INIT;
	const char *p;
	int ret = -1;

	if (!json || !*skip_ws(json))
		return 0;
	p = skip_ws(json);
	if (*p != '{')
		goto bad;
	p = skip_ws(p + 1);
	if (*p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		p = json_string(skip_ws(p), &key);
		if (!p)
			goto bad;
		p = skip_ws(p);
		if (*p++ != ':')
			goto bad;
		p = skip_ws(p);
		if (*p == '"') {
			p = json_string(p, &val);
			if (!p)
				goto bad;
		} else {
			const char *q = p;
			while (*q && (isalnum((unsigned char)*q) || strchr("+-.", *q)))
				q++;
			if (q == p)
				goto bad;
			strbuf_reset(&val);
			strbuf_add(&val, p, (size_t)(q - p));
			if (strcmp(val.buf, "true") && strcmp(val.buf, "false") &&
			    strcmp(val.buf, "null") &&
			    !(isdigit((unsigned char)val.buf[0]) || val.buf[0] == '-'))
				goto bad;
			p = q;
		}
		if (strlen(key.buf) != key.len || strlen(val.buf) != val.len || !key.len)
			goto bad;
		mask_spec_set_param(s, key.buf, val.buf);
		p = skip_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}') {
			p++;
			break;
		}
		goto bad;
	}
end:
	if (*skip_ws(p))
		goto bad;
	ret = 0;
	goto cleanup;
bad:
	mb_err_set(err, MB_ERR_INPUT, "malformed parameters: not a flat JSON object (at offset %zu)",
		   p ? (size_t)(p - json) : (size_t)0);
cleanup:
	strbuf_release(&key);
	strbuf_release(&val);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The action table                                                    */
/* ------------------------------------------------------------------ */

static const struct mask_param_info no_params[] = { { NULL, NULL } };
static const struct mask_param_info p_fixed[] = {
	{ "value", "the constant written instead of every non-NULL value (required)" },
	{ NULL, NULL } };
static const struct mask_param_info p_hash[] = {
	{ "length", "output characters, 4..256 (default: the input's length, 16..64; hex tokens keep their length)" },
	{ "encoding", "hex (default) or base32" },
	{ NULL, NULL } };
static const struct mask_param_info p_locale[] = {
	{ "locale", "dictionary locale: en (default), de or fr" },
	{ NULL, NULL } };
static const struct mask_param_info p_email[] = {
	{ "keep_domain", "true keeps the input's domain (default false)" },
	{ "domain", "use this domain for every address (default: a dictionary domain)" },
	{ "locale", "dictionary locale: en (default), de or fr" },
	{ NULL, NULL } };
static const struct mask_param_info p_partial[] = {
	{ "keep_first", "characters kept at the start (default 0)" },
	{ "keep_last", "characters kept at the end (default 4)" },
	{ "mask_char", "one character written over letters and digits (default X)" },
	{ NULL, NULL } };
static const struct mask_param_info p_natid[] = {
	{ "kind", "auto (default: ssn for 9 digits), ssn, luhn (last digit is a Luhn check) or generic" },
	{ NULL, NULL } };
static const struct mask_param_info p_date_shift[] = {
	{ "max_days", "largest shift in days, 1..36500 (default 365); never 0" },
	{ "entity", "column whose value keys the offset (all dates of one entity move together)" },
	{ NULL, NULL } };
static const struct mask_param_info p_generalize[] = {
	{ "to", "year, month, decade (dates and years) or bucket (numbers); default year for dates, bucket for numbers" },
	{ "bucket", "bucket width for numbers (default 10)" },
	{ NULL, NULL } };
static const struct mask_param_info p_noise[] = {
	{ "percent", "largest relative change, 0 < percent <= 100 (default 10)" },
	{ NULL, NULL } };
static const struct mask_param_info p_regex[] = {
	{ "pattern", "PCRE2 pattern (required)" },
	{ "replacement", "replacement, $1 refers to a group (default empty)" },
	{ NULL, NULL } };
static const struct mask_param_info p_json[] = {
	{ "$.path", "a JSON path ($.a.b, $.items[*].email, $..email) mapped to an action, e.g. \"$.email\": \"fake_email keep_domain=true\"" },
	{ NULL, NULL } };
static const struct mask_param_info p_sql[] = {
	{ "expression", "SQL expression evaluated by the source engine (required)" },
	{ NULL, NULL } };

enum action_id {
	A_KEEP, A_NULL, A_FIXED, A_HASH, A_UUID, A_SCRAMBLE, A_FIRST, A_LAST,
	A_FULL, A_EMAIL, A_PHONE, A_STREET, A_CITY, A_POSTAL, A_COMPANY,
	A_PARTIAL, A_CARD, A_IBAN, A_NATID, A_IP, A_DATE_SHIFT, A_GENERALIZE,
	A_NOISE, A_SHUFFLE, A_REGEX, A_REDACT, A_JSON, A_SQL, A_COUNT
};

static const struct mask_action_info actions[A_COUNT] = {
	[A_KEEP] = { "keep", "copies the value", no_params, false, false },
	[A_NULL] = { "null", "writes NULL (not on NOT NULL columns)", no_params, false, false },
	[A_FIXED] = { "fixed", "writes a constant", p_fixed, false, false },
	[A_HASH] = { "hash", "keyed hash, hex or base32; hex tokens keep their length (unique)", p_hash, true, false },
	[A_UUID] = { "uuid", "deterministic keyed UUID; UUIDs are permuted (unique)", no_params, true, false },
	[A_SCRAMBLE] = { "scramble", "letters to letters, digits to digits, case and punctuation kept (unique)", no_params, true, false },
	[A_FIRST] = { "fake_first_name", "a dictionary first name chosen by keyed hash", p_locale, false, false },
	[A_LAST] = { "fake_last_name", "a dictionary last name chosen by keyed hash", p_locale, false, false },
	[A_FULL] = { "fake_full_name", "a dictionary first and last name", p_locale, false, false },
	[A_EMAIL] = { "fake_email", "first.last.tag@domain, unique per input (66 keyed bits)", p_email, true, false },
	[A_PHONE] = { "fake_phone", "same format: punctuation, country code and trunk prefix kept (unique)", no_params, true, false },
	[A_STREET] = { "fake_street", "a house number and a dictionary street", p_locale, false, false },
	[A_CITY] = { "fake_city", "a dictionary city", p_locale, false, false },
	[A_POSTAL] = { "fake_postal_code", "same format, digits to digits, letters to letters (unique)", no_params, true, false },
	[A_COMPANY] = { "fake_company", "a dictionary company name", p_locale, false, false },
	[A_PARTIAL] = { "partial", "masks letters and digits except the first/last few: XXXX-XXXX-XXXX-1234", p_partial, false, false },
	[A_CARD] = { "card", "another number: same issuer prefix and length, valid Luhn (unique)", no_params, true, false },
	[A_IBAN] = { "iban", "same country and length, valid check digits (unique)", no_params, true, false },
	[A_NATID] = { "national_id", "same format, valid where a rule exists (unique)", p_natid, true, false },
	[A_IP] = { "ip", "same family, keyed (unique)", no_params, true, false },
	[A_DATE_SHIFT] = { "date_shift", "dates shifted by a keyed offset per entity", p_date_shift, false, false },
	[A_GENERALIZE] = { "generalize", "a coarser value: year, month, decade or numeric bucket", p_generalize, false, false },
	[A_NOISE] = { "noise", "numbers changed by a keyed relative noise", p_noise, false, false },
	[A_SHUFFLE] = { "shuffle", "values permuted within the column (keeps the distribution)", no_params, false, true },
	[A_REGEX] = { "regex_replace", "PCRE2 substitution of every match", p_regex, false, false },
	[A_REDACT] = { "redact_text", "free text: every detected PII span replaced by a fake", p_locale, false, false },
	[A_JSON] = { "json_paths", "masks the values at JSON paths with other actions", p_json, false, false },
	[A_SQL] = { "sql", "an expression evaluated by the source engine", p_sql, false, true },
};

static const char *const action_names[A_COUNT + 1] = {
	"keep", "null", "fixed", "hash", "uuid", "scramble", "fake_first_name",
	"fake_last_name", "fake_full_name", "fake_email", "fake_phone", "fake_street",
	"fake_city", "fake_postal_code", "fake_company", "partial", "card", "iban",
	"national_id", "ip", "date_shift", "generalize", "noise", "shuffle",
	"regex_replace", "redact_text", "json_paths", "sql", NULL,
};

const char *const *mask_action_names(void)
{
	return action_names;
}

int mask_spec_parse(const char *text, struct mask_spec *s, struct mb_err *err)
{
	char *copy = xstrdup(text ? text : ""), *save = NULL, *tok;
	int ret = -1;

	tok = strtok_r(copy, " \t", &save);
	if (!tok) {
		mb_err_set(err, MB_ERR_INPUT, "no action given");
		goto cleanup;
	}
	mask_spec_set_action(s, tok);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok) {
			mb_err_set(err, MB_ERR_INPUT, "'%.64s': parameters are KEY=VALUE", tok);
			goto cleanup;
		}
		*eq = '\0';
		mask_spec_set_param(s, tok, eq + 1);
	}
	ret = 0;
cleanup:
	free(copy);
	return ret;
}

static int action_id(const char *name)
{
	for (int i = 0; name && i < A_COUNT; i++)
		if (!strcmp(actions[i].name, name))
			return i;
	return -1;
}

const struct mask_action_info *mask_action_info(const char *action)
{
	int id = action_id(action);
	return id < 0 ? NULL : &actions[id];
}

/* ------------------------------------------------------------------ */
/* Rule-time checks                                                    */
/* ------------------------------------------------------------------ */

enum col_kind { CK_UNKNOWN, CK_TEXT, CK_NUMBER, CK_DATE, CK_BOOL, CK_BINARY };

static bool icontains(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (!strncasecmp(s, w, n))
			return true;
	return false;
}

static enum col_kind col_kind(const char *t)
{
	if (!t)
		return CK_UNKNOWN;
	if (icontains(t, "char") || icontains(t, "text") || icontains(t, "clob") ||
	    icontains(t, "json") || icontains(t, "string") || icontains(t, "enum") ||
	    icontains(t, "uuid") || icontains(t, "inet") || icontains(t, "xml"))
		return CK_TEXT;
	if (icontains(t, "bool"))
		return CK_BOOL;
	if (icontains(t, "date") || icontains(t, "time"))
		return CK_DATE;
	if (icontains(t, "int") || icontains(t, "num") || icontains(t, "dec") ||
	    icontains(t, "real") || icontains(t, "double") || icontains(t, "float") ||
	    icontains(t, "serial") || icontains(t, "money") || icontains(t, "year"))
		return CK_NUMBER;
	if (icontains(t, "blob") || icontains(t, "bytea") || icontains(t, "binary"))
		return CK_BINARY;
	return CK_UNKNOWN;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	if (str_ieq(s, "true") || str_ieq(s, "yes") || str_ieq(s, "on") || str_eq(s, "1"))
		*out = true;
	else if (str_ieq(s, "false") || str_ieq(s, "no") || str_ieq(s, "off") || str_eq(s, "0"))
		*out = false;
	else
		return false;
	return true;
}

static bool one_char(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	uint32_t cp;

	if (n == 0 || n > 4 || !utf8_valid(s, n))
		return false;
	cp = (unsigned char)s[0];
	return cp < 0x80 ? n == 1 : (cp >= 0xf0 ? n == 4 : cp >= 0xe0 ? n == 3 : n == 2);
}

static bool locale_ok(const char *l)
{
	return !l || str_eq(l, "en") || str_eq(l, "de") || str_eq(l, "fr");
}

#define BAD(...) do { mb_err_set(err, MB_ERR_INPUT, __VA_ARGS__); goto fail; } while (0)

const char *mask_action_for_column(const char *action, bool nullable,
				   bool in_unique_key, bool *params_reset)
{
	const char *chosen = action;
	if (!nullable && str_eq(chosen, "null"))
		chosen = "hash";
	if (in_unique_key) {
		const struct mask_action_info *info = mask_action_info(chosen);
		if (info && !info->unique && !str_eq(chosen, "keep"))
			chosen = "scramble";
	}
	*params_reset = chosen != action;
	return chosen;
}

int mask_spec_check(const struct mask_spec *s, const char *column,
		    const char *col_type, bool nullable, struct mb_err *err)
{
	int id = action_id(s->action);
	enum col_kind ck = col_kind(col_type);
	const struct mask_action_info *ai;
	const char *v;
	long n;
	bool b;

	if (!s->action || !*s->action)
		BAD("no action given");
	if (id < 0)
		BAD("unknown action '%.64s' (see 'maskbench transform --help')", s->action);
	ai = &actions[id];
	/* unknown parameters */
	for (size_t i = 0; i < s->nparams; i++) {
		const char *k = s->params[i].key;
		bool known = false;
		if (id == A_JSON) {
			known = k[0] == '$';
		} else {
			for (const struct mask_param_info *p = ai->params; p->name; p++)
				known |= !strcmp(p->name, k);
		}
		if (!known)
			BAD("%s: unknown parameter '%.64s'", ai->name, k);
	}
	switch (id) {
	case A_NULL:
		if (!nullable)
			BAD("null: the column is NOT NULL; choose another action");
		break;
	case A_FIXED:
		if (!mask_spec_param(s, "value"))
			BAD("fixed: parameter 'value' is required");
		if (ck == CK_NUMBER) {
			char *end;
			v = mask_spec_param(s, "value");
			strtod(v, &end);
			if (!*v || *end)
				BAD("fixed: parameter 'value' is not a number, but the column is numeric");
		}
		break;
	case A_HASH:
		if ((v = mask_spec_param(s, "length")) && !parse_long(v, 4, 256, &n))
			BAD("hash: parameter 'length' must be an integer 4..256");
		if ((v = mask_spec_param(s, "encoding")) && !str_eq(v, "hex") && !str_eq(v, "base32"))
			BAD("hash: parameter 'encoding' must be hex or base32");
		break;
	case A_EMAIL:
		if ((v = mask_spec_param(s, "keep_domain")) && !parse_bool(v, &b))
			BAD("fake_email: parameter 'keep_domain' must be true or false");
		if ((v = mask_spec_param(s, "domain")) &&
		    (!*v || strchr(v, '@') || strchr(v, ' ') || !strchr(v, '.')))
			BAD("fake_email: parameter 'domain' is not a domain name");
		break;
	case A_PARTIAL:
		if ((v = mask_spec_param(s, "keep_first")) && !parse_long(v, 0, 1000, &n))
			BAD("partial: parameter 'keep_first' must be an integer 0..1000");
		if ((v = mask_spec_param(s, "keep_last")) && !parse_long(v, 0, 1000, &n))
			BAD("partial: parameter 'keep_last' must be an integer 0..1000");
		if ((v = mask_spec_param(s, "mask_char")) && !one_char(v))
			BAD("partial: parameter 'mask_char' must be one character");
		break;
	case A_NATID:
		if ((v = mask_spec_param(s, "kind")) && !str_eq(v, "auto") && !str_eq(v, "ssn") &&
		    !str_eq(v, "luhn") && !str_eq(v, "generic"))
			BAD("national_id: parameter 'kind' must be auto, ssn, luhn or generic");
		break;
	case A_DATE_SHIFT:
		if ((v = mask_spec_param(s, "max_days")) && !parse_long(v, 1, 36500, &n))
			BAD("date_shift: parameter 'max_days' must be an integer 1..36500");
		if ((v = mask_spec_param(s, "entity")) && !*v)
			BAD("date_shift: parameter 'entity' is empty");
		if (ck == CK_NUMBER || ck == CK_BOOL || ck == CK_BINARY)
			BAD("date_shift: the column type %.64s holds no dates", col_type);
		break;
	case A_GENERALIZE:
		v = mask_spec_param(s, "to");
		if (v && !str_eq(v, "year") && !str_eq(v, "month") && !str_eq(v, "decade") &&
		    !str_eq(v, "bucket"))
			BAD("generalize: parameter 'to' must be year, month, decade or bucket");
		if (mask_spec_param(s, "bucket")) {
			char *end;
			double d = strtod(mask_spec_param(s, "bucket"), &end);
			if (*end || !(d > 0) || !isfinite(d))
				BAD("generalize: parameter 'bucket' must be a positive number");
		}
		if (ck == CK_DATE && str_eq(v, "bucket"))
			BAD("generalize: 'to: bucket' needs numbers, the column holds dates");
		if (ck == CK_NUMBER && (str_eq(v, "month")))
			BAD("generalize: 'to: month' needs dates, the column is numeric");
		if (ck == CK_BOOL || ck == CK_BINARY)
			BAD("generalize: the column type %.64s cannot be generalised", col_type);
		break;
	case A_NOISE: {
		if ((v = mask_spec_param(s, "percent"))) {
			char *end;
			double d = strtod(v, &end);
			if (*end || !(d > 0) || d > 100)
				BAD("noise: parameter 'percent' must be a number in (0, 100]");
		}
		if (ck == CK_DATE || ck == CK_BOOL || ck == CK_BINARY)
			BAD("noise: the column type %.64s is not numeric", col_type);
		break;
	}
	case A_REGEX: {
		int ec;
		PCRE2_SIZE off;
		pcre2_code *re;
		v = mask_spec_param(s, "pattern");
		if (!v || !*v)
			BAD("regex_replace: parameter 'pattern' is required");
		re = pcre2_compile((PCRE2_SPTR)v, PCRE2_ZERO_TERMINATED,
				   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
		if (!re) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(ec, msg, sizeof(msg));
			BAD("regex_replace: bad pattern at offset %zu: %s", (size_t)off, (char *)msg);
		}
		pcre2_code_free(re);
		break;
	}
	case A_SQL:
		v = mask_spec_param(s, "expression");
		if (!v || !*v || strspn(v, " \t\r\n") == strlen(v))
			BAD("sql: parameter 'expression' is required and may not be empty");
		break;
	case A_JSON:
		if (mask_json_paths_check(s, err) < 0)
			goto fail;
		if (ck == CK_NUMBER || ck == CK_BOOL || ck == CK_DATE)
			BAD("json_paths: the column type %.64s holds no JSON", col_type);
		break;
	default:
		break;
	}
	if ((v = mask_spec_param(s, "locale")) && !locale_ok(v))
		BAD("%s: parameter 'locale' must be en, de or fr", ai->name);
	if (ck == CK_NUMBER && (id == A_UUID || id == A_EMAIL || id == A_FIRST || id == A_LAST ||
				id == A_FULL || id == A_STREET || id == A_CITY || id == A_COMPANY ||
				id == A_REDACT || id == A_IP || id == A_IBAN || id == A_HASH ||
				id == A_PARTIAL))
		BAD("%s: the column type %.64s is numeric; the action writes text (scramble keeps numbers unique)",
		    ai->name, col_type);
	if ((ck == CK_DATE || ck == CK_BOOL) && id != A_KEEP && id != A_NULL && id != A_FIXED &&
	    id != A_DATE_SHIFT && id != A_GENERALIZE && id != A_SHUFFLE && id != A_SQL)
		BAD("%s: the column type %.64s needs keep, null, fixed, date_shift, generalize, shuffle or sql",
		    ai->name, col_type);
	return 0;
fail:
	if (column)
		mb_err_prefix(err, "%s", column);
	return -1;
}

#undef BAD

/* ------------------------------------------------------------------ */
/* Small actions                                                       */
/* ------------------------------------------------------------------ */

static int apply_keep(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	strbuf_reset(out);
	strbuf_add(out, in, len);
	return 0;
}

static int apply_fixed(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	strbuf_reset(out);
	strbuf_addstr(out, m->sparam[0]);
	return 0;
}

/* Length of the UTF-8 character at s (1 for an invalid byte). */
static size_t char_len(const char *s, size_t len)
{
	unsigned c = (unsigned char)s[0];
	size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 1;

	if (n == 1)
		return 1;
	if (n > len || !utf8_valid(s, n))
		return 1;
	return n;
}

static inline bool maskable(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
}

static int apply_partial(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	size_t nchars = 0, nmask = 0, idx = 0;
	size_t keep_first = (size_t)m->iparam[0], keep_last = (size_t)m->iparam[1];
	const char *mc = m->sparam[0];
	size_t mclen = strlen(mc);

	for (size_t i = 0; i < len; i += char_len(in + i, len - i)) {
		nchars++;
		nmask += maskable((unsigned char)in[i]);
	}
	if (nchars <= keep_first + keep_last)
		keep_first = keep_last = 0;     /* too short: mask it all */
	strbuf_reset(out);
	strbuf_grow(out, len * mclen);
	for (size_t i = 0; i < len;) {
		size_t n = char_len(in + i, len - i);
		unsigned char c = (unsigned char)in[i];
		bool kept = idx < keep_first || idx >= nchars - keep_last;
		if ((!kept && (nmask == 0 || maskable(c))) || (n == 1 && c >= 0x80))
			strbuf_add(out, mc, mclen);   /* an invalid byte is never copied */
		else
			strbuf_add(out, in + i, n);
		i += n;
		idx++;
	}
	return 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(long y, unsigned mo, unsigned d)
{
	y -= mo <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *mo, unsigned *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long yy = (long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*mo = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*mo <= 2);
}

static bool leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Parses a leading YYYY-MM-DD; returns true and the date when valid. */
static bool parse_iso_date(const char *s, size_t len, long *y, unsigned *mo, unsigned *d)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (len < 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	if (len > 10 && isdigit((unsigned char)s[10]))
		return false;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*mo = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	*d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (*y < 1 || *mo < 1 || *mo > 12 || *d < 1)
		return false;
	return *d <= mdays[*mo - 1] + (*mo == 2 && leap(*y));
}

static int apply_date_shift(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	const char *ent = m->entity ? m->entity : in;
	size_t elen = m->entity ? m->entity_len : len;
	long y, max = m->iparam[0], off, z;
	unsigned mo, d;
	uint64_t r;

	if (!parse_iso_date(in, len, &y, &mo, &d)) {
		mask_scramble(m, DOM_DATE, in, len, out);
		return 0;
	}
	/* with no entity the date itself keys the offset; an entity keys it
	 * without the date so all its dates move together */
	r = prf_u64(&m->prf, DOM_DATE, ent, m->entity ? elen : 10);
	off = (long)(r % (uint64_t)max) + 1;
	if ((r >> 32) & 1)
		off = -off;
	z = days_from_civil(y, mo, d) + off;
	civil_from_days(z, &y, &mo, &d);
	if (y < 1 || y > 9999) {
		z -= 2 * off;
		civil_from_days(z, &y, &mo, &d);
	}
	strbuf_reset(out);
	strbuf_addf(out, "%04ld-%02u-%02u", y, mo, d);
	strbuf_add(out, in + 10, len - 10);
	if (!utf8_valid(in + 10, len - 10)) {
		/* keep the time part only when it is clean text */
		strbuf_setlen(out, 10);
	}
	return 0;
}

/* Parses a plain decimal number; *decimals gets the digits after '.'. */
static bool parse_number(const char *s, size_t len, double *v, int *decimals)
{
	char buf[64], *end;
	size_t i = 0;
	const char *dot;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '-' || buf[0] == '+')
		i++;
	if (!isdigit((unsigned char)buf[i]) && buf[i] != '.')
		return false;
	for (; i < len; i++)
		if (!isdigit((unsigned char)buf[i]) && buf[i] != '.')
			return false;
	errno = 0;
	*v = strtod(buf, &end);
	if (*end || errno || !isfinite(*v))
		return false;
	dot = strchr(buf, '.');
	*decimals = dot ? (int)(len - (size_t)(dot - buf) - 1) : 0;
	return true;
}

static void add_number(struct strbuf *out, double v, int decimals)
{
	if (decimals > 17)
		decimals = 17;
	if (v == 0)
		v = 0;              /* no "-0" */
	strbuf_addf(out, "%.*f", decimals, v);
}

static int apply_generalize(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	int to = m->iparam[0];       /* 0 auto, 1 year, 2 month, 3 decade, 4 bucket */
	long y;
	unsigned mo, d;
	double v;
	int dec;

	strbuf_reset(out);
	if (parse_iso_date(in, len, &y, &mo, &d)) {
		if (to == 2)
			strbuf_addf(out, "%04ld-%02u-01", y, mo);
		else if (to == 3)
			strbuf_addf(out, "%04ld-01-01", y - y % 10);
		else
			strbuf_addf(out, "%04ld-01-01", y);
		return 0;
	}
	if (parse_number(in, len, &v, &dec)) {
		double w = m->sparam[0] ? strtod(m->sparam[0], NULL) : 10;
		if (to == 1 && dec == 0 && v >= 1 && v <= 9999) {
			add_number(out, v, 0);      /* a year is already a year */
			return 0;
		}
		if (to == 1 || to == 3)
			w = 10;
		add_number(out, floor(v / w) * w, dec);
		return 0;
	}
	mask_scramble(m, DOM_FALLBACK, in, len, out);
	return 0;
}

static int apply_noise(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	double v, pct = m->iparam[0] / 1000.0, unit, r, w;
	int dec;
	uint64_t h;

	if (!parse_number(in, len, &v, &dec)) {
		mask_scramble(m, DOM_NOISE, in, len, out);
		return 0;
	}
	if (dec > 17)
		dec = 17;
	h = prf_u64(&m->prf, DOM_NOISE, in, len);
	r = ((double)(h >> 11) / 9007199254740992.0) * 2 - 1;   /* [-1, 1) */
	unit = pow(10, -dec);
	w = v * (1 + r * pct / 100);
	w = round(w / unit) * unit;
	if (fabs(w - v) < unit / 2)
		w = v + ((h & 1) ? unit : -unit);   /* never the input */
	if (v >= 0 && w < 0)
		w = v + unit;                       /* keep the sign of non-negatives */
	strbuf_reset(out);
	add_number(out, w, dec);
	return 0;
}

static int apply_regex(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	PCRE2_SIZE n;
	int rc;

	if (m->tmp.alloc < len + 64)
		strbuf_grow(&m->tmp, len + 64);
	for (;;) {
		n = m->tmp.alloc - 1;
		rc = pcre2_substitute(m->re, (PCRE2_SPTR)in, len, 0,
				      PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
				      m->re_md, NULL, (PCRE2_SPTR)m->sparam[0],
				      PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)m->tmp.buf, &n);
		if (rc == PCRE2_ERROR_NOMEMORY) {
			strbuf_grow(&m->tmp, n + 1 - m->tmp.len);
			continue;
		}
		break;
	}
	strbuf_reset(out);
	if (rc < 0) {
		/* match limit or a replacement that cannot apply: mask anyway */
		mask_scramble(m, DOM_FALLBACK, in, len, out);
		return 0;
	}
	strbuf_add(out, m->tmp.buf, n);
	return 0;
}

static int apply_unsupported(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	return -1;
}

/* ------------------------------------------------------------------ */
/* Maskers                                                             */
/* ------------------------------------------------------------------ */

static const mask_apply_fn apply_fns[A_COUNT] = {
	[A_KEEP] = apply_keep, [A_NULL] = apply_keep, [A_FIXED] = apply_fixed,
	[A_HASH] = mask_apply_hash, [A_UUID] = mask_apply_uuid,
	[A_SCRAMBLE] = mask_apply_scramble, [A_FIRST] = mask_apply_fake,
	[A_LAST] = mask_apply_fake, [A_FULL] = mask_apply_fake,
	[A_EMAIL] = mask_apply_fake_email, [A_PHONE] = mask_apply_phone,
	[A_STREET] = mask_apply_fake, [A_CITY] = mask_apply_fake,
	[A_POSTAL] = mask_apply_postal, [A_COMPANY] = mask_apply_fake,
	[A_PARTIAL] = apply_partial, [A_CARD] = mask_apply_card,
	[A_IBAN] = mask_apply_iban, [A_NATID] = mask_apply_national_id,
	[A_IP] = mask_apply_ip, [A_DATE_SHIFT] = apply_date_shift,
	[A_GENERALIZE] = apply_generalize, [A_NOISE] = apply_noise,
	[A_SHUFFLE] = apply_unsupported, [A_REGEX] = apply_regex,
	[A_REDACT] = mask_apply_redact_text, [A_JSON] = mask_apply_json_paths,
	[A_SQL] = apply_unsupported,
};

struct masker *masker_new(const struct mask_spec *s, const struct mask_key *key,
			  struct mb_err *err)
{
	struct masker *m;
	int id;
	const char *v;
	long n;

	if (mask_spec_check(s, NULL, NULL, true, err) < 0)
		return NULL;
	id = action_id(s->action);
	assert(id >= 0);  /* mask_spec_check refused unknown actions */
	m = xcalloc(1, sizeof(*m));
	m->action = xstrdup(s->action);
	m->info = &actions[id];
	m->apply = apply_fns[id];
	mask_spec_copy(&m->spec, s);
	strbuf_init(&m->tmp, 0);
	strbuf_init(&m->tmp2, 0);
	if (prf_init(&m->prf, key, m->action, err) < 0)
		goto fail;
	fpe_init(&m->fpe, &m->prf);
	switch (id) {
	case A_FIXED:
		m->sparam[0] = xstrdup(mask_spec_param(s, "value"));
		break;
	case A_HASH:
		m->iparam[0] = parse_long(mask_spec_param(s, "length"), 4, 256, &n) ? (int)n : 0;
		m->iparam[1] = str_eq(mask_spec_param(s, "encoding"), "base32");
		break;
	case A_PARTIAL:
		m->iparam[0] = parse_long(mask_spec_param(s, "keep_first"), 0, 1000, &n) ? (int)n : 0;
		m->iparam[1] = parse_long(mask_spec_param(s, "keep_last"), 0, 1000, &n) ? (int)n : 4;
		m->sparam[0] = xstrdup((v = mask_spec_param(s, "mask_char")) ? v : "X");
		break;
	case A_NATID:
		v = mask_spec_param(s, "kind");
		m->iparam[0] = str_eq(v, "ssn") ? 1 : str_eq(v, "luhn") ? 2 : str_eq(v, "generic") ? 3 : 0;
		break;
	case A_DATE_SHIFT:
		m->iparam[0] = parse_long(mask_spec_param(s, "max_days"), 1, 36500, &n) ? (int)n : 365;
		m->sparam[0] = xstrdup(mask_spec_param(s, "entity"));
		break;
	case A_GENERALIZE:
		v = mask_spec_param(s, "to");
		m->iparam[0] = str_eq(v, "year") ? 1 : str_eq(v, "month") ? 2 :
			       str_eq(v, "decade") ? 3 : str_eq(v, "bucket") ? 4 : 0;
		m->sparam[0] = xstrdup(mask_spec_param(s, "bucket"));
		break;
	case A_NOISE:
		v = mask_spec_param(s, "percent");
		m->iparam[0] = (int)((v ? strtod(v, NULL) : 10.0) * 1000);
		break;
	case A_REGEX: {
		int ec;
		PCRE2_SIZE off;
		m->re = pcre2_compile((PCRE2_SPTR)mask_spec_param(s, "pattern"),
				      PCRE2_ZERO_TERMINATED,
				      PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
		if (!m->re) {
			mb_err_set(err, MB_ERR_INPUT, "regex_replace: bad pattern");
			goto fail;
		}
		pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE);   /* optional: falls back */
		m->re_md = pcre2_match_data_create_from_pattern(m->re, NULL);
		m->sparam[0] = xstrdup((v = mask_spec_param(s, "replacement")) ? v : "");
		break;
	}
	case A_SQL:
		m->sparam[0] = xstrdup(mask_spec_param(s, "expression"));
		break;
	case A_FIRST: case A_LAST: case A_FULL: case A_EMAIL: case A_STREET:
	case A_CITY: case A_COMPANY:
		if (mask_fakes_init(m, err) < 0)
			goto fail;
		break;
	case A_REDACT: case A_JSON:
		m->key_for_sub = key;
		if (mask_text_init(m, err) < 0)
			goto fail;
		m->key_for_sub = NULL;
		break;
	default:
		break;
	}
	return m;
fail:
	mb_err_prefix(err, "%s", s->action);
	masker_free(m);
	return NULL;
}

void masker_free(struct masker *m)
{
	if (!m)
		return;
	if (m->re_md)
		pcre2_match_data_free(m->re_md);
	if (m->re)
		pcre2_code_free(m->re);
	mask_fakes_free(m->fakes);
	mask_text_free(m->text);
	for (size_t i = 0; i < ARRAY_SIZE(m->sparam); i++)
		free(m->sparam[i]);
	fpe_release(&m->fpe);
	prf_release(&m->prf);
	free(m->digits);
	free(m->radix);
	strbuf_release(&m->tmp);
	strbuf_release(&m->tmp2);
	mask_spec_release(&m->spec);
	free(m->action);
	free(m);
}

const char *masker_action(const struct masker *m)
{
	return m->action;
}

int masker_apply(struct masker *m, const char *in, size_t len, struct strbuf *out,
		 bool *out_null, struct mb_err *err)
{
	*out_null = false;
	strbuf_reset(out);
	if (!in || m->apply == NULL || m->info == &actions[A_NULL]) {
		*out_null = true;
		return 0;
	}
	if (m->apply(m, in, len, out) < 0) {
		if (m->info == &actions[A_SHUFFLE])
			return mb_err_set(err, MB_ERR_INTERNAL,
					  "shuffle permutes the whole column: use masker_shuffle_index()");
		if (m->info == &actions[A_SQL])
			return mb_err_set(err, MB_ERR_INTERNAL,
					  "sql is evaluated by the source engine, not by the masker");
		return mb_err_set(err, MB_ERR_INTERNAL, "%s: masking failed", m->action);
	}
	return 0;
}

int masker_apply_entity(struct masker *m, const char *in, size_t len,
			const char *entity, size_t entity_len,
			struct strbuf *out, bool *out_null, struct mb_err *err)
{
	int ret;

	if (m->info != &actions[A_DATE_SHIFT] || !m->sparam[0])
		return masker_apply(m, in, len, out, out_null, err);
	m->entity = entity;
	m->entity_len = entity_len;
	ret = masker_apply(m, in, len, out, out_null, err);
	m->entity = NULL;
	m->entity_len = 0;
	return ret;
}

bool masker_needs_row_context(const struct masker *m)
{
	return m->info->row_context ||
	       (m->info == &actions[A_DATE_SHIFT] && m->sparam[0]);
}

const char *masker_entity_column(const struct masker *m)
{
	return m->info == &actions[A_DATE_SHIFT] ? m->sparam[0] : NULL;
}

uint64_t masker_shuffle_index(struct masker *m, uint64_t n, uint64_t i)
{
	uint8_t tweak[16];

	if (n <= 1)
		return 0;
	fpe_tweak(&m->fpe, DOM_SHUFFLE, &n, sizeof(n), tweak);
	return fpe_int(&m->fpe, tweak, i % n, n, false);
}

const char *masker_sql_expression(const struct masker *m)
{
	return m->info == &actions[A_SQL] ? m->sparam[0] : NULL;
}

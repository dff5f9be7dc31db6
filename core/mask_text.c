/*
 * mask_text.c - redact_text (free text: every PII span the matchers find is
 * replaced by a fake of its category) and json_paths (masks the values at
 * JSON paths with other actions).
 *
 * redact_text uses core/match.h (the scanner's category patterns with
 * validators and the customer-name matcher); the dependency is one way,
 * mask -> match. Each category is masked by the column action of that
 * category under the same key (an email in a note becomes the same fake
 * email as in the email column).
 *
 * json_paths walks the document with a small recursive-descent JSON reader
 * written here. Why not a library: SPEC §2 fixes the dependency list and
 * none of it reads JSON (libyaml would accept non-JSON and rewrite the
 * document). The reader copies the document byte for byte except the
 * values it masks, so formatting, key order and numbers are kept; it is
 * bounded (depth 256) and fuzzed (tests/fuzz/fuzz_mask.c). A document that
 * is not JSON is still masked (scrambled), never passed through.
 */
#include "core/mask_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/match.h"
#include "core/util.h"

#define JSON_MAX_DEPTH 256

/* ------------------------------------------------------------------ */
/* json_paths: paths                                                   */
/* ------------------------------------------------------------------ */

enum seg_kind { SEG_KEY, SEG_ANY, SEG_INDEX, SEG_DESCENT };

struct seg {
	enum seg_kind kind;
	char *name;             /* SEG_KEY, SEG_DESCENT (NULL: any key) */
	long index;             /* SEG_INDEX; -1 = any index ([*]) */
};

struct jpath {
	struct seg *segs;
	size_t n, alloc;
	struct masker *sub;
	bool sub_null;          /* the sub action is `null` */
};

/* Parses "$.a.b[0]['x y'][*]..c.*"; returns 0 or -1. */
static int path_parse(const char *p, struct jpath *jp)
{
	if (*p++ != '$')
		return -1;
	while (*p) {
		struct seg s = { SEG_KEY, NULL, -1 };
		if (p[0] == '.' && p[1] == '.') {
			const char *q = p + 2;
			s.kind = SEG_DESCENT;
			while (*q && *q != '.' && *q != '[')
				q++;
			if (q == p + 2)
				return -1;
			s.name = (q - p == 3 && p[2] == '*') ? NULL : xstrndup(p + 2, (size_t)(q - p - 2));
			p = q;
		} else if (p[0] == '.') {
			const char *q = p + 1;
			while (*q && *q != '.' && *q != '[')
				q++;
			if (q == p + 1)
				return -1;
			if (q - p == 2 && p[1] == '*')
				s.kind = SEG_ANY;
			else
				s.name = xstrndup(p + 1, (size_t)(q - p - 1));
			p = q;
		} else if (p[0] == '[') {
			if (p[1] == '*' && p[2] == ']') {
				s.kind = SEG_INDEX;
				p += 3;
			} else if (p[1] == '\'' || p[1] == '"') {
				const char *q = strchr(p + 2, p[1]);
				if (!q || q[1] != ']')
					return -1;
				s.name = xstrndup(p + 2, (size_t)(q - p - 2));
				p = q + 2;
			} else if (isdigit((unsigned char)p[1])) {
				char *end;
				s.kind = SEG_INDEX;
				s.index = strtol(p + 1, &end, 10);
				if (*end != ']' || s.index < 0)
					return -1;
				p = end + 1;
			} else {
				return -1;
			}
		} else {
			return -1;
		}
		ALLOC_GROW(jp->segs, jp->n + 1, jp->alloc);
		jp->segs[jp->n++] = s;
	}
	return 0;
}

static void path_release(struct jpath *jp)
{
	for (size_t i = 0; i < jp->n; i++)
		free(jp->segs[i].name);
	free(jp->segs);
	masker_free(jp->sub);
	memset(jp, 0, sizeof(*jp));
}

int mask_json_paths_check(const struct mask_spec *s, struct mb_err *err)
{
	if (s->nparams == 0)
		return mb_err_set(err, MB_ERR_INPUT,
				  "json_paths: no paths given (e.g. --param '$.email=fake_email')");
	for (size_t i = 0; i < s->nparams; i++) {
		struct jpath jp = { 0 };
		struct mask_spec sub = MASK_SPEC_INIT;
		int bad = path_parse(s->params[i].key, &jp);
		path_release(&jp);
		if (bad)
			return mb_err_set(err, MB_ERR_INPUT, "json_paths: malformed path '%.128s'",
					  s->params[i].key);
		if (mask_spec_parse(s->params[i].value, &sub, NULL) < 0) {
			mask_spec_release(&sub);
			return mb_err_set(err, MB_ERR_INPUT,
					  "json_paths: path '%.128s': expected 'ACTION [KEY=VALUE]...'",
					  s->params[i].key);
		}
		if (str_eq(sub.action, "json_paths") || str_eq(sub.action, "shuffle") ||
		    str_eq(sub.action, "sql")) {
			mb_err_set(err, MB_ERR_INPUT, "json_paths: path '%.128s': action %s cannot run inside JSON",
				   s->params[i].key, sub.action);
			mask_spec_release(&sub);
			return -1;
		}
		if (mask_spec_check(&sub, NULL, NULL, true, err) < 0) {
			mb_err_prefix(err, "json_paths: path '%.128s'", s->params[i].key);
			mask_spec_release(&sub);
			return -1;
		}
		mask_spec_release(&sub);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Shared state                                                        */
/* ------------------------------------------------------------------ */

enum {
	C_EMAIL, C_FULL, C_FIRST, C_LAST, C_PHONE, C_CARD, C_IBAN, C_NATID, C_IP,
	C_COMPANY, C_STREET, C_CITY, C_POSTAL, C_DATE, C_OTHER, C_COUNT
};

static const struct { const char *category, *action; } cat_actions[C_COUNT] = {
	[C_EMAIL] = { "email", "fake_email" },
	[C_FULL] = { "person_name", "fake_full_name" },
	[C_FIRST] = { "first_name", "fake_first_name" },
	[C_LAST] = { "last_name", "fake_last_name" },
	[C_PHONE] = { "phone", "fake_phone" },
	[C_CARD] = { "credit_card", "card" },
	[C_IBAN] = { "iban", "iban" },
	[C_NATID] = { "national_id", "national_id" },
	[C_IP] = { "ip_address", "ip" },
	[C_COMPANY] = { "company_name", "fake_company" },
	[C_STREET] = { "street_address", "fake_street" },
	[C_CITY] = { "city", "fake_city" },
	[C_POSTAL] = { "postal_code", "fake_postal_code" },
	[C_DATE] = { "birth_date", "date_shift" },
	[C_OTHER] = { NULL, "scramble" },
};

struct span { size_t start, len; int cat; };

struct mask_text {
	struct mask_key key;            /* a copy for the sub-maskers; wiped */
	char *locale;
	/* redact_text */
	struct match_catalog *cat;
	struct match_scratch *scratch;
	const struct customer_set *cs;
	struct masker *sub[C_COUNT];
	struct span *spans;
	size_t nspans, salloc;
	/* json_paths */
	struct jpath *paths;
	size_t npaths;
	struct strbuf keys;             /* the current path's keys, NUL-separated */
	struct { size_t key_off; long index; bool is_index; } *stack;
	size_t depth, stalloc;
	struct strbuf str, res, val;
};

void mask_text_free(struct mask_text *t)
{
	if (!t)
		return;
	for (int i = 0; i < C_COUNT; i++)
		masker_free(t->sub[i]);
	for (size_t i = 0; i < t->npaths; i++)
		path_release(&t->paths[i]);
	free(t->paths);
	match_scratch_free(t->scratch);
	match_catalog_free(t->cat);
	free(t->spans);
	free(t->stack);
	free(t->locale);
	strbuf_release(&t->keys);
	strbuf_release(&t->str);
	strbuf_release(&t->res);
	strbuf_release(&t->val);
	secure_zero(&t->key, sizeof(t->key));
	free(t);
}

int mask_text_init(struct masker *m, struct mb_err *err)
{
	struct mask_text *t = xcalloc(1, sizeof(*t));
	const char *loc = mask_spec_param(&m->spec, "locale");

	m->text = t;
	t->key = *m->key_for_sub;
	t->locale = xstrdup(loc ? loc : "en");
	strbuf_init(&t->keys, 0);
	strbuf_init(&t->str, 0);
	strbuf_init(&t->res, 0);
	strbuf_init(&t->val, 0);
	if (!strcmp(m->action, "redact_text")) {
		t->cat = match_catalog_load(NULL, err);
		if (!t->cat)
			return -1;
		t->scratch = match_scratch_new(t->cat);
		return 0;
	}
	/* json_paths */
	t->paths = xcalloc(m->spec.nparams, sizeof(*t->paths));
	for (size_t i = 0; i < m->spec.nparams; i++) {
		struct mask_spec sub = MASK_SPEC_INIT;
		struct jpath *jp = &t->paths[t->npaths++];
		if (path_parse(m->spec.params[i].key, jp) < 0 ||
		    mask_spec_parse(m->spec.params[i].value, &sub, NULL) < 0) {
			mask_spec_release(&sub);
			return mb_err_set(err, MB_ERR_INPUT, "malformed path '%.128s'",
					  m->spec.params[i].key);
		}
		jp->sub = masker_new(&sub, &t->key, err);
		jp->sub_null = str_eq(sub.action, "null");
		mask_spec_release(&sub);
		if (!jp->sub)
			return mb_err_prefix(err, "path '%.128s'", m->spec.params[i].key);
	}
	return 0;
}

/* The sub-masker for category slot c, created on first use. */
static struct masker *sub_masker(struct masker *m, int c)
{
	struct mask_text *t = m->text;

	if (!t->sub[c]) {
		struct mask_spec s = MASK_SPEC_INIT;
		struct mb_err err = MB_ERR_INIT;
		mask_spec_set_action(&s, cat_actions[c].action);
		if (!strcmp(cat_actions[c].action, "fake_email") ||
		    !strncmp(cat_actions[c].action, "fake_", 5))
			if (c != C_PHONE && c != C_POSTAL)
				mask_spec_set_param(&s, "locale", t->locale);
		t->sub[c] = masker_new(&s, &t->key, &err);
		mask_spec_release(&s);
		if (!t->sub[c] && c != C_OTHER)
			return sub_masker(m, C_OTHER);   /* e.g. a dictionary is missing */
	}
	return t->sub[c];
}

/* ------------------------------------------------------------------ */
/* redact_text                                                         */
/* ------------------------------------------------------------------ */

void masker_set_customers(struct masker *m, const struct customer_set *cs)
{
	if (m->text)
		m->text->cs = cs;
}

static int category_slot(const char *category)
{
	for (int i = 0; i < C_OTHER; i++)
		if (!strcmp(cat_actions[i].category, category))
			return i;
	return C_OTHER;
}

static int span_cb(void *ctx, const struct match_span *sp)
{
	struct mask_text *t = ctx;

	ALLOC_GROW(t->spans, t->nspans + 1, t->salloc);
	t->spans[t->nspans].start = sp->start;
	t->spans[t->nspans].len = sp->len;
	t->spans[t->nspans].cat = category_slot(sp->category);
	t->nspans++;
	return 0;
}

/* Copies s to out with every invalid UTF-8 byte replaced by U+FFFD. */
static void utf8_sanitise(const char *s, size_t len, struct strbuf *out)
{
	size_t i = 0, good = 0;

	strbuf_reset(out);
	while (i < len) {
		unsigned c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (n && i + n <= len && (n == 1 || utf8_valid(s + i, n))) {
			i += n;
			continue;
		}
		strbuf_add(out, s + good, i - good);
		strbuf_addstr(out, "\xef\xbf\xbd");
		i++;
		good = i;
	}
	strbuf_add(out, s + good, len - good);
}

int mask_apply_redact_text(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	struct mask_text *t = m->text;
	size_t pos = 0;

	if (!match_utf8_valid(in, len)) {
		utf8_sanitise(in, len, &t->str);
		in = t->str.buf;
		len = t->str.len;
	}
	t->nspans = 0;
	if (match_find_spans_s(t->cat, t->scratch, t->cs, in, len, span_cb, t) < 0)
		return -1;
	strbuf_reset(out);
	for (size_t i = 0; i < t->nspans; i++) {
		struct span *sp = &t->spans[i];
		struct masker *sub = sub_masker(m, sp->cat);
		bool isnull;
		if (sp->start < pos)
			continue;
		strbuf_add(out, in + pos, sp->start - pos);
		if (!sub || masker_apply(sub, in + sp->start, sp->len, &t->res, &isnull, NULL) < 0)
			return -1;
		strbuf_add(out, t->res.buf, t->res.len);
		pos = sp->start + sp->len;
	}
	strbuf_add(out, in + pos, len - pos);
	return 0;
}

/* ------------------------------------------------------------------ */
/* json_paths: the walker                                              */
/* ------------------------------------------------------------------ */

struct jw {
	struct masker *m;
	struct mask_text *t;
	const char *s, *end;
	struct strbuf *out;
};

/* Does path jp match the current stack from segment si / component ci? */
static bool path_match(struct mask_text *t, const struct jpath *jp, size_t si, size_t ci)
{
	if (si == jp->n)
		return ci == t->depth;
	const struct seg *sg = &jp->segs[si];
	if (sg->kind == SEG_DESCENT) {
		for (size_t c = ci; c < t->depth; c++) {
			if (t->stack[c].is_index)
				continue;
			if ((!sg->name || !strcmp(sg->name, t->keys.buf + t->stack[c].key_off)) &&
			    path_match(t, jp, si + 1, c + 1))
				return true;
		}
		return false;
	}
	if (ci == t->depth)
		return false;
	switch (sg->kind) {
	case SEG_KEY:
		if (t->stack[ci].is_index || strcmp(sg->name, t->keys.buf + t->stack[ci].key_off))
			return false;
		break;
	case SEG_ANY:
		break;
	case SEG_INDEX:
		if (!t->stack[ci].is_index || (sg->index >= 0 && sg->index != t->stack[ci].index))
			return false;
		break;
	default:
		return false;
	}
	return path_match(t, jp, si + 1, ci + 1);
}

static struct jpath *match_paths(struct mask_text *t)
{
	for (size_t i = 0; i < t->npaths; i++)
		if (path_match(t, &t->paths[i], 0, 0))
			return &t->paths[i];
	return NULL;
}

/* Skips white space, copying it to the output (formatting is kept). */
static void ws(struct jw *w)
{
	const char *p = w->s;

	while (w->s < w->end && (*w->s == ' ' || *w->s == '\t' || *w->s == '\n' || *w->s == '\r'))
		w->s++;
	strbuf_add(w->out, p, (size_t)(w->s - p));
}

static int hexd(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static void put_utf8(struct strbuf *sb, uint32_t cp)
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

/* Reads a JSON string at w->s (the quote) into dec (decoded) when not NULL. */
static int read_string(struct jw *w, struct strbuf *dec)
{
	if (w->s >= w->end || *w->s != '"')
		return -1;
	w->s++;
	if (dec)
		strbuf_reset(dec);
	while (w->s < w->end && *w->s != '"') {
		unsigned char c = (unsigned char)*w->s;
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			if (dec)
				strbuf_addch(dec, c);
			w->s++;
			continue;
		}
		if (++w->s >= w->end)
			return -1;
		c = (unsigned char)*w->s++;
		switch (c) {
		case '"': case '\\': case '/': if (dec) strbuf_addch(dec, c); break;
		case 'b': if (dec) strbuf_addch(dec, '\b'); break;
		case 'f': if (dec) strbuf_addch(dec, '\f'); break;
		case 'n': if (dec) strbuf_addch(dec, '\n'); break;
		case 'r': if (dec) strbuf_addch(dec, '\r'); break;
		case 't': if (dec) strbuf_addch(dec, '\t'); break;
		case 'u': {
			uint32_t cp = 0;
			if (w->end - w->s < 4)
				return -1;
			for (int i = 0; i < 4; i++) {
				int h = hexd((unsigned char)w->s[i]);
				if (h < 0)
					return -1;
				cp = cp * 16 + (uint32_t)h;
			}
			w->s += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && w->end - w->s >= 6 &&
			    w->s[0] == '\\' && w->s[1] == 'u') {
				uint32_t lo = 0;
				int ok = 1;
				for (int i = 0; i < 4; i++) {
					int h = hexd((unsigned char)w->s[2 + i]);
					if (h < 0)
						ok = 0;
					lo = lo * 16 + (uint32_t)(h < 0 ? 0 : h);
				}
				if (ok && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					w->s += 6;
				}
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;
			if (dec)
				put_utf8(dec, cp);
			break;
		}
		default:
			return -1;
		}
	}
	if (w->s >= w->end)
		return -1;
	w->s++;
	return 0;
}

static bool is_json_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n || !isdigit((unsigned char)s[i]))
		return false;
	if (s[i] == '0')
		i++;
	else
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
	if (i < n && s[i] == '.') {
		if (++i >= n || !isdigit((unsigned char)s[i]))
			return false;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !isdigit((unsigned char)s[i]))
			return false;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
	}
	return i == n;
}

/* Masks one scalar (decoded string or raw literal) with jp's sub-masker. */
static int emit_masked(struct jw *w, struct jpath *jp, const char *v, size_t n,
		       bool was_string)
{
	struct mask_text *t = w->t;
	bool isnull;

	if (masker_apply(jp->sub, v, n, &t->res, &isnull, NULL) < 0)
		return -1;
	if (isnull) {
		strbuf_addstr(w->out, "null");
		return 0;
	}
	if (!was_string && is_json_number(t->res.buf, t->res.len)) {
		strbuf_add(w->out, t->res.buf, t->res.len);
		return 0;
	}
	if (!utf8_valid(t->res.buf, t->res.len)) {
		utf8_sanitise(t->res.buf, t->res.len, &t->str);
		strbuf_add_json_str(w->out, t->str.buf, t->str.len);
	} else {
		strbuf_add_json_str(w->out, t->res.buf, t->res.len);
	}
	return 0;
}

static int walk_value(struct jw *w, struct jpath *active, int depth);

static void push(struct mask_text *t, const char *key, size_t klen, long index)
{
	ALLOC_GROW(t->stack, t->depth + 1, t->stalloc);
	t->stack[t->depth].is_index = key == NULL;
	t->stack[t->depth].index = index;
	t->stack[t->depth].key_off = t->keys.len;
	if (key) {
		strbuf_add(&t->keys, key, klen);
		strbuf_addch(&t->keys, '\0');
	}
	t->depth++;
}

static void pop(struct mask_text *t)
{
	t->depth--;
	strbuf_setlen(&t->keys, t->stack[t->depth].key_off);
}

static int walk_value(struct jw *w, struct jpath *active, int depth)
{
	struct mask_text *t = w->t;
	struct jpath *jp = match_paths(t);
	const char *start;

	if (jp)
		active = jp;
	if (depth > JSON_MAX_DEPTH)
		return -1;
	ws(w);
	if (w->s >= w->end)
		return -1;
	start = w->s;
	switch (*w->s) {
	case '{': {
		strbuf_addch(w->out, '{');
		w->s++;
		ws(w);
		if (w->s < w->end && *w->s == '}') {
			w->s++;
			strbuf_addch(w->out, '}');
			return 0;
		}
		for (;;) {
			const char *ks;
			int rc;
			ws(w);
			ks = w->s;
			if (read_string(w, &t->str) < 0)
				return -1;
			strbuf_add(w->out, ks, (size_t)(w->s - ks));
			ws(w);
			if (w->s >= w->end || *w->s != ':')
				return -1;
			w->s++;
			strbuf_addch(w->out, ':');
			push(t, t->str.buf, t->str.len, 0);
			rc = walk_value(w, active, depth + 1);
			pop(t);
			if (rc < 0)
				return -1;
			ws(w);
			if (w->s < w->end && *w->s == ',') {
				w->s++;
				strbuf_addch(w->out, ',');
				continue;
			}
			if (w->s < w->end && *w->s == '}') {
				w->s++;
				strbuf_addch(w->out, '}');
				return 0;
			}
			return -1;
		}
	}
	case '[': {
		long idx = 0;
		strbuf_addch(w->out, '[');
		w->s++;
		ws(w);
		if (w->s < w->end && *w->s == ']') {
			w->s++;
			strbuf_addch(w->out, ']');
			return 0;
		}
		for (;; idx++) {
			int rc;
			push(t, NULL, 0, idx);
			rc = walk_value(w, active, depth + 1);
			pop(t);
			if (rc < 0)
				return -1;
			ws(w);
			if (w->s < w->end && *w->s == ',') {
				w->s++;
				strbuf_addch(w->out, ',');
				continue;
			}
			if (w->s < w->end && *w->s == ']') {
				w->s++;
				strbuf_addch(w->out, ']');
				return 0;
			}
			return -1;
		}
	}
	case '"':
		if (read_string(w, active ? &t->str : NULL) < 0)
			return -1;
		if (!active) {
			strbuf_add(w->out, start, (size_t)(w->s - start));
			return 0;
		}
		/* t->str is reused by emit_masked for sanitising: copy */
		strbuf_reset(&t->val);
		strbuf_add(&t->val, t->str.buf, t->str.len);
		return emit_masked(w, active, t->val.buf, t->val.len, true);
	default: {
		const char *q = w->s;
		while (q < w->end && (isalnum((unsigned char)*q) || *q == '-' || *q == '+' ||
				      *q == '.'))
			q++;
		size_t n = (size_t)(q - w->s);
		if (n == 0)
			return -1;
		if (!(is_json_number(w->s, n) || (n == 4 && !memcmp(w->s, "true", 4)) ||
		      (n == 5 && !memcmp(w->s, "false", 5)) || (n == 4 && !memcmp(w->s, "null", 4))))
			return -1;
		w->s = q;
		if (!active || (n == 4 && !memcmp(start, "null", 4))) {
			strbuf_add(w->out, start, n);   /* JSON null stays null */
			return 0;
		}
		return emit_masked(w, active, start, n, false);
	}
	}
}

int mask_apply_json_paths(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	struct jw w = { m, m->text, in, in + len, out };

	m->text->depth = 0;
	strbuf_reset(&m->text->keys);
	strbuf_reset(out);
	if (walk_value(&w, NULL, 0) == 0) {
		ws(&w);
		if (w.s == w.end)
			return 0;
	}
	/* not JSON: still masked */
	mask_scramble(m, DOM_FALLBACK, in, len, out);
	return 0;
}

/*
 * mask_fake.c - dictionary fakes: first/last/full names, streets, cities,
 * companies and emails, picked by a keyed PRF of the normalised input
 * (trimmed, ASCII case folded), so "ANNA " and "anna" are the same person
 * and the same person is the same fake person in every table.
 *
 * Dictionaries are plain UTF-8 files, one entry a line ('#' starts a
 * comment line): share/dict/<locale>/{first_names,last_names,streets,
 * cities,companies,email_domains}.txt.
 */
#include "core/mask_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"

enum { D_FIRST, D_LAST, D_STREET, D_CITY, D_COMPANY, D_DOMAIN, D_COUNT };

static const char *const dict_names[D_COUNT] = {
	"first_names", "last_names", "streets", "cities", "companies", "email_domains",
};

struct mask_fakes {
	struct dict d[D_COUNT];
	int kind;               /* which action: D_* or -1 for full name, -2 email */
	bool street_number_last;/* "Hauptstraße 12" (de) vs "12 Main Street" */
	bool keep_domain;
	char *domain;           /* fixed domain, or NULL */
};

/* ------------------------------------------------------------------ */
/* Share folder and dictionaries                                       */
/* ------------------------------------------------------------------ */

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *mask_share_dir(void)
{
	char path[4096];
	const char *env = getenv("MASKBENCH_SHARE");

	if (env && *env)
		return env;
#ifdef MB_SRCSHAREDIR
	snprintf(path, sizeof(path), "%s/dict", MB_SRCSHAREDIR);
	if (is_dir(path))
		return MB_SRCSHAREDIR;
#endif
#ifdef MB_PKGDATADIR
	return MB_PKGDATADIR;
#else
	return "share";
#endif
}

int dict_load(struct dict *d, const char *locale, const char *name, struct mb_err *err)
{
	char path[4096];
	FILE *f;
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t n, alloc = 0;
	char *p;

	memset(d, 0, sizeof(*d));
	snprintf(path, sizeof(path), "%s/dict/%s/%s.txt", mask_share_dir(), locale, name);
	f = fopen(path, "r");
	if (!f)
		return mb_err_set(err, MB_ERR_IO, "cannot open dictionary '%s': %s", path,
				  strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	if (ferror(f)) {
		fclose(f);
		strbuf_release(&sb);
		return mb_err_set(err, MB_ERR_IO, "cannot read dictionary '%s'", path);
	}
	fclose(f);
	if (!utf8_valid(sb.buf, sb.len)) {
		strbuf_release(&sb);
		return mb_err_set(err, MB_ERR_INPUT, "dictionary '%s' is not valid UTF-8", path);
	}
	d->data = strbuf_detach(&sb, NULL);
	for (p = d->data; *p;) {
		char *e = strchr(p, '\n'), *t;
		if (e)
			*e = '\0';
		t = p + strlen(p);
		while (t > p && (t[-1] == '\r' || t[-1] == ' ' || t[-1] == '\t'))
			*--t = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != '#') {
			ALLOC_GROW(d->items, d->n + 1, alloc);
			d->items[d->n++] = p;
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (d->n < 2) {
		dict_release(d);
		return mb_err_set(err, MB_ERR_INPUT, "dictionary '%s' has fewer than 2 entries", path);
	}
	return 0;
}

void dict_release(struct dict *d)
{
	free(d->items);
	free(d->data);
	memset(d, 0, sizeof(*d));
}

void mask_fakes_free(struct mask_fakes *f)
{
	if (!f)
		return;
	for (int i = 0; i < D_COUNT; i++)
		dict_release(&f->d[i]);
	free(f->domain);
	free(f);
}

int mask_fakes_init(struct masker *m, struct mb_err *err)
{
	struct mask_fakes *f = xcalloc(1, sizeof(*f));
	const char *locale = mask_spec_param(&m->spec, "locale");
	const char *a = m->action;
	bool need[D_COUNT] = { false };
	const char *v;

	if (!locale)
		locale = "en";
	m->fakes = f;
	if (!strcmp(a, "fake_first_name")) {
		f->kind = D_FIRST;
		need[D_FIRST] = true;
	} else if (!strcmp(a, "fake_last_name")) {
		f->kind = D_LAST;
		need[D_LAST] = true;
	} else if (!strcmp(a, "fake_full_name")) {
		f->kind = -1;
		need[D_FIRST] = need[D_LAST] = true;
	} else if (!strcmp(a, "fake_email")) {
		f->kind = -2;
		need[D_FIRST] = need[D_LAST] = need[D_DOMAIN] = true;
		v = mask_spec_param(&m->spec, "keep_domain");
		f->keep_domain = v && (str_ieq(v, "true") || str_ieq(v, "yes") ||
				       str_ieq(v, "on") || str_eq(v, "1"));
		f->domain = xstrdup(mask_spec_param(&m->spec, "domain"));
	} else if (!strcmp(a, "fake_street")) {
		f->kind = D_STREET;
		need[D_STREET] = true;
		f->street_number_last = !strcmp(locale, "de");
	} else if (!strcmp(a, "fake_city")) {
		f->kind = D_CITY;
		need[D_CITY] = true;
	} else {
		f->kind = D_COMPANY;
		need[D_COMPANY] = true;
	}
	for (int i = 0; i < D_COUNT; i++)
		if (need[i] && dict_load(&f->d[i], locale, dict_names[i], err) < 0)
			return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Picking                                                             */
/* ------------------------------------------------------------------ */

/* Trimmed, ASCII-lower-cased copy of in, in m->tmp. */
static void normalise(struct masker *m, const char *in, size_t len)
{
	while (len && isspace((unsigned char)*in))
		in++, len--;
	while (len && isspace((unsigned char)in[len - 1]))
		len--;
	strbuf_reset(&m->tmp);
	for (size_t i = 0; i < len; i++)
		strbuf_addch(&m->tmp, tolower((unsigned char)in[i]));
}

static bool same_word(const char *a, const char *b, size_t blen)
{
	return strlen(a) == blen && !strncasecmp(a, b, blen);
}

/*
 * Index into d chosen by 64 PRF bits; never the entry equal to the
 * (normalised) input, so no output equals its input.
 */
static const char *pick(const struct dict *d, uint64_t r, const char *norm, size_t nlen)
{
	size_t i = (size_t)(r % d->n);

	if (same_word(d->items[i], norm, nlen))
		i = (i + 1) % d->n;
	return d->items[i];
}

/* 0 mixed, 1 all upper, 2 all lower (ASCII letters only decide). */
static int case_style(const char *in, size_t len)
{
	bool up = false, low = false;

	for (size_t i = 0; i < len; i++) {
		if (in[i] >= 'A' && in[i] <= 'Z')
			up = true;
		else if (in[i] >= 'a' && in[i] <= 'z')
			low = true;
	}
	if (up && !low)
		return 1;
	if (low && !up)
		return 2;
	return 0;
}

static void apply_case(struct strbuf *out, size_t from, int style)
{
	for (size_t i = from; style && i < out->len; i++) {
		unsigned char c = (unsigned char)out->buf[i];
		if (c < 0x80)
			out->buf[i] = (char)(style == 1 ? toupper(c) : tolower(c));
	}
}

int mask_apply_fake(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	struct mask_fakes *f = m->fakes;
	uint8_t r[16];
	uint64_t r0, r1;
	int style = case_style(in, len);

	normalise(m, in, len);
	prf_mac(&m->prf, DOM_FAKE, m->tmp.buf, m->tmp.len, r);
	memcpy(&r0, r, 8);
	memcpy(&r1, r + 8, 8);
	strbuf_reset(out);
	switch (f->kind) {
	case -1: {
		/* "Last, First" input keeps that order */
		bool comma = memchr(in, ',', len) != NULL;
		const char *first = pick(&f->d[D_FIRST], r0, "", 0);
		const char *last = pick(&f->d[D_LAST], r1, "", 0);
		if (comma)
			strbuf_addf(out, "%s, %s", last, first);
		else
			strbuf_addf(out, "%s %s", first, last);
		if (same_word(out->buf, m->tmp.buf, m->tmp.len)) {
			strbuf_reset(out);
			strbuf_addf(out, "%s %s", pick(&f->d[D_FIRST], r0 + 1, "", 0), last);
		}
		break;
	}
	case D_STREET: {
		const char *street = pick(&f->d[D_STREET], r0, m->tmp.buf, m->tmp.len);
		unsigned no = (unsigned)(r1 % 199) + 1;
		if (f->street_number_last)
			strbuf_addf(out, "%s %u", street, no);
		else
			strbuf_addf(out, "%u %s", no, street);
		break;
	}
	default:
		strbuf_addstr(out, pick(&f->d[f->kind], r0, m->tmp.buf, m->tmp.len));
		break;
	}
	apply_case(out, 0, style);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Email                                                               */
/* ------------------------------------------------------------------ */

/* Appends an ASCII email-safe form of a name: lower case, ä -> ae... */
static void add_email_word(struct strbuf *out, const char *s)
{
	static const struct { const char *from, *to; } tr[] = {
		{ "ä", "ae" }, { "ö", "oe" }, { "ü", "ue" }, { "ß", "ss" },
		{ "Ä", "ae" }, { "Ö", "oe" }, { "Ü", "ue" },
		{ "à", "a" }, { "á", "a" }, { "â", "a" }, { "å", "a" }, { "æ", "ae" },
		{ "ç", "c" }, { "è", "e" }, { "é", "e" }, { "ê", "e" }, { "ë", "e" },
		{ "É", "e" }, { "È", "e" }, { "î", "i" }, { "ï", "i" }, { "í", "i" },
		{ "ñ", "n" }, { "ô", "o" }, { "ó", "o" }, { "ø", "o" }, { "œ", "oe" },
		{ "ù", "u" }, { "û", "u" }, { "ú", "u" }, { "ÿ", "y" },
	};

	while (*s) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x80) {
			if (isalnum(c))
				strbuf_addch(out, tolower(c));
			else if ((c == '-' || c == ' ') && out->len && out->buf[out->len - 1] != '-')
				strbuf_addch(out, '-');
			s++;
			continue;
		}
		size_t k;
		for (k = 0; k < ARRAY_SIZE(tr); k++) {
			size_t n = strlen(tr[k].from);
			if (!strncmp(s, tr[k].from, n)) {
				strbuf_addstr(out, tr[k].to);
				s += n;
				break;
			}
		}
		if (k == ARRAY_SIZE(tr)) {
			/* anything else: skip the whole character */
			s++;
			while ((*s & 0xc0) == 0x80)
				s++;
		}
	}
	while (out->len && out->buf[out->len - 1] == '-')
		strbuf_setlen(out, out->len - 1);
}

static bool domain_ok(const char *d, size_t n)
{
	if (n == 0 || n > 253 || !memchr(d, '.', n) || d[0] == '.' || d[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (!(isalnum(c) || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/*
 * first.last.tag@domain: the names come from 128 keyed bits of the
 * normalised input, the tag is 10 base32 characters (50 more bits), so two
 * inputs collide with probability about 2^-66 (n^2 / 2^67 for n values:
 * 7e-9 for a million addresses, 7e-5 for a hundred million).
 */
int mask_apply_fake_email(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	static const char b32[] = "abcdefghijkmnpqrstuvwxyz23456789";
	struct mask_fakes *f = m->fakes;
	const char *at = NULL;
	uint8_t r[16];
	uint64_t r0, r1;
	size_t mark;

	normalise(m, in, len);
	for (size_t i = len; i > 0; i--)
		if (in[i - 1] == '@') {
			at = in + i - 1;
			break;
		}
	prf_mac(&m->prf, DOM_EMAIL, m->tmp.buf, m->tmp.len, r);
	memcpy(&r0, r, 8);
	memcpy(&r1, r + 8, 8);
	strbuf_reset(out);
	add_email_word(out, f->d[D_FIRST].items[r0 % f->d[D_FIRST].n]);
	strbuf_addch(out, '.');
	mark = out->len;
	add_email_word(out, f->d[D_LAST].items[r1 % f->d[D_LAST].n]);
	if (out->len == mark)
		strbuf_addstr(out, "x");
	strbuf_addch(out, '.');
	r0 /= f->d[D_FIRST].n;
	for (int i = 0; i < 10; i++) {
		strbuf_addch(out, b32[r0 & 31]);
		r0 >>= 5;
	}
	strbuf_addch(out, '@');
	if (f->domain) {
		strbuf_addstr(out, f->domain);
	} else if (f->keep_domain && at && domain_ok(at + 1, len - (size_t)(at + 1 - in))) {
		size_t from = out->len;
		strbuf_add(out, at + 1, len - (size_t)(at + 1 - in));
		apply_case(out, from, 2);
	} else {
		strbuf_addstr(out, f->d[D_DOMAIN].items[(r1 / f->d[D_LAST].n) % f->d[D_DOMAIN].n]);
	}
	return 0;
}

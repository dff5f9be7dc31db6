/*
 * match_norm.c - text normalisation for name matching: an ASCII fast path
 * and utf8proc NFKD + strip marks + case fold for the rest, with a small
 * transliteration table for letters that are not base + mark.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <utf8proc.h>

#include "core/match.h"
#include "core/match_int.h"

/* Letters utf8proc leaves alone because they are not composed with a mark. */
static const struct { int32_t cp; const char *ascii; } translit[] = {
	{ 0x00e6, "ae" }, { 0x00f8, "o" }, { 0x0142, "l" }, { 0x0111, "d" },
	{ 0x00fe, "th" }, { 0x0153, "oe" }, { 0x0131, "i" }, { 0x00f0, "d" },
	{ 0x0127, "h" }, { 0x0167, "t" }, { 0x014b, "ng" }, { 0x0138, "q" },
	{ 0x00df, "ss" },
};

static const char *translit_of(int32_t cp)
{
	for (size_t i = 0; i < ARRAY_SIZE(translit); i++)
		if (translit[i].cp == cp)
			return translit[i].ascii;
	return NULL;
}

struct norm_out {
	struct strbuf *out;
	size_t base;           /* out->len when we started */
	size_t *map;           /* may be NULL */
	size_t map_alloc;
	bool pending_space;
};

static void emit(struct norm_out *o, const char *bytes, size_t n, size_t src)
{
	if (o->pending_space) {
		if (o->out->len > o->base) {
			strbuf_addch(o->out, ' ');
			if (o->map) {
				size_t k = o->out->len - o->base;
				ALLOC_GROW(o->map, k + 1, o->map_alloc);
				o->map[k - 1] = src;
			}
		}
		o->pending_space = false;
	}
	strbuf_add(o->out, bytes, n);
	if (o->map) {
		size_t k = o->out->len - o->base;
		ALLOC_GROW(o->map, k + 1, o->map_alloc);
		for (size_t i = k - n; i < k; i++)
			o->map[i] = src;
	}
}

static bool is_alnum_cp(int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

static void emit_cp(struct norm_out *o, int32_t cp, size_t src)
{
	if (cp < 0x80) {
		if (isalnum(cp)) {
			char c = (char)tolower(cp);
			emit(o, &c, 1, src);
		} else {
			o->pending_space = true;
		}
		return;
	}
	const char *t = translit_of(cp);
	if (t) {
		emit(o, t, strlen(t), src);
		return;
	}
	if (!is_alnum_cp(cp)) {
		o->pending_space = true;
		return;
	}
	uint8_t buf[4];
	utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
	emit(o, (const char *)buf, (size_t)n, src);
}

void match_normalize(const char *s, size_t len, struct strbuf *out, size_t **map)
{
	struct norm_out o = { out, out->len, NULL, 0, false };
	size_t i = 0;

	if (map) {
		ALLOC_GROW(o.map, 16, o.map_alloc);
	}
	/* ASCII fast path: one pass; the first non-ASCII byte falls back. */
	if (!map) {
		static const char lut[128] =
			"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" "0123456789\0\0\0\0\0\0"
			"\0abcdefghijklmnopqrstuvwxyz\0\0\0\0\0"
			"\0abcdefghijklmnopqrstuvwxyz\0\0\0\0";
		strbuf_grow(out, len);
		char *d = out->buf + out->len, *start = d;
		bool space = false;
		for (; i < len; i++) {
			unsigned char b = (unsigned char)s[i];
			if (b >= 0x80)
				break;
			char c = lut[b];
			if (c) {
				if (space && d > start)
					*d++ = ' ';
				space = false;
				*d++ = c;
			} else {
				space = true;
			}
		}
		if (i == len) {
			strbuf_setlen(out, out->len + (size_t)(d - start));
			return;
		}
		i = 0;  /* not ASCII: start again on the general path */
	}
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			emit_cp(&o, c, i);
			i++;
			continue;
		}
		int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate((const uint8_t *)s + i,
						      (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			o.pending_space = true;
			i++;
			continue;
		}
		const char *t = translit_of(cp);
		if (t) {
			emit(&o, t, strlen(t), i);
		} else {
			int32_t dec[32];
			int last = 0;
			utf8proc_ssize_t nd = utf8proc_decompose_char(
				cp, dec, (utf8proc_ssize_t)ARRAY_SIZE(dec),
				UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
				UTF8PROC_CASEFOLD | UTF8PROC_IGNORE, &last);
			if (nd < 0 || nd > (utf8proc_ssize_t)ARRAY_SIZE(dec)) {
				o.pending_space = true;
			} else {
				for (utf8proc_ssize_t k = 0; k < nd; k++)
					emit_cp(&o, dec[k], i);
			}
		}
		i += (size_t)n;
	}
	if (map) {
		size_t k = out->len - o.base;
		ALLOC_GROW(o.map, k + 1, o.map_alloc);
		o.map[k] = len;
		*map = o.map;
	}
}

/* Legal forms, as normalised token sequences, longest first. */
static const char *const legal_forms[] = {
	"gmbh co kg", "s a r l", "s p a", "s r l", "s a s", "co kg", "s a",
	"b v", "n v", "a g", "gmbh", "ag", "inc", "incorporated", "ltd",
	"limited", "llc", "llp", "lp", "sa", "sarl", "sas", "bv", "nv", "spa",
	"srl", "plc", "corp", "corporation", "co", "company", "kg", "ohg",
	"oy", "oyj", "ab", "as", "asa", "aps", "se", "pty", "kk", "sl", "sro",
	"zrt", "kft", "doo", "ug", "eg", "ev", "mbh",
};

/* strlen of each legal form (the table is small and fixed). */
#define L(s) (sizeof(s) - 1)
static const unsigned char legal_lens[] = {
	L("gmbh co kg"), L("s a r l"), L("s p a"), L("s r l"), L("s a s"), L("co kg"), L("s a"),
	L("b v"), L("n v"), L("a g"), L("gmbh"), L("ag"), L("inc"), L("incorporated"), L("ltd"),
	L("limited"), L("llc"), L("llp"), L("lp"), L("sa"), L("sarl"), L("sas"), L("bv"), L("nv"),
	L("spa"), L("srl"), L("plc"), L("corp"), L("corporation"), L("co"), L("company"), L("kg"),
	L("ohg"), L("oy"), L("oyj"), L("ab"), L("as"), L("asa"), L("aps"), L("se"), L("pty"),
	L("kk"), L("sl"), L("sro"), L("zrt"), L("kft"), L("doo"), L("ug"), L("eg"), L("ev"),
	L("mbh"),
};
#undef L
_Static_assert(sizeof(legal_lens) == ARRAY_SIZE(legal_forms), "legal_lens out of step");

size_t match_legal_forms(const char *const **forms)
{
	*forms = legal_forms;
	return ARRAY_SIZE(legal_forms);
}

static uint64_t last_tok_bits[4];   /* hash filter of legal last tokens */
static bool last_tok_ready;

static unsigned small_hash(const char *t, size_t n)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)t[i]) * 16777619u;
	return (h ^ (h >> 16)) & 255;
}

/* Quick rejection: is t the last token of some legal form? */
bool match_legal_last_token(const char *t, size_t n)
{
	if (!__atomic_load_n(&last_tok_ready, __ATOMIC_ACQUIRE)) {
		uint64_t bits[4] = { 0 };
		for (size_t i = 0; i < ARRAY_SIZE(legal_forms); i++) {
			const char *f = legal_forms[i], *sp = strrchr(f, ' ');
			const char *lt = sp ? sp + 1 : f;
			unsigned h = small_hash(lt, strlen(lt));
			bits[h >> 6] |= 1ull << (h & 63);
		}
		for (int k = 0; k < 4; k++)
			__atomic_store_n(&last_tok_bits[k], bits[k], __ATOMIC_RELAXED);
		__atomic_store_n(&last_tok_ready, true, __ATOMIC_RELEASE);
	}
	unsigned h = small_hash(t, n);
	if (!(__atomic_load_n(&last_tok_bits[h >> 6], __ATOMIC_RELAXED) >> (h & 63) & 1))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(legal_forms); i++) {
		size_t fl = legal_lens[i];
		if (fl >= n && legal_forms[i][fl - 1] == t[n - 1] &&
		    !memcmp(legal_forms[i] + fl - n, t, n) && (fl == n || legal_forms[i][fl - n - 1] == ' '))
			return true;
	}
	return false;
}

size_t match_legal_core_len(const char *norm, size_t len)
{
	bool again = true;
	while (again) {
		again = false;
		/* Every legal form is short: a long last token ends the search. */
		const char *sp = len ? memrchr(norm, ' ', len) : NULL;
		if (!sp || (size_t)(norm + len - sp) > 13 || !match_legal_last_token(sp + 1, (size_t)(norm + len - sp - 1)))
			break;
		for (size_t i = 0; i < ARRAY_SIZE(legal_forms); i++) {
			size_t fl = legal_lens[i];
			if (len <= fl + 1 || norm[len - 1] != legal_forms[i][fl - 1] ||
			    norm[len - fl - 1] != ' ' || memcmp(norm + len - fl, legal_forms[i], fl))
				continue;
			len -= fl + 1;
			/* Drop a trailing "and"/"&" left by "X & Co". */
			if (len > 4 && !memcmp(norm + len - 4, " and", 4))
				len -= 4;
			again = true;
			break;
		}
	}
	return len;
}

size_t match_strip_legal(char *norm, size_t len)
{
	len = match_legal_core_len(norm, len);
	norm[len] = 0;
	return len;
}

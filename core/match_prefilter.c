/*
 * match_prefilter.c - one Vectorscan pass that tells which category
 * patterns can match a value (anchored) or somewhere in a text, so PCRE2
 * runs only for those.
 *
 * Every pattern is compiled with HS_FLAG_PREFILTER: Vectorscan matches a
 * language that contains the pattern's (constructs it lacks, such as
 * back-references and look-arounds, are widened), so a pattern it does not
 * report cannot match and skipping it changes no result. The text form
 * (free text, redact_text) only has to be a superset of "the pattern
 * occurs somewhere": it drops the word-boundary look-arounds, keeps the
 * literal parts of letter-led patterns joined by gaps (pf_reduce), uses a
 * leading look-ahead alone (pf_lookahead) and screens long single-class
 * repeats by a run length (pf_run_len) - each measured several times
 * cheaper for Vectorscan on prose (tests/bench/mask redact_text).
 * tests/unit/test_match_prefilter.c checks on generated input that no
 * PCRE2 match is ever missed. Patterns Vectorscan refuses stay "always"
 * candidates.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/match.h"
#include "core/match_int.h"

/* No HS_FLAG_UCP: the PCRE2 patterns are compiled without PCRE2_UCP either. */
#define PF_FLAGS (HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8 | \
		  HS_FLAG_ALLOWEMPTY)

static bool pf_wanted(const struct match_catalog *cat, const struct match_pattern *p,
		      int which)
{
	if (which == MATCH_PF_ANCHORED)
		return true;
	return p->unanchored && cat->cats[p->category].report;
}

/* Repeat bounds above this become open-ended in the prefilter. */
#define PF_MAX_BOUND 16
#define PF_LETTERS "A-Za-z\\x{80}-\\x{10FFFF}"
#define PF_ANY "\\x{0}-\\x{10FFFF}"

static bool parse_uint(const char **sp, unsigned long *out)
{
	const char *s = *sp;
	if (*s < '0' || *s > '9')
		return false;
	*out = 0;
	while (*s >= '0' && *s <= '9') {
		if (*out < 100000)
			*out = *out * 10 + (unsigned long)(*s - '0');
		s++;
	}
	*sp = s;
	return true;
}

/*
 * Rewrites a PCRE2 pattern into a wider one that is much cheaper for
 * Vectorscan to compile: Unicode properties become "letters or any
 * non-ASCII" (\p{L}) or "any character", and large repeat bounds become
 * open-ended ({2,64} -> {2,}, {53} -> {16,}). Every string the original
 * matches, the result matches. Returns false (out unusable) for syntax it
 * does not follow (\Q..\E); the caller then uses the pattern as it is.
 */
static bool pf_widen(const char *re, struct strbuf *out)
{
	bool in_class = false, negated = false;
	const char *s = re;

	while (*s) {
		if (*s == '\\') {
			char e = s[1];
			if (!e || e == 'Q' || e == 'E')
				return false;
			if (e == 'p' || e == 'P') {
				const char *name = s + 2, *end = name + 1;
				if (*name == '{') {
					end = strchr(name, '}');
					if (!end)
						return false;
					end++;
				} else if (!*name) {
					return false;
				}
				if (in_class && negated)
					return false;  /* widening inside [^...] would narrow */
				bool letters = e == 'p' && (!strncmp(name, "{L}", 3) || *name == 'L');
				const char *body = letters ? PF_LETTERS : PF_ANY;
				if (in_class)
					strbuf_addstr(out, body);
				else
					strbuf_addf(out, "[%s]", body);
				s = end;
				continue;
			}
			if ((e == 'x' || e == 'o' || e == 'N' || e == 'g' || e == 'k') && s[2] == '{') {
				const char *end = strchr(s + 2, '}');
				if (!end)
					return false;
				strbuf_add(out, s, (size_t)(end + 1 - s));
				s = end + 1;
				continue;
			}
			strbuf_add(out, s, 2);
			s += 2;
			continue;
		}
		if (in_class) {
			if (*s == '[' && s[1] == ':') {
				const char *end = strstr(s + 2, ":]");
				if (!end)
					return false;
				strbuf_add(out, s, (size_t)(end + 2 - s));
				s = end + 2;
				continue;
			}
			if (*s == ']')
				in_class = false;
			strbuf_addch(out, *s++);
			continue;
		}
		if (*s == '[') {
			in_class = true;
			negated = s[1] == '^';
			strbuf_addch(out, *s++);
			if (*s == '^')
				strbuf_addch(out, *s++);
			if (*s == ']')
				strbuf_addch(out, *s++);
			continue;
		}
		if (*s == '{') {
			const char *t = s + 1;
			unsigned long lo, hi = 0;
			bool open = false, has_hi = false;
			if (parse_uint(&t, &lo)) {
				if (*t == ',') {
					t++;
					has_hi = parse_uint(&t, &hi);
					open = !has_hi;
				} else {
					hi = lo;
					has_hi = true;
				}
				if (*t == '}') {
					t++;
					if ((has_hi && hi > PF_MAX_BOUND) || (open && lo > PF_MAX_BOUND))
						strbuf_addf(out, "{%lu,}", lo < PF_MAX_BOUND ? lo : PF_MAX_BOUND);
					else
						strbuf_add(out, s, (size_t)(t - s));
					s = t;
					continue;
				}
			}
		}
		strbuf_addch(out, *s++);
	}
	return !in_class;
}

/*
 * Text form only: a cheaper superset for patterns that start with a broad
 * class. The pattern's top-level items are kept when they are literal
 * (characters, escaped punctuation, groups of literal alternatives, digit
 * classes); every other item becomes a gap "(?s:.)*" (which matches
 * whatever the item matched), look-arounds and \b are dropped, and gaps at
 * either end are dropped (a text holding a match of the whole holds one
 * of any contiguous part). So "street names ... 12" becomes "(?i:strasse|
 * weg|...)(?s:.)* [0-9]{1,5}": Vectorscan then looks for literals instead
 * of running a wide automaton at every letter of the text.
 * Returns false (out unusable) when the pattern has a top-level '|', an
 * anchor, syntax this reader does not follow, or no literal item with two
 * or more characters: the caller then keeps the widened pattern.
 */
enum pf_item { PF_LIT, PF_BROAD, PF_ZERO };

/* Skips a character class starting at '['; NULL when unterminated. */
static const char *pf_skip_class(const char *s)
{
	s++;
	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	while (*s && *s != ']') {
		if (*s == '\\' && s[1])
			s += 2;
		else if (*s == '[' && s[1] == ':' && strstr(s + 2, ":]"))
			s = strstr(s + 2, ":]") + 2;
		else
			s++;
	}
	return *s ? s + 1 : NULL;
}

/* s at '(': past the matching ')', or NULL when it is unbalanced. */
static const char *pf_skip_group(const char *s)
{
	int depth = 1;

	for (s++; *s && depth; s++) {
		if (*s == '\\' && s[1]) {
			s++;
		} else if (*s == '[') {
			s = pf_skip_class(s);
			if (!s)
				return NULL;
			s--;  /* the loop steps past the class's ']' */
		} else if (*s == '(') {
			depth++;
		} else if (*s == ')') {
			depth--;
		}
	}
	return depth ? NULL : s;
}

/* s at '(': a look-ahead or look-behind, (?= (?! (?<= (?<! */
static bool pf_lookaround(const char *s)
{
	return s[1] == '?' && (s[2] == '=' || s[2] == '!' ||
			       (s[2] == '<' && (s[3] == '=' || s[3] == '!')));
}

/* Is the class [..] (s at '[', e after ']') digits only, e.g. [0-9]? */
static bool pf_digit_class(const char *s, const char *e)
{
	return e - s == 5 && !strncmp(s, "[0-9]", 5);
}

/* Escape at s ('\\'): sets *kind and returns the end; NULL when unknown. */
static const char *pf_escape(const char *s, enum pf_item *kind)
{
	char e = s[1];
	if (!e)
		return NULL;
	if (strchr("bBAzZGK", e)) {
		*kind = PF_ZERO;
		return s + 2;
	}
	if (e == 'x' && s[2] == '{') {
		const char *end = strchr(s, '}');
		*kind = PF_LIT;
		return end ? end + 1 : NULL;
	}
	if (e == 'd') {
		*kind = PF_LIT;  /* a digit: as narrow as [0-9] */
		return s + 2;
	}
	if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9') ||
	    (unsigned char)e >= 0x80) {
		*kind = PF_BROAD;  /* \w \s \p{..} \1 ...: never kept */
		if ((e == 'p' || e == 'P') && s[2] == '{') {
			const char *end = strchr(s, '}');
			return end ? end + 1 : NULL;
		}
		return s + 2;
	}
	*kind = PF_LIT;  /* escaped punctuation */
	return s + 2;
}

/* Is the group body [s, e) literal alternatives ("(?i:st|str\\.|weg)")? */
static bool pf_literal_group(const char *s, const char *e)
{
	if (s[0] == '?') {
		if (s[1] == ':')
			s += 2;
		else if (s[1] == 'i' && s[2] == ':')
			s += 3;
		else
			return false;
	}
	while (s < e) {
		if (*s == '\\') {
			enum pf_item k;
			const char *n = pf_escape(s, &k);
			if (!n || k != PF_LIT || n > e)
				return false;
			s = n;
		} else if (*s == '(') {
			int depth = 1;
			const char *q = s + 1;
			while (q < e && depth) {
				if (*q == '\\' && q + 1 < e)
					q++;
				else if (*q == '[')
					return false;
				else if (*q == '(')
					depth++;
				else if (*q == ')')
					depth--;
				q++;
			}
			if (depth || !pf_literal_group(s + 1, q - 1))
				return false;
			s = q;
		} else if (strchr("[.*+{}^$", *s)) {
			return false;
		} else {
			s++;  /* literal characters, '|', '?' */
		}
	}
	return true;
}

static bool pf_word(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* A plain literal character of a regex (not special, not escaped). */
static bool pf_plain(int c)
{
	return c && !strchr("\\[](){}|.*+?^$", c);
}

/*
 * For a group body: does every top-level alternative start (at_end false)
 * or end (true) with a plain word character? Nested groups, escapes and
 * quantified last characters answer false.
 */
#define PF_EDGE_NO 0
#define PF_EDGE_WORD 1     /* every alternative has a word character there */
#define PF_EDGE_FOLDS 2    /* ... but caseless s or k: see below */
static int pf_alts_word(const char *s, const char *e, bool at_end)
{
	/*
	 * Caseless, PCRE2 (UTF) also matches U+017F for s and U+212A for k:
	 * not word characters for Vectorscan's \b, so \b cannot be used.
	 */
	int ret = PF_EDGE_WORD;
	bool caseless = s[0] == '?' && s[1] == 'i';
	if (s[0] == '?')
		s += s[1] == ':' ? 2 : 3;  /* (?: or (?i: (checked by the caller) */
	int depth = 0;
	const char *alt = s;
	for (const char *q = s; q <= e; q++) {
		if (q < e && *q == '\\') {
			q++;
			continue;
		}
		if (q < e && *q == '(')
			depth++;
		else if (q < e && *q == ')')
			depth--;
		else if (q == e || (*q == '|' && !depth)) {
			if (q == alt)
				return PF_EDGE_NO;
			int c = at_end ? q[-1] : alt[0];
			if (!pf_plain(c) || !pf_word(c) || (at_end && q - alt >= 2 && q[-2] == '\\'))
				return PF_EDGE_NO;
			if (caseless && strchr("kKsS", c))
				ret = PF_EDGE_FOLDS;
			alt = q + 1;
		}
	}
	return ret;
}

/* The first (last) character every match of a group body starts (ends)
 * with when it is one plain character the body cannot skip; else 0. */
static int pf_group_edge(const char *s, const char *e, bool at_end)
{
	if (s[0] == '?') {
		if (s[1] == ':')
			s += 2;
		else
			return 0;  /* (?i: would change letters; other forms unknown */
	}
	for (const char *q = s; q < e; q++) {
		if (*q == '\\' && q + 1 < e)
			q++;
		else if (*q == '|')
			return 0;  /* keep it simple: no alternatives at all */
	}
	if (e - s < 2)
		return 0;
	if (!at_end)
		return pf_plain(s[0]) && !strchr("*+?{", s[1]) ? s[0] : 0;
	return pf_plain(e[-1]) && e[-2] != '\\' ? e[-1] : 0;
}

/*
 * Does every match of the group body [s, e) start with a non-word
 * character? Leading items may be optional ("(?:,? apt)"); anything this
 * reader does not follow, or a body that may match nothing, answers false.
 */
static bool pf_first_nonword(const char *s, const char *e)
{
	if (s[0] == '?') {
		if (s[1] != ':')
			return false;
		s += 2;
	}
	int depth = 0;
	for (const char *q = s; q < e; q++) {
		if (*q == '\\' && q + 1 < e)
			q++;
		else if (*q == '[') {
			const char *c = pf_skip_class(q);
			if (!c || c > e)
				return false;
			q = c - 1;
		} else if (*q == '(')
			depth++;
		else if (*q == ')')
			depth--;
		else if (*q == '|' && !depth)
			return false;
	}
	while (s < e) {
		int c;
		if (*s == '\\' && s + 1 < e && !isalnum((unsigned char)s[1])) {
			c = (unsigned char)s[1];
			s += 2;
		} else if (pf_plain(*s)) {
			c = (unsigned char)*s++;
		} else {
			return false;
		}
		if (pf_word(c))
			return false;
		bool opt = s < e && (*s == '?' || *s == '*');
		if (s < e && strchr("?*+", *s))
			s++;
		if (!opt)
			return true;
	}
	return false;
}

struct pf_it {
	const char *start, *end, *q;  /* item, its end, the end of its quantifier */
	enum pf_item kind;
	bool optional, litgroup;
	bool first_nw;                /* every match starts with a non-word character */
	int first, last;              /* plain character every match starts/ends with, or 0 */
};

#define PF_MAX_ITEMS 64

static bool pf_reduce(const char *re, struct strbuf *out)
{
	struct pf_it it[PF_MAX_ITEMS];
	size_t n = 0;
	const char *s = re;
	bool gap = false, any = false, strong = false;

	strbuf_reset(out);
	while (*s) {
		const char *start = s, *end;
		enum pf_item kind;
		bool litgroup = false, first_nw = false;
		int first = 0, last = 0;
		if (n == PF_MAX_ITEMS)
			return false;
		if (*s == '\\') {
			end = pf_escape(s, &kind);
			if (end && kind == PF_LIT && end == s + 2 && !pf_word(s[1]))
				first = last = (unsigned char)s[1];
		} else if (*s == '[') {
			end = pf_skip_class(s);
			kind = end && pf_digit_class(s, end) ? PF_LIT : PF_BROAD;
		} else if (*s == '(') {
			end = pf_skip_group(s);
			if (!end)
				return false;
			if (pf_lookaround(s))
				kind = PF_ZERO;  /* look-around: only a narrowing */
			else if (s[1] == '?' && s[2] != ':' && !(s[2] == 'i' && s[3] == ':'))
				return false;  /* (?i) settings, named groups, ... */
			else
				kind = pf_literal_group(s + 1, end - 1) ? PF_LIT : PF_BROAD;
			litgroup = kind == PF_LIT;
			if (kind == PF_LIT && end - s - 2 >= 2)
				strong = true;
			if (kind != PF_ZERO) {
				first = pf_group_edge(s + 1, end - 1, false);
				last = pf_group_edge(s + 1, end - 1, true);
				first_nw = first ? !pf_word(first) : pf_first_nonword(s + 1, end - 1);
			}
		} else if (*s == '|' || *s == '^' || *s == '$') {
			return false;
		} else if (*s == '.') {
			end = s + 1;
			kind = PF_BROAD;
		} else if (strchr("*+?{)", *s)) {
			return false;  /* a quantifier without an item */
		} else {
			end = s + 1;
			while ((unsigned char)*end >= 0x80 && ((unsigned char)*end & 0xc0) == 0x80)
				end++;
			kind = PF_LIT;
			if (end == s + 1)
				first = last = (unsigned char)*s;
		}
		if (!end)
			return false;
		/* the quantifier: an item that may be absent is a gap */
		const char *q = end;
		bool optional = false;
		if (*q == '*' || *q == '?') {
			optional = true;
			q++;
		} else if (*q == '+') {
			q++;
		} else if (*q == '{') {
			const char *t = q + 1;
			unsigned long lo, hi;
			if (!parse_uint(&t, &lo))
				return false;
			if (*t == ',') {
				t++;
				parse_uint(&t, &hi);
			}
			if (*t != '}')
				return false;
			optional = lo == 0;
			q = t + 1;
		}
		if (*q == '?' || *q == '+')
			q++;
		s = q;
		if (first && *start != '(')
			first_nw = !pf_word(first);
		it[n++] = (struct pf_it){ start, end, q, kind, optional, litgroup, first_nw, first,
					  last };
	}
	for (size_t i = 0; i < n; i++) {
		const struct pf_it *x = &it[i];
		if (x->kind == PF_ZERO)
			continue;
		if (x->kind == PF_BROAD || x->optional) {
			/* a required group that starts with a plain character keeps it */
			if (x->kind == PF_BROAD && !x->optional && x->first > 0 && x->first < 0x80 &&
			    *x->start == '(') {
				if (gap)
					strbuf_addstr(out, "(?s:.)*");
				if (x->first == '\'' || x->first == '"' || x->first == '#')
					strbuf_addch(out, '\\');
				strbuf_addch(out, (char)x->first);
				any = true;
				gap = true;
				continue;
			}
			gap = any;
			continue;
		}
		/*
		 * A literal group of words whose neighbours in every match are
		 * non-word characters (or the ends, which the text form requires
		 * to be word boundaries) gets \b on that side: implied by every
		 * match of the pattern, so still a superset, and far more
		 * selective ("st" as a word, not inside "first"). Where caseless
		 * s or k rule \b out, the non-word character before is spelled
		 * out after the gap instead (it may also end the item before).
		 */
		int before = PF_EDGE_NO, after = PF_EDGE_NO;
		if (x->litgroup) {
			before = pf_alts_word(x->start + 1, x->end - 1, false);
			for (size_t k = i; before && k-- > 0;) {
				if (it[k].kind == PF_ZERO)
					continue;
				if (!it[k].last || pf_word(it[k].last))
					before = PF_EDGE_NO;
				if (!it[k].optional)
					break;
			}
			after = pf_alts_word(x->start + 1, x->end - 1, true);
			if (x->q != x->end)
				after = PF_EDGE_NO;
			for (size_t k = i + 1; after && k < n; k++) {
				if (it[k].kind == PF_ZERO)
					continue;
				if (!it[k].first_nw)
					after = PF_EDGE_NO;
				if (!it[k].optional)
					break;
			}
		}
		if (gap && before == PF_EDGE_FOLDS)
			strbuf_addstr(out, "(?:(?s:.)*[^A-Za-z0-9_])?");
		else if (gap)
			strbuf_addstr(out, "(?s:.)*");
		gap = false;
		if (before == PF_EDGE_WORD)
			strbuf_addstr(out, "\\b");
		strbuf_add(out, x->start, (size_t)(x->q - x->start));
		if (after == PF_EDGE_WORD)
			strbuf_addstr(out, "\\b");
		any = true;
	}
	return any && strong;
}

/*
 * A pattern that is one class of ASCII letters and digits repeated at
 * least m >= 8 times ("(?i:[A-HJ-NPR-Z0-9]{17})", a VIN) costs Vectorscan
 * as much as ten literal-led patterns. Its text form is screened instead
 * by the longest run of bytes that are ASCII letters, digits or non-ASCII
 * (caseless PCRE2 also matches U+212A and U+017F, which are multi-byte):
 * a run shorter than m bytes cannot hold a match. Returns m, or 0.
 */
#define PF_RUN_MIN 8
static uint32_t pf_run_len(const char *re)
{
	size_t n = strlen(re);
	const char *s = re, *end = re + n;
	if (n > 5 && !strncmp(re, "(?i:", 4) && re[n - 1] == ')') {
		s += 4;
		end--;
	}
	if (*s != '[' || s[1] == '^')
		return 0;
	const char *c = pf_skip_class(s);
	if (!c || c >= end)
		return 0;
	for (const char *q = s + 1; q < c - 1; q++)
		if (!isalnum((unsigned char)*q) && *q != '-')
			return 0;
	if (*c != '{')
		return 0;
	const char *t = c + 1;
	unsigned long lo, hi;
	if (!parse_uint(&t, &lo))
		return 0;
	if (*t == ',') {
		t++;
		parse_uint(&t, &hi);
	}
	if (*t != '}' || t + 1 != end || lo < PF_RUN_MIN || lo > 4096)
		return 0;
	return (uint32_t)lo;
}

/*
 * The longest run of ASCII letters, digits and non-ASCII bytes in s, or
 * `enough` as soon as a run that long is seen. Branch-free per byte.
 */
static size_t pf_longest_run(const char *s, size_t len, size_t enough)
{
	static uint8_t ok[256];
	static bool ready;
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		uint8_t t[256];
		for (int b = 0; b < 256; b++)
			t[b] = b >= 0x80 || (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
		for (int b = 0; b < 256; b++)
			__atomic_store_n(&ok[b], t[b], __ATOMIC_RELAXED);
		__atomic_store_n(&ready, true, __ATOMIC_RELEASE);
	}
	size_t best = 0, cur = 0;
	for (size_t i = 0; i < len; i++) {
		cur = (cur + 1) & (0 - (size_t)ok[(unsigned char)s[i]]);  /* no branch */
		best = cur > best ? cur : best;
		if ((i & 63) == 63 && best >= enough)
			break;
	}
	return best;
}

/*
 * "(?=L)R": every match starts where L matches, so L alone is a superset
 * of the text form; used when L is a plain regex (an IPv6 address must
 * hold two colons: "[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:" is far more selective
 * than R once Vectorscan drops the look-ahead). Returns false otherwise.
 */
static bool pf_lookahead(const char *re, struct strbuf *out)
{
	if (strncmp(re, "(?=", 3))
		return false;
	int depth = 1;
	const char *q = re + 3;
	while (*q && depth) {
		if (*q == '\\' && q[1])
			q++;
		else if (*q == '[') {
			q = pf_skip_class(q);
			if (!q)
				return false;
			continue;
		} else if (*q == '(') {
			if (q[1] == '?' && q[2] != ':')
				return false;  /* nested look-arounds, options: not plain */
			depth++;
		} else if (*q == ')')
			depth--;
		q++;
	}
	if (depth || q - re - 4 < 2)
		return false;
	strbuf_reset(out);
	strbuf_add(out, re + 3, (size_t)(q - 1 - (re + 3)));
	return true;
}

/* Does re have a '|' outside every group and class? */
static bool pf_top_alternation(const char *re)
{
	int depth = 0;
	for (const char *q = re; *q; q++) {
		if (*q == '\\' && q[1])
			q++;
		else if (*q == '[') {
			const char *e = pf_skip_class(q);
			if (!e)
				return true;  /* unreadable: say yes, the caller gives up */
			q = e - 1;
		} else if (*q == '(')
			depth++;
		else if (*q == ')')
			depth--;
		else if (*q == '|' && !depth)
			return true;
	}
	return false;
}

size_t match_need_lead(const char *re, char c)
{
	size_t lead = 0;
	const char *s = re;

	if (!c || pf_top_alternation(re))
		return SIZE_MAX;
	while (*s) {
		const char *end;
		size_t width;         /* most bytes one repetition matches */
		bool is_c = false;
		if (*s == '\\') {
			enum pf_item k;
			end = pf_escape(s, &k);
			if (!end)
				return SIZE_MAX;
			if (k == PF_ZERO)
				width = 0;
			else if (end == s + 2 && !isalnum((unsigned char)s[1])) {
				width = 1;
				is_c = s[1] == c;
			} else if (end == s + 2 && strchr("dws", s[1]))
				width = 1;    /* ASCII only without PCRE2_UCP */
			else if (end == s + 2 && strchr("DWS", s[1]))
				width = 4;
			else
				return SIZE_MAX;
		} else if (*s == '[') {
			end = pf_skip_class(s);
			if (!end)
				return SIZE_MAX;
			width = 1;
			if (s[1] == '^')
				width = 4;
			for (const char *q = s + 1; q < end; q++)
				if ((unsigned char)*q >= 0x80 || (*q == '\\' && strchr("pPxDWSN", q[1])))
					width = 4;
		} else if (*s == '(') {
			if (!pf_lookaround(s))
				return SIZE_MAX;  /* groups: not followed here */
			end = pf_skip_group(s);
			if (!end)
				return SIZE_MAX;
			width = 0;
		} else if (*s == '.') {
			end = s + 1;
			width = 4;
		} else if (strchr("|^$)*+?{", *s)) {
			return SIZE_MAX;
		} else {
			end = s + 1;
			while (((unsigned char)*end & 0xc0) == 0x80)
				end++;
			width = (size_t)(end - s);
			is_c = *s == c;
		}
		/* the quantifier */
		const char *q = end;
		size_t rep = 1;
		bool optional = false;
		if (*q == '?') {
			optional = true;
			q++;
		} else if (*q == '*' || *q == '+') {
			return SIZE_MAX;
		} else if (*q == '{') {
			const char *t = q + 1;
			unsigned long lo, hi;
			if (!parse_uint(&t, &lo))
				return SIZE_MAX;
			hi = lo;
			if (*t == ',') {
				t++;
				if (!parse_uint(&t, &hi))
					return SIZE_MAX;
			}
			if (*t != '}' || hi > 4096)
				return SIZE_MAX;
			optional = lo == 0;
			rep = hi;
			q = t + 1;
		}
		if (*q == '?' || *q == '+')
			q++;
		if (is_c && !optional)
			return lead;
		lead += width * rep;
		s = q;
	}
	return SIZE_MAX;  /* no required top-level need_char */
}

static char *pf_expression(const struct match_pattern *p, int which)
{
	struct strbuf w = STRBUF_INIT;
	const char *re = p->regex;
	char *ret;

	if (pf_widen(p->regex, &w))
		re = w.buf;
	struct strbuf r = STRBUF_INIT;
	if (which == MATCH_PF_ANCHORED)
		ret = xasprintf("^(?:%s)$", re);
	else if (pf_lookahead(re, &r))
		ret = xasprintf("(?:%s)", r.buf);
	else if (pf_reduce(re, &r))
		ret = xasprintf("(?:%s)", r.buf);
	else
		ret = xasprintf("(?:%s)", re);  /* word boundaries: only a narrowing */
	strbuf_release(&w);
	strbuf_release(&r);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Database cache                                                      */
/* ------------------------------------------------------------------ */

/*
 * Compiling the databases costs about a second of CPU, so they are built
 * on first use and kept in $MASKBENCH_CACHE, else $XDG_CACHE_HOME/maskbench,
 * else ~/.cache/maskbench, as pf-KEY.hs, where KEY hashes the Vectorscan
 * version and every expression with its id (patterns only: no data ever
 * reaches these files). A file that is missing, unreadable or made for
 * another platform is ignored and rebuilt; writes go to a temporary file
 * renamed into place. MASKBENCH_CACHE=off disables the cache.
 */
static uint64_t fnv_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static uint64_t pf_key(char **ex, const unsigned *ids, size_t n, int which)
{
	uint64_t h = 1469598103934665603ull;
	const char *v = hs_version();
	unsigned fl = PF_FLAGS;
	h = fnv_add(h, v, strlen(v) + 1);
	h = fnv_add(h, &which, sizeof(which));
	h = fnv_add(h, &fl, sizeof(fl));
	for (size_t k = 0; k < n; k++) {
		h = fnv_add(h, ex[k], strlen(ex[k]) + 1);
		h = fnv_add(h, &ids[k], sizeof(ids[k]));
	}
	return h;
}

static char *pf_cache_path(uint64_t key)
{
	const char *dir = getenv("MASKBENCH_CACHE"), *xdg = getenv("XDG_CACHE_HOME"),
		   *home = getenv("HOME");
	char *base;

	if (dir && !strcmp(dir, "off"))
		return NULL;
	if (dir && *dir)
		base = xstrdup(dir);
	else if (xdg && *xdg == '/')
		base = xasprintf("%s/maskbench", xdg);
	else if (home && *home == '/')
		base = xasprintf("%s/.cache/maskbench", home);
	else
		return NULL;
	char *path = xasprintf("%s/pf-%016llx.hs", base, (unsigned long long)key);
	free(base);
	return path;
}

static bool pf_cache_load(uint64_t key, hs_database_t **db)
{
	char *path = pf_cache_path(key), *buf = NULL;
	bool ok = false;
	FILE *f = path ? fopen(path, "rb") : NULL;
	struct stat st;

	if (!f || fstat(fileno(f), &st) || st.st_size <= 0 || st.st_size > (64 << 20))
		goto cleanup;
	buf = xmalloc((size_t)st.st_size);
	if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		goto cleanup;
	ok = hs_deserialize_database(buf, (size_t)st.st_size, db) == HS_SUCCESS;
	if (!ok)
		*db = NULL;
cleanup:
	if (f)
		fclose(f);
	free(buf);
	free(path);
	return ok;
}

static int mkdir_p(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		int r = mkdir(path, 0700);
		*p = '/';
		if (r && errno != EEXIST)
			return -1;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void pf_cache_store(uint64_t key, const hs_database_t *db)
{
	char *path = pf_cache_path(key), *tmp = NULL, *bytes = NULL;
	size_t len = 0;
	int fd;

	if (!path || mkdir_p(path))
		goto cleanup;
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		goto cleanup;
	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto cleanup;
	bool ok = write_all(fd, bytes, len) == 0;
	if (close(fd) || !ok || rename(tmp, path))
		unlink(tmp);
cleanup:
	free(bytes);  /* hs_serialize_database uses the default (malloc) allocator */
	free(tmp);
	free(path);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */
/* ------------------------------------------------------------------ */

static void pf_build_one(struct match_catalog *cat, int which)
{
	struct match_prefilter *pf = &cat->pf[which];
	size_t n = 0;
	char **ex = xcalloc(cat->npats + 1, sizeof(*ex));
	unsigned *ids = xcalloc(cat->npats + 1, sizeof(*ids));
	unsigned *flags = xcalloc(cat->npats + 1, sizeof(*flags));
	bool bad_any = false;

	for (size_t i = 0; i < cat->npats; i++) {
		const struct match_pattern *p = &cat->pats[i];
		if (!pf_wanted(cat, p, which))
			continue;
		if (!p->regex) {
			pf->always[i >> 6] |= 1ull << (i & 63);
			continue;
		}
		if (which == MATCH_PF_TEXT && (pf->run[i] = pf_run_len(p->regex))) {
			pf->any_run = true;
			pf->run_pats[pf->nrun++] = i;
			if (pf->run[i] > pf->run_max)
				pf->run_max = pf->run[i];
			continue;
		}
		ex[n] = pf_expression(p, which);
		ids[n] = (unsigned)i;
		flags[n] = PF_FLAGS;
		n++;
	}
	uint64_t key = pf_key(ex, ids, n, which);
	if (n && pf_cache_load(key, &pf->db))
		goto done;
	/* Drop what Vectorscan cannot compile (it names the expression) and retry. */
	while (n) {
		hs_compile_error_t *ce = NULL;
		if (hs_compile_multi((const char *const *)ex, flags, ids, (unsigned)n,
				     HS_MODE_BLOCK, NULL, &pf->db, &ce) == HS_SUCCESS)
			break;
		int bad = ce ? ce->expression : -1;
		hs_free_compile_error(ce);
		pf->db = NULL;
		bad_any = true;
		if (bad < 0 || (size_t)bad >= n) {
			/* Not one expression's fault: no prefilter, run everything. */
			for (size_t k = 0; k < n; k++) {
				pf->always[ids[k] >> 6] |= 1ull << (ids[k] & 63);
				free(ex[k]);
			}
			n = 0;
			break;
		}
		pf->always[ids[bad] >> 6] |= 1ull << (ids[bad] & 63);
		bad_any = true;
		free(ex[bad]);
		memmove(ex + bad, ex + bad + 1, (n - (size_t)bad - 1) * sizeof(*ex));
		memmove(ids + bad, ids + bad + 1, (n - (size_t)bad - 1) * sizeof(*ids));
		n--;
	}
	/* Only a database of every expression is cached (the key names them all). */
	if (pf->db && !bad_any)
		pf_cache_store(key, pf->db);
done:
	for (size_t k = 0; k < n; k++)
		free(ex[k]);
	free(ex);
	free(ids);
	free(flags);
}

void match_prefilter_build(struct match_catalog *cat)
{
	static uint64_t serials;

	cat->serial = __atomic_add_fetch(&serials, 1, __ATOMIC_RELAXED);
	cat->pf_words = (cat->npats + 63) / 64;
	if (!cat->pf_words)
		cat->pf_words = 1;
	for (int w = 0; w < 2; w++) {
		cat->pf[w].always = xcalloc(cat->pf_words, sizeof(uint64_t));
		cat->pf[w].run = xcalloc(cat->npats + 1, sizeof(uint32_t));
		cat->pf[w].run_pats = xcalloc(cat->npats + 1, sizeof(size_t));
	}
	pthread_mutex_init(&cat->pf_lock, NULL);
	cat->pf_lock_init = true;
	cat->use_prefilter = true;
}

void match_prefilter_free(struct match_catalog *cat)
{
	if (cat->pf_lock_init)
		pthread_mutex_destroy(&cat->pf_lock);
	for (int w = 0; w < 2; w++) {
		if (cat->pf[w].db)
			hs_free_database(cat->pf[w].db);
		free(cat->pf[w].always);
		free(cat->pf[w].run);
		free(cat->pf[w].run_pats);
		cat->pf[w].run_pats = NULL;
		cat->pf[w].db = NULL;
		cat->pf[w].always = NULL;
		cat->pf[w].run = NULL;
	}
}

static int pf_on_match(unsigned int id, unsigned long long from ATTR_UNUSED,
		       unsigned long long to ATTR_UNUSED, unsigned int flags ATTR_UNUSED,
		       void *ctx)
{
	uint64_t *cand = ctx;
	cand[id >> 6] |= 1ull << (id & 63);
	return 0;
}

/* The scratch's Vectorscan scratch, sized for this catalog's databases. */
static hs_scratch_t *pf_scratch(const struct match_catalog *cat, struct match_scratch *s)
{
	if (s->pf_serial == cat->serial && s->pf_ready == (cat->pf[0].db ? 1 : 0) + (cat->pf[1].db ? 2 : 0))
		return s->pf;
	for (int w = 0; w < 2; w++)
		if (cat->pf[w].db && hs_alloc_scratch(cat->pf[w].db, &s->pf) != HS_SUCCESS)
			return NULL;
	s->pf_ready = (cat->pf[0].db ? 1 : 0) + (cat->pf[1].db ? 2 : 0);
	if (s->cand_words < cat->pf_words) {
		free(s->cand);
		s->cand = xcalloc(cat->pf_words, sizeof(uint64_t));
		s->cand_words = cat->pf_words;
	}
	s->pf_serial = cat->serial;
	return s->pf;
}

const uint64_t *match_prefilter_run(const struct match_catalog *cat,
				    struct match_scratch *scratch, int which,
				    const char *s, size_t len)
{
	const struct match_prefilter *pf = &cat->pf[which];

	if (!cat->use_prefilter || len > UINT32_MAX)
		return NULL;
	if (!__atomic_load_n(&pf->ready, __ATOMIC_ACQUIRE)) {
		/* First use: compile (or load) under the lock; the catalog stays
		 * logically immutable, this only fills in a cache. */
		struct match_catalog *mcat = (struct match_catalog *)cat;
		pthread_mutex_lock(&mcat->pf_lock);
		if (!pf->ready) {
			pf_build_one(mcat, which);
			__atomic_store_n(&mcat->pf[which].ready, true, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&mcat->pf_lock);
	}
	if (!pf->db)
		return NULL;
	hs_scratch_t *hs = pf_scratch(cat, scratch);
	if (!hs)
		return NULL;
	memcpy(scratch->cand, pf->always, cat->pf_words * sizeof(uint64_t));
	if (hs_scan(pf->db, s, (unsigned)len, 0, hs, pf_on_match, scratch->cand) != HS_SUCCESS)
		return NULL;
	if (pf->any_run) {
		size_t run = pf_longest_run(s, len, pf->run_max);
		for (size_t k = 0; k < pf->nrun; k++) {
			size_t i = pf->run_pats[k];
			if (run >= pf->run[i])
				scratch->cand[i >> 6] |= 1ull << (i & 63);
		}
	}
	return scratch->cand;
}

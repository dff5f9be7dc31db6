/*
 * uwidth.c - display widths, escaping and cutting of UTF-8 text.
 *
 * Everything walks the text one "piece" at a time: either one printable
 * character (drawn as its own bytes) or one escape standing for a control
 * character or an invalid byte. Widths come from wcwidth() on the decoded
 * code point; our own decoder rejects overlongs and surrogates so that a
 * malformed value is escaped instead of handed to the terminal.
 */
#include "config.h"

#include <stdio.h>
#include <wchar.h>

#include "tui/uwidth.h"

struct piece {
	const char *bytes;  /* what to draw */
	size_t nbytes;      /* bytes to draw */
	size_t advance;     /* bytes of input consumed */
	size_t cols;        /* columns it takes */
	char esc[16];       /* storage when the piece is an escape */
};

/* Decodes one UTF-8 sequence; returns its length or 0 when malformed. */
static size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0], v;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

static void piece_escape(struct piece *p, const char *fmt, unsigned v)
{
	/* fmt is one of this file's literal escape formats with one %X. */
	// cppcheck-suppress wrongPrintfScanfArgNum
	int n = snprintf(p->esc, sizeof(p->esc), fmt, v);

	p->bytes = p->esc;
	p->nbytes = (size_t)n;
	p->cols = (size_t)n;
}

static void next_piece(const char *s, size_t len, struct piece *p)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp;
	size_t n = utf8_decode(u, len, &cp);
	int w;

	if (n == 0) {
		p->advance = 1;
		piece_escape(p, "\\x%02x", u[0]);
		return;
	}
	p->advance = n;
	if (cp < 0x20 || cp == 0x7f) {
		switch (cp) {
		case '\n': piece_escape(p, "\\n", 0); break;
		case '\t': piece_escape(p, "\\t", 0); break;
		case '\r': piece_escape(p, "\\r", 0); break;
		default: piece_escape(p, "\\x%02x", cp); break;
		}
		return;
	}
	if (cp < 0x80) {
		p->bytes = s;
		p->nbytes = 1;
		p->cols = 1;
		return;
	}
	w = wcwidth((wchar_t)cp);
	/*
	 * C1 controls, bidi overrides and other format characters can reorder
	 * or hide what follows: show them as escapes.
	 */
	if (w < 0 || (cp >= 0x80 && cp < 0xa0) || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0xfeff) {
		piece_escape(p, "\\u{%x}", cp);
		return;
	}
	p->bytes = s;
	p->nbytes = n;
	p->cols = (size_t)w;
}

static size_t slen(const char *s, size_t len)
{
	return len == (size_t)-1 ? (s ? strlen(s) : 0) : len;
}

size_t uw_width(const char *s, size_t len)
{
	struct piece p;
	size_t pos = 0, cols = 0;

	len = slen(s, len);
	while (pos < len) {
		next_piece(s + pos, len - pos, &p);
		cols += p.cols;
		pos += p.advance;
	}
	return cols;
}

size_t uw_render(struct strbuf *out, const char *s, size_t len, size_t max_cols)
{
	struct piece p;
	size_t pos = 0, cols = 0, limit = max_cols;
	bool cut;

	len = slen(s, len);
	if (max_cols == 0)
		return 0;
	/* When it does not all fit, keep one column for the ellipsis. */
	cut = uw_width(s, len) > max_cols;
	if (cut)
		limit = max_cols - 1;
	while (pos < len) {
		next_piece(s + pos, len - pos, &p);
		if (cols + p.cols > limit)
			break;
		strbuf_add(out, p.bytes, p.nbytes);
		cols += p.cols;
		pos += p.advance;
	}
	if (cut) {
		strbuf_addstr(out, "\xe2\x80\xa6");
		cols++;
	}
	return cols;
}

size_t uw_render_tail(struct strbuf *out, const char *s, size_t len,
		      size_t max_cols)
{
	struct piece p;
	size_t pos = 0, total;

	len = slen(s, len);
	total = uw_width(s, len);
	if (total <= max_cols)
		return uw_render(out, s, len, max_cols);
	if (max_cols == 0)
		return 0;
	/* drop pieces from the front until the rest fits after the "…" */
	while (pos < len && total > max_cols - 1) {
		next_piece(s + pos, len - pos, &p);
		total -= p.cols;
		pos += p.advance;
	}
	strbuf_addstr(out, "\xe2\x80\xa6");
	return 1 + uw_render(out, s + pos, len - pos, max_cols - 1);
}

size_t uw_fit(const char *s, size_t len, size_t max_cols)
{
	struct piece p;
	size_t pos = 0, cols = 0;

	len = slen(s, len);
	while (pos < len) {
		next_piece(s + pos, len - pos, &p);
		if (cols + p.cols > max_cols)
			break;
		cols += p.cols;
		pos += p.advance;
	}
	return pos;
}

void uw_render_pad(struct strbuf *out, const char *s, size_t len, size_t cols,
		   enum uw_align align)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t used = uw_render(&tmp, s, len, cols), gap = cols - used, left = 0;

	if (align == UW_RIGHT)
		left = gap;
	else if (align == UW_CENTER)
		left = gap / 2;
	for (size_t i = 0; i < left; i++)
		strbuf_addch(out, ' ');
	strbuf_add(out, tmp.buf, tmp.len);
	for (size_t i = left; i < gap; i++)
		strbuf_addch(out, ' ');
	strbuf_release(&tmp);
}

size_t uw_prev_char(const char *s, size_t pos)
{
	if (pos == 0)
		return 0;
	pos--;
	while (pos > 0 && ((unsigned char)s[pos] & 0xc0) == 0x80)
		pos--;
	return pos;
}

size_t uw_next_char(const char *s, size_t len, size_t pos)
{
	unsigned cp;
	size_t n;

	if (pos >= len)
		return len;
	n = utf8_decode((const unsigned char *)s + pos, len - pos, &cp);
	return pos + (n ? n : 1);
}

char *uw_format_count(char *buf, size_t bufsz, long long n)
{
	char digits[32];
	size_t nd, o = 0;

	if (n < 0) {
		snprintf(buf, bufsz, "-");
		return buf;
	}
	nd = (size_t)snprintf(digits, sizeof(digits), "%lld", n);
	for (size_t i = 0; i < nd && o + 1 < bufsz; i++) {
		if (i > 0 && (nd - i) % 3 == 0 && o + 2 < bufsz)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

char *uw_format_bytes(char *buf, size_t bufsz, long long n)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 0) {
		snprintf(buf, bufsz, "%s", "");
		return buf;
	}
	while (v >= 1000.0 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, bufsz, "%lld B", n);
	else if (v < 10.0)
		snprintf(buf, bufsz, "%.1f %s", v, units[u]);
	else
		snprintf(buf, bufsz, "%.0f %s", v, units[u]);
	return buf;
}

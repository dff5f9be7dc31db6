/*
 * uwidth.h - all display-width arithmetic of the workbench (pspg's unicode.c).
 *
 * Units, always said in the name or the comment:
 *   bytes   - offsets into UTF-8 strings;
 *   columns - terminal cells: a CJK ideograph or most emoji take 2, a
 *             combining mark 0, an ASCII letter 1.
 *
 * Data from a database is never drawn raw: uw_render() turns control
 * characters (C0, DEL, C1, and any code point wcwidth() calls unprintable)
 * and invalid UTF-8 into visible escapes ("\n", "\t", "\x1b", "\u{200e}"),
 * so a value can never move the cursor or change the terminal's state.
 *
 * The functions assume an UTF-8 LC_CTYPE (setlocale() done by the caller);
 * none of them touches curses, so they are tested without a terminal.
 */
#ifndef MB_TUI_UWIDTH_H
#define MB_TUI_UWIDTH_H

#include <stddef.h>

#include "core/strbuf.h"

enum uw_align {
	UW_LEFT = 0,
	UW_RIGHT,
	UW_CENTER,
};

/*
 * Display width in columns of [s, s+len) once escaped as uw_render() would
 * draw it. len (bytes) may be (size_t)-1 for a NUL-terminated string.
 */
size_t uw_width(const char *s, size_t len);

/*
 * Appends to out the escaped form of [s, s+len) (bytes; (size_t)-1: up to
 * NUL), cut so that it takes at most max_cols columns. When the text does
 * not fit, it ends with "…" (one column) inside max_cols; a wide character
 * that would straddle the limit is left out. Returns the columns appended.
 * max_cols 0 appends nothing.
 */
size_t uw_render(struct strbuf *out, const char *s, size_t len, size_t max_cols);

/*
 * Like uw_render() but keeps the END of the text when it does not fit,
 * starting with "…" (for paths and addresses). Returns the columns appended.
 */
size_t uw_render_tail(struct strbuf *out, const char *s, size_t len,
		      size_t max_cols);

/*
 * Like uw_render() but pads with spaces to exactly `cols` columns, aligned
 * as asked. Always appends exactly `cols` columns.
 */
void uw_render_pad(struct strbuf *out, const char *s, size_t len, size_t cols,
		   enum uw_align align);

/*
 * Bytes of the longest prefix of [s, s+len) that takes at most max_cols
 * columns when escaped; never splits a character. For wrapping text.
 */
size_t uw_fit(const char *s, size_t len, size_t max_cols);

/*
 * Byte offset of the start of the UTF-8 character before byte offset `pos`
 * in s (0 when pos is 0). For editing lines of typed text.
 */
size_t uw_prev_char(const char *s, size_t pos);
/* Byte offset just after the character starting at `pos` (len at the end). */
size_t uw_next_char(const char *s, size_t len, size_t pos);

/*
 * Formats n with thousands separators ("12,345"; "-" for n < 0) into buf
 * of size bufsz. Returns buf.
 */
char *uw_format_count(char *buf, size_t bufsz, long long n);
/* Formats a byte size as "812 B", "1.2 kB", "34 MB", "1.1 GB" ("" for < 0). */
char *uw_format_bytes(char *buf, size_t bufsz, long long n);

#endif

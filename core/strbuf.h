/*
 * strbuf.h - a growable byte buffer (modelled on git's strbuf).
 *
 * Invariants: `buf` is never NULL and always NUL-terminated at buf[len];
 * a buffer may hold NUL bytes inside [0, len). Growth aborts on out of
 * memory (see util.h), so no function here fails.
 *
 * Lifecycle: STRBUF_INIT or strbuf_init(); strbuf_release() frees the
 * contents and leaves an empty, reusable buffer; strbuf_detach() hands the
 * bytes to the caller, who frees them.
 */
#ifndef MB_STRBUF_H
#define MB_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/util.h"

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_empty[];
#define STRBUF_INIT { 0, 0, strbuf_empty }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Returns the bytes (caller frees) and leaves sb empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb) { strbuf_setlen(sb, 0); }

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
ATTR_FORMAT(2, 3) void strbuf_addf(struct strbuf *sb, const char *fmt, ...);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

/* Append s as a JSON string literal, quotes included. */
void strbuf_add_json_str(struct strbuf *sb, const char *s, size_t len);
/*
 * Append s for one-line display: control characters and invalid UTF-8
 * become \xNN escapes, so data never moves the terminal cursor.
 */
void strbuf_add_escaped(struct strbuf *sb, const char *s, size_t len);

#endif

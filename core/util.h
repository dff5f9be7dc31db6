/*
 * util.h - allocation helpers and small string utilities shared by every module.
 *
 * Allocation never returns NULL: on exhaustion the x*() helpers print one line
 * and abort, because a half-built masking job is worse than none.
 */
#ifndef MB_UTIL_H
#define MB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define ATTR_FORMAT(f, a) __attribute__((format(printf, f, a)))
#define ATTR_MALLOC __attribute__((malloc))
#define ATTR_UNUSED __attribute__((unused))
#else
#define ATTR_FORMAT(f, a)
#define ATTR_MALLOC
#define ATTR_UNUSED
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

ATTR_MALLOC void *xmalloc(size_t n);
ATTR_MALLOC void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Returns a newly allocated copy; NULL in gives NULL out. */
ATTR_MALLOC char *xstrdup(const char *s);
ATTR_MALLOC char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string. */
ATTR_MALLOC ATTR_FORMAT(1, 2) char *xasprintf(const char *fmt, ...);

/*
 * Grow *items (of *alloc slots of size elem) so that it holds at least need
 * items. Growth is geometric.
 */
void grow_array(void **items, size_t *alloc, size_t need, size_t elem);
#define ALLOC_GROW(arr, nr, alloc) \
	grow_array((void **)&(arr), &(alloc), (nr), sizeof(*(arr)))

static inline bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}
bool str_ieq(const char *a, const char *b);
bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);

/* True when [s, s+len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t len);

/* Wipe memory that held secrets; not optimised away. */
void secure_zero(void *p, size_t n);

/* Monotonic clock in seconds. */
double now_monotonic(void);

#endif

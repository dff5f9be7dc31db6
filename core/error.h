/*
 * error.h - errors that carry their context up to the caller.
 *
 * A function that can fail takes a `struct mb_err *` last, fills it on
 * failure and returns -1 (or NULL). Lower layers add context with
 * mb_err_prefix() ("public.customers.email: ...") instead of printing; only
 * main() prints and exits. The kind decides the exit code (SPEC §10).
 *
 * Messages never contain passwords, keys or data values.
 */
#ifndef MB_ERROR_H
#define MB_ERROR_H

#include "core/util.h"

enum mb_err_kind {
	MB_ERR_NONE = 0,
	MB_ERR_USAGE,    /* bad usage or bad input: exit 2 */
	MB_ERR_INPUT,    /* malformed file or value: exit 2 */
	MB_ERR_CONNECT,  /* cannot reach or authenticate: exit 3 */
	MB_ERR_DB,       /* database error: exit 3 */
	MB_ERR_IO,       /* local file system: exit 3 */
	MB_ERR_PROBLEM,  /* the job found a problem (leak, gate): exit 1 */
	MB_ERR_CANCELLED,/* interrupted by the user: exit 130 */
	MB_ERR_INTERNAL, /* a bug: exit 70 */
};

#define MB_ERR_MSG_SIZE 1024

struct mb_err {
	enum mb_err_kind kind;
	char msg[MB_ERR_MSG_SIZE];
};

#define MB_ERR_INIT { MB_ERR_NONE, "" }

/* Sets err (if not NULL) and returns -1. */
ATTR_FORMAT(3, 4) int mb_err_set(struct mb_err *err, enum mb_err_kind kind,
				 const char *fmt, ...);
/* Prepends "prefix: " to the message; returns -1. */
ATTR_FORMAT(2, 3) int mb_err_prefix(struct mb_err *err, const char *fmt, ...);
void mb_err_clear(struct mb_err *err);

#ifdef __clang_analyzer__
/* The analyzer sees one file at a time: tell it these always return -1. */
#define mb_err_set(...) (mb_err_set(__VA_ARGS__), -1)
#define mb_err_prefix(...) (mb_err_prefix(__VA_ARGS__), -1)
#endif
/* The process exit code for an error kind (0 for MB_ERR_NONE). */
int mb_err_exit_code(enum mb_err_kind kind);

#endif

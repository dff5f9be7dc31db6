/* error.c - error values with context; see error.h. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>

/* The names in parentheses: error.h may define them as macros for the analyzer. */
int (mb_err_set)(struct mb_err *err, enum mb_err_kind kind, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	err->kind = kind;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int (mb_err_prefix)(struct mb_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char prefix[512], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable: the context comes first. */
	size_t n = strlen(prefix);
	if (n > sizeof(err->msg) - 3)
		n = sizeof(err->msg) - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	size_t rest = sizeof(err->msg) - n - 3;
	size_t olen = strlen(old);
	if (olen > rest)
		olen = rest;
	memcpy(err->msg + n + 2, old, olen);
	err->msg[n + 2 + olen] = '\0';
	if (err->kind == MB_ERR_NONE)
		err->kind = MB_ERR_INTERNAL;
	return -1;
}

void mb_err_clear(struct mb_err *err)
{
	if (err) {
		err->kind = MB_ERR_NONE;
		err->msg[0] = '\0';
	}
}

int mb_err_exit_code(enum mb_err_kind kind)
{
	switch (kind) {
	case MB_ERR_NONE: return 0;
	case MB_ERR_PROBLEM: return 1;
	case MB_ERR_USAGE:
	case MB_ERR_INPUT: return 2;
	case MB_ERR_CONNECT:
	case MB_ERR_DB:
	case MB_ERR_IO: return 3;
	case MB_ERR_CANCELLED: return 130;
	case MB_ERR_INTERNAL: break;
	}
	return 70;
}

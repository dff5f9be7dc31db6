/*
 * tap.h - a minimal TAP producer for integration tests written in C.
 * (Unit tests use cmocka with CMOCKA_MESSAGE_OUTPUT=TAP.)
 *
 *   tap_ok(cond, "name %d", i);   one test point
 *   tap_skip_all("reason");       nothing to run here (exits 0)
 *   return tap_done();            prints the plan, exit status
 *
 * tap_need_server(var) returns the URL in the environment variable, or
 * fails (CI=true) / skips the whole program when it is not set.
 */
#ifndef MB_TAP_H
#define MB_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

__attribute__((format(printf, 1, 2), unused))
static void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

__attribute__((unused, noreturn))
static void tap_skip_all(const char *reason)
{
	printf("1..0 # SKIP %s\n", reason);
	exit(0);
}

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

/* In CI a missing server is a failure, never a skip. */
__attribute__((unused))
static const char *tap_need_server(const char *var)
{
	const char *url = getenv(var);
	if (url && *url)
		return url;
	const char *ci = getenv("CI");
	if (ci && *ci && strcmp(ci, "false") != 0) {
		printf("not ok 1 - %s is not set: the test server is missing\n1..1\n", var);
		exit(1);
	}
	tap_skip_all("test server not configured (source the servers env file)");
}

#endif

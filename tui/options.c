/* options.c - argument parsing helpers for the subcommands. */
#include "config.h"

#include "tui/options.h"

#include "rules/rules.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

const char *opt_missing_value;

bool opt_is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		opt_missing_value = name;
		return NULL;
	}
	return argv[++*i];
}

int opt_positional(const char *usage, const char *arg, const char **const *slots)
{
	if (opt_missing_value)
		return usage_error(usage, "%s needs a value", opt_missing_value);
	if (arg[0] == '-' && arg[1])
		return usage_error(usage, "unknown option '%s'", arg);
	for (; *slots; slots++) {
		if (!**slots) {
			**slots = arg;
			return 0;
		}
	}
	return usage_error(usage, "unexpected argument '%s'", arg);
}

int opt_format_check(const char *usage, const char *format)
{
	if (str_eq(format, "table") || str_eq(format, "tsv") || str_eq(format, "json"))
		return 0;
	return usage_error(usage, "unknown format '%s' (table, tsv or json)", format);
}

int write_stdout(const struct strbuf *out)
{
	fwrite(out->buf, 1, out->len, stdout);
	return fflush(stdout) || ferror(stdout) ? 3 : 0;
}

bool opt_number(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || *end || errno || n < min || n > max)
		return false;
	*out = n;
	return true;
}

int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	fputs("maskbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(usage, stderr);
	return 2;
}

int record_source_snapshot(struct workspace *ws, struct db_conn *conn,
			   const struct catalog *cat, int64_t *source_id,
			   struct mb_err *err)
{
	if (ws_source_upsert(ws, &conn->url, source_id, err) ||
	    ws_catalog_save(ws, *source_id, cat, NULL, err))
		return -1;
	return rules_sync(ws, *source_id, cat, NULL, err);
}

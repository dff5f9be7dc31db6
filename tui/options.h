/*
 * options.h - small helpers shared by the subcommands' argument parsers.
 */
#ifndef MB_OPTIONS_H
#define MB_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/workspace.h"

/* Set by opt_value() when an option was given without its value. */
extern const char *opt_missing_value;

bool opt_is_help(const char *arg);
/*
 * If argv[*i] is `name VALUE` or `name=VALUE`, returns VALUE (advancing *i
 * past it); otherwise NULL. A missing value sets opt_missing_value.
 */
const char *opt_value(int argc, char **argv, int *i, const char *name);
/*
 * What every option loop does with an argument no option took: a missing
 * value or an unknown option is a usage error; otherwise the argument fills
 * the first empty slot of `slots` (NULL-terminated: `(const char **[]){
 * &source, NULL }`), or is one too many. Returns 0 when it was taken, else
 * the usage error's exit code (2).
 */
int opt_positional(const char *usage, const char *arg, const char **const *slots);
/* Checks --format: "table", "tsv" or "json"; otherwise a usage error (2). */
int opt_format_check(const char *usage, const char *format);
/* Writes out to stdout: 0, or 3 when stdout fails (a full disk, a closed pipe). */
int write_stdout(const struct strbuf *out);
/* Parses a whole decimal number in [min, max]; false if v is anything else. */
bool opt_number(const char *v, long min, long max, long *out);
/* Prints "maskbench: <msg>" and the usage text to stderr; returns 2. */
ATTR_FORMAT(2, 3) int usage_error(const char *usage, const char *fmt, ...);

/*
 * Records a source (its address without password) and a snapshot of its
 * catalog in the workspace, then brings the rules up to date (drift: new or
 * changed columns go back to unreviewed). Every command that reads a
 * source's catalog calls this. Returns 0, or -1 with nothing half-saved.
 */
int record_source_snapshot(struct workspace *ws, struct db_conn *conn,
			   const struct catalog *cat, int64_t *source_id,
			   struct mb_err *err);

#endif

/*
 * rules_yaml.h - the rules file (SPEC §10): export and import with libyaml.
 *
 * Export writes every live rule (dropped columns are left out) and the
 * subset settings in a fixed order and style, so export -> import ->
 * export is byte-identical.
 *
 * Import applies only what the file holds (a column's missing keys keep
 * their values; a file with only `subset:` touches only the subset
 * settings; each `subset` key present replaces that setting), in ONE
 * workspace transaction: any error and nothing changes. Errors are
 * "FILE:LINE:COL: message" (1-based) with MB_ERR_INPUT, for syntax errors,
 * wrong types, unknown or duplicate keys, unknown or duplicate columns,
 * unknown actions, bad parameters (mask_spec_check against the column's
 * type), over-long values, invalid UTF-8, anchors/aliases/tags (refused:
 * no alias bombs), more than one document, nesting deeper than 32 levels,
 * files over 64 MiB.
 *
 * Hostile input never crashes and never allocates more than a small
 * multiple of the file size.
 */
#ifndef MB_RULES_YAML_H
#define MB_RULES_YAML_H

#include <stddef.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/workspace.h"

#define RULES_YAML_MAX_FILE (64u << 20)
#define RULES_YAML_MAX_DEPTH 32
#define RULES_YAML_MAX_NAME 1024      /* column, table, category, action, reviewer */
#define RULES_YAML_MAX_TEXT 65536     /* note, where, params values */

/* Appends the rules file to out. */
int rules_export_yaml(struct workspace *ws, struct strbuf *out,
		      struct mb_err *err);

struct rules_import_report {
	size_t columns;          /* column entries in the file */
	size_t changed;          /* of which changed a rule */
	bool subset_in_file;
	bool subset_changed;
	struct strbuf changed_names; /* "schema.table.column\n" lines */
};
void rules_import_report_init(struct rules_import_report *r);
void rules_import_report_release(struct rules_import_report *r);

/*
 * Imports `len` bytes of YAML; `filename` names the input in messages.
 * `who` is recorded in the audit as the importer (and as the one who set
 * changed actions). report may be NULL.
 */
int rules_import_yaml(struct workspace *ws, const char *filename,
		      const char *data, size_t len, const char *who,
		      struct rules_import_report *report, struct mb_err *err);
/* Reads `path` ("-" for stdin) and imports it. */
int rules_import_file(struct workspace *ws, const char *path, const char *who,
		      struct rules_import_report *report, struct mb_err *err);

#endif

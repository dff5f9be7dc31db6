/*
 * report.h - the sign-off report (Markdown) for a security reviewer.
 *
 * Sections: header (workspace, source, time, rules hash), counts by state
 * and by category, open items first (unreviewed and proposed columns, with
 * why they are open), who signed off how much, then every table and
 * column with category, action, state, reviewer, time and note, and the
 * columns that were dropped from the source. Table cells are escaped
 * (pipes, newlines, control characters); no data values appear (rules
 * hold actions and notes only).
 */
#ifndef MB_RULES_REPORT_H
#define MB_RULES_REPORT_H

#include "core/error.h"
#include "core/strbuf.h"
#include "core/workspace.h"

/* Appends the report to out. */
int rules_report_markdown(struct workspace *ws, struct strbuf *out,
			  struct mb_err *err);

#endif

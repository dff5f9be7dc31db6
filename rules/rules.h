/*
 * rules.h - one masking rule per column, its review state, sign-off and
 * drift (SPEC §6). Library libmbrules.a; depends on core/ only.
 *
 * Storage: workspace tables `rules` and `audit` (module "rules"). A rule
 * exists for every column of every base table in the latest catalog
 * snapshot of a source; rules_sync() creates and updates them. Rules are
 * keyed by (schema, table, column): one workspace holds one source's rules
 * (rules of a column that vanished from the source are kept, marked
 * dropped, never deleted).
 *
 * States:
 *   unreviewed  nobody decided yet (new column, or its type/nullability
 *               changed since the decision)
 *   proposed    the scanner or a person suggested the action
 *   approved    a reviewer approved category + action (fingerprint kept)
 *   rejected    a reviewer decided the column is not sensitive: kept as is
 *
 * Every change appends one row to the hash-chained audit (rules/audit.h),
 * inside the same transaction as the change.
 *
 * Errors: functions return 0 / -1 with err set (MB_ERR_USAGE for unknown
 * columns or a refused transition, MB_ERR_PROBLEM for a two-person-rule
 * refusal, MB_ERR_IO for the workspace). Messages name the column as
 * "schema.table.column", never a data value.
 */
#ifndef MB_RULES_H
#define MB_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/error.h"
#include "core/mask.h"
#include "core/strbuf.h"
#include "core/workspace.h"
#include "rules/audit.h"

enum rule_state {
	RULE_UNREVIEWED = 0,
	RULE_PROPOSED,
	RULE_APPROVED,
	RULE_REJECTED,
};

/* "unreviewed", "proposed", "approved", "rejected". */
const char *rule_state_name(enum rule_state s);
/* Returns 0 and sets *out, or -1 when name is not a state. */
int rule_state_parse(const char *name, enum rule_state *out);

/* Who made a scanner proposal (recorded as set_by and in the audit). */
#define RULES_SCANNER "scanner"
/* Who recorded a drift or a dropped column. */
#define RULES_SYSTEM "maskbench"

/* One rule as stored. All strings owned; NULL when unset. */
struct rule {
	int64_t id;
	int64_t source_id;
	char *schema, *table, *column;
	int ordinal;           /* column position in its table (1-based) */
	char *category;
	char *action;          /* never NULL: "keep" by default */
	char *params;          /* canonical JSON object text, "{}" when none */
	enum rule_state state;
	char *reviewer;        /* who approved/rejected (NULL otherwise) */
	char *reviewed_at;     /* ISO 8601 UTC */
	char *note;
	char *set_by;          /* who last set category/action (two-person rule) */
	char *set_at;
	char *col_type;        /* current fingerprint, from the latest snapshot */
	bool nullable;
	char *approved_type;   /* fingerprint at approval/rejection */
	bool approved_nullable;
	bool dropped;          /* no longer in the source */
	char *updated_at;
};

void rule_release(struct rule *r);
/* "schema.table.column", newly allocated. */
char *rule_display(const struct rule *r);
/*
 * Canonical JSON of the rule's reviewable content (category, action,
 * params, state, reviewer, reviewed_at, note, type, nullable, dropped):
 * the old/new values of audit rows.
 */
void rule_to_json(const struct rule *r, struct strbuf *out);

/* Creates/updates the module's tables. Idempotent; outside transactions. */
int rules_migrate(struct workspace *ws, struct mb_err *err);

/* A list of rules; owns its items. */
struct rule_list {
	struct rule *items;
	size_t n, alloc;
};
void rule_list_release(struct rule_list *l);

/*
 * Loads rules ordered by schema, table, column ordinal (as in the latest
 * snapshot; name order otherwise). state_filter NULL for all states;
 * dropped rules only when include_dropped.
 */
int rules_load(struct workspace *ws, const enum rule_state *state_filter,
	       bool include_dropped, struct rule_list *out, struct mb_err *err);

/*
 * Finds the rule of COLUMN ("table.column" or "schema.table.column";
 * dropped rules are not found). Returns 0 and fills *out (caller releases),
 * or -1 with MB_ERR_USAGE "unknown column" / "ambiguous column".
 */
int rules_find(struct workspace *ws, const char *column, struct rule *out,
	       struct mb_err *err);

/*
 * The reviewer name: `given` if not NULL/empty, else $MASKBENCH_REVIEWER,
 * else the login name, else "unknown". Static or given storage: no free.
 */
const char *rules_reviewer(const char *given);

/* Is the two-person rule on (workspace setting "two_person_rule")? */
bool rules_two_person(struct workspace *ws);
int rules_set_two_person(struct workspace *ws, bool on, const char *who,
			 struct mb_err *err);

/* ---- changes (each in its own transaction, with audit rows) ---- */

/*
 * Sets a column's action (with params: a mask_spec) and, if category is
 * not NULL, its category ("" clears it). The spec is checked with
 * mask_spec_check() against the column's type and nullability. The state
 * becomes proposed and set_by `who`. Unchanged content: no-op (0).
 */
int rules_set(struct workspace *ws, const char *column,
	      const struct mask_spec *spec, const char *category,
	      const char *who, struct mb_err *err);

/*
 * Approves one column: state approved, reviewer, time, note (NULL keeps
 * none), fingerprint at approval. Refused (MB_ERR_PROBLEM) under the
 * two-person rule when `who` last set the action; refused (MB_ERR_USAGE)
 * when the action does not pass mask_spec_check().
 */
int rules_approve(struct workspace *ws, const char *column, const char *who,
		  const char *note, struct mb_err *err);
/*
 * Approves every unreviewed or proposed column in one transaction. Columns
 * the two-person rule forbids `who` to approve are skipped and counted in
 * *skipped (their names appended to skipped_names, if not NULL, one a
 * line). *approved receives the count approved.
 */
int rules_approve_all(struct workspace *ws, const char *who, const char *note,
		      size_t *approved, size_t *skipped,
		      struct strbuf *skipped_names, struct mb_err *err);
/* Rejects (not sensitive, keep as is): action becomes keep. */
int rules_reject(struct workspace *ws, const char *column, const char *who,
		 const char *note, struct mb_err *err);

/* ---- drift ---- */

struct rules_sync_report {
	size_t added;      /* new columns (unreviewed, or proposed from a finding) */
	size_t changed;    /* fingerprint changed: back to unreviewed */
	size_t dropped;    /* gone from the source: recorded */
	size_t proposed;   /* columns that took a scanner proposal */
	size_t unchanged;
	/* "schema.table.column" lines, newline-terminated */
	struct strbuf added_names, changed_names, dropped_names;
};
void rules_sync_report_init(struct rules_sync_report *r);
void rules_sync_report_release(struct rules_sync_report *r);

/*
 * Brings the rules in line with a fresh catalog of source_id (call after
 * every ws_catalog_save()) and with the latest scan's findings of that
 * source (a missing findings table means no findings; only findings with
 * confidence >= 0.5, the scanner's "flagged" threshold, propose). One transaction.
 *   - new column: unreviewed/keep, or proposed with the top finding;
 *   - type or nullability changed: back to unreviewed (approved,
 *     unchanged columns stay approved);
 *   - column gone: marked dropped (kept for history);
 *   - unreviewed or scanner-proposed rules take the newest finding.
 * report may be NULL.
 */
int rules_sync(struct workspace *ws, int64_t source_id,
	       const struct catalog *cat, struct rules_sync_report *report,
	       struct mb_err *err);
/*
 * Runs rules_sync() for the latest source when its latest snapshot or
 * scan is newer than what the rules saw (cheap when nothing changed).
 * Subcommands call it before reading rules. report may be NULL.
 */
int rules_refresh(struct workspace *ws, struct rules_sync_report *report,
		  struct mb_err *err);

/* ---- the gate and the job's inputs ---- */

struct rules_blocker {
	char *schema, *table, *column; /* column "*" when the table has no rules */
	enum rule_state state;
};
struct rules_gate_result {
	struct rules_blocker *items;
	size_t n, alloc;
};
void rules_gate_result_release(struct rules_gate_result *g);

/*
 * The gate: of the tables a job copies ("schema.table", or "table" for
 * any schema), the columns that block it (unreviewed or proposed). A table
 * without any rule blocks as a whole (column "*"): fail closed. Returns 0
 * (out->n == 0 means the job may run) or -1 on a workspace error.
 * Outside a transaction it first brings the rules up to date with the
 * newest snapshot and scan (rules_refresh()).
 */
int rules_gate(struct workspace *ws, const char *const *tables, size_t n,
	       struct rules_gate_result *out, struct mb_err *err);
/*
 * The gate against the live catalog a job is about to copy from (stricter:
 * use it when you hold one). Besides rules_gate()'s blockers, a column of
 * a copied table blocks when it has no rule yet or when its type or
 * nullability differs from the rule's fingerprint (drift not yet synced),
 * whatever the rule's state. Tables are looked up in cat ("schema.table"
 * or "table"); a table missing from cat blocks as a whole.
 */
int rules_gate_live(struct workspace *ws, const struct catalog *cat,
		    const char *const *tables, size_t n,
		    struct rules_gate_result *out, struct mb_err *err);

/* A column's action as the job runner needs it. */
struct rule_action {
	char *schema, *table, *column;
	char *category;           /* NULL when none */
	struct mask_spec spec;    /* rejected rules give "keep" */
	enum rule_state state;
};
/*
 * Every non-dropped rule's action, ordered like rules_load(). *out is a
 * newly allocated array of *n items; free with rules_actions_free().
 */
int rules_load_actions(struct workspace *ws, struct rule_action **out,
		       size_t *n, struct mb_err *err);
void rules_actions_free(struct rule_action *a, size_t n);

/*
 * SHA-256 (hex, NUL-terminated) over the reviewed rules (approved and
 * rejected, non-dropped) in (schema, table, column) order: each line is
 * schema\ttable\tcolumn\tstate\tcategory\taction\tparams\n. Identifies the
 * rule set a run used.
 */
int rules_hash(struct workspace *ws, char out[65], struct mb_err *err);

/* Who signed off how much. */
struct rules_signoff {
	char *reviewer;
	size_t approved, rejected;
	char *last_at;           /* latest reviewed_at */
};
/* Newly allocated array ordered by reviewer; free with rules_signoffs_free(). */
int rules_signoffs(struct workspace *ws, struct rules_signoff **out, size_t *n,
		   struct mb_err *err);
void rules_signoffs_free(struct rules_signoff *s, size_t n);
/* Comma-separated approvers ("alice,bob"), newly allocated ("" if none). */
char *rules_approvers(struct workspace *ws, struct mb_err *err);

/* ---- internal helpers shared by the rules module ---- */

/* Current UTC time "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void rules_now(char buf[32]);
/*
 * Many changes in one transaction: statements prepared once, the audit
 * head written once. Begin after ws_begin(); end before ws_commit() (or
 * abort after a failure, before ws_rollback()).
 */
struct rules_batch {
	struct workspace *ws;
	sqlite3_stmt *ins, *upd;
	struct audit_writer aw;
};
int rules_batch_begin(struct workspace *ws, struct rules_batch *b,
		      struct mb_err *err);
int rules_batch_end(struct rules_batch *b, struct mb_err *err);
void rules_batch_abort(struct rules_batch *b);
/*
 * Writes a rule's row (update by id, or insert when id == 0), through the
 * batch's statements when b is not NULL.
 */
int rules_store(struct workspace *ws, struct rules_batch *b, struct rule *r,
		struct mb_err *err);
/*
 * Loads one rule by (schema, table, column); *found false when absent.
 * Includes dropped rules.
 */
int rules_get(struct workspace *ws, const char *schema, const char *table,
	      const char *column, struct rule *out, bool *found,
	      struct mb_err *err);
/* Builds a mask_spec from a rule (caller releases the spec). */
int rule_spec(const struct rule *r, struct mask_spec *spec, struct mb_err *err);
/*
 * Applies a rule change in the caller's transaction: stores `after` and
 * appends an audit row (event, who, old JSON from `before` or null).
 */
int rules_commit_change(struct workspace *ws, struct rules_batch *b,
			const char *event, const char *who,
			const struct rule *before, struct rule *after,
			struct mb_err *err);

#endif

/*
 * job.h - the job runner (SPEC §9): copy a planned, masked subset of a
 * source into a target database of the same engine or into a dump file,
 * atomically, then verify it and record the run.
 *
 * The runner is handed everything it needs: an open SOURCE connection (one
 * snapshot for the plan and the copy), the catalog and the plan built from
 * it, the approved mask spec of each column, the masking key, and for
 * verify the category matchers and customer names. It never includes
 * rules/ or scanner/ headers: the caller asks rules/ for the gate first.
 *
 * Targets:
 *  - same-engine database: built in staging and swapped in one step
 *    (PostgreSQL: schema "<schema>__mb_staging" renamed in one transaction;
 *    MySQL: database "<db>__mb_staging" and one RENAME TABLE; SQLite: a
 *    temporary file next to the target, then rename()). A failed, killed
 *    or cancelled run leaves the previous target as it was. The target
 *    carries a marker (PostgreSQL/MySQL table maskbench_marker in the
 *    target database, SQLite table maskbench_marker); a non-empty target
 *    without it is refused unless `force`. A target that resolves to the
 *    source (driver identity) is always refused.
 *  - dump: "file:///path/name.sql" (or .sql.gz through gzip): a script
 *    psql / mysql / sqlite3 loads into an empty database. Written to a
 *    temporary name and renamed; with keep > 0 the name gets a UTC time
 *    stamp (name-YYYYmmddTHHMMSSZ.sql) and only the newest `keep` such
 *    dumps are kept.
 *
 * Parallel (jobs > 1): tables are spread over N source and N target
 * connections, biggest first; keys, indexes and ANALYZE run in parallel
 * across tables after the load, foreign keys after those. PostgreSQL
 * workers import the snapshot the main source connection exported, so
 * every table is read from the one snapshot the plan was resolved in.
 * MySQL has no snapshot export: each worker starts its own consistent
 * snapshot when it connects, so with jobs > 1 rows written to the source
 * during the run can make tables disagree; use jobs = 1 (one snapshot for
 * everything) on a source that is written to, or a replica with
 * replication paused. SQLite targets and dumps have one writer.
 *
 * Masked keys: a column referenced by a foreign key that is masked passes
 * its spec to every referencing column (deterministic masking keeps joins);
 * a masked FK column whose referenced column is not masked is an error.
 *
 * Privacy: no value, key or customer name reaches a message, a progress
 * line or the workspace.
 */
#ifndef MB_JOB_H
#define MB_JOB_H

#include "core/catalog.h"
#include "core/db.h"
#include "core/error.h"
#include "core/mask.h"
#include "core/subset.h"

struct workspace;
struct match_catalog;
struct customer_set;

/* One column's approved action. Borrowed: must outlive the job. */
struct job_rule {
	const char *schema;   /* NULL matches any schema */
	const char *table;
	const char *column;
	const char *category; /* the column's category ("email"); may be NULL */
	const struct mask_spec *spec;
};

struct job_progress {
	const char *phase;      /* "plan" "schema" "copy" "index" "swap" "verify" "done" */
	const char *schema;     /* current table during "copy"; else NULL */
	const char *table;
	size_t table_pos;       /* 1-based; tables finished so far in "copy" */
	size_t ntables;
	int64_t rows, rows_est; /* this table */
	int64_t bytes;
	int64_t all_rows, all_rows_est, all_bytes;
	double elapsed;         /* seconds since the job started */
	bool table_done;
};

typedef void (*job_progress_fn)(void *ctx, const struct job_progress *p);

struct job_options {
	const char *source_text;   /* the source address (for workers, display) */
	const char *target_text;   /* target address or file:///....sql[.gz] */
	int jobs;                  /* parallel tables; < 1 means 1 */
	bool force;                /* overwrite a non-empty unmarked target */
	bool allow_unreviewed;     /* recorded in the run */
	bool verify;               /* verify the target after the swap */
	int keep;                  /* dump retention (0: overwrite one file) */
	/*
	 * After-load steps, in order: an existing file whose name ends in
	 * ".sql" is an SQL file run on the target (dumps: appended to the
	 * dump), with parameters written `:name` in it replaced by the value
	 * of `params` ("name=value") as a literal quoted by the target's
	 * engine; anything else is a shell command (MB_TARGET set; not run for
	 * dump targets). A failing step fails the run after the swap: the new
	 * target stays, the run is recorded with outcome "after_failed".
	 */
	const char *const *after;
	size_t nafter;
	const char *const *params;
	size_t nparams;
	const struct job_rule *rules;
	size_t nrules;
	const struct mask_key *key; /* required when any rule masks */
	const struct match_catalog *patterns;  /* verify; may be NULL */
	const struct customer_set *customers;  /* verify; may be NULL */
	const volatile int *cancel; /* set by the caller's SIGINT handler */
	job_progress_fn progress;   /* may be NULL */
	void *progress_ctx;
	/* Recording (ws may be NULL: not recorded). Strings are copied. */
	struct workspace *ws;
	const char *rules_hash;
	const char *approvers;
};

struct job_table_result {
	char *schema, *table;
	int64_t rows;
	int64_t bytes;
};

struct job_leak {
	char *schema, *table, *column;
	char *category;           /* "email", "customer" */
	int64_t count;
};

struct job_result {
	int64_t run_id;           /* 0 when not recorded */
	char *target_display;     /* address without password, or the dump path */
	struct job_table_result *tables;
	size_t ntables;
	int64_t rows, bytes;
	double seconds;
	struct job_leak *leaks;   /* verify findings */
	size_t nleaks;
	bool verified;
	/* Source views not created in the target: "schema.view: why". */
	char **skipped_views;
	size_t nskipped_views;
};

void job_result_release(struct job_result *res);

/*
 * Runs the job: resolves the plan on `src` (if not done yet), builds the
 * target, copies, swaps, verifies (opts->verify) and records the run.
 * Returns 0, or -1 with: MB_ERR_USAGE (target is the source, non-empty
 * unmarked target, bad target address), MB_ERR_INPUT (a rule the runner
 * cannot apply), MB_ERR_CONNECT / MB_ERR_DB / MB_ERR_IO,
 * MB_ERR_CANCELLED, or MB_ERR_PROBLEM when verify found leaks (res->leaks
 * says where; a database target is then in place; a dump target, whose
 * masked values are checked as they are written, is not kept). res is
 * filled in both cases;
 * release it with job_result_release().
 */
int job_run(struct db_conn *src, const struct catalog *cat,
	    struct subset_plan *plan, const struct job_options *opts,
	    struct job_result *res, struct mb_err *err);

/*
 * Verify: scans, in full, the given columns of an open target connection:
 *  - every value for customer names (whole value or contained in text);
 *  - a column with `category` set and !`fakes_category` (its action does
 *    not generate values of that category: hash, null, partial, redact...)
 *    for validated hits of that category's patterns anywhere in the value;
 *  - a free-text column (`free_text`) for validated hits of every
 *    direct-identifier pattern (email, phone, card, iban, national id,
 *    secrets) unless `fakes_category` (redact_text writes fakes).
 * Columns the target lacks are skipped. Fills res->leaks (names, category
 * and counts only, never a value). Returns 0 (res->nleaks may be > 0) or -1.
 */
struct job_verify_column {
	const char *schema;        /* NULL: any schema */
	const char *table, *column;
	const char *category;      /* masked category or NULL */
	bool fakes_category;       /* the action writes plausible fakes */
	bool free_text;
};
int job_verify(struct db_conn *target, const struct catalog *cat,
	       const struct job_verify_column *cols, size_t ncols,
	       const struct match_catalog *patterns,
	       const struct customer_set *customers,
	       const volatile int *cancel, struct job_result *res,
	       struct mb_err *err);

/*
 * The spec the runner applies to column `col` of t (an index into t->cols):
 * a column that references a masked key (declared or virtual FK) takes the
 * key's spec, else its own rule's; NULL when the column is copied as is
 * ("keep" or no rule). Only o->rules and o->nrules are read.
 */
const struct mask_spec *job_spec_for(const struct catalog *cat,
				     const struct job_options *o,
				     const struct cat_table *t, size_t col);

/* True when an --after value names an SQL file (exists, ends in .sql). */
bool job_after_is_sql(const char *after);

/*
 * Checks the after-load SQL files against o->params before anything runs:
 * every `:name` in a file (outside quotes and comments; `::` casts are not
 * parameters) needs a --param, and every --param must be used by a file.
 * MB_ERR_USAGE naming file:line:col or the parameter; MB_ERR_INPUT for an
 * unterminated quote or comment. Job_run and job_run_in_place call it
 * first; callers may call it earlier for a quicker answer.
 */
int job_after_check(const struct job_options *o, enum db_engine engine,
		    struct mb_err *err);

/*
 * Records a run the gate refused (outcome "refused", nothing written):
 * source and target display addresses, the rules hash and approvers of o,
 * and `note` (counts and names only). Sets *run_id.
 */
int job_record_refusal(struct workspace *ws, const struct job_options *o,
		       const char *note, int64_t *run_id, struct mb_err *err);

/* The workspace module "runs": applies its migrations. */
int job_runs_migrate(struct workspace *ws, struct mb_err *err);

#endif

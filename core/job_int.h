/*
 * job_int.h - what the job_*.c files share (not a public API).
 *
 *   job_schema.c  DDL of the target: tables, keys, indexes, FKs, sequences
 *   job_copy.c    the row pipeline: read (COPY or rows) -> mask -> write
 *   job_dump.c    dump files: temporary name, gzip pipe, retention
 *   job_verify.c  the leak re-scan
 *   job_runs.c    the workspace module "runs"
 *   job_after.c   the after-load steps: shell commands and SQL files
 *   job.c         the orchestration: checks, staging, swap, parallel
 */
#ifndef MB_JOB_INT_H
#define MB_JOB_INT_H

#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/job.h"

/* A list of owned SQL statements. */
struct stmt_list {
	char **v;
	size_t n, alloc;
};
void stmt_list_add(struct stmt_list *l, char *sql /* taken */);
void stmt_list_release(struct stmt_list *l);

/*
 * Where DDL puts things. `q` is any connection of the engine (quoting);
 * schema_of maps a source schema to the target schema/database to
 * qualify with, NULL for unqualified names.
 */
struct ddl_ctx {
	struct db_conn *q;
	enum db_engine engine;
	const struct catalog *cat;
	const char *(*schema_of)(void *ctx, const char *schema);
	void *schema_ctx;
	const bool *copied;       /* per catalog table: part of the target */
};

void ddl_table_name(const struct ddl_ctx *d, struct strbuf *sb,
		    const struct cat_table *t);
/* CREATE TABLE (with PK/UNIQUE/FKs inline on SQLite, PK inline on MySQL). */
void ddl_create_table(const struct ddl_ctx *d, const struct cat_table *t,
		      struct strbuf *sb);
/*
 * After the load, in this order: keys; indexes (and PostgreSQL ANALYZE);
 * foreign keys (run serially: they lock two tables each); `validate`
 * (PostgreSQL: the FKs were added NOT VALID, these validate them and may
 * run in parallel; NULL: add them valid); sequence positions.
 */
void ddl_post_load(const struct ddl_ctx *d, const struct cat_table *t,
		   struct stmt_list *keys, struct stmt_list *indexes,
		   struct stmt_list *fks, struct stmt_list *validate,
		   struct stmt_list *seqs);

/* A column's masking in the pipeline. */
struct col_mask {
	struct masker *m;         /* NULL: copied as is */
	int entity_col;           /* date_shift entity: column position, -1 */
	bool force_null;          /* FK to a truncated table */
	const char *sql_expr;     /* `sql` action: evaluated by the source */
	bool shuffle;             /* `shuffle`: permuted among the copied rows */
};

/* Where rows go. */
enum sink_kind {
	SINK_COPY,    /* PostgreSQL COPY FROM STDIN on a connection */
	SINK_INSERT,  /* multi-row INSERT statements on a connection */
	SINK_FILE_COPY,   /* dump: COPY ... FROM stdin; blocks */
	SINK_FILE_INSERT, /* dump: INSERT statements */
};

struct table_copy {
	const struct cat_table *t;
	struct subset_plan *plan;
	size_t pos;               /* in plan->tables */
	struct col_mask *masks;   /* t->ncols entries */
	int *cols;                /* inserted columns (not generated) */
	size_t ncols;
	/* source */
	struct db_conn *src;
	/* sink */
	enum sink_kind sink;
	struct db_conn *dst;      /* SINK_COPY / SINK_INSERT */
	FILE *out;                /* SINK_FILE_* */
	struct dump_file *dump;   /* SINK_FILE_*: for write error messages */
	struct db_conn *quoter;   /* literal quoting for INSERT text */
	char *target_name;        /* qualified, quoted target table */
	/*
	 * The target table was created empty for this run (staging): a
	 * PostgreSQL target truncates and loads it in one transaction with
	 * COPY FREEZE, so that the index builds, foreign-key checks and
	 * ANALYZE that follow find every row already frozen and do not
	 * rewrite each page to set hint bits (and with wal_level=minimal
	 * the load writes no WAL).
	 */
	bool fresh_target;
	/* progress */
	const volatile int *cancel;
	void (*on_progress)(void *ctx, int64_t rows, int64_t bytes, bool done);
	void *progress_ctx;
	int64_t rows, bytes;
	/* dump targets: per inserted column a leak check of what is written, or NULL */
	struct verify_check **checks;
};

/* Copies one table's planned rows. Returns 0 or -1 (err names the table). */
int table_copy_run(struct table_copy *tc, struct mb_err *err);

/* Per-column maskers for table t (caller frees with col_masks_free). */
int col_masks_build(const struct catalog *cat, const struct cat_table *t,
		    const struct subset_table *st, const struct job_options *o,
		    struct col_mask **out, struct mb_err *err);
void col_masks_free(struct col_mask *m, size_t n);
/* Checks masked FK columns against their referenced columns. */
int job_check_key_masks(const struct catalog *cat, const struct job_options *o,
			struct mb_err *err);

/*
 * Dump files. The temporary file is opened by us (so open errors carry
 * errno); for .sql.gz a `gzip -c` child reads a pipe and writes into it,
 * its stderr captured for the error message. SIGPIPE is ignored while a
 * gzip pipe is open (a dead gzip gives EPIPE, not a killed process) and
 * the previous disposition restored by dump_commit / dump_abort.
 */
struct dump_file {
	char *final_path;         /* where it ends up */
	char *tmp_path;           /* where it is written */
	FILE *f;                  /* the file, or the pipe to gzip */
	bool gz;                  /* through a gzip pipe */
	pid_t gz_pid;             /* gzip child, 0 when none */
	int gz_errfd;             /* read end of gzip's stderr, -1 when none */
	bool sigpipe_saved;
	struct sigaction old_sigpipe;
};
int dump_open(struct dump_file *d, const char *target_text, int keep,
	      struct mb_err *err);
/* Flushes, closes, renames into place and prunes to `keep`. */
int dump_commit(struct dump_file *d, int keep, struct mb_err *err);
/*
 * Sets err to why writing failed: "cannot write PATH: CAUSE" where CAUSE is
 * gzip's own message when gzip failed, else strerror(saved_errno). Closes
 * the stream (the dump is dead); the caller still calls dump_abort.
 * Returns -1.
 */
int dump_write_error(struct dump_file *d, int saved_errno, struct mb_err *err);
/* Closes, waits for gzip, removes the temporary file (on failure). */
void dump_abort(struct dump_file *d);
bool job_target_is_dump(const char *target_text);

/* Runs recording. */
int job_runs_start(struct workspace *ws, const struct job_options *o,
		   const char *source_display, const char *target_display,
		   int64_t *run_id, struct mb_err *err);
int job_runs_finish(struct workspace *ws, int64_t run_id, const char *outcome,
		    const struct job_result *res, struct mb_err *err);
/*
 * The end of every run: records its outcome (when ws and res->run_id are
 * set) and returns `ret`, or -1 with err set when the record fails on an
 * otherwise successful run.
 */
int job_runs_close(struct workspace *ws, const struct job_result *res,
		   const char *outcome, int ret, struct mb_err *err);

/*
 * Verifies, on `target` (its catalog read afresh), every column the run
 * masked in the tables flagged in `done` (one flag per table of `cat`):
 * the check both strategies end with. Returns what job_verify returns.
 */
int job_verify_masked(struct db_conn *target, const struct catalog *cat,
		      const bool *done, const struct job_options *o,
		      struct job_result *res, struct mb_err *err);
/*
 * The verify description of column c of t (its masked category, free
 * text, fakes): false when the run copies it as is (nothing to verify).
 */
bool job_verify_column_for(const struct catalog *cat, const struct job_options *o,
			   const struct cat_table *t, size_t c,
			   struct job_verify_column *vc);

/*
 * One column's leak check fed value by value: job_verify reads the values
 * back from a database target; a dump is checked as it is written.
 * init returns false when there is nothing to look for. scr is the
 * caller's (one per thread); finish adds the column's leaks to res.
 */
struct verify_check {
	const struct match_catalog *pat;
	const struct customer_set *cs;
	struct match_scratch *scr;
	int64_t customer_hits, pattern_hits;
	const char *want;         /* category name counted, NULL: direct ids */
	bool check_patterns;
	bool found;
};
bool verify_check_init(struct verify_check *v, const struct job_verify_column *vc,
		       const struct match_catalog *pat, const struct customer_set *cs,
		       struct match_scratch *scr);
void verify_check_value(struct verify_check *v, const char *val, size_t len);
void verify_check_finish(const struct verify_check *v, const struct cat_table *t,
			 const char *column, struct job_result *res);

/* -1 with MB_ERR_PROBLEM (totals and the first column, never a value) when
 * res holds leaks; 0 otherwise. */
int job_leaks_error(const struct job_result *res, struct mb_err *err);

/*
 * Runs the after-load steps in order on a database target: shell commands
 * with MB_TARGET set, SQL files (job_after_is_sql) statement by statement
 * on `target` with their parameters quoted by it. Stops at the first
 * failure: MB_ERR_PROBLEM naming the command or file:line.
 */
int job_run_after(const struct job_options *o, struct db_conn *target,
		  struct mb_err *err);

/*
 * Runs one SQL file: each statement with its parameters replaced by
 * literals quoted by `q` (a connection of `engine`), through `exec` (the
 * target connection, or the dump being written).
 */
typedef int (*job_exec_fn)(void *ctx, const char *sql, struct mb_err *err);
int job_after_sql(const struct job_options *o, enum db_engine engine,
		  const char *path, struct db_conn *q, job_exec_fn exec,
		  void *ctx, struct mb_err *err);

#endif

/*
 * job.c - the job runner: checks, staging, parallel copy, post-load DDL,
 * atomic swap, verify and the run record (see job.h).
 *
 * Order of work:
 *   1. target checks: same engine, not the source, empty or ours (marker);
 *   2. the plan's key closure on the source snapshot;
 *   3. staging: PG schemas "<s>__mb_staging", MySQL database
 *      "<db>__mb_staging", SQLite "<target>.mbtmp-<pid>", dump "<f>.tmp-<pid>";
 *   4. tables created bare, rows streamed (N workers take tables, biggest
 *      first; PG workers import the source's exported snapshot);
 *   5. keys and indexes (in parallel across tables), then foreign keys,
 *      then sequence positions;
 *   6. the swap in one step, the marker with it; ANALYZE; --after commands;
 *   7. verify, record.
 * Any failure before 6 drops the staging area and leaves the target alone.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/job_int.h"
#include "core/match.h"
#include "core/workspace.h"

#define STAGE_SUFFIX "__mb_staging"
#define OLD_SUFFIX "__mb_old"
#define MARKER "maskbench_marker"

struct job {
	struct db_conn *src;
	const struct catalog *cat;
	struct subset_plan *plan;
	const struct job_options *o;
	struct job_result *res;
	enum db_engine engine;
	bool dump;
	struct db_url turl;         /* target address (not for dumps) */
	struct db_conn *dst;        /* main target connection */
	struct dump_file df;
	char *sqlite_tmp;           /* SQLite staging file */
	char *stage_db;             /* MySQL staging database */
	bool staged;                /* staging area exists (drop on failure) */
	bool *copied;               /* per catalog table: created in the target */
	struct ddl_ctx ddl;
	char *snapshot;             /* PG exported snapshot for workers */
	double t0;
	/* progress, shared by workers */
	pthread_mutex_t mu;
	struct job_progress prog;
	size_t next_table;          /* next position in `work` */
	size_t *work;               /* plan positions, biggest first */
	size_t nwork;
	bool failed;
	struct mb_err first_err;
};

/* ---- naming ---- */

static const char *schema_stage(void *ctx, const char *schema)
{
	struct job *j = ctx;
	static __thread char buf[256];
	if (j->engine == DB_ENGINE_MYSQL)
		return j->dump ? NULL : j->stage_db;
	if (j->engine == DB_ENGINE_SQLITE)
		return NULL;
	if (j->dump)
		return schema;
	snprintf(buf, sizeof(buf), "%s%s", schema, STAGE_SUFFIX);
	return buf;
}

static bool table_copied(const struct cat_table *t)
{
	return !t->is_view;
}

/* ---- progress ---- */

static void report(struct job *j, const char *phase)
{
	if (!j->o->progress)
		return;
	j->prog.phase = phase;
	j->prog.elapsed = now_monotonic() - j->t0;
	j->o->progress(j->o->progress_ctx, &j->prog);
}

struct table_prog {
	struct job *j;
	const struct cat_table *t;
	int64_t rows_est;
	int64_t last_rows, last_bytes;
};

static void on_table_progress(void *ctx, int64_t rows, int64_t bytes, bool done)
{
	struct table_prog *tp = ctx;
	struct job *j = tp->j;
	pthread_mutex_lock(&j->mu);
	j->prog.all_rows += rows - tp->last_rows;
	j->prog.all_bytes += bytes - tp->last_bytes;
	tp->last_rows = rows;
	tp->last_bytes = bytes;
	j->prog.schema = tp->t->schema;
	j->prog.table = tp->t->name;
	j->prog.rows = rows;
	j->prog.rows_est = tp->rows_est;
	j->prog.bytes = bytes;
	j->prog.table_done = done;
	if (done)
		j->prog.table_pos++;
	report(j, "copy");
	pthread_mutex_unlock(&j->mu);
}

/* ---- small SQL helpers ---- */

static int exec_fmt_ident(struct db_conn *c, const char *pre, const char *ident,
			  const char *post, struct mb_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, pre);
	db_quote_ident(c, &sb, ident);
	strbuf_addstr(&sb, post);
	int r = db_exec(c, sb.buf, err);
	strbuf_release(&sb);
	return r;
}

static int query_int(struct db_conn *c, const char *sql, int64_t *out,
		     struct mb_err *err)
{
	struct db_rows *rows = NULL;
	*out = 0;
	if (db_query(c, sql, &rows, err) < 0)
		return -1;
	int r = db_rows_next(rows, err);
	if (r == 1 && rows->values[0])
		*out = strtoll(rows->values[0], NULL, 10);
	db_rows_close(rows);
	return r < 0 ? -1 : 0;
}

/* ---- target checks ---- */

static int check_not_source(struct job *j, struct db_conn *t, struct mb_err *err)
{
	char *a = db_identity(j->src, err);
	if (!a)
		return -1;
	char *b = db_identity(t, err);
	if (!b) {
		free(a);
		return -1;
	}
	bool same = str_eq(a, b);
	free(a);
	free(b);
	if (same)
		return mb_err_set(err, MB_ERR_USAGE,
				  "target %s is the source: refusing to overwrite it",
				  t->url.display);
	return 0;
}

/* Non-empty without our marker: refuse unless --force. */
static int check_target_ours(struct job *j, struct db_conn *t, struct mb_err *err)
{
	int64_t tables = 0, marker = 0;
	const char *q_tables, *q_marker;
	switch (t->drv->engine) {
	case DB_ENGINE_PG:
		q_tables = "SELECT count(*) FROM information_schema.tables"
			   " WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'maskbench')"
			   " AND table_schema NOT LIKE '%\\_\\_mb\\_staging' AND table_schema NOT LIKE 'pg\\_temp%'";
		q_marker = "SELECT count(*) FROM information_schema.tables"
			   " WHERE table_schema = 'maskbench' AND table_name = '" MARKER "'";
		break;
	case DB_ENGINE_MYSQL:
		q_tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()";
		q_marker = "SELECT count(*) FROM information_schema.tables"
			   " WHERE table_schema = DATABASE() AND table_name = '" MARKER "'";
		break;
	default:
		q_tables = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			   " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
		q_marker = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			   " AND name = '" MARKER "'";
		break;
	}
	if (query_int(t, q_tables, &tables, err) < 0 ||
	    query_int(t, q_marker, &marker, err) < 0)
		return -1;
	if (tables > 0 && marker == 0 && !j->o->force)
		return mb_err_set(err, MB_ERR_USAGE,
				  "target %s holds %lld tables and was not created by maskbench: refusing to overwrite it (use --force)",
				  t->url.display, (long long)tables);
	return 0;
}

/* Staging files of SQLite runs that were killed (their pid is gone). */
static void remove_stale_tmp(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : path;
	char *prefix = xasprintf("%s.mbtmp-", base);
	DIR *dh;
	if (slash)
		*slash = '\0';
	dh = opendir(slash ? (dir[0] ? dir : "/") : ".");
	if (dh) {
		struct dirent *de;
		while ((de = readdir(dh))) {
			if (!str_starts_with(de->d_name, prefix))
				continue;
			char *end = NULL;
			long pid = strtol(de->d_name + strlen(prefix), &end, 10);
			if (pid <= 0 || !end || *end || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
				continue;
			char *p = xasprintf("%s/%s", slash ? (dir[0] ? dir : "") : ".", de->d_name);
			unlink(p);
			free(p);
		}
		closedir(dh);
	}
	free(prefix);
	free(dir);
}

/* PostgreSQL: no NOTICEs about the staging schemas on the user's terminal. */
static int quiet_target(struct db_conn *c, struct mb_err *err)
{
	if (c->drv->engine != DB_ENGINE_PG)
		return 0;
	return db_exec(c, "SET client_min_messages = warning", err);
}

static int open_target(struct job *j, struct mb_err *err)
{
	if (db_url_parse(j->o->target_text, &j->turl, err) < 0)
		return -1;
	if (j->turl.engine != j->engine)
		return mb_err_set(err, MB_ERR_USAGE,
				  "target %s is %s but the source is %s: copies stay within one engine",
				  j->turl.display, db_engine_name(j->turl.engine),
				  db_engine_name(j->engine));
	if (j->engine == DB_ENGINE_SQLITE) {
		struct stat stt;
		if (stat(j->turl.path, &stt) == 0) {
			struct db_conn *old = NULL;
			if (db_open(j->o->target_text, DB_MODE_SOURCE, &old, err) < 0)
				return mb_err_prefix(err, "target");
			int r = check_not_source(j, old, err);
			if (r == 0)
				r = check_target_ours(j, old, err);
			db_close(old);
			if (r < 0)
				return -1;
		}
		remove_stale_tmp(j->turl.path);
		j->sqlite_tmp = xasprintf("%s.mbtmp-%ld", j->turl.path, (long)getpid());
		unlink(j->sqlite_tmp);
		char *addr = xasprintf("sqlite://%s%s", j->sqlite_tmp[0] == '/' ? "" : "/",
				       j->sqlite_tmp);
		if (j->sqlite_tmp[0] != '/') {
			free(addr);
			char cwd[4096];
			if (!getcwd(cwd, sizeof(cwd)))
				return mb_err_set(err, MB_ERR_IO, "cannot read the current folder");
			addr = xasprintf("sqlite://%s/%s", cwd, j->sqlite_tmp);
		}
		j->staged = true;
		int r = db_open(addr, DB_MODE_TARGET, &j->dst, err);
		free(addr);
		if (r < 0)
			return -1;
		if (db_exec(j->dst, "PRAGMA foreign_keys = OFF; PRAGMA journal_mode = OFF;"
			    " PRAGMA synchronous = OFF", err) < 0)
			return -1;
		return 0;
	}
	if (db_open(j->o->target_text, DB_MODE_TARGET, &j->dst, err) < 0)
		return -1;
	if (check_not_source(j, j->dst, err) < 0 || check_target_ours(j, j->dst, err) < 0)
		return -1;
	return quiet_target(j->dst, err);
}

/* ---- staging ---- */

/* PostgreSQL: runs `pre <schema>__stage post` once per schema of the catalog. */
static int exec_per_stage_schema(struct job *j, const char *pre, const char *post,
				 struct mb_err *err)
{
	for (size_t i = 0; i < j->cat->ntables; i++) {
		const struct cat_table *t = &j->cat->tables[i];
		if (i && str_eq(t->schema, j->cat->tables[i - 1].schema))
			continue;  /* tables are sorted by schema */
		char *s = xasprintf("%s%s", t->schema, STAGE_SUFFIX);
		int r = exec_fmt_ident(j->dst, pre, s, post, err);
		free(s);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int drop_staging(struct job *j, struct mb_err *err)
{
	if (j->engine == DB_ENGINE_PG)
		return exec_per_stage_schema(j, "DROP SCHEMA IF EXISTS ", " CASCADE", err);
	if (j->engine == DB_ENGINE_MYSQL)
		return exec_fmt_ident(j->dst, "DROP DATABASE IF EXISTS ", j->stage_db, "", err);
	return 0;
}

static int create_staging(struct job *j, struct mb_err *err)
{
	if (j->engine == DB_ENGINE_MYSQL)
		j->stage_db = xasprintf("%s%s", j->turl.dbname ? j->turl.dbname : "maskbench",
					STAGE_SUFFIX);
	if (drop_staging(j, err) < 0)
		return -1;
	j->staged = true;
	if (j->engine == DB_ENGINE_PG) {
		if (exec_per_stage_schema(j, "CREATE SCHEMA ", "", err) < 0)
			return -1;
	} else if (j->engine == DB_ENGINE_MYSQL) {
		if (exec_fmt_ident(j->dst, "CREATE DATABASE ", j->stage_db,
				   " CHARACTER SET utf8mb4", err) < 0)
			return -1;
	}
	return 0;
}

static void cleanup_staging(struct job *j)
{
	struct mb_err ignore = MB_ERR_INIT;
	if (j->dump) {
		dump_abort(&j->df);
		return;
	}
	if (j->engine == DB_ENGINE_SQLITE) {
		if (j->dst) {
			db_close(j->dst);
			j->dst = NULL;
		}
		if (j->sqlite_tmp)
			unlink(j->sqlite_tmp);
		return;
	}
	if (j->dst && j->staged)
		drop_staging(j, &ignore);
}

/* ---- output helpers for dumps ---- */

static int out_stmt(struct job *j, const char *sql, struct mb_err *err)
{
	if (j->dump) {
		if (!j->df.f)
			return mb_err_set(err, MB_ERR_IO, "cannot write %s", j->df.tmp_path);
		if (fputs(sql, j->df.f) < 0 || fputs(";\n", j->df.f) < 0)
			return dump_write_error(&j->df, errno, err);
		return 0;
	}
	return db_exec(j->dst, sql, err);
}

static int dump_header(struct job *j, struct mb_err *err)
{
	FILE *f = j->df.f;
	fprintf(f, "-- maskbench dump (%s): masked, referentially intact subset\n",
		db_engine_name(j->engine));
	if (j->engine == DB_ENGINE_PG) {
		fputs("SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n"
		      "SET check_function_bodies = false;\nBEGIN;\n", f);
		for (size_t i = 0; i < j->cat->ntables; i++) {
			const struct cat_table *t = &j->cat->tables[i];
			if ((i && str_eq(t->schema, j->cat->tables[i - 1].schema)) ||
			    str_eq(t->schema, "public"))
				continue;
			struct strbuf sb = STRBUF_INIT;
			strbuf_addstr(&sb, "CREATE SCHEMA IF NOT EXISTS ");
			db_quote_ident(j->src, &sb, t->schema);
			int r = out_stmt(j, sb.buf, err);
			strbuf_release(&sb);
			if (r < 0)
				return -1;
		}
	} else if (j->engine == DB_ENGINE_MYSQL) {
		fputs("SET NAMES utf8mb4;\nSET FOREIGN_KEY_CHECKS = 0;\nSET UNIQUE_CHECKS = 0;\n"
		      "SET SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO';\n", f);
	} else {
		fputs("PRAGMA foreign_keys = OFF;\nBEGIN;\n", f);
	}
	return ferror(f) ? dump_write_error(&j->df, errno, err) : 0;
}

/* ---- workers ---- */

struct worker {
	struct job *j;
	struct db_conn *src, *dst;  /* own connections (or the job's for one worker) */
	bool own;
	pthread_t th;
	struct mb_err err;
	int ret;
};

static int copy_one(struct worker *w, size_t pos, struct mb_err *err)
{
	struct job *j = w->j;
	struct subset_table *st = &j->plan->tables[pos];
	const struct cat_table *t = &j->cat->tables[st->table_idx];
	struct table_copy tc = { 0 };
	struct table_prog tp = { .j = j, .t = t, .rows_est = subset_table_rows(st) };
	struct strbuf name = STRBUF_INIT;
	struct col_mask *masks = NULL;
	struct verify_check *checks = NULL;
	struct match_scratch *scr = NULL;
	int ret = -1;

	if (col_masks_build(j->cat, t, st, j->o, &masks, err) < 0)
		goto cleanup;
	tc.t = t;
	tc.plan = j->plan;
	tc.pos = pos;
	tc.masks = masks;
	tc.cols = xmalloc((t->ncols + 1) * sizeof(int));
	for (size_t c = 0; c < t->ncols; c++)
		if (!t->cols[c].generated)
			tc.cols[tc.ncols++] = (int)c;
	tc.src = w->src;
	tc.quoter = w->src;
	ddl_table_name(&j->ddl, &name, t);
	tc.target_name = name.buf;
	if (j->dump) {
		tc.out = j->df.f;
		tc.dump = &j->df;
		tc.sink = j->engine == DB_ENGINE_PG ? SINK_FILE_COPY : SINK_FILE_INSERT;
	} else {
		tc.dst = w->dst;
		tc.sink = w->dst->drv->copy_in_start ? SINK_COPY : SINK_INSERT;
		tc.fresh_target = true;
	}
	tc.cancel = j->o->cancel;
	tc.on_progress = on_table_progress;
	tc.progress_ctx = &tp;
	/* A dump has no database to read back: its masked values are checked as written. */
	if (j->dump && j->o->verify && j->o->patterns) {
		scr = match_scratch_new(j->o->patterns);
		checks = xcalloc(tc.ncols + 1, sizeof(*checks));
		tc.checks = xcalloc(tc.ncols + 1, sizeof(*tc.checks));
		for (size_t i = 0; i < tc.ncols; i++) {
			struct job_verify_column vc;
			if (job_verify_column_for(j->cat, j->o, t, (size_t)tc.cols[i], &vc) &&
			    verify_check_init(&checks[i], &vc, j->o->patterns, j->o->customers, scr))
				tc.checks[i] = &checks[i];
		}
	}
	ret = table_copy_run(&tc, err);
	pthread_mutex_lock(&j->mu);
	struct job_table_result *tr = &j->res->tables[pos];
	tr->rows = tc.rows;
	tr->bytes = tc.bytes;
	j->res->rows += tc.rows;
	j->res->bytes += tc.bytes;
	for (size_t i = 0; ret == 0 && tc.checks && i < tc.ncols; i++)
		if (tc.checks[i])
			verify_check_finish(tc.checks[i], t, t->cols[tc.cols[i]].name, j->res);
	pthread_mutex_unlock(&j->mu);
cleanup:
	free(checks);
	free(tc.checks);
	if (scr)
		match_scratch_free(scr);
	free(tc.cols);
	col_masks_free(masks, t->ncols);
	strbuf_release(&name);
	return ret;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct job *j = w->j;
	w->ret = 0;
	for (;;) {
		pthread_mutex_lock(&j->mu);
		if (j->failed || j->next_table >= j->nwork) {
			pthread_mutex_unlock(&j->mu);
			break;
		}
		size_t pos = j->work[j->next_table++];
		pthread_mutex_unlock(&j->mu);
		if (copy_one(w, pos, &w->err) < 0) {
			pthread_mutex_lock(&j->mu);
			if (!j->failed) {
				j->failed = true;
				j->first_err = w->err;
			}
			pthread_mutex_unlock(&j->mu);
			w->ret = -1;
			/* Stop the other workers' streams promptly. */
			break;
		}
	}
	return NULL;
}

static int open_worker(struct job *j, struct worker *w, struct mb_err *err)
{
	w->j = j;
	w->own = true;
	if (j->snapshot) {
		if (db_open_snapshot(j->o->source_text, j->snapshot, &w->src, err) < 0)
			return -1;
	} else if (db_open(j->o->source_text, DB_MODE_SOURCE, &w->src, err) < 0) {
		return -1;
	}
	if (db_open(j->o->target_text, DB_MODE_TARGET, &w->dst, err) < 0 ||
	    quiet_target(w->dst, err) < 0)
		return -1;
	if (j->engine == DB_ENGINE_MYSQL &&
	    db_exec(w->dst, "SET SESSION foreign_key_checks = 0, unique_checks = 0", err) < 0)
		return -1;
	return 0;
}

static void close_worker(struct worker *w)
{
	if (!w->own)
		return;
	if (w->src)
		db_close(w->src);
	if (w->dst)
		db_close(w->dst);
}

static int cmp_work(const void *a, const void *b, void *ctx)
{
	const struct subset_plan *plan = ctx;
	int64_t ra = subset_table_rows(&plan->tables[*(const size_t *)a]);
	int64_t rb = subset_table_rows(&plan->tables[*(const size_t *)b]);
	if (ra != rb)
		return ra > rb ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int copy_tables(struct job *j, struct mb_err *err)
{
	int njobs = j->o->jobs < 1 ? 1 : j->o->jobs;
	j->work = xmalloc((j->plan->ntables + 1) * sizeof(size_t));
	j->nwork = 0;
	for (size_t pos = 0; pos < j->plan->ntables; pos++) {
		struct subset_table *st = &j->plan->tables[pos];
		if (j->copied[st->table_idx] && st->mode != SUBSET_MODE_NONE)
			j->work[j->nwork++] = pos;
	}
	/* SQLite and dumps have one writer; PG/MySQL spread over workers. */
	if (j->dump || j->engine == DB_ENGINE_SQLITE || j->nwork < 2)
		njobs = 1;
	if ((size_t)njobs > j->nwork)
		njobs = (int)j->nwork;
	if (njobs > 1) {
		qsort_r(j->work, j->nwork, sizeof(size_t), cmp_work, j->plan);
		if (j->engine == DB_ENGINE_PG && j->src->drv->export_snapshot) {
			j->snapshot = db_export_snapshot(j->src, err);
			if (!j->snapshot)
				return -1;
		}
	}
	if (njobs <= 1) {
		struct worker w = { .j = j, .src = j->src, .dst = j->dst };
		if (j->dst && j->engine == DB_ENGINE_MYSQL &&
		    db_exec(j->dst, "SET SESSION foreign_key_checks = 0, unique_checks = 0", err) < 0)
			return -1;
		worker_main(&w);
		if (w.ret < 0) {
			*err = j->first_err;
			return -1;
		}
		return 0;
	}
	struct worker *ws = xcalloc((size_t)njobs, sizeof(*ws));
	int ret = 0, started = 0;
	for (int i = 0; i < njobs; i++) {
		if (open_worker(j, &ws[i], err) < 0) {
			ret = -1;
			close_worker(&ws[i]);
			break;
		}
	}
	if (ret == 0) {
		for (int i = 0; i < njobs; i++) {
			if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) {
				pthread_mutex_lock(&j->mu);
				j->failed = true;
				mb_err_set(&j->first_err, MB_ERR_INTERNAL, "cannot start a worker thread");
				pthread_mutex_unlock(&j->mu);
				break;
			}
			started++;
		}
		for (int i = 0; i < started; i++)
			pthread_join(ws[i].th, NULL);
		if (j->failed) {
			*err = j->first_err;
			ret = -1;
		}
		for (int i = 0; i < njobs; i++)
			close_worker(&ws[i]);
	} else {
		for (int i = 0; i < njobs; i++)
			if (ws[i].src || ws[i].dst)
				close_worker(&ws[i]);
	}
	free(ws);
	return ret;
}

/* ---- post-load ---- */

struct stmt_worker {
	struct job *j;
	struct db_conn *dst;
	struct stmt_list *list;
	size_t *next;
	pthread_t th;
	int ret;
	struct mb_err err;
};

static void *stmt_worker_main(void *arg)
{
	struct stmt_worker *w = arg;
	struct job *j = w->j;
	w->ret = 0;
	for (;;) {
		pthread_mutex_lock(&j->mu);
		if (j->failed || *w->next >= w->list->n) {
			pthread_mutex_unlock(&j->mu);
			break;
		}
		const char *sql = w->list->v[(*w->next)++];
		pthread_mutex_unlock(&j->mu);
		if (j->o->cancel && *j->o->cancel) {
			mb_err_set(&w->err, MB_ERR_CANCELLED, "cancelled");
			w->ret = -1;
		} else if (db_exec(w->dst, sql, &w->err) < 0) {
			w->ret = -1;
		}
		if (w->ret < 0) {
			pthread_mutex_lock(&j->mu);
			if (!j->failed) {
				j->failed = true;
				j->first_err = w->err;
			}
			pthread_mutex_unlock(&j->mu);
			break;
		}
	}
	return NULL;
}

/* Runs independent statements on up to `jobs` connections. */
static int run_statements(struct job *j, struct stmt_list *l, struct mb_err *err)
{
	int njobs = j->o->jobs < 1 ? 1 : j->o->jobs;
	size_t next = 0;
	if (j->dump || j->engine == DB_ENGINE_SQLITE || l->n < 2)
		njobs = 1;
	if ((size_t)njobs > l->n)
		njobs = (int)l->n;
	if (njobs <= 1) {
		for (size_t i = 0; i < l->n; i++) {
			if (j->o->cancel && *j->o->cancel)
				return mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
			if (out_stmt(j, l->v[i], err) < 0)
				return -1;
		}
		return 0;
	}
	struct stmt_worker *ws = xcalloc((size_t)njobs, sizeof(*ws));
	int ret = 0, started = 0;
	for (int i = 0; i < njobs; i++) {
		ws[i].j = j;
		ws[i].list = l;
		ws[i].next = &next;
		if (i == 0) {
			ws[i].dst = j->dst;
		} else if (db_open(j->o->target_text, DB_MODE_TARGET, &ws[i].dst, err) < 0 ||
			   quiet_target(ws[i].dst, err) < 0) {
			ret = -1;
			break;
		}
		if (j->engine == DB_ENGINE_MYSQL &&
		    db_exec(ws[i].dst, "SET SESSION foreign_key_checks = 0", err) < 0) {
			ret = -1;
			break;
		}
	}
	if (ret == 0) {
		for (int i = 0; i < njobs; i++) {
			if (pthread_create(&ws[i].th, NULL, stmt_worker_main, &ws[i]) != 0)
				break;
			started++;
		}
		for (int i = 0; i < started; i++)
			pthread_join(ws[i].th, NULL);
		if (started == 0) {
			ret = mb_err_set(err, MB_ERR_INTERNAL, "cannot start a worker thread");
		} else if (j->failed) {
			*err = j->first_err;
			ret = -1;
		} else if (next < l->n) {
			ret = mb_err_set(err, MB_ERR_INTERNAL, "cannot start worker threads");
		}
	}
	for (int i = 1; i < njobs; i++)
		if (ws[i].dst)
			db_close(ws[i].dst);
	free(ws);
	return ret;
}

static int post_load(struct job *j, struct mb_err *err)
{
	struct stmt_list keys = { 0 }, idx = { 0 }, fks = { 0 }, val = { 0 }, seqs = { 0 };
	int ret = -1;
	for (size_t i = 0; i < j->cat->ntables; i++) {
		if (!j->copied[i])
			continue;
		struct stmt_list k1 = { 0 };
		ddl_post_load(&j->ddl, &j->cat->tables[i], &k1, &idx, &fks,
			      j->dump ? NULL : &val, &seqs);
		/* A table's keys in one statement list entry, so that two
		 * workers never ALTER the same table at once. */
		if (k1.n) {
			struct strbuf sb = STRBUF_INIT;
			for (size_t k = 0; k < k1.n; k++) {
				if (k)
					strbuf_addstr(&sb, j->engine == DB_ENGINE_PG ? "; " : ";\n");
				strbuf_addstr(&sb, k1.v[k]);
			}
			stmt_list_add(&keys, strbuf_detach(&sb, NULL));
		}
		stmt_list_release(&k1);
	}
	report(j, "index");
	/* MySQL cannot run several statements in one exec: split again. */
	if (j->engine == DB_ENGINE_MYSQL || j->dump) {
		struct stmt_list flat = { 0 };
		for (size_t i = 0; i < keys.n; i++) {
			char *s = keys.v[i], *p;
			while ((p = strstr(s, ";\n"))) {
				stmt_list_add(&flat, xstrndup(s, (size_t)(p - s)));
				s = p + 2;
			}
			stmt_list_add(&flat, xstrdup(s));
		}
		stmt_list_release(&keys);
		keys = flat;
		if (j->engine == DB_ENGINE_MYSQL && !j->dump) {
			/* ALTERs of one table in parallel would serialize anyway. */
			for (size_t i = 0; i < keys.n; i++)
				if (out_stmt(j, keys.v[i], err) < 0)
					goto cleanup;
			stmt_list_release(&keys);
		}
	}
	if (run_statements(j, &keys, err) < 0 || run_statements(j, &idx, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < fks.n; i++) {
		if (j->o->cancel && *j->o->cancel) {
			mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
			goto cleanup;
		}
		if (out_stmt(j, fks.v[i], err) < 0)
			goto cleanup;
	}
	if (run_statements(j, &val, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < seqs.n; i++)
		if (out_stmt(j, seqs.v[i], err) < 0)
			goto cleanup;
	ret = 0;
cleanup:
	stmt_list_release(&keys);
	stmt_list_release(&idx);
	stmt_list_release(&fks);
	stmt_list_release(&val);
	stmt_list_release(&seqs);
	return ret;
}

/* ---- swap ---- */

static int swap_pg(struct job *j, struct mb_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;
	strbuf_addstr(&sb, "BEGIN;\n");
	for (size_t i = 0; i < j->cat->ntables; i++) {
		const struct cat_table *t = &j->cat->tables[i];
		if (i && str_eq(t->schema, j->cat->tables[i - 1].schema))
			continue;
		char *stage = xasprintf("%s%s", t->schema, STAGE_SUFFIX);
		strbuf_addstr(&sb, "DROP SCHEMA IF EXISTS ");
		db_quote_ident(j->dst, &sb, t->schema);
		strbuf_addstr(&sb, " CASCADE;\nALTER SCHEMA ");
		db_quote_ident(j->dst, &sb, stage);
		strbuf_addstr(&sb, " RENAME TO ");
		db_quote_ident(j->dst, &sb, t->schema);
		strbuf_addstr(&sb, ";\n");
		free(stage);
	}
	strbuf_addf(&sb, "CREATE SCHEMA IF NOT EXISTS maskbench;\n"
		    "CREATE TABLE IF NOT EXISTS maskbench." MARKER " (run_id bigint, loaded_at timestamptz);\n"
		    "DELETE FROM maskbench." MARKER ";\n"
		    "INSERT INTO maskbench." MARKER " VALUES (%lld, now());\nCOMMIT",
		    (long long)j->res->run_id);
	ret = db_exec(j->dst, sb.buf, err);
	if (ret < 0) {
		struct mb_err ignore = MB_ERR_INIT;
		db_exec(j->dst, "ROLLBACK", &ignore);
	}
	strbuf_release(&sb);
	return ret;
}

static int swap_mysql(struct job *j, struct mb_err *err)
{
	struct strbuf sb = STRBUF_INIT, old = STRBUF_INIT;
	struct db_rows *rows = NULL;
	char *olddb = xasprintf("%s%s", j->turl.dbname, OLD_SUFFIX);
	bool first = true;
	int ret = -1, r;

	strbuf_addf(&sb, "CREATE TABLE ");
	db_quote_ident(j->dst, &sb, j->stage_db);
	strbuf_addf(&sb, ".`" MARKER "` (run_id BIGINT, loaded_at DATETIME) ENGINE=InnoDB");
	if (db_exec(j->dst, sb.buf, err) < 0)
		goto cleanup;
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "INSERT INTO ");
	db_quote_ident(j->dst, &sb, j->stage_db);
	strbuf_addf(&sb, ".`" MARKER "` VALUES (%lld, NOW())", (long long)j->res->run_id);
	if (db_exec(j->dst, sb.buf, err) < 0)
		goto cleanup;
	if (exec_fmt_ident(j->dst, "DROP DATABASE IF EXISTS ", olddb, "", err) < 0 ||
	    exec_fmt_ident(j->dst, "CREATE DATABASE ", olddb, "", err) < 0)
		goto cleanup;
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "RENAME TABLE ");
	/* The current tables move out... */
	if (db_query(j->dst, "SELECT table_name FROM information_schema.tables"
		     " WHERE table_schema = DATABASE()", &rows, err) < 0)
		goto cleanup;
	while ((r = db_rows_next(rows, err)) == 1) {
		if (!first)
			strbuf_addstr(&sb, ", ");
		first = false;
		db_quote_ident(j->dst, &sb, j->turl.dbname);
		strbuf_addch(&sb, '.');
		db_quote_ident(j->dst, &sb, rows->values[0]);
		strbuf_addstr(&sb, " TO ");
		db_quote_ident(j->dst, &sb, olddb);
		strbuf_addch(&sb, '.');
		db_quote_ident(j->dst, &sb, rows->values[0]);
	}
	db_rows_close(rows);
	rows = NULL;
	if (r < 0)
		goto cleanup;
	/* ...and the new ones in, in the same statement. */
	strbuf_reset(&old);
	strbuf_addstr(&old, "SELECT table_name FROM information_schema.tables WHERE table_schema = ");
	db_quote_literal(j->dst, &old, j->stage_db, strlen(j->stage_db));
	if (db_query(j->dst, old.buf, &rows, err) < 0)
		goto cleanup;
	while ((r = db_rows_next(rows, err)) == 1) {
		if (!first)
			strbuf_addstr(&sb, ", ");
		first = false;
		db_quote_ident(j->dst, &sb, j->stage_db);
		strbuf_addch(&sb, '.');
		db_quote_ident(j->dst, &sb, rows->values[0]);
		strbuf_addstr(&sb, " TO ");
		db_quote_ident(j->dst, &sb, j->turl.dbname);
		strbuf_addch(&sb, '.');
		db_quote_ident(j->dst, &sb, rows->values[0]);
	}
	db_rows_close(rows);
	rows = NULL;
	if (r < 0)
		goto cleanup;
	if (db_exec(j->dst, "SET SESSION foreign_key_checks = 0", err) < 0 ||
	    db_exec(j->dst, sb.buf, err) < 0)
		goto cleanup;
	{
		struct mb_err ignore = MB_ERR_INIT;
		exec_fmt_ident(j->dst, "DROP DATABASE IF EXISTS ", olddb, "", &ignore);
		exec_fmt_ident(j->dst, "DROP DATABASE IF EXISTS ", j->stage_db, "", &ignore);
	}
	ret = 0;
cleanup:
	if (rows)
		db_rows_close(rows);
	free(olddb);
	strbuf_release(&sb);
	strbuf_release(&old);
	return ret;
}

static int swap_sqlite(struct job *j, struct mb_err *err)
{
	char *sql = xasprintf("CREATE TABLE " MARKER " (run_id INTEGER, loaded_at TEXT);"
			      " INSERT INTO " MARKER " VALUES (%lld, datetime('now'))",
			      (long long)j->res->run_id);
	int r = db_exec(j->dst, sql, err);
	free(sql);
	if (r < 0)
		return -1;
	db_close(j->dst);
	j->dst = NULL;
	int fd = open(j->sqlite_tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		if (fd >= 0)
			close(fd);
		return mb_err_set(err, MB_ERR_IO, "cannot sync '%s': %s", j->sqlite_tmp,
				  strerror(errno));
	}
	close(fd);
	if (rename(j->sqlite_tmp, j->turl.path) < 0)
		return mb_err_set(err, MB_ERR_IO, "cannot rename into '%s': %s",
				  j->turl.path, strerror(errno));
	free(j->sqlite_tmp);
	j->sqlite_tmp = NULL;
	j->staged = false;
	/* Reopen for ANALYZE and verify. */
	return db_open(j->o->target_text, DB_MODE_TARGET, &j->dst, err);
}

static int exec_in_dump(void *ctx, const char *sql, struct mb_err *err)
{
	return out_stmt(ctx, sql, err);
}

/* Dump targets: SQL files are appended to the dump; commands do not run. */
static int dump_after_sql(struct job *j, struct mb_err *err)
{
	for (size_t i = 0; i < j->o->nafter; i++)
		if (job_after_is_sql(j->o->after[i]) &&
		    job_after_sql(j->o, j->engine, j->o->after[i], j->src, exec_in_dump,
				  j, err) < 0)
			return -1;
	return 0;
}

/* ---- the job ---- */

void job_result_release(struct job_result *res)
{
	free(res->target_display);
	for (size_t i = 0; i < res->ntables; i++) {
		free(res->tables[i].schema);
		free(res->tables[i].table);
	}
	free(res->tables);
	for (size_t i = 0; i < res->nleaks; i++) {
		free(res->leaks[i].schema);
		free(res->leaks[i].table);
		free(res->leaks[i].column);
		free(res->leaks[i].category);
	}
	free(res->leaks);
	for (size_t i = 0; i < res->nskipped_views; i++)
		free(res->skipped_views[i]);
	free(res->skipped_views);
	memset(res, 0, sizeof(*res));
}

static bool schema_in_catalog(const struct catalog *cat, const char *schema)
{
	for (size_t i = 0; i < cat->ntables; i++)
		if (str_eq(cat->tables[i].schema, schema))
			return true;
	return false;
}

/*
 * PostgreSQL: the enum and domain types the copied tables' columns use
 * (directly or as arrays), read from the source's pg_type / pg_enum /
 * pg_constraint and created before the tables: in the staging schema of
 * their schema (so they move with the swap), or in their own schema in a
 * dump. Types of a schema with no copied table are not created (CREATE
 * TABLE then fails naming the type); a domain over another domain is not
 * ordered after it. On a database target, search_path is first set to the
 * staging schemas so that unqualified type names of the source resolve to
 * the new types.
 */
static int pg_stage_search_path(struct job *j, struct mb_err *err)
{
	struct strbuf sql = STRBUF_INIT, list = STRBUF_INIT;
	int ret;
	for (size_t i = 0; i < j->cat->ntables; i++) {
		const struct cat_table *t = &j->cat->tables[i];
		if (i && str_eq(t->schema, j->cat->tables[i - 1].schema))
			continue;
		db_quote_ident(j->dst, &list, j->ddl.schema_of(j, t->schema));
		strbuf_addstr(&list, ", ");
	}
	strbuf_addstr(&sql, "SELECT set_config('search_path', ");
	db_quote_literal(j->dst, &sql, list.buf, list.len);
	strbuf_addstr(&sql, " || current_setting('search_path'), false)");
	ret = db_exec(j->dst, sql.buf, err);
	strbuf_release(&sql);
	strbuf_release(&list);
	return ret;
}

/* " AND EXISTS (a column of a copied table has type t or t[])"; false if none. */
static bool pg_used_types_clause(struct job *j, struct strbuf *sql)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t n = 0;
	strbuf_addstr(sql, " AND EXISTS (SELECT 1 FROM pg_attribute a"
		      " WHERE a.attnum > 0 AND NOT a.attisdropped"
		      " AND (a.atttypid = t.oid OR a.atttypid = t.typarray)"
		      " AND a.attrelid = ANY (ARRAY[");
	for (size_t i = 0; i < j->cat->ntables; i++) {
		const struct cat_table *t = &j->cat->tables[i];
		if (!j->copied[i])
			continue;
		strbuf_reset(&tmp);
		db_quote_table(j->src, &tmp, t->schema, t->name);
		if (n++)
			strbuf_addstr(sql, ", ");
		db_quote_literal(j->src, sql, tmp.buf, tmp.len);
		strbuf_addstr(sql, "::regclass");
	}
	strbuf_addstr(sql, "]::regclass[]))");
	strbuf_release(&tmp);
	return n > 0;
}

static void pg_type_name(struct job *j, struct strbuf *sb, const char *nsp,
			 const char *typ)
{
	db_quote_ident(j->src, sb, j->ddl.schema_of(j, nsp));
	strbuf_addch(sb, '.');
	db_quote_ident(j->src, sb, typ);
}

static int pg_create_enums(struct job *j, struct mb_err *err)
{
	struct strbuf sql = STRBUF_INIT, stmt = STRBUF_INIT;
	struct db_rows *rows = NULL;
	char *cur_nsp = NULL, *cur_typ = NULL;
	size_t nlabels = 0;
	int ret = -1, r;

	strbuf_addstr(&sql, "SELECT n.nspname, t.typname, e.enumlabel FROM pg_type t"
		      " JOIN pg_namespace n ON n.oid = t.typnamespace"
		      " JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typtype = 'e'");
	if (!pg_used_types_clause(j, &sql)) {
		ret = 0;
		goto cleanup;
	}
	strbuf_addstr(&sql, " ORDER BY 1, 2, e.enumsortorder");
	if (db_query(j->src, sql.buf, &rows, err) < 0)
		goto cleanup;
	for (;;) {
		r = db_rows_next(rows, err);
		if (r < 0)
			goto cleanup;
		bool same = r == 1 && cur_nsp && str_eq(cur_nsp, rows->values[0]) &&
			    str_eq(cur_typ, rows->values[1]);
		if (cur_nsp && !same) {
			/* The previous type is complete. */
			strbuf_addch(&stmt, ')');
			if (schema_in_catalog(j->cat, cur_nsp) && out_stmt(j, stmt.buf, err) < 0) {
				mb_err_prefix(err, "type %s.%s", cur_nsp, cur_typ);
				goto cleanup;
			}
			free(cur_nsp);
			free(cur_typ);
			cur_nsp = cur_typ = NULL;
		}
		if (r == 0)
			break;
		if (!rows->values[0] || !rows->values[1] || !rows->values[2])
			continue;
		if (!cur_nsp) {
			cur_nsp = xstrdup(rows->values[0]);
			cur_typ = xstrdup(rows->values[1]);
			strbuf_reset(&stmt);
			strbuf_addstr(&stmt, "CREATE TYPE ");
			pg_type_name(j, &stmt, cur_nsp, cur_typ);
			strbuf_addstr(&stmt, " AS ENUM (");
			nlabels = 0;
		}
		if (nlabels++)
			strbuf_addstr(&stmt, ", ");
		db_quote_literal(j->src, &stmt, rows->values[2], rows->lengths[2]);
	}
	ret = 0;
cleanup:
	if (rows)
		db_rows_close(rows);
	free(cur_nsp);
	free(cur_typ);
	strbuf_release(&sql);
	strbuf_release(&stmt);
	return ret;
}

static int pg_create_domains(struct job *j, struct mb_err *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct stmt_list stmts = { 0 };
	struct db_rows *rows = NULL;
	int ret = -1, r;

	strbuf_addstr(&sql, "SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod),"
		      " t.typnotnull, t.typdefault, (SELECT string_agg(' CONSTRAINT '"
		      " || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid), ''"
		      " ORDER BY c.conname) FROM pg_constraint c"
		      " WHERE c.contypid = t.oid AND c.contype = 'c')"
		      " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
		      " WHERE t.typtype = 'd'");
	if (!pg_used_types_clause(j, &sql)) {
		ret = 0;
		goto cleanup;
	}
	strbuf_addstr(&sql, " ORDER BY 1, 2");
	if (db_query(j->src, sql.buf, &rows, err) < 0)
		goto cleanup;
	while ((r = db_rows_next(rows, err)) == 1) {
		const char *const *v = rows->values;
		if (!v[0] || !v[1] || !v[2] || !schema_in_catalog(j->cat, v[0]))
			continue;
		struct strbuf stmt = STRBUF_INIT;
		strbuf_addstr(&stmt, "CREATE DOMAIN ");
		pg_type_name(j, &stmt, v[0], v[1]);
		strbuf_addf(&stmt, " AS %s", v[2]);
		if (v[4])
			strbuf_addf(&stmt, " DEFAULT %s", v[4]);
		if (v[3] && str_eq(v[3], "t"))
			strbuf_addstr(&stmt, " NOT NULL");
		if (v[5])
			strbuf_addstr(&stmt, v[5]);
		stmt_list_add(&stmts, strbuf_detach(&stmt, NULL));
	}
	if (r < 0)
		goto cleanup;
	db_rows_close(rows);
	rows = NULL;
	for (size_t i = 0; i < stmts.n; i++)
		if (out_stmt(j, stmts.v[i], err) < 0)
			goto cleanup;
	ret = 0;
cleanup:
	if (rows)
		db_rows_close(rows);
	stmt_list_release(&stmts);
	strbuf_release(&sql);
	return ret;
}

static int pg_create_types(struct job *j, struct mb_err *err)
{
	if (!j->dump && pg_stage_search_path(j, err) < 0)
		return -1;
	if (pg_create_enums(j, err) < 0 || pg_create_domains(j, err) < 0) {
		mb_err_prefix(err, "creating the source's enum and domain types");
		return -1;
	}
	return 0;
}

/* ---- views ---- */

/*
 * The source's views, created in the target after the tables (and their
 * keys) so that they read the new tables:
 *  - PostgreSQL: definitions from pg_get_viewdef() read with search_path
 *    set to the catalog's schemas, so table names come out unqualified and
 *    resolve, through the staging search_path, to the new tables (a dump
 *    sets the same search_path before them). A view is created only when
 *    every relation it reads is a copied table or a view created before it
 *    (pg_depend through pg_rewrite); others are skipped and named.
 *  - SQLite: the stored CREATE VIEW text; a view the source itself cannot
 *    prepare, or the target cannot after creation, is dropped and named.
 *  - MySQL: not created (a view cannot move between databases with RENAME
 *    TABLE, and information_schema holds it qualified with the source
 *    database): every view is named as skipped.
 */
struct src_view {
	char *schema, *name, *def;
	char *deps;               /* PG: "schema.name:relkind" separated by '\n' */
	bool done, skip;
	char *why;                /* why skipped */
};

static void src_views_free(struct src_view *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].schema);
		free(v[i].name);
		free(v[i].def);
		free(v[i].deps);
	}
	free(v);
}

static void add_skipped_view(struct job *j, struct src_view *v, const char *why)
{
	struct job_result *res = j->res;
	res->skipped_views = xrealloc(res->skipped_views,
				      (res->nskipped_views + 1) * sizeof(*res->skipped_views));
	res->skipped_views[res->nskipped_views++] =
		xasprintf("%s.%s: %s", v->schema, v->name, why);
	v->skip = true;
}

static bool copied_table(struct job *j, const char *schema, const char *name)
{
	for (size_t i = 0; i < j->cat->ntables; i++) {
		const struct cat_table *t = &j->cat->tables[i];
		if (j->copied[i] && str_eq(t->schema, schema) && str_eq(t->name, name))
			return true;
	}
	return false;
}

static int pg_read_views(struct job *j, struct src_view **out, size_t *nout,
			 struct mb_err *err)
{
	struct strbuf sql = STRBUF_INIT, list = STRBUF_INIT, names = STRBUF_INIT;
	struct db_rows *rows = NULL;
	char *old_path = NULL;
	size_t n = 0, alloc = 0;
	struct src_view *v = NULL;
	int ret = -1, r;

	for (size_t i = 0; i < j->cat->ntables; i++) {
		const struct cat_table *t = &j->cat->tables[i];
		if (i && str_eq(t->schema, j->cat->tables[i - 1].schema))
			continue;
		if (list.len) {
			strbuf_addstr(&list, ", ");
			strbuf_addstr(&names, ", ");
		}
		db_quote_ident(j->src, &list, t->schema);
		db_quote_literal(j->src, &names, t->schema, strlen(t->schema));
	}
	if (!names.len) {
		ret = 0;
		goto cleanup;
	}
	if (db_query(j->src, "SELECT current_setting('search_path')", &rows, err) < 0)
		goto cleanup;
	if ((r = db_rows_next(rows, err)) < 0)
		goto cleanup;
	old_path = xstrdup(r == 1 && rows->values[0] ? rows->values[0] : "");
	db_rows_close(rows);
	rows = NULL;
	strbuf_addstr(&sql, "SELECT set_config('search_path', ");
	db_quote_literal(j->src, &sql, list.buf, list.len);
	strbuf_addstr(&sql, ", true)");
	if (db_exec(j->src, sql.buf, err) < 0)
		goto cleanup;
	strbuf_reset(&sql);
	strbuf_addf(&sql, "SELECT n.nspname, c.relname, pg_get_viewdef(c.oid),"
		    " (SELECT string_agg(DISTINCT rn.nspname || '.' || r.relname || ':' || r.relkind::text, E'\\n')"
		    " FROM pg_rewrite w JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass"
		    " AND d.objid = w.oid AND d.refclassid = 'pg_class'::regclass"
		    " JOIN pg_class r ON r.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = r.relnamespace"
		    " WHERE w.ev_class = c.oid AND r.oid <> c.oid"
		    " AND rn.nspname NOT IN ('pg_catalog', 'information_schema'))"
		    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		    " WHERE c.relkind = 'v' AND n.nspname IN (%s) ORDER BY c.oid", names.buf);
	r = db_query(j->src, sql.buf, &rows, err);
	while (r == 0 && (r = db_rows_next(rows, err)) == 1) {
		const char *const *val = rows->values;
		if (!val[0] || !val[1] || !val[2])
			continue;
		ALLOC_GROW(v, n + 1, alloc);
		memset(&v[n], 0, sizeof(v[n]));
		v[n].schema = xstrdup(val[0]);
		v[n].name = xstrdup(val[1]);
		v[n].def = xstrdup(val[2]);
		v[n].deps = xstrdup(val[3] ? val[3] : "");
		size_t l = strlen(v[n].def);
		while (l && strchr(" \t\r\n;", v[n].def[l - 1]))
			v[n].def[--l] = '\0';
		n++;
		r = 0;
	}
	if (rows) {
		db_rows_close(rows);
		rows = NULL;
	}
	{
		/* Back to the source's own search_path, whatever happened. */
		struct mb_err e2 = MB_ERR_INIT;
		strbuf_reset(&sql);
		strbuf_addstr(&sql, "SELECT set_config('search_path', ");
		db_quote_literal(j->src, &sql, old_path, strlen(old_path));
		strbuf_addstr(&sql, ", true)");
		if (db_exec(j->src, sql.buf, &e2) < 0 && r >= 0) {
			*err = e2;
			r = -1;
		}
	}
	if (r < 0)
		goto cleanup;
	*out = v;
	*nout = n;
	v = NULL;
	n = 0;
	ret = 0;
cleanup:
	if (rows)
		db_rows_close(rows);
	src_views_free(v, n);
	free(old_path);
	strbuf_release(&sql);
	strbuf_release(&list);
	strbuf_release(&names);
	return ret;
}

/* PG: can v be created now? 1 yes, 0 not yet (a view it reads is pending), -1 never. */
static int pg_view_ready(struct job *j, struct src_view *views, size_t n,
			 struct src_view *v, char **why)
{
	char *deps = xstrdup(v->deps), *save = NULL;
	int ret = 1;
	for (char *d = strtok_r(deps, "\n", &save); d && ret == 1; d = strtok_r(NULL, "\n", &save)) {
		char *colon = strrchr(d, ':'), *dot = strchr(d, '.');
		if (!colon || !dot)
			continue;
		*colon = '\0';
		*dot = '\0';
		const char *schema = d, *name = dot + 1, kind = colon[1];
		if ((kind == 'r' || kind == 'p') && copied_table(j, schema, name))
			continue;
		if (kind == 'v') {
			size_t k;
			for (k = 0; k < n; k++)
				if (str_eq(views[k].schema, schema) && str_eq(views[k].name, name))
					break;
			if (k < n && views[k].done)
				continue;
			if (k < n && !views[k].skip)
				ret = 0;
			else
				ret = -1;
		} else {
			ret = -1;
		}
		if (ret < 0)
			*why = xasprintf("it reads %s.%s, which is not copied", schema, name);
	}
	free(deps);
	return ret;
}

static int create_views_pg(struct job *j, struct mb_err *err)
{
	struct src_view *v = NULL;
	size_t n = 0;
	struct strbuf sb = STRBUF_INIT;
	int ret = -1;
	bool progress = true;

	if (pg_read_views(j, &v, &n, err) < 0) {
		mb_err_prefix(err, "reading the source's views");
		goto cleanup;
	}
	if (j->dump && n) {
		/* The dump's views are written unqualified: resolve them like the source. */
		struct strbuf list = STRBUF_INIT;
		for (size_t i = 0; i < j->cat->ntables; i++) {
			const struct cat_table *t = &j->cat->tables[i];
			if (i && str_eq(t->schema, j->cat->tables[i - 1].schema))
				continue;
			if (list.len)
				strbuf_addstr(&list, ", ");
			db_quote_ident(j->src, &list, t->schema);
		}
		strbuf_addstr(&sb, "SELECT pg_catalog.set_config('search_path', ");
		db_quote_literal(j->src, &sb, list.buf, list.len);
		strbuf_addstr(&sb, ", false)");
		strbuf_release(&list);
		if (out_stmt(j, sb.buf, err) < 0)
			goto cleanup;
	}
	while (progress) {
		progress = false;
		for (size_t i = 0; i < n; i++) {
			char *why = NULL;
			if (v[i].done || v[i].skip)
				continue;
			int r = pg_view_ready(j, v, n, &v[i], &why);
			if (r < 0) {
				add_skipped_view(j, &v[i], why);
				free(why);
				progress = true;
				continue;
			}
			if (r == 0)
				continue;
			strbuf_reset(&sb);
			strbuf_addstr(&sb, "CREATE VIEW ");
			db_quote_ident(j->src, &sb, j->ddl.schema_of(j, v[i].schema));
			strbuf_addch(&sb, '.');
			db_quote_ident(j->src, &sb, v[i].name);
			strbuf_addstr(&sb, " AS ");
			strbuf_addstr(&sb, v[i].def);
			if (out_stmt(j, sb.buf, err) < 0) {
				mb_err_prefix(err, "view %s.%s", v[i].schema, v[i].name);
				goto cleanup;
			}
			v[i].done = true;
			progress = true;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!v[i].done && !v[i].skip)
			add_skipped_view(j, &v[i], "it reads views in a cycle");
	ret = 0;
cleanup:
	src_views_free(v, n);
	strbuf_release(&sb);
	return ret;
}

/* Can `conn` prepare a read of view `name`? (SQLite checks tables then.) */
static bool sqlite_view_reads(struct db_conn *conn, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	struct db_rows *rows = NULL;
	struct mb_err ignore = MB_ERR_INIT;
	strbuf_addstr(&sb, "SELECT * FROM ");
	db_quote_ident(conn, &sb, name);
	strbuf_addstr(&sb, " LIMIT 0");
	bool ok = db_query(conn, sb.buf, &rows, &ignore) == 0;
	if (ok) {
		ok = db_rows_next(rows, &ignore) >= 0;
		db_rows_close(rows);
	}
	strbuf_release(&sb);
	return ok;
}

static int create_views_sqlite(struct job *j, struct mb_err *err)
{
	struct db_rows *rows = NULL;
	struct src_view *v = NULL;
	size_t n = 0, alloc = 0;
	int ret = -1, r;

	if (db_query(j->src, "SELECT name, sql FROM sqlite_master WHERE type = 'view'"
		     " AND sql IS NOT NULL ORDER BY rowid", &rows, err) < 0)
		goto cleanup;
	while ((r = db_rows_next(rows, err)) == 1) {
		if (!rows->values[0] || !rows->values[1])
			continue;
		ALLOC_GROW(v, n + 1, alloc);
		memset(&v[n], 0, sizeof(v[n]));
		v[n].schema = xstrdup("main");
		v[n].name = xstrdup(rows->values[0]);
		v[n].def = xstrdup(rows->values[1]);
		n++;
	}
	db_rows_close(rows);
	rows = NULL;
	if (r < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		if (!sqlite_view_reads(j->src, v[i].name)) {
			add_skipped_view(j, &v[i], "it reads a table or column that does not exist");
			continue;
		}
		if (out_stmt(j, v[i].def, err) < 0) {
			mb_err_prefix(err, "view %s.%s", v[i].schema, v[i].name);
			goto cleanup;
		}
		v[i].done = true;
	}
	/* Views of views: a view whose view was skipped fails now. */
	for (size_t i = 0; !j->dump && i < n; i++) {
		if (!v[i].done || sqlite_view_reads(j->dst, v[i].name))
			continue;
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, "DROP VIEW ");
		db_quote_ident(j->dst, &sb, v[i].name);
		int rr = db_exec(j->dst, sb.buf, err);
		strbuf_release(&sb);
		if (rr < 0)
			goto cleanup;
		add_skipped_view(j, &v[i], "it reads a view that is not copied");
	}
	ret = 0;
cleanup:
	if (rows)
		db_rows_close(rows);
	src_views_free(v, n);
	return ret;
}

static int create_views(struct job *j, struct mb_err *err)
{
	if (j->engine == DB_ENGINE_PG)
		return create_views_pg(j, err);
	if (j->engine == DB_ENGINE_SQLITE)
		return create_views_sqlite(j, err);
	for (size_t i = 0; i < j->cat->ntables; i++) {
		const struct cat_table *t = &j->cat->tables[i];
		if (!t->is_view)
			continue;
		struct src_view v = { .schema = t->schema, .name = t->name };
		add_skipped_view(j, &v, "views are not created on MySQL targets yet");
	}
	return 0;
}

static int build_and_load(struct job *j, struct mb_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = -1;

	report(j, "schema");
	if (j->dump) {
		if (dump_header(j, err) < 0)
			goto cleanup;
	} else if (j->engine != DB_ENGINE_SQLITE) {
		if (create_staging(j, err) < 0)
			goto cleanup;
	}
	if (j->engine == DB_ENGINE_PG && pg_create_types(j, err) < 0)
		goto cleanup;
	for (size_t pos = 0; pos < j->plan->ntables; pos++) {
		const struct cat_table *t = &j->cat->tables[j->plan->tables[pos].table_idx];
		if (!j->copied[j->plan->tables[pos].table_idx])
			continue;
		strbuf_reset(&sb);
		ddl_create_table(&j->ddl, t, &sb);
		if (out_stmt(j, sb.buf, err) < 0) {
			mb_err_prefix(err, "%s.%s", t->schema, t->name);
			goto cleanup;
		}
	}
	if (j->engine == DB_ENGINE_SQLITE && !j->dump && db_exec(j->dst, "BEGIN", err) < 0)
		goto cleanup;
	report(j, "copy");
	if (copy_tables(j, err) < 0)
		goto cleanup;
	if (post_load(j, err) < 0)
		goto cleanup;
	if (create_views(j, err) < 0)
		goto cleanup;
	if (j->engine == DB_ENGINE_SQLITE && !j->dump && db_exec(j->dst, "COMMIT", err) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	strbuf_release(&sb);
	return ret;
}

int job_run(struct db_conn *src, const struct catalog *cat,
	    struct subset_plan *plan, const struct job_options *o,
	    struct job_result *res, struct mb_err *err)
{
	struct job j = { .src = src, .cat = cat, .plan = plan, .o = o, .res = res };
	const char *outcome = "failed";
	int ret = -1;

	memset(res, 0, sizeof(*res));
	j.t0 = now_monotonic();
	j.engine = src->drv->engine;
	j.dump = job_target_is_dump(o->target_text);
	pthread_mutex_init(&j.mu, NULL);
	j.prog.ntables = 0;
	j.copied = xcalloc(cat->ntables + 1, sizeof(bool));
	for (size_t i = 0; i < cat->ntables; i++)
		j.copied[i] = table_copied(&cat->tables[i]);
	res->ntables = plan->ntables;
	res->tables = xcalloc(plan->ntables + 1, sizeof(*res->tables));
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		const struct cat_table *t = &cat->tables[plan->tables[pos].table_idx];
		res->tables[pos].schema = xstrdup(t->schema);
		res->tables[pos].table = xstrdup(t->name);
	}
	j.ddl = (struct ddl_ctx){ .q = src, .engine = j.engine, .cat = cat,
				  .schema_of = schema_stage, .schema_ctx = &j,
				  .copied = j.copied };

	if (!o->target_text || !*o->target_text) {
		mb_err_set(err, MB_ERR_USAGE, "no target given");
		goto done;
	}
	if (job_check_key_masks(cat, o, err) < 0 || job_after_check(o, j.engine, err) < 0)
		goto done;
	if (j.dump) {
		if (dump_open(&j.df, o->target_text, o->keep, err) < 0)
			goto done;
		res->target_display = xstrdup(j.df.final_path);
		j.staged = true;
	} else {
		if (open_target(&j, err) < 0)
			goto done;
		res->target_display = xstrdup(j.turl.display);
	}
	if (o->ws && job_runs_start(o->ws, o, src->url.display, res->target_display,
				    &res->run_id, err) < 0)
		goto done;

	report(&j, "plan");
	if (subset_plan_resolve(plan, src, false, o->cancel, err) < 0)
		goto done;
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		if (!j.copied[plan->tables[pos].table_idx])
			continue;
		j.prog.ntables++;
		j.prog.all_rows_est += subset_table_rows(&plan->tables[pos]);
	}
	if (build_and_load(&j, err) < 0)
		goto done;

	report(&j, "swap");
	if (o->cancel && *o->cancel) {
		mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
		goto done;
	}
	if (j.dump) {
		/* Checked as written (copy_one): a leaking dump never gets its name. */
		if (job_leaks_error(res, err) < 0) {
			mb_err_prefix(err, "the dump was not kept");
			outcome = "leaks";
			goto done;
		}
		res->verified = o->verify && o->patterns;
		if (dump_after_sql(&j, err) < 0)
			goto done;
		if (fputs(j.engine == DB_ENGINE_MYSQL ? "SET FOREIGN_KEY_CHECKS = 1;\n" :
			  "COMMIT;\n", j.df.f) < 0) {
			dump_write_error(&j.df, errno, err);
			goto done;
		}
		if (dump_commit(&j.df, o->keep, err) < 0)
			goto done;
		j.staged = false;
	} else {
		int r = j.engine == DB_ENGINE_PG ? swap_pg(&j, err) :
			j.engine == DB_ENGINE_MYSQL ? swap_mysql(&j, err) :
			swap_sqlite(&j, err);
		if (r < 0)
			goto done;
		j.staged = false;
		struct mb_err ignore = MB_ERR_INIT;
		/* PostgreSQL analysed each table in staging; InnoDB keeps its own. */
		if (j.engine == DB_ENGINE_SQLITE)
			db_exec(j.dst, "ANALYZE", &ignore);
		/* The new target is in place: a failing step fails the run, not the target. */
		if (job_run_after(j.o, j.dst, err) < 0) {
			mb_err_prefix(err, "the new target is in place but an after-load step failed");
			outcome = "after_failed";
			goto done;
		}
		if (o->verify) {
			report(&j, "verify");
			if (job_verify_masked(j.dst, j.cat, j.copied, j.o, j.res, err) < 0)
				goto done;
		}
	}
	res->seconds = now_monotonic() - j.t0;
	if (job_leaks_error(res, err) < 0) {
		outcome = "leaks";
		goto done;
	}
	outcome = "ok";
	ret = 0;
	report(&j, "done");
done:
	res->seconds = now_monotonic() - j.t0;
	if (ret < 0 && err->kind == MB_ERR_CANCELLED)
		outcome = "cancelled";
	if (j.staged)
		cleanup_staging(&j);
	ret = job_runs_close(o->ws, res, outcome, ret, err);
	if (j.dst)
		db_close(j.dst);
	if (j.dump && j.df.final_path)
		free(j.df.final_path);
	free(j.sqlite_tmp);
	free(j.stage_db);
	free(j.snapshot);
	free(j.copied);
	free(j.work);
	db_url_release(&j.turl);
	pthread_mutex_destroy(&j.mu);
	return ret;
}

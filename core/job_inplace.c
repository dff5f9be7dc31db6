/*
 * job_inplace.c - the in-place strategy: subset and mask a full clone where
 * it is, in one transaction (see job_inplace.h for the steps and limits).
 *
 * Temporary tables are named mb__keep_<pos> (rows to keep, by row key) and
 * mb__mask (one table's masked values while it is being masked); their key
 * columns are mb__k<i> and value columns mb__v<i>, names no user column is
 * expected to carry, so correlated references to the user table stay
 * unambiguous.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/job_inplace.h"
#include "core/job_int.h"

#define PAGE_ROWS 5000          /* rows read per masking page */
#define DELETE_BATCH 20000      /* rows deleted per statement */
#define INSERT_BYTES (1 << 20)  /* flush a multi-row INSERT at this size */

/* How one table's rows are identified. */
struct rowkey {
	char **expr;     /* quoted SQL expressions: column names, ctid, rowid */
	size_t n;
	bool physical;   /* ctid / rowid rather than columns */
};

struct inplace {
	struct db_conn *c;
	const struct catalog *cat;
	struct subset_plan *plan;
	const struct job_options *o;
	struct job_result *res;
	enum db_engine engine;
	struct rowkey *keys;       /* per plan position */
	bool *has_keep;            /* per plan position: mb__keep_<pos> exists */
	struct stmt_list fk_readd; /* PG: constraints to re-create */
	struct job_progress prog;
	double t0;
	bool in_tx;
};

static void report(struct inplace *ip, const char *phase, const struct cat_table *t)
{
	if (!ip->o->progress)
		return;
	ip->prog.phase = phase;
	ip->prog.schema = t ? t->schema : NULL;
	ip->prog.table = t ? t->name : NULL;
	ip->prog.elapsed = now_monotonic() - ip->t0;
	ip->o->progress(ip->o->progress_ctx, &ip->prog);
}

static int check_cancel(struct inplace *ip, struct mb_err *err)
{
	if (ip->o->cancel && *ip->o->cancel)
		return mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
	return 0;
}

static const struct cat_table *table_at(struct inplace *ip, size_t pos)
{
	return &ip->cat->tables[ip->plan->tables[pos].table_idx];
}

static void add_table(struct inplace *ip, struct strbuf *sb, const struct cat_table *t)
{
	db_quote_table(ip->c, sb, t->schema, t->name);
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

/* ---- row keys ---- */

static void rowkey_release(struct rowkey *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->expr[i]);
	free(k->expr);
	memset(k, 0, sizeof(*k));
}

static void rowkey_cols(struct inplace *ip, struct rowkey *k, const struct cat_table *t,
			const struct cat_key *key)
{
	k->n = key->ncols;
	k->expr = xcalloc(k->n + 1, sizeof(char *));
	for (size_t i = 0; i < k->n; i++) {
		struct strbuf sb = STRBUF_INIT;
		db_quote_ident(ip->c, &sb, t->cols[key->col_idx[i]].name);
		k->expr[i] = strbuf_detach(&sb, NULL);
	}
}

static bool key_not_null(const struct cat_table *t, const struct cat_key *key)
{
	for (size_t i = 0; i < key->ncols; i++)
		if (key->col_idx[i] < 0 || t->cols[key->col_idx[i]].nullable)
			return false;
	return key->ncols > 0;
}

static int rowkey_build(struct inplace *ip, struct rowkey *k, const struct cat_table *t,
			struct mb_err *err)
{
	if (ip->engine == DB_ENGINE_SQLITE) {
		k->n = 1;
		k->expr = xcalloc(2, sizeof(char *));
		k->expr[0] = xstrdup("rowid");
		k->physical = true;
		return 0;
	}
	if (key_not_null(t, &t->pk)) {
		rowkey_cols(ip, k, t, &t->pk);
		return 0;
	}
	for (size_t u = 0; u < t->nuniques; u++) {
		if (key_not_null(t, &t->uniques[u])) {
			rowkey_cols(ip, k, t, &t->uniques[u]);
			return 0;
		}
	}
	if (ip->engine == DB_ENGINE_PG) {
		k->n = 1;
		k->expr = xcalloc(2, sizeof(char *));
		k->expr[0] = xstrdup("ctid");
		k->physical = true;
		return 0;
	}
	return mb_err_set(err, MB_ERR_INPUT,
			  "%s.%s: in-place needs a primary key or a unique key on NOT NULL columns",
			  t->schema, t->name);
}

/* The key expression i of table `qual` (an alias or quoted name; NULL: bare). */
static void add_key_ref(struct strbuf *sb, const char *qual, const struct rowkey *k,
			size_t i)
{
	if (qual)
		strbuf_addf(sb, "%s.", qual);
	strbuf_addstr(sb, k->expr[i]);
}

/* "k0, k1" of the row key, as stored: mb__k0, ... */
static void add_key_names(struct strbuf *sb, const struct rowkey *k, const char *qual)
{
	for (size_t i = 0; i < k->n; i++)
		strbuf_addf(sb, "%s%s%smb__k%zu", i ? ", " : "", qual ? qual : "",
			    qual ? "." : "", i);
}

/* ---- transaction ---- */

static int tx_begin(struct inplace *ip, struct mb_err *err)
{
	switch (ip->engine) {
	case DB_ENGINE_PG:
		if (db_exec(ip->c, "SET client_min_messages = warning", err) < 0 ||
		    db_exec(ip->c, "BEGIN", err) < 0)
			return -1;
		ip->in_tx = true;
		return db_exec(ip->c, "SET CONSTRAINTS ALL DEFERRED", err);
	case DB_ENGINE_MYSQL:
		if (db_exec(ip->c, "SET SESSION FOREIGN_KEY_CHECKS = 0", err) < 0 ||
		    db_exec(ip->c, "START TRANSACTION", err) < 0)
			return -1;
		ip->in_tx = true;
		return 0;
	default:
		if (db_exec(ip->c, "PRAGMA foreign_keys = OFF", err) < 0 ||
		    db_exec(ip->c, "BEGIN IMMEDIATE", err) < 0)
			return -1;
		ip->in_tx = true;
		return 0;
	}
}

static void tx_rollback(struct inplace *ip)
{
	struct mb_err ignore = MB_ERR_INIT;
	if (ip->in_tx)
		db_exec(ip->c, "ROLLBACK", &ignore);
	ip->in_tx = false;
}

/* ---- step 2: what to keep ---- */

static void keep_name(struct strbuf *sb, size_t pos)
{
	strbuf_addf(sb, "mb__keep_%zu", pos);
}

/* CREATE TEMP TABLE <name> [(INDEX ...)] AS SELECT <select> FROM t WHERE 1 = 0 */
static int create_temp_like(struct inplace *ip, const char *name, const char *select,
			    const struct cat_table *t, const struct rowkey *k,
			    struct mb_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	if (ip->engine == DB_ENGINE_MYSQL) {
		strbuf_addf(&sb, "CREATE TEMPORARY TABLE %s (INDEX (", name);
		add_key_names(&sb, k, NULL);
		strbuf_addstr(&sb, ")) AS ");
	} else {
		strbuf_addf(&sb, "CREATE TEMP TABLE %s AS ", name);
	}
	strbuf_addf(&sb, "SELECT %s FROM ", select);
	add_table(ip, &sb, t);
	strbuf_addstr(&sb, " WHERE 1 = 0");
	ret = db_exec(ip->c, sb.buf, err);
	strbuf_release(&sb);
	return ret;
}

static int index_temp(struct inplace *ip, const char *name, const struct rowkey *k,
		      struct mb_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;
	if (ip->engine != DB_ENGINE_MYSQL) {
		strbuf_addf(&sb, "CREATE INDEX %s_k ON %s (", name, name);
		add_key_names(&sb, k, NULL);
		strbuf_addch(&sb, ')');
		ret = db_exec(ip->c, sb.buf, err);
		if (ret == 0 && ip->engine == DB_ENGINE_PG) {
			strbuf_reset(&sb);
			strbuf_addf(&sb, "ANALYZE %s", name);
			ret = db_exec(ip->c, sb.buf, err);
		}
	}
	strbuf_release(&sb);
	return ret;
}

static int drop_temp(struct inplace *ip, const char *name, struct mb_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "DROP %sTABLE %s", ip->engine == DB_ENGINE_MYSQL ? "TEMPORARY " : "",
		    name);
	int ret = db_exec(ip->c, sb.buf, err);
	strbuf_release(&sb);
	return ret;
}

static int materialise_keep(struct inplace *ip, size_t pos, struct mb_err *err)
{
	const struct cat_table *t = table_at(ip, pos);
	const struct rowkey *k = &ip->keys[pos];
	struct strbuf name = STRBUF_INIT, sel = STRBUF_INIT, sql = STRBUF_INIT;
	struct strbuf ins = STRBUF_INIT;
	size_t cursor = 0;
	int r, ret = -1;

	keep_name(&name, pos);
	for (size_t i = 0; i < k->n; i++) {
		if (i)
			strbuf_addstr(&sel, ", ");
		strbuf_addf(&sel, "%s AS mb__k%zu", k->expr[i], i);
	}
	if (create_temp_like(ip, name.buf, sel.buf, t, k, err) < 0)
		goto cleanup;
	ip->has_keep[pos] = true;
	while ((r = subset_table_next_select(ip->plan, pos, ip->c, sel.buf, &cursor,
					     &sql, err)) == 1) {
		strbuf_reset(&ins);
		strbuf_addf(&ins, "INSERT INTO %s (", name.buf);
		add_key_names(&ins, k, NULL);
		strbuf_addf(&ins, ") %s", sql.buf);
		if (db_exec(ip->c, ins.buf, err) < 0 || check_cancel(ip, err) < 0)
			goto cleanup;
	}
	if (r < 0 || index_temp(ip, name.buf, k, err) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	if (ret < 0)
		mb_err_prefix(err, "%s.%s: selecting the rows to keep", t->schema, t->name);
	strbuf_release(&name);
	strbuf_release(&sel);
	strbuf_release(&sql);
	strbuf_release(&ins);
	return ret;
}

/*
 * The predicate "this row is not kept", for rows of table pos referenced
 * as `qual` (NULL: unqualified, for MySQL single-table statements).
 */
static void add_not_kept(struct inplace *ip, struct strbuf *sb, size_t pos,
			 const char *qual)
{
	const struct rowkey *k = &ip->keys[pos];
	if (ip->plan->tables[pos].mode == SUBSET_MODE_NONE) {
		strbuf_addstr(sb, "1 = 1");
		return;
	}
	strbuf_addstr(sb, "NOT EXISTS (SELECT 1 FROM ");
	keep_name(sb, pos);
	strbuf_addstr(sb, " mb__k WHERE ");
	for (size_t i = 0; i < k->n; i++) {
		if (i)
			strbuf_addstr(sb, " AND ");
		strbuf_addf(sb, "mb__k.mb__k%zu = ", i);
		add_key_ref(sb, qual, k, i);
	}
	strbuf_addch(sb, ')');
}

static bool deletes_rows(const struct subset_table *st)
{
	return st->mode != SUBSET_MODE_ALL;
}

/* The qualifier to use for the table in a statement (SQLite: its name). */
static char *table_qual(struct inplace *ip, const struct cat_table *t)
{
	if (ip->engine == DB_ENGINE_MYSQL)
		return NULL;
	if (ip->engine == DB_ENGINE_SQLITE) {
		struct strbuf sb = STRBUF_INIT;
		db_quote_ident(ip->c, &sb, t->name);
		return strbuf_detach(&sb, NULL);
	}
	return xstrdup("mb__t");
}

/* "FROM t" or "FROM s.t AS mb__t" after UPDATE / DELETE FROM. */
static void add_target(struct inplace *ip, struct strbuf *sb, const struct cat_table *t)
{
	add_table(ip, sb, t);
	if (ip->engine == DB_ENGINE_PG)
		strbuf_addstr(sb, " AS mb__t");
}

/* ---- step 3: NULLs before deleting ---- */

static int null_back_edges(struct inplace *ip, size_t pos, struct mb_err *err)
{
	const struct subset_table *st = &ip->plan->tables[pos];
	const struct cat_table *t = table_at(ip, pos);
	struct strbuf sb = STRBUF_INIT;
	char *qual = table_qual(ip, t);
	int ret = 0;

	for (size_t f = 0; f < t->nfks && ret == 0; f++) {
		const struct cat_fk *fk = &t->fks[f];
		bool nullable = true;
		if (fk->is_virtual || fk->ref_table_idx < 0 ||
		    (size_t)ip->plan->order_of[fk->ref_table_idx] < pos ||
		    !deletes_rows(st))
			continue;
		for (size_t c = 0; c < fk->ncols; c++)
			if (fk->col_idx[c] < 0 || !t->cols[fk->col_idx[c]].nullable)
				nullable = false;
		if (!nullable)
			continue;
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "UPDATE ");
		add_target(ip, &sb, t);
		strbuf_addstr(&sb, " SET ");
		for (size_t c = 0; c < fk->ncols; c++) {
			if (c)
				strbuf_addstr(&sb, ", ");
			db_quote_ident(ip->c, &sb, fk->cols[c]);
			strbuf_addstr(&sb, " = NULL");
		}
		strbuf_addstr(&sb, " WHERE ");
		add_not_kept(ip, &sb, pos, qual);
		ret = db_exec(ip->c, sb.buf, err);
	}
	/* Foreign keys to truncated tables arrive as NULL (as in the copy). */
	if (ret == 0 && st->null_cols && st->mode != SUBSET_MODE_NONE) {
		bool any = false;
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "UPDATE ");
		add_target(ip, &sb, t);
		strbuf_addstr(&sb, " SET ");
		for (size_t c = 0; c < t->ncols; c++) {
			if (!st->null_cols[c])
				continue;
			if (any)
				strbuf_addstr(&sb, ", ");
			db_quote_ident(ip->c, &sb, t->cols[c].name);
			strbuf_addstr(&sb, " = NULL");
			any = true;
		}
		if (any)
			ret = db_exec(ip->c, sb.buf, err);
	}
	if (ret < 0)
		mb_err_prefix(err, "%s.%s", t->schema, t->name);
	free(qual);
	strbuf_release(&sb);
	return ret;
}

/* ---- step 4: delete ---- */

static int delete_rows(struct inplace *ip, size_t pos, struct mb_err *err)
{
	const struct cat_table *t = table_at(ip, pos);
	struct strbuf sb = STRBUF_INIT;
	char *qual = table_qual(ip, t);
	int64_t n = 0;
	int ret = -1;

	strbuf_addstr(&sb, "SELECT count(*) FROM ");
	add_target(ip, &sb, t);
	strbuf_addstr(&sb, " WHERE ");
	add_not_kept(ip, &sb, pos, qual);
	if (query_int(ip->c, sb.buf, &n, err) < 0)
		goto cleanup;
	for (int64_t done = 0; done < n; done += DELETE_BATCH) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "DELETE FROM ");
		add_table(ip, &sb, t);
		switch (ip->engine) {
		case DB_ENGINE_PG:
			strbuf_addstr(&sb, " WHERE (tableoid, ctid) IN (SELECT mb__t.tableoid, mb__t.ctid FROM ");
			add_target(ip, &sb, t);
			strbuf_addstr(&sb, " WHERE ");
			add_not_kept(ip, &sb, pos, qual);
			strbuf_addf(&sb, " LIMIT %d)", DELETE_BATCH);
			break;
		case DB_ENGINE_MYSQL:
			strbuf_addstr(&sb, " WHERE ");
			add_not_kept(ip, &sb, pos, qual);
			strbuf_addf(&sb, " LIMIT %d", DELETE_BATCH);
			break;
		default:
			strbuf_addstr(&sb, " WHERE rowid IN (SELECT rowid FROM ");
			add_table(ip, &sb, t);
			strbuf_addstr(&sb, " WHERE ");
			add_not_kept(ip, &sb, pos, qual);
			strbuf_addf(&sb, " LIMIT %d)", DELETE_BATCH);
			break;
		}
		if (db_exec(ip->c, sb.buf, err) < 0 || check_cancel(ip, err) < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret < 0)
		mb_err_prefix(err, "%s.%s: deleting rows outside the subset", t->schema, t->name);
	free(qual);
	strbuf_release(&sb);
	return ret;
}

/* ---- step 5: mask ---- */

/* PostgreSQL: drop the declared foreign keys whose columns are masked. */
static int pg_drop_masked_fks(struct inplace *ip, struct mb_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;

	for (size_t ti = 0; ti < ip->cat->ntables && ret == 0; ti++) {
		const struct cat_table *t = &ip->cat->tables[ti];
		if (t->is_view)
			continue;
		for (size_t f = 0; f < t->nfks && ret == 0; f++) {
			const struct cat_fk *fk = &t->fks[f];
			bool masked = false;
			if (fk->is_virtual || !fk->name)
				continue;
			for (size_t c = 0; c < fk->ncols; c++)
				if (fk->col_idx[c] >= 0 &&
				    job_spec_for(ip->cat, ip->o, t, (size_t)fk->col_idx[c]))
					masked = true;
			if (!masked)
				continue;
			struct db_rows *rows = NULL;
			strbuf_reset(&sb);
			strbuf_addstr(&sb, "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
				      " WHERE contype = 'f' AND conname = ");
			db_quote_literal(ip->c, &sb, fk->name, strlen(fk->name));
			strbuf_addstr(&sb, " AND conrelid = ");
			{
				struct strbuf qt = STRBUF_INIT;
				add_table(ip, &qt, t);
				db_quote_literal(ip->c, &sb, qt.buf, qt.len);
				strbuf_release(&qt);
			}
			strbuf_addstr(&sb, "::regclass");
			if ((ret = db_query(ip->c, sb.buf, &rows, err)) < 0)
				break;
			char *def = NULL;
			int r = db_rows_next(rows, err);
			if (r == 1 && rows->values[0])
				def = xstrdup(rows->values[0]);
			db_rows_close(rows);
			if (r < 0) {
				ret = -1;
				break;
			}
			if (!def)
				continue;
			strbuf_reset(&sb);
			strbuf_addstr(&sb, "ALTER TABLE ");
			add_table(ip, &sb, t);
			strbuf_addstr(&sb, " ADD CONSTRAINT ");
			db_quote_ident(ip->c, &sb, fk->name);
			strbuf_addf(&sb, " %s", def);
			free(def);
			stmt_list_add(&ip->fk_readd, xstrdup(sb.buf));
			strbuf_reset(&sb);
			strbuf_addstr(&sb, "ALTER TABLE ");
			add_table(ip, &sb, t);
			strbuf_addstr(&sb, " DROP CONSTRAINT ");
			db_quote_ident(ip->c, &sb, fk->name);
			ret = db_exec(ip->c, sb.buf, err);
			if (ret < 0)
				mb_err_prefix(err, "%s.%s", t->schema, t->name);
		}
	}
	strbuf_release(&sb);
	return ret;
}

/* Column list of the mask temp table / page query. */
struct mask_cols {
	size_t *stream;   /* streamed columns (index in t->cols) */
	size_t nstream;
	int *read_pos;    /* per t->cols: position in the page row, -1 if not read */
	size_t nread;
};

static void add_value(struct inplace *ip, struct strbuf *sb, const char *v, size_t len)
{
	if (!v)
		strbuf_addstr(sb, "NULL");
	else
		db_quote_literal(ip->c, sb, v, len);
}

static int flush_insert(struct inplace *ip, struct strbuf *ins, size_t head,
			struct mb_err *err)
{
	if (ins->len <= head)
		return 0;
	int r = db_exec(ip->c, ins->buf, err);
	strbuf_setlen(ins, head);
	return r;
}

static int mask_table(struct inplace *ip, size_t pos, struct mb_err *err)
{
	const struct subset_table *st = &ip->plan->tables[pos];
	const struct cat_table *t = table_at(ip, pos);
	const struct rowkey *k = &ip->keys[pos];
	struct col_mask *cm = NULL;
	struct mask_cols mc = { 0 };
	size_t stream_alloc = 0, page = 256;
	int64_t page_bytes = 0;
	struct strbuf sb = STRBUF_INIT, sel = STRBUF_INIT, ins = STRBUF_INIT;
	struct strbuf out = STRBUF_INIT, setb = STRBUF_INIT;
	char **last_key = NULL;
	bool have_last = false, temp = false;
	char *qual = NULL;
	size_t head;
	int ret = -1;

	if (st->mode == SUBSET_MODE_NONE)
		return 0;
	if (col_masks_build(ip->cat, t, st, ip->o, &cm, err) < 0)
		return -1;
	qual = table_qual(ip, t);

	/* Set-based parts first in the SET list (MySQL evaluates left to right). */
	for (size_t c = 0; c < t->ncols; c++) {
		if (cm[c].sql_expr) {
			if (setb.len)
				strbuf_addstr(&setb, ", ");
			if (ip->engine == DB_ENGINE_MYSQL && qual)
				strbuf_addf(&setb, "%s.", qual);
			db_quote_ident(ip->c, &setb, t->cols[c].name);
			strbuf_addf(&setb, " = (%s)", cm[c].sql_expr);
		} else if (cm[c].m && !cm[c].force_null) {
			ALLOC_GROW(mc.stream, mc.nstream + 1, stream_alloc);
			mc.stream[mc.nstream++] = c;
		}
	}
	if (!mc.nstream && !setb.len) {
		ret = 0;
		goto cleanup;
	}
	report(ip, "mask", t);

	if (mc.nstream) {
		/* Page query: key, then every streamed column, then entities. */
		mc.read_pos = xcalloc(t->ncols + 1, sizeof(int));
		for (size_t c = 0; c < t->ncols; c++)
			mc.read_pos[c] = -1;
		for (size_t i = 0; i < k->n; i++)
			strbuf_addf(&sel, "%s%s", i ? ", " : "", k->expr[i]);
		mc.nread = k->n;
		for (size_t s = 0; s < mc.nstream; s++) {
			size_t c = mc.stream[s];
			if (mc.read_pos[c] < 0) {
				mc.read_pos[c] = (int)mc.nread++;
				strbuf_addstr(&sel, ", ");
				db_quote_ident(ip->c, &sel, t->cols[c].name);
			}
			int e = cm[c].entity_col;
			if (e >= 0 && mc.read_pos[e] < 0) {
				mc.read_pos[e] = (int)mc.nread++;
				strbuf_addstr(&sel, ", ");
				db_quote_ident(ip->c, &sel, t->cols[e].name);
			}
		}
		/* The temp table: keys and the streamed columns' types. */
		strbuf_reset(&sb);
		for (size_t i = 0; i < k->n; i++)
			strbuf_addf(&sb, "%s%s AS mb__k%zu", i ? ", " : "", k->expr[i], i);
		for (size_t s = 0; s < mc.nstream; s++) {
			strbuf_addstr(&sb, ", ");
			db_quote_ident(ip->c, &sb, t->cols[mc.stream[s]].name);
			strbuf_addf(&sb, " AS mb__v%zu", s);
		}
		{
			char *select = strbuf_detach(&sb, NULL);
			int r = create_temp_like(ip, "mb__mask", select, t, k, err);
			free(select);
			if (r < 0)
				goto cleanup;
		}
		temp = true;
		strbuf_addstr(&ins, "INSERT INTO mb__mask (");
		add_key_names(&ins, k, NULL);
		for (size_t s = 0; s < mc.nstream; s++)
			strbuf_addf(&ins, ", mb__v%zu", s);
		strbuf_addstr(&ins, ") VALUES ");
		head = ins.len;
		last_key = xcalloc(k->n + 1, sizeof(char *));

		for (;;) {
			struct db_rows *rows = NULL;
			int64_t got = 0;
			bool more = false;
			int r;
			strbuf_reset(&sb);
			strbuf_addf(&sb, "SELECT %s FROM ", sel.buf);
			add_table(ip, &sb, t);
			if (have_last) {
				strbuf_addstr(&sb, " WHERE (");
				for (size_t i = 0; i < k->n; i++)
					strbuf_addf(&sb, "%s%s", i ? ", " : "", k->expr[i]);
				strbuf_addstr(&sb, ") > (");
				for (size_t i = 0; i < k->n; i++) {
					if (i)
						strbuf_addstr(&sb, ", ");
					if (ip->engine == DB_ENGINE_SQLITE)
						strbuf_addstr(&sb, last_key[i]); /* rowid: digits */
					else
						add_value(ip, &sb, last_key[i], strlen(last_key[i]));
					if (ip->engine == DB_ENGINE_PG && str_eq(k->expr[i], "ctid"))
						strbuf_addstr(&sb, "::tid");
				}
				strbuf_addch(&sb, ')');
			}
			strbuf_addstr(&sb, " ORDER BY ");
			for (size_t i = 0; i < k->n; i++)
				strbuf_addf(&sb, "%s%s", i ? ", " : "", k->expr[i]);
			strbuf_addf(&sb, " LIMIT %zu", page);
			page_bytes = 0;
			if (db_query(ip->c, sb.buf, &rows, err) < 0)
				goto cleanup;
			while ((r = db_rows_next(rows, err)) == 1) {
				got++;
				for (size_t i = 0; i < mc.nread; i++)
					page_bytes += (int64_t)rows->lengths[i] + 1;
				if (ins.len > head)
					strbuf_addstr(&ins, ", ");
				strbuf_addch(&ins, '(');
				for (size_t i = 0; i < k->n; i++) {
					const char *v = rows->values[i];
					if (!v) {
						r = mb_err_set(err, MB_ERR_DB, "a row key is NULL");
						break;
					}
					free(last_key[i]);
					last_key[i] = xstrndup(v, rows->lengths[i]);
					if (i)
						strbuf_addstr(&ins, ", ");
					if (ip->engine == DB_ENGINE_SQLITE)
						strbuf_addstr(&ins, last_key[i]);
					else
						add_value(ip, &ins, v, rows->lengths[i]);
				}
				if (r < 0)
					break;
				for (size_t s = 0; s < mc.nstream; s++) {
					size_t c = mc.stream[s];
					int p = mc.read_pos[c], e = cm[c].entity_col;
					bool is_null = false;
					const char *ev = e >= 0 ? rows->values[mc.read_pos[e]] : NULL;
					size_t elen = e >= 0 ? rows->lengths[mc.read_pos[e]] : 0;
					if (masker_apply_entity(cm[c].m, rows->values[p], rows->lengths[p],
								ev, elen, &out, &is_null, err) < 0) {
						mb_err_prefix(err, "%s", t->cols[c].name);
						r = -1;
						break;
					}
					strbuf_addstr(&ins, ", ");
					add_value(ip, &ins, is_null ? NULL : out.buf, out.len);
				}
				if (r < 0)
					break;
				strbuf_addch(&ins, ')');
				if (ins.len >= 4 * INSERT_BYTES) {
					/* Bounded memory: stop here, go on from last_key. */
					more = true;
					break;
				}
			}
			db_rows_close(rows);
			if (r < 0)
				goto cleanup;
			if (flush_insert(ip, &ins, head, err) < 0 || check_cancel(ip, err) < 0)
				goto cleanup;
			have_last = have_last || got > 0;
			if (!more && (size_t)got < page)
				break;
			/* Next page: about INSERT_BYTES of rows, 1..PAGE_ROWS. */
			if (got > 0) {
				int64_t avg = page_bytes / got + 1;
				int64_t want = INSERT_BYTES / avg;
				page = want < 1 ? 1 : want > PAGE_ROWS ? PAGE_ROWS : (size_t)want;
			}
		}
		if (index_temp(ip, "mb__mask", k, err) < 0)
			goto cleanup;
	}

	/* One UPDATE: set-based expressions, then the streamed values by key. */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "UPDATE ");
	add_target(ip, &sb, t);
	if (ip->engine == DB_ENGINE_MYSQL && mc.nstream)
		strbuf_addstr(&sb, " JOIN mb__mask ON ");
	if (ip->engine == DB_ENGINE_MYSQL && mc.nstream) {
		for (size_t i = 0; i < k->n; i++) {
			if (i)
				strbuf_addstr(&sb, " AND ");
			strbuf_addf(&sb, "mb__mask.mb__k%zu = ", i);
			add_table(ip, &sb, t);
			strbuf_addf(&sb, ".%s", k->expr[i]);
		}
	}
	strbuf_addstr(&sb, " SET ");
	strbuf_add(&sb, setb.buf, setb.len);
	for (size_t s = 0; s < mc.nstream; s++) {
		if (s || setb.len)
			strbuf_addstr(&sb, ", ");
		db_quote_ident(ip->c, &sb, t->cols[mc.stream[s]].name);
		strbuf_addf(&sb, " = mb__mask.mb__v%zu", s);
	}
	if (mc.nstream && ip->engine != DB_ENGINE_MYSQL) {
		strbuf_addstr(&sb, " FROM mb__mask WHERE ");
		for (size_t i = 0; i < k->n; i++) {
			if (i)
				strbuf_addstr(&sb, " AND ");
			strbuf_addf(&sb, "mb__mask.mb__k%zu = ", i);
			add_key_ref(&sb, qual, k, i);
		}
	}
	if (db_exec(ip->c, sb.buf, err) < 0)
		goto cleanup;
	if (temp) {
		temp = false;
		if (drop_temp(ip, "mb__mask", err) < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret < 0) {
		struct mb_err ignore = MB_ERR_INIT;
		if (temp && err->kind != MB_ERR_CONNECT)
			drop_temp(ip, "mb__mask", &ignore);
		mb_err_prefix(err, "%s.%s: masking in place", t->schema, t->name);
	}
	if (last_key)
		for (size_t i = 0; i < k->n; i++)
			free(last_key[i]);
	free(last_key);
	free(mc.stream);
	free(mc.read_pos);
	free(qual);
	col_masks_free(cm, t->ncols);
	strbuf_release(&sb);
	strbuf_release(&sel);
	strbuf_release(&ins);
	strbuf_release(&out);
	strbuf_release(&setb);
	return ret;
}

/* ---- verify, after ---- */

static int verify_in_place(struct inplace *ip, struct mb_err *err)
{
	bool *done = xcalloc(ip->cat->ntables + 1, sizeof(*done));
	int ret;

	for (size_t pos = 0; pos < ip->plan->ntables; pos++)
		if (!table_at(ip, pos)->is_view && ip->plan->tables[pos].mode != SUBSET_MODE_NONE)
			done[ip->plan->tables[pos].table_idx] = true;
	ret = job_verify_masked(ip->c, ip->cat, done, ip->o, ip->res, err);
	free(done);
	return ret;
}

/* ---- the job ---- */

static int same_database(struct db_conn *a, struct db_conn *b, struct mb_err *err)
{
	char *x = db_identity(a, err), *y = NULL;
	int ret = -1;
	if (!x)
		return -1;
	if (!(y = db_identity(b, err)))
		goto cleanup;
	if (!str_eq(x, y)) {
		mb_err_set(err, MB_ERR_USAGE,
			   "in-place: the plan was built from another database than %s",
			   b->url.display);
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(x);
	free(y);
	return ret;
}

static int in_place_steps(struct inplace *ip, struct mb_err *err)
{
	struct subset_plan *plan = ip->plan;
	struct strbuf sb = STRBUF_INIT;
	int ret = -1;

	report(ip, "plan", NULL);
	if (subset_plan_resolve(plan, ip->c, false, ip->o->cancel, err) < 0)
		goto cleanup;
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		const struct cat_table *t = table_at(ip, pos);
		if (t->is_view)
			continue;
		ip->prog.ntables++;
		ip->prog.all_rows_est += subset_table_rows(&plan->tables[pos]);
		if (rowkey_build(ip, &ip->keys[pos], t, err) < 0)
			goto cleanup;
	}
	if (tx_begin(ip, err) < 0)
		goto cleanup;

	/* Everything to keep is decided before anything goes. */
	report(ip, "subset", NULL);
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		const struct subset_table *st = &plan->tables[pos];
		if (table_at(ip, pos)->is_view || st->mode == SUBSET_MODE_ALL ||
		    st->mode == SUBSET_MODE_NONE)
			continue;
		if (materialise_keep(ip, pos, err) < 0 || check_cancel(ip, err) < 0)
			goto cleanup;
	}
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		if (table_at(ip, pos)->is_view)
			continue;
		if (null_back_edges(ip, pos, err) < 0)
			goto cleanup;
	}
	report(ip, "delete", NULL);
	for (size_t pos = plan->ntables; pos-- > 0;) {
		const struct cat_table *t = table_at(ip, pos);
		if (t->is_view || !deletes_rows(&plan->tables[pos]))
			continue;
		report(ip, "delete", t);
		if (delete_rows(ip, pos, err) < 0)
			goto cleanup;
	}
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		if (!ip->has_keep[pos])
			continue;
		strbuf_reset(&sb);
		keep_name(&sb, pos);
		if (drop_temp(ip, sb.buf, err) < 0)
			goto cleanup;
		ip->has_keep[pos] = false;
	}

	report(ip, "mask", NULL);
	if (ip->engine == DB_ENGINE_PG && pg_drop_masked_fks(ip, err) < 0)
		goto cleanup;
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		const struct cat_table *t = table_at(ip, pos);
		if (t->is_view)
			continue;
		if (mask_table(ip, pos, err) < 0 || check_cancel(ip, err) < 0)
			goto cleanup;
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "SELECT count(*) FROM ");
		add_table(ip, &sb, t);
		if (query_int(ip->c, sb.buf, &ip->res->tables[pos].rows, err) < 0)
			goto cleanup;
		ip->res->rows += ip->res->tables[pos].rows;
		ip->prog.table_pos++;
		ip->prog.rows = ip->prog.rows_est = ip->res->tables[pos].rows;
		ip->prog.all_rows += ip->res->tables[pos].rows;
		ip->prog.table_done = true;
		report(ip, "copy", t);
		ip->prog.table_done = false;
	}
	report(ip, "index", NULL);
	for (size_t i = 0; i < ip->fk_readd.n; i++)
		if (db_exec(ip->c, ip->fk_readd.v[i], err) < 0) {
			mb_err_prefix(err, "re-creating a foreign key");
			goto cleanup;
		}
	if (check_cancel(ip, err) < 0)
		goto cleanup;
	report(ip, "swap", NULL);
	if (db_exec(ip->c, "COMMIT", err) < 0)
		goto cleanup;
	ip->in_tx = false;
	ret = 0;
cleanup:
	strbuf_release(&sb);
	return ret;
}

/*
 * `shuffle` permutes a column among the kept rows; the in-place strategy
 * masks value by value, so it refuses such a rule before touching anything.
 */
static int refuse_shuffle(const struct catalog *cat, const struct job_options *o,
			  struct mb_err *err)
{
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *t = &cat->tables[i];
		if (t->is_view)
			continue;
		for (size_t c = 0; c < t->ncols; c++) {
			const struct mask_spec *s = job_spec_for(cat, o, t, c);
			if (s && str_eq(s->action, "shuffle"))
				return mb_err_set(err, MB_ERR_INPUT,
						  "%s.%s.%s: shuffle is not supported by the in-place strategy"
						  " (it permutes the column among all kept rows): run without"
						  " --in-place (the copy strategy shuffles) or use another action",
						  t->schema, t->name, t->cols[c].name);
		}
	}
	return 0;
}

int job_run_in_place(struct db_conn *conn, const struct catalog *cat,
		     struct subset_plan *plan, const struct job_options *o,
		     struct job_result *res, struct mb_err *err)
{
	struct inplace ip = { .cat = cat, .plan = plan, .o = o, .res = res };
	const char *outcome = "failed";
	int ret = -1;

	memset(res, 0, sizeof(*res));
	ip.t0 = now_monotonic();
	ip.engine = plan->engine;
	res->ntables = plan->ntables;
	res->tables = xcalloc(plan->ntables + 1, sizeof(*res->tables));
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		const struct cat_table *t = &cat->tables[plan->tables[pos].table_idx];
		res->tables[pos].schema = xstrdup(t->schema);
		res->tables[pos].table = xstrdup(t->name);
	}
	ip.keys = xcalloc(plan->ntables + 1, sizeof(*ip.keys));
	ip.has_keep = xcalloc(plan->ntables + 1, sizeof(bool));

	if (!o->target_text || !*o->target_text) {
		mb_err_set(err, MB_ERR_USAGE, "no target given");
		goto done;
	}
	if (job_target_is_dump(o->target_text)) {
		mb_err_set(err, MB_ERR_USAGE, "in-place needs a database, not a dump file");
		goto done;
	}
	if (job_check_key_masks(cat, o, err) < 0 || refuse_shuffle(cat, o, err) < 0 ||
	    job_after_check(o, ip.engine, err) < 0)
		goto done;
	if (db_open(o->target_text, DB_MODE_TARGET, &ip.c, err) < 0)
		goto done;
	res->target_display = xstrdup(ip.c->url.display);
	if (ip.c->drv->engine != ip.engine) {
		mb_err_set(err, MB_ERR_USAGE, "in-place: %s is not a %s database",
			   ip.c->url.display, db_engine_name(ip.engine));
		goto done;
	}
	if (!o->force) {
		mb_err_set(err, MB_ERR_USAGE,
			   "in-place deletes and rewrites the data of %s: pass --force to confirm it is a disposable clone",
			   ip.c->url.display);
		goto done;
	}
	if (conn && same_database(conn, ip.c, err) < 0)
		goto done;
	/* SQLite: the caller's read transaction would block our COMMIT. */
	if (conn && ip.engine == DB_ENGINE_SQLITE && db_exec(conn, "COMMIT", err) < 0)
		goto done;
	if (o->ws && job_runs_start(o->ws, o, ip.c->url.display, res->target_display,
				    &res->run_id, err) < 0)
		goto done;
	if (in_place_steps(&ip, err) < 0)
		goto done;

	{
		struct mb_err ignore = MB_ERR_INIT;
		db_exec(ip.c, ip.engine == DB_ENGINE_MYSQL ? "SELECT 1" : "ANALYZE", &ignore);
	}
	if (job_run_after(ip.o, ip.c, err) < 0) {
		outcome = "after_failed";
		goto done;
	}
	if (o->verify) {
		report(&ip, "verify", NULL);
		if (verify_in_place(&ip, err) < 0)
			goto done;
	}
	if (job_leaks_error(res, err) < 0) {
		outcome = "leaks";
		goto done;
	}
	outcome = "ok";
	ret = 0;
	report(&ip, "done", NULL);
done:
	res->seconds = now_monotonic() - ip.t0;
	if (ret < 0 && err->kind == MB_ERR_CANCELLED)
		outcome = "cancelled";
	if (ip.c)
		tx_rollback(&ip);
	ret = job_runs_close(o->ws, res, outcome, ret, err);
	if (ip.c)
		db_close(ip.c);
	for (size_t pos = 0; pos < plan->ntables; pos++)
		rowkey_release(&ip.keys[pos]);
	free(ip.keys);
	free(ip.has_keep);
	stmt_list_release(&ip.fk_readd);
	return ret;
}

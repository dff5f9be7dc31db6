/*
 * db_sqlite.c - the SQLite driver (see db.h).
 *
 * Source mode: SQLITE_OPEN_READONLY, PRAGMA query_only, BEGIN and a first
 * read, so one read transaction (one snapshot) lasts for the connection.
 * Target mode: read-write, created when missing, autocommit.
 * Time limits: a progress handler checks a deadline (and conn->cancel).
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "core/catalog.h"
#include "core/db.h"
#include "core/db_internal.h"

#define BUSY_TIMEOUT_MS 5000

struct sqlite_conn {
	struct db_conn base;
	sqlite3 *db;
	unsigned timeout_ms;
	double deadline;      /* monotonic seconds; 0 = none */
};

struct sqlite_rows {
	struct db_rows base;
	sqlite3_stmt *stmt;
	int pending;          /* first step's result, returned by the first next() */
};

static struct sqlite_conn *sq(struct db_conn *conn)
{
	return (struct sqlite_conn *)conn;
}

/* Classifies an SQLite result code (extended codes folded). */
static enum db_outcome outcome_from_code(int code, const char *msg)
{
	switch (code & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return DB_OK;
	case SQLITE_READONLY:
		return DB_FAIL_READ_ONLY;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return DB_FAIL_PERMISSION;
	case SQLITE_CONSTRAINT:
		return DB_FAIL_CONSTRAINT;
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return DB_FAIL_DATA;
	case SQLITE_INTERRUPT:
		return DB_FAIL_TIMEOUT;
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
		return DB_FAIL_CONNECTION;
	case SQLITE_ERROR:
		if (!msg)
			break;
		if (str_starts_with(msg, "no such "))
			return DB_FAIL_NOT_FOUND;
		if (strstr(msg, "syntax error") || str_starts_with(msg, "incomplete input") ||
		    str_starts_with(msg, "unrecognized token"))
			return DB_FAIL_SYNTAX;
		if (strstr(msg, "readonly") || strstr(msg, "read-only") ||
		    strstr(msg, "query_only"))
			return DB_FAIL_READ_ONLY;
		break;
	}
	return DB_FAIL_OTHER;
}

/* Records the connection's current error; returns -1. */
static int fail(struct sqlite_conn *c, struct mb_err *err, int code,
		const char *what)
{
	const char *msg = sqlite3_errmsg(c->db);
	enum db_outcome o = outcome_from_code(code, msg);
	struct strbuf sb = STRBUF_INIT;

	if ((code & 0xff) == SQLITE_INTERRUPT)
		strbuf_addstr(&sb, c->base.cancel ? "cancelled" : "statement timeout");
	else
		db_add_server_message(&sb, msg, o);
	db_fail(&c->base, err, NULL, o, "%s failed (%s): %s", what,
		db_outcome_name(o), sb.buf);
	/* a cancel is a cancel, as db_rows_next() reports it, not a DB error */
	if ((code & 0xff) == SQLITE_INTERRUPT && c->base.cancel && err)
		err->kind = MB_ERR_CANCELLED;
	strbuf_release(&sb);
	return -1;
}

static int progress_cb(void *arg)
{
	struct sqlite_conn *c = arg;
	if (c->base.cancel)
		return 1;
	return c->deadline > 0 && now_monotonic() > c->deadline;
}

static void start_clock(struct sqlite_conn *c)
{
	c->deadline = c->timeout_ms ? now_monotonic() + c->timeout_ms / 1000.0 : 0;
}

static void sqlite_close(struct db_conn *conn)
{
	struct sqlite_conn *c = sq(conn);
	if (c->db)
		sqlite3_close_v2(c->db);
	free(c);
}

static int sqlite_open(const struct db_url *url, enum db_mode mode,
		       struct db_conn **out, struct mb_err *err)
{
	struct sqlite_conn *c = xcalloc(1, sizeof(*c));
	struct stat st;
	int flags, rc;

	if (mode == DB_MODE_SOURCE) {
		if (stat(url->path, &st) < 0) {
			mb_err_set(err, MB_ERR_CONNECT, "cannot open '%s': %s",
				   url->display, strerror(errno));
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			mb_err_set(err, MB_ERR_CONNECT, "cannot open '%s': not a regular file",
				   url->display);
			goto fail;
		}
		flags = SQLITE_OPEN_READONLY;
	} else {
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	}
	rc = sqlite3_open_v2(url->path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		mb_err_set(err, MB_ERR_CONNECT, "cannot open '%s': %s", url->display,
			   c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	sqlite3_progress_handler(c->db, 1000, progress_cb, c);

	/* A first read proves it is a database, and in source mode starts the
	 * read transaction whose snapshot the connection keeps. */
	const char *setup = mode == DB_MODE_SOURCE
		? "PRAGMA query_only=1; BEGIN; SELECT count(*) FROM sqlite_master;"
		: "SELECT count(*) FROM sqlite_master;";
	db_trace(&c->base, setup);
	rc = sqlite3_exec(c->db, setup, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		mb_err_set(err, MB_ERR_CONNECT, "cannot open '%s': %s", url->display,
			   sqlite3_errmsg(c->db));
		goto fail;
	}
	c->base.mode = mode;
	*out = &c->base;
	return 0;
fail:
	sqlite_close(&c->base);
	return -1;
}

static int sqlite_exec(struct db_conn *conn, const char *sql, struct mb_err *err)
{
	struct sqlite_conn *c = sq(conn);
	db_trace(conn, sql);
	start_clock(c);
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail(c, err, rc, "statement");
	return 0;
}

static void rows_free(struct sqlite_rows *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->base.ncols; i++)
		free(r->base.names[i]);
	free(r->base.names);
	free(r->base.values);
	free(r->base.lengths);
	sqlite3_finalize(r->stmt);
	free(r);
}

static int sqlite_query(struct db_conn *conn, const char *sql,
			struct db_rows **out, struct mb_err *err)
{
	struct sqlite_conn *c = sq(conn);
	struct sqlite_rows *r = xcalloc(1, sizeof(*r));
	int rc;

	db_trace(conn, sql);
	start_clock(c);
	rc = sqlite3_prepare_v2(c->db, sql, -1, &r->stmt, NULL);
	if (rc != SQLITE_OK || !r->stmt) {
		if (rc == SQLITE_OK)
			mb_err_set(err, MB_ERR_INTERNAL, "empty statement");
		else
			fail(c, err, rc, "query");
		rows_free(r);
		return -1;
	}
	r->base.conn = conn;
	r->base.ncols = (size_t)sqlite3_column_count(r->stmt);
	r->base.names = xcalloc(r->base.ncols + 1, sizeof(char *));
	r->base.values = xcalloc(r->base.ncols + 1, sizeof(char *));
	r->base.lengths = xcalloc(r->base.ncols + 1, sizeof(size_t));
	for (size_t i = 0; i < r->base.ncols; i++)
		r->base.names[i] = xstrdup(sqlite3_column_name(r->stmt, (int)i));
	/* Step once so errors in the statement surface from db_query(). */
	r->pending = sqlite3_step(r->stmt);
	if (r->pending != SQLITE_ROW && r->pending != SQLITE_DONE) {
		fail(c, err, r->pending, "query");
		rows_free(r);
		return -1;
	}
	*out = &r->base;
	return 0;
}

static int sqlite_rows_next(struct db_rows *rows, struct mb_err *err)
{
	struct sqlite_rows *r = (struct sqlite_rows *)rows;
	int rc;

	if (r->pending) {
		rc = r->pending;
		r->pending = 0;
	} else {
		rc = sqlite3_step(r->stmt);
	}
	if (rc == SQLITE_DONE) {
		r->pending = SQLITE_DONE; /* stay done */
		return 0;
	}
	if (rc != SQLITE_ROW)
		return fail(sq(rows->conn), err, rc, "reading rows");
	for (size_t i = 0; i < rows->ncols; i++) {
		if (sqlite3_column_type(r->stmt, (int)i) == SQLITE_NULL) {
			rows->values[i] = NULL;
			rows->lengths[i] = 0;
			continue;
		}
		rows->values[i] = (const char *)sqlite3_column_text(r->stmt, (int)i);
		rows->lengths[i] = (size_t)sqlite3_column_bytes(r->stmt, (int)i);
		if (!rows->values[i]) /* out of memory converting */
			return fail(sq(rows->conn), err, SQLITE_NOMEM, "reading rows");
	}
	return 1;
}

static void sqlite_rows_close(struct db_rows *rows)
{
	rows_free((struct sqlite_rows *)rows);
}

static void sqlite_quote_ident(struct db_conn *conn, struct strbuf *sb,
			       const char *name)
{
	db_quote_ident_std(sb, name, '"');
}

static void sqlite_quote_literal(struct db_conn *conn, struct strbuf *sb,
				 const char *s, size_t len)
{
	if (memchr(s, '\0', len)) {
		/* A text literal cannot hold NUL: spell the bytes. */
		strbuf_addstr(sb, "CAST(X'");
		for (size_t i = 0; i < len; i++)
			strbuf_addf(sb, "%02x", (unsigned char)s[i]);
		strbuf_addstr(sb, "' AS TEXT)");
		return;
	}
	strbuf_addch(sb, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'')
			strbuf_addch(sb, '\'');
		strbuf_addch(sb, s[i]);
	}
	strbuf_addch(sb, '\'');
}

/* ---------------------------------------------------------------------------
 * Catalog: one query per kind of fact, using table-valued pragmas.
 */
#define USER_TABLES \
	"m.type IN ('table','view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"

static const char q_tables[] =
	"SELECT m.name, m.type FROM sqlite_master m WHERE " USER_TABLES
	" ORDER BY m.name";
static const char q_stat1[] =
	"SELECT tbl, max(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl";
static const char q_btrees[] =
	"SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')";
static const char q_dbstat[] =
	"SELECT name, pgsize FROM dbstat WHERE aggregate = 1";
static const char q_columns[] =
	"SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk,"
	" p.hidden FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p"
	" WHERE " USER_TABLES " ORDER BY m.name, p.cid";
static const char q_fks[] =
	"SELECT m.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\""
	" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f"
	" WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
	" ORDER BY m.name, f.id, f.seq";
static const char q_indexes[] =
	"SELECT m.name, il.name, il.\"unique\", il.origin, ii.seqno, ii.name, s.sql"
	" FROM sqlite_master m JOIN pragma_index_list(m.name) il"
	" JOIN pragma_index_info(il.name) ii"
	" LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = il.name"
	" WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
	" ORDER BY m.name, il.seq, ii.seqno";

/* A growable list of names (a key being assembled). */
struct namelist {
	char **v;
	size_t n, alloc;
};

static void namelist_add(struct namelist *l, const char *s)
{
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = xstrdup(s ? s : "");
}

static void namelist_clear(struct namelist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static void namelist_release(struct namelist *l)
{
	namelist_clear(l);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int64_t col_i64(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int prepare(struct sqlite_conn *c, const char *sql, sqlite3_stmt **st,
		   struct mb_err *err)
{
	db_trace(&c->base, sql);
	int rc = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
	if (rc != SQLITE_OK)
		return fail(c, err, rc, "catalog query");
	return 0;
}

/* Row counts: sqlite_stat1 when analysed, else count(*) in batches. */
static int read_row_counts(struct sqlite_conn *c, struct catalog *cat,
			   const struct db_table_map *map, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	struct strbuf sql = STRBUF_INIT;
	int rc, ret = -1;
	bool have_stat1 = sqlite3_table_column_metadata(c->db, "main", "sqlite_stat1",
							"tbl", NULL, NULL, NULL, NULL, NULL) == SQLITE_OK;

	if (have_stat1) {
		if (prepare(c, q_stat1, &st, err) < 0)
			goto cleanup;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct cat_table *t = db_table_map_find(map, "main", col_text(st, 0));
			if (t && !t->is_view)
				t->rows = col_i64(st, 1);
		}
		if (rc != SQLITE_DONE) {
			fail(c, err, rc, "catalog query");
			goto cleanup;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	/* The rest (never analysed): exact counts; compound SELECTs hold at
	 * most 500 terms, so batch. */
	size_t i = 0;
	while (i < cat->ntables) {
		size_t terms = 0;
		strbuf_reset(&sql);
		for (; i < cat->ntables && terms < 400; i++) {
			struct cat_table *t = &cat->tables[i];
			if (t->is_view || t->rows >= 0)
				continue;
			if (terms++)
				strbuf_addstr(&sql, " UNION ALL ");
			strbuf_addf(&sql, "SELECT %zu, count(*) FROM ", i);
			db_quote_ident_std(&sql, t->name, '"');
		}
		if (!terms)
			continue;
		if (prepare(c, sql.buf, &st, err) < 0)
			goto cleanup;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t idx = sqlite3_column_int64(st, 0);
			if (idx >= 0 && (size_t)idx < cat->ntables)
				cat->tables[idx].rows = sqlite3_column_int64(st, 1);
		}
		if (rc != SQLITE_DONE) {
			fail(c, err, rc, "catalog query");
			goto cleanup;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	strbuf_release(&sql);
	return ret;
}

/* A b-tree (table or index) and the table it belongs to. */
struct btree_owner {
	char *name;
	struct cat_table *t;
};

static int owner_cmp(const void *a, const void *b)
{
	return strcmp(((const struct btree_owner *)a)->name,
		      ((const struct btree_owner *)b)->name);
}

/*
 * Sizes from the dbstat virtual table when compiled in; else -1 stays.
 * dbstat's aggregate mode gives one row per b-tree; indexes are mapped to
 * their tables here rather than by a join in SQL, which makes SQLite walk
 * dbstat once per sqlite_master row (minutes on 10,000 tables).
 */
static void read_sizes(struct sqlite_conn *c, const struct db_table_map *map)
{
	sqlite3_stmt *st = NULL;
	struct btree_owner *own = NULL;
	size_t n = 0, alloc = 0;

	db_trace(&c->base, q_btrees);
	if (sqlite3_prepare_v2(c->db, q_btrees, -1, &st, NULL) != SQLITE_OK)
		goto cleanup;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cat_table *t = db_table_map_find(map, "main", col_text(st, 1));

		if (!t || !col_text(st, 0))
			continue;
		ALLOC_GROW(own, n + 1, alloc);
		own[n].name = xstrdup(col_text(st, 0));
		own[n++].t = t;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!n)
		goto cleanup;
	qsort(own, n, sizeof(*own), owner_cmp);
	db_trace(&c->base, q_dbstat);
	if (sqlite3_prepare_v2(c->db, q_dbstat, -1, &st, NULL) != SQLITE_OK)
		goto cleanup;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct btree_owner key = { (char *)col_text(st, 0), NULL }, *hit;

		if (!key.name)
			continue;
		hit = bsearch(&key, own, n, sizeof(*own), owner_cmp);
		if (!hit)
			continue;
		hit->t->bytes = (hit->t->bytes > 0 ? hit->t->bytes : 0) + col_i64(st, 1);
	}
cleanup:
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++)
		free(own[i].name);
	free(own);
}

static int read_columns(struct sqlite_conn *c, const struct db_table_map *map,
			struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	struct namelist pk = { 0 };
	struct cat_table *cur = NULL;
	int rc, ret = -1;
	int pkpos[64] = { 0 };

	if (prepare(c, q_columns, &st, err) < 0)
		return -1;
	for (;;) {
		rc = sqlite3_step(st);
		const char *tname = rc == SQLITE_ROW ? col_text(st, 0) : NULL;
		struct cat_table *t = tname ? db_table_map_find(map, "main", tname) : NULL;
		if (cur && t != cur) {
			/* pk holds names in column order with their positions;
			 * order them by position in the key. */
			if (pk.n) {
				const char *ordered[64] = { 0 };
				bool ok = true;
				for (size_t i = 0; i < pk.n; i++) {
					if ((size_t)pkpos[i] > pk.n || ordered[pkpos[i] - 1])
						ok = false;
					else
						ordered[pkpos[i] - 1] = pk.v[i];
				}
				if (ok)
					catalog_set_pk(cur, NULL, pk.n, ordered);
			}
			namelist_clear(&pk);
		}
		if (rc != SQLITE_ROW)
			break;
		cur = t;
		if (!t)
			continue;
		const char *type = col_text(st, 3);
		struct cat_column *col = catalog_add_column(t, col_text(st, 2),
							    type ? type : "",
							    !sqlite3_column_int(st, 4));
		col->ordinal = (int)t->ncols;
		const char *dflt = col_text(st, 5);
		int hidden = sqlite3_column_int(st, 7);
		col->generated = hidden == 2 || hidden == 3;
		if (dflt && !col->generated)
			col->default_expr = xstrdup(dflt);
		int pkn = sqlite3_column_int(st, 6);
		if (pkn > 0 && pkn <= (int)ARRAY_SIZE(pkpos) && pk.n < ARRAY_SIZE(pkpos)) {
			pkpos[pk.n] = pkn;
			namelist_add(&pk, col->name);
		}
	}
	if (rc != SQLITE_DONE) {
		fail(c, err, rc, "catalog query");
		goto cleanup;
	}
	ret = 0;
cleanup:
	namelist_release(&pk);
	sqlite3_finalize(st);
	return ret;
}

static void add_fk(struct cat_table *t, const struct db_table_map *map,
		   const char *ref, struct namelist *from, struct namelist *to)
{
	struct cat_table *rt = db_table_map_find(map, "main", ref);
	/* "REFERENCES t" without columns means t's primary key. */
	for (size_t i = 0; i < to->n; i++) {
		if (*to->v[i] || !rt || i >= rt->pk.ncols)
			continue;
		free(to->v[i]);
		to->v[i] = xstrdup(rt->pk.cols[i]);
	}
	catalog_add_fk(t, NULL, from->n, (const char *const *)from->v, "main",
		       rt ? rt->name : ref, (const char *const *)to->v);
}

static int read_fks(struct sqlite_conn *c, const struct db_table_map *map,
		    struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	struct namelist from = { 0 }, to = { 0 };
	struct cat_table *cur = NULL;
	char *ref = NULL;
	int64_t cur_id = -1;
	int rc, ret = -1;

	if (prepare(c, q_fks, &st, err) < 0)
		return -1;
	for (;;) {
		rc = sqlite3_step(st);
		struct cat_table *t = rc == SQLITE_ROW
			? db_table_map_find(map, "main", col_text(st, 0)) : NULL;
		int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : -1;
		if (cur && (t != cur || id != cur_id)) {
			add_fk(cur, map, ref, &from, &to);
			namelist_clear(&from);
			namelist_clear(&to);
		}
		if (rc != SQLITE_ROW)
			break;
		cur = t;
		cur_id = id;
		if (!t)
			continue;
		if (!from.n) {
			free(ref);
			ref = xstrdup(col_text(st, 3));
		}
		namelist_add(&from, col_text(st, 4));
		namelist_add(&to, col_text(st, 5)); /* NULL -> "" -> the ref's pk */
	}
	if (rc != SQLITE_DONE) {
		fail(c, err, rc, "catalog query");
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(ref);
	namelist_release(&from);
	namelist_release(&to);
	sqlite3_finalize(st);
	return ret;
}

/*
 * Indexes: origin 'u' is a UNIQUE constraint, 'pk' the primary key's own
 * index (WITHOUT ROWID or non-integer keys), 'c' a CREATE INDEX. Returns
 * the set of tables whose PK has an index (so INTEGER PRIMARY KEY, which
 * has none, can be recognised as the rowid alias).
 */
static int read_indexes(struct sqlite_conn *c, const struct db_table_map *map,
			struct catalog *cat, bool *pk_indexed, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	struct namelist cols = { 0 };
	struct cat_table *cur = NULL;
	char *iname = NULL, *origin = NULL, *def = NULL;
	bool uniq = false;
	int rc, ret = -1;

	if (prepare(c, q_indexes, &st, err) < 0)
		return -1;
	for (;;) {
		rc = sqlite3_step(st);
		struct cat_table *t = rc == SQLITE_ROW
			? db_table_map_find(map, "main", col_text(st, 0)) : NULL;
		const char *in = rc == SQLITE_ROW ? col_text(st, 1) : NULL;
		if (cur && (t != cur || !str_eq(in, iname))) {
			if (str_eq(origin, "u"))
				catalog_add_unique(cur, NULL, cols.n,
						   (const char *const *)cols.v);
			else if (str_eq(origin, "pk"))
				pk_indexed[cur - cat->tables] = true;
			else
				catalog_add_index(cur, iname, def, uniq);
			namelist_clear(&cols);
		}
		if (rc != SQLITE_ROW)
			break;
		cur = t;
		if (!t)
			continue;
		if (!cols.n) {
			free(iname);
			free(origin);
			free(def);
			iname = xstrdup(in);
			uniq = sqlite3_column_int(st, 2) != 0;
			origin = xstrdup(col_text(st, 3));
			def = xstrdup(col_text(st, 6));
		}
		namelist_add(&cols, col_text(st, 5)); /* NULL: an expression */
	}
	if (rc != SQLITE_DONE) {
		fail(c, err, rc, "catalog query");
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(iname);
	free(origin);
	free(def);
	namelist_release(&cols);
	sqlite3_finalize(st);
	return ret;
}

static int sqlite_read_catalog(struct db_conn *conn, struct catalog *cat,
			       struct mb_err *err)
{
	struct sqlite_conn *c = sq(conn);
	struct db_table_map map = { 0 };
	sqlite3_stmt *st = NULL;
	bool *pk_indexed = NULL;
	int rc, ret = -1;

	start_clock(c);
	if (prepare(c, q_tables, &st, err) < 0)
		goto cleanup;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cat_table *t = catalog_add_table(cat, "main", col_text(st, 0));
		t->is_view = str_eq(col_text(st, 1), "view");
		t->rows = -1;
		t->bytes = -1;
	}
	if (rc != SQLITE_DONE) {
		fail(c, err, rc, "catalog query");
		goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;

	db_table_map_build(&map, cat);
	pk_indexed = xcalloc(cat->ntables + 1, sizeof(bool));
	if (read_columns(c, &map, err) < 0 || read_fks(c, &map, err) < 0 ||
	    read_indexes(c, &map, cat, pk_indexed, err) < 0 ||
	    read_row_counts(c, cat, &map, err) < 0)
		goto cleanup;
	read_sizes(c, &map);

	/* INTEGER PRIMARY KEY (a rowid alias: a single-column INTEGER key with
	 * no index of its own) numbers itself. */
	for (size_t i = 0; i < cat->ntables; i++) {
		struct cat_table *t = &cat->tables[i];
		if (t->is_view || t->pk.ncols != 1 || pk_indexed[i])
			continue;
		struct cat_column *col = cat_table_find_column(t, t->pk.cols[0]);
		if (col && str_ieq(col->type, "INTEGER")) {
			col->auto_increment = true;
			col->nullable = false;
		}
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	db_table_map_release(&map);
	free(pk_indexed);
	return ret;
}

static int sqlite_set_timeout(struct db_conn *conn, unsigned ms, struct mb_err *err)
{
	sq(conn)->timeout_ms = ms;
	return 0;
}

static char *sqlite_server_version(struct db_conn *conn)
{
	return xasprintf("SQLite %s", sqlite3_libversion());
}

static const char *sqlite_client_version(void)
{
	static char buf[64];
	if (!buf[0])
		snprintf(buf, sizeof(buf), "sqlite %s", sqlite3_libversion());
	return buf;
}

static char *sqlite_identity(struct db_conn *conn, struct mb_err *err)
{
	struct stat st;
	if (stat(conn->url.path, &st) < 0) {
		mb_err_set(err, MB_ERR_IO, "'%s': %s", conn->url.display, strerror(errno));
		return NULL;
	}
	return xasprintf("sqlite:%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
}

const struct db_driver db_sqlite_driver = {
	.version = 1,
	.name = "sqlite",
	.engine = DB_ENGINE_SQLITE,
	.caps = {
		.real_schemas = false,
		.copy_stream = false,
		.tablesample = false,
		.exported_snapshot = false,
		.transactional_ddl = true,
		.statement_timeout = true, /* enforced by a progress handler */
		.ident_quote = '"',
	},
	.open = sqlite_open,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.query = sqlite_query,
	.rows_next = sqlite_rows_next,
	.rows_close = sqlite_rows_close,
	.quote_ident = sqlite_quote_ident,
	.quote_literal = sqlite_quote_literal,
	.read_catalog = sqlite_read_catalog,
	.set_timeout = sqlite_set_timeout,
	.server_version = sqlite_server_version,
	.client_version = sqlite_client_version,
	.identity = sqlite_identity,
};

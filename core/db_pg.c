/*
 * db_pg.c - the PostgreSQL driver (libpq); see db.h.
 *
 * Source mode: one REPEATABLE READ READ ONLY transaction for the life of
 * the connection. Because any error aborts a PostgreSQL transaction, each
 * statement on a source connection runs under a savepoint (one extra round
 * trip "RELEASE; SAVEPOINT" before it) and a failure rolls back to it, so
 * the snapshot survives a failed statement.
 * Target mode: autocommit; the caller opens transactions itself.
 * Rows stream in single-row mode: one PGresult (one row) at a time.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/catalog.h"
#include "core/db.h"
#include "core/db_internal.h"

#define SAVEPOINT "mb_stmt"

struct pg_conn {
	struct db_conn base;
	PGconn *pg;
	bool have_savepoint;  /* source: a savepoint is open */
	bool snapshot_taken;  /* source: a statement ran in the transaction */
};

struct pg_rows {
	struct db_rows base;
	PGresult *cur;        /* the row being shown */
	PGresult *pending;    /* fetched by query(), shown by the first next() */
	bool done;
	bool failed;
};

static struct pg_conn *pgc(struct db_conn *conn)
{
	return (struct pg_conn *)conn;
}

/* Sets err from a failed result (or the connection when res is NULL). */
static int fail_res(struct pg_conn *c, const PGresult *res, struct mb_err *err,
		    const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	enum db_outcome o;
	struct strbuf sb = STRBUF_INIT;

	if (PQstatus(c->pg) == CONNECTION_BAD) {
		o = DB_FAIL_CONNECTION;
		if (!msg)
			msg = PQerrorMessage(c->pg);
	} else if (state) {
		o = db_outcome_from_sqlstate(state);
	} else {
		o = DB_FAIL_OTHER;
	}
	if (!msg)
		msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg);
	db_add_server_message(&sb, msg, o);
	db_fail(&c->base, err, state, o, "%s failed (%s): %s", what,
		db_outcome_name(o), sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* Runs a statement whose result is not interesting; -1 with err on failure. */
static int run_raw(struct pg_conn *c, const char *sql, struct mb_err *err,
		   const char *what)
{
	db_trace(&c->base, sql);
	PGresult *res = PQexec(c->pg, sql);
	ExecStatusType s = PQresultStatus(res);
	int ret = 0;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		ret = fail_res(c, res, err, what);
	PQclear(res);
	return ret;
}

/* Source mode: open a fresh savepoint before a statement. */
static int before_stmt(struct pg_conn *c, struct mb_err *err)
{
	if (c->base.mode != DB_MODE_SOURCE)
		return 0;
	c->snapshot_taken = true;
	if (run_raw(c, c->have_savepoint
		    ? "RELEASE SAVEPOINT " SAVEPOINT "; SAVEPOINT " SAVEPOINT
		    : "SAVEPOINT " SAVEPOINT, err, "statement") < 0)
		return -1;
	c->have_savepoint = true;
	return 0;
}

/* Source mode: after a failure, return to the savepoint; keeps err. */
static void after_failure(struct pg_conn *c)
{
	if (c->base.mode != DB_MODE_SOURCE || !c->have_savepoint ||
	    PQstatus(c->pg) != CONNECTION_OK ||
	    PQtransactionStatus(c->pg) != PQTRANS_INERROR)
		return;
	db_trace(&c->base, "ROLLBACK TO SAVEPOINT " SAVEPOINT);
	PQclear(PQexec(c->pg, "ROLLBACK TO SAVEPOINT " SAVEPOINT));
}

static void pg_close(struct db_conn *conn)
{
	struct pg_conn *c = pgc(conn);
	if (c->pg)
		PQfinish(c->pg);
	free(c);
}

/* The first line of libpq's connection error, for a one-line message. */
static void connect_reason(struct strbuf *sb, const char *msg)
{
	/* libpq 15: "connection to server at ... failed: FATAL:  reason" */
	size_t n = strcspn(msg, "\n");
	while (n && (msg[n - 1] == ' ' || msg[n - 1] == '\r'))
		n--;
	strbuf_add(sb, msg, n);
}

/*
 * libpq keywords from the parsed address, so libpq connects to exactly
 * what db_url_parse() understood (a password with an unescaped '@' or '/'
 * included) and never echoes raw address text in its messages. Missing
 * parts stay unset: PG* variables and ~/.pgpass apply as in psql.
 */
struct kw {
	const char *keys[64];
	const char *vals[64];
	char *owned[64];
	int n, nowned;
};

static void kw_add(struct kw *kw, const char *key, const char *val)
{
	if (val && kw->n < (int)ARRAY_SIZE(kw->keys) - 1) {
		kw->keys[kw->n] = key;
		kw->vals[kw->n++] = val;
	}
}

static const char *kw_own(struct kw *kw, char *s)
{
	if (s && kw->nowned < (int)ARRAY_SIZE(kw->owned))
		kw->owned[kw->nowned++] = s;
	return s;
}

static void kw_release(struct kw *kw)
{
	for (int i = 0; i < kw->nowned; i++) {
		secure_zero(kw->owned[i], strlen(kw->owned[i]));
		free(kw->owned[i]);
	}
	kw->nowned = 0;
}

/* "h1:5432,[::1]:5433,h3" -> host "h1,::1,h3", port "5432,5433," */
static void split_hosts(struct kw *kw, const char *list)
{
	struct strbuf hosts = STRBUF_INIT, ports = STRBUF_INIT;
	bool any_port = false;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		const char *item = p, *iend = p + n, *pc = NULL;
		if (*item == '[') {
			const char *rb = memchr(item, ']', n);
			if (rb) {
				strbuf_add(&hosts, item + 1, (size_t)(rb - item - 1));
				pc = rb + 1 < iend && rb[1] == ':' ? rb + 1 : NULL;
			} else {
				strbuf_add(&hosts, item, n);
			}
		} else {
			pc = memchr(item, ':', n);
			strbuf_add(&hosts, item, (size_t)((pc ? pc : iend) - item));
		}
		if (pc) {
			strbuf_add(&ports, pc + 1, (size_t)(iend - pc - 1));
			any_port = true;
		}
		p = *iend ? iend + 1 : iend;
		if (*iend) {
			strbuf_addch(&hosts, ',');
			strbuf_addch(&ports, ',');
		}
	}
	kw_add(kw, "host", kw_own(kw, strbuf_detach(&hosts, NULL)));
	if (any_port)
		kw_add(kw, "port", kw_own(kw, strbuf_detach(&ports, NULL)));
	strbuf_release(&ports);
}

static int url_keywords(const struct db_url *url, struct kw *kw, struct mb_err *err)
{
	kw_add(kw, "fallback_application_name", "maskbench");
	kw_add(kw, "client_encoding", "UTF8");
	if (url->host && strchr(url->host, ','))
		split_hosts(kw, url->host);
	else
		kw_add(kw, "host", url->host);
	if (url->port)
		kw_add(kw, "port", kw_own(kw, xasprintf("%u", url->port)));
	kw_add(kw, "user", url->user);
	kw_add(kw, "password", url->password);
	kw_add(kw, "dbname", url->dbname);
	for (const char *p = url->params; p && *p;) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		if (n) {
			if (!eq)
				return mb_err_set(err, MB_ERR_USAGE,
						  "malformed address '%s': parameter without '='",
						  url->display);
			char *k = db_pct_decode(p, (size_t)(eq - p));
			char *v = db_pct_decode(eq + 1, (size_t)(p + n - eq - 1));
			kw_own(kw, k);
			kw_own(kw, v);
			if (!k || !v)
				return mb_err_set(err, MB_ERR_USAGE,
						  "malformed address '%s': bad percent-escape in parameters",
						  url->display);
			kw_add(kw, k, v);
		}
		p += n;
		if (*p == '&')
			p++;
	}
	kw->keys[kw->n] = NULL;
	kw->vals[kw->n] = NULL;
	return 0;
}

/*
 * Server NOTICEs ("schema ... does not exist, skipping", RAISE NOTICE of a
 * user's function) never reach the user's terminal: libpq's default
 * processor prints them on stderr. They go to the SQL trace (MB_TRACE_SQL)
 * when it is on, else nowhere. Warnings and errors still arrive as results.
 */
static void pg_notice(void *arg, const char *message)
{
	const struct db_conn *conn = arg;
	struct strbuf sb = STRBUF_INIT;
	if (!getenv("MB_TRACE_SQL"))
		return;
	strbuf_addstr(&sb, "-- server notice: ");
	strbuf_addstr(&sb, message);
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
		strbuf_setlen(&sb, sb.len - 1);
	db_trace(conn, sb.buf);
	strbuf_release(&sb);
}

static int pg_open(const struct db_url *url, enum db_mode mode,
		   struct db_conn **out, struct mb_err *err)
{
	struct pg_conn *c = xcalloc(1, sizeof(*c));
	struct strbuf why = STRBUF_INIT;
	struct kw kw = { 0 };

	c->base.mode = mode;
	if (url_keywords(url, &kw, err) < 0)
		goto fail;
	c->pg = PQconnectdbParams(kw.keys, kw.vals, 0);
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
		connect_reason(&why, c->pg ? PQerrorMessage(c->pg) : "out of memory");
		mb_err_set(err, MB_ERR_CONNECT, "cannot connect to '%s': %s",
			   url->display, why.buf);
		goto fail;
	}
	PQsetNoticeProcessor(c->pg, pg_notice, &c->base);
	if (mode == DB_MODE_SOURCE) {
		struct mb_err e2 = MB_ERR_INIT;
		if (run_raw(c, "SET default_transaction_read_only = on", &e2, "setup") < 0 ||
		    run_raw(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", &e2,
			    "setup") < 0) {
			mb_err_set(err, MB_ERR_CONNECT, "cannot open '%s' as a source: %s",
				   url->display, e2.msg);
			goto fail;
		}
	}
	kw_release(&kw);
	strbuf_release(&why);
	*out = &c->base;
	return 0;
fail:
	kw_release(&kw);
	strbuf_release(&why);
	pg_close(&c->base);
	return -1;
}

static int pg_exec(struct db_conn *conn, const char *sql, struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	if (before_stmt(c, err) < 0)
		return -1;
	if (run_raw(c, sql, err, "statement") < 0) {
		after_failure(c);
		return -1;
	}
	return 0;
}

static void rows_free(struct pg_rows *r)
{
	for (size_t i = 0; i < r->base.ncols; i++)
		free(r->base.names[i]);
	free(r->base.names);
	free(r->base.values);
	free(r->base.lengths);
	PQclear(r->cur);
	PQclear(r->pending);
	free(r);
}

/* Reads what is left of a result stream; true if it ended in an error. */
static bool drain(struct pg_conn *c)
{
	PGresult *res;
	bool failed = false;
	while ((res = PQgetResult(c->pg))) {
		ExecStatusType s = PQresultStatus(res);
		if (s == PGRES_FATAL_ERROR)
			failed = true;
		else if (s == PGRES_COPY_OUT) {
			/* a COPY sent through query(): read it to the end */
			char *buf;
			while (PQgetCopyData(c->pg, &buf, 0) > 0)
				PQfreemem(buf);
		}
		PQclear(res);
		if (PQstatus(c->pg) == CONNECTION_BAD)
			break;
	}
	return failed;
}

/* Stops the running statement early: cancel, then read to the end. */
static void cancel_and_drain(struct pg_conn *c)
{
	PGcancel *cn = PQgetCancel(c->pg);
	if (cn) {
		char buf[256];
		PQcancel(cn, buf, sizeof(buf));
		PQfreeCancel(cn);
	}
	if (drain(c))
		after_failure(c);
}

static int pg_query(struct db_conn *conn, const char *sql, struct db_rows **out,
		    struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	struct pg_rows *r;
	PGresult *res;
	ExecStatusType s;

	if (before_stmt(c, err) < 0)
		return -1;
	db_trace(conn, sql);
	if (!PQsendQuery(c->pg, sql)) {
		fail_res(c, NULL, err, "query");
		after_failure(c);
		return -1;
	}
	PQsetSingleRowMode(c->pg);
	res = PQgetResult(c->pg);
	s = PQresultStatus(res);
	if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		fail_res(c, res, err, "query");
		PQclear(res);
		drain(c);
		after_failure(c);
		return -1;
	}
	r = xcalloc(1, sizeof(*r));
	r->base.conn = conn;
	r->base.ncols = (size_t)PQnfields(res);
	r->base.names = xcalloc(r->base.ncols + 1, sizeof(char *));
	r->base.values = xcalloc(r->base.ncols + 1, sizeof(char *));
	r->base.lengths = xcalloc(r->base.ncols + 1, sizeof(size_t));
	for (size_t i = 0; i < r->base.ncols; i++)
		r->base.names[i] = xstrdup(PQfname(res, (int)i));
	r->pending = res;
	*out = &r->base;
	return 0;
}

static int pg_rows_next(struct db_rows *rows, struct mb_err *err)
{
	struct pg_rows *r = (struct pg_rows *)rows;
	struct pg_conn *c = pgc(rows->conn);
	PGresult *res;

	PQclear(r->cur);
	r->cur = NULL;
	if (r->done)
		return 0;
	if (r->pending) {
		res = r->pending;
		r->pending = NULL;
	} else {
		res = PQgetResult(c->pg);
	}
	switch (PQresultStatus(res)) {
	case PGRES_SINGLE_TUPLE:
		r->cur = res;
		for (size_t i = 0; i < rows->ncols; i++) {
			if (PQgetisnull(res, 0, (int)i)) {
				rows->values[i] = NULL;
				rows->lengths[i] = 0;
			} else {
				rows->values[i] = PQgetvalue(res, 0, (int)i);
				rows->lengths[i] = (size_t)PQgetlength(res, 0, (int)i);
			}
		}
		return 1;
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		PQclear(res);
		r->done = true;
		if (drain(c)) {
			r->failed = true;
			after_failure(c);
			return db_fail(rows->conn, err, NULL, DB_FAIL_OTHER,
				       "reading rows failed: a later statement failed");
		}
		return 0;
	default:
		fail_res(c, res, err, "reading rows");
		PQclear(res);
		r->done = true;
		r->failed = true;
		drain(c);
		after_failure(c);
		return -1;
	}
}

static void pg_rows_close(struct db_rows *rows)
{
	struct pg_rows *r = (struct pg_rows *)rows;
	if (!r->done)
		cancel_and_drain(pgc(rows->conn));
	rows_free(r);
}

static void pg_quote_ident(struct db_conn *conn, struct strbuf *sb, const char *name)
{
	db_quote_ident_std(sb, name, '"');
}

static void pg_quote_literal(struct db_conn *conn, struct strbuf *sb,
			     const char *s, size_t len)
{
	char *q = PQescapeLiteral(pgc(conn)->pg, s, len);
	if (q) {
		strbuf_addstr(sb, q);
		PQfreemem(q);
		return;
	}
	/* Only on invalid encoding / out of memory: standard quoting, E'' for
	 * backslashes so standard_conforming_strings does not matter. */
	bool bs = memchr(s, '\\', len) != NULL;
	if (bs)
		strbuf_addch(sb, 'E');
	strbuf_addch(sb, '\'');
	for (size_t i = 0; i < len && s[i]; i++) {
		if (s[i] == '\'' || (bs && s[i] == '\\'))
			strbuf_addch(sb, s[i]);
		strbuf_addch(sb, s[i]);
	}
	strbuf_addch(sb, '\'');
}

/* ---------------------------------------------------------------------------
 * Catalog: four queries whatever the number of tables.
 */
#define PG_REL_FILTER \
	" n.nspname NOT IN ('pg_catalog', 'information_schema')" \
	" AND n.nspname NOT LIKE 'pg\\_toast%'" \
	" AND n.nspname NOT LIKE 'pg\\_temp\\_%'" \
	" AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition"

/*
 * Sizes: pg_total_relation_size() stats every file (8 s for 10,000
 * tables), so beyond SIZE_EXACT_MAX relations the size comes from the
 * page counts of the last VACUUM/ANALYZE (table + TOAST + indexes).
 */
#define SIZE_EXACT_MAX "2000"
static const char q_tables[] =
	"SELECT n.nspname, c.relname, c.relkind, c.reltuples::bigint,"
	" CASE WHEN c.relkind NOT IN ('r', 'p', 'm') THEN NULL"
	"  WHEN (SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p', 'm')) <= "
	SIZE_EXACT_MAX " THEN pg_total_relation_size(c.oid)"
	"  ELSE (c.relpages::bigint + coalesce(t.relpages, 0)"
	"   + coalesce((SELECT sum(i.relpages) FROM pg_index x"
	"    JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid), 0))"
	"   * current_setting('block_size')::bigint END"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_class t ON t.oid = c.reltoastrelid"
	" WHERE" PG_REL_FILTER;

/* In attnum order per table: catalog_add_column() numbers them. */
static const char q_columns[] =
	"SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),"
	" a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,"
	" a.attnum"
	" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
	" WHERE a.attnum > 0 AND NOT a.attisdropped AND" PG_REL_FILTER
	" ORDER BY a.attrelid, a.attnum";

/*
 * One row per constraint with its column numbers in key order (composite
 * keys keep their order); numbers become names through the columns read
 * before, which is much cheaper than joining pg_attribute per column.
 */
static const char q_constraints[] =
	"SELECT n.nspname, c.relname, con.conname, con.contype, con.condeferrable,"
	" con.conkey, rn.nspname, rc.relname, con.confkey"
	" FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_class rc ON rc.oid = con.confrelid"
	" LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace"
	" WHERE con.contype IN ('p', 'u', 'f') AND con.conparentid = 0 AND"
	PG_REL_FILTER
	" ORDER BY con.oid";

/* Indexes that do not back a constraint (those come back with it). */
static const char q_indexes[] =
	"SELECT n.nspname, c.relname, i.relname, pg_get_indexdef(x.indexrelid),"
	" x.indisunique"
	" FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
	" JOIN pg_class c ON c.oid = x.indrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE" PG_REL_FILTER
	" AND NOT EXISTS (SELECT 1 FROM pg_constraint con"
	"  WHERE con.conindid = x.indexrelid AND con.conrelid = x.indrelid"
	"  AND con.contype IN ('p', 'u', 'x'))"
	" ORDER BY x.indrelid, x.indexrelid";

/* Runs a catalog query whole (PGresult): catalog rows are small. */
static PGresult *cat_query(struct pg_conn *c, const char *sql, struct mb_err *err)
{
	db_trace(&c->base, sql);
	PGresult *res = PQexec(c->pg, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fail_res(c, res, err, "catalog query");
		PQclear(res);
		return NULL;
	}
	return res;
}

static const char *val(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static int64_t val_i64(const PGresult *res, int row, int col)
{
	const char *v = val(res, row, col);
	return v ? strtoll(v, NULL, 10) : -1;
}

static bool val_true(const PGresult *res, int row, int col)
{
	const char *v = val(res, row, col);
	return v && *v == 't';
}

/* attnum -> column name, per table (dropped columns leave gaps). */
struct attnums {
	int **num;      /* [table index][column index] */
};

static const char *att_name(const struct catalog *cat, const struct attnums *an,
			    const struct cat_table *t, int attnum)
{
	if (!t)
		return NULL;
	const int *nums = an->num[t - cat->tables];
	for (size_t i = 0; nums && i < t->ncols; i++)
		if (nums[i] == attnum)
			return t->cols[i].name;
	return NULL;
}

/* Parses an int2[] in text form ("{1,3}"); returns the count (<= max). */
static size_t parse_int_array(const char *s, int *out, size_t max)
{
	size_t n = 0;
	if (!s || *s != '{')
		return 0;
	for (s++; *s && *s != '}' && n < max;) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s)
			break;
		out[n++] = (int)v;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

#define MAX_KEY_COLS 64  /* PostgreSQL's INDEX_MAX_KEYS is 32 */

static void add_constraint(const struct catalog *cat, const struct attnums *an,
			   const struct db_table_map *map, struct cat_table *t,
			   const PGresult *res, int row)
{
	int keys[MAX_KEY_COLS], refkeys[MAX_KEY_COLS];
	const char *cols[MAX_KEY_COLS], *refs[MAX_KEY_COLS];
	const char *name = val(res, row, 2);
	char type = *PQgetvalue(res, row, 3);
	size_t n = parse_int_array(val(res, row, 5), keys, MAX_KEY_COLS);

	for (size_t i = 0; i < n; i++)
		if (!(cols[i] = att_name(cat, an, t, keys[i])))
			return; /* a column we did not list: leave the key out */
	if (type == 'p') {
		catalog_set_pk(t, name, n, cols);
	} else if (type == 'u') {
		catalog_add_unique(t, name, n, cols);
	} else {
		struct cat_table *rt = db_table_map_find(map, val(res, row, 6),
							 val(res, row, 7));
		size_t rn = parse_int_array(val(res, row, 8), refkeys, MAX_KEY_COLS);
		for (size_t i = 0; i < n; i++) {
			refs[i] = i < rn ? att_name(cat, an, rt, refkeys[i]) : NULL;
			if (!refs[i])
				refs[i] = "";
		}
		struct cat_fk *fk = catalog_add_fk(t, name, n, cols, val(res, row, 6),
						   val(res, row, 7), refs);
		fk->deferrable = val_true(res, row, 4);
	}
}

static int pg_read_catalog(struct db_conn *conn, struct catalog *cat,
			   struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	struct db_table_map map = { 0 };
	struct attnums an = { 0 };
	size_t *nalloc = NULL;
	PGresult *res = NULL;
	int ret = -1;

	if (before_stmt(c, err) < 0)
		return -1;
	if (!(res = cat_query(c, q_tables, err)))
		goto cleanup;
	for (int i = 0; i < PQntuples(res); i++) {
		struct cat_table *t = catalog_add_table(cat, val(res, i, 0), val(res, i, 1));
		char kind = *PQgetvalue(res, i, 2);
		t->is_view = kind == 'v' || kind == 'm';
		t->rows = t->is_view && kind == 'v' ? -1 : val_i64(res, i, 3);
		if (t->rows < 0)
			t->rows = -1;
		t->bytes = val_i64(res, i, 4);
	}
	PQclear(res);
	res = NULL;
	db_table_map_build(&map, cat);
	an.num = xcalloc(cat->ntables + 1, sizeof(*an.num));
	nalloc = xcalloc(cat->ntables + 1, sizeof(*nalloc));

	if (!(res = cat_query(c, q_columns, err)))
		goto cleanup;
	for (int i = 0; i < PQntuples(res); i++) {
		struct cat_table *t = db_table_map_find(&map, val(res, i, 0), val(res, i, 1));
		if (!t)
			continue;
		struct cat_column *col = catalog_add_column(t, val(res, i, 2),
							    val(res, i, 3),
							    !val_true(res, i, 4));
		const char *dflt = val(res, i, 5);
		const char *ident = val(res, i, 6);
		const char *gen = val(res, i, 7);
		size_t ti = (size_t)(t - cat->tables);
		ALLOC_GROW(an.num[ti], t->ncols, nalloc[ti]);
		an.num[ti][t->ncols - 1] = (int)val_i64(res, i, 8);
		col->generated = gen && *gen;
		if (dflt && !col->generated)
			col->default_expr = xstrdup(dflt);
		col->auto_increment = (ident && *ident) ||
			(dflt && str_starts_with(dflt, "nextval("));
	}
	PQclear(res);

	if (!(res = cat_query(c, q_constraints, err)))
		goto cleanup;
	for (int i = 0; i < PQntuples(res); i++) {
		struct cat_table *t = db_table_map_find(&map, val(res, i, 0), val(res, i, 1));
		if (t)
			add_constraint(cat, &an, &map, t, res, i);
	}
	PQclear(res);

	if (!(res = cat_query(c, q_indexes, err)))
		goto cleanup;
	for (int i = 0; i < PQntuples(res); i++) {
		struct cat_table *t = db_table_map_find(&map, val(res, i, 0), val(res, i, 1));
		if (t)
			catalog_add_index(t, val(res, i, 2), val(res, i, 3),
					  val_true(res, i, 4));
	}
	ret = 0;
cleanup:
	PQclear(res);
	if (ret < 0)
		after_failure(c);
	for (size_t i = 0; an.num && i < cat->ntables; i++)
		free(an.num[i]);
	free(an.num);
	free(nalloc);
	db_table_map_release(&map);
	return ret;
}

static int pg_set_timeout(struct db_conn *conn, unsigned ms, struct mb_err *err)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "SET statement_timeout = %u", ms);
	return pg_exec(conn, sql, err);
}

static char *pg_server_version(struct db_conn *conn)
{
	const char *v = PQparameterStatus(pgc(conn)->pg, "server_version");
	return v ? xasprintf("PostgreSQL %s", v) : NULL;
}

static const char *pg_client_version(void)
{
	static char buf[64];
	if (!buf[0]) {
		int v = PQlibVersion();
		snprintf(buf, sizeof(buf), "libpq %d.%d", v / 10000, v % 10000);
	}
	return buf;
}

/* Fetches one text value; NULL (err set) on failure. */
static char *query_value(struct pg_conn *c, const char *sql, struct mb_err *err)
{
	char *out = NULL;
	if (before_stmt(c, err) < 0)
		return NULL;
	db_trace(&c->base, sql);
	PGresult *res = PQexec(c->pg, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fail_res(c, res, err, "query");
		after_failure(c);
	} else {
		out = xstrdup(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return out;
}

static char *pg_identity(struct db_conn *conn, struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	struct mb_err ignored = MB_ERR_INIT;
	char *id;

	/* The cluster's system identifier when we may read it... */
	id = query_value(c, "SELECT 'pg:' || system_identifier || ':' || current_database()"
			 " FROM pg_control_system()", &ignored);
	if (id)
		return id;
	/* ...else where the server listens. */
	return query_value(c, "SELECT 'pg:' || coalesce(host(inet_server_addr()), 'local')"
			   " || ':' || current_setting('port') || ':' || current_database()",
			   err);
}

static int pg_copy_out(struct db_conn *conn, const char *copy_sql,
		       int (*on_chunk)(void *ctx, const char *buf, size_t len),
		       void *ctx, struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	PGresult *res;
	char *buf;
	int n, ret = -1;
	bool stopped = false;

	if (before_stmt(c, err) < 0)
		return -1;
	db_trace(conn, copy_sql);
	res = PQexec(c->pg, copy_sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		fail_res(c, res, err, "copy out");
		PQclear(res);
		after_failure(c);
		return -1;
	}
	PQclear(res);
	while ((n = PQgetCopyData(c->pg, &buf, 0)) > 0) {
		int r = stopped ? 0 : on_chunk(ctx, buf, (size_t)n);
		PQfreemem(buf);
		if (r < 0 && !stopped) {
			/* Stop the server, then read what is already on the way. */
			PGcancel *cn = PQgetCancel(c->pg);
			if (cn) {
				char ebuf[256];
				PQcancel(cn, ebuf, sizeof(ebuf));
				PQfreeCancel(cn);
			}
			stopped = true;
		}
		if (!stopped && conn->cancel)
			stopped = true;
	}
	res = PQgetResult(c->pg);
	if (n == -2 || PQresultStatus(res) != PGRES_COMMAND_OK) {
		if (!stopped)
			fail_res(c, res, err, "copy out");
	} else if (!stopped) {
		ret = 0;
	}
	PQclear(res);
	drain(c);
	if (stopped && (!err || err->kind == MB_ERR_NONE))
		mb_err_set(err, MB_ERR_CANCELLED, "copy out stopped by the caller");
	if (ret < 0)
		after_failure(c);
	return ret;
}

static int pg_copy_in_start(struct db_conn *conn, const char *copy_sql,
			    struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	if (before_stmt(c, err) < 0)
		return -1;
	db_trace(conn, copy_sql);
	PGresult *res = PQexec(c->pg, copy_sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		fail_res(c, res, err, "copy in");
		PQclear(res);
		drain(c);
		after_failure(c);
		return -1;
	}
	PQclear(res);
	return 0;
}

static int pg_copy_in_put(struct db_conn *conn, const char *buf, size_t len,
			  struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	while (len) {
		int part = len > (1 << 30) ? 1 << 30 : (int)len;
		if (PQputCopyData(c->pg, buf, part) != 1)
			return fail_res(c, NULL, err, "copy in");
		buf += part;
		len -= (size_t)part;
	}
	return 0;
}

static int pg_copy_in_end(struct db_conn *conn, struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	int ret = 0;
	/* With the cancel flag set the server rolls the COPY back. */
	if (PQputCopyEnd(c->pg, conn->cancel ? "cancelled" : NULL) != 1)
		return fail_res(c, NULL, err, "copy in");
	PGresult *res = PQgetResult(c->pg);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		ret = fail_res(c, res, err, "copy in");
	PQclear(res);
	drain(c);
	if (ret < 0)
		after_failure(c);
	return ret;
}

/*
 * Snapshots run outside the savepoint: PostgreSQL refuses to export or
 * import one inside a subtransaction.
 */
static char *pg_export_snapshot(struct db_conn *conn, struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	char *id = NULL;

	if (c->have_savepoint) {
		if (run_raw(c, "RELEASE SAVEPOINT " SAVEPOINT, err, "export snapshot") < 0)
			return NULL;
		c->have_savepoint = false;
	}
	db_trace(conn, "SELECT pg_export_snapshot()");
	PGresult *res = PQexec(c->pg, "SELECT pg_export_snapshot()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fail_res(c, res, err, "export snapshot");
	else
		id = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	c->snapshot_taken = true;
	return id;
}

static int pg_import_snapshot(struct db_conn *conn, const char *snapshot_id,
			      struct mb_err *err)
{
	struct pg_conn *c = pgc(conn);
	struct strbuf sql = STRBUF_INIT;
	int ret;

	if (c->snapshot_taken || c->have_savepoint)
		return mb_err_set(err, MB_ERR_INTERNAL,
				  "import snapshot: the connection already read data");
	strbuf_addstr(&sql, "SET TRANSACTION SNAPSHOT ");
	pg_quote_literal(conn, &sql, snapshot_id, strlen(snapshot_id));
	ret = run_raw(c, sql.buf, err, "import snapshot");
	strbuf_release(&sql);
	c->snapshot_taken = true;
	return ret;
}

const struct db_driver db_pg_driver = {
	.version = 1,
	.name = "postgresql",
	.engine = DB_ENGINE_PG,
	.caps = {
		.real_schemas = true,
		.copy_stream = true,
		.tablesample = true,
		.exported_snapshot = true,
		.transactional_ddl = true,
		.statement_timeout = true,
		.ident_quote = '"',
	},
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.query = pg_query,
	.rows_next = pg_rows_next,
	.rows_close = pg_rows_close,
	.quote_ident = pg_quote_ident,
	.quote_literal = pg_quote_literal,
	.read_catalog = pg_read_catalog,
	.set_timeout = pg_set_timeout,
	.server_version = pg_server_version,
	.client_version = pg_client_version,
	.identity = pg_identity,
	.copy_out = pg_copy_out,
	.copy_in_start = pg_copy_in_start,
	.copy_in_put = pg_copy_in_put,
	.copy_in_end = pg_copy_in_end,
	.export_snapshot = pg_export_snapshot,
	.import_snapshot = pg_import_snapshot,
};

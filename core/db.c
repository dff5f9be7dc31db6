/*
 * db.c - addresses, driver registration, the SQLSTATE table and the db_*
 * wrappers; see db.h.
 *
 * Address forms (decided here, documented for the README):
 *   postgresql://[user[:password]@][host[:port]][/dbname][?params]  (also postgres://)
 *   mysql://... and mariadb://... with the same shape
 *   sqlite:///abs/path.db      absolute path (empty authority, file-URI style)
 *   sqlite://rel/path.db       relative path: a local file has no host, so
 *   sqlite:rel/path.db         anything after the scheme is the path
 *   /any/path.db, rel.sqlite, x.sqlite3   bare paths by extension
 * Percent-escapes are decoded in user, password, host, dbname and SQLite
 * paths. The server forms keep the text as typed in `conninfo` (libpq and
 * the MySQL driver parse it); `display` is rebuilt without the password
 * and without any password=... parameter.
 */
#include "core/db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "core/catalog.h"
#include "core/db_internal.h"

/* ---------------------------------------------------------------------------
 * Driver registration: the only place that knows which engines exist.
 */
#ifndef MB_WITHOUT_PG
extern const struct db_driver db_pg_driver;
#endif
#ifndef MB_WITHOUT_SQLITE
extern const struct db_driver db_sqlite_driver;
#endif
#ifndef MB_WITHOUT_MYSQL
extern const struct db_driver db_mysql_driver;
#endif

const struct db_driver *db_driver_for(enum db_engine engine)
{
	switch (engine) {
#ifndef MB_WITHOUT_PG
	case DB_ENGINE_PG:
		return &db_pg_driver;
#endif
#ifndef MB_WITHOUT_MYSQL
	case DB_ENGINE_MYSQL:
		return &db_mysql_driver;
#endif
#ifndef MB_WITHOUT_SQLITE
	case DB_ENGINE_SQLITE:
		return &db_sqlite_driver;
#endif
	default:
		return NULL;
	}
}

const char *db_engine_name(enum db_engine engine)
{
	switch (engine) {
	case DB_ENGINE_PG: return "postgresql";
	case DB_ENGINE_MYSQL: return "mysql";
	case DB_ENGINE_SQLITE: return "sqlite";
	case DB_ENGINE_NONE: break;
	}
	return "none";
}

/* ---------------------------------------------------------------------------
 * Addresses
 */
struct scheme {
	const char *prefix;   /* including "://" or ":" */
	enum db_engine engine;
	const char *display;  /* scheme as shown */
};

static const struct scheme schemes[] = {
	{ "postgresql://", DB_ENGINE_PG, "postgresql" },
	{ "postgres://", DB_ENGINE_PG, "postgres" },
	{ "mysql://", DB_ENGINE_MYSQL, "mysql" },
	{ "mariadb://", DB_ENGINE_MYSQL, "mariadb" },
	{ "sqlite://", DB_ENGINE_SQLITE, "sqlite" },
	{ "sqlite:", DB_ENGINE_SQLITE, "sqlite" },
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes [s, s+len) into a new string; NULL on a bad escape or %00. */
char *db_pct_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		int hi = i + 1 < len ? hexval((unsigned char)s[i + 1]) : -1;
		int lo = i + 2 < len ? hexval((unsigned char)s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

/* True when the query parameter [p, p+len) is password=... (the key
 * compared decoded, so "pass%77ord=" counts too). */
static bool is_password_param(const char *p, size_t len)
{
	const char *eq = memchr(p, '=', len);
	char *key = db_pct_decode(p, eq ? (size_t)(eq - p) : len);
	bool yes = !key || str_ieq(key, "password"); /* undecodable: hide it */
	free(key);
	return yes;
}

/* Appends the query string without password=... parameters. */
static void add_redacted_params(struct strbuf *sb, const char *q)
{
	bool first = true;
	while (*q) {
		size_t n = strcspn(q, "&");
		if (n && !is_password_param(q, n)) {
			strbuf_addch(sb, first ? '?' : '&');
			strbuf_add(sb, q, n);
			first = false;
		}
		q += n;
		if (*q == '&')
			q++;
	}
}

static bool has_sqlite_ext(const char *s)
{
	return str_ends_with(s, ".db") || str_ends_with(s, ".sqlite") ||
	       str_ends_with(s, ".sqlite3");
}

static int malformed(struct mb_err *err, const char *display, const char *why)
{
	return mb_err_set(err, MB_ERR_USAGE, "malformed address '%s': %s",
			  display, why);
}

static int parse_sqlite(const char *text, const char *rest, struct db_url *out,
			struct mb_err *err)
{
	size_t plen = strcspn(rest, "?");
	struct strbuf disp = STRBUF_INIT;
	int ret = -1;

	strbuf_add(&disp, text, (size_t)(rest - text) + plen);
	if (rest[plen] == '?')
		add_redacted_params(&disp, rest + plen + 1);
	out->display = strbuf_detach(&disp, NULL);
	if (!plen) {
		malformed(err, out->display, "missing file path");
		goto cleanup;
	}
	out->path = db_pct_decode(rest, plen);
	if (!out->path) {
		malformed(err, out->display, "bad percent-escape");
		goto cleanup;
	}
	if (rest[plen] == '?' && rest[plen + 1])
		out->params = xstrdup(rest + plen + 1);
	out->conninfo = xstrdup(out->path);
	ret = 0;
cleanup:
	strbuf_release(&disp);
	return ret;
}

/* scheme://[user[:password]@][host[:port]][/dbname][?params] */
static int parse_server(const char *text, const struct scheme *sc,
			struct db_url *out, struct mb_err *err)
{
	const char *rest = text + strlen(sc->prefix);
	const char *at = strrchr(rest, '@');
	const char *host = at ? at + 1 : rest;
	const char *query = strchr(host, '?');
	const char *end = query ? query : host + strlen(host);
	const char *slash = memchr(host, '/', (size_t)(end - host));
	const char *hostend = slash ? slash : end;
	const char *colon = at ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
	struct strbuf disp = STRBUF_INIT;
	int ret = -1;

	/*
	 * The LAST '@' ends the user info, so a password holding an unescaped
	 * '/', '?', '#' or '@' is parsed whole and never shown (an '@' inside
	 * a query parameter must be written %40).
	 */
	strbuf_addstr(&disp, sc->display);
	strbuf_addstr(&disp, "://");
	if (at) {
		strbuf_add(&disp, rest, (size_t)((colon ? colon : at) - rest));
		strbuf_addch(&disp, '@');
	}
	strbuf_add(&disp, host, (size_t)(end - host));
	if (query)
		add_redacted_params(&disp, query + 1);
	out->display = strbuf_detach(&disp, NULL);

	if (at) {
		const char *uend = colon ? colon : at;
		if (uend > rest && !(out->user = db_pct_decode(rest, (size_t)(uend - rest)))) {
			malformed(err, out->display, "bad percent-escape in user");
			goto cleanup;
		}
		if (colon && !(out->password = db_pct_decode(colon + 1,
							  (size_t)(at - colon - 1)))) {
			malformed(err, out->display, "bad percent-escape in password");
			goto cleanup;
		}
	}

	/* host: [v6]:port, name:port, or a libpq list h1:p1,h2:p2 (kept whole). */
	if (memchr(host, ',', (size_t)(hostend - host))) {
		out->host = db_pct_decode(host, (size_t)(hostend - host));
	} else if (host < hostend) {
		const char *portp = NULL;
		if (*host == '[') {
			const char *rb = memchr(host, ']', (size_t)(hostend - host));
			if (!rb) {
				malformed(err, out->display, "unterminated '[' in host");
				goto cleanup;
			}
			if (rb + 1 < hostend) {
				if (rb[1] != ':') {
					malformed(err, out->display, "bad host");
					goto cleanup;
				}
				portp = rb + 2;
			}
			out->host = xstrndup(host + 1, (size_t)(rb - host - 1));
		} else {
			const char *pc = memchr(host, ':', (size_t)(hostend - host));
			const char *hend = pc ? pc : hostend;
			portp = pc ? pc + 1 : NULL;
			if (hend > host && !(out->host = db_pct_decode(host, (size_t)(hend - host)))) {
				malformed(err, out->display, "bad percent-escape in host");
				goto cleanup;
			}
		}
		if (portp && portp < hostend) {
			unsigned long v = 0;
			for (const char *p = portp; p < hostend; p++) {
				if (*p < '0' || *p > '9' || v > 65535) {
					v = 0;
					break;
				}
				v = v * 10 + (unsigned long)(*p - '0');
			}
			if (v == 0 || v > 65535) {
				malformed(err, out->display, "bad port");
				goto cleanup;
			}
			out->port = (unsigned)v;
		}
	}
	if (out->host && !*out->host) {
		free(out->host);
		out->host = NULL;
	}
	if (slash && slash + 1 < end) {
		if (memchr(slash + 1, '/', (size_t)(end - slash - 1))) {
			malformed(err, out->display, "'/' in database name (write %2F)");
			goto cleanup;
		}
		out->dbname = db_pct_decode(slash + 1, (size_t)(end - slash - 1));
		if (!out->dbname) {
			malformed(err, out->display, "bad percent-escape in database name");
			goto cleanup;
		}
	}
	if (query && query[1])
		out->params = xstrdup(query + 1);
	out->conninfo = xstrdup(text);
	ret = 0;
cleanup:
	strbuf_release(&disp);
	return ret;
}

int db_url_parse(const char *text, struct db_url *out, struct mb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return mb_err_set(err, MB_ERR_USAGE, "malformed address '': empty");

	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
		const struct scheme *sc = &schemes[i];
		if (strncasecmp(text, sc->prefix, strlen(sc->prefix)) != 0)
			continue;
		out->engine = sc->engine;
		int r = sc->engine == DB_ENGINE_SQLITE
			? parse_sqlite(text, text + strlen(sc->prefix), out, err)
			: parse_server(text, sc, out, err);
		if (r < 0) {
			db_url_release(out);
			return -1;
		}
		return 0;
	}

	if (!strstr(text, "://") && has_sqlite_ext(text)) {
		out->engine = DB_ENGINE_SQLITE;
		out->path = xstrdup(text);
		out->conninfo = xstrdup(text);
		out->display = xstrdup(text);
		return 0;
	}

	/* Unknown: show at most the scheme, never what might be a password. */
	const char *sep = strstr(text, "://");
	if (sep)
		return mb_err_set(err, MB_ERR_USAGE,
				  "malformed address '%.*s://...': unknown scheme "
				  "(postgresql://, mysql://, mariadb://, sqlite://)",
				  (int)(sep - text > 32 ? 32 : sep - text), text);
	return mb_err_set(err, MB_ERR_USAGE,
			  "malformed address '%s': not a URL and not a .db, "
			  ".sqlite or .sqlite3 file", strchr(text, '@') ? "..." : text);
}

void db_url_release(struct db_url *url)
{
	if (!url)
		return;
	free(url->conninfo);
	free(url->display);
	free(url->host);
	free(url->user);
	if (url->password) {
		secure_zero(url->password, strlen(url->password));
		free(url->password);
	}
	free(url->dbname);
	free(url->path);
	free(url->params);
	memset(url, 0, sizeof(*url));
}

/* ---------------------------------------------------------------------------
 * Outcomes: the one SQLSTATE table. Five-character entries win over the
 * two-character class entries.
 */
static const struct {
	const char *state;
	enum db_outcome outcome;
} sqlstate_table[] = {
	{ "3D000", DB_FAIL_NOT_FOUND },   /* invalid catalog (unknown database) */
	{ "3F000", DB_FAIL_NOT_FOUND },   /* invalid schema name */
	{ "42P01", DB_FAIL_NOT_FOUND },   /* undefined table */
	{ "42703", DB_FAIL_NOT_FOUND },   /* undefined column */
	{ "42704", DB_FAIL_NOT_FOUND },   /* undefined object */
	{ "42883", DB_FAIL_NOT_FOUND },   /* undefined function */
	{ "42S02", DB_FAIL_NOT_FOUND },   /* MySQL: unknown table */
	{ "42S22", DB_FAIL_NOT_FOUND },   /* MySQL: unknown column */
	{ "42601", DB_FAIL_SYNTAX },
	{ "42000", DB_FAIL_SYNTAX },      /* MySQL: syntax error or access rule */
	{ "42501", DB_FAIL_PERMISSION },
	{ "25006", DB_FAIL_READ_ONLY },   /* read-only SQL transaction */
	{ "57014", DB_FAIL_TIMEOUT },     /* query canceled / statement timeout */
	{ "70100", DB_FAIL_TIMEOUT },     /* MySQL: query interrupted */
	{ "57P01", DB_FAIL_CONNECTION },  /* admin shutdown */
	{ "57P02", DB_FAIL_CONNECTION },  /* crash shutdown */
	{ "57P03", DB_FAIL_CONNECTION },  /* cannot connect now */
	{ "08", DB_FAIL_CONNECTION },
	{ "28", DB_FAIL_AUTH },
	{ "23", DB_FAIL_CONSTRAINT },
	{ "22", DB_FAIL_DATA },
	{ "42", DB_FAIL_SYNTAX },         /* syntax error or access rule violation */
};

enum db_outcome db_outcome_from_sqlstate(const char *sqlstate)
{
	if (!sqlstate || strlen(sqlstate) < 5)
		return DB_FAIL_OTHER;
	if (strncmp(sqlstate, "00", 2) == 0)
		return DB_OK;
	for (size_t i = 0; i < ARRAY_SIZE(sqlstate_table); i++) {
		const char *s = sqlstate_table[i].state;
		if (strncmp(sqlstate, s, strlen(s)) == 0)
			return sqlstate_table[i].outcome;
	}
	return DB_FAIL_OTHER;
}

const char *db_outcome_name(enum db_outcome outcome)
{
	switch (outcome) {
	case DB_OK: return "ok";
	case DB_FAIL_CONNECTION: return "connection";
	case DB_FAIL_AUTH: return "auth";
	case DB_FAIL_NOT_FOUND: return "not found";
	case DB_FAIL_SYNTAX: return "syntax";
	case DB_FAIL_READ_ONLY: return "read only";
	case DB_FAIL_PERMISSION: return "permission";
	case DB_FAIL_CONSTRAINT: return "constraint";
	case DB_FAIL_DATA: return "data";
	case DB_FAIL_TIMEOUT: return "timeout";
	case DB_FAIL_OTHER: break;
	}
	return "other";
}

int (db_fail)(struct db_conn *conn, struct mb_err *err, const char *sqlstate,
	    enum db_outcome outcome, const char *fmt, ...)
{
	char msg[MB_ERR_MSG_SIZE];
	va_list ap;

	if (conn) {
		conn->last_outcome = outcome;
		memset(conn->sqlstate, 0, sizeof(conn->sqlstate));
		if (sqlstate)
			snprintf(conn->sqlstate, sizeof(conn->sqlstate), "%s", sqlstate);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	enum mb_err_kind kind = MB_ERR_DB;
	if (outcome == DB_FAIL_CONNECTION || outcome == DB_FAIL_AUTH)
		kind = MB_ERR_CONNECT;
	return mb_err_set(err, kind, "%s", msg);
}

/* ---------------------------------------------------------------------------
 * Wrappers
 */
int db_open(const char *text, enum db_mode mode, struct db_conn **out,
	    struct mb_err *err)
{
	struct db_url url;
	const struct db_driver *drv;

	*out = NULL;
	if (db_url_parse(text, &url, err) < 0)
		return -1;
	drv = db_driver_for(url.engine);
	if (!drv) {
		mb_err_set(err, MB_ERR_USAGE, "cannot open '%s': %s support is not compiled in",
			   url.display, db_engine_name(url.engine));
		db_url_release(&url);
		return -1;
	}
	if (drv->open(&url, mode, out, err) < 0) {
		db_url_release(&url);
		*out = NULL;
		return -1;
	}
	(*out)->drv = drv;
	(*out)->mode = mode;
	(*out)->url = url; /* ownership moves to the connection */
	return 0;
}

void db_close(struct db_conn *conn)
{
	if (!conn)
		return;
	struct db_url url = conn->url;
	conn->drv->close(conn);
	db_url_release(&url);
}

static void begin_call(struct db_conn *conn)
{
	conn->last_outcome = DB_OK;
	conn->sqlstate[0] = '\0';
}

int db_exec(struct db_conn *conn, const char *sql, struct mb_err *err)
{
	begin_call(conn);
	return conn->drv->exec(conn, sql, err);
}

int db_query(struct db_conn *conn, const char *sql, struct db_rows **out,
	     struct mb_err *err)
{
	begin_call(conn);
	*out = NULL;
	return conn->drv->query(conn, sql, out, err);
}

int db_rows_next(struct db_rows *rows, struct mb_err *err)
{
	if (rows->conn->cancel) {
		db_fail(rows->conn, err, "57014", DB_FAIL_TIMEOUT, "reading rows cancelled");
		if (err)
			err->kind = MB_ERR_CANCELLED;
		return -1;
	}
	return rows->conn->drv->rows_next(rows, err);
}

void db_rows_close(struct db_rows *rows)
{
	if (rows)
		rows->conn->drv->rows_close(rows);
}

void db_quote_ident(struct db_conn *conn, struct strbuf *sb, const char *name)
{
	conn->drv->quote_ident(conn, sb, name);
}

void db_quote_literal(struct db_conn *conn, struct strbuf *sb, const char *s,
		      size_t len)
{
	conn->drv->quote_literal(conn, sb, s, len);
}

void db_quote_table(struct db_conn *conn, struct strbuf *sb, const char *schema,
		    const char *table)
{
	if (schema && *schema && conn->drv->caps.real_schemas) {
		db_quote_ident(conn, sb, schema);
		strbuf_addch(sb, '.');
	}
	db_quote_ident(conn, sb, table);
}

int db_read_catalog(struct db_conn *conn, struct catalog *cat,
		    struct mb_err *err)
{
	begin_call(conn);
	if (conn->drv->read_catalog(conn, cat, err) < 0)
		return mb_err_prefix(err, "reading the catalog of '%s'",
				     conn->url.display);
	catalog_finish(cat);
	return 0;
}

int db_set_timeout(struct db_conn *conn, unsigned ms, struct mb_err *err)
{
	begin_call(conn);
	return conn->drv->set_timeout(conn, ms, err);
}

char *db_server_version(struct db_conn *conn)
{
	return conn->drv->server_version(conn);
}

char *db_identity(struct db_conn *conn, struct mb_err *err)
{
	begin_call(conn);
	return conn->drv->identity(conn, err);
}

static int unsupported(struct db_conn *conn, struct mb_err *err, const char *what)
{
	return db_fail(conn, err, NULL, DB_FAIL_OTHER, "%s is not supported by %s",
		       what, conn->drv->name);
}

int db_copy_out(struct db_conn *conn, const char *copy_sql,
		int (*on_chunk)(void *ctx, const char *buf, size_t len),
		void *ctx, struct mb_err *err)
{
	begin_call(conn);
	if (!conn->drv->copy_out)
		return unsupported(conn, err, "copy out");
	return conn->drv->copy_out(conn, copy_sql, on_chunk, ctx, err);
}

int db_copy_in_start(struct db_conn *conn, const char *copy_sql,
		     struct mb_err *err)
{
	begin_call(conn);
	if (!conn->drv->copy_in_start)
		return unsupported(conn, err, "copy in");
	return conn->drv->copy_in_start(conn, copy_sql, err);
}

int db_copy_in_put(struct db_conn *conn, const char *buf, size_t len,
		   struct mb_err *err)
{
	if (!conn->drv->copy_in_put)
		return unsupported(conn, err, "copy in");
	return conn->drv->copy_in_put(conn, buf, len, err);
}

int db_copy_in_end(struct db_conn *conn, struct mb_err *err)
{
	if (!conn->drv->copy_in_end)
		return unsupported(conn, err, "copy in");
	return conn->drv->copy_in_end(conn, err);
}

char *db_export_snapshot(struct db_conn *conn, struct mb_err *err)
{
	begin_call(conn);
	if (!conn->drv->export_snapshot) {
		unsupported(conn, err, "exporting a snapshot");
		return NULL;
	}
	if (conn->mode != DB_MODE_SOURCE) {
		mb_err_set(err, MB_ERR_INTERNAL, "exporting a snapshot needs a source connection");
		return NULL;
	}
	return conn->drv->export_snapshot(conn, err);
}

int db_open_snapshot(const char *text, const char *snapshot_id,
		     struct db_conn **out, struct mb_err *err)
{
	if (db_open(text, DB_MODE_SOURCE, out, err) < 0)
		return -1;
	if (!(*out)->drv->import_snapshot) {
		unsupported(*out, err, "importing a snapshot");
		goto fail;
	}
	if ((*out)->drv->import_snapshot(*out, snapshot_id, err) < 0)
		goto fail;
	return 0;
fail:
	mb_err_prefix(err, "'%s'", (*out)->url.display);
	db_close(*out);
	*out = NULL;
	return -1;
}

/* ---------------------------------------------------------------------------
 * SQL trace (tests): MB_TRACE_SQL names a file; each statement on its own
 * line, newlines inside a statement folded to spaces.
 */
void db_trace(const struct db_conn *conn, const char *sql)
{
	const char *path = getenv("MB_TRACE_SQL");
	if (!path || !*path || !sql)
		return;
	FILE *f = fopen(path, "a");
	if (!f)
		return;
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = sql; *p; p++)
		strbuf_addch(&sb, *p == '\n' || *p == '\r' ? ' ' : *p);
	strbuf_addch(&sb, '\n');
	(void)conn;
	fwrite(sb.buf, 1, sb.len, f);
	fclose(f);
	strbuf_release(&sb);
}

/* ---------------------------------------------------------------------------
 * Shared driver helpers (db_internal.h)
 */
static size_t table_hash(const char *schema, const char *name)
{
	size_t h = 1469598103934665603ULL & (size_t)-1;
	for (const char *p = schema ? schema : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * (size_t)1099511628211ULL;
	h = (h ^ 0x1f) * (size_t)1099511628211ULL;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * (size_t)1099511628211ULL;
	return h;
}

void db_table_map_build(struct db_table_map *map, const struct catalog *cat)
{
	map->cat = cat;
	map->cap = 16;
	while (map->cap < cat->ntables * 2)
		map->cap *= 2;
	map->slots = xmalloc(map->cap * sizeof(*map->slots));
	for (size_t i = 0; i < map->cap; i++)
		map->slots[i] = -1;
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *t = &cat->tables[i];
		size_t h = table_hash(t->schema, t->name) & (map->cap - 1);
		while (map->slots[h] >= 0)
			h = (h + 1) & (map->cap - 1);
		map->slots[h] = (int)i;
	}
}

struct cat_table *db_table_map_find(const struct db_table_map *map,
				    const char *schema, const char *name)
{
	if (!name)
		return NULL;
	size_t h = table_hash(schema, name) & (map->cap - 1);
	for (; map->slots[h] >= 0; h = (h + 1) & (map->cap - 1)) {
		struct cat_table *t = &map->cat->tables[map->slots[h]];
		if (str_eq(t->name, name) &&
		    (t->schema ? str_eq(t->schema, schema ? schema : "") : !schema || !*schema))
			return t;
	}
	return NULL;
}

void db_table_map_release(struct db_table_map *map)
{
	free(map->slots);
	memset(map, 0, sizeof(*map));
}

void db_add_server_message(struct strbuf *sb, const char *msg,
			   enum db_outcome outcome)
{
	if (!msg || !*msg) {
		strbuf_addstr(sb, "unknown error");
		return;
	}
	size_t n = strcspn(msg, "\r\n");
	if (outcome == DB_FAIL_DATA || outcome == DB_FAIL_CONSTRAINT) {
		const char *colon = memchr(msg, ':', n);
		if (colon) {
			strbuf_add(sb, msg, (size_t)(colon - msg));
			strbuf_addstr(sb, " (value withheld)");
			return;
		}
	}
	while (n && (msg[n - 1] == ' ' || msg[n - 1] == '.'))
		n--;
	strbuf_add(sb, msg, n);
}

void db_quote_ident_std(struct strbuf *sb, const char *name, char quote)
{
	strbuf_addch(sb, quote);
	for (const char *p = name; *p; p++) {
		if (*p == quote)
			strbuf_addch(sb, quote);
		strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, quote);
}

/*
 * db_mysql.c - the MySQL/MariaDB driver (libmariadb); see db.h.
 *
 * Addresses: connections read the [client] group of the usual option
 * files (/etc/my.cnf, ~/.my.cnf, ...) exactly as the mysql client does;
 * whatever the URL names (host, port, user, password, database) overrides
 * them. Query parameters: connect_timeout=SECONDS (default 10),
 * socket=PATH, ssl=1, ssl-ca=PATH, password=...; anything else is refused
 * (MB_ERR_USAGE). Every open failure is MB_ERR_CONNECT naming url.display.
 *
 * Modes: a source runs one REPEATABLE READ, READ ONLY transaction WITH
 * CONSISTENT SNAPSHOT for its whole life (writes fail with
 * DB_FAIL_READ_ONLY); a target autocommits and may LOAD DATA LOCAL, but
 * only from the stream copy_in feeds: a custom local-infile handler
 * refuses every other request, so a server can never read a local file.
 *
 * Rows are streamed with mysql_use_result(): while a db_rows or a copy_in
 * is open, any other statement on the connection fails ("busy"). Closing
 * a cancelled stream (conn->cancel) sends KILL QUERY from a second
 * connection instead of reading the rest of the result.
 *
 * Catalog: five queries whatever the number of tables; schema = database
 * (the connected one, or every non-system database when the URL names
 * none). Index definitions are "CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX
 * `i` ON `t` (...)" without a database qualifier; the primary key is not
 * repeated among the indexes.
 *
 * Bulk: copy_out takes a SELECT and hands one line per row in COPY text
 * form (tab-separated, \N for NULL, \\ \t \n \r \0 escaped); copy_in_start
 * takes "LOAD DATA LOCAL INFILE '<any name>' INTO TABLE ... CHARACTER SET
 * utf8mb4 (cols)" and copy_in_put streams the same text format; it runs in
 * a helper thread reading a socket pair (bounded memory). LOAD DATA LOCAL
 * turns bad rows into warnings, so copy_in_end fails (DB_FAIL_DATA) when
 * the server reports any.
 *
 * Errors: errno first (connection, auth, read-only, timeout, ...), then
 * SQLSTATE through db_outcome_from_sqlstate(). Server messages can quote
 * data ("Duplicate entry 'x' for key ..."); redact_message() cuts such
 * values out before anything reaches an mb_err.
 *
 * identity: "mysql:<@@server_uuid>:<db>" on MySQL, "mysql:<@@hostname>:
 * <@@port>:<db>" on MariaDB (which has no server uuid).
 */
#include "core/db.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "core/catalog.h"

#define MY_DEFAULT_CONNECT_TIMEOUT 10u

extern const struct db_driver db_mysql_driver;

/* A LOAD DATA LOCAL running in its own thread, fed through a socket pair. */
struct my_load {
	pthread_t thread;
	int fds[2];               /* [0] read by the server side, [1] written by put */
	atomic_int abort;         /* set before closing: the handler then fails */
	int rc;                   /* mysql_real_query() result in the thread */
	bool running;
};

struct my_conn {
	struct db_conn base;
	MYSQL *mysql;
	bool mariadb;             /* MariaDB server: max_statement_time, no server_uuid */
	bool in_result;           /* a use_result is open: no other statement now */
	struct my_load *load;     /* a copy_in in progress, else NULL */
};

struct my_rows {
	struct db_rows base;
	MYSQL_RES *res;
	bool done;
};

static struct my_conn *my(struct db_conn *conn)
{
	return (struct my_conn *)conn;
}

/* ---------------------------------------------------------------------------
 * Library setup: mysql_library_init() is not thread-safe, run it once.
 */
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_rc;
static char client_version_buf[64] = "libmariadb";

static void lib_init(void)
{
	const char *v = NULL;
	lib_rc = mysql_library_init(0, NULL, NULL);
	if (mariadb_get_infov(NULL, MARIADB_CLIENT_VERSION, &v) != 0 || !v)
		v = mysql_get_client_info();
	snprintf(client_version_buf, sizeof(client_version_buf), "libmariadb %s",
		 v ? v : "unknown");
}

static const char *my_client_version(void)
{
	pthread_once(&lib_once, lib_init);
	return client_version_buf;
}

/* ---------------------------------------------------------------------------
 * Errors
 */

/* Classifies a client/server error: errno first, then SQLSTATE. */
static enum db_outcome outcome_for(unsigned code, const char *sqlstate)
{
	switch (code) {
	case CR_CONNECTION_ERROR:         /* 2002 */
	case CR_CONN_HOST_ERROR:          /* 2003 */
	case CR_UNKNOWN_HOST:             /* 2005 */
	case CR_SERVER_GONE_ERROR:        /* 2006 */
	case CR_SERVER_LOST:              /* 2013 */
	case CR_SERVER_LOST_EXTENDED:     /* 2055 */
	case ER_CON_COUNT_ERROR:          /* 1040 too many connections */
	case ER_SERVER_SHUTDOWN:          /* 1053 */
	case ER_CONNECTION_KILLED:        /* 1927 (MariaDB) */
		return DB_FAIL_CONNECTION;
	case ER_ACCESS_DENIED_ERROR:      /* 1045 */
	case 1698:                        /* ER_ACCESS_DENIED_NO_PASSWORD_ERROR */
		return DB_FAIL_AUTH;
	case ER_DBACCESS_DENIED_ERROR:    /* 1044 */
	case ER_TABLEACCESS_DENIED_ERROR: /* 1142 */
	case ER_COLUMNACCESS_DENIED_ERROR:/* 1143 */
	case ER_SPECIFIC_ACCESS_DENIED_ERROR: /* 1227 */
		return DB_FAIL_PERMISSION;
	case ER_BAD_DB_ERROR:             /* 1049 */
	case ER_NO_SUCH_TABLE:            /* 1146 */
	case ER_BAD_FIELD_ERROR:          /* 1054 */
	case ER_BAD_TABLE_ERROR:          /* 1051 */
		return DB_FAIL_NOT_FOUND;
	case 1792:                        /* ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION */
	case ER_OPTION_PREVENTS_STATEMENT:/* 1290 --read-only server */
	case 1836:                        /* ER_READ_ONLY_MODE */
		return DB_FAIL_READ_ONLY;
	case 3024:                        /* MySQL max_execution_time exceeded */
	case 1969:                        /* MariaDB ER_STATEMENT_TIMEOUT */
	case ER_QUERY_INTERRUPTED:        /* 1317 */
	case ER_LOCK_WAIT_TIMEOUT:        /* 1205 */
		return DB_FAIL_TIMEOUT;
	case ER_PARSE_ERROR:              /* 1064 */
		return DB_FAIL_SYNTAX;
	case ER_DUP_ENTRY:                /* 1062 */
	case ER_ROW_IS_REFERENCED_2:      /* 1451 */
	case ER_NO_REFERENCED_ROW_2:      /* 1452 */
	case ER_BAD_NULL_ERROR:           /* 1048 */
		return DB_FAIL_CONSTRAINT;
	default:
		break;
	}
	enum db_outcome o = db_outcome_from_sqlstate(sqlstate);
	return o == DB_OK ? DB_FAIL_OTHER : o;
}

/*
 * Copies a server message into sb with any quoted data value replaced by
 * '...': "Duplicate entry '<v>' for key 'k'", "Incorrect integer value:
 * '<v>' for column ...", "... near '<sql>' at line 1", "Invalid utf8mb4
 * character string: '<hex>'", "... out of range in '<expr>'", "Illegal T
 * '<v>' value found during parsing". A value may itself hold quotes, so
 * the redacted span runs from the marker to the LAST server-written suffix
 * ("' for ", "' at line ") or, without one, to the end of the message:
 * it can only cut too much, never too little.
 */
static void redact_message(struct strbuf *sb, const char *msg)
{
	static const char *const before[] = {
		"entry '", "value: '", "string: '", " near '", "out of range in '",
		"value '",
	};
	static const char *const after[] = { "' for ", "' at line " };
	const char *start = NULL, *end = NULL, *p;

	for (size_t i = 0; i < ARRAY_SIZE(before); i++) {
		p = strstr(msg, before[i]);
		if (p && (!start || p + strlen(before[i]) < start))
			start = p + strlen(before[i]);
	}
	/* "Illegal T '<v>' value found": the value starts at the first quote */
	p = strstr(msg, "' value found during parsing");
	if (p && strchr(msg, '\'') < p) {
		const char *q = strchr(msg, '\'') + 1;
		if (!start || q < start)
			start = q;
	}
	if (!start) {
		strbuf_addstr(sb, msg);
		return;
	}
	strbuf_add(sb, msg, (size_t)(start - msg));
	strbuf_addstr(sb, "...");
	for (size_t i = 0; i < ARRAY_SIZE(after); i++)
		for (p = strstr(start, after[i]); p; p = strstr(p + 1, after[i]))
			if (!end || p > end)
				end = p;
	if (!end && (p = strstr(start, "' value found during parsing")))
		end = p;
	strbuf_addstr(sb, end ? end : "'");
}

/*
 * Records the current error of c->mysql on the connection and in err:
 * "<what>: <server message> (mysql error N)". Returns -1.
 */
static int my_fail(struct my_conn *c, struct mb_err *err, const char *what)
{
	unsigned code = mysql_errno(c->mysql);
	const char *state = mysql_sqlstate(c->mysql);
	struct strbuf msg = STRBUF_INIT;

	if (!code) {
		db_fail(&c->base, err, NULL, DB_FAIL_OTHER, "%s: unknown mysql error", what);
		return -1;
	}
	redact_message(&msg, mysql_error(c->mysql));
	db_fail(&c->base, err, state, outcome_for(code, state),
		"%s: %s (mysql error %u)", what, msg.buf, code);
	strbuf_release(&msg);
	return -1;
}

static int busy(struct my_conn *c, struct mb_err *err)
{
	db_fail(&c->base, err, NULL, DB_FAIL_OTHER,
		"mysql connection is busy: a result or a copy is still open");
	return -1;
}

/* ---------------------------------------------------------------------------
 * Open and close
 */

static int parse_bool(const char *v)
{
	if (str_ieq(v, "1") || str_ieq(v, "true") || str_ieq(v, "yes") ||
	    str_ieq(v, "on") || str_ieq(v, "required"))
		return 1;
	if (str_ieq(v, "0") || str_ieq(v, "false") || str_ieq(v, "no") ||
	    str_ieq(v, "off") || str_ieq(v, "disabled"))
		return 0;
	return -1;
}

/*
 * Applies ?key=value&... to the handle; *socket_path and *password (from
 * password=..., used when the URL has no user:password@) get new strings.
 */
static int apply_params(MYSQL *m, const struct db_url *url, char **socket_path,
			char **password, struct mb_err *err)
{
	unsigned timeout = MY_DEFAULT_CONNECT_TIMEOUT;
	char *copy = xstrdup(url->params ? url->params : "");
	char *save = NULL;
	size_t copy_len = strlen(copy);
	int ret = -1;

	for (char *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		const char *val = eq ? eq + 1 : "";
		if (eq)
			*eq = '\0';
		if (str_eq(kv, "connect_timeout")) {
			char *end;
			unsigned long v = strtoul(val, &end, 10);
			if (!*val || *end || v == 0 || v > 3600) {
				mb_err_set(err, MB_ERR_USAGE, "bad connect_timeout in '%s'",
					   url->display);
				goto cleanup;
			}
			timeout = (unsigned)v;
		} else if (str_eq(kv, "socket")) {
			free(*socket_path);
			*socket_path = xstrdup(val);
		} else if (str_eq(kv, "ssl") || str_eq(kv, "ssl-mode") ||
			   str_eq(kv, "sslmode")) {
			int b = parse_bool(val);
			if (b < 0) {
				mb_err_set(err, MB_ERR_USAGE, "bad %s value in '%s'", kv,
					   url->display);
				goto cleanup;
			}
			my_bool on = (my_bool)b;
			mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
		} else if (str_eq(kv, "ssl-ca")) {
			mysql_optionsv(m, MYSQL_OPT_SSL_CA, val);
		} else if (str_eq(kv, "password")) {
			/* display never shows it */
			if (*password) {
				secure_zero(*password, strlen(*password));
				free(*password);
			}
			*password = xstrdup(val);
		} else {
			mb_err_set(err, MB_ERR_USAGE,
				   "unknown parameter '%s' in '%s' (connect_timeout, "
				   "socket, ssl, ssl-ca)", kv, url->display);
			goto cleanup;
		}
	}
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	ret = 0;
cleanup:
	secure_zero(copy, copy_len);
	free(copy);
	return ret;
}

/* Runs one statement that returns no rows (setup, SET, START ...). */
static int run(struct my_conn *c, const char *sql, struct mb_err *err)
{
	db_trace(&c->base, sql);
	if (mysql_real_query(c->mysql, sql, strlen(sql)) != 0)
		return my_fail(c, err, "statement failed");
	MYSQL_RES *res = mysql_store_result(c->mysql);
	if (res)
		mysql_free_result(res);
	else if (mysql_field_count(c->mysql) != 0)
		return my_fail(c, err, "reading the result failed");
	for (;;) {
		int r = mysql_next_result(c->mysql);
		if (r < 0)
			break;
		if (r > 0)
			return my_fail(c, err, "statement failed");
		res = mysql_store_result(c->mysql);
		if (res)
			mysql_free_result(res);
	}
	return 0;
}

static void my_close(struct db_conn *conn);
static void infile_refuse(MYSQL *m);

/*
 * Sets the options of a fresh handle from the option files and the URL,
 * then connects. Returns 0; -1 with err set (bad parameter); 1 when the
 * connection failed (the error is in the handle).
 */
static int connect_handle(MYSQL *m, const struct db_url *url, bool local_infile,
			  struct mb_err *err)
{
	char *socket_path = NULL, *param_password = NULL;
	unsigned infile = local_infile;
	int ret = -1;

	infile_refuse(m);
	/* The [client] group of the default option files, like mysql(1). */
	mysql_optionsv(m, MYSQL_READ_DEFAULT_GROUP, "client");
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &infile);
	if (apply_params(m, url, &socket_path, &param_password, err) < 0)
		goto cleanup;
	ret = mysql_real_connect(m, url->host, url->user,
				 url->password ? url->password : param_password,
				 url->dbname, url->port, socket_path,
				 CLIENT_MULTI_RESULTS) ? 0 : 1;
cleanup:
	free(socket_path);
	if (param_password) {
		secure_zero(param_password, strlen(param_password));
		free(param_password);
	}
	return ret;
}

static int my_open(const struct db_url *url, enum db_mode mode,
		   struct db_conn **out, struct mb_err *err)
{
	struct my_conn *c = xcalloc(1, sizeof(*c));
	int ret = -1;

	*out = NULL;
	c->base.drv = &db_mysql_driver;
	c->base.mode = mode;
	pthread_once(&lib_once, lib_init);
	if (lib_rc != 0) {
		mb_err_set(err, MB_ERR_CONNECT, "cannot open '%s': the mysql client "
			   "library failed to initialise", url->display);
		goto cleanup;
	}
	c->mysql = mysql_init(NULL);
	if (!c->mysql) {
		mb_err_set(err, MB_ERR_CONNECT, "cannot open '%s': out of memory",
			   url->display);
		goto cleanup;
	}

	int r = connect_handle(c->mysql, url, mode == DB_MODE_TARGET, err);
	if (r < 0)
		goto cleanup;
	if (r > 0) {
		my_fail(c, err, "connect failed");
		goto connect_failed;
	}
	/* The charset option may be ignored by old servers: insist. */
	if (mysql_set_character_set(c->mysql, "utf8mb4") != 0) {
		my_fail(c, err, "setting the utf8mb4 character set failed");
		goto connect_failed;
	}
	c->mariadb = strstr(mysql_get_server_info(c->mysql), "MariaDB") != NULL;

	if (mode == DB_MODE_SOURCE) {
		if (run(c, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", err) < 0 ||
		    run(c, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", err) < 0)
			goto connect_failed;
	} else {
		if (mysql_autocommit(c->mysql, 1) != 0) {
			my_fail(c, err, "enabling autocommit failed");
			goto connect_failed;
		}
	}
	*out = &c->base;
	c = NULL;
	ret = 0;
	goto cleanup;

connect_failed:
	/* Every open failure (unknown database too) is "cannot connect". */
	if (err) {
		struct mb_err tmp = *err;
		mb_err_set(err, MB_ERR_CONNECT, "cannot open '%s': %s", url->display,
			   tmp.msg);
	}
cleanup:
	if (c)
		my_close(&c->base);
	return ret;
}

static int load_stop(struct my_conn *c, bool abort);

static void my_close(struct db_conn *conn)
{
	struct my_conn *c = my(conn);
	if (!c)
		return;
	if (c->load)
		load_stop(c, true);
	if (c->mysql)
		mysql_close(c->mysql);
	free(c);
}

/* ---------------------------------------------------------------------------
 * Statements and streamed rows
 */

static int my_exec(struct db_conn *conn, const char *sql, struct mb_err *err)
{
	struct my_conn *c = my(conn);
	if (c->in_result || c->load)
		return busy(c, err);
	return run(c, sql, err);
}

static int my_query(struct db_conn *conn, const char *sql, struct db_rows **out,
		    struct mb_err *err)
{
	struct my_conn *c = my(conn);
	struct my_rows *r;

	*out = NULL;
	if (c->in_result || c->load)
		return busy(c, err);
	db_trace(conn, sql);
	if (mysql_real_query(c->mysql, sql, strlen(sql)) != 0)
		return my_fail(c, err, "query failed");
	r = xcalloc(1, sizeof(*r));
	r->base.conn = conn;
	r->res = mysql_use_result(c->mysql);
	if (!r->res) {
		if (mysql_field_count(c->mysql) != 0) {
			free(r);
			return my_fail(c, err, "query failed");
		}
		r->done = true;  /* a statement without a result set */
	} else {
		c->in_result = true;
		unsigned n = mysql_num_fields(r->res);
		MYSQL_FIELD *f = mysql_fetch_fields(r->res);
		r->base.ncols = n;
		r->base.names = xcalloc(n ? n : 1, sizeof(char *));
		r->base.values = xcalloc(n ? n : 1, sizeof(char *));
		r->base.lengths = xcalloc(n ? n : 1, sizeof(size_t));
		for (unsigned i = 0; i < n; i++)
			r->base.names[i] = f[i].name;
	}
	*out = &r->base;
	return 0;
}

static int my_rows_next(struct db_rows *rows, struct mb_err *err)
{
	struct my_rows *r = (struct my_rows *)rows;
	struct my_conn *c = my(rows->conn);

	if (r->done)
		return 0;
	MYSQL_ROW row = mysql_fetch_row(r->res);
	if (!row) {
		r->done = true;
		if (mysql_errno(c->mysql))
			return my_fail(c, err, "reading rows failed");
		return 0;
	}
	unsigned long *len = mysql_fetch_lengths(r->res);
	for (size_t i = 0; i < rows->ncols; i++) {
		rows->values[i] = row[i];
		rows->lengths[i] = row[i] ? (size_t)len[i] : 0;
	}
	return 1;
}

/*
 * KILL QUERY the statement running on c, through a second connection with
 * the same address. Best effort: on any failure the caller just reads the
 * remaining rows.
 */
static void kill_query(struct my_conn *c)
{
	MYSQL *k = mysql_init(NULL);
	char sql[64];

	if (!k)
		return;
	if (connect_handle(k, &c->base.url, false, NULL) == 0) {
		snprintf(sql, sizeof(sql), "KILL QUERY %lu", mysql_thread_id(c->mysql));
		db_trace(&c->base, sql);
		(void)mysql_real_query(k, sql, strlen(sql));
	}
	mysql_close(k);
}

static void my_rows_close(struct db_rows *rows)
{
	struct my_rows *r = (struct my_rows *)rows;
	struct my_conn *c = my(rows->conn);

	if (r->res) {
		/*
		 * Unread rows are read and dropped here (the protocol demands
		 * it); after a cancel, stop the server first so that this is
		 * not the rest of a huge table.
		 */
		if (!r->done && rows->conn->cancel)
			kill_query(c);
		mysql_free_result(r->res);
		c->in_result = false;
		while (mysql_more_results(c->mysql) && mysql_next_result(c->mysql) == 0) {
			MYSQL_RES *more = mysql_store_result(c->mysql);
			if (more)
				mysql_free_result(more);
		}
	}
	free(rows->names);
	free(rows->values);
	free(rows->lengths);
	free(r);
}

/* ---------------------------------------------------------------------------
 * Quoting
 */

static void my_quote_ident(struct db_conn *conn, struct strbuf *sb, const char *name)
{
	(void)conn;
	strbuf_addch(sb, '`');
	for (const char *p = name; *p; p++) {
		if (*p == '`')
			strbuf_addch(sb, '`');
		strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '`');
}

/*
 * Text goes in '...' escaped by the server's rules (NO_BACKSLASH_ESCAPES is
 * honoured by mysql_real_escape_string); bytes that are not UTF-8, or hold
 * a NUL, become a hex literal X'..', which both engines read as a string.
 */
static void my_quote_literal(struct db_conn *conn, struct strbuf *sb,
			     const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	if (!utf8_valid(s, len) || memchr(s, '\0', len)) {
		strbuf_addstr(sb, "X'");
		for (size_t i = 0; i < len; i++) {
			unsigned char b = (unsigned char)s[i];
			strbuf_addch(sb, hex[b >> 4]);
			strbuf_addch(sb, hex[b & 15]);
		}
		strbuf_addch(sb, '\'');
		return;
	}
	strbuf_grow(sb, 2 * len + 3);
	strbuf_addch(sb, '\'');
	unsigned long n;
	if (conn && my(conn)->mysql) {
		n = mysql_real_escape_string(my(conn)->mysql, sb->buf + sb->len, s, len);
	} else {
		/* No connection: the standard escapes, as mysql_escape_string. */
		char *o = sb->buf + sb->len;
		for (size_t i = 0; i < len; i++) {
			char e = 0;
			switch (s[i]) {
			case '\n': e = 'n'; break;
			case '\r': e = 'r'; break;
			case '\\': e = '\\'; break;
			case '\'': e = '\''; break;
			case '"': e = '"'; break;
			case '\032': e = 'Z'; break;
			}
			if (e) {
				*o++ = '\\';
				*o++ = e;
			} else {
				*o++ = s[i];
			}
		}
		n = (unsigned long)(o - (sb->buf + sb->len));
	}
	strbuf_setlen(sb, sb->len + n);
	strbuf_addch(sb, '\'');
}

/* ---------------------------------------------------------------------------
 * Small helpers for reading rows
 */

static int64_t to_i64(const char *v)
{
	if (!v || !*v)
		return -1;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *end)
		return -1;
	return (int64_t)n;
}

/* Runs a catalog query and calls fn for every row. */
static int for_each_row(struct my_conn *c, const char *sql,
			int (*fn)(void *ctx, const char **v, const size_t *len),
			void *ctx, const char *what, struct mb_err *err)
{
	struct db_rows *rows = NULL;
	int r, ret = -1;

	if (my_query(&c->base, sql, &rows, err) < 0)
		goto cleanup;
	while ((r = my_rows_next(rows, err)) > 0) {
		if (fn(ctx, rows->values, rows->lengths) < 0)
			goto cleanup;
	}
	if (r < 0)
		goto cleanup;
	ret = 0;
cleanup:
	if (rows)
		my_rows_close(rows);
	if (ret < 0)
		mb_err_prefix(err, "%s", what);
	return ret;
}

/* ---------------------------------------------------------------------------
 * Catalog: five queries whatever the number of tables (SELECT DATABASE(),
 * then TABLES, COLUMNS, KEY_COLUMN_USAGE, STATISTICS of information_schema).
 */

struct cat_ctx {
	struct my_conn *c;
	struct catalog *cat;
	size_t *order;            /* table indexes sorted by (schema, name) */
	size_t norder;
	/* key accumulation (constraints, indexes) */
	char *k_schema, *k_table, *k_name, *k_ref_schema, *k_ref_table;
	int k_type;               /* 'P' primary, 'U' unique, 'F' foreign, 'I' index */
	char **k_cols, **k_ref_cols;
	size_t k_n, k_alloc, k_ref_alloc;
	struct strbuf k_def;      /* index definition being built */
	bool k_unique;
};

static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct catalog *cat = arg;
	const struct cat_table *x = &cat->tables[*(const size_t *)a];
	const struct cat_table *y = &cat->tables[*(const size_t *)b];
	int d = strcmp(x->schema, y->schema);
	return d ? d : strcmp(x->name, y->name);
}

static struct cat_table *find_table(struct cat_ctx *x, const char *schema,
				    const char *name)
{
	size_t lo = 0, hi = x->norder;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct cat_table *t = &x->cat->tables[x->order[mid]];
		int d = strcmp(t->schema, schema);
		if (!d)
			d = strcmp(t->name, name);
		if (!d)
			return t;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_ROWS, bytes */
static int on_table(void *ctx, const char **v, const size_t *len)
{
	struct cat_ctx *x = ctx;
	(void)len;
	if (!v[0] || !v[1] || !v[2])
		return 0;
	bool view = str_eq(v[2], "VIEW");
	if (!view && !str_eq(v[2], "BASE TABLE") && !str_eq(v[2], "SYSTEM VERSIONED"))
		return 0; /* SEQUENCE, SYSTEM VIEW, TEMPORARY */
	struct cat_table *t = catalog_add_table(x->cat, v[0], v[1]);
	t->is_view = view;
	t->rows = view ? -1 : to_i64(v[3]);
	t->bytes = view ? -1 : to_i64(v[4]);
	return 0;
}

/* A non-numeric default of MySQL (unquoted there) as an SQL expression. */
static char *default_expr(struct my_conn *c, const char *def, const char *type,
			  const char *extra)
{
	if (!def)
		return NULL;
	if (c->mariadb) {
		/* MariaDB >= 10.2.7 already returns an expression; 'NULL' is none. */
		return str_eq(def, "NULL") ? NULL : xstrdup(def);
	}
	if (strstr(extra, "DEFAULT_GENERATED"))
		return xasprintf("(%s)", def);
	/* MySQL 5.7 marks neither CURRENT_TIMESTAMP nor b'..' bit values */
	if (strncasecmp(def, "current_timestamp", 17) == 0 || str_starts_with(def, "b'"))
		return xstrdup(def);
	static const char *const numeric[] = {
		"tinyint", "smallint", "mediumint", "int", "bigint", "decimal",
		"float", "double", "bit", "year",
	};
	for (size_t i = 0; i < ARRAY_SIZE(numeric); i++)
		if (str_starts_with(type, numeric[i]))
			return xstrdup(def);
	struct strbuf sb = STRBUF_INIT;
	my_quote_literal(&c->base, &sb, def, strlen(def));
	return strbuf_detach(&sb, NULL);
}

/* TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE,
 * IS_NULLABLE, COLUMN_DEFAULT, EXTRA */
static int on_column(void *ctx, const char **v, const size_t *len)
{
	struct cat_ctx *x = ctx;
	(void)len;
	if (!v[0] || !v[1] || !v[2])
		return 0;
	struct cat_table *t = find_table(x, v[0], v[1]);
	if (!t)
		return 0;
	const char *extra = v[7] ? v[7] : "";
	struct cat_column *col = catalog_add_column(t, v[2], v[4], str_eq(v[5], "YES"));
	int64_t ord = to_i64(v[3]);
	if (ord > 0 && ord < INT32_MAX)
		col->ordinal = (int)ord;
	col->auto_increment = strstr(extra, "auto_increment") != NULL;
	col->generated = strstr(extra, "VIRTUAL GENERATED") ||
			 strstr(extra, "STORED GENERATED") ||
			 strstr(extra, "PERSISTENT GENERATED") ||
			 strstr(extra, "ROW START") || strstr(extra, "ROW END");
	if (!col->generated)
		col->default_expr = default_expr(x->c, v[6], v[4] ? v[4] : "", extra);
	return 0;
}

static void key_reset(struct cat_ctx *x)
{
	for (size_t i = 0; i < x->k_n; i++) {
		free(x->k_cols[i]);
		if (x->k_ref_cols)
			free(x->k_ref_cols[i]);
	}
	x->k_n = 0;
	free(x->k_schema);
	free(x->k_table);
	free(x->k_name);
	free(x->k_ref_schema);
	free(x->k_ref_table);
	x->k_schema = x->k_table = x->k_name = x->k_ref_schema = x->k_ref_table = NULL;
	strbuf_reset(&x->k_def);
}

/* Hands the accumulated key to the catalog. */
static void key_flush(struct cat_ctx *x)
{
	if (!x->k_n)
		goto done;
	struct cat_table *t = find_table(x, x->k_schema, x->k_table);
	if (!t)
		goto done;
	const char *const *cols = (const char *const *)x->k_cols;
	switch (x->k_type) {
	case 'P':
		catalog_set_pk(t, x->k_name, x->k_n, cols);
		break;
	case 'U':
		catalog_add_unique(t, x->k_name, x->k_n, cols);
		break;
	case 'F':
		catalog_add_fk(t, x->k_name, x->k_n, cols, x->k_ref_schema,
			       x->k_ref_table, (const char *const *)x->k_ref_cols);
		break;
	case 'I':
		strbuf_addch(&x->k_def, ')');
		catalog_add_index(t, x->k_name, x->k_def.buf, x->k_unique);
		break;
	}
done:
	key_reset(x);
}

static bool same_key(struct cat_ctx *x, const char *schema, const char *table,
		     const char *name, int type)
{
	return x->k_n && x->k_type == type && str_eq(x->k_schema, schema) &&
	       str_eq(x->k_table, table) && str_eq(x->k_name, name);
}

static void key_start(struct cat_ctx *x, const char *schema, const char *table,
		      const char *name, int type)
{
	key_flush(x);
	x->k_schema = xstrdup(schema);
	x->k_table = xstrdup(table);
	x->k_name = xstrdup(name);
	x->k_type = type;
}

static void key_add_col(struct cat_ctx *x, const char *col, const char *ref)
{
	ALLOC_GROW(x->k_cols, x->k_n + 1, x->k_alloc);
	ALLOC_GROW(x->k_ref_cols, x->k_n + 1, x->k_ref_alloc);
	x->k_cols[x->k_n] = xstrdup(col);
	x->k_ref_cols[x->k_n] = xstrdup(ref ? ref : "");
	x->k_n++;
}

/* TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE, COLUMN_NAME,
 * REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME */
static int on_key(void *ctx, const char **v, const size_t *len)
{
	struct cat_ctx *x = ctx;
	(void)len;
	if (!v[0] || !v[1] || !v[2] || !v[3] || !v[4])
		return 0;
	int type;
	if (str_eq(v[3], "PRIMARY KEY"))
		type = 'P';
	else if (str_eq(v[3], "UNIQUE"))
		type = 'U';
	else if (str_eq(v[3], "FOREIGN KEY") && v[6])
		type = 'F';
	else
		return 0;
	if (!same_key(x, v[0], v[1], v[2], type)) {
		key_start(x, v[0], v[1], v[2], type);
		if (type == 'F') {
			x->k_ref_schema = xstrdup(v[5] ? v[5] : v[0]);
			x->k_ref_table = xstrdup(v[6]);
		}
	}
	key_add_col(x, v[4], v[7]);
	return 0;
}

/* TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART,
 * INDEX_TYPE, COLLATION, EXPRESSION (MySQL 8; NULL on MariaDB) */
static int on_index(void *ctx, const char **v, const size_t *len)
{
	struct cat_ctx *x = ctx;
	(void)len;
	if (!v[0] || !v[1] || !v[2])
		return 0;
	if (!same_key(x, v[0], v[1], v[2], 'I')) {
		key_start(x, v[0], v[1], v[2], 'I');
		x->k_unique = str_eq(v[3], "0");
		const char *type = v[6] ? v[6] : "";
		strbuf_addstr(&x->k_def, "CREATE ");
		if (x->k_unique)
			strbuf_addstr(&x->k_def, "UNIQUE ");
		else if (str_eq(type, "FULLTEXT"))
			strbuf_addstr(&x->k_def, "FULLTEXT ");
		else if (str_eq(type, "SPATIAL"))
			strbuf_addstr(&x->k_def, "SPATIAL ");
		strbuf_addstr(&x->k_def, "INDEX ");
		my_quote_ident(&x->c->base, &x->k_def, v[2]);
		if (str_eq(type, "HASH"))
			strbuf_addstr(&x->k_def, " USING HASH");
		strbuf_addstr(&x->k_def, " ON ");
		my_quote_ident(&x->c->base, &x->k_def, v[1]);
		strbuf_addstr(&x->k_def, " (");
	} else {
		strbuf_addstr(&x->k_def, ", ");
	}
	if (v[4]) {
		my_quote_ident(&x->c->base, &x->k_def, v[4]);
		if (v[5])
			strbuf_addf(&x->k_def, "(%s)", v[5]);
	} else if (v[8]) {
		strbuf_addf(&x->k_def, "(%s)", v[8]);
	}
	if (str_eq(v[7], "D"))
		strbuf_addstr(&x->k_def, " DESC");
	key_add_col(x, v[4] ? v[4] : "", NULL);
	return 0;
}

static int my_read_catalog(struct db_conn *conn, struct catalog *cat,
			   struct mb_err *err)
{
	struct my_conn *c = my(conn);
	struct cat_ctx x = { .c = c, .cat = cat, .k_def = STRBUF_INIT };
	struct strbuf filter = STRBUF_INIT, sql = STRBUF_INIT;
	struct db_rows *rows = NULL;
	char *dbname = NULL;
	int r, ret = -1;

	if (c->in_result || c->load)
		return busy(c, err);
	cat->engine = DB_ENGINE_MYSQL;

	/* 1. Which database: the connected one, else every user schema. */
	if (my_query(conn, "SELECT DATABASE()", &rows, err) < 0)
		goto cleanup;
	if ((r = my_rows_next(rows, err)) < 0)
		goto cleanup;
	if (r > 0 && rows->values[0])
		dbname = xstrdup(rows->values[0]);
	my_rows_close(rows);
	rows = NULL;
	if (dbname) {
		strbuf_addstr(&filter, "= ");
		my_quote_literal(conn, &filter, dbname, strlen(dbname));
	} else {
		strbuf_addstr(&filter, "NOT IN ('mysql', 'information_schema', "
			      "'performance_schema', 'sys')");
	}

	/* 2. Tables and views. */
	strbuf_addf(&sql, "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_ROWS, "
		    "DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
		    "WHERE TABLE_SCHEMA %s", filter.buf);
	if (for_each_row(c, sql.buf, on_table, &x, "reading tables", err) < 0)
		goto cleanup;
	x.order = xcalloc(cat->ntables ? cat->ntables : 1, sizeof(size_t));
	for (size_t i = 0; i < cat->ntables; i++)
		x.order[i] = i;
	x.norder = cat->ntables;
	qsort_r(x.order, x.norder, sizeof(size_t), cmp_order, cat);

	/* 3. Columns. */
	strbuf_reset(&sql);
	strbuf_addf(&sql, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, "
		    "ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
		    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA %s "
		    "ORDER BY BINARY TABLE_SCHEMA, BINARY TABLE_NAME, ORDINAL_POSITION",
		    filter.buf);
	if (for_each_row(c, sql.buf, on_column, &x, "reading columns", err) < 0)
		goto cleanup;

	/*
	 * 4. Primary, unique and foreign keys, columns in key order.
	 * KEY_COLUMN_USAGE holds exactly these three kinds: the primary key is
	 * always named PRIMARY and foreign keys have REFERENCED_*, so no join
	 * with TABLE_CONSTRAINTS is needed (that join costs seconds on
	 * MariaDB with a few thousand tables).
	 */
	strbuf_reset(&sql);
	strbuf_addf(&sql, "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, "
		    "CASE WHEN REFERENCED_TABLE_NAME IS NOT NULL THEN 'FOREIGN KEY' "
		    "WHEN CONSTRAINT_NAME = 'PRIMARY' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END, "
		    "COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, "
		    "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
		    "WHERE TABLE_SCHEMA %s "
		    "ORDER BY BINARY TABLE_SCHEMA, BINARY TABLE_NAME, "
		    "REFERENCED_TABLE_NAME IS NULL, BINARY CONSTRAINT_NAME, ORDINAL_POSITION",
		    filter.buf);
	if (for_each_row(c, sql.buf, on_key, &x, "reading keys", err) < 0)
		goto cleanup;
	key_flush(&x);

	/* 5. Secondary indexes (the primary key is in pk). */
	strbuf_reset(&sql);
	strbuf_addf(&sql, "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, "
		    "COLUMN_NAME, SUB_PART, INDEX_TYPE, COLLATION, %s "
		    "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA %s "
		    "AND INDEX_NAME <> 'PRIMARY' "
		    "ORDER BY BINARY TABLE_SCHEMA, BINARY TABLE_NAME, BINARY INDEX_NAME, "
		    "SEQ_IN_INDEX", c->mariadb ? "NULL" : "EXPRESSION", filter.buf);
	if (for_each_row(c, sql.buf, on_index, &x, "reading indexes", err) < 0)
		goto cleanup;
	key_flush(&x);

	catalog_finish(cat);
	ret = 0;
cleanup:
	if (rows)
		my_rows_close(rows);
	key_reset(&x);
	free(x.k_cols);
	free(x.k_ref_cols);
	strbuf_release(&x.k_def);
	free(x.order);
	free(dbname);
	strbuf_release(&filter);
	strbuf_release(&sql);
	return ret;
}

/* ---------------------------------------------------------------------------
 * Timeouts, versions, identity
 */

static int my_set_timeout(struct db_conn *conn, unsigned ms, struct mb_err *err)
{
	struct my_conn *c = my(conn);
	char sql[96];

	if (c->in_result || c->load)
		return busy(c, err);
	if (c->mariadb)
		snprintf(sql, sizeof(sql), "SET SESSION max_statement_time = %u.%03u",
			 ms / 1000, ms % 1000);
	else /* MySQL limits SELECT statements only */
		snprintf(sql, sizeof(sql), "SET SESSION max_execution_time = %u", ms);
	return run(c, sql, err);
}

static char *my_server_version(struct db_conn *conn)
{
	struct my_conn *c = my(conn);
	const char *info = mysql_get_server_info(c->mysql);
	if (!info)
		return NULL;
	if (c->mariadb) {
		/* "10.11.19-MariaDB-0+deb12u1" (or "5.5.5-10.11.19-MariaDB-...") */
		if (str_starts_with(info, "5.5.5-"))
			info += 6;
		const char *m = strstr(info, "-MariaDB");
		return xasprintf("MariaDB %.*s", (int)(m ? m - info : (long)strlen(info)), info);
	}
	return xasprintf("MySQL %s", info);
}

/* One row of one statement, as newly allocated strings (NULL -> ""). */
static int query_row(struct my_conn *c, const char *sql, size_t n, char **out,
		     struct mb_err *err)
{
	struct db_rows *rows = NULL;
	int r;

	if (my_query(&c->base, sql, &rows, err) < 0)
		return -1;
	r = my_rows_next(rows, err);
	if (r > 0 && rows->ncols >= n)
		for (size_t i = 0; i < n; i++)
			out[i] = xstrdup(rows->values[i] ? rows->values[i] : "");
	my_rows_close(rows);
	if (r < 0)
		return -1;
	if (r == 0 || out[0] == NULL)
		return db_fail(&c->base, err, NULL, DB_FAIL_OTHER, "no row from %s", sql);
	return 0;
}

static char *my_identity(struct db_conn *conn, struct mb_err *err)
{
	struct my_conn *c = my(conn);
	char *v[3] = { NULL, NULL, NULL };
	char *id = NULL;

	if (c->in_result || c->load) {
		busy(c, err);
		return NULL;
	}
	if (c->mariadb) {
		if (query_row(c, "SELECT @@hostname, @@port, DATABASE()", 3, v, err) < 0)
			goto cleanup;
		id = xasprintf("mysql:%s:%s:%s", v[0], v[1], v[2]);
	} else {
		if (query_row(c, "SELECT @@server_uuid, DATABASE()", 2, v, err) < 0)
			goto cleanup;
		id = xasprintf("mysql:%s:%s", v[0], v[1]);
	}
cleanup:
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		free(v[i]);
	return id;
}

/* ---------------------------------------------------------------------------
 * Bulk paths
 *
 * copy_out: `sql` is a SELECT; each row goes to on_chunk as one line of
 * tab-separated text in the COPY/LOAD DATA text format (\N for NULL;
 * backslash, tab, newline, carriage return and NUL escaped as \\ \t \n \r
 * \0), newline-terminated.
 */
static void add_copy_field(struct strbuf *sb, const char *v, size_t len)
{
	if (!v) {
		strbuf_addstr(sb, "\\N");
		return;
	}
	size_t run_start = 0;
	for (size_t i = 0; i < len; i++) {
		char e;
		switch (v[i]) {
		case '\\': e = '\\'; break;
		case '\t': e = 't'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\0': e = '0'; break;
		default: continue;
		}
		strbuf_add(sb, v + run_start, i - run_start);
		strbuf_addch(sb, '\\');
		strbuf_addch(sb, e);
		run_start = i + 1;
	}
	strbuf_add(sb, v + run_start, len - run_start);
}

static int my_copy_out(struct db_conn *conn, const char *sql,
		       int (*on_chunk)(void *ctx, const char *buf, size_t len),
		       void *ctx, struct mb_err *err)
{
	struct db_rows *rows = NULL;
	struct strbuf line = STRBUF_INIT;
	int r, ret = -1;

	if (my_query(conn, sql, &rows, err) < 0)
		return -1;
	while ((r = my_rows_next(rows, err)) > 0) {
		if (conn->cancel) {
			db_fail(conn, err, "57014", DB_FAIL_TIMEOUT, "copy out cancelled");
			if (err)
				err->kind = MB_ERR_CANCELLED;
			goto cleanup;
		}
		strbuf_reset(&line);
		for (size_t i = 0; i < rows->ncols; i++) {
			if (i)
				strbuf_addch(&line, '\t');
			add_copy_field(&line, rows->values[i], rows->lengths[i]);
		}
		strbuf_addch(&line, '\n');
		if (on_chunk(ctx, line.buf, line.len) < 0) {
			if (!err || err->kind == MB_ERR_NONE)
				mb_err_set(err, MB_ERR_CANCELLED, "copy out stopped");
			goto cleanup;
		}
	}
	if (r < 0)
		goto cleanup;
	ret = 0;
cleanup:
	my_rows_close(rows);
	strbuf_release(&line);
	return ret;
}

/*
 * copy_in: `sql` is "LOAD DATA LOCAL INFILE '<any name>' INTO TABLE ..."
 * (with CHARACTER SET utf8mb4 and the column list as the caller needs).
 * The statement runs in a thread; the server pulls the "file" through our
 * local-infile handler, which reads what copy_in_put() writes to a socket
 * pair, so memory stays bounded. copy_in_end() fails if the server
 * reported warnings (LOAD DATA LOCAL turns errors into warnings and
 * skipped rows).
 */
static int infile_init(void **ptr, const char *filename, void *userdata)
{
	(void)filename; /* whatever the server asks for, it gets our stream */
	*ptr = userdata;
	return userdata ? 0 : 1; /* no copy_in running: never read a file */
}

static int infile_read(void *ptr, char *buf, unsigned int len)
{
	struct my_load *l = ptr;
	if (!l)
		return -1;
	for (;;) {
		if (atomic_load(&l->abort))
			return -1;
		ssize_t n = recv(l->fds[0], buf, len, 0);
		if (n >= 0)
			return atomic_load(&l->abort) ? -1 : (int)n;
		if (errno != EINTR)
			return -1;
	}
}

static void infile_end(void *ptr)
{
	(void)ptr;
}

static int infile_error(void *ptr, char *buf, unsigned int len)
{
	snprintf(buf, len, ptr ? "copy in aborted" : "local files are never sent");
	return CR_UNKNOWN_ERROR;
}

/* Between copies the handler refuses: a server can never read our files. */
static void infile_refuse(MYSQL *m)
{
	mysql_set_local_infile_handler(m, infile_init, infile_read, infile_end,
				       infile_error, NULL);
}

struct load_arg {
	struct my_conn *c;
	char *sql;
};

static void *load_thread(void *arg)
{
	struct load_arg *a = arg;
	struct my_load *l = a->c->load;
	l->rc = mysql_real_query(a->c->mysql, a->sql, strlen(a->sql));
	/* Stop the writer early if the server refused the statement. */
	shutdown(l->fds[0], SHUT_RDWR);
	free(a->sql);
	free(a);
	return NULL;
}

static int my_copy_in_start(struct db_conn *conn, const char *sql,
			    struct mb_err *err)
{
	struct my_conn *c = my(conn);
	struct my_load *l;

	if (c->in_result || c->load)
		return busy(c, err);
	if (conn->mode != DB_MODE_TARGET)
		return db_fail(conn, err, NULL, DB_FAIL_READ_ONLY,
			       "copy in needs a target connection");
	if (strncasecmp(sql, "LOAD DATA LOCAL INFILE", 22) != 0)
		return db_fail(conn, err, NULL, DB_FAIL_SYNTAX,
			       "copy in on mysql needs a LOAD DATA LOCAL INFILE statement");
	l = xcalloc(1, sizeof(*l));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, l->fds) < 0) {
		free(l);
		return db_fail(conn, err, NULL, DB_FAIL_OTHER,
			       "copy in: socketpair failed: %s", strerror(errno));
	}
	mysql_set_local_infile_handler(c->mysql, infile_init, infile_read,
				       infile_end, infile_error, l);
	c->load = l;
	db_trace(conn, sql);
	struct load_arg *a = xmalloc(sizeof(*a));
	a->c = c;
	a->sql = xstrdup(sql);
	int e = pthread_create(&l->thread, NULL, load_thread, a);
	if (e) {
		free(a->sql);
		free(a);
		close(l->fds[0]);
		close(l->fds[1]);
		free(l);
		c->load = NULL;
		infile_refuse(c->mysql);
		return db_fail(conn, err, NULL, DB_FAIL_OTHER,
			       "copy in: cannot start a thread: %s", strerror(e));
	}
	l->running = true;
	return 0;
}

/*
 * Ends the loader thread (abort: make the server roll the statement back)
 * and returns its mysql_real_query() result, read after the join.
 */
static int load_stop(struct my_conn *c, bool abort)
{
	struct my_load *l = c->load;
	int rc = 0;
	if (!l)
		return 0;
	if (abort)
		atomic_store(&l->abort, 1);
	shutdown(l->fds[1], SHUT_WR);
	if (l->running)
		pthread_join(l->thread, NULL);
	rc = l->rc;
	close(l->fds[0]);
	close(l->fds[1]);
	infile_refuse(c->mysql);
	free(l);
	c->load = NULL;
	return rc;
}

/* Joins the thread and turns its result into 0 or -1 with err set. */
static int load_finish(struct my_conn *c, bool abort, struct mb_err *err)
{
	int rc = load_stop(c, abort);
	if (rc != 0)
		return my_fail(c, err, "copy in failed");
	if (abort)
		return 0;
	MYSQL_RES *res = mysql_store_result(c->mysql);
	if (res)
		mysql_free_result(res);
	unsigned warnings = mysql_warning_count(c->mysql);
	if (warnings) {
		/* "Records: 3  Deleted: 0  Skipped: 1  Warnings: 1": counts only. */
		const char *info = mysql_info(c->mysql);
		return db_fail(&c->base, err, "22000", DB_FAIL_DATA,
			       "copy in: the server changed or skipped rows "
			       "(%u warnings; %s)", warnings, info ? info : "no details");
	}
	return 0;
}

static int my_copy_in_put(struct db_conn *conn, const char *buf, size_t len,
			  struct mb_err *err)
{
	struct my_conn *c = my(conn);
	if (!c->load)
		return db_fail(conn, err, NULL, DB_FAIL_OTHER, "copy in was not started");
	while (len) {
		ssize_t n = send(c->load->fds[1], buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* The statement ended early: its error says why. */
			if (load_finish(c, true, err) == 0)
				db_fail(conn, err, NULL, DB_FAIL_OTHER,
					"copy in: the server stopped reading");
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * With conn->cancel set (the caller failed mid-stream: a source error, a
 * cancel), the load is aborted instead of ended: the local-infile handler
 * fails, so the server rolls the whole LOAD DATA statement back and no
 * half-loaded table is left; the result is then -1 ("copy in aborted").
 */
static int my_copy_in_end(struct db_conn *conn, struct mb_err *err)
{
	struct my_conn *c = my(conn);
	if (!c->load)
		return db_fail(conn, err, NULL, DB_FAIL_OTHER, "copy in was not started");
	if (conn->cancel) {
		if (load_finish(c, true, err) == 0)
			db_fail(conn, err, "57014", DB_FAIL_TIMEOUT, "copy in aborted");
		return -1;
	}
	return load_finish(c, false, err);
}

const struct db_driver db_mysql_driver = {
	.version = 1,
	.name = "mysql",
	.engine = DB_ENGINE_MYSQL,
	.caps = {
		.real_schemas = false,
		.copy_stream = true,
		.tablesample = false,
		.exported_snapshot = false,
		.transactional_ddl = false,
		.statement_timeout = true,
		.ident_quote = '`',
	},
	.open = my_open,
	.close = my_close,
	.exec = my_exec,
	.query = my_query,
	.rows_next = my_rows_next,
	.rows_close = my_rows_close,
	.quote_ident = my_quote_ident,
	.quote_literal = my_quote_literal,
	.read_catalog = my_read_catalog,
	.set_timeout = my_set_timeout,
	.server_version = my_server_version,
	.client_version = my_client_version,
	.identity = my_identity,
	.copy_out = my_copy_out,
	.copy_in_start = my_copy_in_start,
	.copy_in_put = my_copy_in_put,
	.copy_in_end = my_copy_in_end,
	.export_snapshot = NULL,
	.import_snapshot = NULL,
};

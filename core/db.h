/*
 * db.h - the driver interface: one function table per engine.
 *
 * Owns: parsing source/target addresses (db_url), opening connections in
 * source (read-only snapshot) or target (read-write) mode, running
 * statements, streaming rows with bounded memory, quoting, reading the
 * catalog, classifying errors by what the caller does next.
 *
 * Only core/db_pg.c, core/db_mysql.c and core/db_sqlite.c include an engine's
 * client header; everything else talks to `struct db_conn` and asks
 * `conn->drv->caps` instead of testing the engine. The only engine #ifdefs
 * sit in db.c where drivers are registered.
 *
 * Passwords: db_url keeps whatever the user typed in `conninfo` (the driver
 * needs it) but `display` never contains a password; messages and the
 * workspace use `display` only.
 */
#ifndef MB_DB_H
#define MB_DB_H

#include <stdio.h>

#include "core/error.h"
#include "core/strbuf.h"

struct catalog;

enum db_engine {
	DB_ENGINE_NONE = 0,
	DB_ENGINE_PG,
	DB_ENGINE_MYSQL,
	DB_ENGINE_SQLITE,
};

/* A parsed address. All strings are owned; db_url_release() frees them. */
struct db_url {
	enum db_engine engine;
	char *conninfo;  /* servers: the text as typed; SQLite: the decoded path */
	char *display;   /* the address without any password: safe to print/store */
	char *host;      /* NULL when not given (driver defaults apply) */
	unsigned port;   /* 0 when not given */
	char *user;      /* NULL when not given */
	char *password;  /* NULL unless the URL carried one; never printed */
	char *dbname;    /* PG/MySQL database; NULL when not given */
	char *path;      /* SQLite file path; NULL for servers */
	char *params;    /* raw query string after '?' (may hold password=); NULL if none */
};

/*
 * Parses postgresql://, postgres://, mysql://, mariadb:// as
 *   scheme://[user[:password]@][host[:port] | h1:p1,h2:p2 | [v6]:port][/db][?k=v&...]
 * (the LAST '@' ends the user info, so unescaped '@', '/', '?' in a
 * password are safe; an '@' inside parameters must be written %40);
 * sqlite:///abs/path.db (absolute), sqlite://rel/path.db and sqlite:rel.db
 * (relative: a local file has no host); bare paths ending in .db, .sqlite
 * or .sqlite3. Percent-escapes are decoded in user, password, host, db and
 * SQLite paths (%00 is refused). `display` drops the password and any
 * password=... parameter. On failure *out is left empty and the result is
 * -1 with MB_ERR_USAGE "malformed address '<display>': <why>".
 */
int db_url_parse(const char *text, struct db_url *out, struct mb_err *err);
void db_url_release(struct db_url *url);
/* Engine name for messages: "postgresql", "mysql", "sqlite". */
const char *db_engine_name(enum db_engine engine);

/* What the caller does next after a failure (FreeRADIUS-style). */
enum db_outcome {
	DB_OK = 0,
	DB_FAIL_CONNECTION, /* lost or unreachable: reconnect or give up (exit 3) */
	DB_FAIL_AUTH,       /* wrong password / no such user (exit 3) */
	DB_FAIL_NOT_FOUND,  /* unknown database, table or column */
	DB_FAIL_SYNTAX,     /* the statement is invalid: a bug or bad user SQL */
	DB_FAIL_READ_ONLY,  /* a write refused by a read-only transaction/file */
	DB_FAIL_PERMISSION, /* privilege missing */
	DB_FAIL_CONSTRAINT, /* integrity violation */
	DB_FAIL_DATA,       /* bad value for the type */
	DB_FAIL_TIMEOUT,    /* statement timeout or cancel */
	DB_FAIL_OTHER,
};

/* The one SQLSTATE table (PostgreSQL and MySQL both report SQLSTATE). */
enum db_outcome db_outcome_from_sqlstate(const char *sqlstate);
const char *db_outcome_name(enum db_outcome outcome);

enum db_mode {
	/*
	 * Read-only, one consistent snapshot for the life of the connection:
	 * PG BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY, MySQL START
	 * TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY, SQLite
	 * SQLITE_OPEN_READONLY + BEGIN + a first read. Any write fails.
	 */
	DB_MODE_SOURCE,
	/* Read-write, autocommit; the caller opens transactions itself. */
	DB_MODE_TARGET,
};

struct db_caps {
	bool real_schemas;      /* PG: many schemas; MySQL: schema = database; SQLite: "main" */
	bool copy_stream;       /* COPY ... TO STDOUT / FROM STDIN */
	bool tablesample;       /* TABLESAMPLE SYSTEM (p) */
	bool exported_snapshot; /* pg_export_snapshot() for parallel workers */
	bool transactional_ddl; /* CREATE/DROP/RENAME roll back with the transaction */
	bool statement_timeout; /* db_set_timeout() is enforced by the server */
	char ident_quote;       /* '"' or '`' */
};

struct db_driver;

/*
 * A connection. Drivers embed this as the first member of their own struct.
 * `last_outcome` and `sqlstate` describe the most recent failure.
 */
struct db_conn {
	const struct db_driver *drv;
	struct db_url url;        /* owned copy */
	enum db_mode mode;
	enum db_outcome last_outcome;
	char sqlstate[6];
	volatile int cancel;      /* set from another thread/signal to stop streaming */
};

/*
 * A result being streamed: at most one row is held in memory at a time (PG
 * single-row mode, mysql_use_result, sqlite3_step). values[i] is NULL for
 * SQL NULL; values and lengths stay valid until the next db_rows_next() or
 * db_rows_close(). Values are the engine's text form.
 */
struct db_rows {
	struct db_conn *conn;
	size_t ncols;
	char **names;             /* column names, valid until close */
	const char **values;
	size_t *lengths;
};

struct db_driver {
	int version;              /* 1; grows like SQLite's iVersion */
	const char *name;         /* "postgresql", "mysql", "sqlite" */
	enum db_engine engine;
	struct db_caps caps;

	int (*open)(const struct db_url *url, enum db_mode mode,
		    struct db_conn **out, struct mb_err *err);
	void (*close)(struct db_conn *conn);
	int (*exec)(struct db_conn *conn, const char *sql, struct mb_err *err);
	int (*query)(struct db_conn *conn, const char *sql, struct db_rows **out,
		     struct mb_err *err);
	/* 1: a row is ready; 0: no more rows; -1: error. */
	int (*rows_next)(struct db_rows *rows, struct mb_err *err);
	void (*rows_close)(struct db_rows *rows);
	void (*quote_ident)(struct db_conn *conn, struct strbuf *sb, const char *name);
	void (*quote_literal)(struct db_conn *conn, struct strbuf *sb,
			      const char *s, size_t len);
	/* Fills an empty catalog with a fixed, small number of queries;
	 * db_read_catalog() then calls catalog_finish(), drivers do not. */
	int (*read_catalog)(struct db_conn *conn, struct catalog *cat,
			    struct mb_err *err);
	/* Per-statement time limit in milliseconds (0 = none). */
	int (*set_timeout)(struct db_conn *conn, unsigned ms, struct mb_err *err);
	/* "PostgreSQL 15.18": newly allocated. */
	char *(*server_version)(struct db_conn *conn);
	/* The client library's version, e.g. "libpq 15.18". Static string. */
	const char *(*client_version)(void);
	/*
	 * A stable identity of the database this connection reaches, used to
	 * refuse a target that is the source: e.g. "pg:<system id>:<dbname>",
	 * "mysql:<server uuid>:<db>", "sqlite:<dev>:<ino>". Newly allocated.
	 */
	char *(*identity)(struct db_conn *conn, struct mb_err *err);

	/*
	 * Optional version-1 operations for the job runner's bulk paths; NULL
	 * when the engine has no such thing (check before calling, or use the
	 * db_* wrappers below, which fail with MB_ERR_DB "not supported").
	 *
	 * copy_out runs `copy_sql` (PostgreSQL: "COPY (...) TO STDOUT ...") and
	 * hands each chunk (one row of COPY text in PostgreSQL) to on_chunk;
	 * the buffer is only valid during the call. on_chunk returns 0 to go
	 * on or -1 to stop: copy_out then ends the copy and returns -1 with
	 * MB_ERR_CANCELLED unless the callback already filled err.
	 */
	int (*copy_out)(struct db_conn *conn, const char *copy_sql,
			int (*on_chunk)(void *ctx, const char *buf, size_t len),
			void *ctx, struct mb_err *err);
	/* copy_in: start "COPY t (...) FROM STDIN", put data, end (commit point
	 * of the COPY; errors in the data surface here at the latest). */
	int (*copy_in_start)(struct db_conn *conn, const char *copy_sql,
			     struct mb_err *err);
	int (*copy_in_put)(struct db_conn *conn, const char *buf, size_t len,
			   struct mb_err *err);
	int (*copy_in_end)(struct db_conn *conn, struct mb_err *err);
	/* Source connections only: the id of this connection's snapshot, which
	 * stays importable while this connection lives. Newly allocated. */
	char *(*export_snapshot)(struct db_conn *conn, struct mb_err *err);
	/* Makes a freshly opened source connection read from `snapshot_id`. */
	int (*import_snapshot)(struct db_conn *conn, const char *snapshot_id,
			       struct mb_err *err);
};

/*
 * Driver contract for open/close: open() returns a zeroed struct whose
 * first member is the struct db_conn, with `drv` and `mode` set; db_open()
 * then moves its parsed url into conn->url (drivers never copy or free
 * conn->url). close() frees the driver's struct; db_close() releases the
 * url afterwards.
 */

/* Registered drivers; NULL if the engine was not compiled in. */
const struct db_driver *db_driver_for(enum db_engine engine);

/*
 * Opens `text` (an address) in the given mode. On failure returns -1 with
 * MB_ERR_USAGE (malformed address) or MB_ERR_CONNECT (unreachable host,
 * wrong password, unknown database), the message naming url.display.
 * The caller owns *out and closes it with db_close().
 */
int db_open(const char *text, enum db_mode mode, struct db_conn **out,
	    struct mb_err *err);
void db_close(struct db_conn *conn);

int db_exec(struct db_conn *conn, const char *sql, struct mb_err *err);
int db_query(struct db_conn *conn, const char *sql, struct db_rows **out,
	     struct mb_err *err);
int db_rows_next(struct db_rows *rows, struct mb_err *err);
void db_rows_close(struct db_rows *rows);
void db_quote_ident(struct db_conn *conn, struct strbuf *sb, const char *name);
void db_quote_literal(struct db_conn *conn, struct strbuf *sb, const char *s,
		      size_t len);
/* schema.table quoted; schema omitted on engines without real schemas. */
void db_quote_table(struct db_conn *conn, struct strbuf *sb, const char *schema,
		    const char *table);
/* Fills an empty catalog (catalog_init()ed by the caller, who releases it
 * also on failure) and finishes it. */
int db_read_catalog(struct db_conn *conn, struct catalog *cat,
		    struct mb_err *err);
int db_set_timeout(struct db_conn *conn, unsigned ms, struct mb_err *err);
/* Newly allocated; NULL when unknown (server_version) or on error. */
char *db_server_version(struct db_conn *conn);
char *db_identity(struct db_conn *conn, struct mb_err *err);

/*
 * Bulk paths (see the optional driver ops above). Each fails with MB_ERR_DB
 * "... not supported by <engine>" when the driver lacks the op.
 */
int db_copy_out(struct db_conn *conn, const char *copy_sql,
		int (*on_chunk)(void *ctx, const char *buf, size_t len),
		void *ctx, struct mb_err *err);
int db_copy_in_start(struct db_conn *conn, const char *copy_sql,
		     struct mb_err *err);
int db_copy_in_put(struct db_conn *conn, const char *buf, size_t len,
		   struct mb_err *err);
int db_copy_in_end(struct db_conn *conn, struct mb_err *err);
/* Newly allocated snapshot id of a source connection; NULL on error. */
char *db_export_snapshot(struct db_conn *conn, struct mb_err *err);
/*
 * Opens a SOURCE connection reading from the snapshot another source
 * connection exported (parallel workers). Same failures as db_open().
 */
int db_open_snapshot(const char *text, const char *snapshot_id,
		     struct db_conn **out, struct mb_err *err);

/*
 * Records a failure on conn (last_outcome, sqlstate) and sets err with
 * MB_ERR_CONNECT for lost connections / auth, MB_ERR_DB otherwise.
 * `sqlstate` may be NULL. Returns -1. For drivers.
 */
ATTR_FORMAT(5, 6) int db_fail(struct db_conn *conn, struct mb_err *err,
			      const char *sqlstate, enum db_outcome outcome,
			      const char *fmt, ...);
#ifdef __clang_analyzer__
#define db_fail(...) (db_fail(__VA_ARGS__), -1)  /* see error.h */
#endif

/*
 * SQL tracing for tests (tig-style): when MB_TRACE_SQL names a file, every
 * statement sent by any driver is appended to it, one per line. Drivers
 * call db_trace() before sending.
 */
void db_trace(const struct db_conn *conn, const char *sql);

#endif

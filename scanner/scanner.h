/*
 * scanner.h - the PII scanner (SPEC §5): column-name rules, sampled value
 * patterns with validators, customer-name matching and free-text search,
 * combined into one confidence per (column, category).
 *
 * Flow: scan_database() samples every table of a catalog through an open
 * source connection (one bounded query per table) and fills a scan_result;
 * scan_store() writes it into the workspace (tables `scans` and
 * `findings`, owned by this module); scan_load_latest() reads the latest
 * scan of a source back. scan_run() does all of it for `maskbench scan`.
 *
 * Privacy: no raw value is kept beyond the row being analysed. Findings
 * carry counts, pattern names, column-name tokens and redacted shapes
 * (`Xxxx.Xxxxx@xxxx.xxx`, `4111********1111`); customer names are never
 * stored, only their number.
 */
#ifndef MB_SCANNER_H
#define MB_SCANNER_H

#include "core/catalog.h"
#include "core/db.h"
#include "core/error.h"
#include "core/match.h"
#include "core/workspace.h"

#define SCAN_DEFAULT_SAMPLE 1000
/*
 * Free-text columns (MySQL/MariaDB TEXT, MEDIUMTEXT, LONGTEXT; PostgreSQL
 * json, jsonb, xml; any char/varchar/clob of 1000+ characters) get this
 * many times the sample: 3,000 rows by default, read by the same single
 * query (the other columns of the table use only its first rows).
 */
#define SCAN_TEXT_SAMPLE_FACTOR 3
/*
 * MySQL/MariaDB tables with a single integer primary key and more rows
 * than 10 times the sample are sampled by this many primary-key range
 * reads in one statement (research §3.3), not by WHERE RAND() < p.
 */
#define SCAN_PK_PROBES 10
#define SCAN_DEFAULT_TIMEOUT_MS 30000
/* Findings at or above this confidence are "flagged" (shown for review). */
#define SCAN_FLAG_THRESHOLD 0.5

struct scan_options {
	size_t sample;             /* values per column; 0 = SCAN_DEFAULT_SAMPLE */
	bool full;                 /* read whole columns (streamed) */
	unsigned timeout_ms;       /* per statement; 0 = SCAN_DEFAULT_TIMEOUT_MS */
	const char *customers_file;/* one name a line, or NULL */
	const char *customers_sql; /* a query on the source whose first column is a name */
	const char *share_dir;     /* categories folder parent; NULL = default */
	const char *source;        /* address to reconnect with after a failed
				      statement aborted the snapshot; NULL: none */
	/* Called after each table (may be NULL). */
	void (*progress)(void *ctx, size_t done, size_t total, const char *table);
	void *progress_ctx;
};

/*
 * One finding. All strings are owned by the scan_result. rank 1 is the top
 * category of its column, 2 the runner-up; rank 0 is a note-only row
 * (category "none", confidence 0) for a column that was skipped or failed,
 * e.g. note "skipped: binary column", "timeout".
 */
struct scan_finding {
	char *schema, *table, *column;
	char *category;
	double confidence;         /* 0..1 */
	char *methods;             /* comma list: name,pattern,customer,structure */
	int64_t matched, sampled;
	char *evidence;            /* counts, pattern names, redacted shapes */
	char *action, *params;     /* proposed SPEC §7 action and its JSON params */
	int rank;
	char *note;                /* NULL when none */
};

struct scan_result {
	int64_t scan_id;           /* set by scan_store / scan_load_latest */
	int64_t source_id;
	size_t sample;
	bool full;
	size_t tables, columns;
	size_t customers;          /* names in the customer set (count only) */
	struct scan_finding *findings;
	size_t nfindings, findings_alloc;
};

void scan_result_init(struct scan_result *res);
void scan_result_release(struct scan_result *res);

/*
 * Scans every table and view of cat through conn (a DB_MODE_SOURCE
 * connection; it may be replaced by a fresh one after a statement timeout,
 * hence the double pointer). mc: loaded categories; cs: customer names or
 * NULL. Appends findings to res. Per-table failures (timeout, permission)
 * become notes, not errors; returns -1 only for a lost connection
 * (MB_ERR_CONNECT/MB_ERR_DB) or cancellation.
 */
int scan_database(struct db_conn **conn, const struct catalog *cat,
		  const struct match_catalog *mc, const struct customer_set *cs,
		  const struct scan_options *opt, struct scan_result *res,
		  struct mb_err *err);

/* Creates/updates this module's workspace tables (module "scanner"). */
int scan_migrate(struct workspace *ws, struct mb_err *err);
/* Stores res as a new scan of source_id; sets res->scan_id. */
int scan_store(struct workspace *ws, int64_t source_id, const char *started_at,
	       struct scan_result *res, struct mb_err *err);
/* Loads the latest scan of a source (found false when there is none). */
int scan_load_latest(struct workspace *ws, int64_t source_id,
		     struct scan_result *res, bool *found, struct mb_err *err);

/*
 * `maskbench scan` after the caller opened the source (read-only), read
 * and saved its catalog: loads the categories and the customer names
 * (opt->customers_file, or opt->customers_sql run on *conn), scans, and
 * stores the result as a new scan of source_id (res->scan_id set). The
 * customer names are wiped from memory before returning; only their count
 * is stored.
 */
int scan_run(struct workspace *ws, int64_t source_id, struct db_conn **conn,
	     const struct catalog *cat, const struct scan_options *opt,
	     struct scan_result *res, struct mb_err *err);

/* Output (SPEC §10): TSV header + one line per finding (rank >= 1). */
void scan_result_to_tsv(const struct scan_result *res, struct strbuf *out);
void scan_result_to_json(const struct scan_result *res, struct strbuf *out);
/* A human table: flagged findings first, notes at the end. */
void scan_result_to_table(const struct scan_result *res, struct strbuf *out);

/* ------------------------------------------------------------------ */
/* Column names (exported for tests and the TUI)                       */
/* ------------------------------------------------------------------ */

/* Tokens of an identifier, lower-case ASCII; owned strings. */
struct scan_tokens {
	char **v;
	size_t n, alloc;
};

/*
 * Splits an identifier on '_', '-', '.', spaces, digit runs and camelCase
 * boundaries ("custEmailAddr" -> cust email addr, "HTTPServer2" ->
 * http server 2), lower-cased, accents stripped ("Prénom" -> prenom).
 * Appends to out; release with scan_tokens_release().
 */
void scan_tokenize(const char *name, struct scan_tokens *out);
void scan_tokens_release(struct scan_tokens *t);

/*
 * Name score of every category for column `column` of table `table`:
 * scores[c] is 1.0 (the keyword covers the whole name, modifiers such as
 * "billing" aside), 0.65 (a keyword is one part of the name), 0 (nothing)
 * or -1 (an exclude rule hit: never this category). A category whose
 * matched tokens are a strict subset of another's is set to 0
 * ("ip_address" is not a street address). scores has
 * match_catalog_count(mc) entries. When why is not NULL, why[c] receives
 * the matched keyword (newly allocated, or NULL).
 */
void scan_name_scores(const struct match_catalog *mc, const char *table,
		      const char *column, double *scores, char **why);

/* Wilson score lower bound of k successes in n at 95% (0 when n == 0). */
double scan_wilson_lower(size_t k, size_t n);

/*
 * Appends the redacted shape of a value: letters become X/x, digits 9,
 * other characters stay; card numbers keep only the first and last four
 * digits (`4111********1111`). At most ~32 characters.
 */
void scan_shape(const char *value, size_t len, bool card, struct strbuf *out);

#endif

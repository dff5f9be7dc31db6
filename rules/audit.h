/*
 * audit.h - the append-only, hash-chained history of rule changes.
 *
 * Every row: id, at (UTC), who, event (set, approve, reject, new, drift,
 * drop, import, scanner, setting), column ("schema.table.column" or NULL
 * for workspace-wide events), old and new (canonical JSON, NULL when
 * none), prev_hash and hash, where
 *
 *   hash = SHA-256(prev_hash_hex || netstring(id) || netstring(at) ||
 *                  netstring(who) || netstring(event) || netstring(column) ||
 *                  netstring(old) || netstring(new))
 *
 * netstring(x) = "<byte length>:" x "," and NULL is written as "-1:,".
 * The first row's prev_hash is 64 zeros. Triggers refuse UPDATE and DELETE
 * through SQLite; editing the file directly is caught by audit_verify().
 * The head (last id and hash) is also kept in the settings table, so
 * removing the newest rows is detected too.
 *
 * Audit rows never contain data values: rules hold actions and notes.
 */
#ifndef MB_RULES_AUDIT_H
#define MB_RULES_AUDIT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/workspace.h"

struct audit_row {
	int64_t id;
	char *at, *who, *event, *column; /* column NULL for workspace events */
	char *old_json, *new_json;       /* NULL when none */
	char *prev_hash, *hash;
};

/*
 * Appends one row in the caller's transaction (the caller must hold one:
 * ws_begin()). Returns 0 or -1 with MB_ERR_IO.
 */
int audit_append(struct workspace *ws, const char *event, const char *who,
		 const char *column, const char *old_json,
		 const char *new_json, struct mb_err *err);

/*
 * A batch of appends in the caller's transaction: the insert statement is
 * prepared once and the head is written once, by audit_writer_end().
 * audit_append() is begin + add + end. After a failure the caller rolls
 * the transaction back and calls audit_writer_end() or _abort().
 */
struct audit_writer {
	struct workspace *ws;
	sqlite3_stmt *ins;
	int64_t last_id;
	char last_hash[65];
	bool dirty;
};
int audit_writer_begin(struct workspace *ws, struct audit_writer *w,
		       struct mb_err *err);
int audit_writer_add(struct audit_writer *w, const char *event, const char *who,
		     const char *column, const char *old_json,
		     const char *new_json, struct mb_err *err);
/* Records the head (if rows were added) and frees the writer. */
int audit_writer_end(struct audit_writer *w, struct mb_err *err);
/* Frees the writer without recording anything. */
void audit_writer_abort(struct audit_writer *w);

/*
 * Rows of one column (exact "schema.table.column") or all (column NULL),
 * oldest first. *rows newly allocated; free with audit_rows_free().
 */
int audit_list(struct workspace *ws, const char *column,
	       struct audit_row **rows, size_t *n, struct mb_err *err);
void audit_rows_free(struct audit_row *rows, size_t n);

/*
 * Recomputes the chain. Returns 0 when intact (*nrows rows checked), -1
 * with MB_ERR_PROBLEM naming the first broken row ("audit row 12: hash
 * does not match its content", "audit rows 7..9 missing", "rule
 * public.t.c differs from its last audit row") or another kind on a
 * workspace error.
 */
int audit_verify(struct workspace *ws, size_t *nrows, struct mb_err *err);

/*
 * A one-line summary of what a row changed, from its old/new JSON:
 * "state proposed -> approved; note set". Appends to out.
 */
void audit_describe(struct workspace *ws, const struct audit_row *row,
		    struct strbuf *out);

/* Hex SHA-256 of the given bytes into out[65]. */
void audit_sha256_hex(const void *data, size_t len, char out[65]);

#endif

/*
 * audit.c - the hash-chained audit of rule changes; see audit.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "core/strbuf.h"
#include "rules/audit.h"
#include "rules/rules.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define HEAD_KEY "audit_head"

void audit_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		/* libcrypto without SHA-256 is not a usable build */
		memset(out, '?', 64);
		out[64] = '\0';
		return;
	}
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

static void netstring(struct strbuf *sb, const char *s)
{
	if (!s) {
		strbuf_addstr(sb, "-1:,");
		return;
	}
	strbuf_addf(sb, "%zu:", strlen(s));
	strbuf_addstr(sb, s);
	strbuf_addch(sb, ',');
}

static void row_hash(const struct audit_row *r, char out[65])
{
	struct strbuf sb = STRBUF_INIT;
	char id[32];

	snprintf(id, sizeof(id), "%" PRId64, r->id);
	strbuf_addstr(&sb, r->prev_hash ? r->prev_hash : "");
	netstring(&sb, id);
	netstring(&sb, r->at);
	netstring(&sb, r->who);
	netstring(&sb, r->event);
	netstring(&sb, r->column);
	netstring(&sb, r->old_json);
	netstring(&sb, r->new_json);
	audit_sha256_hex(sb.buf, sb.len, out);
	strbuf_release(&sb);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int audit_writer_begin(struct workspace *ws, struct audit_writer *w,
		       struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(w, 0, sizeof(*w));
	w->ws = ws;
	snprintf(w->last_hash, sizeof(w->last_hash), "%s", GENESIS);
	if (ws_prepare(ws, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
		       &st, err) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);

		w->last_id = sqlite3_column_int64(st, 0);
		snprintf(w->last_hash, sizeof(w->last_hash), "%s", h ? h : "");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ws_fail(ws, err, "cannot read the audit");
	if (ws_prepare(ws, "INSERT INTO audit(id, at, who, event, col, old, new,"
			   " prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		       &w->ins, err) < 0)
		return -1;
	return 0;
}

int audit_writer_add(struct audit_writer *w, const char *event, const char *who,
		     const char *column, const char *old_json,
		     const char *new_json, struct mb_err *err)
{
	struct audit_row row = { 0 };
	char hash[65], now[32];
	sqlite3_stmt *st = w->ins;
	int rc;

	rules_now(now);
	row.id = w->last_id + 1;
	row.at = now;
	row.who = (char *)who;
	row.event = (char *)event;
	row.column = (char *)column;
	row.old_json = (char *)old_json;
	row.new_json = (char *)new_json;
	row.prev_hash = w->last_hash;
	row_hash(&row, hash);

	sqlite3_bind_int64(st, 1, row.id);
	bind_opt(st, 2, now);
	bind_opt(st, 3, who);
	bind_opt(st, 4, event);
	bind_opt(st, 5, column);
	bind_opt(st, 6, old_json);
	bind_opt(st, 7, new_json);
	bind_opt(st, 8, w->last_hash);
	bind_opt(st, 9, hash);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return ws_fail(w->ws, err, "cannot append to the audit");
	w->last_id = row.id;
	memcpy(w->last_hash, hash, sizeof(hash));
	w->dirty = true;
	return 0;
}

int audit_writer_end(struct audit_writer *w, struct mb_err *err)
{
	char head[96];
	int ret = 0;

	if (w->dirty) {
		snprintf(head, sizeof(head), "%" PRId64 ":%s", w->last_id, w->last_hash);
		ret = ws_setting_set(w->ws, HEAD_KEY, head, err);
	}
	audit_writer_abort(w);
	return ret;
}

void audit_writer_abort(struct audit_writer *w)
{
	sqlite3_finalize(w->ins);
	w->ins = NULL;
	w->dirty = false;
}

int audit_append(struct workspace *ws, const char *event, const char *who,
		 const char *column, const char *old_json,
		 const char *new_json, struct mb_err *err)
{
	struct audit_writer w;

	if (audit_writer_begin(ws, &w, err) < 0 ||
	    audit_writer_add(&w, event, who, column, old_json, new_json, err) < 0) {
		audit_writer_abort(&w);
		return -1;
	}
	return audit_writer_end(&w, err);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	return xstrdup((const char *)sqlite3_column_text(st, i));
}

static void row_release(struct audit_row *r)
{
	free(r->at);
	free(r->who);
	free(r->event);
	free(r->column);
	free(r->old_json);
	free(r->new_json);
	free(r->prev_hash);
	free(r->hash);
}

void audit_rows_free(struct audit_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		row_release(&rows[i]);
	free(rows);
}

static void row_from_stmt(sqlite3_stmt *st, struct audit_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->at = dup_col(st, 1);
	r->who = dup_col(st, 2);
	r->event = dup_col(st, 3);
	r->column = dup_col(st, 4);
	r->old_json = dup_col(st, 5);
	r->new_json = dup_col(st, 6);
	r->prev_hash = dup_col(st, 7);
	r->hash = dup_col(st, 8);
}

int audit_list(struct workspace *ws, const char *column,
	       struct audit_row **rows, size_t *n, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (rules_migrate(ws, err) < 0)
		return -1;
	if (ws_prepare(ws, "SELECT id, at, who, event, col, old, new, prev_hash,"
			   " hash FROM audit WHERE ?1 IS NULL OR col = ?1 ORDER BY id",
		       &st, err) < 0)
		return -1;
	bind_opt(st, 1, column);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(*rows, *n + 1, alloc);
		memset(&(*rows)[*n], 0, sizeof(**rows));
		row_from_stmt(st, &(*rows)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		audit_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return ws_fail(ws, err, "cannot read the audit");
	}
	return 0;
}

/*
 * Every live rule must equal the `new` of its column's last audit row:
 * a rule edited behind the audit's back is tampering too.
 */
static int verify_rules(struct workspace *ws, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	struct rule_list all = { 0 };
	struct strbuf json = STRBUF_INIT;
	int ret = -1;

	if (rules_load(ws, NULL, true, &all, err) < 0)
		return -1;
	if (ws_prepare(ws, "SELECT new FROM audit WHERE col = ?1"
			   " ORDER BY id DESC LIMIT 1", &st, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < all.n; i++) {
		char *name = rule_display(&all.items[i]);
		const char *last;
		int rc;

		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		last = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		strbuf_reset(&json);
		rule_to_json(&all.items[i], &json);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			free(name);
			ws_fail(ws, err, "cannot read the audit");
			goto cleanup;
		}
		if (!last || strcmp(last, json.buf)) {
			mb_err_set(err, MB_ERR_PROBLEM,
				   "audit broken: rule %s differs from its last audit row"
				   " (changed outside maskbench)", name);
			free(name);
			goto cleanup;
		}
		free(name);
		sqlite3_reset(st);
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	strbuf_release(&json);
	rule_list_release(&all);
	return ret;
}

int audit_verify(struct workspace *ws, size_t *nrows, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	char prev[65] = GENESIS, hash[65];
	int64_t expect_id = 1;
	char *head = NULL;
	int rc, ret = -1;

	*nrows = 0;
	if (rules_migrate(ws, err) < 0)
		return -1;
	if (ws_prepare(ws, "SELECT id, at, who, event, col, old, new, prev_hash,"
			   " hash FROM audit ORDER BY id", &st, err) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row r = { 0 };
		const char *why = NULL;

		row_from_stmt(st, &r);
		if (r.id != expect_id) {
			if (r.id > expect_id)
				mb_err_set(err, MB_ERR_PROBLEM,
					   "audit broken at row %" PRId64 ": rows %" PRId64
					   "..%" PRId64 " are missing (deleted)",
					   r.id, expect_id, r.id - 1);
			else
				mb_err_set(err, MB_ERR_PROBLEM,
					   "audit broken at row %" PRId64 ": out of sequence",
					   r.id);
			row_release(&r);
			goto cleanup;
		}
		if (!r.prev_hash || strcmp(r.prev_hash, prev))
			why = "does not follow the previous row (a row before it was deleted or edited)";
		if (!why) {
			row_hash(&r, hash);
			if (!r.hash || strcmp(r.hash, hash))
				why = "content does not match its hash (edited)";
		}
		if (why)
			mb_err_set(err, MB_ERR_PROBLEM, "audit broken at row %" PRId64
				   " (%s, %s): %s", r.id, r.event ? r.event : "?",
				   r.column ? r.column : "workspace", why);
		snprintf(prev, sizeof(prev), "%s", r.hash ? r.hash : "");
		row_release(&r);
		if (why)
			goto cleanup;
		expect_id++;
		(*nrows)++;
	}
	if (rc != SQLITE_DONE) {
		ws_fail(ws, err, "cannot read the audit");
		goto cleanup;
	}
	head = ws_setting_get(ws, HEAD_KEY);
	if (*nrows || head) {
		char want[96];

		snprintf(want, sizeof(want), "%" PRId64 ":%s", expect_id - 1, prev);
		if (!str_eq(head, want)) {
			mb_err_set(err, MB_ERR_PROBLEM,
				   "audit broken after row %" PRId64 ": the newest rows"
				   " were removed or the head record was altered",
				   expect_id - 1);
			goto cleanup;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	ret = verify_rules(ws, err);
cleanup:
	free(head);
	sqlite3_finalize(st);
	return ret;
}

void audit_describe(struct workspace *ws, const struct audit_row *row,
		    struct strbuf *out)
{
	static const char *const fields[] = {
		"state", "category", "action", "params", "type", "nullable",
		"reviewer", "note", "dropped", "two_person_rule",
	};
	sqlite3_stmt *st = NULL;
	size_t start = out->len;

	if (!row->new_json)
		return;
	if (sqlite3_prepare_v2(ws->db, "SELECT json_extract(?1, ?3),"
				       " json_extract(?2, ?3), json_valid(?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char path[64];
		const char *o, *n;

		snprintf(path, sizeof(path), "$.%s", fields[i]);
		sqlite3_bind_text(st, 1, row->old_json ? row->old_json : "{}", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 2, row->new_json, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, path, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 2)) {
			o = (const char *)sqlite3_column_text(st, 0);
			n = (const char *)sqlite3_column_text(st, 1);
			bool created = !row->old_json;

			/* a new rule: only what is worth reading */
			if (created && n && ((str_eq(fields[i], "dropped") && str_eq(n, "0")) ||
					     (str_eq(fields[i], "params") && str_eq(n, "{}")) ||
					     (str_eq(fields[i], "nullable") && str_eq(n, "1"))))
				n = o;
			if (created && str_eq(fields[i], "nullable") && str_eq(n, "0")) {
				if (out->len > start)
					strbuf_addstr(out, "; ");
				strbuf_addstr(out, "not null");
			} else if (!str_eq(o, n) && (o || n)) {
				if (out->len > start)
					strbuf_addstr(out, "; ");
				if (str_eq(fields[i], "note") || str_eq(fields[i], "reviewer"))
					strbuf_addf(out, "%s %s", fields[i],
						    n ? (o ? "changed" : "set") : "cleared");
				else if (!row->old_json || !o)
					strbuf_addf(out, "%s %s", fields[i], n ? n : "-");
				else
					strbuf_addf(out, "%s %s -> %s", fields[i], o,
						    n ? n : "-");
			}
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (out->len == start)
		strbuf_addstr(out, "no change");
}

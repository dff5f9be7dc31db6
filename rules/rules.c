/*
 * rules.c - the rules model: storage, states, review, drift, gate.
 */
#include "config.h"

#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "rules/audit.h"
#include "rules/rules.h"

static const struct ws_migration rules_migrations[] = {
	{ 1,
	  "CREATE TABLE rules(id INTEGER PRIMARY KEY,\n"
	  "  source_id INTEGER NOT NULL,\n"
	  "  schema TEXT NOT NULL, tbl TEXT NOT NULL, col TEXT NOT NULL,\n"
	  "  ordinal INTEGER NOT NULL DEFAULT 0,\n"
	  "  category TEXT, action TEXT NOT NULL DEFAULT 'keep',\n"
	  "  params TEXT NOT NULL DEFAULT '{}',\n"
	  "  state TEXT NOT NULL CHECK (state IN"
	  " ('unreviewed', 'proposed', 'approved', 'rejected')),\n"
	  "  reviewer TEXT, reviewed_at TEXT, note TEXT,\n"
	  "  set_by TEXT, set_at TEXT,\n"
	  "  col_type TEXT, nullable INTEGER NOT NULL DEFAULT 1,\n"
	  "  approved_type TEXT, approved_nullable INTEGER,\n"
	  "  dropped INTEGER NOT NULL DEFAULT 0,\n"
	  "  updated_at TEXT NOT NULL,\n"
	  "  UNIQUE (schema, tbl, col));\n"
	  "CREATE INDEX rules_state ON rules(state);\n"
	  "CREATE TABLE audit(id INTEGER PRIMARY KEY,\n"
	  "  at TEXT NOT NULL, who TEXT NOT NULL, event TEXT NOT NULL,\n"
	  "  col TEXT, old TEXT, new TEXT,\n"
	  "  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);\n"
	  "CREATE INDEX audit_col ON audit(col, id);\n"
	  "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
	  "  BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;\n"
	  "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
	  "  BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;\n" },
};

static const char *const state_names[] = {
	[RULE_UNREVIEWED] = "unreviewed",
	[RULE_PROPOSED] = "proposed",
	[RULE_APPROVED] = "approved",
	[RULE_REJECTED] = "rejected",
};

const char *rule_state_name(enum rule_state s)
{
	if ((size_t)s < ARRAY_SIZE(state_names))
		return state_names[s];
	return "unreviewed";
}

int rule_state_parse(const char *name, enum rule_state *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_names); i++) {
		if (str_eq(name, state_names[i])) {
			*out = (enum rule_state)i;
			return 0;
		}
	}
	return -1;
}

int rules_migrate(struct workspace *ws, struct mb_err *err)
{
	return ws_migrate(ws, "rules", rules_migrations,
			  ARRAY_SIZE(rules_migrations), err);
}

void rules_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rule_release(struct rule *r)
{
	free(r->schema);
	free(r->table);
	free(r->column);
	free(r->category);
	free(r->action);
	free(r->params);
	free(r->reviewer);
	free(r->reviewed_at);
	free(r->note);
	free(r->set_by);
	free(r->set_at);
	free(r->col_type);
	free(r->approved_type);
	free(r->updated_at);
	memset(r, 0, sizeof(*r));
}

char *rule_display(const struct rule *r)
{
	return xasprintf("%s.%s.%s", r->schema, r->table, r->column);
}

static void json_field(struct strbuf *out, const char *key, const char *v,
		       bool first)
{
	if (!first)
		strbuf_addstr(out, ", ");
	strbuf_add_json_str(out, key, strlen(key));
	strbuf_addstr(out, ": ");
	if (v)
		strbuf_add_json_str(out, v, strlen(v));
	else
		strbuf_addstr(out, "null");
}

void rule_to_json(const struct rule *r, struct strbuf *out)
{
	strbuf_addch(out, '{');
	json_field(out, "category", r->category, true);
	json_field(out, "action", r->action, false);
	/* params is canonical JSON text already */
	strbuf_addstr(out, ", \"params\": ");
	strbuf_addstr(out, r->params ? r->params : "{}");
	json_field(out, "state", rule_state_name(r->state), false);
	json_field(out, "reviewer", r->reviewer, false);
	json_field(out, "reviewed_at", r->reviewed_at, false);
	json_field(out, "note", r->note, false);
	json_field(out, "set_by", r->set_by, false);
	json_field(out, "type", r->col_type, false);
	strbuf_addf(out, ", \"nullable\": %s", r->nullable ? "true" : "false");
	json_field(out, "approved_type", r->approved_type, false);
	strbuf_addf(out, ", \"approved_nullable\": %s",
		    r->approved_type ? (r->approved_nullable ? "true" : "false")
				     : "null");
	strbuf_addf(out, ", \"dropped\": %s}", r->dropped ? "true" : "false");
}

void rule_list_release(struct rule_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		rule_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

#define RULE_COLUMNS \
	"id, source_id, schema, tbl, col, ordinal, category, action, params," \
	" state, reviewer, reviewed_at, note, set_by, set_at, col_type," \
	" nullable, approved_type, approved_nullable, dropped, updated_at"

static char *dup_col(sqlite3_stmt *st, int i)
{
	return xstrdup((const char *)sqlite3_column_text(st, i));
}

static void rule_from_row(sqlite3_stmt *st, struct rule *r)
{
	const char *state = (const char *)sqlite3_column_text(st, 9);

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->source_id = sqlite3_column_int64(st, 1);
	r->schema = dup_col(st, 2);
	r->table = dup_col(st, 3);
	r->column = dup_col(st, 4);
	r->ordinal = sqlite3_column_int(st, 5);
	r->category = dup_col(st, 6);
	r->action = dup_col(st, 7);
	r->params = dup_col(st, 8);
	if (rule_state_parse(state, &r->state) < 0)
		r->state = RULE_UNREVIEWED;
	r->reviewer = dup_col(st, 10);
	r->reviewed_at = dup_col(st, 11);
	r->note = dup_col(st, 12);
	r->set_by = dup_col(st, 13);
	r->set_at = dup_col(st, 14);
	r->col_type = dup_col(st, 15);
	r->nullable = sqlite3_column_int(st, 16) != 0;
	r->approved_type = dup_col(st, 17);
	r->approved_nullable = sqlite3_column_int(st, 18) != 0;
	r->dropped = sqlite3_column_int(st, 19) != 0;
	r->updated_at = dup_col(st, 20);
	if (!r->action)
		r->action = xstrdup("keep");
	if (!r->params)
		r->params = xstrdup("{}");
}

int rules_load(struct workspace *ws, const enum rule_state *state_filter,
	       bool include_dropped, struct rule_list *out, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (rules_migrate(ws, err) < 0)
		return -1;
	if (ws_prepare(ws, "SELECT " RULE_COLUMNS " FROM rules"
			   " WHERE (?1 IS NULL OR state = ?1) AND (?2 OR NOT dropped)"
			   " ORDER BY schema, tbl, ordinal, col", &st, err) < 0)
		return -1;
	if (state_filter)
		sqlite3_bind_text(st, 1, rule_state_name(*state_filter), -1,
				  SQLITE_STATIC);
	sqlite3_bind_int(st, 2, include_dropped);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(out->items, out->n + 1, out->alloc);
		rule_from_row(st, &out->items[out->n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rule_list_release(out);
		return ws_fail(ws, err, "cannot read rules");
	}
	return 0;
}

int rules_get(struct workspace *ws, const char *schema, const char *table,
	      const char *column, struct rule *out, bool *found,
	      struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*found = false;
	if (ws_prepare(ws, "SELECT " RULE_COLUMNS " FROM rules"
			   " WHERE schema = ?1 AND tbl = ?2 AND col = ?3", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, schema, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, column, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rule_from_row(st, out);
		*found = true;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ws_fail(ws, err, "cannot read rules");
	return 0;
}

int rules_find(struct workspace *ws, const char *column, struct rule *out,
	       struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, nfull = 0, npart = 0;
	struct rule full = { 0 }, part = { 0 };

	if (rules_migrate(ws, err) < 0)
		return -1;
	/* Names may hold dots: compare the joined forms, full match first. */
	if (ws_prepare(ws, "SELECT " RULE_COLUMNS ","
			   " (schema || '.' || tbl || '.' || col) = ?1 FROM rules"
			   " WHERE NOT dropped AND ((schema || '.' || tbl || '.' || col) = ?1"
			   " OR (tbl || '.' || col) = ?1)", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, column, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 21)) {
			if (!nfull++)
				rule_from_row(st, &full);
		} else if (!npart++) {
			rule_from_row(st, &part);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rule_release(&full);
		rule_release(&part);
		return ws_fail(ws, err, "cannot read rules");
	}
	if (nfull == 1 || (nfull == 0 && npart == 1)) {
		*out = nfull ? full : part;
		if (nfull)
			rule_release(&part);
		return 0;
	}
	rule_release(&full);
	rule_release(&part);
	if (nfull + npart > 1)
		return mb_err_set(err, MB_ERR_USAGE,
				  "ambiguous column %s: name it as schema.table.column",
				  column);
	return mb_err_set(err, MB_ERR_USAGE,
			  "unknown column %s (run 'maskbench catalog' or 'scan' first?)",
			  column);
}

const char *rules_reviewer(const char *given)
{
	const char *env;
	struct passwd *pw;

	if (given && *given)
		return given;
	env = getenv("MASKBENCH_REVIEWER");
	if (env && *env)
		return env;
	pw = getpwuid(geteuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return pw->pw_name;
	env = getenv("USER");
	if (env && *env)
		return env;
	return "unknown";
}

bool rules_two_person(struct workspace *ws)
{
	char *v = ws_setting_get(ws, "two_person_rule");
	bool on = v && (str_eq(v, "on") || str_eq(v, "true") || str_eq(v, "1"));

	free(v);
	return on;
}

int rules_set_two_person(struct workspace *ws, bool on, const char *who,
			 struct mb_err *err)
{
	bool was;

	if (rules_migrate(ws, err) < 0)
		return -1;
	was = rules_two_person(ws);
	if (was == on)
		return 0;
	if (ws_begin(ws, err) < 0)
		return -1;
	if (ws_setting_set(ws, "two_person_rule", on ? "on" : "off", err) < 0 ||
	    audit_append(ws, "setting", who, NULL,
			 was ? "{\"two_person_rule\": \"on\"}"
			     : "{\"two_person_rule\": \"off\"}",
			 on ? "{\"two_person_rule\": \"on\"}"
			    : "{\"two_person_rule\": \"off\"}", err) < 0) {
		ws_rollback(ws);
		return -1;
	}
	return ws_commit(ws, err);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

#define RULE_UPDATE_SQL \
	"UPDATE rules SET source_id = ?2, schema = ?3, tbl = ?4," \
	" col = ?5, ordinal = ?6, category = ?7, action = ?8," \
	" params = ?9, state = ?10, reviewer = ?11," \
	" reviewed_at = ?12, note = ?13, set_by = ?14, set_at = ?15," \
	" col_type = ?16, nullable = ?17, approved_type = ?18," \
	" approved_nullable = ?19, dropped = ?20, updated_at = ?21" \
	" WHERE id = ?1"
#define RULE_INSERT_SQL \
	"INSERT INTO rules(" RULE_COLUMNS ") VALUES (NULL, ?2," \
	" ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15," \
	" ?16, ?17, ?18, ?19, ?20, ?21)"

int rules_batch_begin(struct workspace *ws, struct rules_batch *b,
		      struct mb_err *err)
{
	memset(b, 0, sizeof(*b));
	b->ws = ws;
	if (ws_prepare(ws, RULE_INSERT_SQL, &b->ins, err) < 0 ||
	    ws_prepare(ws, RULE_UPDATE_SQL, &b->upd, err) < 0 ||
	    audit_writer_begin(ws, &b->aw, err) < 0) {
		rules_batch_abort(b);
		return -1;
	}
	return 0;
}

int rules_batch_end(struct rules_batch *b, struct mb_err *err)
{
	int ret = audit_writer_end(&b->aw, err);

	rules_batch_abort(b);
	return ret;
}

void rules_batch_abort(struct rules_batch *b)
{
	sqlite3_finalize(b->ins);
	sqlite3_finalize(b->upd);
	b->ins = b->upd = NULL;
	audit_writer_abort(&b->aw);
}

int rules_store(struct workspace *ws, struct rules_batch *b, struct rule *r,
		struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int rc;

	rules_now(now);
	free(r->updated_at);
	r->updated_at = xstrdup(now);
	if (b)
		st = r->id ? b->upd : b->ins;
	else if (ws_prepare(ws, r->id ? RULE_UPDATE_SQL : RULE_INSERT_SQL, &st, err) < 0)
		return -1;
	if (r->id)
		sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, r->source_id);
	bind_opt(st, 3, r->schema);
	bind_opt(st, 4, r->table);
	bind_opt(st, 5, r->column);
	sqlite3_bind_int(st, 6, r->ordinal);
	bind_opt(st, 7, r->category);
	bind_opt(st, 8, r->action ? r->action : "keep");
	bind_opt(st, 9, r->params ? r->params : "{}");
	bind_opt(st, 10, rule_state_name(r->state));
	bind_opt(st, 11, r->reviewer);
	bind_opt(st, 12, r->reviewed_at);
	bind_opt(st, 13, r->note);
	bind_opt(st, 14, r->set_by);
	bind_opt(st, 15, r->set_at);
	bind_opt(st, 16, r->col_type);
	sqlite3_bind_int(st, 17, r->nullable);
	bind_opt(st, 18, r->approved_type);
	if (r->approved_type)
		sqlite3_bind_int(st, 19, r->approved_nullable);
	else
		sqlite3_bind_null(st, 19);
	sqlite3_bind_int(st, 20, r->dropped);
	bind_opt(st, 21, r->updated_at);
	rc = sqlite3_step(st);
	if (b) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE) {
		char *name = rule_display(r);

		ws_fail(ws, err, "cannot save rule");
		mb_err_prefix(err, "%s", name);
		free(name);
		return -1;
	}
	if (!r->id)
		r->id = sqlite3_last_insert_rowid(ws->db);
	return 0;
}

int rules_commit_change(struct workspace *ws, struct rules_batch *b,
			const char *event, const char *who,
			const struct rule *before, struct rule *after,
			struct mb_err *err)
{
	struct strbuf oldj = STRBUF_INIT, newj = STRBUF_INIT;
	char *name = rule_display(after);
	int ret = -1;

	if (before)
		rule_to_json(before, &oldj);
	if (rules_store(ws, b, after, err) < 0)
		goto cleanup;
	rule_to_json(after, &newj);
	if ((b ? audit_writer_add(&b->aw, event, who, name,
				  before ? oldj.buf : NULL, newj.buf, err)
	       : audit_append(ws, event, who, name, before ? oldj.buf : NULL,
			      newj.buf, err)) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	strbuf_release(&oldj);
	strbuf_release(&newj);
	free(name);
	return ret;
}

/* Deep copy of a rule. */
static void rule_copy(struct rule *dst, const struct rule *src)
{
	*dst = *src;
	dst->schema = xstrdup(src->schema);
	dst->table = xstrdup(src->table);
	dst->column = xstrdup(src->column);
	dst->category = xstrdup(src->category);
	dst->action = xstrdup(src->action);
	dst->params = xstrdup(src->params);
	dst->reviewer = xstrdup(src->reviewer);
	dst->reviewed_at = xstrdup(src->reviewed_at);
	dst->note = xstrdup(src->note);
	dst->set_by = xstrdup(src->set_by);
	dst->set_at = xstrdup(src->set_at);
	dst->col_type = xstrdup(src->col_type);
	dst->approved_type = xstrdup(src->approved_type);
	dst->updated_at = xstrdup(src->updated_at);
}

static void set_str(char **dst, const char *v)
{
	char *copy = xstrdup(v);

	free(*dst);
	*dst = copy;
}

int rule_spec(const struct rule *r, struct mask_spec *spec, struct mb_err *err)
{
	mask_spec_init(spec);
	set_str(&spec->action, r->action ? r->action : "keep");
	if (r->params && !str_eq(r->params, "{}") &&
	    mask_spec_params_from_json(spec, r->params, err) < 0) {
		char *name = rule_display(r);

		mb_err_prefix(err, "%s: stored parameters", name);
		free(name);
		mask_spec_release(spec);
		return -1;
	}
	return 0;
}

static int check_spec(const struct rule *r, const struct mask_spec *spec,
		      struct mb_err *err)
{
	char *name = rule_display(r);
	int ret;

	if (!mask_action_info(spec->action)) {
		ret = mb_err_set(err, MB_ERR_USAGE, "%s: unknown action '%s'",
				 name, spec->action);
	} else {
		ret = mask_spec_check(spec, name, r->col_type, r->nullable, err);
		if (ret < 0 && err && err->kind == MB_ERR_NONE)
			err->kind = MB_ERR_USAGE;
	}
	free(name);
	return ret < 0 ? -1 : 0;
}

/*
 * One change to one rule: in its own transaction, or in a savepoint of the
 * caller's when one is open (so a command can change several atomically).
 */
static int change_one(struct workspace *ws, const char *event, const char *who,
		      const struct rule *before, struct rule *after,
		      struct mb_err *err)
{
	bool outer = !sqlite3_get_autocommit(ws->db);

	if (outer ? ws_exec(ws, "SAVEPOINT rules_change", err) < 0
		  : ws_begin(ws, err) < 0)
		return -1;
	if (rules_commit_change(ws, NULL, event, who, before, after, err) < 0) {
		if (outer)
			sqlite3_exec(ws->db, "ROLLBACK TO rules_change;"
				     " RELEASE rules_change", NULL, NULL, NULL);
		else
			ws_rollback(ws);
		return -1;
	}
	if (outer)
		return ws_exec(ws, "RELEASE rules_change", err);
	if (ws_commit(ws, err) < 0) {
		ws_rollback(ws);
		return -1;
	}
	return 0;
}

static bool rule_content_eq(const struct rule *a, const struct rule *b)
{
	struct strbuf ja = STRBUF_INIT, jb = STRBUF_INIT;
	bool eq;

	rule_to_json(a, &ja);
	rule_to_json(b, &jb);
	eq = ja.len == jb.len && !memcmp(ja.buf, jb.buf, ja.len);
	strbuf_release(&ja);
	strbuf_release(&jb);
	return eq;
}

int rules_set(struct workspace *ws, const char *column,
	      const struct mask_spec *spec, const char *category,
	      const char *who, struct mb_err *err)
{
	struct rule before = { 0 }, after = { 0 };
	struct strbuf params = STRBUF_INIT;
	char now[32];
	int ret = -1;

	if (rules_find(ws, column, &before, err) < 0)
		return -1;
	if (check_spec(&before, spec, err) < 0)
		goto cleanup;
	mask_spec_params_json(spec, &params);
	rule_copy(&after, &before);
	set_str(&after.action, spec->action);
	set_str(&after.params, params.buf);
	if (category)
		set_str(&after.category, *category ? category : NULL);
	if (str_eq(after.action, before.action) &&
	    str_eq(after.params, before.params) &&
	    ((!after.category && !before.category) ||
	     str_eq(after.category, before.category))) {
		ret = 0;  /* nothing to change */
		goto cleanup;
	}
	rules_now(now);
	after.state = RULE_PROPOSED;
	set_str(&after.set_by, who);
	set_str(&after.set_at, now);
	set_str(&after.reviewer, NULL);
	set_str(&after.reviewed_at, NULL);
	set_str(&after.approved_type, NULL);
	ret = change_one(ws, "set", who, &before, &after, err);
cleanup:
	strbuf_release(&params);
	rule_release(&before);
	rule_release(&after);
	return ret;
}

/*
 * Fills `after` as the approval (or rejection) of `before` by who. Returns
 * 1 when nothing changes, 0 when `after` is ready, -1 when refused.
 */
static int review_rule(struct workspace *ws, const struct rule *before,
		       struct rule *after, enum rule_state state,
		       const char *who, const char *note, bool two_person,
		       struct mb_err *err)
{
	char now[32];

	(void)ws;
	rule_copy(after, before);
	if (state == RULE_APPROVED) {
		struct mask_spec spec;
		int rc;

		if (two_person && str_eq(before->set_by, who)) {
			char *name = rule_display(before);

			mb_err_set(err, MB_ERR_PROBLEM,
				   "approval refused: %s: the two-person rule is on and"
				   " %s set this action; another reviewer must approve",
				   name, who);
			free(name);
			return -1;
		}
		if (rule_spec(before, &spec, err) < 0)
			return -1;
		rc = check_spec(before, &spec, err);
		mask_spec_release(&spec);
		if (rc < 0) {
			mb_err_prefix(err, "cannot approve");
			return -1;
		}
	} else {
		set_str(&after->action, "keep");
		set_str(&after->params, "{}");
	}
	after->state = state;
	set_str(&after->reviewer, who);
	if (note)
		set_str(&after->note, note);
	set_str(&after->approved_type, before->col_type);
	after->approved_nullable = before->nullable;
	if (before->state == state && str_eq(before->reviewer, who) &&
	    rule_content_eq(before, after))
		return 1;
	rules_now(now);
	set_str(&after->reviewed_at, now);
	return 0;
}

static int review_one(struct workspace *ws, const char *column,
		      enum rule_state state, const char *who,
		      const char *note, struct mb_err *err)
{
	struct rule before = { 0 }, after = { 0 };
	int rc;

	if (rules_find(ws, column, &before, err) < 0)
		return -1;
	rc = review_rule(ws, &before, &after, state, who, note,
			 rules_two_person(ws), err);
	if (rc == 0)
		rc = change_one(ws, state == RULE_APPROVED ? "approve" : "reject",
				who, &before, &after, err);
	else if (rc > 0)
		rc = 0;
	rule_release(&before);
	rule_release(&after);
	return rc;
}

int rules_approve(struct workspace *ws, const char *column, const char *who,
		  const char *note, struct mb_err *err)
{
	return review_one(ws, column, RULE_APPROVED, who, note, err);
}

int rules_reject(struct workspace *ws, const char *column, const char *who,
		 const char *note, struct mb_err *err)
{
	return review_one(ws, column, RULE_REJECTED, who, note, err);
}

int rules_approve_all(struct workspace *ws, const char *who, const char *note,
		      size_t *approved, size_t *skipped,
		      struct strbuf *skipped_names, struct mb_err *err)
{
	struct rule_list all = { 0 };
	struct rules_batch batch;
	bool two = rules_two_person(ws);
	int ret = -1;

	*approved = *skipped = 0;
	if (rules_load(ws, NULL, false, &all, err) < 0)
		return -1;
	if (ws_begin(ws, err) < 0)
		goto cleanup;
	if (rules_batch_begin(ws, &batch, err) < 0) {
		ws_rollback(ws);
		goto cleanup;
	}
	for (size_t i = 0; i < all.n; i++) {
		struct rule *r = &all.items[i], after = { 0 };
		struct mb_err why = MB_ERR_INIT;
		int rc;

		if (r->state != RULE_UNREVIEWED && r->state != RULE_PROPOSED)
			continue;
		rc = review_rule(ws, r, &after, RULE_APPROVED, who, note, two, &why);
		if (rc < 0 && why.kind == MB_ERR_PROBLEM) {
			(*skipped)++;
			if (skipped_names) {
				char *name = rule_display(r);

				strbuf_addf(skipped_names, "%s\n", name);
				free(name);
			}
			rule_release(&after);
			continue;
		}
		if (rc < 0)
			*err = why;
		if (rc < 0 || (rc == 0 && rules_commit_change(ws, &batch, "approve",
							      who, r, &after, err) < 0)) {
			rule_release(&after);
			goto fail;
		}
		(*approved)++;
		rule_release(&after);
	}
	if (rules_batch_end(&batch, err) < 0 || ws_commit(ws, err) < 0)
		goto fail;
	ret = 0;
	goto cleanup;
fail:
	rules_batch_abort(&batch);
	ws_rollback(ws);
cleanup:
	rule_list_release(&all);
	return ret;
}

/* ---- drift ---- */

void rules_sync_report_init(struct rules_sync_report *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->added_names, 0);
	strbuf_init(&r->changed_names, 0);
	strbuf_init(&r->dropped_names, 0);
}

void rules_sync_report_release(struct rules_sync_report *r)
{
	strbuf_release(&r->added_names);
	strbuf_release(&r->changed_names);
	strbuf_release(&r->dropped_names);
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->added_names, 0);
	strbuf_init(&r->changed_names, 0);
	strbuf_init(&r->dropped_names, 0);
}

struct finding {
	char *schema, *table, *column, *category, *action, *params;
};

static int finding_cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c = strcmp(x->schema, y->schema);

	if (!c)
		c = strcmp(x->table, y->table);
	if (!c)
		c = strcmp(x->column, y->column);
	return c;
}

static bool ws_has_table(struct workspace *ws, const char *name)
{
	sqlite3_stmt *st;
	bool has = false;

	if (sqlite3_prepare_v2(ws->db, "SELECT 1 FROM sqlite_schema"
				       " WHERE type = 'table' AND name = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	has = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return has;
}

static int64_t max_id(struct workspace *ws, const char *table, int64_t source_id)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	char sql[128];

	if (!ws_has_table(ws, table))
		return 0;
	snprintf(sql, sizeof(sql), "SELECT max(id) FROM %s WHERE source_id = ?1",
		 table);
	if (sqlite3_prepare_v2(ws->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, source_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

struct finding_set {
	struct finding *items;
	size_t n, alloc;
};

static void finding_set_release(struct finding_set *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct finding *f = &fs->items[i];

		free(f->schema);
		free(f->table);
		free(f->column);
		free(f->category);
		free(f->action);
		free(f->params);
	}
	free(fs->items);
	memset(fs, 0, sizeof(*fs));
}

/* Top finding of every column in the latest scan of source_id. */
static int load_findings(struct workspace *ws, int64_t scan_id,
			 struct finding_set *fs, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!scan_id || !ws_has_table(ws, "findings"))
		return 0;
	if (ws_prepare(ws, "SELECT schema, tbl, col, category, proposed_action,"
			   " proposed_params FROM findings WHERE scan_id = ?1"
			   " AND rank = 1 AND confidence >= 0.5"
			   " ORDER BY confidence DESC", &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, scan_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct finding *f;

		if (!sqlite3_column_text(st, 0) || !sqlite3_column_text(st, 1) ||
		    !sqlite3_column_text(st, 2) || !sqlite3_column_text(st, 4))
			continue;
		ALLOC_GROW(fs->items, fs->n + 1, fs->alloc);
		f = &fs->items[fs->n++];
		f->schema = dup_col(st, 0);
		f->table = dup_col(st, 1);
		f->column = dup_col(st, 2);
		f->category = dup_col(st, 3);
		f->action = dup_col(st, 4);
		f->params = dup_col(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ws_fail(ws, err, "cannot read findings");
	/* stable: keep the first (most confident) on duplicates */
	if (fs->n)
		qsort(fs->items, fs->n, sizeof(*fs->items), finding_cmp);
	return 0;
}

static const struct finding *find_finding(const struct finding_set *fs,
					  const char *schema, const char *table,
					  const char *column)
{
	struct finding key = { (char *)schema, (char *)table, (char *)column,
			       NULL, NULL, NULL };

	if (!fs->n)
		return NULL;
	return bsearch(&key, fs->items, fs->n, sizeof(*fs->items), finding_cmp);
}

/* Takes a finding's proposal; canonicalises its parameters. */
static void take_finding(struct rule *r, const struct finding *f)
{
	struct mask_spec spec;
	struct strbuf params = STRBUF_INIT;
	struct mb_err ignored = MB_ERR_INIT;

	mask_spec_init(&spec);
	set_str(&spec.action, f->action);
	if (f->params && *f->params &&
	    mask_spec_params_from_json(&spec, f->params, &ignored) == 0)
		mask_spec_params_json(&spec, &params);
	else
		strbuf_addstr(&params, "{}");
	set_str(&r->category, f->category && *f->category ? f->category : NULL);
	set_str(&r->action, f->action);
	set_str(&r->params, params.buf);
	r->state = RULE_PROPOSED;
	set_str(&r->set_by, RULES_SCANNER);
	strbuf_release(&params);
	mask_spec_release(&spec);
}

static int rule_ptr_cmp(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a;
	const struct rule *y = *(const struct rule *const *)b;
	int c = strcmp(x->schema, y->schema);

	if (!c)
		c = strcmp(x->table, y->table);
	if (!c)
		c = strcmp(x->column, y->column);
	return c;
}

static int record_synced(struct workspace *ws, int64_t source_id,
			 int64_t snap, int64_t scan, struct mb_err *err)
{
	char key[64], val[64];

	snprintf(key, sizeof(key), "rules.synced.%" PRId64, source_id);
	snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64, snap, scan);
	return ws_setting_set(ws, key, val, err);
}

static void add_name(struct strbuf *sb, const struct rule *r)
{
	strbuf_addf(sb, "%s.%s.%s\n", r->schema, r->table, r->column);
}

int rules_sync(struct workspace *ws, int64_t source_id,
	       const struct catalog *cat, struct rules_sync_report *report,
	       struct mb_err *err)
{
	struct rule_list existing = { 0 };
	struct finding_set fs = { 0 };
	struct rules_sync_report local;
	struct rule **index = NULL;
	struct rules_batch batch;
	bool *seen = NULL;
	int64_t scan_id, snap_id;
	char now[32];
	int ret = -1;

	if (!report) {
		rules_sync_report_init(&local);
		report = &local;
	}
	if (rules_migrate(ws, err) < 0)
		goto out;
	scan_id = max_id(ws, "scans", source_id);
	snap_id = max_id(ws, "snapshots", source_id);
	if (load_findings(ws, scan_id, &fs, err) < 0)
		goto out;
	if (ws_begin(ws, err) < 0)
		goto out;
	if (rules_batch_begin(ws, &batch, err) < 0) {
		ws_rollback(ws);
		goto out;
	}
	if (rules_load(ws, NULL, true, &existing, err) < 0)
		goto fail;
	index = xcalloc(existing.n ? existing.n : 1, sizeof(*index));
	seen = xcalloc(existing.n ? existing.n : 1, sizeof(*seen));
	for (size_t i = 0; i < existing.n; i++)
		index[i] = &existing.items[i];
	qsort(index, existing.n, sizeof(*index), rule_ptr_cmp);
	rules_now(now);

	for (size_t t = 0; t < cat->ntables; t++) {
		const struct cat_table *tab = &cat->tables[t];

		if (tab->is_view)
			continue;
		for (size_t c = 0; c < tab->ncols; c++) {
			const struct cat_column *col = &tab->cols[c];
			struct rule key = { 0 }, *kp = &key, **hit;
			const struct finding *f;
			struct rule after = { 0 };
			const char *event = NULL;

			key.schema = tab->schema;
			key.table = tab->name;
			key.column = col->name;
			hit = existing.n ? bsearch(&kp, index, existing.n,
						   sizeof(*index), rule_ptr_cmp)
					 : NULL;
			f = find_finding(&fs, tab->schema, tab->name, col->name);
			if (!hit || (*hit)->dropped) {
				if (hit) {
					seen[*hit - existing.items] = true;
					rule_copy(&after, *hit);
				} else {
					after.schema = xstrdup(tab->schema);
					after.table = xstrdup(tab->name);
					after.column = xstrdup(col->name);
					after.action = xstrdup("keep");
					after.params = xstrdup("{}");
				}
				after.dropped = false;
				after.source_id = source_id;
				after.ordinal = col->ordinal;
				set_str(&after.col_type, col->type);
				after.nullable = col->nullable;
				after.state = RULE_UNREVIEWED;
				set_str(&after.reviewer, NULL);
				set_str(&after.reviewed_at, NULL);
				set_str(&after.approved_type, NULL);
				if (f) {
					take_finding(&after, f);
					set_str(&after.set_at, now);
					report->proposed++;
				}
				report->added++;
				add_name(&report->added_names, &after);
				event = "new";
			} else {
				struct rule *r = *hit;
				bool type_changed = !str_eq(r->col_type, col->type) ||
						    r->nullable != col->nullable;

				seen[r - existing.items] = true;
				rule_copy(&after, r);
				after.ordinal = col->ordinal;
				/* the rule stays with the source that created it */
				if (type_changed) {
					set_str(&after.col_type, col->type);
					after.nullable = col->nullable;
					after.state = RULE_UNREVIEWED;
					report->changed++;
					add_name(&report->changed_names, &after);
					event = "drift";
				} else if (f && ((r->state == RULE_UNREVIEWED &&
						  (!r->set_by ||
						   str_eq(r->set_by, RULES_SCANNER))) ||
						 (r->state == RULE_PROPOSED &&
						  str_eq(r->set_by, RULES_SCANNER)))) {
					take_finding(&after, f);
					if (!rule_content_eq(r, &after)) {
						set_str(&after.set_at, now);
						report->proposed++;
						event = "scanner";
					}
				}
				if (!event) {
					report->unchanged++;
					/* ordinal moves are not audited */
					if (after.ordinal != r->ordinal &&
					    rules_store(ws, &batch, &after, err) < 0) {
						rule_release(&after);
						goto fail;
					}
				}
				if (event && rules_commit_change(ws, &batch, event, RULES_SYSTEM,
								 r, &after, err) < 0) {
					rule_release(&after);
					goto fail;
				}
				rule_release(&after);
				continue;
			}
			if (rules_commit_change(ws, &batch, event, RULES_SYSTEM,
						hit ? *hit : NULL, &after, err) < 0) {
				rule_release(&after);
				goto fail;
			}
			rule_release(&after);
		}
	}
	for (size_t i = 0; i < existing.n; i++) {
		struct rule *r = &existing.items[i], after = { 0 };

		if (seen[i] || r->dropped || r->source_id != source_id)
			continue;
		rule_copy(&after, r);
		after.dropped = true;
		report->dropped++;
		add_name(&report->dropped_names, r);
		if (rules_commit_change(ws, &batch, "drop", RULES_SYSTEM, r, &after,
					err) < 0) {
			rule_release(&after);
			goto fail;
		}
		rule_release(&after);
	}
	if (record_synced(ws, source_id, snap_id, scan_id, err) < 0 ||
	    rules_batch_end(&batch, err) < 0)
		goto fail;
	if (ws_commit(ws, err) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	rules_batch_abort(&batch);
	ws_rollback(ws);
out:
	free(index);
	free(seen);
	rule_list_release(&existing);
	finding_set_release(&fs);
	if (report == &local)
		rules_sync_report_release(&local);
	return ret;
}

int rules_refresh(struct workspace *ws, struct rules_sync_report *report,
		  struct mb_err *err)
{
	int64_t source_id = ws_source_latest(ws, NULL);
	int64_t snap, scan;
	char key[64], want[64], *have;
	struct catalog cat;
	bool found = false;
	int ret;

	if (rules_migrate(ws, err) < 0)
		return -1;
	if (!source_id)
		return 0;
	snap = max_id(ws, "snapshots", source_id);
	scan = max_id(ws, "scans", source_id);
	if (!snap)
		return 0;
	snprintf(key, sizeof(key), "rules.synced.%" PRId64, source_id);
	snprintf(want, sizeof(want), "%" PRId64 ":%" PRId64, snap, scan);
	have = ws_setting_get(ws, key);
	if (str_eq(have, want)) {
		free(have);
		return 0;
	}
	free(have);
	catalog_init(&cat, DB_ENGINE_NONE);
	ret = ws_catalog_load_latest(ws, source_id, &cat, &found, err);
	if (ret == 0 && found)
		ret = rules_sync(ws, source_id, &cat, report, err);
	catalog_release(&cat);
	return ret;
}

/* ---- gate, actions, hash ---- */

void rules_gate_result_release(struct rules_gate_result *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->items[i].schema);
		free(g->items[i].table);
		free(g->items[i].column);
	}
	free(g->items);
	memset(g, 0, sizeof(*g));
}

static void add_blocker(struct rules_gate_result *g, const char *schema,
			const char *table, const char *column,
			enum rule_state state)
{
	struct rules_blocker *b;

	ALLOC_GROW(g->items, g->n + 1, g->alloc);
	b = &g->items[g->n++];
	b->schema = xstrdup(schema);
	b->table = xstrdup(table);
	b->column = xstrdup(column);
	b->state = state;
}

int rules_gate(struct workspace *ws, const char *const *tables, size_t n,
	       struct rules_gate_result *out, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (rules_migrate(ws, err) < 0)
		return -1;
	if (sqlite3_get_autocommit(ws->db) && rules_refresh(ws, NULL, err) < 0)
		return -1;
	if (ws_prepare(ws, "SELECT schema, tbl, col, state FROM rules"
			   " WHERE NOT dropped AND tbl = ?2 AND (?1 IS NULL OR schema = ?1)"
			   " ORDER BY schema, tbl, ordinal, col", &st, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *dot = strchr(tables[i], '.');
		char *schema = dot ? xstrndup(tables[i], (size_t)(dot - tables[i])) : NULL;
		const char *table = dot ? dot + 1 : tables[i];
		size_t nrules = 0;
		int rc;

		bind_opt(st, 1, schema);
		sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			enum rule_state s = RULE_UNREVIEWED;

			nrules++;
			rule_state_parse((const char *)sqlite3_column_text(st, 3), &s);
			if (s == RULE_UNREVIEWED || s == RULE_PROPOSED)
				add_blocker(out,
					    (const char *)sqlite3_column_text(st, 0),
					    (const char *)sqlite3_column_text(st, 1),
					    (const char *)sqlite3_column_text(st, 2), s);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			free(schema);
			ws_fail(ws, err, "cannot read rules");
			goto cleanup;
		}
		if (!nrules)
			add_blocker(out, schema ? schema : "", table, "*",
				    RULE_UNREVIEWED);
		free(schema);
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int rules_gate_live(struct workspace *ws, const struct catalog *cat,
		    const char *const *tables, size_t n,
		    struct rules_gate_result *out, struct mb_err *err)
{
	if (rules_migrate(ws, err) < 0)
		return -1;
	if (sqlite3_get_autocommit(ws->db) && rules_refresh(ws, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *dot = strchr(tables[i], '.');
		char *schema = dot ? xstrndup(tables[i], (size_t)(dot - tables[i])) : NULL;
		const struct cat_table *t = catalog_find_table(cat, schema,
							       dot ? dot + 1 : tables[i]);

		free(schema);
		if (!t) {
			add_blocker(out, "", tables[i], "*", RULE_UNREVIEWED);
			continue;
		}
		for (size_t c = 0; c < t->ncols; c++) {
			const struct cat_column *col = &t->cols[c];
			struct rule r = { 0 };
			bool found;

			if (rules_get(ws, t->schema, t->name, col->name, &r, &found,
				      err) < 0)
				return -1;
			if (!found || r.dropped || !str_eq(r.col_type, col->type) ||
			    r.nullable != col->nullable || r.state == RULE_UNREVIEWED ||
			    r.state == RULE_PROPOSED)
				add_blocker(out, t->schema, t->name, col->name,
					    found && r.state == RULE_PROPOSED &&
					    str_eq(r.col_type, col->type) &&
					    r.nullable == col->nullable
					    ? RULE_PROPOSED : RULE_UNREVIEWED);
			rule_release(&r);
		}
	}
	return 0;
}

void rules_actions_free(struct rule_action *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].schema);
		free(a[i].table);
		free(a[i].column);
		free(a[i].category);
		mask_spec_release(&a[i].spec);
	}
	free(a);
}

int rules_load_actions(struct workspace *ws, struct rule_action **out,
		       size_t *n, struct mb_err *err)
{
	struct rule_list all = { 0 };
	struct rule_action *a;

	*out = NULL;
	*n = 0;
	if (rules_load(ws, NULL, false, &all, err) < 0)
		return -1;
	a = xcalloc(all.n ? all.n : 1, sizeof(*a));
	for (size_t i = 0; i < all.n; i++) {
		struct rule *r = &all.items[i];

		if (rule_spec(r, &a[i].spec, err) < 0) {
			rules_actions_free(a, i);
			rule_list_release(&all);
			return -1;
		}
		a[i].schema = xstrdup(r->schema);
		a[i].table = xstrdup(r->table);
		a[i].column = xstrdup(r->column);
		a[i].category = xstrdup(r->category);
		a[i].state = r->state;
	}
	*out = a;
	*n = all.n;
	rule_list_release(&all);
	return 0;
}

int rules_hash(struct workspace *ws, char out[65], struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (rules_migrate(ws, err) < 0)
		return -1;
	if (ws_prepare(ws, "SELECT schema, tbl, col, state, coalesce(category, ''),"
			   " action, params FROM rules WHERE NOT dropped AND state IN"
			   " ('approved', 'rejected') ORDER BY schema, tbl, col", &st,
		       err) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 7; i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);

			strbuf_addstr(&sb, v ? v : "");
			strbuf_addch(&sb, i == 6 ? '\n' : '\t');
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		strbuf_release(&sb);
		return ws_fail(ws, err, "cannot read rules");
	}
	audit_sha256_hex(sb.buf, sb.len, out);
	strbuf_release(&sb);
	return 0;
}

void rules_signoffs_free(struct rules_signoff *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].reviewer);
		free(s[i].last_at);
	}
	free(s);
}

int rules_signoffs(struct workspace *ws, struct rules_signoff **out, size_t *n,
		   struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (rules_migrate(ws, err) < 0)
		return -1;
	if (ws_prepare(ws, "SELECT reviewer, sum(state = 'approved'),"
			   " sum(state = 'rejected'), max(reviewed_at) FROM rules"
			   " WHERE NOT dropped AND state IN ('approved', 'rejected')"
			   " AND reviewer IS NOT NULL GROUP BY reviewer ORDER BY reviewer",
		       &st, err) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rules_signoff *s;

		ALLOC_GROW(*out, *n + 1, alloc);
		s = &(*out)[(*n)++];
		s->reviewer = dup_col(st, 0);
		s->approved = (size_t)sqlite3_column_int64(st, 1);
		s->rejected = (size_t)sqlite3_column_int64(st, 2);
		s->last_at = dup_col(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rules_signoffs_free(*out, *n);
		*out = NULL;
		*n = 0;
		return ws_fail(ws, err, "cannot read rules");
	}
	return 0;
}

char *rules_approvers(struct workspace *ws, struct mb_err *err)
{
	struct rules_signoff *s;
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	if (rules_signoffs(ws, &s, &n, err) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].approved)
			continue;
		if (sb.len)
			strbuf_addch(&sb, ',');
		strbuf_addstr(&sb, s[i].reviewer);
	}
	rules_signoffs_free(s, n);
	return strbuf_detach(&sb, NULL);
}

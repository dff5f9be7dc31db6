/*
 * subset_config.c - subset settings model and workspace storage.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>

#include "core/subset_config.h"
#include "core/workspace.h"

static const struct ws_migration subset_migrations[] = {
	{ 1,
	  "CREATE TABLE subset_opts(id INTEGER PRIMARY KEY CHECK (id = 1),"
	  " children_all INTEGER NOT NULL DEFAULT 0,"
	  " max_depth INTEGER NOT NULL DEFAULT 0);\n"
	  "CREATE TABLE subset_roots(pos INTEGER PRIMARY KEY, schema TEXT,"
	  " tbl TEXT NOT NULL, where_sql TEXT, percent REAL NOT NULL DEFAULT 0,"
	  " lim INTEGER NOT NULL DEFAULT 0);\n"
	  /* kind: children | keep_all | truncate */
	  "CREATE TABLE subset_names(kind TEXT NOT NULL, pos INTEGER NOT NULL,"
	  " name TEXT NOT NULL, PRIMARY KEY (kind, pos));\n"
	  "CREATE TABLE subset_vfks(pos INTEGER PRIMARY KEY, from_schema TEXT,"
	  " from_tbl TEXT NOT NULL, to_schema TEXT, to_tbl TEXT NOT NULL);\n"
	  "CREATE TABLE subset_vfk_cols(vfk_pos INTEGER NOT NULL,"
	  " pos INTEGER NOT NULL, from_col TEXT NOT NULL, to_col TEXT NOT NULL,"
	  " PRIMARY KEY (vfk_pos, pos));\n"
	  "CREATE TABLE subset_windows(pos INTEGER PRIMARY KEY, schema TEXT,"
	  " tbl TEXT NOT NULL, col TEXT NOT NULL, last TEXT NOT NULL,"
	  " seconds INTEGER NOT NULL);\n" },
};

static int subset_migrate(struct workspace *ws, struct mb_err *err)
{
	if (ws_module_version(ws, "subset") >= (int)ARRAY_SIZE(subset_migrations))
		return 0;
	return ws_migrate(ws, "subset", subset_migrations,
			  ARRAY_SIZE(subset_migrations), err);
}

void subset_config_init(struct subset_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void vfk_release(struct subset_vfk *v)
{
	free(v->from_schema);
	free(v->from_table);
	free(v->to_schema);
	free(v->to_table);
	free_names(v->from_cols, v->ncols);
	free_names(v->to_cols, v->ncols);
}

static void window_release(struct subset_window *w)
{
	free(w->schema);
	free(w->table);
	free(w->column);
	free(w->last);
}

void subset_config_remove_vfk(struct subset_config *cfg, size_t at)
{
	vfk_release(&cfg->vfks[at]);
	memmove(&cfg->vfks[at], &cfg->vfks[at + 1], (cfg->nvfks - at - 1) * sizeof(*cfg->vfks));
	cfg->nvfks--;
}

void subset_config_remove_window(struct subset_config *cfg, size_t at)
{
	window_release(&cfg->windows[at]);
	memmove(&cfg->windows[at], &cfg->windows[at + 1],
		(cfg->nwindows - at - 1) * sizeof(*cfg->windows));
	cfg->nwindows--;
}

void subset_config_release(struct subset_config *cfg)
{
	for (size_t i = 0; i < cfg->nroots; i++) {
		free(cfg->roots[i].schema);
		free(cfg->roots[i].table);
		free(cfg->roots[i].where);
	}
	free(cfg->roots);
	free_names(cfg->children, cfg->nchildren);
	for (size_t i = 0; i < cfg->nvfks; i++)
		vfk_release(&cfg->vfks[i]);
	free(cfg->vfks);
	free_names(cfg->keep_all, cfg->nkeep_all);
	free_names(cfg->truncate, cfg->ntruncate);
	for (size_t i = 0; i < cfg->nwindows; i++)
		window_release(&cfg->windows[i]);
	free(cfg->windows);
	subset_config_init(cfg);
}

bool subset_config_is_empty(const struct subset_config *cfg)
{
	return !cfg->nroots && !cfg->children_all && !cfg->max_depth &&
	       !cfg->nchildren && !cfg->nvfks && !cfg->nkeep_all &&
	       !cfg->ntruncate && !cfg->nwindows;
}

struct subset_root *subset_config_add_root(struct subset_config *cfg,
					   const char *schema,
					   const char *table)
{
	struct subset_root *r;

	ALLOC_GROW(cfg->roots, cfg->nroots + 1, cfg->roots_alloc);
	r = &cfg->roots[cfg->nroots++];
	memset(r, 0, sizeof(*r));
	r->schema = xstrdup(schema);
	r->table = xstrdup(table);
	return r;
}

static char **copy_names(const char *const *names, size_t n)
{
	char **out = xcalloc(n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(names[i]);
	return out;
}

struct subset_vfk *subset_config_add_vfk(struct subset_config *cfg,
					 const char *from_schema,
					 const char *from_table,
					 const char *to_schema,
					 const char *to_table, size_t ncols,
					 const char *const *from_cols,
					 const char *const *to_cols)
{
	struct subset_vfk *v;

	ALLOC_GROW(cfg->vfks, cfg->nvfks + 1, cfg->vfks_alloc);
	v = &cfg->vfks[cfg->nvfks++];
	v->from_schema = xstrdup(from_schema);
	v->from_table = xstrdup(from_table);
	v->to_schema = xstrdup(to_schema);
	v->to_table = xstrdup(to_table);
	v->ncols = ncols;
	v->from_cols = copy_names(from_cols, ncols);
	v->to_cols = copy_names(to_cols, ncols);
	return v;
}

int subset_config_add_window(struct subset_config *cfg, const char *schema,
			     const char *table, const char *column,
			     const char *last, struct mb_err *err)
{
	struct subset_window *w;
	int64_t seconds;

	if (subset_parse_duration(last, &seconds, err) < 0)
		return -1;
	ALLOC_GROW(cfg->windows, cfg->nwindows + 1, cfg->windows_alloc);
	w = &cfg->windows[cfg->nwindows++];
	w->schema = xstrdup(schema);
	w->table = xstrdup(table);
	w->column = xstrdup(column);
	w->last = xstrdup(last);
	w->seconds = seconds;
	return 0;
}

void subset_config_add_name(char ***list, size_t *n, size_t *alloc,
			    const char *name)
{
	ALLOC_GROW(*list, *n + 1, *alloc);
	(*list)[(*n)++] = xstrdup(name);
}

void subset_split_table(const char *text, char **schema, char **table)
{
	const char *dot = strchr(text, '.');

	if (dot && dot != text && dot[1]) {
		*schema = xstrndup(text, (size_t)(dot - text));
		*table = xstrdup(dot + 1);
	} else {
		*schema = NULL;
		*table = xstrdup(text);
	}
}

int subset_parse_duration(const char *text, int64_t *seconds,
			  struct mb_err *err)
{
	const char *p = text;
	int64_t total = 0;

	if (!text || !*text)
		return mb_err_set(err, MB_ERR_INPUT, "empty duration");
	while (*p) {
		int64_t n = 0, unit;

		if (*p < '0' || *p > '9')
			goto bad;
		while (*p >= '0' && *p <= '9') {
			if (n > (INT64_MAX - 9) / 10)
				goto overflow;
			n = n * 10 + (*p++ - '0');
		}
		switch (*p++) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: goto bad;
		}
		if (n > INT64_MAX / unit || total > INT64_MAX - n * unit)
			goto overflow;
		total += n * unit;
	}
	if (total <= 0)
		return mb_err_set(err, MB_ERR_INPUT,
				  "duration must be positive (e.g. 7d, 12h, 30m, 2w)");
	*seconds = total;
	return 0;
bad:
	return mb_err_set(err, MB_ERR_INPUT,
			  "bad duration (expected e.g. 7d, 12h, 30m, 2w)");
overflow:
	return mb_err_set(err, MB_ERR_INPUT, "duration too large");
}

/* ---- storage ---- */

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int load_names(struct workspace *ws, const char *kind, char ***list,
		      size_t *n, size_t *alloc, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (ws_prepare(ws, "SELECT name FROM subset_names WHERE kind = ?1"
			   " ORDER BY pos", &st, err) < 0)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		subset_config_add_name(list, n, alloc, col_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ws_fail(ws, err, "cannot read subset settings");
	return 0;
}

static int load_vfk_cols(struct workspace *ws, int64_t pos,
			 struct subset_vfk *v, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	size_t alloc_f = 0, alloc_t = 0, nf = 0, nt = 0;
	int rc;

	if (ws_prepare(ws, "SELECT from_col, to_col FROM subset_vfk_cols"
			   " WHERE vfk_pos = ?1 ORDER BY pos", &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, pos);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		subset_config_add_name(&v->from_cols, &nf, &alloc_f, col_text(st, 0));
		subset_config_add_name(&v->to_cols, &nt, &alloc_t, col_text(st, 1));
		v->ncols = nf;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ws_fail(ws, err, "cannot read subset settings");
	return 0;
}

int subset_config_load(struct workspace *ws, struct subset_config *cfg,
		       struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (subset_migrate(ws, err) < 0)
		return -1;

	if (ws_prepare(ws, "SELECT children_all, max_depth FROM subset_opts",
		       &st, err) < 0)
		goto fail;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cfg->children_all = sqlite3_column_int(st, 0) != 0;
		cfg->max_depth = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto db_fail;

	if (ws_prepare(ws, "SELECT schema, tbl, where_sql, percent, lim"
			   " FROM subset_roots ORDER BY pos", &st, err) < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct subset_root *r = subset_config_add_root(cfg,
				col_text(st, 0), col_text(st, 1));
		r->where = xstrdup(col_text(st, 2));
		r->percent = sqlite3_column_double(st, 3);
		r->limit = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto db_fail;

	if (load_names(ws, "children", &cfg->children, &cfg->nchildren,
		       &cfg->children_alloc, err) < 0 ||
	    load_names(ws, "keep_all", &cfg->keep_all, &cfg->nkeep_all,
		       &cfg->keep_all_alloc, err) < 0 ||
	    load_names(ws, "truncate", &cfg->truncate, &cfg->ntruncate,
		       &cfg->truncate_alloc, err) < 0)
		goto fail;

	if (ws_prepare(ws, "SELECT pos, from_schema, from_tbl, to_schema, to_tbl"
			   " FROM subset_vfks ORDER BY pos", &st, err) < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct subset_vfk *v = subset_config_add_vfk(cfg,
				col_text(st, 1), col_text(st, 2),
				col_text(st, 3), col_text(st, 4), 0, NULL, NULL);
		free(v->from_cols);
		free(v->to_cols);
		v->from_cols = v->to_cols = NULL;
		if (load_vfk_cols(ws, sqlite3_column_int64(st, 0), v, err) < 0)
			goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto db_fail;

	if (ws_prepare(ws, "SELECT schema, tbl, col, last, seconds"
			   " FROM subset_windows ORDER BY pos", &st, err) < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct subset_window *w;

		ALLOC_GROW(cfg->windows, cfg->nwindows + 1, cfg->windows_alloc);
		w = &cfg->windows[cfg->nwindows++];
		w->schema = xstrdup(col_text(st, 0));
		w->table = xstrdup(col_text(st, 1));
		w->column = xstrdup(col_text(st, 2));
		w->last = xstrdup(col_text(st, 3));
		w->seconds = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE)
		goto db_fail;
	return 0;

db_fail:
	ws_fail(ws, err, "cannot read subset settings");
fail:
	sqlite3_finalize(st);
	subset_config_release(cfg);
	return -1;
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Runs one prepared insert; finalizes nothing. */
static int step_reset(struct workspace *ws, sqlite3_stmt *st, struct mb_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return ws_fail(ws, err, "cannot save subset settings");
	return 0;
}

static int save_names(struct workspace *ws, const char *kind,
		      char *const *names, size_t n, struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int ret = 0;

	if (ws_prepare(ws, "INSERT INTO subset_names(kind, pos, name)"
			   " VALUES (?1, ?2, ?3)", &st, err) < 0)
		return -1;
	for (size_t i = 0; i < n && !ret; i++) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		sqlite3_bind_text(st, 3, names[i], -1, SQLITE_STATIC);
		ret = step_reset(ws, st, err);
	}
	sqlite3_finalize(st);
	return ret;
}

static int save_all(struct workspace *ws, const struct subset_config *cfg,
		    struct mb_err *err)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (ws_exec(ws, "DELETE FROM subset_opts; DELETE FROM subset_roots;"
			" DELETE FROM subset_names; DELETE FROM subset_vfks;"
			" DELETE FROM subset_vfk_cols; DELETE FROM subset_windows;",
		    err) < 0)
		return -1;

	if (ws_prepare(ws, "INSERT INTO subset_opts(id, children_all, max_depth)"
			   " VALUES (1, ?1, ?2)", &st, err) < 0)
		goto cleanup;
	sqlite3_bind_int(st, 1, cfg->children_all);
	sqlite3_bind_int(st, 2, cfg->max_depth);
	if (step_reset(ws, st, err) < 0)
		goto cleanup;
	sqlite3_finalize(st);

	if (ws_prepare(ws, "INSERT INTO subset_roots(pos, schema, tbl, where_sql,"
			   " percent, lim) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		       &st, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < cfg->nroots; i++) {
		const struct subset_root *r = &cfg->roots[i];

		sqlite3_bind_int64(st, 1, (int64_t)i);
		bind_opt_text(st, 2, r->schema);
		sqlite3_bind_text(st, 3, r->table, -1, SQLITE_STATIC);
		bind_opt_text(st, 4, r->where);
		sqlite3_bind_double(st, 5, r->percent);
		sqlite3_bind_int64(st, 6, r->limit);
		if (step_reset(ws, st, err) < 0)
			goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;

	if (save_names(ws, "children", cfg->children, cfg->nchildren, err) < 0 ||
	    save_names(ws, "keep_all", cfg->keep_all, cfg->nkeep_all, err) < 0 ||
	    save_names(ws, "truncate", cfg->truncate, cfg->ntruncate, err) < 0)
		goto cleanup;

	if (ws_prepare(ws, "INSERT INTO subset_vfks(pos, from_schema, from_tbl,"
			   " to_schema, to_tbl) VALUES (?1, ?2, ?3, ?4, ?5)",
		       &st, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < cfg->nvfks; i++) {
		const struct subset_vfk *v = &cfg->vfks[i];

		sqlite3_bind_int64(st, 1, (int64_t)i);
		bind_opt_text(st, 2, v->from_schema);
		sqlite3_bind_text(st, 3, v->from_table, -1, SQLITE_STATIC);
		bind_opt_text(st, 4, v->to_schema);
		sqlite3_bind_text(st, 5, v->to_table, -1, SQLITE_STATIC);
		if (step_reset(ws, st, err) < 0)
			goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;

	if (ws_prepare(ws, "INSERT INTO subset_vfk_cols(vfk_pos, pos, from_col,"
			   " to_col) VALUES (?1, ?2, ?3, ?4)", &st, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < cfg->nvfks; i++) {
		const struct subset_vfk *v = &cfg->vfks[i];

		for (size_t c = 0; c < v->ncols; c++) {
			sqlite3_bind_int64(st, 1, (int64_t)i);
			sqlite3_bind_int64(st, 2, (int64_t)c);
			sqlite3_bind_text(st, 3, v->from_cols[c], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, v->to_cols[c], -1, SQLITE_STATIC);
			if (step_reset(ws, st, err) < 0)
				goto cleanup;
		}
	}
	sqlite3_finalize(st);
	st = NULL;

	if (ws_prepare(ws, "INSERT INTO subset_windows(pos, schema, tbl, col,"
			   " last, seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		       &st, err) < 0)
		goto cleanup;
	for (size_t i = 0; i < cfg->nwindows; i++) {
		const struct subset_window *w = &cfg->windows[i];

		sqlite3_bind_int64(st, 1, (int64_t)i);
		bind_opt_text(st, 2, w->schema);
		sqlite3_bind_text(st, 3, w->table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, w->column, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, w->last, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, w->seconds);
		if (step_reset(ws, st, err) < 0)
			goto cleanup;
	}
	ret = 0;
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int subset_config_save(struct workspace *ws, const struct subset_config *cfg,
		       struct mb_err *err)
{
	if (subset_migrate(ws, err) < 0)
		return -1;
	if (ws_exec(ws, "SAVEPOINT subset_save", err) < 0)
		return -1;
	if (save_all(ws, cfg, err) < 0) {
		sqlite3_exec(ws->db, "ROLLBACK TO subset_save; RELEASE subset_save",
			     NULL, NULL, NULL);
		return -1;
	}
	return ws_exec(ws, "RELEASE subset_save", err);
}

/* ---- JSON rendering ---- */

static void json_opt_str(struct strbuf *out, const char *s)
{
	if (s)
		strbuf_add_json_str(out, s, strlen(s));
	else
		strbuf_addstr(out, "null");
}

static void json_names(struct strbuf *out, char *const *names, size_t n)
{
	strbuf_addch(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(out, ", ");
		json_opt_str(out, names[i]);
	}
	strbuf_addch(out, ']');
}

void subset_config_to_json(const struct subset_config *cfg, struct strbuf *out)
{
	strbuf_addstr(out, "{\"roots\": [");
	for (size_t i = 0; i < cfg->nroots; i++) {
		const struct subset_root *r = &cfg->roots[i];

		strbuf_addstr(out, i ? ", {\"schema\": " : "{\"schema\": ");
		json_opt_str(out, r->schema);
		strbuf_addstr(out, ", \"table\": ");
		json_opt_str(out, r->table);
		strbuf_addstr(out, ", \"where\": ");
		json_opt_str(out, r->where);
		strbuf_addf(out, ", \"percent\": %.17g, \"limit\": %" PRId64 "}",
			    r->percent, r->limit);
	}
	strbuf_addf(out, "], \"children_all\": %s, \"max_depth\": %d, \"children\": ",
		    cfg->children_all ? "true" : "false", cfg->max_depth);
	json_names(out, cfg->children, cfg->nchildren);
	strbuf_addstr(out, ", \"virtual_foreign_keys\": [");
	for (size_t i = 0; i < cfg->nvfks; i++) {
		const struct subset_vfk *v = &cfg->vfks[i];

		strbuf_addstr(out, i ? ", {\"from_schema\": " : "{\"from_schema\": ");
		json_opt_str(out, v->from_schema);
		strbuf_addstr(out, ", \"from_table\": ");
		json_opt_str(out, v->from_table);
		strbuf_addstr(out, ", \"from_columns\": ");
		json_names(out, v->from_cols, v->ncols);
		strbuf_addstr(out, ", \"to_schema\": ");
		json_opt_str(out, v->to_schema);
		strbuf_addstr(out, ", \"to_table\": ");
		json_opt_str(out, v->to_table);
		strbuf_addstr(out, ", \"to_columns\": ");
		json_names(out, v->to_cols, v->ncols);
		strbuf_addch(out, '}');
	}
	strbuf_addstr(out, "], \"keep_all\": ");
	json_names(out, cfg->keep_all, cfg->nkeep_all);
	strbuf_addstr(out, ", \"truncate\": ");
	json_names(out, cfg->truncate, cfg->ntruncate);
	strbuf_addstr(out, ", \"windows\": [");
	for (size_t i = 0; i < cfg->nwindows; i++) {
		const struct subset_window *w = &cfg->windows[i];

		strbuf_addstr(out, i ? ", {\"schema\": " : "{\"schema\": ");
		json_opt_str(out, w->schema);
		strbuf_addstr(out, ", \"table\": ");
		json_opt_str(out, w->table);
		strbuf_addstr(out, ", \"column\": ");
		json_opt_str(out, w->column);
		strbuf_addstr(out, ", \"last\": ");
		json_opt_str(out, w->last);
		strbuf_addf(out, ", \"seconds\": %" PRId64 "}", w->seconds);
	}
	strbuf_addstr(out, "]}");
}

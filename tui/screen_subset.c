/*
 * screen_subset.c - the subset settings (core/subset_config.h) as a table
 * list with toggles: r root (w its condition), C follow children into it,
 * K keep all rows, X copy empty, t a time window, V a virtual foreign key;
 * rows per table as bars (p plans exactly, off the UI loop; after every
 * edit the planner's fast estimate is drawn until then); Tab shows the
 * relationships, virtual keys included, as a tree from the roots. Every
 * change is checked by the planner (subset_add_virtual_fks +
 * subset_plan_build on a copy of the catalog) and saved at once with
 * subset_config_save(); a change the planner refuses is not kept.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/subset.h"
#include "core/subset_config.h"
#include "core/util.h"
#include "tui/app.h"

struct subset_state {
	struct subset_config cfg;
	struct tui_list list;        /* over catalog tables */
	struct tui_list tree_list;   /* over tree lines */
	bool show_tree;
	char **tree;                 /* lines, owned */
	size_t ntree, tree_alloc;
	bool plan_stale;
	int list_y;
	/* the planner's fast estimate of the current settings, per catalog table */
	int64_t *est;                /* est_n entries; -1: not estimated */
	size_t est_n;
	bool *est_copied;
	char **est_reason;           /* owned */
	int64_t est_max;
	char *est_error;             /* why the settings cannot be planned, or NULL */
	/* app->plan indexed by catalog table (rebuilt when app->plan changes) */
	const struct plan_row *plan_seen;
	size_t plan_seen_n;
	long *plan_of;               /* catalog idx -> plan row or -1 */
	int64_t plan_max;
};

/* One relationship, declared or virtual: child rows point at parent rows. */
struct rel {
	int child, parent;
	bool virt;
};

/* Does a name as the user wrote it ("t" or "s.t") mean this table? */
static bool names_table(const char *name, const struct cat_table *t)
{
	size_t sl = strlen(t->schema);

	if (str_eq(name, t->name))
		return true;
	return !strncmp(name, t->schema, sl) && name[sl] == '.' && str_eq(name + sl + 1, t->name);
}

static bool root_is(const struct subset_root *r, const struct cat_table *t)
{
	return str_eq(r->table, t->name) && (!r->schema || str_eq(r->schema, t->schema));
}

static long find_root(const struct subset_config *cfg, const struct cat_table *t)
{
	for (size_t i = 0; i < cfg->nroots; i++)
		if (root_is(&cfg->roots[i], t))
			return (long)i;
	return -1;
}

static long find_name(char **list, size_t n, const struct cat_table *t)
{
	for (size_t i = 0; i < n; i++)
		if (names_table(list[i], t))
			return (long)i;
	return -1;
}

/* The shortest name that still means t: "t", or "s.t" when t is ambiguous. */
static char *name_for(struct app *app, const struct cat_table *t)
{
	size_t same = 0;

	for (size_t i = 0; i < app->cat.ntables; i++)
		if (str_eq(app->cat.tables[i].name, t->name))
			same++;
	return same > 1 ? xasprintf("%s.%s", t->schema, t->name) : xstrdup(t->name);
}

static void toggle_name(struct app *app, char ***list, size_t *n, size_t *alloc,
			const struct cat_table *t)
{
	long at = find_name(*list, *n, t);

	if (at >= 0) {
		free((*list)[at]);
		memmove(&(*list)[at], &(*list)[at + 1], (*n - (size_t)at - 1) * sizeof(**list));
		(*n)--;
		return;
	}
	{
		char *nm = name_for(app, t);

		subset_config_add_name(list, n, alloc, nm);
		free(nm);
	}
}

static void remove_root(struct subset_config *cfg, size_t at)
{
	free(cfg->roots[at].schema);
	free(cfg->roots[at].table);
	free(cfg->roots[at].where);
	memmove(&cfg->roots[at], &cfg->roots[at + 1],
		(cfg->nroots - at - 1) * sizeof(*cfg->roots));
	cfg->nroots--;
}

static void tree_add(struct subset_state *st, int depth, const char *mark,
		     const struct cat_table *t, const char *how)
{
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < depth; i++)
		strbuf_addstr(&sb, "    ");
	strbuf_addf(&sb, "%s %s.%s%s%s", mark, t->schema, t->name, how ? "  " : "",
		    how ? how : "");
	ALLOC_GROW(st->tree, st->ntree + 1, st->tree_alloc);
	st->tree[st->ntree++] = strbuf_detach(&sb, NULL);
}

static bool follows_children(const struct subset_config *cfg, const struct cat_table *t)
{
	return cfg->children_all || find_name(cfg->children, cfg->nchildren, t) >= 0;
}

/* The catalog index of a table named in the settings, or -1. */
static int table_idx(struct app *app, const char *schema, const char *name)
{
	const struct cat_table *t = catalog_find_table(&app->cat, schema, name);

	if (!t && !schema && strchr(name, '.')) {
		char *s = NULL, *n = NULL;

		subset_split_table(name, &s, &n);
		t = catalog_find_table(&app->cat, s, n);
		free(s);
		free(n);
	}
	return t ? catalog_table_index(&app->cat, t) : -1;
}

static long find_window(struct app *app, const struct subset_config *cfg, int idx)
{
	for (size_t i = 0; i < cfg->nwindows; i++)
		if (table_idx(app, cfg->windows[i].schema, cfg->windows[i].table) == idx)
			return (long)i;
	return -1;
}

/* Every relationship: the catalog's foreign keys, then the virtual ones. */
static struct rel *collect_rels(struct app *app, const struct subset_config *cfg,
				size_t *n)
{
	const struct catalog *cat = &app->cat;
	struct rel *v = NULL;
	size_t alloc = 0;

	*n = 0;
	for (size_t i = 0; i < cat->ntables; i++)
		for (size_t f = 0; f < cat->tables[i].nfks; f++) {
			if (cat->tables[i].fks[f].ref_table_idx < 0)
				continue;
			ALLOC_GROW(v, *n + 1, alloc);
			v[(*n)++] = (struct rel){ (int)i, cat->tables[i].fks[f].ref_table_idx, false };
		}
	for (size_t i = 0; i < cfg->nvfks; i++) {
		int c = table_idx(app, cfg->vfks[i].from_schema, cfg->vfks[i].from_table);
		int p = table_idx(app, cfg->vfks[i].to_schema, cfg->vfks[i].to_table);

		if (c < 0 || p < 0)
			continue;
		ALLOC_GROW(v, *n + 1, alloc);
		v[(*n)++] = (struct rel){ c, p, true };
	}
	return v;
}

/* "(window created_at, last 7d)" or NULL; newly allocated */
static char *window_note(struct app *app, const struct subset_config *cfg, int idx,
			 const char *more)
{
	long w = find_window(app, cfg, idx);

	if (w < 0)
		return more ? xstrdup(more) : NULL;
	return xasprintf("%s%s(window %s, last %s)", more ? more : "", more ? " " : "",
			 cfg->windows[w].column, cfg->windows[w].last);
}

/* Children of table idx (tables with a key pointing at it), depth-first. */
static void tree_children(struct app *app, struct subset_state *st, const struct rel *rels,
			  size_t nrels, int idx, int depth, unsigned char *seen)
{
	const struct catalog *cat = &app->cat;
	int last = -1;

	if (depth > 4 || st->ntree > 2000)
		return;
	for (size_t e = 0; e < nrels; e++) {
		const struct cat_table *c;
		char *note;
		int i = rels[e].child;

		/* a table with two keys to the same parent is one child */
		if (rels[e].parent != idx || i == last)
			continue;
		last = i;
		c = &cat->tables[i];
		if (i == idx) {
			tree_add(st, depth, "\xe2\x86\xbb", c, "(refers to itself)");
			continue;
		}
		if (!follows_children(&st->cfg, c)) {
			tree_add(st, depth, "\xc2\xb7", c, rels[e].virt
				 ? "(child by virtual key, not followed: C follows)"
				 : "(child, not followed: C follows)");
			continue;
		}
		if (seen[i]) {
			tree_add(st, depth, "\xe2\x86\xb3", c, "(already shown)");
			continue;
		}
		seen[i] = 1;
		note = window_note(app, &st->cfg, i, rels[e].virt ? "(virtual key)" : NULL);
		tree_add(st, depth, "\xe2\x86\xb3", c, note);
		free(note);
		tree_children(app, st, rels, nrels, i, depth + 1, seen);
	}
}

static void build_tree(struct app *app, struct subset_state *st)
{
	unsigned char *seen;
	struct rel *rels;
	size_t nrels;

	for (size_t i = 0; i < st->ntree; i++)
		free(st->tree[i]);
	st->ntree = 0;
	seen = xcalloc(app->cat.ntables + 1, 1);
	rels = collect_rels(app, &st->cfg, &nrels);
	for (size_t r = 0; r < st->cfg.nroots; r++) {
		const struct subset_root *root = &st->cfg.roots[r];
		int idx = table_idx(app, root->schema, root->table);
		char *note;

		if (idx < 0)
			continue;
		seen[idx] = 1;
		note = window_note(app, &st->cfg, idx, root->where ? root->where : "(all rows)");
		tree_add(st, 0, "\xe2\x97\x8f", &app->cat.tables[idx], note);
		free(note);
		/* parents are always followed */
		for (size_t e = 0; e < nrels; e++) {
			int p = rels[e].parent;

			if (rels[e].child == idx && p != idx)
				tree_add(st, 1, "\xe2\x86\x91", &app->cat.tables[p],
					 rels[e].virt ? "(parent by virtual key)" : "(parent)");
		}
		tree_children(app, st, rels, nrels, idx, 1, seen);
	}
	if (!st->cfg.nroots) {
		ALLOC_GROW(st->tree, st->ntree + 1, st->tree_alloc);
		st->tree[st->ntree++] =
			xstrdup("no roots: every table is copied whole (r marks a root)");
		for (size_t i = 0; i < st->cfg.nwindows; i++) {
			int idx = table_idx(app, st->cfg.windows[i].schema, st->cfg.windows[i].table);
			char *note;

			if (idx < 0)
				continue;
			note = window_note(app, &st->cfg, idx, NULL);
			tree_add(st, 1, "\xe2\x97\x8b", &app->cat.tables[idx], note);
			free(note);
		}
	}
	for (size_t i = 0; i < st->cfg.nvfks; i++) {
		const struct subset_vfk *v = &st->cfg.vfks[i];
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "virtual key %zu: %s(", i + 1, v->from_table);
		for (size_t c = 0; c < v->ncols; c++)
			strbuf_addf(&sb, "%s%s", c ? ", " : "", v->from_cols[c]);
		strbuf_addf(&sb, ") -> %s(", v->to_table);
		for (size_t c = 0; c < v->ncols; c++)
			strbuf_addf(&sb, "%s%s", c ? ", " : "", v->to_cols[c]);
		strbuf_addch(&sb, ')');
		ALLOC_GROW(st->tree, st->ntree + 1, st->tree_alloc);
		st->tree[st->ntree++] = strbuf_detach(&sb, NULL);
	}
	free(rels);
	free(seen);
	tui_list_set_count(&st->tree_list, st->ntree);
}

/*
 * A copy of the catalog's structure (tables, columns, keys), for the
 * planner to add virtual keys to without touching the app's catalog.
 */
static void catalog_copy(struct catalog *dst, const struct catalog *src)
{
	catalog_init(dst, src->engine);
	for (size_t i = 0; i < src->ntables; i++) {
		const struct cat_table *s = &src->tables[i];
		struct cat_table *t = catalog_add_table(dst, s->schema, s->name);

		t->rows = s->rows;
		t->bytes = s->bytes;
		t->is_view = s->is_view;
		for (size_t c = 0; c < s->ncols; c++) {
			struct cat_column *col = catalog_add_column(t, s->cols[c].name,
								    s->cols[c].type,
								    s->cols[c].nullable);

			col->ordinal = s->cols[c].ordinal;
			col->generated = s->cols[c].generated;
			col->auto_increment = s->cols[c].auto_increment;
		}
		if (s->pk.ncols)
			catalog_set_pk(t, s->pk.name, s->pk.ncols,
				       (const char *const *)s->pk.cols);
		for (size_t u = 0; u < s->nuniques; u++)
			catalog_add_unique(t, s->uniques[u].name, s->uniques[u].ncols,
					   (const char *const *)s->uniques[u].cols);
		for (size_t f = 0; f < s->nfks; f++) {
			const struct cat_fk *sf = &s->fks[f];
			struct cat_fk *df = catalog_add_fk(t, sf->name, sf->ncols,
							   (const char *const *)sf->cols,
							   sf->ref_schema, sf->ref_table,
							   (const char *const *)sf->ref_cols);

			df->is_virtual = sf->is_virtual;
			df->deferrable = sf->deferrable;
		}
	}
	catalog_finish(dst);
}

static void est_clear(struct app *app, struct subset_state *st)
{
	(void)app;
	if (st->est_reason)
		for (size_t i = 0; i < st->est_n; i++)
			free(st->est_reason[i]);
	free(st->est_reason);
	free(st->est);
	free(st->est_copied);
	free(st->est_error);
	st->est_reason = NULL;
	st->est = NULL;
	st->est_copied = NULL;
	st->est_error = NULL;
	st->est_n = 0;
	st->est_max = 1;
}

/*
 * Checks cfg with the planner, as `maskbench plan` would (virtual keys and
 * windows against the catalog, table names, NOT NULL keys into truncated
 * tables), without touching the source. On success and when st is not
 * NULL, keeps the fast row estimates for the bars. -1 with err otherwise.
 */
static int plan_check(struct app *app, struct subset_state *st,
		      const struct subset_config *cfg, struct mb_err *err)
{
	struct catalog cat;
	struct subset_plan plan;
	size_t n = app->cat.ntables;
	bool built = false;
	int rc = -1;

	memset(&plan, 0, sizeof(plan));
	catalog_copy(&cat, &app->cat);
	if (subset_add_virtual_fks(&cat, cfg, err) < 0)
		goto cleanup;
	if (subset_plan_build(&plan, &cat, cfg, app->cat.engine, err) < 0)
		goto cleanup;
	built = true;
	rc = 0;
	if (!st)
		goto cleanup;
	est_clear(app, st);
	st->est = xmalloc((n + 1) * sizeof(*st->est));
	st->est_copied = xcalloc(n + 1, sizeof(*st->est_copied));
	st->est_reason = xcalloc(n + 1, sizeof(*st->est_reason));
	st->est_n = n;
	for (size_t i = 0; i < n; i++)
		st->est[i] = -1;
	for (size_t i = 0; i < plan.ntables; i++) {
		const struct subset_table *pt = &plan.tables[i];
		size_t k = (size_t)pt->table_idx;

		if (k >= n)
			continue;
		st->est[k] = pt->mode == SUBSET_MODE_NONE ? 0 : pt->est_rows;
		st->est_copied[k] = pt->mode != SUBSET_MODE_NONE;
		st->est_reason[k] = xstrdup(pt->reason_text ? pt->reason_text
					    : subset_reason_name(pt->reason));
		if (st->est[k] > st->est_max)
			st->est_max = st->est[k];
	}
cleanup:
	if (built)
		subset_plan_release(&plan);
	catalog_release(&cat);
	return rc;
}

/* Refreshes the estimate of the saved settings; a failure is shown on screen. */
static void estimate(struct app *app, struct subset_state *st)
{
	struct mb_err err = MB_ERR_INIT;

	if (plan_check(app, st, &st->cfg, &err) < 0) {
		est_clear(app, st);
		st->est_error = xstrdup(err.msg);
	}
}

static int subset_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct subset_state *st = xcalloc(1, sizeof(*st));

	subset_config_init(&st->cfg);
	if (!app_ws(app)) {
		free(st);
		return mb_err_set(err, MB_ERR_USAGE, "the workspace is busy: wait for the job");
	}
	if (subset_config_load(app->ws, &st->cfg, err) < 0) {
		free(st);
		return -1;
	}
	tui_list_init(&st->list);
	tui_list_init(&st->tree_list);
	tui_list_set_count(&st->list, app->cat.ntables);
	build_tree(app, st);
	estimate(app, st);
	s->state = st;
	return 0;
}

static void subset_close(struct app *app, struct screen *s)
{
	struct subset_state *st = s->state;

	subset_config_release(&st->cfg);
	for (size_t i = 0; i < st->ntree; i++)
		free(st->tree[i]);
	free(st->tree);
	est_clear(app, st);
	free(st->plan_of);
	free(st);
}

/*
 * Checks the edited settings with the planner and saves them; a change the
 * planner refuses is dropped (the saved settings are read back) and the
 * reason shown. Returns 0 when saved.
 */
static int save(struct app *app, struct subset_state *st)
{
	struct mb_err err = MB_ERR_INIT;

	if (app_busy(app) || !app_ws(app)) {
		app_message(app, MSG_WARN, "busy: the change is not saved");
		return -1;
	}
	if (plan_check(app, st, &st->cfg, &err) < 0) {
		struct mb_err lerr = MB_ERR_INIT;

		app_message(app, MSG_ERROR, "not saved: %s", err.msg);
		subset_config_release(&st->cfg);
		if (subset_config_load(app->ws, &st->cfg, &lerr) < 0)
			app_error(app, &lerr);
		return -1;
	}
	if (subset_config_save(app->ws, &st->cfg, &err) < 0) {
		app_error(app, &err);
		return -1;
	}
	free(st->est_error);
	st->est_error = NULL;
	st->plan_stale = app->nplan > 0;
	build_tree(app, st);
	return 0;
}

/* Indexes app->plan by catalog table once per new plan (not per key). */
static void index_plan(struct app *app, struct subset_state *st)
{
	if (st->plan_of && st->plan_seen == app->plan && st->plan_seen_n == app->nplan)
		return;
	free(st->plan_of);
	st->plan_of = xmalloc((app->cat.ntables + 1) * sizeof(*st->plan_of));
	for (size_t i = 0; i < app->cat.ntables; i++)
		st->plan_of[i] = -1;
	st->plan_max = 1;
	for (size_t i = 0; i < app->nplan; i++) {
		const struct cat_table *t = catalog_find_table(&app->cat, app->plan[i].schema,
							       app->plan[i].table);

		if (t)
			st->plan_of[catalog_table_index(&app->cat, t)] = (long)i;
		if (app->plan[i].rows > st->plan_max)
			st->plan_max = app->plan[i].rows;
	}
	st->plan_seen = app->plan;
	st->plan_seen_n = app->nplan;
}

static const struct plan_row *plan_for(struct app *app, struct subset_state *st, size_t k)
{
	index_plan(app, st);
	return st->plan_of[k] >= 0 ? &app->plan[st->plan_of[k]] : NULL;
}

static void vfk_text(struct strbuf *sb, const struct subset_vfk *v)
{
	strbuf_addf(sb, "%s(", v->from_table);
	for (size_t c = 0; c < v->ncols; c++)
		strbuf_addf(sb, "%s%s", c ? "," : "", v->from_cols[c]);
	strbuf_addf(sb, ") -> %s(", v->to_table);
	for (size_t c = 0; c < v->ncols; c++)
		strbuf_addf(sb, "%s%s", c ? "," : "", v->to_cols[c]);
	strbuf_addch(sb, ')');
}

static void draw_summary(struct app *app, struct subset_state *st, WINDOW *w, int cols, int *y)
{
	struct strbuf sb = STRBUF_INIT;

	(void)app;
	strbuf_addstr(&sb, " roots: ");
	if (!st->cfg.nroots)
		strbuf_addstr(&sb, "none (a masked clone of every table)");
	for (size_t i = 0; i < st->cfg.nroots; i++) {
		const struct subset_root *r = &st->cfg.roots[i];

		strbuf_addf(&sb, "%s%s%s%s", i ? "; " : "", r->table, r->where ? " where " : "",
			    r->where ? r->where : "");
	}
	strbuf_addstr(&sb, "   children: ");
	if (st->cfg.children_all)
		strbuf_addf(&sb, "all%s", st->cfg.max_depth ? " (max depth set)" : "");
	else if (!st->cfg.nchildren)
		strbuf_addstr(&sb, "none");
	for (size_t i = 0; !st->cfg.children_all && i < st->cfg.nchildren; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", st->cfg.children[i]);
	*y += tui_put_wrapped(w, *y, 0, cols, 2, A_NORMAL, sb.buf);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, " windows: ");
	if (!st->cfg.nwindows)
		strbuf_addstr(&sb, "none (t adds one)");
	for (size_t i = 0; i < st->cfg.nwindows; i++)
		strbuf_addf(&sb, "%s%s.%s last %s", i ? "; " : "", st->cfg.windows[i].table,
			    st->cfg.windows[i].column, st->cfg.windows[i].last);
	strbuf_addstr(&sb, "   virtual keys: ");
	if (!st->cfg.nvfks)
		strbuf_addstr(&sb, "none (V adds one)");
	for (size_t i = 0; i < st->cfg.nvfks; i++) {
		strbuf_addf(&sb, "%s%zu) ", i ? "; " : "", i + 1);
		vfk_text(&sb, &st->cfg.vfks[i]);
	}
	*y += tui_put_wrapped(w, *y, 0, cols, 2, theme_attr(ROLE_DIM), sb.buf);
	if (st->est_error) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, " cannot plan these settings: %s", st->est_error);
		*y += tui_put_wrapped(w, *y, 0, cols, 2, theme_attr(ROLE_ERROR), sb.buf);
	}
	strbuf_release(&sb);
}

static void subset_draw(struct app *app, struct screen *s, WINDOW *w, int rows, int cols)
{
	struct subset_state *st = s->state;
	int y = 0, fw = 11, rw = 10, nw = cols * 3 / 10, bw, reason_x;
	/* exact rows of a fresh plan; else the estimate of the settings as edited */
	bool exact = app->nplan && !st->plan_stale;
	int64_t maxrows;
	char num[32];

	snprintf(s->title, sizeof(s->title), "Subset%s", app->nplan
		 ? (st->plan_stale ? " (plan is stale: p plans again)" : " and plan") : "");
	draw_summary(app, st, w, cols, &y);
	if (app->plan_error)
		y += tui_put_wrapped(w, y, 0, cols, 2, theme_attr(ROLE_ERROR), app->plan_error);
	if (st->show_tree) {
		tui_put(w, y++, 0, cols, theme_attr(ROLE_HEADER),
			" Relationships from the roots (Tab: back to the tables)", UW_LEFT);
		tui_list_set_height(&st->tree_list, rows - y);
		for (int i = 0; i < st->tree_list.height; i++) {
			size_t k = tui_list_row_at(&st->tree_list, i);

			if (k == (size_t)-1)
				break;
			tui_put(w, y + i, 1, cols - 1,
				k == st->tree_list.cur ? theme_attr(ROLE_CURSOR) : A_NORMAL,
				st->tree[k], UW_LEFT);
		}
		return;
	}
	if (exact) {
		index_plan(app, st);
		maxrows = st->plan_max;
	} else {
		maxrows = st->est ? st->est_max : 1;
	}
	bw = cols - fw - nw - rw - 4 - cols / 4;
	if (bw < 5)
		bw = 5;
	reason_x = fw + nw + rw + bw + 3;
	tui_put(w, y, 0, fw, theme_attr(ROLE_HEADER), " R C K X W", UW_LEFT);
	tui_put(w, y, fw, nw, theme_attr(ROLE_HEADER), "Table", UW_LEFT);
	tui_put(w, y, fw + nw, rw + 1, theme_attr(ROLE_HEADER),
		exact && app->plan_exact ? "Rows" : "Est.", UW_RIGHT);
	tui_put(w, y, fw + nw + rw + 2, bw, theme_attr(ROLE_HEADER), "", UW_LEFT);
	tui_put(w, y, reason_x, cols - reason_x, theme_attr(ROLE_HEADER), "Why", UW_LEFT);
	y++;
	st->list_y = y;
	tui_list_set_height(&st->list, rows - y);
	for (int i = 0; i < st->list.height; i++) {
		size_t k = tui_list_row_at(&st->list, i);
		const struct cat_table *t;
		const struct plan_row *p = NULL;
		int64_t nrows = -1;
		const char *reason = "";
		bool sel, copied = true;
		attr_t a;
		char flags[16];

		if (k == (size_t)-1)
			break;
		t = &app->cat.tables[k];
		if (exact && (p = plan_for(app, st, k))) {
			nrows = p->rows;
			reason = p->reason;
			copied = p->copied;
		} else if (!exact && st->est && k < st->est_n && st->est[k] >= 0) {
			nrows = st->est[k];
			reason = st->est_reason[k] ? st->est_reason[k] : "";
			copied = st->est_copied[k];
		}
		sel = k == st->list.cur;
		a = sel ? theme_attr(ROLE_CURSOR) : A_NORMAL;
		snprintf(flags, sizeof(flags), " %c %c %c %c %c",
			 find_root(&st->cfg, t) >= 0 ? 'R' : '.',
			 follows_children(&st->cfg, t) ? 'C' : '.',
			 find_name(st->cfg.keep_all, st->cfg.nkeep_all, t) >= 0 ? 'K' : '.',
			 find_name(st->cfg.truncate, st->cfg.ntruncate, t) >= 0 ? 'X' : '.',
			 st->cfg.nwindows && find_window(app, &st->cfg, (int)k) >= 0 ? 'W' : '.');
		tui_put(w, y + i, 0, fw, a, flags, UW_LEFT);
		tui_put(w, y + i, fw, nw, a, t->name, UW_LEFT);
		if (nrows >= 0)
			uw_format_count(num, sizeof(num), nrows);
		else if (t->rows >= 0)
			uw_format_count(num, sizeof(num), t->rows);
		else
			snprintf(num, sizeof(num), "?");
		tui_put(w, y + i, fw + nw, rw + 1, a, num, UW_RIGHT);
		tui_fill(w, y + i, fw + nw + rw + 1, 1, a);
		tui_bar(w, y + i, fw + nw + rw + 2, bw,
			nrows > 0 ? (double)nrows / (double)maxrows : 0, theme_attr(ROLE_BAR));
		tui_put(w, y + i, reason_x, cols - reason_x,
			sel ? a : theme_attr(!copied ? ROLE_DIM : ROLE_NORMAL), reason, UW_LEFT);
	}
}

/* A column that looks like a point in time, for the window prompt; or NULL. */
static const char *guess_time_column(const struct cat_table *t)
{
	static const char *const hints[] = { "timestamp", "date", "time" };

	for (size_t h = 0; h < ARRAY_SIZE(hints); h++)
		for (size_t c = 0; c < t->ncols; c++)
			if (t->cols[c].type && strcasestr(t->cols[c].type, hints[h]))
				return t->cols[c].name;
	for (size_t c = 0; c < t->ncols; c++) {
		size_t n = strlen(t->cols[c].name);

		if ((n > 3 && !strcasecmp(t->cols[c].name + n - 3, "_at")) ||
		    (n >= 4 && !strcasecmp(t->cols[c].name + n - 4, "date")))
			return t->cols[c].name;
	}
	return NULL;
}

/* Splits arg into at most max words (spaces); returns the count, or max + 1. */
static size_t split_words(char *arg, char **words, size_t max)
{
	char *save_p = NULL;
	size_t n = 0;

	for (char *tok = strtok_r(arg, " ", &save_p); tok; tok = strtok_r(NULL, " ", &save_p)) {
		if (n == max)
			return max + 1;
		words[n++] = tok;
	}
	return n;
}

static bool is_off(const char *w)
{
	return str_eq(w, "off") || str_eq(w, "none") || str_eq(w, "remove");
}

/* The table a window argument names: "t", "s.t", "t.col" or "s.t.col"; or NULL. */
static const struct cat_table *window_table(struct app *app, const char *spec)
{
	struct cat_table *t = NULL;
	struct cat_column *c = NULL;
	struct mb_err err = MB_ERR_INIT;
	int idx = table_idx(app, NULL, spec);

	if (idx >= 0)
		return &app->cat.tables[idx];
	if (catalog_resolve_column(&app->cat, spec, &t, &c, &err) == 0)
		return t;
	return NULL;
}

/*
 * :window TABLE.COLUMN DURATION   keep only rows of the last DURATION
 * :window TABLE off               drop the table's window
 * Without an argument: the prompt, filled in for the selected table.
 */
static int do_window(struct app *app, struct subset_state *st, const struct cat_table *sel,
		     const char *arg)
{
	struct mb_err err = MB_ERR_INIT;
	char *copy, *w[3];
	size_t n;
	int64_t secs;

	if (!arg) {
		struct strbuf sb = STRBUF_INIT;
		long at = sel ? find_window(app, &st->cfg, catalog_table_index(&app->cat, sel)) : -1;
		const char *col = sel ? guess_time_column(sel) : NULL;

		if (!sel)
			return TUI_HANDLED;
		if (at >= 0)
			strbuf_addf(&sb, "window %s.%s %s", st->cfg.windows[at].table,
				    st->cfg.windows[at].column, st->cfg.windows[at].last);
		else
			strbuf_addf(&sb, "window %s.%s%s", sel->name, col ? col : "", col ? " " : "");
		app_prompt(app, ':', sb.buf);
		strbuf_release(&sb);
		return TUI_HANDLED;
	}
	copy = xstrdup(arg);
	n = split_words(copy, w, 2);
	if (n == 2 && is_off(w[1])) {
		const struct cat_table *t = window_table(app, w[0]);
		long at = t ? find_window(app, &st->cfg, catalog_table_index(&app->cat, t)) : -1;

		if (!t)
			app_message(app, MSG_ERROR, "window: unknown table '%s'", w[0]);
		else if (at < 0)
			app_message(app, MSG_WARN, "window: %s has none", t->name);
		else {
			subset_config_remove_window(&st->cfg, (size_t)at);
			if (save(app, st) == 0)
				app_message(app, MSG_OK, "window on %s removed; estimate updated",
					    t->name);
		}
		goto done;
	}
	if (n != 2) {
		app_message(app, MSG_ERROR, "window: TABLE.COLUMN DURATION (e.g. orders.created_at 30d) or TABLE off");
		goto done;
	}
	{
		struct cat_table *t = NULL;
		struct cat_column *c = NULL;
		char *nm;
		long at;

		if (catalog_resolve_column(&app->cat, w[0], &t, &c, &err) < 0) {
			app_message(app, MSG_ERROR, "window: %s", err.msg);
			goto done;
		}
		if (subset_parse_duration(w[1], &secs, &err) < 0) {
			app_message(app, MSG_ERROR, "window %s.%s: bad duration '%s' (%s)", t->name,
				    c->name, w[1], err.msg);
			goto done;
		}
		at = find_window(app, &st->cfg, catalog_table_index(&app->cat, t));
		if (at >= 0)
			subset_config_remove_window(&st->cfg, (size_t)at);
		nm = name_for(app, t);
		if (subset_config_add_window(&st->cfg, NULL, nm, c->name, w[1], &err) < 0) {
			app_message(app, MSG_ERROR, "window %s.%s: %s", t->name, c->name, err.msg);
			free(nm);
			save(app, st);  /* the old window is gone; keep the config consistent */
			goto done;
		}
		free(nm);
		if (save(app, st) == 0)
			app_message(app, MSG_OK, "window: rows of %s with %s in the last %s; estimate updated",
				    t->name, c->name, w[1]);
	}
done:
	free(copy);
	return TUI_HANDLED;
}

/* Parses "table(col, col)" at *p; advances *p. -1 with err. */
static int parse_side(const char **p, char **table, char ***cols, size_t *ncols,
		      struct mb_err *err)
{
	const char *s = *p, *open, *close;
	size_t alloc = 0;

	while (*s == ' ')
		s++;
	open = strchr(s, '(');
	close = open ? strchr(open, ')') : NULL;
	if (!open || !close || open == s)
		return mb_err_set(err, MB_ERR_INPUT, "expected TABLE(COLUMNS) at '%s'", s);
	*table = xstrndup(s, (size_t)(open - s));
	for (size_t k = strlen(*table); k > 0 && (*table)[k - 1] == ' '; k--)
		(*table)[k - 1] = '\0';
	for (const char *c = open + 1; c < close;) {
		const char *e = c;

		while (e < close && *e != ',')
			e++;
		{
			const char *b = c, *f = e;

			while (b < f && *b == ' ')
				b++;
			while (f > b && f[-1] == ' ')
				f--;
			if (f == b)
				return mb_err_set(err, MB_ERR_INPUT, "empty column name in %s(...)",
						  *table);
			ALLOC_GROW(*cols, *ncols + 1, alloc);
			(*cols)[(*ncols)++] = xstrndup(b, (size_t)(f - b));
		}
		c = e < close ? e + 1 : e;
	}
	if (!*ncols)
		return mb_err_set(err, MB_ERR_INPUT, "no columns in %s()", *table);
	*p = close + 1;
	return 0;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool same_names(char **a, char **b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

static bool is_key_of(const struct cat_table *t, char **cols, size_t n)
{
	const struct cat_key *keys[1] = { &t->pk };

	if (keys[0]->ncols == n && same_names(keys[0]->cols, cols, n))
		return true;
	for (size_t u = 0; u < t->nuniques; u++)
		if (t->uniques[u].ncols == n && same_names(t->uniques[u].cols, cols, n))
			return true;
	return false;
}

/*
 * :vfk FROM(COLS) -> TO(COLS)    declare a virtual foreign key
 * :vfk N off                     drop the N-th (as listed)
 */
static int do_vfk(struct app *app, struct subset_state *st, const struct cat_table *sel,
		  const char *arg)
{
	struct mb_err err = MB_ERR_INIT;
	char *from = NULL, *to = NULL, **fc = NULL, **tc = NULL;
	size_t nf = 0, nt = 0;
	const char *p = arg;
	int fi, ti;

	if (!arg) {
		struct strbuf sb = STRBUF_INIT;

		if (!sel)
			return TUI_HANDLED;
		strbuf_addf(&sb, "vfk %s(", sel->name);
		app_prompt(app, ':', sb.buf);
		strbuf_release(&sb);
		return TUI_HANDLED;
	}
	{
		char *copy = xstrdup(arg), *w[2];
		size_t n = split_words(copy, w, 2);
		char *num = n == 2 && is_off(w[1]) ? w[0] : n == 2 && is_off(w[0]) ? w[1] : NULL;

		if (num) {
			char *end;
			long k = strtol(num, &end, 10);

			if (*end || k < 1 || (size_t)k > st->cfg.nvfks) {
				app_message(app, MSG_ERROR, "vfk: no virtual key %s (%zu declared)",
					    num, st->cfg.nvfks);
			} else {
				subset_config_remove_vfk(&st->cfg, (size_t)k - 1);
				if (save(app, st) == 0)
					app_message(app, MSG_OK, "virtual key %ld removed; estimate updated", k);
			}
			free(copy);
			return TUI_HANDLED;
		}
		free(copy);
	}
	if (parse_side(&p, &from, &fc, &nf, &err) < 0)
		goto fail;
	while (*p == ' ')
		p++;
	if (strncmp(p, "->", 2)) {
		mb_err_set(&err, MB_ERR_INPUT, "expected '->' after %s(...)", from);
		goto fail;
	}
	p += 2;
	if (parse_side(&p, &to, &tc, &nt, &err) < 0)
		goto fail;
	while (*p == ' ')
		p++;
	if (*p) {
		mb_err_set(&err, MB_ERR_INPUT, "unexpected '%s' at the end", p);
		goto fail;
	}
	if (nf != nt) {
		mb_err_set(&err, MB_ERR_INPUT, "%zu column%s on the left, %zu on the right",
			   nf, nf == 1 ? "" : "s", nt);
		goto fail;
	}
	fi = table_idx(app, NULL, from);
	ti = table_idx(app, NULL, to);
	if (fi < 0 || ti < 0) {
		mb_err_set(&err, MB_ERR_INPUT, "unknown table '%s'", fi < 0 ? from : to);
		goto fail;
	}
	for (size_t c = 0; c < nf; c++) {
		if (!cat_table_find_column(&app->cat.tables[fi], fc[c])) {
			mb_err_set(&err, MB_ERR_INPUT, "unknown column %s.%s", from, fc[c]);
			goto fail;
		}
		if (!cat_table_find_column(&app->cat.tables[ti], tc[c])) {
			mb_err_set(&err, MB_ERR_INPUT, "unknown column %s.%s", to, tc[c]);
			goto fail;
		}
	}
	if (fi == ti && same_names(fc, tc, nf)) {
		mb_err_set(&err, MB_ERR_INPUT, "a key cannot point at its own columns");
		goto fail;
	}
	for (size_t i = 0; i < st->cfg.nvfks; i++) {
		const struct subset_vfk *v = &st->cfg.vfks[i];

		if (v->ncols == nf && table_idx(app, v->from_schema, v->from_table) == fi &&
		    table_idx(app, v->to_schema, v->to_table) == ti &&
		    same_names(v->from_cols, fc, nf) && same_names(v->to_cols, tc, nf)) {
			mb_err_set(&err, MB_ERR_INPUT, "already declared as virtual key %zu", i + 1);
			goto fail;
		}
	}
	{
		const struct cat_table *ft = &app->cat.tables[fi], *tt = &app->cat.tables[ti];
		char *fn = name_for(app, ft), *tn = name_for(app, tt);
		bool key = is_key_of(tt, tc, nt);

		subset_config_add_vfk(&st->cfg, NULL, fn, NULL, tn, nf, (const char *const *)fc,
				      (const char *const *)tc);
		free(fn);
		free(tn);
		if (save(app, st) == 0)
			app_message(app, key ? MSG_OK : MSG_WARN,
				    "virtual key %zu: %s -> %s%s; estimate updated", st->cfg.nvfks,
				    ft->name, tt->name,
				    key ? "" : " (the columns are not a primary or unique key of it)");
	}
	goto cleanup;
fail:
	app_message(app, MSG_ERROR, "vfk: %s", err.msg);
cleanup:
	free(from);
	free(to);
	free_names(fc, nf);
	free_names(tc, nt);
	return TUI_HANDLED;
}

static int subset_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct subset_state *st = s->state;
	struct tui_list *l = st->show_tree ? &st->tree_list : &st->list;
	const struct cat_table *t = !st->show_tree && app->cat.ntables
				    ? &app->cat.tables[st->list.cur] : NULL;
	long at;

	if (ev->cmd == CMD_NONE && ev->mouse != MOUSE_NONE) {
		size_t k;

		if (ev->mouse == MOUSE_WHEEL_UP || ev->mouse == MOUSE_WHEEL_DOWN) {
			tui_list_scroll(l, ev->mouse == MOUSE_WHEEL_UP ? -3 : 3);
			return TUI_HANDLED;
		}
		k = tui_list_row_at(l, ev->y - st->list_y);
		if (k != (size_t)-1)
			tui_list_goto(l, k);
		return TUI_HANDLED;
	}
	if (tui_list_command(l, ev->cmd))
		return TUI_HANDLED;
	switch (ev->cmd) {
	case CMD_NEXT_PANE:
	case CMD_PREV_PANE:
		st->show_tree = !st->show_tree;
		return TUI_HANDLED;
	case CMD_ROOT:
		if (ev->arg) {
			/* :root TABLE [WHERE...] */
			char *name = xstrdup(ev->arg), *where = strchr(name, ' ');
			char *sch = NULL, *tab = NULL;
			const struct cat_table *rt;

			if (where) {
				*where++ = '\0';
				while (*where == ' ')
					where++;
			}
			subset_split_table(name, &sch, &tab);
			rt = catalog_find_table(&app->cat, sch, tab);
			if (!rt)
				rt = catalog_find_table(&app->cat, NULL, name);
			if (!rt) {
				app_message(app, MSG_ERROR, "unknown table '%s'", name);
			} else {
				struct subset_root *r;

				at = find_root(&st->cfg, rt);
				if (at < 0) {
					char *nm = name_for(app, rt);

					r = subset_config_add_root(&st->cfg, NULL, nm);
					free(nm);
				} else {
					r = &st->cfg.roots[at];
				}
				free(r->where);
				r->where = where && *where ? xstrdup(where) : NULL;
				save(app, st);
			}
			free(name);
			free(sch);
			free(tab);
			return TUI_HANDLED;
		}
		if (!t)
			return TUI_HANDLED;
		at = find_root(&st->cfg, t);
		if (at >= 0) {
			remove_root(&st->cfg, (size_t)at);
		} else {
			char *nm = name_for(app, t);

			subset_config_add_root(&st->cfg, NULL, nm);
			free(nm);
		}
		save(app, st);
		return TUI_HANDLED;
	case CMD_WHERE:
		if (!t)
			return TUI_HANDLED;
		if (!ev->arg) {
			const struct subset_root *r = find_root(&st->cfg, t) >= 0
				? &st->cfg.roots[find_root(&st->cfg, t)] : NULL;
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "where %s", r && r->where ? r->where : "");
			app_prompt(app, ':', sb.buf);
			strbuf_release(&sb);
			return TUI_HANDLED;
		}
		at = find_root(&st->cfg, t);
		if (at < 0) {
			char *nm = name_for(app, t);

			subset_config_add_root(&st->cfg, NULL, nm);
			free(nm);
			at = (long)st->cfg.nroots - 1;
		}
		free(st->cfg.roots[at].where);
		st->cfg.roots[at].where = xstrdup(ev->arg);
		save(app, st);
		return TUI_HANDLED;
	case CMD_CHILDREN:
		if (ev->arg) {
			if (str_eq(ev->arg, "all")) {
				st->cfg.children_all = true;
			} else {
				st->cfg.children_all = false;
				for (size_t i = 0; i < st->cfg.nchildren; i++)
					free(st->cfg.children[i]);
				st->cfg.nchildren = 0;
				if (!str_eq(ev->arg, "none")) {
					char *copy = xstrdup(ev->arg), *save_p = NULL;

					for (char *tok = strtok_r(copy, ", ", &save_p); tok;
					     tok = strtok_r(NULL, ", ", &save_p))
						subset_config_add_name(&st->cfg.children,
								       &st->cfg.nchildren,
								       &st->cfg.children_alloc, tok);
					free(copy);
				}
			}
			save(app, st);
			return TUI_HANDLED;
		}
		if (!t)
			return TUI_HANDLED;
		if (st->cfg.children_all) {
			app_message(app, MSG_WARN, "children: all is on (:children none to pick tables)");
			return TUI_HANDLED;
		}
		toggle_name(app, &st->cfg.children, &st->cfg.nchildren, &st->cfg.children_alloc, t);
		save(app, st);
		return TUI_HANDLED;
	case CMD_KEEP_ALL:
		if (t) {
			toggle_name(app, &st->cfg.keep_all, &st->cfg.nkeep_all,
				    &st->cfg.keep_all_alloc, t);
			save(app, st);
		}
		return TUI_HANDLED;
	case CMD_TRUNCATE:
		if (t) {
			toggle_name(app, &st->cfg.truncate, &st->cfg.ntruncate,
				    &st->cfg.truncate_alloc, t);
			save(app, st);
		}
		return TUI_HANDLED;
	case CMD_WINDOW:
		return do_window(app, st, t, ev->arg);
	case CMD_VFK:
		return do_vfk(app, st, t, ev->arg);
	case CMD_PLAN:
		st->plan_stale = false;
		app_plan(app);
		return TUI_HANDLED;
	case CMD_PREVIEW:
		if (!t || ev->arg)
			return TUI_IGNORED;
		screen_preview_show(app, t->schema, t->name);
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

const struct screen_ops screen_subset = {
	.name = "subset",
	.open = subset_open,
	.draw = subset_draw,
	.handle = subset_handle,
	.close = subset_close,
	.hints = "r:root w:where C:children t:window V:vfk p:plan Tab:tree",
};

/*
 * screen_catalog.c - the catalog browser: a tree of schemas and tables
 * on the left (rows, size), the selected table's columns on the right
 * (type, nullability, PK/FK/UQ badges) with details of the selected
 * column below them.
 *
 * Only visible rows are drawn and the tree is a flat array rebuilt on
 * expand/collapse, so a catalog of 10,000 tables stays instant.
 *
 * Space marks columns (also across tables) and * marks every column of the
 * selected table: a, x and :action then apply to all marked columns
 * (app_review_bulk), one audit entry each.
 */
#include "config.h"

#include <stdlib.h>
#include <strings.h>

#include "core/util.h"
#include "tui/app.h"

struct schema_group {
	const char *name;       /* points into the catalog */
	size_t first, count;    /* tables [first, first+count) */
	bool open;
};

struct tree_row {
	size_t schema;
	long table;             /* -1: the schema's own row */
};

struct catalog_state {
	struct schema_group *schemas;
	size_t nschemas;
	struct tree_row *rows;
	size_t nrows, rows_alloc;
	struct tui_list left, right;
	int focus;              /* 0: tables, 1: columns */
	char *search;
	int left_w;             /* from the last draw, for the mouse */
	long right_table;       /* whose columns the right list counts */
	struct tui_marks marks; /* "schema.table.column" */
};

static char *column_name(const struct cat_table *t, size_t i)
{
	return xasprintf("%s.%s.%s", t->schema, t->name, t->cols[i].name);
}

enum { DETAIL_ROWS = 3 };

static void build_rows(struct catalog_state *st)
{
	st->nrows = 0;
	for (size_t s = 0; s < st->nschemas; s++) {
		ALLOC_GROW(st->rows, st->nrows + 1 + st->schemas[s].count, st->rows_alloc);
		st->rows[st->nrows++] = (struct tree_row){ s, -1 };
		if (!st->schemas[s].open)
			continue;
		for (size_t t = 0; t < st->schemas[s].count; t++)
			st->rows[st->nrows++] =
				(struct tree_row){ s, (long)(st->schemas[s].first + t) };
	}
	tui_list_set_count(&st->left, st->nrows);
}

/* Moves the cursor to the row of table t (or of schema s when t < 0). */
static void goto_item(struct catalog_state *st, size_t s, long t)
{
	for (size_t i = 0; i < st->nrows; i++) {
		if (st->rows[i].schema == s && st->rows[i].table == t) {
			tui_list_goto(&st->left, i);
			return;
		}
	}
}

static void set_open(struct catalog_state *st, size_t s, bool open)
{
	struct tree_row cur = st->nrows ? st->rows[st->left.cur]
					: (struct tree_row){ 0, -1 };

	st->schemas[s].open = open;
	build_rows(st);
	if (!open && cur.schema == s)
		cur.table = -1;
	goto_item(st, cur.schema, cur.table);
}

static void index_schemas(struct app *app, struct catalog_state *st)
{
	const struct catalog *cat = &app->cat;
	size_t alloc = 0;

	free(st->schemas);
	st->schemas = NULL;
	st->nschemas = 0;
	/* tables are sorted by (schema, name): each schema is one run */
	for (size_t i = 0; i < cat->ntables; i++) {
		const char *name = cat->tables[i].schema ? cat->tables[i].schema : "";

		if (!st->nschemas || !str_eq(st->schemas[st->nschemas - 1].name, name)) {
			ALLOC_GROW(st->schemas, st->nschemas + 1, alloc);
			st->schemas[st->nschemas++] =
				(struct schema_group){ name, i, 0, false };
		}
		st->schemas[st->nschemas - 1].count++;
	}
	/* a few schemas: show everything; many: let the user pick */
	for (size_t s = 0; s < st->nschemas; s++)
		st->schemas[s].open = st->nschemas <= 3;
	tui_list_init(&st->left);
	tui_list_init(&st->right);
	st->right_table = -1;
	st->focus = 0;
	build_rows(st);
	/* start on the first table rather than on a schema heading */
	if (st->nrows > 1 && st->rows[1].table >= 0)
		tui_list_goto(&st->left, 1);
}

static int catalog_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct catalog_state *st;

	if (!app->have_catalog)
		return mb_err_set(err, MB_ERR_USAGE, "no source open yet");
	st = xcalloc(1, sizeof(*st));
	index_schemas(app, st);
	s->state = st;
	return 0;
}

static void catalog_changed(struct app *app, struct screen *s)
{
	index_schemas(app, s->state);
}

static void catalog_close(struct app *app, struct screen *s)
{
	struct catalog_state *st = s->state;

	(void)app;
	free(st->schemas);
	free(st->rows);
	free(st->search);
	tui_marks_clear(&st->marks);
	free(st);
}

static const struct cat_table *selected_table(struct app *app,
					      const struct catalog_state *st)
{
	if (!st->nrows || st->rows[st->left.cur].table < 0)
		return NULL;
	return &app->cat.tables[st->rows[st->left.cur].table];
}

static bool key_has(const struct cat_key *k, int col)
{
	for (size_t i = 0; i < k->ncols; i++)
		if (k->col_idx && k->col_idx[i] == col)
			return true;
	return false;
}

static bool fk_has(const struct cat_table *t, int col, const struct cat_fk **which)
{
	for (size_t f = 0; f < t->nfks; f++)
		for (size_t i = 0; i < t->fks[f].ncols; i++)
			if (t->fks[f].col_idx && t->fks[f].col_idx[i] == col) {
				if (which)
					*which = &t->fks[f];
				return true;
			}
	return false;
}

static bool unique_has(const struct cat_table *t, int col)
{
	for (size_t u = 0; u < t->nuniques; u++)
		if (key_has(&t->uniques[u], col))
			return true;
	return false;
}

static attr_t row_attr(bool selected, bool focused, attr_t normal)
{
	if (!selected)
		return normal;
	return theme_attr(focused ? ROLE_CURSOR : ROLE_CURSOR_DIM);
}

static void draw_tables(struct app *app, struct catalog_state *st, WINDOW *w,
			int rows, int width)
{
	const int nw = 9, sw = 7;
	int name_w = width - nw - sw - 2;
	char num[32], size[32];

	tui_put(w, 0, 0, name_w, theme_attr(ROLE_HEADER), " Schema / table", UW_LEFT);
	tui_put(w, 0, name_w, nw + 1, theme_attr(ROLE_HEADER), "Rows", UW_RIGHT);
	tui_put(w, 0, name_w + nw + 1, sw + 1, theme_attr(ROLE_HEADER), "Size ", UW_RIGHT);
	tui_list_set_height(&st->left, rows - 1);
	for (int y = 0; y < rows - 1; y++) {
		size_t i = tui_list_row_at(&st->left, y);
		const struct tree_row *r;
		bool sel;
		attr_t a;

		if (i == (size_t)-1)
			break;
		r = &st->rows[i];
		sel = i == st->left.cur;
		if (r->table < 0) {
			const struct schema_group *g = &st->schemas[r->schema];
			struct strbuf sb = STRBUF_INIT;

			a = row_attr(sel, st->focus == 0, theme_attr(ROLE_SCHEMA));
			strbuf_addstr(&sb, g->open ? " \xe2\x96\xbe " : " \xe2\x96\xb8 ");
			strbuf_addstr(&sb, g->name);
			tui_putn(w, y + 1, 0, name_w, a, sb.buf, sb.len, UW_LEFT);
			snprintf(num, sizeof(num), "%zu table%s", g->count,
				 g->count == 1 ? "" : "s");
			tui_put(w, y + 1, name_w, nw + sw + 1, a, num, UW_RIGHT);
			tui_fill(w, y + 1, name_w + nw + sw + 1, 1, a);
			strbuf_release(&sb);
			continue;
		}
		{
			const struct cat_table *t = &app->cat.tables[r->table];
			struct strbuf sb = STRBUF_INIT;

			a = row_attr(sel, st->focus == 0, A_NORMAL);
			strbuf_addstr(&sb, "   ");
			strbuf_addstr(&sb, t->name);
			if (t->is_view)
				strbuf_addstr(&sb, " (view)");
			tui_putn(w, y + 1, 0, name_w, a, sb.buf, sb.len, UW_LEFT);
			if (t->rows >= 0)
				uw_format_count(num, sizeof(num), t->rows);
			else
				snprintf(num, sizeof(num), "?");
			tui_put(w, y + 1, name_w, nw + 1, a, num, UW_RIGHT);
			uw_format_bytes(size, sizeof(size), t->bytes);
			tui_put(w, y + 1, name_w + nw + 1, sw, sel ? a : theme_attr(ROLE_DIM),
				size, UW_RIGHT);
			tui_fill(w, y + 1, name_w + nw + 1 + sw, 1, a);
			strbuf_release(&sb);
		}
	}
}

static void draw_badge(WINDOW *w, int y, int x, bool on, const char *text,
		       enum theme_role role, attr_t base)
{
	tui_put(w, y, x, 3, on ? (base | theme_attr(role)) : base, on ? text : "",
		UW_LEFT);
}

static void draw_column_detail(const struct cat_table *t, const struct cat_column *c,
			       int ci, WINDOW *w, int y, int x, int width)
{
	struct strbuf sb = STRBUF_INIT;
	const struct cat_fk *fk = NULL;

	tui_fill(w, y, x, width, A_NORMAL);
	strbuf_addf(&sb, "%s %s", c->name, c->type ? c->type : "");
	if (!c->nullable)
		strbuf_addstr(&sb, " not null");
	if (c->auto_increment)
		strbuf_addstr(&sb, " auto-increment");
	if (c->generated)
		strbuf_addstr(&sb, " generated");
	tui_putn(w, y + 1, x + 1, width - 1, A_BOLD, sb.buf, sb.len, UW_LEFT);
	strbuf_reset(&sb);
	if (fk_has(t, ci, &fk)) {
		strbuf_addstr(&sb, "references ");
		if (fk->ref_schema && !str_eq(fk->ref_schema, t->schema))
			strbuf_addf(&sb, "%s.", fk->ref_schema);
		strbuf_addf(&sb, "%s(", fk->ref_table);
		for (size_t i = 0; i < fk->ncols; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", fk->ref_cols[i]);
		strbuf_addch(&sb, ')');
		if (fk->is_virtual)
			strbuf_addstr(&sb, " (virtual)");
	} else if (c->default_expr) {
		strbuf_addf(&sb, "default %s", c->default_expr);
	}
	tui_putn(w, y + 2, x + 1, width - 1, theme_attr(ROLE_DIM), sb.buf, sb.len,
		 UW_LEFT);
	strbuf_release(&sb);
}

/* category and review state of a column, e.g. "email ok" */
static void draw_review(struct app *app, const struct cat_table *t,
			const struct cat_column *c, WINDOW *w, int y, int x, int width,
			attr_t a, bool sel)
{
	const struct rule *r = app_rule_for(app, t->schema, t->name, c->name);
	const struct scan_finding *f = app_finding_for(app, t->schema, t->name, c->name);
	const char *cat = r && r->category ? r->category : f ? f->category : NULL;
	struct strbuf sb = STRBUF_INIT;
	enum theme_role role = app_state_role(r);

	if (cat && width >= 14)
		strbuf_addf(&sb, "%s ", cat);
	strbuf_addstr(&sb, app_state_badge(r));
	if (f && cat && (!r || r->state == RULE_UNREVIEWED || r->state == RULE_PROPOSED) &&
	    f->confidence >= SCAN_FLAG_THRESHOLD)
		role = ROLE_SENSITIVE;
	tui_putn(w, y, x, width, sel ? a : theme_attr(role), sb.buf, sb.len, UW_LEFT);
	strbuf_release(&sb);
}

/* rows, sensitive columns, open items of a table */
static void draw_table_summary(struct app *app, const struct cat_table *t, WINDOW *w,
			       int y, int x, int width)
{
	size_t sensitive = 0, open = 0, ruled = 0;
	struct strbuf sb = STRBUF_INIT;
	char num[32];

	for (size_t i = 0; i < t->ncols; i++) {
		const struct rule *r = app_rule_for(app, t->schema, t->name, t->cols[i].name);
		const struct scan_finding *f = app_finding_for(app, t->schema, t->name,
							       t->cols[i].name);

		if (f && f->confidence >= SCAN_FLAG_THRESHOLD)
			sensitive++;
		if (r) {
			ruled++;
			if (r->state == RULE_UNREVIEWED || r->state == RULE_PROPOSED)
				open++;
		}
	}
	tui_fill(w, y, x, width, A_NORMAL);
	strbuf_addf(&sb, "%s: %s rows, %zu columns", t->name,
		    t->rows >= 0 ? uw_format_count(num, sizeof(num), t->rows) : "?", t->ncols);
	tui_putn(w, y + 1, x + 1, width - 1, A_BOLD, sb.buf, sb.len, UW_LEFT);
	strbuf_reset(&sb);
	if (!app->have_scan)
		strbuf_addstr(&sb, "not scanned yet (s scans)");
	else
		strbuf_addf(&sb, "%zu sensitive", sensitive);
	if (ruled)
		strbuf_addf(&sb, ", %zu open item%s", open, open == 1 ? "" : "s");
	tui_putn(w, y + 2, x + 1, width - 1,
		 theme_attr(open ? ROLE_WARN : sensitive ? ROLE_SENSITIVE : ROLE_DIM),
		 sb.buf, sb.len, UW_LEFT);
	strbuf_release(&sb);
}

static void draw_columns(struct app *app, struct catalog_state *st, WINDOW *w,
			 int rows, int x, int width)
{
	const struct cat_table *t = selected_table(app, st);
	/* narrow panes show the review state alone, wide ones the category too */
	const int kw = 9, lw = width >= 56 ? 14 : 6;
	int list_rows = rows - 1 - DETAIL_ROWS;
	int rest = width - kw - lw - 1, tw = rest * 2 / 5, name_w = rest - tw;

	tui_put(w, 0, x, name_w, theme_attr(ROLE_HEADER), " Column", UW_LEFT);
	tui_put(w, 0, x + name_w, tw, theme_attr(ROLE_HEADER), "Type", UW_LEFT);
	tui_put(w, 0, x + name_w + tw, kw, theme_attr(ROLE_HEADER), "Keys", UW_LEFT);
	tui_put(w, 0, x + name_w + tw + kw, lw + 1, theme_attr(ROLE_HEADER), "Review", UW_LEFT);
	if (!t) {
		const struct schema_group *g = st->nrows ? &st->schemas[st->rows[st->left.cur].schema] : NULL;
		long long total = 0;
		char num[32];
		struct strbuf sb = STRBUF_INIT;

		if (!g || !app->cat.tables) {
			tui_put(w, 2, x + 1, width - 1, theme_attr(ROLE_DIM),
				"the source has no tables", UW_LEFT);
			return;
		}
		for (size_t i = 0; i < g->count; i++)
			if (app->cat.tables[g->first + i].rows > 0)
				total += app->cat.tables[g->first + i].rows;
		strbuf_addf(&sb, "schema %s: %zu tables, about %s rows", g->name,
			    g->count, uw_format_count(num, sizeof(num), total));
		tui_putn(w, 2, x + 1, width - 1, A_NORMAL, sb.buf, sb.len, UW_LEFT);
		tui_put(w, 3, x + 1, width - 1, theme_attr(ROLE_DIM),
			"Enter opens or closes it", UW_LEFT);
		strbuf_release(&sb);
		return;
	}
	if (st->right_table != st->rows[st->left.cur].table) {
		st->right_table = st->rows[st->left.cur].table;
		tui_list_init(&st->right);
	}
	tui_list_set_count(&st->right, t->ncols);
	tui_list_set_height(&st->right, list_rows);
	for (int y = 0; y < list_rows; y++) {
		size_t i = tui_list_row_at(&st->right, y);
		const struct cat_column *c;
		bool sel;
		attr_t a;
		int cx = x;

		if (i == (size_t)-1)
			break;
		c = &t->cols[i];
		sel = i == st->right.cur && st->focus == 1;
		a = row_attr(sel, true, A_NORMAL);
		if (st->marks.n) {
			char *full = column_name(t, i);
			bool m = tui_marks_has(&st->marks, full);

			free(full);
			tui_put(w, y + 1, cx, 1, m ? a | theme_attr(ROLE_MATCH) : a, m ? "*" : "",
				UW_LEFT);
		} else {
			tui_put(w, y + 1, cx, 1, a, "", UW_LEFT);
		}
		tui_put(w, y + 1, cx + 1, name_w - 1, a, c->name, UW_LEFT);
		cx += name_w;
		tui_put(w, y + 1, cx, tw, sel ? a : theme_attr(ROLE_DIM), c->type, UW_LEFT);
		cx += tw;
		draw_badge(w, y + 1, cx, key_has(&t->pk, (int)i), "PK", ROLE_BADGE_PK, a);
		draw_badge(w, y + 1, cx + 3, fk_has(t, (int)i, NULL), "FK", ROLE_BADGE_FK, a);
		draw_badge(w, y + 1, cx + 6, unique_has(t, (int)i), "UQ", ROLE_BADGE_UQ, a);
		cx += kw;
		draw_review(app, t, c, w, y + 1, cx, width - (cx - x), a, sel);
	}
	if (t->ncols && st->focus == 1)
		draw_column_detail(t, &t->cols[st->right.cur], (int)st->right.cur, w,
				   rows - DETAIL_ROWS, x, width);
	else
		draw_table_summary(app, t, w, rows - DETAIL_ROWS, x, width);
}

static void catalog_draw(struct app *app, struct screen *s, WINDOW *w, int rows, int cols)
{
	struct catalog_state *st = s->state;
	int lw = cols * 45 / 100;

	if (lw < 30)
		lw = 30;
	st->left_w = lw;
	snprintf(s->title, sizeof(s->title), "Catalog: %zu tables in %zu schema%s%s",
		 app->cat.ntables, st->nschemas, st->nschemas == 1 ? "" : "s",
		 st->marks.n ? ", columns marked" : "");
	draw_tables(app, st, w, rows, lw);
	tui_vline(w, 0, lw, rows, theme_attr(ROLE_BORDER));
	draw_columns(app, st, w, rows, lw + 1, cols - lw - 1);
}

/* Case-insensitive search from the cursor in direction dir (1 or -1). */
static int search_tables(struct app *app, struct catalog_state *st, int dir)
{
	const struct catalog *cat = &app->cat;
	long start = -1;
	size_t n = cat->ntables;

	if (!st->search || !n)
		return TUI_HANDLED;
	if (st->nrows && st->rows[st->left.cur].table >= 0)
		start = st->rows[st->left.cur].table;
	else if (st->nrows)
		start = (long)st->schemas[st->rows[st->left.cur].schema].first - (dir > 0);
	for (size_t k = 1; k <= n; k++) {
		size_t t = (size_t)(((start + (long)n + dir * (long)k) % (long)n + (long)n) % (long)n);

		if (strcasestr(cat->tables[t].name, st->search)) {
			for (size_t s = 0; s < st->nschemas; s++) {
				if (t >= st->schemas[s].first &&
				    t < st->schemas[s].first + st->schemas[s].count) {
					if (!st->schemas[s].open)
						set_open(st, s, true);
					goto_item(st, s, (long)t);
				}
			}
			return TUI_HANDLED;
		}
	}
	app_message(app, MSG_WARN, "no table matches");
	return TUI_HANDLED;
}

static int search_columns(struct app *app, struct catalog_state *st, int dir)
{
	const struct cat_table *t = selected_table(app, st);
	size_t n;

	if (!st->search || !t || !t->ncols)
		return TUI_HANDLED;
	n = t->ncols;
	for (size_t k = 1; k <= n; k++) {
		size_t i = dir > 0 ? (st->right.cur + k) % n
				   : (st->right.cur + n - k) % n;
		if (strcasestr(t->cols[i].name, st->search)) {
			tui_list_goto(&st->right, i);
			return TUI_HANDLED;
		}
	}
	app_message(app, MSG_WARN, "no column matches");
	return TUI_HANDLED;
}

static int do_search(struct app *app, struct catalog_state *st, int dir)
{
	if (!st->search) {
		app_message(app, MSG_WARN, "no search yet: / starts one");
		return TUI_HANDLED;
	}
	return st->focus == 0 ? search_tables(app, st, dir)
			      : search_columns(app, st, dir);
}

static int enter_left(struct app *app, struct catalog_state *st, bool toggle)
{
	const struct tree_row *r;

	if (!st->nrows)
		return TUI_HANDLED;
	r = &st->rows[st->left.cur];
	if (r->table < 0) {
		set_open(st, r->schema, toggle ? !st->schemas[r->schema].open : true);
		return TUI_HANDLED;
	}
	if (selected_table(app, st)->ncols)
		st->focus = 1;
	return TUI_HANDLED;
}

static int handle_mouse(struct app *app, struct catalog_state *st,
			const struct tui_event *ev)
{
	bool left = ev->x < st->left_w;
	struct tui_list *l = left ? &st->left : &st->right;
	size_t i;

	if (ev->mouse == MOUSE_WHEEL_UP || ev->mouse == MOUSE_WHEEL_DOWN) {
		tui_list_scroll(l, ev->mouse == MOUSE_WHEEL_UP ? -3 : 3);
		return TUI_HANDLED;
	}
	if (ev->y < 1)
		return TUI_HANDLED;
	i = tui_list_row_at(l, ev->y - 1);
	if (i == (size_t)-1)
		return TUI_HANDLED;
	if (!left && !selected_table(app, st))
		return TUI_HANDLED;
	tui_list_goto(l, i);
	st->focus = left ? 0 : 1;
	if (left && ev->mouse == MOUSE_DOUBLE)
		return enter_left(app, st, true);
	return TUI_HANDLED;
}

static int catalog_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct catalog_state *st = s->state;
	struct tui_list *l = st->focus == 0 ? &st->left : &st->right;

	if (ev->cmd == CMD_NONE && ev->mouse != MOUSE_NONE)
		return handle_mouse(app, st, ev);
	if (tui_list_command(l, ev->cmd))
		return TUI_HANDLED;
	switch (ev->cmd) {
	case CMD_ENTER:
		if (st->focus == 0)
			return enter_left(app, st, true);
		__attribute__((fallthrough)); /* open the column */
	case CMD_COLUMN:
		if (ev->arg)
			return TUI_IGNORED;
		if (st->focus == 1 && selected_table(app, st)) {
			const struct cat_table *t = selected_table(app, st);

			screen_column_show(app, t->schema, t->name, t->cols[st->right.cur].name);
			return TUI_HANDLED;
		}
		app_message(app, MSG_WARN, "select a column first (Enter on a table)");
		return TUI_HANDLED;
	case CMD_MARK:
		if (st->focus == 1 && selected_table(app, st)) {
			char *col = column_name(selected_table(app, st), st->right.cur);

			tui_marks_toggle(&st->marks, col);
			free(col);
			tui_list_move(&st->right, 1);
			app_message(app, MSG_INFO, "%zu column%s marked (a, x, :action apply to them)",
				    st->marks.n, st->marks.n == 1 ? "" : "s");
		} else {
			app_message(app, MSG_WARN, "select a column first (Enter on a table)");
		}
		return TUI_HANDLED;
	case CMD_MARK_ALL: {
		const struct cat_table *t = selected_table(app, st);
		size_t had = 0;

		if (!t || !t->ncols) {
			app_message(app, MSG_WARN, "select a table first");
			return TUI_HANDLED;
		}
		for (size_t i = 0; i < t->ncols; i++) {
			char *col = column_name(t, i);

			had += tui_marks_has(&st->marks, col);
			free(col);
		}
		if (had == t->ncols) {
			tui_marks_clear(&st->marks);
			app_message(app, MSG_INFO, "marks cleared");
		} else {
			char **names = xcalloc(t->ncols + 1, sizeof(*names));

			for (size_t i = 0; i < t->ncols; i++)
				names[i] = column_name(t, i);
			tui_marks_add_owned(&st->marks, names, t->ncols);
			free(names);
			app_message(app, MSG_INFO, "%zu columns marked (a, x, :action apply to them; * again unmarks)",
				    st->marks.n);
		}
		return TUI_HANDLED;
	}
	case CMD_APPROVE:
	case CMD_REJECT:
	case CMD_ACTION:
		if (st->marks.n) {
			if (app_review_bulk(app, ev->cmd, st->marks.names, st->marks.n, ev->arg) >= 0)
				tui_marks_clear(&st->marks);
			return TUI_HANDLED;
		}
		if (ev->cmd == CMD_ACTION && st->focus == 1 && selected_table(app, st)) {
			const struct cat_table *t = selected_table(app, st);
			char *col = column_name(t, st->right.cur);

			app_review_set_action(app, col, ev->arg);
			free(col);
			return TUI_HANDLED;
		}
		if (ev->cmd != CMD_ACTION && st->focus == 1 && selected_table(app, st)) {
			const struct cat_table *t = selected_table(app, st);
			char *col = xasprintf("%s.%s.%s", t->schema, t->name,
					      t->cols[st->right.cur].name);

			app_review_decide(app, ev->cmd, col, ev->arg);
			free(col);
		} else {
			app_message(app, MSG_WARN, "select a column first (Enter on a table)");
		}
		return TUI_HANDLED;
	case CMD_APPROVE_TABLE:
		if (selected_table(app, st))
			app_review_approve_table(app, selected_table(app, st)->schema,
						 selected_table(app, st)->name);
		return TUI_HANDLED;
	case CMD_PREVIEW:
		if (ev->arg || !selected_table(app, st))
			return TUI_IGNORED;
		screen_preview_show(app, selected_table(app, st)->schema,
				    selected_table(app, st)->name);
		return TUI_HANDLED;
	case CMD_RIGHT:
		if (st->focus == 0)
			return enter_left(app, st, false);
		return TUI_HANDLED;
	case CMD_LEFT:
		if (st->focus == 1) {
			st->focus = 0;
		} else if (st->nrows) {
			const struct tree_row *r = &st->rows[st->left.cur];

			if (r->table >= 0)
				goto_item(st, r->schema, -1);
			else
				set_open(st, r->schema, false);
		}
		return TUI_HANDLED;
	case CMD_BACK:
		if (st->marks.n) {
			tui_marks_clear(&st->marks);
			app_message(app, MSG_INFO, "marks cleared");
			return TUI_HANDLED;
		}
		if (st->focus == 1) {
			st->focus = 0;
			return TUI_HANDLED;
		}
		return TUI_IGNORED;
	case CMD_NEXT_PANE:
	case CMD_PREV_PANE:
		if (st->focus == 0 && !(selected_table(app, st) &&
					selected_table(app, st)->ncols))
			return TUI_HANDLED;
		st->focus = !st->focus;
		return TUI_HANDLED;
	case CMD_SEARCH:
		if (!ev->arg)
			return TUI_IGNORED;
		free(st->search);
		st->search = xstrdup(ev->arg);
		return do_search(app, st, 1);
	case CMD_SEARCH_NEXT:
		return do_search(app, st, 1);
	case CMD_SEARCH_PREV:
		return do_search(app, st, -1);
	default:
		return TUI_IGNORED;
	}
}

const struct screen_ops screen_catalog = {
	.name = "catalog",
	.open = catalog_open,
	.draw = catalog_draw,
	.handle = catalog_handle,
	.close = catalog_close,
	.catalog_changed = catalog_changed,
	.hints = "Enter:open s:scan f:findings ?:help",
};

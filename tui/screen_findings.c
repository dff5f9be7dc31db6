/*
 * screen_findings.c - every finding of the latest scan with its rule's
 * state: sortable (confidence, category, table), filterable (all,
 * unreviewed, high confidence, changed since sign-off), searchable.
 * Enter opens the column; a / x / A decide from here. Space marks
 * columns and * marks every listed one: a, x and :action then apply to
 * all marked columns (app_review_bulk), one audit entry each.
 */
#include "config.h"

#include <stdlib.h>
#include <strings.h>

#include "core/util.h"
#include "tui/app.h"

enum sort_key { SORT_CONFIDENCE, SORT_CATEGORY, SORT_TABLE, SORT__COUNT };
enum filter_key { FILTER_ALL, FILTER_OPEN, FILTER_HIGH, FILTER_CHANGED, FILTER__COUNT };

static const char *const sort_names[] = { "confidence", "category", "table" };
static const char *const filter_names[] = { "all", "unreviewed", "high", "changed" };

#define HIGH_CONFIDENCE 0.8

struct findings_state {
	const struct scan_finding **rows;  /* into app->scan */
	size_t nrows;
	struct tui_list list;
	enum sort_key sort;
	enum filter_key filter;
	char *search;
	unsigned built_gen;                  /* app->review_gen it was built from */
	struct tui_marks marks;              /* "schema.table.column" */
	/*
	 * The cursor's column as of the last draw: a reload frees the findings
	 * rows point into, so rebuild() finds the cursor again by name.
	 */
	char *cur_name;
};

static char *finding_column(const struct scan_finding *f)
{
	return xasprintf("%s.%s.%s", f->schema, f->table, f->column);
}

/* Notes the cursor's column (while st->rows is valid). */
static void remember_cursor(struct findings_state *st)
{
	free(st->cur_name);
	st->cur_name = st->nrows ? finding_column(st->rows[st->list.cur]) : NULL;
}

static int cmp_conf(const void *a, const void *b)
{
	const struct scan_finding *x = *(const struct scan_finding *const *)a;
	const struct scan_finding *y = *(const struct scan_finding *const *)b;
	int r;

	if (x->confidence != y->confidence)
		return x->confidence < y->confidence ? 1 : -1;
	r = strcmp(x->table, y->table);
	return r ? r : strcmp(x->column, y->column);
}

static int cmp_cat(const void *a, const void *b)
{
	const struct scan_finding *x = *(const struct scan_finding *const *)a;
	const struct scan_finding *y = *(const struct scan_finding *const *)b;
	int r = strcmp(x->category, y->category);

	return r ? r : cmp_conf(a, b);
}

static int cmp_table(const void *a, const void *b)
{
	const struct scan_finding *x = *(const struct scan_finding *const *)a;
	const struct scan_finding *y = *(const struct scan_finding *const *)b;
	int r = strcmp(x->schema, y->schema);

	if (!r)
		r = strcmp(x->table, y->table);
	if (!r)
		r = strcmp(x->column, y->column);
	return r ? r : (x->rank - y->rank);
}

static bool keep(struct app *app, const struct findings_state *st,
		 const struct scan_finding *f)
{
	const struct rule *r;

	if (f->rank < 1)
		return false;
	r = app_rule_for(app, f->schema, f->table, f->column);
	switch (st->filter) {
	case FILTER_ALL:
		return true;
	case FILTER_OPEN:
		return !r || r->state == RULE_UNREVIEWED || r->state == RULE_PROPOSED;
	case FILTER_HIGH:
		return f->confidence >= HIGH_CONFIDENCE;
	case FILTER_CHANGED:
		/* reviewed once, and back to unreviewed since: drift */
		return r && r->state == RULE_UNREVIEWED && r->approved_type;
	default:
		return true;
	}
}

static void rebuild(struct app *app, struct findings_state *st)
{
	static int (*const cmps[])(const void *, const void *) = {
		cmp_conf, cmp_cat, cmp_table,
	};
	char *cur = st->cur_name ? xstrdup(st->cur_name) : NULL;

	/* st->rows may point into findings a reload already freed: not read here */
	free(st->rows);
	st->rows = NULL;
	st->nrows = 0;
	if (app->have_scan) {
		st->rows = xcalloc(app->scan.nfindings + 1, sizeof(*st->rows));
		for (size_t i = 0; i < app->scan.nfindings; i++)
			if (keep(app, st, &app->scan.findings[i]))
				st->rows[st->nrows++] = &app->scan.findings[i];
		qsort(st->rows, st->nrows, sizeof(*st->rows), cmps[st->sort]);
	}
	st->built_gen = app->review_gen;
	tui_list_set_count(&st->list, st->nrows);
	/* keep the cursor on the same column when it is still listed */
	if (cur) {
		for (size_t i = 0; i < st->nrows; i++) {
			char *name = finding_column(st->rows[i]);
			bool same = str_eq(name, cur);

			free(name);
			if (same) {
				tui_list_goto(&st->list, i);
				break;
			}
		}
	}
	free(cur);
	remember_cursor(st);
}

static int findings_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct findings_state *st = xcalloc(1, sizeof(*st));

	(void)err;
	tui_list_init(&st->list);
	rebuild(app, st);
	s->state = st;
	return 0;
}

static void findings_close(struct app *app, struct screen *s)
{
	struct findings_state *st = s->state;

	(void)app;
	free(st->rows);
	free(st->search);
	free(st->cur_name);
	tui_marks_clear(&st->marks);
	free(st);
}

static void findings_draw(struct app *app, struct screen *s, WINDOW *w, int rows, int cols)
{
	struct findings_state *st = s->state;
	int cw = 14, confw = 5, mw = 11, aw = 16, stw = 10;
	int name_w = cols - cw - confw - mw - aw - stw - 6;
	char buf[64];

	/* the data under us was reloaded (scan, decision): rebuild */
	if (st->built_gen != app->review_gen)
		rebuild(app, st);
	if (st->marks.n)
		snprintf(s->title, sizeof(s->title),
			 "Findings: %zu shown, %zu marked (filter %s, sort %s)", st->nrows,
			 st->marks.n, filter_names[st->filter], sort_names[st->sort]);
	else
		snprintf(s->title, sizeof(s->title), "Findings: %zu shown (filter %s, sort %s)",
			 st->nrows, filter_names[st->filter], sort_names[st->sort]);
	if (!app->have_scan) {
		tui_put(w, 1, 2, cols - 4, A_NORMAL, "No scan yet.", UW_LEFT);
		tui_put(w, 2, 2, cols - 4, theme_attr(ROLE_DIM),
			"Press s (or :scan) to sample every table for personal data.", UW_LEFT);
		return;
	}
	if (name_w < 16) {
		mw = 0;
		name_w = cols - cw - confw - aw - stw - 5;
	}
	{
		int x = 0;

		tui_put(w, 0, x, name_w + 1, theme_attr(ROLE_HEADER), " Column", UW_LEFT);
		x += name_w + 1;
		tui_put(w, 0, x, cw + 1, theme_attr(ROLE_HEADER), "Category", UW_LEFT);
		x += cw + 1;
		tui_put(w, 0, x, confw + 1, theme_attr(ROLE_HEADER), "Conf", UW_LEFT);
		x += confw + 1;
		if (mw) {
			tui_put(w, 0, x, mw + 1, theme_attr(ROLE_HEADER), "Matched", UW_LEFT);
			x += mw + 1;
		}
		tui_put(w, 0, x, aw + 1, theme_attr(ROLE_HEADER), "Action", UW_LEFT);
		x += aw + 1;
		tui_put(w, 0, x, cols - x, theme_attr(ROLE_HEADER), "State", UW_LEFT);
	}
	tui_list_set_height(&st->list, rows - 1);
	remember_cursor(st);
	for (int y = 0; y < rows - 1; y++) {
		size_t i = tui_list_row_at(&st->list, y);
		const struct scan_finding *f;
		const struct rule *r;
		struct strbuf name = STRBUF_INIT;
		bool sel;
		attr_t a;
		int x = 0;

		if (i == (size_t)-1)
			break;
		f = st->rows[i];
		r = app_rule_for(app, f->schema, f->table, f->column);
		sel = i == st->list.cur;
		a = sel ? theme_attr(ROLE_CURSOR) : A_NORMAL;
		if (st->marks.n) {
			char *full = finding_column(f);

			strbuf_addch(&name, tui_marks_has(&st->marks, full) ? '*' : ' ');
			free(full);
		} else {
			strbuf_addch(&name, ' ');
		}
		strbuf_addf(&name, "%s.%s", f->table, f->column);
		if (f->rank > 1)
			strbuf_addstr(&name, " (2nd)");
		tui_putn(w, y + 1, x, name_w, a, name.buf, name.len, UW_LEFT);
		tui_fill(w, y + 1, x + name_w, 1, a);
		x += name_w + 1;
		tui_put(w, y + 1, x, cw, sel ? a : theme_attr(ROLE_SENSITIVE),
			f->category, UW_LEFT);
		tui_fill(w, y + 1, x + cw, 1, a);
		x += cw + 1;
		snprintf(buf, sizeof(buf), "%.2f", f->confidence);
		tui_put(w, y + 1, x, confw + 1, a, buf, UW_LEFT);
		x += confw + 1;
		if (mw) {
			snprintf(buf, sizeof(buf), "%lld/%lld", (long long)f->matched,
				 (long long)f->sampled);
			tui_put(w, y + 1, x, mw, sel ? a : theme_attr(ROLE_DIM), buf, UW_LEFT);
			tui_fill(w, y + 1, x + mw, 1, a);
			x += mw + 1;
		}
		tui_put(w, y + 1, x, aw, a, r ? r->action : (f->action ? f->action : ""),
			UW_LEFT);
		tui_fill(w, y + 1, x + aw, 1, a);
		x += aw + 1;
		tui_put(w, y + 1, x, cols - x, sel ? a : theme_attr(app_state_role(r)),
			r ? rule_state_name(r->state) : "-", UW_LEFT);
		strbuf_release(&name);
	}
	if (!st->nrows)
		tui_put(w, 2, 2, cols - 4, theme_attr(ROLE_DIM),
			"Nothing matches this filter (F: next filter).", UW_LEFT);
}

static int do_search(struct app *app, struct findings_state *st, int dir)
{
	size_t n = st->nrows;

	if (!st->search) {
		app_message(app, MSG_WARN, "no search yet: / starts one");
		return TUI_HANDLED;
	}
	for (size_t k = 1; k <= n; k++) {
		size_t i = dir > 0 ? (st->list.cur + k) % n : (st->list.cur + n - k) % n;
		const struct scan_finding *f = st->rows[i];

		char *both = xasprintf("%s.%s", f->table, f->column);
		bool hit = strcasestr(both, st->search) || strcasestr(f->category, st->search);

		free(both);
		if (hit) {
			tui_list_goto(&st->list, i);
			return TUI_HANDLED;
		}
	}
	app_message(app, MSG_WARN, "no finding matches");
	return TUI_HANDLED;
}

static int pick(const char *const *names, int n, const char *arg, int cur)
{
	if (!arg)
		return (cur + 1) % n;
	for (int i = 0; i < n; i++)
		if (str_eq(names[i], arg))
			return i;
	return -1;
}

static int findings_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct findings_state *st = s->state;
	const struct scan_finding *f;
	char *col;
	int v;

	/* an earlier key of this batch reloaded the findings under us */
	if (st->built_gen != app->review_gen)
		rebuild(app, st);
	f = st->nrows ? st->rows[st->list.cur] : NULL;

	if (ev->cmd == CMD_NONE && ev->mouse != MOUSE_NONE) {
		size_t i;

		if (ev->mouse == MOUSE_WHEEL_UP || ev->mouse == MOUSE_WHEEL_DOWN) {
			tui_list_scroll(&st->list, ev->mouse == MOUSE_WHEEL_UP ? -3 : 3);
			return TUI_HANDLED;
		}
		i = tui_list_row_at(&st->list, ev->y - 1);
		if (i != (size_t)-1) {
			tui_list_goto(&st->list, i);
			if (ev->mouse == MOUSE_DOUBLE)
				screen_column_show(app, st->rows[i]->schema, st->rows[i]->table,
						   st->rows[i]->column);
		}
		return TUI_HANDLED;
	}
	if (tui_list_command(&st->list, ev->cmd))
		return TUI_HANDLED;
	switch (ev->cmd) {
	case CMD_ENTER:
	case CMD_RIGHT:
	case CMD_COLUMN:
		if (f && !ev->arg)
			screen_column_show(app, f->schema, f->table, f->column);
		return f || !ev->arg ? TUI_HANDLED : TUI_IGNORED;
	case CMD_SORT:
		v = pick(sort_names, SORT__COUNT, ev->arg, (int)st->sort);
		if (v < 0) {
			app_message(app, MSG_ERROR, "sort by confidence, category or table");
			return TUI_HANDLED;
		}
		st->sort = (enum sort_key)v;
		rebuild(app, st);
		return TUI_HANDLED;
	case CMD_FILTER:
		v = pick(filter_names, FILTER__COUNT, ev->arg, (int)st->filter);
		if (v < 0) {
			app_message(app, MSG_ERROR, "filter: all, unreviewed, high or changed");
			return TUI_HANDLED;
		}
		st->filter = (enum filter_key)v;
		tui_list_goto(&st->list, 0);
		rebuild(app, st);
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
	case CMD_MARK:
		if (!f)
			return TUI_HANDLED;
		col = finding_column(f);
		tui_marks_toggle(&st->marks, col);
		free(col);
		tui_list_move(&st->list, 1);
		app_message(app, MSG_INFO, "%zu column%s marked (a, x, :action apply to them)",
			    st->marks.n, st->marks.n == 1 ? "" : "s");
		return TUI_HANDLED;
	case CMD_MARK_ALL: {
		size_t had = 0;

		for (size_t i = 0; i < st->nrows; i++) {
			col = finding_column(st->rows[i]);
			had += tui_marks_has(&st->marks, col);
			free(col);
		}
		if (st->nrows && had == st->nrows) {
			tui_marks_clear(&st->marks);
			app_message(app, MSG_INFO, "marks cleared");
		} else {
			char **names = xcalloc(st->nrows + 1, sizeof(*names));

			for (size_t i = 0; i < st->nrows; i++)
				names[i] = finding_column(st->rows[i]);
			tui_marks_add_owned(&st->marks, names, st->nrows);
			free(names);
			app_message(app, MSG_INFO, "%zu columns marked (a, x, :action apply to them; * again unmarks)",
				    st->marks.n);
		}
		return TUI_HANDLED;
	}
	case CMD_BACK:
		if (!st->marks.n)
			return TUI_IGNORED;
		tui_marks_clear(&st->marks);
		app_message(app, MSG_INFO, "marks cleared");
		return TUI_HANDLED;
	case CMD_APPROVE:
	case CMD_REJECT:
	case CMD_ACTION:
		if (st->marks.n) {
			if (app_review_bulk(app, ev->cmd, st->marks.names, st->marks.n, ev->arg) >= 0)
				tui_marks_clear(&st->marks);
			return TUI_HANDLED;
		}
		if (!f)
			return TUI_HANDLED;
		if (ev->cmd == CMD_ACTION) {
			col = finding_column(f);
			app_review_set_action(app, col, ev->arg);
			free(col);
			return TUI_HANDLED;
		}
		col = xasprintf("%s.%s.%s", f->schema, f->table, f->column);
		app_review_decide(app, ev->cmd, col, ev->arg);
		free(col);
		return TUI_HANDLED;
	case CMD_APPROVE_TABLE:
		if (f)
			app_review_approve_table(app, f->schema, f->table);
		return TUI_HANDLED;
	case CMD_PREVIEW:
		if (!f || ev->arg)
			return TUI_IGNORED;
		screen_preview_show(app, f->schema, f->table);
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

const struct screen_ops screen_findings = {
	.name = "findings",
	.open = findings_open,
	.draw = findings_draw,
	.handle = findings_handle,
	.close = findings_close,
	.hints = "Enter:open Space:mark a:approve x:reject O:sort F:filter",
};

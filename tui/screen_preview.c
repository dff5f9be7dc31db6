/*
 * screen_preview.c - original | masked, side by side, for sample rows of
 * one table under the current rules (approved or not), with the same spec
 * resolution as the runner and `maskbench preview` (job_spec_for: masked
 * keys propagate to the columns that reference them).
 *
 * Values are data: kept in this screen only, wiped on close.
 */
#include "config.h"

#include <stdlib.h>

#include "core/job.h"
#include "core/mask.h"
#include "core/util.h"
#include "tui/app.h"
#include "tui/cmd_plan.h"

#define PREVIEW_ROWS 10

struct preview_state {
	char *schema, *table;
	struct fetch_result *fr;
	char **masked;          /* per cell; NULL: SQL NULL or kept */
	bool *is_masked;        /* per column */
	char **actions;         /* per column, owned */
	int state;              /* 0 ask, 1 asked, 2 here, -1 failed */
	char error[1400];
	unsigned tag;
	struct tui_list list;   /* over lines: per row a heading + its columns */
	bool key_demo;
};

static unsigned next_tag;

static void free_masked(struct preview_state *st)
{
	size_t n = st->fr ? st->fr->nrows * st->fr->ncols : 0;

	for (size_t i = 0; st->masked && i < n; i++)
		if (st->masked[i]) {
			secure_zero(st->masked[i], strlen(st->masked[i]));
			free(st->masked[i]);
		}
	free(st->masked);
	st->masked = NULL;
	for (size_t c = 0; st->actions && st->fr && c < st->fr->ncols; c++)
		free(st->actions[c]);
	free(st->actions);
	st->actions = NULL;
	free(st->is_masked);
	st->is_masked = NULL;
}

static int preview_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct preview_state *st = xcalloc(1, sizeof(*st));

	(void)app;
	(void)err;
	tui_list_init(&st->list);
	s->state = st;
	return 0;
}

static void preview_close(struct app *app, struct screen *s)
{
	struct preview_state *st = s->state;

	(void)app;
	free_masked(st);
	fetch_result_free(st->fr);
	free(st->schema);
	free(st->table);
	free(st);
}

/* Masks every cell under the workspace's rules. */
static void mask_all(struct app *app, struct preview_state *st)
{
	struct mb_err err = MB_ERR_INIT;
	struct job_rules jr;
	struct mask_key *key = NULL;
	struct strbuf out = STRBUF_INIT;
	const struct cat_table *t = catalog_find_table(&app->cat, st->schema, st->table);
	size_t nc = st->fr->ncols;

	st->masked = xcalloc(st->fr->nrows * nc + 1, sizeof(*st->masked));
	st->is_masked = xcalloc(nc + 1, sizeof(*st->is_masked));
	st->actions = xcalloc(nc + 1, sizeof(*st->actions));
	if (!t || !app_ws(app) || job_rules_load(app->ws, &jr, &err) < 0) {
		snprintf(st->error, sizeof(st->error), "%s",
			 !t ? "table not in the catalog" : err.msg[0] ? err.msg : "the workspace is busy");
		return;
	}
	{
		struct job_options o = { .rules = jr.rules, .nrules = jr.nrules };

		for (size_t c = 0; c < nc && c < t->ncols; c++) {
			const struct mask_spec *spec = job_spec_for(&app->cat, &o, t, c);
			struct masker *m;

			st->actions[c] = xstrdup(spec ? spec->action : "keep");
			if (!spec)
				continue;
			if (!key && !(key = app_key(app, &st->key_demo, &err))) {
				snprintf(st->error, sizeof(st->error), "%s", err.msg);
				break;
			}
			if (!(m = masker_new(spec, key, &err))) {
				snprintf(st->error, sizeof(st->error), "%s.%s: %s", t->name,
					 t->cols[c].name, err.msg);
				continue;
			}
			st->is_masked[c] = true;
			for (size_t r = 0; r < st->fr->nrows; r++) {
				size_t at = r * nc + c;
				bool is_null = false;

				if (masker_needs_row_context(m) && !masker_entity_column(m)) {
					st->masked[at] = xstrdup("(computed at run time)");
					continue;
				}
				if (masker_apply(m, st->fr->cells[at], st->fr->lens[at], &out,
						 &is_null, &err) < 0)
					break;
				st->masked[at] = is_null ? NULL : xstrndup(out.buf, out.len);
			}
			masker_free(m);
		}
	}
	secure_zero(out.buf, out.len);
	strbuf_release(&out);
	mask_key_free(key);
	job_rules_release(&jr);
}

static void rows_arrived(struct app *app, unsigned tag, struct fetch_result *fr, int rc,
			 const struct mb_err *err)
{
	struct screen *s = app_find(app, &screen_preview);
	struct preview_state *st = s ? s->state : NULL;

	if (!st || st->tag != tag) {
		fetch_result_free(fr);
		return;
	}
	if (rc < 0) {
		st->state = -1;
		snprintf(st->error, sizeof(st->error), "%s", err->msg);
		return;
	}
	free_masked(st);
	fetch_result_free(st->fr);
	st->fr = fr;
	st->state = 2;
	mask_all(app, st);
	tui_list_set_count(&st->list, fr->nrows * (fr->ncols + 1));
}

static void ask_rows(struct app *app, struct preview_state *st)
{
	const struct cat_table *t = catalog_find_table(&app->cat, st->schema, st->table);
	struct strbuf sql = STRBUF_INIT;

	if (!t || app_busy(app) || !app->conn)
		return;
	strbuf_addstr(&sql, "SELECT ");
	for (size_t c = 0; c < t->ncols; c++) {
		if (c)
			strbuf_addstr(&sql, ", ");
		db_quote_ident(app->conn, &sql, t->cols[c].name);
	}
	strbuf_addstr(&sql, " FROM ");
	db_quote_table(app->conn, &sql, t->schema, t->name);
	strbuf_addf(&sql, " LIMIT %d", PREVIEW_ROWS);
	st->tag = ++next_tag;
	if (app_fetch(app, sql.buf, PREVIEW_ROWS, rows_arrived, st->tag) == 0)
		st->state = 1;
	strbuf_release(&sql);
}

static void preview_draw(struct app *app, struct screen *s, WINDOW *w, int rows, int cols)
{
	struct preview_state *st = s->state;
	int nw = 18, aw = 12, half = (cols - nw - aw - 5) / 2;
	size_t nc;

	if (st->state == 0)
		ask_rows(app, st);
	snprintf(s->title, sizeof(s->title), "Preview %s.%s%s", st->schema, st->table,
		 st->key_demo ? " (demo key)" : "");
	if (st->state != 2) {
		tui_put_wrapped(w, 1, 2, cols - 4, 3,
				st->state == -1 ? theme_attr(ROLE_ERROR) : theme_attr(ROLE_DIM),
				st->state == -1 ? st->error : "reading sample rows...");
		return;
	}
	nc = st->fr->ncols;
	tui_put(w, 0, 0, nw + 1, theme_attr(ROLE_HEADER), " Column", UW_LEFT);
	tui_put(w, 0, nw + 1, aw + 1, theme_attr(ROLE_HEADER), "Action", UW_LEFT);
	tui_put(w, 0, nw + aw + 2, half + 1, theme_attr(ROLE_HEADER), "Original", UW_LEFT);
	tui_put(w, 0, nw + aw + half + 3, cols - (nw + aw + half + 3), theme_attr(ROLE_HEADER),
		"Masked", UW_LEFT);
	tui_list_set_height(&st->list, rows - 1 - (st->error[0] ? 1 : 0));
	for (int y = 0; y < st->list.height; y++) {
		size_t i = tui_list_row_at(&st->list, y), r, c, at;
		bool sel;
		attr_t a;
		char head[64];

		if (i == (size_t)-1)
			break;
		r = i / (nc + 1);
		c = i % (nc + 1);
		sel = i == st->list.cur;
		a = sel ? theme_attr(ROLE_CURSOR) : A_NORMAL;
		if (c == 0) {
			snprintf(head, sizeof(head), " row %zu", r + 1);
			tui_put(w, y + 1, 0, cols, sel ? a : theme_attr(ROLE_SCHEMA), head, UW_LEFT);
			continue;
		}
		c--;
		at = r * nc + c;
		tui_put(w, y + 1, 0, 1, a, "", UW_LEFT);
		tui_put(w, y + 1, 1, nw, a, st->fr->names[c], UW_LEFT);
		tui_put(w, y + 1, nw + 1, aw + 1, sel ? a : theme_attr(ROLE_DIM),
			st->actions[c] ? st->actions[c] : "", UW_LEFT);
		if (st->fr->cells[at])
			tui_putn(w, y + 1, nw + aw + 2, half, a, st->fr->cells[at],
				 st->fr->lens[at], UW_LEFT);
		else
			tui_put(w, y + 1, nw + aw + 2, half, sel ? a : theme_attr(ROLE_DIM), "NULL",
				UW_LEFT);
		tui_put(w, y + 1, nw + aw + 2 + half, 1, a, st->is_masked[c] ? "|" : "", UW_LEFT);
		if (!st->is_masked[c])
			tui_put(w, y + 1, nw + aw + half + 3, cols - (nw + aw + half + 3), a,
				"", UW_LEFT);
		else if (st->masked[at])
			tui_put(w, y + 1, nw + aw + half + 3, cols - (nw + aw + half + 3),
				sel ? a : theme_attr(ROLE_OK), st->masked[at], UW_LEFT);
		else
			tui_put(w, y + 1, nw + aw + half + 3, cols - (nw + aw + half + 3),
				sel ? a : theme_attr(ROLE_DIM), "NULL", UW_LEFT);
	}
	if (st->error[0])
		tui_put(w, rows - 1, 0, cols, theme_attr(ROLE_ERROR), st->error, UW_LEFT);
}

static int preview_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct preview_state *st = s->state;

	(void)app;
	if (ev->cmd == CMD_NONE && (ev->mouse == MOUSE_WHEEL_UP || ev->mouse == MOUSE_WHEEL_DOWN)) {
		tui_list_scroll(&st->list, ev->mouse == MOUSE_WHEEL_UP ? -3 : 3);
		return TUI_HANDLED;
	}
	if (tui_list_command(&st->list, ev->cmd))
		return TUI_HANDLED;
	if (ev->cmd == CMD_REDRAW) {
		/* read fresh rows and re-mask under the current rules */
		st->state = 0;
		return TUI_IGNORED;
	}
	return TUI_IGNORED;
}

const struct screen_ops screen_preview = {
	.name = "preview",
	.open = preview_open,
	.draw = preview_draw,
	.handle = preview_handle,
	.close = preview_close,
	.hints = "q:back ^L:reload",
};

void screen_preview_show(struct app *app, const char *schema, const char *table)
{
	struct preview_state *st;

	if (app_find(app, &screen_preview)) {
		while (app_top(app)->ops != &screen_preview)
			app_pop(app);
		app_pop(app);
	}
	if (app_push(app, &screen_preview) < 0)
		return;
	st = app_top(app)->state;
	st->schema = xstrdup(schema);
	st->table = xstrdup(table);
}

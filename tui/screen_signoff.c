/*
 * screen_signoff.c - the security reviewer's page: who is reviewing, the
 * counts by state, who signed off how much (rules_signoffs), and the open
 * items (unreviewed and proposed columns) to walk one by one. W writes
 * the report (rules_report_markdown), :approve-all approves what is open.
 */
#include "config.h"

#include <stdlib.h>

#include "core/util.h"
#include "tui/app.h"

struct signoff_state {
	const struct rule **open;   /* into app->rules */
	size_t nopen;
	size_t counts[4];
	struct rules_signoff *who;
	size_t nwho;
	struct tui_list list;
	unsigned built_gen;
	bool built;
	int list_y;
};

static void rebuild(struct app *app, struct signoff_state *st)
{
	struct mb_err err = MB_ERR_INIT;

	if (!app_ws(app))
		return;
	free(st->open);
	st->open = xcalloc(app->rules.n + 1, sizeof(*st->open));
	st->nopen = 0;
	memset(st->counts, 0, sizeof(st->counts));
	for (size_t i = 0; i < app->rules.n; i++) {
		const struct rule *r = &app->rules.items[i];

		if ((int)r->state >= 0 && r->state <= RULE_REJECTED)
			st->counts[r->state]++;
		if (r->state == RULE_UNREVIEWED || r->state == RULE_PROPOSED)
			st->open[st->nopen++] = r;
	}
	rules_signoffs_free(st->who, st->nwho);
	st->who = NULL;
	st->nwho = 0;
	if (rules_signoffs(app->ws, &st->who, &st->nwho, &err) < 0)
		app_error(app, &err);
	tui_list_set_count(&st->list, st->nopen);
	st->built_gen = app->review_gen;
	st->built = true;
}

static int signoff_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct signoff_state *st = xcalloc(1, sizeof(*st));

	(void)app;
	(void)err;
	tui_list_init(&st->list);
	s->state = st;
	return 0;
}

static void signoff_close(struct app *app, struct screen *s)
{
	struct signoff_state *st = s->state;

	(void)app;
	free(st->open);
	rules_signoffs_free(st->who, st->nwho);
	free(st);
}

static void signoff_draw(struct app *app, struct screen *s, WINDOW *w, int rows, int cols)
{
	struct signoff_state *st = s->state;
	struct strbuf sb = STRBUF_INIT;
	int y = 1;

	if (!st->built || st->built_gen != app->review_gen)
		rebuild(app, st);
	snprintf(s->title, sizeof(s->title), "Sign-off: %zu open of %zu columns", st->nopen,
		 app->rules.n);
	strbuf_addf(&sb, " Reviewing as %s", rules_reviewer(NULL));
	if (app->ws && rules_two_person(app->ws))
		strbuf_addstr(&sb, " (two-person rule on: nobody approves their own change)");
	tui_putn(w, y++, 0, cols, A_BOLD, sb.buf, sb.len, UW_LEFT);
	strbuf_reset(&sb);
	strbuf_addf(&sb, " %zu approved   %zu rejected   %zu proposed   %zu unreviewed",
		    st->counts[RULE_APPROVED], st->counts[RULE_REJECTED],
		    st->counts[RULE_PROPOSED], st->counts[RULE_UNREVIEWED]);
	tui_putn(w, y++, 0, cols, A_NORMAL, sb.buf, sb.len, UW_LEFT);
	{
		size_t total = app->rules.n ? app->rules.n : 1;

		tui_bar(w, y++, 1, cols - 2,
			(double)(st->counts[RULE_APPROVED] + st->counts[RULE_REJECTED]) / (double)total,
			theme_attr(ROLE_BAR));
	}
	y++;
	tui_put(w, y++, 0, cols, theme_attr(ROLE_HEADER), " Signed off", UW_LEFT);
	if (!st->nwho)
		tui_put(w, y++, 2, cols - 2, theme_attr(ROLE_DIM), "nobody yet", UW_LEFT);
	for (size_t i = 0; i < st->nwho && y < rows / 2; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s: %zu approved, %zu rejected, last %s", st->who[i].reviewer,
			    st->who[i].approved, st->who[i].rejected,
			    st->who[i].last_at ? st->who[i].last_at : "-");
		tui_putn(w, y++, 2, cols - 2, A_NORMAL, sb.buf, sb.len, UW_LEFT);
	}
	y++;
	tui_put(w, y++, 0, cols, theme_attr(ROLE_HEADER),
		" Open items (Enter opens, a approves, x rejects; W writes the report)", UW_LEFT);
	st->list_y = y;
	tui_list_set_height(&st->list, rows - y);
	for (int i = 0; i < st->list.height; i++) {
		size_t k = tui_list_row_at(&st->list, i);
		const struct rule *r;
		bool sel;

		if (k == (size_t)-1)
			break;
		r = st->open[k];
		sel = k == st->list.cur;
		strbuf_reset(&sb);
		strbuf_addf(&sb, " %s.%s.%s", r->schema, r->table, r->column);
		tui_putn(w, y + i, 0, cols / 2, sel ? theme_attr(ROLE_CURSOR) : A_NORMAL,
			 sb.buf, sb.len, UW_LEFT);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s %s%s%s", rule_state_name(r->state), r->action,
			    r->category ? " / " : "", r->category ? r->category : "");
		tui_putn(w, y + i, cols / 2, cols - cols / 2,
			 sel ? theme_attr(ROLE_CURSOR) : theme_attr(ROLE_WARN), sb.buf, sb.len,
			 UW_LEFT);
	}
	if (!st->nopen)
		tui_put(w, y, 2, cols - 2, theme_attr(ROLE_OK), "nothing open: every column is decided",
			UW_LEFT);
	strbuf_release(&sb);
}

static int signoff_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct signoff_state *st = s->state;
	const struct rule *r = st->nopen ? st->open[st->list.cur] : NULL;
	char *col;

	if (ev->cmd == CMD_NONE && ev->mouse != MOUSE_NONE) {
		size_t k;

		if (ev->mouse == MOUSE_WHEEL_UP || ev->mouse == MOUSE_WHEEL_DOWN) {
			tui_list_scroll(&st->list, ev->mouse == MOUSE_WHEEL_UP ? -3 : 3);
			return TUI_HANDLED;
		}
		k = tui_list_row_at(&st->list, ev->y - st->list_y);
		if (k != (size_t)-1) {
			tui_list_goto(&st->list, k);
			if (ev->mouse == MOUSE_DOUBLE)
				screen_column_show(app, st->open[k]->schema, st->open[k]->table,
						   st->open[k]->column);
		}
		return TUI_HANDLED;
	}
	if (tui_list_command(&st->list, ev->cmd))
		return TUI_HANDLED;
	switch (ev->cmd) {
	case CMD_ENTER:
	case CMD_RIGHT:
		if (r)
			screen_column_show(app, r->schema, r->table, r->column);
		return TUI_HANDLED;
	case CMD_APPROVE:
	case CMD_REJECT:
		if (!r)
			return TUI_HANDLED;
		col = rule_display(r);
		app_review_decide(app, ev->cmd, col, ev->arg);
		free(col);
		return TUI_HANDLED;
	case CMD_APPROVE_TABLE:
		if (r) {
			char *schema = xstrdup(r->schema), *table = xstrdup(r->table);

			app_review_approve_table(app, schema, table);
			free(schema);
			free(table);
		}
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

const struct screen_ops screen_signoff = {
	.name = "signoff",
	.open = signoff_open,
	.draw = signoff_draw,
	.handle = signoff_handle,
	.close = signoff_close,
	.hints = "Enter:open a:approve W:report",
};

/*
 * screen_column.c - one column: its finding (evidence, redacted shapes),
 * its rule and history from the audit trail, and the rule editor: an
 * action picker (mask_action_names()), the action's parameters as a form,
 * and a live preview of sampled values masked with masker_apply() as the
 * picker moves or a parameter changes. Enter saves (rules_set), a / x
 * approve / reject (rules_approve / rules_reject).
 *
 * Sampled values are data: they stay in this screen's memory (wiped on
 * close) and on the screen, escaped; nothing is logged or stored.
 */
#include "config.h"

#include <stdlib.h>

#include "core/mask.h"
#include "core/util.h"
#include "rules/audit.h"
#include "tui/app.h"

#define NSAMPLES 8
#define LIST_W 22

struct column_state {
	char *schema, *table, *column, *display;
	char *type;
	bool nullable;
	const char *const *actions;
	size_t nactions;
	struct tui_list picker;
	const struct mask_action_info *info;   /* of the picked action */
	struct tui_field *fields;              /* one per parameter */
	size_t nfields;
	int focus;                             /* 0: picker, i + 1: field i */
	int picker_y;                          /* body row of the picker's first item */
	/* samples */
	struct fetch_result *samples;
	int samples_state;                     /* 0 to ask, 1 asked, 2 here, -1 failed */
	char samples_error[1100];
	unsigned tag;
	/* preview */
	struct mask_key *key;
	bool key_demo;
	char key_error[1100];
	struct strbuf preview_for;             /* action + params it was built for */
	char **masked;                         /* per sample; NULL = SQL NULL */
	char preview_error[1100];
	/* history */
	struct strbuf history;                 /* lines */
	unsigned built_gen;
};

static unsigned next_tag;

static void clear_masked(struct column_state *st)
{
	if (!st->masked)
		return;
	for (size_t i = 0; st->samples && i < st->samples->nrows; i++) {
		if (st->masked[i]) {
			secure_zero(st->masked[i], strlen(st->masked[i]));
			free(st->masked[i]);
		}
	}
	free(st->masked);
	st->masked = NULL;
}

static void release_fields(struct column_state *st)
{
	for (size_t i = 0; i < st->nfields; i++)
		tui_field_release(&st->fields[i]);
	free(st->fields);
	st->fields = NULL;
	st->nfields = 0;
}

/* Builds the form of the picked action, values from `spec` when given. */
static void pick_action(struct column_state *st, const struct mask_spec *spec)
{
	const char *name = st->nactions ? st->actions[st->picker.cur] : NULL;

	release_fields(st);
	st->info = name ? mask_action_info(name) : NULL;
	if (!st->info || !st->info->params)
		return;
	for (const struct mask_param_info *p = st->info->params; p->name; p++)
		st->nfields++;
	st->fields = xcalloc(st->nfields + 1, sizeof(*st->fields));
	for (size_t i = 0; i < st->nfields; i++) {
		const char *v = spec ? mask_spec_param(spec, st->info->params[i].name) : NULL;

		tui_field_init(&st->fields[i], false);
		if (v)
			tui_field_set(&st->fields[i], v);
	}
}

/* The spec the editor shows now: picked action + non-empty fields. */
static void current_spec(const struct column_state *st, struct mask_spec *spec)
{
	mask_spec_set_action(spec, st->nactions ? st->actions[st->picker.cur] : "keep");
	for (size_t i = 0; i < st->nfields; i++)
		if (st->fields[i].text.len && st->info->params[i].name[0] != '$')
			mask_spec_set_param(spec, st->info->params[i].name,
					    st->fields[i].text.buf);
}

static void load_history(struct app *app, struct column_state *st)
{
	struct mb_err err = MB_ERR_INIT;
	struct audit_row *rows = NULL;
	size_t n = 0;

	strbuf_reset(&st->history);
	if (!app_ws(app)) {
		strbuf_addstr(&st->history, "history: the workspace is busy\n");
		return;
	}
	if (audit_list(app->ws, st->display, &rows, &n, &err) < 0) {
		strbuf_addf(&st->history, "history unavailable: %s\n", err.msg);
		return;
	}
	/* newest first */
	for (size_t i = n; i-- > 0;) {
		strbuf_addf(&st->history, "%.16s %s %s: ", rows[i].at ? rows[i].at : "",
			    rows[i].who ? rows[i].who : "", rows[i].event ? rows[i].event : "");
		audit_describe(app->ws, &rows[i], &st->history);
		strbuf_addch(&st->history, '\n');
	}
	if (!n)
		strbuf_addstr(&st->history, "no changes recorded yet\n");
	audit_rows_free(rows, n);
}

/* Puts the picker on the rule's action and fills the form from its params. */
static void sync_from_rule(struct app *app, struct column_state *st)
{
	const struct rule *r = app_rule_for(app, st->schema, st->table, st->column);
	struct mask_spec spec;
	struct mb_err err = MB_ERR_INIT;

	mask_spec_init(&spec);
	if (r) {
		for (size_t i = 0; i < st->nactions; i++)
			if (str_eq(st->actions[i], r->action))
				tui_list_goto(&st->picker, i);
		mask_spec_params_from_json(&spec, r->params, &err);
	}
	pick_action(st, &spec);
	mask_spec_release(&spec);
	load_history(app, st);
	st->built_gen = app->review_gen;
}

static int column_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct column_state *st = xcalloc(1, sizeof(*st));
	struct mb_err kerr = MB_ERR_INIT;

	(void)app;
	(void)err;
	tui_list_init(&st->picker);
	strbuf_init(&st->history, 0);
	strbuf_init(&st->preview_for, 0);
	st->actions = mask_action_names();
	while (st->actions[st->nactions])
		st->nactions++;
	tui_list_set_count(&st->picker, st->nactions);
	st->key = app_key(app, &st->key_demo, &kerr);
	if (!st->key)
		snprintf(st->key_error, sizeof(st->key_error), "%s", kerr.msg);
	s->state = st;
	return 0;
}

static void column_close(struct app *app, struct screen *s)
{
	struct column_state *st = s->state;

	(void)app;
	clear_masked(st);
	fetch_result_free(st->samples);
	release_fields(st);
	mask_key_free(st->key);
	strbuf_release(&st->history);
	strbuf_release(&st->preview_for);
	free(st->schema);
	free(st->table);
	free(st->column);
	free(st->display);
	free(st->type);
	free(st);
}

static void samples_arrived(struct app *app, unsigned tag, struct fetch_result *fr,
			    int rc, const struct mb_err *err)
{
	struct screen *s = app_find(app, &screen_column);
	struct column_state *st = s ? s->state : NULL;

	if (!st || st->tag != tag) {
		fetch_result_free(fr);
		return;
	}
	if (rc < 0) {
		st->samples_state = -1;
		snprintf(st->samples_error, sizeof(st->samples_error), "%s", err->msg);
		return;
	}
	clear_masked(st);
	fetch_result_free(st->samples);
	st->samples = fr;
	st->samples_state = 2;
	strbuf_reset(&st->preview_for);
}

static void ask_samples(struct app *app, struct column_state *st)
{
	struct strbuf sql = STRBUF_INIT;

	if (app_busy(app) || !app->conn)
		return;
	strbuf_addstr(&sql, "SELECT ");
	db_quote_ident(app->conn, &sql, st->column);
	strbuf_addstr(&sql, " FROM ");
	db_quote_table(app->conn, &sql, st->schema, st->table);
	strbuf_addstr(&sql, " WHERE ");
	db_quote_ident(app->conn, &sql, st->column);
	strbuf_addf(&sql, " IS NOT NULL LIMIT %d", NSAMPLES);
	st->tag = ++next_tag;
	if (app_fetch(app, sql.buf, NSAMPLES, samples_arrived, st->tag) == 0)
		st->samples_state = 1;
	strbuf_release(&sql);
}

/* Masks the samples under the current spec when it changed. */
static void update_preview(struct column_state *st)
{
	struct mask_spec spec;
	struct strbuf key = STRBUF_INIT, out = STRBUF_INIT;
	struct mb_err err = MB_ERR_INIT;
	struct masker *m = NULL;

	if (st->samples_state != 2 || !st->key)
		return;
	mask_spec_init(&spec);
	current_spec(st, &spec);
	strbuf_addstr(&key, spec.action);
	mask_spec_params_json(&spec, &key);
	if (str_eq(key.buf, st->preview_for.buf) && st->masked)
		goto cleanup;
	strbuf_reset(&st->preview_for);
	strbuf_add(&st->preview_for, key.buf, key.len);
	clear_masked(st);
	st->preview_error[0] = '\0';
	if (mask_spec_check(&spec, st->display, st->type, st->nullable, &err) < 0 ||
	    !(m = masker_new(&spec, st->key, &err))) {
		snprintf(st->preview_error, sizeof(st->preview_error), "%s", err.msg);
		goto cleanup;
	}
	if (masker_needs_row_context(m) && !masker_entity_column(m)) {
		snprintf(st->preview_error, sizeof(st->preview_error),
			 "%s is computed over the whole column or by the engine at run time",
			 spec.action);
		goto cleanup;
	}
	st->masked = xcalloc(st->samples->nrows + 1, sizeof(*st->masked));
	for (size_t i = 0; i < st->samples->nrows; i++) {
		bool is_null = false;
		const char *v = st->samples->cells[i * st->samples->ncols];
		size_t len = st->samples->lens[i * st->samples->ncols];

		if (masker_apply(m, v, len, &out, &is_null, &err) < 0) {
			snprintf(st->preview_error, sizeof(st->preview_error), "%s", err.msg);
			break;
		}
		st->masked[i] = is_null ? NULL : xstrndup(out.buf, out.len);
	}
	secure_zero(out.buf, out.len);
cleanup:
	masker_free(m);
	strbuf_release(&out);
	strbuf_release(&key);
	mask_spec_release(&spec);
}

static void draw_header(struct app *app, struct column_state *st, WINDOW *w, int cols,
			int *y)
{
	const struct rule *r = app_rule_for(app, st->schema, st->table, st->column);
	const struct scan_finding *f = app_finding_for(app, st->schema, st->table, st->column);
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, " %s  %s%s", st->display, st->type ? st->type : "",
		    st->nullable ? "" : " not null");
	tui_putn(w, (*y)++, 0, cols, A_BOLD, sb.buf, sb.len, UW_LEFT);
	strbuf_reset(&sb);
	if (r) {
		strbuf_addf(&sb, " rule: %s", r->action);
		if (r->params && !str_eq(r->params, "{}"))
			strbuf_addf(&sb, " %s", r->params);
		strbuf_addf(&sb, ", category %s, %s", r->category ? r->category : "none",
			    rule_state_name(r->state));
		if (r->reviewer)
			strbuf_addf(&sb, " by %s", r->reviewer);
		if (r->note)
			strbuf_addf(&sb, " (note: %s)", r->note);
	} else {
		strbuf_addstr(&sb, " no rule yet (a view, or the rules were not synced)");
	}
	tui_putn(w, (*y)++, 0, cols, theme_attr(r ? app_state_role(r) : ROLE_DIM),
		 sb.buf, sb.len, UW_LEFT);
	strbuf_reset(&sb);
	if (f) {
		strbuf_addf(&sb, " finding: %s %.2f by %s, %lld of %lld sampled matched",
			    f->category, f->confidence, f->methods ? f->methods : "?",
			    (long long)f->matched, (long long)f->sampled);
		if (f->evidence)
			strbuf_addf(&sb, "; %s", f->evidence);
		*y += tui_put_wrapped(w, *y, 0, cols, 2, A_NORMAL, sb.buf);
	} else {
		tui_put(w, (*y)++, 0, cols, theme_attr(ROLE_DIM),
			app->have_scan ? " no finding in the latest scan"
				       : " not scanned yet (s scans)", UW_LEFT);
	}
	if (app->pending_note) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, " note for the next decision: %s", app->pending_note);
		tui_putn(w, (*y)++, 0, cols, theme_attr(ROLE_DIM), sb.buf, sb.len, UW_LEFT);
	}
	strbuf_release(&sb);
}

static void column_draw(struct app *app, struct screen *s, WINDOW *w, int rows, int cols)
{
	struct column_state *st = s->state;
	int y = 0, top, rx = LIST_W + 1, rw = cols - LIST_W - 1, ry, hist_rows;
	const char *hp;

	if (st->built_gen != app->review_gen)
		sync_from_rule(app, st);
	if (st->samples_state == 0)
		ask_samples(app, st);
	update_preview(st);
	snprintf(s->title, sizeof(s->title), "Column %s", st->display);
	draw_header(app, st, w, cols, &y);
	y++;
	top = y;
	hist_rows = rows - top > 14 ? 4 : 2;
	/* the action picker */
	tui_put(w, top, 0, LIST_W, theme_attr(ROLE_HEADER), " Action", UW_LEFT);
	tui_list_set_height(&st->picker, rows - top - 1 - hist_rows - 1);
	st->picker_y = top + 1;
	for (int i = 0; i < st->picker.height; i++) {
		size_t k = tui_list_row_at(&st->picker, i);
		bool sel;

		if (k == (size_t)-1)
			break;
		sel = k == st->picker.cur;
		tui_put(w, top + 1 + i, 0, LIST_W,
			sel ? theme_attr(st->focus == 0 ? ROLE_CURSOR : ROLE_CURSOR_DIM) : A_NORMAL,
			st->actions[k], UW_LEFT);
	}
	tui_vline(w, top, LIST_W, rows - top - hist_rows - 1, theme_attr(ROLE_BORDER));
	/* the action's help and its parameters */
	ry = top;
	if (st->info)
		ry += tui_put_wrapped(w, ry, rx + 1, rw - 1, 2, theme_attr(ROLE_DIM), st->info->help);
	for (size_t i = 0; st->info && i < st->nfields && ry < rows - hist_rows - 4; i++) {
		struct strbuf label = STRBUF_INIT;
		int cx;

		strbuf_addf(&label, "%s: ", st->info->params[i].name);
		tui_field_draw(w, ry, rx + 1, rw - 1, label.buf, &st->fields[i],
			       st->focus == (int)i + 1 ? theme_attr(ROLE_INPUT) | A_UNDERLINE
						       : A_NORMAL, &cx);
		if (st->focus == (int)i + 1) {
			s->cursor_y = ry;
			s->cursor_x = cx;
		}
		ry++;
		tui_put(w, ry++, rx + 3, rw - 3, theme_attr(ROLE_DIM), st->info->params[i].help,
			UW_LEFT);
		strbuf_release(&label);
	}
	if (!st->nfields)
		tui_put(w, ry++, rx + 1, rw - 1, theme_attr(ROLE_DIM), "(no parameters)", UW_LEFT);
	/* the live preview */
	ry++;
	{
		char head[128];

		snprintf(head, sizeof(head), "Preview%s: original -> masked",
			 st->key_demo ? " (demo key)" : "");
		tui_put(w, ry++, rx + 1, rw - 1, theme_attr(ROLE_HEADER), head, UW_LEFT);
	}
	if (!st->key) {
		tui_put_wrapped(w, ry, rx + 1, rw - 1, 2, theme_attr(ROLE_WARN), st->key_error);
	} else if (st->samples_state == -1) {
		tui_put_wrapped(w, ry, rx + 1, rw - 1, 2, theme_attr(ROLE_ERROR),
				st->samples_error);
	} else if (st->samples_state != 2) {
		tui_put(w, ry++, rx + 1, rw - 1, theme_attr(ROLE_DIM), "reading samples...", UW_LEFT);
	} else if (st->preview_error[0]) {
		tui_put_wrapped(w, ry, rx + 1, rw - 1, 3, theme_attr(ROLE_ERROR),
				st->preview_error);
	} else if (!st->samples->nrows) {
		tui_put(w, ry++, rx + 1, rw - 1, theme_attr(ROLE_DIM), "no values to sample", UW_LEFT);
	} else {
		int half = (rw - 5) / 2;

		for (size_t i = 0; i < st->samples->nrows && ry < rows - hist_rows - 1; i++, ry++) {
			const char *v = st->samples->cells[i * st->samples->ncols];
			size_t len = st->samples->lens[i * st->samples->ncols];

			tui_putn(w, ry, rx + 1, half, A_NORMAL, v, len, UW_LEFT);
			tui_put(w, ry, rx + 1 + half, 4, theme_attr(ROLE_DIM), " -> ", UW_LEFT);
			if (st->masked && st->masked[i])
				tui_put(w, ry, rx + 5 + half, rw - 5 - half, theme_attr(ROLE_OK),
					st->masked[i], UW_LEFT);
			else
				tui_put(w, ry, rx + 5 + half, rw - 5 - half, theme_attr(ROLE_DIM),
					"NULL", UW_LEFT);
		}
	}
	/* history from the audit trail */
	y = rows - hist_rows - 1;
	tui_put(w, y++, 0, cols, theme_attr(ROLE_HEADER), " History (audit trail, newest first)",
		UW_LEFT);
	hp = st->history.buf;
	for (int i = 0; i < hist_rows && *hp; i++) {
		const char *nl = strchr(hp, '\n');
		size_t n = nl ? (size_t)(nl - hp) : strlen(hp);

		tui_putn(w, y++, 1, cols - 1, theme_attr(ROLE_DIM), hp, n, UW_LEFT);
		hp += n + (nl ? 1 : 0);
	}
}

static bool column_wants_text(struct app *app, struct screen *s)
{
	struct column_state *st = s->state;

	(void)app;
	return st->focus > 0;
}

static void save(struct app *app, struct column_state *st)
{
	struct mask_spec spec;

	mask_spec_init(&spec);
	current_spec(st, &spec);
	app_review_set_spec(app, st->display, &spec);
	mask_spec_release(&spec);
}

static int column_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct column_state *st = s->state;
	size_t before = st->picker.cur;

	if (st->focus > 0) {
		struct tui_field *f = &st->fields[st->focus - 1];

		if (ev->key == '\t' || ev->key == FK(KEY_DOWN)) {
			st->focus = st->focus < (int)st->nfields ? st->focus + 1 : 0;
			return TUI_HANDLED;
		}
		if (ev->key == FK(KEY_BTAB) || ev->key == FK(KEY_UP)) {
			st->focus--;
			return TUI_HANDLED;
		}
		switch (tui_field_key(f, ev->key)) {
		case FIELD_SUBMIT:
			save(app, st);
			st->focus = 0;
			return TUI_HANDLED;
		case FIELD_CANCEL:
			st->focus = 0;
			return TUI_HANDLED;
		case FIELD_EDITED:
			return TUI_HANDLED;
		default:
			return TUI_IGNORED;
		}
	}
	if (ev->cmd == CMD_NONE && ev->mouse != MOUSE_NONE) {
		if (ev->mouse == MOUSE_WHEEL_UP || ev->mouse == MOUSE_WHEEL_DOWN)
			tui_list_scroll(&st->picker, ev->mouse == MOUSE_WHEEL_UP ? -3 : 3);
		else if (ev->x < LIST_W) {
			size_t k = tui_list_row_at(&st->picker, ev->y - st->picker_y);

			if (k != (size_t)-1)
				tui_list_goto(&st->picker, k);
			if (k != (size_t)-1 && ev->mouse == MOUSE_DOUBLE)
				save(app, st);
		}
		if (before != st->picker.cur)
			pick_action(st, NULL);
		return TUI_HANDLED;
	}
	if (tui_list_command(&st->picker, ev->cmd)) {
		if (before != st->picker.cur)
			pick_action(st, NULL);
		return TUI_HANDLED;
	}
	switch (ev->cmd) {
	case CMD_NEXT_PANE:
	case CMD_RIGHT:
		if (st->nfields)
			st->focus = 1;
		return TUI_HANDLED;
	case CMD_ENTER:
		save(app, st);
		return TUI_HANDLED;
	case CMD_ACTION:
		if (ev->arg) {
			app_review_set_action(app, st->display, ev->arg);
			return TUI_HANDLED;
		}
		return TUI_IGNORED;
	case CMD_APPROVE:
	case CMD_REJECT:
		app_review_decide(app, ev->cmd, st->display, ev->arg);
		return TUI_HANDLED;
	case CMD_APPROVE_TABLE:
		app_review_approve_table(app, st->schema, st->table);
		return TUI_HANDLED;
	case CMD_PREVIEW:
		if (ev->arg)
			return TUI_IGNORED;
		screen_preview_show(app, st->schema, st->table);
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

const struct screen_ops screen_column = {
	.name = "column",
	.open = column_open,
	.draw = column_draw,
	.handle = column_handle,
	.close = column_close,
	.wants_text = column_wants_text,
	.hints = "Enter:save Tab:params a:approve x:reject m:note",
};

void screen_column_show(struct app *app, const char *schema, const char *table,
			const char *column)
{
	struct screen *s;
	struct column_state *st;
	const struct cat_table *t;
	const struct cat_column *c;

	if (app_find(app, &screen_column)) {
		while (app_top(app)->ops != &screen_column)
			app_pop(app);
		app_pop(app);
	}
	if (app_push(app, &screen_column) < 0)
		return;
	s = app_top(app);
	st = s->state;
	st->schema = xstrdup(schema);
	st->table = xstrdup(table);
	st->column = xstrdup(column);
	st->display = xasprintf("%s.%s.%s", schema, table, column);
	t = catalog_find_table(&app->cat, schema, table);
	c = t ? cat_table_find_column(t, column) : NULL;
	st->type = c && c->type ? xstrdup(c->type) : NULL;
	st->nullable = c ? c->nullable : true;
	sync_from_rule(app, st);
}

/*
 * screen_run.c - the running job: a bar per table, rows, rate, ETA, the
 * log, then the result and the verify outcome. Reads the shared
 * run_status under its lock; Esc asks the job to stop (it cleans up and
 * leaves the previous target as it was).
 */
#include "config.h"

#include <stdlib.h>

#include "core/util.h"
#include "tui/app.h"

struct run_screen {
	struct tui_list list;   /* over the tables */
};

static int run_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct run_screen *st = xcalloc(1, sizeof(*st));

	(void)app;
	(void)err;
	tui_list_init(&st->list);
	s->state = st;
	return 0;
}

static void run_close(struct app *app, struct screen *s)
{
	(void)app;
	free(s->state);
}

static void run_draw(struct app *app, struct screen *s, WINDOW *w, int rows, int cols)
{
	struct run_screen *st = s->state;
	struct run_status *rs = app->run;
	struct strbuf sb = STRBUF_INIT;
	char a[32], b[32], c[32];
	int y = 0, log_rows, nw = cols / 3, bw;
	double rate, eta = 0;

	snprintf(s->title, sizeof(s->title), "Run");
	if (!rs) {
		tui_put(w, 1, 2, cols - 4, theme_attr(ROLE_DIM),
			"No run yet: :run TARGET (e.g. :run sqlite:///tmp/dev.db)", UW_LEFT);
		return;
	}
	pthread_mutex_lock(&rs->lock);
	strbuf_addf(&sb, " into %s   phase: %s   %.1fs", rs->target_display, rs->phase,
		    rs->elapsed);
	tui_putn(w, y++, 0, cols, A_BOLD, sb.buf, sb.len, UW_LEFT);
	rate = rs->elapsed > 0 ? (double)rs->all_rows / rs->elapsed : 0;
	if (rate > 0 && rs->all_est > rs->all_rows)
		eta = (double)(rs->all_est - rs->all_rows) / rate;
	strbuf_reset(&sb);
	strbuf_addf(&sb, " %s of ~%s rows, %s, %.0f rows/s, ETA %.0fs",
		    uw_format_count(a, sizeof(a), rs->all_rows),
		    uw_format_count(b, sizeof(b), rs->all_est),
		    uw_format_bytes(c, sizeof(c), rs->all_bytes), rate, eta);
	tui_putn(w, y++, 0, cols, A_NORMAL, sb.buf, sb.len, UW_LEFT);
	tui_bar(w, y++, 1, cols - 2,
		rs->finished && rs->rc == 0 ? 1.0
		: rs->all_est > 0 ? (double)rs->all_rows / (double)rs->all_est : 0,
		theme_attr(ROLE_BAR));
	y++;
	log_rows = rows > 20 ? 6 : 3;
	tui_put(w, y++, 0, cols, theme_attr(ROLE_HEADER), " Tables", UW_LEFT);
	tui_list_set_count(&st->list, rs->ntables);
	tui_list_set_height(&st->list, rows - y - log_rows - 3);
	bw = cols - nw - 24;
	for (int i = 0; i < st->list.height; i++) {
		size_t k = tui_list_row_at(&st->list, i);
		const struct run_table_status *t;
		double f;

		if (k == (size_t)-1)
			break;
		t = &rs->tables[k];
		f = t->done ? 1.0 : t->est > 0 ? (double)t->rows / (double)t->est : 0;
		tui_put(w, y + i, 1, nw, t->done ? theme_attr(ROLE_OK) : A_NORMAL, t->name, UW_LEFT);
		tui_bar(w, y + i, nw + 2, bw, f, theme_attr(ROLE_BAR));
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s", uw_format_count(a, sizeof(a), t->rows),
			    uw_format_count(b, sizeof(b), t->est));
		tui_putn(w, y + i, nw + 3 + bw, cols - nw - 3 - bw, A_NORMAL, sb.buf, sb.len,
			 UW_RIGHT);
	}
	y += st->list.height;
	tui_put(w, y++, 0, cols, theme_attr(ROLE_HEADER), " Log", UW_LEFT);
	{
		/* the last log_rows lines: a ring of line starts */
		size_t ring[8] = { 0 }, n = 0, pos = 0;

		if (log_rows > 8)
			log_rows = 8;
		while (pos < rs->log.len) {
			const char *nl = memchr(rs->log.buf + pos, '\n', rs->log.len - pos);

			ring[n++ % (size_t)log_rows] = pos;
			pos = nl ? (size_t)(nl - rs->log.buf) + 1 : rs->log.len;
		}
		for (size_t i = n > (size_t)log_rows ? n - (size_t)log_rows : 0; i < n; i++) {
			const char *line = rs->log.buf + ring[i % (size_t)log_rows];
			const char *nl = strchr(line, '\n');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);

			tui_putn(w, y++, 1, cols - 1, theme_attr(ROLE_DIM), line, len, UW_LEFT);
		}
	}
	y = rows - 2;
	if (rs->finished && rs->rc == 0)
		tui_put(w, y, 1, cols - 1, theme_attr(ROLE_OK), rs->summary, UW_LEFT);
	else if (rs->finished)
		tui_put_wrapped(w, y, 1, cols - 1, 2, theme_attr(ROLE_ERROR), rs->err.msg);
	else
		tui_put(w, y, 1, cols - 1, theme_attr(ROLE_DIM), "running... Esc cancels", UW_LEFT);
	pthread_mutex_unlock(&rs->lock);
	strbuf_release(&sb);
}

static int run_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct run_screen *st = s->state;

	(void)app;
	if (ev->cmd == CMD_NONE && (ev->mouse == MOUSE_WHEEL_UP || ev->mouse == MOUSE_WHEEL_DOWN)) {
		tui_list_scroll(&st->list, ev->mouse == MOUSE_WHEEL_UP ? -3 : 3);
		return TUI_HANDLED;
	}
	if (tui_list_command(&st->list, ev->cmd))
		return TUI_HANDLED;
	return TUI_IGNORED;
}

const struct screen_ops screen_run = {
	.name = "run",
	.open = run_open,
	.draw = run_draw,
	.handle = run_handle,
	.close = run_close,
	.hints = "Esc:cancel q:back",
};

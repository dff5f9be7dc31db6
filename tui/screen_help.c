/*
 * screen_help.c - the help screen, generated from the command table
 * (tui_help_text()), so it cannot fall out of step with the key map.
 */
#include "config.h"

#include <stdlib.h>
#include <strings.h>

#include "core/util.h"
#include "tui/app.h"

struct help_state {
	char *text;            /* owned: every line, '\n'-separated */
	char **lines;          /* into text */
	size_t nlines;
	size_t top;
	int height;
	char *search;          /* last pattern, owned */
};

static int help_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct help_state *h = xcalloc(1, sizeof(*h));
	struct strbuf sb = STRBUF_INIT;
	size_t alloc = 0;
	char *p;

	(void)app;
	(void)err;
	tui_help_text(&sb);
	h->text = strbuf_detach(&sb, NULL);
	for (p = h->text; *p;) {
		char *nl = strchr(p, '\n');

		ALLOC_GROW(h->lines, h->nlines + 1, alloc);
		h->lines[h->nlines++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	snprintf(s->title, sizeof(s->title), "Help");
	s->state = h;
	return 0;
}

static void help_close(struct app *app, struct screen *s)
{
	struct help_state *h = s->state;

	(void)app;
	free(h->lines);
	free(h->text);
	free(h->search);
	free(h);
}

static void help_draw(struct app *app, struct screen *s, WINDOW *win, int rows, int cols)
{
	struct help_state *h = s->state;
	size_t max_top = h->nlines > (size_t)rows ? h->nlines - (size_t)rows : 0;

	(void)app;
	h->height = rows;
	if (h->top > max_top)
		h->top = max_top;
	for (int y = 0; y < rows && h->top + (size_t)y < h->nlines; y++) {
		const char *line = h->lines[h->top + (size_t)y];
		bool heading = line[0] && line[0] != ' ';
		attr_t a = heading ? theme_attr(ROLE_HEADER) : A_NORMAL;

		if (h->search && *h->search && strcasestr(line, h->search))
			a = theme_attr(ROLE_MATCH);
		tui_put(win, y, 1, cols - 2, a, line, UW_LEFT);
	}
}

static int help_find(struct app *app, struct help_state *h, int dir)
{
	size_t n = h->nlines;

	if (!h->search || !n)
		return TUI_HANDLED;
	for (size_t i = 1; i <= n; i++) {
		size_t at = (h->top + (dir > 0 ? i : n - i)) % n;

		if (strcasestr(h->lines[at], h->search)) {
			h->top = at;
			return TUI_HANDLED;
		}
	}
	app_message(app, MSG_WARN, "not found");
	return TUI_HANDLED;
}

static int help_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct help_state *h = s->state;
	size_t page = h->height > 1 ? (size_t)h->height - 1 : 1;

	switch (ev->cmd) {
	case CMD_UP:
		if (h->top)
			h->top--;
		return TUI_HANDLED;
	case CMD_DOWN:
		h->top++;
		return TUI_HANDLED;
	case CMD_PAGE_UP:
		h->top = h->top > page ? h->top - page : 0;
		return TUI_HANDLED;
	case CMD_PAGE_DOWN:
		h->top += page;
		return TUI_HANDLED;
	case CMD_FIRST:
		h->top = 0;
		return TUI_HANDLED;
	case CMD_LAST:
		h->top = h->nlines;
		return TUI_HANDLED;
	case CMD_HELP:
		return TUI_POP;
	case CMD_SEARCH:
		if (!ev->arg)
			return TUI_IGNORED;
		free(h->search);
		h->search = xstrdup(ev->arg);
		return help_find(app, h, 1);
	case CMD_SEARCH_NEXT:
		return help_find(app, h, 1);
	case CMD_SEARCH_PREV:
		return help_find(app, h, -1);
	case CMD_NONE:
		if (ev->mouse == MOUSE_WHEEL_UP) {
			h->top = h->top > 3 ? h->top - 3 : 0;
			return TUI_HANDLED;
		}
		if (ev->mouse == MOUSE_WHEEL_DOWN) {
			h->top += 3;
			return TUI_HANDLED;
		}
		return TUI_IGNORED;
	default:
		return TUI_IGNORED;
	}
}

const struct screen_ops screen_help = {
	.name = "help",
	.open = help_open,
	.draw = help_draw,
	.handle = help_handle,
	.close = help_close,
	.hints = "q:back  /:search",
};

/*
 * screen_connect.c - pick or type a source address; ask for a password
 * (echo off, never stored) when the server wants one.
 *
 * The address field never holds a password we put there: it starts with
 * the workspace's latest source (its display form, password-free) and
 * after a failure shows the failed address's display form unless the
 * user typed it. The password lives only in the secret field and in the
 * connect job, both wiped after use.
 */
#include "config.h"

#include <stdlib.h>

#include "core/util.h"
#include "tui/app.h"

enum connect_mode { MODE_ADDRESS, MODE_PASSWORD };

struct connect_state {
	enum connect_mode mode;
	struct tui_field address;
	struct tui_field password;   /* secret */
	char *recent;                /* display of the latest source, or NULL */
	char *pw_for;                /* display the password is asked for */
	char *error;                 /* last failure, already password-free */
};

static int connect_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct connect_state *c = xcalloc(1, sizeof(*c));

	(void)err;
	tui_field_init(&c->address, false);
	tui_field_init(&c->password, true);
	if (!app_busy(app) && app_ws(app))
		ws_source_latest(app->ws, &c->recent);
	if (app->source_display)
		tui_field_set(&c->address, app->source_display);
	else if (c->recent)
		tui_field_set(&c->address, c->recent);
	snprintf(s->title, sizeof(s->title), "Open a source");
	s->state = c;
	return 0;
}

static void connect_close(struct app *app, struct screen *s)
{
	struct connect_state *c = s->state;

	(void)app;
	tui_field_release(&c->address);
	tui_field_release(&c->password);
	free(c->recent);
	free(c->pw_for);
	free(c->error);
	free(c);
}

static bool connect_wants_text(struct app *app, struct screen *s)
{
	(void)app;
	(void)s;
	return true;
}

static void connect_draw(struct app *app, struct screen *s, WINDOW *w, int rows, int cols)
{
	struct connect_state *c = s->state;
	static const char *const examples[][2] = {
		{ "PostgreSQL", "postgresql://user@host:5432/dbname" },
		{ "MySQL", "mysql://user@host:3306/dbname  (or mariadb://)" },
		{ "SQLite", "sqlite:///path/to/file.db, or a path ending in .db" },
	};
	int y = 1, x = 2, width = cols - 4, cx;

	tui_put(w, y, x, width, theme_attr(ROLE_HEADER), "Open a source", UW_LEFT);
	y += 2;
	if (c->mode == MODE_PASSWORD) {
		struct strbuf label = STRBUF_INIT;

		strbuf_addf(&label, "Password for %s:", c->pw_for ? c->pw_for : "");
		y += tui_put_wrapped(w, y, x, width, 3, A_BOLD, label.buf);
		tui_field_draw(w, y, x, width, "> ", &c->password,
			       theme_attr(ROLE_INPUT), &cx);
		strbuf_release(&label);
		s->cursor_y = y;
		s->cursor_x = cx;
		y += 1;
		tui_put(w, y, x, width, theme_attr(ROLE_DIM),
			"(not shown, not stored; Enter connects, Esc goes back)", UW_LEFT);
		y += 2;
	} else {
		tui_field_draw(w, y, x, width, "Address: ", &c->address,
			       theme_attr(ROLE_INPUT), &cx);
		s->cursor_y = y;
		s->cursor_x = cx;
		y += 2;
		if (c->recent) {
			tui_put(w, y, x, 10, theme_attr(ROLE_DIM), "Recent:", UW_LEFT);
			tui_put(w, y, x + 10, width - 10, A_NORMAL, c->recent, UW_LEFT);
			y += 1;
			tui_put(w, y, x + 10, width - 10, theme_attr(ROLE_DIM),
				"(Up recalls it)", UW_LEFT);
			y += 2;
		}
		for (size_t i = 0; i < ARRAY_SIZE(examples) && y < rows - 4; i++, y++) {
			tui_put(w, y, x, 12, theme_attr(ROLE_DIM), examples[i][0], UW_LEFT);
			tui_put(w, y, x + 12, width - 12, A_NORMAL, examples[i][1], UW_LEFT);
		}
		y++;
		if (y < rows - 3)
			tui_put(w, y++, x, width, theme_attr(ROLE_DIM),
				"Enter opens it; Esc quits; F1 shows the keys.", UW_LEFT);
		y++;
	}
	if (c->error && y < rows - 1)
		tui_put_wrapped(w, y, x, width, rows - 1 - y, theme_attr(ROLE_ERROR),
				c->error);
	if (app->job && y + 2 < rows)
		tui_put(w, rows - 1, x, width, theme_attr(ROLE_DIM),
			"working... Esc cancels", UW_LEFT);
}

static void start_with_password(struct app *app, struct connect_state *c)
{
	char *url = tui_url_with_password(c->address.text.buf, c->password.text.buf);

	tui_field_set(&c->password, "");
	c->mode = MODE_ADDRESS;
	if (!url) {
		app_message(app, MSG_ERROR,
			    "a password needs an address of the form scheme://user@host/db");
		return;
	}
	free(c->error);
	c->error = NULL;
	app_connect(app, url);
	secure_zero(url, strlen(url));
	free(url);
}

static int connect_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct connect_state *c = s->state;
	struct tui_field *f = c->mode == MODE_PASSWORD ? &c->password : &c->address;
	enum tui_field_result r;

	if (ev->mouse != MOUSE_NONE || !ev->key)
		return TUI_IGNORED;
	if (c->mode == MODE_ADDRESS && c->recent &&
	    (ev->key == FK(KEY_UP) || ev->key == FK(KEY_DOWN))) {
		tui_field_set(f, c->recent);
		return TUI_HANDLED;
	}
	r = tui_field_key(f, ev->key);
	switch (r) {
	case FIELD_EDITED:
		return TUI_HANDLED;
	case FIELD_CANCEL:
		if (c->mode == MODE_PASSWORD) {
			tui_field_set(&c->password, "");
			c->mode = MODE_ADDRESS;
			return TUI_HANDLED;
		}
		return TUI_IGNORED;
	case FIELD_SUBMIT:
		if (app_busy(app)) {
			app_message(app, MSG_WARN, "still busy: Esc cancels");
			return TUI_HANDLED;
		}
		if (c->mode == MODE_PASSWORD) {
			start_with_password(app, c);
			return TUI_HANDLED;
		}
		if (!c->address.text.len) {
			app_message(app, MSG_WARN, "type an address first");
			return TUI_HANDLED;
		}
		free(c->error);
		c->error = NULL;
		app_connect(app, c->address.text.buf);
		return TUI_HANDLED;
	case FIELD_IGNORED:
		break;
	}
	return TUI_IGNORED;
}

void screen_connect_failed(struct app *app, const char *display,
			   const struct mb_err *err, bool ask_password)
{
	struct screen *s;
	struct connect_state *c;

	if (!app_find(app, &screen_connect))
		app_push(app, &screen_connect);
	else
		app_show(app, &screen_connect);
	s = app_top(app);
	if (!s || s->ops != &screen_connect) {
		app_error(app, err);
		return;
	}
	c = s->state;
	free(c->error);
	c->error = xstrdup(err->msg);
	if (display) {
		struct db_url url;
		struct mb_err e2 = MB_ERR_INIT;
		bool same = false;

		memset(&url, 0, sizeof(url));
		if (c->address.text.len &&
		    db_url_parse(c->address.text.buf, &url, &e2) == 0) {
			same = str_eq(url.display, display);
			db_url_release(&url);
		}
		if (!same)
			tui_field_set(&c->address, display);
	}
	if (ask_password && display) {
		free(c->pw_for);
		c->pw_for = xstrdup(display);
		c->mode = MODE_PASSWORD;
		tui_field_set(&c->password, "");
		app_message(app, MSG_WARN, "the server wants a password");
	} else {
		app_error(app, err);
	}
}

const struct screen_ops screen_connect = {
	.name = "connect",
	.open = connect_open,
	.draw = connect_draw,
	.handle = connect_handle,
	.close = connect_close,
	.wants_text = connect_wants_text,
	.hints = "Enter:open  Esc:quit  F1:help",
};

/*
 * app.c - the workbench's main loop: terminal set-up and restore, signals,
 * input translation, the screen stack, jobs, and drawing.
 *
 * One pass of the loop: act on signal flags, draw every window with
 * wnoutrefresh() and call doupdate() once, then wait in pselect() for a
 * key, a finished job, or a signal. Signals are blocked outside pselect()
 * so none is lost between checking the flags and going to sleep; the
 * handlers only set flags (pspg's SigwinchHandler).
 *
 * MASKBENCH_KEY_TIMES=FILE appends, for every pass that read input, the
 * microseconds from input being readable to the end of the redraw that
 * follows (handling + drawing + doupdate): the workbench's own share of
 * keystroke latency, for tests/bench/tui.sh. Only numbers are written.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "core/mask.h"
#include "core/subset_config.h"
#include "core/util.h"
#include "tui/app.h"

static volatile sig_atomic_t got_winch, got_quit;
/* workers that have the workspace open (also abandoned ones) */
static atomic_int ws_workers;
static bool curses_up;
/* a job left running at exit stays reachable for leak checkers */
static struct tui_job *abandoned_job;

static void on_winch(int sig)
{
	(void)sig;
	got_winch = 1;
}

static void on_quit(int sig)
{
	got_quit = sig;
}

/* Restores the terminal; safe to call twice. */
static void restore_terminal(void)
{
	if (curses_up) {
		curses_up = false;
		endwin();
	}
}

/*
 * A crash must not leave the terminal in raw mode: put it back, then die
 * of the same signal (htop's crash handler does the same).
 */
static void on_fatal(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signals(sigset_t *blocked, sigset_t *orig)
{
	struct sigaction sa = { 0 };
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_quit;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < ARRAY_SIZE(fatal); i++)
		sigaction(fatal[i], &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sigemptyset(blocked);
	sigaddset(blocked, SIGWINCH);
	sigaddset(blocked, SIGINT);
	sigaddset(blocked, SIGTERM);
	sigaddset(blocked, SIGHUP);
	pthread_sigmask(SIG_BLOCK, blocked, orig);
}

static void restore_signals(const sigset_t *orig)
{
	struct sigaction sa = { 0 };

	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	pthread_sigmask(SIG_SETMASK, orig, NULL);
}

/* ---- messages ---- */

void app_message(struct app *app, enum msg_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app->message, sizeof(app->message), fmt, ap);
	va_end(ap);
	app->msg_level = level;
}

void app_error(struct app *app, const struct mb_err *err)
{
	app_message(app, MSG_ERROR, "%s", err->msg[0] ? err->msg : "unknown error");
}

/* ---- screens ---- */

struct screen *app_top(struct app *app)
{
	return app->depth ? &app->stack[app->depth - 1] : NULL;
}

struct screen *app_find(struct app *app, const struct screen_ops *ops)
{
	for (int i = 0; i < app->depth; i++)
		if (app->stack[i].ops == ops)
			return &app->stack[i];
	return NULL;
}

int app_push(struct app *app, const struct screen_ops *ops)
{
	struct mb_err err = MB_ERR_INIT;
	struct screen *s;

	if (app->depth >= TUI_MAX_SCREENS) {
		app_message(app, MSG_ERROR, "too many screens open");
		return -1;
	}
	s = &app->stack[app->depth];
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->cursor_y = s->cursor_x = -1;
	snprintf(s->title, sizeof(s->title), "%s", ops->name);
	if (ops->open && ops->open(app, s, &err) < 0) {
		app_error(app, &err);
		return -1;
	}
	app->depth++;
	return 0;
}

void app_pop(struct app *app)
{
	struct screen *s = app_top(app);

	if (!s)
		return;
	if (s->ops->close)
		s->ops->close(app, s);
	app->depth--;
}

void app_show(struct app *app, const struct screen_ops *ops)
{
	if (app_find(app, ops)) {
		while (app_top(app)->ops != ops)
			app_pop(app);
		return;
	}
	app_push(app, ops);
}

/* ---- jobs ---- */

struct tui_job *tui_job_new(const char *label)
{
	struct tui_job *job = xcalloc(1, sizeof(*job));

	snprintf(job->label, sizeof(job->label), "%s", label);
	pthread_mutex_init(&job->lock, NULL);
	job->fraction = -1;
	job->wake_fd = -1;
	return job;
}

void tui_job_progress(struct tui_job *job, double fraction, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&job->lock);
	job->fraction = fraction;
	va_start(ap, fmt);
	vsnprintf(job->progress, sizeof(job->progress), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&job->lock);
}

static void job_free(struct tui_job *job)
{
	if (job->free_ctx)
		job->free_ctx(job->ctx);
	pthread_mutex_destroy(&job->lock);
	free(job);
}

static void *job_thread(void *arg)
{
	struct tui_job *job = arg;
	struct mb_err err = MB_ERR_INIT;
	int rc = job->run(job, &err);
	bool abandoned;
	char c = 'j';

	if (job->uses_ws)
		atomic_fetch_sub(&ws_workers, 1);
	pthread_mutex_lock(&job->lock);
	job->rc = rc;
	job->err = err;
	job->done = true;
	abandoned = job->abandoned;
	pthread_mutex_unlock(&job->lock);
	if (abandoned) {
		/* the UI gave up on us: nobody else will free the job */
		job_free(job);
		return NULL;
	}
	if (write(job->wake_fd, &c, 1) < 0) {
		/* the loop also polls while a job runs; nothing to do */
	}
	return NULL;
}

bool app_busy(const struct app *app)
{
	return app->job != NULL;
}

/* Reopens the UI's workspace once no worker has it. */
static void ws_reacquire(struct app *app)
{
	struct mb_err err = MB_ERR_INIT;

	if (app->ws || atomic_load(&ws_workers) > 0)
		return;
	app->ws = ws_open(app->ws_path, &err);
	if (!app->ws)
		app_error(app, &err);
}

struct workspace *app_ws(struct app *app)
{
	ws_reacquire(app);
	if (!app->ws)
		app_message(app, MSG_WARN, "the workspace is busy with %s",
			    app->job ? app->job->label : "a job");
	return app->ws;
}

int app_job_start(struct app *app, struct tui_job *job)
{
	pthread_t tid;
	int rc;

	if (app->job) {
		app_message(app, MSG_WARN, "busy: %s", app->job->label);
		job_free(job);
		return -1;
	}
	if (job->uses_ws) {
		if (atomic_load(&ws_workers) > 0) {
			app_message(app, MSG_WARN, "the previous job is still finishing; try again");
			job_free(job);
			return -1;
		}
		/* one workspace connection at a time in this process (see app.h) */
		if (app->ws) {
			ws_close(app->ws);
			app->ws = NULL;
		}
		atomic_fetch_add(&ws_workers, 1);
	}
	job->wake_fd = app->wake_pipe[1];
	job->started = now_monotonic();
	rc = pthread_create(&tid, NULL, job_thread, job);
	if (rc != 0) {
		app_message(app, MSG_ERROR, "cannot start a worker thread: %s",
			    strerror(rc));
		if (job->uses_ws)
			atomic_fetch_sub(&ws_workers, 1);
		job_free(job);
		return -1;
	}
	pthread_detach(tid);
	app->job = job;
	return 0;
}

/*
 * Gives up on the running job: its result will be dropped and the worker
 * frees it when run() returns.
 */
static void job_abandon(struct app *app)
{
	struct tui_job *job = app->job;
	bool done;

	if (!job)
		return;
	app->job = NULL;
	pthread_mutex_lock(&job->lock);
	job->cancel = 1;
	done = job->done;
	if (!done)
		job->abandoned = true;
	pthread_mutex_unlock(&job->lock);
	if (done)
		job_free(job);
	else
		abandoned_job = job;
}

static void job_collect(struct app *app)
{
	struct tui_job *job = app->job;
	char buf[64];
	bool done;

	while (read(app->wake_pipe[0], buf, sizeof(buf)) > 0)
		;
	if (!job)
		return;
	pthread_mutex_lock(&job->lock);
	done = job->done;
	pthread_mutex_unlock(&job->lock);
	if (!done)
		return;
	app->job = NULL;
	ws_reacquire(app);
	if (job->finish)
		job->finish(app, job, job->rc, &job->err);
	job_free(job);
}

/* ---- bulk review ---- */

int app_parse_action(struct app *app, const char *text, struct mask_spec *spec)
{
	struct mb_err err = MB_ERR_INIT;

	if (!text || !text[strspn(text, " \t")]) {
		app_message(app, MSG_WARN, "which action? e.g. :action fake_email keep_domain=true");
		return -1;
	}
	if (mask_spec_parse(text, spec, &err) < 0) {
		app_message(app, MSG_ERROR, "%s", err.msg);
		return -1;
	}
	if (!mask_action_info(spec->action)) {
		app_message(app, MSG_ERROR, "unknown action '%s'", spec->action);
		return -1;
	}
	return 0;
}

int app_review_bulk(struct app *app, enum tui_cmd cmd, char *const *cols, size_t n,
		    const char *arg)
{
	struct mb_err err = MB_ERR_INIT, last = MB_ERR_INIT;
	const char *who = rules_reviewer(NULL);
	const char *note = arg && *arg ? arg : app->pending_note;
	struct mask_spec spec;
	size_t done = 0, refused = 0;
	int rc = -1;

	mask_spec_init(&spec);
	if (app_busy(app)) {
		app_message(app, MSG_WARN, "busy: %s (wait or Esc)", app->job->label);
		goto cleanup;
	}
	if (!app_ws(app))
		goto cleanup;
	if (cmd == CMD_ACTION && app_parse_action(app, arg, &spec) < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		int r;

		mb_err_clear(&err);
		if (cmd == CMD_APPROVE)
			r = rules_approve(app->ws, cols[i], who, note, &err);
		else if (cmd == CMD_REJECT)
			r = rules_reject(app->ws, cols[i], who, note, &err);
		else
			r = rules_set(app->ws, cols[i], &spec, NULL, who, &err);
		if (r < 0) {
			refused++;
			last = err;
		} else {
			done++;
		}
	}
	if (cmd != CMD_ACTION && done) {
		free(app->pending_note);
		app->pending_note = NULL;
	}
	app_review_reload(app);
	{
		struct strbuf sb = STRBUF_INIT;

		if (cmd == CMD_ACTION)
			strbuf_addf(&sb, "action %s set on %zu column%s (proposed; a approves)",
				    spec.action, done, done == 1 ? "" : "s");
		else
			strbuf_addf(&sb, "%s %zu column%s as %s",
				    cmd == CMD_APPROVE ? "approved" : "rejected", done,
				    done == 1 ? "" : "s", who);
		if (refused)
			strbuf_addf(&sb, "; %zu refused (last: %s)", refused, last.msg);
		app_message(app, refused ? MSG_WARN : MSG_OK, "%s", sb.buf);
		strbuf_release(&sb);
	}
	rc = (int)done;
cleanup:
	mask_spec_release(&spec);
	return rc;
}

/* ---- layout and drawing ---- */

static void free_windows(struct app *app)
{
	if (app->win_title)
		delwin(app->win_title);
	if (app->win_body)
		delwin(app->win_body);
	if (app->win_status)
		delwin(app->win_status);
	app->win_title = app->win_body = app->win_status = NULL;
}

static void layout(struct app *app)
{
	free_windows(app);
	app->rows = LINES;
	app->cols = COLS;
	app->too_small = app->cols < TUI_MIN_COLS || app->rows < TUI_MIN_ROWS;
	if (app->rows >= 3) {
		app->win_title = newwin(1, app->cols, 0, 0);
		app->win_body = newwin(app->rows - 2, app->cols, 1, 0);
	}
	app->win_status = newwin(1, app->cols, app->rows > 0 ? app->rows - 1 : 0, 0);
	keypad(app->win_status, TRUE);
	nodelay(app->win_status, TRUE);
	/* the old contents are gone: paint everything on the next pass */
	clearok(curscr, TRUE);
}

static void handle_resize(struct app *app)
{
	struct winsize wsz;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &wsz) == 0 && wsz.ws_row && wsz.ws_col)
		resize_term(wsz.ws_row, wsz.ws_col);
	layout(app);
}

static const char *const spinner[] = { "|", "/", "-", "\\" };

static void draw_title(struct app *app)
{
	WINDOW *w = app->win_title;
	struct screen *s = app_top(app);
	struct strbuf left = STRBUF_INIT;
	const char *right;
	int rw;

	if (!w)
		return;
	strbuf_addstr(&left, " maskbench");
	if (app->opts.demo)
		strbuf_addstr(&left, " demo");
	if (s)
		strbuf_addf(&left, " \xe2\x94\x82 %s", s->title);
	right = app->source_display ? app->source_display : "no source";
	rw = (int)uw_width(right, (size_t)-1) + 2;
	if (rw > app->cols / 2)
		rw = app->cols / 2;
	tui_putn(w, 0, 0, app->cols - rw, theme_attr(ROLE_TITLE), left.buf,
		 left.len, UW_LEFT);
	strbuf_reset(&left);
	uw_render_tail(&left, right, (size_t)-1, (size_t)(rw - 1));
	tui_putn(w, 0, app->cols - rw, rw - 1, theme_attr(ROLE_TITLE), left.buf,
		 left.len, UW_RIGHT);
	tui_fill(w, 0, app->cols - 1, 1, theme_attr(ROLE_TITLE));
	strbuf_release(&left);
	wnoutrefresh(w);
}

/* Returns the cursor column when the prompt is active, else -1. */
static int draw_status(struct app *app)
{
	WINDOW *w = app->win_status;
	struct screen *s = app_top(app);
	const char *hints = s && s->ops->hints ? s->ops->hints
			  : "?:help  :cmd  q:back";
	attr_t bar = theme_attr(ROLE_STATUS);
	struct strbuf sb = STRBUF_INIT;
	int cursor = -1, hw;

	if (app->prompt_active) {
		char label[2] = { app->prompt_kind, 0 };

		tui_field_draw(w, 0, 0, app->cols, label, &app->prompt,
			       theme_attr(ROLE_INPUT), &cursor);
		return cursor;
	}
	hw = (int)uw_width(hints, (size_t)-1) + 1;
	if (hw > app->cols / 2)
		hw = 0;
	if (app->job) {
		struct tui_job *job = app->job;
		double el = now_monotonic() - job->started;

		pthread_mutex_lock(&job->lock);
		strbuf_addf(&sb, " %s %s", spinner[(int)(el * 8) % 4], job->label);
		if (job->progress[0])
			strbuf_addf(&sb, ": %s", job->progress);
		pthread_mutex_unlock(&job->lock);
		strbuf_addf(&sb, " (%.0fs, %s)", el, job->cancel ? "cancelling"
			    : job->c_cancels ? "Esc or c cancels" : "Esc cancels");
		tui_putn(w, 0, 0, app->cols - hw, bar, sb.buf, sb.len, UW_LEFT);
	} else if (app->message[0]) {
		static const enum theme_role roles[] = {
			[MSG_INFO] = ROLE_STATUS, [MSG_OK] = ROLE_STATUS,
			[MSG_WARN] = ROLE_STATUS, [MSG_ERROR] = ROLE_ERROR,
		};
		strbuf_addf(&sb, " %s", app->message);
		tui_putn(w, 0, 0, app->cols - hw, theme_attr(roles[app->msg_level]),
			 sb.buf, sb.len, UW_LEFT);
	} else {
		tui_fill(w, 0, 0, app->cols - hw, bar);
	}
	if (hw)
		tui_put(w, 0, app->cols - hw, hw, bar, hints, UW_RIGHT);
	strbuf_release(&sb);
	return -1;
}

static void draw_too_small(struct app *app)
{
	WINDOW *w = app->win_body ? app->win_body : app->win_status;
	int h = app->win_body ? app->rows - 2 : 1;
	char msg[96];

	if (app->win_title) {
		werase(app->win_title);
		tui_put(app->win_title, 0, 0, app->cols, theme_attr(ROLE_TITLE),
			" maskbench", UW_LEFT);
		wnoutrefresh(app->win_title);
	}
	werase(w);
	snprintf(msg, sizeof(msg), "window too small (%dx%d)", app->cols, app->rows);
	tui_put(w, h / 2, 0, app->cols, theme_attr(ROLE_WARN), msg, UW_CENTER);
	if (h / 2 + 1 < h) {
		snprintf(msg, sizeof(msg), "at least %dx%d needed; q quits",
			 TUI_MIN_COLS, TUI_MIN_ROWS);
		tui_put(w, h / 2 + 1, 0, app->cols, A_NORMAL, msg, UW_CENTER);
	}
	wnoutrefresh(w);
	if (w != app->win_status) {
		werase(app->win_status);
		wnoutrefresh(app->win_status);
	}
	curs_set(0);
}

static void draw(struct app *app)
{
	struct screen *s = app_top(app);
	int pcur;

	if (app->too_small) {
		draw_too_small(app);
		doupdate();
		return;
	}
	werase(app->win_body);
	if (s) {
		s->cursor_y = s->cursor_x = -1;
		s->ops->draw(app, s, app->win_body, app->rows - 2, app->cols);
	}
	/* after the body: a screen may set its title while drawing */
	draw_title(app);
	werase(app->win_status);
	pcur = draw_status(app);
	if (pcur >= 0) {
		wmove(app->win_status, 0, pcur);
		wnoutrefresh(app->win_body);
		wnoutrefresh(app->win_status);
		curs_set(1);
	} else if (s && s->cursor_y >= 0) {
		wnoutrefresh(app->win_status);
		wmove(app->win_body, s->cursor_y, s->cursor_x);
		wnoutrefresh(app->win_body);
		curs_set(1);
	} else {
		wnoutrefresh(app->win_body);
		wnoutrefresh(app->win_status);
		curs_set(0);
	}
	doupdate();
}

/* ---- commands ---- */

static int dispatch(struct app *app, const struct tui_event *ev);
static int app_work_command(struct app *app, const struct tui_event *ev);

static void theme_switch(struct app *app, const char *arg)
{
	int t;

	if (arg) {
		t = theme_parse(arg);
		if (t < 0) {
			app_message(app, MSG_ERROR, "unknown theme '%s' (dark, light, mono)", arg);
			return;
		}
	} else {
		t = (theme_current() + 1) % 3;
	}
	app->theme = theme_init((enum theme_scheme)t);
	if ((int)app->theme != t)
		app_message(app, MSG_WARN, "colours are off (NO_COLOR or no colour terminal): theme %s",
			    theme_name(app->theme));
	else
		app_message(app, MSG_INFO, "theme %s", theme_name(app->theme));
	clearok(curscr, TRUE);
}

void app_prompt(struct app *app, char kind, const char *text)
{
	app->prompt_active = true;
	app->prompt_kind = kind;
	tui_field_set(&app->prompt, text);
}

/* Runs a ':' line: "name [argument]". */
static int run_command_line(struct app *app, char *line)
{
	struct tui_event ev = { 0 };
	char *p = line, *name, *arg = NULL;

	while (*p == ' ')
		p++;
	name = p;
	while (*p && *p != ' ')
		p++;
	if (*p) {
		*p++ = '\0';
		while (*p == ' ')
			p++;
		if (*p)
			arg = p;
	}
	if (!*name)
		return TUI_HANDLED;
	if (arg) {
		size_t n = strlen(arg);

		while (n > 0 && arg[n - 1] == ' ')
			arg[--n] = '\0';
	}
	ev.cmd = tui_command_by_name(name);
	if (ev.cmd == CMD_NONE) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_add_escaped(&sb, name, strlen(name));
		app_message(app, MSG_ERROR, "unknown command '%s' (? lists them)", sb.buf);
		strbuf_release(&sb);
		return TUI_HANDLED;
	}
	ev.arg = arg;
	return dispatch(app, &ev);
}

static int prompt_key(struct app *app, int key)
{
	enum tui_field_result r = tui_field_key(&app->prompt, key);
	int flags = TUI_HANDLED;

	if (r == FIELD_SUBMIT) {
		char *text = xstrdup(app->prompt.text.buf);
		char kind = app->prompt_kind;

		app->prompt_active = false;
		tui_field_set(&app->prompt, "");
		if (kind == ':') {
			flags = run_command_line(app, text);
		} else if (*text) {
			struct tui_event ev = { .cmd = CMD_SEARCH, .arg = text };

			flags = dispatch(app, &ev);
		}
		free(text);
	} else if (r == FIELD_CANCEL) {
		app->prompt_active = false;
		tui_field_set(&app->prompt, "");
	} else if (r == FIELD_EDITED && app->prompt.text.len == 0 &&
		   (key == 127 || key == FK(KEY_BACKSPACE) || key == CTRL('h'))) {
		/* Backspace on an empty line closes it, as in vi */
		app->prompt_active = false;
	}
	return flags;
}

/* Commands no screen took. */
static int app_command(struct app *app, const struct tui_event *ev)
{
	char kn[32];

	switch (ev->cmd) {
	case CMD_QUIT:
		return TUI_QUIT;
	case CMD_BACK:
		if (app->depth <= 1)
			return TUI_QUIT;
		app_pop(app);
		return TUI_HANDLED;
	case CMD_HELP:
		app_show(app, &screen_help);
		return TUI_HANDLED;
	case CMD_CATALOG:
		if (!app->have_catalog) {
			app_message(app, MSG_WARN, "no source open yet");
			return TUI_HANDLED;
		}
		app_show(app, &screen_catalog);
		return TUI_HANDLED;
	case CMD_CONNECT:
		if (ev->arg) {
			app_connect(app, ev->arg);
			return TUI_HANDLED;
		}
		app_show(app, &screen_connect);
		return TUI_HANDLED;
	case CMD_PROMPT:
		app_prompt(app, ':', ev->arg);
		return TUI_HANDLED;
	case CMD_FINDINGS:
	case CMD_SIGNOFF:
	case CMD_SUBSET:
	case CMD_SCAN:
	case CMD_PLAN:
	case CMD_RUN:
	case CMD_REPORT:
	case CMD_APPROVE_ALL:
	case CMD_NOTE:
	case CMD_PREVIEW:
	case CMD_COLUMN:
	case CMD_WINDOW:
	case CMD_VFK:
		return app_work_command(app, ev);
	case CMD_SEARCH:
		if (!ev->arg) {
			app_prompt(app, '/', "");
			return TUI_HANDLED;
		}
		app_message(app, MSG_WARN, "nothing to search on this screen");
		return TUI_HANDLED;
	case CMD_SEARCH_NEXT:
	case CMD_SEARCH_PREV:
		app_message(app, MSG_WARN, "nothing to search on this screen");
		return TUI_HANDLED;
	case CMD_REDRAW:
		clearok(curscr, TRUE);
		return TUI_HANDLED;
	case CMD_THEME:
		theme_switch(app, ev->arg);
		return TUI_HANDLED;
	case CMD_NONE:
		if (ev->mouse != MOUSE_NONE || !ev->key)
			return TUI_IGNORED;
		tui_key_name(ev->key, kn, sizeof(kn));
		app_message(app, MSG_INFO, "key %s does nothing here; ? lists the keys", kn);
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

static bool need_catalog(struct app *app)
{
	if (app->have_catalog)
		return true;
	app_message(app, MSG_WARN, "open a source first");
	return false;
}

/* Commands of the review and run work that no screen took. */
static int app_work_command(struct app *app, const struct tui_event *ev)
{
	struct mb_err err = MB_ERR_INIT;

	if (ev->cmd != CMD_NOTE && !need_catalog(app))
		return TUI_HANDLED;
	switch (ev->cmd) {
	case CMD_FINDINGS:
		app_show(app, &screen_findings);
		break;
	case CMD_SIGNOFF:
		app_show(app, &screen_signoff);
		break;
	case CMD_SUBSET:
		app_show(app, &screen_subset);
		break;
	case CMD_WINDOW:
	case CMD_VFK: {
		/* subset settings: edited on the subset screen */
		struct screen *s;

		app_show(app, &screen_subset);
		s = app_top(app);
		if (s && s->ops == &screen_subset)
			s->ops->handle(app, s, ev);
		break;
	}
	case CMD_SCAN:
		app_scan(app);
		break;
	case CMD_PLAN:
		app_show(app, &screen_subset);
		app_plan(app);
		break;
	case CMD_RUN: {
		char *target = ev->arg ? xstrdup(ev->arg) : NULL;
		bool allow = false;
		char *flag = target ? strstr(target, " --allow-unreviewed") : NULL;

		if (flag) {
			*flag = '\0';
			allow = true;
		}
		if (!target) {
			if (app->run)
				app_show(app, &screen_run);
			else
				app_prompt(app, ':', "run ");
		} else {
			app_run(app, target, allow);
		}
		if (target) {
			secure_zero(target, strlen(target));
			free(target);
		}
		break;
	}
	case CMD_REPORT:
		app_review_report(app, ev->arg);
		break;
	case CMD_APPROVE_ALL: {
		size_t approved = 0, skipped = 0;

		if (app_busy(app)) {
			app_message(app, MSG_WARN, "busy: %s", app->job->label);
			break;
		}
		if (!app_ws(app))
			break;
		if (rules_approve_all(app->ws, rules_reviewer(NULL),
				      ev->arg ? ev->arg : app->pending_note,
				      &approved, &skipped, NULL, &err) < 0) {
			app_error(app, &err);
			break;
		}
		app_review_reload(app);
		app_message(app, MSG_OK, "approved %zu open columns as %s%s", approved,
			    rules_reviewer(NULL), skipped ? " (some skipped: two-person rule)" : "");
		break;
	}
	case CMD_NOTE:
		if (!ev->arg) {
			app_prompt(app, ':', "note ");
			break;
		}
		free(app->pending_note);
		app->pending_note = xstrdup(ev->arg);
		app_message(app, MSG_INFO, "note kept for the next approve or reject");
		break;
	case CMD_PREVIEW:
	case CMD_COLUMN: {
		struct cat_table *t = NULL;
		struct cat_column *c = NULL;

		if (!ev->arg) {
			app_message(app, MSG_WARN, "select a %s first, or :%s NAME",
				    ev->cmd == CMD_PREVIEW ? "table" : "column",
				    ev->cmd == CMD_PREVIEW ? "preview" : "column");
			break;
		}
		if (ev->cmd == CMD_PREVIEW) {
			char *s = NULL, *n = NULL;

			subset_split_table(ev->arg, &s, &n);
			t = catalog_find_table(&app->cat, s, n);
			if (!t)
				t = catalog_find_table(&app->cat, NULL, ev->arg);
			free(s);
			free(n);
			if (!t)
				app_message(app, MSG_ERROR, "unknown table '%s'", ev->arg);
			else
				screen_preview_show(app, t->schema, t->name);
			break;
		}
		if (catalog_resolve_column(&app->cat, ev->arg, &t, &c, &err) < 0)
			app_error(app, &err);
		else
			screen_column_show(app, t->schema, t->name, c->name);
		break;
	}
	default:
		return TUI_IGNORED;
	}
	return TUI_HANDLED;
}

/* The top screen first, then the app. */
static int dispatch(struct app *app, const struct tui_event *ev)
{
	struct screen *s = app_top(app);
	int flags = TUI_IGNORED;

	if (s && s->ops->handle)
		flags = s->ops->handle(app, s, ev);
	if (flags & TUI_POP) {
		app_pop(app);
		if (app->depth == 0)
			flags |= TUI_QUIT;
	}
	if (flags & (TUI_HANDLED | TUI_POP | TUI_QUIT))
		return flags;
	return app_command(app, ev);
}

/* ---- input translation (pspg's translate_event) ---- */

static bool read_mouse(struct app *app, struct tui_event *ev)
{
	static double last_press;
	static int last_y = -1, last_x = -1;
	MEVENT me;

	if (getmouse(&me) != OK)
		return false;
	ev->y = me.y - 1;   /* body coordinates: the title bar is row 0 */
	ev->x = me.x;
	if (me.bstate & BUTTON4_PRESSED) {
		ev->mouse = MOUSE_WHEEL_UP;
	} else if (me.bstate & BUTTON5_PRESSED) {
		ev->mouse = MOUSE_WHEEL_DOWN;
	} else if (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
		double t = now_monotonic();

		ev->mouse = (t - last_press < 0.4 && me.y == last_y && me.x == last_x)
			  ? MOUSE_DOUBLE : MOUSE_CLICK;
		last_press = ev->mouse == MOUSE_DOUBLE ? 0 : t;
		last_y = me.y;
		last_x = me.x;
	} else if (me.bstate & BUTTON1_DOUBLE_CLICKED) {
		ev->mouse = MOUSE_DOUBLE;
	} else {
		return false;
	}
	if (ev->y < 0 || ev->y >= app->rows - 2)
		return false;
	return true;
}

/* Reads and handles every key waiting; returns the or-ed flags. */
static int handle_input(struct app *app)
{
	int flags = 0;
	wint_t wch;
	int r;

	while (!(flags & TUI_QUIT) && (r = wget_wch(app->win_status, &wch)) != ERR) {
		struct tui_event ev = { 0 };
		struct screen *s = app_top(app);
		int key;

		if (r == KEY_CODE_YES) {
			if (wch == KEY_RESIZE)
				continue;
			if (wch == KEY_MOUSE) {
				if (app->too_small || app->prompt_active ||
				    !read_mouse(app, &ev))
					continue;
				flags |= dispatch(app, &ev);
				continue;
			}
			key = FK((int)wch);
		} else {
			key = (int)wch;
		}
		ev.key = key;
		if (app->too_small) {
			/* only leaving works while there is no room to draw */
			ev.cmd = tui_command_for_key(key);
			if (ev.cmd == CMD_BACK || ev.cmd == CMD_QUIT)
				flags |= TUI_QUIT;
			continue;
		}
		if (app->prompt_active) {
			flags |= prompt_key(app, key);
			continue;
		}
		ev.cmd = tui_command_for_key(key);
		if (app->job && (key == 27 || (key == 'c' && app->job->c_cancels &&
						!(s && s->ops->wants_text &&
						  s->ops->wants_text(app, s))))) {
			if (app->job->cancellable) {
				app->job->cancel = 1;
				app_message(app, MSG_WARN, "cancelling: %s", app->job->label);
			} else {
				app_message(app, MSG_WARN, "cancelled: %s", app->job->label);
				job_abandon(app);
			}
			continue;
		}
		if (s && s->ops->wants_text && s->ops->wants_text(app, s)) {
			int f = s->ops->handle(app, s, &ev);

			if (f == TUI_IGNORED && ((key & TUI_KEY_FUNC) || key < 0x20))
				f = dispatch(app, &ev);
			else if (f & TUI_POP) {
				app_pop(app);
				if (app->depth == 0)
					f |= TUI_QUIT;
			}
			flags |= f;
			continue;
		}
		if (key != 27 && app->message[0] && app->msg_level != MSG_ERROR)
			app->message[0] = '\0';
		flags |= dispatch(app, &ev);
	}
	return flags;
}

/* ---- set-up and the loop ---- */

static int start_terminal(struct app *app, struct mb_err *err)
{
	const char *t;
	int want = THEME_DARK;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return mb_err_set(err, MB_ERR_USAGE,
				  "the workbench needs a terminal (use the subcommands for scripts)");
	if (!newterm(NULL, stdout, stdin))
		return mb_err_set(err, MB_ERR_USAGE, "cannot use terminal type '%s'",
				  getenv("TERM") ? getenv("TERM") : "(unset)");
	curses_up = true;
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED |
		  BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	t = getenv("MASKBENCH_THEME");
	if (t && theme_parse(t) >= 0)
		want = theme_parse(t);
	app->theme = theme_init((enum theme_scheme)want);
	/* stdscr is never drawn on; refresh it once so wgetch never paints it */
	wnoutrefresh(stdscr);
	layout(app);
	return 0;
}

/*
 * At exit: ask a running job to stop and give it a moment, so that a job
 * using the app's connection is done with it before it is closed. A job
 * that does not stop in time is abandoned and the connection left open.
 */
static void stop_job(struct app *app)
{
	struct tui_job *job = app->job;
	double until = now_monotonic() + 3.0;
	bool done = false;

	if (!job)
		return;
	job->cancel = 1;
	while (now_monotonic() < until) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		pthread_mutex_lock(&job->lock);
		done = job->done;
		pthread_mutex_unlock(&job->lock);
		if (done)
			break;
		nanosleep(&ts, NULL);
	}
	job_abandon(app);
	if (!done)
		app->conn = NULL;   /* the worker may still use it: leave it */
}

static void app_release(struct app *app)
{
	while (app->depth)
		app_pop(app);
	stop_job(app);
	free_windows(app);
	tui_field_release(&app->prompt);
	if (app->conn)
		db_close(app->conn);
	if (app->have_catalog)
		catalog_release(&app->cat);
	free(app->source_display);
	if (app->source_address) {
		secure_zero(app->source_address, strlen(app->source_address));
		free(app->source_address);
	}
	app_review_release(app);
	if (app->ws)
		ws_close(app->ws);
	free(app->ws_path);
	if (app->wake_pipe[0] >= 0)
		close(app->wake_pipe[0]);
	if (app->wake_pipe[1] >= 0)
		close(app->wake_pipe[1]);
}

static int loop(struct app *app, const sigset_t *orig)
{
	const char *times_path = getenv("MASKBENCH_KEY_TIMES");
	FILE *times = times_path && *times_path ? fopen(times_path, "a") : NULL;
	double t_input = 0;
	int rc;

	for (;;) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		fd_set rfds;
		int n, flags;

		if (got_quit) {
			rc = 130;
			break;
		}
		if (got_winch) {
			got_winch = 0;
			handle_resize(app);
		}
		draw(app);
		if (times && t_input > 0) {
			fprintf(times, "%.0f\n", (now_monotonic() - t_input) * 1e6);
			fflush(times);
			t_input = 0;
		}
		FD_ZERO(&rfds);
		FD_SET(STDIN_FILENO, &rfds);
		FD_SET(app->wake_pipe[0], &rfds);
		/* with a job running, wake up to animate its progress */
		n = pselect(app->wake_pipe[0] + 1, &rfds, NULL, NULL,
			    app->job || !app->ws ? &ts : NULL, orig);
		if (!app->job)
			ws_reacquire(app);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = 3;
			break;
		}
		if (n > 0 && FD_ISSET(STDIN_FILENO, &rfds))
			t_input = now_monotonic();
		if (n > 0 && FD_ISSET(app->wake_pipe[0], &rfds))
			job_collect(app);
		flags = handle_input(app);
		if ((flags & TUI_QUIT) || app->depth == 0) {
			rc = 0;
			break;
		}
	}
	if (times)
		fclose(times);
	return rc;
}

int tui_run(const struct tui_options *o, struct mb_err *err)
{
	struct app app;
	sigset_t blocked, orig;
	int rc = -1;

	memset(&app, 0, sizeof(app));
	app.wake_pipe[0] = app.wake_pipe[1] = -1;
	app.opts = *o;
	app.opts.source = NULL;  /* not kept: it may carry a password */
	tui_field_init(&app.prompt, false);
	setlocale(LC_CTYPE, "");

	/* Before the terminal is taken, so that errors print normally. */
	app.ws_path = xstrdup(o->workspace ? o->workspace : WS_DEFAULT_PATH);
	app.opts.workspace = app.ws_path;
	app.ws = ws_open(app.ws_path, err);
	if (!app.ws)
		goto cleanup;
	if (pipe(app.wake_pipe) < 0) {
		mb_err_set(err, MB_ERR_IO, "cannot create a pipe: %s", strerror(errno));
		goto cleanup;
	}
	fcntl(app.wake_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(app.wake_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(app.wake_pipe[1], F_SETFD, FD_CLOEXEC);

	got_winch = got_quit = 0;
	install_signals(&blocked, &orig);
	atexit(restore_terminal);
	if (start_terminal(&app, err) < 0) {
		restore_signals(&orig);
		goto cleanup;
	}
	if (o->source) {
		app_push(&app, &screen_connect);
		app_connect(&app, o->source);
	} else {
		app_push(&app, &screen_connect);
	}
	rc = loop(&app, &orig);
	app_release(&app);
	restore_terminal();
	restore_signals(&orig);
	return rc;

cleanup:
	app_release(&app);
	restore_terminal();
	return -1;
}

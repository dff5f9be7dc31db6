/*
 * app.h - the workbench's insides, shared by app.c and the screens.
 *
 * Screens are function tables (tig's view_ops): each screen_*.c file
 * defines one `const struct screen_ops` and keeps its state behind
 * screen->state. The main loop in app.c owns input, drawing and the
 * screen stack; handlers return TUI_* flags (htop) and never refresh the
 * terminal themselves: the loop draws every window with wnoutrefresh()
 * and calls doupdate() once per pass.
 *
 * Long work (connecting, reading a catalog, scanning, running) runs in a
 * worker thread as a `struct tui_job`; the worker never touches curses
 * and wakes the loop through a pipe when it is done.
 */
#ifndef MB_TUI_APP_H
#define MB_TUI_APP_H

#include <curses.h>
#include <pthread.h>
#include <stdbool.h>

#include "core/catalog.h"
#include "core/db.h"
#include "core/error.h"
#include "core/workspace.h"
#include "rules/rules.h"
#include "scanner/scanner.h"
#include "tui/command.h"
#include "tui/theme.h"
#include "tui/tui.h"
#include "tui/widgets.h"

/* Handler results (htop's HandlerResult), or-ed together. */
enum {
	TUI_IGNORED = 0,
	TUI_HANDLED = 1 << 0,  /* consumed; nothing else sees it */
	TUI_REDRAW  = 1 << 1,  /* draw again (the loop redraws after any input anyway) */
	TUI_POP     = 1 << 2,  /* close this screen */
	TUI_QUIT    = 1 << 3,  /* leave the workbench, exit code 0 */
};

enum tui_mouse {
	MOUSE_NONE = 0,
	MOUSE_CLICK,
	MOUSE_DOUBLE,
	MOUSE_WHEEL_UP,
	MOUSE_WHEEL_DOWN,
};

/*
 * One input event after translation (pspg's translate_event): keys and
 * mouse both become commands; `key` keeps the raw key for text entry.
 */
struct tui_event {
	enum tui_cmd cmd;       /* CMD_NONE: a key with no binding (text) */
	int key;                /* character or FK(code); 0 for mouse/':' */
	const char *arg;        /* argument typed after a ':' command, or NULL */
	enum tui_mouse mouse;   /* with cmd CMD_NONE */
	int y, x;               /* mouse position relative to the body window */
};

struct app;
struct screen;

struct screen_ops {
	const char *name;       /* "catalog" */
	/* Sets up screen->state; returns -1 with err to refuse opening. */
	int (*open)(struct app *app, struct screen *s, struct mb_err *err);
	/* Draws the whole body window (h rows, w columns). */
	void (*draw)(struct app *app, struct screen *s, WINDOW *win, int h, int w);
	/* Returns TUI_* flags; TUI_IGNORED lets the app handle the command. */
	int (*handle)(struct app *app, struct screen *s, const struct tui_event *ev);
	/* Frees screen->state. */
	void (*close)(struct app *app, struct screen *s);
	/* Optional: true while the screen takes raw keys (an entry field has focus). */
	bool (*wants_text)(struct app *app, struct screen *s);
	/* Optional: called when the catalog changed (new source loaded). */
	void (*catalog_changed)(struct app *app, struct screen *s);
	/* Optional: short key hints for the status bar. */
	const char *hints;
};

struct screen {
	const struct screen_ops *ops;
	void *state;
	char title[128];        /* set by open or draw; shown in the title bar */
	/*
	 * Where the screen wants the terminal cursor (body coordinates), or
	 * -1: hidden. Set during draw.
	 */
	int cursor_y, cursor_x;
};

/* A piece of long work done off the UI loop. */
struct tui_job {
	char label[96];         /* "connecting to sqlite:demo.db" */
	/* Runs in the worker thread: no curses, no app state. */
	int (*run)(struct tui_job *job, struct mb_err *err);
	/* Runs in the UI thread when run() returned (rc is its result). */
	void (*finish)(struct app *app, struct tui_job *job, int rc, struct mb_err *err);
	/* Frees ctx (both threads may be the last owner). */
	void (*free_ctx)(void *ctx);
	void *ctx;
	volatile int cancel;    /* set by the UI; run() checks it */
	/*
	 * true: run() stops cleanly when cancel is set, so Esc waits for
	 * it; false: Esc abandons the job and drops its result.
	 */
	bool cancellable;
	/* true: 'c' cancels too, not only Esc (scan, plan: work one watches) */
	bool c_cancels;
	/*
	 * true: run() opens the workspace itself. The UI's own workspace
	 * connection is closed meanwhile (app->ws is NULL): ws_open() opens
	 * and closes the file, which would drop the POSIX locks another
	 * connection of this process holds (SQLite's "close() breaks
	 * locks" hazard), so only one connection exists at a time.
	 */
	bool uses_ws;
	/* progress, written by run() under lock, read by the UI */
	pthread_mutex_t lock;
	double fraction;        /* 0..1, or < 0 when unknown */
	char progress[128];
	/* bookkeeping (app.c) */
	int rc;
	struct mb_err err;
	bool done, abandoned;
	int wake_fd;
	double started;
};

enum msg_level { MSG_INFO = 0, MSG_OK, MSG_WARN, MSG_ERROR };

/* One table of a plan, as the subset screen shows it. Owned strings. */
struct plan_row {
	char *schema, *table;
	int64_t rows;           /* exact when the plan was resolved, else estimate */
	int64_t est;            /* the catalog's estimate */
	char *reason;           /* "root", "parent of main.orders" ... */
	bool copied;            /* gets rows (not truncated / not reached) */
};

/*
 * What a run reports, shared by the worker (writes, under lock) and the
 * run screen (reads, under lock). Reference counted: the last
 * run_status_unref() frees it.
 */
struct run_table_status {
	char *name;             /* "schema.table" */
	int64_t rows, est;
	bool done;
};
struct run_status {
	pthread_mutex_t lock;
	int refs;
	char *target_display;   /* never a password */
	char phase[32];
	struct run_table_status *tables;
	size_t ntables, tables_alloc, hint;
	int64_t all_rows, all_est, all_bytes;
	double elapsed;
	struct strbuf log;      /* lines, '\n'-terminated */
	bool finished, verified, cancel_requested;
	int rc;
	struct mb_err err;
	char summary[256];
};
void run_status_unref(struct run_status *rs);

#define TUI_MAX_SCREENS 16
#define TUI_MIN_COLS 60
#define TUI_MIN_ROWS 15

struct app {
	struct tui_options opts;
	char *ws_path;               /* owned; NULL: the default */
	struct workspace *ws;        /* NULL while a job holds the workspace */

	/* the open source: all NULL/empty before the first connect */
	struct db_conn *conn;
	struct catalog cat;
	bool have_catalog;
	int64_t source_id;
	char *source_display;        /* url.display: never a password */
	/*
	 * The address as given, which may hold a password: kept in memory
	 * only, for the jobs that open their own connections (scan, plan,
	 * run), wiped when replaced or at exit. Never drawn or stored.
	 */
	char *source_address;

	/* review data, read from the workspace by app_review_reload() */
	struct scan_result scan;
	bool have_scan;
	struct rule_list rules;
	struct rule **rule_index;    /* rules sorted by (schema, table, column) */
	const struct scan_finding **finding_index; /* rank-1 findings, sorted */
	size_t nfinding_index;
	char *pending_note;          /* for the next approve/reject (:note) */
	unsigned review_gen;         /* bumped by every reload: screens rebuild */

	/* the latest plan (app_plan) */
	struct plan_row *plan;
	size_t nplan;
	bool plan_exact;
	char *plan_error;
	/* the latest run (app_run); NULL before the first */
	struct run_status *run;

	struct screen stack[TUI_MAX_SCREENS];
	int depth;

	WINDOW *win_title, *win_body, *win_status;
	int rows, cols;
	bool too_small;

	char message[512];
	enum msg_level msg_level;

	/* the ':' / '/' line */
	bool prompt_active;
	char prompt_kind;            /* ':' or '/' */
	struct tui_field prompt;

	struct tui_job *job;         /* at most one at a time */
	int wake_pipe[2];

	enum theme_scheme theme;
	int exit_code;
};

/* Pushes a screen; on failure shows the error in the status bar. */
int app_push(struct app *app, const struct screen_ops *ops);
/* Closes the top screen. */
void app_pop(struct app *app);
struct screen *app_top(struct app *app);
/* Finds an open screen by ops; NULL if none. */
struct screen *app_find(struct app *app, const struct screen_ops *ops);
/* Closes screens above `ops`' instance, or pushes it if not open. */
void app_show(struct app *app, const struct screen_ops *ops);

/* Opens the ':' (or '/') line with text already typed (NULL: empty). */
void app_prompt(struct app *app, char kind, const char *text);

ATTR_FORMAT(3, 4) void app_message(struct app *app, enum msg_level level,
				   const char *fmt, ...);
void app_error(struct app *app, const struct mb_err *err);

/*
 * Starts a job (the app takes ownership of job and its ctx). Returns -1
 * and frees it when another job is running.
 */
int app_job_start(struct app *app, struct tui_job *job);
/* Allocates a job with its lock initialised. */
struct tui_job *tui_job_new(const char *label);
/* From run(): publish progress (thread-safe). */
ATTR_FORMAT(3, 4) void tui_job_progress(struct tui_job *job, double fraction,
					const char *fmt, ...);
bool app_busy(const struct app *app);
/* The UI's workspace, or NULL (with a status message) while a job has it. */
struct workspace *app_ws(struct app *app);

/*
 * Connects to `address` in a worker: db_open (source mode), catalog,
 * workspace record and snapshot. `address` may carry a password: it is
 * copied into the job, wiped after use, and never shown or stored.
 * On success the catalog screen is shown.
 */
int app_connect(struct app *app, const char *address);

/*
 * The connect screen shows a failed open; with ask_password it asks for a
 * password (echo off) and retries. display may be NULL (malformed address).
 */
void screen_connect_failed(struct app *app, const char *display,
			   const struct mb_err *err, bool ask_password);
/* True when a connection error looks like a missing or wrong password. */
bool tui_err_wants_password(const struct mb_err *err);
/*
 * Returns address with `password` (percent-encoded) put into its userinfo,
 * replacing any password there; newly allocated, the caller wipes
 * (secure_zero) and frees it. NULL when address has no "scheme://".
 */
char *tui_url_with_password(const char *address, const char *password);

/* ---- review data (tui/review.c) ---- */

/*
 * Reloads rules (after rules_migrate + rules_refresh, as `maskbench rules`
 * does) and the latest scan from the workspace. Errors go to the status bar.
 */
void app_review_reload(struct app *app);
/* Frees the review data and plan (at exit). */
void app_review_release(struct app *app);
/* The rule / top finding of a column, or NULL. Valid until the next reload. */
struct rule *app_rule_for(struct app *app, const char *schema,
			  const char *table, const char *column);
const struct scan_finding *app_finding_for(struct app *app, const char *schema,
					   const char *table, const char *column);
/*
 * approve / reject one column ("schema.table.column") through rules/ with
 * the reviewer from rules_reviewer(NULL) and the note (arg, else the
 * pending note). Reloads and reports in the status bar. Returns 0 or -1.
 */
int app_review_decide(struct app *app, enum tui_cmd cmd, const char *column,
		      const char *note);
/* Approves every open column of one table (bulk); returns the count or -1. */
int app_review_approve_table(struct app *app, const char *schema, const char *table);
/*
 * Bulk review (tui/app.c): applies CMD_APPROVE, CMD_REJECT or CMD_ACTION
 * (arg "NAME [KEY=VALUE]...") to each of the n columns
 * ("schema.table.column") through the same rules/ call as for one column,
 * so each column gets its own transaction and audit entry; note is arg for
 * approve/reject (else the pending note). Reloads the review data once and
 * says in the status bar how many columns changed and how many were
 * refused (two-person rule, an action the column's type refuses). Returns
 * the number changed, or -1 when nothing was tried (busy, bad action).
 */
/* "NAME [KEY=VALUE]..." into spec (initialised); -1 with a status message. */
int app_parse_action(struct app *app, const char *text, struct mask_spec *spec);
int app_review_bulk(struct app *app, enum tui_cmd cmd, char *const *cols, size_t n,
		    const char *arg);
/* Sets a column's action from "NAME [KEY=VALUE]..." (rules_set). */
int app_review_set_action(struct app *app, const char *column, const char *text);
/* Sets a column's action and parameters from a spec (rules_set). */
int app_review_set_spec(struct app *app, const char *column,
			const struct mask_spec *spec);
/* Writes the sign-off report (rules_report_markdown) to path. */
int app_review_report(struct app *app, const char *path);
/*
 * The masking key for previews and runs: MASKBENCH_KEY (mask_key_load),
 * or in the demo the built-in demo key (*is_demo set). NULL with err.
 */
struct mask_key *app_key(struct app *app, bool *is_demo, struct mb_err *err);
/* Short state badge: "new", "prop", "ok", "rej", "" (no rule). */
const char *app_state_badge(const struct rule *r);
enum theme_role app_state_role(const struct rule *r);

/* ---- long work (tui/work.c) ---- */

/*
 * scan_run() on a fresh connection, as `maskbench scan` does; then reload.
 * Esc or c cancels between tables: the scan is then not stored and the
 * status line says "scan cancelled, N of M tables scanned".
 */
int app_scan(struct app *app);
/*
 * Builds and resolves the subset plan (plan_setup_open + subset_plan_resolve
 * with counts, as `maskbench plan --exact`) and hands the rows per table
 * to the subset screen.
 */
int app_plan(struct app *app);
/* The gate, then job_run() into target, as `maskbench run`; shows the run screen. */
int app_run(struct app *app, const char *target, bool allow_unreviewed);

/*
 * Rows read from the source for display (samples, preview): cells[r *
 * ncols + c] is NULL for SQL NULL. The values are data: wiped when freed
 * with fetch_result_free(), never logged or stored.
 */
struct fetch_result {
	size_t ncols, nrows;
	char **names;
	char **cells;
	size_t *lens;
};
void fetch_result_free(struct fetch_result *fr);
typedef void (*fetch_deliver_fn)(struct app *app, unsigned tag,
				 struct fetch_result *fr, int rc,
				 const struct mb_err *err);
/*
 * Runs sql (a SELECT built with the driver's quoting) on the open source
 * connection in a worker, keeping at most max_rows rows; deliver() gets the
 * result (and owns it) in the UI thread, with the caller's tag.
 */
int app_fetch(struct app *app, const char *sql, size_t max_rows,
	      fetch_deliver_fn deliver, unsigned tag);

/* Screens. */
extern const struct screen_ops screen_connect;
extern const struct screen_ops screen_catalog;
extern const struct screen_ops screen_help;
extern const struct screen_ops screen_findings;
extern const struct screen_ops screen_column;
extern const struct screen_ops screen_signoff;
extern const struct screen_ops screen_subset;
extern const struct screen_ops screen_run;
extern const struct screen_ops screen_preview;

/* Opens the column screen on "schema.table.column". */
void screen_column_show(struct app *app, const char *schema, const char *table,
			const char *column);
/* Opens the preview screen on a table. */
void screen_preview_show(struct app *app, const char *schema, const char *table);

#endif

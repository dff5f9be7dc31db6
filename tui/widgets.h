/*
 * widgets.h - drawing helpers, the list cursor, and one-line entry fields.
 *
 * Every drawing helper takes its width in COLUMNS and fills exactly that
 * many cells, escaping data through tui/uwidth.h, so rows line up whatever
 * the text holds (wide characters, control characters, invalid UTF-8).
 * None of them refreshes: the main loop calls wnoutrefresh/doupdate.
 */
#ifndef MB_TUI_WIDGETS_H
#define MB_TUI_WIDGETS_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"
#include "tui/uwidth.h"

/* Draws s (NUL-terminated, escaped) in exactly `cols` columns at (y, x). */
void tui_put(WINDOW *w, int y, int x, int cols, attr_t attr, const char *s,
	     enum uw_align align);
/* Like tui_put for [s, s+len) bytes. */
void tui_putn(WINDOW *w, int y, int x, int cols, attr_t attr, const char *s,
	      size_t len, enum uw_align align);
/*
 * Draws s wrapped at spaces into at most max_rows rows of `cols` columns
 * from (y, x); the last row ends in "…" when text is left over. Returns
 * the rows used.
 */
int tui_put_wrapped(WINDOW *w, int y, int x, int cols, int max_rows,
		    attr_t attr, const char *s);
/* Fills `cols` columns with spaces in attr. */
void tui_fill(WINDOW *w, int y, int x, int cols, attr_t attr);
/* A vertical line of `rows` cells at column x (the pane separator). */
void tui_vline(WINDOW *w, int y, int x, int rows, attr_t attr);
/*
 * A horizontal bar of `cols` columns, `fraction` (0..1) of it filled in
 * attr; the rest blank. Used for progress and estimates.
 */
void tui_bar(WINDOW *w, int y, int x, int cols, double fraction, attr_t attr);

/*
 * The cursor and scroll position of a list of `count` rows drawn in
 * `height` rows. Invariants after any call: cur < count (or 0 when empty),
 * top <= cur < top + height.
 */
struct tui_list {
	size_t count;
	size_t cur;
	size_t top;
	int height;
};

void tui_list_init(struct tui_list *l);
/* Sets the number of rows and clamps cur/top. */
void tui_list_set_count(struct tui_list *l, size_t count);
/* Sets the visible height (rows) and keeps the cursor visible. */
void tui_list_set_height(struct tui_list *l, int height);
void tui_list_move(struct tui_list *l, long delta);
void tui_list_goto(struct tui_list *l, size_t idx);
/* Scrolls the view (wheel) by delta rows, moving the cursor along if needed. */
void tui_list_scroll(struct tui_list *l, long delta);
/*
 * Handles the movement commands (up, down, page, first, last); `cmd` is an
 * enum tui_cmd. Returns true when it was one of them.
 */
bool tui_list_command(struct tui_list *l, int cmd);
/* The row index shown at visible row `row` (0 = first shown), or (size_t)-1. */
size_t tui_list_row_at(const struct tui_list *l, int row);

/*
 * A set of marked rows by name (e.g. "schema.table.column"), for bulk
 * actions: names survive a rebuild of the list they were marked in. The set
 * owns copies of its names, kept sorted (lookups bisect: O(log n) per drawn
 * row). An initialised set is all zeroes.
 */
struct tui_marks {
	char **names;
	size_t n, alloc;
};

/* Frees every name; the set is empty and reusable afterwards. */
void tui_marks_clear(struct tui_marks *m);
bool tui_marks_has(const struct tui_marks *m, const char *name);
/* Adds (name copied) or removes name; returns true when it is now marked. */
bool tui_marks_toggle(struct tui_marks *m, const char *name);
/* Adds name (copied) unless already there. */
void tui_marks_add(struct tui_marks *m, const char *name);
/*
 * Adds n names at once in O((m + n) log(m + n)), for "mark all". Takes
 * ownership of the names (each malloc'ed; duplicates are freed), not of
 * the array.
 */
void tui_marks_add_owned(struct tui_marks *m, char **names, size_t n);

/* Results of tui_field_key(). */
enum tui_field_result {
	FIELD_IGNORED = 0,  /* not an editing key */
	FIELD_EDITED,       /* text or cursor changed */
	FIELD_SUBMIT,       /* Enter */
	FIELD_CANCEL,       /* Esc */
};

/*
 * A one-line text entry. text is UTF-8, cursor a byte offset at a
 * character boundary. A secret field draws nothing of its text (echo off)
 * and wipes its memory when changed or released.
 */
struct tui_field {
	struct strbuf text;
	size_t cursor;
	bool secret;
};

void tui_field_init(struct tui_field *f, bool secret);
/* Frees the text; wiped first when secret. */
void tui_field_release(struct tui_field *f);
/* Replaces the text (copied) and puts the cursor at the end. */
void tui_field_set(struct tui_field *f, const char *s);
/*
 * Applies a key (a character or FK(code), see tui/command.h): insert,
 * Backspace, Delete, Left/Right, Home/End, ^A ^E ^U ^K ^W, Enter, Esc.
 */
enum tui_field_result tui_field_key(struct tui_field *f, int key);
/*
 * Draws label + text in `cols` columns at (y, x), scrolled so that the
 * cursor is visible. Sets *cursor_x to the screen column of the cursor.
 */
void tui_field_draw(WINDOW *w, int y, int x, int cols, const char *label,
		    const struct tui_field *f, attr_t attr, int *cursor_x);

#endif

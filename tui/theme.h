/*
 * theme.h - colours as roles (pspg's Theme, htop's ColorElements).
 *
 * Screens ask for a role's attribute, never for a colour pair. Three
 * schemes: dark and light (for dark and light terminal backgrounds, both on
 * the terminal's own background colour) and monochrome (bold, reverse,
 * underline only), which is used whenever NO_COLOR is set to a non-empty
 * value or the terminal has no colours.
 */
#ifndef MB_TUI_THEME_H
#define MB_TUI_THEME_H

#include <curses.h>
#include <stdbool.h>

enum theme_role {
	ROLE_NORMAL = 0,
	ROLE_TITLE,          /* top bar */
	ROLE_STATUS,         /* bottom bar */
	ROLE_HEADER,         /* column headings of a list */
	ROLE_CURSOR,         /* selected row in the focused pane */
	ROLE_CURSOR_DIM,     /* selected row in a pane without focus */
	ROLE_DIM,            /* secondary text: types, sizes */
	ROLE_SCHEMA,         /* schema rows in the catalog tree */
	ROLE_BADGE_PK,
	ROLE_BADGE_FK,
	ROLE_BADGE_UQ,
	ROLE_SENSITIVE,      /* a column or value with PII */
	ROLE_OK,             /* approved, done, clean */
	ROLE_WARN,           /* unreviewed, open items */
	ROLE_ERROR,          /* errors in the status bar, rejected */
	ROLE_MATCH,          /* search hits, matched part of a sample */
	ROLE_BAR,            /* progress and estimate bars */
	ROLE_BORDER,         /* pane separators */
	ROLE_INPUT,          /* the prompt / entry fields */
	ROLE__COUNT
};

enum theme_scheme {
	THEME_DARK = 0,
	THEME_LIGHT,
	THEME_MONO,
};

/*
 * Picks the scheme after initscr(): `want` is honoured unless colours are
 * unavailable or NO_COLOR is set, in which case THEME_MONO is used.
 * Returns the scheme in effect. Safe to call again to switch.
 */
enum theme_scheme theme_init(enum theme_scheme want);
/* The scheme in effect. */
enum theme_scheme theme_current(void);
/* "dark", "light", "mono"; theme_parse() returns -1 for an unknown name. */
const char *theme_name(enum theme_scheme s);
int theme_parse(const char *name);
/* The attribute (colour pair and video attributes) for a role. */
attr_t theme_attr(enum theme_role role);
/* True when colours may be used (not NO_COLOR, terminal has colours). */
bool theme_colour_allowed(void);

#endif

/*
 * theme.c - the three schemes. Colour pair n belongs to role n; the
 * monochrome scheme uses video attributes only and no pairs at all.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tui/theme.h"

struct role_style {
	short fg, bg;   /* -1: the terminal's default */
	attr_t attr;    /* added to the pair */
};

#define DEF (-1)

/* For dark backgrounds: light and saturated foregrounds. */
static const struct role_style dark[ROLE__COUNT] = {
	[ROLE_NORMAL]     = { DEF, DEF, A_NORMAL },
	[ROLE_TITLE]      = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
	[ROLE_STATUS]     = { COLOR_WHITE, COLOR_BLUE, A_NORMAL },
	[ROLE_HEADER]     = { COLOR_YELLOW, DEF, A_BOLD },
	[ROLE_CURSOR]     = { COLOR_BLACK, COLOR_CYAN, A_NORMAL },
	[ROLE_CURSOR_DIM] = { DEF, DEF, A_REVERSE },
	[ROLE_DIM]        = { COLOR_CYAN, DEF, A_NORMAL },
	[ROLE_SCHEMA]     = { COLOR_MAGENTA, DEF, A_BOLD },
	[ROLE_BADGE_PK]   = { COLOR_YELLOW, DEF, A_BOLD },
	[ROLE_BADGE_FK]   = { COLOR_GREEN, DEF, A_BOLD },
	[ROLE_BADGE_UQ]   = { COLOR_BLUE, DEF, A_BOLD },
	[ROLE_SENSITIVE]  = { COLOR_RED, DEF, A_BOLD },
	[ROLE_OK]         = { COLOR_GREEN, DEF, A_NORMAL },
	[ROLE_WARN]       = { COLOR_YELLOW, DEF, A_NORMAL },
	[ROLE_ERROR]      = { COLOR_WHITE, COLOR_RED, A_BOLD },
	[ROLE_MATCH]      = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL },
	[ROLE_BAR]        = { COLOR_GREEN, DEF, A_REVERSE },
	[ROLE_BORDER]     = { COLOR_BLUE, DEF, A_NORMAL },
	[ROLE_INPUT]      = { DEF, DEF, A_BOLD },
};

/* For light backgrounds: dark foregrounds, no yellow or cyan on white. */
static const struct role_style light[ROLE__COUNT] = {
	[ROLE_NORMAL]     = { DEF, DEF, A_NORMAL },
	[ROLE_TITLE]      = { COLOR_WHITE, COLOR_BLUE, A_BOLD },
	[ROLE_STATUS]     = { COLOR_BLACK, COLOR_WHITE, A_REVERSE },
	[ROLE_HEADER]     = { COLOR_BLUE, DEF, A_BOLD },
	[ROLE_CURSOR]     = { COLOR_WHITE, COLOR_BLUE, A_NORMAL },
	[ROLE_CURSOR_DIM] = { DEF, DEF, A_REVERSE },
	[ROLE_DIM]        = { COLOR_BLUE, DEF, A_NORMAL },
	[ROLE_SCHEMA]     = { COLOR_MAGENTA, DEF, A_BOLD },
	[ROLE_BADGE_PK]   = { COLOR_RED, DEF, A_BOLD },
	[ROLE_BADGE_FK]   = { COLOR_GREEN, DEF, A_BOLD },
	[ROLE_BADGE_UQ]   = { COLOR_BLUE, DEF, A_BOLD },
	[ROLE_SENSITIVE]  = { COLOR_RED, DEF, A_BOLD },
	[ROLE_OK]         = { COLOR_GREEN, DEF, A_BOLD },
	[ROLE_WARN]       = { COLOR_MAGENTA, DEF, A_BOLD },
	[ROLE_ERROR]      = { COLOR_WHITE, COLOR_RED, A_BOLD },
	[ROLE_MATCH]      = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL },
	[ROLE_BAR]        = { COLOR_BLUE, DEF, A_REVERSE },
	[ROLE_BORDER]     = { COLOR_BLUE, DEF, A_NORMAL },
	[ROLE_INPUT]      = { DEF, DEF, A_BOLD },
};

/* Attributes only: readable on any terminal. */
static const attr_t mono[ROLE__COUNT] = {
	[ROLE_NORMAL]     = A_NORMAL,
	[ROLE_TITLE]      = A_REVERSE | A_BOLD,
	[ROLE_STATUS]     = A_REVERSE,
	[ROLE_HEADER]     = A_BOLD | A_UNDERLINE,
	[ROLE_CURSOR]     = A_REVERSE,
	[ROLE_CURSOR_DIM] = A_UNDERLINE,
	[ROLE_DIM]        = A_NORMAL,
	[ROLE_SCHEMA]     = A_BOLD,
	[ROLE_BADGE_PK]   = A_BOLD,
	[ROLE_BADGE_FK]   = A_BOLD,
	[ROLE_BADGE_UQ]   = A_BOLD,
	[ROLE_SENSITIVE]  = A_BOLD,
	[ROLE_OK]         = A_NORMAL,
	[ROLE_WARN]       = A_BOLD,
	[ROLE_ERROR]      = A_REVERSE | A_BOLD,
	[ROLE_MATCH]      = A_UNDERLINE | A_BOLD,
	[ROLE_BAR]        = A_REVERSE,
	[ROLE_BORDER]     = A_NORMAL,
	[ROLE_INPUT]      = A_BOLD,
};

static enum theme_scheme current = THEME_MONO;
static attr_t attrs[ROLE__COUNT];

bool theme_colour_allowed(void)
{
	const char *nc = getenv("NO_COLOR");

	if (nc && *nc)
		return false;
	if (!has_colors())
		return false;
	/* COLORS and COLOR_PAIRS are known only after start_color() */
	if (start_color() == ERR)
		return false;
	return COLORS >= 8 && COLOR_PAIRS > ROLE__COUNT;
}

enum theme_scheme theme_init(enum theme_scheme want)
{
	static bool started;
	const struct role_style *st;

	if (want != THEME_MONO && !theme_colour_allowed())
		want = THEME_MONO;
	current = want;
	if (want == THEME_MONO) {
		memcpy(attrs, mono, sizeof(attrs));
		return current;
	}
	if (!started) {
		use_default_colors();
		started = true;
	}
	st = want == THEME_LIGHT ? light : dark;
	for (int r = 0; r < ROLE__COUNT; r++) {
		if (r == ROLE_NORMAL) {
			attrs[r] = st[r].attr;
			continue;
		}
		init_pair((short)r, st[r].fg, st[r].bg);
		attrs[r] = COLOR_PAIR(r) | st[r].attr;
	}
	return current;
}

enum theme_scheme theme_current(void)
{
	return current;
}

const char *theme_name(enum theme_scheme s)
{
	switch (s) {
	case THEME_DARK: return "dark";
	case THEME_LIGHT: return "light";
	case THEME_MONO: return "mono";
	}
	return "mono";
}

int theme_parse(const char *name)
{
	if (str_eq(name, "dark"))
		return THEME_DARK;
	if (str_eq(name, "light"))
		return THEME_LIGHT;
	if (str_eq(name, "mono") || str_eq(name, "monochrome"))
		return THEME_MONO;
	return -1;
}

attr_t theme_attr(enum theme_role role)
{
	if ((int)role < 0 || role >= ROLE__COUNT)
		return A_NORMAL;
	return attrs[role];
}

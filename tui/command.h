/*
 * command.h - the command enum, key map, ':' names and help text, all
 * generated from tui/commands_table.h. Key translation of raw input
 * (keys, mouse) into commands happens in app.c; this module only answers
 * lookups and never touches the screen, so it is tested headless.
 */
#ifndef MB_TUI_COMMAND_H
#define MB_TUI_COMMAND_H

#include <curses.h>

#include "core/strbuf.h"

/* A key as the workbench sees it: a character, or a curses key code | TUI_KEY_FUNC. */
#define TUI_KEY_FUNC 0x40000000
#define FK(k) ((k) | TUI_KEY_FUNC)
#ifndef CTRL
#define CTRL(c) ((c) & 0x1f)
#endif

#include "tui/commands_table.h"

enum tui_cmd {
	CMD_NONE = 0,
#define TUI_CMD_ENUM(id, name, group, k1, k2, k3, help) CMD_##id,
	TUI_COMMANDS(TUI_CMD_ENUM)
#undef TUI_CMD_ENUM
	CMD__COUNT
};

struct tui_command {
	enum tui_cmd id;
	const char *name;   /* for the ':' line */
	const char *group;  /* help screen heading */
	int keys[3];        /* 0: unused slot */
	const char *help;
};

/* The command's entry; NULL for CMD_NONE or out of range. Static storage. */
const struct tui_command *tui_command_get(enum tui_cmd id);
/* The command bound to key, or CMD_NONE. */
enum tui_cmd tui_command_for_key(int key);
/*
 * The command with this ':' name (also accepts "q" for quit, "h" for
 * help, "e" / "edit" for open), or CMD_NONE.
 */
enum tui_cmd tui_command_by_name(const char *name);
/* A stable printable name for a key ("j", "Down", "^F", "Esc", "F1"). */
void tui_key_name(int key, char *buf, size_t bufsz);
/*
 * Appends the help screen's text: one line per command under its group
 * heading, lines separated by '\n'. Columns: keys, ":name", description.
 */
void tui_help_text(struct strbuf *out);

#endif

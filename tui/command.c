/*
 * command.c - lookups over the one command list.
 */
#include "config.h"

#include <stdio.h>

#include "core/util.h"
#include "tui/command.h"
#include "tui/uwidth.h"

static const struct tui_command commands[] = {
	{ CMD_NONE, "", "", { 0, 0, 0 }, "" },
#define TUI_CMD_ENTRY(id, name, group, k1, k2, k3, help) \
	{ CMD_##id, name, group, { k1, k2, k3 }, help },
	TUI_COMMANDS(TUI_CMD_ENTRY)
#undef TUI_CMD_ENTRY
};

static const struct {
	const char *alias;
	enum tui_cmd id;
} aliases[] = {
	{ "q", CMD_QUIT },
	{ "q!", CMD_QUIT },
	{ "exit", CMD_QUIT },
	{ "h", CMD_HELP },
	{ "e", CMD_CONNECT },
	{ "edit", CMD_CONNECT },
	{ "connect", CMD_CONNECT },
};

const struct tui_command *tui_command_get(enum tui_cmd id)
{
	if (id <= CMD_NONE || id >= CMD__COUNT)
		return NULL;
	return &commands[id];
}

enum tui_cmd tui_command_for_key(int key)
{
	if (key == 0)
		return CMD_NONE;
	for (size_t i = 1; i < ARRAY_SIZE(commands); i++)
		for (int k = 0; k < 3; k++)
			if (commands[i].keys[k] == key)
				return commands[i].id;
	return CMD_NONE;
}

enum tui_cmd tui_command_by_name(const char *name)
{
	if (!name || !*name)
		return CMD_NONE;
	for (size_t i = 1; i < ARRAY_SIZE(commands); i++)
		if (str_eq(commands[i].name, name))
			return commands[i].id;
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (str_eq(aliases[i].alias, name))
			return aliases[i].id;
	return CMD_NONE;
}

void tui_key_name(int key, char *buf, size_t bufsz)
{
	static const struct {
		int key;
		const char *name;
	} names[] = {
		{ FK(KEY_UP), "Up" }, { FK(KEY_DOWN), "Down" },
		{ FK(KEY_LEFT), "Left" }, { FK(KEY_RIGHT), "Right" },
		{ FK(KEY_PPAGE), "PgUp" }, { FK(KEY_NPAGE), "PgDn" },
		{ FK(KEY_HOME), "Home" }, { FK(KEY_END), "End" },
		{ FK(KEY_ENTER), "KpEnter" }, { FK(KEY_BTAB), "S-Tab" },
		{ FK(KEY_BACKSPACE), "Backspace" }, { FK(KEY_DC), "Delete" },
		{ '\r', "Enter" }, { '\n', "^J" }, { '\t', "Tab" },
		{ 27, "Esc" }, { ' ', "Space" }, { 127, "Backspace" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i].key == key) {
			snprintf(buf, bufsz, "%s", names[i].name);
			return;
		}
	}
	if (key & TUI_KEY_FUNC) {
		int code = key & ~TUI_KEY_FUNC;

		if (code >= KEY_F(1) && code <= KEY_F(24))
			snprintf(buf, bufsz, "F%d", code - KEY_F0);
		else
			snprintf(buf, bufsz, "key%d", code);
	} else if (key > 0 && key < 32) {
		snprintf(buf, bufsz, "^%c", key + '@');
	} else if (key > 32 && key < 127) {
		snprintf(buf, bufsz, "%c", key);
	} else {
		snprintf(buf, bufsz, "U+%04X", (unsigned)key);
	}
}

void tui_help_text(struct strbuf *out)
{
	const char *group = NULL;
	char kn[32];

	for (size_t i = 1; i < ARRAY_SIZE(commands); i++) {
		const struct tui_command *c = &commands[i];
		struct strbuf keys = STRBUF_INIT;
		struct strbuf name = STRBUF_INIT;

		if (!group || !str_eq(group, c->group)) {
			if (group)
				strbuf_addch(out, '\n');
			strbuf_addf(out, "%s\n", c->group);
			group = c->group;
		}
		for (int k = 0; k < 3; k++) {
			if (!c->keys[k])
				continue;
			tui_key_name(c->keys[k], kn, sizeof(kn));
			if (keys.len)
				strbuf_addch(&keys, ' ');
			strbuf_addstr(&keys, kn);
		}
		strbuf_addf(&name, ":%s", c->name);
		strbuf_addstr(out, "  ");
		uw_render_pad(out, keys.buf, keys.len, 18, UW_LEFT);
		strbuf_addch(out, ' ');
		uw_render_pad(out, name.buf, name.len, 14, UW_LEFT);
		strbuf_addf(out, " %s\n", c->help);
		strbuf_release(&keys);
		strbuf_release(&name);
	}
	strbuf_addstr(out, "\nAt the ':' line a command takes its argument after a space,\n"
			   "e.g. ':open sqlite:///tmp/shop.db' or ':theme light'.\n"
			   "Mouse: click to select, double-click to open, wheel to scroll.\n");
}

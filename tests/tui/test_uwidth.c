/*
 * test_uwidth.c - display widths, escaping and cutting (tui/uwidth.c), the
 * list cursor and entry fields (tui/widgets.c) and the command table
 * (tui/command.c), all without a terminal.
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include "core/util.h"
#include "tests/lib/tap.h"
#include "tui/command.h"
#include "tui/uwidth.h"
#include "tui/widgets.h"

static char *render(const char *s, size_t cols)
{
	struct strbuf sb = STRBUF_INIT;

	uw_render(&sb, s, (size_t)-1, cols);
	return strbuf_detach(&sb, NULL);
}

static char *pad(const char *s, size_t cols, enum uw_align a)
{
	struct strbuf sb = STRBUF_INIT;

	uw_render_pad(&sb, s, (size_t)-1, cols, a);
	return strbuf_detach(&sb, NULL);
}

static void check_str(char *got, const char *want, const char *name)
{
	if (!tap_ok(str_eq(got, want), "%s", name))
		tap_diag("got '%s', want '%s'", got, want);
	free(got);
}

static void test_widths(void)
{
	tap_ok(uw_width("abc", (size_t)-1) == 3, "ASCII is one column a letter");
	tap_ok(uw_width("顧客", (size_t)-1) == 4, "CJK ideographs take two columns");
	tap_ok(uw_width("e\xcc\x81", (size_t)-1) == 1, "a combining accent takes none");
	tap_ok(uw_width("a\nb", (size_t)-1) == 4, "a newline is drawn as \\n (2 columns)");
	tap_ok(uw_width("\x1b[31m", (size_t)-1) == 8, "ESC is drawn as \\x1b");
	tap_ok(uw_width("\xff", (size_t)-1) == 4, "an invalid byte is drawn as \\xff");
	tap_ok(uw_width("\xc0\xaf", (size_t)-1) == 8, "an overlong sequence is escaped byte by byte");
	tap_ok(uw_width("\xed\xa0\x80", (size_t)-1) == 12, "a UTF-16 surrogate is escaped");
	tap_ok(uw_width("\xe2\x80\xae", (size_t)-1) == 8, "a bidi override is shown as \\u{202e}");
	tap_ok(uw_width("", (size_t)-1) == 0, "empty string");
	tap_ok(uw_width("abcdef", 3) == 3, "an explicit byte length is honoured");
}

static void test_render(void)
{
	check_str(render("a\tb", 10), "a\\tb", "a tab is escaped");
	check_str(render("\x1b]0;pwned\x07", 40), "\\x1b]0;pwned\\x07",
		  "terminal escape sequences cannot reach the terminal");
	check_str(render("abcdef", 6), "abcdef", "text that fits exactly is kept");
	check_str(render("abcdefg", 6), "abcde\xe2\x80\xa6", "text that does not fit ends in an ellipsis");
	check_str(render("顧客テーブル", 6), "顧客\xe2\x80\xa6", "a wide character is not split by the cut");
	check_str(render("顧客テーブル", 7), "顧客テ\xe2\x80\xa6", "wide text cut at an odd width");
	check_str(render("abc", 0), "", "zero columns draws nothing");
	check_str(pad("顧客", 6, UW_LEFT), "顧客  ", "padding counts columns, not bytes");
	check_str(pad("42", 5, UW_RIGHT), "   42", "right alignment");
	check_str(pad("ab", 6, UW_CENTER), "  ab  ", "centred");
	check_str(pad("顧客テーブル", 5, UW_LEFT), "顧客\xe2\x80\xa6", "a cut wide text fills exactly");
	{
		struct strbuf sb = STRBUF_INIT;

		uw_render_tail(&sb, "/home/user/data/demo.db", (size_t)-1, 10);
		tap_ok(str_eq(sb.buf, "\xe2\x80\xa6" "a/demo.db"), "tail keeps the end of a path");
		tap_ok(uw_width(sb.buf, sb.len) == 10, "tail fills the width");
		strbuf_release(&sb);
	}
	for (size_t w = 0; w < 16; w++) {
		struct strbuf sb = STRBUF_INIT;
		int good = 1;

		uw_render_pad(&sb, "名前\x01x顧客テ\n", (size_t)-1, w, UW_LEFT);
		good = uw_width(sb.buf, sb.len) == w && utf8_valid(sb.buf, sb.len);
		if (!tap_ok(good, "mixed text padded to %zu columns is exactly %zu wide", w, w))
			tap_diag("got '%s'", sb.buf);
		strbuf_release(&sb);
	}
}

static void test_format(void)
{
	char buf[32];

	check_str(xstrdup(uw_format_count(buf, sizeof(buf), 1234567)), "1,234,567", "thousands separators");
	check_str(xstrdup(uw_format_count(buf, sizeof(buf), 999)), "999", "no separator below 1000");
	check_str(xstrdup(uw_format_bytes(buf, sizeof(buf), 812)), "812 B", "bytes");
	check_str(xstrdup(uw_format_bytes(buf, sizeof(buf), 1234567)), "1.2 MB", "megabytes");
	check_str(xstrdup(uw_format_bytes(buf, sizeof(buf), -1)), "", "unknown size is blank");
}

static void test_list(void)
{
	struct tui_list l;

	tui_list_init(&l);
	tui_list_set_height(&l, 5);
	tui_list_set_count(&l, 20);
	tui_list_command(&l, CMD_LAST);
	tap_ok(l.cur == 19 && l.top == 15, "last row: cursor 19, view from 15");
	tui_list_command(&l, CMD_PAGE_UP);
	tap_ok(l.cur == 15 && l.top == 15, "page up moves one page less one row");
	tui_list_scroll(&l, -10);
	tap_ok(l.top == 5 && l.cur == 9, "the wheel scrolls and drags the cursor along");
	tui_list_set_count(&l, 3);
	tap_ok(l.cur == 2 && l.top == 0, "shrinking the list clamps cursor and view");
	tap_ok(tui_list_row_at(&l, 1) == 1 && tui_list_row_at(&l, 4) == (size_t)-1,
	       "rows below the last item are not items");
	tui_list_set_count(&l, 0);
	tap_ok(!tui_list_command(&l, CMD_HELP) && l.cur == 0, "an empty list stays at 0");
}

static void test_field(void)
{
	struct tui_field f;

	tui_field_init(&f, false);
	tui_field_key(&f, 'a');
	tui_field_key(&f, 0x9867);   /* 顧 */
	tui_field_key(&f, 'b');
	tap_ok(str_eq(f.text.buf, "a顧b") && f.cursor == 5, "typing wide characters stores UTF-8");
	tui_field_key(&f, FK(KEY_LEFT));
	tui_field_key(&f, 127);
	tap_ok(str_eq(f.text.buf, "ab") && f.cursor == 1, "Backspace removes a whole character");
	tui_field_key(&f, 0x1b);
	tap_ok(tui_field_key(&f, '\r') == FIELD_SUBMIT, "Enter submits");
	tap_ok(tui_field_key(&f, 27) == FIELD_CANCEL, "Esc cancels");
	tap_ok(tui_field_key(&f, 0x85) == FIELD_IGNORED, "a C1 control is not inserted");
	tui_field_key(&f, CTRL('u'));
	tap_ok(f.text.len == 1 && f.cursor == 0, "^U deletes to the start");
	tui_field_release(&f);
}

static void test_marks(void)
{
	struct tui_marks m = { 0 };
	char **many = xcalloc(4, sizeof(*many));

	tap_ok(!tui_marks_has(&m, "main.t.a") && m.n == 0, "an empty mark set has nothing");
	tap_ok(tui_marks_toggle(&m, "main.t.b"), "toggling an unmarked name marks it");
	tui_marks_toggle(&m, "main.t.a");
	tui_marks_add(&m, "main.t.a");
	tap_ok(m.n == 2 && str_eq(m.names[0], "main.t.a") && str_eq(m.names[1], "main.t.b"),
	       "marks stay sorted and unique");
	tap_ok(!tui_marks_toggle(&m, "main.t.b") && !tui_marks_has(&m, "main.t.b") && m.n == 1,
	       "toggling a marked name unmarks it");
	many[0] = xstrdup("main.u.z");
	many[1] = xstrdup("main.t.a");   /* already marked: freed */
	many[2] = xstrdup("main.u.c");
	many[3] = xstrdup("main.u.z");   /* twice: freed */
	tui_marks_add_owned(&m, many, 4);
	free(many);
	tap_ok(m.n == 3 && str_eq(m.names[0], "main.t.a") && str_eq(m.names[1], "main.u.c") &&
	       str_eq(m.names[2], "main.u.z") && tui_marks_has(&m, "main.u.c"),
	       "marking many at once merges, sorts and drops duplicates");
	tui_marks_clear(&m);
	tap_ok(m.n == 0 && !m.names && !tui_marks_has(&m, "main.u.c"), "clear empties the set");
	tap_ok(tui_command_for_key(' ') == CMD_MARK && tui_command_for_key('*') == CMD_MARK_ALL,
	       "Space marks and * marks all");
}

static void test_commands(void)
{
	struct strbuf help = STRBUF_INIT;
	size_t n = 0;

	tap_ok(tui_command_for_key('j') == CMD_DOWN && tui_command_for_key(FK(KEY_DOWN)) == CMD_DOWN,
	       "j and Down are the same command");
	tap_ok(tui_command_for_key('q') == CMD_BACK && tui_command_for_key(27) == CMD_BACK,
	       "q and Esc go back");
	tap_ok(tui_command_by_name("quit") == CMD_QUIT && tui_command_by_name("q") == CMD_QUIT,
	       ":quit and :q");
	tap_ok(tui_command_by_name("nosuch") == CMD_NONE, "unknown names are CMD_NONE");
	tui_help_text(&help);
	for (int id = CMD_NONE + 1; id < CMD__COUNT; id++) {
		const struct tui_command *c = tui_command_get((enum tui_cmd)id);
		char want[64];

		snprintf(want, sizeof(want), ":%s ", c->name);
		if (strstr(help.buf, want) && strstr(help.buf, c->help))
			n++;
		else
			tap_diag("help lacks %s", c->name);
		/* every key maps back to its own command: no key is bound twice */
		for (int k = 0; k < 3; k++)
			if (c->keys[k] && tui_command_for_key(c->keys[k]) != c->id)
				tap_diag("key %d of %s is bound twice", k, c->name);
	}
	tap_ok(n == CMD__COUNT - 1, "the help text lists every command with its help");
	for (int id = CMD_NONE + 1; id < CMD__COUNT; id++) {
		const struct tui_command *c = tui_command_get((enum tui_cmd)id);

		for (int k = 0; k < 3; k++)
			if (c->keys[k] && tui_command_for_key(c->keys[k]) != c->id)
				n = 0;
	}
	tap_ok(n != 0, "no key is bound to two commands");
	strbuf_release(&help);
}

int main(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "en_US.UTF-8"))
		tap_skip_all("no UTF-8 locale");
	test_widths();
	test_render();
	test_format();
	test_list();
	test_field();
	test_marks();
	test_commands();
	return tap_done();
}

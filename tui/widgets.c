/*
 * widgets.c - drawing helpers, list cursor, entry fields.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/util.h"
#include "tui/command.h"
#include "tui/widgets.h"

void tui_putn(WINDOW *w, int y, int x, int cols, attr_t attr, const char *s,
	      size_t len, enum uw_align align)
{
	struct strbuf sb = STRBUF_INIT;

	if (cols <= 0)
		return;
	uw_render_pad(&sb, s ? s : "", s ? len : 0, (size_t)cols, align);
	wattrset(w, attr);
	mvwaddnstr(w, y, x, sb.buf, (int)sb.len);
	wattrset(w, A_NORMAL);
	strbuf_release(&sb);
}

void tui_put(WINDOW *w, int y, int x, int cols, attr_t attr, const char *s,
	     enum uw_align align)
{
	tui_putn(w, y, x, cols, attr, s, s ? strlen(s) : 0, align);
}

int tui_put_wrapped(WINDOW *w, int y, int x, int cols, int max_rows,
		    attr_t attr, const char *s)
{
	size_t len = s ? strlen(s) : 0, pos = 0;
	int row = 0;

	if (cols <= 0)
		return 0;
	while (pos < len && row < max_rows) {
		size_t n = uw_fit(s + pos, len - pos, (size_t)cols);

		if (row == max_rows - 1 || pos + n >= len) {
			/* the last row we may use: cut with an ellipsis */
			tui_putn(w, y + row, x, cols, attr, s + pos, len - pos, UW_LEFT);
			return row + 1;
		}
		/* break after the last space that fits, if there is one */
		for (size_t k = n; k > n / 2; k--) {
			if (s[pos + k - 1] == ' ') {
				n = k;
				break;
			}
		}
		if (n == 0)
			n = uw_next_char(s + pos, len - pos, 0);
		tui_putn(w, y + row, x, cols, attr, s + pos, n, UW_LEFT);
		pos += n;
		row++;
	}
	return row;
}

void tui_fill(WINDOW *w, int y, int x, int cols, attr_t attr)
{
	tui_putn(w, y, x, cols, attr, "", 0, UW_LEFT);
}

void tui_vline(WINDOW *w, int y, int x, int rows, attr_t attr)
{
	wattrset(w, attr);
	mvwvline(w, y, x, ACS_VLINE, rows);
	wattrset(w, A_NORMAL);
}

void tui_bar(WINDOW *w, int y, int x, int cols, double fraction, attr_t attr)
{
	int fill;

	if (cols <= 0)
		return;
	if (fraction < 0 || fraction != fraction)
		fraction = 0;
	if (fraction > 1)
		fraction = 1;
	fill = (int)(fraction * cols + 0.5);
	if (fraction > 0 && fill == 0)
		fill = 1;
	tui_fill(w, y, x, fill, attr);
	tui_fill(w, y, x + fill, cols - fill, A_NORMAL);
}

/* ---- list ---- */

static void list_clamp(struct tui_list *l)
{
	size_t h = l->height > 0 ? (size_t)l->height : 1;

	if (l->count == 0) {
		l->cur = l->top = 0;
		return;
	}
	if (l->cur >= l->count)
		l->cur = l->count - 1;
	if (l->top > l->cur)
		l->top = l->cur;
	if (l->cur >= l->top + h)
		l->top = l->cur - h + 1;
	/* no empty space below the last row when the list could fill it */
	if (l->top + h > l->count)
		l->top = l->count > h ? l->count - h : 0;
}

void tui_list_init(struct tui_list *l)
{
	l->count = l->cur = l->top = 0;
	l->height = 1;
}

void tui_list_set_count(struct tui_list *l, size_t count)
{
	l->count = count;
	list_clamp(l);
}

void tui_list_set_height(struct tui_list *l, int height)
{
	l->height = height > 0 ? height : 1;
	list_clamp(l);
}

void tui_list_move(struct tui_list *l, long delta)
{
	if (l->count == 0)
		return;
	if (delta < 0 && (size_t)-delta > l->cur)
		l->cur = 0;
	else if (delta > 0 && l->cur + (size_t)delta >= l->count)
		l->cur = l->count - 1;
	else
		l->cur = (size_t)((long)l->cur + delta);
	list_clamp(l);
}

void tui_list_goto(struct tui_list *l, size_t idx)
{
	l->cur = idx;
	list_clamp(l);
}

void tui_list_scroll(struct tui_list *l, long delta)
{
	size_t h = (size_t)l->height, max_top;

	if (l->count == 0)
		return;
	max_top = l->count > h ? l->count - h : 0;
	if (delta < 0 && (size_t)-delta > l->top)
		l->top = 0;
	else if (delta > 0 && l->top + (size_t)delta > max_top)
		l->top = max_top;
	else
		l->top = (size_t)((long)l->top + delta);
	if (l->cur < l->top)
		l->cur = l->top;
	if (l->cur >= l->top + h)
		l->cur = l->top + h - 1;
	list_clamp(l);
}

bool tui_list_command(struct tui_list *l, int cmd)
{
	long page = l->height > 1 ? l->height - 1 : 1;

	switch (cmd) {
	case CMD_UP: tui_list_move(l, -1); return true;
	case CMD_DOWN: tui_list_move(l, 1); return true;
	case CMD_PAGE_UP: tui_list_move(l, -page); return true;
	case CMD_PAGE_DOWN: tui_list_move(l, page); return true;
	case CMD_FIRST: tui_list_goto(l, 0); return true;
	case CMD_LAST: tui_list_goto(l, l->count ? l->count - 1 : 0); return true;
	default: return false;
	}
}

size_t tui_list_row_at(const struct tui_list *l, int row)
{
	if (row < 0 || row >= l->height || l->top + (size_t)row >= l->count)
		return (size_t)-1;
	return l->top + (size_t)row;
}

/* ---- marks ---- */

void tui_marks_clear(struct tui_marks *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	memset(m, 0, sizeof(*m));
}

/* Position of name, or where it would go (*found false). */
static size_t marks_find(const struct tui_marks *m, const char *name, bool *found)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->names[mid], name);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

bool tui_marks_has(const struct tui_marks *m, const char *name)
{
	bool found;

	marks_find(m, name, &found);
	return found;
}

void tui_marks_add(struct tui_marks *m, const char *name)
{
	bool found;
	size_t at = marks_find(m, name, &found);

	if (found)
		return;
	ALLOC_GROW(m->names, m->n + 1, m->alloc);
	memmove(&m->names[at + 1], &m->names[at], (m->n - at) * sizeof(*m->names));
	m->names[at] = xstrdup(name);
	m->n++;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void tui_marks_add_owned(struct tui_marks *m, char **names, size_t n)
{
	size_t out = 0;

	if (!n)
		return;
	ALLOC_GROW(m->names, m->n + n, m->alloc);
	memcpy(&m->names[m->n], names, n * sizeof(*names));
	m->n += n;
	qsort(m->names, m->n, sizeof(*m->names), name_cmp);
	for (size_t i = 0; i < m->n; i++) {
		if (out && str_eq(m->names[out - 1], m->names[i])) {
			free(m->names[i]);
			continue;
		}
		m->names[out++] = m->names[i];
	}
	m->n = out;
}

bool tui_marks_toggle(struct tui_marks *m, const char *name)
{
	bool found;
	size_t at = marks_find(m, name, &found);

	if (!found) {
		tui_marks_add(m, name);
		return true;
	}
	free(m->names[at]);
	memmove(&m->names[at], &m->names[at + 1], (m->n - at - 1) * sizeof(*m->names));
	m->n--;
	return false;
}

/* ---- entry field ---- */

void tui_field_init(struct tui_field *f, bool secret)
{
	strbuf_init(&f->text, 0);
	f->cursor = 0;
	f->secret = secret;
}

static void field_wipe(struct tui_field *f)
{
	if (f->secret && f->text.alloc)
		secure_zero(f->text.buf, f->text.alloc);
}

void tui_field_release(struct tui_field *f)
{
	field_wipe(f);
	strbuf_release(&f->text);
	f->cursor = 0;
}

void tui_field_set(struct tui_field *f, const char *s)
{
	field_wipe(f);
	strbuf_reset(&f->text);
	if (s)
		strbuf_addstr(&f->text, s);
	f->cursor = f->text.len;
}

/*
 * Inserts or deletes through a fresh buffer, so that a secret never leaves
 * copies behind in memory freed by a reallocation.
 */
static void field_splice(struct tui_field *f, size_t at, size_t del,
			 const char *ins, size_t inslen)
{
	struct strbuf nb = STRBUF_INIT;

	strbuf_grow(&nb, f->text.len - del + inslen + 16);
	strbuf_add(&nb, f->text.buf, at);
	strbuf_add(&nb, ins, inslen);
	strbuf_add(&nb, f->text.buf + at + del, f->text.len - at - del);
	field_wipe(f);
	strbuf_release(&f->text);
	f->text = nb;
}

static size_t utf8_encode(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	} else if (cp < 0x10000) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			return 0;
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	} else if (cp <= 0x10ffff) {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

enum tui_field_result tui_field_key(struct tui_field *f, int key)
{
	size_t p;

	switch (key) {
	case '\r':
	case '\n':
	case FK(KEY_ENTER):
		return FIELD_SUBMIT;
	case 27:
		return FIELD_CANCEL;
	case FK(KEY_BACKSPACE):
	case 127:
	case CTRL('h'):
		if (f->cursor == 0)
			return FIELD_EDITED;
		p = uw_prev_char(f->text.buf, f->cursor);
		field_splice(f, p, f->cursor - p, "", 0);
		f->cursor = p;
		return FIELD_EDITED;
	case FK(KEY_DC):
	case CTRL('d'):
		if (f->cursor < f->text.len) {
			p = uw_next_char(f->text.buf, f->text.len, f->cursor);
			field_splice(f, f->cursor, p - f->cursor, "", 0);
		}
		return FIELD_EDITED;
	case FK(KEY_LEFT):
	case CTRL('b'):
		f->cursor = uw_prev_char(f->text.buf, f->cursor);
		return FIELD_EDITED;
	case FK(KEY_RIGHT):
	case CTRL('f'):
		f->cursor = uw_next_char(f->text.buf, f->text.len, f->cursor);
		return FIELD_EDITED;
	case FK(KEY_HOME):
	case CTRL('a'):
		f->cursor = 0;
		return FIELD_EDITED;
	case FK(KEY_END):
	case CTRL('e'):
		f->cursor = f->text.len;
		return FIELD_EDITED;
	case CTRL('u'):
		field_splice(f, 0, f->cursor, "", 0);
		f->cursor = 0;
		return FIELD_EDITED;
	case CTRL('k'):
		field_splice(f, f->cursor, f->text.len - f->cursor, "", 0);
		return FIELD_EDITED;
	case CTRL('w'):
		p = f->cursor;
		while (p > 0 && f->text.buf[p - 1] == ' ')
			p--;
		while (p > 0 && f->text.buf[p - 1] != ' ')
			p--;
		field_splice(f, p, f->cursor - p, "", 0);
		f->cursor = p;
		return FIELD_EDITED;
	default:
		break;
	}
	if (!(key & TUI_KEY_FUNC) && key >= 0x20 && key != 0x7f &&
	    !(key >= 0x80 && key < 0xa0)) {
		char buf[4];
		size_t n = utf8_encode((unsigned)key, buf);

		if (n) {
			field_splice(f, f->cursor, 0, buf, n);
			f->cursor += n;
			secure_zero(buf, sizeof(buf));
			return FIELD_EDITED;
		}
	}
	return FIELD_IGNORED;
}

void tui_field_draw(WINDOW *w, int y, int x, int cols, const char *label,
		    const struct tui_field *f, attr_t attr, int *cursor_x)
{
	int lw = (int)uw_width(label, (size_t)-1);
	int avail, before;
	size_t start = 0;

	if (lw > cols / 2)
		lw = cols / 2;
	tui_put(w, y, x, lw, attr | A_BOLD, label, UW_LEFT);
	avail = cols - lw;
	if (avail <= 1) {
		*cursor_x = x + lw;
		return;
	}
	if (f->secret) {
		tui_fill(w, y, x + lw, avail, attr);
		*cursor_x = x + lw;
		return;
	}
	/* scroll so that the cursor stays inside the field */
	before = (int)uw_width(f->text.buf, f->cursor);
	while (before > avail - 1 && start < f->cursor) {
		size_t n = uw_next_char(f->text.buf, f->text.len, start);

		before -= (int)uw_width(f->text.buf + start, n - start);
		start = n;
	}
	tui_putn(w, y, x + lw, avail, attr, f->text.buf + start,
		 f->text.len - start, UW_LEFT);
	*cursor_x = x + lw + before;
}

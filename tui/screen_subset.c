/*
 * screen_subset.c - the subset settings (core/subset_config.h) as a table
 * list with toggles: r root (w its condition), C follow children into it,
 * K keep all rows, X copy empty; the plan's rows per table as bars (p
 * plans, off the UI loop); Tab shows the relationships as a tree from the
 * roots. Every change is saved at once with subset_config_save().
 */
#include "config.h"

#include <stdlib.h>

#include "core/subset_config.h"
#include "core/util.h"
#include "tui/app.h"

struct subset_state {
	struct subset_config cfg;
	struct tui_list list;        /* over catalog tables */
	struct tui_list tree_list;   /* over tree lines */
	bool show_tree;
	char **tree;                 /* lines, owned */
	size_t ntree, tree_alloc;
	bool plan_stale;
	int list_y;
};

/* Does a name as the user wrote it ("t" or "s.t") mean this table? */
static bool names_table(const char *name, const struct cat_table *t)
{
	size_t sl = strlen(t->schema);

	if (str_eq(name, t->name))
		return true;
	return !strncmp(name, t->schema, sl) && name[sl] == '.' && str_eq(name + sl + 1, t->name);
}

static bool root_is(const struct subset_root *r, const struct cat_table *t)
{
	return str_eq(r->table, t->name) && (!r->schema || str_eq(r->schema, t->schema));
}

static long find_root(const struct subset_config *cfg, const struct cat_table *t)
{
	for (size_t i = 0; i < cfg->nroots; i++)
		if (root_is(&cfg->roots[i], t))
			return (long)i;
	return -1;
}

static long find_name(char **list, size_t n, const struct cat_table *t)
{
	for (size_t i = 0; i < n; i++)
		if (names_table(list[i], t))
			return (long)i;
	return -1;
}

/* The shortest name that still means t: "t", or "s.t" when t is ambiguous. */
static char *name_for(struct app *app, const struct cat_table *t)
{
	size_t same = 0;

	for (size_t i = 0; i < app->cat.ntables; i++)
		if (str_eq(app->cat.tables[i].name, t->name))
			same++;
	return same > 1 ? xasprintf("%s.%s", t->schema, t->name) : xstrdup(t->name);
}

static void toggle_name(struct app *app, char ***list, size_t *n, size_t *alloc,
			const struct cat_table *t)
{
	long at = find_name(*list, *n, t);

	if (at >= 0) {
		free((*list)[at]);
		memmove(&(*list)[at], &(*list)[at + 1], (*n - (size_t)at - 1) * sizeof(**list));
		(*n)--;
		return;
	}
	{
		char *nm = name_for(app, t);

		subset_config_add_name(list, n, alloc, nm);
		free(nm);
	}
}

static void remove_root(struct subset_config *cfg, size_t at)
{
	free(cfg->roots[at].schema);
	free(cfg->roots[at].table);
	free(cfg->roots[at].where);
	memmove(&cfg->roots[at], &cfg->roots[at + 1],
		(cfg->nroots - at - 1) * sizeof(*cfg->roots));
	cfg->nroots--;
}

static void tree_add(struct subset_state *st, int depth, const char *mark,
		     const struct cat_table *t, const char *how)
{
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < depth; i++)
		strbuf_addstr(&sb, "    ");
	strbuf_addf(&sb, "%s %s.%s%s%s", mark, t->schema, t->name, how ? "  " : "",
		    how ? how : "");
	ALLOC_GROW(st->tree, st->ntree + 1, st->tree_alloc);
	st->tree[st->ntree++] = strbuf_detach(&sb, NULL);
}

static bool follows_children(const struct subset_config *cfg, const struct cat_table *t)
{
	return cfg->children_all || find_name(cfg->children, cfg->nchildren, t) >= 0;
}

/* Children of table idx (tables with a key pointing at it), depth-first. */
static void tree_children(struct app *app, struct subset_state *st, int idx, int depth,
			  unsigned char *seen)
{
	const struct catalog *cat = &app->cat;

	if (depth > 4 || st->ntree > 2000)
		return;
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *c = &cat->tables[i];

		for (size_t f = 0; f < c->nfks; f++) {
			if (c->fks[f].ref_table_idx != idx)
				continue;
			if ((int)i == idx) {
				tree_add(st, depth, "\xe2\x86\xbb", c, "(refers to itself)");
				break;
			}
			if (!follows_children(&st->cfg, c)) {
				tree_add(st, depth, "\xc2\xb7", c, "(child, not followed: C follows)");
				break;
			}
			if (seen[i]) {
				tree_add(st, depth, "\xe2\x86\xb3", c, "(already shown)");
				break;
			}
			seen[i] = 1;
			tree_add(st, depth, "\xe2\x86\xb3", c, NULL);
			tree_children(app, st, (int)i, depth + 1, seen);
			break;
		}
	}
}

static void build_tree(struct app *app, struct subset_state *st)
{
	unsigned char *seen;

	for (size_t i = 0; i < st->ntree; i++)
		free(st->tree[i]);
	st->ntree = 0;
	seen = xcalloc(app->cat.ntables + 1, 1);
	for (size_t r = 0; r < st->cfg.nroots; r++) {
		const struct subset_root *root = &st->cfg.roots[r];
		const struct cat_table *t = catalog_find_table(&app->cat, root->schema, root->table);
		int idx;

		if (!t)
			continue;
		idx = catalog_table_index(&app->cat, t);
		seen[idx] = 1;
		tree_add(st, 0, "\xe2\x97\x8f", t, root->where ? root->where : "(all rows)");
		/* parents are always followed */
		for (size_t f = 0; f < t->nfks; f++) {
			int p = t->fks[f].ref_table_idx;

			if (p >= 0 && p != idx)
				tree_add(st, 1, "\xe2\x86\x91", &app->cat.tables[p], "(parent)");
		}
		tree_children(app, st, idx, 1, seen);
	}
	if (!st->cfg.nroots) {
		ALLOC_GROW(st->tree, st->ntree + 1, st->tree_alloc);
		st->tree[st->ntree++] =
			xstrdup("no roots: every table is copied whole (r marks a root)");
	}
	free(seen);
	tui_list_set_count(&st->tree_list, st->ntree);
}

static int subset_open(struct app *app, struct screen *s, struct mb_err *err)
{
	struct subset_state *st = xcalloc(1, sizeof(*st));

	subset_config_init(&st->cfg);
	if (!app_ws(app)) {
		free(st);
		return mb_err_set(err, MB_ERR_USAGE, "the workspace is busy: wait for the job");
	}
	if (subset_config_load(app->ws, &st->cfg, err) < 0) {
		free(st);
		return -1;
	}
	tui_list_init(&st->list);
	tui_list_init(&st->tree_list);
	tui_list_set_count(&st->list, app->cat.ntables);
	build_tree(app, st);
	s->state = st;
	return 0;
}

static void subset_close(struct app *app, struct screen *s)
{
	struct subset_state *st = s->state;

	(void)app;
	subset_config_release(&st->cfg);
	for (size_t i = 0; i < st->ntree; i++)
		free(st->tree[i]);
	free(st->tree);
	free(st);
}

static void save(struct app *app, struct subset_state *st)
{
	struct mb_err err = MB_ERR_INIT;

	if (app_busy(app) || !app_ws(app)) {
		app_message(app, MSG_WARN, "busy: the change is not saved");
		return;
	}
	if (subset_config_save(app->ws, &st->cfg, &err) < 0) {
		app_error(app, &err);
		return;
	}
	st->plan_stale = app->nplan > 0;
	build_tree(app, st);
}

static const struct plan_row *plan_for(struct app *app, const struct cat_table *t)
{
	for (size_t i = 0; i < app->nplan; i++)
		if (str_eq(app->plan[i].table, t->name) && str_eq(app->plan[i].schema, t->schema))
			return &app->plan[i];
	return NULL;
}

static void draw_summary(struct app *app, struct subset_state *st, WINDOW *w, int cols, int *y)
{
	struct strbuf sb = STRBUF_INIT;

	(void)app;
	strbuf_addstr(&sb, " roots: ");
	if (!st->cfg.nroots)
		strbuf_addstr(&sb, "none (a masked clone of every table)");
	for (size_t i = 0; i < st->cfg.nroots; i++) {
		const struct subset_root *r = &st->cfg.roots[i];

		strbuf_addf(&sb, "%s%s%s%s", i ? "; " : "", r->table, r->where ? " where " : "",
			    r->where ? r->where : "");
	}
	strbuf_addstr(&sb, "   children: ");
	if (st->cfg.children_all)
		strbuf_addf(&sb, "all%s", st->cfg.max_depth ? " (max depth set)" : "");
	else if (!st->cfg.nchildren)
		strbuf_addstr(&sb, "none");
	for (size_t i = 0; !st->cfg.children_all && i < st->cfg.nchildren; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", st->cfg.children[i]);
	*y += tui_put_wrapped(w, *y, 0, cols, 2, A_NORMAL, sb.buf);
	strbuf_release(&sb);
}

static void subset_draw(struct app *app, struct screen *s, WINDOW *w, int rows, int cols)
{
	struct subset_state *st = s->state;
	int y = 0, fw = 9, rw = 10, nw = cols * 3 / 10, bw, reason_x;
	int64_t maxrows = 1;
	char num[32];

	snprintf(s->title, sizeof(s->title), "Subset%s", app->nplan
		 ? (st->plan_stale ? " (plan is stale: p plans again)" : " and plan") : "");
	draw_summary(app, st, w, cols, &y);
	if (app->plan_error)
		y += tui_put_wrapped(w, y, 0, cols, 2, theme_attr(ROLE_ERROR), app->plan_error);
	if (st->show_tree) {
		tui_put(w, y++, 0, cols, theme_attr(ROLE_HEADER),
			" Relationships from the roots (Tab: back to the tables)", UW_LEFT);
		tui_list_set_height(&st->tree_list, rows - y);
		for (int i = 0; i < st->tree_list.height; i++) {
			size_t k = tui_list_row_at(&st->tree_list, i);

			if (k == (size_t)-1)
				break;
			tui_put(w, y + i, 1, cols - 1,
				k == st->tree_list.cur ? theme_attr(ROLE_CURSOR) : A_NORMAL,
				st->tree[k], UW_LEFT);
		}
		return;
	}
	for (size_t i = 0; i < app->nplan; i++)
		if (app->plan[i].rows > maxrows)
			maxrows = app->plan[i].rows;
	bw = cols - fw - nw - rw - 4 - cols / 4;
	if (bw < 5)
		bw = 5;
	reason_x = fw + nw + rw + bw + 3;
	tui_put(w, y, 0, fw, theme_attr(ROLE_HEADER), " R C K X", UW_LEFT);
	tui_put(w, y, fw, nw, theme_attr(ROLE_HEADER), "Table", UW_LEFT);
	tui_put(w, y, fw + nw, rw + 1, theme_attr(ROLE_HEADER),
		app->plan_exact ? "Rows" : "Est.", UW_RIGHT);
	tui_put(w, y, fw + nw + rw + 2, bw, theme_attr(ROLE_HEADER), "", UW_LEFT);
	tui_put(w, y, reason_x, cols - reason_x, theme_attr(ROLE_HEADER), "Why", UW_LEFT);
	y++;
	st->list_y = y;
	tui_list_set_height(&st->list, rows - y);
	for (int i = 0; i < st->list.height; i++) {
		size_t k = tui_list_row_at(&st->list, i);
		const struct cat_table *t;
		const struct plan_row *p;
		bool sel;
		attr_t a;
		char flags[16];

		if (k == (size_t)-1)
			break;
		t = &app->cat.tables[k];
		p = plan_for(app, t);
		sel = k == st->list.cur;
		a = sel ? theme_attr(ROLE_CURSOR) : A_NORMAL;
		snprintf(flags, sizeof(flags), " %c %c %c %c",
			 find_root(&st->cfg, t) >= 0 ? 'R' : '.',
			 follows_children(&st->cfg, t) ? 'C' : '.',
			 find_name(st->cfg.keep_all, st->cfg.nkeep_all, t) >= 0 ? 'K' : '.',
			 find_name(st->cfg.truncate, st->cfg.ntruncate, t) >= 0 ? 'X' : '.');
		tui_put(w, y + i, 0, fw, a, flags, UW_LEFT);
		tui_put(w, y + i, fw, nw, a, t->name, UW_LEFT);
		if (p)
			uw_format_count(num, sizeof(num), p->rows);
		else if (t->rows >= 0)
			uw_format_count(num, sizeof(num), t->rows);
		else
			snprintf(num, sizeof(num), "?");
		tui_put(w, y + i, fw + nw, rw + 1, a, num, UW_RIGHT);
		tui_fill(w, y + i, fw + nw + rw + 1, 1, a);
		tui_bar(w, y + i, fw + nw + rw + 2, bw,
			p ? (double)(p->rows > 0 ? p->rows : 0) / (double)maxrows : 0,
			theme_attr(ROLE_BAR));
		tui_put(w, y + i, reason_x, cols - reason_x,
			sel ? a : theme_attr(p && !p->copied ? ROLE_DIM : ROLE_NORMAL),
			p ? p->reason : "", UW_LEFT);
	}
}

static int subset_handle(struct app *app, struct screen *s, const struct tui_event *ev)
{
	struct subset_state *st = s->state;
	struct tui_list *l = st->show_tree ? &st->tree_list : &st->list;
	const struct cat_table *t = !st->show_tree && app->cat.ntables
				    ? &app->cat.tables[st->list.cur] : NULL;
	long at;

	if (ev->cmd == CMD_NONE && ev->mouse != MOUSE_NONE) {
		size_t k;

		if (ev->mouse == MOUSE_WHEEL_UP || ev->mouse == MOUSE_WHEEL_DOWN) {
			tui_list_scroll(l, ev->mouse == MOUSE_WHEEL_UP ? -3 : 3);
			return TUI_HANDLED;
		}
		k = tui_list_row_at(l, ev->y - st->list_y);
		if (k != (size_t)-1)
			tui_list_goto(l, k);
		return TUI_HANDLED;
	}
	if (tui_list_command(l, ev->cmd))
		return TUI_HANDLED;
	switch (ev->cmd) {
	case CMD_NEXT_PANE:
	case CMD_PREV_PANE:
		st->show_tree = !st->show_tree;
		return TUI_HANDLED;
	case CMD_ROOT:
		if (ev->arg) {
			/* :root TABLE [WHERE...] */
			char *name = xstrdup(ev->arg), *where = strchr(name, ' ');
			char *sch = NULL, *tab = NULL;
			const struct cat_table *rt;

			if (where) {
				*where++ = '\0';
				while (*where == ' ')
					where++;
			}
			subset_split_table(name, &sch, &tab);
			rt = catalog_find_table(&app->cat, sch, tab);
			if (!rt)
				rt = catalog_find_table(&app->cat, NULL, name);
			if (!rt) {
				app_message(app, MSG_ERROR, "unknown table '%s'", name);
			} else {
				struct subset_root *r;

				at = find_root(&st->cfg, rt);
				if (at < 0) {
					char *nm = name_for(app, rt);

					r = subset_config_add_root(&st->cfg, NULL, nm);
					free(nm);
				} else {
					r = &st->cfg.roots[at];
				}
				free(r->where);
				r->where = where && *where ? xstrdup(where) : NULL;
				save(app, st);
			}
			free(name);
			free(sch);
			free(tab);
			return TUI_HANDLED;
		}
		if (!t)
			return TUI_HANDLED;
		at = find_root(&st->cfg, t);
		if (at >= 0) {
			remove_root(&st->cfg, (size_t)at);
		} else {
			char *nm = name_for(app, t);

			subset_config_add_root(&st->cfg, NULL, nm);
			free(nm);
		}
		save(app, st);
		return TUI_HANDLED;
	case CMD_WHERE:
		if (!t)
			return TUI_HANDLED;
		if (!ev->arg) {
			const struct subset_root *r = find_root(&st->cfg, t) >= 0
				? &st->cfg.roots[find_root(&st->cfg, t)] : NULL;
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "where %s", r && r->where ? r->where : "");
			app_prompt(app, ':', sb.buf);
			strbuf_release(&sb);
			return TUI_HANDLED;
		}
		at = find_root(&st->cfg, t);
		if (at < 0) {
			char *nm = name_for(app, t);

			subset_config_add_root(&st->cfg, NULL, nm);
			free(nm);
			at = (long)st->cfg.nroots - 1;
		}
		free(st->cfg.roots[at].where);
		st->cfg.roots[at].where = xstrdup(ev->arg);
		save(app, st);
		return TUI_HANDLED;
	case CMD_CHILDREN:
		if (ev->arg) {
			if (str_eq(ev->arg, "all")) {
				st->cfg.children_all = true;
			} else {
				st->cfg.children_all = false;
				for (size_t i = 0; i < st->cfg.nchildren; i++)
					free(st->cfg.children[i]);
				st->cfg.nchildren = 0;
				if (!str_eq(ev->arg, "none")) {
					char *copy = xstrdup(ev->arg), *save_p = NULL;

					for (char *tok = strtok_r(copy, ", ", &save_p); tok;
					     tok = strtok_r(NULL, ", ", &save_p))
						subset_config_add_name(&st->cfg.children,
								       &st->cfg.nchildren,
								       &st->cfg.children_alloc, tok);
					free(copy);
				}
			}
			save(app, st);
			return TUI_HANDLED;
		}
		if (!t)
			return TUI_HANDLED;
		if (st->cfg.children_all) {
			app_message(app, MSG_WARN, "children: all is on (:children none to pick tables)");
			return TUI_HANDLED;
		}
		toggle_name(app, &st->cfg.children, &st->cfg.nchildren, &st->cfg.children_alloc, t);
		save(app, st);
		return TUI_HANDLED;
	case CMD_KEEP_ALL:
		if (t) {
			toggle_name(app, &st->cfg.keep_all, &st->cfg.nkeep_all,
				    &st->cfg.keep_all_alloc, t);
			save(app, st);
		}
		return TUI_HANDLED;
	case CMD_TRUNCATE:
		if (t) {
			toggle_name(app, &st->cfg.truncate, &st->cfg.ntruncate,
				    &st->cfg.truncate_alloc, t);
			save(app, st);
		}
		return TUI_HANDLED;
	case CMD_PLAN:
		st->plan_stale = false;
		app_plan(app);
		return TUI_HANDLED;
	case CMD_PREVIEW:
		if (!t || ev->arg)
			return TUI_IGNORED;
		screen_preview_show(app, t->schema, t->name);
		return TUI_HANDLED;
	default:
		return TUI_IGNORED;
	}
}

const struct screen_ops screen_subset = {
	.name = "subset",
	.open = subset_open,
	.draw = subset_draw,
	.handle = subset_handle,
	.close = subset_close,
	.hints = "r:root w:where C:children p:plan Tab:tree",
};

/*
 * subset.c - the subset planner: classification, load order, estimates,
 * and the client-side key closure (see subset.h for the semantics).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/subset.h"

#define KEY_BATCH 1000
#define DEPTH_PARENT INT32_MAX
#define UNKNOWN_SELECTIVITY 0.1

/* ---- key sets: encoded tuples in an arena, open-addressing index ---- */

/*
 * A key is its values, each as a 4-byte length and the bytes. Keys are
 * kept in insertion order (so work queues are index ranges) with a depth
 * each: 0 for roots, d for children d steps below a root, DEPTH_PARENT for
 * rows reached only as parents.
 */
struct subset_keyset {
	struct strbuf data;
	size_t *off;
	uint32_t *len;
	int32_t *depth;
	size_t n, alloc;
	uint32_t *slots;  /* 0 empty, else key index + 1 */
	size_t nslots;
	/* work state of the closure */
	size_t up_done;
	size_t *down_q;
	size_t ndown, down_alloc;
};

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static struct subset_keyset *keyset_new(void)
{
	struct subset_keyset *ks = xcalloc(1, sizeof(*ks));
	strbuf_init(&ks->data, 0);
	return ks;
}

static void keyset_free(struct subset_keyset *ks)
{
	if (!ks)
		return;
	strbuf_release(&ks->data);
	free(ks->off);
	free(ks->len);
	free(ks->depth);
	free(ks->slots);
	free(ks->down_q);
	free(ks);
}

static const char *keyset_key(const struct subset_keyset *ks, size_t i,
			      size_t *len)
{
	*len = ks->len[i];
	return ks->data.buf + ks->off[i];
}

static void keyset_rehash(struct subset_keyset *ks)
{
	size_t nslots = ks->nslots ? ks->nslots * 2 : 1024;
	uint32_t *slots = xcalloc(nslots, sizeof(*slots));
	for (size_t i = 0; i < ks->n; i++) {
		size_t len;
		const char *k = keyset_key(ks, i, &len);
		size_t s = hash_bytes(k, len) & (nslots - 1);
		while (slots[s])
			s = (s + 1) & (nslots - 1);
		slots[s] = (uint32_t)(i + 1);
	}
	free(ks->slots);
	ks->slots = slots;
	ks->nslots = nslots;
}

static void push_down(struct subset_keyset *ks, size_t idx)
{
	ALLOC_GROW(ks->down_q, ks->ndown + 1, ks->down_alloc);
	ks->down_q[ks->ndown++] = idx;
}

/*
 * Adds a key with a depth; a known key whose depth improves is queued
 * again for its children. Returns 1 when something changed.
 */
static int keyset_add(struct subset_keyset *ks, const char *k, size_t len,
		      int32_t depth)
{
	if ((ks->n + 1) * 2 > ks->nslots)
		keyset_rehash(ks);
	size_t s = hash_bytes(k, len) & (ks->nslots - 1);
	while (ks->slots[s]) {
		size_t i = ks->slots[s] - 1;
		if (ks->len[i] == len && !memcmp(ks->data.buf + ks->off[i], k, len)) {
			if (depth < ks->depth[i]) {
				ks->depth[i] = depth;
				push_down(ks, i);
				return 1;
			}
			return 0;
		}
		s = (s + 1) & (ks->nslots - 1);
	}
	if (ks->n >= ks->alloc) {
		size_t a = ks->alloc;
		ALLOC_GROW(ks->off, ks->n + 1, a);
		a = ks->alloc;
		ALLOC_GROW(ks->len, ks->n + 1, a);
		ALLOC_GROW(ks->depth, ks->n + 1, ks->alloc);
	}
	ks->off[ks->n] = ks->data.len;
	ks->len[ks->n] = (uint32_t)len;
	ks->depth[ks->n] = depth;
	strbuf_add(&ks->data, k, len);
	ks->slots[s] = (uint32_t)(ks->n + 1);
	if (depth != DEPTH_PARENT)
		push_down(ks, ks->n);
	ks->n++;
	return 1;
}

static void key_add_value(struct strbuf *key, const char *v, size_t len)
{
	uint32_t l = (uint32_t)len;
	strbuf_add(key, &l, sizeof(l));
	strbuf_add(key, v, len);
}

/* The i-th value of an encoded key. */
static const char *key_value(const char *k, size_t klen, size_t i, size_t *len)
{
	size_t p = 0;
	for (;;) {
		uint32_t l;
		if (p + sizeof(l) > klen)
			return NULL;
		memcpy(&l, k + p, sizeof(l));
		p += sizeof(l);
		if (i == 0) {
			*len = l;
			return k + p;
		}
		p += l;
		i--;
	}
}

/* ---- helpers ---- */

static const struct cat_table *tab(const struct subset_plan *plan, int idx)
{
	return &plan->cat->tables[idx];
}

static struct subset_table *st_of(struct subset_plan *plan, int idx)
{
	return &plan->tables[plan->order_of[idx]];
}

static void add_qualified(struct strbuf *sb, const struct cat_table *t)
{
	strbuf_addf(sb, "%s.%s", t->schema, t->name);
}

/* Finds a table named as in the config ("t" or "schema.t"). */
static int find_table(const struct catalog *cat, const char *schema,
		      const char *name)
{
	struct cat_table *t = catalog_find_table(cat, schema, name);
	if (!t && !schema && strchr(name, '.')) {
		char *s, *n;
		subset_split_table(name, &s, &n);
		t = catalog_find_table(cat, s, n);
		free(s);
		free(n);
	}
	return t ? catalog_table_index(cat, t) : -1;
}

static int find_listed(const struct catalog *cat, const char *text,
		       const char *what, struct mb_err *err)
{
	int idx = find_table(cat, NULL, text);
	if (idx < 0)
		mb_err_set(err, MB_ERR_INPUT, "subset %s: unknown table '%s'",
			   what, text);
	return idx;
}

/* Quoting without a connection: the plan only knows the engine. */
static void quote_ident(enum db_engine engine, struct strbuf *sb,
			const char *name)
{
	char q = engine == DB_ENGINE_MYSQL ? '`' : '"';
	strbuf_addch(sb, q);
	for (const char *p = name; *p; p++) {
		if (*p == q)
			strbuf_addch(sb, q);
		strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, q);
}

static void quote_table(enum db_engine engine, struct strbuf *sb,
			const struct cat_table *t)
{
	if (engine != DB_ENGINE_SQLITE) {
		quote_ident(engine, sb, t->schema);
		strbuf_addch(sb, '.');
	}
	quote_ident(engine, sb, t->name);
}

static void add_col_list(enum db_engine engine, struct strbuf *sb,
			 const struct cat_table *t, const int *cols,
			 size_t n, bool paren)
{
	if (paren && n > 1)
		strbuf_addch(sb, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		quote_ident(engine, sb, t->cols[cols[i]].name);
	}
	if (paren && n > 1)
		strbuf_addch(sb, ')');
}

static void window_predicate(enum db_engine engine, struct strbuf *sb,
			     const struct subset_window *w)
{
	switch (engine) {
	case DB_ENGINE_PG:
		quote_ident(engine, sb, w->column);
		strbuf_addf(sb, " >= now() - interval '%lld seconds'",
			    (long long)w->seconds);
		break;
	case DB_ENGINE_MYSQL:
		quote_ident(engine, sb, w->column);
		strbuf_addf(sb, " >= NOW() - INTERVAL %lld SECOND",
			    (long long)w->seconds);
		break;
	default:
		strbuf_addstr(sb, "julianday(");
		quote_ident(engine, sb, w->column);
		strbuf_addf(sb, ") >= julianday('now', '-%lld seconds')",
			    (long long)w->seconds);
		break;
	}
}

const char *subset_reason_name(enum subset_reason reason)
{
	switch (reason) {
	case SUBSET_WHOLE: return "whole";
	case SUBSET_ROOT: return "root";
	case SUBSET_PARENT: return "parent";
	case SUBSET_CHILD: return "child";
	case SUBSET_KEEP_ALL: return "keep_all";
	case SUBSET_TRUNCATED: return "truncated";
	case SUBSET_FILTERED: return "filtered";
	case SUBSET_NOT_REACHED: return "not reached";
	}
	return "?";
}

int64_t subset_table_rows(const struct subset_table *st)
{
	return st->exact_rows >= 0 ? st->exact_rows : st->est_rows;
}

/* ---- virtual foreign keys ---- */

int subset_add_virtual_fks(struct catalog *cat, const struct subset_config *cfg,
			   struct mb_err *err)
{
	for (size_t i = 0; i < cfg->nvfks; i++) {
		const struct subset_vfk *v = &cfg->vfks[i];
		int from = find_table(cat, v->from_schema, v->from_table);
		int to = find_table(cat, v->to_schema, v->to_table);
		if (from < 0 || to < 0)
			return mb_err_set(err, MB_ERR_INPUT,
					  "virtual foreign key %s -> %s: unknown table '%s'",
					  v->from_table, v->to_table,
					  from < 0 ? v->from_table : v->to_table);
		struct cat_table *ft = &cat->tables[from];
		struct cat_table *tt = &cat->tables[to];
		for (size_t c = 0; c < v->ncols; c++) {
			if (!cat_table_find_column(ft, v->from_cols[c]))
				return mb_err_set(err, MB_ERR_INPUT,
						  "virtual foreign key: unknown column %s.%s",
						  ft->name, v->from_cols[c]);
			if (!cat_table_find_column(tt, v->to_cols[c]))
				return mb_err_set(err, MB_ERR_INPUT,
						  "virtual foreign key: unknown column %s.%s",
						  tt->name, v->to_cols[c]);
		}
		struct cat_fk *fk = catalog_add_fk(ft, NULL, v->ncols,
						   (const char *const *)v->from_cols,
						   tt->schema, tt->name,
						   (const char *const *)v->to_cols);
		fk->is_virtual = true;
	}
	catalog_finish(cat);
	return 0;
}

/* ---- building: classification, order, estimates ---- */

struct edge { int child, fk; };

struct build {
	struct subset_plan *plan;
	const struct subset_config *cfg;
	size_t n;
	int *root_of;        /* catalog idx -> root index or -1 */
	int *window_of;      /* catalog idx -> window index or -1 */
	bool *keep_all, *truncated, *child_ok;
	int *down_depth;     /* INT_MAX: not reached downward */
	struct edge **in;    /* incoming edges per table */
	size_t *nin, *in_alloc;
};

static bool fk_nullable(const struct cat_table *t, const struct cat_fk *fk)
{
	for (size_t c = 0; c < fk->ncols; c++)
		if (fk->col_idx[c] >= 0 && !t->cols[fk->col_idx[c]].nullable)
			return false;
	return true;
}

/*
 * Kahn's order, parents first. When every remaining table waits for
 * another, a cycle is found by walking pending parent edges and one of
 * its edges is ignored: a nullable one when the cycle has one.
 */
static bool edge_pending(const struct catalog *cat, const bool *done,
			 bool *const *broken, size_t i, size_t f)
{
	int p = cat->tables[i].fks[f].ref_table_idx;
	return p >= 0 && (size_t)p != i && !done[p] && !broken[i][f];
}

static void order_tables(struct subset_plan *plan, int *order)
{
	const struct catalog *cat = plan->cat;
	size_t n = cat->ntables, placed = 0;
	bool *done = xcalloc(n + 1, sizeof(*done));
	bool **broken = xcalloc(n + 1, sizeof(*broken));
	int *walk = xmalloc((n + 1) * sizeof(int));
	int *walk_fk = xmalloc((n + 1) * sizeof(int));
	int *pos_in_walk = xmalloc((n + 1) * sizeof(int));

	for (size_t i = 0; i < n; i++)
		broken[i] = xcalloc(cat->tables[i].nfks + 1, sizeof(bool));
	while (placed < n) {
		bool progress = false;
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			bool ready = true;
			for (size_t f = 0; f < cat->tables[i].nfks && ready; f++)
				if (edge_pending(cat, done, broken, i, f))
					ready = false;
			if (ready) {
				done[i] = true;
				order[placed++] = (int)i;
				progress = true;
			}
		}
		if (progress)
			continue;
		/* Walk pending parent edges from the first waiting table. */
		for (size_t i = 0; i < n; i++)
			pos_in_walk[i] = -1;
		size_t start = 0;
		while (done[start])
			start++;
		size_t nw = 0, cur = start;
		int cyc_from = -1;
		for (;;) {
			pos_in_walk[cur] = (int)nw;
			walk[nw] = (int)cur;
			size_t f = 0;
			while (!edge_pending(cat, done, broken, cur, f))
				f++;
			walk_fk[nw++] = (int)f;
			size_t p = (size_t)cat->tables[cur].fks[f].ref_table_idx;
			if (pos_in_walk[p] >= 0) {
				cyc_from = pos_in_walk[p];
				break;
			}
			cur = p;
		}
		/* The cycle is walk[cyc_from..nw); break a nullable edge of it. */
		int pick = cyc_from;
		for (size_t k = (size_t)cyc_from; k < nw; k++) {
			const struct cat_table *t = &cat->tables[walk[k]];
			if (fk_nullable(t, &t->fks[walk_fk[k]])) {
				pick = (int)k;
				break;
			}
		}
		broken[walk[pick]][walk_fk[pick]] = true;
		plan->broken_edges++;
	}
	for (size_t i = 0; i < n; i++)
		free(broken[i]);
	free(broken);
	free(walk);
	free(walk_fk);
	free(pos_in_walk);
	free(done);
}

static void set_reason(struct subset_table *st, enum subset_reason r,
		       const char *fmt_kind, const struct cat_table *other)
{
	struct strbuf sb = STRBUF_INIT;
	st->reason = r;
	if (other) {
		strbuf_addf(&sb, "%s ", fmt_kind);
		add_qualified(&sb, other);
	} else {
		strbuf_addstr(&sb, fmt_kind);
	}
	free(st->reason_text);
	st->reason_text = strbuf_detach(&sb, NULL);
}

static int64_t trows(const struct cat_table *t)
{
	return t->rows > 0 ? t->rows : 0;
}

static int collect_config(struct build *b, struct mb_err *err)
{
	const struct catalog *cat = b->plan->cat;
	const struct subset_config *cfg = b->cfg;

	for (size_t i = 0; i < cfg->nroots; i++) {
		int idx = find_table(cat, cfg->roots[i].schema, cfg->roots[i].table);
		if (idx < 0)
			return mb_err_set(err, MB_ERR_INPUT,
					  "subset root: unknown table '%s'",
					  cfg->roots[i].table);
		if (b->root_of[idx] >= 0)
			return mb_err_set(err, MB_ERR_INPUT,
					  "subset root: table '%s' is listed twice",
					  cfg->roots[i].table);
		b->root_of[idx] = (int)i;
	}
	for (size_t i = 0; i < cfg->nwindows; i++) {
		const struct subset_window *w = &cfg->windows[i];
		int idx = find_table(cat, w->schema, w->table);
		if (idx < 0)
			return mb_err_set(err, MB_ERR_INPUT,
					  "subset window: unknown table '%s'", w->table);
		if (!cat_table_find_column(&cat->tables[idx], w->column))
			return mb_err_set(err, MB_ERR_INPUT,
					  "subset window: unknown column %s.%s",
					  w->table, w->column);
		b->window_of[idx] = (int)i;
	}
	for (size_t i = 0; i < cfg->nkeep_all; i++) {
		int idx = find_listed(cat, cfg->keep_all[i], "keep_all", err);
		if (idx < 0)
			return -1;
		b->keep_all[idx] = true;
	}
	for (size_t i = 0; i < cfg->ntruncate; i++) {
		int idx = find_listed(cat, cfg->truncate[i], "truncate", err);
		if (idx < 0)
			return -1;
		b->truncated[idx] = true;
	}
	for (size_t i = 0; i < cat->ntables; i++)
		b->child_ok[i] = cfg->children_all;
	for (size_t i = 0; i < cfg->nchildren; i++) {
		int idx = find_listed(cat, cfg->children[i], "children", err);
		if (idx < 0)
			return -1;
		b->child_ok[idx] = true;
	}
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *t = &cat->tables[i];
		for (size_t f = 0; f < t->nfks; f++) {
			int p = t->fks[f].ref_table_idx;
			if (p < 0)
				continue;
			ALLOC_GROW(b->in[p], b->nin[p] + 1, b->in_alloc[p]);
			b->in[p][b->nin[p]++] = (struct edge){ (int)i, (int)f };
		}
	}
	return 0;
}

/* A FK to a table that gets no rows: nullable columns are written NULL. */
static int null_truncated_refs(struct subset_plan *plan, struct mb_err *err)
{
	const struct catalog *cat = plan->cat;
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *t = &cat->tables[i];
		struct subset_table *st = st_of(plan, (int)i);
		if (st->mode == SUBSET_MODE_NONE)
			continue;
		for (size_t f = 0; f < t->nfks; f++) {
			const struct cat_fk *fk = &t->fks[f];
			if (fk->ref_table_idx < 0 ||
			    st_of(plan, fk->ref_table_idx)->mode != SUBSET_MODE_NONE)
				continue;
			if (!fk_nullable(t, fk))
				return mb_err_set(err, MB_ERR_INPUT,
						  "%s.%s.%s references %s, which gets no rows, and is NOT NULL: truncate %s too or keep its parent",
						  t->schema, t->name, fk->cols[0],
						  fk->ref_table, t->name);
			for (size_t c = 0; c < fk->ncols; c++)
				if (fk->col_idx[c] >= 0)
					st->null_cols[fk->col_idx[c]] = true;
		}
	}
	return 0;
}

/* No roots: whole tables, windows as filters, semi-joins downwards. */
static int build_clone(struct build *b, struct mb_err *err)
{
	struct subset_plan *plan = b->plan;
	const struct catalog *cat = plan->cat;
	enum db_engine e = plan->engine;

	for (size_t pos = 0; pos < plan->ntables; pos++) {
		struct subset_table *st = &plan->tables[pos];
		const struct cat_table *t = tab(plan, st->table_idx);
		int w = b->window_of[st->table_idx];
		if (b->truncated[st->table_idx]) {
			st->mode = SUBSET_MODE_NONE;
			st->est_rows = 0;
			set_reason(st, SUBSET_TRUNCATED, "truncated", NULL);
			continue;
		}
		struct strbuf pred = STRBUF_INIT;
		const struct cat_table *via = NULL;
		if (w >= 0) {
			strbuf_addch(&pred, '(');
			window_predicate(e, &pred, &b->cfg->windows[w]);
			strbuf_addch(&pred, ')');
		}
		/* Parents placed earlier that are filtered filter this table. */
		for (size_t f = 0; f < t->nfks; f++) {
			const struct cat_fk *fk = &t->fks[f];
			if (fk->ref_table_idx < 0 ||
			    fk->ref_table_idx == st->table_idx ||
			    (size_t)plan->order_of[fk->ref_table_idx] > pos)
				continue;
			struct subset_table *ps = st_of(plan, fk->ref_table_idx);
			if (ps->mode != SUBSET_MODE_FILTER)
				continue;
			const struct cat_table *p = tab(plan, fk->ref_table_idx);
			if (pred.len)
				strbuf_addstr(&pred, " AND ");
			strbuf_addch(&pred, '(');
			for (size_t c = 0; c < fk->ncols; c++) {
				quote_ident(e, &pred, fk->cols[c]);
				strbuf_addstr(&pred, " IS NULL OR ");
			}
			add_col_list(e, &pred, t, fk->col_idx, fk->ncols, true);
			strbuf_addstr(&pred, " IN (SELECT ");
			for (size_t c = 0; c < fk->ncols; c++) {
				if (c)
					strbuf_addstr(&pred, ", ");
				quote_ident(e, &pred, fk->ref_cols[c]);
			}
			strbuf_addstr(&pred, " FROM ");
			quote_table(e, &pred, p);
			strbuf_addf(&pred, " WHERE %s))", ps->filter);
			if (!via)
				via = p;
		}
		if (pred.len) {
			st->mode = SUBSET_MODE_FILTER;
			st->filter = strbuf_detach(&pred, NULL);
			if (w >= 0) {
				set_reason(st, SUBSET_ROOT, "window", NULL);
				st->est_rows = (int64_t)(trows(t) * UNKNOWN_SELECTIVITY);
			} else {
				set_reason(st, SUBSET_FILTERED, "child of", via);
				const struct subset_table *ps = st_of(plan, catalog_table_index(cat, via));
				double frac = trows(via) ? (double)ps->est_rows / trows(via) : 0;
				st->est_rows = (int64_t)(trows(t) * (frac > 1 ? 1 : frac));
			}
		} else {
			st->mode = SUBSET_MODE_ALL;
			st->est_rows = trows(t);
			set_reason(st, b->keep_all[st->table_idx] ? SUBSET_KEEP_ALL : SUBSET_WHOLE,
				   b->keep_all[st->table_idx] ? "keep_all" : "whole", NULL);
		}
		strbuf_release(&pred);
	}
	return null_truncated_refs(plan, err);
}

static bool same_cols(const int *a, size_t na, const int *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		bool found = false;
		for (size_t j = 0; j < nb; j++)
			if (a[i] == b[j])
				found = true;
		if (!found)
			return false;
	}
	return true;
}

static int ref_col_idx(const struct cat_table *p, const struct cat_fk *fk,
		       int *out)
{
	for (size_t c = 0; c < fk->ncols; c++) {
		out[c] = cat_table_column_index(p, fk->ref_cols[c]);
		if (out[c] < 0)
			return -1;
	}
	return 0;
}

/* KEYS tables: the PK, or the one column set every reaching edge uses. */
static int choose_id_cols(struct build *b, struct subset_table *st,
			  struct mb_err *err)
{
	struct subset_plan *plan = b->plan;
	const struct cat_table *t = tab(plan, st->table_idx);
	if (t->pk.ncols) {
		st->nid = t->pk.ncols;
		st->id_cols = xmalloc(st->nid * sizeof(int));
		memcpy(st->id_cols, t->pk.col_idx, st->nid * sizeof(int));
		return 0;
	}
	if (b->root_of[st->table_idx] >= 0)
		return mb_err_set(err, MB_ERR_INPUT,
				  "subset root %s.%s has no primary key", t->schema, t->name);
	int *cols = NULL;
	size_t n = 0;
	int tmp[64];
	/* Reached as a child: its own FK columns to a downward table. */
	if (b->down_depth[st->table_idx] != INT_MAX) {
		for (size_t f = 0; f < t->nfks; f++) {
			int p = t->fks[f].ref_table_idx;
			if (p < 0 || b->down_depth[p] == INT_MAX)
				continue;
			if (cols && !same_cols(cols, n, t->fks[f].col_idx, t->fks[f].ncols))
				goto ambiguous;
			cols = t->fks[f].col_idx;
			n = t->fks[f].ncols;
		}
	}
	/* Reached as a parent: the columns children reference. */
	for (size_t e = 0; e < b->nin[st->table_idx]; e++) {
		struct edge ed = b->in[st->table_idx][e];
		const struct cat_fk *fk = &tab(plan, ed.child)->fks[ed.fk];
		struct subset_table *cs = st_of(plan, ed.child);
		if (cs->mode == SUBSET_MODE_NONE || fk->ncols > 64 ||
		    ref_col_idx(t, fk, tmp) < 0)
			continue;
		if (cols && !same_cols(cols, n, tmp, fk->ncols))
			goto ambiguous;
		if (!cols) {
			st->id_cols = xmalloc(fk->ncols * sizeof(int));
			memcpy(st->id_cols, tmp, fk->ncols * sizeof(int));
			st->nid = fk->ncols;
			return 0;
		}
	}
	if (!cols)
		return mb_err_set(err, MB_ERR_INPUT,
				  "%s.%s has no primary key and no key it is reached by",
				  t->schema, t->name);
	st->nid = n;
	st->id_cols = xmalloc(n * sizeof(int));
	memcpy(st->id_cols, cols, n * sizeof(int));
	return 0;
ambiguous:
	return mb_err_set(err, MB_ERR_INPUT,
			  "%s.%s has no primary key and is reached through different columns: add it to keep_all or truncate",
			  t->schema, t->name);
}

static int build_subset(struct build *b, struct mb_err *err)
{
	struct subset_plan *plan = b->plan;
	const struct catalog *cat = plan->cat;
	size_t n = cat->ntables;
	int max_depth = b->cfg->max_depth;
	int *queue = xmalloc(n * sizeof(int));
	size_t qh = 0, qt = 0;
	bool *all = xcalloc(n, sizeof(*all));
	bool *incl = xcalloc(n, sizeof(*incl));
	int ret = -1;

	/* Downwards from the roots. */
	for (size_t i = 0; i < n; i++) {
		if (b->root_of[i] >= 0 && !b->truncated[i]) {
			b->down_depth[i] = 0;
			queue[qt++] = (int)i;
			set_reason(&plan->tables[plan->order_of[i]], SUBSET_ROOT, "root", NULL);
		}
	}
	while (qh < qt) {
		int t = queue[qh++];
		int d = b->down_depth[t];
		if (max_depth > 0 && d >= max_depth)
			continue;
		for (size_t e = 0; e < b->nin[t]; e++) {
			int c = b->in[t][e].child;
			if (!b->child_ok[c] || b->truncated[c] || b->keep_all[c] ||
			    b->down_depth[c] <= d + 1)
				continue;
			b->down_depth[c] = d + 1;
			set_reason(st_of(plan, c), SUBSET_CHILD, "child of", &cat->tables[t]);
			queue[qt++] = c;
		}
	}
	/* keep_all and, upwards from them, whole parents. */
	qh = qt = 0;
	for (size_t i = 0; i < n; i++) {
		if (b->keep_all[i] && !b->truncated[i]) {
			all[i] = true;
			queue[qt++] = (int)i;
			set_reason(st_of(plan, (int)i), SUBSET_KEEP_ALL, "keep_all", NULL);
		}
	}
	while (qh < qt) {
		int t = queue[qh++];
		const struct cat_table *ct = &cat->tables[t];
		for (size_t f = 0; f < ct->nfks; f++) {
			int p = ct->fks[f].ref_table_idx;
			if (p < 0 || all[p] || b->truncated[p])
				continue;
			all[p] = true;
			set_reason(st_of(plan, p), SUBSET_PARENT, "parent of", ct);
			queue[qt++] = p;
		}
	}
	/* Parents of everything included, always. */
	qh = qt = 0;
	for (size_t i = 0; i < n; i++) {
		if (b->down_depth[i] != INT_MAX && !all[i]) {
			incl[i] = true;
			queue[qt++] = (int)i;
		}
	}
	while (qh < qt) {
		int t = queue[qh++];
		const struct cat_table *ct = &cat->tables[t];
		for (size_t f = 0; f < ct->nfks; f++) {
			int p = ct->fks[f].ref_table_idx;
			if (p < 0 || incl[p] || all[p] || b->truncated[p])
				continue;
			incl[p] = true;
			set_reason(st_of(plan, p), SUBSET_PARENT, "parent of", ct);
			queue[qt++] = p;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct subset_table *st = st_of(plan, (int)i);
		if (b->truncated[i]) {
			st->mode = SUBSET_MODE_NONE;
			set_reason(st, SUBSET_TRUNCATED, "truncated", NULL);
		} else if (all[i]) {
			st->mode = SUBSET_MODE_ALL;
		} else if (incl[i]) {
			st->mode = SUBSET_MODE_KEYS;
		} else {
			st->mode = SUBSET_MODE_NONE;
			set_reason(st, SUBSET_NOT_REACHED, "not reached", NULL);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct subset_table *st = st_of(plan, (int)i);
		if (st->mode == SUBSET_MODE_KEYS && choose_id_cols(b, st, err) < 0)
			goto cleanup;
		if (st->mode == SUBSET_MODE_KEYS)
			st->keys = keyset_new();
	}

	/* Estimates: roots, then children in BFS order, then parents. */
	for (size_t i = 0; i < n; i++) {
		struct subset_table *st = st_of(plan, (int)i);
		const struct cat_table *t = &cat->tables[i];
		if (st->mode == SUBSET_MODE_ALL)
			st->est_rows = trows(t);
		if (b->root_of[i] >= 0 && st->mode == SUBSET_MODE_KEYS) {
			const struct subset_root *r = &b->cfg->roots[b->root_of[i]];
			double est = (double)trows(t);
			if (r->where || b->window_of[i] >= 0)
				est *= UNKNOWN_SELECTIVITY;
			if (r->percent > 0)
				est = est * r->percent / 100.0;
			if (r->limit > 0 && est > r->limit)
				est = (double)r->limit;
			st->est_rows = (int64_t)est;
		}
	}
	for (int d = 1; d < (int)n + 1; d++) {
		bool any = false;
		for (size_t i = 0; i < n; i++) {
			if (b->down_depth[i] != d || st_of(plan, (int)i)->mode != SUBSET_MODE_KEYS)
				continue;
			any = true;
			const struct cat_table *t = &cat->tables[i];
			double est = 0;
			for (size_t f = 0; f < t->nfks; f++) {
				int p = t->fks[f].ref_table_idx;
				if (p < 0 || b->down_depth[p] != d - 1)
					continue;
				double frac = trows(&cat->tables[p]) ?
					(double)st_of(plan, p)->est_rows / trows(&cat->tables[p]) : 0;
				est += trows(t) * (frac > 1 ? 1 : frac);
			}
			if (b->window_of[i] >= 0)
				est *= UNKNOWN_SELECTIVITY;
			st_of(plan, (int)i)->est_rows = (int64_t)(est > trows(t) ? trows(t) : est);
		}
		if (!any)
			break;
	}
	for (size_t pos = plan->ntables; pos-- > 0;) {
		struct subset_table *cs = &plan->tables[pos];
		const struct cat_table *t = tab(plan, cs->table_idx);
		if (cs->mode == SUBSET_MODE_NONE)
			continue;
		for (size_t f = 0; f < t->nfks; f++) {
			int p = t->fks[f].ref_table_idx;
			if (p < 0 || p == cs->table_idx)
				continue;
			struct subset_table *ps = st_of(plan, p);
			if (ps->mode != SUBSET_MODE_KEYS || b->down_depth[p] != INT_MAX)
				continue;
			int64_t est = ps->est_rows + cs->est_rows;
			ps->est_rows = est > trows(&cat->tables[p]) ? trows(&cat->tables[p]) : est;
		}
	}
	ret = null_truncated_refs(plan, err);
cleanup:
	free(queue);
	free(all);
	free(incl);
	return ret;
}

/* Build-time copies of config data the resolve step needs. */
struct subset_priv {
	struct subset_root *roots;   /* per catalog idx; table NULL if none */
	char **window_sql;           /* per catalog idx; NULL if none */
	bool *child_ok;
	int max_depth;
	bool *down;                  /* reached downward statically */
	struct edge **in;
	size_t *nin;
	size_t *in_alloc;
};

static void extra_free(struct subset_priv *x, size_t n)
{
	if (!x)
		return;
	for (size_t i = 0; i < n; i++) {
		free(x->roots[i].where);
		free(x->window_sql[i]);
		free(x->in[i]);
	}
	free(x->roots);
	free(x->window_sql);
	free(x->child_ok);
	free(x->down);
	free(x->in);
	free(x->nin);
	free(x->in_alloc);
	free(x);
}

int subset_plan_build(struct subset_plan *plan, const struct catalog *cat,
		      const struct subset_config *cfg, enum db_engine engine,
		      struct mb_err *err)
{
	size_t n = cat->ntables;
	struct build b = { .plan = plan, .cfg = cfg, .n = n };
	int ret = -1;

	memset(plan, 0, sizeof(*plan));
	plan->cat = cat;
	plan->engine = engine;
	plan->has_roots = cfg->nroots > 0;
	plan->ntables = n;
	plan->tables = xcalloc(n ? n : 1, sizeof(*plan->tables));
	plan->order_of = xcalloc(n ? n : 1, sizeof(int));

	b.root_of = xmalloc((n ? n : 1) * sizeof(int));
	b.window_of = xmalloc((n ? n : 1) * sizeof(int));
	b.down_depth = xmalloc((n ? n : 1) * sizeof(int));
	for (size_t i = 0; i < n; i++) {
		b.root_of[i] = b.window_of[i] = -1;
		b.down_depth[i] = INT_MAX;
	}
	b.keep_all = xcalloc(n + 1, sizeof(bool));
	b.truncated = xcalloc(n + 1, sizeof(bool));
	b.child_ok = xcalloc(n + 1, sizeof(bool));
	b.in = xcalloc(n + 1, sizeof(*b.in));
	b.nin = xcalloc(n + 1, sizeof(size_t));
	b.in_alloc = xcalloc(n + 1, sizeof(size_t));

	if (collect_config(&b, err) < 0)
		goto cleanup;

	int *order = xmalloc((n ? n : 1) * sizeof(int));
	order_tables(plan, order);
	for (size_t pos = 0; pos < n; pos++) {
		struct subset_table *st = &plan->tables[pos];
		st->table_idx = order[pos];
		st->exact_rows = -1;
		st->null_cols = xcalloc(cat->tables[order[pos]].ncols + 1, sizeof(bool));
		plan->order_of[order[pos]] = (int)pos;
	}
	free(order);

	if (plan->has_roots)
		ret = build_subset(&b, err);
	else
		ret = build_clone(&b, err);
	if (ret < 0)
		goto cleanup;

	/* Keep what resolve needs. */
	struct subset_priv *x = xcalloc(1, sizeof(*x));
	x->roots = xcalloc(n + 1, sizeof(*x->roots));
	x->window_sql = xcalloc(n + 1, sizeof(char *));
	x->child_ok = b.child_ok;
	b.child_ok = NULL;
	x->max_depth = cfg->max_depth;
	x->down = xcalloc(n + 1, sizeof(bool));
	x->in = b.in;
	x->nin = b.nin;
	x->in_alloc = b.in_alloc;
	b.in = NULL;
	b.nin = b.in_alloc = NULL;
	for (size_t i = 0; i < n; i++) {
		x->down[i] = b.down_depth[i] != INT_MAX;
		if (b.root_of[i] >= 0) {
			x->roots[i] = cfg->roots[b.root_of[i]];
			x->roots[i].where = xstrdup(x->roots[i].where);
			x->roots[i].schema = NULL;
			x->roots[i].table = (char *)"";
		}
		if (b.window_of[i] >= 0) {
			struct strbuf sb = STRBUF_INIT;
			window_predicate(engine, &sb, &cfg->windows[b.window_of[i]]);
			x->window_sql[i] = strbuf_detach(&sb, NULL);
		}
	}
	plan->priv = x;
	ret = 0;
cleanup:
	if (b.in)
		for (size_t i = 0; i < n; i++)
			free(b.in[i]);
	free(b.in);
	free(b.nin);
	free(b.in_alloc);
	free(b.root_of);
	free(b.window_of);
	free(b.down_depth);
	free(b.keep_all);
	free(b.truncated);
	free(b.child_ok);
	if (ret < 0)
		subset_plan_release(plan);
	return ret;
}

void subset_plan_release(struct subset_plan *plan)
{
	extra_free(plan->priv, plan->cat ? plan->cat->ntables : 0);
	for (size_t i = 0; i < plan->ntables; i++) {
		struct subset_table *st = &plan->tables[i];
		free(st->reason_text);
		free(st->filter);
		free(st->null_cols);
		free(st->id_cols);
		keyset_free(st->keys);
	}
	free(plan->tables);
	free(plan->order_of);
	memset(plan, 0, sizeof(*plan));
}

/* ---- resolve: the key closure against the source ---- */

/* "(c1, c2) IN ((v, v), ...)" for keys [from, to) of a key set. */
static void add_in_keys(struct db_conn *conn, struct strbuf *sb,
			const struct cat_table *t, const int *cols, size_t ncols,
			const struct subset_keyset *ks, const size_t *idx,
			size_t from, size_t to)
{
	add_col_list(conn->drv->engine, sb, t, cols, ncols, true);
	strbuf_addstr(sb, " IN (");
	for (size_t i = from; i < to; i++) {
		size_t klen, vlen = 0;
		const char *k = keyset_key(ks, idx ? idx[i] : i, &klen);
		if (i > from)
			strbuf_addstr(sb, ", ");
		if (ncols > 1)
			strbuf_addch(sb, '(');
		for (size_t c = 0; c < ncols; c++) {
			const char *v = key_value(k, klen, c, &vlen);
			if (c)
				strbuf_addstr(sb, ", ");
			db_quote_literal(conn, sb, v, vlen);
		}
		if (ncols > 1)
			strbuf_addch(sb, ')');
	}
	strbuf_addch(sb, ')');
}

static void add_select_cols(struct db_conn *conn, struct strbuf *sb,
			    const struct cat_table *t, const int *cols, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		db_quote_ident(conn, sb, t->cols[cols[i]].name);
	}
}

/*
 * Runs sql and adds each row (ncols values, all non-NULL) as a key of ks
 * with depth. Rows with a NULL are skipped.
 */
static int query_keys(struct db_conn *conn, const char *sql,
		      struct subset_keyset *ks, int32_t depth,
		      const volatile int *cancel, struct mb_err *err)
{
	struct db_rows *rows = NULL;
	struct strbuf key = STRBUF_INIT;
	int r;

	if (db_query(conn, sql, &rows, err) < 0)
		return -1;
	while ((r = db_rows_next(rows, err)) == 1) {
		bool null = false;
		strbuf_reset(&key);
		for (size_t c = 0; c < rows->ncols; c++) {
			if (!rows->values[c]) {
				null = true;
				break;
			}
			key_add_value(&key, rows->values[c], rows->lengths[c]);
		}
		if (!null)
			keyset_add(ks, key.buf, key.len, depth);
		if (cancel && *cancel) {
			r = mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
			break;
		}
	}
	db_rows_close(rows);
	strbuf_release(&key);
	return r < 0 ? -1 : 0;
}

static int resolve_roots(struct subset_plan *plan, struct subset_priv *x,
			 struct db_conn *conn, const volatile int *cancel,
			 struct mb_err *err)
{
	enum db_engine e = conn->drv->engine;
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		struct subset_table *st = &plan->tables[pos];
		const struct subset_root *r = &x->roots[st->table_idx];
		if (!r->table || st->mode != SUBSET_MODE_KEYS)
			continue;
		const struct cat_table *t = tab(plan, st->table_idx);
		struct strbuf sql = STRBUF_INIT;
		bool where = false;
		strbuf_addstr(&sql, "SELECT ");
		add_select_cols(conn, &sql, t, st->id_cols, st->nid);
		strbuf_addstr(&sql, " FROM ");
		db_quote_table(conn, &sql, t->schema, t->name);
		if (r->percent > 0 && e == DB_ENGINE_PG)
			strbuf_addf(&sql, " TABLESAMPLE BERNOULLI (%g) REPEATABLE (20261122)",
				    r->percent);
#define AND() do { strbuf_addstr(&sql, where ? " AND " : " WHERE "); where = true; } while (0)
		if (r->where) {
			AND();
			strbuf_addf(&sql, "(%s)", r->where);
		}
		if (x->window_sql[st->table_idx]) {
			AND();
			strbuf_addf(&sql, "(%s)", x->window_sql[st->table_idx]);
		}
		if (r->percent > 0 && e != DB_ENGINE_PG) {
			long cut = (long)(r->percent * 100.0 + 0.5);
			AND();
			if (e == DB_ENGINE_MYSQL) {
				strbuf_addstr(&sql, "MOD(CRC32(CONCAT_WS(',', ");
				add_select_cols(conn, &sql, t, st->id_cols, st->nid);
				strbuf_addf(&sql, ")), 10000) < %ld", cut);
			} else {
				strbuf_addf(&sql, "((abs(rowid) %% 1000003) * 40503 %% 1000003) %% 10000 < %ld", cut);
			}
		}
#undef AND
		if (r->limit > 0) {
			strbuf_addstr(&sql, " ORDER BY ");
			add_select_cols(conn, &sql, t, st->id_cols, st->nid);
			strbuf_addf(&sql, " LIMIT %lld", (long long)r->limit);
		}
		int ret = query_keys(conn, sql.buf, st->keys, 0, cancel, err);
		strbuf_release(&sql);
		if (ret < 0)
			return mb_err_prefix(err, "root %s.%s", t->schema, t->name);
	}
	return 0;
}

/* Position of each of `want` columns inside `have`, or -1 when missing. */
static bool map_cols(const int *want, size_t nwant, const int *have,
		     size_t nhave, int *pos)
{
	for (size_t i = 0; i < nwant; i++) {
		pos[i] = -1;
		for (size_t j = 0; j < nhave; j++)
			if (want[i] == have[j])
				pos[i] = (int)j;
		if (pos[i] < 0)
			return false;
	}
	return true;
}

/*
 * Values of `cols` of table st for keys idx[from..to): either taken from
 * the keys themselves or read from the source; added to out as keys.
 */
static int project_keys(struct subset_plan *plan, struct db_conn *conn,
			struct subset_table *st, const size_t *idx, size_t from,
			size_t to, const int *cols, size_t ncols,
			struct subset_keyset *out, const volatile int *cancel,
			struct mb_err *err)
{
	int pos[64];
	const struct cat_table *t = tab(plan, st->table_idx);
	if (ncols > 64)
		return mb_err_set(err, MB_ERR_INPUT, "%s.%s: key too wide", t->schema, t->name);
	if (map_cols(cols, ncols, st->id_cols, st->nid, pos)) {
		struct strbuf key = STRBUF_INIT;
		for (size_t i = from; i < to; i++) {
			size_t klen, vlen = 0;
			const char *k = keyset_key(st->keys, idx ? idx[i] : i, &klen);
			strbuf_reset(&key);
			for (size_t c = 0; c < ncols; c++) {
				const char *v = key_value(k, klen, (size_t)pos[c], &vlen);
				key_add_value(&key, v, vlen);
			}
			keyset_add(out, key.buf, key.len, DEPTH_PARENT);
		}
		strbuf_release(&key);
		return 0;
	}
	struct strbuf sql = STRBUF_INIT;
	strbuf_addstr(&sql, "SELECT ");
	add_select_cols(conn, &sql, t, cols, ncols);
	strbuf_addstr(&sql, " FROM ");
	db_quote_table(conn, &sql, t->schema, t->name);
	strbuf_addstr(&sql, " WHERE ");
	add_in_keys(conn, &sql, t, st->id_cols, st->nid, st->keys, idx, from, to);
	int ret = query_keys(conn, sql.buf, out, DEPTH_PARENT, cancel, err);
	strbuf_release(&sql);
	return ret;
}

/* Adds to `dst` the rows of dst's table whose `cols` are in vals. */
static int lookup_into(struct subset_plan *plan, struct db_conn *conn,
		       struct subset_table *dst, const int *cols, size_t ncols,
		       const struct subset_keyset *vals, int32_t depth,
		       const char *extra_pred, bool trust_direct,
		       const volatile int *cancel, struct mb_err *err)
{
	const struct cat_table *t = tab(plan, dst->table_idx);
	int pos[64];
	/* The looked-up columns are the key itself and known to exist. */
	if (trust_direct && !extra_pred && ncols == dst->nid &&
	    map_cols(dst->id_cols, dst->nid, cols, ncols, pos)) {
		struct strbuf key = STRBUF_INIT;
		for (size_t i = 0; i < vals->n; i++) {
			size_t klen, vlen = 0;
			const char *k = keyset_key(vals, i, &klen);
			strbuf_reset(&key);
			for (size_t c = 0; c < dst->nid; c++) {
				const char *v = key_value(k, klen, (size_t)pos[c], &vlen);
				key_add_value(&key, v, vlen);
			}
			keyset_add(dst->keys, key.buf, key.len, depth);
		}
		strbuf_release(&key);
		return 0;
	}
	for (size_t from = 0; from < vals->n; from += KEY_BATCH) {
		size_t to = from + KEY_BATCH < vals->n ? from + KEY_BATCH : vals->n;
		struct strbuf sql = STRBUF_INIT;
		strbuf_addstr(&sql, "SELECT ");
		add_select_cols(conn, &sql, t, dst->id_cols, dst->nid);
		strbuf_addstr(&sql, " FROM ");
		db_quote_table(conn, &sql, t->schema, t->name);
		strbuf_addstr(&sql, " WHERE ");
		add_in_keys(conn, &sql, t, cols, ncols, vals, NULL, from, to);
		if (extra_pred)
			strbuf_addf(&sql, " AND (%s)", extra_pred);
		int ret = query_keys(conn, sql.buf, dst->keys, depth, cancel, err);
		strbuf_release(&sql);
		if (ret < 0)
			return mb_err_prefix(err, "%s.%s", t->schema, t->name);
	}
	return 0;
}

static bool same_types(const struct cat_table *a, const int *ac,
		       const struct cat_table *b, const char *const *bnames,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cat_column *bc = cat_table_find_column(b, bnames[i]);
		if (!bc || !str_eq(a->cols[ac[i]].type, bc->type))
			return false;
	}
	return true;
}

static int process_parents(struct subset_plan *plan, struct db_conn *conn,
			   struct subset_table *st, const volatile int *cancel,
			   struct mb_err *err)
{
	const struct cat_table *t = tab(plan, st->table_idx);
	size_t from = st->keys->up_done, to = st->keys->n;
	st->keys->up_done = to;
	for (size_t f = 0; f < t->nfks; f++) {
		const struct cat_fk *fk = &t->fks[f];
		if (fk->ref_table_idx < 0 || fk->ncols > 64)
			continue;
		struct subset_table *ps = st_of(plan, fk->ref_table_idx);
		if (ps->mode != SUBSET_MODE_KEYS)
			continue;
		const struct cat_table *p = tab(plan, ps->table_idx);
		int refcols[64];
		if (ref_col_idx(p, fk, refcols) < 0)
			continue;
		struct subset_keyset *vals = keyset_new();
		int ret = 0;
		for (size_t b = from; b < to && ret == 0; b += KEY_BATCH) {
			size_t e = b + KEY_BATCH < to ? b + KEY_BATCH : to;
			ret = project_keys(plan, conn, st, NULL, b, e, fk->col_idx,
					   fk->ncols, vals, cancel, err);
		}
		if (ret == 0)
			ret = lookup_into(plan, conn, ps, refcols, fk->ncols, vals,
					  DEPTH_PARENT, NULL,
					  !fk->is_virtual &&
					  same_types(p, refcols, t, (const char *const *)fk->cols, fk->ncols),
					  cancel, err);
		keyset_free(vals);
		if (ret < 0)
			return mb_err_prefix(err, "%s.%s -> %s", t->schema, t->name, p->name);
	}
	return 0;
}

static int cmp_by_depth(const void *a, const void *b, void *ctx)
{
	const struct subset_keyset *ks = ctx;
	int32_t da = ks->depth[*(const size_t *)a];
	int32_t db = ks->depth[*(const size_t *)b];
	return da < db ? -1 : da > db;
}

static int process_children(struct subset_plan *plan, struct subset_priv *x,
			    struct db_conn *conn, struct subset_table *st,
			    const volatile int *cancel, struct mb_err *err)
{
	struct subset_keyset *ks = st->keys;
	size_t nq = ks->ndown;
	size_t *q = ks->down_q;
	int ret = 0;

	ks->down_q = NULL;
	ks->ndown = ks->down_alloc = 0;
	qsort_r(q, nq, sizeof(*q), cmp_by_depth, ks);

	for (size_t e = 0; e < x->nin[st->table_idx] && ret == 0; e++) {
		struct edge ed = x->in[st->table_idx][e];
		struct subset_table *cs = st_of(plan, ed.child);
		if (cs->mode != SUBSET_MODE_KEYS || !x->child_ok[ed.child] ||
		    !x->down[ed.child])
			continue;
		const struct cat_table *c = tab(plan, ed.child);
		const struct cat_fk *fk = &c->fks[ed.fk];
		const struct cat_table *t = tab(plan, st->table_idx);
		int refcols[64];
		if (fk->ncols > 64 || ref_col_idx(t, fk, refcols) < 0)
			continue;
		/* Groups of equal depth. */
		for (size_t g = 0; g < nq && ret == 0;) {
			int32_t d = ks->depth[q[g]];
			size_t ge = g;
			while (ge < nq && ks->depth[q[ge]] == d)
				ge++;
			if (x->max_depth > 0 && d >= x->max_depth) {
				g = ge;
				continue;
			}
			struct subset_keyset *vals = keyset_new();
			for (size_t b = g; b < ge && ret == 0; b += KEY_BATCH) {
				size_t be = b + KEY_BATCH < ge ? b + KEY_BATCH : ge;
				ret = project_keys(plan, conn, st, q, b, be, refcols,
						   fk->ncols, vals, cancel, err);
			}
			if (ret == 0)
				ret = lookup_into(plan, conn, cs, fk->col_idx, fk->ncols,
						  vals, d + 1, x->window_sql[ed.child],
						  false, cancel, err);
			keyset_free(vals);
			g = ge;
		}
	}
	free(q);
	return ret;
}

static int count_rows(struct db_conn *conn, const char *sql, int64_t *out,
		      struct mb_err *err)
{
	struct db_rows *rows = NULL;
	int r;
	if (db_query(conn, sql, &rows, err) < 0)
		return -1;
	r = db_rows_next(rows, err);
	if (r == 1 && rows->ncols >= 1 && rows->values[0])
		*out += strtoll(rows->values[0], NULL, 10);
	db_rows_close(rows);
	return r < 0 ? -1 : 0;
}

int subset_plan_resolve(struct subset_plan *plan, struct db_conn *src,
			bool count, const volatile int *cancel,
			struct mb_err *err)
{
	struct subset_priv *x = plan->priv;
	struct strbuf sql = STRBUF_INIT;
	int ret = -1;

	if (!x)
		return mb_err_set(err, MB_ERR_INTERNAL, "subset plan not built");
	if (plan->has_roots && !plan->resolved) {
		if (resolve_roots(plan, x, src, cancel, err) < 0)
			goto cleanup;
		bool changed = true;
		while (changed) {
			changed = false;
			for (size_t pos = 0; pos < plan->ntables; pos++) {
				struct subset_table *st = &plan->tables[pos];
				if (st->mode != SUBSET_MODE_KEYS)
					continue;
				if (cancel && *cancel) {
					mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
					goto cleanup;
				}
				if (st->keys->up_done < st->keys->n) {
					changed = true;
					if (process_parents(plan, src, st, cancel, err) < 0)
						goto cleanup;
				}
				if (st->keys->ndown) {
					changed = true;
					if (process_children(plan, x, src, st, cancel, err) < 0)
						goto cleanup;
				}
			}
		}
		plan->resolved = true;
	}
	for (size_t pos = 0; pos < plan->ntables; pos++) {
		struct subset_table *st = &plan->tables[pos];
		const struct cat_table *t = tab(plan, st->table_idx);
		const struct cat_table *ct = t;
		if (st->mode == SUBSET_MODE_NONE) {
			st->exact_rows = 0;
			continue;
		}
		if (st->mode == SUBSET_MODE_KEYS && ct->pk.ncols) {
			st->exact_rows = (int64_t)st->keys->n;
			continue;
		}
		if (!count && st->mode != SUBSET_MODE_KEYS)
			continue;
		int64_t total = 0;
		size_t cursor = 0;
		int r;
		while ((r = subset_table_next_select(plan, pos, src, "COUNT(*)",
						     &cursor, &sql, err)) == 1)
			if (count_rows(src, sql.buf, &total, err) < 0)
				goto cleanup;
		if (r < 0)
			goto cleanup;
		st->exact_rows = total;
	}
	ret = 0;
cleanup:
	strbuf_release(&sql);
	return ret;
}

int subset_table_next_select(const struct subset_plan *plan, size_t pos,
			     struct db_conn *conn, const char *select_list,
			     size_t *cursor, struct strbuf *sql,
			     struct mb_err *err)
{
	const struct subset_table *st = &plan->tables[pos];
	const struct cat_table *t = tab(plan, st->table_idx);

	strbuf_reset(sql);
	if (st->mode == SUBSET_MODE_NONE)
		return 0;
	if (st->mode != SUBSET_MODE_KEYS) {
		if (*cursor > 0)
			return 0;
		strbuf_addf(sql, "SELECT %s FROM ", select_list);
		db_quote_table(conn, sql, t->schema, t->name);
		if (st->mode == SUBSET_MODE_FILTER)
			strbuf_addf(sql, " WHERE %s", st->filter);
		(*cursor)++;
		return 1;
	}
	if (!plan->resolved)
		return mb_err_set(err, MB_ERR_INTERNAL,
				  "%s.%s: subset keys not resolved", t->schema, t->name);
	size_t from = *cursor * KEY_BATCH;
	if (from >= st->keys->n)
		return 0;
	size_t to = from + KEY_BATCH < st->keys->n ? from + KEY_BATCH : st->keys->n;
	strbuf_addf(sql, "SELECT %s FROM ", select_list);
	db_quote_table(conn, sql, t->schema, t->name);
	strbuf_addstr(sql, " WHERE ");
	add_in_keys(conn, sql, t, st->id_cols, st->nid, st->keys, NULL, from, to);
	(*cursor)++;
	return 1;
}

/* ---- output ---- */

void subset_plan_to_tsv(const struct subset_plan *plan, struct strbuf *out)
{
	strbuf_addstr(out, "schema\ttable\trows\treason\n");
	for (size_t i = 0; i < plan->ntables; i++) {
		const struct subset_table *st = &plan->tables[i];
		const struct cat_table *t = tab(plan, st->table_idx);
		strbuf_addf(out, "%s\t%s\t%lld\t%s\n", t->schema, t->name,
			    (long long)subset_table_rows(st), st->reason_text);
	}
}

void subset_plan_to_json(const struct subset_plan *plan, struct strbuf *out)
{
	strbuf_addstr(out, "{\"tables\": [");
	for (size_t i = 0; i < plan->ntables; i++) {
		const struct subset_table *st = &plan->tables[i];
		const struct cat_table *t = tab(plan, st->table_idx);
		if (i)
			strbuf_addstr(out, ", ");
		strbuf_addstr(out, "{\"schema\": ");
		strbuf_add_json_str(out, t->schema, strlen(t->schema));
		strbuf_addstr(out, ", \"name\": ");
		strbuf_add_json_str(out, t->name, strlen(t->name));
		strbuf_addf(out, ", \"rows\": %lld, \"exact\": %s, \"reason\": \"%s\", \"why\": ",
			    (long long)subset_table_rows(st),
			    st->exact_rows >= 0 ? "true" : "false",
			    subset_reason_name(st->reason));
		strbuf_add_json_str(out, st->reason_text, strlen(st->reason_text));
		strbuf_addch(out, '}');
	}
	strbuf_addf(out, "], \"broken_cycle_edges\": %zu}\n", plan->broken_edges);
}

void subset_plan_to_table(const struct subset_plan *plan, struct strbuf *out)
{
	size_t w = 5;
	for (size_t i = 0; i < plan->ntables; i++) {
		const struct cat_table *t = tab(plan, plan->tables[i].table_idx);
		size_t l = strlen(t->schema) + 1 + strlen(t->name);
		if (l > w)
			w = l;
	}
	strbuf_addf(out, "%-4s  %-*s  %12s  %s\n", "#", (int)w, "table", "rows", "why");
	for (size_t i = 0; i < plan->ntables; i++) {
		const struct subset_table *st = &plan->tables[i];
		const struct cat_table *t = tab(plan, st->table_idx);
		struct strbuf name = STRBUF_INIT;
		add_qualified(&name, t);
		strbuf_addf(out, "%-4zu  ", i + 1);
		strbuf_add_escaped(out, name.buf, name.len);
		for (size_t k = name.len; k < w; k++)
			strbuf_addch(out, ' ');
		strbuf_addf(out, "  %s%11lld  %s\n", st->exact_rows >= 0 ? " " : "~",
			    (long long)subset_table_rows(st), st->reason_text);
		strbuf_release(&name);
	}
}

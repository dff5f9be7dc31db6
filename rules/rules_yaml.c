/*
 * rules_yaml.c - rules file export and import (libyaml event API).
 *
 * Import first builds a small tree of the document (scalars, sequences,
 * mappings, each with its position), refusing anchors, aliases and tags
 * while parsing so no expansion can blow up, then walks it inside one
 * workspace transaction, applying each column as it validates; any error
 * rolls everything back.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <yaml.h>

#include "core/mask.h"
#include "core/subset_config.h"
#include "rules/audit.h"
#include "rules/rules.h"
#include "rules/rules_yaml.h"

/* ------------------------------------------------------------------ */
/* Export                                                              */
/* ------------------------------------------------------------------ */

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	strbuf_add(data, buffer, size);
	return 1;
}

struct emit {
	yaml_emitter_t e;
	yaml_event_t ev;
	bool failed;
};

static void emit_ev(struct emit *em, int init_ok)
{
	if (em->failed)
		return;
	if (!init_ok || !yaml_emitter_emit(&em->e, &em->ev))
		em->failed = true;
}

/* Strings that a plain scalar would read back as null. */
static bool null_like(const char *s)
{
	return !*s || str_eq(s, "~") || str_eq(s, "null") || str_eq(s, "Null") ||
	       str_eq(s, "NULL");
}

static void emit_str(struct emit *em, const char *s)
{
	emit_ev(em, yaml_scalar_event_initialize(&em->ev, NULL, NULL,
			(const yaml_char_t *)s, (int)strlen(s), 1, 1,
			null_like(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
				     : YAML_ANY_SCALAR_STYLE));
}

static void emit_map_start(struct emit *em, bool flow)
{
	emit_ev(em, yaml_mapping_start_event_initialize(&em->ev, NULL, NULL, 1,
			flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void emit_map_end(struct emit *em)
{
	emit_ev(em, yaml_mapping_end_event_initialize(&em->ev));
}

static void emit_seq_start(struct emit *em, bool flow)
{
	emit_ev(em, yaml_sequence_start_event_initialize(&em->ev, NULL, NULL, 1,
			flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static void emit_seq_end(struct emit *em)
{
	emit_ev(em, yaml_sequence_end_event_initialize(&em->ev));
}

static void emit_kv(struct emit *em, const char *key, const char *value)
{
	if (!value)
		return;
	emit_str(em, key);
	emit_str(em, value);
}

static void emit_names(struct emit *em, const char *key, char *const *names,
		       size_t n)
{
	emit_str(em, key);
	emit_seq_start(em, true);
	for (size_t i = 0; i < n; i++)
		emit_str(em, names[i]);
	emit_seq_end(em);
}

static char *table_name(const char *schema, const char *table)
{
	return schema ? xasprintf("%s.%s", schema, table) : xstrdup(table);
}

static void fmt_number(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v);
}

static void emit_subset(struct emit *em, const struct subset_config *cfg)
{
	char buf[64];

	emit_str(em, "subset");
	emit_map_start(em, false);

	emit_str(em, "roots");
	emit_seq_start(em, cfg->nroots == 0);
	for (size_t i = 0; i < cfg->nroots; i++) {
		const struct subset_root *r = &cfg->roots[i];
		char *t = table_name(r->schema, r->table);

		emit_map_start(em, false);
		emit_kv(em, "table", t);
		emit_kv(em, "where", r->where);
		if (r->percent > 0) {
			fmt_number(buf, sizeof(buf), r->percent);
			emit_kv(em, "percent", buf);
		}
		if (r->limit > 0) {
			snprintf(buf, sizeof(buf), "%" PRId64, r->limit);
			emit_kv(em, "limit", buf);
		}
		emit_map_end(em);
		free(t);
	}
	emit_seq_end(em);

	if (cfg->children_all) {
		emit_kv(em, "children", "all");
	} else {
		emit_names(em, "children", cfg->children, cfg->nchildren);
	}
	if (cfg->max_depth) {
		snprintf(buf, sizeof(buf), "%d", cfg->max_depth);
		emit_kv(em, "max_depth", buf);
	}

	emit_str(em, "virtual_foreign_keys");
	emit_seq_start(em, cfg->nvfks == 0);
	for (size_t i = 0; i < cfg->nvfks; i++) {
		const struct subset_vfk *v = &cfg->vfks[i];
		struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;
		char *ft = table_name(v->from_schema, v->from_table);
		char *tt = table_name(v->to_schema, v->to_table);

		strbuf_addf(&from, "%s(", ft);
		strbuf_addf(&to, "%s(", tt);
		for (size_t c = 0; c < v->ncols; c++) {
			strbuf_addf(&from, "%s%s", c ? ", " : "", v->from_cols[c]);
			strbuf_addf(&to, "%s%s", c ? ", " : "", v->to_cols[c]);
		}
		strbuf_addch(&from, ')');
		strbuf_addch(&to, ')');
		emit_map_start(em, false);
		emit_kv(em, "from", from.buf);
		emit_kv(em, "to", to.buf);
		emit_map_end(em);
		strbuf_release(&from);
		strbuf_release(&to);
		free(ft);
		free(tt);
	}
	emit_seq_end(em);

	emit_names(em, "keep_all", cfg->keep_all, cfg->nkeep_all);
	emit_names(em, "truncate", cfg->truncate, cfg->ntruncate);

	emit_str(em, "windows");
	emit_seq_start(em, cfg->nwindows == 0);
	for (size_t i = 0; i < cfg->nwindows; i++) {
		const struct subset_window *w = &cfg->windows[i];
		char *t = table_name(w->schema, w->table);

		emit_map_start(em, true);
		emit_kv(em, "table", t);
		emit_kv(em, "column", w->column);
		emit_kv(em, "last", w->last);
		emit_map_end(em);
		free(t);
	}
	emit_seq_end(em);
	emit_map_end(em);
}

int rules_export_yaml(struct workspace *ws, struct strbuf *out,
		      struct mb_err *err)
{
	struct rule_list rules = { 0 };
	struct subset_config cfg;
	struct emit em;
	int ret = -1;

	subset_config_init(&cfg);
	if (rules_load(ws, NULL, false, &rules, err) < 0)
		return -1;
	if (subset_config_load(ws, &cfg, err) < 0)
		goto cleanup;

	memset(&em, 0, sizeof(em));
	if (!yaml_emitter_initialize(&em.e)) {
		mb_err_set(err, MB_ERR_INTERNAL, "cannot initialise the YAML writer");
		goto cleanup;
	}
	yaml_emitter_set_output(&em.e, write_handler, out);
	yaml_emitter_set_width(&em.e, -1);
	yaml_emitter_set_unicode(&em.e, 1);
	yaml_emitter_set_indent(&em.e, 2);

	emit_ev(&em, yaml_stream_start_event_initialize(&em.ev, YAML_UTF8_ENCODING));
	emit_ev(&em, yaml_document_start_event_initialize(&em.ev, NULL, NULL, NULL, 1));
	emit_map_start(&em, false);
	emit_kv(&em, "maskbench", "1");
	emit_str(&em, "columns");
	emit_seq_start(&em, rules.n == 0);
	for (size_t i = 0; i < rules.n && !em.failed; i++) {
		struct rule *r = &rules.items[i];
		char *name = rule_display(r);
		struct mask_spec spec;

		emit_map_start(&em, false);
		emit_kv(&em, "column", name);
		emit_kv(&em, "category", r->category);
		emit_kv(&em, "action", r->action);
		if (!str_eq(r->params, "{}")) {
			if (rule_spec(r, &spec, err) < 0) {
				free(name);
				yaml_emitter_delete(&em.e);
				goto cleanup;
			}
			emit_str(&em, "params");
			emit_map_start(&em, true);
			for (size_t p = 0; p < spec.nparams; p++)
				emit_kv(&em, spec.params[p].key,
					spec.params[p].value ? spec.params[p].value : "");
			emit_map_end(&em);
			mask_spec_release(&spec);
		}
		emit_kv(&em, "state", rule_state_name(r->state));
		emit_kv(&em, "reviewer", r->reviewer);
		emit_kv(&em, "reviewed_at", r->reviewed_at);
		emit_kv(&em, "note", r->note);
		emit_map_end(&em);
		free(name);
	}
	emit_seq_end(&em);
	emit_subset(&em, &cfg);
	emit_map_end(&em);
	emit_ev(&em, yaml_document_end_event_initialize(&em.ev, 1));
	emit_ev(&em, yaml_stream_end_event_initialize(&em.ev));
	if (em.failed) {
		mb_err_set(err, MB_ERR_INTERNAL, "cannot write YAML: %s",
			   em.e.problem ? em.e.problem : "emitter error");
		yaml_emitter_delete(&em.e);
		goto cleanup;
	}
	yaml_emitter_delete(&em.e);
	ret = 0;
cleanup:
	rule_list_release(&rules);
	subset_config_release(&cfg);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Import: the tree                                                    */
/* ------------------------------------------------------------------ */

enum ykind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ykind kind;
	size_t line, col;        /* 1-based */
	char *value;             /* scalar bytes, NUL-terminated */
	size_t len;
	bool is_null;            /* plain ~, null, or empty */
	struct ynode **items;    /* seq: items; map: key, value, key, value ... */
	size_t n, alloc;
};

static void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		ynode_free(n->items[i]);
	free(n->items);
	free(n->value);
	free(n);
}

struct yctx {
	const char *file;
	const char *data;
	size_t len;
	struct mb_err *err;
};

static int yerr(struct yctx *y, size_t line, size_t col, const char *fmt, ...)
	ATTR_FORMAT(4, 5);

static int yerr(struct yctx *y, size_t line, size_t col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mb_err_set(y->err, MB_ERR_INPUT, "%s:%zu:%zu: %s", y->file, line,
			  col, msg);
}

static int ynode_err(struct yctx *y, const struct ynode *n, const char *fmt, ...)
	ATTR_FORMAT(3, 4);

static int ynode_err(struct yctx *y, const struct ynode *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return yerr(y, n->line, n->col, "%s", msg);
}

#ifdef __clang_analyzer__
/* The analyzer does not follow variadic calls: tell it these return -1. */
#define yerr(...) (yerr(__VA_ARGS__), -1)
#define ynode_err(...) (ynode_err(__VA_ARGS__), -1)
#endif

/* Line and column (1-based) of a byte offset, for reader errors. */
static void offset_pos(const struct yctx *y, size_t off, size_t *line,
		       size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < y->len; i++) {
		if (y->data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)y->data[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static int parser_error(struct yctx *y, yaml_parser_t *p)
{
	size_t line, col;

	if (p->error == YAML_MEMORY_ERROR)
		return yerr(y, 1, 1, "out of memory while reading YAML");
	if (p->error == YAML_READER_ERROR) {
		offset_pos(y, p->problem_offset, &line, &col);
		return yerr(y, line, col, "%s",
			    p->problem ? p->problem : "cannot read the file");
	}
	line = p->problem_mark.line + 1;
	col = p->problem_mark.column + 1;
	if (p->context)
		return yerr(y, line, col, "%s %s", p->problem ? p->problem : "syntax error",
			    p->context);
	return yerr(y, line, col, "%s", p->problem ? p->problem : "syntax error");
}

static struct ynode *ynode_new(enum ykind kind, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = m->line + 1;
	n->col = m->column + 1;
	return n;
}

/*
 * Builds the tree of the single document. Refuses anchors, aliases,
 * explicit tags, documents after the first, and nesting deeper than
 * RULES_YAML_MAX_DEPTH.
 */
static int yaml_build(struct yctx *y, struct ynode **root)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct ynode *stack[RULES_YAML_MAX_DEPTH + 1];
	size_t depth = 0, ndocs = 0;
	bool done = false;
	int ret = -1;

	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return mb_err_set(y->err, MB_ERR_INTERNAL, "cannot initialise the YAML reader");
	yaml_parser_set_input_string(&p, (const unsigned char *)y->data, y->len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	while (!done) {
		struct ynode *n = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			parser_error(y, &p);
			goto fail;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				yerr(y, ev.start_mark.line + 1, ev.start_mark.column + 1,
				     "only one YAML document is allowed");
				goto fail_ev;
			}
			break;
		case YAML_ALIAS_EVENT:
			yerr(y, ev.start_mark.line + 1, ev.start_mark.column + 1,
			     "aliases are not allowed in a rules file");
			goto fail_ev;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.anchor) {
				yerr(y, ev.start_mark.line + 1, ev.start_mark.column + 1,
				     "anchors are not allowed in a rules file");
				goto fail_ev;
			}
			if (ev.data.scalar.tag) {
				yerr(y, ev.start_mark.line + 1, ev.start_mark.column + 1,
				     "tags are not allowed in a rules file");
				goto fail_ev;
			}
			n = ynode_new(Y_SCALAR, &ev.start_mark);
			n->len = ev.data.scalar.length;
			n->value = xstrndup((const char *)ev.data.scalar.value, n->len);
			n->is_null = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				     null_like(n->value);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
			const yaml_char_t *anchor = seq ? ev.data.sequence_start.anchor
							: ev.data.mapping_start.anchor;
			const yaml_char_t *tag = seq ? ev.data.sequence_start.tag
						     : ev.data.mapping_start.tag;

			if (anchor || tag) {
				yerr(y, ev.start_mark.line + 1, ev.start_mark.column + 1,
				     "%s are not allowed in a rules file",
				     anchor ? "anchors" : "tags");
				goto fail_ev;
			}
			if (depth >= RULES_YAML_MAX_DEPTH) {
				yerr(y, ev.start_mark.line + 1, ev.start_mark.column + 1,
				     "nesting deeper than %d levels", RULES_YAML_MAX_DEPTH);
				goto fail_ev;
			}
			n = ynode_new(seq ? Y_SEQ : Y_MAP, &ev.start_mark);
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth)
				depth--;
			break;
		default:
			break;
		}
		if (n) {
			if (depth) {
				struct ynode *parent = stack[depth - 1];

				ALLOC_GROW(parent->items, parent->n + 1, parent->alloc);
				parent->items[parent->n++] = n;
			} else if (!*root) {
				*root = n;
			} else {
				ynode_free(n);
			}
			if (n->kind != Y_SCALAR)
				stack[depth++] = n;
		}
		yaml_event_delete(&ev);
	}
	if (!*root) {
		yerr(y, 1, 1, "empty file: expected 'maskbench: 1'");
		goto fail;
	}
	ret = 0;
	goto out;
fail_ev:
	yaml_event_delete(&ev);
fail:
	ynode_free(*root);
	*root = NULL;
out:
	yaml_parser_delete(&p);
	return ret;
}

static const char *kind_name(enum ykind k)
{
	return k == Y_SCALAR ? "a value" : k == Y_SEQ ? "a list" : "a mapping";
}

/* Checks a mapping's keys: scalars, known, not repeated. */
static int check_keys(struct yctx *y, const struct ynode *map,
		      const char *const *known, const char *where)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->items[i];
		bool ok = false;

		if (k->kind != Y_SCALAR)
			return ynode_err(y, k, "%s: keys must be plain names", where);
		for (size_t j = 0; known[j]; j++)
			if (str_eq(k->value, known[j]))
				ok = true;
		if (!ok) {
			struct strbuf list = STRBUF_INIT;

			for (size_t j = 0; known[j]; j++)
				strbuf_addf(&list, "%s%s", j ? ", " : "", known[j]);
			ynode_err(y, k, "unknown key in %s (expected one of: %s)",
				  where, list.buf);
			strbuf_release(&list);
			return -1;
		}
		for (size_t j = 0; j < i; j += 2)
			if (str_eq(map->items[j]->value, k->value))
				return ynode_err(y, k, "duplicate key '%s' in %s (first at line %zu)",
						 k->value, where, map->items[j]->line);
	}
	return 0;
}

static struct ynode *map_get(const struct ynode *map, const char *key)
{
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (str_eq(map->items[i]->value, key))
			return map->items[i + 1];
	return NULL;
}

/*
 * A scalar string value for `key`: NULL node -> *out NULL, returns 0.
 * null_ok: a null scalar gives *out NULL; otherwise it is an error.
 */
static int get_str(struct yctx *y, const struct ynode *v, const char *key,
		   size_t max, bool null_ok, const char **out)
{
	*out = NULL;
	if (!v)
		return 0;
	if (v->kind != Y_SCALAR)
		return ynode_err(y, v, "'%s' must be a single value, not %s", key,
				 kind_name(v->kind));
	if (v->is_null) {
		if (null_ok)
			return 0;
		return ynode_err(y, v, "'%s' must not be empty", key);
	}
	if (v->len > max)
		return ynode_err(y, v, "'%s' is too long (%zu bytes, at most %zu)",
				 key, v->len, max);
	if (memchr(v->value, '\0', v->len))
		return ynode_err(y, v, "'%s' contains a NUL character", key);
	if (!utf8_valid(v->value, v->len))
		return ynode_err(y, v, "'%s' is not valid UTF-8", key);
	*out = v->value;
	return 0;
}

static int need_kind(struct yctx *y, const struct ynode *v, enum ykind kind,
		     const char *what)
{
	if (v->kind != kind)
		return ynode_err(y, v, "%s must be %s, not %s", what,
				 kind_name(kind), kind_name(v->kind));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Import: column index                                                */
/* ------------------------------------------------------------------ */

struct name_ref {
	const char *name;
	size_t idx;
};

struct col_index {
	struct rule_list rules;
	char **full;             /* schema.table.column per rule */
	char **part;             /* table.column per rule */
	struct name_ref *by_full, *by_part;
	size_t *seen_line;       /* line of the first entry for the rule, 0 = none */
};

static int name_ref_cmp(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static void col_index_build(struct col_index *ci)
{
	size_t n = ci->rules.n ? ci->rules.n : 1;

	ci->full = xcalloc(n, sizeof(*ci->full));
	ci->part = xcalloc(n, sizeof(*ci->part));
	ci->by_full = xcalloc(n, sizeof(*ci->by_full));
	ci->by_part = xcalloc(n, sizeof(*ci->by_part));
	ci->seen_line = xcalloc(n, sizeof(*ci->seen_line));
	for (size_t i = 0; i < ci->rules.n; i++) {
		struct rule *r = &ci->rules.items[i];

		ci->full[i] = rule_display(r);
		ci->part[i] = xasprintf("%s.%s", r->table, r->column);
		ci->by_full[i] = (struct name_ref){ ci->full[i], i };
		ci->by_part[i] = (struct name_ref){ ci->part[i], i };
	}
	qsort(ci->by_full, ci->rules.n, sizeof(*ci->by_full), name_ref_cmp);
	qsort(ci->by_part, ci->rules.n, sizeof(*ci->by_part), name_ref_cmp);
}

static void col_index_release(struct col_index *ci)
{
	for (size_t i = 0; i < ci->rules.n; i++) {
		free(ci->full[i]);
		free(ci->part[i]);
	}
	free(ci->full);
	free(ci->part);
	free(ci->by_full);
	free(ci->by_part);
	free(ci->seen_line);
	rule_list_release(&ci->rules);
}

/* Lower bound of name in a sorted name_ref array. */
static size_t lower_bound(const struct name_ref *a, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(a[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the rule named `name`: -1 unknown, -2 ambiguous. */
static long col_index_find(const struct col_index *ci, const char *name)
{
	size_t n = ci->rules.n, i;

	i = lower_bound(ci->by_full, n, name);
	if (i < n && str_eq(ci->by_full[i].name, name))
		return (long)ci->by_full[i].idx;
	i = lower_bound(ci->by_part, n, name);
	if (i < n && str_eq(ci->by_part[i].name, name)) {
		if (i + 1 < n && str_eq(ci->by_part[i + 1].name, name))
			return -2;
		return (long)ci->by_part[i].idx;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Import: columns                                                     */
/* ------------------------------------------------------------------ */

static void set_str(char **dst, const char *v)
{
	char *copy = xstrdup(v);

	free(*dst);
	*dst = copy;
}

static bool valid_timestamp(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SSZ */
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	}
	return true;
}

struct import_state {
	struct yctx *y;
	struct workspace *ws;
	const char *who;
	bool two_person;
	struct col_index ci;
	struct rules_import_report *rep;
	struct rules_batch batch;
	bool have_rules;         /* validate subset names only when columns are known */
	char now[32];
};

static const char *const column_keys[] = {
	"column", "category", "action", "params", "state", "reviewer",
	"reviewed_at", "note", NULL
};

static int import_column(struct import_state *st, const struct ynode *m)
{
	struct yctx *y = st->y;
	const struct ynode *kcol, *vaction, *vparams, *vstate;
	const char *column, *category, *action, *state_s, *reviewer,
		   *reviewed_at, *note;
	struct rule *before, after = { 0 };
	struct mask_spec spec;
	struct strbuf params = STRBUF_INIT;
	enum rule_state state;
	bool content_changed;
	long idx;
	int ret = -1;

	mask_spec_init(&spec);
	if (need_kind(y, m, Y_MAP, "a columns entry") < 0 ||
	    check_keys(y, m, column_keys, "a columns entry") < 0)
		goto cleanup;
	kcol = map_get(m, "column");
	if (!kcol) {
		ynode_err(y, m, "a columns entry needs 'column: schema.table.column'");
		goto cleanup;
	}
	if (get_str(y, kcol, "column", RULES_YAML_MAX_NAME, false, &column) < 0)
		goto cleanup;
	idx = col_index_find(&st->ci, column);
	if (idx == -2) {
		ynode_err(y, kcol, "ambiguous column %s: name it as schema.table.column",
			  column);
		goto cleanup;
	}
	if (idx < 0) {
		ynode_err(y, kcol, "unknown column %s", column);
		goto cleanup;
	}
	if (st->ci.seen_line[idx]) {
		ynode_err(y, kcol, "duplicate column %s (first at line %zu)",
			  st->ci.full[idx], st->ci.seen_line[idx]);
		goto cleanup;
	}
	st->ci.seen_line[idx] = kcol->line;
	before = &st->ci.rules.items[idx];

	vaction = map_get(m, "action");
	vparams = map_get(m, "params");
	vstate = map_get(m, "state");
	if (get_str(y, map_get(m, "category"), "category", RULES_YAML_MAX_NAME,
		    true, &category) < 0 ||
	    get_str(y, vaction, "action", RULES_YAML_MAX_NAME, false, &action) < 0 ||
	    get_str(y, vstate, "state", RULES_YAML_MAX_NAME, false, &state_s) < 0 ||
	    get_str(y, map_get(m, "reviewer"), "reviewer", RULES_YAML_MAX_NAME,
		    true, &reviewer) < 0 ||
	    get_str(y, map_get(m, "reviewed_at"), "reviewed_at",
		    RULES_YAML_MAX_NAME, true, &reviewed_at) < 0 ||
	    get_str(y, map_get(m, "note"), "note", RULES_YAML_MAX_TEXT, true,
		    &note) < 0)
		goto cleanup;

	/* the action and its parameters */
	mask_spec_set_action(&spec, action ? action : before->action);
	if (vaction && !mask_action_info(action)) {
		ynode_err(y, vaction, "%s: unknown action '%s'", st->ci.full[idx],
			  action);
		goto cleanup;
	}
	if (vparams) {
		if (need_kind(y, vparams, Y_MAP, "'params'") < 0)
			goto cleanup;
		for (size_t i = 0; i + 1 < vparams->n; i += 2) {
			const struct ynode *k = vparams->items[i];
			const char *key, *val;

			if (get_str(y, k, "params key", RULES_YAML_MAX_NAME, false,
				    &key) < 0 ||
			    get_str(y, vparams->items[i + 1], key, RULES_YAML_MAX_TEXT,
				    false, &val) < 0)
				goto cleanup;
			if (mask_spec_param(&spec, key)) {
				ynode_err(y, k, "duplicate parameter '%s'", key);
				goto cleanup;
			}
			mask_spec_set_param(&spec, key, val);
		}
	} else if (!vaction || str_eq(action, before->action)) {
		/* parameters stay as they are */
		struct mask_spec old;

		if (rule_spec(before, &old, y->err) < 0)
			goto cleanup;
		for (size_t i = 0; i < old.nparams; i++)
			mask_spec_set_param(&spec, old.params[i].key, old.params[i].value);
		mask_spec_release(&old);
	}
	if (mask_spec_check(&spec, st->ci.full[idx], before->col_type,
			    before->nullable, y->err) < 0) {
		char msg[sizeof(y->err->msg)];
		const struct ynode *at = vparams ? vparams : vaction ? vaction : kcol;

		snprintf(msg, sizeof(msg), "%s", y->err->msg);
		ynode_err(y, at, "%s", msg);
		goto cleanup;
	}
	mask_spec_params_json(&spec, &params);

	rule_release(&after);
	after = *before;
	/* deep copy through set_str on a zeroed copy of pointers */
	after.schema = xstrdup(before->schema);
	after.table = xstrdup(before->table);
	after.column = xstrdup(before->column);
	after.category = xstrdup(before->category);
	after.action = xstrdup(spec.action);
	after.params = xstrdup(params.buf);
	after.reviewer = xstrdup(before->reviewer);
	after.reviewed_at = xstrdup(before->reviewed_at);
	after.note = xstrdup(before->note);
	after.set_by = xstrdup(before->set_by);
	after.set_at = xstrdup(before->set_at);
	after.col_type = xstrdup(before->col_type);
	after.approved_type = xstrdup(before->approved_type);
	after.updated_at = xstrdup(before->updated_at);
	if (map_get(m, "category"))
		set_str(&after.category, category);

	content_changed = !str_eq(after.action, before->action) ||
			  !str_eq(after.params, before->params) ||
			  !((!after.category && !before->category) ||
			    str_eq(after.category, before->category));
	if (content_changed) {
		set_str(&after.set_by, st->who);
		set_str(&after.set_at, st->now);
	}

	if (state_s) {
		if (rule_state_parse(state_s, &state) < 0) {
			ynode_err(y, vstate, "unknown state '%s' (unreviewed, proposed,"
				  " approved or rejected)", state_s);
			goto cleanup;
		}
	} else {
		state = content_changed ? RULE_PROPOSED : before->state;
	}
	if (map_get(m, "reviewer"))
		set_str(&after.reviewer, reviewer);
	if (map_get(m, "reviewed_at")) {
		if (reviewed_at && !valid_timestamp(reviewed_at)) {
			ynode_err(y, map_get(m, "reviewed_at"),
				  "'reviewed_at' must look like 2026-11-20T10:00:00Z");
			goto cleanup;
		}
		set_str(&after.reviewed_at, reviewed_at);
	}
	if (map_get(m, "note"))
		set_str(&after.note, note);
	if (!state_s && content_changed) {
		/* a new action needs a new review */
		set_str(&after.reviewer, NULL);
		set_str(&after.reviewed_at, NULL);
		set_str(&after.approved_type, NULL);
	}
	after.state = state;
	if (state == RULE_APPROVED || state == RULE_REJECTED) {
		const struct ynode *at = vstate ? vstate : kcol;

		if (state == RULE_REJECTED && !str_eq(after.action, "keep")) {
			ynode_err(y, vaction ? vaction : at,
				  "%s: a rejected column is kept as is: its action must be keep",
				  st->ci.full[idx]);
			goto cleanup;
		}
		if (!after.reviewer)
			set_str(&after.reviewer, st->who);
		if (state == RULE_APPROVED && st->two_person &&
		    str_eq(after.set_by, after.reviewer) &&
		    (content_changed || before->state != RULE_APPROVED)) {
			ynode_err(y, at, "%s: approval refused: the two-person rule is on"
				  " and %s set this action; another reviewer must approve",
				  st->ci.full[idx], after.reviewer);
			goto cleanup;
		}
		if (!after.reviewed_at || before->state != state || content_changed)
			if (!map_get(m, "reviewed_at"))
				set_str(&after.reviewed_at, st->now);
		set_str(&after.approved_type, after.col_type);
		after.approved_nullable = after.nullable;
	}

	{
		struct strbuf ja = STRBUF_INIT, jb = STRBUF_INIT;
		bool same;

		rule_to_json(before, &ja);
		rule_to_json(&after, &jb);
		same = ja.len == jb.len && !memcmp(ja.buf, jb.buf, ja.len);
		strbuf_release(&ja);
		strbuf_release(&jb);
		if (!same) {
			if (rules_commit_change(st->ws, &st->batch, "import", st->who, before,
						&after, y->err) < 0)
				goto cleanup;
			st->rep->changed++;
			strbuf_addf(&st->rep->changed_names, "%s\n", st->ci.full[idx]);
		}
	}
	st->rep->columns++;
	ret = 0;
cleanup:
	rule_release(&after);
	mask_spec_release(&spec);
	strbuf_release(&params);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Import: subset                                                      */
/* ------------------------------------------------------------------ */

static int check_table(struct import_state *st, const struct ynode *at,
		       const char *name, const char *column)
{
	sqlite3_stmt *q = NULL;
	char *schema, *table;
	int rc, count = 0;

	if (!st->have_rules)
		return 0;
	subset_split_table(name, &schema, &table);
	if (ws_prepare(st->ws, "SELECT count(*) FROM rules WHERE NOT dropped AND"
			       " ((tbl = ?2 AND (?1 IS NULL OR schema = ?1)) OR"
			       " (?1 IS NOT NULL AND tbl = ?4))"
			       " AND (?3 IS NULL OR col = ?3)", &q, st->y->err) < 0)
		goto out;
	if (schema)
		sqlite3_bind_text(q, 1, schema, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, table, -1, SQLITE_STATIC);
	if (column)
		sqlite3_bind_text(q, 3, column, -1, SQLITE_STATIC);
	/* a table whose own name holds a dot */
	sqlite3_bind_text(q, 4, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		count = sqlite3_column_int(q, 0);
	else
		ws_fail(st->ws, st->y->err, "cannot read rules");
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW) {
		count = -1;
		goto out;
	}
	if (!count) {
		if (column)
			ynode_err(st->y, at, "unknown column %s.%s", name, column);
		else
			ynode_err(st->y, at, "unknown table %s", name);
		count = -1;
	}
out:
	free(schema);
	free(table);
	return count < 0 ? -1 : 0;
}

static int get_names(struct import_state *st, const struct ynode *v,
		     const char *key, char ***list, size_t *n, size_t *alloc)
{
	if (need_kind(st->y, v, Y_SEQ, key) < 0)
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const char *name;

		if (get_str(st->y, v->items[i], key, RULES_YAML_MAX_NAME, false,
			    &name) < 0 ||
		    check_table(st, v->items[i], name, NULL) < 0)
			return -1;
		for (size_t j = 0; j < *n; j++)
			if (str_eq((*list)[j], name))
				return ynode_err(st->y, v->items[i],
						 "'%s' lists %s twice", key, name);
		subset_config_add_name(list, n, alloc, name);
	}
	return 0;
}

static void free_list(char ***list, size_t *n, size_t *alloc)
{
	for (size_t i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = *alloc = 0;
}

static int parse_int(struct yctx *y, const struct ynode *v, const char *key,
		     int64_t min, int64_t max, int64_t *out)
{
	const char *s;
	char *end;
	long long x;

	if (get_str(y, v, key, 32, false, &s) < 0)
		return -1;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || *end || end == s || x < min || x > max)
		return ynode_err(y, v, "'%s' must be a whole number from %" PRId64
				 " to %" PRId64, key, min, max);
	*out = x;
	return 0;
}

/* "schema.table(col1, col2)" */
static int parse_vfk_side(struct yctx *y, const struct ynode *v, const char *key,
			  char **table, char ***cols, size_t *ncols)
{
	const char *s, *open, *close;
	size_t alloc = 0;

	*table = NULL;
	*cols = NULL;
	*ncols = 0;
	if (!v)
		return mb_err_set(y->err, MB_ERR_INPUT, "%s: '%s' is missing", y->file, key);
	if (get_str(y, v, key, RULES_YAML_MAX_NAME, false, &s) < 0)
		return -1;
	open = strchr(s, '(');
	close = strrchr(s, ')');
	if (!open || !close || close < open || close[1] || open == s)
		return ynode_err(y, v, "'%s' must look like table(column, ...)", key);
	*table = xstrndup(s, (size_t)(open - s));
	for (const char *p = open + 1; p <= close;) {
		const char *e = p;
		size_t len;

		while (e < close && *e != ',')
			e++;
		while (p < e && *p == ' ')
			p++;
		len = (size_t)(e - p);
		while (len && p[len - 1] == ' ')
			len--;
		if (!len) {
			free_list(cols, ncols, &alloc);
			free(*table);
			*table = NULL;
			return ynode_err(y, v, "'%s' has an empty column name", key);
		}
		ALLOC_GROW(*cols, *ncols + 1, alloc);
		(*cols)[(*ncols)++] = xstrndup(p, len);
		p = e + 1;
	}
	return 0;
}

static const char *const subset_keys[] = {
	"roots", "children", "max_depth", "virtual_foreign_keys", "keep_all",
	"truncate", "windows", NULL
};
static const char *const root_keys[] = { "table", "where", "percent", "limit", NULL };
static const char *const vfk_keys[] = { "from", "to", NULL };
static const char *const window_keys[] = { "table", "column", "last", NULL };

static int import_roots(struct import_state *st, const struct ynode *v,
			struct subset_config *cfg)
{
	struct yctx *y = st->y;

	if (need_kind(y, v, Y_SEQ, "'roots'") < 0)
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *m = v->items[i], *pv, *lv;
		const char *table, *where;
		struct subset_root *r;
		char *schema, *tbl;

		if (need_kind(y, m, Y_MAP, "a roots entry") < 0 ||
		    check_keys(y, m, root_keys, "a roots entry") < 0)
			return -1;
		if (!map_get(m, "table"))
			return ynode_err(y, m, "a roots entry needs 'table'");
		if (get_str(y, map_get(m, "table"), "table", RULES_YAML_MAX_NAME,
			    false, &table) < 0 ||
		    check_table(st, map_get(m, "table"), table, NULL) < 0 ||
		    get_str(y, map_get(m, "where"), "where", RULES_YAML_MAX_TEXT,
			    false, &where) < 0)
			return -1;
		subset_split_table(table, &schema, &tbl);
		r = subset_config_add_root(cfg, schema, tbl);
		free(schema);
		free(tbl);
		r->where = xstrdup(where);
		if ((pv = map_get(m, "percent"))) {
			const char *s;
			char *end;
			double p;

			if (get_str(y, pv, "percent", 32, false, &s) < 0)
				return -1;
			errno = 0;
			p = strtod(s, &end);
			if (errno || *end || end == s || !isfinite(p) || p <= 0 || p > 100)
				return ynode_err(y, pv, "'percent' must be a number above 0"
						 " and at most 100");
			r->percent = p;
		}
		if ((lv = map_get(m, "limit")) &&
		    parse_int(y, lv, "limit", 1, INT64_MAX, &r->limit) < 0)
			return -1;
	}
	return 0;
}

static int import_vfks(struct import_state *st, const struct ynode *v,
		       struct subset_config *cfg)
{
	struct yctx *y = st->y;

	if (need_kind(y, v, Y_SEQ, "'virtual_foreign_keys'") < 0)
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *m = v->items[i];
		char *ft = NULL, *tt = NULL, **fc = NULL, **tc = NULL;
		char *fs = NULL, *fn = NULL, *ts = NULL, *tn = NULL;
		size_t nf = 0, nt = 0;
		int ret = -1;

		if (need_kind(y, m, Y_MAP, "a virtual_foreign_keys entry") < 0 ||
		    check_keys(y, m, vfk_keys, "a virtual_foreign_keys entry") < 0)
			return -1;
		const struct ynode *from = map_get(m, "from"), *to = map_get(m, "to");
		if (!from || !to)
			return ynode_err(y, m, "a virtual foreign key needs 'from' and 'to'");
		if (parse_vfk_side(y, from, "from", &ft, &fc, &nf) < 0 ||
		    parse_vfk_side(y, to, "to", &tt, &tc, &nt) < 0)
			goto next;
		if (nf != nt) {
			ynode_err(y, m, "'from' has %zu columns but 'to' has %zu", nf, nt);
			goto next;
		}
		for (size_t c = 0; c < nf; c++) {
			if (check_table(st, map_get(m, "from"), ft, fc[c]) < 0 ||
			    check_table(st, map_get(m, "to"), tt, tc[c]) < 0)
				goto next;
		}
		subset_split_table(ft, &fs, &fn);
		subset_split_table(tt, &ts, &tn);
		subset_config_add_vfk(cfg, fs, fn, ts, tn, nf,
				      (const char *const *)fc, (const char *const *)tc);
		ret = 0;
next:
		free(ft);
		free(tt);
		free(fs);
		free(fn);
		free(ts);
		free(tn);
		{
			size_t a = 0;

			free_list(&fc, &nf, &a);
			free_list(&tc, &nt, &a);
		}
		if (ret < 0)
			return -1;
	}
	return 0;
}

static int import_windows(struct import_state *st, const struct ynode *v,
			  struct subset_config *cfg)
{
	struct yctx *y = st->y;

	if (need_kind(y, v, Y_SEQ, "'windows'") < 0)
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *m = v->items[i];
		const char *table, *column, *last;
		char *schema, *tbl;
		int rc;

		if (need_kind(y, m, Y_MAP, "a windows entry") < 0 ||
		    check_keys(y, m, window_keys, "a windows entry") < 0)
			return -1;
		if (!map_get(m, "table") || !map_get(m, "column") || !map_get(m, "last"))
			return ynode_err(y, m, "a window needs 'table', 'column' and 'last'");
		if (get_str(y, map_get(m, "table"), "table", RULES_YAML_MAX_NAME,
			    false, &table) < 0 ||
		    get_str(y, map_get(m, "column"), "column", RULES_YAML_MAX_NAME,
			    false, &column) < 0 ||
		    get_str(y, map_get(m, "last"), "last", 64, false, &last) < 0 ||
		    check_table(st, map_get(m, "column"), table, column) < 0)
			return -1;
		subset_split_table(table, &schema, &tbl);
		rc = subset_config_add_window(cfg, schema, tbl, column, last, y->err);
		free(schema);
		free(tbl);
		if (rc < 0) {
			char msg[sizeof(y->err->msg)];

			snprintf(msg, sizeof(msg), "%s", y->err->msg);
			return ynode_err(y, map_get(m, "last"), "%s", msg);
		}
	}
	return 0;
}

static int import_subset(struct import_state *st, const struct ynode *v)
{
	struct yctx *y = st->y;
	struct subset_config cfg, before;
	struct strbuf ja = STRBUF_INIT, jb = STRBUF_INIT;
	const struct ynode *x;
	int ret = -1;

	subset_config_init(&cfg);
	subset_config_init(&before);
	if (need_kind(y, v, Y_MAP, "'subset'") < 0 ||
	    check_keys(y, v, subset_keys, "subset") < 0)
		goto cleanup;
	if (subset_config_load(st->ws, &cfg, y->err) < 0 ||
	    subset_config_load(st->ws, &before, y->err) < 0)
		goto cleanup;
	if ((x = map_get(v, "roots"))) {
		for (size_t i = 0; i < cfg.nroots; i++) {
			free(cfg.roots[i].schema);
			free(cfg.roots[i].table);
			free(cfg.roots[i].where);
		}
		cfg.nroots = 0;
		if (import_roots(st, x, &cfg) < 0)
			goto cleanup;
	}
	if ((x = map_get(v, "children"))) {
		free_list(&cfg.children, &cfg.nchildren, &cfg.children_alloc);
		cfg.children_all = false;
		if (x->kind == Y_SCALAR && str_eq(x->value, "all")) {
			cfg.children_all = true;
		} else if (x->kind != Y_SEQ) {
			ynode_err(y, x, "'children' must be a list of tables or 'all'");
			goto cleanup;
		} else if (get_names(st, x, "children", &cfg.children,
				     &cfg.nchildren, &cfg.children_alloc) < 0) {
			goto cleanup;
		}
		if (!map_get(v, "max_depth"))
			cfg.max_depth = 0;
	}
	if ((x = map_get(v, "max_depth"))) {
		int64_t d;

		if (parse_int(y, x, "max_depth", 0, 1000, &d) < 0)
			goto cleanup;
		cfg.max_depth = (int)d;
	}
	if ((x = map_get(v, "virtual_foreign_keys"))) {
		struct subset_config tmp;

		/* replace: move the list into a scratch config and free it */
		subset_config_init(&tmp);
		tmp.vfks = cfg.vfks;
		tmp.nvfks = cfg.nvfks;
		cfg.vfks = NULL;
		cfg.nvfks = cfg.vfks_alloc = 0;
		subset_config_release(&tmp);
		if (import_vfks(st, x, &cfg) < 0)
			goto cleanup;
	}
	if ((x = map_get(v, "keep_all"))) {
		free_list(&cfg.keep_all, &cfg.nkeep_all, &cfg.keep_all_alloc);
		if (get_names(st, x, "keep_all", &cfg.keep_all, &cfg.nkeep_all,
			      &cfg.keep_all_alloc) < 0)
			goto cleanup;
	}
	if ((x = map_get(v, "truncate"))) {
		free_list(&cfg.truncate, &cfg.ntruncate, &cfg.truncate_alloc);
		if (get_names(st, x, "truncate", &cfg.truncate, &cfg.ntruncate,
			      &cfg.truncate_alloc) < 0)
			goto cleanup;
	}
	if ((x = map_get(v, "windows"))) {
		struct subset_config tmp;

		subset_config_init(&tmp);
		tmp.windows = cfg.windows;
		tmp.nwindows = cfg.nwindows;
		cfg.windows = NULL;
		cfg.nwindows = cfg.windows_alloc = 0;
		subset_config_release(&tmp);
		if (import_windows(st, x, &cfg) < 0)
			goto cleanup;
	}
	subset_config_to_json(&before, &ja);
	subset_config_to_json(&cfg, &jb);
	st->rep->subset_in_file = true;
	if (!str_eq(ja.buf, jb.buf)) {
		if (subset_config_save(st->ws, &cfg, y->err) < 0 ||
		    audit_writer_add(&st->batch.aw, "subset", st->who, NULL, ja.buf, jb.buf,
				     y->err) < 0)
			goto cleanup;
		st->rep->subset_changed = true;
	}
	ret = 0;
cleanup:
	strbuf_release(&ja);
	strbuf_release(&jb);
	subset_config_release(&cfg);
	subset_config_release(&before);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Import: the document                                                */
/* ------------------------------------------------------------------ */

void rules_import_report_init(struct rules_import_report *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->changed_names, 0);
}

void rules_import_report_release(struct rules_import_report *r)
{
	strbuf_release(&r->changed_names);
	rules_import_report_init(r);
}

static const char *const top_keys[] = { "maskbench", "columns", "subset", NULL };

static int import_doc(struct import_state *st, const struct ynode *root)
{
	struct yctx *y = st->y;
	const struct ynode *v;
	const char *version;

	if (need_kind(y, root, Y_MAP, "the rules file") < 0 ||
	    check_keys(y, root, top_keys, "the rules file") < 0)
		return -1;
	v = map_get(root, "maskbench");
	if (!v)
		return ynode_err(y, root, "missing 'maskbench: 1' (the file format version)");
	if (get_str(y, v, "maskbench", 16, false, &version) < 0)
		return -1;
	if (!str_eq(version, "1"))
		return ynode_err(y, v, "unsupported rules file version '%s' (this"
				 " maskbench reads version 1)", version);
	if ((v = map_get(root, "columns"))) {
		if (v->kind == Y_SCALAR && v->is_null)
			; /* "columns:" with nothing under it */
		else if (need_kind(y, v, Y_SEQ, "'columns'") < 0)
			return -1;
		else
			for (size_t i = 0; i < v->n; i++)
				if (import_column(st, v->items[i]) < 0)
					return -1;
	}
	if ((v = map_get(root, "subset")))
		return import_subset(st, v);
	return 0;
}

int rules_import_yaml(struct workspace *ws, const char *filename,
		      const char *data, size_t len, const char *who,
		      struct rules_import_report *report, struct mb_err *err)
{
	struct yctx y = { filename ? filename : "-", data, len, err };
	struct import_state st;
	struct rules_import_report local;
	struct subset_config probe;
	struct ynode *root = NULL;
	int ret = -1;

	memset(&st, 0, sizeof(st));
	rules_import_report_init(&local);
	st.rep = report ? report : &local;
	st.y = &y;
	st.ws = ws;
	st.who = who;
	rules_now(st.now);
	if (len > RULES_YAML_MAX_FILE) {
		mb_err_set(err, MB_ERR_INPUT, "%s: file too large (%zu bytes, at most %u)",
			   y.file, len, RULES_YAML_MAX_FILE);
		goto out;
	}
	if (yaml_build(&y, &root) < 0)
		goto out;
	/* bring the schema and rules up to date before the transaction */
	subset_config_init(&probe);
	if (rules_refresh(ws, NULL, err) < 0 ||
	    subset_config_load(ws, &probe, err) < 0)
		goto out;
	subset_config_release(&probe);
	st.two_person = rules_two_person(ws);
	if (ws_begin(ws, err) < 0)
		goto out;
	if (rules_load(ws, NULL, false, &st.ci.rules, err) < 0) {
		ws_rollback(ws);
		goto out;
	}
	col_index_build(&st.ci);
	st.have_rules = st.ci.rules.n > 0;
	if (rules_batch_begin(ws, &st.batch, err) < 0) {
		ws_rollback(ws);
		goto out;
	}
	if (import_doc(&st, root) < 0 || rules_batch_end(&st.batch, err) < 0 ||
	    ws_commit(ws, err) < 0) {
		rules_batch_abort(&st.batch);
		ws_rollback(ws);
		goto out;
	}
	ret = 0;
out:
	if (st.ci.full)
		col_index_release(&st.ci);
	else
		rule_list_release(&st.ci.rules);
	ynode_free(root);
	rules_import_report_release(&local);
	return ret;
}

int rules_import_file(struct workspace *ws, const char *path, const char *who,
		      struct rules_import_report *report, struct mb_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	FILE *f = str_eq(path, "-") ? stdin : fopen(path, "rb");
	char buf[65536];
	size_t n;
	int ret = -1;

	if (!f)
		return mb_err_set(err, MB_ERR_IO, "cannot open %s: %s", path,
				  strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sb.len + n > RULES_YAML_MAX_FILE) {
			mb_err_set(err, MB_ERR_INPUT, "%s: file too large (at most %u bytes)",
				   path, RULES_YAML_MAX_FILE);
			goto out;
		}
		strbuf_add(&sb, buf, n);
	}
	if (ferror(f)) {
		mb_err_set(err, MB_ERR_IO, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	ret = rules_import_yaml(ws, path, sb.buf, sb.len, who, report, err);
out:
	if (f != stdin)
		fclose(f);
	strbuf_release(&sb);
	return ret;
}

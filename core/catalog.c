/* catalog.c - the in-memory catalog model; see catalog.h. */
#include "core/catalog.h"

#include <stdlib.h>

void catalog_init(struct catalog *cat, enum db_engine engine)
{
	memset(cat, 0, sizeof(*cat));
	cat->engine = engine;
}

static void key_release(struct cat_key *k)
{
	for (size_t i = 0; i < k->ncols; i++)
		free(k->cols[i]);
	free(k->cols);
	free(k->col_idx);
	free(k->name);
	memset(k, 0, sizeof(*k));
}

static void table_release(struct cat_table *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].type);
		free(t->cols[i].default_expr);
	}
	free(t->cols);
	key_release(&t->pk);
	for (size_t i = 0; i < t->nuniques; i++)
		key_release(&t->uniques[i]);
	free(t->uniques);
	for (size_t i = 0; i < t->nfks; i++) {
		struct cat_fk *fk = &t->fks[i];
		for (size_t c = 0; c < fk->ncols; c++) {
			free(fk->cols[c]);
			free(fk->ref_cols[c]);
		}
		free(fk->cols);
		free(fk->ref_cols);
		free(fk->col_idx);
		free(fk->name);
		free(fk->ref_schema);
		free(fk->ref_table);
	}
	free(t->fks);
	for (size_t i = 0; i < t->nindexes; i++) {
		free(t->indexes[i].name);
		free(t->indexes[i].definition);
	}
	free(t->indexes);
	free(t->schema);
	free(t->name);
}

void catalog_release(struct catalog *cat)
{
	for (size_t i = 0; i < cat->ntables; i++)
		table_release(&cat->tables[i]);
	free(cat->tables);
	catalog_init(cat, cat->engine);
}

struct cat_table *catalog_add_table(struct catalog *cat, const char *schema,
				    const char *name)
{
	ALLOC_GROW(cat->tables, cat->ntables + 1, cat->tables_alloc);
	cat->sorted = false;
	struct cat_table *t = &cat->tables[cat->ntables++];
	memset(t, 0, sizeof(*t));
	t->schema = xstrdup(schema ? schema : "main");
	t->name = xstrdup(name);
	t->rows = -1;
	t->bytes = -1;
	return t;
}

struct cat_column *catalog_add_column(struct cat_table *t, const char *name,
				      const char *type, bool nullable)
{
	ALLOC_GROW(t->cols, t->ncols + 1, t->cols_alloc);
	struct cat_column *c = &t->cols[t->ncols++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->type = xstrdup(type ? type : "");
	c->nullable = nullable;
	c->ordinal = (int)t->ncols;
	return c;
}

static char **copy_names(size_t n, const char *const *names)
{
	char **out = xcalloc(n ? n : 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(names[i]);
	return out;
}

static void key_fill(struct cat_key *k, const char *name, size_t ncols,
		     const char *const *cols)
{
	k->name = xstrdup(name);
	k->ncols = ncols;
	k->cols = copy_names(ncols, cols);
	k->col_idx = xcalloc(ncols ? ncols : 1, sizeof(int));
	for (size_t i = 0; i < ncols; i++)
		k->col_idx[i] = -1;
}

void catalog_set_pk(struct cat_table *t, const char *name, size_t ncols,
		    const char *const *cols)
{
	key_release(&t->pk);
	key_fill(&t->pk, name, ncols, cols);
}

void catalog_add_unique(struct cat_table *t, const char *name, size_t ncols,
			const char *const *cols)
{
	ALLOC_GROW(t->uniques, t->nuniques + 1, t->uniques_alloc);
	struct cat_key *k = &t->uniques[t->nuniques++];
	memset(k, 0, sizeof(*k));
	key_fill(k, name, ncols, cols);
}

struct cat_fk *catalog_add_fk(struct cat_table *t, const char *name,
			      size_t ncols, const char *const *cols,
			      const char *ref_schema, const char *ref_table,
			      const char *const *ref_cols)
{
	ALLOC_GROW(t->fks, t->nfks + 1, t->fks_alloc);
	struct cat_fk *fk = &t->fks[t->nfks++];
	memset(fk, 0, sizeof(*fk));
	fk->name = xstrdup(name);
	fk->ncols = ncols;
	fk->cols = copy_names(ncols, cols);
	fk->ref_cols = copy_names(ncols, ref_cols);
	fk->col_idx = xcalloc(ncols ? ncols : 1, sizeof(int));
	fk->ref_schema = xstrdup(ref_schema ? ref_schema : t->schema);
	fk->ref_table = xstrdup(ref_table);
	fk->ref_table_idx = -1;
	return fk;
}

void catalog_add_index(struct cat_table *t, const char *name,
		       const char *definition, bool unique)
{
	ALLOC_GROW(t->indexes, t->nindexes + 1, t->indexes_alloc);
	struct cat_index *ix = &t->indexes[t->nindexes++];
	ix->name = xstrdup(name);
	ix->definition = xstrdup(definition);
	ix->unique = unique;
}

static int cmp_table(const void *a, const void *b)
{
	const struct cat_table *x = a, *y = b;
	int c = strcmp(x->schema, y->schema);
	return c ? c : strcmp(x->name, y->name);
}

static int cmp_column(const void *a, const void *b)
{
	const struct cat_column *x = a, *y = b;
	return (x->ordinal > y->ordinal) - (x->ordinal < y->ordinal);
}

static void resolve_key(const struct cat_table *t, struct cat_key *k)
{
	for (size_t i = 0; i < k->ncols; i++)
		k->col_idx[i] = cat_table_column_index(t, k->cols[i]);
}

void catalog_finish(struct catalog *cat)
{
	if (cat->ntables > 1)
		qsort(cat->tables, cat->ntables, sizeof(*cat->tables), cmp_table);
	cat->sorted = true;
	for (size_t i = 0; i < cat->ntables; i++) {
		struct cat_table *t = &cat->tables[i];
		if (t->ncols > 1)
			qsort(t->cols, t->ncols, sizeof(*t->cols), cmp_column);
	}
	for (size_t i = 0; i < cat->ntables; i++) {
		struct cat_table *t = &cat->tables[i];
		resolve_key(t, &t->pk);
		for (size_t u = 0; u < t->nuniques; u++)
			resolve_key(t, &t->uniques[u]);
		for (size_t f = 0; f < t->nfks; f++) {
			struct cat_fk *fk = &t->fks[f];
			for (size_t c = 0; c < fk->ncols; c++)
				fk->col_idx[c] = cat_table_column_index(t, fk->cols[c]);
			struct cat_table *ref = catalog_find_table(cat, fk->ref_schema, fk->ref_table);
			fk->ref_table_idx = ref ? catalog_table_index(cat, ref) : -1;
		}
	}
}

struct cat_table *catalog_find_table(const struct catalog *cat,
				     const char *schema, const char *name)
{
	if (!name)
		return NULL;
	if (schema && cat->sorted) {
		/* Sorted by (schema, name) since catalog_finish(): bisect. */
		size_t lo = 0, hi = cat->ntables;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct cat_table *t = &cat->tables[mid];
			int c = strcmp(t->schema, schema);
			if (!c)
				c = strcmp(t->name, name);
			if (!c)
				return &cat->tables[mid];
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return NULL;
	}
	for (size_t i = 0; i < cat->ntables; i++) {
		struct cat_table *t = &cat->tables[i];
		if (strcmp(t->name, name) == 0 && (!schema || strcmp(t->schema, schema) == 0))
			return t;
	}
	return NULL;
}

int catalog_table_index(const struct catalog *cat, const struct cat_table *t)
{
	if (t < cat->tables || t >= cat->tables + cat->ntables)
		return -1;
	return (int)(t - cat->tables);
}

struct cat_column *cat_table_find_column(const struct cat_table *t,
					 const char *name)
{
	int i = cat_table_column_index(t, name);
	return i < 0 ? NULL : &t->cols[i];
}

int cat_table_column_index(const struct cat_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * Splits "a.b.c" on dots. Names containing dots cannot be addressed this
 * way; a quoted form ("my.schema".t.c) is accepted for them.
 */
static size_t split_spec(const char *spec, char parts[3][256])
{
	size_t n = 0, len = 0;
	bool quoted = false;
	for (const char *p = spec;; p++) {
		if (*p == '"') {
			if (quoted && p[1] == '"') {
				if (len < 255)
					parts[n][len++] = '"';
				p++;
				continue;
			}
			quoted = !quoted;
			continue;
		}
		if ((*p == '.' && !quoted) || *p == '\0') {
			parts[n][len] = '\0';
			n++;
			len = 0;
			if (*p == '\0' || n == 3)
				return *p == '\0' ? n : 4;
			continue;
		}
		if (len < 255)
			parts[n][len++] = *p;
	}
}

int catalog_resolve_column(const struct catalog *cat, const char *spec,
			   struct cat_table **table, struct cat_column **col,
			   struct mb_err *err)
{
	char parts[3][256];
	size_t n = split_spec(spec, parts);
	if (n < 2 || n > 3 || !parts[0][0] || !parts[n - 1][0])
		return mb_err_set(err, MB_ERR_USAGE,
				  "bad column '%s': expected table.column or schema.table.column",
				  spec);
	const char *schema = n == 3 ? parts[0] : NULL;
	const char *tname = parts[n - 2], *cname = parts[n - 1];
	struct cat_table *t = NULL;
	for (size_t i = 0; i < cat->ntables; i++) {
		struct cat_table *c = &cat->tables[i];
		if (strcmp(c->name, tname) || (schema && strcmp(c->schema, schema)))
			continue;
		if (t)
			return mb_err_set(err, MB_ERR_USAGE,
					  "ambiguous column '%s': table %s exists in schemas %s and %s",
					  spec, tname, t->schema, c->schema);
		t = c;
	}
	if (!t)
		return mb_err_set(err, MB_ERR_USAGE, "unknown table in '%s'", spec);
	struct cat_column *c = cat_table_find_column(t, cname);
	if (!c)
		return mb_err_set(err, MB_ERR_USAGE, "unknown column '%s' in table %s.%s",
				  cname, t->schema, t->name);
	if (table)
		*table = t;
	if (col)
		*col = c;
	return 0;
}

static void json_name_list(struct strbuf *out, char **names, size_t n)
{
	strbuf_addch(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(out, ", ");
		strbuf_add_json_str(out, names[i], strlen(names[i]));
	}
	strbuf_addch(out, ']');
}

static void json_str(struct strbuf *out, const char *s)
{
	strbuf_add_json_str(out, s, strlen(s));
}

void catalog_to_json(const struct catalog *cat, struct strbuf *out)
{
	strbuf_addstr(out, "{\"tables\": [");
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *t = &cat->tables[i];
		strbuf_addstr(out, i ? ",\n  {" : "\n  {");
		strbuf_addstr(out, "\"schema\": ");
		json_str(out, t->schema);
		strbuf_addstr(out, ", \"name\": ");
		json_str(out, t->name);
		strbuf_addf(out, ", \"kind\": \"%s\"", t->is_view ? "view" : "table");
		strbuf_addf(out, ", \"rows\": %lld, \"bytes\": %lld",
			    (long long)t->rows, (long long)t->bytes);
		strbuf_addstr(out, ",\n   \"columns\": [");
		for (size_t c = 0; c < t->ncols; c++) {
			const struct cat_column *col = &t->cols[c];
			strbuf_addstr(out, c ? ", {\"name\": " : "{\"name\": ");
			json_str(out, col->name);
			strbuf_addstr(out, ", \"type\": ");
			json_str(out, col->type);
			strbuf_addf(out, ", \"nullable\": %s}", col->nullable ? "true" : "false");
		}
		strbuf_addstr(out, "],\n   \"primary_key\": ");
		json_name_list(out, t->pk.cols, t->pk.ncols);
		strbuf_addstr(out, ",\n   \"unique\": [");
		for (size_t u = 0; u < t->nuniques; u++) {
			if (u)
				strbuf_addstr(out, ", ");
			json_name_list(out, t->uniques[u].cols, t->uniques[u].ncols);
		}
		strbuf_addstr(out, "],\n   \"foreign_keys\": [");
		for (size_t f = 0; f < t->nfks; f++) {
			const struct cat_fk *fk = &t->fks[f];
			strbuf_addstr(out, f ? ", {\"columns\": " : "{\"columns\": ");
			json_name_list(out, fk->cols, fk->ncols);
			strbuf_addstr(out, ", \"ref_schema\": ");
			json_str(out, fk->ref_schema);
			strbuf_addstr(out, ", \"ref_table\": ");
			json_str(out, fk->ref_table);
			strbuf_addstr(out, ", \"ref_columns\": ");
			json_name_list(out, fk->ref_cols, fk->ncols);
			if (fk->is_virtual)
				strbuf_addstr(out, ", \"virtual\": true");
			strbuf_addch(out, '}');
		}
		strbuf_addstr(out, "]}");
	}
	strbuf_addstr(out, cat->ntables ? "\n]}\n" : "]}\n");
}

static void tsv_field(struct strbuf *out, const char *s)
{
	for (; *s; s++)
		strbuf_addch(out, (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s);
}

static bool in_key(const struct cat_key *k, const char *col)
{
	for (size_t i = 0; i < k->ncols; i++)
		if (!strcmp(k->cols[i], col))
			return true;
	return false;
}

static void column_badges(const struct cat_table *t, const struct cat_column *col,
			  struct strbuf *out)
{
	size_t start = out->len;
	if (in_key(&t->pk, col->name))
		strbuf_addstr(out, "PK");
	for (size_t u = 0; u < t->nuniques; u++)
		if (in_key(&t->uniques[u], col->name)) {
			strbuf_addstr(out, out->len > start ? ",UQ" : "UQ");
			break;
		}
	for (size_t f = 0; f < t->nfks; f++)
		for (size_t c = 0; c < t->fks[f].ncols; c++)
			if (!strcmp(t->fks[f].cols[c], col->name)) {
				strbuf_addstr(out, out->len > start ? ",FK" : "FK");
				f = t->nfks - 1;
				break;
			}
}

void catalog_to_tsv(const struct catalog *cat, struct strbuf *out)
{
	strbuf_addstr(out, "schema\ttable\trows\tcolumn\ttype\tnullable\tkeys\n");
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *t = &cat->tables[i];
		for (size_t c = 0; c < t->ncols; c++) {
			const struct cat_column *col = &t->cols[c];
			tsv_field(out, t->schema);
			strbuf_addch(out, '\t');
			tsv_field(out, t->name);
			strbuf_addf(out, "\t%lld\t", (long long)t->rows);
			tsv_field(out, col->name);
			strbuf_addch(out, '\t');
			tsv_field(out, col->type);
			strbuf_addstr(out, col->nullable ? "\tyes\t" : "\tno\t");
			column_badges(t, col, out);
			strbuf_addch(out, '\n');
		}
	}
}

void catalog_to_table(const struct catalog *cat, struct strbuf *out)
{
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *t = &cat->tables[i];
		struct strbuf name = STRBUF_INIT;
		strbuf_add_escaped(&name, t->schema, strlen(t->schema));
		strbuf_addch(&name, '.');
		strbuf_add_escaped(&name, t->name, strlen(t->name));
		strbuf_addf(out, "%s%s  (%lld rows%s)\n", name.buf, t->is_view ? " [view]" : "",
			    (long long)t->rows, "");
		strbuf_release(&name);
		for (size_t c = 0; c < t->ncols; c++) {
			const struct cat_column *col = &t->cols[c];
			struct strbuf cn = STRBUF_INIT, badges = STRBUF_INIT;
			strbuf_add_escaped(&cn, col->name, strlen(col->name));
			column_badges(t, col, &badges);
			strbuf_addf(out, "    %-30s %-28s %-8s %s\n", cn.buf, col->type,
				    col->nullable ? "null" : "not null", badges.buf);
			strbuf_release(&cn);
			strbuf_release(&badges);
		}
		for (size_t f = 0; f < t->nfks; f++) {
			const struct cat_fk *fk = &t->fks[f];
			strbuf_addstr(out, "    -> (");
			for (size_t c = 0; c < fk->ncols; c++)
				strbuf_addf(out, "%s%s", c ? ", " : "", fk->cols[c]);
			strbuf_addf(out, ") references %s.%s(", fk->ref_schema, fk->ref_table);
			for (size_t c = 0; c < fk->ncols; c++)
				strbuf_addf(out, "%s%s", c ? ", " : "", fk->ref_cols[c]);
			strbuf_addf(out, ")%s\n", fk->is_virtual ? " [virtual]" : "");
		}
	}
}

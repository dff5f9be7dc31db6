/*
 * job_schema.c - the target's DDL, generated from the source catalog.
 *
 * Tables are created bare where the engine allows it (PostgreSQL: keys,
 * indexes and foreign keys after the load, which is faster and lets
 * cycles load in any order); MySQL gets its primary key inline (InnoDB
 * clusters on it; AUTO_INCREMENT needs it) and SQLite gets every
 * constraint inline (it cannot add them later; FK enforcement is off while
 * loading).
 */
#include "config.h"

#include <stdlib.h>
#include <strings.h>

#include "core/job_int.h"

void stmt_list_add(struct stmt_list *l, char *sql)
{
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = sql;
}

void stmt_list_release(struct stmt_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void qualify(const struct ddl_ctx *d, struct strbuf *sb,
		    const char *schema, const char *name)
{
	const char *s = d->schema_of ? d->schema_of(d->schema_ctx, schema) : NULL;
	if (s) {
		db_quote_ident(d->q, sb, s);
		strbuf_addch(sb, '.');
	}
	db_quote_ident(d->q, sb, name);
}

void ddl_table_name(const struct ddl_ctx *d, struct strbuf *sb,
		    const struct cat_table *t)
{
	qualify(d, sb, t->schema, t->name);
}

static void col_list(const struct ddl_ctx *d, struct strbuf *sb,
		     char *const *cols, size_t n)
{
	strbuf_addch(sb, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		db_quote_ident(d->q, sb, cols[i]);
	}
	strbuf_addch(sb, ')');
}

static bool fk_target_copied(const struct ddl_ctx *d, const struct cat_fk *fk)
{
	return fk->ref_table_idx >= 0 && !fk->is_virtual &&
	       (!d->copied || d->copied[fk->ref_table_idx]);
}

static void add_fk_clause(const struct ddl_ctx *d, struct strbuf *sb,
			  const struct cat_fk *fk)
{
	const struct cat_table *p = &d->cat->tables[fk->ref_table_idx];
	strbuf_addstr(sb, "FOREIGN KEY ");
	col_list(d, sb, fk->cols, fk->ncols);
	strbuf_addstr(sb, " REFERENCES ");
	if (d->engine == DB_ENGINE_SQLITE)
		db_quote_ident(d->q, sb, p->name);
	else
		qualify(d, sb, p->schema, p->name);
	strbuf_addch(sb, ' ');
	col_list(d, sb, fk->ref_cols, fk->ncols);
	if (fk->deferrable && d->engine == DB_ENGINE_PG)
		strbuf_addstr(sb, " DEFERRABLE");
}

static bool is_serial_default(const char *def)
{
	return def && strstr(def, "nextval(");
}

/* ---- generated columns: their expression, read from the source ---- */

/* The first value of the first row of sql on conn (owned), NULL if none. */
static char *query_one(struct db_conn *conn, const char *sql, size_t col)
{
	struct mb_err ignore = MB_ERR_INIT;
	struct db_rows *rows = NULL;
	char *out = NULL;
	if (db_query(conn, sql, &rows, &ignore) < 0)
		goto done;
	if (db_rows_next(rows, &ignore) == 1 && rows->ncols > col && rows->values[col])
		out = xstrndup(rows->values[col], rows->lengths[col]);
	/* Drain: a streamed result must be read to its end. */
	while (db_rows_next(rows, &ignore) == 1)
		;
done:
	if (rows)
		db_rows_close(rows);
	return out;
}

/* A token of SQLite's CREATE TABLE text. */
struct sql_tok {
	const char *p;
	size_t len;
	char kind;   /* 'w' word, 'q' quoted identifier, 's' string, else the char; 0 at end */
};

static void sql_next(const char **pp, struct sql_tok *t)
{
	const char *p = *pp;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : p + strlen(p);
		} else {
			break;
		}
	}
	t->p = p;
	t->kind = *p;
	if (!*p) {
		t->len = 0;
	} else if (*p == '"' || *p == '`' || *p == '\'' || *p == '[') {
		char close = *p == '[' ? ']' : *p;
		const char *q = p + 1;
		while (*q) {
			if (*q == close) {
				if (close != ']' && q[1] == close) {
					q += 2;
					continue;
				}
				q++;
				break;
			}
			q++;
		}
		t->kind = *p == '\'' ? 's' : 'q';
		t->len = (size_t)(q - p);
	} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
		   (unsigned char)*p >= 0x80) {
		const char *q = p;
		while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_' ||
		       *q == '$' || (*q >= '0' && *q <= '9') || (unsigned char)*q >= 0x80)
			q++;
		t->kind = 'w';
		t->len = (size_t)(q - p);
	} else {
		t->len = 1;
	}
	*pp = p + t->len;
}

/* Is the token the identifier `name` (unquoted, ASCII case-insensitive)? */
static bool tok_is_name(const struct sql_tok *t, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	bool same;
	if (t->kind == 'w') {
		strbuf_add(&sb, t->p, t->len);
	} else if (t->kind == 'q' && t->len >= 2) {
		char close = t->p[0] == '[' ? ']' : t->p[0];
		for (size_t i = 1; i + 1 < t->len; i++) {
			strbuf_addch(&sb, t->p[i]);
			if (t->p[i] == close && close != ']')
				i++;
		}
	} else {
		return false;
	}
	same = str_ieq(sb.buf, name);
	strbuf_release(&sb);
	return same;
}

static bool tok_is_word(const struct sql_tok *t, const char *w)
{
	return t->kind == 'w' && t->len == strlen(w) && !strncasecmp(t->p, w, t->len);
}

/*
 * Finds column `col`'s "AS (expr) [STORED|VIRTUAL]" in a CREATE TABLE
 * statement. Returns the expression (owned) or NULL.
 */
static char *sqlite_gen_expr(const char *create, const char *col, bool *stored)
{
	const char *p = create;
	struct sql_tok t;
	int depth = 0;
	bool at_item = false, in_col = false, prev_as = false;

	/* To the column list. */
	do {
		sql_next(&p, &t);
	} while (t.kind && t.kind != '(');
	if (!t.kind)
		return NULL;
	depth = 1;
	at_item = true;
	for (sql_next(&p, &t); t.kind; sql_next(&p, &t)) {
		if (depth == 1 && at_item) {
			in_col = tok_is_name(&t, col);
			at_item = false;
			prev_as = false;
			continue;
		}
		if (t.kind == '(') {
			if (depth == 1 && in_col && prev_as) {
				/* The expression: to the matching parenthesis. */
				const char *start = p;
				int d2 = 1;
				const char *end = NULL;
				for (sql_next(&p, &t); t.kind; sql_next(&p, &t)) {
					if (t.kind == '(')
						d2++;
					else if (t.kind == ')' && --d2 == 0) {
						end = t.p;
						break;
					}
				}
				if (!end)
					return NULL;
				sql_next(&p, &t);
				*stored = tok_is_word(&t, "STORED");
				while (start < end && (*start == ' ' || *start == '\n' || *start == '\t'))
					start++;
				return xstrndup(start, (size_t)(end - start));
			}
			depth++;
		} else if (t.kind == ')') {
			if (--depth == 0)
				break;
		} else if (t.kind == ',' && depth == 1) {
			at_item = true;
			continue;
		}
		prev_as = depth == 1 && tok_is_word(&t, "AS");
	}
	return NULL;
}

/*
 * The generation expression of a generated column, from the source
 * (d->q): PostgreSQL pg_get_expr of its pg_attrdef entry (always STORED),
 * MySQL/MariaDB information_schema.COLUMNS.GENERATION_EXPRESSION, SQLite
 * the table's CREATE statement. NULL when it cannot be read (e.g. a MariaDB
 * system-versioning ROW START column): the column is then created plain
 * and stays NULL in the target, as it is never inserted into.
 */
static char *gen_expr(const struct ddl_ctx *d, const struct cat_table *t,
		      const struct cat_column *c, bool *stored)
{
	struct strbuf sql = STRBUF_INIT, tmp = STRBUF_INIT;
	char *expr = NULL;

	*stored = true;
	switch (d->engine) {
	case DB_ENGINE_PG:
		db_quote_table(d->q, &tmp, t->schema, t->name);
		strbuf_addstr(&sql, "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a"
			      " JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
			      " WHERE a.attgenerated <> '' AND a.attrelid = ");
		db_quote_literal(d->q, &sql, tmp.buf, tmp.len);
		strbuf_addstr(&sql, "::regclass AND a.attname = ");
		db_quote_literal(d->q, &sql, c->name, strlen(c->name));
		expr = query_one(d->q, sql.buf, 0);
		break;
	case DB_ENGINE_MYSQL: {
		strbuf_addstr(&sql, "SELECT GENERATION_EXPRESSION, EXTRA FROM information_schema.COLUMNS"
			      " WHERE TABLE_SCHEMA = ");
		db_quote_literal(d->q, &sql, t->schema, strlen(t->schema));
		strbuf_addstr(&sql, " AND TABLE_NAME = ");
		db_quote_literal(d->q, &sql, t->name, strlen(t->name));
		strbuf_addstr(&sql, " AND COLUMN_NAME = ");
		db_quote_literal(d->q, &sql, c->name, strlen(c->name));
		expr = query_one(d->q, sql.buf, 0);
		char *extra = expr ? query_one(d->q, sql.buf, 1) : NULL;
		*stored = extra && (strstr(extra, "STORED") || strstr(extra, "PERSISTENT"));
		free(extra);
		break;
	}
	case DB_ENGINE_SQLITE: {
		strbuf_addstr(&sql, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ");
		db_quote_literal(d->q, &sql, t->name, strlen(t->name));
		char *create = query_one(d->q, sql.buf, 0);
		if (create)
			expr = sqlite_gen_expr(create, c->name, stored);
		free(create);
		break;
	}
	case DB_ENGINE_NONE:
		break;
	}
	if (expr && !*expr) {
		free(expr);
		expr = NULL;
	}
	strbuf_release(&sql);
	strbuf_release(&tmp);
	return expr;
}

void ddl_create_table(const struct ddl_ctx *d, const struct cat_table *t,
		      struct strbuf *sb)
{
	enum db_engine e = d->engine;
	strbuf_addstr(sb, "CREATE TABLE ");
	ddl_table_name(d, sb, t);
	strbuf_addstr(sb, " (");
	for (size_t i = 0; i < t->ncols; i++) {
		const struct cat_column *c = &t->cols[i];
		if (i)
			strbuf_addstr(sb, ", ");
		db_quote_ident(d->q, sb, c->name);
		strbuf_addf(sb, " %s", c->type);
		if (c->generated) {
			bool stored;
			char *expr = gen_expr(d, t, c, &stored);
			if (expr && e == DB_ENGINE_PG)
				strbuf_addf(sb, " GENERATED ALWAYS AS (%s) STORED", expr);
			else if (expr)
				strbuf_addf(sb, " AS (%s) %s", expr,
					    stored ? "STORED" : "VIRTUAL");
			free(expr);
		} else if (e == DB_ENGINE_PG && c->auto_increment) {
			strbuf_addstr(sb, " GENERATED BY DEFAULT AS IDENTITY");
		} else if (c->default_expr && !is_serial_default(c->default_expr)) {
			strbuf_addf(sb, " DEFAULT %s", c->default_expr);
		}
		if (!c->nullable)
			strbuf_addstr(sb, " NOT NULL");
		if (e == DB_ENGINE_MYSQL && c->auto_increment)
			strbuf_addstr(sb, " AUTO_INCREMENT");
	}
	if (t->pk.ncols && e != DB_ENGINE_PG) {
		strbuf_addstr(sb, ", PRIMARY KEY ");
		col_list(d, sb, t->pk.cols, t->pk.ncols);
	}
	if (e == DB_ENGINE_SQLITE) {
		for (size_t u = 0; u < t->nuniques; u++) {
			strbuf_addstr(sb, ", UNIQUE ");
			col_list(d, sb, t->uniques[u].cols, t->uniques[u].ncols);
		}
		for (size_t f = 0; f < t->nfks; f++) {
			if (!fk_target_copied(d, &t->fks[f]))
				continue;
			strbuf_addstr(sb, ", ");
			add_fk_clause(d, sb, &t->fks[f]);
		}
	}
	strbuf_addch(sb, ')');
	if (e == DB_ENGINE_MYSQL)
		strbuf_addstr(sb, " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

/*
 * An index definition from the catalog with its table replaced by the
 * target's: "CREATE [UNIQUE] INDEX name ON <table> ..." in every engine.
 */
static char *retarget_index(const struct ddl_ctx *d, const struct cat_table *t,
			    const char *def)
{
	const char *on = NULL;
	for (const char *p = def; *p; p++) {
		if (*p == '"' || *p == '`') {
			char q = *p;
			for (p++; *p && *p != q; p++)
				;
			if (!*p)
				break;
			continue;
		}
		if ((p[0] == ' ') && (p[1] == 'O' || p[1] == 'o') &&
		    (p[2] == 'N' || p[2] == 'n') && p[3] == ' ') {
			on = p + 4;
			break;
		}
	}
	if (!on)
		return NULL;
	const char *p = on;
	if (!strncmp(p, "ONLY ", 5))
		p += 5;
	/* a possibly qualified, possibly quoted name */
	for (;;) {
		if (*p == '"' || *p == '`') {
			char q = *p++;
			while (*p && !(*p == q && p[1] != q))
				p += (*p == q) ? 2 : 1;
			if (*p)
				p++;
		} else {
			while (*p && (p[0] == '_' || p[0] == '$' ||
				      (p[0] >= '0' && p[0] <= '9') ||
				      ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') ||
				      (unsigned char)p[0] >= 0x80))
				p++;
		}
		if (*p != '.')
			break;
		p++;
	}
	struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, def, (size_t)(on - def));
	ddl_table_name(d, &sb, t);
	strbuf_addstr(&sb, p);
	return strbuf_detach(&sb, NULL);
}

static bool names_key(const struct cat_table *t, const char *name)
{
	if (!name)
		return false;
	if (str_eq(t->pk.name, name))
		return true;
	for (size_t u = 0; u < t->nuniques; u++)
		if (str_eq(t->uniques[u].name, name))
			return true;
	return false;
}

/* Are cols the first columns of key? */
static bool key_leads(const struct cat_key *key, char **cols, size_t n)
{
	if (key->ncols < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!str_eq(key->cols[i], cols[i]))
			return false;
	return true;
}

/*
 * Are cols the first plain columns of the PostgreSQL btree index defined
 * by def (pg_get_indexdef: "... USING btree (a, \"B c\") [INCLUDE ...]")?
 * A partial index, an expression, an operator class or DESC ends the
 * usable prefix: only plain ascending columns serve a merge join.
 */
static bool indexdef_leads(const char *def, char **cols, size_t n)
{
	const char *p = strstr(def, " USING btree (");
	if (!p || strstr(def, " WHERE "))
		return false;
	p += strlen(" USING btree (");
	struct strbuf col = STRBUF_INIT;
	size_t i = 0;
	while (i < n) {
		strbuf_reset(&col);
		if (*p == '"') {
			for (p++; *p && !(*p == '"' && p[1] != '"'); p++) {
				if (*p == '"')
					p++;
				strbuf_addch(&col, *p);
			}
			if (*p)
				p++;
		} else {
			while (*p && *p != ',' && *p != ')' && *p != ' ')
				strbuf_addch(&col, *p++);
		}
		if (!col.len || (*p != ',' && *p != ')') || !str_eq(col.buf, cols[i]))
			break;
		i++;
		if (*p == ')')
			break;
		p += p[1] == ' ' ? 2 : 1;
	}
	strbuf_release(&col);
	return i == n;
}

/*
 * Does an index of t start with the foreign key's columns? Then its
 * validation can merge-join two index-only scans (COPY FREEZE left every
 * page all-visible), several times faster than hashing both tables.
 */
static bool fk_indexed(const struct cat_table *t, const struct cat_fk *fk)
{
	if (key_leads(&t->pk, fk->cols, fk->ncols))
		return true;
	for (size_t u = 0; u < t->nuniques; u++)
		if (key_leads(&t->uniques[u], fk->cols, fk->ncols))
			return true;
	for (size_t i = 0; i < t->nindexes; i++)
		if (t->indexes[i].definition &&
		    indexdef_leads(t->indexes[i].definition, fk->cols, fk->ncols))
			return true;
	return false;
}

void ddl_post_load(const struct ddl_ctx *d, const struct cat_table *t,
		   struct stmt_list *keys, struct stmt_list *indexes,
		   struct stmt_list *fks, struct stmt_list *validate,
		   struct stmt_list *seqs)
{
	enum db_engine e = d->engine;
	struct strbuf sb = STRBUF_INIT;

	if (e == DB_ENGINE_PG && t->pk.ncols) {
		strbuf_addstr(&sb, "ALTER TABLE ");
		ddl_table_name(d, &sb, t);
		strbuf_addstr(&sb, " ADD ");
		if (t->pk.name) {
			strbuf_addstr(&sb, "CONSTRAINT ");
			db_quote_ident(d->q, &sb, t->pk.name);
			strbuf_addch(&sb, ' ');
		}
		strbuf_addstr(&sb, "PRIMARY KEY ");
		col_list(d, &sb, t->pk.cols, t->pk.ncols);
		stmt_list_add(keys, strbuf_detach(&sb, NULL));
	}
	if (e != DB_ENGINE_SQLITE) {
		for (size_t u = 0; u < t->nuniques; u++) {
			strbuf_addstr(&sb, "ALTER TABLE ");
			ddl_table_name(d, &sb, t);
			strbuf_addstr(&sb, " ADD ");
			if (t->uniques[u].name) {
				strbuf_addstr(&sb, "CONSTRAINT ");
				db_quote_ident(d->q, &sb, t->uniques[u].name);
				strbuf_addch(&sb, ' ');
			}
			strbuf_addstr(&sb, "UNIQUE ");
			col_list(d, &sb, t->uniques[u].cols, t->uniques[u].ncols);
			stmt_list_add(keys, strbuf_detach(&sb, NULL));
		}
	}
	for (size_t i = 0; i < t->nindexes; i++) {
		const struct cat_index *ix = &t->indexes[i];
		if (!ix->definition || names_key(t, ix->name) ||
		    (e == DB_ENGINE_MYSQL && str_eq(ix->name, "PRIMARY")))
			continue;
		/* SQLite builds in a file of its own: the names stay. */
		char *sql = e == DB_ENGINE_SQLITE ? xstrdup(ix->definition) :
			retarget_index(d, t, ix->definition);
		if (sql)
			stmt_list_add(indexes, sql);
	}
	if (e != DB_ENGINE_SQLITE) {
		for (size_t f = 0; f < t->nfks; f++) {
			const struct cat_fk *fk = &t->fks[f];
			if (!fk_target_copied(d, fk))
				continue;
			/* PostgreSQL: added NOT VALID (metadata only, serially:
			 * ADD FOREIGN KEY locks both tables and parallel adds
			 * across a cycle deadlock), validated in parallel later. */
			char *name = fk->name ? xstrdup(fk->name) :
				xasprintf("%s_fk%zu", t->name, f + 1);
			strbuf_addstr(&sb, "ALTER TABLE ");
			ddl_table_name(d, &sb, t);
			strbuf_addstr(&sb, " ADD CONSTRAINT ");
			db_quote_ident(d->q, &sb, name);
			strbuf_addch(&sb, ' ');
			add_fk_clause(d, &sb, fk);
			if (e == DB_ENGINE_PG && validate)
				strbuf_addstr(&sb, " NOT VALID");
			stmt_list_add(fks, strbuf_detach(&sb, NULL));
			if (e == DB_ENGINE_PG && validate) {
				/* One implicit transaction: the settings end with it.
				 * Serial plans: the runner already validates in parallel. */
				strbuf_addstr(&sb, "SET LOCAL max_parallel_workers_per_gather = 0; ");
				if (fk_indexed(t, fk))
					strbuf_addstr(&sb, "SET LOCAL enable_hashjoin = off; ");
				strbuf_addstr(&sb, "ALTER TABLE ");
				ddl_table_name(d, &sb, t);
				strbuf_addstr(&sb, " VALIDATE CONSTRAINT ");
				db_quote_ident(d->q, &sb, name);
				stmt_list_add(validate, strbuf_detach(&sb, NULL));
			}
			free(name);
		}
	}
	if (e == DB_ENGINE_PG) {
		/* Statistics while in staging, in parallel with the index builds. */
		strbuf_addstr(&sb, "ANALYZE ");
		ddl_table_name(d, &sb, t);
		stmt_list_add(indexes, strbuf_detach(&sb, NULL));
		for (size_t i = 0; i < t->ncols; i++) {
			const struct cat_column *c = &t->cols[i];
			if (!c->auto_increment)
				continue;
			struct strbuf name = STRBUF_INIT;
			ddl_table_name(d, &name, t);
			strbuf_addstr(&sb, "SELECT setval(pg_get_serial_sequence(");
			db_quote_literal(d->q, &sb, name.buf, name.len);
			strbuf_addstr(&sb, ", ");
			db_quote_literal(d->q, &sb, c->name, strlen(c->name));
			strbuf_addstr(&sb, "), COALESCE((SELECT max(");
			db_quote_ident(d->q, &sb, c->name);
			strbuf_addstr(&sb, ") FROM ");
			strbuf_add(&sb, name.buf, name.len);
			strbuf_addstr(&sb, "), 0) + 1, false)");
			strbuf_release(&name);
			stmt_list_add(seqs, strbuf_detach(&sb, NULL));
		}
	}
	strbuf_release(&sb);
}

/*
 * catalog.h - the in-memory model of a database's structure (SPEC §4).
 *
 * A catalog owns all of its strings and arrays; catalog_release() frees
 * everything. Drivers fill it through catalog_add_*(); keys refer to
 * columns by name, and catalog_finish() sorts tables and resolves those
 * names to indexes (fk->ref_table_idx, key column indexes).
 *
 * Schema names: PostgreSQL real schemas; MySQL the database name; SQLite
 * "main".
 */
#ifndef MB_CATALOG_H
#define MB_CATALOG_H

#include "core/db.h"
#include "core/strbuf.h"

struct cat_column {
	char *name;
	char *type;          /* as the engine spells it: "character varying(40)" */
	char *default_expr;  /* NULL when none */
	int ordinal;         /* 1-based position */
	bool nullable;
	bool generated;      /* computed column: never inserted into */
	bool auto_increment; /* serial/identity/AUTO_INCREMENT/INTEGER PRIMARY KEY */
};

struct cat_key {
	char *name;          /* constraint name; may be NULL */
	size_t ncols;
	char **cols;         /* column names */
	int *col_idx;        /* resolved by catalog_finish() */
};

struct cat_fk {
	char *name;          /* may be NULL */
	size_t ncols;
	char **cols;
	int *col_idx;        /* resolved */
	char *ref_schema;
	char *ref_table;
	char **ref_cols;
	int ref_table_idx;   /* resolved: index in catalog.tables, -1 if outside */
	bool is_virtual;     /* declared by the user, not by the schema */
	bool deferrable;
};

struct cat_index {
	char *name;
	char *definition;    /* engine DDL to re-create it (may be NULL) */
	bool unique;
};

struct cat_table {
	char *schema;
	char *name;
	int64_t rows;        /* estimate; -1 when unknown */
	int64_t bytes;       /* on-disk size estimate; -1 when unknown */
	bool is_view;
	struct cat_column *cols;
	size_t ncols, cols_alloc;
	struct cat_key pk;   /* pk.ncols == 0: no primary key */
	struct cat_key *uniques;
	size_t nuniques, uniques_alloc;
	struct cat_fk *fks;
	size_t nfks, fks_alloc;
	struct cat_index *indexes;
	size_t nindexes, indexes_alloc;
};

struct catalog {
	enum db_engine engine;
	struct cat_table *tables;
	size_t ntables, tables_alloc;
	bool sorted;         /* tables in (schema, name) order: lookups bisect */
};

void catalog_init(struct catalog *cat, enum db_engine engine);
void catalog_release(struct catalog *cat);

/*
 * Adders copy their string arguments. The returned pointers stay valid
 * until the next catalog_add_table() (the array may move), so fill a table
 * completely before adding the next, or look it up again by name.
 */
struct cat_table *catalog_add_table(struct catalog *cat, const char *schema,
				    const char *name);
struct cat_column *catalog_add_column(struct cat_table *t, const char *name,
				      const char *type, bool nullable);
void catalog_set_pk(struct cat_table *t, const char *name, size_t ncols,
		    const char *const *cols);
void catalog_add_unique(struct cat_table *t, const char *name, size_t ncols,
			const char *const *cols);
struct cat_fk *catalog_add_fk(struct cat_table *t, const char *name,
			      size_t ncols, const char *const *cols,
			      const char *ref_schema, const char *ref_table,
			      const char *const *ref_cols);
void catalog_add_index(struct cat_table *t, const char *name,
		       const char *definition, bool unique);

/* Sorts tables by (schema, name), columns by ordinal; resolves names. */
void catalog_finish(struct catalog *cat);

/* Lookups; schema NULL matches any schema (first hit). NULL when absent. */
struct cat_table *catalog_find_table(const struct catalog *cat,
				     const char *schema, const char *name);
int catalog_table_index(const struct catalog *cat, const struct cat_table *t);
struct cat_column *cat_table_find_column(const struct cat_table *t,
					 const char *name);
int cat_table_column_index(const struct cat_table *t, const char *name);

/*
 * Resolves a COLUMN argument ("table.column" or "schema.table.column")
 * against the catalog. Returns 0, or -1 with MB_ERR_USAGE naming what is
 * unknown or ambiguous.
 */
int catalog_resolve_column(const struct catalog *cat, const char *spec,
			   struct cat_table **table, struct cat_column **col,
			   struct mb_err *err);

/* Output formats of `maskbench catalog` (SPEC §10). */
void catalog_to_json(const struct catalog *cat, struct strbuf *out);
void catalog_to_tsv(const struct catalog *cat, struct strbuf *out);
void catalog_to_table(const struct catalog *cat, struct strbuf *out);

#endif

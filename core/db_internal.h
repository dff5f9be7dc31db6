/*
 * db_internal.h - private helpers shared by the drivers (core/db_*.c).
 * Not for use outside core/db*.c.
 */
#ifndef MB_DB_INTERNAL_H
#define MB_DB_INTERNAL_H

#include "core/catalog.h"
#include "core/db.h"

/*
 * A (schema, name) -> table lookup over a catalog whose tables are all
 * added; read_catalog builds it after its table query so later queries
 * find their table in O(1) even with 10,000 tables. The map does not own
 * the catalog; it becomes invalid when a table is added.
 */
struct db_table_map {
	const struct catalog *cat;
	size_t cap;     /* power of two */
	int *slots;     /* table index, -1 when empty */
};

void db_table_map_build(struct db_table_map *map, const struct catalog *cat);
struct cat_table *db_table_map_find(const struct db_table_map *map,
				    const char *schema, const char *name);
void db_table_map_release(struct db_table_map *map);

/*
 * Appends a server's error text for a message, made safe: only the first
 * line, and for data/constraint outcomes (whose text may quote a value)
 * only the part before the first ':'.
 */
void db_add_server_message(struct strbuf *sb, const char *msg,
			   enum db_outcome outcome);

/* Decodes %XX escapes of [s, s+len) into a new string; NULL on a bad
 * escape or an escaped NUL. */
char *db_pct_decode(const char *s, size_t len);

/* Standard SQL quoting: "name" with " doubled; 'text' with ' doubled. */
void db_quote_ident_std(struct strbuf *sb, const char *name, char quote);

#endif

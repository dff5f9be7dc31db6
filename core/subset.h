/*
 * subset.h - the subset planner (SPEC §8).
 *
 * Input: a finished catalog (virtual foreign keys added with
 * subset_add_virtual_fks()), the subset settings and, for exact row sets,
 * a SOURCE connection. Output: every table of the catalog in load order
 * (parents before children; cycles broken at nullable edges first), each
 * with why it is included, a fast row estimate and, once resolved, the
 * exact rows it will get and the SQL that reads exactly those rows.
 *
 * Nothing is ever written to the source (it may be a read replica): the
 * closure keeps key tuples client-side in hash sets and sends them back in
 * batches (`(k1, k2) IN ((...), ...)`), or pushes semi-join predicates to
 * the source where the selection is expressible as SQL (windows and
 * truncated parents without roots).
 *
 * Semantics:
 *  - no roots: every table whole (a masked clone); `windows` filter their
 *    table, `truncate` empties it, and a child row whose parent is filtered
 *    out is filtered out too (semi-join), so every foreign key resolves;
 *  - roots (where / percent / limit, ANDed with a window on the same
 *    table): parents are always followed; children are followed into the
 *    tables listed in `children` (or every table with `children: all`,
 *    bounded by `max_depth` when > 0) from rows reached as roots or as
 *    children, never from rows reached only as parents; a window on a
 *    child table restricts the children taken; `keep_all` tables are copied
 *    whole, `truncate` tables empty, unreached tables get no rows;
 *  - a foreign key pointing at a truncated table is written as NULL when
 *    the column is nullable (subset_table.null_cols); a NOT NULL one is a
 *    plan error naming the column;
 *  - percent is deterministic: PostgreSQL TABLESAMPLE BERNOULLI with a
 *    fixed REPEATABLE seed, MySQL a CRC32 of the key modulo 10000, SQLite
 *    a multiplicative hash of the rowid modulo 10000; limit takes the
 *    first N rows in key order.
 *
 * Ownership: a subset_plan owns everything it points to except the
 * catalog, which must outlive it. subset_plan_release() frees it all.
 */
#ifndef MB_SUBSET_H
#define MB_SUBSET_H

#include "core/catalog.h"
#include "core/db.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/subset_config.h"

enum subset_reason {
	SUBSET_WHOLE,       /* no roots: copied whole */
	SUBSET_ROOT,        /* a root (or a window without roots) */
	SUBSET_PARENT,      /* referenced by rows of another table */
	SUBSET_CHILD,       /* references rows of another table */
	SUBSET_KEEP_ALL,
	SUBSET_TRUNCATED,
	SUBSET_FILTERED,    /* no roots: children of filtered parents */
	SUBSET_NOT_REACHED, /* roots exist and nothing leads here */
};

enum subset_mode {
	SUBSET_MODE_ALL,    /* every row */
	SUBSET_MODE_FILTER, /* the rows matching `filter` */
	SUBSET_MODE_KEYS,   /* the rows whose key is in the resolved key set */
	SUBSET_MODE_NONE,   /* no rows */
};

struct subset_keyset; /* private: the client-side key tuples */
struct subset_priv;   /* private: what resolve needs from the settings */

struct subset_table {
	int table_idx;            /* index in the catalog */
	enum subset_reason reason;
	char *reason_text;        /* "parent of public.orders"; owned */
	enum subset_mode mode;
	char *filter;             /* SQL predicate (FILTER mode); owned */
	int64_t est_rows;         /* fast estimate from the catalog */
	int64_t exact_rows;       /* -1 until resolved / counted */
	/* Columns written as NULL (FKs to truncated tables); ncols entries. */
	bool *null_cols;
	/* KEYS mode: the key columns (PK, or the columns it is reached by). */
	int *id_cols;
	size_t nid;
	struct subset_keyset *keys;
};

struct subset_plan {
	const struct catalog *cat;  /* not owned */
	enum db_engine engine;
	bool has_roots;
	bool resolved;              /* key sets computed (subset_plan_resolve) */
	struct subset_table *tables;/* every catalog table, in load order */
	size_t ntables;
	int *order_of;              /* catalog index -> position in tables */
	size_t broken_edges;        /* FK edges ignored to order a cycle */
	struct subset_priv *priv;
};

/*
 * Adds the config's virtual foreign keys to cat (is_virtual = true) and
 * re-finishes it. -1 with MB_ERR_INPUT naming the unknown table or column.
 */
int subset_add_virtual_fks(struct catalog *cat, const struct subset_config *cfg,
			   struct mb_err *err);

/*
 * Classifies every table, orders them and estimates rows, without touching
 * the source. `engine` decides the SQL dialect of filters. Table names in
 * cfg that the catalog lacks are an MB_ERR_INPUT error naming them. On
 * failure the plan is released.
 */
int subset_plan_build(struct subset_plan *plan, const struct catalog *cat,
		      const struct subset_config *cfg, enum db_engine engine,
		      struct mb_err *err);

/*
 * Computes the exact row sets: the key closure (roots, then parents and
 * children to a fixed point) for KEYS tables, read from `src` with
 * SELECTs only. When `count` is true, FILTER and ALL tables are counted
 * too, so every exact_rows is set. `cancel` (may be NULL) is polled;
 * non-zero stops with MB_ERR_CANCELLED.
 */
int subset_plan_resolve(struct subset_plan *plan, struct db_conn *src,
			bool count, const volatile int *cancel,
			struct mb_err *err);

void subset_plan_release(struct subset_plan *plan);

/*
 * The statements that read exactly the rows of plan->tables[pos]:
 * call with *cursor = 0, then again while it returns 1; each call writes
 * one "SELECT <select_list> FROM <table> [WHERE ...]" into sql (reset
 * first). Returns 0 when there are no more statements (NONE mode gives
 * none; ALL/FILTER give one; KEYS one per batch of keys). KEYS tables
 * must be resolved first (else -1 with MB_ERR_INTERNAL).
 */
int subset_table_next_select(const struct subset_plan *plan, size_t pos,
			     struct db_conn *conn, const char *select_list,
			     size_t *cursor, struct strbuf *sql,
			     struct mb_err *err);

/* Rows the table will get: exact when known, else the estimate. */
int64_t subset_table_rows(const struct subset_table *st);
const char *subset_reason_name(enum subset_reason reason);

/* `plan --format`: tsv "schema\ttable\trows\treason" in load order. */
void subset_plan_to_tsv(const struct subset_plan *plan, struct strbuf *out);
void subset_plan_to_json(const struct subset_plan *plan, struct strbuf *out);
void subset_plan_to_table(const struct subset_plan *plan, struct strbuf *out);

#endif

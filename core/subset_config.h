/*
 * subset_config.h - the subset settings of SPEC §8 and their workspace
 * storage (module "subset" in schema_versions).
 *
 * The settings are edited by `rules import` (YAML, rules/), the TUI subset
 * screen, and read by the subset planner (core/subset.c). One set of
 * settings per workspace.
 *
 * Ownership: a struct subset_config owns every string and array it points
 * to; subset_config_release() frees them all and leaves an empty config
 * (as after subset_config_init()). Strings are stored exactly as written by
 * the user: table names in lists may be "table" or "schema.table"; `where`
 * is SQL text passed to the source engine as is.
 *
 * An empty config (no roots) means: copy every table whole (a masked clone).
 */
#ifndef MB_SUBSET_CONFIG_H
#define MB_SUBSET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"

struct workspace;

struct subset_root {
	char *schema;    /* NULL when written without a schema */
	char *table;
	char *where;     /* SQL condition; NULL if unset */
	double percent;  /* 0 = unset; (0, 100] */
	int64_t limit;   /* 0 = unset */
};

/* A virtual foreign key: from_table(from_cols) -> to_table(to_cols). */
struct subset_vfk {
	char *from_schema;  /* NULL when written without a schema */
	char *from_table;
	char **from_cols;   /* ncols entries */
	char *to_schema;    /* NULL when written without a schema */
	char *to_table;
	char **to_cols;     /* ncols entries */
	size_t ncols;
};

/* Rows of `table` whose `column` lies within the last `seconds`. */
struct subset_window {
	char *schema;       /* NULL when written without a schema */
	char *table;
	char *column;
	char *last;         /* the duration as written: "7d" */
	int64_t seconds;    /* parsed from `last` */
};

struct subset_config {
	struct subset_root *roots;
	size_t nroots, roots_alloc;
	/* children: all (with max_depth; 0 = unlimited) or the tables listed. */
	bool children_all;
	int max_depth;
	char **children;
	size_t nchildren, children_alloc;
	struct subset_vfk *vfks;
	size_t nvfks, vfks_alloc;
	char **keep_all;    /* lookup tables copied whole */
	size_t nkeep_all, keep_all_alloc;
	char **truncate;    /* tables copied empty */
	size_t ntruncate, truncate_alloc;
	struct subset_window *windows;
	size_t nwindows, windows_alloc;
};

/* An empty config: no roots, no lists, children_all false, max_depth 0. */
void subset_config_init(struct subset_config *cfg);
/* Frees everything the config owns and re-initialises it. */
void subset_config_release(struct subset_config *cfg);
/* Remove (and free) the virtual key or window at index `at`; later ones move up. */
void subset_config_remove_vfk(struct subset_config *cfg, size_t at);
void subset_config_remove_window(struct subset_config *cfg, size_t at);
/* True when nothing is set (no roots and all lists empty). */
bool subset_config_is_empty(const struct subset_config *cfg);

/*
 * Helpers that copy their arguments (NULL stays NULL) and append. The
 * returned pointers stay valid until the next append of the same kind.
 */
struct subset_root *subset_config_add_root(struct subset_config *cfg,
					   const char *schema,
					   const char *table);
struct subset_vfk *subset_config_add_vfk(struct subset_config *cfg,
					 const char *from_schema,
					 const char *from_table,
					 const char *to_schema,
					 const char *to_table, size_t ncols,
					 const char *const *from_cols,
					 const char *const *to_cols);
/* Parses `last` with subset_parse_duration(); -1 with MB_ERR_INPUT if bad. */
int subset_config_add_window(struct subset_config *cfg, const char *schema,
			     const char *table, const char *column,
			     const char *last, struct mb_err *err);
/* Appends a table name (as written) to children, keep_all or truncate. */
void subset_config_add_name(char ***list, size_t *n, size_t *alloc,
			    const char *name);

/*
 * Splits "schema.table" at the first dot into newly allocated *schema and
 * *table; without a dot *schema is NULL. Caller frees both.
 */
void subset_split_table(const char *text, char **schema, char **table);

/*
 * Loads the workspace's subset settings into an initialised, empty cfg
 * (migrating the module's tables if needed). Nothing stored gives an empty
 * config. -1 with MB_ERR_DB on failure (cfg is then released).
 */
int subset_config_load(struct workspace *ws, struct subset_config *cfg,
		       struct mb_err *err);
/*
 * Replaces the stored settings with cfg. Runs inside the caller's
 * transaction when one is open (SQLite savepoint), so `rules import` can
 * apply rules and subset settings atomically. -1 with MB_ERR_DB.
 */
int subset_config_save(struct workspace *ws, const struct subset_config *cfg,
		       struct mb_err *err);

/*
 * Parses a duration: a positive integer followed by s, m (minutes), h, d,
 * w ("7d", "12h", "30m", "2w", "90s"); several parts may follow each other
 * ("1d12h"). -1 with MB_ERR_INPUT naming the text on anything else or on
 * overflow.
 */
int subset_parse_duration(const char *text, int64_t *seconds,
			  struct mb_err *err);

/* Appends a canonical, human-readable JSON rendering (for `plan`/tests). */
void subset_config_to_json(const struct subset_config *cfg, struct strbuf *out);

#endif

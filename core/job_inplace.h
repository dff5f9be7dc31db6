/*
 * job_inplace.h - the in-place strategy (SPEC §8): the target is a full
 * clone of the source (a restored snapshot); maskbench deletes the rows
 * outside the subset and masks the approved columns where they are, so the
 * result equals what the copy strategy (job_run) would have written.
 *
 * Steps, all in ONE transaction on one read-write connection to the target
 * (a failure, a lost connection or Ctrl-C rolls everything back, so the
 * clone is either untouched or completely subset and masked, never half
 * masked):
 *   1. the plan's key closure is resolved on the target itself (SELECTs);
 *   2. the rows to keep of every filtered or keyed table are materialised
 *      first, by row key, into indexed temporary tables (so deleting one
 *      table never changes what another keeps);
 *   3. nullable back-edges of cycles and self-references are set to NULL
 *      on the rows about to go; foreign keys to truncated tables are set to
 *      NULL (as the copy does);
 *   4. rows outside the subset are deleted in reverse load order (children
 *      first), in batches of the row key, the anti-join using the keep
 *      table's index;
 *   5. masked columns: `sql` actions and NULLs set-based (one UPDATE), other
 *      actions streamed: the key and the column values are read in key
 *      order in bounded pages, masked by the masking engine
 *      (core/mask.h: the same maskers, specs and masked-key propagation as
 *      the copy), written to a temporary table and applied with one
 *      UPDATE ... FROM/JOIN by key. PostgreSQL foreign keys whose columns
 *      are masked are dropped before and re-created (validated) after;
 *      MySQL runs with FOREIGN_KEY_CHECKS = 0, SQLite without foreign_keys;
 *   6. COMMIT, ANALYZE, verify (opts->verify), record the run.
 *
 * Row keys: the primary key, else a unique key on NOT NULL columns, else
 * PostgreSQL ctid; SQLite uses rowid. A MySQL table without either that
 * needs deleting or masking is an MB_ERR_INPUT error naming it.
 *
 * Known limits: a masked key whose masked values collide with other rows'
 * old values in the same table during the UPDATE (permutation actions on
 * keys) can fail a non-deferrable unique constraint: the run then rolls
 * back with MB_ERR_DB naming the table. User triggers on the clone fire.
 */
#ifndef MB_JOB_INPLACE_H
#define MB_JOB_INPLACE_H

#include "core/job.h"

/*
 * Runs the in-place strategy on the database opts->target_text (a full
 * clone; `conn` is any open connection to that same database, e.g. the one
 * the catalog was read from, used only to check that identity — NULL
 * skips the check). `cat` and `plan` must be built from that database.
 * Because it deletes and rewrites data where it is, it refuses to run
 * unless opts->force is set (MB_ERR_USAGE: "pass --force ..."), and
 * refuses dump targets. opts->jobs and opts->keep are ignored; opts->after
 * commands run after the commit with MB_TARGET set.
 *
 * Returns 0, or -1 with MB_ERR_USAGE, MB_ERR_INPUT, MB_ERR_CONNECT,
 * MB_ERR_DB, MB_ERR_CANCELLED (the transaction rolled back: the clone is
 * as it was) or MB_ERR_PROBLEM (verify found leaks; res->leaks). res is
 * filled in every case (rows per table after the run); release it with
 * job_result_release().
 */
int job_run_in_place(struct db_conn *conn, const struct catalog *cat,
		     struct subset_plan *plan, const struct job_options *opts,
		     struct job_result *res, struct mb_err *err);

#endif

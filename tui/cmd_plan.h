/*
 * cmd_plan.h - what plan, run, preview and verify share: open the
 * workspace and the source, read and record the catalog, load the subset
 * settings (virtual FKs added) and build the plan; and the approved
 * actions as the job runner wants them.
 */
#ifndef MB_CMD_PLAN_H
#define MB_CMD_PLAN_H

#include "core/catalog.h"
#include "core/db.h"
#include "core/job.h"
#include "core/subset.h"
#include "core/subset_config.h"
#include "core/workspace.h"
#include "rules/rules.h"
#include "tui/commands.h"

struct plan_setup {
	struct workspace *ws;
	struct db_conn *src;
	struct catalog cat;
	struct subset_config cfg;
	struct subset_plan plan;
	bool have_plan;
	int64_t source_id;
};

/* Everything above, in order. On failure what was opened stays for
 * plan_setup_close(), which is always called. */
int plan_setup_open(struct plan_setup *ps, const char *source,
		    const struct global_opts *g, bool build_plan,
		    struct mb_err *err);
void plan_setup_close(struct plan_setup *ps);

/* The workspace's actions as job rules (pointing into *actions). */
struct job_rules {
	struct rule_action *actions;
	size_t nactions;
	struct job_rule *rules;
	size_t nrules;
	bool any_masking;
};
int job_rules_load(struct workspace *ws, struct job_rules *jr, struct mb_err *err);
void job_rules_release(struct job_rules *jr);

/* True when table i of the plan gets rows (not a view, not left out). */
bool plan_table_copied(const struct plan_setup *ps, size_t i);

/*
 * The gate of a run, as `maskbench run` and the workbench apply it: the
 * plan's copied tables checked for unreviewed or proposed columns, which
 * land in *gate (release with rules_gate_result_release) for the caller to
 * show. With blockers and !allow, the refusal is recorded as a run (counts
 * and the first column's name, never a value) and -1 returned with
 * MB_ERR_PROBLEM ending in `how_to_allow`. Returns 0 when the run may go.
 */
int run_gate(struct plan_setup *ps, const char *source, const char *target,
	     bool allow, const char *how_to_allow, struct rules_gate_result *gate,
	     struct mb_err *err);

/* What a run reads from the workspace besides the plan. */
struct run_inputs {
	struct job_rules jr;
	struct mask_key *key;      /* NULL when nothing is masked */
	char hash[65];             /* rules hash */
	char *approvers;
	bool demo_key;             /* the built-in demo key is in use */
};
/*
 * Loads them; the key from key_file or MASKBENCH_KEY (mask_key_load), or
 * with demo_ok and no key configured, the built-in demo key. Release with
 * run_inputs_release() in every case.
 */
int run_inputs_load(struct run_inputs *in, struct workspace *ws, const char *key_file,
		    bool demo_ok, struct mb_err *err);
void run_inputs_release(struct run_inputs *in);

#endif

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

#endif

/*
 * cmd_run.c - `maskbench run SOURCE TARGET`: the gate, then the job
 * (core/job.h) with progress on stderr, then the summary.
 *
 * Progress: a TTY gets one redrawn line with a bar per table; a pipe gets
 * a line every few seconds and one per finished table. Ctrl-C sets a flag
 * the job polls; the job cleans up and the command exits 130.
 */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/job_inplace.h"
#include "core/mask.h"
#include "core/match.h"
#include "tui/cmd_plan.h"
#include "tui/options.h"

static const char run_usage[] =
	"usage: maskbench run SOURCE TARGET [options]\n"
	"\n"
	"Copies the planned subset of SOURCE, masked under the approved rules, into\n"
	"TARGET: a database of the same engine (built in staging, swapped in one\n"
	"step) or a dump file file:///path/name.sql[.gz]. Then verifies it.\n"
	"\n"
	"  --jobs N              tables copied in parallel (default 1)\n"
	"  --allow-unreviewed    run although columns are unreviewed (recorded)\n"
	"  --force               overwrite a non-empty target maskbench did not create\n"
	"  --keep N              dump targets: stamp the name, keep the newest N\n"
	"  --after CMD|FILE.sql  after the swap, run a shell command (MB_TARGET is\n"
	"                        set) or an SQL file (an existing FILE ending in .sql)\n"
	"                        on the target; repeatable, run in order; a failing\n"
	"                        step fails the run (the new target stays in place)\n"
	"  --param NAME=VALUE    a value for :NAME in the --after SQL files, quoted as\n"
	"                        a literal by the target's engine; repeatable\n"
	"  --key-file FILE       masking key (else MASKBENCH_KEY)\n"
	"  --customers FILE      customer names for verify (one a line)\n"
	"  --no-verify           skip the verify step\n"
	"  --in-place            TARGET is a full clone (a restored snapshot): delete\n"
	"                        what is outside the subset and mask where it is;\n"
	"                        `run --in-place TARGET` plans on TARGET itself\n"
	"                        (needs --force: it rewrites data in place)\n"
	"  --progress MODE       auto, bars, lines or none (default auto)\n";

static volatile sig_atomic_t run_cancel_flag;
static volatile int run_cancel;

static void on_sigint(int sig)
{
	(void)sig;
	run_cancel_flag = 1;
	run_cancel = 1;
}

struct progress_state {
	int mode;            /* 0 none, 1 bars, 2 lines */
	double last_line;
	const char *last_table;
	bool line_open;
};

static void human_bytes(char *buf, size_t n, double b)
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	size_t i = 0;
	while (b >= 1000 && i + 1 < ARRAY_SIZE(u)) {
		b /= 1000;
		i++;
	}
	snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static void on_progress(void *ctx, const struct job_progress *p)
{
	struct progress_state *ps = ctx;
	char bytes[32];
	double rate = p->elapsed > 0 ? p->all_rows / p->elapsed : 0;
	double eta = rate > 0 && p->all_rows_est > p->all_rows ?
		(p->all_rows_est - p->all_rows) / rate : 0;

	if (ps->mode == 0)
		return;
	human_bytes(bytes, sizeof(bytes), (double)p->all_bytes);
	if (strcmp(p->phase, "copy") != 0 || !p->table) {
		if (ps->line_open)
			fputc('\n', stderr);
		ps->line_open = false;
		fprintf(stderr, "maskbench: %s (%.1fs)\n", p->phase, p->elapsed);
		return;
	}
	if (ps->mode == 1) {
		int width = 24;
		double frac = p->rows_est > 0 ? (double)p->rows / p->rows_est : (p->table_done ? 1 : 0);
		if (frac > 1)
			frac = 1;
		int fill = (int)(frac * width);
		fprintf(stderr, "\r\033[K[%zu/%zu] %-28.28s [", p->table_pos, p->ntables, p->table);
		for (int i = 0; i < width; i++)
			fputc(i < fill ? '#' : '.', stderr);
		fprintf(stderr, "] %lld rows  total %lld rows %s  %.0f rows/s  ETA %.0fs",
			(long long)p->rows, (long long)p->all_rows, bytes, rate, eta);
		ps->line_open = true;
		if (p->table_done) {
			fputc('\n', stderr);
			ps->line_open = false;
		}
	} else if (p->table_done || p->elapsed - ps->last_line >= 2.0) {
		ps->last_line = p->elapsed;
		fprintf(stderr, "maskbench: %s%s.%s %lld rows; total %lld/%lld rows, %s, %.0f rows/s, ETA %.0fs\n",
			p->table_done ? "done " : "", p->schema, p->table, (long long)p->rows,
			(long long)p->all_rows, (long long)p->all_rows_est, bytes, rate, eta);
	}
	fflush(stderr);
}

int cmd_run(int argc, char **argv, const struct global_opts *g)
{
	const char *source = NULL, *target = NULL, *key_file = NULL;
	const char *customers_file = NULL, *progress = "auto";
	const char **after = NULL, **params = NULL;
	size_t nafter = 0, nparams = 0;
	int jobs = 1, keep = 0;
	bool allow_unreviewed = false, force = false, verify = true, in_place = false;
	struct mb_err err = MB_ERR_INIT;
	struct plan_setup ps;
	struct run_inputs in = { 0 };
	struct rules_gate_result gate = { 0 };
	struct match_catalog *patterns = NULL;
	struct customer_set *customers = NULL;
	struct job_result res = { 0 };
	int rc;

	memset(&ps, 0, sizeof(ps));
	for (int i = 1; i < argc; i++) {
		const char *v;
		long n;
		if (opt_is_help(argv[i])) {
			fputs(run_usage, stdout);
			rc = 0;
			goto done;
		} else if ((v = opt_value(argc, argv, &i, "--jobs"))) {
			if (!opt_number(v, 1, 64, &n)) {
				rc = usage_error(run_usage, "--jobs wants 1..64");
				goto done;
			}
			jobs = (int)n;
		} else if ((v = opt_value(argc, argv, &i, "--keep"))) {
			if (!opt_number(v, 1, INT_MAX, &n)) {
				rc = usage_error(run_usage, "--keep wants a positive number");
				goto done;
			}
			keep = (int)n;
		} else if ((v = opt_value(argc, argv, &i, "--after"))) {
			after = xrealloc(after, (nafter + 1) * sizeof(*after));
			after[nafter++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--param"))) {
			params = xrealloc(params, (nparams + 1) * sizeof(*params));
			params[nparams++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--key-file"))) {
			key_file = v;
		} else if ((v = opt_value(argc, argv, &i, "--customers"))) {
			customers_file = v;
		} else if ((v = opt_value(argc, argv, &i, "--progress"))) {
			progress = v;
		} else if (!strcmp(argv[i], "--allow-unreviewed")) {
			allow_unreviewed = true;
		} else if (!strcmp(argv[i], "--force")) {
			force = true;
		} else if (!strcmp(argv[i], "--no-verify")) {
			verify = false;
		} else if (!strcmp(argv[i], "--in-place")) {
			in_place = true;
		} else if ((rc = opt_positional(run_usage, argv[i],
						(const char **[]){ &source, &target, NULL }))) {
			goto done;
		}
	}
	if (in_place && source && !target)
		target = source;
	if (!source || !target) {
		rc = usage_error(run_usage, "missing %s", source ? "TARGET" : "SOURCE");
		goto done;
	}

	if (plan_setup_open(&ps, source, g, true, &err) < 0)
		goto fail;
	{
		/* --after SQL files and --param: a usage error before anything runs. */
		struct job_options chk = { .after = after, .nafter = nafter,
					   .params = params, .nparams = nparams };
		if (job_after_check(&chk, ps.src->drv->engine, &err) < 0)
			goto fail;
	}

	/* The gate, over the tables that get rows. */
	rc = run_gate(&ps, source, target, allow_unreviewed, "pass --allow-unreviewed",
		      &gate, &err);
	for (size_t i = 0; i < gate.n && i < 50; i++)
		fprintf(stderr, "maskbench: %s %s.%s.%s\n",
			allow_unreviewed ? "allowed unreviewed" : "unreviewed",
			gate.items[i].schema, gate.items[i].table, gate.items[i].column);
	if (gate.n > 50)
		fprintf(stderr, "maskbench: ... and %zu more\n", gate.n - 50);
	if (rc < 0 || run_inputs_load(&in, ps.ws, key_file, false, &err) < 0)
		goto fail;
	if (verify) {
		if (!(patterns = match_catalog_load(NULL, &err)))
			goto fail;
		if (customers_file) {
			customers = customer_set_new();
			if (customer_set_load_file(customers, customers_file, &err) < 0 ||
			    customer_set_build(customers, &err) < 0)
				goto fail;
		}
	}

	struct progress_state pst = { 0 };
	if (!strcmp(progress, "auto"))
		pst.mode = isatty(2) ? 1 : 2;
	else if (!strcmp(progress, "bars"))
		pst.mode = 1;
	else if (!strcmp(progress, "lines"))
		pst.mode = 2;
	else if (!strcmp(progress, "none"))
		pst.mode = 0;
	else {
		mb_err_set(&err, MB_ERR_USAGE, "unknown --progress '%s'", progress);
		goto fail;
	}

	struct job_options o = {
		.source_text = source, .target_text = target, .jobs = jobs,
		.force = force, .allow_unreviewed = allow_unreviewed,
		.verify = verify, .keep = keep, .after = after, .nafter = nafter,
		.params = params, .nparams = nparams,
		.rules = in.jr.rules, .nrules = in.jr.nrules, .key = in.key,
		.patterns = patterns, .customers = customers,
		.cancel = &run_cancel, .progress = on_progress, .progress_ctx = &pst,
		.ws = ps.ws, .rules_hash = in.hash, .approvers = in.approvers,
	};
	struct sigaction sa = { 0 }, old_int, old_term;
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = in_place ? job_run_in_place(ps.src, &ps.cat, &ps.plan, &o, &res, &err)
		      : job_run(ps.src, &ps.cat, &ps.plan, &o, &res, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);

	for (size_t i = 0; i < res.nskipped_views; i++)
		fprintf(stderr, "maskbench: view skipped: %s\n", res.skipped_views[i]);
	for (size_t i = 0; i < res.nleaks; i++)
		fprintf(stderr, "maskbench: leak: %s.%s.%s: %lld values (%s)\n",
			res.leaks[i].schema, res.leaks[i].table, res.leaks[i].column,
			(long long)res.leaks[i].count, res.leaks[i].category);
	if (rc < 0)
		goto fail;
	printf("run %lld: %lld rows, %.1f MB into %s in %.2fs%s\n",
	       (long long)res.run_id, (long long)res.rows, res.bytes / 1e6,
	       res.target_display ? res.target_display : target, res.seconds,
	       res.verified ? ", verified clean" : "");
	rc = fflush(stdout) ? 3 : 0;
	goto done;
fail:
	rc = report_error(&err);
done:
	job_result_release(&res);
	rules_gate_result_release(&gate);
	run_inputs_release(&in);
	if (patterns)
		match_catalog_free(patterns);
	if (customers)
		customer_set_free(customers);
	free(after);
	free(params);
	plan_setup_close(&ps);
	return rc;
}

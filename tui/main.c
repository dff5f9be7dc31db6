/*
 * main.c - dispatch: no subcommand opens the workbench, otherwise run the
 * headless subcommand. Only this file exits the process.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tui/version.h"
#include "tui/commands.h"

struct subcommand {
	const char *name;
	subcommand_fn fn;
	const char *usage;
};

static const struct subcommand subcommands[] = {
	{ "catalog", cmd_catalog, "catalog SOURCE [--format table|tsv|json]" },
	{ "scan", cmd_scan, "scan SOURCE [--customers FILE | --customers-sql SQL] [--sample N] [--full] [--format table|tsv|json]" },
	{ "rules", cmd_rules, "rules list|set|approve|reject|export|import|report|history|verify-audit|two-person ..." },
	{ "transform", cmd_transform, "transform ACTION [--param K=V]... [--key-file FILE]   mask stdin to stdout, one value a line" },
	{ "preview", cmd_preview, "preview SOURCE TABLE [--rows N]       original beside masked" },
	{ "plan", cmd_plan, "plan SOURCE [--format table|tsv|json] [--exact]   subset preview" },
	{ "run", cmd_run, "run SOURCE TARGET [--jobs N] [--allow-unreviewed] [--force] [--keep N] [--after CMD]" },
	{ "verify", cmd_verify, "verify TARGET [--customers FILE] [--all-text]" },
	{ "demo", cmd_demo, "demo                              the workbench on the bundled demo database" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: maskbench [--workspace FILE] [SOURCE]      open the workbench\n");
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(out, "       maskbench %s\n", subcommands[i].usage);
	fprintf(out, "       maskbench --version | --help\n"
		     "\nRun 'maskbench COMMAND --help' for a command's options; see maskbench(1).\n");
}

int report_error(const struct mb_err *err)
{
	fprintf(stderr, "maskbench: %s\n", err->msg[0] ? err->msg : "unknown error");
	return mb_err_exit_code(err->kind);
}

int main(int argc, char **argv)
{
	struct global_opts g = { 0 };
	int i = 1;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--workspace") || !strcmp(argv[i], "-w")) {
			if (++i >= argc) {
				fprintf(stderr, "maskbench: --workspace needs a file name\n");
				return 2;
			}
			g.workspace = argv[i];
		} else if (!strncmp(argv[i], "--workspace=", 12)) {
			g.workspace = argv[i] + 12;
		} else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
			print_version(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2] == '\0') {
			i++;
			break;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "maskbench: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (i < argc) {
		for (size_t k = 0; k < ARRAY_SIZE(subcommands); k++)
			if (!strcmp(argv[i], subcommands[k].name))
				return subcommands[k].fn(argc - i, argv + i, &g);
	}
	/* No subcommand: the workbench, on SOURCE if given. */
	return cmd_tui(argc - i + 1, argv + i - 1, &g);
}

/*
 * commands.h - the headless subcommands (SPEC §10). Each takes the
 * arguments after its name (argv[0] is the subcommand) and the global
 * options, prints its output, and returns the process exit code.
 */
#ifndef MB_COMMANDS_H
#define MB_COMMANDS_H

struct global_opts {
	const char *workspace;   /* --workspace FILE, or NULL for ./maskbench.db */
};

typedef int (*subcommand_fn)(int argc, char **argv, const struct global_opts *g);

/* Prints "maskbench: <msg>" for an error and returns its exit code. */
struct mb_err;
int report_error(const struct mb_err *err);

int cmd_catalog(int argc, char **argv, const struct global_opts *g);
int cmd_scan(int argc, char **argv, const struct global_opts *g);
int cmd_demo(int argc, char **argv, const struct global_opts *g);
int cmd_rules(int argc, char **argv, const struct global_opts *g);
int cmd_transform(int argc, char **argv, const struct global_opts *g);
int cmd_plan(int argc, char **argv, const struct global_opts *g);
int cmd_run(int argc, char **argv, const struct global_opts *g);
int cmd_verify(int argc, char **argv, const struct global_opts *g);
int cmd_preview(int argc, char **argv, const struct global_opts *g);
int cmd_tui(int argc, char **argv, const struct global_opts *g);

#endif

/*
 * cmd_transform.c - `maskbench transform ACTION [--param K=V]...`: masks
 * stdin to stdout, one value a line, the same number of lines. The line
 * `\N` is SQL NULL, in and out. For users trying an action and for tests.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mask.h"
#include "core/match.h"
#include "tui/commands.h"
#include "tui/options.h"

static const char transform_usage[] =
	"usage: maskbench transform ACTION [--param K=V]... [--key-file FILE | --demo-key]\n"
	"                           [--customers FILE] [--with-entity]\n"
	"       maskbench transform --list\n"
	"\n"
	"Masks standard input to standard output, one value a line; the line \\N is\n"
	"NULL. The key comes from MASKBENCH_KEY or --key-file (mode 0600/0400, yours);\n"
	"--demo-key uses the public demo key. A newline or carriage return in a\n"
	"masked value is written as \\n or \\r so the line count stays the same.\n"
	"\n"
	"  --param K=V      an action parameter (repeatable); see --list\n"
	"  --customers FILE customer names for redact_text (one a line)\n"
	"  --with-entity    lines are VALUE<TAB>ENTITY (date_shift's entity)\n"
	"  --list           the actions and their parameters\n"
	"\n"
	"shuffle reads every line first and writes them in a keyed order.\n";

static void list_actions(FILE *out)
{
	for (const char *const *a = mask_action_names(); *a; a++) {
		const struct mask_action_info *ai = mask_action_info(*a);
		fprintf(out, "%-17s %s\n", ai->name, ai->help);
		for (const struct mask_param_info *p = ai->params; p->name; p++)
			fprintf(out, "  %-15s %s\n", p->name, p->help);
	}
}

/* Writes one value (escaping line breaks) and a newline. */
static void put_value(FILE *out, const struct strbuf *v, bool isnull)
{
	if (isnull) {
		fputs("\\N\n", out);
		return;
	}
	for (size_t i = 0; i < v->len; i++) {
		char c = v->buf[i];
		if (c == '\n')
			fputs("\\n", out);
		else if (c == '\r')
			fputs("\\r", out);
		else
			putc(c, out);
	}
	putc('\n', out);
}

static int run_shuffle(struct masker *m, FILE *in, FILE *out)
{
	char **lines = NULL, *line = NULL;
	size_t *lens = NULL, n = 0, alloc = 0, alloc2 = 0, cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, in)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		ALLOC_GROW(lines, n + 1, alloc);
		ALLOC_GROW(lens, n + 1, alloc2);
		lines[n] = xstrndup(line, (size_t)len);
		lens[n++] = (size_t)len;
	}
	free(line);
	for (size_t i = 0; i < n; i++) {
		size_t j = (size_t)masker_shuffle_index(m, n, i);
		fwrite(lines[j], 1, lens[j], out);
		putc('\n', out);
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(lens);
	return 0;
}

int cmd_transform(int argc, char **argv, const struct global_opts *g)
{
	const char *key_file = NULL, *customers = NULL, *action = NULL;
	bool demo = false, with_entity = false;
	struct mask_spec spec = MASK_SPEC_INIT;
	struct mb_err err = MB_ERR_INIT;
	struct mask_key *key = NULL;
	struct masker *m = NULL;
	struct customer_set *cs = NULL;
	struct strbuf out = STRBUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	(void)g;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (opt_is_help(argv[i])) {
			fputs(transform_usage, stdout);
			goto done;
		} else if (!strcmp(argv[i], "--list")) {
			list_actions(stdout);
			goto done;
		} else if ((v = opt_value(argc, argv, &i, "--param"))) {
			const char *eq = strchr(v, '=');
			char *k;
			if (!eq || eq == v) {
				rc = usage_error(transform_usage, "--param needs KEY=VALUE");
				goto done;
			}
			k = xstrndup(v, (size_t)(eq - v));
			mask_spec_set_param(&spec, k, eq + 1);
			free(k);
		} else if ((v = opt_value(argc, argv, &i, "--key-file"))) {
			key_file = v;
		} else if ((v = opt_value(argc, argv, &i, "--customers"))) {
			customers = v;
		} else if (!strcmp(argv[i], "--demo-key")) {
			demo = true;
		} else if (!strcmp(argv[i], "--with-entity")) {
			with_entity = true;
		} else if ((rc = opt_positional(transform_usage, argv[i],
						(const char **[]){ &action, NULL }))) {
			goto done;
		}
	}
	if (action)
		mask_spec_set_action(&spec, action);
	if (!spec.action) {
		rc = usage_error(transform_usage, "missing ACTION (see --list)");
		goto done;
	}
	if (mask_spec_check(&spec, NULL, NULL, true, &err) < 0)
		goto fail;
	if (str_eq(spec.action, "sql")) {
		mb_err_set(&err, MB_ERR_USAGE,
			   "sql is evaluated by the source engine; transform cannot run it");
		goto fail;
	}
	if (demo) {
		key = mask_key_demo();
		fputs("maskbench: using the built-in demo key: the output is not secret\n", stderr);
	} else if (!(key = mask_key_load(key_file, &err))) {
		goto fail;
	}
	if (!(m = masker_new(&spec, key, &err)))
		goto fail;
	if (customers) {
		cs = customer_set_new();
		if (customer_set_load_file(cs, customers, &err) < 0 ||
		    customer_set_build(cs, &err) < 0)
			goto fail;
		masker_set_customers(m, cs);
	}
	if (str_eq(spec.action, "shuffle")) {
		run_shuffle(m, stdin, stdout);
	} else {
		while ((len = getline(&line, &cap, stdin)) >= 0) {
			const char *ent = NULL;
			size_t elen = 0;
			bool isnull;
			if (len && line[len - 1] == '\n')
				line[--len] = '\0';
			if (with_entity) {
				char *tab = memchr(line, '\t', (size_t)len);
				if (tab) {
					ent = tab + 1;
					elen = (size_t)(line + len - ent);
					len = tab - line;
					if (elen == 2 && !memcmp(ent, "\\N", 2))
						ent = NULL;
				}
			}
			if (len == 2 && !memcmp(line, "\\N", 2)) {
				put_value(stdout, &out, true);
				continue;
			}
			if (masker_apply_entity(m, line, (size_t)len, ent, elen, &out,
						&isnull, &err) < 0)
				goto fail;
			put_value(stdout, &out, isnull);
		}
	}
	if (fflush(stdout) || ferror(stdout)) {
		mb_err_set(&err, MB_ERR_IO, "cannot write to standard output");
		goto fail;
	}
	goto done;
fail:
	rc = report_error(&err);
done:
	free(line);
	strbuf_release(&out);
	masker_free(m);
	customer_set_free(cs);
	mask_key_free(key);
	mask_spec_release(&spec);
	return rc;
}

/*
 * cmd_rules.c - `maskbench rules list|set|approve|reject|export|import|
 * report|history|verify-audit|two-person` (SPEC §10): the face over
 * rules/. Every subcommand first brings the rules up to date with the
 * latest catalog snapshot and scan (rules_refresh).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/mask.h"
#include "core/workspace.h"
#include "rules/audit.h"
#include "rules/report.h"
#include "rules/rules.h"
#include "rules/rules_yaml.h"
#include "tui/commands.h"
#include "tui/options.h"

static const char rules_usage[] =
	"usage: maskbench rules list [--state S] [--format table|tsv|json]\n"
	"       maskbench rules set COLUMN --action A [--param K=V]... [--category C] [--reviewer NAME]\n"
	"       maskbench rules approve (--all | COLUMN...) [--reviewer NAME] [--note TEXT]\n"
	"       maskbench rules reject COLUMN... [--reviewer NAME] [--note TEXT]\n"
	"       maskbench rules export [-o FILE]\n"
	"       maskbench rules import FILE [--reviewer NAME]\n"
	"       maskbench rules report [-o FILE]\n"
	"       maskbench rules history [COLUMN] [--format table|tsv|json]\n"
	"       maskbench rules verify-audit\n"
	"       maskbench rules two-person [on|off] [--reviewer NAME]\n"
	"\n"
	"COLUMN is table.column or schema.table.column. The reviewer is --reviewer,\n"
	"else $MASKBENCH_REVIEWER, else the login name; it is recorded on every change.\n"
	"States: unreviewed, proposed, approved, rejected. Exit 1 when verify-audit\n"
	"finds tampering or approve --all skips columns (two-person rule).\n";

struct rules_opts {
	const char *state, *format, *action, *category, *reviewer, *note, *output;
	bool all;
	struct mask_spec spec;
	const char **args;
	size_t nargs;
};

/* ---- output helpers ---- */

/*
 * Terminal columns of a display-escaped UTF-8 string (wide characters count
 * 2), independent of the locale: utf8proc's width tables.
 */
static size_t text_width(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(s), n;
	utf8proc_int32_t cp;
	size_t w = 0;

	while (len > 0) {
		n = utf8proc_iterate(p, len, &cp);
		if (n <= 0) {
			w++;
			n = 1;
		} else {
			w += (size_t)utf8proc_charwidth(cp);
		}
		p += n;
		len -= n;
	}
	return w;
}

struct table_out {
	size_t ncols;
	const char *const *head;
	char **cells;        /* nrows * ncols, escaped for display */
	size_t nrows, alloc;
};

static void table_row(struct table_out *t, const char *const *vals)
{
	ALLOC_GROW(t->cells, (t->nrows + 1) * t->ncols, t->alloc);
	for (size_t c = 0; c < t->ncols; c++) {
		struct strbuf sb = STRBUF_INIT;
		const char *v = vals[c] ? vals[c] : "";

		strbuf_add_escaped(&sb, v, strlen(v));
		t->cells[t->nrows * t->ncols + c] = strbuf_detach(&sb, NULL);
	}
	t->nrows++;
}

static void table_print(struct table_out *t, struct strbuf *out)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));

	for (size_t c = 0; c < t->ncols; c++)
		w[c] = text_width(t->head[c]);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t x = text_width(t->cells[r * t->ncols + c]);

			if (x > w[c])
				w[c] = x;
		}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *v = r ? t->cells[(r - 1) * t->ncols + c] : t->head[c];
			bool last = c + 1 == t->ncols;

			strbuf_addstr(out, v);
			if (!last)
				for (size_t p = text_width(v); p < w[c] + 2; p++)
					strbuf_addch(out, ' ');
		}
		strbuf_addch(out, '\n');
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(w);
}

/* TSV field: tabs and newlines would break the format; escape them. */
static void tsv_field(struct strbuf *out, const char *s, bool last)
{
	if (s)
		strbuf_add_escaped(out, s, strlen(s));
	strbuf_addch(out, last ? '\n' : '\t');
}

static void json_str(struct strbuf *out, const char *s)
{
	if (s)
		strbuf_add_json_str(out, s, strlen(s));
	else
		strbuf_addstr(out, "null");
}

static int write_output(const char *path, const struct strbuf *sb,
			struct mb_err *err)
{
	FILE *f = path && !str_eq(path, "-") ? fopen(path, "wb") : stdout;
	int bad;

	if (!f)
		return mb_err_set(err, MB_ERR_IO, "cannot write %s: %s", path,
				  strerror(errno));
	bad = fwrite(sb->buf, 1, sb->len, f) != sb->len;
	bad |= f == stdout ? fflush(f) != 0 : fclose(f) != 0;
	if (bad)
		return mb_err_set(err, MB_ERR_IO, "cannot write %s: %s",
				  f == stdout ? "standard output" : path,
				  strerror(errno));
	return 0;
}

/* ---- subcommands ---- */

static int do_list(struct workspace *ws, struct rules_opts *o, struct mb_err *err)
{
	struct rule_list rules = { 0 };
	enum rule_state st;
	struct strbuf out = STRBUF_INIT;
	int ret = -1;

	if (o->state && rule_state_parse(o->state, &st) < 0)
		return mb_err_set(err, MB_ERR_USAGE, "unknown state '%s' (unreviewed,"
				  " proposed, approved or rejected)", o->state);
	if (rules_load(ws, o->state ? &st : NULL, false, &rules, err) < 0)
		return -1;
	if (str_eq(o->format, "tsv")) {
		strbuf_addstr(&out, "schema\ttable\tcolumn\tcategory\taction\tstate\treviewer\n");
		for (size_t i = 0; i < rules.n; i++) {
			struct rule *r = &rules.items[i];

			tsv_field(&out, r->schema, false);
			tsv_field(&out, r->table, false);
			tsv_field(&out, r->column, false);
			tsv_field(&out, r->category, false);
			tsv_field(&out, r->action, false);
			tsv_field(&out, rule_state_name(r->state), false);
			tsv_field(&out, r->reviewer, true);
		}
	} else if (str_eq(o->format, "json")) {
		strbuf_addstr(&out, "{\"rules\": [");
		for (size_t i = 0; i < rules.n; i++) {
			struct rule *r = &rules.items[i];

			strbuf_addstr(&out, i ? ",\n  {" : "\n  {");
			strbuf_addstr(&out, "\"schema\": ");
			json_str(&out, r->schema);
			strbuf_addstr(&out, ", \"table\": ");
			json_str(&out, r->table);
			strbuf_addstr(&out, ", \"column\": ");
			json_str(&out, r->column);
			strbuf_addstr(&out, ", \"type\": ");
			json_str(&out, r->col_type);
			strbuf_addf(&out, ", \"nullable\": %s, \"category\": ",
				    r->nullable ? "true" : "false");
			json_str(&out, r->category);
			strbuf_addstr(&out, ", \"action\": ");
			json_str(&out, r->action);
			strbuf_addf(&out, ", \"params\": %s, \"state\": ", r->params);
			json_str(&out, rule_state_name(r->state));
			strbuf_addstr(&out, ", \"reviewer\": ");
			json_str(&out, r->reviewer);
			strbuf_addstr(&out, ", \"reviewed_at\": ");
			json_str(&out, r->reviewed_at);
			strbuf_addstr(&out, ", \"note\": ");
			json_str(&out, r->note);
			strbuf_addch(&out, '}');
		}
		strbuf_addstr(&out, rules.n ? "\n]}\n" : "]}\n");
	} else {
		static const char *const head[] = {
			"COLUMN", "CATEGORY", "ACTION", "STATE", "REVIEWER"
		};
		struct table_out t = { ARRAY_SIZE(head), head, NULL, 0, 0 };

		for (size_t i = 0; i < rules.n; i++) {
			struct rule *r = &rules.items[i];
			char *name = rule_display(r);
			char *act = str_eq(r->params, "{}") ? xstrdup(r->action)
				    : xasprintf("%s %s", r->action, r->params);
			const char *vals[] = { name, r->category ? r->category : "-",
					       act, rule_state_name(r->state),
					       r->reviewer ? r->reviewer : "-" };

			table_row(&t, vals);
			free(name);
			free(act);
		}
		table_print(&t, &out);
		if (!rules.n)
			strbuf_addstr(&out, "(no rules: run 'maskbench catalog SOURCE' or"
					    " 'maskbench scan SOURCE' first)\n");
	}
	ret = write_output(NULL, &out, err);
	strbuf_release(&out);
	rule_list_release(&rules);
	return ret;
}

static int do_set(struct workspace *ws, struct rules_opts *o, struct mb_err *err)
{
	if (o->nargs != 1)
		return mb_err_set(err, MB_ERR_USAGE, "rules set takes one COLUMN");
	if (!o->action)
		return mb_err_set(err, MB_ERR_USAGE, "rules set needs --action");
	mask_spec_set_action(&o->spec, o->action);
	if (rules_set(ws, o->args[0], &o->spec, o->category,
		      rules_reviewer(o->reviewer), err) < 0)
		return -1;
	printf("%s: %s (proposed)\n", o->args[0], o->action);
	return 0;
}

static int do_review(struct workspace *ws, struct rules_opts *o, bool approve,
		     struct mb_err *err)
{
	const char *who = rules_reviewer(o->reviewer);

	if (approve && o->all) {
		struct strbuf skipped_names = STRBUF_INIT;
		size_t approved, skipped;

		if (o->nargs)
			return mb_err_set(err, MB_ERR_USAGE,
					  "give either --all or COLUMNs, not both");
		if (rules_approve_all(ws, who, o->note, &approved, &skipped,
				      &skipped_names, err) < 0) {
			strbuf_release(&skipped_names);
			return -1;
		}
		printf("approved %zu column%s as %s\n", approved,
		       approved == 1 ? "" : "s", who);
		if (skipped) {
			fprintf(stderr, "maskbench: two-person rule: %zu column%s not"
				" approved because %s set their action; another reviewer"
				" must approve:\n%s", skipped, skipped == 1 ? "" : "s",
				who, skipped_names.buf);
			strbuf_release(&skipped_names);
			return mb_err_set(err, MB_ERR_PROBLEM,
					  "%zu column%s left for another reviewer",
					  skipped, skipped == 1 ? "" : "s");
		}
		strbuf_release(&skipped_names);
		return 0;
	}
	if (!o->nargs)
		return mb_err_set(err, MB_ERR_USAGE, "rules %s needs COLUMN%s",
				  approve ? "approve" : "reject",
				  approve ? "s or --all" : "s");
	/* several columns: all or nothing */
	if (ws_begin(ws, err) < 0)
		return -1;
	for (size_t i = 0; i < o->nargs; i++) {
		int rc = approve ? rules_approve(ws, o->args[i], who, o->note, err)
				 : rules_reject(ws, o->args[i], who, o->note, err);
		if (rc < 0) {
			ws_rollback(ws);
			return -1;
		}
	}
	if (ws_commit(ws, err) < 0) {
		ws_rollback(ws);
		return -1;
	}
	printf("%s %zu column%s as %s\n", approve ? "approved" : "rejected",
	       o->nargs, o->nargs == 1 ? "" : "s", who);
	return 0;
}

static int do_export(struct workspace *ws, struct rules_opts *o, struct mb_err *err)
{
	struct strbuf out = STRBUF_INIT;
	int ret;

	if (o->nargs)
		return mb_err_set(err, MB_ERR_USAGE, "unexpected argument '%s'", o->args[0]);
	ret = rules_export_yaml(ws, &out, err);
	if (ret == 0)
		ret = write_output(o->output, &out, err);
	strbuf_release(&out);
	return ret;
}

static int do_import(struct workspace *ws, struct rules_opts *o, struct mb_err *err)
{
	struct rules_import_report rep;
	int ret;

	if (o->nargs != 1)
		return mb_err_set(err, MB_ERR_USAGE, "rules import takes one FILE");
	rules_import_report_init(&rep);
	ret = rules_import_file(ws, o->args[0], rules_reviewer(o->reviewer), &rep, err);
	if (ret == 0) {
		printf("%s: %zu column%s in the file, %zu changed%s\n", o->args[0],
		       rep.columns, rep.columns == 1 ? "" : "s", rep.changed,
		       !rep.subset_in_file ? "" : rep.subset_changed
		       ? "; subset settings changed" : "; subset settings unchanged");
		fwrite(rep.changed_names.buf, 1, rep.changed_names.len, stdout);
	}
	rules_import_report_release(&rep);
	return ret;
}

static int do_report(struct workspace *ws, struct rules_opts *o, struct mb_err *err)
{
	struct strbuf out = STRBUF_INIT;
	int ret = rules_report_markdown(ws, &out, err);

	if (ret == 0)
		ret = write_output(o->output, &out, err);
	strbuf_release(&out);
	return ret;
}

static int do_history(struct workspace *ws, struct rules_opts *o, struct mb_err *err)
{
	struct audit_row *rows = NULL;
	struct strbuf out = STRBUF_INIT, what = STRBUF_INIT;
	char *column = NULL;
	size_t n = 0;
	int ret = -1;

	if (o->nargs > 1)
		return mb_err_set(err, MB_ERR_USAGE, "rules history takes at most one COLUMN");
	if (o->nargs) {
		struct rule r = { 0 };

		/* dropped columns keep their history: try the exact name first */
		if (rules_find(ws, o->args[0], &r, err) == 0) {
			column = rule_display(&r);
			rule_release(&r);
		} else {
			column = xstrdup(o->args[0]);
			mb_err_clear(err);
		}
	}
	if (audit_list(ws, column, &rows, &n, err) < 0)
		goto cleanup;
	if (column && !n) {
		mb_err_set(err, MB_ERR_USAGE, "no history for %s", o->args[0]);
		goto cleanup;
	}
	if (str_eq(o->format, "json")) {
		strbuf_addstr(&out, "{\"history\": [");
		for (size_t i = 0; i < n; i++) {
			strbuf_addf(&out, "%s{\"id\": %lld, \"at\": ", i ? ",\n  " : "\n  ",
				    (long long)rows[i].id);
			json_str(&out, rows[i].at);
			strbuf_addstr(&out, ", \"who\": ");
			json_str(&out, rows[i].who);
			strbuf_addstr(&out, ", \"event\": ");
			json_str(&out, rows[i].event);
			strbuf_addstr(&out, ", \"column\": ");
			json_str(&out, rows[i].column);
			strbuf_addf(&out, ", \"old\": %s, \"new\": %s, \"hash\": ",
				    rows[i].old_json ? rows[i].old_json : "null",
				    rows[i].new_json ? rows[i].new_json : "null");
			json_str(&out, rows[i].hash);
			strbuf_addch(&out, '}');
		}
		strbuf_addstr(&out, n ? "\n]}\n" : "]}\n");
	} else if (str_eq(o->format, "tsv")) {
		strbuf_addstr(&out, "id\tat\twho\tevent\tcolumn\tchange\n");
		for (size_t i = 0; i < n; i++) {
			char id[32];

			snprintf(id, sizeof(id), "%lld", (long long)rows[i].id);
			strbuf_reset(&what);
			audit_describe(ws, &rows[i], &what);
			tsv_field(&out, id, false);
			tsv_field(&out, rows[i].at, false);
			tsv_field(&out, rows[i].who, false);
			tsv_field(&out, rows[i].event, false);
			tsv_field(&out, rows[i].column, false);
			tsv_field(&out, what.buf, true);
		}
	} else {
		static const char *const head[] = {
			"ID", "AT", "WHO", "EVENT", "COLUMN", "CHANGE"
		};
		struct table_out t = { ARRAY_SIZE(head), head, NULL, 0, 0 };

		for (size_t i = 0; i < n; i++) {
			char id[32];
			const char *vals[6];

			snprintf(id, sizeof(id), "%lld", (long long)rows[i].id);
			strbuf_reset(&what);
			audit_describe(ws, &rows[i], &what);
			vals[0] = id;
			vals[1] = rows[i].at;
			vals[2] = rows[i].who;
			vals[3] = rows[i].event;
			vals[4] = rows[i].column ? rows[i].column : "(workspace)";
			vals[5] = what.buf;
			table_row(&t, vals);
		}
		table_print(&t, &out);
	}
	ret = write_output(NULL, &out, err);
cleanup:
	audit_rows_free(rows, n);
	strbuf_release(&out);
	strbuf_release(&what);
	free(column);
	return ret;
}

static int do_verify(struct workspace *ws, struct rules_opts *o, struct mb_err *err)
{
	size_t n;

	(void)o;
	if (audit_verify(ws, &n, err) < 0)
		return -1;
	printf("audit intact: %zu row%s, every rule matches its history\n", n,
	       n == 1 ? "" : "s");
	return 0;
}

static int do_two_person(struct workspace *ws, struct rules_opts *o,
			 struct mb_err *err)
{
	if (!o->nargs) {
		printf("two-person rule: %s\n", rules_two_person(ws) ? "on" : "off");
		return 0;
	}
	if (o->nargs != 1 || (!str_eq(o->args[0], "on") && !str_eq(o->args[0], "off")))
		return mb_err_set(err, MB_ERR_USAGE, "rules two-person takes on or off");
	if (rules_set_two_person(ws, str_eq(o->args[0], "on"),
				 rules_reviewer(o->reviewer), err) < 0)
		return -1;
	printf("two-person rule: %s\n", o->args[0]);
	return 0;
}

struct rules_sub {
	const char *name;
	int (*fn)(struct workspace *ws, struct rules_opts *o, struct mb_err *err);
};

static int do_approve(struct workspace *ws, struct rules_opts *o, struct mb_err *err)
{
	return do_review(ws, o, true, err);
}

static int do_reject(struct workspace *ws, struct rules_opts *o, struct mb_err *err)
{
	return do_review(ws, o, false, err);
}

static const struct rules_sub subs[] = {
	{ "list", do_list },
	{ "set", do_set },
	{ "approve", do_approve },
	{ "reject", do_reject },
	{ "export", do_export },
	{ "import", do_import },
	{ "report", do_report },
	{ "history", do_history },
	{ "verify-audit", do_verify },
	{ "two-person", do_two_person },
};

int cmd_rules(int argc, char **argv, const struct global_opts *g)
{
	struct rules_opts o;
	const struct rules_sub *sub = NULL;
	struct mb_err err = MB_ERR_INIT;
	struct workspace *ws = NULL;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	mask_spec_init(&o.spec);
	o.format = "table";
	if (argc < 2)
		return usage_error(rules_usage, "missing rules subcommand");
	if (opt_is_help(argv[1])) {
		fputs(rules_usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (str_eq(argv[1], subs[i].name))
			sub = &subs[i];
	if (!sub)
		return usage_error(rules_usage, "unknown rules subcommand '%s'", argv[1]);
	o.args = xcalloc((size_t)argc, sizeof(*o.args));
	for (int i = 2; i < argc; i++) {
		const char *v;

		opt_missing_value = NULL;
		if (opt_is_help(argv[i])) {
			fputs(rules_usage, stdout);
			goto done;
		} else if ((v = opt_value(argc, argv, &i, "--state"))) {
			o.state = v;
		} else if ((v = opt_value(argc, argv, &i, "--format"))) {
			o.format = v;
		} else if ((v = opt_value(argc, argv, &i, "--action"))) {
			o.action = v;
		} else if ((v = opt_value(argc, argv, &i, "--category"))) {
			o.category = v;
		} else if ((v = opt_value(argc, argv, &i, "--reviewer"))) {
			o.reviewer = v;
		} else if ((v = opt_value(argc, argv, &i, "--note"))) {
			o.note = v;
		} else if ((v = opt_value(argc, argv, &i, "--output")) ||
			   (v = opt_value(argc, argv, &i, "-o"))) {
			o.output = v;
		} else if ((v = opt_value(argc, argv, &i, "--param"))) {
			const char *eq = strchr(v, '=');
			char *key;

			if (!eq || eq == v) {
				rc = usage_error(rules_usage, "--param needs KEY=VALUE");
				goto done;
			}
			key = xstrndup(v, (size_t)(eq - v));
			mask_spec_set_param(&o.spec, key, eq + 1);
			free(key);
		} else if (str_eq(argv[i], "--all")) {
			o.all = true;
		} else if (opt_missing_value) {
			rc = usage_error(rules_usage, "%s needs a value", opt_missing_value);
			goto done;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			rc = usage_error(rules_usage, "unknown option '%s'", argv[i]);
			goto done;
		} else {
			o.args[o.nargs++] = argv[i];
		}
	}
	if (!str_eq(o.format, "table") && !str_eq(o.format, "tsv") &&
	    !str_eq(o.format, "json")) {
		rc = usage_error(rules_usage, "unknown format '%s' (table, tsv or json)",
				 o.format);
		goto done;
	}
	ws = ws_open(g->workspace, &err);
	/* verify-audit reads the workspace as it is: no refresh first */
	if (!ws || rules_migrate(ws, &err) < 0 ||
	    (sub->fn != do_verify && rules_refresh(ws, NULL, &err) < 0) ||
	    sub->fn(ws, &o, &err) < 0)
		rc = report_error(&err);
done:
	ws_close(ws);
	mask_spec_release(&o.spec);
	free(o.args);
	return rc;
}

/*
 * report.c - the Markdown sign-off report; see report.h.
 */
#include "config.h"

#include <stdlib.h>

#include "rules/report.h"
#include "rules/rules.h"

/* A table cell: pipes escaped, line breaks and control characters made visible. */
static void cell(struct strbuf *out, const char *s)
{
	struct strbuf esc = STRBUF_INIT;

	if (!s || !*s) {
		strbuf_addstr(out, " |");
		return;
	}
	strbuf_add_escaped(&esc, s, strlen(s));
	strbuf_addch(out, ' ');
	for (size_t i = 0; i < esc.len; i++) {
		char c = esc.buf[i];

		if (c == '|' || c == '`' || c == '*' || c == '_' || c == '<' ||
		    c == '>' || c == '[' || c == ']')
			strbuf_addch(out, '\\');
		strbuf_addch(out, c);
	}
	strbuf_addstr(out, " |");
	strbuf_release(&esc);
}

static void code_cell(struct strbuf *out, const char *s)
{
	struct strbuf esc = STRBUF_INIT;

	strbuf_add_escaped(&esc, s, strlen(s));
	strbuf_addstr(out, " `");
	for (size_t i = 0; i < esc.len; i++) {
		if (esc.buf[i] == '`')
			strbuf_addch(out, '\'');
		else if (esc.buf[i] == '|')
			strbuf_addstr(out, "\\|");
		else
			strbuf_addch(out, esc.buf[i]);
	}
	strbuf_addstr(out, "` |");
	strbuf_release(&esc);
}

static void action_text(const struct rule *r, struct strbuf *out)
{
	strbuf_addstr(out, r->action);
	if (r->params && !str_eq(r->params, "{}"))
		strbuf_addf(out, " %s", r->params);
}

static const char *open_reason(const struct rule *r, struct strbuf *buf)
{
	strbuf_reset(buf);
	if (r->state == RULE_PROPOSED) {
		if (str_eq(r->set_by, RULES_SCANNER))
			strbuf_addstr(buf, "proposed by the scanner, awaiting review");
		else
			strbuf_addf(buf, "proposed by %s, awaiting review",
				    r->set_by ? r->set_by : "someone");
	} else if (r->approved_type &&
		   (!str_eq(r->approved_type, r->col_type) ||
		    r->approved_nullable != r->nullable)) {
		strbuf_addf(buf, "changed since review: was %s%s, now %s%s",
			    r->approved_type, r->approved_nullable ? "" : " not null",
			    r->col_type ? r->col_type : "?",
			    r->nullable ? "" : " not null");
	} else if (r->reviewer) {
		strbuf_addstr(buf, "changed since review");
	} else {
		strbuf_addstr(buf, "not reviewed yet");
	}
	return buf->buf;
}

struct cat_count {
	char *category;
	size_t total, approved, rejected, open;
};

static int cat_count_cmp(const void *a, const void *b)
{
	const struct cat_count *x = a, *y = b;

	return strcmp(x->category, y->category);
}

int rules_report_markdown(struct workspace *ws, struct strbuf *out,
			  struct mb_err *err)
{
	struct rule_list all = { 0 };
	struct rules_signoff *so = NULL;
	struct cat_count *cats = NULL;
	size_t nso = 0, ncats = 0, cats_alloc = 0, nstate[4] = { 0 };
	size_t nopen = 0, ndropped = 0, nlive = 0;
	struct strbuf reason = STRBUF_INIT, act = STRBUF_INIT;
	char hash[65], now[32], *source = NULL;
	int ret = -1;

	if (rules_load(ws, NULL, true, &all, err) < 0)
		return -1;
	if (rules_signoffs(ws, &so, &nso, err) < 0 || rules_hash(ws, hash, err) < 0)
		goto cleanup;
	ws_source_latest(ws, &source);
	rules_now(now);

	for (size_t i = 0; i < all.n; i++) {
		const struct rule *r = &all.items[i];
		const char *c = r->category ? r->category : "(none)";
		struct cat_count *cc = NULL;

		if (r->dropped) {
			ndropped++;
			continue;
		}
		nlive++;
		nstate[r->state]++;
		for (size_t k = 0; k < ncats; k++)
			if (str_eq(cats[k].category, c))
				cc = &cats[k];
		if (!cc) {
			ALLOC_GROW(cats, ncats + 1, cats_alloc);
			cc = &cats[ncats++];
			memset(cc, 0, sizeof(*cc));
			cc->category = xstrdup(c);
		}
		cc->total++;
		if (r->state == RULE_APPROVED)
			cc->approved++;
		else if (r->state == RULE_REJECTED)
			cc->rejected++;
		else
			cc->open++;
	}
	if (ncats)
		qsort(cats, ncats, sizeof(*cats), cat_count_cmp);
	nopen = nstate[RULE_UNREVIEWED] + nstate[RULE_PROPOSED];

	strbuf_addstr(out, "# maskbench sign-off report\n\n");
	strbuf_addf(out, "- Workspace: `%s`\n", ws->path);
	if (source) {
		strbuf_addstr(out, "- Source: `");
		strbuf_add_escaped(out, source, strlen(source));
		strbuf_addstr(out, "`\n");
	}
	strbuf_addf(out, "- Generated: %s\n", now);
	strbuf_addf(out, "- Rules hash (SHA-256 of reviewed rules): `%s`\n", hash);
	strbuf_addf(out, "- Two-person rule: %s\n",
		    rules_two_person(ws) ? "on" : "off");
	strbuf_addf(out, "- Verdict: %s\n\n",
		    nopen ? "**NOT SIGNED OFF** - open items remain"
			  : nlive ? "signed off - every column reviewed"
				  : "no columns");

	strbuf_addstr(out, "## Summary\n\n| state | columns |\n|---|---:|\n");
	for (int s = 0; s < 4; s++)
		strbuf_addf(out, "| %s | %zu |\n", rule_state_name((enum rule_state)s),
			    nstate[s]);
	strbuf_addf(out, "| **total** | %zu |\n\n", nlive);

	strbuf_addstr(out, "| category | columns | approved | rejected | open |\n"
			   "|---|---:|---:|---:|---:|\n");
	for (size_t k = 0; k < ncats; k++) {
		strbuf_addch(out, '|');
		cell(out, cats[k].category);
		strbuf_addf(out, " %zu | %zu | %zu | %zu |\n", cats[k].total,
			    cats[k].approved, cats[k].rejected, cats[k].open);
	}

	strbuf_addf(out, "\n## Open items (%zu)\n\n", nopen);
	if (!nopen) {
		strbuf_addstr(out, "None.\n");
	} else {
		strbuf_addstr(out, "| column | category | action | state | why open |\n"
				   "|---|---|---|---|---|\n");
		for (size_t i = 0; i < all.n; i++) {
			const struct rule *r = &all.items[i];
			char *name;

			if (r->dropped || (r->state != RULE_UNREVIEWED &&
					   r->state != RULE_PROPOSED))
				continue;
			name = rule_display(r);
			strbuf_reset(&act);
			action_text(r, &act);
			strbuf_addch(out, '|');
			code_cell(out, name);
			cell(out, r->category);
			code_cell(out, act.buf);
			cell(out, rule_state_name(r->state));
			cell(out, open_reason(r, &reason));
			strbuf_addch(out, '\n');
			free(name);
		}
	}

	strbuf_addstr(out, "\n## Sign-off\n\n");
	if (!nso) {
		strbuf_addstr(out, "Nobody has signed off any column yet.\n");
	} else {
		strbuf_addstr(out, "| reviewer | approved | rejected | last review |\n"
				   "|---|---:|---:|---|\n");
		for (size_t i = 0; i < nso; i++) {
			strbuf_addch(out, '|');
			cell(out, so[i].reviewer);
			strbuf_addf(out, " %zu | %zu |", so[i].approved, so[i].rejected);
			cell(out, so[i].last_at);
			strbuf_addch(out, '\n');
		}
	}

	strbuf_addstr(out, "\n## Columns\n");
	for (size_t i = 0; i < all.n; i++) {
		const struct rule *r = &all.items[i];

		if (r->dropped)
			continue;
		if (i == 0 || all.items[i - 1].dropped ||
		    !str_eq(all.items[i - 1].schema, r->schema) ||
		    !str_eq(all.items[i - 1].table, r->table)) {
			/* tables come grouped: rules_load orders by schema, table */
			bool first = true;

			for (size_t j = 0; j < i; j++)
				if (!all.items[j].dropped &&
				    str_eq(all.items[j].schema, r->schema) &&
				    str_eq(all.items[j].table, r->table))
					first = false;
			if (first) {
				strbuf_addstr(out, "\n### `");
				strbuf_add_escaped(out, r->schema, strlen(r->schema));
				strbuf_addch(out, '.');
				strbuf_add_escaped(out, r->table, strlen(r->table));
				strbuf_addstr(out, "`\n\n| column | type | category | action"
						   " | state | reviewer | time | note |\n"
						   "|---|---|---|---|---|---|---|---|\n");
			}
		}
		strbuf_reset(&act);
		action_text(r, &act);
		strbuf_addch(out, '|');
		code_cell(out, r->column);
		cell(out, r->col_type);
		cell(out, r->category);
		code_cell(out, act.buf);
		cell(out, rule_state_name(r->state));
		cell(out, r->reviewer);
		cell(out, r->reviewed_at);
		cell(out, r->note);
		strbuf_addch(out, '\n');
	}

	if (ndropped) {
		strbuf_addf(out, "\n## Dropped from the source (%zu)\n\n"
				 "| column | last state | last reviewer |\n|---|---|---|\n",
			    ndropped);
		for (size_t i = 0; i < all.n; i++) {
			const struct rule *r = &all.items[i];
			char *name;

			if (!r->dropped)
				continue;
			name = rule_display(r);
			strbuf_addch(out, '|');
			code_cell(out, name);
			cell(out, rule_state_name(r->state));
			cell(out, r->reviewer);
			strbuf_addch(out, '\n');
			free(name);
		}
	}
	ret = 0;
cleanup:
	for (size_t k = 0; k < ncats; k++)
		free(cats[k].category);
	free(cats);
	free(source);
	rules_signoffs_free(so, nso);
	rule_list_release(&all);
	strbuf_release(&reason);
	strbuf_release(&act);
	return ret;
}

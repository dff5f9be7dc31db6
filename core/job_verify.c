/*
 * job_verify.c - re-scan the target for what should not have survived:
 * customer names anywhere in the scanned columns, and validated pattern
 * hits of a column's masked category (or, in free text, of any direct
 * identifier) where the action does not write plausible fakes. Reports
 * table.column, category and a count; never a value.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/job_int.h"
#include "core/match.h"

/* Categories whose validated hit in free text is a leak by itself. */
static const char *const direct_ids[] = {
	"email", "phone", "credit_card", "iban", "national_id", "passport",
	"secret", "bank_account", "driver_license",
};


static bool is_direct(const char *cat)
{
	for (size_t i = 0; i < ARRAY_SIZE(direct_ids); i++)
		if (str_eq(cat, direct_ids[i]))
			return true;
	return false;
}

static int on_span(void *ctx, const struct match_span *sp)
{
	struct verify_check *v = ctx;
	if (str_eq(sp->pattern, "customer")) {
		v->found = true;
		v->customer_hits++;
		return 1;
	}
	if (!v->check_patterns)
		return 0;
	if (v->want ? str_eq(sp->category, v->want) : is_direct(sp->category)) {
		v->found = true;
		v->pattern_hits++;
		return 1;
	}
	return 0;
}

static void add_leak(struct job_result *res, const struct cat_table *t,
		     const char *col, const char *category, int64_t count)
{
	res->leaks = xrealloc(res->leaks, (res->nleaks + 1) * sizeof(*res->leaks));
	struct job_leak *l = &res->leaks[res->nleaks++];
	l->schema = xstrdup(t->schema);
	l->table = xstrdup(t->name);
	l->column = xstrdup(col);
	l->category = xstrdup(category);
	l->count = count;
}

bool verify_check_init(struct verify_check *v, const struct job_verify_column *vc,
		       const struct match_catalog *pat, const struct customer_set *cs,
		       struct match_scratch *scr)
{
	memset(v, 0, sizeof(*v));
	v->pat = pat;
	v->cs = cs;
	v->scr = scr;
	v->check_patterns = pat && !vc->fakes_category && (vc->category || vc->free_text);
	v->want = vc->free_text ? NULL : vc->category;
	if (v->want && pat && !match_catalog_find(pat, v->want))
		v->check_patterns = false;
	return v->check_patterns || cs;
}

void verify_check_value(struct verify_check *v, const char *val, size_t len)
{
	if (!val || !utf8_valid(val, len))
		return;
	if (v->cs && customer_set_match(v->cs, v->scr, val, len) == CUSTOMER_EXACT) {
		v->customer_hits++;
	} else if (v->pat) {
		v->found = false;
		match_find_spans_s(v->pat, v->scr, v->cs, val, len, on_span, v);
	} else if (v->cs && customer_set_match(v->cs, v->scr, val, len) != CUSTOMER_NONE) {
		v->customer_hits++;
	}
}

void verify_check_finish(const struct verify_check *v, const struct cat_table *t,
			 const char *column, struct job_result *res)
{
	if (v->customer_hits)
		add_leak(res, t, column, "customer", v->customer_hits);
	if (v->pattern_hits)
		add_leak(res, t, column, v->want ? v->want : "direct identifier",
			 v->pattern_hits);
}

static int scan_column(struct db_conn *conn, const struct cat_table *t,
		       const struct job_verify_column *vc,
		       const struct match_catalog *pat,
		       const struct customer_set *cs, struct match_scratch *scr,
		       const volatile int *cancel, struct job_result *res,
		       struct mb_err *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_rows *rows = NULL;
	struct verify_check v;
	int r;

	if (!verify_check_init(&v, vc, pat, cs, scr))
		return 0;
	strbuf_addstr(&sql, "SELECT ");
	db_quote_ident(conn, &sql, vc->column);
	strbuf_addstr(&sql, " FROM ");
	db_quote_table(conn, &sql, t->schema, t->name);
	strbuf_addstr(&sql, " WHERE ");
	db_quote_ident(conn, &sql, vc->column);
	strbuf_addstr(&sql, " IS NOT NULL");
	if (db_query(conn, sql.buf, &rows, err) < 0) {
		strbuf_release(&sql);
		return mb_err_prefix(err, "verify %s.%s.%s", t->schema, t->name, vc->column);
	}
	while ((r = db_rows_next(rows, err)) == 1) {
		verify_check_value(&v, rows->values[0], rows->lengths[0]);
		if (cancel && *cancel) {
			r = mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
			break;
		}
	}
	db_rows_close(rows);
	strbuf_release(&sql);
	if (r < 0)
		return mb_err_prefix(err, "verify %s.%s.%s", t->schema, t->name, vc->column);
	verify_check_finish(&v, t, vc->column, res);
	return 0;
}

int job_verify(struct db_conn *target, const struct catalog *cat,
	       const struct job_verify_column *cols, size_t ncols,
	       const struct match_catalog *patterns,
	       const struct customer_set *customers,
	       const volatile int *cancel, struct job_result *res,
	       struct mb_err *err)
{
	struct match_scratch *scr = patterns ? match_scratch_new(patterns) : NULL;
	int ret = 0;

	for (size_t i = 0; i < ncols && ret == 0; i++) {
		const struct job_verify_column *vc = &cols[i];
		const struct cat_table *t = catalog_find_table(cat, vc->schema, vc->table);
		if (!t && vc->schema)
			t = catalog_find_table(cat, NULL, vc->table);
		if (!t || !cat_table_find_column(t, vc->column))
			continue;
		ret = scan_column(target, t, vc, patterns, customers, scr, cancel,
				  res, err);
	}
	if (scr)
		match_scratch_free(scr);
	res->verified = ret == 0;
	return ret;
}

bool job_verify_column_for(const struct catalog *cat, const struct job_options *o,
			   const struct cat_table *t, size_t c,
			   struct job_verify_column *vc)
{
	const struct mask_spec *s = job_spec_for(cat, o, t, c);

	memset(vc, 0, sizeof(*vc));
	if (!s)
		return false;
	vc->schema = t->schema;
	vc->table = t->name;
	vc->column = t->cols[c].name;
	for (size_t r = 0; r < o->nrules; r++) {
		const struct job_rule *jr = &o->rules[r];
		if (str_eq(jr->table, t->name) && str_eq(jr->column, t->cols[c].name) &&
		    (!jr->schema || str_eq(jr->schema, t->schema)))
			vc->category = jr->category;
	}
	vc->free_text = str_eq(s->action, "redact_text") || str_eq(s->action, "json_paths");
	vc->fakes_category = str_starts_with(s->action, "fake_") ||
		str_eq(s->action, "redact_text") || str_eq(s->action, "card") ||
		str_eq(s->action, "iban") || str_eq(s->action, "national_id") ||
		str_eq(s->action, "ip") || str_eq(s->action, "scramble");
	return true;
}

int job_verify_masked(struct db_conn *target, const struct catalog *cat,
		      const bool *done, const struct job_options *o,
		      struct job_result *res, struct mb_err *err)
{
	struct job_verify_column *cols = NULL;
	size_t n = 0, alloc = 0;
	struct catalog tcat;
	int ret;

	catalog_init(&tcat, cat->engine);
	if (db_read_catalog(target, &tcat, err) < 0) {
		catalog_release(&tcat);
		return -1;
	}
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *t = &cat->tables[i];
		if (!done[i])
			continue;
		for (size_t c = 0; c < t->ncols; c++) {
			ALLOC_GROW(cols, n + 1, alloc);
			if (job_verify_column_for(cat, o, t, c, &cols[n]))
				n++;
		}
	}
	ret = job_verify(target, &tcat, cols, n, o->patterns, o->customers,
			 o->cancel, res, err);
	free(cols);
	catalog_release(&tcat);
	return ret;
}

int job_leaks_error(const struct job_result *res, struct mb_err *err)
{
	int64_t total = 0;

	if (!res->nleaks)
		return 0;
	for (size_t i = 0; i < res->nleaks; i++)
		total += res->leaks[i].count;
	return mb_err_set(err, MB_ERR_PROBLEM,
			  "verify found %lld leaked values in %zu columns (first: %s.%s.%s, %s, %lld)",
			  (long long)total, res->nleaks, res->leaks[0].schema,
			  res->leaks[0].table, res->leaks[0].column,
			  res->leaks[0].category, (long long)res->leaks[0].count);
}

/* test_rules.c - rules model: sync, states, two-person rule, drift, gate, hash, audit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rules/audit.h"
#include "rules/rules.h"
#include "tests/unit/rules_fixture.h"

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || fx_open(fx, true) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_close(*state);
	free(*state);
	return 0;
}

static struct rule get(struct fixture *fx, const char *col)
{
	struct mb_err err = MB_ERR_INIT;
	struct rule r = { 0 };

	if (rules_find(fx->ws, col, &r, &err) < 0)
		fail_msg("%s", err.msg);
	return r;
}

static void test_sync_creates_rules(void **state)
{
	struct fixture *fx = *state;
	struct rule r;

	assert_int_equal(fx_count(fx, "SELECT count(*) FROM rules"), 9);
	assert_int_equal(fx_count(fx, "SELECT count(*) FROM rules WHERE state = 'unreviewed'"
				      " AND action = 'keep'"), 8);
	r = get(fx, "customers.email");
	assert_int_equal(r.state, RULE_PROPOSED);
	assert_string_equal(r.action, "fake_email");
	assert_string_equal(r.category, "email");
	assert_string_equal(r.set_by, RULES_SCANNER);
	assert_string_equal(r.params, "{\"keep_domain\":\"true\"}");
	assert_string_equal(r.col_type, "TEXT");
	assert_false(r.nullable);
	rule_release(&r);
	/* one "new" audit row per column */
	assert_int_equal(fx_count(fx, "SELECT count(*) FROM audit WHERE event = 'new'"), 9);
}

static void test_find_names(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	struct rule r = { 0 };

	assert_int_equal(rules_find(fx->ws, "main.orders.note", &r, &err), 0);
	assert_string_equal(r.column, "note");
	rule_release(&r);
	assert_int_equal(rules_find(fx->ws, "orders.nope", &r, &err), -1);
	assert_int_equal(err.kind, MB_ERR_USAGE);
	assert_non_null(strstr(err.msg, "unknown column orders.nope"));
}

static void test_state_transitions(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	struct mask_spec s = fx_spec("fake_phone", NULL, NULL);
	struct rule r;

	/* unreviewed -> proposed (a person set it) */
	assert_int_equal(rules_set(fx->ws, "customers.phone", &s, "phone", "alice", &err), 0);
	r = get(fx, "customers.phone");
	assert_int_equal(r.state, RULE_PROPOSED);
	assert_string_equal(r.set_by, "alice");
	assert_string_equal(r.category, "phone");
	rule_release(&r);
	/* proposed -> approved with reviewer, time, note and fingerprint */
	assert_int_equal(rules_approve(fx->ws, "customers.phone", "bob", "looked at 50 rows", &err), 0);
	r = get(fx, "customers.phone");
	assert_int_equal(r.state, RULE_APPROVED);
	assert_string_equal(r.reviewer, "bob");
	assert_non_null(r.reviewed_at);
	assert_string_equal(r.note, "looked at 50 rows");
	assert_string_equal(r.approved_type, "TEXT");
	assert_true(r.approved_nullable);
	rule_release(&r);
	/* approved -> proposed when the action changes */
	mask_spec_release(&s);
	s = fx_spec("partial", "keep_last", "4");
	assert_int_equal(rules_set(fx->ws, "customers.phone", &s, NULL, "carol", &err), 0);
	r = get(fx, "customers.phone");
	assert_int_equal(r.state, RULE_PROPOSED);
	assert_null(r.reviewer);
	assert_string_equal(r.category, "phone");   /* category kept */
	rule_release(&r);
	/* -> rejected: kept as is */
	assert_int_equal(rules_reject(fx->ws, "customers.phone", "bob", "not a real phone", &err), 0);
	r = get(fx, "customers.phone");
	assert_int_equal(r.state, RULE_REJECTED);
	assert_string_equal(r.action, "keep");
	assert_string_equal(r.params, "{}");
	rule_release(&r);
	/* setting the same action twice changes nothing (no audit row) */
	int before = fx_count(fx, "SELECT count(*) FROM audit");
	assert_int_equal(rules_approve(fx->ws, "orders.note", "bob", NULL, &err), 0);
	assert_int_equal(rules_approve(fx->ws, "orders.note", "bob", NULL, &err), 0);
	assert_int_equal(fx_count(fx, "SELECT count(*) FROM audit"), before + 1);
	mask_spec_release(&s);
}

static void test_bad_actions_refused(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	struct mask_spec s = fx_spec("null", NULL, NULL);
	int before = fx_count(fx, "SELECT count(*) FROM audit");

	/* null on a NOT NULL column: refused at rule time, naming the column */
	assert_int_equal(rules_set(fx->ws, "customers.email", &s, NULL, "alice", &err), -1);
	assert_non_null(strstr(err.msg, "main.customers.email"));
	mask_spec_release(&s);
	s = fx_spec("no_such_action", NULL, NULL);
	mb_err_clear(&err);
	assert_int_equal(rules_set(fx->ws, "orders.note", &s, NULL, "alice", &err), -1);
	assert_non_null(strstr(err.msg, "unknown action"));
	mask_spec_release(&s);
	assert_int_equal(fx_count(fx, "SELECT count(*) FROM audit"), before);
}

static void test_two_person_rule(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	struct mask_spec s = fx_spec("fake_full_name", NULL, NULL);
	struct strbuf skipped = STRBUF_INIT;
	size_t approved, nskipped;
	struct rule r;

	assert_int_equal(rules_set_two_person(fx->ws, true, "admin", &err), 0);
	assert_true(rules_two_person(fx->ws));
	assert_int_equal(rules_set(fx->ws, "customers.name", &s, "person_name", "alice", &err), 0);
	/* alice cannot approve her own action */
	assert_int_equal(rules_approve(fx->ws, "customers.name", "alice", NULL, &err), -1);
	assert_int_equal(err.kind, MB_ERR_PROBLEM);
	assert_non_null(strstr(err.msg, "two-person rule"));
	assert_non_null(strstr(err.msg, "main.customers.name"));
	r = get(fx, "customers.name");
	assert_int_equal(r.state, RULE_PROPOSED);
	rule_release(&r);
	/* approve --all by alice skips it and approves the rest */
	assert_int_equal(rules_approve_all(fx->ws, "alice", NULL, &approved, &nskipped,
					   &skipped, &err), 0);
	assert_int_equal(nskipped, 1);
	assert_int_equal(approved, 8);
	assert_string_equal(skipped.buf, "main.customers.name\n");
	/* bob may */
	assert_int_equal(rules_approve(fx->ws, "customers.name", "bob", NULL, &err), 0);
	r = get(fx, "customers.name");
	assert_int_equal(r.state, RULE_APPROVED);
	assert_string_equal(r.reviewer, "bob");
	rule_release(&r);
	/* off again: anyone may approve their own */
	assert_int_equal(rules_set_two_person(fx->ws, false, "admin", &err), 0);
	assert_int_equal(rules_set(fx->ws, "customers.name", &s, "first_name", "alice", &err), 0);
	assert_int_equal(rules_approve(fx->ws, "customers.name", "alice", NULL, &err), 0);
	strbuf_release(&skipped);
	mask_spec_release(&s);
}

static void test_drift_and_gate(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	struct rules_sync_report rep;
	struct rules_gate_result gate = { 0 };
	const char *tables[] = { "main.customers", "main.orders", "countries", "main.ghost" };
	size_t approved, skipped;
	struct catalog cat;
	struct cat_table *t;
	struct rule r;

	/* before review: everything blocks, the unknown table as a whole */
	assert_int_equal(rules_gate(fx->ws, tables, 4, &gate, &err), 0);
	assert_int_equal(gate.n, 9 + 1);
	assert_string_equal(gate.items[9].table, "ghost");
	assert_string_equal(gate.items[9].column, "*");
	rules_gate_result_release(&gate);

	assert_int_equal(rules_approve_all(fx->ws, "bob", "ok", &approved, &skipped, NULL, &err), 0);
	assert_int_equal(approved, 9);
	assert_int_equal(rules_gate(fx->ws, tables, 3, &gate, &err), 0);
	assert_int_equal(gate.n, 0);
	rules_gate_result_release(&gate);

	/* add orders.total, change customers.phone type, make customers.name
	 * NOT NULL, drop countries.name */
	fx_catalog(&cat);
	t = catalog_find_table(&cat, "main", "orders");
	catalog_add_column(t, "total", "NUMERIC", true)->ordinal = 4;
	t = catalog_find_table(&cat, "main", "customers");
	free(t->cols[3].type);
	t->cols[3].type = strdup("VARCHAR(20)");
	t->cols[2].nullable = false;
	t = catalog_find_table(&cat, "main", "countries");
	t->ncols = 1;
	free(t->cols[1].name);
	free(t->cols[1].type);
	free(t->cols[1].default_expr);
	rules_sync_report_init(&rep);
	assert_int_equal(fx_save_sync(fx, &cat, &rep), 0);
	catalog_release(&cat);
	assert_int_equal(rep.added, 1);
	assert_int_equal(rep.changed, 2);
	assert_int_equal(rep.dropped, 1);
	assert_string_equal(rep.added_names.buf, "main.orders.total\n");
	assert_string_equal(rep.dropped_names.buf, "main.countries.name\n");
	rules_sync_report_release(&rep);

	r = get(fx, "customers.phone");
	assert_int_equal(r.state, RULE_UNREVIEWED);
	assert_string_equal(r.col_type, "VARCHAR(20)");
	assert_string_equal(r.approved_type, "TEXT");
	rule_release(&r);
	r = get(fx, "customers.email");       /* unchanged: still approved */
	assert_int_equal(r.state, RULE_APPROVED);
	rule_release(&r);
	assert_int_equal(fx_count(fx, "SELECT dropped FROM rules WHERE tbl = 'countries'"
				      " AND col = 'name'"), 1);

	/* the gate now names exactly the drifted and new columns */
	assert_int_equal(rules_gate(fx->ws, tables, 3, &gate, &err), 0);
	assert_int_equal(gate.n, 3);
	assert_string_equal(gate.items[0].column, "name");
	assert_string_equal(gate.items[1].column, "phone");
	assert_string_equal(gate.items[2].column, "total");
	rules_gate_result_release(&gate);

	/* the same catalog again: nothing changes, no audit rows */
	int n = fx_count(fx, "SELECT count(*) FROM audit");
	fx_catalog(&cat);
	t = catalog_find_table(&cat, "main", "orders");
	catalog_add_column(t, "total", "NUMERIC", true)->ordinal = 4;
	t = catalog_find_table(&cat, "main", "customers");
	free(t->cols[3].type);
	t->cols[3].type = strdup("VARCHAR(20)");
	t->cols[2].nullable = false;
	t = catalog_find_table(&cat, "main", "countries");
	t->ncols = 1;
	free(t->cols[1].name);
	free(t->cols[1].type);
	free(t->cols[1].default_expr);
	rules_sync_report_init(&rep);
	assert_int_equal(fx_save_sync(fx, &cat, &rep), 0);
	assert_int_equal(rep.unchanged, 9);
	assert_int_equal(rep.added + rep.changed + rep.dropped, 0);
	rules_sync_report_release(&rep);
	catalog_release(&cat);
	assert_int_equal(fx_count(fx, "SELECT count(*) FROM audit"), n);

	/* the dropped column comes back: unreviewed again */
	fx_catalog(&cat);
	rules_sync_report_init(&rep);
	assert_int_equal(fx_save_sync(fx, &cat, &rep), 0);
	assert_int_equal(rep.added, 1);
	rules_sync_report_release(&rep);
	catalog_release(&cat);
	r = get(fx, "countries.name");
	assert_int_equal(r.state, RULE_UNREVIEWED);
	assert_false(r.dropped);
	rule_release(&r);
}

static void test_gate_live(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	struct rules_gate_result gate = { 0 };
	const char *tables[] = { "main.customers", "orders", "nowhere" };
	size_t approved, skipped;
	struct catalog live;
	struct cat_table *t;

	assert_int_equal(rules_approve_all(fx->ws, "bob", NULL, &approved, &skipped, NULL, &err), 0);
	/* the live source changed but nobody saved a snapshot yet */
	fx_catalog(&live);
	t = catalog_find_table(&live, "main", "customers");
	free(t->cols[1].type);
	t->cols[1].type = strdup("BLOB");
	t = catalog_find_table(&live, "main", "orders");
	catalog_add_column(t, "secret", "TEXT", true)->ordinal = 4;
	assert_int_equal(rules_gate(fx->ws, tables, 2, &gate, &err), 0);
	assert_int_equal(gate.n, 0);             /* the stored rules alone look fine */
	rules_gate_result_release(&gate);
	assert_int_equal(rules_gate_live(fx->ws, &live, tables, 3, &gate, &err), 0);
	assert_int_equal(gate.n, 3);
	assert_string_equal(gate.items[0].column, "email");
	assert_string_equal(gate.items[1].column, "secret");
	assert_string_equal(gate.items[2].table, "nowhere");
	rules_gate_result_release(&gate);
	catalog_release(&live);
}

static void test_hash_actions_signoff(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	struct mask_spec s = fx_spec("hash", "length", "12");
	struct rule_action *a;
	size_t n, approved, skipped;
	char h0[65], h1[65], h2[65];
	char *approvers;

	assert_int_equal(rules_hash(fx->ws, h0, &err), 0);
	assert_int_equal(strlen(h0), 64);
	assert_int_equal(rules_approve_all(fx->ws, "bob", NULL, &approved, &skipped, NULL, &err), 0);
	assert_int_equal(rules_hash(fx->ws, h1, &err), 0);
	assert_string_not_equal(h0, h1);
	assert_int_equal(rules_hash(fx->ws, h2, &err), 0);
	assert_string_equal(h1, h2);
	if (rules_set(fx->ws, "orders.note", &s, NULL, "alice", &err) < 0 ||
	    rules_approve(fx->ws, "orders.note", "carol", NULL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(rules_hash(fx->ws, h2, &err), 0);
	assert_string_not_equal(h1, h2);

	approvers = rules_approvers(fx->ws, &err);
	assert_string_equal(approvers, "bob,carol");
	free(approvers);

	assert_int_equal(rules_load_actions(fx->ws, &a, &n, &err), 0);
	assert_int_equal(n, 9);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(a[i].table, "orders") && !strcmp(a[i].column, "note")) {
			assert_string_equal(a[i].spec.action, "hash");
			assert_string_equal(mask_spec_param(&a[i].spec, "length"), "12");
			assert_int_equal(a[i].state, RULE_APPROVED);
		}
		if (!strcmp(a[i].column, "email"))
			assert_string_equal(mask_spec_param(&a[i].spec, "keep_domain"), "true");
	}
	rules_actions_free(a, n);
	mask_spec_release(&s);
}

static void expect_broken(struct fixture *fx, const char *sql, const char *needle)
{
	struct mb_err err = MB_ERR_INIT;
	size_t n;

	assert_int_equal(sqlite3_exec(fx->ws->db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(audit_verify(fx->ws, &n, &err), -1);
	assert_int_equal(err.kind, MB_ERR_PROBLEM);
	if (!strstr(err.msg, needle))
		fail_msg("'%s' does not contain '%s'", err.msg, needle);
}

static void test_audit_intact_and_append_only(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	struct audit_row *rows;
	size_t n;

	assert_int_equal(rules_approve(fx->ws, "orders.note", "bob", "fine", &err), 0);
	assert_int_equal(audit_verify(fx->ws, &n, &err), 0);
	assert_int_equal(n, 10);
	assert_int_equal(audit_list(fx->ws, "main.orders.note", &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[1].event, "approve");
	assert_string_equal(rows[1].who, "bob");
	assert_null(strstr(rows[1].new_json, "\"state\": \"unreviewed\""));
	assert_non_null(strstr(rows[1].old_json, "\"state\": \"unreviewed\""));
	audit_rows_free(rows, n);
	/* through SQLite the audit cannot be changed */
	assert_int_not_equal(sqlite3_exec(fx->ws->db, "UPDATE audit SET who = 'x'",
					  NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(fx->ws->db, "DELETE FROM audit", NULL, NULL,
					  NULL), SQLITE_OK);
}

static void test_audit_tamper_edit(void **state)
{
	expect_broken(*state, "DROP TRIGGER audit_no_update;"
		      " UPDATE audit SET who = 'mallory' WHERE id = 3",
		      "audit broken at row 3");
}

static void test_audit_tamper_delete_middle(void **state)
{
	expect_broken(*state, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 4",
		      "rows 4..4 are missing");
}

static void test_audit_tamper_delete_and_renumber(void **state)
{
	/* delete row 4 and shift later ids down: the chain breaks at 4 */
	expect_broken(*state, "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_no_update;"
		      " DELETE FROM audit WHERE id = 4; UPDATE audit SET id = id - 1 WHERE id > 4",
		      "audit broken at row 4");
}

static void test_audit_tamper_delete_newest(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;

	assert_int_equal(rules_approve(fx->ws, "orders.note", "bob", NULL, &err), 0);
	expect_broken(fx, "DROP TRIGGER audit_no_delete;"
		      " DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)",
		      "newest rows were removed");
}

static void test_audit_tamper_rule_behind_back(void **state)
{
	/* approving by editing the rules table directly is caught too */
	expect_broken(*state, "UPDATE rules SET state = 'approved', reviewer = 'mallory'"
		      " WHERE col = 'email'", "rule main.customers.email differs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sync_creates_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_actions_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_person_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drift_and_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_actions_signoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_intact_and_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper_delete_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper_delete_and_renumber, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper_delete_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tamper_rule_behind_back, setup, teardown),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}

/* test_rules_yaml.c - rules file: round trip identity, partial imports, hostile files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>

#include "core/subset_config.h"
#include "rules/rules_yaml.h"
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

static char *export(struct fixture *fx)
{
	struct strbuf sb = STRBUF_INIT;
	struct mb_err err = MB_ERR_INIT;

	if (rules_export_yaml(fx->ws, &sb, &err) < 0)
		fail_msg("export: %s", err.msg);
	return strbuf_detach(&sb, NULL);
}

static int import(struct fixture *fx, const char *name, const char *text, size_t len,
		  struct rules_import_report *rep, struct mb_err *err)
{
	return rules_import_yaml(fx->ws, name, text, len, "importer", rep, err);
}

/* Rules with parameters, awkward notes and a full subset config. */
static void populate(struct fixture *fx)
{
	struct mb_err err = MB_ERR_INIT;
	struct mask_spec s = fx_spec("partial", "keep_last", "4");
	struct subset_config cfg;
	const char *from[] = { "customer_id" }, *to[] = { "id" };

	mask_spec_set_param(&s, "mask_char", "#");
	assert_int_equal(rules_set(fx->ws, "customers.phone", &s, "phone", "alice", &err), 0);
	assert_int_equal(rules_approve(fx->ws, "customers.phone", "bob",
				       "checked: 200 \"samples\" - ok #1\nsecond line", &err), 0);
	assert_int_equal(rules_approve(fx->ws, "customers.email", "bob", "null", &err), 0);
	assert_int_equal(rules_reject(fx->ws, "orders.note", "carol", "Grüße, 日本 ~ fine", &err), 0);
	mask_spec_release(&s);

	subset_config_init(&cfg);
	struct subset_root *r = subset_config_add_root(&cfg, NULL, "customers");
	r->where = strdup("created_at >= '2025-11-01' AND name <> 'x: y'");
	r = subset_config_add_root(&cfg, "main", "orders");
	r->percent = 2.5;
	r->limit = 1000;
	subset_config_add_name(&cfg.children, &cfg.nchildren, &cfg.children_alloc, "orders");
	subset_config_add_vfk(&cfg, NULL, "orders", "main", "customers", 1, from, to);
	subset_config_add_name(&cfg.keep_all, &cfg.nkeep_all, &cfg.keep_all_alloc, "countries");
	assert_int_equal(subset_config_add_window(&cfg, NULL, "orders", "id", "7d", &err), 0);
	assert_int_equal(subset_config_save(fx->ws, &cfg, &err), 0);
	subset_config_release(&cfg);
}

static void test_round_trip_identity(void **state)
{
	struct fixture *fx = *state, fresh;
	struct mb_err err = MB_ERR_INIT;
	struct rules_import_report rep;
	char *a, *b, *c;

	populate(fx);
	a = export(fx);
	assert_non_null(strstr(a, "maskbench: 1\n"));
	assert_non_null(strstr(a, "column: main.customers.phone"));
	assert_non_null(strstr(a, "keep_last: 4"));
	assert_non_null(strstr(a, "last: 7d"));
	/* a note spelled "null" must stay a string */
	assert_non_null(strstr(a, "note: \"null\""));

	/* into the same workspace: nothing changes */
	rules_import_report_init(&rep);
	assert_int_equal(import(fx, "a.yaml", a, strlen(a), &rep, &err), 0);
	assert_int_equal(rep.columns, 9);
	assert_int_equal(rep.changed, 0);
	assert_false(rep.subset_changed);
	rules_import_report_release(&rep);
	b = export(fx);
	assert_string_equal(a, b);

	/* into a fresh workspace of the same source: byte-identical export */
	assert_int_equal(fx_open(&fresh, false), 0);
	rules_import_report_init(&rep);
	if (rules_import_yaml(fresh.ws, "a.yaml", a, strlen(a), "importer", &rep, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(rep.changed > 0);
	assert_true(rep.subset_changed);
	rules_import_report_release(&rep);
	c = export(&fresh);
	assert_string_equal(a, c);
	fx_close(&fresh);
	free(a);
	free(b);
	free(c);
}

static void test_partial_imports(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	struct rules_import_report rep;
	struct subset_config cfg;
	struct rule r = { 0 };
	const char *note_only = "maskbench: 1\ncolumns:\n  - column: orders.note\n    note: hello\n";
	const char *subset_only = "maskbench: 1\nsubset:\n  keep_all: [countries]\n"
				  "  children: all\n  max_depth: 3\n";
	const char *set_action = "maskbench: 1\ncolumns:\n  - column: main.customers.name\n"
				 "    action: fake_full_name\n    category: person_name\n";

	rules_import_report_init(&rep);
	assert_int_equal(import(fx, "n.yaml", note_only, strlen(note_only), &rep, &err), 0);
	assert_int_equal(rep.changed, 1);
	assert_false(rep.subset_in_file);
	assert_int_equal(rules_find(fx->ws, "orders.note", &r, &err), 0);
	assert_string_equal(r.note, "hello");
	assert_int_equal(r.state, RULE_UNREVIEWED);
	assert_string_equal(r.action, "keep");
	rule_release(&r);
	rules_import_report_release(&rep);

	assert_int_equal(import(fx, "s.yaml", subset_only, strlen(subset_only), NULL, &err), 0);
	subset_config_init(&cfg);
	assert_int_equal(subset_config_load(fx->ws, &cfg, &err), 0);
	assert_int_equal(cfg.nkeep_all, 1);
	assert_true(cfg.children_all);
	assert_int_equal(cfg.max_depth, 3);
	subset_config_release(&cfg);

	/* a new action without a state becomes proposed, set by the importer */
	assert_int_equal(import(fx, "a.yaml", set_action, strlen(set_action), NULL, &err), 0);
	assert_int_equal(rules_find(fx->ws, "customers.name", &r, &err), 0);
	assert_int_equal(r.state, RULE_PROPOSED);
	assert_string_equal(r.set_by, "importer");
	assert_string_equal(r.category, "person_name");
	rule_release(&r);
	assert_int_equal(fx_count(fx, "SELECT count(*) FROM audit WHERE event = 'import'"), 2);
	assert_int_equal(fx_count(fx, "SELECT count(*) FROM audit WHERE event = 'subset'"), 1);
}

struct hostile {
	const char *name;
	const char *text;
	const char *needle;     /* expected in the message */
};

static const struct hostile hostile[] = {
	{ "columns_not_list", "maskbench: 1\ncolumns: {a: b}\n", "must be a list" },
	{ "params_list", "maskbench: 1\ncolumns:\n- column: orders.note\n  params: [1, 2]\n",
	  "'params' must be a mapping" },
	{ "note_mapping", "maskbench: 1\ncolumns:\n- column: orders.note\n  note: {a: 1}\n",
	  "'note' must be a single value" },
	{ "unknown_top_key", "maskbench: 1\nrulez: []\n", "unknown key" },
	{ "unknown_column_key", "maskbench: 1\ncolumns:\n- column: orders.note\n  colour: red\n",
	  "unknown key" },
	{ "unknown_column", "maskbench: 1\ncolumns:\n- column: orders.nope\n",
	  "unknown column orders.nope" },
	{ "unknown_action", "maskbench: 1\ncolumns:\n- column: orders.note\n  action: shred\n",
	  "unknown action 'shred'" },
	{ "null_on_not_null", "maskbench: 1\ncolumns:\n- column: customers.email\n  action: 'null'\n",
	  "main.customers.email" },
	{ "duplicate_column", "maskbench: 1\ncolumns:\n- column: orders.note\n  note: a\n"
	  "- column: main.orders.note\n  note: b\n", "duplicate column main.orders.note" },
	{ "duplicate_key", "maskbench: 1\ncolumns:\n- column: orders.note\n  note: a\n  note: b\n",
	  "duplicate key 'note'" },
	{ "alias_bomb", "maskbench: 1\na: &a [x, x, x, x, x, x, x, x, x]\n"
	  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	  "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n", "anchors are not allowed" },
	{ "alias_only", "maskbench: 1\ncolumns:\n- column: orders.note\n  note: *x\n",
	  "" /* libyaml: undefined alias, or ours */ },
	{ "tag", "maskbench: 1\ncolumns:\n- column: !!python/object orders.note\n",
	  "tags are not allowed" },
	{ "two_documents", "maskbench: 1\n---\nmaskbench: 1\n", "only one YAML document" },
	{ "syntax", "maskbench: 1\ncolumns:\n- column: \"orders.note\n", "" },
	{ "version", "maskbench: 2\n", "unsupported rules file version" },
	{ "no_version", "columns: []\n", "missing 'maskbench: 1'" },
	{ "bad_state", "maskbench: 1\ncolumns:\n- column: orders.note\n  state: done\n",
	  "unknown state 'done'" },
	{ "rejected_masked", "maskbench: 1\ncolumns:\n- column: orders.note\n  action: hash\n"
	  "  state: rejected\n", "must be keep" },
	{ "bad_timestamp", "maskbench: 1\ncolumns:\n- column: orders.note\n  reviewed_at: yesterday\n",
	  "reviewed_at" },
	{ "percent_range", "maskbench: 1\nsubset:\n  roots:\n  - table: customers\n    percent: 500\n",
	  "'percent' must be" },
	{ "bad_duration", "maskbench: 1\nsubset:\n  windows:\n  - {table: orders, column: id, last: 7y}\n",
	  "bad duration" },
	{ "unknown_table", "maskbench: 1\nsubset:\n  keep_all: [nowhere]\n", "unknown table nowhere" },
	{ "vfk_mismatch", "maskbench: 1\nsubset:\n  virtual_foreign_keys:\n"
	  "  - {from: 'orders(customer_id, id)', to: 'customers(id)'}\n", "has 2 columns" },
	{ "children_type", "maskbench: 1\nsubset:\n  children: {a: 1}\n", "'children' must be" },
	{ "empty", "", "empty file" },
	{ "scalar_doc", "just a string\n", "must be a mapping" },
	/* the first entry is valid: the second's error must roll it back */
	{ "half_valid", "maskbench: 1\ncolumns:\n- column: orders.note\n  note: changed\n"
	  "- column: orders.id\n  action: 42x\n", "unknown action" },
};

static void check_hostile(struct fixture *fx, const char *name, const char *text,
			  size_t len, const char *needle)
{
	struct mb_err err = MB_ERR_INIT;
	char *before = export(fx), *after;
	int audit = fx_count(fx, "SELECT count(*) FROM audit");
	regex_t re;
	char pattern[128];

	if (import(fx, name, text, len, NULL, &err) == 0)
		fail_msg("%s: import succeeded", name);
	assert_int_equal(err.kind, MB_ERR_INPUT);
	snprintf(pattern, sizeof(pattern), "^%s:[0-9]+:[0-9]+: ", name);
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, err.msg, 0, NULL, 0) != 0 && !strstr(err.msg, "too large"))
		fail_msg("%s: message without file:line:col: %s", name, err.msg);
	regfree(&re);
	if (needle && !strstr(err.msg, needle))
		fail_msg("%s: '%s' does not contain '%s'", name, err.msg, needle);
	after = export(fx);
	assert_string_equal(before, after);
	assert_int_equal(fx_count(fx, "SELECT count(*) FROM audit"), audit);
	print_message("# %s -> %s\n", name, err.msg);
	free(before);
	free(after);
}

static void test_hostile_files(void **state)
{
	struct fixture *fx = *state;

	populate(fx);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		check_hostile(fx, hostile[i].name, hostile[i].text, strlen(hostile[i].text),
			      hostile[i].needle);
}

static void test_hostile_generated(void **state)
{
	struct fixture *fx = *state;
	struct strbuf sb = STRBUF_INIT;
	const char bad_utf8[] = "maskbench: 1\ncolumns:\n- column: orders.note\n  note: caf\xe9 \xff\n";
	const char nul[] = "maskbench: 1\ncolumns:\n- column: orders.note\n  note: a\0b\n";

	/* a 1 MB note */
	strbuf_addstr(&sb, "maskbench: 1\ncolumns:\n- column: orders.note\n  note: ");
	for (int i = 0; i < (1 << 20); i++)
		strbuf_addch(&sb, 'x');
	strbuf_addch(&sb, '\n');
	check_hostile(fx, "huge_note", sb.buf, sb.len, "too long");
	strbuf_reset(&sb);

	check_hostile(fx, "bad_utf8", bad_utf8, sizeof(bad_utf8) - 1, "");
	check_hostile(fx, "nul_byte", nul, sizeof(nul) - 1, "");

	/* nesting 10,000 deep */
	strbuf_addstr(&sb, "maskbench: 1\ncolumns: ");
	for (int i = 0; i < 10000; i++)
		strbuf_addch(&sb, '[');
	for (int i = 0; i < 10000; i++)
		strbuf_addch(&sb, ']');
	strbuf_addch(&sb, '\n');
	check_hostile(fx, "deep", sb.buf, sb.len, "nesting deeper");
	strbuf_reset(&sb);

	/* 200,000 entries of a list that is not columns */
	strbuf_addstr(&sb, "maskbench: 1\ncolumns:\n");
	for (int i = 0; i < 200000; i++)
		strbuf_addstr(&sb, "- 1\n");
	check_hostile(fx, "many", sb.buf, sb.len, "must be a mapping");
	strbuf_release(&sb);
}

static void test_import_approval_two_person(void **state)
{
	struct fixture *fx = *state;
	struct mb_err err = MB_ERR_INIT;
	const char *self = "maskbench: 1\ncolumns:\n- column: orders.note\n  action: hash\n"
			   "  state: approved\n  reviewer: importer\n";
	const char *other = "maskbench: 1\ncolumns:\n- column: orders.note\n  action: hash\n"
			    "  state: approved\n  reviewer: dana\n";
	struct rule r = { 0 };

	assert_int_equal(rules_set_two_person(fx->ws, true, "admin", &err), 0);
	check_hostile(fx, "self_approval", self, strlen(self), "two-person rule");
	assert_int_equal(import(fx, "other.yaml", other, strlen(other), NULL, &err), 0);
	assert_int_equal(rules_find(fx->ws, "orders.note", &r, &err), 0);
	assert_int_equal(r.state, RULE_APPROVED);
	assert_string_equal(r.reviewer, "dana");
	assert_string_equal(r.set_by, "importer");
	rule_release(&r);
}

static void test_duration(void **state)
{
	struct mb_err err = MB_ERR_INIT;
	int64_t s;

	(void)state;
	assert_int_equal(subset_parse_duration("7d", &s, &err), 0);
	assert_int_equal(s, 7 * 86400);
	assert_int_equal(subset_parse_duration("1d12h", &s, &err), 0);
	assert_int_equal(s, 86400 + 12 * 3600);
	assert_int_equal(subset_parse_duration("2w", &s, &err), 0);
	assert_int_equal(s, 14 * 86400);
	assert_int_equal(subset_parse_duration("30m", &s, &err), 0);
	assert_int_equal(s, 1800);
	assert_int_equal(subset_parse_duration("", &s, &err), -1);
	assert_int_equal(subset_parse_duration("7", &s, &err), -1);
	assert_int_equal(subset_parse_duration("d", &s, &err), -1);
	assert_int_equal(subset_parse_duration("0d", &s, &err), -1);
	assert_int_equal(subset_parse_duration("99999999999999999999d", &s, &err), -1);
	assert_int_equal(subset_parse_duration("9223372036854775807w", &s, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_imports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_generated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_approval_two_person, setup, teardown),
		cmocka_unit_test(test_duration),
	};

	return cmocka_run_group_tests_name("rules_yaml", tests, NULL, NULL);
}

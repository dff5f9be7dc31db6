#!/bin/bash
# harden_least_priv.sh - the whole flow (catalog, scan, rules approve, plan,
# run, verify) reads the source through a least-privileged account:
#  - PostgreSQL: a role with only CONNECT, USAGE and SELECT on the source
#    tables, default_transaction_read_only = on, no TEMP privilege (TEMP is
#    revoked from PUBLIC on the source database);
#  - MariaDB: a user with only SELECT on the source database;
# into a target owned by a normal (non-superuser) account. The accounts'
# passwords are in the addresses: they must reach no output and no file.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
tap_tmpdir
export PGTZ=UTC MASKBENCH_KEY=harden-lp-key-0123456789abcdef MASKBENCH_REVIEWER=tester
PW="Pw-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
run_fixture_customers_file > "$TMPD/customers.txt"
cat > "$TMPD/subset.yaml" <<'YAML'
maskbench: 1
subset:
  roots:
    - table: customer
      percent: 30
  children: [orders, order_item, shipment, document, event]
  virtual_foreign_keys:
    - from: document(order_ref)
      to: orders(id)
  keep_all: [region]
  truncate: [audit_log]
YAML

flow() {   # flow ENGINE SRC_URL TGT_URL TGT_DB: the headless flow, as the accounts
	local e=$1 src=$2 tgt=$3 tdb=$4 ws="$TMPD/ws_$1.db" o="$TMPD/out_$1"
	mkdir -p "$o"
	"$MB" -w "$ws" catalog "$src" --format tsv >"$o/catalog.out" 2>"$o/catalog.err"
	is "$?" 0 "$e: catalog through the read-only account"
	[ -s "$o/catalog.err" ] && diag "$(head -2 "$o/catalog.err")"
	"$MB" -w "$ws" scan "$src" --customers "$TMPD/customers.txt" --format tsv >"$o/scan.out" 2>"$o/scan.err"
	is "$?" 0 "$e: scan through the read-only account"
	[ -s "$o/scan.err" ] && diag "$(head -2 "$o/scan.err")"
	ok "$e: ... finds the email column" grep -q "customer	email	email" "$o/scan.out"
	"$MB" -w "$ws" rules set customer.name --action fake_company --category company_name >/dev/null &&
	"$MB" -w "$ws" rules set customer.email --action fake_email --category email >/dev/null &&
	"$MB" -w "$ws" rules set product.sku --action hash --param length=16 --category identifier >/dev/null &&
	"$MB" -w "$ws" rules approve --all >/dev/null &&
	"$MB" -w "$ws" rules import "$TMPD/subset.yaml" >/dev/null
	check $? "$e: rules approved, subset set"
	"$MB" -w "$ws" plan "$src" --format tsv --exact >"$o/plan.tsv" 2>"$o/plan.err"
	is "$?" 0 "$e: plan --exact through the read-only account (no temp tables)"
	[ -s "$o/plan.err" ] && diag "$(head -2 "$o/plan.err")"
	"$MB" -w "$ws" run "$src" "$tgt" --jobs 2 --customers "$TMPD/customers.txt" --progress lines \
		>"$o/run.out" 2>"$o/run.err"
	is "$?" 0 "$e: run (2 jobs) from the read-only account into a normal user's target"
	[ -s "$o/run.out" ] || diag "$(tail -2 "$o/run.err")"
	is "$(table_counts $tdb | tr '\n' ' ')" "$(plan_counts "$o/plan.tsv" | tr '\n' ' ')" \
		"$e: row counts match the plan"
	is "$(strict_orphans $tdb)" 0 "$e: every foreign key resolves"
	"$MB" -w "$ws" verify "$tgt" --customers "$TMPD/customers.txt" >"$o/verify.out" 2>"$o/verify.err"
	is "$?" 0 "$e: verify through the target owner"
	is "$(grep -rlaF -e "$PW" "$o" "$ws" "$HOME" 2>/dev/null)" "" \
		"$e: the passwords reach no output and no file (workspace included)"
}

for e in $(harden_engines); do
	case $e in
	*-missing) fail "$e: test server not started (CI)" ;;
	pg)
		harden_setup pg
		p=mbt_harden_lp_$$
		ro=${p}_ro rw=${p}_rw
		eng_create ${p}_src
		run_fixture_sql pg 300 | eng_load ${p}_src
		psql -X -q -v ON_ERROR_STOP=1 -d ${p}_src >/dev/null 2>"$TMPD/roles.err" <<SQL
DROP ROLE IF EXISTS $ro; DROP ROLE IF EXISTS $rw;
CREATE ROLE $ro LOGIN PASSWORD '$PW' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE $rw LOGIN PASSWORD '$PW' NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER ROLE $ro SET default_transaction_read_only = on;
REVOKE ALL ON DATABASE ${p}_src FROM PUBLIC;
REVOKE TEMP ON DATABASE ${p}_src FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE ${p}_src TO $ro;
GRANT USAGE ON SCHEMA public TO $ro;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO $ro;
CREATE DATABASE ${p}_tgt OWNER $rw;
SQL
		check $? "pg: read-only role and target owner created"
		[ -s "$TMPD/roles.err" ] && diag "$(cat "$TMPD/roles.err")"
		host=${MB_PG_URL#postgresql://*@}
		# The role really is read-only and has no TEMP.
		PGPASSWORD=$PW psql -X -q -U $ro -d ${p}_src -c "CREATE TEMP TABLE t (i int)" >/dev/null 2>&1
		check $((! $?)) "pg: the role cannot create temp tables"
		PGPASSWORD=$PW psql -X -q -U $ro -d ${p}_src -c "BEGIN READ WRITE; DELETE FROM audit_log; ROLLBACK" >/dev/null 2>&1
		check $((! $?)) "pg: the role cannot write"
		is "$(PGPASSWORD=$PW psql -X -At -U $ro -d ${p}_src -c "SHOW default_transaction_read_only")" on \
			"pg: default_transaction_read_only is on for the role"
		flow pg "postgresql://$ro:$PW@$host/${p}_src" "postgresql://$rw:$PW@$host/${p}_tgt" ${p}_tgt
		eng_drop ${p}_src; eng_drop ${p}_tgt
		psql -q -d postgres -c "DROP ROLE IF EXISTS $ro" -c "DROP ROLE IF EXISTS $rw" >/dev/null 2>&1
		;;
	mysql)
		harden_setup mysql
		p=mbt_harden_lp_$$
		ro=hlpro$$ rw=hlprw$$
		eng_create ${p}_src
		run_fixture_sql mysql 300 | eng_load ${p}_src
		eng_create ${p}_tgt
		$MYSQL -e "DROP USER IF EXISTS '$ro'@'%', '$rw'@'%';
CREATE USER '$ro'@'%' IDENTIFIED BY '$PW';
CREATE USER '$rw'@'%' IDENTIFIED BY '$PW';
GRANT SELECT ON \`${p}_src\`.* TO '$ro'@'%';
GRANT ALL PRIVILEGES ON \`${p}_tgt\`.* TO '$rw'@'%';
GRANT ALL PRIVILEGES ON \`${p}_tgt__mb_staging\`.* TO '$rw'@'%';
GRANT ALL PRIVILEGES ON \`${p}_tgt__mb_old\`.* TO '$rw'@'%';" 2>"$TMPD/users.err"
		check $? "mysql: SELECT-only user and target user created"
		[ -s "$TMPD/users.err" ] && diag "$(cat "$TMPD/users.err")"
		mh=${MB_MYSQL_URL#mysql://*@}
		mariadb --no-defaults -h 127.0.0.1 -P "${mh##*:}" -u $ro -p"$PW" ${p}_src -e "DELETE FROM audit_log" >/dev/null 2>&1
		check $((! $?)) "mysql: the user cannot write"
		flow mysql "mysql://$ro:$PW@$mh/${p}_src" "mysql://$rw:$PW@$mh/${p}_tgt" ${p}_tgt
		eng_drop ${p}_src; eng_drop ${p}_tgt
		$MYSQL -e "DROP USER IF EXISTS '$ro'@'%', '$rw'@'%'" 2>/dev/null
		;;
	esac
done
done_testing

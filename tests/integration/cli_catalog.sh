#!/bin/bash
# cli_catalog.sh - `maskbench catalog` on all three engines: output formats,
# the JSON shape of SPEC §10, exit codes and messages for bad addresses,
# and that no password ever appears in a message or in the workspace.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
tap_tmpdir
cd "$TMPD" || exit 1

db="$TMPD/shop.db"
sqlite3 "$db" <<'SQL'
CREATE TABLE customers(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, "full name" TEXT);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total REAL);
INSERT INTO customers VALUES(1, 'a@example.org', 'Ann Example');
INSERT INTO orders VALUES(1, 1, 9.5);
SQL

out=$("$MB" --workspace ws.db catalog "$db" --format json); rc=$?
is "$rc" 0 "sqlite catalog json exits 0"
python3 - "$out" <<'PY' && pass "json has the SPEC shape" || fail "json has the SPEC shape"
import json, sys
d = json.loads(sys.argv[1])
t = {x["name"]: x for x in d["tables"]}
assert set(t) == {"customers", "orders"}, t.keys()
c = t["customers"]
assert c["schema"] == "main" and c["rows"] == 1
assert [x["name"] for x in c["columns"]] == ["id", "email", "full name"]
assert c["columns"][1] == {"name": "email", "type": "TEXT", "nullable": False}
assert c["primary_key"] == ["id"]
fk = t["orders"]["foreign_keys"][0]
assert fk == {"columns": ["customer_id"], "ref_schema": "main", "ref_table": "customers", "ref_columns": ["id"]}, fk
PY
"$MB" --workspace ws.db catalog "sqlite://$db" --format tsv >tsv.out
is "$(head -n 1 tsv.out)" "$(printf 'schema\ttable\trows\tcolumn\ttype\tnullable\tkeys')" "tsv header"
ok "tsv marks the primary key" grep -q "$(printf 'customers\t1\tid\tINTEGER\tno\tPK')" tsv.out
"$MB" --workspace ws.db catalog "$db" >table.out
ok "table format lists columns" grep -q 'full name' table.out
is "$(sqlite3 ws.db 'select count(*) from snapshots')" 3 "each catalog run records a snapshot"
is "$(sqlite3 ws.db 'select count(*) from sources')" 2 "sources recorded (plain path and sqlite:// url)"

"$MB" catalog 2>err.out; is "$?" 2 "missing SOURCE exits 2"
"$MB" catalog "$db" --format xml 2>err.out; is "$?" 2 "unknown format exits 2"
"$MB" catalog "$TMPD/absent.db" 2>err.out; is "$?" 3 "missing SQLite file exits 3"
ok "missing file message names it" grep -q 'absent.db' err.out
"$MB" catalog "postgresql://u:s3cretpw@127.0.0.1:notaport/db" 2>err.out; is "$?" 2 "malformed URL exits 2"
ok "malformed URL message hides the password" bash -c "! grep -q s3cretpw err.out"
"$MB" catalog "ftp://x/y" 2>err.out; is "$?" 2 "unknown scheme exits 2"

need_server MB_PG_URL
need_server MB_MYSQL_URL
pgdb="mbt_cat_$$"
psql -q -d postgres -c "CREATE DATABASE $pgdb" || fail "create pg database"
psql -q -d "$pgdb" <<'SQL'
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Customer"(id serial PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE "Sales"."Order"(id bigint, line int, customer_id int REFERENCES "Sales"."Customer"(id),
  PRIMARY KEY(id, line));
INSERT INTO "Sales"."Customer"(email) VALUES ('x@example.org');
SQL
out=$("$MB" --workspace ws.db catalog "$MB_PG_URL/$pgdb" --format json); rc=$?
is "$rc" 0 "postgresql catalog exits 0"
python3 - "$out" <<'PY' && pass "postgresql json: schemas, composite PK, FK" || fail "postgresql json: schemas, composite PK, FK"
import json, sys
d = json.loads(sys.argv[1])
t = {(x["schema"], x["name"]): x for x in d["tables"]}
o = t[("Sales", "Order")]
assert o["primary_key"] == ["id", "line"], o["primary_key"]
assert o["foreign_keys"][0]["ref_table"] == "Customer"
PY
"$MB" catalog "postgresql://postgres:wrongpw@127.0.0.1:1/$pgdb" 2>err.out; is "$?" 3 "unreachable PostgreSQL exits 3"
ok "unreachable message hides the password" bash -c "! grep -q wrongpw err.out"
"$MB" catalog "$MB_PG_URL/mbt_no_such_db_$$" 2>err.out; is "$?" 3 "unknown PostgreSQL database exits 3"
ok "unknown database is named" grep -q "mbt_no_such_db_$$" err.out
is "$(wc -l <err.out)" 1 "connection errors are one line"
psql -q -d postgres -c "DROP DATABASE $pgdb"

mydb="mbt_cat_$$"
mariadb --defaults-file="$MB_SERVERS_DIR/my.cnf" -e "CREATE DATABASE $mydb; USE $mydb;
  CREATE TABLE parent(a INT, b INT, PRIMARY KEY(a, b));
  CREATE TABLE child(id INT PRIMARY KEY, pa INT, pb INT, boss INT,
    FOREIGN KEY (pa, pb) REFERENCES parent(a, b), FOREIGN KEY (boss) REFERENCES child(id));"
out=$("$MB" --workspace ws.db catalog "$MB_MYSQL_URL/$mydb" --format json); rc=$?
is "$rc" 0 "mysql catalog exits 0"
python3 - "$out" <<'PY' && pass "mysql json: composite and self FKs" || fail "mysql json: composite and self FKs"
import json, sys
d = json.loads(sys.argv[1])
t = {x["name"]: x for x in d["tables"]}
fks = sorted(t["child"]["foreign_keys"], key=lambda f: f["ref_table"])
assert fks[0]["ref_table"] == "child" and fks[0]["columns"] == ["boss"], fks
assert fks[1]["columns"] == ["pa", "pb"] and fks[1]["ref_columns"] == ["a", "b"], fks
PY
"$MB" catalog "mysql://root:badpw@127.0.0.1:$MB_MYSQL_PORT/$mydb" 2>err.out; is "$?" 3 "wrong MySQL password exits 3"
ok "wrong password message hides it" bash -c "! grep -q badpw err.out"
mariadb --defaults-file="$MB_SERVERS_DIR/my.cnf" -e "DROP DATABASE $mydb"

ok "no password stored in the workspace" bash -c "! strings ws.db | grep -q -e s3cretpw -e wrongpw -e badpw"
done_testing

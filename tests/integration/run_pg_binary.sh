#!/bin/bash
# run_pg_binary.sh - PostgreSQL to PostgreSQL runs move rows in COPY binary
# (with masking on text columns) and fall back to COPY text where binary is
# not portable (user-defined enums and their arrays) or the masked column is
# not text. Every unmasked value must arrive byte for byte, NULLs stay NULL,
# and a subset read in many key batches (one binary stream each) loads once.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
need_server MB_PG_URL
export PGTZ=UTC MASKBENCH_KEY=test-key-binary-0123456789 MASKBENCH_REVIEWER=tester
tap_tmpdir
MB="$MB_BUILDDIR/maskbench"
DB=mbt_bin_$$
SRC="$MB_PG_URL/${DB}_src" TGT="$MB_PG_URL/${DB}_tgt"
cleanup() { for d in src tgt; do psql -q -d postgres -c "DROP DATABASE IF EXISTS ${DB}_$d" >/dev/null 2>&1; done; }
trap cleanup EXIT
psql -q -d postgres -c "CREATE DATABASE ${DB}_src" -c "CREATE DATABASE ${DB}_tgt" >/dev/null

psql -q -v ON_ERROR_STOP=1 -d ${DB}_src >/dev/null 2>"$TMPD/fixture.err" <<'SQL'
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy ☺');
CREATE TABLE person (id int PRIMARY KEY, full_name text, email varchar(100), note text,
  code char(6), b bytea, j jsonb, js json, a int[], ta text[], n numeric(20,6),
  ts timestamptz, d date, iv interval, u uuid, ip inet, f float8, flag boolean,
  born date);
CREATE TABLE feeling (id int PRIMARY KEY, person_id int REFERENCES person(id), m mood,
  ms mood[], label text);
CREATE TABLE member (id int PRIMARY KEY, born date, nick text);
CREATE TABLE visit (id bigint PRIMARY KEY, person_id int NOT NULL REFERENCES person(id),
  at timestamp NOT NULL, note text);
CREATE INDEX visit_person ON visit (person_id, at);
CREATE TABLE "Odd ""Ref""" (id int PRIMARY KEY, "Person Id" int REFERENCES person(id));
CREATE INDEX odd_ref ON "Odd ""Ref""" ("Person Id");
INSERT INTO person VALUES
 (1, 'Alice Example', 'alice@example.com', E'tab\there\nnewline \\ back ''q'' "dq" ☺', 'ab',
  '\xfffe00c3c328', '{"k": 1.50, "z": [true, null]}', '{"a":  [1, 2]}', '{1,NULL,3}',
  '{"a b","c,d","e\"f",NULL}', 12345678901234.123456, '2024-02-29 23:59:59.123456+05:30',
  '2024-02-29', '1 year 2 mons 3 days 04:05:06.7', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '192.168.0.1/24', -1.5e-300, true, '1980-05-01'),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL),
 (3, '', E'\\N', E'\\.', '', '\x', '[]', 'null', '{}', '{}', -0.000001, 'infinity',
  '-infinity', '0', '00000000-0000-0000-0000-000000000000', '::1', 'NaN', false, NULL);
INSERT INTO person (id, full_name, email, note, n, ts, born)
  SELECT g, 'Person ' || g, 'person' || g || '@example.net', 'Ñote ' || g, g * 1.5,
    timestamptz '2020-01-01 00:00:00+00' + g * interval '1 hour', date '1970-01-01' + g
  FROM generate_series(4, 6000) g;
INSERT INTO feeling SELECT g, g, (ARRAY['sad','ok','happy ☺']::mood[])[1 + g % 3],
  ARRAY['ok', 'happy ☺']::mood[], 'Label ' || g FROM generate_series(1, 6000) g;
INSERT INTO "Odd ""Ref""" VALUES (1, 1), (2, NULL), (3, 4);
INSERT INTO member SELECT g, date '1960-01-01' + g * 3, 'Nick ' || g FROM generate_series(1, 500) g;
INSERT INTO visit SELECT g, 1 + g % 6000, timestamp '2024-01-01' + g * interval '1 minute',
  CASE WHEN g % 7 = 0 THEN NULL ELSE E'v\t' || g END FROM generate_series(1, 30000) g;
SQL
check $? "fixture loaded"

# Masked: person.full_name/email (text, binary path), feeling.label (text,
# but the table has enums: text path), member.born (a date: text path).
ws="$TMPD/ws.db"
"$MB" -w "$ws" catalog "$SRC" >/dev/null
{
	"$MB" -w "$ws" rules set person.full_name --action fake_full_name &&
	"$MB" -w "$ws" rules set person.email --action fake_email &&
	"$MB" -w "$ws" rules set feeling.label --action fake_full_name &&
	"$MB" -w "$ws" rules set member.born --action date_shift &&
	"$MB" -w "$ws" rules set member.nick --action fake_full_name &&
	"$MB" -w "$ws" rules approve --all
} >/dev/null 2>"$TMPD/rules.err"
check $? "rules set and approved"

# Text form of every unmasked column of a table, ordered by id.
unmasked_md5() { # DB TABLE COLUMNS
	psql -At -d "$1" -c "SELECT md5(coalesce(string_agg(row($3)::text, '|' ORDER BY id), '')) FROM $2"
}
PERSON_KEEP="id, note, code, b, j, js, a, ta, n, ts, d, iv, u, ip, f, flag"

export MB_TRACE_SQL="$TMPD/trace.sql"
"$MB" -w "$ws" run "$SRC" "$TGT" --jobs 2 --force --progress none >"$TMPD/run.out" 2>"$TMPD/run.err"
is "$?" 0 "full run"
ok "person and visit read in COPY binary" grep -q 'FROM "public"."person") TO STDOUT (FORMAT binary)' "$TMPD/trace.sql"
ok "loads use FREEZE" grep -q 'FROM STDIN WITH (FORMAT binary, FREEZE)' "$TMPD/trace.sql"
ok "enum table read as text" grep -q 'FROM "public"."feeling") TO STDOUT$' "$TMPD/trace.sql"
ok "a masked date: read as text" grep -q 'FROM "public"."member") TO STDOUT$' "$TMPD/trace.sql"
# Foreign keys whose columns lead an index validate by merge join.
ok "visit's key (indexed) validated without hash joins" \
	grep -q 'SET LOCAL enable_hashjoin = off; ALTER TABLE "public__mb_staging"."visit" VALIDATE' "$TMPD/trace.sql"
ok "a quoted indexed column too" \
	grep -q 'SET LOCAL enable_hashjoin = off; ALTER TABLE "public__mb_staging"."Odd ""Ref""" VALIDATE' "$TMPD/trace.sql"
ok "feeling's key (no index) validated as the planner likes" \
	grep -q 'max_parallel_workers_per_gather = 0; ALTER TABLE "public__mb_staging"."feeling" VALIDATE' "$TMPD/trace.sql"
is "$(psql -At -d ${DB}_tgt -c "SELECT count(*) FILTER (WHERE convalidated) || '/' || count(*) FROM pg_constraint WHERE contype = 'f'")" \
	"3/3" "every foreign key validated in the target"
for t in person feeling visit member; do
	is "$(psql -At -d ${DB}_tgt -c "SELECT count(*) FROM $t")" \
		"$(psql -At -d ${DB}_src -c "SELECT count(*) FROM $t")" "$t: row count"
done
is "$(unmasked_md5 ${DB}_tgt person "$PERSON_KEEP")" "$(unmasked_md5 ${DB}_src person "$PERSON_KEEP")" \
	"person: unmasked columns equal byte for byte (bytea, json, arrays, infinity, NaN)"
is "$(unmasked_md5 ${DB}_tgt feeling "id, person_id, m, ms")" "$(unmasked_md5 ${DB}_src feeling "id, person_id, m, ms")" \
	"feeling: enum and enum[] equal"
is "$(unmasked_md5 ${DB}_tgt visit "id, person_id, at, note")" "$(unmasked_md5 ${DB}_src visit "id, person_id, at, note")" \
	"visit: passed through equal"
is "$(psql -At -d ${DB}_tgt -c "SELECT count(*) FROM person WHERE full_name IS NULL OR email IS NULL")" 1 \
	"person: NULLs stay NULL in masked columns"
same=$(psql -At -d ${DB}_tgt -c "SELECT count(*) FROM person WHERE full_name LIKE 'Person %' OR email LIKE 'person%@example.net'")
is "$same" 0 "person: masked columns differ from the source"
ok "person: masked names look like names" test "$(psql -At -d ${DB}_tgt -c "SELECT count(*) FROM person WHERE full_name ~ '^[A-Z][a-z]+ [A-Z]'")" -ge 5990
is "$(psql -At -d ${DB}_tgt -c "SELECT count(*) FROM feeling WHERE label LIKE 'Label %'")" 0 \
	"feeling: masked on the text path"
is "$(psql -At -d ${DB}_tgt -c "SELECT count(*) FROM member t WHERE born = date '1960-01-01' + id * 3 OR nick LIKE 'Nick %'")" 0 \
	"member: date and name masked on the text path"
# Deterministic: the same name masks the same way in both paths' tables.
a=$(psql -At -d ${DB}_tgt -c "SELECT full_name FROM person WHERE id = 4")
"$MB" -w "$ws" run "$SRC" "$TGT" --force --progress none >/dev/null 2>&1
is "$(psql -At -d ${DB}_tgt -c "SELECT full_name FROM person WHERE id = 4")" "$a" "a second run masks the same"

# A subset: visit rows are read in key batches (1,000 keys each), one COPY
# binary stream per batch, loaded as one COPY.
printf 'maskbench: 1\nsubset:\n  roots:\n    - {table: person, where: "id <= 3500"}\n  children: [visit]\n' > "$TMPD/s.yaml"
"$MB" -w "$ws" rules import "$TMPD/s.yaml" >/dev/null 2>&1
: > "$TMPD/trace.sql"
"$MB" -w "$ws" run "$SRC" "$TGT" --force --progress none >"$TMPD/run2.out" 2>"$TMPD/run2.err"
is "$?" 0 "subset run"
ok "visit read in several binary statements" \
	test "$(grep -c '"public"."visit".*TO STDOUT (FORMAT binary)' "$TMPD/trace.sql")" -ge 3
is "$(psql -At -d ${DB}_tgt -c "SELECT count(*) FROM visit")" \
	"$(psql -At -d ${DB}_src -c "SELECT count(*) FROM visit WHERE person_id <= 3500")" "subset: visit rows"
is "$(psql -At -d ${DB}_tgt -c "SELECT count(*) FROM visit v LEFT JOIN person p ON p.id = v.person_id WHERE p.id IS NULL")" 0 \
	"subset: every visit has its person"
want=$(psql -At -d ${DB}_src -c "SELECT md5(string_agg(row(id, person_id, at, note)::text, '|' ORDER BY id)) FROM visit WHERE person_id <= 3500")
is "$(unmasked_md5 ${DB}_tgt visit "id, person_id, at, note")" "$want" "subset: visit rows equal"
done_testing

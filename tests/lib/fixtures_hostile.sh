# fixtures_hostile.sh - a source made to break naive code (source it).
#   fixtures_hostile_sql ENGINE    prints the SQL for sqlite|pg|mysql
#   HOSTILE_T1, HOSTILE_T2         the two table names (raw, unquoted)
#   hostile_cols ENGINE TABLE      the columns of a table, one per line (raw)
#   HOSTILE_MASKED                 "table<TAB>column" lines of the masked columns
# Identifiers with double quotes, backticks, spaces, non-ASCII letters and
# reserved words; a 10 MB text; invalid UTF-8 where the engine stores it
# (bytea/blob, SQLite TEXT); json/jsonb; arrays; numeric with precision;
# timestamps with time zone; enums; generated columns; COPY/escaping traps
# (tabs, newlines, backslashes, the literal \N, empty strings); a row that is
# NULL in every nullable column; and a child table whose FK has a space.
HOSTILE_T1='select'
HOSTILE_T2='Kunden "Daten" ñ'
HOSTILE_MASKED=$'select\tuser name\nselect\temail'
# Ten megabytes (and a bit) of multi-byte text: 'Ünïcødé ✓ ' is 16 bytes.
HOSTILE_BIG_REPEAT=655360

hostile_cols() {
	local e=$1 t=$2
	if [ "$t" = "$HOSTILE_T2" ]; then
		printf '%s\n' 'ключ' 'select id' 'order' 'note'
		return
	fi
	case $e in
	pg) printf '%s\n' id from 'user name' email 'Prénom' 'we"ird' blob big js jb arr tarr num ts mood gen ;;
	mysql) printf '%s\n' id from 'user name' email 'Prénom' 'we"ird' 'back`tick' blob big js num ts dt mood flags gen vgen ;;
	sqlite) printf '%s\n' id from 'user name' email 'Prénom' 'we"ird' blob big js num ts badutf gen ;;
	esac
}

fixtures_hostile_sql() {
	case $1 in
	pg) cat <<SQL
CREATE TYPE "mood ""é""" AS ENUM ('sad', 'ok', 'happy ☺');
CREATE TABLE "select" (
  "id" integer PRIMARY KEY, "from" text, "user name" varchar(80), "email" varchar(120),
  "Prénom" text, "we""ird" text, "blob" bytea, "big" text, "js" json, "jb" jsonb,
  "arr" integer[], "tarr" text[], "num" numeric(20,6), "ts" timestamptz,
  "mood" "mood ""é""", "gen" numeric GENERATED ALWAYS AS ("num" * 2) STORED);
CREATE TABLE "Kunden ""Daten"" ñ" ("ключ" integer PRIMARY KEY,
  "select id" integer REFERENCES "select" ("id"), "order" text, "note" text);
INSERT INTO "select" ("id", "from", "user name", "email", "Prénom", "we""ird", "blob", "big", "js", "jb", "arr", "tarr", "num", "ts", "mood") VALUES
 (1, 'plain', 'Alice Example', 'alice@example.com', 'Zoë', E'tab\there\nnewline \\\\ back ''q'' "dq"',
  '\\xfffe00c3c328'::bytea, repeat('Ünïcødé ✓ ', $HOSTILE_BIG_REPEAT),
  '{"a": [1, 2, {"b": null}],   "é": "✓"}', '{"k": 1.50, "z": [true, false]}',
  '{1,NULL,3}', '{"a b","c,d","e\\"f",NULL}', 12345678901234.123456, '2024-02-29 23:59:59.123456+05:30', 'happy ☺'),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, E'\\\\N', 'Bob O''Brien', 'bob.obrien@example.org', '', E'\\\\.', '\\x'::bytea, '', 'null', '[]',
  '{}', '{}', -0.000001, 'infinity', 'sad');
INSERT INTO "select" ("id", "from", "user name", "email", "Prénom", "num", "ts", "mood", "arr")
  SELECT g, 'row ' || g, 'Person ' || g, 'person' || g || '@example.net', 'Ñame ' || g,
    g * 1.5, timestamptz '2020-01-01 00:00:00+00' + g * interval '1 hour', 'ok', ARRAY[g, g + 1]
  FROM generate_series(4, 60) g;
INSERT INTO "Kunden ""Daten"" ñ" VALUES (1, 1, 'first', E'naïve\tcafé'), (2, NULL, NULL, NULL), (3, 3, 'x', '\\N');
INSERT INTO "Kunden ""Daten"" ñ" SELECT g, g, 'o' || g, NULL FROM generate_series(4, 60) g;
SQL
		;;
	mysql) cat <<SQL
SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES';
CREATE TABLE \`select\` (
  \`id\` INT PRIMARY KEY, \`from\` TEXT, \`user name\` VARCHAR(80), \`email\` VARCHAR(120),
  \`Prénom\` TEXT, \`we"ird\` TEXT, \`back\`\`tick\` VARCHAR(20), \`blob\` LONGBLOB, \`big\` LONGTEXT,
  \`js\` JSON, \`num\` DECIMAL(20,6), \`ts\` TIMESTAMP(6) NULL, \`dt\` DATETIME(6),
  \`mood\` ENUM('sad', 'ok', 'happy ☺'), \`flags\` SET('a', 'b c', 'ü'),
  \`gen\` DECIMAL(22,6) AS (\`num\` * 2) STORED, \`vgen\` VARCHAR(90) AS (CONCAT('v:', \`user name\`)) VIRTUAL
) CHARACTER SET utf8mb4;
CREATE TABLE \`Kunden "Daten" ñ\` (\`ключ\` INT PRIMARY KEY, \`select id\` INT,
  \`order\` TEXT, \`note\` TEXT, FOREIGN KEY (\`select id\`) REFERENCES \`select\` (\`id\`)) CHARACTER SET utf8mb4;
INSERT INTO \`select\` (\`id\`, \`from\`, \`user name\`, \`email\`, \`Prénom\`, \`we"ird\`, \`back\`\`tick\`, \`blob\`, \`big\`, \`js\`, \`num\`, \`ts\`, \`dt\`, \`mood\`, \`flags\`) VALUES
 (1, 'plain', 'Alice Example', 'alice@example.com', 'Zoë', CONCAT('tab', CHAR(9), 'here', CHAR(10), 'newline \\ back ''q'' "dq"'), 'x\`y',
  x'FFFE00C3C328', REPEAT('Ünïcødé ✓ ', $HOSTILE_BIG_REPEAT), '{"a": [1, 2, {"b": null}],   "é": "✓"}',
  12345678901234.123456, '2024-02-29 18:29:59.123456', '2024-02-29 23:59:59.123456', 'happy ☺', 'a,ü'),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, '\\N', 'Bob O''Brien', 'bob.obrien@example.org', '', '\\.', '', x'', '', 'null', -0.000001, '1970-01-01 00:00:01', '1000-01-01 00:00:00', 'sad', '');
INSERT INTO \`select\` (\`id\`, \`from\`, \`user name\`, \`email\`, \`Prénom\`, \`num\`, \`dt\`, \`mood\`)
  WITH RECURSIVE s(g) AS (SELECT 4 UNION ALL SELECT g + 1 FROM s WHERE g < 60)
  SELECT g, CONCAT('row ', g), CONCAT('Person ', g), CONCAT('person', g, '@example.net'), CONCAT('Ñame ', g),
    g * 1.5, '2020-01-01 00:00:00' + INTERVAL g HOUR, 'ok' FROM s;
INSERT INTO \`Kunden "Daten" ñ\` VALUES (1, 1, 'first', CONCAT('naïve', CHAR(9), 'café')), (2, NULL, NULL, NULL), (3, 3, 'x', '\\N');
INSERT INTO \`Kunden "Daten" ñ\` WITH RECURSIVE s(g) AS (SELECT 4 UNION ALL SELECT g + 1 FROM s WHERE g < 60)
  SELECT g, g, CONCAT('o', g), NULL FROM s;
SQL
		;;
	sqlite) cat <<SQL
CREATE TABLE "select" (
  "id" INTEGER PRIMARY KEY, "from" TEXT, "user name" VARCHAR(80), "email" VARCHAR(120),
  "Prénom" TEXT, "we""ird" TEXT, "blob" BLOB, "big" TEXT, "js" TEXT, "num" NUMERIC(20,6),
  "ts" TIMESTAMP, "badutf" TEXT, "gen" INTEGER GENERATED ALWAYS AS ("id" * 2) STORED);
CREATE TABLE "Kunden ""Daten"" ñ" ("ключ" INTEGER PRIMARY KEY,
  "select id" INTEGER REFERENCES "select" ("id"), "order" TEXT, "note" TEXT);
BEGIN;
INSERT INTO "select" ("id", "from", "user name", "email", "Prénom", "we""ird", "blob", "big", "js", "num", "ts", "badutf") VALUES
 (1, 'plain', 'Alice Example', 'alice@example.com', 'Zoë', 'tab' || char(9) || 'here' || char(10) || 'newline \\ back ''q'' "dq"',
  x'FFFE00C3C328', replace(hex(zeroblob($HOSTILE_BIG_REPEAT)), '00', 'Ünïcødé ✓ '),
  '{"a": [1, 2, {"b": null}],   "é": "✓"}', 12345678901234.123456, '2024-02-29 23:59:59.123456+05:30',
  CAST(x'666f80fffe0041' AS TEXT)),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, '\\N', 'Bob O''Brien', 'bob.obrien@example.org', '', '\\.', x'', '', 'null', -0.000001, '', CAST(x'c328' AS TEXT));
WITH RECURSIVE s(g) AS (SELECT 4 UNION ALL SELECT g + 1 FROM s WHERE g < 60)
INSERT INTO "select" ("id", "from", "user name", "email", "Prénom", "num", "ts")
  SELECT g, 'row ' || g, 'Person ' || g, 'person' || g || '@example.net', 'Ñame ' || g, g * 1.5, '2020-01-01 ' || printf('%02d', g % 24) || ':00:00' FROM s;
INSERT INTO "Kunden ""Daten"" ñ" VALUES (1, 1, 'first', 'naïve' || char(9) || 'café'), (2, NULL, NULL, NULL), (3, 3, 'x', '\\N');
WITH RECURSIVE s(g) AS (SELECT 4 UNION ALL SELECT g + 1 FROM s WHERE g < 60)
INSERT INTO "Kunden ""Daten"" ñ" SELECT g, g, 'o' || g, NULL FROM s;
COMMIT;
SQL
		;;
	esac
}

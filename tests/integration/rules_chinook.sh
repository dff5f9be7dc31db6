#!/bin/bash
# rules_chinook.sh - the review loop on the real Chinook data (SQLite; and
# PostgreSQL when MB_PG_URL is set): every column gets a rule, the labelled
# PII columns get categories and actions from pii_labels.tsv, a second
# reviewer approves, the gate opens, the YAML round trip is byte-identical,
# the report covers every table, and a real schema change re-opens exactly
# the changed column. Skips when ../shared/data is absent.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
DATA="$MB_SRCDIR/../shared/data/chinook"
if [ ! -d "$DATA" ]; then
	echo "1..0 # SKIP $DATA not present"
	exit 0
fi
tap_tmpdir
cd "$TMPD" || exit 1
unset MASKBENCH_REVIEWER

action_for() {
	case "$1" in
	first_name) echo fake_first_name ;; last_name) echo fake_last_name ;;
	company_name) echo fake_company ;; street_address) echo fake_street ;;
	city) echo fake_city ;; postal_code) echo fake_postal_code ;;
	phone) echo fake_phone ;; email) echo fake_email ;;
	birth_date) echo date_shift ;; *) echo scramble ;;
	esac
}

# review ENGINE SOURCE WORKSPACE SCHEMA_PREFIX
review() {
	local engine=$1 src=$2 ws=$3 n=0 fails=0
	local mb=("$MB" --workspace "$ws")

	"${mb[@]}" catalog "$src" >/dev/null
	check $? "$engine: catalog of Chinook"
	local want
	want=$("${mb[@]}" catalog "$src" --format json --no-save | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(len(t["columns"]) for t in d["tables"]))')
	is "$("${mb[@]}" rules list --format tsv | tail -n +2 | wc -l)" "$want" "$engine: one rule per column ($want)"
	while IFS=$'\t' read -r e table column category; do
		[ "$e" = "$engine" ] || continue
		n=$((n + 1))
		"${mb[@]}" rules set "$table.$column" --action "$(action_for "$category")" \
			--category "$category" --reviewer engineer >/dev/null 2>err.txt ||
			{ fails=$((fails + 1)); diag "$(cat err.txt)"; }
	done < "$DATA/pii_labels.tsv"
	is "$fails" 0 "$engine: $n labelled columns set"
	"${mb[@]}" rules two-person on --reviewer admin >/dev/null
	"${mb[@]}" rules approve --all --reviewer engineer >/dev/null 2>&1
	is "$?" 1 "$engine: the engineer cannot sign off their own actions"
	"${mb[@]}" rules approve --all --reviewer security >/dev/null
	check $? "$engine: security signs off the rest"
	is "$("${mb[@]}" rules list --format tsv | awk -F'\t' 'NR>1 && $6!="approved"' | wc -l)" 0 \
		"$engine: every column approved"
	"${mb[@]}" rules export -o "$engine.yaml" && "${mb[@]}" rules import "$engine.yaml" >/dev/null &&
		"${mb[@]}" rules export -o "$engine.2.yaml"
	ok "$engine: export -> import -> export identical" cmp -s "$engine.yaml" "$engine.2.yaml"
	"${mb[@]}" rules report -o "$engine.md"
	is "$(grep -c '^### ' "$engine.md")" 11 "$engine: report covers the 11 tables"
	ok "$engine: report signed off" grep -q "signed off - every column reviewed" "$engine.md"
	is "$(grep -c '| email | `fake_email`' "$engine.md")" \
		"$(grep -cP "^$engine\t.*\temail$" "$DATA/pii_labels.tsv")" "$engine: email columns in the report"
	"${mb[@]}" rules verify-audit >/dev/null
	check $? "$engine: audit intact"
}

bash "$DATA/load.sh" sqlite "$TMPD/chinook.db"
review sqlite "$TMPD/chinook.db" "$TMPD/sqlite.ws"
sqlite3 "$TMPD/chinook.db" "ALTER TABLE Customer ADD COLUMN Loyalty INTEGER"
"$MB" --workspace "$TMPD/sqlite.ws" catalog "$TMPD/chinook.db" >/dev/null
open=$("$MB" --workspace "$TMPD/sqlite.ws" rules list --format tsv | awk -F'\t' 'NR>1 && $6!="approved"{print $2"."$3}')
is "$open" "Customer.Loyalty" "sqlite: only the new column is open after a schema change"

if [ -n "${MB_PG_URL:-}" ] && command -v psql >/dev/null; then
	db="mbt_rules_chinook_$$"
	if bash "$DATA/load.sh" pg "$db" 2>/dev/null; then
		review pg "$MB_PG_URL/$db" "$TMPD/pg.ws"
		psql -q -d "$db" -c "ALTER TABLE customer ALTER COLUMN email TYPE varchar(200)" >/dev/null
		"$MB" --workspace "$TMPD/pg.ws" catalog "$MB_PG_URL/$db" >/dev/null
		open=$("$MB" --workspace "$TMPD/pg.ws" rules list --format tsv | awk -F'\t' 'NR>1 && $6!="approved"{print $2"."$3}')
		is "$open" "customer.email" "pg: a type change re-opens exactly that column"
		psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1
	else
		fail "pg: load Chinook"
	fi
elif [ -n "${CI:-}" ] && [ "$CI" != false ]; then
	fail "MB_PG_URL is not set: the test server is missing"
fi

done_testing

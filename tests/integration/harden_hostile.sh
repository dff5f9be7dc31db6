#!/bin/bash
# harden_hostile.sh - hostile data on every engine (tests/lib/fixtures_hostile.sh):
# after a run into a database and into a dump (loaded back), every unmasked
# column arrives byte-identical (md5 of the engine's text form, per row and
# column), every masked value differs, NULLs stay NULL, row counts match.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
. "$MB_SRCDIR/tests/lib/fixtures_hostile.sh"
tap_tmpdir
export PGTZ=UTC MASKBENCH_KEY=harden-hostile-key-0123456789abcdef MASKBENCH_REVIEWER=tester

qi() {   # quote an identifier for $ENGINE
	if [ "$ENGINE" = mysql ]; then printf '`%s`' "${1//\`/\`\`}"; else printf '"%s"' "${1//\"/\"\"}"; fi
}
pk_of() { [ "$1" = "$HOSTILE_T1" ] && echo id || echo 'ключ'; }
# One line per row: "pk|digest of the column's value in the engine's text form".
col_rows() {
	local db=$1 t=$2 c=$3 pk q
	pk=$(qi "$(pk_of "$t")")
	q=$(qi "$c")
	case $ENGINE in
	pg) eng_sql "$db" "SELECT $pk, coalesce(md5($q::text), 'NULL') FROM $(qi "$t") ORDER BY 1" ;;
	mysql) eng_sql "$db" "SELECT $pk, IFNULL(MD5(CAST($q AS BINARY)), 'NULL') FROM $(qi "$t") ORDER BY 1" ;;
	sqlite) sqlite3 -batch -noheader "$TMPD/$db.db" \
		"SELECT $pk, CASE WHEN $q IS NULL THEN 'NULL' ELSE hex($q) END FROM $(qi "$t") ORDER BY 1" ;;
	esac
}
is_masked() { printf '%s\n' "$HOSTILE_MASKED" | grep -qxF "$1	$2"; }

compare_db() {   # compare_db LABEL SRC_DB DST_DB
	local label=$1 s=$2 d=$3 t c a b same n
	for t in "$HOSTILE_T1" "$HOSTILE_T2"; do
		is "$(eng_sql "$d" "SELECT count(*) FROM $(qi "$t")")" "$(eng_sql "$s" "SELECT count(*) FROM $(qi "$t")")" \
			"$e: $label: $t: every row arrived"
		while IFS= read -r c; do
			col_rows "$s" "$t" "$c" > "$TMPD/a"
			col_rows "$d" "$t" "$c" > "$TMPD/b"
			if [ "$ENGINE" = mysql ] && [ "$c" = vgen ]; then
				# Generated from a masked column: computed again from the masked value.
				is "$(eng_sql "$d" "SELECT count(*) FROM $(qi "$t") WHERE NOT (vgen <=> CONCAT('v:', \`user name\`))")" 0 \
					"$e: $label: $t.vgen: generated again from the masked column"
				continue
			fi
			if is_masked "$t" "$c"; then
				same=$(paste -d'|' "$TMPD/a" "$TMPD/b" | awk -F'|' '$2 != "NULL" && $2 == $4' | wc -l)
				n=$(awk -F'|' '$2 != "NULL"' "$TMPD/a" | wc -l)
				is "$same" 0 "$e: $label: $t.$c: masked, all $n values differ"
				is "$(paste -d'|' "$TMPD/a" "$TMPD/b" | awk -F'|' '($2 == "NULL") != ($4 == "NULL")' | wc -l)" 0 \
					"$e: $label: $t.$c: NULL stays NULL, values stay values"
			else
				a=$(md5sum < "$TMPD/a"); b=$(md5sum < "$TMPD/b")
				if [ -s "$TMPD/a" ] && [ "$a" = "$b" ]; then
					pass "$e: $label: $t.$c: byte-identical"
				else
					fail "$e: $label: $t.$c: byte-identical"
					diag "$(diff "$TMPD/a" "$TMPD/b" | head -4)"
				fi
			fi
		done < <(hostile_cols "$ENGINE" "$t")
		# SQLite: the storage class of every value is kept too (blob stays blob).
		if [ "$ENGINE" = sqlite ]; then
			while IFS= read -r c; do
				a=$(sqlite3 "$TMPD/$s.db" "SELECT $(qi "$(pk_of "$t")") || ':' || typeof($(qi "$c")) FROM $(qi "$t") ORDER BY 1")
				b=$(sqlite3 "$TMPD/$d.db" "SELECT $(qi "$(pk_of "$t")") || ':' || typeof($(qi "$c")) FROM $(qi "$t") ORDER BY 1")
				is_masked "$t" "$c" && continue
				if [ "$a" = "$b" ]; then pass "$e: $label: $t.$c: storage classes kept"
				else fail "$e: $label: $t.$c: storage classes kept"; diag "$(diff <(echo "$a") <(echo "$b") | grep '^[<>]' | head -4 | paste -sd' ')"; fi
			done < <(hostile_cols "$ENGINE" "$t")
		fi
	done
}

# hostile_rules WS: the two masked columns; every other column kept (the
# scan's proposals overridden); all approved.
hostile_rules() {
	local ws=$1 t c
	"$MB" -w "$ws" rules set "$HOSTILE_T1.user name" --action fake_full_name --category person_name >/dev/null 2>"$TMPD/r.err" &&
	"$MB" -w "$ws" rules set "$HOSTILE_T1.email" --action fake_email --category email >/dev/null 2>>"$TMPD/r.err" || return 1
	while IFS= read -r t; do
		while IFS= read -r c; do
			is_masked "$t" "$c" && continue
			"$MB" -w "$ws" rules set "$t.$c" --action keep >/dev/null 2>&1
		done < <(hostile_cols "$ENGINE" "$t")
	done < <(printf '%s\n' "$HOSTILE_T1" "$HOSTILE_T2")
	"$MB" -w "$ws" rules approve --all >/dev/null
}

for e in $(harden_engines); do
	case $e in *-missing) fail "$e: test server not started (CI)"; continue ;; esac
	harden_setup "$e"
	p=mbt_harden_hst_${e}_$$
	ws="$TMPD/ws_$e.db"
	eng_create ${p}_src
	fixtures_hostile_sql "$e" | eng_load ${p}_src >/dev/null
	check $? "$e: hostile source loaded"
	eng_create ${p}_tgt
	SRC=$(eng_url ${p}_src) TGT=$(eng_url ${p}_tgt)
	"$MB" -w "$ws" catalog "$SRC" >/dev/null 2>"$TMPD/cat.err"
	is "$?" 0 "$e: catalog of hostile identifiers"
	"$MB" -w "$ws" scan "$SRC" --format tsv >/dev/null 2>"$TMPD/scan.err"
	is "$?" 0 "$e: scan of hostile values (10 MB text, invalid UTF-8)"
	[ -s "$TMPD/scan.err" ] && diag "$(head -2 "$TMPD/scan.err")"
	hostile_rules "$ws"
	check $? "$e: rules on columns named with spaces and reserved words"
	[ -s "$TMPD/r.err" ] && diag "$(head -2 "$TMPD/r.err")"
	"$MB" -w "$ws" rules list --format tsv > "$TMPD/rules.tsv"
	is "$(awk -F'\t' 'NR > 1 && $5 != "keep"' "$TMPD/rules.tsv" | wc -l)" 2 "$e: exactly the two masked columns mask"

	"$MB" -w "$ws" run "$SRC" "$TGT" --progress none >"$TMPD/run.out" 2>"$TMPD/run.err"
	rc=$?
	rcdb=$rc
	is "$rc" 0 "$e: run into a database"
	if [ "$rc" = 0 ]; then
		compare_db target ${p}_src ${p}_tgt
	else
		diag "$(tail -3 "$TMPD/run.err")" "(the comparisons of this target are skipped)"
	fi

	"$MB" -w "$ws" run "$SRC" "file://$TMPD/hostile_$e.sql" --progress none >"$TMPD/dump.out" 2>"$TMPD/dump.err"
	rc=$?
	is "$rc" 0 "$e: run into a dump"
	[ "$rc" = 0 ] || diag "$(tail -3 "$TMPD/dump.err")"
	eng_create ${p}_dump
	if [ "$rc" = 0 ]; then
		if eng_load_dump ${p}_dump "$TMPD/hostile_$e.sql" 2>"$TMPD/load.err"; then
			pass "$e: the dump loads"
			compare_db dump ${p}_src ${p}_dump
		else
			fail "$e: the dump loads"
			diag "$(head -3 "$TMPD/load.err" | cut -c1-200)" "(the comparisons of the dump are skipped)"
		fi
	fi

	# In place on a full clone: the same properties, and the same masked
	# values as the copy.
	eng_clone ${p}_src ${p}_ip
	"$MB" -w "$TMPD/ws_ip_$e.db" catalog "$(eng_url ${p}_ip)" >/dev/null 2>&1
	hostile_rules "$TMPD/ws_ip_$e.db"
	mb_inplace "$TMPD/ws_ip_$e.db" "$(eng_url ${p}_ip)" --force >"$TMPD/ip.out" 2>"$TMPD/ip.err"
	rcip=$?
	is "$rcip" 0 "$e: in-place run on a clone"
	if [ "$rcip" = 0 ]; then
		compare_db in-place ${p}_src ${p}_ip
		if [ "$rcdb" = 0 ]; then
			for c in "user name" email; do
				is "$(col_rows ${p}_ip "$HOSTILE_T1" "$c" | md5sum)" "$(col_rows ${p}_tgt "$HOSTILE_T1" "$c" | md5sum)" \
					"$e: in-place: $HOSTILE_T1.$c: the same masked values as the copy"
			done
		fi
	else
		diag "$(tail -3 "$TMPD/ip.err")"
	fi
	eng_drop ${p}_ip
	eng_drop ${p}_src; eng_drop ${p}_tgt; eng_drop ${p}_dump
done
done_testing

#!/bin/bash
# harden_canary.sh - secrets never leak. The whole headless flow (catalog,
# scan with customer names, rules, plan, run into a database and into a dump,
# verify, rules export/report/history) runs on a source holding planted,
# unique PII values under a known key; then the workspace (and its -wal),
# every stdout and stderr, the dumps and every file the flow left in the test
# folder are searched: no planted value and no key anywhere. A key file
# readable by others is refused (exit 2, nothing written); mode 0600 works.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
tap_tmpdir
export PGTZ=UTC MASKBENCH_REVIEWER=canary

tok() { od -An -N6 -tx1 /dev/urandom | tr -d ' \n'; }

for e in $(harden_engines); do
	case $e in *-missing) fail "$e: test server not started (CI)"; continue ;; esac
	harden_setup "$e"
	p=mbt_harden_can_${e}_$$
	T=$(tok)                                   # appears in every planted value
	KEY="canary-key-$(tok)-$(tok)-$(tok)"
	export MASKBENCH_KEY=$KEY
	OUT="$TMPD/out_$e"; mkdir -p "$OUT"
	ws="$OUT/ws.db"
	NAME_F="Zorvath" NAME_L="Quillby${T}"
	EMAIL="zq.${T}@canary${T}.example.org"
	D=$(printf '%d' "0x${T:0:6}" | cut -c1-4)   # digits that vary per run
	PHONE="+44 20 7946 $D"
	CUSTOMER="Vexmoor${T} Holdings"
	printf '%s\n' "$CUSTOMER" "$NAME_F $NAME_L" > "$TMPD/customers_$e.txt"

	eng_create ${p}_src
	{
		echo "CREATE TABLE person (id INTEGER PRIMARY KEY, full_name VARCHAR(80) NOT NULL, email VARCHAR(120), phone VARCHAR(40), company VARCHAR(80), notes TEXT, status VARCHAR(10));"
		echo "CREATE TABLE ticket (id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES person(id), body TEXT);"
		for i in $(seq 1 40); do
			echo "INSERT INTO person VALUES ($i, '$NAME_F $NAME_L', 'u$i.$EMAIL', '$PHONE', '$CUSTOMER', 'call $NAME_F $NAME_L on $PHONE or at u$i.$EMAIL', 'open');"
			echo "INSERT INTO ticket VALUES ($i, $i, 'Customer $CUSTOMER wrote from u$i.$EMAIL about order $i');"
		done
	} | eng_load ${p}_src >/dev/null
	check $? "$e: source with planted values"
	eng_create ${p}_tgt
	SRC=$(eng_url ${p}_src) TGT=$(eng_url ${p}_tgt)
	m() { local n=$1; shift; "$MB" -w "$ws" "$@" >"$OUT/$n.out" 2>"$OUT/$n.err"; }

	m catalog catalog "$SRC" --format json
	check $? "$e: catalog"
	m scan scan "$SRC" --customers "$TMPD/customers_$e.txt" --full --format tsv
	check $? "$e: scan with customer names"
	m set1 rules set person.full_name --action fake_full_name --category person_name &&
	m set2 rules set person.email --action fake_email --category email &&
	m set3 rules set person.phone --action fake_phone --category phone &&
	m set4 rules set person.company --action fake_company --category company_name &&
	m set5 rules set person.notes --action redact_text --category free_text_pii &&
	m set6 rules set ticket.body --action redact_text --category free_text_pii &&
	m approve rules approve --all --note "canary run"
	check $? "$e: rules set and approved"
	m list rules list --format tsv
	m export rules export -o "$OUT/rules.yaml"
	m report rules report -o "$OUT/report.md"
	m history rules history
	m plan plan "$SRC" --format json --exact
	check $? "$e: plan"
	m run run "$SRC" "$TGT" --customers "$TMPD/customers_$e.txt" --progress lines
	is "$?" 0 "$e: run into a database, verified clean"
	m dump run "$SRC" "file://$OUT/dev.sql" --customers "$TMPD/customers_$e.txt" --progress lines
	is "$?" 0 "$e: run into a dump"
	m dumpgz run "$SRC" "file://$OUT/dev.sql.gz" --customers "$TMPD/customers_$e.txt" --progress bars
	is "$?" 0 "$e: run into a compressed dump"
	m verify verify "$TGT" --customers "$TMPD/customers_$e.txt"
	is "$?" 0 "$e: verify is clean"
	# A failing command's message must not carry values either.
	m badset rules set person.email --action regex_replace --param "pattern=($T" --param replacement=x
	m badrun run "$SRC" "$SRC" --progress lines

	# The target really got masked values (else the search below proves nothing).
	is "$(eng_sql ${p}_tgt "SELECT count(*) FROM person WHERE email LIKE '%$T%' OR full_name LIKE '%$T%' OR company LIKE '%$T%' OR notes LIKE '%$T%'")" 0 \
		"$e: no planted value in the target"
	is "$(eng_sql ${p}_tgt "SELECT count(*) FROM ticket WHERE body LIKE '%$T%'")" 0 \
		"$e: free text redacted in the target"
	is "$(eng_sql ${p}_tgt "SELECT count(*) FROM person WHERE status = 'open'")" 40 \
		"$e: unmasked columns arrived (the flow did run)"
	zcat "$OUT/dev.sql.gz" > "$OUT/dev_unzipped.sql" 2>/dev/null
	ok "$e: the dumps hold the rows" grep -q open "$OUT/dev.sql" "$OUT/dev_unzipped.sql"

	# The search: every file of this flow (workspace, -wal/-shm, outputs, dumps).
	hits=$(grep -rlaF -e "$T" "$OUT" "$HOME" 2>/dev/null; grep -rlaF -e "$KEY" "$OUT" "$HOME" 2>/dev/null)
	is "$hits" "" "$e: no planted value and no key in any file, output or dump"
	[ -n "$hits" ] && diag "$(grep -raoF -e "$T" -e "$KEY" $hits | head -5 | cut -c1-200)"
	ok "$e: the workspace was searched" test -s "$ws"
	keyhits=$(grep -rlaF -e "${KEY:11:12}" "$OUT" "$HOME" 2>/dev/null)
	is "$keyhits" "" "$e: not even a fragment of the key"

	# Key files: mode 0644 refused, nothing written; 0600 accepted.
	printf '%s\n' "$KEY" > "$TMPD/key_$e"
	chmod 644 "$TMPD/key_$e"
	before=$(eng_sql ${p}_tgt "SELECT count(*) FROM person")
	eng_sql ${p}_tgt "UPDATE person SET status = 'marker' WHERE id = 1" >/dev/null
	env -u MASKBENCH_KEY "$MB" -w "$ws" run "$SRC" "$TGT" --key-file "$TMPD/key_$e" --progress none >"$OUT/kf.out" 2>"$OUT/kf.err"
	is "$?" 2 "$e: a key file readable by others is refused (exit 2)"
	ok "$e: ... saying why" grep -Eqi "mode|permission|readable|0600" "$OUT/kf.err"
	is "$(eng_sql ${p}_tgt "SELECT status FROM person WHERE id = 1")" marker "$e: ... and the target is not touched"
	chmod 600 "$TMPD/key_$e"
	env -u MASKBENCH_KEY "$MB" -w "$ws" run "$SRC" "$TGT" --key-file "$TMPD/key_$e" --progress none >"$OUT/kf2.out" 2>"$OUT/kf2.err"
	is "$?" 0 "$e: a key file of mode 0600 is accepted"
	is "$(eng_sql ${p}_tgt "SELECT count(*) FROM person WHERE email = (SELECT email FROM person WHERE id = 1)")" 1 "$e: ... and masks"
	hits=$(grep -rlaF -e "$T" -e "$KEY" "$OUT" "$HOME" 2>/dev/null)
	is "$hits" "" "$e: no planted value or key after the key-file runs"
	eng_drop ${p}_src; eng_drop ${p}_tgt
done
done_testing

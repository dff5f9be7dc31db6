#!/bin/bash
# mask_transform.sh - `maskbench transform` from the outside: keys (none,
# demo, environment, owner-only file), line counts and \N, determinism,
# errors, shuffle, date_shift entities, and the Chinook customers (real
# data: skipped when ../shared/data is absent).
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
tap_tmpdir
unset MASKBENCH_KEY
KEY="transform test key 0123456789"

# --- keys ---------------------------------------------------------------
out=$(printf 'alice\n' | "$MB" transform hash 2>"$TMPD/err"); rc=$?
is "$rc" 2 "no key: exit 2"
ok "no key: the message names MASKBENCH_KEY and --key-file" grep -q 'MASKBENCH_KEY.*--key-file' "$TMPD/err"
is "$out" "" "no key: nothing on stdout"

out=$(printf 'alice\n' | "$MB" transform hash --demo-key 2>"$TMPD/err"); rc=$?
is "$rc" 0 "--demo-key runs"
ok "--demo-key says so on stderr" grep -q 'demo key' "$TMPD/err"
is "${#out}" 16 "hash of a short value has 16 characters"

printf '%s\n' "$KEY" >"$TMPD/key"
chmod 644 "$TMPD/key"
printf 'alice\n' | "$MB" transform hash --key-file "$TMPD/key" >/dev/null 2>"$TMPD/err"; rc=$?
is "$rc" 2 "a key file readable by others is refused"
ok "the refusal says how to fix it" grep -q 'chmod 600' "$TMPD/err"
chmod 600 "$TMPD/key"
a=$(printf 'alice\n' | "$MB" transform hash --key-file "$TMPD/key")
b=$(printf 'alice\n' | MASKBENCH_KEY="$KEY" "$MB" transform hash)
is "$a" "$b" "the key file (newline dropped) and MASKBENCH_KEY give the same key"
c=$(printf 'alice\n' | MASKBENCH_KEY="another key 0123456789" "$MB" transform hash)
ok "another key gives another output" test "$a" != "$c"
printf 'alice\n' | MASKBENCH_KEY="$KEY" "$MB" transform fake_email >/dev/null 2>"$TMPD/err"
ok "the key never reaches stderr" bash -c "! grep -q 'transform test key' '$TMPD/err'"

export MASKBENCH_KEY="$KEY"

# --- lines, NULL, determinism --------------------------------------------
printf 'a@b.co\n\\N\n\nn/a\nx@y.org\n' >"$TMPD/in"
"$MB" transform fake_email <"$TMPD/in" >"$TMPD/out1"
"$MB" transform fake_email <"$TMPD/in" >"$TMPD/out2"
is "$(wc -l <"$TMPD/out1")" 5 "same number of lines out as in"
is "$(sed -n 2p "$TMPD/out1")" '\N' "\\N (NULL) stays \\N"
ok "the same input gives the same output" cmp -s "$TMPD/out1" "$TMPD/out2"
ok "n/a is masked into an email" grep -qx '[a-z0-9.-]*@[a-z0-9.-]*' <(sed -n 4p "$TMPD/out1")

for action in hash uuid scramble fake_first_name fake_last_name fake_full_name fake_email \
	fake_phone fake_street fake_city fake_postal_code fake_company partial card iban \
	national_id ip date_shift generalize noise redact_text; do
	printf 'Alice 4111-1111-1111-1111\n\\N\n2020-01-31\n42\n\xff\xfe\n' |
		"$MB" transform "$action" >"$TMPD/o" 2>"$TMPD/err"
	rc=$?
	lines=$(wc -l <"$TMPD/o")
	if [ "$rc" -eq 0 ] && [ "$lines" -eq 5 ] && [ "$(sed -n 2p "$TMPD/o")" = '\N' ]; then
		pass "$action: 5 lines in, 5 out, NULL kept"
	else
		fail "$action: 5 lines in, 5 out, NULL kept (rc $rc, $lines lines)"
		sed 's/^/# /' "$TMPD/err"
	fi
done

# --- validity ------------------------------------------------------------
luhn_ok() {
	awk '{ s = 0; n = 0; gsub(/[^0-9]/, ""); for (i = length($0); i > 0; i--) {
		d = substr($0, i, 1) + 0; if (n % 2) { d *= 2; if (d > 9) d -= 9 } s += d; n++ }
		if (s % 10) bad++ } END { exit bad ? 1 : 0 }'
}
printf '4111 1111 1111 1111\n5500-0000-0000-0004\n378282246310005\n' | "$MB" transform card >"$TMPD/cards"
ok "cards pass Luhn" luhn_ok <"$TMPD/cards"
is "$(tr -d ' -' <"$TMPD/cards" | cut -c1-6 | tr '\n' ' ')" "411111 550000 378282 " "cards keep their issuer prefix"
is "$(tr '0-9' '#' <"$TMPD/cards" | tr '\n' ' ')" "#### #### #### #### ####-####-####-#### ############### " "cards keep their length and separators"
out=$(printf '+1 (555) 123-4567\n' | "$MB" transform fake_phone)
is "$(tr '0-9' '#' <<<"$out")" "+# (###) ###-####" "phones keep every non-digit in place"

# --- errors --------------------------------------------------------------
"$MB" transform frobnicate </dev/null 2>"$TMPD/err"; is "$?" 2 "an unknown action: exit 2"
ok "an unknown action is named" grep -q "unknown action 'frobnicate'" "$TMPD/err"
"$MB" transform hash --param colour=red </dev/null 2>"$TMPD/err"; is "$?" 2 "an unknown parameter: exit 2"
"$MB" transform regex_replace --param 'pattern=([a-z' </dev/null 2>"$TMPD/err"; is "$?" 2 "a bad regex: exit 2"
"$MB" transform sql --param expression='md5(x)' </dev/null 2>"$TMPD/err"; is "$?" 2 "sql is refused: the source engine evaluates it"
"$MB" transform --list >"$TMPD/list"
is "$(grep -c '^[a-z_][a-z_]* ' "$TMPD/list")" 28 "--list shows the 28 actions of SPEC §7"

# --- shuffle and date_shift ----------------------------------------------
seq 1 200 >"$TMPD/seq"
"$MB" transform shuffle <"$TMPD/seq" >"$TMPD/shuf"
ok "shuffle keeps the values (a permutation)" cmp -s <(sort -n "$TMPD/shuf") "$TMPD/seq"
ok "shuffle changes the order" bash -c "! cmp -s '$TMPD/shuf' '$TMPD/seq'"
printf '2024-01-10\tp1\n2024-01-20\tp1\n2024-01-10\tp2\n' |
	"$MB" transform date_shift --param entity=patient_id --with-entity >"$TMPD/dates"
d1=$(sed -n 1p "$TMPD/dates"); d2=$(sed -n 2p "$TMPD/dates")
is "$(( ($(date -ud "$d2" +%s) - $(date -ud "$d1" +%s)) / 86400 ))" 10 "one entity's dates keep their interval"

# --- real data: Chinook customers ------------------------------------------
DATA="$MB_SRCDIR/../shared/data/chinook"
if [ -d "$DATA" ] && command -v sqlite3 >/dev/null; then
	db="$TMPD/chinook.db"
	sqlite3 "$db" <"$DATA/Chinook_Sqlite.sql" >/dev/null 2>&1
	sqlite3 "$db" "SELECT Email FROM Customer ORDER BY CustomerId" >"$TMPD/emails"
	n=$(wc -l <"$TMPD/emails")
	ok "chinook: customers loaded ($n)" test "$n" -gt 50
	"$MB" transform fake_email --param keep_domain=true <"$TMPD/emails" >"$TMPD/m_emails"
	is "$(sort -u "$TMPD/m_emails" | wc -l)" "$(sort -u "$TMPD/emails" | wc -l)" "chinook: distinct emails stay distinct"
	ok "chinook: no original email survives" bash -c "! grep -qxFf '$TMPD/emails' '$TMPD/m_emails'"
	is "$(sed 's/.*@//' "$TMPD/m_emails" | md5sum)" "$(sed 's/.*@//' "$TMPD/emails" | tr A-Z a-z | md5sum)" "chinook: keep_domain keeps every domain"
	sqlite3 "$db" "SELECT Phone FROM Customer WHERE Phone IS NOT NULL ORDER BY CustomerId" >"$TMPD/phones"
	"$MB" transform fake_phone <"$TMPD/phones" >"$TMPD/m_phones"
	is "$(tr '0-9' '#' <"$TMPD/m_phones" | md5sum)" "$(tr '0-9' '#' <"$TMPD/phones" | md5sum)" "chinook: phones keep their punctuation"
	is "$(paste -d'\t' "$TMPD/phones" "$TMPD/m_phones" | awk -F'\t' '$1 == $2' | wc -l)" 0 "chinook: no phone maps to itself"
	# a masked key joins: Invoice.CustomerId -> Customer.CustomerId under hash
	sqlite3 "$db" "SELECT CustomerId FROM Customer" | "$MB" transform hash | sort -u >"$TMPD/pk"
	sqlite3 "$db" "SELECT DISTINCT CustomerId FROM Invoice" | "$MB" transform hash | sort -u >"$TMPD/fk"
	is "$(comm -13 "$TMPD/pk" "$TMPD/fk" | wc -l)" 0 "chinook: masked foreign keys still join the masked primary key"
	is "$(wc -l <"$TMPD/pk")" "$(sqlite3 "$db" 'SELECT count(*) FROM Customer')" "chinook: masked primary keys stay unique"
	sqlite3 "$db" "SELECT FirstName || ' ' || LastName FROM Customer" >"$TMPD/names"
	"$MB" transform fake_full_name <"$TMPD/names" >"$TMPD/m_names"
	is "$(paste -d'\t' "$TMPD/names" "$TMPD/m_names" | awk -F'\t' '$1 == $2' | wc -l)" 0 "chinook: no name maps to itself"
else
	diag "skipping Chinook checks: $DATA not found"
fi

done_testing

#!/usr/bin/env bash
# demo.sh - `maskbench demo` from the outside: where the demo database is
# built, that it is built once and rebuilt on request with identical content
# (sqlite3 .dump hashes), its options and exit codes, and that the catalog
# command reads it.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
tap_tmpdir
unset XDG_DATA_HOME

dump_hash() { sqlite3 "$1" .dump | sha256sum | cut -d' ' -f1; }

path=$("$MB" demo --path-only 2>"$TMPD/err")
check $? "demo --path-only exits 0"
is "$path" "$HOME/.local/share/maskbench/demo.db" "default location under HOME"
ok "the demo database exists" test -s "$path"
is "$(ls -A "$(dirname "$path")")" "demo.db" "no temporary files left next to it"

mtime=$(stat -c %Y.%i "$path")
path2=$("$MB" demo --path-only)
is "$path2" "$path" "second call prints the same path"
is "$(stat -c %Y.%i "$path")" "$mtime" "second call does not rebuild"

if command -v sqlite3 >/dev/null; then
	h1=$(dump_hash "$path")
	"$MB" demo --rebuild --path-only >/dev/null
	check $? "demo --rebuild --path-only exits 0"
	h2=$(dump_hash "$path")
	ok "rebuild produced a new file" test "$(stat -c %Y.%i "$path")" != "$mtime"
	is "$h2" "$h1" "rebuilt demo has the same .dump hash"
	n=$(sqlite3 "$path" "SELECT count(*) FROM order_items")
	ok "order_items has >= 10,000 rows ($n)" test "$n" -ge 10000
	is "$(sqlite3 "$path" 'PRAGMA foreign_key_check' | wc -l)" "0" "foreign_key_check is empty"
	# a stale demo (another generator version) is rebuilt on the next use
	version=$(sqlite3 "$path" 'PRAGMA user_version')
	sqlite3 "$path" "PRAGMA user_version = 0"
	"$MB" demo --path-only >/dev/null
	is "$(sqlite3 "$path" 'PRAGMA user_version')" "$version" "a stale demo is rebuilt"
	is "$(dump_hash "$path")" "$h1" "and holds the same content again"
else
	for i in 1 2 3 4 5 6 7; do pass "# SKIP sqlite3 command-line tool not installed"; done
fi

XDG_DATA_HOME="$TMPD/xdg" "$MB" demo --path-only >"$TMPD/out"
check $? "demo --path-only with XDG_DATA_HOME"
is "$(cat "$TMPD/out")" "$TMPD/xdg/maskbench/demo.db" "XDG_DATA_HOME is honoured"

"$MB" demo --help >"$TMPD/help"
check $? "demo --help exits 0"
ok "help mentions --rebuild" grep -q -- --rebuild "$TMPD/help"

"$MB" demo --bogus >/dev/null 2>"$TMPD/err"
is "$?" "2" "unknown option exits 2"
ok "and names the option" grep -q -- "--bogus" "$TMPD/err"
"$MB" demo extra >/dev/null 2>&1
is "$?" "2" "unexpected argument exits 2"

# A demo path that cannot be created: an IO error, exit 3.
: >"$TMPD/file"
XDG_DATA_HOME="$TMPD/file" "$MB" demo --path-only >/dev/null 2>"$TMPD/err"
is "$?" "3" "an impossible data folder exits 3"
ok "the message names the folder" grep -q "$TMPD/file" "$TMPD/err"

# The demo as a source: the catalog command sees its tables and keys.
"$MB" --workspace "$TMPD/ws.db" catalog "$path" --format tsv >"$TMPD/cat.tsv" 2>"$TMPD/err"
check $? "maskbench catalog reads the demo"
for t in customers orders order_items employees support_tickets settings; do
	ok "catalog lists $t" grep -q "$t" "$TMPD/cat.tsv"
done

done_testing

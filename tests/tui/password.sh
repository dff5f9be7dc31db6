#!/bin/bash
# The connect flow against a real MariaDB server: a user with a password
# and an address without one; the workbench asks with echo off, connects,
# and the password reaches neither the screen nor the workspace.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/tui/tmux.bash"
need_server MB_MYSQL_URL
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
tap_tmpdir

name="mbt_tui_pw_$$"
secret='Pw:@/x%Q9z'
hostport=${MB_MYSQL_URL#*://}
hostport=${hostport#*@}
hostport=${hostport%%/*}
my() {
	if [ -n "${MB_SERVERS_DIR:-}" ] && [ -f "$MB_SERVERS_DIR/my.cnf" ]; then
		mariadb --defaults-file="$MB_SERVERS_DIR/my.cnf" "$@"
	else
		mariadb -h "${hostport%:*}" -P "${hostport#*:}" -u root "$@"
	fi
}
cleanup_db() {
	my -e "DROP DATABASE IF EXISTS \`$name\`; DROP USER IF EXISTS '$name'@'%'; DROP USER IF EXISTS '$name'@'localhost';" 2>/dev/null
}
my -e "CREATE DATABASE \`$name\`;
CREATE USER '$name'@'%' IDENTIFIED BY '$secret';
CREATE USER '$name'@'localhost' IDENTIFIED BY '$secret';
GRANT ALL ON \`$name\`.* TO '$name'@'%';
GRANT ALL ON \`$name\`.* TO '$name'@'localhost';
CREATE TABLE \`$name\`.people (id INT PRIMARY KEY, full_name VARCHAR(80));
CREATE TABLE \`$name\`.visits (id INT PRIMARY KEY, person_id INT, FOREIGN KEY (person_id) REFERENCES \`$name\`.people(id));"
check $? "a MariaDB user with a password and a database are created"

tui_start 100 30 "$MBT" --workspace "$TMPD/ws.db" "mysql://$name@$hostport/$name"
ok "without a password the workbench asks for one" wait_for "Password for mysql://$name@"
keys -l "$secret"
ok "the password is not echoed" wait_for "Password for"
if screen | grep -qF -- "$secret"; then fail "no part of the screen shows the password"
else pass "no part of the screen shows the password"; fi
keys Enter
ok "with the password the catalog opens" wait_for "Catalog: 2 tables"
ok "the tables are listed" wait_for "visits"
if screen | grep -qF -- "$secret"; then fail "the password is not shown after connecting"
else pass "the password is not shown after connecting"; fi
keys Q
is "$(wait_exit)" 0 "Q quits with exit code 0"
tui_stop
if grep -aqF -- "$secret" "$TMPD/ws.db"; then fail "the workspace does not hold the password"
else pass "the workspace does not hold the password"; fi
if grep -aqF -- "mysql://$name@$hostport/$name" "$TMPD/ws.db"; then
	pass "the workspace records the address without the password"
else fail "the workspace records the address without the password"; fi

# a wrong password asks again and says why
tui_start 100 30 "$MBT" --workspace "$TMPD/ws.db" "mysql://$name@$hostport/$name"
ok "asked for a password again" wait_for "Password for"
keys -l "wrong-$secret"
keys Enter
ok "a wrong password is sent and refused" wait_for "using password: YES"
ok "the prompt is shown again" wait_for "Password for"
keys Escape
ok "Esc leaves the password prompt for the address" wait_for "Address:"
keys Escape
is "$(wait_exit)" 0 "Esc on the connect screen quits with exit code 0"
tui_stop

cleanup_db
done_testing

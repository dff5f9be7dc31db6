#!/bin/bash
# harden_pg_restart.sh - PostgreSQL restarted in the middle of a run. Uses a
# private server pair started with tests/lib/servers.sh in this test's own
# folder on free ports (never the shared servers): the run exits 3 with a
# clear message, the target is untouched, the workspace records the failed
# run, and the next run succeeds and removes the staging schemas.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
need_server MB_PG_URL
command -v pg_ctlcluster >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 ||
	{ echo "1..0 # SKIP PostgreSQL server binaries not installed"; exit 0; }
tap_tmpdir
export PGTZ=UTC MASKBENCH_KEY=harden-restart-key-0123456789abcdef
chmod 711 "$TMPD"
SRV="$TMPD/srv"
stop_servers() {
	"$MB_SRCDIR/tests/lib/servers.sh" stop "$SRV" >/dev/null 2>&1
	rm -rf "$TMPD"
}
trap stop_servers EXIT

free_port() {
	local port
	for _ in $(seq 1 200); do
		port=$((20000 + RANDOM % 20000))
		ss -ltn 2>/dev/null | grep -q ":$port " || { echo $port; return; }
	done
	return 1
}
MB_PG_PORT=$(free_port) MB_MYSQL_PORT=$(free_port) \
	"$MB_SRCDIR/tests/lib/servers.sh" start "$SRV" >"$TMPD/servers.log" 2>&1
check $? "a private PostgreSQL server started"
[ -f "$SRV/env" ] || { cat "$TMPD/servers.log"; done_testing; exit; }
. "$SRV/env"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_restart() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$pg_bin/pg_ctl" -D "$SRV/pg" -m fast -w restart >/dev/null 2>&1
	else
		"$pg_bin/pg_ctl" -D "$SRV/pg" -m fast -w restart >/dev/null 2>&1
	fi
}

harden_setup pg
p=mbt_harden_rst_$$
ws="$TMPD/ws.db"
big_prepare $p "$ws"
check $? "200k-row source generated on the private server"
SRC=$(eng_url ${p}_src) TGT=$(eng_url ${p}_tgt)
"$MB" -w "$ws" run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1
is "$?" 0 "a first complete run"
A=$(big_state ${p}_tgt)
big_next_generation ${p}_src

"$MB" -w "$ws" run "$SRC" "$TGT" --progress lines --no-verify >"$TMPD/run.out" 2>"$TMPD/run.err" &
pid=$!
if wait_for_line "$TMPD/run.err" 60 "copy (" $pid; then
	sleep 0.3
	pg_restart
	check $? "PostgreSQL restarted mid-run"
else
	fail "the run never reached the copy phase"
fi
wait $pid
is "$?" 3 "a run cut by a server restart exits 3"
ok "... with a clear message" grep -Eqi "maskbench:.*(connection|server|terminat)" "$TMPD/run.err"
diag "$(tail -1 "$TMPD/run.err")"
is "$(big_state ${p}_tgt)" "$A" "... the target is untouched"
is "$(last_outcome "$ws")" failed "... the workspace records the failed run"
"$MB" -w "$ws" run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1
is "$?" 0 "the next run succeeds"
is "$(staging_left ${p}_tgt)" 0 "... and no staging schema is left"
is "$(eng_sql ${p}_tgt "SELECT count(*) FROM tx WHERE memo LIKE 'gen2 %'")" \
	"$(eng_sql ${p}_src "SELECT count(*) FROM tx")" "... the target holds the new state"
eng_drop ${p}_src; eng_drop ${p}_tgt
done_testing

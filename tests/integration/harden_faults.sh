#!/bin/bash
# harden_faults.sh - interrupted and failing runs on every engine:
#  - Ctrl-C (SIGINT) mid-copy: exit 130 promptly, the previous target intact,
#    no staging left, the run recorded as cancelled;
#  - MariaDB KILL CONNECTION of the run's connections mid-copy: exit 3 with a
#    clear message, the target intact, the run recorded as failed;
#  - a dump target on a full filesystem (a 1 MB tmpfs; needs root): a clear
#    error, exit 3, nothing under the final name and no temporary file left.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
tap_tmpdir
export PGTZ=UTC MASKBENCH_KEY=harden-faults-key-0123456789abcdef
MNT=
cleanup() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT

# Starts a run in the background with progress lines into $TMPD/bg.err;
# waits for the copy phase. Sets BG_PID.
start_run_bg() {
	local ws=$1 src=$2 tgt=$3
	: > "$TMPD/bg.err"
	"$MB" -w "$ws" run "$src" "$tgt" --progress lines --no-verify >"$TMPD/bg.out" 2>"$TMPD/bg.err" &
	BG_PID=$!
	wait_for_line "$TMPD/bg.err" 60 "copy (" $BG_PID
}

for e in $(harden_engines); do
	case $e in *-missing) fail "$e: test server not started (CI)"; continue ;; esac
	harden_setup "$e"
	p=mbt_harden_flt_${e}_$$
	ws="$TMPD/ws_$e.db"
	big_prepare $p "$ws"
	check $? "$e: 200k-row source generated"
	SRC=$(eng_url ${p}_src) TGT=$(eng_url ${p}_tgt)
	"$MB" -w "$ws" run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1
	is "$?" 0 "$e: a first complete run"
	A=$(big_state ${p}_tgt)
	big_next_generation ${p}_src

	# Ctrl-C.
	if start_run_bg "$ws" "$SRC" "$TGT"; then
		sleep 0.3
		t0=$(date +%s%N)
		kill -INT $BG_PID
		wait $BG_PID
		rc=$?
		ms=$((($(date +%s%N) - t0) / 1000000))
		is "$rc" 130 "$e: Ctrl-C mid-copy exits 130"
		diag "$e: exited ${ms} ms after SIGINT"
		ok "$e: ... within 10 s of the signal" test "$ms" -lt 10000
		ok "$e: ... saying it was cancelled" grep -qi "cancel" "$TMPD/bg.err"
		is "$(big_state ${p}_tgt)" "$A" "$e: ... the previous target is intact"
		is "$(staging_left ${p}_tgt)" 0 "$e: ... the staging area is cleaned up"
		is "$(last_outcome "$ws")" cancelled "$e: ... the run is recorded as cancelled"
	else
		fail "$e: the run never reached the copy phase"; wait $BG_PID
	fi

	# MariaDB: the server kills the run's connections.
	if [ "$e" = mysql ]; then
		if start_run_bg "$ws" "$SRC" "$TGT"; then
			sleep 0.3
			ids=$(eng_sql ${p}_src "SELECT id FROM information_schema.processlist WHERE db IN ('${p}_src', '${p}_tgt', '${p}_tgt__mb_staging') AND id <> CONNECTION_ID()")
			for id in $ids; do $MYSQL -e "KILL CONNECTION $id" 2>/dev/null; done
			ok "$e: the run's connections were found and killed ($(echo $ids | wc -w))" test -n "$ids"
			wait $BG_PID
			rc=$?
			is "$rc" 3 "$e: KILL CONNECTION mid-run exits 3"
			ok "$e: ... with a clear message" grep -Eqi "connection|server|lost|gone" "$TMPD/bg.err"
			diag "$(tail -1 "$TMPD/bg.err")"
			is "$(big_state ${p}_tgt)" "$A" "$e: ... the target is untouched"
			is "$(last_outcome "$ws")" failed "$e: ... the workspace records the failed run"
			"$MB" -w "$ws" run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1
			is "$?" 0 "$e: the next run succeeds"
			is "$(staging_left ${p}_tgt)" 0 "$e: ... and no staging database is left"
		else
			fail "$e: the run never reached the copy phase"; wait $BG_PID
		fi
	fi

	# A dump target on a full filesystem.
	if [ "$e" != mysql ] && [ "$(id -u)" = 0 ]; then
		MNT="$TMPD/full"
		mkdir -p "$MNT"
		if mount -t tmpfs -o size=1m tmpfs "$MNT" 2>/dev/null; then
			for f in dev.sql dev.sql.gz; do
				"$MB" -w "$ws" run "$SRC" "file://$MNT/$f" --progress none >/dev/null 2>"$TMPD/full.err"
				is "$?" 3 "$e: $f on a full filesystem exits 3"
				ok "$e: ... with a clear error: the cause (no space left)" grep -qi "maskbench:.*space" "$TMPD/full.err"
				ok "$e: ... and the file" grep -q "maskbench:.*$f" "$TMPD/full.err"
				diag "$(head -2 "$TMPD/full.err")"
				ok "$e: ... nothing under the final name" test ! -e "$MNT/$f"
				is "$(ls -A "$MNT" | wc -l)" 0 "$e: ... and no temporary file left"
			done
			umount "$MNT"
			MNT=
		else
			pass "# SKIP $e: cannot mount a tmpfs here"
		fi
	fi
	eng_drop ${p}_src; eng_drop ${p}_tgt
done
done_testing

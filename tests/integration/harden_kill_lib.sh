# harden_kill_lib.sh - SIGKILL at ten random moments of a run (source it
# after tap.sh and harden_lib.sh, then call kill_suite ENGINE): the target
# always holds either the previous complete state or the new complete state
# (row counts, generation stamps, every foreign key resolves, masked emails
# masked), and the next run succeeds and leaves no staging behind.
# HARDEN_KILLS overrides the number of kills (default 10).
kill_suite() {
	local e=$1 p ws SRC TGT t0 ms A S B= landed=0 delay pid i
	local kills=${HARDEN_KILLS:-10}
	export PGTZ=UTC MASKBENCH_KEY=harden-kill-key-0123456789abcdef
	harden_setup "$e"
	p=mbt_harden_kill_${e}_$$
	ws="$TMPD/ws_$e.db"
	big_prepare $p "$ws"
	check $? "$e: 200k-row source generated and rules approved"
	SRC=$(eng_url ${p}_src) TGT=$(eng_url ${p}_tgt)

	t0=$(date +%s%N)
	"$MB" -w "$ws" run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>"$TMPD/first.err"
	is "$?" 0 "$e: first run (the previous state)"
	ms=$((($(date +%s%N) - t0) / 1000000))
	diag "$e: an uninterrupted run takes ${ms} ms"
	A=$(big_state ${p}_tgt)
	big_next_generation ${p}_src
	check $? "$e: source moved to generation 2"

	for i in $(seq 1 "$kills"); do
		delay=$(( (RANDOM * 32768 + RANDOM) % (ms * 11 / 10 + 1) ))
		"$MB" -w "$ws" run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		kill -9 $pid 2>/dev/null && landed=$((landed + 1))
		wait $pid 2>/dev/null
		S=$(big_state ${p}_tgt)
		if [ "$S" = "$A" ]; then
			pass "$e: kill $i at ${delay} ms: the previous complete state"
		elif [ -z "${B:-}" ] && [[ "$S" == *" gen1=0 "*" orphans=0 plain_emails=0" ]] &&
			[[ "$S" == *" tx=$(eng_sql ${p}_src "SELECT count(*) FROM tx") "* ]] &&
			[[ "$S" == "acct=$(eng_sql ${p}_src "SELECT count(*) FROM acct") "* ]]; then
			B=$S
			pass "$e: kill $i at ${delay} ms: the new complete state"
		elif [ "$S" = "${B:-}" ]; then
			pass "$e: kill $i at ${delay} ms: the new complete state"
		else
			fail "$e: kill $i at ${delay} ms: the target is neither state"
			diag "previous: $A" "now:      $S"
		fi
	done
	diag "$e: $landed of $kills kills landed while the run was alive"
	ok "$e: most kills landed mid-run" test "$landed" -ge $((kills / 2))

	"$MB" -w "$ws" run "$SRC" "$TGT" --progress none --no-verify >/dev/null 2>"$TMPD/last.err"
	is "$?" 0 "$e: the run after the kills succeeds"
	S=$(big_state ${p}_tgt)
	ok "$e: ... with the new state ($S)" \
		test "$S" = "acct=$(eng_sql ${p}_src "SELECT count(*) FROM acct") tx=$(eng_sql ${p}_src "SELECT count(*) FROM tx") gen1=0 gen2=$(eng_sql ${p}_src "SELECT count(*) FROM tx") orphans=0 plain_emails=0"
	is "$(staging_left ${p}_tgt)" 0 "$e: no staging schema, database or file is left behind"
	eng_drop ${p}_src; eng_drop ${p}_tgt
}

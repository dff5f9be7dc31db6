#!/bin/bash
# harden_inplace_faults.sh - interrupted in-place runs (job_run_in_place works
# in one transaction): Ctrl-C exits 130 and rolls back; SIGKILL at random
# moments leaves the clone either exactly as it was or completely subset
# and masked, never half masked.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
. "$MB_SRCDIR/tests/integration/harden_lib.sh"
tap_tmpdir
export PGTZ=UTC MASKBENCH_KEY=harden-inplace-key-0123456789abcdef MASKBENCH_REVIEWER=tester

for e in $(harden_engines); do
	case $e in *-missing) fail "$e: test server not started (CI)"; continue ;; esac
	harden_setup "$e"
	p=mbt_harden_ipf_${e}_$$
	# Interrupted in-place runs: one transaction, so the clone is either as
	# it was or completely subset and masked (never half masked).
	ENGINE=$e
	big_prepare ${p}_b "$TMPD/ws_big_$e.db" 60000 >/dev/null 2>&1
	check $? "$e: big source for interrupted in-place runs"
	printf 'maskbench: 1\nsubset:\n  roots:\n    - {table: acct, where: "id %% 2 = 0"}\n  children: [tx]\n' > "$TMPD/big_subset.yaml"
	FULL=$(big_state ${p}_b_src)
	eng_clone ${p}_b_src ${p}_b_ip
	"$MB" -w "$TMPD/ws_bip_$e.db" catalog "$(eng_url ${p}_b_ip)" >/dev/null &&
	"$MB" -w "$TMPD/ws_bip_$e.db" rules set acct.email --action fake_email --category email >/dev/null &&
	"$MB" -w "$TMPD/ws_bip_$e.db" rules set acct.name --action fake_full_name --category person_name >/dev/null &&
	"$MB" -w "$TMPD/ws_bip_$e.db" rules approve --all >/dev/null &&
	"$MB" -w "$TMPD/ws_bip_$e.db" rules import "$TMPD/big_subset.yaml" >/dev/null
	check $? "$e: in-place workspace for the big clone"
	t0=$(date +%s%N)
	mb_inplace "$TMPD/ws_bip_$e.db" "$(eng_url ${p}_b_ip)" --force --no-verify >/dev/null 2>"$TMPD/bip.err"
	is "$?" 0 "$e: in-place on the big clone"
	ms=$((($(date +%s%N) - t0) / 1000000))
	diag "$e: in-place on 66k rows takes $ms ms"
	DONE=$(big_state ${p}_b_ip)
	ok "$e: ... half the accounts, every FK resolves, no plain email ($DONE)" \
		test "$DONE" = "acct=3000 tx=30000 gen1=30000 gen2=0 orphans=0 plain_emails=0"
	# Ctrl-C at a quarter of the time.
	eng_clone ${p}_b_src ${p}_b_ip
	mb_inplace_exec "$TMPD/ws_bip_$e.db" "$(eng_url ${p}_b_ip)" --force --no-verify >/dev/null 2>"$TMPD/bip.err" &
	pid=$!
	sleep "$(printf '%d.%03d' $((ms / 4000)) $((ms / 4 % 1000)))"
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	S=$(big_state ${p}_b_ip)
	if [ "$rc" = 0 ]; then
		is "$S" "$DONE" "$e: in-place finished before Ctrl-C: complete"
	else
		is "$rc" 130 "$e: Ctrl-C mid in-place exits 130"
		is "$S" "$FULL" "$e: ... and the clone is exactly as it was (rolled back)"
	fi
	for i in 1 2 3; do
		eng_clone ${p}_b_src ${p}_b_ip || fail "$e: clone for kill $i"
		delay=$(( (RANDOM * 32768 + RANDOM) % (ms + 1) ))
		mb_inplace_exec "$TMPD/ws_bip_$e.db" "$(eng_url ${p}_b_ip)" --force --no-verify >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		S=$(big_state ${p}_b_ip)
		ok "$e: SIGKILL $i at $delay ms of in-place: the clone is untouched or complete" \
			test "$S" = "$FULL" -o "$S" = "$DONE"
		[ "$S" = "$FULL" ] || [ "$S" = "$DONE" ] || diag "state: $S"
	done
	eng_drop ${p}_b_src; eng_drop ${p}_b_tgt; eng_drop ${p}_b_ip
done
done_testing

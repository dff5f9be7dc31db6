#!/bin/bash
# replay.sh - replays the seed corpus of every fuzz target built in this tree
# (the gcc build links them with replay_main.c): one test point per target.
. "${MB_SRCDIR:-$(dirname "$0")/../..}/tests/lib/tap.sh"
found=0
for target in "$MB_BUILDDIR"/tests/fuzz/fuzz_*; do
	[ -x "$target" ] && [ -f "$target" ] || continue
	case "$target" in *.o|*.c) continue ;; esac
	name=$(basename "$target")
	corpus="$MB_SRCDIR/tests/fuzz/corpus/${name#fuzz_}"
	[ -d "$corpus" ] || { fail "$name has a seed corpus"; continue; }
	found=$((found + 1))
	out=$("$target" "$corpus" 2>&1); rc=$?
	n=$(grep -c '^ok ' <<<"$out")
	if [ "$rc" -eq 0 ] && ! grep -q '^not ok' <<<"$out" && [ "$n" -gt 0 ]; then
		pass "$name replays $n corpus inputs"
	else
		fail "$name replays its corpus"; echo "$out" | tail -n 20 | sed 's/^/# /'
	fi
done
[ "$found" -gt 0 ] || fail "fuzz targets were built"
done_testing

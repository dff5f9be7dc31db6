#!/bin/bash
# fuzz: builds the libFuzzer targets with clang (ASan+UBSan) and runs each
# for MB_FUZZ_SECONDS (default 60) from its seed corpus in tests/fuzz/corpus.
set -euo pipefail
build=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${MB_FUZZ_SECONDS:-60}
dir="$build-fuzz"
mkdir -p "$dir"
if [ ! -f "$dir/Makefile" ]; then
	(cd "$dir" && CC=clang "$top/configure" -q --enable-fuzzing --enable-sanitizers)
fi
make -C "$dir" -j"$(nproc)" fuzz-targets >/dev/null
status=0
for target in "$dir"/tests/fuzz/fuzz_*; do
	[ -x "$target" ] || continue
	name=$(basename "$target")
	corpus="$top/tests/fuzz/corpus/${name#fuzz_}"
	work=$(mktemp -d)
	[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
	echo "== $name for ${secs}s"
	if ! "$target" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576 \
		-print_final_stats=1 "$work" >"$dir/$name.log" 2>&1; then
		echo "FAIL: $name"; tail -n 40 "$dir/$name.log"; status=1
	else
		grep -E 'stat::number_of_executed_units|cov:' "$dir/$name.log" | tail -n 2
	fi
	rm -rf "$work"
done
exit $status

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
# Targets run in parallel, one per core, each for $secs seconds.
run_target() {
	local target=$1 name corpus work
	name=$(basename "$target")
	corpus="$top/tests/fuzz/corpus/${name#fuzz_}"
	work=$(mktemp -d)
	[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
	if "$target" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=1048576 \
		-print_final_stats=1 "$work" >"$dir/$name.log" 2>&1; then
		echo "ok: $name $(grep -E 'stat::number_of_executed_units' "$dir/$name.log" | tail -n 1)"
		rm -rf "$work"
	else
		echo "FAIL: $name"; tail -n 40 "$dir/$name.log"
		rm -rf "$work"
		return 1
	fi
}
export -f run_target
export dir top secs
targets=()
for t in "$dir"/tests/fuzz/fuzz_*; do
	[ -x "$t" ] && [ -f "$t" ] && targets+=("$t")
done
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets built"; exit 1; }
printf '%s\n' "${targets[@]}" | xargs -P "$(nproc)" -I{} bash -c 'run_target "$1"' _ {}

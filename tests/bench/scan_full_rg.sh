#!/bin/bash
# scan_full_rg.sh - benchmark: `maskbench scan --full` throughput against
# ripgrep running the same category patterns (rg -P, whole lines) over the
# same values exported as text, in one run. Prints MB/s of both and the
# ratio; never asserts. ROWS (default 1,000,000; MB_BENCH_SCALE=small:
# 100,000) values in a SQLite table.
set -u
MB="${MB_BUILDDIR:-.}/maskbench"
SRC="${MB_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
ROWS=${ROWS:-1000000}
[ "${MB_BENCH_SCALE:-}" = small ] && ROWS=100000
command -v rg >/dev/null || { echo "rg (ripgrep) not installed: skipped"; exit 0; }
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed: skipped"; exit 0; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

sqlite3 "$TMP/v.db" <<SQL
CREATE TABLE v(val TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO v SELECT CASE i % 6
  WHEN 0 THEN 'user' || i || '@mail' || (i % 97) || '.com'
  WHEN 1 THEN '+1 (415) 555-' || printf('%04d', i % 10000)
  WHEN 2 THEN 'order ' || i || ' shipped on time to the warehouse'
  WHEN 3 THEN '10.' || (i % 250) || '.' || (i % 200) || '.' || (i % 100)
  WHEN 4 THEN lower(hex(randomblob(16)))
  ELSE 'Product ' || i END FROM n;
SQL
sqlite3 "$TMP/v.db" "SELECT val FROM v" > "$TMP/values.txt"
bytes=$(wc -c < "$TMP/values.txt")

# The same patterns as the categories (anchored: whole lines).
args=()
while IFS= read -r re; do args+=(-e "$re"); done < <(grep -h '^regex: ' "$SRC"/share/categories/*.cat | sed 's/^regex: //')
# CPU time (user + sys) of each tool, median of RUNS: the figure that
# survives a loaded machine. The first maskbench run also fills the
# prefilter cache (~/.cache/maskbench), as any first scan would.
RUNS=${RUNS:-3}
TIMEFORMAT='%U %S'
cpu_of() { # command...: prints user+sys seconds
	local t
	t=$( { time "$@" > /dev/null 2>> "$TMP/err"; } 2>&1 )
	echo "$t" | awk '{ printf "%.3f\n", $1 + $2 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rg -P -x -c "${args[@]}" "$TMP/values.txt" > "$TMP/rg.count" 2> "$TMP/rg.err"
"$MB" --workspace "$TMP/ws0.db" scan "$TMP/v.db" --full --format tsv > "$TMP/scan.tsv"
rc=$?
rg_s=$(for i in $(seq "$RUNS"); do cpu_of rg -P -x -c "${args[@]}" "$TMP/values.txt"; done | median)
mb_s=$(for i in $(seq "$RUNS"); do rm -f "$TMP/ws.db"; cpu_of "$MB" --workspace "$TMP/ws.db" scan "$TMP/v.db" --full --format tsv; done | median)

mbps() { echo "scale=1; $bytes / 1000000 / $1" | bc; }
echo "values: $ROWS rows, $bytes bytes; ${#args[@]} rg arguments ($(( ${#args[@]} / 2 )) patterns)"
echo "CPU seconds, median of $RUNS runs:"
echo "rg -P -x: $rg_s s, $(mbps "$rg_s") MB/s, lines matched $(cat "$TMP/rg.count" 2>/dev/null || echo ?)"
[ -s "$TMP/rg.err" ] && echo "rg: $(head -c 200 "$TMP/rg.err")"
echo "maskbench scan --full: exit $rc, $mb_s s, $(mbps "$mb_s") MB/s (reads SQLite, validates, scores, stores)"
echo "ratio maskbench/rg: $(echo "scale=2; $rg_s / $mb_s" | bc)x"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

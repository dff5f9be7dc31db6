#!/bin/bash
# static: cppcheck and clang-tidy over every C file of the program.
set -euo pipefail
build=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
for tool in cppcheck clang-tidy; do
	command -v "$tool" >/dev/null || { echo "$tool is not installed"; exit 1; }
done
files=$(git ls-files 'core/*.c' 'scanner/*.c' 'rules/*.c' 'tui/*.c' 'share/*.c' 2>/dev/null ||
	find core scanner rules tui share -name '*.c')
inc=(-I. -I"$build" -DMB_PKGDATADIR=\"/usr/share/maskbench\" -DMB_SRCSHAREDIR=\"$top/share\" $(pkg-config --cflags-only-I libpq libmariadb sqlite3 libpcre2-8 yaml-0.1 libcrypto libutf8proc libhs ncursesw 2>/dev/null))
echo "== cppcheck"
# shellcheck disable=SC2086
cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem -D__GNUC__ -D_GNU_SOURCE \
	"${inc[@]}" $files
echo "== clang-tidy"
# Several files per process, one process per core: the analyzer is the slow
# part. There is no compilation database: flags come as --extra-arg. The
# verdict is any diagnostic clang-tidy reports in our own files.
set +e
# shellcheck disable=SC2086
printf '%s\n' $files | xargs -P "$(nproc)" -n 4 clang-tidy --quiet \
	--extra-arg=-std=c11 --extra-arg=-D_GNU_SOURCE $(printf -- '--extra-arg=%s ' "${inc[@]}") \
	>"$build/clang-tidy.out" 2>&1
findings=$(grep -E "^$top/(core|scanner|rules|tui|share)/[^:]+:[0-9]+:[0-9]+: (warning|error):" "$build/clang-tidy.out")
if [ -n "$findings" ]; then
	grep -A6 -E "^$top/(core|scanner|rules|tui|share)/[^:]+:[0-9]+:[0-9]+: (warning|error):" "$build/clang-tidy.out"
	exit 1
fi
echo "clang-tidy: no findings in $(printf '%s\n' $files | wc -l) files"

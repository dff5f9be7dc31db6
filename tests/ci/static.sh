#!/bin/bash
# static: cppcheck and clang-tidy over every C file of the program.
set -euo pipefail
build=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
files=$(git ls-files 'core/*.c' 'scanner/*.c' 'rules/*.c' 'tui/*.c' 'share/*.c' 2>/dev/null ||
	find core scanner rules tui share -name '*.c')
inc=(-I. -I"$build" $(pkg-config --cflags-only-I libpq libmariadb sqlite3 libpcre2-8 yaml-0.1 libcrypto libutf8proc libhs ncursesw 2>/dev/null))
echo "== cppcheck"
# shellcheck disable=SC2086
cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem -D__GNUC__ -D_GNU_SOURCE \
	"${inc[@]}" $files
echo "== clang-tidy"
# Several files per process, one process per core: the analyzer is the slow part.
set +e
# shellcheck disable=SC2086
printf '%s\n' $files | xargs -P "$(nproc)" -n 4 clang-tidy --quiet --warnings-as-errors='*' \
	--extra-arg=-std=c11 --extra-arg=-D_GNU_SOURCE $(printf -- '--extra-arg=%s ' "${inc[@]}") \
	>"$build/clang-tidy.out" 2>&1
status=$?
grep -v -E '^[0-9]+ warnings? generated|^Suppressed|^Use -header-filter|compilation database|^Could not auto-detect|^Running without flags' "$build/clang-tidy.out"
exit "$status"

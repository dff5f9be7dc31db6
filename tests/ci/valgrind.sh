#!/bin/bash
# valgrind (CI stage; tests/ci/valgrind.sh BUILD_DIR): the headless commands on the demo
# database, under memcheck with
# full leak checking. Any memory error or definite/indirect leak fails.
set -uo pipefail
build=$1
mb="$build/maskbench"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
# PCRE2 JIT code is opaque to memcheck; the interpreter gives the same results.
export MASKBENCH_NO_JIT=1 MASKBENCH_CACHE=off
export HOME="$work" MASKBENCH_KEY=valgrind-test-key-0123456789abcdef MASKBENCH_REVIEWER=ci
vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
	--show-leak-kinds=definite,indirect
	--suppressions="$here/valgrind.supp")
status=0
run() { # NAME CMD... (stdin from $input if set)
	local name=$1; shift
	"${vg[@]}" "$@" <"${input:-/dev/null}" >"$work/out" 2>"$work/err"
	local rc=$?
	if [ "$rc" = 99 ] || grep -q 'ERROR SUMMARY: [1-9]' "$work/err"; then
		echo "FAIL: $name"; cat "$work/err" | head -n 60; status=1
	else
		echo "ok: $name (exit $rc)"
	fi
}
demo=$("$mb" demo --path-only) || { echo "cannot build the demo"; exit 1; }
cp "$demo" src.db
printf 'alice@example.org\n4111 1111 1111 1111\n\\N\nn/a\n' >values.txt
run version "$mb" --version
run catalog "$mb" catalog src.db --format json
run scan "$mb" scan src.db --customers "$here/../../share/demo/customers.txt" --format tsv
run rules-list "$mb" rules list --format tsv
run rules-export "$mb" rules export -o rules.yaml
run rules-import "$mb" rules import rules.yaml
run rules-approve "$mb" rules approve --all --reviewer ci
run rules-report "$mb" rules report -o report.md
input=values.txt run transform-hash "$mb" transform hash
input=values.txt run transform-email "$mb" transform fake_email
run plan "$mb" plan src.db --format tsv
run preview "$mb" preview src.db customers --rows 5
run run "$mb" run src.db target.db
run verify "$mb" verify target.db
run bad-url "$mb" catalog 'postgresql://u:pw@h:notaport/db'
exit $status

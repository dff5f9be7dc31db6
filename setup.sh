#!/bin/bash
# setup.sh - the two commands of the README, for a fresh Debian 12 machine.
#
#   ./setup.sh demo    install what is missing, build, open the workbench on the demo
#   ./setup.sh test    the same, plus PostgreSQL 15 and MariaDB servers, then every test
#   ./setup.sh build   install what is missing and build only
#
# Builds out of tree in _build/ (the binary is _build/maskbench). The test
# servers are private instances under _build/servers, on 127.0.0.1 only.
# `test` runs the whole suite once, in an ASan+UBSan build (_build-asan), then
# the stages of tests/ci/ against the plain build: distcheck, fuzzing,
# static analysis, valgrind. Options: MB_SANITIZE=0 runs the suite in the
# plain build instead, MB_FUZZ_SECONDS sets each fuzz target's time (default
# 60), MB_DISTCHECK=0 skips distcheck.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
mode=${1:-demo}

build_pkgs=(build-essential autoconf automake libtool pkg-config
	libncurses-dev libpq-dev libmariadb-dev libsqlite3-dev libpcre2-dev
	libyaml-dev libssl-dev libutf8proc-dev libvectorscan-dev libcmocka-dev sqlite3)
test_pkgs=(postgresql postgresql-client mariadb-server mariadb-client tmux
	valgrind clang libclang-rt-dev clang-tidy cppcheck gzip procps)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing: ${missing[*]}"
	local sudo=()
	[ "$(id -u)" = 0 ] || sudo=(sudo)
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# Do not let package scripts start the machine's own servers: ours are private.
	local own_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
		"${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
		own_policy=1
	fi
	local rc=0
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
	[ "$own_policy" = 1 ] && "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
	return "$rc"
}

build() { # build DIR [configure options...]
	local dir=$1; shift
	[ -x configure ] && [ configure -nt configure.ac ] || { say "autoreconf"; autoreconf -fi >/dev/null 2>&1 || autoreconf -fi; }
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		say "configure ($dir) $*"
		(cd "$dir" && "$top/configure" -q "$@")
	fi
	say "make ($dir)"
	make -C "$dir" -j"$(nproc)" >/dev/null
}

# Counts the TAP test points of a finished `make check` (from the .trs files).
count_results() { # DIR -> "passed failed"
	local p f
	# cat first: grep exits 1 when nothing matches, which is a count of 0.
	p=$(find "$1" -name '*.trs' -exec cat {} + 2>/dev/null | grep -c '^:test-result: \(PASS\|XFAIL\)' || true)
	f=$(find "$1" -name '*.trs' -exec cat {} + 2>/dev/null | grep -c '^:test-result: \(FAIL\|XPASS\|ERROR\)' || true)
	echo "${p:-0} ${f:-0}"
}

case "$mode" in
build)
	install_missing "${build_pkgs[@]}"
	build _build --enable-werror
	;;
demo)
	install_missing "${build_pkgs[@]}"
	build _build
	exec _build/maskbench demo
	;;
test)
	install_missing "${build_pkgs[@]}" "${test_pkgs[@]}"
	build _build --enable-werror
	say "starting PostgreSQL and MariaDB (private, 127.0.0.1)"
	tests/lib/servers.sh start "$top/_build/servers"
	# shellcheck disable=SC1091
	. "$top/_build/servers/env"
	trap 'tests/lib/servers.sh stop "$top/_build/servers"' EXIT
	export CI=${CI:-true}
	passed=0 failed=0

	suite=_build
	if [ "${MB_SANITIZE:-1}" != 0 ]; then
		suite=_build-asan
		build "$suite" --enable-werror --enable-sanitizers
	fi

	# Static analysis and valgrind need no servers and about one core each:
	# they run alongside the suite, which spends much of its time waiting on
	# servers and terminals. Their verdicts are read in order below.
	alongside="static valgrind"
	for name in $alongside; do
		( t0=$SECONDS; rc=0
		  "tests/ci/$name.sh" "$top/_build" >"_build/$name.out" 2>&1 || rc=$?
		  echo "$rc $((SECONDS - t0))" >"_build/$name.rc" ) &
	done

	if [ "$suite" != _build ]; then
		# Reports go to files, so that processes whose stderr a test swallows
		# or that run inside tmux are caught too; any report fails CI.
		rm -rf "$top/$suite/sanitizer"; mkdir -p "$top/$suite/sanitizer"
		export ASAN_OPTIONS=detect_leaks=1:exitcode=86:log_path=$top/$suite/sanitizer/asan
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$top/$suite/sanitizer/ubsan
	fi
	say "test suite ($suite)"
	find "$suite" -name '*.trs' -delete
	t0=$SECONDS
	make -C "$suite" -j"$(nproc)" check >"$suite/check.out" 2>&1 || true
	echo "test suite: $((SECONDS - t0)) s"
	grep -E '^(PASS|FAIL|ERROR|SKIP|XFAIL|XPASS|# )' "$suite/check.out" | grep -v '^PASS' || true
	if [ -n "$(ls -A "$suite/sanitizer" 2>/dev/null)" ]; then
		say "sanitizer reports"
		head -n 40 "$suite"/sanitizer/*
		failed=$((failed + $(ls "$suite/sanitizer" | wc -l)))
	fi
	read -r p f < <(count_results "$suite")
	passed=$((passed + p)); failed=$((failed + f))
	unset ASAN_OPTIONS UBSAN_OPTIONS
	# What cannot be measured under the sanitizers (resident memory) runs
	# again in the plain build.
	plain=$(grep -l '# SKIP under ASan' $(find "$suite" -name '*.log' ! -name test-suite.log) 2>/dev/null |
		sed "s|^$suite/||; s|\.log\$||" | tr '\n' ' ')
	if [ "$suite" != _build ] && [ -n "$plain" ]; then
		say "in the plain build: $plain"
		# shellcheck disable=SC2086
		make -C _build -j"$(nproc)" check TESTS="$plain" >_build/check-plain.out 2>&1 || true
		grep -E '^(FAIL|ERROR|XPASS)' _build/check-plain.out || true
		p=$(grep -c '^PASS' _build/check-plain.out || true)
		f=$(grep -cE '^(FAIL|ERROR|XPASS)' _build/check-plain.out || true)
		passed=$((passed + p)); failed=$((failed + f))
	fi

	for extra in tests/ci/*.sh; do
		[ -x "$extra" ] || continue
		name=$(basename "$extra" .sh)
		say "$name"
		if [[ " $alongside " == *" $name "* ]]; then
			wait
			read -r rc secs <"_build/$name.rc"
		else
			t0=$SECONDS; rc=0
			"$extra" "$top/_build" >"_build/$name.out" 2>&1 || rc=$?
			secs=$((SECONDS - t0))
		fi
		if [ "$rc" = 0 ]; then
			passed=$((passed + 1)); echo "PASS: $extra ($secs s)"
		else
			failed=$((failed + 1)); echo "FAIL: $extra ($secs s)"
			tail -n 60 "_build/$name.out"
		fi
	done

	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	;;
*)
	echo "usage: ./setup.sh demo|test|build" >&2
	exit 2
	;;
esac

## tests: harden (issue 8) - in-place strategy, faults, least privilege,
## hostile data, canaries. Scripts share tests/integration/harden_lib.sh.

EXTRA_DIST += tests/integration/harden_lib.sh tests/integration/harden_kill_lib.sh \
	tests/lib/fixtures_big.sh tests/lib/fixtures_hostile.sh
HARDEN_TESTS = tests/integration/harden_inplace.sh \
	tests/integration/harden_kill_sqlite.sh tests/integration/harden_kill_pg.sh \
	tests/integration/harden_kill_mysql.sh tests/integration/harden_faults.sh \
	tests/integration/harden_pg_restart.sh tests/integration/harden_canary.sh \
	tests/integration/harden_least_priv.sh tests/integration/harden_hostile.sh \
	tests/integration/harden_inplace_faults.sh
dist_check_SCRIPTS += $(HARDEN_TESTS)
TESTS += $(HARDEN_TESTS)

/*
 * test_mask_unique.c - uniqueness by construction: for every action that
 * promises it, 1,000,000 distinct inputs give 1,000,000 distinct outputs,
 * no output equals its input, and outputs keep their validity (Luhn,
 * mod-97, SSN rules). TAP output (tests/lib/tap.h).
 *
 * MB_UNIQUE_N overrides the count (e.g. 100000 under valgrind).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mask.h"
#include "core/match.h"
#include "core/util.h"
#include "tests/lib/tap.h"

/* An open-addressing set of strings kept in one arena. */
struct sset {
	char *arena;
	size_t len, cap;
	size_t *slots;          /* offset + 1; 0 = empty */
	size_t nslots;
};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* Returns false when s was already in the set. */
static bool sset_add(struct sset *set, const char *s, size_t n)
{
	size_t i = fnv(s, n) & (set->nslots - 1);

	while (set->slots[i]) {
		const char *o = set->arena + set->slots[i] - 1;
		if (!strncmp(o, s, n) && o[n] == '\0')
			return false;
		i = (i + 1) & (set->nslots - 1);
	}
	if (set->len + n + 1 > set->cap) {
		set->cap = (set->len + n + 1) * 2;
		set->arena = xrealloc(set->arena, set->cap);
	}
	memcpy(set->arena + set->len, s, n);
	set->arena[set->len + n] = '\0';
	set->slots[i] = set->len + 1;
	set->len += n + 1;
	return true;
}

static int luhn_check(const char *d, size_t n)
{
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int v = d[n - 1 - i] - '0';
		if (i % 2) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10;
}

static int iban_kk(const char *bban, const char *cc)
{
	unsigned r = 0;
	for (const char *p = bban; *p; p++)
		r = (r * 10 + (unsigned)(*p - '0')) % 97;
	for (int i = 0; i < 2; i++)
		r = (r * 100 + (unsigned)(cc[i] - 'A' + 10)) % 97;
	r = r * 100 % 97;
	return (int)(98 - r);
}

/* Writes input number i for the action into buf. */
static void make_input(const char *action, const char *variant, long i, char *buf, size_t cap)
{
	if (!strcmp(action, "hash") && variant) {
		snprintf(buf, cap, "%016lx", (unsigned long)i * 2654435761UL);
	} else if (!strcmp(action, "hash")) {
		snprintf(buf, cap, "user-%07ld", i);
	} else if (!strcmp(action, "uuid")) {
		snprintf(buf, cap, "%08lx-%04lx-4%03lx-a000-%012lx", (unsigned long)i,
			 (unsigned long)(i & 0xffff), (unsigned long)(i % 4096), (unsigned long)(i * 31));
	} else if (!strcmp(action, "scramble")) {
		snprintf(buf, cap, "Ab-%07ld", i);
	} else if (!strcmp(action, "fake_email")) {
		snprintf(buf, cap, "user%ld@example.com", i);
	} else if (!strcmp(action, "fake_phone")) {
		snprintf(buf, cap, "+1 (555) %03ld-%04ld", i / 10000, i % 10000);
	} else if (!strcmp(action, "card")) {
		char d[32];
		snprintf(d, sizeof(d), "411111%09ld0", i % 1000000000L);
		for (int c = 0; c < 10; c++) {
			d[15] = (char)('0' + c);
			if (luhn_check(d, 16) == 0)
				break;
		}
		snprintf(buf, cap, "%.4s %.4s %.4s %.4s", d, d + 4, d + 8, d + 12);
	} else if (!strcmp(action, "iban")) {
		char bban[32];
		snprintf(bban, sizeof(bban), "3704%014ld", i % 100000000000000L);
		snprintf(buf, cap, "DE%02d%s", iban_kk(bban, "DE"), bban);
	} else if (!strcmp(action, "national_id")) {
		snprintf(buf, cap, "%03ld-%02ld-%04ld", i / (9999 * 99) + 1, (i / 9999) % 99 + 1,
			 i % 9999 + 1);
	} else if (!strcmp(action, "ip")) {
		snprintf(buf, cap, "10.%ld.%ld.%ld", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	} else {
		snprintf(buf, cap, "%06ld", i);
	}
}

static bool output_valid(const char *action, const char *s, size_t n)
{
	char d[64];
	size_t nd = 0;

	for (size_t i = 0; i < n && nd < sizeof(d) - 1; i++)
		if (s[i] >= '0' && s[i] <= '9')
			d[nd++] = s[i];
	d[nd] = '\0';
	if (!strcmp(action, "card"))
		return nd == 16 && !strncmp(d, "411111", 6) && luhn_check(d, nd) == 0 &&
		       match_card(s, n);
	if (!strcmp(action, "iban"))
		return n == 22 && match_iban(s, n);
	if (!strcmp(action, "national_id"))
		return match_ssn(s, n);
	if (!strcmp(action, "ip"))
		return match_ipv4(s, n);
	if (!strcmp(action, "fake_email"))
		return memchr(s, '@', n) && !memchr(s, ' ', n);
	if (!strcmp(action, "fake_phone"))
		return n == 17 && !strncmp(s, "+1 (", 4) && s[8] == ' ' && s[12] == '-';
	return utf8_valid(s, n);
}

static void run(const char *action, const char *pk, const char *pv, long n,
		struct mask_key *key)
{
	struct mask_spec spec = MASK_SPEC_INIT;
	struct mb_err err = MB_ERR_INIT;
	struct strbuf out = STRBUF_INIT;
	struct sset set = { 0 };
	struct masker *m;
	long dup = 0, same = 0, invalid = 0;
	double t0;
	char in[128];

	mask_spec_set_action(&spec, action);
	if (pk)
		mask_spec_set_param(&spec, pk, pv);
	m = masker_new(&spec, key, &err);
	if (!tap_ok(m != NULL, "%s: masker_new", action)) {
		tap_diag("%s", err.msg);
		mask_spec_release(&spec);
		return;
	}
	set.nslots = 1;
	while (set.nslots < (size_t)n * 2)
		set.nslots <<= 1;
	set.slots = xcalloc(set.nslots, sizeof(*set.slots));
	t0 = now_monotonic();
	for (long i = 0; i < n; i++) {
		bool isnull;
		make_input(action, pk, i, in, sizeof(in));
		if (masker_apply(m, in, strlen(in), &out, &isnull, &err) < 0 || isnull) {
			invalid++;
			continue;
		}
		if (!sset_add(&set, out.buf, out.len))
			dup++;
		if (out.len == strlen(in) && !memcmp(out.buf, in, out.len))
			same++;
		if (!output_valid(action, out.buf, out.len))
			invalid++;
	}
	tap_ok(dup == 0, "%s%s%s: %ld distinct inputs give %ld distinct outputs (%ld duplicates, %.2f s)",
	       action, pk ? " " : "", pk ? pk : "", n, n - dup, dup, now_monotonic() - t0);
	tap_ok(same == 0, "%s: no output equals its input (%ld did)", action, same);
	tap_ok(invalid == 0, "%s: every output is valid (%ld were not)", action, invalid);
	free(set.arena);
	free(set.slots);
	strbuf_release(&out);
	masker_free(m);
	mask_spec_release(&spec);
}

int main(void)
{
	const char *env = getenv("MB_UNIQUE_N");
	long n = env ? atol(env) : 1000000;
	struct mask_key *key = mask_key_from_bytes("uniqueness test key 0123456789", 30);

	run("hash", NULL, NULL, n, key);
	run("hash", "length", "16", n, key);     /* hex inputs: the permutation path */
	run("uuid", NULL, NULL, n, key);
	run("scramble", NULL, NULL, n, key);
	run("fake_email", NULL, NULL, n, key);
	run("fake_phone", NULL, NULL, n, key);
	run("card", NULL, NULL, n, key);
	run("iban", NULL, NULL, n, key);
	run("national_id", NULL, NULL, n, key);
	run("ip", NULL, NULL, n, key);
	run("fake_postal_code", NULL, NULL, n, key);
	mask_key_free(key);
	return tap_done();
}

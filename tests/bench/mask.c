/*
 * tests/bench/mask.c - values per second on one core for every masking
 * action, printed as a table, with the ratio against a plain copy of the
 * same values measured in the same run (HACKING.md: benchmarks print
 * ratios and never assert on time). Times are the thread's CPU time.
 *
 *   make bench-mask            or   tests/bench/mask [SECONDS_PER_ACTION [ACTION]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mask.h"
#include "core/util.h"

#define NVALUES 4096

/*
 * CPU time of this thread: the figures stay meaningful on a loaded
 * machine (wall time is printed once at the end for comparison).
 */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct bench { const char *action, *k1, *v1, *goal; };

static const struct bench benches[] = {
	{ "keep", NULL, NULL, "" },
	{ "null", NULL, NULL, "" },
	{ "fixed", "value", "x", "" },
	{ "hash", NULL, NULL, ">= 1M/s" },
	{ "uuid", NULL, NULL, ">= 1M/s" },
	{ "scramble", NULL, NULL, ">= 1M/s" },
	{ "partial", NULL, NULL, ">= 1M/s" },
	{ "fake_first_name", NULL, NULL, ">= 1M/s" },
	{ "fake_last_name", NULL, NULL, ">= 1M/s" },
	{ "fake_full_name", NULL, NULL, ">= 1M/s" },
	{ "fake_email", NULL, NULL, ">= 1M/s" },
	{ "fake_email", "keep_domain", "true", ">= 1M/s" },
	{ "fake_street", NULL, NULL, ">= 1M/s" },
	{ "fake_city", NULL, NULL, ">= 1M/s" },
	{ "fake_company", NULL, NULL, ">= 1M/s" },
	{ "fake_postal_code", NULL, NULL, ">= 1M/s" },
	{ "fake_phone", NULL, NULL, ">= 300k/s" },
	{ "card", NULL, NULL, ">= 300k/s" },
	{ "iban", NULL, NULL, ">= 300k/s" },
	{ "national_id", NULL, NULL, ">= 300k/s" },
	{ "ip", NULL, NULL, ">= 300k/s" },
	{ "date_shift", NULL, NULL, "" },
	{ "generalize", NULL, NULL, "" },
	{ "noise", NULL, NULL, "" },
	{ "regex_replace", "pattern", "[0-9]", "" },
	{ "json_paths", "$.email", "fake_email", "" },
	{ "redact_text", NULL, NULL, ">= 50 MB/s" },
};

/* A representative value number i for the action, in buf. */
static void value(const char *a, int i, char *buf, size_t cap)
{
	if (!strcmp(a, "hash") || !strcmp(a, "scramble") || !strcmp(a, "keep") ||
	    !strcmp(a, "null") || !strcmp(a, "fixed"))
		snprintf(buf, cap, "Customer-%06d", i);
	else if (!strcmp(a, "uuid"))
		snprintf(buf, cap, "%08x-1d2e-4f00-a1b2-%012x", i * 7919, i);
	else if (!strncmp(a, "fake_first", 10) || !strncmp(a, "fake_last", 9))
		snprintf(buf, cap, "Name%d", i);
	else if (!strcmp(a, "fake_full_name"))
		snprintf(buf, cap, "Anna%d Smith%d", i, i % 97);
	else if (!strcmp(a, "fake_email"))
		snprintf(buf, cap, "anna.smith%d@corp%d.com", i, i % 13);
	else if (!strcmp(a, "fake_street"))
		snprintf(buf, cap, "%d Main Street", i % 300);
	else if (!strcmp(a, "fake_city") || !strcmp(a, "fake_company"))
		snprintf(buf, cap, "Place %d", i);
	else if (!strcmp(a, "fake_postal_code"))
		snprintf(buf, cap, "%05d", i);
	else if (!strcmp(a, "fake_phone"))
		snprintf(buf, cap, "+1 (555) %03d-%04d", i % 1000, i);
	else if (!strcmp(a, "card"))
		snprintf(buf, cap, "4111 1111 %04d %04d", i % 10000, i);
	else if (!strcmp(a, "iban"))
		snprintf(buf, cap, "DE89 3704 0044 05%02d %04d 00", i % 100, i);
	else if (!strcmp(a, "national_id"))
		snprintf(buf, cap, "%03d-%02d-%04d", i % 899 + 1, i % 99 + 1, i % 9999 + 1);
	else if (!strcmp(a, "ip"))
		snprintf(buf, cap, "192.168.%d.%d", (i >> 8) & 255, i & 255);
	else if (!strcmp(a, "date_shift") || !strcmp(a, "generalize"))
		snprintf(buf, cap, "20%02d-%02d-%02d", i % 30, i % 12 + 1, i % 28 + 1);
	else if (!strcmp(a, "noise"))
		snprintf(buf, cap, "%d.%02d", i, i % 100);
	else if (!strcmp(a, "partial"))
		snprintf(buf, cap, "4111-1111-%04d-%04d", i % 10000, i);
	else if (!strcmp(a, "json_paths"))
		snprintf(buf, cap, "{\"id\":%d,\"email\":\"user%d@example.com\",\"tags\":[\"a\",\"b\"]}", i, i);
	else if (!strcmp(a, "redact_text"))
		snprintf(buf, cap,
			 "Ticket %d: the customer called about the delivery of order %d, which arrived late. "
			 "Please reach them at user%d@example.com or on +44 20 7946 %04d before Friday; "
			 "they also asked us to update the address on file and to refund the shipping "
			 "fee of 4.99 to the card on the account. Agent note: follow up next week.",
			 i, i * 3, i, i % 10000);
	else
		snprintf(buf, cap, "value %d 123", i);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0.3;
	struct mask_key *key = mask_key_from_bytes("benchmark key, not a secret!", 28);
	static char vals[NVALUES][512];
	size_t lens[NVALUES];
	struct strbuf out = STRBUF_INIT;
	struct mb_err err = MB_ERR_INIT;

	printf("%-28s %12s %9s %10s %8s  %s\n", "action", "values/s", "MB/s", "vs copy",
	       "bytes", "goal");
	for (size_t b = 0; b < ARRAY_SIZE(benches); b++) {
		const struct bench *be = &benches[b];
		if (argc > 2 && strcmp(argv[2], be->action))
			continue;  /* `mask SECONDS ACTION`: that action only */
		struct mask_spec spec = MASK_SPEC_INIT;
		struct masker *m;
		double t0, dt, copy_rate, rate;
		long n = 0;
		size_t bytes = 0, total = 0;
		bool isnull;
		char name[64];

		for (int i = 0; i < NVALUES; i++) {
			value(be->action, i, vals[i], sizeof(vals[i]));
			lens[i] = strlen(vals[i]);
			total += lens[i];
		}
		/* the plain copy of the same values */
		t0 = cpu_now();
		do {
			for (int i = 0; i < NVALUES; i++) {
				strbuf_reset(&out);
				strbuf_add(&out, vals[i], lens[i]);
			}
			n += NVALUES;
		} while ((dt = cpu_now() - t0) < secs / 4);
		copy_rate = n / dt;

		mask_spec_set_action(&spec, be->action);
		if (be->k1)
			mask_spec_set_param(&spec, be->k1, be->v1);
		m = masker_new(&spec, key, &err);
		mask_spec_release(&spec);
		if (!m) {
			fprintf(stderr, "%s: %s\n", be->action, err.msg);
			return 3;
		}
		n = 0;
		t0 = cpu_now();
		do {
			for (int i = 0; i < NVALUES; i++) {
				masker_apply(m, vals[i], lens[i], &out, &isnull, &err);
				bytes += lens[i];
			}
			n += NVALUES;
		} while ((dt = cpu_now() - t0) < secs);
		rate = n / dt;
		snprintf(name, sizeof(name), "%s%s%s", be->action, be->k1 ? " " : "",
			 be->k1 ? be->k1 : "");
		printf("%-28s %12.0f %9.1f %9.1fx %8zu  %s\n", name, rate, bytes / dt / 1e6,
		       copy_rate / rate, total / NVALUES, be->goal);
		fflush(stdout);
		masker_free(m);
	}
	strbuf_release(&out);
	mask_key_free(key);
	return 0;
}

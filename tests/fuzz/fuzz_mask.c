/*
 * fuzz_mask.c - libFuzzer target through every masking action.
 *
 * Input: byte 0 picks the masker (every action, some with parameters),
 * the rest is the value. Checks: no crash, no leak, masker_apply succeeds
 * for every action a masker can evaluate alone, and valid UTF-8 in gives
 * valid UTF-8 out. With gcc it links tests/fuzz/replay_main.c and replays
 * tests/fuzz/corpus/mask.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mask.h"

static const char *const specs[][5] = {
	/* action, param key, value, key, value */
	{ "keep" }, { "null" }, { "fixed", "value", "x" }, { "hash" },
	{ "hash", "length", "12", "encoding", "base32" }, { "uuid" }, { "scramble" },
	{ "fake_first_name" }, { "fake_last_name", "locale", "de" },
	{ "fake_full_name", "locale", "fr" }, { "fake_email" },
	{ "fake_email", "keep_domain", "true" }, { "fake_phone" }, { "fake_street" },
	{ "fake_city", "locale", "de" }, { "fake_postal_code" }, { "fake_company" },
	{ "partial" }, { "partial", "keep_first", "2", "mask_char", "\xe2\x80\xa2" },
	{ "card" }, { "iban" }, { "national_id" }, { "national_id", "kind", "luhn" },
	{ "ip" }, { "date_shift" }, { "date_shift", "entity", "patient_id" },
	{ "generalize" }, { "generalize", "to", "month" }, { "noise" },
	{ "noise", "percent", "50" }, { "regex_replace", "pattern", "[0-9]+", "replacement", "#" },
	{ "regex_replace", "pattern", "(\\w)(\\w*)", "replacement", "$1." },
	{ "redact_text" }, { "json_paths", "$.email", "fake_email", "$..name", "fake_full_name" },
	{ "json_paths", "$[*].a", "hash length=8", "$.b.*", "null" },
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static struct masker *maskers[NSPECS];
static struct mask_key *key;
static struct strbuf out = STRBUF_INIT;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	key = mask_key_from_bytes("fuzzing key, not secret", 23);
	for (size_t i = 0; i < NSPECS; i++) {
		struct mask_spec s = MASK_SPEC_INIT;
		struct mb_err err = MB_ERR_INIT;
		mask_spec_set_action(&s, specs[i][0]);
		for (int j = 1; j + 1 < 5 && specs[i][j]; j += 2)
			mask_spec_set_param(&s, specs[i][j], specs[i][j + 1]);
		maskers[i] = masker_new(&s, key, &err);
		mask_spec_release(&s);
		if (!maskers[i]) {
			fprintf(stderr, "fuzz_mask: %s\n", err.msg);
			abort();
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mb_err err = MB_ERR_INIT;
	bool isnull;
	size_t first, last;

	if (size == 0)
		return 0;
	/* byte 0 < NSPECS: that masker only; otherwise every masker */
	first = data[0] < NSPECS ? (size_t)data[0] : 0;
	last = data[0] < NSPECS ? (size_t)data[0] + 1 : NSPECS;
	for (size_t i = first; i < last; i++) {
		const char *v = (const char *)data + 1;
		size_t n = size - 1;
		if (masker_apply(maskers[i], v, n, &out, &isnull, &err) < 0) {
			fprintf(stderr, "fuzz_mask: %s failed: %s\n", specs[i][0], err.msg);
			abort();
		}
		if (utf8_valid(v, n) && !isnull && !utf8_valid(out.buf, out.len)) {
			fprintf(stderr, "fuzz_mask: %s: valid UTF-8 in, invalid out\n", specs[i][0]);
			abort();
		}
		/* the entity path of date_shift as well */
		if (masker_apply_entity(maskers[i], v, n, v, n / 2, &out, &isnull, &err) < 0)
			abort();
	}
	if (data[0] == 0xff) {
		/* shuffle: a permutation of [0, n) for small n */
		static struct masker *sh;
		if (!sh) {
			struct mask_spec s = MASK_SPEC_INIT;
			mask_spec_set_action(&s, "shuffle");
			sh = masker_new(&s, key, &err);
			mask_spec_release(&s);
		}
		uint64_t nn = size % 300 + 1;
		uint8_t seen[300] = { 0 };
		for (uint64_t i = 0; i < nn; i++) {
			uint64_t j = masker_shuffle_index(sh, nn, i);
			if (j >= nn || seen[j]++)
				abort();
		}
	}
	return 0;
}

/*
 * mask_int.h - internals shared by the mask*.c files: the keyed PRF, the
 * format-preserving permutation, the masker structure and the per-action
 * function table. Not part of the public API (see core/mask.h).
 */
#ifndef MB_MASK_INT_H
#define MB_MASK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "core/keys.h"
#include "core/mask.h"

/* ------------------------------------------------------------------ */
/* Keyed PRF: AES-128 (one cached ECB context per masker)              */
/* ------------------------------------------------------------------ */

struct mask_prf {
	EVP_CIPHER_CTX *ecb;
};

/* Derives an AES-128 key for `label` from the master key. */
int prf_init(struct mask_prf *p, const struct mask_key *k, const char *label,
	     struct mb_err *err);
void prf_release(struct mask_prf *p);
/* One AES block. */
void prf_block(struct mask_prf *p, const uint8_t in[16], uint8_t out[16]);
/*
 * Length-prefixed CBC-MAC (a PRF on variable-length input) of
 * (domain, data). out gets 16 bytes.
 */
void prf_mac(struct mask_prf *p, uint32_t domain, const void *data, size_t len,
	     uint8_t out[16]);
/* Convenience: 64 bits of prf_mac (first half). */
uint64_t prf_u64(struct mask_prf *p, uint32_t domain, const void *data, size_t len);

/* ------------------------------------------------------------------ */
/* Format-preserving permutation over mixed-radix digits              */
/* ------------------------------------------------------------------ */

/*
 * A keyed permutation of the strings of digits d[0..n) where digit i is in
 * [0, radix[i]) (2 <= radix <= 256). The tweak (16 bytes, from prf_mac over
 * the value's shape) selects an independent permutation. Domains below
 * 2^64 are permuted as one integer with an unbalanced binary Feistel
 * network and cycle-walking; when the domain is below 2^32 the result is
 * pi^-1(pi(x) + 1), a keyed N-cycle, so no value maps to itself. Larger
 * domains use a Feistel network over groups of digits with modular
 * addition (fixed points then have probability below 2^-32).
 * Works in place on d; scratch buffers live in struct fpe.
 */
struct fpe {
	struct mask_prf *prf;
	uint64_t *ga, *gm;      /* group values and moduli (scratch) */
	size_t galloc, gmalloc;
	/* the last tweak (columns repeat their shapes) */
	uint8_t last_shape[64], last_tweak[16];
	size_t last_len;
	uint32_t last_domain;
	bool last_valid;
	/*
	 * Small domains (k <= 20 bits) seen many times in a row with one
	 * tweak: the round function's values are tabulated once (batched
	 * AES), giving the same results as computing them one by one.
	 */
	uint8_t streak_tweak[16], tab_tweak[16];
	int streak_k, tab_k;
	unsigned streak;
	uint64_t *tab;          /* FEISTEL_ROUNDS * 2^10 entries */
	bool tab_ready;
};

void fpe_init(struct fpe *f, struct mask_prf *prf);
void fpe_release(struct fpe *f);
void fpe_tweak(struct fpe *f, uint32_t domain, const void *shape, size_t len,
	       uint8_t tweak[16]);
void fpe_permute(struct fpe *f, const uint8_t tweak[16], uint8_t *d,
		 const uint8_t *radix, size_t n);
/*
 * Keyed permutation of [0, n) (n >= 1); no fixed point when n >= 2 and
 * n < 2^32. inverse selects the inverse permutation.
 */
uint64_t fpe_int(struct fpe *f, const uint8_t tweak[16], uint64_t x, uint64_t n,
		 bool inverse);

/* ------------------------------------------------------------------ */
/* Maskers                                                             */
/* ------------------------------------------------------------------ */

struct dict {                   /* one dictionary: lines of a share/dict file */
	char *data;             /* the file, NUL at each line end */
	const char **items;
	size_t n;
};

struct mask_fakes;              /* mask_fake.c */
struct mask_text;               /* mask_text.c */
struct mask_basic;              /* mask.c: regex, dates */

typedef int (*mask_apply_fn)(struct masker *m, const char *in, size_t len,
			     struct strbuf *out);

struct masker {
	char *action;
	const struct mask_action_info *info;
	struct mask_spec spec;          /* a copy (params looked up at apply time) */
	mask_apply_fn apply;
	struct mask_prf prf;
	struct fpe fpe;
	/* scratch, reused across values (no per-value allocation) */
	uint8_t *digits, *radix;
	size_t dalloc, ralloc;
	struct strbuf tmp, tmp2;
	/* per-action compiled state */
	int iparam[4];                  /* small integer params, per action */
	char *sparam[2];                /* string params (owned), per action */
	struct mask_fakes *fakes;
	struct mask_text *text;
	void *re, *re_md;               /* pcre2_code_8 *, pcre2_match_data_8 * */
	const struct mask_key *key_for_sub;  /* only during masker_new */
	struct mask_key *key_copy;      /* json_paths / redact_text sub-maskers */
	const char *entity;             /* date_shift: entity bytes, NULL = value */
	size_t entity_len;
};

/* Grows the digit/radix scratch of m to hold n entries. */
void masker_scratch(struct masker *m, size_t n);

/* Action implementations (in mask_fpe.c, mask_fake.c, mask_text.c, mask.c). */
int mask_apply_scramble(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_hash(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_uuid(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_card(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_iban(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_national_id(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_ip(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_phone(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_postal(struct masker *m, const char *in, size_t len, struct strbuf *out);
/* scramble core with a domain id (used as a fallback for wrong shapes). */
void mask_scramble(struct masker *m, uint32_t domain, const char *in, size_t len,
		   struct strbuf *out);

int mask_fakes_init(struct masker *m, struct mb_err *err);
void mask_fakes_free(struct mask_fakes *f);
int mask_apply_fake(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_fake_email(struct masker *m, const char *in, size_t len, struct strbuf *out);

int mask_text_init(struct masker *m, struct mb_err *err);
void mask_text_free(struct mask_text *t);
int mask_apply_redact_text(struct masker *m, const char *in, size_t len, struct strbuf *out);
int mask_apply_json_paths(struct masker *m, const char *in, size_t len, struct strbuf *out);
/* Checks json_paths params (paths and sub-actions). */
int mask_json_paths_check(const struct mask_spec *s, struct mb_err *err);

/* Loads share/dict/<locale>/<name>.txt into d. */
int dict_load(struct dict *d, const char *locale, const char *name, struct mb_err *err);
void dict_release(struct dict *d);
/* The share folder (MASKBENCH_SHARE, build tree, installed). Static storage. */
const char *mask_share_dir(void);

/* Domain ids for prf_mac / tweaks (never reuse one for two meanings). */
enum {
	DOM_SCRAMBLE = 1, DOM_HASH, DOM_HASH_HEX, DOM_UUID, DOM_UUID_FREE,
	DOM_CARD, DOM_IBAN, DOM_NATID, DOM_IP4, DOM_IP6, DOM_PHONE, DOM_POSTAL,
	DOM_FAKE, DOM_EMAIL, DOM_DATE, DOM_NOISE, DOM_SHUFFLE, DOM_TEXT,
	DOM_FALLBACK,
};

#endif

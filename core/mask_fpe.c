/*
 * mask_fpe.c - the keyed PRF (AES-128 via OpenSSL EVP), the
 * format-preserving permutation (keyed Feistel over the value's own
 * domain with cycle-walking), and the actions built on it: scramble, hash,
 * uuid, card, iban, national_id, ip, fake_phone, fake_postal_code.
 *
 * Why not NIST FF1 as such: FF1 needs one radix for the whole string, while
 * scramble, IBANs and UUIDs mix digits, letters of either case and kept
 * positions. The construction here is the same family (alternating Feistel
 * rounds with modular addition of an AES-based round function, tweaked by
 * the value's shape, cycle-walking into the valid set), generalised to
 * mixed radixes. It is a bijection for any key, which is what uniqueness
 * needs; masking does not need decryption.
 */
#include "core/mask_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define FEISTEL_ROUNDS 8
#define DERANGE_LIMIT ((uint64_t)1 << 32)
#define GROUP_LIMIT ((uint64_t)1 << 56)
#define TAB_BITS 10                     /* tabulate halves up to 10 bits */
#define TAB_SIZE (1u << TAB_BITS)
#define TAB_STREAK 64                   /* after this many uses of one tweak */

/* ------------------------------------------------------------------ */
/* PRF                                                                 */
/* ------------------------------------------------------------------ */

int prf_init(struct mask_prf *p, const struct mask_key *k, const char *label,
	     struct mb_err *err)
{
	unsigned char key[16];

	p->ecb = NULL;
	if (mask_key_derive(k, label, key, sizeof(key), err) < 0)
		return -1;
	p->ecb = EVP_CIPHER_CTX_new();
	if (!p->ecb || EVP_EncryptInit_ex(p->ecb, EVP_aes_128_ecb(), NULL, key, NULL) != 1) {
		secure_zero(key, sizeof(key));
		EVP_CIPHER_CTX_free(p->ecb);
		p->ecb = NULL;
		return mb_err_set(err, MB_ERR_INTERNAL, "cannot set up AES-128 (libcrypto)");
	}
	EVP_CIPHER_CTX_set_padding(p->ecb, 0);
	secure_zero(key, sizeof(key));
	return 0;
}

void prf_release(struct mask_prf *p)
{
	EVP_CIPHER_CTX_free(p->ecb);   /* wipes the key schedule */
	p->ecb = NULL;
}

void prf_block(struct mask_prf *p, const uint8_t in[16], uint8_t out[16])
{
	int n = 16;

	if (EVP_EncryptUpdate(p->ecb, out, &n, in, 16) != 1 || n != 16) {
		fprintf(stderr, "maskbench: AES failed in libcrypto\n");
		abort();
	}
}

static inline void xor16(uint8_t *x, const uint8_t *y)
{
	for (int i = 0; i < 16; i++)
		x[i] ^= y[i];
}

void prf_mac(struct mask_prf *p, uint32_t domain, const void *data, size_t len,
	     uint8_t out[16])
{
	const uint8_t *s = data;
	uint8_t x[16] = { 0 };
	uint64_t l = len;

	x[0] = (uint8_t)domain;
	if (len <= 14) {
		/* one block: (domain, length, data); byte 1 <= 14 marks it */
		x[1] = (uint8_t)len;
		if (len)
			memcpy(x + 2, s, len);
		prf_block(p, x, out);
		return;
	}
	/* length-prefixed CBC-MAC; byte 1 = 0xff marks the long form */
	x[1] = 0xff;
	memcpy(x + 8, &l, 8);
	prf_block(p, x, x);
	while (len >= 16) {
		xor16(x, s);
		prf_block(p, x, x);
		s += 16;
		len -= 16;
	}
	if (len) {
		for (size_t i = 0; i < len; i++)
			x[i] ^= s[i];
		x[15] ^= 0x80;
		prf_block(p, x, x);
	}
	memcpy(out, x, 16);
}

uint64_t prf_u64(struct mask_prf *p, uint32_t domain, const void *data, size_t len)
{
	uint8_t o[16];
	uint64_t v;

	prf_mac(p, domain, data, len, o);
	memcpy(&v, o, 8);
	return v;
}

/* ------------------------------------------------------------------ */
/* Permutations                                                        */
/* ------------------------------------------------------------------ */

void fpe_init(struct fpe *f, struct mask_prf *prf)
{
	memset(f, 0, sizeof(*f));
	f->prf = prf;
}

void fpe_release(struct fpe *f)
{
	if (f->tab)
		secure_zero(f->tab, FEISTEL_ROUNDS * TAB_SIZE * sizeof(*f->tab));
	free(f->tab);
	free(f->ga);
	free(f->gm);
	secure_zero(f, sizeof(*f));
}

void fpe_tweak(struct fpe *f, uint32_t domain, const void *shape, size_t len,
	       uint8_t tweak[16])
{
	/* columns repeat their shapes: keep the last tweak */
	if (len <= sizeof(f->last_shape) && f->last_valid && f->last_domain == domain &&
	    f->last_len == len && !memcmp(f->last_shape, shape, len)) {
		memcpy(tweak, f->last_tweak, 16);
		return;
	}
	prf_mac(f->prf, domain, shape, len, tweak);
	if (len <= sizeof(f->last_shape)) {
		memcpy(f->last_shape, shape, len);
		memcpy(f->last_tweak, tweak, 16);
		f->last_len = len;
		f->last_domain = domain;
		f->last_valid = true;
	}
}

/* Round function: 64 bits of AES(tweak ^ (round, width, v)). */
static inline uint64_t round_f(struct fpe *f, const uint8_t tweak[16], int r,
			       int width, uint64_t v)
{
	uint8_t b[16], o[16];
	uint64_t res;

	memcpy(b, tweak, 16);
	b[0] ^= (uint8_t)r;
	b[1] ^= (uint8_t)width;
	for (int i = 0; i < 8; i++)
		b[8 + i] ^= (uint8_t)(v >> (8 * i));
	prf_block(f->prf, b, o);
	memcpy(&res, o, 8);
	return res;
}

/* Fills f->tab with round_f for every round and input of a k-bit domain. */
static void build_table(struct fpe *f, const uint8_t tweak[16], int k)
{
	int a = k / 2, b = k - a;
	uint8_t *in = xmalloc(TAB_SIZE * 16), *out = xmalloc(TAB_SIZE * 16);

	if (!f->tab)
		f->tab = xmalloc(FEISTEL_ROUNDS * TAB_SIZE * sizeof(*f->tab));
	for (int r = 0; r < FEISTEL_ROUNDS; r++) {
		unsigned w = r % 2 == 0 ? (unsigned)b : (unsigned)a, n = 1u << w;
		int len = (int)n * 16;
		for (unsigned v = 0; v < n; v++) {
			uint8_t *blk = in + 16 * v;
			memcpy(blk, tweak, 16);
			blk[0] ^= (uint8_t)r;
			blk[1] ^= (uint8_t)k;
			for (int i = 0; i < 8; i++)
				blk[8 + i] ^= (uint8_t)((uint64_t)v >> (8 * i));
		}
		if (EVP_EncryptUpdate(f->prf->ecb, out, &len, in, len) != 1) {
			fprintf(stderr, "maskbench: AES failed in libcrypto\n");
			abort();
		}
		for (unsigned v = 0; v < n; v++)
			memcpy(&f->tab[r * TAB_SIZE + v], out + 16 * v, 8);
	}
	secure_zero(out, TAB_SIZE * 16);
	free(in);
	free(out);
	memcpy(f->tab_tweak, tweak, 16);
	f->tab_k = k;
	f->tab_ready = true;
}

/* True when the table holds this tweak's round values (building it after a streak). */
static bool use_table(struct fpe *f, const uint8_t tweak[16], int k)
{
	if (k > 2 * TAB_BITS)
		return false;
	if (f->tab_ready && f->tab_k == k && !memcmp(f->tab_tweak, tweak, 16))
		return true;
	if (f->streak_k == k && !memcmp(f->streak_tweak, tweak, 16)) {
		if (++f->streak >= TAB_STREAK) {
			build_table(f, tweak, k);
			return true;
		}
	} else {
		memcpy(f->streak_tweak, tweak, 16);
		f->streak_k = k;
		f->streak = 1;
	}
	return false;
}

/* Unbalanced binary Feistel on k bits (2 <= k <= 64); XOR rounds. */
static uint64_t feistel_bits(struct fpe *f, const uint8_t tweak[16], uint64_t x,
			     int k, bool inverse, bool tab)
{
	int a = k / 2, b = k - a;
	uint64_t ma = a == 64 ? ~0ULL : ((1ULL << a) - 1);
	uint64_t mb = b == 64 ? ~0ULL : ((1ULL << b) - 1);
	uint64_t L = (x >> b) & ma, R = x & mb;

	for (int i = 0; i < FEISTEL_ROUNDS; i++) {
		int r = inverse ? FEISTEL_ROUNDS - 1 - i : i;
		if (tab && r % 2 == 0)
			L ^= f->tab[r * TAB_SIZE + R] & ma;
		else if (tab)
			R ^= f->tab[r * TAB_SIZE + L] & mb;
		else if (r % 2 == 0)
			L ^= round_f(f, tweak, r, k, R) & ma;
		else
			R ^= round_f(f, tweak, r, k, L) & mb;
	}
	return (L << b) | R;
}

/* pi over [0, n) by cycle-walking the Feistel network on k bits. */
static uint64_t walk(struct fpe *f, const uint8_t tweak[16], uint64_t x,
		     uint64_t n, int k, bool inverse, bool tab)
{
	do
		x = feistel_bits(f, tweak, x, k, inverse, tab);
	while (x >= n);
	return x;
}

uint64_t fpe_int(struct fpe *f, const uint8_t tweak[16], uint64_t x, uint64_t n,
		 bool inverse)
{
	int k = 2;
	bool tab;

	if (n <= 1)
		return 0;
	while (k < 64 && ((n - 1) >> k) != 0)
		k++;
	tab = use_table(f, tweak, k);
	if (n >= DERANGE_LIMIT)
		return walk(f, tweak, x, n, k, inverse, tab);
	/* keyed N-cycle: g(x) = pi^-1(pi(x) + 1), no fixed points */
	x = walk(f, tweak, x, n, k, false, tab);
	x = inverse ? (x + n - 1) % n : (x + 1) % n;
	return walk(f, tweak, x, n, k, true, tab);
}

/* Domain size of the digits, or 0 when it is 2^64 or more. */
static uint64_t domain_size(const uint8_t *radix, size_t n)
{
	uint64_t N = 1;

	for (size_t i = 0; i < n; i++)
		if (__builtin_mul_overflow(N, (uint64_t)radix[i], &N))
			return 0;
	return N;
}

/* v % r and v /= r, with the common radixes as constants (no division). */
static inline uint8_t divmod(uint64_t *v, unsigned r)
{
	uint64_t q;
	uint8_t d;

	switch (r) {
	case 10: q = *v / 10; d = (uint8_t)(*v - q * 10); break;
	case 16: q = *v >> 4; d = (uint8_t)(*v & 15); break;
	case 26: q = *v / 26; d = (uint8_t)(*v - q * 26); break;
	case 4: q = *v >> 2; d = (uint8_t)(*v & 3); break;
	default: q = *v / r; d = (uint8_t)(*v - q * r); break;
	}
	*v = q;
	return d;
}

/* Packs digits [from, to) into groups with product < 2^56; appends. */
static size_t make_groups(struct fpe *f, const uint8_t *d, const uint8_t *radix,
			  size_t from, size_t to, size_t ng)
{
	size_t i = from;

	while (i < to) {
		uint64_t v = 0, m = 1;
		while (i < to && m * radix[i] < GROUP_LIMIT) {
			v = v * radix[i] + d[i];
			m *= radix[i];
			i++;
		}
		ALLOC_GROW(f->ga, ng + 1, f->galloc);
		ALLOC_GROW(f->gm, ng + 1, f->gmalloc);
		f->ga[ng] = v;
		f->gm[ng] = m;
		ng++;
	}
	return ng;
}

static size_t unpack_groups(struct fpe *f, uint8_t *d, const uint8_t *radix,
			    size_t from, size_t to, size_t g)
{
	size_t i = from;

	while (i < to) {
		uint64_t m = 1;
		size_t j = i;
		while (j < to && m * radix[j] < GROUP_LIMIT) {
			m *= radix[j];
			j++;
		}
		uint64_t v = f->ga[g++];
		for (size_t k = j; k > i; k--)
			d[k - 1] = divmod(&v, radix[k - 1]);
		i = j;
	}
	return g;
}

/* Feistel over groups: half A = groups [0, na), B = [na, na+nb). */
static void feistel_groups(struct fpe *f, const uint8_t tweak[16], size_t na,
			   size_t nb)
{
	for (int r = 0; r < FEISTEL_ROUNDS; r++) {
		size_t t0 = r % 2 == 0 ? 0 : na, tn = r % 2 == 0 ? na : nb;
		size_t o0 = r % 2 == 0 ? na : 0, on = r % 2 == 0 ? nb : na;
		uint8_t x[16], y[16];

		/* group values are < 2^56: bytes 7 and 15 carry the round */
		memcpy(x, tweak, 16);
		x[7] ^= (uint8_t)r;
		x[15] ^= (uint8_t)(0x80 | (on > 2));
		for (size_t j = 0; j < on || j == 0; j += 2) {
			uint64_t a = j < on ? f->ga[o0 + j] : 0;
			uint64_t b = j + 1 < on ? f->ga[o0 + j + 1] : 0;
			for (int i = 0; i < 8; i++) {
				x[i] ^= (uint8_t)(a >> (8 * i));
				x[8 + i] ^= (uint8_t)(b >> (8 * i));
			}
			prf_block(f->prf, x, x);
		}
		memcpy(y, x, 16);
		for (size_t j = 0; j < tn; j++) {
			uint64_t rv;
			if (j && j % 2 == 0) {
				uint8_t c[16];
				uint64_t ctr = j;
				memcpy(c, x, 16);
				for (int i = 0; i < 8; i++)
					c[i] ^= (uint8_t)(ctr >> (8 * i));
				c[15] ^= 0x5a;
				prf_block(f->prf, c, y);
			}
			memcpy(&rv, y + 8 * (j % 2), 8);
			uint64_t m = f->gm[t0 + j], v = f->ga[t0 + j];
			/* rv scaled into [0, m) without a division (Lemire) */
			rv = (uint64_t)((__extension__ (unsigned __int128)rv * m) >> 64);
			v += rv;
			f->ga[t0 + j] = v >= m ? v - m : v;
		}
	}
}

void fpe_permute(struct fpe *f, const uint8_t tweak[16], uint8_t *d,
		 const uint8_t *radix, size_t n)
{
	uint64_t N = domain_size(radix, n), x = 0;
	size_t u, na, ng;

	if (n == 0 || N == 1)
		return;
	if (N) {
		for (size_t i = 0; i < n; i++)
			x = x * radix[i] + d[i];
		x = fpe_int(f, tweak, x, N, false);
		for (size_t i = n; i > 0; i--)
			d[i - 1] = divmod(&x, radix[i - 1]);
		return;
	}
	u = n / 2;
	na = make_groups(f, d, radix, 0, u, 0);
	ng = make_groups(f, d, radix, u, n, na);
	feistel_groups(f, tweak, na, ng - na);
	unpack_groups(f, d, radix, 0, u, 0);
	unpack_groups(f, d, radix, u, n, na);
}

void masker_scratch(struct masker *m, size_t n)
{
	ALLOC_GROW(m->digits, n, m->dalloc);
	ALLOC_GROW(m->radix, n, m->ralloc);
}

/* ------------------------------------------------------------------ */
/* scramble                                                            */
/* ------------------------------------------------------------------ */

enum { CL_FIXED, CL_DIGIT, CL_LOWER, CL_UPPER, CL_OTHER };

/* Length of the UTF-8 sequence at s (1 for an invalid byte). */
static size_t utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned c = s[0];
	size_t n;
	uint32_t v;

	if (c < 0x80) { *cp = c; return 1; }
	if (c >= 0xc2 && c <= 0xdf) { n = 2; v = c & 0x1f; }
	else if (c >= 0xe0 && c <= 0xef) { n = 3; v = c & 0x0f; }
	else if (c >= 0xf0 && c <= 0xf4) { n = 4; v = c & 0x07; }
	else { *cp = c; return 1; }
	if (n > len || !utf8_valid((const char *)s, n)) {
		*cp = c;
		return 1;
	}
	for (size_t i = 1; i < n; i++)
		v = (v << 6) | (s[i] & 0x3f);
	*cp = v;
	return n;
}

void mask_scramble(struct masker *m, uint32_t domain, const char *in, size_t len,
		   struct strbuf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	struct strbuf *shape = &m->tmp2;
	uint8_t tweak[16];
	size_t nd = 0;

	strbuf_reset(out);
	strbuf_reset(shape);
	strbuf_grow(shape, len);
	masker_scratch(m, len + 1);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_seq(s + i, len - i, &cp);
		if (cp < 0x80 && n == 1) {
			if (cp >= '0' && cp <= '9') {
				/* the first digit of a number (2+ digits) keeps its
				 * kind: a leading 0 stays, 1-9 stays 1-9, so integers
				 * keep their length and stay unique as numbers */
				bool lead = (i == 0 || !isdigit(s[i - 1])) && i + 1 < len &&
					    isdigit(s[i + 1]);
				if (lead && cp == '0') {
					strbuf_addch(shape, '0');
				} else if (lead) {
					m->digits[nd] = (uint8_t)(cp - '1'); m->radix[nd++] = 9;
					strbuf_addch(shape, '8');
				} else {
					m->digits[nd] = (uint8_t)(cp - '0'); m->radix[nd++] = 10;
					strbuf_addch(shape, '9');
				}
			} else if (cp >= 'a' && cp <= 'z') {
				m->digits[nd] = (uint8_t)(cp - 'a'); m->radix[nd++] = 26;
				strbuf_addch(shape, 'a');
			} else if (cp >= 'A' && cp <= 'Z') {
				m->digits[nd] = (uint8_t)(cp - 'A'); m->radix[nd++] = 26;
				strbuf_addch(shape, 'A');
			} else {
				strbuf_addch(shape, (int)cp);
			}
		} else {
			/* non-ASCII character or invalid byte: becomes an ASCII letter */
			m->digits[nd] = (uint8_t)(cp % 26); m->radix[nd++] = 26;
			strbuf_addch(shape, 'u');
		}
		i += n;
	}
	fpe_tweak(&m->fpe, domain, shape->buf, shape->len, tweak);
	fpe_permute(&m->fpe, tweak, m->digits, m->radix, nd);
	strbuf_grow(out, shape->len);
	nd = 0;
	for (size_t i = 0; i < shape->len; i++) {
		char c = shape->buf[i];
		if (c == '9')
			c = (char)('0' + m->digits[nd++]);
		else if (c == '8')
			c = (char)('1' + m->digits[nd++]);
		else if (c == 'a' || c == 'u')
			c = (char)('a' + m->digits[nd++]);
		else if (c == 'A')
			c = (char)('A' + m->digits[nd++]);
		out->buf[i] = c;
	}
	strbuf_setlen(out, shape->len);
}

int mask_apply_scramble(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	mask_scramble(m, DOM_SCRAMBLE, in, len, out);
	return 0;
}

/* fake_postal_code: letters to letters, digits to digits (keyed, unique). */
int mask_apply_postal(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	mask_scramble(m, DOM_POSTAL, in, len, out);
	return 0;
}

/* ------------------------------------------------------------------ */
/* hash                                                                */
/* ------------------------------------------------------------------ */

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";
static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Permutes the hex digits of in (case kept, one case per value). */
static void hex_permute(struct masker *m, uint32_t domain, const char *in,
			size_t len, const uint8_t *keep_mask, struct strbuf *out)
{
	bool upper = false;
	uint8_t tweak[16];
	uint64_t shape[2];

	masker_scratch(m, len);
	for (size_t i = 0; i < len; i++) {
		m->digits[i] = (uint8_t)hexval((unsigned char)in[i]);
		m->radix[i] = 16;
		if (in[i] >= 'A' && in[i] <= 'F')
			upper = true;
	}
	shape[0] = len;
	shape[1] = keep_mask ? 1 : 0;
	fpe_tweak(&m->fpe, domain, shape, sizeof(shape), tweak);
	fpe_permute(&m->fpe, tweak, m->digits, m->radix, len);
	strbuf_reset(out);
	for (size_t i = 0; i < len; i++)
		strbuf_addch(out, (upper ? hex_upper : hex_lower)[m->digits[i]]);
}

int mask_apply_hash(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	int want = m->iparam[0];         /* length, 0 = same as input */
	bool base32 = m->iparam[1];
	bool all_hex = len >= 8 && len <= 4096;
	uint8_t blk[16];

	for (size_t i = 0; all_hex && i < len; i++)
		all_hex = hexval((unsigned char)in[i]) >= 0;
	if (all_hex && !base32 && (want == 0 || (size_t)want == len)) {
		/* a hex token: permute it, same length, unique by construction */
		hex_permute(m, DOM_HASH_HEX, in, len, NULL, out);
		return 0;
	}
	if (want == 0)
		want = len < 16 ? 16 : len > 64 ? 64 : (int)len;
	strbuf_reset(out);
	prf_mac(&m->prf, DOM_HASH, in, len, blk);
	for (int i = 0, ctr = 0; i < want;) {
		if (base32) {
			/* 5 bits a character, 25 characters from 128 bits */
			for (int j = 0; j < 25 && i < want; j++, i++) {
				int bit = j * 5, byte = bit / 8, sh = bit % 8;
				unsigned v = blk[byte] | (byte + 1 < 16 ? blk[byte + 1] << 8 : 0);
				strbuf_addch(out, b32[(v >> sh) & 31]);
			}
		} else {
			for (int j = 0; j < 16 && i < want; j++) {
				strbuf_addch(out, hex_lower[blk[j] >> 4]);
				if (++i < want) {
					strbuf_addch(out, hex_lower[blk[j] & 15]);
					i++;
				}
			}
		}
		if (i < want) {
			blk[15] ^= (uint8_t)++ctr;
			prf_block(&m->prf, blk, blk);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* uuid                                                                */
/* ------------------------------------------------------------------ */

static bool is_uuid(const char *s, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (hexval((unsigned char)s[i]) < 0) {
			return false;
		}
	}
	return true;
}

int mask_apply_uuid(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	uint8_t tweak[16], b[16];
	bool upper = false;
	size_t n = 0;

	if (is_uuid(in, len)) {
		/* Permute the 32 hex digits, keeping the version nibble and the
		 * variant's top two bits: a bijection on UUIDs of each version. */
		uint8_t keep[3];
		masker_scratch(m, 32);
		for (size_t i = 0; i < 36; i++) {
			if (in[i] == '-')
				continue;
			if (in[i] >= 'A' && in[i] <= 'F')
				upper = true;
			m->digits[n] = (uint8_t)hexval((unsigned char)in[i]);
			m->radix[n++] = 16;
		}
		keep[0] = m->digits[12];
		keep[1] = m->digits[16] & 0xc;
		keep[2] = 0;
		/* drop the version nibble from the permuted digits */
		memmove(m->digits + 12, m->digits + 13, 19);
		m->digits[15] &= 3;      /* was position 16: low two bits only */
		m->radix[15] = 4;
		fpe_tweak(&m->fpe, DOM_UUID, keep, sizeof(keep), tweak);
		fpe_permute(&m->fpe, tweak, m->digits, m->radix, 31);
		m->digits[15] |= keep[1];
		memmove(m->digits + 13, m->digits + 12, 19);
		m->digits[12] = keep[0];
	} else {
		/* any other value: v5-style, 122 keyed bits */
		prf_mac(&m->prf, DOM_UUID_FREE, in, len, b);
		b[6] = (uint8_t)((b[6] & 0x0f) | 0x50);
		b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
		masker_scratch(m, 32);
		for (int i = 0; i < 16; i++) {
			m->digits[2 * i] = b[i] >> 4;
			m->digits[2 * i + 1] = b[i] & 15;
		}
	}
	strbuf_reset(out);
	strbuf_grow(out, 36);
	for (size_t i = 0, o = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out->buf[o++] = '-';
		out->buf[o++] = (upper ? hex_upper : hex_lower)[m->digits[i]];
	}
	strbuf_setlen(out, 36);
	return 0;
}

/* ------------------------------------------------------------------ */
/* digit helpers                                                       */
/* ------------------------------------------------------------------ */

/*
 * Collects the ASCII digits of in into m->digits when every other byte is
 * one of `seps`; returns the count, or -1 when the shape does not fit.
 */
static long collect_digits(struct masker *m, const char *in, size_t len,
			   const char *seps)
{
	long nd = 0;

	masker_scratch(m, len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= '0' && c <= '9') {
			m->digits[nd] = (uint8_t)(c - '0');
			m->radix[nd++] = 10;
		} else if (!c || !strchr(seps, c)) {
			return -1;
		}
	}
	return nd;
}

/* Writes in with its digits replaced by m->digits, in order. */
static void put_digits(struct masker *m, const char *in, size_t len,
		       struct strbuf *out)
{
	size_t nd = 0;

	strbuf_reset(out);
	strbuf_grow(out, len);
	for (size_t i = 0; i < len; i++) {
		if (in[i] >= '0' && in[i] <= '9')
			out->buf[i] = (char)('0' + m->digits[nd++]);
		else
			out->buf[i] = in[i];
	}
	strbuf_setlen(out, len);
}

/* Luhn check digit for d[0..n) (the digits before the check digit). */
static int luhn_digit(const uint8_t *d, size_t n)
{
	int sum = 0;

	for (size_t i = 0; i < n; i++) {
		int v = d[n - 1 - i];
		if (i % 2 == 0) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return (10 - sum % 10) % 10;
}

/*
 * Permutes digits [from, to) of m->digits with a tweak over
 * (domain, kept digits, count).
 */
static void permute_range(struct masker *m, uint32_t domain, size_t nd,
			  size_t from, size_t to)
{
	uint8_t tweak[16], shape[64];
	size_t sl = 0;

	shape[sl++] = (uint8_t)nd;
	for (size_t i = 0; i < from && sl < sizeof(shape); i++)
		shape[sl++] = m->digits[i];
	fpe_tweak(&m->fpe, domain, shape, sl, tweak);
	fpe_permute(&m->fpe, tweak, m->digits + from, m->radix + from, to - from);
}

/* ------------------------------------------------------------------ */
/* card                                                                */
/* ------------------------------------------------------------------ */

int mask_apply_card(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	long nd = collect_digits(m, in, len, " -.");
	size_t keep;
	int delta;

	if (nd < 12 || nd > 19) {
		mask_scramble(m, DOM_CARD, in, len, out);
		return 0;
	}
	/* issuer prefix kept; the Luhn error of the input is kept too, so a
	 * valid number gives a valid number and the map stays a bijection */
	keep = 6;
	delta = (m->digits[nd - 1] - luhn_digit(m->digits, (size_t)nd - 1) + 10) % 10;
	permute_range(m, DOM_CARD, (size_t)nd, keep, (size_t)nd - 1);
	m->digits[nd - 1] = (uint8_t)((luhn_digit(m->digits, (size_t)nd - 1) + delta) % 10);
	put_digits(m, in, len, out);
	return 0;
}

/* ------------------------------------------------------------------ */
/* iban                                                                */
/* ------------------------------------------------------------------ */

/* mod 97 of the IBAN rearranged (BBAN, country, "00") from digit values. */
static int iban_check(const uint8_t *val, const uint8_t *rad, size_t n,
		      const char cc[2])
{
	unsigned r = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned v = val[i] + (rad[i] == 26 ? 10 : 0);
		r = (r * (v >= 10 ? 100 : 10) + v) % 97;
	}
	for (int i = 0; i < 2; i++)
		r = (r * 100 + (unsigned)(cc[i] - 'A' + 10)) % 97;
	r = (r * 100) % 97;
	return (int)(98 - r);
}

int mask_apply_iban(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	char cc[2];
	size_t n = 0, pos = 0, nb;
	int kk_in, kk, delta;
	uint8_t tweak[16], shape[40];
	bool lower[64];

	/* shape: two letters, two digits, 11..30 letters/digits; spaces anywhere */
	masker_scratch(m, len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == ' ')
			continue;
		if (n >= 34)
			goto fallback;
		if (n < 2) {
			if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
				goto fallback;
			cc[n] = (char)(c & ~0x20);
		} else if (n < 4) {
			if (c < '0' || c > '9')
				goto fallback;
			m->digits[n] = (uint8_t)(c - '0');
		} else if (c >= '0' && c <= '9') {
			m->digits[n] = (uint8_t)(c - '0');
			m->radix[n] = 10;
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
			lower[n - 4] = c >= 'a';
			m->digits[n] = (uint8_t)((c & ~0x20) - 'A');
			m->radix[n] = 26;
		} else {
			goto fallback;
		}
		n++;
	}
	if (n < 15)
		goto fallback;
	nb = n - 4;
	kk_in = m->digits[2] * 10 + m->digits[3];
	kk = iban_check(m->digits + 4, m->radix + 4, nb, cc);
	delta = (kk_in - kk + 97 * 2) % 97;
	/* tweak: country, length and the letter/digit pattern of the BBAN */
	shape[0] = (uint8_t)cc[0];
	shape[1] = (uint8_t)cc[1];
	for (size_t i = 0; i < nb; i++)
		shape[2 + i] = m->radix[4 + i];
	fpe_tweak(&m->fpe, DOM_IBAN, shape, 2 + nb, tweak);
	fpe_permute(&m->fpe, tweak, m->digits + 4, m->radix + 4, nb);
	kk = iban_check(m->digits + 4, m->radix + 4, nb, cc);
	/* check digits live in 2..98; keep the input's error (delta) */
	kk = (kk - 2 + delta) % 97 + 2;
	strbuf_reset(out);
	for (size_t i = 0; i < len; i++) {
		if (in[i] == ' ') {
			strbuf_addch(out, ' ');
			continue;
		}
		if (pos < 2)
			strbuf_addch(out, in[i]);
		else if (pos == 2)
			strbuf_addch(out, '0' + kk / 10);
		else if (pos == 3)
			strbuf_addch(out, '0' + kk % 10);
		else if (m->radix[pos] == 10)
			strbuf_addch(out, '0' + m->digits[pos]);
		else
			strbuf_addch(out, (lower[pos - 4] ? 'a' : 'A') + m->digits[pos]);
		pos++;
	}
	return 0;
fallback:
	mask_scramble(m, DOM_IBAN, in, len, out);
	return 0;
}

/* ------------------------------------------------------------------ */
/* national_id                                                         */
/* ------------------------------------------------------------------ */

static bool ssn_valid(const uint8_t *d)
{
	int area = d[0] * 100 + d[1] * 10 + d[2];
	int group = d[3] * 10 + d[4];
	int serial = d[5] * 1000 + d[6] * 100 + d[7] * 10 + d[8];

	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

/*
 * national_id kinds: "ssn" (US, 9 digits, area/group/serial rules kept by
 * cycle-walking), "luhn" (last digit is a Luhn check digit: SIN, SIRET...),
 * "generic" (digits to digits, letters to letters). "auto" picks ssn for 9
 * digits, else generic.
 */
int mask_apply_national_id(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	int kind = m->iparam[0];         /* 0 auto, 1 ssn, 2 luhn, 3 generic */
	long nd = collect_digits(m, in, len, " -./");
	uint8_t tweak[16], shape[2];

	if (kind == 0)
		kind = nd == 9 ? 1 : 3;
	if (kind == 1 && nd == 9) {
		bool v = ssn_valid(m->digits);
		uint64_t x = 0;
		shape[0] = 9;
		shape[1] = 1;
		fpe_tweak(&m->fpe, DOM_NATID, shape, 2, tweak);
		for (int i = 0; i < 9; i++)
			x = x * 10 + m->digits[i];
		/* cycle-walk within the input's class (valid or not) */
		do {
			x = fpe_int(&m->fpe, tweak, x, 1000000000ULL, false);
			for (int i = 8; i >= 0; i--) {
				m->digits[i] = (uint8_t)(x % 10);
				x /= 10;
			}
			for (int i = 0; i < 9; i++)
				x = x * 10 + m->digits[i];
		} while (ssn_valid(m->digits) != v);
		put_digits(m, in, len, out);
		return 0;
	}
	if (kind == 2 && nd >= 2) {
		int delta = (m->digits[nd - 1] - luhn_digit(m->digits, (size_t)nd - 1) + 10) % 10;
		permute_range(m, DOM_NATID, (size_t)nd, 0, (size_t)nd - 1);
		m->digits[nd - 1] = (uint8_t)((luhn_digit(m->digits, (size_t)nd - 1) + delta) % 10);
		put_digits(m, in, len, out);
		return 0;
	}
	mask_scramble(m, DOM_NATID, in, len, out);
	return 0;
}

/* ------------------------------------------------------------------ */
/* ip                                                                  */
/* ------------------------------------------------------------------ */

int mask_apply_ip(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	char buf[INET6_ADDRSTRLEN + 64], txt[INET6_ADDRSTRLEN];
	const char *zone = NULL;
	uint8_t tweak[16], addr[16];
	uint32_t fam;

	if (len == 0 || len >= sizeof(buf))
		goto fallback;
	memcpy(buf, in, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		uint64_t x = ((uint64_t)addr[0] << 24) | ((uint64_t)addr[1] << 16) |
			     ((uint64_t)addr[2] << 8) | addr[3];
		fam = 4;
		fpe_tweak(&m->fpe, DOM_IP4, &fam, sizeof(fam), tweak);
		x = fpe_int(&m->fpe, tweak, x, 1ULL << 32, false);
		strbuf_reset(out);
		strbuf_addf(out, "%u.%u.%u.%u", (unsigned)(x >> 24) & 255,
			    (unsigned)(x >> 16) & 255, (unsigned)(x >> 8) & 255,
			    (unsigned)x & 255);
		return 0;
	}
	zone = memchr(buf, '%', len);
	if (zone)
		buf[zone - buf] = '\0';
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		fam = 6;
		/* radix 256 does not fit uint8_t: permute the 32 nibbles */
		masker_scratch(m, 32);
		for (int i = 0; i < 16; i++) {
			m->digits[2 * i] = addr[i] >> 4;
			m->digits[2 * i + 1] = addr[i] & 15;
		}
		for (int i = 0; i < 32; i++)
			m->radix[i] = 16;
		fpe_tweak(&m->fpe, DOM_IP6, &fam, sizeof(fam), tweak);
		fpe_permute(&m->fpe, tweak, m->digits, m->radix, 32);
		for (int i = 0; i < 16; i++)
			addr[i] = (uint8_t)(m->digits[2 * i] << 4 | m->digits[2 * i + 1]);
		if (!inet_ntop(AF_INET6, addr, txt, sizeof(txt)))
			goto fallback;
		strbuf_reset(out);
		strbuf_addstr(out, txt);
		if (zone)
			strbuf_add(out, in + (zone - buf), len - (size_t)(zone - buf));
		return 0;
	}
fallback:
	mask_scramble(m, DOM_IP4, in, len, out);
	return 0;
}

/* ------------------------------------------------------------------ */
/* fake_phone                                                          */
/* ------------------------------------------------------------------ */

/*
 * Every non-digit stays in place; a leading '+' keeps its country code (the
 * first group of 1-3 digits, or the first digit when there is no
 * separator), a leading "00" keeps the next digit too, a national trunk
 * '0' is kept; the other digits are permuted (unique by construction).
 */
int mask_apply_phone(struct masker *m, const char *in, size_t len, struct strbuf *out)
{
	long nd = collect_digits(m, in, len, " -.()/+x#*");
	size_t keep = 0, i = 0;

	if (nd < 3) {
		mask_scramble(m, DOM_PHONE, in, len, out);
		return 0;
	}
	while (i < len && (in[i] == ' ' || in[i] == '('))
		i++;
	if (i < len && in[i] == '+') {
		size_t g = 0;
		i++;
		while (i + g < len && in[i + g] >= '0' && in[i + g] <= '9')
			g++;
		keep = g >= 1 && g <= 3 ? g : 1;
	} else if (nd > 2 && m->digits[0] == 0 && m->digits[1] == 0) {
		keep = 3;
	} else if (m->digits[0] == 0) {
		keep = 1;
	}
	if ((size_t)nd - keep < 2)
		keep = 0;
	permute_range(m, DOM_PHONE, (size_t)nd, keep, (size_t)nd);
	put_digits(m, in, len, out);
	return 0;
}

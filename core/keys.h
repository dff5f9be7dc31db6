/*
 * keys.h - the master masking key and HKDF sub-key derivation (internal to
 * the masking engine; the public lifecycle is in core/mask.h).
 *
 * A key holds only the HKDF-Extract output (32 bytes) of the secret the
 * user gave, never the secret itself. Keys are wiped on free. Nothing here
 * prints or logs key material; error messages name the file, never bytes.
 */
#ifndef MB_KEYS_H
#define MB_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/mask.h"

#define MASK_KEY_LEN 32

struct mask_key {
	unsigned char prk[MASK_KEY_LEN];  /* HKDF-Extract(salt, secret) */
	int demo;
};

/*
 * HKDF-Expand-SHA256 of the key with info = "maskbench/v1/" label into
 * out[outlen] (outlen <= 255 * 32). Returns 0, or -1 with MB_ERR_INTERNAL
 * when libcrypto fails.
 */
int mask_key_derive(const struct mask_key *k, const char *label,
		    unsigned char *out, size_t outlen, struct mb_err *err);

#endif

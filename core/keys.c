/*
 * keys.c - loading the master key (environment or owner-only file) and
 * deriving sub-keys with HKDF-SHA256 (OpenSSL EVP_PKEY_HKDF).
 */
#include "core/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "core/util.h"

#define KEY_MIN_LEN 16
#define KEY_MAX_FILE 4096

static const char hkdf_salt[] = "maskbench master key v1";
/* The demo key: public by design, accepted only for the demo database. */
static const char demo_secret[] = "maskbench demo key - not secret - demo data only";

/* HKDF with mode EXTRACT_ONLY or EXPAND_ONLY. */
static int hkdf(int mode, const unsigned char *key, size_t keylen,
		const unsigned char *salt, size_t saltlen,
		const unsigned char *info, size_t infolen,
		unsigned char *out, size_t outlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	int ret = -1;
	size_t n = outlen;

	if (!ctx)
		return -1;
	if (EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_hkdf_mode(ctx, mode) <= 0 ||
	    EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_CTX_set1_hkdf_key(ctx, key, (int)keylen) <= 0)
		goto cleanup;
	if (salt && EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, (int)saltlen) <= 0)
		goto cleanup;
	if (info && EVP_PKEY_CTX_add1_hkdf_info(ctx, info, (int)infolen) <= 0)
		goto cleanup;
	if (EVP_PKEY_derive(ctx, out, &n) <= 0 || n != outlen)
		goto cleanup;
	ret = 0;
cleanup:
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

static struct mask_key *key_from_secret(const void *secret, size_t n, int demo)
{
	struct mask_key *k = xcalloc(1, sizeof(*k));

	if (hkdf(EVP_PKEY_HKDEF_MODE_EXTRACT_ONLY, secret, n,
		 (const unsigned char *)hkdf_salt, sizeof(hkdf_salt) - 1,
		 NULL, 0, k->prk, sizeof(k->prk)) < 0) {
		/* libcrypto without HKDF is a broken install: stop here. */
		fprintf(stderr, "maskbench: HKDF is not available in libcrypto\n");
		abort();
	}
	k->demo = demo;
	return k;
}

struct mask_key *mask_key_from_bytes(const void *k, size_t n)
{
	return key_from_secret(k, n, 0);
}

struct mask_key *mask_key_demo(void)
{
	return key_from_secret(demo_secret, sizeof(demo_secret) - 1, 1);
}

bool mask_key_is_demo(const struct mask_key *k)
{
	return k && k->demo;
}

void mask_key_free(struct mask_key *k)
{
	if (!k)
		return;
	secure_zero(k, sizeof(*k));
	free(k);
}

static struct mask_key *key_from_file(const char *path, struct mb_err *err)
{
	struct mask_key *k = NULL;
	unsigned char buf[KEY_MAX_FILE + 1];
	struct stat st;
	size_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		mb_err_set(err, MB_ERR_IO, "cannot open key file '%s': %s", path,
			   strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		mb_err_set(err, MB_ERR_IO, "cannot stat key file '%s': %s", path,
			   strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		mb_err_set(err, MB_ERR_USAGE, "key file '%s' is not a regular file", path);
		goto cleanup;
	}
	if (st.st_uid != geteuid()) {
		mb_err_set(err, MB_ERR_USAGE,
			   "key file '%s' is not owned by the current user", path);
		goto cleanup;
	}
	if ((st.st_mode & 0077) || !(st.st_mode & S_IRUSR)) {
		mb_err_set(err, MB_ERR_USAGE,
			   "key file '%s' has mode %04o: it must be readable by its owner only (chmod 600)",
			   path, (unsigned)(st.st_mode & 07777));
		goto cleanup;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			mb_err_set(err, MB_ERR_IO, "cannot read key file '%s': %s",
				   path, strerror(errno));
			goto cleanup;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > KEY_MAX_FILE) {
			mb_err_set(err, MB_ERR_USAGE, "key file '%s' is larger than %d bytes",
				   path, KEY_MAX_FILE);
			goto cleanup;
		}
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < KEY_MIN_LEN) {
		mb_err_set(err, MB_ERR_USAGE,
			   "key file '%s' holds fewer than %d bytes of key", path, KEY_MIN_LEN);
		goto cleanup;
	}
	k = key_from_secret(buf, n, 0);
cleanup:
	secure_zero(buf, sizeof(buf));
	close(fd);
	return k;
}

struct mask_key *mask_key_load(const char *key_file, struct mb_err *err)
{
	const char *env;
	size_t n;

	if (key_file)
		return key_from_file(key_file, err);
	env = getenv("MASKBENCH_KEY");
	if (!env || !*env) {
		mb_err_set(err, MB_ERR_USAGE,
			   "no masking key: set MASKBENCH_KEY or pass --key-file FILE");
		return NULL;
	}
	n = strlen(env);
	if (n < KEY_MIN_LEN) {
		mb_err_set(err, MB_ERR_USAGE,
			   "MASKBENCH_KEY is shorter than %d bytes", KEY_MIN_LEN);
		return NULL;
	}
	return key_from_secret(env, n, 0);
}

int mask_key_derive(const struct mask_key *k, const char *label,
		    unsigned char *out, size_t outlen, struct mb_err *err)
{
	char info[256];
	int n = snprintf(info, sizeof(info), "maskbench/v1/%s", label);

	if (n < 0 || (size_t)n >= sizeof(info))
		return mb_err_set(err, MB_ERR_INTERNAL, "key label too long");
	if (hkdf(EVP_PKEY_HKDEF_MODE_EXPAND_ONLY, k->prk, sizeof(k->prk), NULL, 0,
		 (const unsigned char *)info, (size_t)n, out, outlen) < 0)
		return mb_err_set(err, MB_ERR_INTERNAL, "cannot derive a sub-key (HKDF failed)");
	return 0;
}

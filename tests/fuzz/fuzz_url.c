/*
 * fuzz_url.c - libFuzzer target for the address parser (db_url_parse):
 * no crash, no leak, and the display form never contains the password.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The display may only be checked for a password that occurs once in the
 * input: otherwise the same bytes can legitimately appear in the host or
 * path ("mysql://root@12://root@1206/shop" has password "//root").
 */
static bool secret_is_distinct(const char *text, const char *password)
{
	if (!password || strlen(password) < 8)
		return false;
	const char *first = strstr(text, password);
	return first && !strstr(first + 1, password);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct db_url url;
	struct mb_err err = MB_ERR_INIT;
	memset(&url, 0, sizeof(url));
	if (db_url_parse(text, &url, &err) == 0) {
		if (!url.display)
			abort();
		if (secret_is_distinct(text, url.password) &&
		    strstr(url.display, url.password))
			abort();
		db_url_release(&url);
	}
	free(text);
	return 0;
}

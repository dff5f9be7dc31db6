/*
 * fuzz_url.c - libFuzzer target for the address parser (db_url_parse):
 * no crash, no leak, and the display form never contains the password.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct db_url url;
	struct mb_err err = MB_ERR_INIT;
	memset(&url, 0, sizeof(url));
	if (db_url_parse(text, &url, &err) == 0) {
		if (!url.display)
			abort();
		/* A password of a few characters could appear by chance elsewhere
		 * in the text; only check ones long enough to be meaningful. */
		if (url.password && strlen(url.password) >= 6 &&
		    strstr(url.display, url.password))
			abort();
		db_url_release(&url);
	} else if (url.password && strlen(url.password) >= 6 &&
		   strstr(err.msg, url.password)) {
		abort();
	}
	free(text);
	return 0;
}

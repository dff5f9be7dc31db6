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
 * The display must not depend on the password at all: parse the same
 * address with the password replaced and require the same display. This
 * also covers passwords that happen to equal public bytes of the display
 * ("postgresQl://ale:esql://a@ge" shows "postgresql://ale@ge", which holds
 * "esql://a" by coincidence). The replacement follows the parser's rule:
 * the user info ends at the LAST '@', the password starts after its first
 * ':'.
 */
static char *with_other_password(const char *text)
{
	const char *rest = strstr(text, "://");
	if (!rest)
		return NULL;
	rest += 3;
	const char *at = strrchr(rest, '@');
	const char *colon = at ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
	if (!colon)
		return NULL;
	size_t head = (size_t)(colon + 1 - text);
	size_t tail = strlen(at);
	char *out = xmalloc(head + 2 + tail + 1);
	memcpy(out, text, head);
	memcpy(out + head, "pw", 2);
	memcpy(out + head + 2, at, tail + 1);
	return out;
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
		char *other = url.password ? with_other_password(text) : NULL;
		if (other) {
			struct db_url url2;
			struct mb_err err2 = MB_ERR_INIT;
			memset(&url2, 0, sizeof(url2));
			if (db_url_parse(other, &url2, &err2) != 0 ||
			    strcmp(url.display, url2.display) != 0)
				abort();
			db_url_release(&url2);
			free(other);
		}
		db_url_release(&url);
	}
	free(text);
	return 0;
}

/*
 * fuzz_scan.c - libFuzzer target for the scanner's value path: whole-value
 * classification, spans in free text (patterns and customer names), the
 * customer-name matcher and the redacted shape kept as evidence.
 *
 * Checks: no crash, no leak; categories matched are a subset of shapes
 * (valid within shape, weak within valid); spans lie inside the text, go
 * left to right without overlapping; the shape holds no digit or letter of
 * the value (only 9, X, x) except the first/last four digits of a card.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/match.h"
#include "scanner/scanner.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct match_catalog *cat;
static struct customer_set *customers;
static struct match_scratch *scratch;
static struct strbuf shape = STRBUF_INIT;

static const char *const names[] = {
	"Acme Corporation", "Müller & Söhne GmbH", "Target", "Blue Harbor Logistics Inc.",
	"Øresund Fisk AB", "North Wind", "Zhang Wei Trading", "Apple",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct mb_err err = MB_ERR_INIT;

	(void)argc;
	(void)argv;
	cat = match_catalog_load(NULL, &err);
	customers = customer_set_new();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		customer_set_add(customers, names[i], strlen(names[i]));
	if (!cat || customer_set_build(customers, &err) < 0) {
		fprintf(stderr, "fuzz_scan: %s\n", err.msg);
		abort();
	}
	scratch = match_scratch_new(cat);
	return 0;
}

struct span_walk {
	size_t len, end;
};

static int check_span(void *ctx, const struct match_span *sp)
{
	struct span_walk *w = ctx;

	if (sp->start < w->end || sp->len == 0 || sp->start + sp->len > w->len ||
	    !sp->category || !sp->pattern)
		abort();
	w->end = sp->start + sp->len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v = (const char *)data;
	struct match_result r;
	struct mb_err err = MB_ERR_INIT;
	struct span_walk walk = { size, 0 };

	if (match_classify_value(cat, scratch, v, size, &r, &err) == 0 &&
	    ((r.valid & ~r.shape) || (r.weak & ~r.valid)))
		abort();
	if (match_find_spans(cat, customers, v, size, check_span, &walk) < 0 &&
	    utf8_valid(v, size))
		abort();
	(void)customer_set_match(customers, scratch, v, size);

	for (int card = 0; card < 2; card++) {
		strbuf_reset(&shape);
		scan_shape(v, size, card, &shape);
		if (!card)
			for (size_t i = 0; i < shape.len; i++)
				if ((shape.buf[i] >= '0' && shape.buf[i] <= '8') ||
				    (shape.buf[i] >= 'a' && shape.buf[i] <= 'z' && shape.buf[i] != 'x') ||
				    (shape.buf[i] >= 'A' && shape.buf[i] <= 'Z' && shape.buf[i] != 'X'))
					abort();
	}
	return 0;
}

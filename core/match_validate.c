/*
 * match_validate.c - checksums and plausibility rules that turn a pattern
 * hit into a validated match. Each validator takes the raw candidate
 * (separators allowed) and never keeps or prints it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/match.h"
#include "core/match_int.h"

/* Copies the digits of s into buf (at most cap); returns their count or
 * SIZE_MAX when a character other than a digit, space, dash or dot occurs. */
static size_t only_digits(const char *s, size_t len, char *buf, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isdigit(c)) {
			if (n == cap)
				return SIZE_MAX;
			buf[n++] = (char)c;
		} else if (c != ' ' && c != '-' && c != '.') {
			return SIZE_MAX;
		}
	}
	return n;
}

static bool luhn_digits(const char *d, size_t n)
{
	int sum = 0;
	bool dbl = false;
	for (size_t i = n; i-- > 0;) {
		int v = d[i] - '0';
		if (dbl) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

static bool all_same(const char *d, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (d[i] != d[0])
			return false;
	return true;
}

bool match_luhn(const char *s, size_t len)
{
	char d[64];
	size_t n = only_digits(s, len, d, sizeof(d));
	return n != SIZE_MAX && n >= 2 && luhn_digits(d, n);
}

bool match_card(const char *s, size_t len)
{
	char d[32];
	size_t n = only_digits(s, len, d, sizeof(d));
	if (n == SIZE_MAX || n < 13 || n > 19 || all_same(d, n))
		return false;
	int p1 = d[0] - '0', p2 = (d[0] - '0') * 10 + (d[1] - '0');
	int p4 = p2 * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	bool ok;
	if (p1 == 4)                                  /* Visa */
		ok = n == 13 || n == 16 || n == 19;
	else if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
		ok = n == 16;                         /* Mastercard */
	else if (p2 == 34 || p2 == 37)
		ok = n == 15;                         /* Amex */
	else if (p2 == 36 || p2 == 38 || (p4 >= 3000 && p4 <= 3059))
		ok = n >= 14 && n <= 19;              /* Diners */
	else if (p4 == 6011 || p2 == 65 || (p4 >= 6440 && p4 <= 6499))
		ok = n >= 16 && n <= 19;              /* Discover */
	else if (p4 >= 3528 && p4 <= 3589)
		ok = n >= 16 && n <= 19;              /* JCB */
	else if (p2 == 62)
		ok = n >= 16 && n <= 19;              /* UnionPay */
	else
		ok = false;
	return ok && luhn_digits(d, n);
}

/* IBAN lengths per country (ISO 13616 registry). */
static const struct { char cc[3]; unsigned char len; } iban_lengths[] = {
	{"AD",24},{"AE",23},{"AL",28},{"AT",20},{"AZ",28},{"BA",20},{"BE",16},
	{"BG",22},{"BH",22},{"BR",29},{"BY",28},{"CH",21},{"CR",22},{"CY",28},
	{"CZ",24},{"DE",22},{"DK",18},{"DO",28},{"EE",20},{"EG",29},{"ES",24},
	{"FI",18},{"FO",18},{"FR",27},{"GB",22},{"GE",22},{"GI",23},{"GL",18},
	{"GR",27},{"GT",28},{"HR",21},{"HU",28},{"IE",22},{"IL",23},{"IQ",23},
	{"IS",26},{"IT",27},{"JO",30},{"KW",30},{"KZ",20},{"LB",28},{"LC",32},
	{"LI",21},{"LT",20},{"LU",20},{"LV",21},{"MC",27},{"MD",24},{"ME",22},
	{"MK",19},{"MR",27},{"MT",31},{"MU",30},{"NL",18},{"NO",15},{"PK",24},
	{"PL",28},{"PS",29},{"PT",25},{"QA",29},{"RO",24},{"RS",22},{"SA",24},
	{"SC",31},{"SE",24},{"SI",19},{"SK",24},{"SM",27},{"ST",25},{"SV",28},
	{"TL",23},{"TN",24},{"TR",26},{"UA",29},{"VA",22},{"VG",24},{"XK",20},
};

bool match_iban(const char *s, size_t len)
{
	char b[40];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ')
			continue;
		if (!isalnum(c) || n == sizeof(b))
			return false;
		b[n++] = (char)toupper(c);
	}
	if (n < 15 || !isalpha((unsigned char)b[0]) || !isalpha((unsigned char)b[1]) ||
	    !isdigit((unsigned char)b[2]) || !isdigit((unsigned char)b[3]))
		return false;
	bool known = false;
	for (size_t i = 0; i < ARRAY_SIZE(iban_lengths); i++)
		if (b[0] == iban_lengths[i].cc[0] && b[1] == iban_lengths[i].cc[1]) {
			if (n != iban_lengths[i].len)
				return false;
			known = true;
			break;
		}
	if (!known)
		return false;
	unsigned rem = 0;
	for (size_t k = 0; k < n; k++) {
		char c = b[(k + 4) % n];
		if (isdigit((unsigned char)c))
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return rem == 1;
}

bool match_ssn(const char *s, size_t len)
{
	char d[16];
	/* Mixed delimiters are rejected by the pattern; here only digits count. */
	size_t n = only_digits(s, len, d, sizeof(d));
	if (n != 9 || all_same(d, n))
		return false;
	int area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	int group = (d[3] - '0') * 10 + (d[4] - '0');
	int serial = (d[5] - '0') * 1000 + (d[6] - '0') * 100 + (d[7] - '0') * 10 + (d[8] - '0');
	if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
		return false;
	static const char *const samples[] = {
		"078051120", "219099999", "123456789", "987654320", "987654321",
		"987654322", "987654323", "987654324", "987654325", "987654326",
		"987654327", "987654328", "987654329",
	};
	d[9] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++)
		if (!memcmp(d, samples[i], 9))
			return false;
	return true;
}

static bool copy_z(const char *s, size_t len, char *buf, size_t cap)
{
	if (len >= cap)
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	return true;
}

bool match_ipv4(const char *s, size_t len)
{
	char buf[INET_ADDRSTRLEN + 1];
	struct in_addr a;
	return copy_z(s, len, buf, sizeof(buf)) && inet_pton(AF_INET, buf, &a) == 1;
}

bool match_ipv6(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 24];
	struct in6_addr a;
	if (!copy_z(s, len, buf, sizeof(buf)))
		return false;
	char *zone = strchr(buf, '%');
	if (zone)
		*zone = 0;
	return inet_pton(AF_INET6, buf, &a) == 1;
}

static int current_year(void)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

static bool plausible_ymd(int y, int m, int d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int now = current_year();
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return y >= now - 120 && y <= now;
}

/* Reads up to max digits; returns the count read. */
static int read_num(const char **p, const char *end, int max, int *out)
{
	int n = 0, v = 0;
	while (*p < end && n < max && isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*out = v;
	return n;
}

bool match_birth_date(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	int a, b, c, na, nb, nc;
	na = read_num(&p, end, 4, &a);
	if (p >= end || (*p != '-' && *p != '/' && *p != '.'))
		return false;
	char sep = *p++;
	nb = read_num(&p, end, 2, &b);
	if (p >= end || *p != sep)
		return false;
	p++;
	nc = read_num(&p, end, 4, &c);
	if (!na || !nb || !nc)
		return false;
	/* Anything after the date must be a time part. */
	if (p < end && *p != ' ' && *p != 'T')
		return false;
	if (na == 4)
		return nc <= 2 && plausible_ymd(a, b, c);
	if (nc != 4 && nc != 2)
		return false;
	if (nc == 2)
		c += c > current_year() % 100 ? 1900 : 2000;
	/* DMY or MDY: either reading may be the right one. */
	return plausible_ymd(c, b, a) || plausible_ymd(c, a, b);
}

bool match_nhs(const char *s, size_t len)
{
	char d[16];
	size_t n = only_digits(s, len, d, sizeof(d));
	if (n != 10 || all_same(d, n))
		return false;
	int sum = 0;
	for (int i = 0; i < 9; i++)
		sum += (d[i] - '0') * (10 - i);
	int check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	return check != 10 && check == d[9] - '0';
}

bool match_es_nif(const char *s, size_t len)
{
	static const char letters[] = "TRWAGMYFPDXBNJZSQVHLCKE";
	char b[12];
	if (len != 9)
		return false;
	memcpy(b, s, 9);
	b[9] = 0;
	char first = (char)toupper((unsigned char)b[0]);
	if (first == 'X' || first == 'Y' || first == 'Z')
		b[0] = (char)('0' + (first - 'X'));
	for (int i = 0; i < 8; i++)
		if (!isdigit((unsigned char)b[i]))
			return false;
	long n = strtol((char[9]){ b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], 0 },
			NULL, 10);
	return toupper((unsigned char)b[8]) == letters[n % 23];
}

static int vin_value(char c)
{
	/* Letters transliterate to digits; I, O and Q are not allowed. */
	static const char map[] = "12345678.12345.7.923456789";
	c = (char)toupper((unsigned char)c);
	if (isdigit((unsigned char)c))
		return c - '0';
	if (c < 'A' || c > 'Z' || map[c - 'A'] == '.')
		return -1;
	return map[c - 'A'] - '0';
}

bool match_vin(const char *s, size_t len)
{
	static const int weights[17] = { 8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2 };
	if (len != 17)
		return false;
	int sum = 0, digits = 0;
	for (int i = 0; i < 17; i++) {
		int v = vin_value(s[i]);
		if (v < 0)
			return false;
		digits += isdigit((unsigned char)s[i]) != 0;
		sum += v * weights[i];
	}
	if (digits == 17)  /* a 17-digit number is an id, not a VIN */
		return false;
	int check = sum % 11;
	char want = check == 10 ? 'X' : (char)('0' + check);
	return toupper((unsigned char)s[8]) == want;
}

bool match_aba(const char *s, size_t len)
{
	char d[16];
	size_t n = only_digits(s, len, d, sizeof(d));
	if (n != 9 || all_same(d, n))
		return false;
	int p2 = (d[0] - '0') * 10 + (d[1] - '0');
	if (!((p2 <= 12) || (p2 >= 21 && p2 <= 32) || (p2 >= 61 && p2 <= 72) || p2 == 80))
		return false;
	int v[9];
	for (int i = 0; i < 9; i++)
		v[i] = d[i] - '0';
	int sum = 3 * (v[0] + v[3] + v[6]) + 7 * (v[1] + v[4] + v[7]) + (v[2] + v[5] + v[8]);
	return sum % 10 == 0;
}

static int b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '-' || c == '+') return 62;
	if (c == '_' || c == '/') return 63;
	return -1;
}

bool match_jwt(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);
	if (!dot || dot == s || dot - s > 2048)
		return false;
	char out[1600];
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	for (const char *p = s; p < dot; p++) {
		int v = b64url_val((unsigned char)*p);
		if (v < 0)
			return false;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = 0;
	size_t i = 0;
	while (i < n && isspace((unsigned char)out[i]))
		i++;
	return i < n && out[i] == '{' && strstr(out, "\"alg\"") != NULL;
}

bool match_email_domain(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	if (!at)
		return false;
	size_t dl = len - (size_t)(at + 1 - s);
	const char *dom = at + 1;
	/* Reserved names: test data, not a person's address. */
	static const char *const reserved[] = {
		"localhost", "example.com", "example.org", "example.net",
		"example", "invalid", "test", "local",
	};
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
		size_t rl = strlen(reserved[i]);
		if (dl == rl && !strncasecmp(dom, reserved[i], rl))
			return false;
		/* the last label */
		if (dl > rl && dom[dl - rl - 1] == '.' &&
		    !strncasecmp(dom + dl - rl, reserved[i], rl) &&
		    (!strcmp(reserved[i], "invalid") || !strcmp(reserved[i], "test") ||
		     !strcmp(reserved[i], "localhost") || !strcmp(reserved[i], "example")))
			return false;
	}
	/* The top-level domain: letters only, 2..63. */
	const char *tld = NULL;
	for (const char *p = dom; p < s + len; p++)
		if (*p == '.')
			tld = p + 1;
	if (!tld || s + len - tld < 2)
		return false;
	for (const char *p = tld; p < s + len; p++)
		if (!isalpha((unsigned char)*p))
			return false;
	return true;
}

double match_entropy(const char *s, size_t len)
{
	unsigned counts[256] = { 0 };
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		counts[(unsigned char)s[i]]++;
	double h = 0;
	for (int i = 0; i < 256; i++)
		if (counts[i]) {
			double p = (double)counts[i] / (double)len;
			h -= p * log2(p);
		}
	return h;
}

static bool v_entropy35(const char *s, size_t len)
{
	return match_entropy(s, len) >= 3.5;
}

static bool v_npi(const char *s, size_t len)
{
	char d[16 + 5] = "80840";
	size_t n = only_digits(s, len, d + 5, 16);
	return n == 10 && luhn_digits(d, 15);
}

static bool v_imei(const char *s, size_t len)
{
	char d[20];
	size_t n = only_digits(s, len, d, sizeof(d));
	return n == 15 && !all_same(d, n) && luhn_digits(d, n);
}

/* A phone number: 7..15 digits, not all the same, not a run 0123456789. */
static bool v_phone(const char *s, size_t len)
{
	char d[24];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isdigit(c)) {
			if (n == sizeof(d))
				return false;
			d[n++] = (char)c;
		}
	}
	if (n < 7 || n > 15 || all_same(d, n))
		return false;
	bool seq = true;
	for (size_t i = 1; i < n && seq; i++)
		seq = d[i] == (char)('0' + ((d[i - 1] - '0' + 1) % 10));
	return !seq;
}

/* Latitude,longitude pair in range with some decimals. */
static bool v_latlon(const char *s, size_t len)
{
	char buf[96];
	if (!copy_z(s, len, buf, sizeof(buf)))
		return false;
	char *end;
	double lat = strtod(buf, &end);
	while (*end == ' ' || *end == ',' || *end == ';')
		end++;
	double lon = strtod(end, NULL);
	return fabs(lat) <= 90 && fabs(lon) <= 180 && !(lat == 0 && lon == 0);
}

static bool v_private_ipv4_ok(const char *s, size_t len)
{
	return match_ipv4(s, len);
}


static const struct validator validators[] = {
	{ "aba", match_aba },
	{ "birth_date", match_birth_date },
	{ "card", match_card },
	{ "email_domain", match_email_domain },
	{ "entropy35", v_entropy35 },
	{ "es_nif", match_es_nif },
	{ "iban", match_iban },
	{ "imei", v_imei },
	{ "ipv4", v_private_ipv4_ok },
	{ "ipv6", match_ipv6 },
	{ "jwt", match_jwt },
	{ "latlon", v_latlon },
	{ "luhn", match_luhn },
	{ "nhs", match_nhs },
	{ "npi", v_npi },
	{ "phone", v_phone },
	{ "ssn", match_ssn },
	{ "vin", match_vin },
};

const struct validator *match_find_validator(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(validators); i++)
		if (!strcmp(validators[i].name, name))
			return &validators[i];
	return NULL;
}

bool match_validator_known(const char *name)
{
	return match_find_validator(name) != NULL;
}

bool match_validate(const char *name, const char *s, size_t len)
{
	const struct validator *v = match_find_validator(name);
	return v && v->fn(s, len);
}

/*
 * demo_gen.c - builds the demo database (see demo_gen.h).
 *
 * Everything is derived from one fixed-seed PRNG (splitmix64) and the small
 * word lists below, in a fixed order, so the content never depends on the
 * machine, the time or the SQLite version. Money is integer cents, dates are
 * computed from day numbers: no floating point reaches a row except the
 * company coordinates, which are exact quotients of integers.
 *
 * The people, companies, email addresses, phones (555, Ofcom drama ranges
 * and random digits), cards and IBANs are invented; email addresses use
 * common webmail domains and invented company domains, as fake-data
 * generators do, so that the scanner sees realistic values (it treats
 * reserved domains such as example.com as test data).
 */
#include "config.h"

#include "share/demo/demo_gen.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/strbuf.h"
#include "core/util.h"

#define DEMO_SEED 0x6d61736b62656e63ULL /* "maskbenc" */

enum {
	N_CUSTOMERS = 2000,
	N_EMPLOYEES = 40,
	N_PRODUCTS = 150,
	N_ORDERS = 6000,
	N_TICKETS = 900,
	N_RETURNS = 400,
	N_AUDIT = 4000,
	MAX_ITEMS = 6,
};

/* ------------------------------------------------------------------ */
/* PRNG                                                                */
/* ------------------------------------------------------------------ */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static int rng_range(struct rng *r, int lo, int hi)
{
	return lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
}

static bool rng_percent(struct rng *r, unsigned pct)
{
	return rng_below(r, 100) < pct;
}

#define PICK(r, arr) ((arr)[rng_below((r), ARRAY_SIZE(arr))])

/* ------------------------------------------------------------------ */
/* Word lists                                                          */
/* ------------------------------------------------------------------ */

struct name {
	const char *text;  /* as written, UTF-8 */
	const char *ascii; /* lower-case ASCII form for emails and usernames */
};

static const struct name first_names[] = {
	{ "Olivia", "olivia" }, { "Liam", "liam" }, { "Emma", "emma" },
	{ "Noah", "noah" }, { "Amelia", "amelia" }, { "Oliver", "oliver" },
	{ "Sophia", "sophia" }, { "Elijah", "elijah" }, { "Charlotte", "charlotte" },
	{ "James", "james" }, { "Mia", "mia" }, { "Lucas", "lucas" },
	{ "Harper", "harper" }, { "Henry", "henry" }, { "Evelyn", "evelyn" },
	{ "Theodore", "theodore" }, { "Grace", "grace" }, { "Samuel", "samuel" },
	{ "Hannah", "hannah" }, { "Daniel", "daniel" }, { "Chloé", "chloe" },
	{ "José", "jose" }, { "Zoë", "zoe" }, { "Björn", "bjorn" },
	{ "Siobhán", "siobhan" }, { "Łukasz", "lukasz" }, { "Renée", "renee" },
	{ "François", "francois" }, { "Jürgen", "jurgen" }, { "Inés", "ines" },
	{ "Søren", "soren" }, { "Aoife", "aoife" }, { "Matteo", "matteo" },
	{ "Giulia", "giulia" }, { "Lars", "lars" }, { "Astrid", "astrid" },
	{ "Pieter", "pieter" }, { "Fleur", "fleur" }, { "Mohammed", "mohammed" },
	{ "Aisha", "aisha" }, { "Wei", "wei" }, { "Mei", "mei" },
	{ "Hiroshi", "hiroshi" }, { "Yuki", "yuki" }, { "Priya", "priya" },
	{ "Arjun", "arjun" }, { "Kwame", "kwame" }, { "Amara", "amara" },
	{ "Mateo", "mateo" }, { "Valentina", "valentina" }, { "Hugo", "hugo" },
	{ "Elena", "elena" }, { "Tomás", "tomas" }, { "Maëlle", "maelle" },
	{ "Dmitri", "dmitri" }, { "Anya", "anya" }, { "Connor", "connor" },
	{ "Niamh", "niamh" }, { "Oscar", "oscar" }, { "Freya", "freya" },
	{ "Mary", "mary" }, { "John", "john" }, { "Patricia", "patricia" },
	{ "Robert", "robert" },
};

static const struct name last_names[] = {
	{ "Smith", "smith" }, { "Johnson", "johnson" }, { "Williams", "williams" },
	{ "Brown", "brown" }, { "Jones", "jones" }, { "García", "garcia" },
	{ "Miller", "miller" }, { "Davis", "davis" }, { "Rodríguez", "rodriguez" },
	{ "Martínez", "martinez" }, { "Hernández", "hernandez" }, { "Lopez", "lopez" },
	{ "Wilson", "wilson" }, { "Anderson", "anderson" }, { "Taylor", "taylor" },
	{ "Thomas", "thomas" }, { "Moore", "moore" }, { "Jackson", "jackson" },
	{ "Martin", "martin" }, { "Lee", "lee" }, { "Thompson", "thompson" },
	{ "White", "white" }, { "Harris", "harris" }, { "Clark", "clark" },
	{ "Lewis", "lewis" }, { "Walker", "walker" }, { "Hall", "hall" },
	{ "O'Brien", "obrien" }, { "O'Sullivan", "osullivan" }, { "Murphy", "murphy" },
	{ "Müller", "mueller" }, { "Schmidt", "schmidt" }, { "Schneider", "schneider" },
	{ "Fischer", "fischer" }, { "Weiß", "weiss" }, { "Dubois", "dubois" },
	{ "Lefèvre", "lefevre" }, { "Moreau", "moreau" }, { "Girard", "girard" },
	{ "Rossi", "rossi" }, { "Russo", "russo" }, { "Bianchi", "bianchi" },
	{ "Esposito", "esposito" }, { "van der Berg", "vanderberg" },
	{ "de Vries", "devries" }, { "Jansen", "jansen" }, { "Bakker", "bakker" },
	{ "Andersson", "andersson" }, { "Johansson", "johansson" },
	{ "Nilsson", "nilsson" }, { "Kowalski", "kowalski" }, { "Nowak", "nowak" },
	{ "Novák", "novak" }, { "Nguyen", "nguyen" }, { "Tanaka", "tanaka" },
	{ "Sato", "sato" }, { "Chen", "chen" }, { "Wang", "wang" },
	{ "Patel", "patel" }, { "Singh", "singh" }, { "Okafor", "okafor" },
	{ "Mensah", "mensah" }, { "Silva", "silva" }, { "Santos", "santos" },
	{ "Fernández", "fernandez" }, { "Ivanova", "ivanova" },
	{ "Smith-Jones", "smithjones" }, { "Young", "young" },
};

struct company {
	const char *name;
	const char *domain; /* without the country's top-level domain */
	int country;        /* index in countries[] */
};

/*
 * Customer companies. The same names, in this order, are in
 * share/demo/customers.txt (the demo test compares them).
 */
static const struct company companies[] = {
	{ "Acorn & Finch Bakery Ltd", "acornfinch", 1 },
	{ "Bluefin Logistics GmbH", "bluefin-logistics", 2 },
	{ "Brightwater Analytics Inc.", "brightwater", 0 },
	{ "Café Lumière SARL", "cafe-lumiere", 3 },
	{ "Copperleaf Interiors", "copperleaf", 1 },
	{ "Driftwood Surf Co.", "driftwoodsurf", 0 },
	{ "Elmstead Veterinary Clinic", "elmstead-vets", 1 },
	{ "Fjordline Outdoor AB", "fjordline", 8 },
	{ "Foxglove Florists", "foxglove", 9 },
	{ "Granite Peak Construction LLC", "granitepeak", 0 },
	{ "Harbour Lights Hotel", "harbourlights", 1 },
	{ "Hollowbrook Farms", "hollowbrook", 7 },
	{ "Ironbridge Engineering plc", "ironbridge-eng", 1 },
	{ "Juniper & Sage Apothecary", "junipersage", 0 },
	{ "Kestrel Aviation Services", "kestrel-aviation", 9 },
	{ "Lakeshore Dental Group", "lakeshoredental", 7 },
	{ "L'Atelier Rouge", "atelier-rouge", 3 },
	{ "Larkspur Learning Centre", "larkspur", 1 },
	{ "Meridian Freight B.V.", "meridianfreight", 4 },
	{ "Millbrook Brewing Company", "millbrookbrewing", 0 },
	{ "Moonstone Jewellers", "moonstone", 1 },
	{ "Müller & Söhne Feinmechanik KG", "mueller-soehne", 2 },
	{ "Nightingale Home Care", "nightingalecare", 1 },
	{ "Oakhaven Property Management", "oakhaven", 0 },
	{ "Orchard Lane Cider", "orchardlane", 1 },
	{ "Pebble Creek Pottery", "pebblecreek", 0 },
	{ "Pinecrest Capital Partners", "pinecrest-capital", 0 },
	{ "Quillon Legal LLP", "quillonlegal", 1 },
	{ "Redwood Robotics Inc.", "redwoodrobotics", 0 },
	{ "Riverside Print Works", "riversideprint", 9 },
	{ "Saffron Table Catering", "saffrontable", 1 },
	{ "Seabright Marine Supplies", "seabright", 7 },
	{ "Silverline Telecom S.p.A.", "silverline-tlc", 6 },
	{ "Solstice Yoga Studio", "solsticeyoga", 0 },
	{ "Stonegate Architects", "stonegate-arch", 1 },
	{ "Sunflower Nursery School", "sunflower-nursery", 4 },
	{ "Talisker Tweed Mills", "taliskertweed", 1 },
	{ "Tidewater Fisheries", "tidewater", 7 },
	{ "Tinder & Twine Crafts", "tindertwine", 0 },
	{ "Torres Hermanos Distribución S.L.", "torreshermanos", 5 },
	{ "Upland Coffee Roasters", "uplandcoffee", 0 },
	{ "Vanguard Cycle Works", "vanguardcycles", 2 },
	{ "Verdant Landscaping", "verdant", 9 },
	{ "Wildflower Honey Co.", "wildflowerhoney", 3 },
	{ "Willowmere Books", "willowmere", 1 },
	{ "Windmill Dairy B.V.", "windmilldairy", 4 },
	{ "Wrenfield Accounting", "wrenfield", 0 },
	{ "Yellowhammer Design Studio", "yellowhammer", 2 },
	{ "Zephyr Wind Energy AS", "zephyrwind", 8 },
	{ "Østergaard Møbler ApS", "ostergaard", 8 },
	{ "Hôtel du Vieux Port", "vieuxport", 3 },
	{ "Kingfisher Pharmacy", "kingfisher-pharmacy", 1 },
	{ "Marigold Events", "marigoldevents", 6 },
	{ "Cobalt Security Systems", "cobaltsecurity", 0 },
	{ "Evergreen Pet Supplies", "evergreenpets", 7 },
	{ "Falcon Ridge Vineyards", "falconridge", 0 },
	{ "Goldcrest Insurance Brokers", "goldcrest", 1 },
	{ "Heron Bay Marina", "heronbay", 9 },
	{ "Ivybridge Medical Practice", "ivybridge-medical", 1 },
	{ "Bramble & Thorn Gardeners", "brambleandthorn", 1 },
};

static const char *company_names[ARRAY_SIZE(companies) + 1];

/*
 * Patterns: 'N' becomes a random digit, 'A' a random capital letter; every
 * other byte is copied.
 */
struct country {
	const char *code, *name, *dial;
	const char *tld;       /* ".co.uk" */
	int iban_len;          /* 0: the country has no IBAN */
	const char *bban;      /* pattern of the basic bank account number */
	const char *postal;    /* pattern */
	const char *phones[3]; /* patterns */
	const char *cities[5];
	const char *streets[5];
	bool number_first;     /* "12 High Street" rather than "Hauptstraße 12" */
	int lat, lon;          /* centre, millionths of a degree */
	unsigned weight;       /* share of customers, percent */
};

static const struct country countries[] = {
	{ "US", "United States", "+1", ".com", 0, NULL, "NNNNN",
	  { "(2NN) 555-01NN", "3NN-555-01NN", "+1 6NN 555 01NN" },
	  { "Springfield", "Portland", "Austin", "Madison", "Burlington" },
	  { "Maple Street", "Oak Avenue", "Elm Road", "Lakeview Drive", "Cedar Lane" },
	  true, 39800000, -98500000, 25 },
	{ "GB", "United Kingdom", "+44", ".co.uk", 22, "AAAANNNNNNNNNNNNNN", "AAN NAA",
	  { "+44 20 7946 0NNN", "020 7946 0NNN", "07700 900NNN" },
	  { "London", "Manchester", "Bristol", "Leeds", "Edinburgh" },
	  { "High Street", "Church Road", "Station Road", "Mill Lane", "Victoria Road" },
	  true, 52500000, -1500000, 18 },
	{ "DE", "Germany", "+49", ".de", 22, "NNNNNNNNNNNNNNNNNN", "NNNNN",
	  { "+49 30 NNNNNNNN", "030 NNNNNNN", "+49 (0)89 NNNNNN" },
	  { "Berlin", "München", "Hamburg", "Köln", "Leipzig" },
	  { "Hauptstraße", "Lindenstraße", "Schillerstraße", "Gartenweg", "Bahnhofstraße" },
	  false, 51000000, 10000000, 14 },
	{ "FR", "France", "+33", ".fr", 27, "NNNNNNNNNNNNNNNNNNNNNNN", "NNNNN",
	  { "+33 1 NN NN NN NN", "06 NN NN NN NN", "01.NN.NN.NN.NN" },
	  { "Paris", "Lyon", "Marseille", "Toulouse", "Nantes" },
	  { "rue des Lilas", "avenue Victor Hugo", "boulevard Voltaire", "rue de la Paix", "place du Marché" },
	  true, 46500000, 2500000, 10 },
	{ "NL", "Netherlands", "+31", ".nl", 18, "AAAANNNNNNNNNN", "NNNN AA",
	  { "+31 20 NNN NNNN", "06-NNNNNNNN", "020-NNN NNNN" },
	  { "Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven" },
	  { "Keizersgracht", "Prinsengracht", "Dorpsstraat", "Kerkstraat", "Molenweg" },
	  false, 52200000, 5300000, 8 },
	{ "ES", "Spain", "+34", ".es", 24, "NNNNNNNNNNNNNNNNNNNN", "NNNNN",
	  { "+34 91 NNN NN NN", "6NN NNN NNN", "+34 6NN NN NN NN" },
	  { "Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao" },
	  { "Calle Mayor", "Calle de Alcalá", "Avenida de la Constitución", "Calle del Sol", "Paseo del Prado" },
	  false, 40300000, -3700000, 7 },
	{ "IT", "Italy", "+39", ".it", 27, "ANNNNNNNNNNNNNNNNNNNNNN", "NNNNN",
	  { "+39 06 NNNN NNNN", "3NN NNN NNNN", "+39 02 NNNNNNNN" },
	  { "Roma", "Milano", "Torino", "Bologna", "Firenze" },
	  { "Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Piazza Verdi" },
	  false, 42800000, 12500000, 6 },
	{ "CA", "Canada", "+1", ".ca", 0, NULL, "ANA NAN",
	  { "(4NN) 555-01NN", "+1 6NN-555-01NN", "7NN.555.01NN" },
	  { "Toronto", "Montréal", "Vancouver", "Ottawa", "Halifax" },
	  { "King Street", "Queen Street", "Rue Sainte-Catherine", "Yonge Street", "Main Street" },
	  true, 56100000, -106300000, 5 },
	{ "SE", "Sweden", "+46", ".se", 24, "NNNNNNNNNNNNNNNNNNNN", "NNN NN",
	  { "+46 8 NNN NNN NN", "07N-NNN NN NN", "08-NNN NN NN" },
	  { "Stockholm", "Göteborg", "Malmö", "Uppsala", "Västerås" },
	  { "Storgatan", "Drottninggatan", "Kungsgatan", "Skolgatan", "Ringvägen" },
	  false, 60100000, 18600000, 4 },
	{ "IE", "Ireland", "+353", ".ie", 22, "AAAANNNNNNNNNNNNNN", "ANN ANNN",
	  { "+353 1 NNN NNNN", "08N NNN NNNN", "(01) NNN NNNN" },
	  { "Dublin", "Cork", "Galway", "Limerick", "Waterford" },
	  { "Main Street", "Bridge Street", "Church Street", "O'Connell Street", "Strand Road" },
	  true, 53400000, -8200000, 3 },
};
#define N_COUNTRIES ARRAY_SIZE(countries)

/* Lookup-only countries: nobody lives there in the demo. */
static const struct {
	const char *code, *name, *dial;
	int iban_len;
} other_countries[] = {
	{ "AU", "Australia", "+61", 0 },
	{ "BR", "Brazil", "+55", 29 },
	{ "CH", "Switzerland", "+41", 21 },
	{ "JP", "Japan", "+81", 0 },
	{ "PL", "Poland", "+48", 28 },
};

/*
 * Webmail-style domains, as fake-data generators use them; one reserved
 * domain (RFC 2606) for the test accounts every production database has.
 */
static const char *const email_domains[] = {
	"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "gmx.de",
	"web.de", "orange.fr", "libero.it", "icloud.com", "example.com",
};

static const char *const job_titles[] = {
	"Sales Representative", "Account Manager", "Support Agent",
	"Warehouse Lead", "Accountant", "Buyer", "Customer Success Manager",
	"Developer", "Marketing Specialist", "Logistics Coordinator",
};

static const char *const product_adjectives[] = {
	"Walnut", "Bamboo", "Recycled", "Classic", "Compact", "Deluxe",
	"Ergonomic", "Linen", "Stoneware", "Copper", "Wool", "Solar",
	"Folding", "Vintage", "Modular",
};

static const struct {
	const char *noun, *category;
	int min_price, max_price; /* cents */
} product_kinds[] = {
	{ "Desk Organizer", "office", 1500, 4500 },
	{ "Notebook", "office", 400, 1800 },
	{ "Lamp", "home", 2500, 12000 },
	{ "Mug", "kitchen", 600, 2400 },
	{ "Teapot", "kitchen", 1800, 6500 },
	{ "Throw Blanket", "home", 3500, 11000 },
	{ "Backpack", "outdoor", 4500, 16000 },
	{ "Water Bottle", "outdoor", 900, 3500 },
	{ "Bike Light", "outdoor", 1200, 5500 },
	{ "Phone Stand", "electronics", 800, 3000 },
	{ "Charging Dock", "electronics", 2500, 9000 },
	{ "Plant Pot", "garden", 700, 4000 },
	{ "Garden Gloves", "garden", 900, 2800 },
	{ "Cutting Board", "kitchen", 1500, 6000 },
};

static const char *const ticket_subjects[] = {
	"Parcel not delivered", "Wrong item received", "Refund request",
	"Change of address", "Cannot log in", "Invoice needed for my company",
	"Damaged on arrival", "Question about warranty", "Cancel my order",
	"Update payment details",
};

static const char *const return_reasons[] = {
	"damaged", "wrong_item", "not_as_described", "changed_mind", "late",
};

static const char *const order_statuses[] = {
	"delivered", "delivered", "delivered", "delivered", "shipped",
	"cancelled", "refunded",
};

static const char *const payment_methods[] = {
	"card", "card", "card", "bank_transfer", "paypal",
};

static const char *const bcrypt_alphabet =
	"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const char *const *demo_company_names(void)
{
	if (!company_names[0])
		for (size_t i = 0; i < ARRAY_SIZE(companies); i++)
			company_names[i] = companies[i].name;
	return company_names;
}

/* ------------------------------------------------------------------ */
/* Value helpers                                                       */
/* ------------------------------------------------------------------ */

static void add_pattern(struct strbuf *sb, struct rng *r, const char *pat)
{
	for (; *pat; pat++) {
		if (*pat == 'N')
			strbuf_addch(sb, '0' + (int)rng_below(r, 10));
		else if (*pat == 'A')
			strbuf_addch(sb, 'A' + (int)rng_below(r, 26));
		else
			strbuf_addch(sb, *pat);
	}
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (unsigned)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (unsigned)d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DD" of a day number. */
static void fmt_date(char out[32], int64_t day)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 32, "%04d-%02d-%02d", y % 10000, m, d);
}

/* "YYYY-MM-DD HH:MM:SS" of a day number and a second of the day. */
static void fmt_timestamp(char out[32], int64_t day, int sec)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 32, "%04d-%02d-%02d %02d:%02d:%02d", y % 10000, m, d,
		 (sec / 3600) % 24, (sec / 60) % 60, sec % 60);
}

/* The Luhn check digit for the digits of [s, s+n). */
static int luhn_digit(const char *s, size_t n)
{
	int sum = 0;
	bool twice = true;
	for (size_t i = n; i-- > 0;) {
		int d = s[i] - '0';
		if (twice) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		twice = !twice;
	}
	return (10 - sum % 10) % 10;
}

/* A card number of a known issuer with a valid Luhn digit, in one of a few layouts. */
static void add_card(struct strbuf *sb, struct rng *r)
{
	static const struct {
		const char *prefix;
		size_t len;
	} issuers[] = {
		{ "4", 16 }, { "4", 16 }, { "51", 16 }, { "52", 16 }, { "53", 16 },
		{ "55", 16 }, { "2221", 16 }, { "34", 15 }, { "37", 15 }, { "6011", 16 },
	};
	char digits[20];
	size_t p = rng_below(r, ARRAY_SIZE(issuers));
	size_t len = issuers[p].len, n = strlen(issuers[p].prefix);
	unsigned layout = rng_below(r, 10);

	memcpy(digits, issuers[p].prefix, n);
	for (; n < len - 1; n++)
		digits[n] = (char)('0' + rng_below(r, 10));
	digits[n] = (char)('0' + luhn_digit(digits, n));
	n++;
	for (size_t i = 0; i < n; i++) {
		if (layout >= 6 && i && (len == 15 ? (i == 4 || i == 10) : i % 4 == 0))
			strbuf_addch(sb, layout >= 9 ? '-' : ' ');
		strbuf_addch(sb, digits[i]);
	}
}

/* An IBAN of country c with valid ISO 13616 check digits; grouped by 4 or compact. */
static void add_iban(struct strbuf *sb, struct rng *r, const struct country *c)
{
	struct strbuf bban = STRBUF_INIT;
	unsigned mod = 0;
	char iban[40];

	add_pattern(&bban, r, c->bban);
	/* mod 97 of BBAN + country code + "00", letters as 10..35 */
	char tail[5] = { c->code[0], c->code[1], '0', '0', '\0' };
	for (int part = 0; part < 2; part++) {
		const char *s = part ? tail : bban.buf;
		for (; *s; s++) {
			if (*s >= '0' && *s <= '9')
				mod = (mod * 10 + (unsigned)(*s - '0')) % 97;
			else
				mod = (mod * 100 + (unsigned)(*s - 'A' + 10)) % 97;
		}
	}
	snprintf(iban, sizeof(iban), "%s%02u%s", c->code, 98 - mod, bban.buf);
	strbuf_release(&bban);
	if (rng_percent(r, 50)) {
		strbuf_addstr(sb, iban);
		return;
	}
	for (size_t i = 0; iban[i]; i++) {
		if (i && i % 4 == 0)
			strbuf_addch(sb, ' ');
		strbuf_addch(sb, iban[i]);
	}
}

/* A US social security number that follows the SSA's allocation rules. */
static void add_ssn(struct strbuf *sb, struct rng *r)
{
	int area, group, serial;
	do
		area = rng_range(r, 1, 899);
	while (area == 666);
	group = rng_range(r, 1, 99);
	serial = rng_range(r, 1, 9999);
	strbuf_addf(sb, "%03d-%02d-%04d", area, group, serial);
}

static void add_bcrypt(struct strbuf *sb, struct rng *r)
{
	strbuf_addstr(sb, rng_percent(r, 80) ? "$2b$12$" : "$2a$10$");
	for (int i = 0; i < 53; i++)
		strbuf_addch(sb, bcrypt_alphabet[rng_below(r, 64)]);
}

static void add_ip(struct strbuf *sb, struct rng *r)
{
	static const int first_octets[] = {
		24, 31, 46, 62, 77, 81, 85, 91, 109, 151, 176, 185, 213, 217,
	};
	/* one PRNG call per statement: argument order is unspecified in C */
	int a, b, c, d;
	bool v6 = rng_percent(r, 15);
	a = v6 ? rng_range(r, 0x100, 0xffff) : PICK(r, first_octets);
	b = rng_range(r, 0, v6 ? 0xffff : 255);
	c = rng_range(r, 0, v6 ? 0xffff : 255);
	d = rng_range(r, 1, v6 ? 0xffff : 254);
	if (v6)
		strbuf_addf(sb, "2a02:%x:%x:%x::%x", a, b, c, d);
	else
		strbuf_addf(sb, "%d.%d.%d.%d", a, b, c, d);
}

static void add_street(struct strbuf *sb, struct rng *r, const struct country *c)
{
	const char *street = PICK(r, c->streets);
	int number = rng_range(r, 1, rng_percent(r, 80) ? 120 : 2400);
	if (c->number_first)
		strbuf_addf(sb, "%d %s", number, street);
	else
		strbuf_addf(sb, "%s %d", street, number);
	if (rng_percent(r, 8))
		strbuf_addf(sb, c->number_first ? ", Apt %d" : " / %d", rng_range(r, 1, 40));
}

/* ------------------------------------------------------------------ */
/* A set of strings, to keep emails and usernames unique               */
/* ------------------------------------------------------------------ */

struct strset {
	char **slots;
	size_t cap, n;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Adds a copy of s; false (and nothing added) when s is already present. */
static bool strset_add(struct strset *set, const char *s)
{
	if (2 * (set->n + 1) > set->cap) {
		struct strset bigger = { NULL, set->cap ? set->cap * 2 : 1024, 0 };
		bigger.slots = xcalloc(bigger.cap, sizeof(char *));
		for (size_t i = 0; i < set->cap; i++) {
			if (!set->slots[i])
				continue;
			size_t j = str_hash(set->slots[i]) & (bigger.cap - 1);
			while (bigger.slots[j])
				j = (j + 1) & (bigger.cap - 1);
			bigger.slots[j] = set->slots[i];
		}
		bigger.n = set->n;
		free(set->slots);
		*set = bigger;
	}
	size_t j = str_hash(s) & (set->cap - 1);
	for (; set->slots[j]; j = (j + 1) & (set->cap - 1))
		if (!strcmp(set->slots[j], s))
			return false;
	set->slots[j] = xstrdup(s);
	set->n++;
	return true;
}

static void strset_release(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	set->slots = NULL;
	set->cap = set->n = 0;
}

/*
 * Makes sb (a "local@domain" or plain name) unique in set: on a clash,
 * inserts 2, 3, ... before the '@' (or at the end).
 */
static void make_unique(struct strbuf *sb, struct strset *set)
{
	if (strset_add(set, sb->buf))
		return;
	char *orig = xstrdup(sb->buf);
	char *at = strchr(orig, '@');
	size_t local = at ? (size_t)(at - orig) : strlen(orig);
	for (int k = 2;; k++) {
		strbuf_reset(sb);
		strbuf_add(sb, orig, local);
		strbuf_addf(sb, "%d", k);
		strbuf_addstr(sb, orig + local);
		if (strset_add(set, sb->buf))
			break;
	}
	free(orig);
}

/* ------------------------------------------------------------------ */
/* The generator                                                       */
/* ------------------------------------------------------------------ */

struct person {
	const struct name *first, *last;
	char *email;
	char *phone;
	char *street, *postal;
	const char *city;
	int country;
	int company;  /* index in companies[], -1 for none */
	char *card;   /* NULL when none */
	char *iban;   /* NULL when none */
};

struct gen {
	sqlite3 *db;
	struct rng r;
	struct mb_err *err;
	struct strset emails, usernames;
	struct person customers[N_CUSTOMERS];
	struct person employees[N_EMPLOYEES];
	int product_price[N_PRODUCTS];
	int order_items[N_ORDERS];     /* number of lines of each order */
	int order_customer[N_ORDERS];
	int64_t order_day[N_ORDERS];
};

static int db_fail(struct gen *g, const char *what)
{
	return mb_err_set(g->err, MB_ERR_DB, "cannot build demo %s: %s", what,
			  sqlite3_errmsg(g->db));
}

static int exec_sql(struct gen *g, const char *sql, const char *what)
{
	if (sqlite3_exec(g->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(g, what);
	return 0;
}

/*
 * Binds and runs one INSERT. `types` has one letter per parameter:
 * 'i' int64, 'I' int64 where a negative value binds NULL, 't' text (a NULL
 * pointer binds NULL), 'f' double. Arguments must not call the PRNG: C
 * leaves their order of evaluation open, and the content must not depend
 * on the compiler.
 */
static int insert(struct gen *g, sqlite3_stmt *st, const char *table,
		  const char *types, ...)
{
	va_list ap;
	int rc = 0, i = 1;

	va_start(ap, types);
	for (const char *t = types; *t; t++, i++) {
		int brc = SQLITE_OK;
		if (*t == 'i' || *t == 'I') {
			int64_t v = va_arg(ap, int64_t);
			brc = *t == 'I' && v < 0 ? sqlite3_bind_null(st, i)
						 : sqlite3_bind_int64(st, i, v);
		} else if (*t == 'f') {
			brc = sqlite3_bind_double(st, i, va_arg(ap, double));
		} else {
			const char *s = va_arg(ap, const char *);
			brc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT)
				: sqlite3_bind_null(st, i);
		}
		if (brc != SQLITE_OK) {
			rc = db_fail(g, table);
			goto done;
		}
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(g, table);
done:
	va_end(ap);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static sqlite3_stmt *prepare(struct gen *g, const char *sql, const char *table)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(g->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(g, table);
		return NULL;
	}
	return st;
}

static const char schema_sql[] =
	"CREATE TABLE countries (\n"
	"  code TEXT PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  dialling_code TEXT NOT NULL,\n"
	"  iban_length INTEGER\n"
	");\n"
	"CREATE TABLE companies (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  vat_number TEXT,\n"
	"  website TEXT,\n"
	"  country_code TEXT NOT NULL REFERENCES countries(code),\n"
	"  city TEXT,\n"
	"  latitude REAL,\n"
	"  longitude REAL,\n"
	"  created_at TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE customers (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  company_id INTEGER REFERENCES companies(id),\n"
	"  first_name TEXT NOT NULL,\n"
	"  last_name TEXT NOT NULL,\n"
	"  email TEXT NOT NULL UNIQUE,\n"
	"  phone TEXT,\n"
	"  street TEXT,\n"
	"  city TEXT,\n"
	"  postal_code TEXT,\n"
	"  country_code TEXT NOT NULL REFERENCES countries(code),\n"
	"  birth_date TEXT,\n"
	"  ssn TEXT,\n"
	"  card_number TEXT,\n"
	"  card_expiry TEXT,\n"
	"  iban TEXT,\n"
	"  username TEXT NOT NULL UNIQUE,\n"
	"  password_hash TEXT NOT NULL,\n"
	"  last_login_ip TEXT,\n"
	"  notes TEXT,\n"
	"  created_at TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX customers_company ON customers(company_id);\n"
	"CREATE TABLE employees (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  manager_id INTEGER REFERENCES employees(id),\n"
	"  first_name TEXT NOT NULL,\n"
	"  last_name TEXT NOT NULL,\n"
	"  email TEXT NOT NULL UNIQUE,\n"
	"  phone TEXT,\n"
	"  job_title TEXT NOT NULL,\n"
	"  hired_on TEXT NOT NULL,\n"
	"  salary_cents INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE products (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  sku TEXT NOT NULL UNIQUE,\n"
	"  name TEXT NOT NULL,\n"
	"  category TEXT NOT NULL,\n"
	"  price_cents INTEGER NOT NULL CHECK (price_cents > 0),\n"
	"  active INTEGER NOT NULL DEFAULT 1\n"
	");\n"
	"CREATE TABLE orders (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  customer_id INTEGER NOT NULL REFERENCES customers(id),\n"
	"  sales_rep_id INTEGER REFERENCES employees(id),\n"
	"  ordered_at TEXT NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  ship_name TEXT NOT NULL,\n"
	"  ship_street TEXT,\n"
	"  ship_city TEXT,\n"
	"  ship_postal_code TEXT,\n"
	"  ship_country TEXT NOT NULL REFERENCES countries(code),\n"
	"  total_cents INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX orders_customer ON orders(customer_id);\n"
	"CREATE TABLE order_items (\n"
	"  order_id INTEGER NOT NULL REFERENCES orders(id),\n"
	"  line_no INTEGER NOT NULL,\n"
	"  product_id INTEGER NOT NULL REFERENCES products(id),\n"
	"  quantity INTEGER NOT NULL CHECK (quantity > 0),\n"
	"  unit_price_cents INTEGER NOT NULL,\n"
	"  PRIMARY KEY (order_id, line_no)\n"
	");\n"
	"CREATE TABLE payments (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL REFERENCES orders(id),\n"
	"  paid_at TEXT NOT NULL,\n"
	"  amount_cents INTEGER NOT NULL,\n"
	"  method TEXT NOT NULL,\n"
	"  card_number TEXT,\n"
	"  payer_iban TEXT,\n"
	"  reference TEXT\n"
	");\n"
	"CREATE INDEX payments_order ON payments(order_id);\n"
	"CREATE TABLE returns (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL,\n"
	"  line_no INTEGER NOT NULL,\n"
	"  returned_at TEXT NOT NULL,\n"
	"  reason TEXT NOT NULL,\n"
	"  comment TEXT,\n"
	"  FOREIGN KEY (order_id, line_no) REFERENCES order_items(order_id, line_no)\n"
	");\n"
	"CREATE TABLE support_tickets (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  customer_id INTEGER NOT NULL REFERENCES customers(id),\n"
	"  assigned_to INTEGER REFERENCES employees(id),\n"
	"  opened_at TEXT NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  subject TEXT NOT NULL,\n"
	"  body TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE settings (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT NOT NULL,\n"
	"  description TEXT\n"
	");\n"
	"CREATE TABLE audit_log (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  employee_id INTEGER REFERENCES employees(id),\n"
	"  at TEXT NOT NULL,\n"
	"  action TEXT NOT NULL,\n"
	"  table_name TEXT,\n"
	"  row_id INTEGER,\n"
	"  ip_address TEXT,\n"
	"  detail TEXT\n"
	");\n";

static int gen_countries(struct gen *g)
{
	sqlite3_stmt *st = prepare(g, "INSERT INTO countries VALUES (?, ?, ?, ?)", "countries");
	int rc = -1;
	if (!st)
		return -1;
	for (size_t i = 0; i < N_COUNTRIES; i++) {
		const struct country *c = &countries[i];
		if (insert(g, st, "countries", "tttI", c->code, c->name, c->dial,
			   (int64_t)(c->iban_len ? c->iban_len : -1)))
			goto done;
	}
	for (size_t i = 0; i < ARRAY_SIZE(other_countries); i++) {
		int len = other_countries[i].iban_len;
		if (insert(g, st, "countries", "tttI", other_countries[i].code,
			   other_countries[i].name, other_countries[i].dial,
			   (int64_t)(len ? len : -1)))
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

static int gen_companies(struct gen *g)
{
	sqlite3_stmt *st = prepare(g, "INSERT INTO companies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				   "companies");
	struct strbuf vat = STRBUF_INIT;
	int rc = -1;
	if (!st)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(companies); i++) {
		const struct company *co = &companies[i];
		const struct country *c = &countries[co->country];
		char created[32], web[96];

		strbuf_reset(&vat);
		if (c->iban_len) {
			strbuf_addstr(&vat, c->code);
			add_pattern(&vat, &g->r, "NNNNNNNNN");
		}
		snprintf(web, sizeof(web), "https://www.%s%s/", co->domain, c->tld);
		int64_t day = days_from_civil(2015, 1, 1) + rng_range(&g->r, 0, 2000);
		fmt_timestamp(created, day, rng_range(&g->r, 0, 86399));
		double lat = (c->lat + rng_range(&g->r, -900000, 900000)) / 1e6;
		double lon = (c->lon + rng_range(&g->r, -900000, 900000)) / 1e6;
		const char *city = PICK(&g->r, c->cities);
		if (insert(g, st, "companies", "itttttfft",
			   (int64_t)i + 1, co->name, vat.len ? vat.buf : NULL, web,
			   c->code, city, lat, lon, created))
			goto done;
	}
	rc = 0;
done:
	strbuf_release(&vat);
	sqlite3_finalize(st);
	return rc;
}

static int pick_country(struct rng *r)
{
	unsigned p = rng_below(r, 100), acc = 0;
	for (size_t i = 0; i < N_COUNTRIES; i++) {
		acc += countries[i].weight;
		if (p < acc)
			return (int)i;
	}
	return 0;
}

/* Employees: the shop's staff, each reporting to a manager with a lower id. */
static int gen_employees(struct gen *g)
{
	sqlite3_stmt *st = prepare(g, "INSERT INTO employees VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				   "employees");
	struct strbuf email = STRBUF_INIT, phone = STRBUF_INIT;
	int rc = -1;
	if (!st)
		return -1;
	for (int i = 0; i < N_EMPLOYEES; i++) {
		struct person *e = &g->employees[i];
		int id = i + 1, manager;
		char hired[32];

		if (id == 1)
			manager = -1;
		else if (id <= 6)
			manager = 1;
		else if (id <= 15)
			manager = rng_range(&g->r, 2, 6);
		else
			manager = rng_range(&g->r, 7, 15);
		e->first = &PICK(&g->r, first_names);
		e->last = &PICK(&g->r, last_names);
		e->company = -1;
		e->country = 1;
		strbuf_reset(&email);
		strbuf_addf(&email, "%s.%s@mbshop.co.uk", e->first->ascii, e->last->ascii);
		make_unique(&email, &g->emails);
		e->email = xstrdup(email.buf);
		strbuf_reset(&phone);
		add_pattern(&phone, &g->r, "+44 20 7946 0NNN");
		e->phone = xstrdup(phone.buf);
		const char *title = id == 1 ? "Managing Director"
			: id <= 6 ? "Head of Department" : PICK(&g->r, job_titles);
		fmt_date(hired, days_from_civil(2012, 1, 1) + rng_range(&g->r, 0, 4000));
		int64_t salary = (int64_t)rng_range(&g->r, 280, 950) * 10000;
		if (insert(g, st, "employees", "iIttttttI", (int64_t)id, (int64_t)manager,
			   e->first->text, e->last->text, e->email, e->phone, title,
			   hired, salary))
			goto done;
	}
	rc = 0;
done:
	strbuf_release(&email);
	strbuf_release(&phone);
	sqlite3_finalize(st);
	return rc;
}

static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

/* Free-text notes about a customer: mentions people, companies, contacts. */
static void add_customer_note(struct gen *g, struct strbuf *sb, const struct person *c,
			      int64_t birth_day)
{
	struct rng *r = &g->r;
	const struct name *of = &PICK(r, first_names);
	const struct name *ol = &PICK(r, last_names);
	const struct person *rep = &g->employees[rng_range(r, 6, N_EMPLOYEES - 1)];
	const struct company *co = c->company >= 0 ? &companies[c->company]
		: &companies[rng_below(r, ARRAY_SIZE(companies))];
	int y, m, d;

	switch (rng_below(r, 13)) {
	case 0:
		strbuf_addstr(sb, "Prefers to be called after 6pm on ");
		if (c->phone)
			strbuf_addstr(sb, c->phone);
		else
			add_pattern(sb, r, countries[c->country].phones[0]);
		strbuf_addch(sb, '.');
		break;
	case 1:
		strbuf_addf(sb, "Account manager: %s %s (%s).", rep->first->text,
			    rep->last->text, rep->email);
		break;
	case 2:
	case 3:
		if (c->company >= 0)
			strbuf_addf(sb, "Orders on behalf of %s; invoices go to accounts payable.", co->name);
		else
			strbuf_addf(sb, "Buys gifts for colleagues at %s every December.", co->name);
		break;
	case 4:
		strbuf_addf(sb, "Spoke with %s %s (partner) about a late delivery.", of->text, ol->text);
		break;
	case 5:
	case 6:
		strbuf_addf(sb, "Referred by %s %s of %s.", of->text, ol->text, co->name);
		break;
	case 7:
		strbuf_addf(sb, "Asked us to stop writing to the old address %s.%s@aol.com.",
			    c->first->ascii, c->last->ascii);
		break;
	case 8:
		if (birth_day >= 0) {
			civil_from_days(birth_day, &y, &m, &d);
			strbuf_addf(sb, "Birthday on %d %s: send the loyalty voucher.", d,
				    month_names[m - 1]);
		} else {
			strbuf_addstr(sb, "Would not give a date of birth.");
		}
		break;
	case 9:
		strbuf_addf(sb, "VIP customer.\nDo not call before 10am; ask for %s.", c->first->text);
		break;
	case 10:
		strbuf_addf(sb, "Card ending %s declined twice, customer says \"the bank is on it\".",
			    c->card ? c->card + strlen(c->card) - 4 : "0000");
		break;
	case 11:
		break; /* an empty note */
	default:
		strbuf_addstr(sb, "n/a");
		break;
	}
}

static int gen_customers(struct gen *g)
{
	sqlite3_stmt *st = prepare(g, "INSERT INTO customers VALUES "
				   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				   "customers");
	struct strbuf sb = STRBUF_INIT, ssn = STRBUF_INIT, user = STRBUF_INIT,
		      hash = STRBUF_INIT, ip = STRBUF_INIT, note = STRBUF_INIT;
	const int64_t birth_lo = days_from_civil(1940, 1, 1);
	const int64_t birth_hi = days_from_civil(2006, 12, 31);
	const int64_t created_lo = days_from_civil(2018, 1, 1);
	int rc = -1;

	if (!st)
		return -1;
	for (int i = 0; i < N_CUSTOMERS; i++) {
		struct rng *r = &g->r;
		struct person *c = &g->customers[i];
		const struct country *co;
		char birth[32], expiry[6], created[32];
		int64_t birth_day = -1;
		bool has_note;

		c->country = pick_country(r);
		co = &countries[c->country];
		c->first = &PICK(r, first_names);
		c->last = &PICK(r, last_names);
		c->company = rng_percent(r, 35) ? (int)rng_below(r, ARRAY_SIZE(companies)) : -1;

		/* email */
		strbuf_reset(&sb);
		const char *dom = PICK(r, email_domains);
		switch (rng_below(r, 5)) {
		case 0:
			strbuf_addf(&sb, "%s.%s@%s", c->first->ascii, c->last->ascii, dom);
			break;
		case 1:
			strbuf_addf(&sb, "%c%s@%s", c->first->ascii[0], c->last->ascii, dom);
			break;
		case 2: {
			int n = rng_range(r, 10, 99);
			strbuf_addf(&sb, "%s%s%d@%s", c->first->ascii, c->last->ascii, n, dom);
			break;
		}
		case 3:
			strbuf_addf(&sb, "%s.%s@%s", c->last->ascii, c->first->ascii, dom);
			break;
		default:
			if (c->company >= 0)
				strbuf_addf(&sb, "%s.%s@%s%s", c->first->ascii, c->last->ascii,
					    companies[c->company].domain,
					    countries[companies[c->company].country].tld);
			else
				strbuf_addf(&sb, "%s_%s@%s", c->first->ascii, c->last->ascii, dom);
			break;
		}
		make_unique(&sb, &g->emails);
		c->email = xstrdup(sb.buf);

		/* phone */
		if (!rng_percent(r, 8)) {
			strbuf_reset(&sb);
			add_pattern(&sb, r, PICK(r, co->phones));
			if (rng_percent(r, 4))
				add_pattern(&sb, r, " ext. NN");
			c->phone = xstrdup(sb.buf);
		}

		/* address */
		if (!rng_percent(r, 3)) {
			strbuf_reset(&sb);
			add_street(&sb, r, co);
			c->street = xstrdup(sb.buf);
		}
		c->city = PICK(r, co->cities);
		strbuf_reset(&sb);
		add_pattern(&sb, r, co->postal);
		c->postal = xstrdup(sb.buf);

		if (!rng_percent(r, 5)) {
			birth_day = birth_lo + rng_below(r, (uint32_t)(birth_hi - birth_lo + 1));
			fmt_date(birth, birth_day);
		}
		strbuf_reset(&ssn);
		if (c->country == 0 && rng_percent(r, 70))
			add_ssn(&ssn, r);
		if (!rng_percent(r, 20)) {
			strbuf_reset(&sb);
			add_card(&sb, r);
			c->card = xstrdup(sb.buf);
			int month = rng_range(r, 1, 12);
			snprintf(expiry, sizeof(expiry), "%02d/%02d", month, rng_range(r, 25, 31));
		}
		if (co->iban_len && rng_percent(r, 60)) {
			strbuf_reset(&sb);
			add_iban(&sb, r, co);
			c->iban = xstrdup(sb.buf);
		}

		/* username */
		strbuf_reset(&user);
		switch (rng_below(r, 3)) {
		case 0:
			strbuf_addf(&user, "%c%s", c->first->ascii[0], c->last->ascii);
			break;
		case 1:
			strbuf_addf(&user, "%s.%s", c->first->ascii, c->last->ascii);
			break;
		default: {
			int n = rng_range(r, 1, 999);
			strbuf_addf(&user, "%s%d", c->first->ascii, n);
			break;
		}
		}
		make_unique(&user, &g->usernames);

		strbuf_reset(&hash);
		add_bcrypt(&hash, r);
		strbuf_reset(&ip);
		bool has_ip = !rng_percent(r, 10);
		if (has_ip)
			add_ip(&ip, r);
		strbuf_reset(&note);
		has_note = !rng_percent(r, 35);
		if (has_note)
			add_customer_note(g, &note, c, birth_day);
		int64_t created_day = created_lo + rng_below(r, 2700);
		fmt_timestamp(created, created_day, rng_range(r, 0, 86399));

		if (insert(g, st, "customers", "iIttttttttttttttttt" "t",
			   (int64_t)i + 1, (int64_t)(c->company >= 0 ? c->company + 1 : -1),
			   c->first->text, c->last->text, c->email, c->phone, c->street,
			   c->city, c->postal, co->code, birth_day >= 0 ? birth : NULL,
			   ssn.len ? ssn.buf : NULL, c->card, c->card ? expiry : NULL,
			   c->iban, user.buf, hash.buf, has_ip ? ip.buf : NULL,
			   has_note ? note.buf : NULL, created))
			goto done;
	}
	rc = 0;
done:
	strbuf_release(&sb);
	strbuf_release(&ssn);
	strbuf_release(&user);
	strbuf_release(&hash);
	strbuf_release(&ip);
	strbuf_release(&note);
	sqlite3_finalize(st);
	return rc;
}

static int gen_products(struct gen *g)
{
	sqlite3_stmt *st = prepare(g, "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)", "products");
	int rc = -1;
	if (!st)
		return -1;
	for (int i = 0; i < N_PRODUCTS; i++) {
		char sku[16], name[80];
		const char *adj = PICK(&g->r, product_adjectives);
		size_t k = rng_below(&g->r, ARRAY_SIZE(product_kinds));
		int price = rng_range(&g->r, product_kinds[k].min_price, product_kinds[k].max_price);

		price = price / 100 * 100 + 99;
		g->product_price[i] = price;
		snprintf(sku, sizeof(sku), "SKU-%05d", 10007 + i * 37);
		snprintf(name, sizeof(name), "%s %s", adj, product_kinds[k].noun);
		int64_t active = rng_percent(&g->r, 90);
		if (insert(g, st, "products", "ittti" "i", (int64_t)i + 1, sku, name,
			   product_kinds[k].category, (int64_t)price, active))
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

/* A reference line as people type it on a bank transfer. */
static void add_transfer_reference(struct strbuf *sb, int order_id, const struct person *c)
{
	strbuf_addf(sb, "Order %d / %.1s. %s", order_id, c->first->text, c->last->text);
}

static int gen_orders(struct gen *g)
{
	sqlite3_stmt *so = prepare(g, "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "orders");
	sqlite3_stmt *si = prepare(g, "INSERT INTO order_items VALUES (?, ?, ?, ?, ?)", "order_items");
	sqlite3_stmt *sp = prepare(g, "INSERT INTO payments (order_id, paid_at, amount_cents, method, "
				   "card_number, payer_iban, reference) VALUES (?, ?, ?, ?, ?, ?, ?)",
				   "payments");
	struct strbuf name = STRBUF_INIT, street = STRBUF_INIT, extra = STRBUF_INIT,
		      ref = STRBUF_INIT;
	const int64_t first_day = days_from_civil(2021, 1, 1), span = 1640;
	int rc = -1;

	if (!so || !si || !sp)
		goto done;
	for (int i = 0; i < N_ORDERS; i++) {
		struct rng *r = &g->r;
		int id = i + 1, cust, nitems, product[MAX_ITEMS], qty[MAX_ITEMS];
		int64_t total = 0, day = first_day + (int64_t)i * span / N_ORDERS;
		const struct person *c;
		const struct country *co;
		const char *status, *city, *postal;
		char ordered[32], paid[32];
		int sec = rng_range(r, 6 * 3600, 23 * 3600);

		cust = rng_percent(r, 30) ? (int)rng_below(r, 200) : (int)rng_below(r, N_CUSTOMERS);
		c = &g->customers[cust];
		co = &countries[c->country];
		g->order_customer[i] = cust;
		g->order_day[i] = day;
		fmt_timestamp(ordered, day, sec);
		status = day > first_day + span - 10 ? (rng_percent(r, 50) ? "processing" : "shipped")
			: PICK(r, order_statuses);

		nitems = 1 + (int)rng_below(r, 5);
		if (rng_percent(r, 3))
			nitems = MAX_ITEMS;
		g->order_items[i] = nitems;
		for (int k = 0; k < nitems; k++) {
			bool dup;
			do {
				product[k] = (int)rng_below(r, N_PRODUCTS);
				dup = false;
				for (int j = 0; j < k; j++)
					dup |= product[j] == product[k];
			} while (dup);
			qty[k] = rng_percent(r, 80) ? 1 : rng_range(r, 2, 12);
			total += (int64_t)qty[k] * g->product_price[product[k]];
		}

		strbuf_reset(&name);
		if (c->company >= 0 && rng_percent(r, 40))
			strbuf_addf(&name, "%s, attn. %s %s", companies[c->company].name,
				    c->first->text, c->last->text);
		else
			strbuf_addf(&name, "%s %s", c->first->text, c->last->text);
		strbuf_reset(&street);
		if (!c->street || rng_percent(r, 10)) {
			add_street(&street, r, co);
			city = PICK(r, co->cities);
			strbuf_reset(&extra);
			add_pattern(&extra, r, co->postal);
			postal = extra.buf;
		} else {
			strbuf_addstr(&street, c->street);
			city = c->city;
			postal = c->postal;
		}
		int64_t rep = rng_percent(r, 40) ? rng_range(r, 7, N_EMPLOYEES) : -1;
		if (insert(g, so, "orders", "iiIttttttti", (int64_t)id, (int64_t)cust + 1, rep,
			   ordered, status, name.buf, street.buf, city, postal, co->code, total))
			goto done;
		for (int k = 0; k < nitems; k++)
			if (insert(g, si, "order_items", "iiiii", (int64_t)id, (int64_t)k + 1,
				   (int64_t)product[k] + 1, (int64_t)qty[k],
				   (int64_t)g->product_price[product[k]]))
				goto done;

		if (!strcmp(status, "cancelled") || !strcmp(status, "processing"))
			continue;
		/* one payment, sometimes split in two; refunds are negative */
		int parts = rng_percent(r, 5) ? 2 : 1;
		for (int p = 0; p < parts + !strcmp(status, "refunded"); p++) {
			const char *method = PICK(r, payment_methods);
			const char *card = NULL, *iban = NULL;
			int64_t amount = parts == 2 ? (p == 0 ? total / 2 : total - total / 2) : total;
			int64_t pday = day + rng_range(r, 0, 3);

			if (p == parts) { /* the refund */
				amount = -total;
				pday += rng_range(r, 7, 30);
			}
			fmt_timestamp(paid, pday, rng_range(r, 0, 86399));
			strbuf_reset(&extra);
			strbuf_reset(&ref);
			if (!strcmp(method, "card")) {
				if (c->card) {
					card = c->card;
				} else {
					add_card(&extra, r);
					card = extra.buf;
				}
				strbuf_addf(&ref, "AUTH-%06u", rng_below(r, 1000000));
			} else if (!strcmp(method, "bank_transfer")) {
				if (c->iban) {
					iban = c->iban;
				} else {
					add_iban(&extra, r, &countries[2]);
					iban = extra.buf;
				}
				add_transfer_reference(&ref, id, c);
			} else {
				strbuf_addstr(&ref, "PP-");
				add_pattern(&ref, r, "NNNNAAAANNNNAAAA");
			}
			if (insert(g, sp, "payments", "itittt" "t", (int64_t)id, paid, amount,
				   method, card, iban, ref.buf))
				goto done;
		}
	}
	rc = 0;
done:
	strbuf_release(&name);
	strbuf_release(&street);
	strbuf_release(&extra);
	strbuf_release(&ref);
	sqlite3_finalize(so);
	sqlite3_finalize(si);
	sqlite3_finalize(sp);
	return rc;
}

static int gen_returns(struct gen *g)
{
	sqlite3_stmt *st = prepare(g, "INSERT INTO returns VALUES (?, ?, ?, ?, ?, ?)", "returns");
	unsigned char *taken = xcalloc(N_ORDERS, 1); /* bit k: line k+1 returned */
	struct strbuf comment = STRBUF_INIT;
	int rc = -1;

	if (!st)
		goto done;
	for (int n = 0; n < N_RETURNS; n++) {
		struct rng *r = &g->r;
		int o, line;
		char at[32];
		do {
			o = (int)rng_below(r, N_ORDERS - 30);
			line = (int)rng_below(r, (uint32_t)g->order_items[o]);
		} while (taken[o] & (1u << line));
		taken[o] |= (unsigned char)(1u << line);

		const struct person *c = &g->customers[g->order_customer[o]];
		const char *reason = PICK(r, return_reasons);
		int64_t day = g->order_day[o] + rng_range(r, 3, 28);
		fmt_timestamp(at, day, rng_range(r, 8 * 3600, 18 * 3600));
		strbuf_reset(&comment);
		switch (rng_below(r, 4)) {
		case 0:
			strbuf_addf(&comment, "%s said the box was crushed.", c->first->text);
			break;
		case 1:
			strbuf_addf(&comment, "Collected by courier from %s, %s.",
				    c->street ? c->street : "the depot", c->city);
			break;
		default:
			break;
		}
		if (insert(g, st, "returns", "iiittt", (int64_t)n + 1, (int64_t)o + 1,
			   (int64_t)line + 1, at, reason, comment.len ? comment.buf : NULL))
			goto done;
	}
	rc = 0;
done:
	free(taken);
	strbuf_release(&comment);
	sqlite3_finalize(st);
	return rc;
}

static int gen_tickets(struct gen *g)
{
	static const char *const ticket_statuses[] = { "open", "pending", "closed", "closed" };
	sqlite3_stmt *st = prepare(g, "INSERT INTO support_tickets VALUES (?, ?, ?, ?, ?, ?, ?)",
				   "support_tickets");
	struct strbuf body = STRBUF_INIT;
	int rc = -1;

	if (!st)
		return -1;
	for (int i = 0; i < N_TICKETS; i++) {
		struct rng *r = &g->r;
		int o = (int)rng_below(r, N_ORDERS);
		const struct person *c = &g->customers[g->order_customer[o]];
		const struct name *nf = &PICK(r, first_names);
		const struct name *nl = &PICK(r, last_names);
		const char *subject = PICK(r, ticket_subjects);
		char opened[32];
		int64_t agent = rng_percent(r, 10) ? -1 : rng_range(r, 7, N_EMPLOYEES);
		int64_t day = g->order_day[o] + rng_range(r, 1, 20);

		fmt_timestamp(opened, day, rng_range(r, 0, 86399));
		strbuf_reset(&body);
		switch (rng_below(r, 7)) {
		case 0:
			strbuf_addf(&body, "Hi, this is %s %s. My order #%d has not arrived. "
				    "You can reach me on %s or %s.", c->first->text, c->last->text,
				    o + 1, c->phone ? c->phone : "this email", c->email);
			break;
		case 1:
			if (c->company >= 0)
				strbuf_addf(&body, "Hello, I am writing for %s. Please send the invoice "
					    "for order #%d to %s.\nThanks, %s",
					    companies[c->company].name, o + 1, c->email, c->first->text);
			else
				strbuf_addf(&body, "Please send a VAT invoice for order #%d to %s. "
					    "Regards, %s %s", o + 1, c->email, c->first->text,
					    c->last->text);
			break;
		case 2:
			strbuf_addf(&body, "Customer called from %s: the parcel was left with a "
				    "neighbour (%s %s) at %s.", c->phone ? c->phone : "a withheld number",
				    nf->text, nl->text, c->street ? c->street : "the back door");
			break;
		case 3:
			strbuf_addf(&body, "%s %s wants the account email changed to %s.%s@protonmail.com.",
				    c->first->text, c->last->text, c->first->ascii, c->last->ascii);
			break;
		case 4:
			if (c->iban)
				strbuf_addf(&body, "Please refund order #%d to my account %s. %s",
					    o + 1, c->iban, c->first->text);
			else
				strbuf_addf(&body, "Please refund order #%d to the card ending %s.",
					    o + 1, c->card ? c->card + strlen(c->card) - 4 : "1234");
			break;
		case 5:
			strbuf_addf(&body, "Cannot log in since yesterday. My postcode is %s if you "
				    "need to check who I am. -- %s", c->postal, c->first->text);
			break;
		default:
			strbuf_addf(&body, "Item arrived broken 😞 Photos sent from %s.", c->email);
			break;
		}
		const char *status = PICK(r, ticket_statuses);
		if (insert(g, st, "support_tickets", "iiItttt", (int64_t)i + 1,
			   (int64_t)g->order_customer[o] + 1, agent, opened, status, subject,
			   body.buf))
			goto done;
		/* the customer row id goes in as I (non-negative), the agent may be NULL */
	}
	rc = 0;
done:
	strbuf_release(&body);
	sqlite3_finalize(st);
	return rc;
}

static int gen_settings(struct gen *g)
{
	sqlite3_stmt *st = prepare(g, "INSERT INTO settings VALUES (?, ?, ?)", "settings");
	struct strbuf key = STRBUF_INIT;
	int rc = -1;
	if (!st)
		return -1;
	strbuf_addstr(&key, "sk_test_");
	add_pattern(&key, &g->r, "NNAANNAANNAANNAANNAANNAA");
	const char *rows[][3] = {
		{ "shop_name", "Maskbench Demo Shop", "shown in emails and on invoices" },
		/* a phone number that is the shop's own, not personal data */
		{ "support_phone", "+44 20 7946 0018", "printed on invoices" },
		{ "support_email", "support@mbshop.co.uk", "reply-to of customer emails" },
		{ "currency", "EUR", NULL },
		{ "vat_rate_percent", "20", NULL },
		{ "free_shipping_threshold_cents", "5000", NULL },
		{ "invoice_footer", "Maskbench Demo Shop Ltd, 1 Station Road, London. "
		  "Registered in England and Wales.", NULL },
		{ "smtp_host", "mail.mbshop.co.uk", NULL },
		{ "payments_api_key", key.buf, "payment provider, test mode" },
		{ "maintenance_mode", "off", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (insert(g, st, "settings", "ttt", rows[i][0], rows[i][1], rows[i][2]))
			goto done;
	rc = 0;
done:
	strbuf_release(&key);
	sqlite3_finalize(st);
	return rc;
}

static int gen_audit(struct gen *g)
{
	static const char *const actions[] = {
		"login", "login", "login", "password_reset", "update_customer",
		"update_customer", "export", "refund",
	};
	sqlite3_stmt *st = prepare(g, "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				   "audit_log");
	struct strbuf ip = STRBUF_INIT, detail = STRBUF_INIT;
	const int64_t first_day = days_from_civil(2021, 1, 1);
	int rc = -1;

	if (!st)
		return -1;
	for (int i = 0; i < N_AUDIT; i++) {
		struct rng *r = &g->r;
		const char *action = PICK(r, actions), *table = NULL;
		int64_t emp = rng_percent(r, 5) ? -1 : rng_range(r, 1, N_EMPLOYEES);
		int64_t row = -1;
		int64_t day = first_day + (int64_t)i * 1640 / N_AUDIT;
		char at[32];

		fmt_timestamp(at, day, rng_range(r, 7 * 3600, 20 * 3600));
		strbuf_reset(&ip);
		if (rng_percent(r, 70)) {
			int a = rng_range(r, 0, 3), b = 0;
			b = rng_range(r, 2, 250);
			strbuf_addf(&ip, "10.20.%d.%d", a, b);
		} else {
			add_ip(&ip, r);
		}
		strbuf_reset(&detail);
		if (!strcmp(action, "login")) {
			strbuf_addf(&detail, "login from %s", ip.buf);
		} else if (!strcmp(action, "password_reset")) {
			int c = (int)rng_below(r, N_CUSTOMERS);
			table = "customers";
			row = c + 1;
			strbuf_addf(&detail, "reset link sent to %s", g->customers[c].email);
		} else if (!strcmp(action, "update_customer")) {
			int c = (int)rng_below(r, N_CUSTOMERS);
			table = "customers";
			row = c + 1;
			strbuf_addf(&detail, "changed %s of %s %s",
				    rng_percent(r, 50) ? "phone" : "address",
				    g->customers[c].first->text, g->customers[c].last->text);
		} else if (!strcmp(action, "export")) {
			int y, m, d;
			civil_from_days(day, &y, &m, &d);
			strbuf_addf(&detail, "exported orders of %04d-%02d to csv", y, m);
		} else {
			int o = (int)rng_below(r, N_ORDERS);
			table = "orders";
			row = o + 1;
			strbuf_addf(&detail, "refund approved on order #%d", o + 1);
		}
		if (insert(g, st, "audit_log", "iIttt" "Itt", (int64_t)i + 1, emp, at, action,
			   table, row, ip.buf, detail.buf))
			goto done;
	}
	rc = 0;
done:
	strbuf_release(&ip);
	strbuf_release(&detail);
	sqlite3_finalize(st);
	return rc;
}

static void person_release(struct person *p)
{
	free(p->email);
	free(p->phone);
	free(p->street);
	free(p->postal);
	free(p->card);
	free(p->iban);
}

/* Fills an open, empty database. */
static int generate(struct gen *g)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (exec_sql(g, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		     " PRAGMA foreign_keys = ON;", "settings") ||
	    exec_sql(g, "BEGIN", "transaction") ||
	    exec_sql(g, schema_sql, "schema") ||
	    gen_countries(g) || gen_companies(g) || gen_employees(g) ||
	    gen_customers(g) || gen_products(g) || gen_orders(g) ||
	    gen_returns(g) || gen_tickets(g) || gen_settings(g) || gen_audit(g) ||
	    exec_sql(g, "COMMIT", "transaction") ||
	    exec_sql(g, "ANALYZE", "statistics"))
		goto done;
	{
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", DEMO_VERSION);
		if (exec_sql(g, sql, "version"))
			goto done;
	}
	/* the generator checks its own work: every foreign key resolves */
	if (sqlite3_prepare_v2(g->db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK) {
		db_fail(g, "check");
		goto done;
	}
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		mb_err_set(g->err, MB_ERR_INTERNAL,
			   "demo database fails its foreign key check in table %s",
			   (const char *)sqlite3_column_text(st, 0));
		goto done;
	} else if (step != SQLITE_DONE) {
		db_fail(g, "check");
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

/* mkdir -p of the folder part of path. */
static int make_parent_dirs(const char *path, struct mb_err *err)
{
	char *dir = xstrdup(path);
	int rc = 0;
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir)
		goto done;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST) {
			rc = mb_err_set(err, MB_ERR_IO, "cannot create folder '%s': %s", dir,
					strerror(errno));
			goto done;
		}
		*p = c;
		if (!c)
			break;
	}
done:
	free(dir);
	return rc;
}

int demo_build(const char *path, struct mb_err *err)
{
	struct gen *g = xcalloc(1, sizeof(*g));
	char *tmp = NULL;
	int fd, rc = -1;

	if (make_parent_dirs(path, err))
		goto done;
	tmp = xasprintf("%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		mb_err_set(err, MB_ERR_IO, "cannot create a temporary file next to '%s': %s",
			   path, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto done;
	}
	close(fd);
	g->r.s = DEMO_SEED;
	g->err = err;
	if (sqlite3_open_v2(tmp, &g->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		mb_err_set(err, MB_ERR_IO, "cannot open '%s': %s", tmp,
			   g->db ? sqlite3_errmsg(g->db) : "out of memory");
		goto done;
	}
	if (generate(g)) {
		mb_err_prefix(err, "%s", path);
		goto done;
	}
	if (sqlite3_close(g->db) != SQLITE_OK) {
		mb_err_set(err, MB_ERR_IO, "cannot close '%s': %s", tmp, sqlite3_errmsg(g->db));
		goto done;
	}
	g->db = NULL;
	if (rename(tmp, path)) {
		mb_err_set(err, MB_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
			   strerror(errno));
		goto done;
	}
	free(tmp);
	tmp = NULL;
	rc = 0;
done:
	if (g->db)
		sqlite3_close(g->db);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	for (int i = 0; i < N_CUSTOMERS; i++)
		person_release(&g->customers[i]);
	for (int i = 0; i < N_EMPLOYEES; i++)
		person_release(&g->employees[i]);
	strset_release(&g->emails);
	strset_release(&g->usernames);
	free(g);
	return rc;
}

bool demo_is_current(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;

	if (access(path, R_OK))
		return false;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0) == DEMO_VERSION;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

char *demo_default_path(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		return xasprintf("%s/maskbench/demo.db", xdg);
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || !*home)
		return NULL;
	return xasprintf("%s/.local/share/maskbench/demo.db", home);
}

/* version.c - prints the version of maskbench and of each linked library. */
#include "config.h"

#include "tui/version.h"

#include <curses.h>
#include <hs/hs.h>
#include <openssl/crypto.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sqlite3.h>
#include <utf8proc.h>
#include <yaml.h>

#include "core/db.h"

void print_version(FILE *out)
{
	char pcre[64] = "";
	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	fprintf(out, "maskbench %s\n", PACKAGE_VERSION);
	for (enum db_engine e = DB_ENGINE_PG; e <= DB_ENGINE_SQLITE; e++) {
		const struct db_driver *drv = db_driver_for(e);
		if (drv && drv->client_version)
			fprintf(out, "  %-10s %s\n", drv->name, drv->client_version());
	}
	fprintf(out, "  %-10s %s\n", "workspace", sqlite3_libversion());
	fprintf(out, "  %-10s %s\n", "pcre2", pcre);
	fprintf(out, "  %-10s %s\n", "vectorscan", hs_version());
	fprintf(out, "  %-10s %s\n", "utf8proc", utf8proc_version());
	fprintf(out, "  %-10s %s\n", "libyaml", yaml_get_version_string());
	fprintf(out, "  %-10s %s\n", "openssl", OpenSSL_version(OPENSSL_VERSION));
	fprintf(out, "  %-10s %s\n", "ncurses", curses_version());
}

/*
 * demo_gen.h - the bundled demo database: a small fictional web shop in a
 * SQLite file, built by code so that it needs no data files and is the same
 * byte for byte content on every machine.
 *
 * Contents (all people, companies, cards and bank accounts are invented):
 *   countries        lookup (code, name, dialling prefix, IBAN length)
 *   companies        customer companies (names also in share/demo/customers.txt)
 *   customers        names, emails, phones in several formats, addresses,
 *                    birth dates, Luhn-valid cards, IBANs with valid check
 *                    digits, usernames, bcrypt-shaped hashes, last login IP,
 *                    free-text notes mentioning people and companies
 *   employees        self-referencing manager_id
 *   products, orders, order_items (the largest, > 10,000 rows, composite key)
 *   payments, returns (composite foreign key to order_items)
 *   support_tickets  free text mentioning names, emails, phones
 *   settings         key/value, with the shop's own support phone (a trap:
 *                    a phone number that is not personal data)
 *   audit_log        employee actions with IP addresses and details
 *
 * Every foreign key is declared; PRAGMA foreign_key_check is empty. The
 * generator uses its own PRNG with a fixed seed: two builds hold identical
 * rows (same `sqlite3 .dump`). PRAGMA user_version is DEMO_VERSION.
 */
#ifndef MB_DEMO_GEN_H
#define MB_DEMO_GEN_H

#include <stdbool.h>

#include "core/error.h"

/* Bumped whenever the generated content changes; stale files are rebuilt. */
#define DEMO_VERSION 2

/*
 * Builds the demo database at `path`. Missing parent folders are created
 * (mode 0700). The database is written to a temporary file in the same
 * folder and renamed over `path` only when complete, so a failed or
 * interrupted build never leaves a half-built demo behind and an existing
 * file stays untouched on failure.
 *
 * Returns 0, or -1 with MB_ERR_IO (file system, message naming the path),
 * MB_ERR_DB (SQLite refused a statement) or MB_ERR_INTERNAL (the generated
 * data failed its own foreign key check).
 */
int demo_build(const char *path, struct mb_err *err);

/*
 * True when `path` is a readable SQLite file whose user_version is
 * DEMO_VERSION (a demo built by this version of the generator).
 */
bool demo_is_current(const char *path);

/*
 * The per-user location of the demo database: $XDG_DATA_HOME/maskbench/demo.db
 * when XDG_DATA_HOME is set to an absolute path, else
 * $HOME/.local/share/maskbench/demo.db. Newly allocated; the caller frees.
 * NULL when neither XDG_DATA_HOME nor HOME gives a usable folder.
 */
char *demo_default_path(void);

/*
 * The customer company names written into `companies` (the same list as
 * share/demo/customers.txt), NULL-terminated, static storage.
 */
const char *const *demo_company_names(void);

#endif

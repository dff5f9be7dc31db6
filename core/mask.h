/*
 * mask.h - the masking actions of SPEC §7: specs (action + parameters),
 * parameter checks at rule time, the master key, and compiled maskers.
 *
 * Determinism: the same (key, action, parameters, value) gives the same
 * output in every table, run, process and engine, so a primary key and the
 * foreign keys that point at it stay joinable. Sub-keys are derived from the
 * master key with HKDF-SHA256 (info = "maskbench/v1/" + action), never from
 * the data.
 *
 * Uniqueness: hash, uuid, scramble, fake_phone, card, iban, national_id and
 * ip are permutations of the value's own domain (a keyed Feistel network over
 * mixed-radix digits with AES-128 round functions, cycle-walking to stay in
 * the valid set, then check-digit repair that keeps the input's check-digit
 * error), so distinct inputs give distinct outputs by construction. Values
 * outside the format use a 128-bit keyed PRF, where uniqueness is a bound,
 * not a construction: free-form hash input (64+ bits out: n^2 / 2^65),
 * free-form uuid input (122 bits), fake_email (names + a 50-bit tag, about
 * 66 bits: n^2 / 2^67, i.e. 7e-9 for a million addresses).
 *
 * scramble keeps the first digit of every number of 2+ digits in its kind
 * (a leading 0 stays 0, 1-9 stays 1-9), so integers keep their length and
 * stay unique as numbers: it is the action for numeric keys. Non-ASCII
 * letters become ASCII letters (uniqueness is by construction for ASCII).
 *
 * No output equals its input (except keep, fixed, generalize, regex_replace,
 * sql and a json_paths/redact_text document with nothing to mask): domains
 * below 2^32 use the keyed N-cycle pi^-1(pi(x)+1), which has no fixed point;
 * larger ones have a fixed point with probability below 2^-32.
 *
 * Fakes: fake_* pick dictionary entries (share/dict/<locale>/, locales en,
 * de, fr) by a keyed PRF of the trimmed, ASCII-case-folded input, so the
 * same person is the same fake person in every table; fake emails use
 * domains under the reserved .example TLD unless keep_domain/domain say
 * otherwise.
 *
 * Privacy: no function here prints, logs or stores a data value or the key;
 * error messages name the column and the parameter, never values.
 *
 * Threads: a masker is not thread-safe (it keeps scratch buffers and cipher
 * contexts); give each thread its own masker. Specs and keys are read-only
 * once built and may be shared.
 */
#ifndef MB_MASK_H
#define MB_MASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/strbuf.h"

/* ------------------------------------------------------------------ */
/* Specs                                                               */
/* ------------------------------------------------------------------ */

struct mask_param { char *key; char *value; };

struct mask_spec {              /* one column's action: owns its strings */
	char *action;               /* "keep", "null", "fake_email", ...; NULL = unset */
	struct mask_param *params;  /* in insertion order, keys unique */
	size_t nparams;
	size_t alloc;
};

#define MASK_SPEC_INIT { NULL, NULL, 0, 0 }

void mask_spec_init(struct mask_spec *s);
/* Frees action and params; leaves s initialised (reusable). */
void mask_spec_release(struct mask_spec *s);
/* Replaces the action (copied; NULL clears it). */
void mask_spec_set_action(struct mask_spec *s, const char *action);
/* Copies key and value; replaces an existing value of the same key.
 * Returns 0 (-1 only for a NULL/empty key). */
int  mask_spec_set_param(struct mask_spec *s, const char *key, const char *value);
/*
 * Parses "ACTION [KEY=VALUE]..." (separated by spaces or tabs) into s,
 * which must be initialised. The action is not checked here
 * (mask_spec_check does). Returns 0, or -1 with MB_ERR_INPUT ("no action
 * given", "'tok': parameters are KEY=VALUE").
 */
int mask_spec_parse(const char *text, struct mask_spec *s, struct mb_err *err);
/* The value of key (owned by s), or NULL if unset. */
const char *mask_spec_param(const struct mask_spec *s, const char *key);
/* Deep copy of src into dst (dst must be initialised; its contents are released). */
void mask_spec_copy(struct mask_spec *dst, const struct mask_spec *src);
/*
 * Params as canonical JSON object text (keys sorted by byte value, values
 * always strings): `{"keep_domain":"true"}`; no params gives `{}`.
 * Appends to out.
 */
void mask_spec_params_json(const struct mask_spec *s, struct strbuf *out);
/*
 * Parses a flat JSON object (string, number, true/false values; nested
 * values are refused) and sets each member as a param (numbers and booleans
 * keep their JSON spelling). NULL or "" means no params. Returns 0, or -1
 * with MB_ERR_INPUT saying where the text is malformed (offset, not data).
 */
int  mask_spec_params_from_json(struct mask_spec *s, const char *json,
				struct mb_err *err);

/* ------------------------------------------------------------------ */
/* Actions                                                             */
/* ------------------------------------------------------------------ */

struct mask_param_info {
	const char *name;         /* "keep_domain"; "$..." for json_paths paths */
	const char *help;         /* one line, includes the default */
};

struct mask_action_info {
	const char *name;         /* "fake_email" */
	const char *help;         /* one line for the action picker */
	const struct mask_param_info *params;  /* terminated by a {NULL, NULL} entry */
	bool unique;              /* distinct inputs give distinct outputs */
	bool row_context;         /* needs the column, another column or the engine */
};

/* Known action names, NULL-terminated, in SPEC §7 order. Static storage. */
const char *const *mask_action_names(void);
/* The action's description (static storage), NULL if unknown. */
const struct mask_action_info *mask_action_info(const char *action);

/*
 * Adapts a proposed action to the column it is proposed for, so that a
 * proposal is always one the runner can carry out: a NOT NULL column never
 * gets `null` (it gets `hash`), and a column of a primary or unique key
 * gets an action that maps distinct values to distinct values (`scramble`
 * unless the action is already unique by construction). Returns `action`
 * itself or a static name; *params_reset is set when the action changed
 * (its parameters no longer apply).
 */
const char *mask_action_for_column(const char *action, bool nullable,
				   bool in_unique_key, bool *params_reset);

/*
 * Checks a spec for a column at rule time: unknown action, unknown or
 * malformed parameter, bad regex, `null` on a NOT NULL column, `sql` with an
 * empty expression, a json_paths path or sub-action that is wrong, a date
 * action on a numeric column... The message names the column (`column` is
 * the display name "schema.table.column"; NULL is allowed) and the
 * parameter, never a value from the data. col_type/nullable come from the
 * catalog; a NULL col_type skips type checks. Returns 0 or -1 with
 * MB_ERR_INPUT.
 */
int mask_spec_check(const struct mask_spec *s, const char *column,
		    const char *col_type, bool nullable, struct mb_err *err);

/* ------------------------------------------------------------------ */
/* Keys                                                                */
/* ------------------------------------------------------------------ */

struct mask_key;   /* the master key: never printed, never stored, wiped on free */

/*
 * From key_file if not NULL (refused unless a regular file of mode 0600 or
 * 0400 owned by the caller; trailing newlines are dropped), else from the
 * MASKBENCH_KEY environment variable. Keys shorter than 16 bytes are
 * refused (MB_ERR_USAGE). MB_ERR_USAGE when there is no key; MB_ERR_IO
 * when the file cannot be read. Free with mask_key_free().
 */
struct mask_key *mask_key_load(const char *key_file, struct mb_err *err);
/* The built-in demo key (for the demo database only; say so on screen). */
struct mask_key *mask_key_demo(void);
/* A key from raw bytes (copied; n > 0), for tests and tools. */
struct mask_key *mask_key_from_bytes(const void *k, size_t n);
/* True for the key returned by mask_key_demo(). */
bool mask_key_is_demo(const struct mask_key *k);
/* Wipes and frees; NULL is fine. */
void mask_key_free(struct mask_key *k);

/* ------------------------------------------------------------------ */
/* Maskers                                                             */
/* ------------------------------------------------------------------ */

struct masker;     /* a compiled spec: derived sub-keys, compiled regex, dicts */

/*
 * Compiles s (which is checked with mask_spec_check() first, without column
 * type information) under key. The spec and key are not referenced after
 * the call (copied/derived). Dictionaries are read from the share folder
 * (MASKBENCH_SHARE, else the build tree's share/, else the installed one).
 * Returns NULL with MB_ERR_INPUT for a bad spec, MB_ERR_IO for a missing
 * dictionary.
 */
struct masker *masker_new(const struct mask_spec *s, const struct mask_key *key,
			  struct mb_err *err);
void masker_free(struct masker *m);
/* The action name (owned by m). */
const char *masker_action(const struct masker *m);

/*
 * Masks one value. in==NULL means SQL NULL. On return *out_null says whether
 * the result is NULL; otherwise the masked bytes are in `out` (reset first).
 * Deterministic: same key+action+params+value gives the same output.
 * Never fails for data (wrong shape is still masked, never passed through;
 * invalid UTF-8 in gives valid output for every action that writes text);
 * -1 only for internal errors, and for actions the masker cannot evaluate on
 * one value: `sql` (the source engine evaluates it) and `shuffle` (see
 * masker_shuffle_index).
 * For date_shift with an `entity` parameter this uses the value itself as
 * the entity; the runner should call masker_apply_entity().
 */
int masker_apply(struct masker *m, const char *in, size_t len, struct strbuf *out,
		 bool *out_null, struct mb_err *err);

/*
 * date_shift with a row entity: every date of one entity (the value of the
 * column named by the `entity` parameter, e.g. the patient id; NULL entity
 * falls back to the date itself) moves by the same keyed offset in
 * [-max_days, max_days] \ {0}, so the order and the intervals of one
 * entity's dates are kept. For other actions this is masker_apply().
 */
int masker_apply_entity(struct masker *m, const char *in, size_t len,
			const char *entity, size_t entity_len,
			struct strbuf *out, bool *out_null, struct mb_err *err);

/* True when the action needs the whole column (shuffle), another column
 * (date_shift's entity) or the source engine (sql): the runner handles these. */
bool masker_needs_row_context(const struct masker *m);
/* The name of the other column this masker reads (date_shift's `entity`),
 * or NULL. Owned by m. */
const char *masker_entity_column(const struct masker *m);

/*
 * shuffle, streaming-friendly: the column's values are permuted within the
 * column by a keyed permutation of row positions. The runner reads the
 * column in a stable order (e.g. by primary key), keeps the n values
 * (only that column), and writes to output row i the value at position
 * masker_shuffle_index(m, n, i). The map i -> index is a bijection of
 * [0, n) (keyed Feistel with cycle-walking), with no fixed point when
 * n >= 2, the same for the same key and n. Works for any action (a keyed
 * permutation derived from the action name).
 */
uint64_t masker_shuffle_index(struct masker *m, uint64_t n, uint64_t i);

/*
 * redact_text: also replace occurrences of these customer names (not
 * copied: cs must outlive m; NULL removes it). No effect on other actions.
 */
struct customer_set;
void masker_set_customers(struct masker *m, const struct customer_set *cs);

/* The `sql` action's expression (owned by m), NULL for other actions. */
const char *masker_sql_expression(const struct masker *m);

#endif

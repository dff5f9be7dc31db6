/*
 * job_copy.c - the row pipeline of one table: read the planned rows from
 * the source, mask the columns that have a spec, write them to the sink.
 *
 * PostgreSQL sources are read with COPY (SELECT ...) TO STDOUT: unmasked
 * fields are passed through in COPY text form untouched (no decode), only
 * masked fields are decoded, masked and re-encoded. Other sources stream
 * rows (mysql_use_result, sqlite3_step). Memory is bounded by one row plus
 * one output batch (SINK_INSERT: ~1 MB or 1,000 rows; SINK_COPY: 256 KB).
 *
 * `shuffle` is the exception: the values of a shuffled column are permuted
 * among the copied rows of its table, so before the table streams, a first
 * pass reads (with the same subset SELECTs, in the same snapshot) that
 * column and the row identity (the primary key, else every other column)
 * and holds ONLY that column's non-NULL values, each with a 64-bit hash of
 * its row (identity and value). Entries sorted by hash give every row a
 * rank k independent of the read order; during the stream the row of rank
 * k gets the value of rank masker_shuffle_index(m, n, k), a keyed
 * permutation without fixed points: deterministic for the same key and
 * data, the multiset of values kept, NULLs stay NULL. The memory held per
 * shuffled column is its values plus 25 bytes a row, capped at
 * SHUFFLE_MAX_BYTES: a table whose shuffled column needs more is refused
 * (MB_ERR_INPUT naming table.column) before anything is written to it.
 */
#include "config.h"

#include <errno.h>

#include <stdlib.h>

#include "core/job_int.h"

#define INSERT_BATCH_ROWS 1000
#define INSERT_BATCH_BYTES (1 << 20)
#define COPY_BATCH_BYTES (256 << 10)
#define PROGRESS_EVERY 4096
/* Memory one shuffled column may hold (values + 25 bytes a row). */
#define SHUFFLE_MAX_BYTES ((size_t)256 << 20)

/* ---- which spec applies to a column ---- */

static const struct mask_spec *direct_spec(const struct job_options *o,
					   const struct cat_table *t,
					   const char *col)
{
	for (size_t i = 0; i < o->nrules; i++) {
		const struct job_rule *r = &o->rules[i];
		if (str_eq(r->table, t->name) && str_eq(r->column, col) &&
		    (!r->schema || str_eq(r->schema, t->schema)))
			return r->spec;
	}
	return NULL;
}

static bool masks(const struct mask_spec *s)
{
	return s && s->action && !str_eq(s->action, "keep");
}

static const struct mask_spec *spec_for(const struct catalog *cat,
					const struct job_options *o,
					const struct cat_table *t, size_t col,
					int depth)
{
	/* A column that references a masked key takes the key's spec. */
	if (depth < 16) {
		for (size_t f = 0; f < t->nfks; f++) {
			const struct cat_fk *fk = &t->fks[f];
			if (fk->ref_table_idx < 0)
				continue;
			for (size_t k = 0; k < fk->ncols; k++) {
				if (fk->col_idx[k] != (int)col)
					continue;
				const struct cat_table *p = &cat->tables[fk->ref_table_idx];
				int pc = cat_table_column_index(p, fk->ref_cols[k]);
				if (pc < 0)
					continue;
				const struct mask_spec *s = spec_for(cat, o, p, (size_t)pc, depth + 1);
				if (masks(s))
					return s;
			}
		}
	}
	const struct mask_spec *s = direct_spec(o, t, t->cols[col].name);
	return masks(s) ? s : NULL;
}

const struct mask_spec *job_spec_for(const struct catalog *cat,
				     const struct job_options *o,
				     const struct cat_table *t, size_t col)
{
	return spec_for(cat, o, t, col, 0);
}

int job_check_key_masks(const struct catalog *cat, const struct job_options *o,
			struct mb_err *err)
{
	for (size_t i = 0; i < cat->ntables; i++) {
		const struct cat_table *t = &cat->tables[i];
		for (size_t f = 0; f < t->nfks; f++) {
			const struct cat_fk *fk = &t->fks[f];
			if (fk->ref_table_idx < 0)
				continue;
			const struct cat_table *p = &cat->tables[fk->ref_table_idx];
			for (size_t k = 0; k < fk->ncols; k++) {
				int pc = cat_table_column_index(p, fk->ref_cols[k]);
				if (pc < 0 || fk->col_idx[k] < 0)
					continue;
				const struct mask_spec *ks = job_spec_for(cat, o, p, (size_t)pc);
				if (ks && str_eq(ks->action, "shuffle"))
					return mb_err_set(err, MB_ERR_INPUT,
							  "%s.%s.%s is shuffled but %s.%s.%s references it: a shuffle permutes"
							  " rows of one table and cannot keep the foreign key; mask the key"
							  " with a deterministic action (hash, uuid, scramble...)",
							  p->schema, p->name, fk->ref_cols[k],
							  t->schema, t->name, fk->cols[k]);
				if (masks(direct_spec(o, t, fk->cols[k])) && !ks)
					return mb_err_set(err, MB_ERR_INPUT,
							  "%s.%s.%s is masked but the key it references, %s.%s.%s, is not: the foreign key would break; mask the key instead",
							  t->schema, t->name, fk->cols[k],
							  p->schema, p->name, fk->ref_cols[k]);
			}
		}
	}
	return 0;
}

void col_masks_free(struct col_mask *m, size_t n)
{
	if (!m)
		return;
	for (size_t i = 0; i < n; i++)
		masker_free(m[i].m);
	free(m);
}

int col_masks_build(const struct catalog *cat, const struct cat_table *t,
		    const struct subset_table *st, const struct job_options *o,
		    struct col_mask **out, struct mb_err *err)
{
	struct col_mask *m = xcalloc(t->ncols + 1, sizeof(*m));
	size_t bad = 0;
	for (size_t i = 0; i < t->ncols; i++) {
		m[i].entity_col = -1;
		m[i].force_null = st && st->null_cols && st->null_cols[i];
		const struct mask_spec *s = job_spec_for(cat, o, t, i);
		if (!s || m[i].force_null)
			continue;
		if (!o->key) {
			col_masks_free(m, t->ncols);
			return mb_err_set(err, MB_ERR_USAGE,
					  "%s.%s.%s: masking needs a key (MASKBENCH_KEY or --key-file)",
					  t->schema, t->name, t->cols[i].name);
		}
		m[i].m = masker_new(s, o->key, err);
		if (!m[i].m) {
			bad = i;
			goto fail;
		}
		if (o->customers)
			masker_set_customers(m[i].m, o->customers);
		if (masker_needs_row_context(m[i].m)) {
			const char *ent = masker_entity_column(m[i].m);
			const char *expr = masker_sql_expression(m[i].m);
			if (ent) {
				m[i].entity_col = cat_table_column_index(t, ent);
				if (m[i].entity_col < 0) {
					mb_err_set(err, MB_ERR_INPUT,
						   "entity column '%s' does not exist", ent);
					bad = i;
					goto fail;
				}
			} else if (expr) {
				m[i].sql_expr = expr;
			} else if (str_eq(masker_action(m[i].m), "shuffle")) {
				m[i].shuffle = true;
			} else {
				mb_err_set(err, MB_ERR_INPUT,
					   "action '%s' is not supported by the runner yet",
					   masker_action(m[i].m));
				bad = i;
				goto fail;
			}
		}
	}
	*out = m;
	return 0;
fail:
	mb_err_prefix(err, "%s.%s.%s", t->schema, t->name, t->cols[bad].name);
	col_masks_free(m, t->ncols);
	return -1;
}

/* ---- COPY text ---- */

/*
 * Decodes a field of COPY text. `mysql`: the MySQL driver's copy_out form,
 * where "\0" is a NUL byte (LOAD DATA's escape), never an octal sequence.
 */
static void copy_decode(const char *s, size_t n, bool mysql, struct strbuf *out)
{
	strbuf_reset(out);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c != '\\' || i + 1 >= n) {
			strbuf_addch(out, c);
			continue;
		}
		c = s[++i];
		switch (c) {
		case 'b': strbuf_addch(out, '\b'); break;
		case 'f': strbuf_addch(out, '\f'); break;
		case 'n': strbuf_addch(out, '\n'); break;
		case 'r': strbuf_addch(out, '\r'); break;
		case 't': strbuf_addch(out, '\t'); break;
		case 'v': strbuf_addch(out, '\v'); break;
		case 'x': {
			int v = 0, k = 0;
			while (k < 2 && i + 1 < n && strchr("0123456789abcdefABCDEF", s[i + 1]) && s[i + 1]) {
				char h = s[++i];
				v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
				k++;
			}
			strbuf_addch(out, v);
			break;
		}
		default:
			if (mysql && c == '0') {
				strbuf_addch(out, '\0');
			} else if (c >= '0' && c <= '7') {
				int v = c - '0', k = 1;
				while (k < 3 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7') {
					v = v * 8 + (s[++i] - '0');
					k++;
				}
				strbuf_addch(out, v);
			} else {
				strbuf_addch(out, c);
			}
		}
	}
}

static void copy_encode(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\': strbuf_addstr(out, "\\\\"); break;
		case '\t': strbuf_addstr(out, "\\t"); break;
		case '\n': strbuf_addstr(out, "\\n"); break;
		case '\r': strbuf_addstr(out, "\\r"); break;
		default: strbuf_addch(out, s[i]);
		}
	}
}

/* ---- shuffle ---- */

struct shuffle_entry {
	uint64_t h;              /* hash of the row (identity and value) */
	size_t off;              /* value in shuffle.vals */
	size_t len;
};

struct shuffle {
	size_t col;              /* position in tc->cols */
	size_t *ident;           /* positions in tc->cols hashed with the value */
	size_t nident;
	uint64_t salt;           /* from the column name: columns are independent */
	struct shuffle_entry *e; /* sorted by (h, value) */
	size_t n, alloc;
	struct strbuf vals;      /* the column's non-NULL values, back to back */
	unsigned char *taken;    /* per entry: given to a row already */
};

static uint64_t fnv_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The row hash: the identity fields, then the value (never NULL here). */
static uint64_t shuffle_hash(const struct shuffle *sh, const char *const *vals,
			     const size_t *lens, const char *v, size_t vlen)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ sh->salt;
	for (size_t k = 0; k < sh->nident; k++) {
		const char *f = vals[k];
		uint64_t len = f ? (uint64_t)lens[k] : UINT64_MAX;
		h = fnv_add(h, &len, sizeof(len));
		if (f)
			h = fnv_add(h, f, lens[k]);
	}
	uint64_t len = vlen;
	h = fnv_add(h, &len, sizeof(len));
	h = fnv_add(h, v, vlen);
	return mix64(h);
}

static int entry_cmp(const void *a, const void *b, void *ctx)
{
	const struct shuffle_entry *x = a, *y = b;
	const char *vals = ctx;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(vals + x->off, vals + y->off, n);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void shuffle_release(struct shuffle *sh)
{
	free(sh->ident);
	free(sh->e);
	free(sh->taken);
	strbuf_release(&sh->vals);
}

/* Which fields identify a row: the primary key if every column of it is copied. */
static void shuffle_identity(const struct table_copy *tc, struct shuffle *sh)
{
	const struct cat_table *t = tc->t;
	sh->ident = xcalloc(tc->ncols + 1, sizeof(size_t));
	sh->nident = 0;
	for (size_t k = 0; k < t->pk.ncols; k++) {
		size_t pos = SIZE_MAX;
		for (size_t i = 0; i < tc->ncols; i++)
			if (tc->cols[i] == t->pk.col_idx[k])
				pos = i;
		if (pos == SIZE_MAX) {
			sh->nident = 0;
			break;
		}
		sh->ident[sh->nident++] = pos;
	}
	if (sh->nident)
		return;
	/* No usable key: every column that is not itself shuffled. */
	for (size_t i = 0; i < tc->ncols; i++)
		if (!tc->masks[tc->cols[i]].shuffle)
			sh->ident[sh->nident++] = i;
}

/*
 * First pass for one shuffled column: reads identity + value of every
 * planned row (the table's subset SELECTs, values as text), keeps the
 * non-NULL values and sorts them by row hash.
 */
static int shuffle_load(struct table_copy *tc, struct shuffle *sh, struct mb_err *err)
{
	const struct cat_table *t = tc->t;
	const struct cat_column *col = &t->cols[tc->cols[sh->col]];
	struct strbuf list = STRBUF_INIT, sql = STRBUF_INIT;
	const char **vals = xcalloc(sh->nident + 1, sizeof(*vals));
	size_t *lens = xcalloc(sh->nident + 1, sizeof(*lens));
	size_t cursor = 0;
	int ret = -1, r;

	for (size_t k = 0; k < sh->nident; k++) {
		db_quote_ident(tc->src, &list, t->cols[tc->cols[sh->ident[k]]].name);
		strbuf_addstr(&list, ", ");
	}
	db_quote_ident(tc->src, &list, col->name);
	while ((r = subset_table_next_select(tc->plan, tc->pos, tc->src, list.buf,
					     &cursor, &sql, err)) == 1) {
		struct db_rows *rows = NULL;
		if (db_query(tc->src, sql.buf, &rows, err) < 0)
			goto cleanup;
		while ((r = db_rows_next(rows, err)) == 1) {
			const char *v = rows->values[sh->nident];
			if (!v)
				continue;
			size_t vlen = rows->lengths[sh->nident];
			for (size_t k = 0; k < sh->nident; k++) {
				vals[k] = rows->values[k];
				lens[k] = rows->values[k] ? rows->lengths[k] : 0;
			}
			ALLOC_GROW(sh->e, sh->n + 1, sh->alloc);
			sh->e[sh->n] = (struct shuffle_entry){
				.h = shuffle_hash(sh, vals, lens, v, vlen),
				.off = sh->vals.len, .len = vlen,
			};
			sh->n++;
			strbuf_add(&sh->vals, v, vlen);
			if (sh->vals.len + sh->n * (sizeof(struct shuffle_entry) + 1) >
			    SHUFFLE_MAX_BYTES) {
				db_rows_close(rows);
				ret = -2; /* complete message */
				mb_err_set(err, MB_ERR_INPUT,
					   "%s.%s.%s: shuffle holds the column's values in memory and"
					   " they exceed %zu MiB after %zu rows: copy a smaller subset"
					   " of the table or use another action",
					   t->schema, t->name, col->name,
					   SHUFFLE_MAX_BYTES >> 20, sh->n);
				goto cleanup;
			}
			if (tc->cancel && *tc->cancel) {
				db_rows_close(rows);
				mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
				goto cleanup;
			}
		}
		db_rows_close(rows);
		if (r < 0)
			goto cleanup;
	}
	if (r < 0)
		goto cleanup;
	qsort_r(sh->e, sh->n, sizeof(*sh->e), entry_cmp, sh->vals.buf);
	sh->taken = xcalloc(sh->n + 1, 1);
	ret = 0;
cleanup:
	if (ret == -1 && err->kind != MB_ERR_CANCELLED)
		mb_err_prefix(err, "%s.%s.%s: reading the column to shuffle",
			      t->schema, t->name, col->name);
	free(vals);
	free(lens);
	strbuf_release(&list);
	strbuf_release(&sql);
	return ret < 0 ? -1 : 0;
}

/* The value row `vals` (this row's identity fields) gets: NULL stays NULL. */
static int shuffle_pick(struct masker *m, const struct table_copy *tc,
			struct shuffle *sh, const char *const *vals,
			const size_t *lens, const char *v, size_t vlen,
			const char **out, size_t *outlen, struct mb_err *err)
{
	uint64_t h = shuffle_hash(sh, vals, lens, v, vlen);
	size_t lo = 0, hi = sh->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sh->e[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Equal hashes: rows identical in identity and value; take the first free. */
	while (lo < sh->n && sh->e[lo].h == h &&
	       (sh->taken[lo] || sh->e[lo].len != vlen ||
		memcmp(sh->vals.buf + sh->e[lo].off, v, vlen) != 0))
		lo++;
	if (lo >= sh->n || sh->e[lo].h != h)
		return mb_err_set(err, MB_ERR_DB,
				  "%s.%s.%s: a row to shuffle was not seen by the first pass"
				  " (the source changed outside the run's snapshot)",
				  tc->t->schema, tc->t->name,
				  tc->t->cols[tc->cols[sh->col]].name);
	sh->taken[lo] = 1;
	const struct shuffle_entry *to = &sh->e[masker_shuffle_index(m, sh->n, lo)];
	*out = sh->vals.buf + to->off;
	*outlen = to->len;
	return 0;
}

/* ---- the pipeline ---- */

struct field {
	const char *raw;   /* COPY text form (COPY source only) */
	size_t rawlen;
	const char *val;   /* decoded value; NULL for SQL NULL */
	size_t len;
	bool blob;         /* SQLite source: the value's storage class is BLOB */
};

struct pipe {
	struct table_copy *tc;
	struct field *f;            /* tc->ncols */
	struct strbuf *dec;         /* decoded values of masked columns */
	struct strbuf masked;
	struct strbuf batch;        /* output being collected */
	size_t batch_rows;
	struct mb_err *err;
	bool copy_started;
	bool in_txn;                /* PostgreSQL: the FREEZE load's transaction is open */
	/* COPY source to COPY sink with nothing masked or checked: rows go as read */
	bool passthrough;
	/* PostgreSQL to PostgreSQL in COPY binary (see binary_copy_ok) */
	bool binary;
	bool binary_header_read;    /* of the current COPY out stream */
	int64_t last_report;
	/*
	 * SQLite source: after the ncols values, the query returns one
	 * "typeof(col) = 'blob'" flag per column, so that blobs are written
	 * as X'..' literals and stay blobs in the target and the dump.
	 */
	bool blob_flags;
	bool *need_dec;             /* COPY source: fields decoded before use */
	struct shuffle *sh;         /* shuffled columns */
	size_t nsh;
	const char **sh_vals;       /* scratch: identity fields of one row */
	size_t *sh_lens;
	const char **sh_out;        /* scratch: picked values, one per shuffle */
	size_t *sh_outlen;
};

/*
 * Shuffled columns of the current row: every pick is computed from the
 * row's source values before any is written (a shuffled column may be
 * another's identity), and before the other columns are masked.
 */
static int shuffle_row(struct pipe *p)
{
	struct table_copy *tc = p->tc;
	for (size_t s = 0; s < p->nsh; s++) {
		struct shuffle *sh = &p->sh[s];
		const struct field *f = &p->f[sh->col];
		p->sh_out[s] = NULL;
		p->sh_outlen[s] = 0;
		if (!f->val)
			continue;
		for (size_t k = 0; k < sh->nident; k++) {
			p->sh_vals[k] = p->f[sh->ident[k]].val;
			p->sh_lens[k] = p->f[sh->ident[k]].len;
		}
		if (shuffle_pick(tc->masks[tc->cols[sh->col]].m, tc, sh, p->sh_vals,
				 p->sh_lens, f->val, f->len, &p->sh_out[s],
				 &p->sh_outlen[s], p->err) < 0)
			return -1;
	}
	for (size_t s = 0; s < p->nsh; s++) {
		struct field *f = &p->f[p->sh[s].col];
		if (!f->val)
			continue;
		f->val = p->sh_out[s];
		f->len = p->sh_outlen[s];
	}
	return 0;
}

/* Masks the row's fields: shuffles first, then every other masked column. */
static int mask_row(struct pipe *p);

static int flush_batch(struct pipe *p)
{
	struct table_copy *tc = p->tc;
	if (!p->batch.len)
		return 0;
	int ret = 0;
	switch (tc->sink) {
	case SINK_COPY:
		ret = db_copy_in_put(tc->dst, p->batch.buf, p->batch.len, p->err);
		break;
	case SINK_INSERT:
		ret = db_exec(tc->dst, p->batch.buf, p->err);
		break;
	case SINK_FILE_COPY:
	case SINK_FILE_INSERT:
		if (tc->sink == SINK_FILE_INSERT)
			strbuf_addstr(&p->batch, ";\n");
		if (fwrite(p->batch.buf, 1, p->batch.len, tc->out) != p->batch.len)
			ret = tc->dump ? dump_write_error(tc->dump, errno, p->err) :
				mb_err_set(p->err, MB_ERR_IO, "cannot write the dump: %s",
					   strerror(errno));
		break;
	}
	tc->bytes += (int64_t)p->batch.len;
	strbuf_reset(&p->batch);
	p->batch_rows = 0;
	return ret;
}

/* X'..': an SQLite blob literal. */
static void add_blob_literal(struct strbuf *sb, const char *v, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	strbuf_grow(sb, 2 * len + 3);
	strbuf_addstr(sb, "X'");
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)v[i];
		strbuf_addch(sb, hex[b >> 4]);
		strbuf_addch(sb, hex[b & 15]);
	}
	strbuf_addch(sb, '\'');
}

static void insert_header(struct pipe *p)
{
	struct table_copy *tc = p->tc;
	strbuf_addf(&p->batch, "INSERT INTO %s (", tc->target_name);
	for (size_t i = 0; i < tc->ncols; i++) {
		if (i)
			strbuf_addstr(&p->batch, ", ");
		db_quote_ident(tc->quoter, &p->batch, tc->t->cols[tc->cols[i]].name);
	}
	strbuf_addstr(&p->batch, ") VALUES ");
}

/* Masks field i (decoded value in f[i].val); result in f[i].val. */
static int mask_field(struct pipe *p, size_t i, struct strbuf *store)
{
	struct table_copy *tc = p->tc;
	const struct col_mask *cm = &tc->masks[tc->cols[i]];
	bool is_null = false;
	int r;
	if (cm->force_null) {
		p->f[i].val = NULL;
		return 0;
	}
	if (!cm->m || cm->sql_expr || cm->shuffle)
		return 0;
	strbuf_reset(store);
	if (cm->entity_col >= 0) {
		const struct field *ef = NULL;
		for (size_t k = 0; k < tc->ncols; k++)
			if (tc->cols[k] == cm->entity_col)
				ef = &p->f[k];
		r = masker_apply_entity(cm->m, p->f[i].val, p->f[i].len,
					ef ? ef->val : NULL, ef ? ef->len : 0,
					store, &is_null, p->err);
	} else {
		r = masker_apply(cm->m, p->f[i].val, p->f[i].len, store,
				 &is_null, p->err);
	}
	if (r < 0)
		return mb_err_prefix(p->err, "%s.%s.%s", tc->t->schema, tc->t->name,
				     tc->t->cols[tc->cols[i]].name);
	p->f[i].val = is_null ? NULL : store->buf;
	p->f[i].len = is_null ? 0 : store->len;
	return 0;
}

static bool col_masked(const struct table_copy *tc, size_t i)
{
	const struct col_mask *cm = &tc->masks[tc->cols[i]];
	return cm->force_null || (cm->m && !cm->sql_expr);
}

static int mask_row(struct pipe *p)
{
	struct table_copy *tc = p->tc;
	if (p->nsh && shuffle_row(p) < 0)
		return -1;
	for (size_t c = 0; c < tc->ncols; c++)
		if (col_masked(tc, c) && mask_field(p, c, &p->dec[tc->ncols + c]) < 0)
			return -1;
	for (size_t c = 0; tc->checks && c < tc->ncols; c++)
		if (tc->checks[c] && p->f[c].val)
			verify_check_value(tc->checks[c], p->f[c].val, p->f[c].len);
	return 0;
}

/* Appends one row (fields decoded or raw) to the batch in the sink's form. */
static int emit_row(struct pipe *p, bool have_raw)
{
	struct table_copy *tc = p->tc;
	if (tc->sink == SINK_COPY || tc->sink == SINK_FILE_COPY) {
		for (size_t i = 0; i < tc->ncols; i++) {
			if (i)
				strbuf_addch(&p->batch, '\t');
			if (have_raw && !col_masked(tc, i))
				strbuf_add(&p->batch, p->f[i].raw, p->f[i].rawlen);
			else if (!p->f[i].val)
				strbuf_addstr(&p->batch, "\\N");
			else
				copy_encode(&p->batch, p->f[i].val, p->f[i].len);
		}
		strbuf_addch(&p->batch, '\n');
		p->batch_rows++;
		if (p->batch.len >= COPY_BATCH_BYTES)
			return flush_batch(p);
		return 0;
	}
	if (p->batch_rows == 0)
		insert_header(p);
	else
		strbuf_addstr(&p->batch, ", ");
	strbuf_addch(&p->batch, '(');
	for (size_t i = 0; i < tc->ncols; i++) {
		if (i)
			strbuf_addstr(&p->batch, ", ");
		if (!p->f[i].val)
			strbuf_addstr(&p->batch, "NULL");
		else if (p->f[i].blob && !col_masked(tc, i))
			add_blob_literal(&p->batch, p->f[i].val, p->f[i].len);
		else
			db_quote_literal(tc->quoter, &p->batch, p->f[i].val, p->f[i].len);
	}
	strbuf_addch(&p->batch, ')');
	p->batch_rows++;
	if (p->batch_rows >= INSERT_BATCH_ROWS || p->batch.len >= INSERT_BATCH_BYTES)
		return flush_batch(p);
	return 0;
}

static int after_row(struct pipe *p)
{
	struct table_copy *tc = p->tc;
	tc->rows++;
	if (tc->cancel && *tc->cancel)
		return mb_err_set(p->err, MB_ERR_CANCELLED, "cancelled");
	if (tc->on_progress && tc->rows - p->last_report >= PROGRESS_EVERY) {
		p->last_report = tc->rows;
		tc->on_progress(tc->progress_ctx, tc->rows, tc->bytes + (int64_t)p->batch.len, false);
	}
	return 0;
}

/* ---- COPY binary ---- */

static const char binary_signature[11] = "PGCOPY\n\377\r\n";

static uint32_t be32(const unsigned char *s)
{
	return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
}

static void add_be32(struct strbuf *sb, uint32_t v)
{
	char b[4] = { (char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v };
	strbuf_add(sb, b, 4);
}

static void add_be16(struct strbuf *sb, uint16_t v)
{
	char b[2] = { (char)(v >> 8), (char)v };
	strbuf_add(sb, b, 2);
}

/*
 * Built-in PostgreSQL types whose binary form is the same in every
 * database. Arrays and composites of user-defined types carry the type's
 * OID, which differs between source and target, so they go as text.
 */
static bool pg_binary_portable(const char *type)
{
	static const char *const portable[] = {
		"smallint", "integer", "bigint", "numeric", "real", "double precision",
		"boolean", "text", "character varying", "character", "bytea", "date",
		"time without time zone", "time with time zone",
		"timestamp without time zone", "timestamp with time zone", "interval",
		"uuid", "json", "jsonb", "inet", "cidr", "macaddr", "oid",
	};
	char base[64];
	size_t n = 0;
	/* "numeric(10,2)[]" -> "numeric"; "timestamp(3) with time zone" too */
	for (const char *c = type; *c && n + 1 < sizeof(base); c++) {
		if (*c == '(') {
			while (*c && *c != ')')
				c++;
			if (!*c)
				break;
			continue;
		}
		if (*c == '[')
			break;
		base[n++] = *c;
	}
	while (n && base[n - 1] == ' ')
		n--;
	base[n] = '\0';
	for (size_t i = 0; i < sizeof(portable) / sizeof(*portable); i++)
		if (str_eq(base, portable[i]))
			return true;
	return false;
}

/* The binary form of these is the text itself, as the maskers take it. */
static bool pg_text_type(const char *type)
{
	return !strchr(type, '[') &&
	       (str_eq(type, "text") || str_starts_with(type, "character"));
}

/*
 * PostgreSQL to PostgreSQL, COPY binary saves both servers the text
 * output and input functions (timestamps, numerics), the larger part of
 * a copy's cost. Only when every column is portable and every masked
 * column (and entity column) is text, whose binary form the maskers take
 * as is; shuffles, SQL expressions and dump checks use the text path.
 */
static bool binary_copy_ok(const struct table_copy *tc, const struct pipe *p)
{
	if (tc->sink != SINK_COPY || tc->src->drv->engine != DB_ENGINE_PG ||
	    tc->dst->drv->engine != DB_ENGINE_PG || p->nsh || tc->checks)
		return false;
	for (size_t i = 0; i < tc->ncols; i++) {
		const struct cat_column *c = &tc->t->cols[tc->cols[i]];
		const struct col_mask *cm = &tc->masks[tc->cols[i]];
		if (!pg_binary_portable(c->type) || cm->sql_expr || cm->shuffle)
			return false;
		if (cm->m && !pg_text_type(c->type))
			return false;
		if (cm->m && cm->entity_col >= 0 &&
		    !pg_text_type(tc->t->cols[cm->entity_col].type))
			return false;
	}
	return true;
}

static int binary_shape_error(struct pipe *p)
{
	return mb_err_set(p->err, MB_ERR_DB, "%s.%s: unexpected COPY binary row",
			  p->tc->t->schema, p->tc->t->name);
}

/*
 * One message of a COPY binary stream: a row (the first one after the
 * stream's header) or the trailer. Each stream's header and trailer are
 * dropped: the load has one of each (a table may be read in several
 * statements).
 */
static int on_copy_binary(void *ctx, const char *buf, size_t len)
{
	struct pipe *p = ctx;
	struct table_copy *tc = p->tc;
	const unsigned char *s = (const unsigned char *)buf, *end = s + len;

	if (!p->binary_header_read) {
		if (len < 19 || memcmp(s, binary_signature, sizeof(binary_signature)) != 0)
			return binary_shape_error(p);
		uint32_t ext = be32(s + 15);
		s += 19;
		if (ext > (size_t)(end - s))
			return binary_shape_error(p);
		s += ext;
		p->binary_header_read = true;
		if (s == end)
			return 0;
	}
	if (end - s < 2)
		return binary_shape_error(p);
	int nf = (int16_t)(s[0] << 8 | s[1]);
	if (nf == -1)
		return 0;
	if ((size_t)nf != tc->ncols)
		return binary_shape_error(p);
	const unsigned char *row = s;
	s += 2;
	for (size_t i = 0; i < tc->ncols; i++) {
		if (end - s < 4)
			return binary_shape_error(p);
		int32_t n = (int32_t)be32(s);
		struct field *f = &p->f[i];
		f->raw = (const char *)s;
		s += 4;
		if (n < 0) {
			f->val = NULL;
			f->len = 0;
		} else {
			if ((size_t)n > (size_t)(end - s))
				return binary_shape_error(p);
			f->val = (const char *)s;
			f->len = (size_t)n;
			s += n;
		}
		f->rawlen = (size_t)(s - (const unsigned char *)f->raw);
	}
	if (s != end)
		return binary_shape_error(p);
	if (p->passthrough) {
		strbuf_add(&p->batch, (const char *)row, (size_t)(end - row));
	} else {
		if (mask_row(p) < 0)
			return -1;
		add_be16(&p->batch, (uint16_t)tc->ncols);
		for (size_t i = 0; i < tc->ncols; i++) {
			const struct field *f = &p->f[i];
			if (!col_masked(tc, i)) {
				strbuf_add(&p->batch, f->raw, f->rawlen);
			} else if (!f->val) {
				add_be32(&p->batch, UINT32_MAX);
			} else {
				add_be32(&p->batch, (uint32_t)f->len);
				strbuf_add(&p->batch, f->val, f->len);
			}
		}
	}
	p->batch_rows++;
	if (p->batch.len >= COPY_BATCH_BYTES && flush_batch(p) < 0)
		return -1;
	return after_row(p);
}

/* ---- COPY text ---- */

/* One COPY text row from the source. */
static int on_copy_chunk(void *ctx, const char *buf, size_t len)
{
	struct pipe *p = ctx;
	struct table_copy *tc = p->tc;
	size_t i = 0, start = 0;

	if (len && buf[len - 1] == '\n')
		len--;
	if (p->passthrough) {
		size_t tabs = 0;
		for (const char *q = buf, *end = buf + len;
		     (q = memchr(q, '\t', (size_t)(end - q))); q++)
			tabs++;
		if (tabs + 1 != tc->ncols)
			return mb_err_set(p->err, MB_ERR_DB, "%s.%s: unexpected COPY row shape",
					  tc->t->schema, tc->t->name);
		strbuf_add(&p->batch, buf, len);
		strbuf_addch(&p->batch, '\n');
		p->batch_rows++;
		if (p->batch.len >= COPY_BATCH_BYTES && flush_batch(p) < 0)
			return -1;
		return after_row(p);
	}
	for (size_t k = 0; k <= len; k++) {
		if (k < len && buf[k] != '\t')
			continue;
		if (i >= tc->ncols)
			return mb_err_set(p->err, MB_ERR_DB, "%s.%s: unexpected COPY row shape",
					  tc->t->schema, tc->t->name);
		struct field *f = &p->f[i];
		f->raw = buf + start;
		f->rawlen = k - start;
		if (f->rawlen == 2 && f->raw[0] == '\\' && f->raw[1] == 'N') {
			f->val = NULL;
			f->len = 0;
		} else {
			f->val = f->raw;
			f->len = f->rawlen;
		}
		i++;
		start = k + 1;
	}
	if (i != tc->ncols)
		return mb_err_set(p->err, MB_ERR_DB, "%s.%s: unexpected COPY row shape",
				  tc->t->schema, tc->t->name);
	/* Decode what is masked, an entity of a masked column or a shuffle identity. */
	for (size_t c = 0; c < tc->ncols; c++) {
		if (p->need_dec[c] && p->f[c].val && memchr(p->f[c].raw, '\\', p->f[c].rawlen)) {
			copy_decode(p->f[c].raw, p->f[c].rawlen,
				    tc->src->drv->engine == DB_ENGINE_MYSQL, &p->dec[c]);
			p->f[c].val = p->dec[c].buf;
			p->f[c].len = p->dec[c].len;
		}
	}
	if (mask_row(p) < 0)
		return -1;
	if (emit_row(p, true) < 0)
		return -1;
	return after_row(p);
}

static int read_rows(struct pipe *p, const char *sql)
{
	struct table_copy *tc = p->tc;
	struct db_rows *rows = NULL;
	int r;
	if (db_query(tc->src, sql, &rows, p->err) < 0)
		return -1;
	if (rows->ncols != tc->ncols * (p->blob_flags ? 2 : 1)) {
		db_rows_close(rows);
		return mb_err_set(p->err, MB_ERR_DB, "unexpected column count");
	}
	while ((r = db_rows_next(rows, p->err)) == 1) {
		for (size_t c = 0; c < tc->ncols; c++) {
			p->f[c].raw = NULL;
			p->f[c].val = rows->values[c];
			p->f[c].len = rows->values[c] ? rows->lengths[c] : 0;
			p->f[c].blob = p->blob_flags && rows->values[tc->ncols + c] &&
				       str_eq(rows->values[tc->ncols + c], "1");
		}
		if (mask_row(p) < 0 || emit_row(p, false) < 0 || after_row(p) < 0) {
			r = -1;
			break;
		}
	}
	db_rows_close(rows);
	return r < 0 ? -1 : 0;
}

int table_copy_run(struct table_copy *tc, struct mb_err *err)
{
	struct pipe p = { .tc = tc, .err = err };
	struct strbuf list = STRBUF_INIT, sql = STRBUF_INIT, wrapped = STRBUF_INIT;
	size_t cursor = 0;
	int ret = -1, r;
	bool copy_src = tc->src->drv->caps.copy_stream && tc->src->drv->copy_out;

	p.f = xcalloc(tc->ncols + 1, sizeof(*p.f));
	p.dec = xcalloc(2 * tc->ncols + 1, sizeof(*p.dec));
	for (size_t i = 0; i < 2 * tc->ncols; i++)
		strbuf_init(&p.dec[i], 0);
	strbuf_init(&p.masked, 0);
	strbuf_init(&p.batch, 0);

	/* Which fields a COPY source decodes (INSERT sinks quote decoded values). */
	p.need_dec = xcalloc(tc->ncols + 1, sizeof(bool));
	for (size_t c = 0; c < tc->ncols; c++) {
		p.need_dec[c] = col_masked(tc, c) || tc->sink == SINK_INSERT ||
				tc->sink == SINK_FILE_INSERT;
		for (size_t o = 0; o < tc->ncols; o++)
			if (tc->masks[tc->cols[o]].entity_col == tc->cols[c] &&
			    tc->masks[tc->cols[o]].m)
				p.need_dec[c] = true;
	}
	/* Shuffled columns: the first pass, before anything is written. */
	for (size_t c = 0; c < tc->ncols; c++)
		if (tc->masks[tc->cols[c]].shuffle && !tc->masks[tc->cols[c]].force_null)
			p.nsh++;
	if (p.nsh) {
		p.sh = xcalloc(p.nsh, sizeof(*p.sh));
		p.sh_vals = xcalloc(tc->ncols + 1, sizeof(*p.sh_vals));
		p.sh_lens = xcalloc(tc->ncols + 1, sizeof(*p.sh_lens));
		p.sh_out = xcalloc(p.nsh, sizeof(*p.sh_out));
		p.sh_outlen = xcalloc(p.nsh, sizeof(*p.sh_outlen));
		size_t s = 0;
		for (size_t c = 0; c < tc->ncols; c++) {
			const struct col_mask *cm = &tc->masks[tc->cols[c]];
			if (!cm->shuffle || cm->force_null)
				continue;
			struct shuffle *sh = &p.sh[s++];
			strbuf_init(&sh->vals, 0);
			sh->col = c;
			sh->salt = fnv_add(0, tc->t->cols[tc->cols[c]].name,
					   strlen(tc->t->cols[tc->cols[c]].name));
			shuffle_identity(tc, sh);
			for (size_t k = 0; k < sh->nident; k++)
				p.need_dec[sh->ident[k]] = true;
			if (shuffle_load(tc, sh, err) < 0)
				goto cleanup;
		}
	}

	for (size_t i = 0; i < tc->ncols; i++) {
		const struct cat_column *c = &tc->t->cols[tc->cols[i]];
		const struct col_mask *cm = &tc->masks[tc->cols[i]];
		if (i)
			strbuf_addstr(&list, ", ");
		if (cm->sql_expr) {
			strbuf_addf(&list, "(%s) AS ", cm->sql_expr);
			db_quote_ident(tc->src, &list, c->name);
		} else {
			db_quote_ident(tc->src, &list, c->name);
		}
	}
	p.passthrough = copy_src && p.nsh == 0 &&
			(tc->sink == SINK_COPY || tc->sink == SINK_FILE_COPY);
	for (size_t c = 0; p.passthrough && c < tc->ncols; c++)
		if (p.need_dec[c] || (tc->checks && tc->checks[c]))
			p.passthrough = false;
	p.binary = copy_src && binary_copy_ok(tc, &p);
	p.blob_flags = tc->src->drv->engine == DB_ENGINE_SQLITE && !copy_src &&
		       tc->ncols > 0;
	for (size_t i = 0; p.blob_flags && i < tc->ncols; i++) {
		const struct cat_column *c = &tc->t->cols[tc->cols[i]];
		if (tc->masks[tc->cols[i]].sql_expr) {
			strbuf_addstr(&list, ", 0");
			continue;
		}
		strbuf_addstr(&list, ", typeof(");
		db_quote_ident(tc->src, &list, c->name);
		strbuf_addstr(&list, ") = 'blob'");
	}
	if (tc->sink == SINK_COPY || tc->sink == SINK_FILE_COPY) {
		struct strbuf hdr = STRBUF_INIT;
		bool load_data = tc->sink == SINK_COPY &&
				 tc->dst->drv->engine == DB_ENGINE_MYSQL;
		bool freeze = tc->sink == SINK_COPY && tc->fresh_target &&
			      tc->dst->drv->engine == DB_ENGINE_PG;
		if (load_data)
			strbuf_addf(&hdr, "LOAD DATA LOCAL INFILE 'maskbench.stream' INTO TABLE %s"
				    " CHARACTER SET utf8mb4 (", tc->target_name);
		else
			strbuf_addf(&hdr, "COPY %s (", tc->target_name);
		for (size_t i = 0; i < tc->ncols; i++) {
			if (i)
				strbuf_addstr(&hdr, ", ");
			db_quote_ident(tc->quoter, &hdr, tc->t->cols[tc->cols[i]].name);
		}
		if (load_data)
			strbuf_addstr(&hdr, ")");
		else if (tc->sink == SINK_FILE_COPY)
			strbuf_addstr(&hdr, ") FROM stdin;\n");
		else if (freeze || p.binary)
			strbuf_addf(&hdr, ") FROM STDIN WITH (%s%s%s)",
				    p.binary ? "FORMAT binary" : "",
				    p.binary && freeze ? ", " : "", freeze ? "FREEZE" : "");
		else
			strbuf_addstr(&hdr, ") FROM STDIN");
		r = 0;
		if (freeze) {
			strbuf_addf(&wrapped, "BEGIN; TRUNCATE %s", tc->target_name);
			p.in_txn = true;
			r = db_exec(tc->dst, wrapped.buf, err);
		}
		if (r == 0 && tc->sink == SINK_COPY) {
			r = db_copy_in_start(tc->dst, hdr.buf, err);
			if (r == 0 && p.binary) {
				strbuf_add(&p.batch, binary_signature, sizeof(binary_signature));
				add_be32(&p.batch, 0); /* flags */
				add_be32(&p.batch, 0); /* header extension */
			}
		} else if (r == 0) {
			r = fwrite(hdr.buf, 1, hdr.len, tc->out) == hdr.len ? 0 :
				tc->dump ? dump_write_error(tc->dump, errno, err) :
				mb_err_set(err, MB_ERR_IO, "cannot write the dump: %s",
					   strerror(errno));
		}
		strbuf_release(&hdr);
		if (r < 0)
			goto cleanup;
		p.copy_started = true;
	}
	while ((r = subset_table_next_select(tc->plan, tc->pos, tc->src, list.buf,
					     &cursor, &sql, err)) == 1) {
		if (tc->ncols == 0)
			break;
		if (copy_src) {
			strbuf_reset(&wrapped);
			if (tc->src->drv->engine == DB_ENGINE_PG)
				strbuf_addf(&wrapped, "COPY (%s) TO STDOUT%s", sql.buf,
					    p.binary ? " (FORMAT binary)" : "");
			else
				strbuf_addstr(&wrapped, sql.buf);
			p.binary_header_read = false;
			if (db_copy_out(tc->src, wrapped.buf,
					p.binary ? on_copy_binary : on_copy_chunk, &p, err) < 0)
				goto cleanup;
		} else if (read_rows(&p, sql.buf) < 0) {
			goto cleanup;
		}
	}
	if (r < 0)
		goto cleanup;
	if (p.binary)
		add_be16(&p.batch, UINT16_MAX); /* trailer: -1 */
	if (flush_batch(&p) < 0)
		goto cleanup;
	if (p.copy_started) {
		p.copy_started = false;
		if (tc->sink == SINK_COPY)
			r = db_copy_in_end(tc->dst, err);
		else
			r = fputs("\\.\n\n", tc->out) < 0 ?
				(tc->dump ? dump_write_error(tc->dump, errno, err) :
				 mb_err_set(err, MB_ERR_IO, "cannot write the dump")) : 0;
		if (r < 0)
			goto cleanup;
	}
	if (p.in_txn) {
		if (db_exec(tc->dst, "COMMIT", err) < 0)
			goto cleanup;
		p.in_txn = false;
	}
	if (tc->on_progress)
		tc->on_progress(tc->progress_ctx, tc->rows, tc->bytes, true);
	ret = 0;
cleanup:
	if (p.copy_started && tc->sink == SINK_COPY) {
		/* Abort the load (drivers that can roll the statement back do). */
		struct mb_err ignore = MB_ERR_INIT;
		int was = tc->dst->cancel;
		tc->dst->cancel = 1;
		db_copy_in_end(tc->dst, &ignore);
		tc->dst->cancel = was;
	}
	if (p.in_txn) {
		struct mb_err ignore = MB_ERR_INIT;
		db_exec(tc->dst, "ROLLBACK", &ignore);
	}
	if (ret < 0 && err->kind != MB_ERR_CANCELLED)
		mb_err_prefix(err, "%s.%s", tc->t->schema, tc->t->name);
	for (size_t i = 0; i < 2 * tc->ncols; i++)
		strbuf_release(&p.dec[i]);
	for (size_t s = 0; p.sh && s < p.nsh; s++)
		shuffle_release(&p.sh[s]);
	free(p.sh);
	free(p.sh_vals);
	free(p.sh_lens);
	free(p.sh_out);
	free(p.sh_outlen);
	free(p.need_dec);
	free(p.dec);
	free(p.f);
	strbuf_release(&p.masked);
	strbuf_release(&p.batch);
	strbuf_release(&list);
	strbuf_release(&sql);
	strbuf_release(&wrapped);
	return ret;
}

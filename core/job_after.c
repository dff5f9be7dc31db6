/*
 * job_after.c - the after-load steps of a run (--after): shell commands
 * run with MB_TARGET set, and SQL files with `:name` parameters (--param)
 * replaced by literals the target's engine quotes. See job.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/job_int.h"

/*
 * An --after SQL file: its text, the top-level statements (split at `;`
 * outside quotes, comments and PostgreSQL dollar quotes) and every `:name`
 * parameter reference in them, with its line and column for messages.
 */
struct sql_ref {
	size_t off, len;           /* ":name" in text */
	unsigned line, col;
};

struct sql_stmt {
	size_t start, end;         /* text[start, end), without the `;` */
	unsigned line;             /* of its first non-blank character */
};

struct sql_script {
	const char *path;          /* borrowed */
	struct strbuf text;
	struct sql_ref *refs;
	size_t nrefs, refs_alloc;
	struct sql_stmt *stmts;
	size_t nstmts, stmts_alloc;
};

bool job_after_is_sql(const char *after)
{
	struct stat st;
	size_t n = strlen(after);
	return n > 4 && str_ieq(after + n - 4, ".sql") && stat(after, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

static void sql_script_release(struct sql_script *s)
{
	strbuf_release(&s->text);
	free(s->refs);
	free(s->stmts);
	memset(s, 0, sizeof(*s));
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (c >= '0' && c <= '9');
}

static void add_stmt(struct sql_script *s, size_t start, size_t end)
{
	const char *t = s->text.buf;
	unsigned line = 1;
	while (start < end && strchr(" \t\r\n", t[start]))
		start++;
	if (start >= end)
		return;
	for (size_t i = 0; i < start; i++)
		line += t[i] == '\n';
	ALLOC_GROW(s->stmts, s->nstmts + 1, s->stmts_alloc);
	s->stmts[s->nstmts++] = (struct sql_stmt){ start, end, line };
}

/* Reads and splits the file. `mysql`: backslash escapes in quotes, # comments. */
static int sql_script_load(struct sql_script *s, const char *path, enum db_engine engine,
			   struct mb_err *err)
{
	FILE *f = fopen(path, "rb");
	char buf[8192];
	size_t n, start = 0;
	unsigned line = 1, col = 1;
	bool mysql = engine == DB_ENGINE_MYSQL, pg = engine == DB_ENGINE_PG;

	memset(s, 0, sizeof(*s));
	s->path = path;
	strbuf_init(&s->text, 0);
	if (!f)
		return mb_err_set(err, MB_ERR_USAGE, "cannot read --after file %s: %s",
				  path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&s->text, buf, n);
	if (ferror(f)) {
		fclose(f);
		return mb_err_set(err, MB_ERR_IO, "cannot read --after file %s", path);
	}
	fclose(f);

	const char *t = s->text.buf;
	size_t len = s->text.len;
	for (size_t i = 0; i < len;) {
		char c = t[i];
		size_t j = i + 1;
		if (c == '\'' || c == '"' || (mysql && c == '`')) {
			while (j < len && t[j] != c) {
				if (mysql && t[j] == '\\' && j + 1 < len)
					j++;
				j++;
			}
			if (j >= len)
				return mb_err_set(err, MB_ERR_INPUT, "%s:%u:%u: unterminated quote",
						  path, line, col);
			j++;
		} else if (c == '-' && i + 1 < len && t[i + 1] == '-') {
			while (j < len && t[j] != '\n')
				j++;
		} else if (mysql && c == '#') {
			while (j < len && t[j] != '\n')
				j++;
		} else if (c == '/' && i + 1 < len && t[i + 1] == '*') {
			const char *e = strstr(t + i + 2, "*/");
			if (!e)
				return mb_err_set(err, MB_ERR_INPUT, "%s:%u:%u: unterminated comment",
						  path, line, col);
			j = (size_t)(e - t) + 2;
		} else if (pg && c == '$' && (i == 0 || !ident_char(t[i - 1]))) {
			/* $tag$ ... $tag$ */
			size_t k = i + 1;
			while (k < len && ident_char(t[k]) && !(t[k] >= '0' && t[k] <= '9' && k == i + 1))
				k++;
			if (k < len && t[k] == '$') {
				size_t taglen = k - i + 1;
				char *tag = xstrndup(t + i, taglen);
				const char *e = strstr(t + k + 1, tag);
				free(tag);
				if (!e)
					return mb_err_set(err, MB_ERR_INPUT,
							  "%s:%u:%u: unterminated dollar quote",
							  path, line, col);
				j = (size_t)(e - t) + taglen;
			}
		} else if (c == ':' && i + 1 < len && t[i + 1] == ':') {
			j = i + 2; /* a PostgreSQL cast, not a parameter */
		} else if (c == ':' && i + 1 < len && ident_char(t[i + 1]) &&
			   !(t[i + 1] >= '0' && t[i + 1] <= '9') &&
			   (i == 0 || !ident_char(t[i - 1]))) {
			while (j < len && ident_char(t[j]))
				j++;
			ALLOC_GROW(s->refs, s->nrefs + 1, s->refs_alloc);
			s->refs[s->nrefs++] = (struct sql_ref){ i, j - i, line, col };
		} else if (c == ';') {
			add_stmt(s, start, i);
			start = i + 1;
		}
		/* Line and column of t[j]. */
		for (; i < j && i < len; i++) {
			if (t[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)t[i] & 0xc0) != 0x80) {
				col++;
			}
		}
		i = j;
	}
	add_stmt(s, start, len);
	return 0;
}

/* "name=value" -> the value of `name` (len bytes), or NULL. */
static const char *param_value(const struct job_options *o, const char *name, size_t len)
{
	for (size_t i = 0; i < o->nparams; i++) {
		const char *p = o->params[i], *eq = strchr(p, '=');
		if (eq && (size_t)(eq - p) == len && !strncmp(p, name, len))
			return eq + 1;
	}
	return NULL;
}

int job_after_check(const struct job_options *o, enum db_engine engine,
		    struct mb_err *err)
{
	bool *used = xcalloc(o->nparams + 1, sizeof(bool));
	int ret = -1;

	for (size_t i = 0; i < o->nparams; i++) {
		const char *p = o->params[i], *eq = strchr(p, '=');
		if (!eq || eq == p) {
			mb_err_set(err, MB_ERR_USAGE, "--param '%s': expected NAME=VALUE", p);
			goto cleanup;
		}
		for (const char *q = p; q < eq; q++)
			if (!ident_char(*q) || (q == p && *q >= '0' && *q <= '9')) {
				mb_err_set(err, MB_ERR_USAGE,
					   "--param '%.*s': a name is letters, digits and _",
					   (int)(eq - p), p);
				goto cleanup;
			}
	}
	for (size_t a = 0; a < o->nafter; a++) {
		struct sql_script s;
		if (!job_after_is_sql(o->after[a]))
			continue;
		if (sql_script_load(&s, o->after[a], engine, err) < 0) {
			sql_script_release(&s);
			goto cleanup;
		}
		for (size_t r = 0; r < s.nrefs; r++) {
			const struct sql_ref *ref = &s.refs[r];
			const char *name = s.text.buf + ref->off + 1;
			size_t k;
			for (k = 0; k < o->nparams; k++) {
				const char *eq = strchr(o->params[k], '=');
				if ((size_t)(eq - o->params[k]) == ref->len - 1 &&
				    !strncmp(o->params[k], name, ref->len - 1))
					break;
			}
			if (k == o->nparams) {
				mb_err_set(err, MB_ERR_USAGE,
					   "%s:%u:%u: parameter :%.*s has no value (pass --param %.*s=VALUE)",
					   o->after[a], ref->line, ref->col, (int)(ref->len - 1), name,
					   (int)(ref->len - 1), name);
				sql_script_release(&s);
				goto cleanup;
			}
			used[k] = true;
		}
		sql_script_release(&s);
	}
	for (size_t i = 0; i < o->nparams; i++)
		if (!used[i]) {
			const char *eq = strchr(o->params[i], '=');
			mb_err_set(err, MB_ERR_USAGE,
				   "--param %.*s: no --after SQL file uses :%.*s",
				   (int)(eq - o->params[i]), o->params[i],
				   (int)(eq - o->params[i]), o->params[i]);
			goto cleanup;
		}
	ret = 0;
cleanup:
	free(used);
	return ret;
}

int job_after_sql(const struct job_options *o, enum db_engine engine,
		  const char *path, struct db_conn *q, job_exec_fn exec,
		  void *ctx, struct mb_err *err)
{
	struct sql_script s;
	struct strbuf sql = STRBUF_INIT;
	int ret = -1;

	if (sql_script_load(&s, path, engine, err) < 0)
		goto cleanup;
	size_t r = 0;
	for (size_t k = 0; k < s.nstmts; k++) {
		const struct sql_stmt *st = &s.stmts[k];
		size_t pos = st->start;
		strbuf_reset(&sql);
		for (; r < s.nrefs && s.refs[r].off < st->end; r++) {
			const struct sql_ref *ref = &s.refs[r];
			if (ref->off < st->start)
				continue;
			const char *v = param_value(o, s.text.buf + ref->off + 1, ref->len - 1);
			if (!v) {
				mb_err_set(err, MB_ERR_USAGE, "%s:%u:%u: parameter :%.*s has no value",
					   path, ref->line, ref->col, (int)(ref->len - 1),
					   s.text.buf + ref->off + 1);
				goto cleanup;
			}
			strbuf_add(&sql, s.text.buf + pos, ref->off - pos);
			db_quote_literal(q, &sql, v, strlen(v));
			pos = ref->off + ref->len;
		}
		strbuf_add(&sql, s.text.buf + pos, st->end - pos);
		if (o->cancel && *o->cancel) {
			mb_err_set(err, MB_ERR_CANCELLED, "cancelled");
			goto cleanup;
		}
		if (exec(ctx, sql.buf, err) < 0) {
			if (err->kind != MB_ERR_IO)
				err->kind = MB_ERR_PROBLEM;
			mb_err_prefix(err, "--after %s:%u", path, st->line);
			goto cleanup;
		}
	}
	ret = 0;
cleanup:
	sql_script_release(&s);
	strbuf_release(&sql);
	return ret;
}

static int run_after_command(const struct job_options *o, size_t i, struct mb_err *err)
{
	pid_t pid = fork();
	if (pid < 0)
		return mb_err_set(err, MB_ERR_IO, "cannot run an --after command");
	if (pid == 0) {
		setenv("MB_TARGET", o->target_text, 1);
		execl("/bin/sh", "sh", "-c", o->after[i], (char *)NULL);
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return mb_err_set(err, MB_ERR_PROBLEM,
				  "--after command %zu failed (exit %d)", i + 1,
				  WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return 0;
}

static int exec_on_conn(void *ctx, const char *sql, struct mb_err *err)
{
	return db_exec(ctx, sql, err);
}

int job_run_after(const struct job_options *o, struct db_conn *target,
		  struct mb_err *err)
{
	for (size_t i = 0; i < o->nafter; i++) {
		int r = job_after_is_sql(o->after[i]) ?
			job_after_sql(o, target->drv->engine, o->after[i], target,
				      exec_on_conn, target, err) :
			run_after_command(o, i, err);
		if (r < 0)
			return -1;
	}
	return 0;
}


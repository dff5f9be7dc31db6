/*
 * job_dump.c - dump targets: file:///path.sql or .sql.gz.
 *
 * The script is written to "<final>.tmp-<pid>" (through `gzip -c` for .gz:
 * zlib is not one of our libraries) and renamed into place only when
 * complete, so a failure never leaves a partial file under the final name.
 * With keep > 0 the final name carries a UTC stamp and older stamped dumps
 * of the same base name beyond the newest `keep` are removed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/job_int.h"

bool job_target_is_dump(const char *target_text)
{
	return target_text && str_starts_with(target_text, "file://");
}

static bool split_ext(const char *path, char **base, const char **ext)
{
	static const char *const exts[] = { ".sql.gz", ".sql" };
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		if (str_ends_with(path, exts[i])) {
			*base = xstrndup(path, strlen(path) - strlen(exts[i]));
			*ext = exts[i];
			return true;
		}
	}
	return false;
}

int dump_open(struct dump_file *d, const char *target_text, int keep,
	      struct mb_err *err)
{
	const char *path = target_text + strlen("file://");
	char *base = NULL;
	const char *ext = NULL;

	memset(d, 0, sizeof(*d));
	if (!*path || !split_ext(path, &base, &ext))
		return mb_err_set(err, MB_ERR_USAGE,
				  "dump target '%s': the file name must end in .sql or .sql.gz",
				  target_text);
	d->gz = str_eq(ext, ".sql.gz");
	if (keep > 0) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		d->final_path = xasprintf("%s-%s%s", base, stamp, ext);
	} else {
		d->final_path = xstrdup(path);
	}
	free(base);
	d->tmp_path = xasprintf("%s.tmp-%ld", d->final_path, (long)getpid());
	if (d->gz) {
		struct strbuf cmd = STRBUF_INIT;
		/* The path is single-quoted for the shell. */
		strbuf_addstr(&cmd, "gzip -c > '");
		for (const char *p = d->tmp_path; *p; p++) {
			if (*p == '\'')
				strbuf_addstr(&cmd, "'\\''");
			else
				strbuf_addch(&cmd, *p);
		}
		strbuf_addch(&cmd, '\'');
		d->f = popen(cmd.buf, "w");
		strbuf_release(&cmd);
	} else {
		int fd = open(d->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		d->f = fd < 0 ? NULL : fdopen(fd, "w");
	}
	if (!d->f) {
		mb_err_set(err, MB_ERR_IO, "cannot write '%s': %s", d->tmp_path,
			   strerror(errno));
		free(d->final_path);
		free(d->tmp_path);
		memset(d, 0, sizeof(*d));
		return -1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes stamped siblings of final_path beyond the newest keep. */
static void prune(const char *final_path, int keep)
{
	char *dir = xstrdup(final_path);
	char *slash = strrchr(dir, '/');
	const char *name = slash ? slash + 1 : final_path;
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	/* name = base-YYYYmmddTHHMMSSZ.ext: the prefix is base- */
	size_t stamp_at = 0;
	const char *dash = strrchr(name, '-');
	if (!dash || strlen(dash) < 17) {
		free(dir);
		return;
	}
	stamp_at = (size_t)(dash - name) + 1;
	const char *ext = strchr(dash, '.');
	DIR *dh = opendir(dir);
	char **names = NULL;
	size_t n = 0, alloc = 0;
	if (!dh) {
		free(dir);
		return;
	}
	struct dirent *de;
	while ((de = readdir(dh))) {
		if (strncmp(de->d_name, name, stamp_at) != 0 ||
		    strlen(de->d_name) != strlen(name) || !str_ends_with(de->d_name, ext) ||
		    strstr(de->d_name, ".tmp-"))
			continue;
		ALLOC_GROW(names, n + 1, alloc);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dh);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i + (size_t)keep < n; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		unlink(p);
		free(p);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
}

int dump_commit(struct dump_file *d, int keep, struct mb_err *err)
{
	int rc;
	if (d->gz) {
		rc = pclose(d->f);
		d->f = NULL;
		if (rc != 0)
			return mb_err_set(err, MB_ERR_IO, "gzip failed writing '%s'", d->tmp_path);
	} else {
		rc = fflush(d->f) == 0 && fsync(fileno(d->f)) == 0 ? 0 : -1;
		if (fclose(d->f) != 0)
			rc = -1;
		d->f = NULL;
		if (rc < 0)
			return mb_err_set(err, MB_ERR_IO, "cannot write '%s': %s",
					  d->tmp_path, strerror(errno));
	}
	if (rename(d->tmp_path, d->final_path) < 0)
		return mb_err_set(err, MB_ERR_IO, "cannot rename to '%s': %s",
				  d->final_path, strerror(errno));
	if (keep > 0)
		prune(d->final_path, keep);
	free(d->tmp_path);
	d->tmp_path = NULL;
	return 0;
}

void dump_abort(struct dump_file *d)
{
	if (d->f) {
		if (d->gz)
			pclose(d->f);
		else
			fclose(d->f);
		d->f = NULL;
	}
	if (d->tmp_path)
		unlink(d->tmp_path);
	free(d->tmp_path);
	d->tmp_path = NULL;
}

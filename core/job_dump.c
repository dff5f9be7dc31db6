/*
 * job_dump.c - dump targets: file:///path.sql or .sql.gz.
 *
 * The script is written to "<final>.tmp-<pid>" (through a `gzip -c` child
 * for .gz: zlib is not one of our libraries) and renamed into place only when
 * complete, so a failure never leaves a partial file under the final name.
 * With keep > 0 the final name carries a UTC stamp and older stamped dumps
 * of the same base name beyond the newest `keep` are removed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

extern char **environ;

/* Starts gzip -c reading a pipe (d->f) and writing to fd. */
static int gzip_start(struct dump_file *d, int fd, struct mb_err *err)
{
	int in[2] = { -1, -1 }, errp[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	char *argv[] = { "gzip", "-c", NULL };
	int rc;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		mb_err_set(err, MB_ERR_IO, "cannot write %s: pipe: %s", d->tmp_path,
			   strerror(errno));
		goto fail;
	}
	/* A dead gzip must give EPIPE on write, not kill us. */
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &d->old_sigpipe) == 0)
		d->sigpipe_saved = true;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	rc = posix_spawnp(&d->gz_pid, "gzip", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		d->gz_pid = 0;
		mb_err_set(err, MB_ERR_IO, "cannot write %s: cannot start gzip: %s",
			   d->tmp_path, strerror(rc));
		goto fail;
	}
	close(in[0]);
	close(errp[1]);
	d->gz_errfd = errp[0];
	d->f = fdopen(in[1], "w");
	if (!d->f) {
		close(in[1]);
		mb_err_set(err, MB_ERR_IO, "cannot write %s: %s", d->tmp_path,
			   strerror(errno));
		return -1;
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return -1;
}

/*
 * Closes the stream, waits for gzip. Returns 0 when everything was
 * written; else -1 with *why the first line of gzip's stderr (owned) or
 * NULL, and *saved_errno the stream's error.
 */
static int dump_close(struct dump_file *d, char **why, int *saved_errno)
{
	int ret = 0;
	*why = NULL;
	if (d->f) {
		if (fclose(d->f) != 0) {
			*saved_errno = errno;
			ret = -1;
		}
		d->f = NULL;
	}
	if (d->gz_pid > 0) {
		struct strbuf msg = STRBUF_INIT;
		char buf[512];
		ssize_t n;
		int status = 0;
		while (d->gz_errfd >= 0 && msg.len < 4096 &&
		       ((n = read(d->gz_errfd, buf, sizeof(buf))) > 0 ||
			(n < 0 && errno == EINTR)))
			if (n > 0)
				strbuf_add(&msg, buf, (size_t)n);
		while (waitpid(d->gz_pid, &status, 0) < 0 && errno == EINTR)
			;
		d->gz_pid = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			/* The first non-empty line of gzip's stderr. */
			const char *m = msg.buf;
			while (*m == '\n' || *m == '\r' || *m == ' ')
				m++;
			size_t len = strcspn(m, "\r\n");
			*why = len ? xstrndup(m, len) :
				xstrdup(WIFEXITED(status) ? "gzip failed" : "gzip was killed");
			ret = -1;
		}
		strbuf_release(&msg);
	}
	if (d->gz_errfd >= 0) {
		close(d->gz_errfd);
		d->gz_errfd = -1;
	}
	if (d->sigpipe_saved) {
		sigaction(SIGPIPE, &d->old_sigpipe, NULL);
		d->sigpipe_saved = false;
	}
	return ret;
}

int dump_open(struct dump_file *d, const char *target_text, int keep,
	      struct mb_err *err)
{
	const char *path = target_text + strlen("file://");
	char *base = NULL;
	const char *ext = NULL;
	int fd;

	memset(d, 0, sizeof(*d));
	d->gz_errfd = -1;
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
	fd = open(d->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		mb_err_set(err, MB_ERR_IO, "cannot write %s: %s", d->tmp_path,
			   strerror(errno));
		goto fail;
	}
	if (d->gz) {
		int r = gzip_start(d, fd, err);
		close(fd);
		if (r < 0)
			goto fail;
	} else {
		d->f = fdopen(fd, "w");
		if (!d->f) {
			mb_err_set(err, MB_ERR_IO, "cannot write %s: %s", d->tmp_path,
				   strerror(errno));
			close(fd);
			goto fail;
		}
	}
	return 0;
fail:
	dump_abort(d);
	free(d->final_path);
	d->final_path = NULL;
	return -1;
}

int dump_write_error(struct dump_file *d, int saved_errno, struct mb_err *err)
{
	char *why = NULL;
	int e2 = saved_errno;
	dump_close(d, &why, &e2);
	if (why)
		mb_err_set(err, MB_ERR_IO, "cannot write %s: %s", d->tmp_path, why);
	else
		mb_err_set(err, MB_ERR_IO, "cannot write %s: %s", d->tmp_path,
			   strerror(saved_errno ? saved_errno : e2 ? e2 : EIO));
	free(why);
	return -1;
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
	if (n)
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
	char *why = NULL;
	int saved_errno = 0;
	int rc = 0;

	if (!d->gz) {
		if (fflush(d->f) != 0 || fsync(fileno(d->f)) != 0) {
			saved_errno = errno;
			rc = -1;
		}
	} else if (fflush(d->f) != 0) {
		saved_errno = errno;
		rc = -1;
	}
	if (dump_close(d, &why, &saved_errno) < 0)
		rc = -1;
	if (!rc && d->gz) {
		/* gzip wrote to its own descriptor: make it durable too. */
		int fd = open(d->tmp_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0) {
			saved_errno = errno;
			rc = -1;
		}
		if (fd >= 0)
			close(fd);
	}
	if (rc < 0) {
		if (why)
			mb_err_set(err, MB_ERR_IO, "cannot write %s: %s", d->tmp_path, why);
		else
			mb_err_set(err, MB_ERR_IO, "cannot write %s: %s", d->tmp_path,
				   strerror(saved_errno ? saved_errno : EIO));
		free(why);
		return -1;
	}
	if (rename(d->tmp_path, d->final_path) < 0)
		return mb_err_set(err, MB_ERR_IO, "cannot rename to %s: %s",
				  d->final_path, strerror(errno));
	if (keep > 0)
		prune(d->final_path, keep);
	free(d->tmp_path);
	d->tmp_path = NULL;
	return 0;
}

void dump_abort(struct dump_file *d)
{
	char *why = NULL;
	int e = 0;
	dump_close(d, &why, &e);
	free(why);
	if (d->tmp_path)
		unlink(d->tmp_path);
	free(d->tmp_path);
	d->tmp_path = NULL;
}

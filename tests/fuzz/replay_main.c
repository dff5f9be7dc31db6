/*
 * replay_main.c - runs a libFuzzer target over its seed corpus without
 * libFuzzer, so every build (gcc included) replays the corpus as a test.
 *
 *   fuzz_x DIR_OR_FILE...     one TAP test point per input file
 *
 * With --enable-fuzzing the same target links against libFuzzer instead and
 * this file is not used.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int count;

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("not ok %d - cannot open %s\n", ++count, path);
		return;
	}
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (!buf) {
		printf("not ok %d - out of memory on %s\n", ++count, path);
		return;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	/* A crash or sanitizer report would have ended the process. */
	printf("ok %d - %s\n", ++count, path);
	fflush(stdout);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		printf("not ok %d - missing %s\n", ++count, path);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	DIR *d = opendir(path);
	if (!d)
		return;
	char **names = NULL;
	size_t nn = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (nn + 1) * sizeof(*names));
		size_t l = strlen(path) + strlen(e->d_name) + 2;
		names[nn] = malloc(l);
		snprintf(names[nn++], l, "%s/%s", path, e->d_name);
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_names);
	for (size_t i = 0; i < nn; i++) {
		run_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("1..%d\n", count);
	return 0;
}

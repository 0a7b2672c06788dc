/* SPDX-License-Identifier: MIT */
/*
 * Plain main() for a libFuzzer harness: feeds every file named on the command line (or every
 * file in a named directory) to LLVMFuzzerTestOneInput, so gcc builds replay the corpus as
 * an ordinary regression test. Prints TAP: one "ok" line per input.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		printf("not ok %d - %s: %s\n", ++count, path, strerror(errno));
		return 1;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			uint8_t *n = realloc(buf, ncap);

			if (!n) {
				free(buf);
				fclose(f);
				printf("not ok %d - %s: out of memory\n", ++count, path);
				return 1;
			}
			buf = n;
			cap = ncap;
		}
		size_t r = fread(buf + len, 1, cap - len, f);

		if (r == 0)
			break;
		len += r;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", ++count, path);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		printf("not ok %d - %s: %s\n", ++count, path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);

	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int bad = 0;

	if (!d) {
		printf("not ok %d - %s: %s\n", ++count, path, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		size_t l = strlen(path) + strlen(de->d_name) + 2;

		if (!nn)
			break;
		names = nn;
		names[n] = malloc(l);
		if (!names[n])
			break;
		snprintf(names[n], l, "%s/%s", path, de->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		bad |= run_file(names[i]);
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++)
		bad |= run_path(argv[i]);
	printf("1..%d\n", count);
	return bad;
}

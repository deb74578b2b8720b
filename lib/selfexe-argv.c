/*
 * The library's re-exec argv (rp_selfexe_argv()): /proc/self/cmdline, else
 * the startup argv, copied to the heap. Apart from selfexe.c because the
 * command, which needs only the startup capture, must not link an object
 * that calls realloc() and free(): with musl those pull in the full
 * allocator (mallocng), even where --gc-sections drops the callers.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "selfexe.h"
#include "util.h"

/* Read the whole of a /proc file into a fresh heap buffer. */
static ssize_t
read_all(const char *path, char **out)
{
	_cleanup_close_ int fd = -1;
	size_t cap = 4096, len = 0;
	char *buf = NULL, *nb;
	ssize_t r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = TEMP_FAILURE_RETRY_NEG(read(fd, buf + len, cap - len));
		if (r < 0) {
			r = -errno;
			free(buf);
			return r;
		}
		if (r == 0)
			break;
		len += (size_t) r;
	}
	*out = buf;
	return (ssize_t) len;
}

/* One block: argv pointers, then a copy of the strings. */
static int
build_argv(const char *strings, size_t len, size_t argc, char ***argv)
{
	char **out, *copy;
	size_t i, off = 0;

	out = malloc((argc + 1) * sizeof(char *) + len);
	if (!out)
		return -ENOMEM;
	copy = (char *)(out + argc + 1);
	memcpy(copy, strings, len);
	for (i = 0; i < argc; i++) {
		out[i] = copy + off;
		off += strlen(copy + off) + 1;
	}
	out[argc] = NULL;
	*argv = out;
	return 0;
}

int
rp_selfexe_parse_cmdline(const char *buf, size_t len, char ***argv)
{
	size_t argc = 0;

	/* Every argument, empty ones too, ends with a NUL. A cmdline that
	 * does not was rewritten (setproctitle): not the original argv.
	 * No buffer is no cmdline either (clang-analyzer cannot tell that
	 * read_all() always sets one when it succeeds). */
	if (!buf || len == 0 || buf[len - 1] != '\0')
		return -ENOENT;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			argc++;
	return build_argv(buf, len, argc, argv);
}

static int
argv_from_proc(char ***argv)
{
	char *buf = NULL;
	ssize_t len;
	int r;

	len = read_all("/proc/self/cmdline", &buf);
	if (len < 0)
		return (int) len;
	r = rp_selfexe_parse_cmdline(buf, (size_t) len, argv);
	free(buf);
	return r;
}

static int
argv_from_startup(char ***argv)
{
	char **start_argv, **start_envp, *flat, *p;
	size_t len = 0;
	int start_argc, i, r;

	rp_selfexe_startup(&start_argc, &start_argv, &start_envp);
	if (!start_argv || start_argc <= 0)
		return -ENOENT;
	for (i = 0; i < start_argc; i++)
		len += strlen(start_argv[i]) + 1;
	flat = malloc(len);
	if (!flat)
		return -ENOMEM;
	for (p = flat, i = 0; i < start_argc; i++) {
		size_t l = strlen(start_argv[i]) + 1;

		memcpy(p, start_argv[i], l);
		p += l;
	}
	r = build_argv(flat, len, (size_t) start_argc, argv);
	free(flat);
	return r;
}

int
rp_selfexe_argv(char ***argv)
{
	int r = argv_from_proc(argv);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		r = argv_from_startup(argv);
	return r;
}

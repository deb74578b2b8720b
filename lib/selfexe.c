/*
 * Owns the program's identity for re-exec. The startup argv is captured by
 * an ELF constructor: glibc passes (argc, argv, envp) to constructors; musl
 * passes nothing, so there we find argv from the initial environ, which the
 * kernel lays out right after argv's terminating NULL on the stack
 * (System V ABI: argc, argv[], NULL, envp[], NULL).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "fmt.h"
#include "reap.h"
#include "selfexe.h"
#include "util.h"

extern char **environ;

static int start_argc;
static char **start_argv;
static char **start_envp;

#ifdef __GLIBC__
__attribute__((constructor)) static void
capture(int argc, char **argv, char **envp)
{
	start_argc = argc;
	start_argv = argv;
	start_envp = envp;
}
#else
__attribute__((constructor)) static void
capture(void)
{
	char **e = environ;
	uintptr_t i;

	if (!e || e[-1] != NULL)
		return;
	/* Walk back over argv[] to the slot holding argc. Pointers are never
	 * small integers, so the first slot equal to its own index is argc. */
	for (i = 0; i < 1u << 20; i++) {
		if ((uintptr_t) e[-2 - (intptr_t) i] == i) {
			start_argc = (int) i;
			start_argv = e - 1 - i;
			start_envp = e;
			return;
		}
	}
}
#endif

void
rp_selfexe_startup(int *argc, char ***argv, char ***envp)
{
	*argc = start_argc;
	*argv = start_argv;
	*envp = start_envp;
}

int
rp_selfexe_open(void)
{
	int fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void
rp_selfexe_paths(const char *paths[RP_SELFEXE_MAX])
{
	const char *execfn = (const char *) getauxval(AT_EXECFN);
	size_t n = 0;

	paths[n++] = "/proc/self/exe";
	if (execfn && *execfn)
		paths[n++] = execfn;
	paths[n] = NULL;
}

void
rp_selfexe_restore_comm(void)
{
	char path[64], comm[17];
	_cleanup_close_ int fd = -1;
	pid_t ppid;
	ssize_t n;

	/* Not getppid(): under a /proc of another PID namespace that names
	 * some other process, and the application took on its name. */
	ppid = rp_reap_parent_of(0);
	if (ppid <= 0)
		return;
	rp_fmt_print(path, sizeof(path), "/proc/%ld/comm", (long) ppid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = TEMP_FAILURE_RETRY_NEG(read(fd, comm, sizeof(comm) - 1));
	if (n <= 1)
		return;
	comm[n - 1] = '\0';	/* drop the newline */
	(void) prctl(PR_SET_NAME, comm);
}

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
	size_t len = 0;
	char *flat, *p;
	int i, r;

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

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
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "fmt.h"
#include "proc.h"
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
	char comm[17];
	pid_t ppid;

	/* Not getppid(): under a /proc of another PID namespace that names
	 * some other process, and the application took on its name. */
	ppid = rp_proc_parent_of(0);
	if (ppid > 0 && rp_proc_comm(ppid, comm) == 0)
		(void) prctl(PR_SET_NAME, comm);
}

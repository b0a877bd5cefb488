/*
 * sandbox_int.h: the mechanisms behind sandbox.h, one file each.
 * Only the sandbox sources and the sandbox tests include this.
 */
#ifndef WALKIND_SANDBOX_INT_H
#define WALKIND_SANDBOX_INT_H

#include <stdint.h>
#include <stdio.h>

#include "sandbox.h"

/* ---- landlock.c ---- */

/*
 * The running kernel's Landlock ABI (probed once): >= 1, or -1 with
 * errno ENOSYS (not built) / EOPNOTSUPP (disabled at boot).
 */
int	landlock_abi(void);
/*
 * Build the role's ruleset. `dir` is the instance directory (executor),
 * otherwise the data directory; paths in the role's table are relative
 * to it unless absolute. `extra_fd`, when not -1, is one more directory
 * (the spawner's delegated cgroup) granted LL_CGROUP rights. Returns the
 * ruleset fd, or -1 with errno set (a path that cannot be opened, or a
 * kernel refusal). The fd is consumed by landlock_enter.
 */
int	landlock_build(enum sandbox_role role, const char *dir, int extra_fd);
/* no_new_privs must be set. Restricts the calling thread; closes fd. */
int	landlock_enter(int ruleset_fd);
/* The role's table, as landlock_build would apply it on this kernel. */
void	landlock_dump(FILE *f, enum sandbox_role role);

/* ---- seccomp.c ---- */

/* 0 if the kernel can load filters with SECCOMP_RET_KILL_PROCESS. */
int	seccomp_available(void);
/*
 * Compile the role's allowlist to BPF into memory (libseccomp, once per
 * role, before lockdown). Returns 0 or -1 (log says why).
 */
int	seccomp_compile(enum sandbox_role role);
/* Load the compiled filter of `role` on the calling thread. */
int	seccomp_enter(enum sandbox_role role);
/* seccomp_export_pfc of the role's filter, with the table's reasons. */
void	seccomp_dump(FILE *f, enum sandbox_role role);

/* ---- privdrop.c ---- */

/* Resolve --user now (fatal if unusable), so a bad one stops startup
 * before anything is bound or created. Called by sandbox_check. */
void	privdrop_lookup(const struct config *cfg);

/* ---- rlimit.c ---- */

int	rlimit_apply_executor(const struct config *cfg);
void	rlimit_dump(FILE *f, const struct config *cfg);

#endif

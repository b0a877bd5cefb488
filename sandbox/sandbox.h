/*
 * sandbox.h: the jail of each walkind process, behind two calls.
 *
 * sandbox_prepare() gathers what the policy needs while the process can
 * still open things; sandbox_enter() applies it and cannot be undone.
 * The lockdown order, per process (written once here, applied in
 * sandbox.c): open everything -> build the policy -> no_new_privs ->
 * (Landlock -> seccomp: issue 3) -> rlimits -> only then threads and the
 * event loop.
 *
 * Status today: no_new_privs, non-dumpable and the executor's rlimits
 * are live. Landlock and seccomp are not built yet (issue 3); /healthz
 * and the startup log say so.
 */
#ifndef WALKIND_SANDBOX_H
#define WALKIND_SANDBOX_H

#include <stdint.h>

struct config;

enum sandbox_role {
	SANDBOX_FRONTEND,
	SANDBOX_SPAWNER,
	SANDBOX_EXECUTOR
};

struct sandbox_params {
	const struct config	*cfg;
	const char		*instance_dir;	/* executor only */
};

int	sandbox_prepare(enum sandbox_role role, const struct sandbox_params *p);
/* Irreversible. Fatal (the process exits) if a live layer fails. */
void	sandbox_enter(enum sandbox_role role);
/* One word for /healthz and the log: which layers are live. */
const char *sandbox_status(void);

/* rlimit.c: the executor's resource limits. */
int	rlimit_apply_executor(const struct config *cfg);
/* Before each request: CPU soft limit = used + seconds (RLIMIT_CPU). */
void	rlimit_cpu_window(int64_t seconds);

#endif

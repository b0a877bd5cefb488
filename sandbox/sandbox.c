/*
 * sandbox.c: the lockdown sequence shared by every role (see sandbox.h).
 *
 * PR_SET_NO_NEW_PRIVS: no setuid gain through exec (and a precondition
 * for unprivileged seccomp). PR_SET_DUMPABLE 0: other processes of the
 * same uid cannot ptrace us or read /proc/PID/mem, so one executor cannot
 * read another walk-in's memory even though both run as the same user.
 */
#include <stddef.h>
#include <sys/prctl.h>

#include "config.h"
#include "log.h"
#include "sandbox.h"

static const struct config *sb_cfg;

int
sandbox_prepare(enum sandbox_role role, const struct sandbox_params *p)
{
	(void)role;
	sb_cfg = p->cfg;
	return 0;
}

void
sandbox_enter(enum sandbox_role role)
{
	if (sb_cfg != NULL && sb_cfg->insecure_no_sandbox) {
		if (role == SANDBOX_FRONTEND)
			log_warnx("SANDBOX OFF (--insecure-no-sandbox): "
			    "no rlimits, no no_new_privs; never run this way "
			    "in production");
		return;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
	if (role == SANDBOX_EXECUTOR && rlimit_apply_executor(sb_cfg) == -1)
		fatal("executor rlimits");
}

const char *
sandbox_status(void)
{
	if (sb_cfg != NULL && sb_cfg->insecure_no_sandbox)
		return "off (--insecure-no-sandbox)";
	return "rlimits+no_new_privs (landlock and seccomp: not yet built)";
}

/*
 * sandbox.c: the lockdown sequence shared by every role (see sandbox.h).
 *
 * PR_SET_NO_NEW_PRIVS: no privilege gain through exec, and the kernel's
 * precondition for an unprivileged Landlock domain and seccomp filter.
 * PR_SET_DUMPABLE 0: other processes of the same uid cannot ptrace us or
 * read /proc/PID/mem, so one executor cannot read another walk-in's
 * memory even though both run as the same user (Landlock's ptrace
 * restriction and seccomp's missing ptrace say the same twice more).
 *
 * Sanitizer builds (make check-asan) run with no Landlock and no
 * seccomp, as OpenSSH does: ASan reserves terabytes of shadow memory,
 * reads /proc/self/maps and makes calls no allowlist should carry. They
 * report "off (sanitizer build)".
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "log.h"
#include "sandbox_int.h"

#if defined(__SANITIZE_ADDRESS__)
#define SB_SANITIZER	1
#else
#define SB_SANITIZER	0
#endif

static const struct config	*sb_cfg;
static int			 sb_off;	/* no Landlock, no seccomp */
static int			 sb_ruleset = -1;
static char			 sb_status[128] = "not checked";

void
sandbox_check(const struct config *cfg)
{
	int abi = landlock_abi(), saved = errno;

	sb_cfg = cfg;
	privdrop_lookup(cfg);
	if (cfg->insecure_no_sandbox || SB_SANITIZER) {
		sb_off = 1;
		snprintf(sb_status, sizeof(sb_status), "off (%s)",
		    SB_SANITIZER ? "sanitizer build" : "--insecure-no-sandbox");
		log_warnx("SANDBOX OFF (%s): no Landlock, seccomp, rlimits or "
		    "no_new_privs; never run this way in production",
		    SB_SANITIZER ? "sanitizer build" : "--insecure-no-sandbox");
		return;
	}
	if (abi == -1)
		fatalx("Landlock is unavailable (%s); refusing to start "
		    "without --insecure-no-sandbox", saved == EOPNOTSUPP ?
		    "disabled at boot" : "not in this kernel");
	if (seccomp_available() == -1)
		fatalx("seccomp filters with kill-process are unavailable; "
		    "refusing to start without --insecure-no-sandbox");
	snprintf(sb_status, sizeof(sb_status),
	    "landlock(abi %d)+seccomp+rlimits+no_new_privs", abi);
	if (abi < 6)
		log_warnx("Landlock ABI %d: no signal/abstract-socket scoping%s;"
		    " seccomp covers the gap", abi, abi < 3 ?
		    ", no truncate right" : "");
}

const char *
sandbox_status(void)
{
	return sb_status;
}

static const char *
sb_base(enum sandbox_role role, const struct sandbox_params *p)
{
	return role == SANDBOX_EXECUTOR ? p->instance_dir : p->cfg->data_dir;
}

int
sandbox_prepare(enum sandbox_role role, const struct sandbox_params *p)
{
	sb_cfg = p->cfg;
	if (sb_off)
		return 0;
	sb_ruleset = landlock_build(role, sb_base(role, p),
	    role == SANDBOX_SPAWNER ? p->cgroup_fd : -1);
	if (sb_ruleset == -1)
		return -1;
	/* The spawner compiles its executors' filter once, for all. */
	if (role == SANDBOX_SPAWNER && seccomp_compile(SANDBOX_EXECUTOR) == -1)
		return -1;
	return seccomp_compile(role);
}

void
sandbox_enter(enum sandbox_role role)
{
	if (sb_cfg == NULL)
		fatalx("sandbox_enter before sandbox_prepare");
	if (sb_off)
		return;
	if (geteuid() == 0)
		fatalx("sandbox: still root (sandbox_drop_root not called)");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
	if (role == SANDBOX_EXECUTOR && rlimit_apply_executor(sb_cfg) == -1)
		fatal("executor rlimits");
	if (landlock_enter(sb_ruleset) == -1)
		fatal("landlock_restrict_self");
	sb_ruleset = -1;
	if (seccomp_enter(role) == -1)
		fatal("seccomp filter");
}

void
sandbox_dump_policy(FILE *f, const struct config *cfg)
{
	static const char *names[] = { "front end", "spawner", "executor" };
	struct cgroup_limits lim;
	int role;

	for (role = SANDBOX_FRONTEND; role <= SANDBOX_EXECUTOR; role++) {
		fprintf(f, "== %s\n", names[role]);
		landlock_dump(f, (enum sandbox_role)role);
		if (role == SANDBOX_SPAWNER) {
			cgroup_limits_from_config(&lim, cfg);
			cgroup_dump(f, &lim);
		}
		if (role == SANDBOX_EXECUTOR)
			rlimit_dump(f, cfg);
		seccomp_dump(f, (enum sandbox_role)role);
		fflush(f);
	}
}

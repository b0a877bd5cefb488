/*
 * rlimit.c: resource limits of an executor process. Each limit bounds
 * what one walk-in can take from the machine even if its SQL (or code
 * run through a SQLite bug) misbehaves:
 *   RLIMIT_AS     --max-memory: address space; SQLite's own heap limit is
 *                 set lower (BOUNDS_HEAP_SLACK) so a memory bomb ends as
 *                 SQLITE_NOMEM, a clean error, before the hard wall.
 *   RLIMIT_CPU    hard BOUNDS_CPU_SECONDS*... see rlimit_cpu_window: the
 *                 soft limit is moved before each request so one request
 *                 can never burn more than its deadline plus slack even if
 *                 the front end's SIGKILL were lost.
 *   RLIMIT_FSIZE  the DB cap plus room for the journal; SIGXFSZ is ignored
 *                 so SQLite sees EFBIG (a disk I/O error) instead of dying.
 *   RLIMIT_NOFILE the db, its journal, the socket, stdio, and slack.
 *   RLIMIT_NPROC  0 when --threads is 0: an executor never forks. It
 *                 counts every process of the service user, so with
 *                 sorter threads it is left alone; seccomp (clone only
 *                 with CLONE_THREAD) is the real wall either way.
 *   RLIMIT_CORE   0: no core files holding walk-in data.
 * Sanitizer builds skip RLIMIT_AS: ASan reserves terabytes of shadow.
 */
#include <signal.h>
#include <sys/resource.h>

#include "bounds.h"
#include "config.h"
#include "log.h"
#include "sandbox_int.h"

#define RLIMIT_CPU_HARD	3600	/* seconds per executor lifetime */
#define RLIMIT_FILES	32

static int
set_limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { soft, hard };

	return setrlimit(res, &rl);
}

static rlim_t
rlimit_fsize(const struct config *cfg)
{
	return (rlim_t)cfg->max_db_bytes * 2 + 1024 * 1024;
}

int
rlimit_apply_executor(const struct config *cfg)
{
	rlim_t fsize = rlimit_fsize(cfg);

	signal(SIGXFSZ, SIG_IGN);
#if !defined(__SANITIZE_ADDRESS__)
	if (set_limit(RLIMIT_AS, (rlim_t)cfg->max_memory,
	    (rlim_t)cfg->max_memory) == -1)
		return -1;
#endif
	if (set_limit(RLIMIT_CPU, RLIMIT_CPU_HARD, RLIMIT_CPU_HARD) == -1 ||
	    set_limit(RLIMIT_FSIZE, fsize, fsize) == -1 ||
	    set_limit(RLIMIT_NOFILE, RLIMIT_FILES, RLIMIT_FILES) == -1 ||
	    (cfg->threads == 0 && set_limit(RLIMIT_NPROC, 0, 0) == -1) ||
	    set_limit(RLIMIT_CORE, 0, 0) == -1)
		return -1;
	return 0;
}

void
rlimit_dump(FILE *f, const struct config *cfg)
{
	fprintf(f, "  rlimits: AS %lld%s, CPU hard %d s (soft: used + "
	    "deadline + 2 s per request), FSIZE %llu, NOFILE %d, NPROC %s, "
	    "CORE 0\n", (long long)cfg->max_memory,
#if defined(__SANITIZE_ADDRESS__)
	    " (not set: sanitizer build)",
#else
	    "",
#endif
	    RLIMIT_CPU_HARD, (unsigned long long)rlimit_fsize(cfg),
	    RLIMIT_FILES, cfg->threads == 0 ? "0" : "unchanged (--threads)");
}

void
rlimit_cpu_window(int64_t seconds)
{
	struct rusage ru;
	rlim_t used, soft;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return;
	used = (rlim_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1;
	soft = used + (rlim_t)seconds;
	if (soft > RLIMIT_CPU_HARD)
		soft = RLIMIT_CPU_HARD;
	(void)set_limit(RLIMIT_CPU, soft, RLIMIT_CPU_HARD);
}

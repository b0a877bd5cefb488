/*
 * privdrop.c: leave root for the service account, once, in main().
 *
 * Done before the spawner is forked and before any key, log or walk-in
 * file is opened, so every walkind process runs as --user (default
 * "walkind") for its whole life: root's CAP_SYS_RESOURCE could raise
 * rlimits back, CAP_DAC_OVERRIDE would ignore file modes, and SQLite
 * chowns its journals when it runs as root. The data dir tree is chowned
 * first, so state written by an earlier run as root stays usable.
 * Started as any other user, walkind simply stays that user.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "sandbox_int.h"

#define PD_NFTW_FDS	16	/* directory fds nftw may hold open */

static uid_t	pd_uid;
static gid_t	pd_gid;
static int	pd_found;	/* pd_uid/pd_gid hold --user's ids */

static int
pd_chown_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if ((st->st_uid != pd_uid || st->st_gid != pd_gid) &&
	    lchown(path, pd_uid, pd_gid) == -1)
		fatal("chown %s to the service user", path);
	return 0;
}

static void
pd_not_root(const struct config *cfg)
{
	struct passwd *pw;

	if (!cfg->user_set)
		return;
	pw = getpwnam(cfg->user);
	if (pw == NULL || pw->pw_uid != geteuid())
		fatalx("--user %s: only root can change user; walkind runs as "
		    "uid %u", cfg->user, (unsigned)geteuid());
}

void
privdrop_lookup(const struct config *cfg)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		pd_not_root(cfg);
		return;
	}
	if ((pw = getpwnam(cfg->user)) == NULL)
		fatalx("user %s does not exist: create it (useradd --system "
		    "--no-create-home --shell /usr/sbin/nologin %s) or name "
		    "another with --user", cfg->user, cfg->user);
	if (pw->pw_uid == 0)
		fatalx("--user %s is root; name an unprivileged account",
		    cfg->user);
	pd_uid = pw->pw_uid;
	pd_gid = pw->pw_gid;
	pd_found = 1;
}

void
sandbox_drop_root(const struct config *cfg)
{
	uid_t r, e, s;

	if (geteuid() != 0)
		return;
	if (!pd_found)
		privdrop_lookup(cfg);
	if (nftw(cfg->data_dir, pd_chown_one, PD_NFTW_FDS, FTW_PHYS) == -1)
		fatal("walk %s", cfg->data_dir);
	if (setgroups(0, NULL) == -1 || setresgid(pd_gid, pd_gid, pd_gid) ==
	    -1 || setresuid(pd_uid, pd_uid, pd_uid) == -1)
		fatal("cannot become user %s", cfg->user);
	/* Prove it cannot be undone. */
	if (setuid(0) != -1 || getresuid(&r, &e, &s) == -1 || r != pd_uid ||
	    e != pd_uid || s != pd_uid)
		fatalx("privileges of root were not dropped");
	log_info("running as %s (uid %u)", cfg->user, (unsigned)pd_uid);
}

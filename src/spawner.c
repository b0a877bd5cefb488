/*
 * spawner.c: instance directories and executor processes.
 *
 * Single-threaded: one SPAWN or REMOVE message at a time from the front
 * end (SOCK_SEQPACKET, ipc.h). Directory removal is queued work done a
 * bounded batch at a time between messages, so a large expired bucket
 * never delays a spawn by more than one batch. SIGCHLD is ignored, so the
 * kernel reaps executors: no zombies whatever way they die. Executors
 * get PR_SET_PDEATHSIG(SIGKILL), and so does the spawner itself with
 * respect to the front end, so nothing outlives the daemon.
 *
 * An executor is handed back to the front end as two fds: its socket and
 * a pidfd, which lets the front end SIGKILL it at the deadline without
 * any risk of hitting a recycled pid.
 *
 * Warm executors (--warm N) are forked and jailed ahead of need, each in
 * a spare directory of its own, DATA/warm/<n>: beside instances/, not in
 * it, so nothing that lists or counts walk-ins (registry_load, the
 * sweeper, an operator's ls) ever sees one; DATA/warm is emptied at every
 * start and exit. A create claims one (warm_claim): its spare directory
 * is renamed into the walk-in's bucket (Landlock's rule holds the
 * directory's inode, so the jail follows it: tests/sandbox test_jail),
 * the meta written, and the executor told its new path (IPC_CLAIM)
 * before its socket goes to the front end; only then does it open
 * db.sqlite. A fresh one replaces it after the reply. The jail is the
 * same as any executor's, set up by the same code; only the wait comes
 * between.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bounds.h"
#include "cgroup.h"
#include "config.h"
#include "executor.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "registry.h"
#include "sandbox.h"
#include "spawner.h"
#include "sqlconn.h"
#include "walkin_spec.h"

#define SP_FD	PROC_FD	/* the control socket, once the spawner is set up */
#define SPAWNER_RM_BATCH	BOUNDS_SPAWNER_RM_BATCH	/* bounds.h */

static const struct config	*sp_cfg;
static int			 sp_fd = -1;
static struct cgroup_limits	 sp_cglim;	/* per executor, when live */

/* DATA/instances/<expires>/<uuid> (registry.h); expires 0: the
 * DATA/instances/<uuid> of walkind 0.1.0, for an orphan found there. */
static void
instance_dir(const uint8_t id[TOKEN_ID_BYTES], int64_t expires, char *out,
    size_t outlen)
{
	char idstr[37], bucket[24];

	token_id_str(id, idstr);
	if (registry_bucket_name(expires, bucket, sizeof(bucket)) == -1)
		snprintf(out, outlen, "%s/instances/%s", sp_cfg->data_dir,
		    idstr);
	else
		snprintf(out, outlen, "%s/instances/%s/%s", sp_cfg->data_dir,
		    bucket, idstr);
}

/* The bucket directory of instance directory `dir`, if missing. */
static int
make_bucket(const char *dir)
{
	char bucket[4200], *slash;

	snprintf(bucket, sizeof(bucket), "%s", dir);
	if ((slash = strrchr(bucket, '/')) == NULL)
		return -1;
	*slash = '\0';
	if (mkdir(bucket, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* A new instance directory, and its bucket if this is the second's
 * first walk-in (one mkdir in the usual case). */
static int
make_instance_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != ENOENT || make_bucket(dir) == -1)
		return -1;
	return mkdir(dir, 0700);
}

/*
 * The walk-in's meta (registry_meta_format's text) is an extended
 * attribute of its directory, REGISTRY_META_XATTR: on ext4 it lives in
 * the inode, so a walk-in costs no 4 KiB block and no inode for it, and
 * one setxattr replaces the open/write/close/rename of a file on the
 * create path. XATTR_CREATE: the directory is new. A file system
 * without user xattrs (tmpfs before Linux 6.6) gets the meta file.
 */
static int
write_meta(const char *dir, const struct spawn_msg *m)
{
	char path[4300], tmp[4300], text[REGISTRY_META_MAX];
	int fd, n, rc = -1;

	/* owner_ip, grant: NUL-terminated (ipc_recv_msg checked); their
	 * characters are checked by registry_meta_format_spec. */
	n = registry_meta_format_spec(text, sizeof(text), m->created,
	    m->expires, m->owner_ip, m->max_db_bytes, m->grant);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (setxattr(dir, REGISTRY_META_XATTR, text, (size_t)n,
	    XATTR_CREATE) == 0)
		return 0;
	if (errno != ENOTSUP && errno != EOPNOTSUPP)
		return -1;
	snprintf(path, sizeof(path), "%s/meta", dir);
	snprintf(tmp, sizeof(tmp), "%s/meta.tmp", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return -1;
	if (ipc_write_all(fd, text, (size_t)n) == 0)
		rc = 0;
	close(fd);
	/* rename: a crash leaves either no meta (orphan, removed at start)
	 * or a whole one. */
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -1;
	return rc;
}

/*
 * The spec of an existing walk-in, from its meta (issue 17): its cap
 * and dataset grant, which every executor of it applies. The meta is
 * the spawner's own text (xattr, or the meta file where the file system
 * has none), parsed strictly; one that does not parse, or names another
 * expiry, spawns nothing (EIO: the front end answers 500), so a damaged
 * meta never turns into the default grant.
 */
static int
read_spec(const char *dir, int64_t expires, struct walkin_spec *spec)
{
	char text[REGISTRY_META_MAX + 1], path[4300],
	    owner[REGISTRY_OWNER_MAX];
	int64_t created, e;
	ssize_t n;
	int fd;

	n = getxattr(dir, REGISTRY_META_XATTR, text, sizeof(text) - 1);
	if (n < 0 && (errno == ENODATA || errno == ENOTSUP ||
	    errno == EOPNOTSUPP)) {
		snprintf(path, sizeof(path), "%s/meta", dir);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			return -1;
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (registry_meta_parse_spec(text, &created, &e, owner,
	    &spec->max_db_bytes, spec->grant) == -1 || e != expires)
		return -1;
	return 0;
}

/* Remove an instance directory and the files in it, at once: a create
 * that failed (a new directory, its meta at most), or one that could not
 * be renamed away. Everything else goes through the removal work below. */
static int
remove_tree(const char *dir)
{
	struct dirent *de;
	char path[4400];
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		/* Instance directories are flat: only SQLite's files. */
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("unlink %s", de->d_name);
	}
	closedir(d);
	return rmdir(dir);
}

/*
 * Removal work: expired buckets and walk-ins renamed ".del-<uuid>",
 * removed SPAWNER_RM_BATCH directory entries at a time between messages
 * (spawner_loop), so a bucket of a million files never holds up a
 * spawn for more than one batch. Jobs wait in a FIFO; rm_bucket and
 * rm_dir are the bucket being listed and the walk-in being emptied.
 * Work left at exit stays on disk: its bucket is counted again at the
 * next start and removed when it has expired, and registry_load
 * reports a ".del-" walk-in as an orphan.
 */
struct rm_job {
	int64_t		expires;
	uint8_t		id[TOKEN_ID_BYTES];
	int		bucket;		/* 1: the whole bucket, 0: .del-<id> */
};

static struct rm_job	*rm_q;
static size_t		 rm_head, rm_len, rm_cap;
static DIR		*rm_bucket, *rm_dir;
static char		 rm_bucket_path[4200], rm_dir_path[4500];

static void
rm_push(int64_t expires, const uint8_t *id, int bucket)
{
	struct rm_job *j;

	if (rm_head + rm_len == rm_cap) {
		if (rm_head > 0) {
			memmove(rm_q, rm_q + rm_head, rm_len * sizeof(*rm_q));
			rm_head = 0;
		} else {
			rm_cap = rm_cap ? rm_cap * 2 : 64;
			if ((rm_q = realloc(rm_q, rm_cap * sizeof(*rm_q))) ==
			    NULL)
				fatal("spawner: removal queue");
		}
	}
	j = &rm_q[rm_head + rm_len++];
	memset(j, 0, sizeof(*j));
	j->expires = expires;
	j->bucket = bucket;
	if (id != NULL)
		memcpy(j->id, id, TOKEN_ID_BYTES);
}

static int
rm_pending(void)
{
	return rm_len > 0 || rm_bucket != NULL || rm_dir != NULL;
}

static int
is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* ".del-<uuid>" beside where the walk-in's directory was. */
static void
gone_dir(const uint8_t id[TOKEN_ID_BYTES], int64_t expires, char *out,
    size_t outlen)
{
	char dir[4200], *slash;

	instance_dir(id, expires, dir, sizeof(dir));
	slash = strrchr(dir, '/');
	snprintf(out, outlen, "%.*s/.del-%s", (int)(slash - dir), dir,
	    slash + 1);
}

/* Start emptying directory `path` (a walk-in's). 0, or -1 if it is not
 * a directory that can be listed. */
static int
rm_open_dir(const char *path)
{
	snprintf(rm_dir_path, sizeof(rm_dir_path), "%s", path);
	if ((rm_dir = opendir(path)) != NULL)
		return 0;
	if (errno != ENOENT && errno != ENOTDIR)
		log_warn("remove: open %s", path);
	return -1;
}

/* Take the next job, if any: its first directory is opened. */
static void
rm_next_job(void)
{
	struct rm_job j = rm_q[rm_head];
	char bname[24], path[4400];

	rm_head++;
	if (--rm_len == 0)
		rm_head = 0;
	if (!j.bucket) {
		gone_dir(j.id, j.expires, path, sizeof(path));
		(void)rm_open_dir(path);
		return;
	}
	if (registry_bucket_name(j.expires, bname, sizeof(bname)) == -1)
		return;
	snprintf(rm_bucket_path, sizeof(rm_bucket_path), "%s/instances/%s",
	    sp_cfg->data_dir, bname);
	if ((rm_bucket = opendir(rm_bucket_path)) == NULL && errno != ENOENT)
		log_warn("open bucket %s", bname);
}

/* One entry of the walk-in being emptied; at its end, the walk-in. */
static void
rm_dir_step(void)
{
	struct dirent *de;

	while ((de = readdir(rm_dir)) != NULL && is_dot(de->d_name))
		;
	if (de != NULL) {
		/* Instance directories are flat: only SQLite's files. */
		if (unlinkat(dirfd(rm_dir), de->d_name, 0) == -1 &&
		    errno != ENOENT)
			log_warn("unlink %s", de->d_name);
		return;
	}
	closedir(rm_dir);
	rm_dir = NULL;
	if (rmdir(rm_dir_path) == -1 && errno != ENOENT)
		log_warn("remove instance");
}

/* The next walk-in of the bucket being removed; at its end, the bucket. */
static void
rm_bucket_step(void)
{
	struct dirent *de;
	char path[4500];

	while ((de = readdir(rm_bucket)) != NULL && is_dot(de->d_name))
		;
	if (de != NULL) {
		snprintf(path, sizeof(path), "%s/%s", rm_bucket_path,
		    de->d_name);
		if (rm_open_dir(path) == -1 && errno == ENOTDIR)
			unlink(path);
		return;
	}
	closedir(rm_bucket);
	rm_bucket = NULL;
	if (rmdir(rm_bucket_path) == -1)
		log_warn("remove bucket %s", rm_bucket_path);
}

/* Up to SPAWNER_RM_BATCH steps of removal work (each one unlink, rmdir
 * or opendir). */
static void
rm_work(void)
{
	int n;

	for (n = 0; n < SPAWNER_RM_BATCH && rm_pending(); n++) {
		if (rm_dir != NULL)
			rm_dir_step();
		else if (rm_bucket != NULL)
			rm_bucket_step();
		else
			rm_next_job();
	}
}

/*
 * The executor is born in its cgroup (clone3 with CLONE_INTO_CGROUP)
 * when per-executor groups are live; without clone3 (ENOSYS: kernel
 * before 5.7) it is forked and moved before it is handed over.
 */
static pid_t
fork_executor(const char *dir, const struct walkin_spec *spec, int warm,
    int *sock_out)
{
	pid_t pid, self = getpid();	/* before the fork: the child checks it */
	struct cgroup_slot slot;
	int sv[2];

	if (cgroup_executor_prepare(&sp_cglim, &slot) == -1) {
		errno = EIO;
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		cgroup_executor_done(&slot, 0);
		return -1;
	}
	pid = proc_fork(slot.fd);
	if (pid == -1 && errno == ENOSYS && slot.fd != -1 &&
	    (pid = fork()) > 0 && cgroup_executor_move(&slot, pid) == -1) {
		kill(pid, SIGKILL);
		pid = -1;
		errno = EIO;
	}
	if (pid == 0) {
		close(sv[0]);
		close(sp_fd);
		executor_main(sp_cfg, dir, sv[1], self, spec, warm);
	}
	cgroup_executor_done(&slot, pid > 0);
	close(sv[1]);
	if (pid == -1) {
		close(sv[0]);
		return -1;
	}
	*sock_out = sv[0];
	return pid;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The spec a create's executor applies: the message's (written to the
 * meta just before). An existing walk-in's was read into *spec. */
static const struct walkin_spec *
spawn_spec(const struct spawn_msg *m, struct walkin_spec *spec)
{
	if (m->flags & SPAWN_F_CREATE) {
		memset(spec, 0, sizeof(*spec));
		spec->max_db_bytes = m->max_db_bytes;
		memcpy(spec->grant, m->grant, sizeof(spec->grant));
	}
	return spec;
}

/* A fork's create: its source's spec, into the message (its meta). */
static int
spec_from(struct spawn_msg *m)
{
	struct walkin_spec spec;
	char src[4200];

	memset(&spec, 0, sizeof(spec));
	instance_dir(m->spec_id, m->spec_expires, src, sizeof(src));
	if (read_spec(src, m->spec_expires, &spec) == -1)
		return -1;
	m->max_db_bytes = spec.max_db_bytes;
	memcpy(m->grant, spec.grant, sizeof(m->grant));
	return 0;
}


/* ---- warm executors (file comment) ---- */

/* DATA/warm: --data-dir (config.h) and a few bytes. */
#define SP_WARM_ROOT	4120

struct warm {
	pid_t	pid;
	int	sock;		/* the front end's end, until claimed */
	int	jailed;		/* its empty IPC_CLAIM was read */
	char	dir[4200];	/* its spare directory */
};

static struct warm	*sp_warm;	/* --warm of them */
static const struct walkin_spec warm_spec;	/* the default: cap and grant
						 * the node's */
static int		 sp_nwarm;	/* forked, sp_warm[0..sp_nwarm) */
static unsigned		 sp_warm_seq;
static int		 sp_warm_off;	/* the kernel cannot move them */

static void
warm_root(char *out, size_t len)
{
	snprintf(out, len, "%s/warm", sp_cfg->data_dir);
}

/* Remove every spare directory (a warm executor opens nothing before
 * its claim; one an earlier run left may hold anything flat). */
static void
warm_clean(void)
{
	char root[SP_WARM_ROOT], path[4400];
	struct dirent *de;
	DIR *d;

	warm_root(root, sizeof(root));
	if ((d = opendir(root)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (is_dot(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		if (remove_tree(path) == -1 && unlink(path) == -1)
			log_warn("remove spare directory %s", de->d_name);
	}
	closedir(d);
}

/* Fork warm executors up to --warm; on a failure, stop (logged; the
 * next message tries again). */
static void
warm_fill(void)
{
	char root[SP_WARM_ROOT];
	struct warm *w;

	warm_root(root, sizeof(root));
	while (!sp_warm_off && sp_nwarm < sp_cfg->warm) {
		w = &sp_warm[sp_nwarm];
		w->jailed = 0;
		snprintf(w->dir, sizeof(w->dir), "%s/%u", root, ++sp_warm_seq);
		if (mkdir(w->dir, 0700) == -1) {	/* DATA/warm: main.c */
			log_warn("spare directory");
			return;
		}
		if ((w->pid = fork_executor(w->dir, &warm_spec, 1,
		    &w->sock)) == -1) {
			log_warn("fork warm executor");
			rmdir(w->dir);
			return;
		}
		sp_nwarm++;
	}
}

/* Spawner exit: each warm executor sees EOF and exits; then their
 * spare directories go. */
static void
warm_close(void)
{
	while (sp_nwarm > 0)
		close(sp_warm[--sp_nwarm].sock);
}

/* Take sp_warm[i] out of the set (the last one fills its slot). */
static struct warm
warm_take(int i)
{
	struct warm w = sp_warm[i];

	sp_warm[i] = sp_warm[--sp_nwarm];
	return w;
}

/* A warm executor that cannot be claimed: killed, its spare removed. */
static void
warm_drop(struct warm *w)
{
	kill(w->pid, SIGKILL);
	close(w->sock);
	remove_tree(w->dir);
}

/*
 * 1 if w is jailed (its empty IPC_CLAIM has arrived: the spawner moves
 * the spare directory only then, or the jail's rule could name the
 * wrong place), 0 if it is still setting up (never waited for: a create
 * does not queue behind a jail being built), -1 if it died.
 */
static int
warm_jailed(struct warm *w)
{
	struct ipc_hdr h;
	struct iovec iov = { &h, sizeof(h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct buf b;
	ssize_t n;
	int rc;

	if (w->jailed)
		return 1;
	n = recvmsg(w->sock, &msg, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n >= 0 && (size_t)n < sizeof(h))
		return n == 0 ? -1 : 0;	/* EOF, or a header half sent */
	buf_init(&b);
	rc = n == -1 || ipc_recv_frame(w->sock, &h, &b, 0) == -1 ||
	    h.type != IPC_CLAIM ? -1 : 1;
	buf_free(&b);
	w->jailed = rc == 1;
	return rc;
}

/* A jailed warm executor taken out of the set into *out, dropping dead
 * ones on the way; -1 if none is ready. */
static int
warm_pick(struct warm *out)
{
	int i = 0, rc;

	while (i < sp_nwarm) {
		if ((rc = warm_jailed(&sp_warm[i])) == 1) {
			*out = warm_take(i);
			return 0;
		}
		if (rc == -1) {
			*out = warm_take(i);
			log_warnx("warm executor %d died unclaimed", (int)out->pid);
			warm_drop(out);
		} else
			i++;
	}
	return -1;
}

/* Rename spare to dir, making dir's bucket if it is not there yet. */
static int
warm_move(const char *spare, const char *dir)
{
	if (rename(spare, dir) == 0)
		return 0;
	if (errno != ENOENT || make_bucket(dir) == -1)
		return -1;
	return rename(spare, dir);
}

/*
 * The create m takes a warm executor: 0 with its pid and socket, or -1
 * when none is ready or the claim failed (that one is dropped, and the
 * caller forks one as without --warm).
 */
static int
warm_claim(const struct spawn_msg *m, const char *dir, pid_t *pid,
    int *sock)
{
	struct warm w;

	if (warm_pick(&w) == -1)
		return -1;
	if (warm_move(w.dir, dir) == -1 || write_meta(dir, m) == -1 ||
	    ipc_send_frame(w.sock, IPC_CLAIM, 0, 0, dir,
	    (uint32_t)strlen(dir)) == -1) {
		if (errno == EXDEV) {	/* Landlock ABI 1, or instances/ on
					 * another file system than DATA/warm */
			log_warnx("warm executors off: a spare directory "
			    "cannot be moved into instances/ (Landlock ABI 1, "
			    "or instances/ is another file system)");
			sp_warm_off = 1;
			warm_close();
			warm_clean();
		} else
			log_warn("claim warm executor");
		warm_drop(&w);
		remove_tree(dir);
		return -1;
	}
	*pid = w.pid;
	*sock = w.sock;
	return 0;
}

/* A fresh executor for the existing walk-in directory dir. */
static pid_t
spawn_cold(const char *dir, const struct walkin_spec *spec, int *sock)
{
	pid_t pid;

	if ((pid = fork_executor(dir, spec, 0, sock)) == -1)
		log_warn("fork executor");
	return pid;
}

/*
 * A create: a warm executor if one is ready (no fork, no jail set-up on
 * the request's path), else a new directory and a fresh executor. The
 * warm path is warm_claim alone, and every warm executor is forked with
 * the default spec (its jail's dataset rules and cap are fixed before
 * it knows its walk-in): a create with another spec (a JWT's cap or
 * grant, walkin_spec.h) forks its own.
 */
static pid_t
spawn_create(struct spawn_msg *m, const char *dir,
    const struct walkin_spec *spec, int *sock)
{
	pid_t pid;
	int e;

	if (walkin_spec_is_default(spec) &&
	    warm_claim(m, dir, &pid, sock) == 0) {
		m->flags |= SPAWN_F_WARM;
		return pid;
	}
	if (make_instance_dir(dir) == -1 || write_meta(dir, m) == -1) {
		e = errno ? errno : EIO;
		log_warn("create instance");
		remove_tree(dir);
		errno = e;
		return -1;
	}
	return spawn_cold(dir, spec, sock);
}

static void
handle_spawn(struct spawn_msg *m)
{
	struct walkin_spec spec;
	char dir[4200];
	int fds[2] = { -1, -1 };
	pid_t pid;

	instance_dir(m->id, m->expires, dir, sizeof(dir));
	m->type = SPAWN_REPLY;
	m->err = 0;
	errno = 0;
	if ((m->flags & SPAWN_F_CREATE) && (m->flags & SPAWN_F_SPEC_FROM) &&
	    spec_from(m) == -1) {
		log_warnx("fork: the source walk-in's meta is unreadable");
		pid = -1;
		errno = EIO;
	} else if (m->flags & SPAWN_F_CREATE)
		pid = spawn_create(m, dir, spawn_spec(m, &spec), &fds[0]);
	else if (!is_dir(dir)) {
		pid = -1;
		errno = ENOENT;	/* only a token left: the front end 404s */
	} else if (read_spec(dir, m->expires, &spec) == -1) {
		log_warnx("spawn: walk-in meta unreadable");
		pid = -1;
		errno = EIO;
	} else
		pid = spawn_cold(dir, &spec, &fds[0]);
	if (pid == -1)
		m->err = errno ? errno : EIO;
	else if ((fds[1] = pidfd_open(pid, 0)) == -1) {
		m->err = errno;
		log_warn("pidfd_open");
		kill(pid, SIGKILL);
	} else
		m->pid = (int32_t)pid;
	m->warm = sp_nwarm;
	if (ipc_send_msg(sp_fd, m, fds, m->err ? 0 : 2) == -1)
		fatal("spawner: reply");
	if (fds[0] != -1)
		close(fds[0]);
	if (fds[1] != -1)
		close(fds[1]);
}

/*
 * Remove a walk-in before its expiry (a create that failed, DELETE
 * /session, an orphan found at start). The directory is first renamed
 * to ".del-<uuid>" in its bucket: from then on no spawn finds it (the
 * token is 404), even if an executor killed a moment ago still finishes
 * a system call in it. With SPAWN_F_REPLY the front end is told now,
 * once the walk-in is unreachable; its files go with the removal work
 * (rm_work), or with the bucket at expiry if a straggler left any. A
 * ".del-" directory left by an earlier run (exit with work pending) is
 * taken too.
 */
static void
handle_remove(struct spawn_msg *m)
{
	char dir[4200], gone[4400];
	int err = 0, rc;

	instance_dir(m->id, m->expires, dir, sizeof(dir));
	gone_dir(m->id, m->expires, gone, sizeof(gone));
	if ((rc = rename(dir, gone)) == 0 || errno == ENOENT) {
		if (rc == -1 && access(gone, F_OK) == -1)
			err = ENOENT;		/* there was no walk-in */
		rm_push(m->expires, m->id, 0);
	} else if (remove_tree(dir) == -1 && errno != ENOENT) {
		err = errno;		/* not renamed: removed here or not */
		log_warn("remove instance");
	}
	if (!(m->flags & SPAWN_F_REPLY))
		return;
	m->type = SPAWN_REPLY;
	m->err = err;
	if (ipc_send_msg(sp_fd, m, NULL, 0) == -1)
		fatal("spawner: reply");
}

static void
spawner_dispatch(struct spawn_msg *m)
{
	if (m->type == SPAWN_EXEC)
		handle_spawn(m);
	else if (m->type == SPAWN_REMOVE)
		handle_remove(m);
	else if (m->type == SPAWN_REMOVE_BUCKET)
		rm_push(m->expires, NULL, 1);
	else
		fatalx("spawner: unknown message %u", m->type);
}

/*
 * Messages first: while removal work is pending the socket is polled
 * without blocking, and each message is followed by one batch of the
 * work, so spawns wait at most a batch and removals never starve.
 */
static void
spawner_loop(void)
{
	struct spawn_msg m;
	int fds[2], nfds, rc;

	for (;;) {
		if (rm_pending())
			rc = ipc_recv_msg_nowait(sp_fd, &m, fds, 2, &nfds);
		else
			rc = ipc_recv_msg(sp_fd, &m, fds, 2, &nfds);
		if (rc == -1 && errno == EAGAIN) {
			rm_work();
			continue;
		}
		if (rc == 0) {
			/* Front end closing: executors see EOF on their
			 * sockets and exit; wait so none is left behind.
			 * Removal work left goes at the next start. */
			warm_close();
			while (wait(NULL) != -1 || errno == EINTR)
				;
			warm_clean();
			exit(0);
		}
		if (rc == -1 || nfds != 0)
			fatalx("spawner: malformed message");
		spawner_dispatch(&m);
		warm_fill();		/* replace a warm one taken */
		rm_work();
	}
}

int
spawner_start(const struct config *cfg, pid_t *pid)
{
	struct sandbox_params sp = { cfg, NULL, -1 };
	pid_t parent = getpid();	/* before the fork (proc.h) */
	char why[512];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("spawner socketpair");
	if ((*pid = fork()) == -1)
		fatal("fork spawner");
	if (*pid > 0) {
		close(sv[1]);
		return sv[0];
	}
	close(sv[0]);
	/* Keep stdio (the log) and the control socket; drop the listening
	 * socket and anything else the front end had open. The kernel
	 * reaps executors. */
	proc_detach(sv[1], parent, PROC_REAP, NULL);
	sp_fd = SP_FD;
	sp_cfg = cfg;
	log_init("spawner", cfg->verbose);
	if (sqlconn_global_init(cfg->max_memory - BOUNDS_HEAP_SLACK) == -1)
		fatalx("sqlite initialisation failed");
	cgroup_limits_from_config(&sp_cglim, cfg);
	if (cgroup_probe(NULL, why, sizeof(why)) == 0)
		log_info("per-executor cgroups: %s", why);
	else
		log_info("per-executor cgroups off: %s; rlimits alone bound "
		    "each executor", why);
	sp.cgroup_fd = cgroup_dirfd();
	if (sandbox_prepare(SANDBOX_SPAWNER, &sp) == -1)
		fatalx("spawner sandbox");
	sandbox_enter(SANDBOX_SPAWNER);
	if (cfg->warm > 0 && (sp_warm = calloc((size_t)cfg->warm,
	    sizeof(*sp_warm))) == NULL)
		fatal("calloc");
	warm_clean();		/* an earlier run's spares */
	warm_fill();
	spawner_loop();
	_exit(0);
}

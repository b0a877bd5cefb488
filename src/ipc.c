/*
 * ipc.c: framing and fd passing between walkind's processes (see ipc.h).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"
#include "ipc.h"

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

int64_t
ipc_upload_max(const struct config *cfg)
{
	return max64(cfg->max_body_bytes, max64(BOUNDS_SCRIPT_BYTES,
	    cfg->max_db_bytes));
}

/* Text and args both come from one body: args' encoding is at most the
 * body's size plus a small head per value (value.h). */
uint32_t
ipc_job_max(const struct config *cfg)
{
	return (uint32_t)(2 * ipc_upload_max(cfg) + 4096 +
	    (int64_t)sizeof(struct ipc_job));
}

uint32_t
ipc_reply_max(const struct config *cfg)
{
	int64_t rows = cfg->max_result_bytes + BOUNDS_REPLY_SLACK +
	    cfg->max_body_bytes / 2 * BOUNDS_REPLY_ENTRY;
	int64_t files = BOUNDS_DUMP_FACTOR * cfg->max_db_bytes +
	    BOUNDS_REPLY_SLACK;

	/* Frame lengths are 32-bit; --max-db-bytes is at most 1 GiB, so
	 * only a dump can reach this, and it answers 413 before. */
	return (uint32_t)(max64(rows, files) > INT32_MAX ? INT32_MAX :
	    max64(rows, files));
}

int
ipc_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w == 0)
			errno = EIO;	/* no progress: not worth a spin */
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
ipc_read_all(int fd, void *p, size_t n)
{
	char *c = p;
	ssize_t r;

	while (n > 0) {
		r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = 0;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

void
ipc_job_pack(struct buf *out, uint32_t op, uint32_t flags, const void *text,
    size_t text_len, const void *args, size_t args_len)
{
	struct ipc_job j = { op, flags, (uint32_t)text_len, (uint32_t)args_len };

	/* One allocation (under twice the size): the pool keeps this
	 * buffer while the job waits. */
	buf_reserve(out, sizeof(j) + text_len + args_len);
	buf_add(out, &j, sizeof(j));
	if (text_len > 0)
		buf_add(out, text, text_len);
	if (args_len > 0)
		buf_add(out, args, args_len);
}

int
ipc_job_unpack(const void *p, size_t len, struct ipc_job *job,
    const char **text, const char **args)
{
	if (len < sizeof(*job))
		return -1;
	memcpy(job, p, sizeof(*job));
	if (job->op < IPC_OP_SQL || job->op > IPC_OP_MAX ||
	    (uint64_t)job->text_len + job->args_len != len - sizeof(*job))
		return -1;
	*text = (const char *)p + sizeof(*job);
	*args = *text + job->text_len;
	return 0;
}

int
ipc_send_frame(int fd, uint16_t type, uint16_t status, uint32_t seq,
    const void *payload, uint32_t len)
{
	struct ipc_hdr h = { IPC_MAGIC, type, status, len, seq };
	struct iovec iov[2];
	size_t total = sizeof(h) + len, done = 0;
	ssize_t w;

	/* One writev for the common case; finish with plain writes. */
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	do {
		w = writev(fd, iov, 2);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		return -1;
	done = (size_t)w;
	if (done == total)
		return 0;
	if (done < sizeof(h)) {
		if (ipc_write_all(fd, (char *)&h + done, sizeof(h) - done) == -1)
			return -1;
		done = sizeof(h);
	}
	return ipc_write_all(fd, (const char *)payload + (done - sizeof(h)),
	    total - done);
}

int
ipc_hdr_check(const struct ipc_hdr *h, uint16_t want_type, uint32_t max_len)
{
	if (h->magic != IPC_MAGIC || h->type != want_type || h->len > max_len)
		return -1;
	return 0;
}

int
ipc_recv_frame(int fd, struct ipc_hdr *h, struct buf *b, uint32_t max_len)
{
	if (ipc_read_all(fd, h, sizeof(*h)) == -1)
		return -1;
	if (h->magic != IPC_MAGIC || h->len > max_len)
		return -1;
	buf_reset(b);
	buf_reserve(b, h->len);
	if (ipc_read_all(fd, b->data, h->len) == -1)
		return -1;
	b->len = h->len;
	return 0;
}

int
ipc_send_msg(int fd, const struct spawn_msg *m, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)(uintptr_t)m, sizeof(*m) };
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t w;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		if (nfds > 2)
			return -1;
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	do {
		w = sendmsg(fd, &msg, MSG_NOSIGNAL);
	} while (w < 0 && errno == EINTR);
	return w == (ssize_t)sizeof(*m) ? 0 : -1;
}

static void
ipc_take_fds(struct msghdr *msg, int *fds, int maxfds, int *nfds)
{
	struct cmsghdr *cm;
	int n, i, fd;

	*nfds = 0;
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + sizeof(int) * (size_t)i,
			    sizeof(int));
			if (*nfds < maxfds)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

static int
recv_msg(int fd, struct spawn_msg *m, int *fds, int maxfds, int *nfds,
    int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr msg;
	ssize_t r;
	int i;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	do {
		r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | flags);
	} while (r < 0 && errno == EINTR);
	*nfds = 0;
	if (r < 0)
		return -1;
	ipc_take_fds(&msg, fds, maxfds, nfds);
	if (r == 0) {			/* EOF, or an empty packet with fds */
		for (i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		return 0;
	}
	if (r != (ssize_t)sizeof(*m) || (msg.msg_flags & (MSG_TRUNC |
	    MSG_CTRUNC)) || m->magic != IPC_MAGIC ||
	    memchr(m->owner_ip, '\0', sizeof(m->owner_ip)) == NULL ||
	    memchr(m->grant, '\0', sizeof(m->grant)) == NULL) {
		for (i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		errno = EBADMSG;
		return -1;
	}
	return 1;
}

int
ipc_recv_msg(int fd, struct spawn_msg *m, int *fds, int maxfds, int *nfds)
{
	return recv_msg(fd, m, fds, maxfds, nfds, 0);
}

int
ipc_recv_msg_nowait(int fd, struct spawn_msg *m, int *fds, int maxfds,
    int *nfds)
{
	return recv_msg(fd, m, fds, maxfds, nfds, MSG_DONTWAIT);
}

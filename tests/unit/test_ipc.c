/*
 * test_ipc.c: stream frames (0-byte, small and 1 MiB payloads; seq and
 * status kept; bad magic, over-long length, EOF and truncation refused;
 * ipc_hdr_check) over a SOCK_STREAM socketpair, and spawner messages
 * with and without fds over SOCK_SEQPACKET (fds usable on arrival;
 * EOF, short, long and bad-magic messages; fds that come with a
 * malformed message are closed, counted in /proc/self/fd).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ipc.h"
#include "unit.h"

#define MIB	(1024 * 1024)

/* ---- helpers ---- */

static int
count_fds(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int
pair(int type, int sv[2])
{
	return socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv);
}

static void
close_pair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

static unsigned char
pattern(size_t i)
{
	return (unsigned char)((i * 7 + i / 251) & 0xff);
}

/* Send m's bytes [0, len) with the given fds attached, bypassing ipc. */
static ssize_t
raw_sendmsg(int fd, const void *p, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)(uintptr_t)p, len };
	struct msghdr msg;
	struct cmsghdr *cm;

	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	return sendmsg(fd, &msg, MSG_NOSIGNAL);
}

static void
msg_fill(struct spawn_msg *m, uint32_t type, uint32_t seq)
{
	int i;

	memset(m, 0, sizeof(*m));
	m->magic = IPC_MAGIC;
	m->type = type;
	m->seq = seq;
	m->flags = SPAWN_F_CREATE;
	for (i = 0; i < TOKEN_ID_BYTES; i++)
		m->id[i] = (uint8_t)(0xa0 + i);
	m->created = 1795461721;
	m->expires = 1795462321;
	m->err = -3;
	m->pid = 4242;
}

/* Write a pipe end, read the other: 0 if the pair works. */
static int
pipe_works(int rfd, int wfd)
{
	char c = 0;

	if (write(wfd, "k", 1) != 1 || read(rfd, &c, 1) != 1)
		return -1;
	return c == 'k' ? 0 : -1;
}

/* ---- stream frames ---- */

static void
test_frame_small(void)
{
	struct ipc_hdr h;
	struct buf b;
	int sv[2];

	buf_init(&b);
	CHECK_INT(pair(SOCK_STREAM, sv), 0);
	/* Empty payload, NULL pointer. */
	CHECK_INT(ipc_send_frame(sv[0], IPC_EXEC, 0, 1, NULL, 0), 0);
	buf_adds(&b, "stale");
	memset(&h, 0xee, sizeof(h));
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, 100), 0);
	CHECK(h.magic == IPC_MAGIC);
	CHECK_INT(h.type, IPC_EXEC);
	CHECK_INT(h.status, 0);
	CHECK_INT(h.seq, 1);
	CHECK_INT(h.len, 0);
	CHECK_INT(b.len, 0);			/* reset, not appended */
	/* Small ones, back to back, keep their boundaries. */
	CHECK_INT(ipc_send_frame(sv[0], IPC_EXEC, 0, 2, "SELECT 1", 8), 0);
	CHECK_INT(ipc_send_frame(sv[1], IPC_RESULT, 200, 0xffffffffu,
	    "{\"rows\":[]}", 11), 0);
	CHECK_INT(ipc_send_frame(sv[0], IPC_RESULT, 507, 3, "x", 1), 0);
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, 100), 0);
	CHECK_INT(h.type, IPC_EXEC);
	CHECK_INT(h.seq, 2);
	CHECK_INT(b.len, 8);
	CHECK_STR(buf_cstr(&b), "SELECT 1");
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, 100), 0);
	CHECK_INT(h.type, IPC_RESULT);
	CHECK_INT(h.status, 507);
	CHECK_INT(h.seq, 3);
	CHECK_STR(buf_cstr(&b), "x");
	CHECK_INT(ipc_recv_frame(sv[0], &h, &b, 11), 0);	/* len == max */
	CHECK_INT(h.type, IPC_RESULT);
	CHECK_INT(h.status, 200);
	CHECK(h.seq == 0xffffffffu);
	CHECK_STR(buf_cstr(&b), "{\"rows\":[]}");
	close_pair(sv);
	buf_free(&b);
}

/* The child writes two frames: 1 MiB of pattern, then a small one. */
static void
big_writer(int fd)
{
	unsigned char *p;
	size_t i;
	int rc;

	if ((p = malloc(MIB)) == NULL)
		_exit(2);
	for (i = 0; i < MIB; i++)
		p[i] = pattern(i);
	rc = ipc_send_frame(fd, IPC_RESULT, 200, 77, p, MIB);
	if (rc == 0)
		rc = ipc_send_frame(fd, IPC_RESULT, 413, 78, "end", 3);
	free(p);
	_exit(rc == 0 ? 0 : 1);
}

static void
test_frame_big(void)
{
	struct ipc_hdr h;
	struct buf b;
	size_t i, bad = 0;
	int sv[2], status = -1;
	pid_t pid;

	buf_init(&b);
	CHECK_INT(pair(SOCK_STREAM, sv), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(sv[1]);
		big_writer(sv[0]);
	}
	CHECK(pid > 0);
	close(sv[0]);
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, MIB), 0);
	CHECK_INT(h.type, IPC_RESULT);
	CHECK_INT(h.status, 200);
	CHECK_INT(h.seq, 77);
	CHECK_INT(h.len, MIB);
	CHECK_INT(b.len, MIB);
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] != pattern(i))
			bad++;
	CHECK_INT(bad, 0);
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, MIB), 0);
	CHECK_INT(h.seq, 78);
	CHECK_INT(h.status, 413);
	CHECK_STR(buf_cstr(&b), "end");
	/* Then EOF. */
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, MIB), -1);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(sv[1]);
	buf_free(&b);
}

static void
test_frame_reject(void)
{
	struct ipc_hdr h, raw;
	struct buf b;
	void (*old)(int);
	int sv[2];

	buf_init(&b);
	/* Bad magic. */
	CHECK_INT(pair(SOCK_STREAM, sv), 0);
	memset(&raw, 0, sizeof(raw));
	raw.magic = IPC_MAGIC ^ 1;
	raw.type = IPC_EXEC;
	raw.len = 0;
	CHECK_INT(ipc_write_all(sv[0], &raw, sizeof(raw)), 0);
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, 100), -1);
	close_pair(sv);
	/* A length over max_len, payload present or not. */
	CHECK_INT(pair(SOCK_STREAM, sv), 0);
	CHECK_INT(ipc_send_frame(sv[0], IPC_EXEC, 0, 1, "0123456789", 10), 0);
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, 9), -1);
	close_pair(sv);
	CHECK_INT(pair(SOCK_STREAM, sv), 0);
	raw.magic = IPC_MAGIC;
	raw.len = 0xffffffffu;
	CHECK_INT(ipc_write_all(sv[0], &raw, sizeof(raw)), 0);
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, MIB), -1);
	CHECK(b.cap < MIB);			/* nothing allocated for it */
	close_pair(sv);
	/* EOF before anything. */
	CHECK_INT(pair(SOCK_STREAM, sv), 0);
	close(sv[0]);
	errno = EINVAL;
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, 100), -1);
	CHECK_INT(errno, 0);
	close(sv[1]);
	/* A truncated header. */
	CHECK_INT(pair(SOCK_STREAM, sv), 0);
	raw.len = 4;
	CHECK_INT(ipc_write_all(sv[0], &raw, sizeof(raw) - 3), 0);
	close(sv[0]);
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, 100), -1);
	close(sv[1]);
	/* A truncated payload. */
	CHECK_INT(pair(SOCK_STREAM, sv), 0);
	raw.len = 10;
	CHECK_INT(ipc_write_all(sv[0], &raw, sizeof(raw)), 0);
	CHECK_INT(ipc_write_all(sv[0], "01234", 5), 0);
	close(sv[0]);
	errno = EINVAL;
	CHECK_INT(ipc_recv_frame(sv[1], &h, &b, 100), -1);
	CHECK_INT(errno, 0);
	close(sv[1]);
	/* Writing to a closed peer fails instead of killing us. */
	CHECK_INT(pair(SOCK_STREAM, sv), 0);
	close(sv[1]);
	old = signal(SIGPIPE, SIG_IGN);
	CHECK_INT(ipc_send_frame(sv[0], IPC_EXEC, 0, 1, "x", 1), -1);
	signal(SIGPIPE, old);
	close(sv[0]);
	buf_free(&b);
}

static void
test_hdr_check(void)
{
	struct ipc_hdr h;

	memset(&h, 0, sizeof(h));
	h.magic = IPC_MAGIC;
	h.type = IPC_RESULT;
	h.status = 200;
	h.len = 100;
	CHECK_INT(ipc_hdr_check(&h, IPC_RESULT, 100), 0);
	CHECK_INT(ipc_hdr_check(&h, IPC_RESULT, 1000), 0);
	CHECK_INT(ipc_hdr_check(&h, IPC_RESULT, 99), -1);
	CHECK_INT(ipc_hdr_check(&h, IPC_EXEC, 100), -1);
	h.type = 0;
	CHECK_INT(ipc_hdr_check(&h, IPC_RESULT, 100), -1);
	h.type = IPC_RESULT;
	h.len = 0;
	CHECK_INT(ipc_hdr_check(&h, IPC_RESULT, 0), 0);
	h.len = 0xffffffffu;
	CHECK_INT(ipc_hdr_check(&h, IPC_RESULT, 0xfffffffeu), -1);
	h.len = 1;
	h.magic = 0x57454e31u;			/* "WKN1" the wrong way round */
	CHECK_INT(ipc_hdr_check(&h, IPC_RESULT, 100), -1);
	h.magic = 0;
	CHECK_INT(ipc_hdr_check(&h, IPC_RESULT, 100), -1);
}

/* ---- SEQPACKET messages ---- */

static void
test_msg_nofds(void)
{
	struct spawn_msg m, r;
	int sv[2], fds[2] = { -1, -1 }, three[3] = { 0, 1, 2 }, nfds = -1;

	CHECK_INT(pair(SOCK_SEQPACKET, sv), 0);
	msg_fill(&m, SPAWN_EXEC, 9);
	CHECK_INT(ipc_send_msg(sv[0], &m, NULL, 0), 0);
	memset(&r, 0, sizeof(r));
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), 1);
	CHECK_INT(nfds, 0);
	CHECK(memcmp(&m, &r, sizeof(m)) == 0);
	CHECK_INT(r.type, SPAWN_EXEC);
	CHECK_INT(r.seq, 9);
	CHECK_INT(r.created, 1795461721);
	CHECK_INT(r.expires, 1795462321);
	CHECK_INT(r.pid, 4242);
	/* The other way, and two in a row keep their boundaries. */
	msg_fill(&m, SPAWN_REPLY, 10);
	CHECK_INT(ipc_send_msg(sv[1], &m, NULL, 0), 0);
	m.seq = 11;
	CHECK_INT(ipc_send_msg(sv[1], &m, NULL, 0), 0);
	CHECK_INT(ipc_recv_msg(sv[0], &r, fds, 2, &nfds), 1);
	CHECK_INT(r.seq, 10);
	CHECK_INT(ipc_recv_msg(sv[0], &r, fds, 2, &nfds), 1);
	CHECK_INT(r.seq, 11);
	CHECK_INT(nfds, 0);
	/* More than two fds is refused by the sender. */
	CHECK_INT(ipc_send_msg(sv[0], &m, three, 3), -1);
	/* EOF. */
	close(sv[0]);
	nfds = -1;
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), 0);
	CHECK_INT(nfds, 0);
	close(sv[1]);
}

static void
test_msg_fds(void)
{
	struct spawn_msg m, r;
	int sv[2], p[2], fds[2] = { -1, -1 }, one[1] = { -1 };
	int nfds = -1, before;

	CHECK_INT(pair(SOCK_SEQPACKET, sv), 0);
	CHECK_INT(pipe(p), 0);
	msg_fill(&m, SPAWN_REPLY, 5);
	CHECK_INT(ipc_send_msg(sv[0], &m, p, 2), 0);
	close(p[0]);
	close(p[1]);
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), 1);
	CHECK_INT(nfds, 2);
	CHECK_INT(r.seq, 5);
	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
	CHECK_INT(pipe_works(fds[0], fds[1]), 0);
	/* Received close-on-exec, so they never leak into an exec. */
	CHECK(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);

	/* One fd. */
	CHECK_INT(pipe(p), 0);
	CHECK_INT(ipc_send_msg(sv[0], &m, &p[1], 1), 0);
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), 1);
	CHECK_INT(nfds, 1);
	CHECK_INT(pipe_works(p[0], fds[0]), 0);
	close(fds[0]);
	close(p[0]);
	close(p[1]);

	/* Two sent, room for one: the extra one is closed. */
	CHECK_INT(pipe(p), 0);
	CHECK_INT(ipc_send_msg(sv[0], &m, p, 2), 0);
	close(p[0]);
	close(p[1]);
	before = count_fds();
	CHECK_INT(ipc_recv_msg(sv[1], &r, one, 1, &nfds), 1);
	CHECK_INT(nfds, 1);
	CHECK_INT(count_fds(), before + 1);
	close(one[0]);
	CHECK_INT(count_fds(), before);
	close_pair(sv);
}

static void
test_msg_malformed(void)
{
	struct spawn_msg m, r;
	char big[sizeof(struct spawn_msg) + 8];
	int sv[2], p[2], fds[2], nfds, before;

	CHECK_INT(pair(SOCK_SEQPACKET, sv), 0);
	msg_fill(&m, SPAWN_REPLY, 1);
	before = count_fds();
	CHECK(before > 0);

	/* Short message, no fds. */
	CHECK_INT(send(sv[0], &m, sizeof(m) - 1, 0), (ssize_t)sizeof(m) - 1);
	nfds = -1;
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), -1);
	CHECK_INT(nfds, 0);
	CHECK_INT(send(sv[0], &m, 4, 0), 4);
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), -1);

	/* Short message carrying two fds: both closed. */
	CHECK_INT(pipe(p), 0);
	CHECK_INT(raw_sendmsg(sv[0], &m, 8, p, 2), 8);
	close(p[0]);
	close(p[1]);
	nfds = -1;
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), -1);
	CHECK_INT(nfds, 0);
	CHECK_INT(count_fds(), before);

	/* Bad magic, no fds and with fds. */
	m.magic = 0x314e4b58u;
	CHECK_INT(ipc_send_msg(sv[0], &m, NULL, 0), 0);
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), -1);
	CHECK_INT(pipe(p), 0);
	CHECK_INT(ipc_send_msg(sv[0], &m, p, 2), 0);
	close(p[0]);
	close(p[1]);
	nfds = -1;
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), -1);
	CHECK_INT(nfds, 0);
	CHECK_INT(count_fds(), before);

	/* Too long (truncated on receipt) with fds. */
	msg_fill(&m, SPAWN_REPLY, 2);
	memset(big, 0, sizeof(big));
	memcpy(big, &m, sizeof(m));
	CHECK_INT(pipe(p), 0);
	CHECK_INT(raw_sendmsg(sv[0], big, sizeof(big), p, 2),
	    (ssize_t)sizeof(big));
	close(p[0]);
	close(p[1]);
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), -1);
	CHECK_INT(nfds, 0);
	CHECK_INT(count_fds(), before);

	/* The link still works after all that. */
	CHECK_INT(ipc_send_msg(sv[0], &m, NULL, 0), 0);
	CHECK_INT(ipc_recv_msg(sv[1], &r, fds, 2, &nfds), 1);
	CHECK_INT(r.seq, 2);

	/* An empty packet with fds: not a message, and no fd may stay. */
	CHECK_INT(pipe(p), 0);
	CHECK_INT(raw_sendmsg(sv[0], "", 0, p, 2), 0);
	close(p[0]);
	close(p[1]);
	nfds = -1;
	CHECK(ipc_recv_msg(sv[1], &r, fds, 2, &nfds) != 1);
	CHECK_INT(nfds, 0);
	CHECK_INT(count_fds(), before);
	close_pair(sv);
}

UNIT_MAIN(test_frame_small, test_frame_big, test_frame_reject,
    test_hdr_check, test_msg_nofds, test_msg_fds, test_msg_malformed)

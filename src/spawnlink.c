/*
 * spawnlink.c: the front end's end of the spawner's control socket (see
 * spawnlink.h).
 *
 * The socket is non-blocking and holds only a few hundred packets, and
 * one sweep may remove thousands of expired buckets' walk-ins at once, or
 * a burst of creates queue their spawns: whatever does not fit waits in
 * sl_outq, in order, until the socket is writable again. The spawner
 * going away is fatal (the daemon cannot serve without it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipc.h"
#include "log.h"
#include "spawnlink.h"

static int			 sl_fd = -1;
static struct event		*sl_rev;
static struct event		*sl_wev;	/* armed while sl_outq waits */
static struct spawn_msg		*sl_outq;	/* [sl_head, sl_n) */
static size_t			 sl_head, sl_n, sl_cap;
static spawnlink_reply_cb	 sl_reply;

/* Send what is queued until the socket is full; then wait for EV_WRITE. */
static void
sl_flush(void)
{
	while (sl_head < sl_n) {
		if (ipc_send_msg(sl_fd, &sl_outq[sl_head], NULL, 0) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ENOBUFS)
				fatal("spawner is gone");
			event_add(sl_wev, NULL);
			return;
		}
		sl_head++;
	}
	sl_head = sl_n = 0;
}

void
spawnlink_send(const struct spawn_msg *m)
{
	int waiting = sl_n > sl_head;

	if (sl_n == sl_cap) {
		if (sl_head > 0) {
			memmove(sl_outq, sl_outq + sl_head,
			    (sl_n - sl_head) * sizeof(*sl_outq));
			sl_n -= sl_head;
			sl_head = 0;
		} else {
			sl_cap = sl_cap ? sl_cap * 2 : 64;
			if ((sl_outq = realloc(sl_outq, sl_cap *
			    sizeof(*sl_outq))) == NULL)
				fatal("realloc");
		}
	}
	sl_outq[sl_n++] = *m;
	if (!waiting)		/* else the write event is already armed */
		sl_flush();
}

static void
sl_write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sl_flush();
}

static void
sl_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct spawn_msg m;
	int fds[2], nfds, rc;

	(void)what;
	(void)arg;
	for (;;) {
		rc = ipc_recv_msg(fd, &m, fds, 2, &nfds);
		if (rc == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (rc == 0)
			fatalx("spawner exited");
		if (rc == -1 || m.type != SPAWN_REPLY)
			fatalx("spawner: malformed reply");
		sl_reply(&m, fds, nfds);
	}
}

void
spawnlink_init(struct event_base *base, int fd, spawnlink_reply_cb reply)
{
	sl_fd = fd;
	sl_reply = reply;
	evutil_make_socket_nonblocking(fd);
	sl_rev = event_new(base, fd, EV_READ | EV_PERSIST, sl_read_cb, NULL);
	event_add(sl_rev, NULL);
	sl_wev = event_new(base, fd, EV_WRITE, sl_write_cb, NULL);
}

void
spawnlink_close(void)
{
	if (sl_n > sl_head) {
		event_del(sl_wev);
		fcntl(sl_fd, F_SETFL, fcntl(sl_fd, F_GETFL) & ~O_NONBLOCK);
		sl_flush();
	}
	free(sl_outq);
	sl_outq = NULL;
	event_free(sl_wev);
	event_free(sl_rev);
	close(sl_fd);
}

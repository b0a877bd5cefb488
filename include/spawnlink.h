/*
 * spawnlink.h: the front end's end of the control socket to the spawner
 * (SOCK_SEQPACKET, ipc.h). Messages go out in order; what the
 * non-blocking socket does not take waits in a queue until it is
 * writable again. Replies are handed to the callback as they arrive.
 * Event-loop thread only.
 */
#ifndef WALKIND_SPAWNLINK_H
#define WALKIND_SPAWNLINK_H

struct event_base;
struct spawn_msg;

/* A SPAWN_REPLY with the fds it carried (nfds of them, at most 2). */
typedef void (*spawnlink_reply_cb)(struct spawn_msg *m, int *fds, int nfds);

void	spawnlink_init(struct event_base *base, int fd,
	    spawnlink_reply_cb reply);
void	spawnlink_send(const struct spawn_msg *m);
/* Shutdown: hand over what is queued (blocking if need be), close. */
void	spawnlink_close(void);

#endif

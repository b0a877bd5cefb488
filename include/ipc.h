/*
 * ipc.h: messages between walkind's processes. Fixed-size, pointer-free
 * headers; payload lengths checked against a maximum on receipt; a bad
 * message is a broken link (the receiver closes it), never a crash.
 *
 * front end <-> executor: SOCK_STREAM socketpair, frames of
 *   struct ipc_hdr + len payload bytes. Up to BOUNDS_PIPELINE requests in
 *   flight; the executor reads one, replies, then reads the next.
 * front end <-> spawner: SOCK_SEQPACKET socketpair, one struct
 *   spawn_msg per packet; replies to SPAWN carry two fds (SCM_RIGHTS):
 *   the executor's socket and a pidfd for it.
 */
#ifndef WALKIND_IPC_H
#define WALKIND_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "token.h"

#define IPC_MAGIC	0x314e4b57u	/* "WKN1" little-endian */

enum ipc_type {
	IPC_EXEC = 1,		/* front -> executor: payload is SQL text */
	IPC_RESULT = 2		/* executor -> front: status + JSON body */
};

struct ipc_hdr {
	uint32_t	magic;
	uint16_t	type;
	uint16_t	status;		/* HTTP status, IPC_RESULT only */
	uint32_t	len;		/* payload bytes that follow */
	uint32_t	seq;		/* echoed back, for sanity checks */
};

enum spawn_type {
	SPAWN_EXEC = 1,		/* start an executor for an instance */
	SPAWN_REMOVE = 2,	/* remove an instance directory */
	SPAWN_REPLY = 3,
	SPAWN_REMOVE_BUCKET = 4	/* remove an expiry second's directory */
};

#define SPAWN_F_CREATE	0x1	/* SPAWN_EXEC: make the directory first */

struct spawn_msg {
	uint32_t	magic;
	uint32_t	type;
	uint32_t	seq;
	uint32_t	flags;
	uint8_t		id[TOKEN_ID_BYTES];
	int64_t		created;	/* unix seconds, CREATE only */
	int64_t		expires;	/* unix seconds: the bucket, and the
					 * meta of a CREATE (0 in a REMOVE:
					 * walkind 0.1.0's flat layout) */
	int32_t		err;		/* reply: 0 or an errno value */
	int32_t		pid;		/* reply: executor pid */
};

/* Blocking helpers (executor and spawner side); return 0 or -1. */
int	ipc_write_all(int fd, const void *p, size_t n);
int	ipc_read_all(int fd, void *p, size_t n);	/* -1 and errno 0 on EOF */
int	ipc_send_frame(int fd, uint16_t type, uint16_t status, uint32_t seq,
	    const void *payload, uint32_t len);
/* Read one frame; payload into b (reset first). -1 on EOF or bad frame. */
int	ipc_recv_frame(int fd, struct ipc_hdr *h, struct buf *b,
	    uint32_t max_len);
/* Check a header received by the event loop. Returns 0 or -1. */
int	ipc_hdr_check(const struct ipc_hdr *h, uint16_t want_type,
	    uint32_t max_len);

/* SEQPACKET messages with optional fds. */
int	ipc_send_msg(int fd, const struct spawn_msg *m, const int *fds,
	    int nfds);
/* Returns 1 on a message, 0 on EOF, -1 on error/malformed; fds
 * received beyond the nfds returned are closed. */
int	ipc_recv_msg(int fd, struct spawn_msg *m, int *fds, int maxfds,
	    int *nfds);

#endif

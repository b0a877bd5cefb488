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
#include "walkin_spec.h"

struct config;

#define IPC_MAGIC	0x314e4b57u	/* "WKN1" little-endian */

enum ipc_type {
	IPC_EXEC = 1,		/* front -> executor: struct ipc_job + data */
	IPC_RESULT = 2,		/* executor -> front: status + reply body */
	IPC_RESULT_LAST = 3	/* the same, then the executor exits: it was
				 * demoted (bounds.h BOUNDS_DEMOTE_MS) and
				 * reads no frame after this one */,
	IPC_CLAIM = 4		/* warm executor -> spawner, empty: jailed
				 * (its rule holds the spare directory), so
				 * it may be claimed; spawner -> it: the path
				 * of the walk-in directory the spare became */
};

/*
 * What an IPC_EXEC frame asks of the executor. Every front door (/sql,
 * /session, ...) decodes its own wire format into one of these; the
 * executor sees the same jobs whatever door they came through.
 */
enum ipc_op {
	IPC_OP_SQL = 1,		/* text: SQL; args: value.h's encoding */
	IPC_OP_INFO = 2,	/* bytes used; also opens a new walk-in */
	IPC_OP_SCHEMA = 3,	/* dbschema.h's JSON */
	IPC_OP_EXPORT_DB = 4,	/* the database file's bytes */
	IPC_OP_EXPORT_SQL = 5,	/* a SQL dump */
	IPC_OP_IMPORT_DB = 6,	/* text: a database file for a new walk-in */
	IPC_OP_HRANA = 7,	/* text: a Hrana program (hranawire.h) */
	IPC_OP_MAX = IPC_OP_HRANA
};

#define IPC_JOB_ALL_RESULTS	0x1	/* IPC_OP_SQL: one result a statement */
#define IPC_JOB_SCRIPT		0x2	/* IPC_OP_SQL: statements up to
					 * BOUNDS_SCRIPT_BYTES (POST /session) */
#define IPC_JOB_READONLY	0x4	/* IPC_OP_SQL: a share token's job;
					 * every write refused (sqlexec.h) */

/* Head of an IPC_EXEC payload, then text_len + args_len bytes. */
struct ipc_job {
	uint32_t	op;		/* enum ipc_op */
	uint32_t	flags;		/* IPC_JOB_* */
	uint32_t	text_len;
	uint32_t	args_len;
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

/* spawn_msg.owner_ip: registry.h's REGISTRY_OWNER_MAX, http.h's peer_ip. */
#define IPC_OWNER_IP_MAX	64

#define SPAWN_F_CREATE	0x1	/* SPAWN_EXEC: make the directory first */
/* SPAWN_REMOVE: answer with a SPAWN_REPLY (same seq, this flag set)
 * once the directory is gone (DELETE /session replies after it). */
#define SPAWN_F_REPLY	0x2
/* SPAWN_EXEC with SPAWN_F_CREATE: the new walk-in's spec (cap, grant)
 * is the one in the meta of walk-in spec_id/spec_expires, not the
 * message's (a fork keeps its source's; issue 17). */
#define SPAWN_F_SPEC_FROM	0x4
/* SPAWN_REPLY to a create: the executor was a warm one (--warm). */
#define SPAWN_F_WARM		0x8

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
	int32_t		warm;		/* reply: warm executors standing by
					 * (for the metrics) */
	char		owner_ip[IPC_OWNER_IP_MAX];	/* CREATE: the
					 * creating client's IP, for the
					 * meta; NUL-terminated ("" unknown) */
	/* CREATE: the walk-in's spec for its meta (walkin_spec.h); the
	 * spawner reads it back from the meta for every executor. */
	int64_t		max_db_bytes;	/* 0: the node's */
	char		grant[WALKIN_GRANT_MAX];	/* NUL-terminated;
					 * checked by registry_meta_format */
	uint8_t		spec_id[TOKEN_ID_BYTES];	/* SPAWN_F_SPEC_FROM */
	int64_t		spec_expires;
};

/*
 * Blocking helpers; return 0 or -1 (errno set). ipc_write_all is the
 * tree's one write-all loop (IPC frames, the meta file, the access log,
 * the key file, cgroupfs values): it retries EINTR and short writes.
 */
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

/*
 * Append an IPC_EXEC payload to out: the job head, then text and args.
 * Lengths must fit in 32 bits (callers bound them far below).
 */
void	ipc_job_pack(struct buf *out, uint32_t op, uint32_t flags,
	    const void *text, size_t text_len, const void *args,
	    size_t args_len);
/*
 * Split an IPC_EXEC payload received from another process. Checks the op
 * and that the lengths add up to exactly len. On success points *text
 * and *args into p (borrowed) and returns 0; -1 on a malformed payload.
 */
int	ipc_job_unpack(const void *p, size_t len, struct ipc_job *job,
	    const char **text, const char **args);

/*
 * Frame caps, from the configuration, in one place: the front end and the
 * executor both use them, so an executor's reply is never refused as
 * oversize by the front end (issue 15: a valid query became a 500).
 * ipc_job_max: the largest IPC_EXEC payload the front end sends;
 * ipc_reply_max: the largest IPC_RESULT payload an executor may send
 * (sqlexec keeps row data and column names within --max-result-bytes).
 */
uint32_t ipc_job_max(const struct config *cfg);
uint32_t ipc_reply_max(const struct config *cfg);
/* The largest request body any route accepts (uploads, scripts). */
int64_t	ipc_upload_max(const struct config *cfg);

/* SEQPACKET messages with optional fds. */
int	ipc_send_msg(int fd, const struct spawn_msg *m, const int *fds,
	    int nfds);
/* Returns 1 on a message, 0 on EOF, -1 on error/malformed (a
 * spawn_msg whose owner_ip or grant is not NUL-terminated is
 * malformed); fds
 * received beyond the nfds returned are closed. */
int	ipc_recv_msg(int fd, struct spawn_msg *m, int *fds, int maxfds,
	    int *nfds);
/* The same without blocking: -1 with errno EAGAIN when no message is
 * waiting (a malformed one is -1 with EBADMSG). */
int	ipc_recv_msg_nowait(int fd, struct spawn_msg *m, int *fds,
	    int maxfds, int *nfds);

#endif

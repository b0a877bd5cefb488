/*
 * streams.h: the executor's SQLite connections for Hrana streams
 * (executor side). Slot 0 is the main connection (executor.c); slots
 * 1..HRANA_SLOT_MAX (hranawire.h) are opened here on first use.
 */
#ifndef WALKIND_STREAMS_H
#define WALKIND_STREAMS_H

#include <stdint.h>

struct config;
struct sqlconn;

/*
 * The connection of stream `id` in `slot`. fresh: the stream is new;
 * the slot's connection is opened (the first one switches `main` to
 * NORMAL locking for good, sqlconn_share) or reset (an open transaction
 * rolled back, query_only lifted) and takes the id. Not fresh: the slot
 * must still hold that id, else the stream is gone (this executor
 * started after it, or the slot was given to another stream). Returns
 * the connection, or NULL with *status and a static *msg: 400 "stream
 * expired", 500 when a connection cannot be opened.
 */
struct sqlconn *streams_get(struct sqlconn *main, const struct config *cfg,
	    unsigned slot, uint64_t id, int fresh, int *status,
	    const char **msg);
/* The stream in slot ended (a close request, or a one-shot pipeline):
 * reset its connection, which stays open for the next stream. */
void	streams_end(unsigned slot);
/* 1 if a stream holds a slot (its state would go with the executor). */
int	streams_busy(void);
/* Roll back and close every stream connection (before the main one). */
void	streams_close_all(void);

#endif

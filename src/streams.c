/*
 * streams.c: the executor's connections for Hrana streams (executor
 * process; see streams.h).
 *
 * A Hrana stream is what a separate SQLite connection would be, and
 * @libsql/client relies on it: it reads outside an open transaction
 * while that transaction's stream waits for its next pipeline. So each
 * stream slot is a connection of its own to the walk-in's file, opened
 * lazily inside the jail with exactly the main connection's hardening
 * (sqlconn_open), at most HRANA_SLOT_MAX of them. The executor still
 * runs one job at a time; the connections only keep each stream's
 * transaction apart.
 *
 * Several connections cannot share a file under EXCLUSIVE locking (the
 * first would keep the lock for good), so the first stream connection
 * switches the main one to NORMAL, and every connection of this
 * executor stays NORMAL from then on: a rollback journal, where a reader
 * outside a transaction sees only committed data and takes its SHARED
 * lock beside a writer's RESERVED one without waiting. A second writer
 * (or a COMMIT while another stream holds a read transaction) waits the
 * busy timeout (BOUNDS_LOCK_WAIT_MS) and fails with SQLITE_BUSY,
 * "database is locked": in one process nobody can let the lock go
 * meanwhile, so it does not wait for the other transaction's end. The
 * price of NORMAL is a lock call and a change-counter read per
 * transaction, which EXCLUSIVE saves (docs/PERFORMANCE.md); only
 * executors that served a stream pay it, until they exit.
 *
 * State: file-static, used by the executor's one thread.
 */
#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

#include "config.h"
#include "hranawire.h"
#include "log.h"
#include "sqlconn.h"
#include "streams.h"

struct streams_slot {
	struct sqlconn	*c;
	uint64_t	 id;		/* 0: no stream */
};

static struct streams_slot	streams[HRANA_SLOT_MAX + 1];
static int			streams_shared;	/* main is NORMAL */

/* Roll back what the last stream left open and lift query_only. */
static void
streams_reset(struct sqlconn *c)
{
	sqlite3 *db = sqlconn_db(c);

	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (sqlconn_readonly(c))
		sqlconn_set_readonly(c, 0);
}

static struct sqlconn *
streams_open(struct sqlconn *main, const struct config *cfg)
{
	struct sqlconn_opts o = { cfg->max_db_bytes, (int)cfg->threads };
	const char *path = sqlite3_db_filename(sqlconn_db(main), "main");
	struct sqlconn *c;
	char err[256];

	if (!streams_shared) {
		if (sqlconn_share(main) == -1) {
			log_warnx("streams: main connection stays exclusive");
			return NULL;
		}
		streams_shared = 1;
	}
	if (path == NULL || (c = sqlconn_open_shared(path, &o, err,
	    sizeof(err))) == NULL) {
		log_warnx("streams: open: %s", path == NULL ? "no path" : err);
		return NULL;
	}
	return c;
}

struct sqlconn *
streams_get(struct sqlconn *main, const struct config *cfg, unsigned slot,
    uint64_t id, int fresh, int *status, const char **msg)
{
	struct streams_slot *s;

	if (slot < HRANA_SLOT_ONESHOT || slot > HRANA_SLOT_MAX || id == 0) {
		*status = 500;
		*msg = "internal error";
		return NULL;
	}
	s = &streams[slot];
	if (!fresh) {
		if (s->c == NULL || s->id != id) {
			*status = 400;
			*msg = "stream expired";
			return NULL;
		}
		return s->c;
	}
	if (s->c != NULL)
		streams_reset(s->c);
	else if ((s->c = streams_open(main, cfg)) == NULL) {
		*status = 500;
		*msg = "internal error";
		return NULL;
	}
	s->id = id;
	return s->c;
}

void
streams_end(unsigned slot)
{
	if (slot < HRANA_SLOT_ONESHOT || slot > HRANA_SLOT_MAX ||
	    streams[slot].c == NULL)
		return;
	streams_reset(streams[slot].c);
	streams[slot].id = 0;
}

int
streams_busy(void)
{
	unsigned i;

	for (i = HRANA_SLOT_ONESHOT; i <= HRANA_SLOT_MAX; i++)
		if (streams[i].id != 0)
			return 1;
	return 0;
}

void
streams_close_all(void)
{
	unsigned i;

	for (i = 0; i <= HRANA_SLOT_MAX; i++) {
		sqlconn_close(streams[i].c);	/* rolls back */
		streams[i].c = NULL;
		streams[i].id = 0;
	}
}

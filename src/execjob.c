/*
 * execjob.c: the executor's dispatch of one job (see execjob.h).
 *
 * Runs in the jailed executor, on its walk-in's hardened connection. The
 * payload comes from the front end, a more trusted process, but it is
 * checked anyway (ipc_job_unpack) so a bad frame is an error, not a
 * crash. Every operation writes a whole reply body; the body is checked
 * against the frame cap the front end enforces (ipc_reply_max), so an
 * executor never sends what the front end would refuse.
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "bounds.h"
#include "clock.h"
#include "config.h"
#include "dbdump.h"
#include "dbimage.h"
#include "dbschema.h"
#include "execjob.h"
#include "hranaexec.h"
#include "ipc.h"
#include "json.h"
#include "sqlconn.h"
#include "sqlexec.h"

/* The walk-in's file size, from the VFS: no SQL, nothing to authorize. */
static int64_t
execjob_file_bytes(struct sqlconn *c)
{
	sqlite3_file *f = NULL;
	sqlite3_int64 size = 0;

	if (sqlite3_file_control(sqlconn_db(c), "main",
	    SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || f == NULL ||
	    f->pMethods == NULL || f->pMethods->xFileSize(f, &size) != SQLITE_OK)
		return -1;
	return size;
}

/* {"bytes_used":N,"bytes_limit":N}: the front end adds the times. */
static int
execjob_info(struct sqlconn *c, const struct config *cfg, struct buf *out)
{
	int64_t used = execjob_file_bytes(c);

	if (used < 0) {
		json_error(out, "internal error");
		return 500;
	}
	buf_adds(out, "{\"bytes_used\":");
	json_add_int64(out, used);
	buf_adds(out, ",\"bytes_limit\":");
	json_add_int64(out, cfg->max_db_bytes);
	buf_addc(out, '}');
	return 200;
}

/* The request's deadline, as sqlexec_run sets it for SQL. */
static void
execjob_deadline(struct sqlconn *c, const struct config *cfg)
{
	sqlconn_set_deadline(c, cfg->query_timeout_ms > 0 ?
	    clock_mono_ms() + cfg->query_timeout_ms : 0);
}

static int
execjob_sql(struct sqlconn *c, const struct config *cfg,
    const struct ipc_job *j, const char *text, const char *args,
    struct buf *out)
{
	struct sqlexec_limits lim = { cfg->max_rows, cfg->max_result_bytes,
	    cfg->query_timeout_ms };
	struct sqlexec_job sj = { text, j->text_len, args, j->args_len, 0 };

	if (j->flags & IPC_JOB_ALL_RESULTS)
		sj.flags |= SQLEXEC_ALL_RESULTS;
	if (j->flags & IPC_JOB_SCRIPT)
		sj.flags |= SQLEXEC_SCRIPT;
	if (j->flags & IPC_JOB_READONLY)
		sj.flags |= SQLEXEC_READONLY;
	return sqlexec_run_job(c, &sj, &lim, out);
}

int
execjob_run(struct sqlconn *c, const struct config *cfg, const char *payload,
    size_t len, struct buf *out)
{
	const char *text, *args;
	struct ipc_job j;
	int status;

	buf_reset(out);
	if (ipc_job_unpack(payload, len, &j, &text, &args) == -1) {
		json_error(out, "internal error");
		return 500;
	}
	switch (j.op) {
	case IPC_OP_SQL:
		status = execjob_sql(c, cfg, &j, text, args, out);
		break;
	case IPC_OP_INFO:
		status = execjob_info(c, cfg, out);
		break;
	case IPC_OP_SCHEMA:
		status = dbschema_json(c, out);
		break;
	case IPC_OP_EXPORT_DB:
		execjob_deadline(c, cfg);
		status = dbimage_export(c, out);
		break;
	case IPC_OP_EXPORT_SQL:
		execjob_deadline(c, cfg);
		status = dbdump_sql(c, (int64_t)ipc_reply_max(cfg) -
		    BOUNDS_REPLY_SLACK, out);
		break;
	case IPC_OP_HRANA:
		status = hranaexec_run(c, cfg, text, j.text_len, out);
		break;
	case IPC_OP_IMPORT_DB:
		execjob_deadline(c, cfg);
		status = dbimage_import(c, text, j.text_len, cfg->max_db_bytes,
		    out);
		break;
	default:
		json_error(out, "internal error");
		return 500;
	}
	if (out->len > ipc_reply_max(cfg)) {	/* a bug: never a kill */
		json_error(out, "result too large");
		status = 400;
	}
	return status;
}

/*
 * accesslog.h: one JSON line per request in
 * DATA/logs/access-YYYY-MM-DD.jsonl (UTC date), exactly the fields
 * timestamp, source_ip, instance_id (omitted when none), subject (a
 * verified JWT's "sub", omitted otherwise), subject_key (the keyed hash
 * a JWT walk-in's requests are limited by, omitted otherwise),
 * http_method, http_status, sql_byte_length, user_agent. Never SQL,
 * rows or tokens (a JWT included).
 * Event-loop thread only.
 */
#ifndef WALKIND_ACCESSLOG_H
#define WALKIND_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

struct accesslog_entry {
	int64_t		 time_ms;	/* wall clock, ms since epoch */
	const char	*source_ip;
	const char	*instance_id;	/* canonical uuid or NULL */
	const char	*method;	/* untrusted: escaped on output */
	int		 status;
	int64_t		 sql_bytes;
	const char	*user_agent;	/* untrusted, may be NULL */
	const char	*subject;	/* JWT "sub" (printable ASCII) or NULL */
	const char	*subject_key;	/* 16 hex digits or NULL */
};

/* Open the log directory (created 0700 if missing). Returns 0 or -1. */
int	accesslog_open(const char *logs_dir);
void	accesslog_close(void);
/*
 * Close the day's file; the next line opens it again by name. For
 * SIGHUP, after logrotate renamed the file.
 */
void	accesslog_reopen(void);
void	accesslog_write(const struct accesslog_entry *e);
/* Delete access-*.jsonl older than `days` days at wall time now_s. */
void	accesslog_expire(int64_t now_s, int days);

#endif

/*
 * log.h: diagnostics to stderr, one line each, prefixed with the process
 * role. Never pass tokens, keys, SQL text or row data; untrusted strings
 * must go through log_escape first.
 */
#ifndef WALKIND_LOG_H
#define WALKIND_LOG_H

#include <stddef.h>

void	log_init(const char *role, int verbose);	/* role: "frontend"... */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Startup/environment failure: print (with errno for fatal) and exit(1). */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* Copy at most dstlen-1 printable ASCII bytes of src, others as '?'. */
void	log_escape(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif

/*
 * log.c: the small log API of log.h. Writes whole lines to stderr with one
 * write(2) so lines from several processes do not interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_role = "walkind";
static int		 log_verbose;

void
log_init(const char *role, int verbose)
{
	log_role = role;
	log_verbose = verbose;
}

static void
log_vline(const char *level, int with_errno, int saved_errno,
    const char *fmt, va_list ap)
{
	char line[1024];
	int n, m;

	n = snprintf(line, sizeof(line), "walkind[%s] %s: ", log_role, level);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m > 0)
		n = ((size_t)(n + m) >= sizeof(line) - 1) ?
		    (int)sizeof(line) - 2 : n + m;
	if (with_errno)
		n += snprintf(line + n, sizeof(line) - (size_t)n - 1, ": %s",
		    strerror(saved_errno));
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

#define LOG_BODY(level, with_errno) do {				\
	int saved_errno = errno;					\
	va_list ap;							\
	va_start(ap, fmt);						\
	log_vline(level, with_errno, saved_errno, fmt, ap);		\
	va_end(ap);							\
	errno = saved_errno;						\
} while (0)

void log_warn(const char *fmt, ...) { LOG_BODY("warning", 1); }
void log_warnx(const char *fmt, ...) { LOG_BODY("warning", 0); }
void log_info(const char *fmt, ...) { LOG_BODY("info", 0); }

void
log_debug(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	LOG_BODY("debug", 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY("fatal", 1);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY("fatal", 0);
	exit(1);
}

void
log_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i, j = 0;

	if (dstlen == 0)
		return;
	for (i = 0; i < srclen && j + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[j++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ?
		    (char)c : '?';
	}
	dst[j] = '\0';
}

/*
 * accesslog.c: the JSON-lines access log (accesslog.h).
 *
 * One line per request, appended with a single write(2) to
 * access-YYYY-MM-DD.jsonl (UTC date of the entry's timestamp) in the
 * log directory, which is held open as a directory fd so later opens do
 * not depend on the path or the working directory. The day's file stays
 * open (O_APPEND, 0600) and is swapped when an entry's date differs
 * from the open file's, or after accesslog_reopen (SIGHUP), so a file
 * renamed by logrotate stops growing and a new one starts.
 *
 * Every string field is written through al_put_str, which produces valid
 * JSON that is also plain ASCII: '"' and '\\' are backslash-escaped,
 * control bytes become \u00XX, and every byte >= 0x80 (valid UTF-8 or
 * not) becomes '?'. Fields are capped (AL_CAP_*) so a line is bounded
 * and one hostile User-Agent cannot bloat the log. Tokens, SQL and rows
 * are not among the fields, so they cannot reach the log.
 *
 * Failures to open or write are logged once (log_warn) and then quiet
 * until a write succeeds again; the request path never fails because
 * of the log.
 *
 * Concurrency: accesslog_open, accesslog_close and accesslog_write run on
 * the front end's event-loop thread. accesslog_expire touches only the
 * directory fd, which is fixed between open and close, so it may run on
 * another thread (the sweeper) as long as it never overlaps open/close.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accesslog.h"
#include "ipc.h"
#include "log.h"

#define AL_MS_PER_DAY	86400000LL
#define AL_NAME_LEN	23		/* access-YYYY-MM-DD.jsonl */
#define AL_NAME_BUF	64		/* room for any int year */
#define AL_CAP_IP	64		/* longer than any IPv6 text form */
#define AL_CAP_ID	64		/* canonical uuids are 36 */
#define AL_CAP_METHOD	32
#define AL_CAP_UA	256
#define AL_CAP_SUBJECT	128		/* WALKIN_SUBJECT_MAX */
/* > 6 * (64 + 64 + 32 + 256 + 128 + 64) + names */
#define AL_LINE_MAX	4096

struct al_line {
	char	buf[AL_LINE_MAX];
	size_t	len;
};

static int	al_dirfd = -1;
static int	al_fd = -1;
static int64_t	al_day;			/* day number of al_fd's file */
static int	al_failing;		/* a failure was logged, not yet ok */
static char	al_dirname[PATH_MAX];

int
accesslog_open(const char *logs_dir)
{
	accesslog_close();
	if ((size_t)snprintf(al_dirname, sizeof(al_dirname), "%s",
	    logs_dir) >= sizeof(al_dirname)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(logs_dir, 0700) == -1 && errno != EEXIST)
		return -1;
	al_dirfd = open(logs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return al_dirfd == -1 ? -1 : 0;
}

void
accesslog_close(void)
{
	if (al_fd != -1)
		close(al_fd);
	if (al_dirfd != -1)
		close(al_dirfd);
	al_fd = al_dirfd = -1;
	al_failing = 0;
}

void
accesslog_reopen(void)
{
	if (al_fd != -1)
		close(al_fd);
	al_fd = -1;
	al_failing = 0;
}

/* ---- dates ---- */

static void
al_civil(int64_t day, struct tm *tm)
{
	time_t t = (time_t)(day * 86400);

	if (gmtime_r(&t, tm) == NULL)
		memset(tm, 0, sizeof(*tm));
}

/* Day number (days since 1970-01-01) of a proleptic Gregorian date. */
static int64_t
al_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
al_file_name(int64_t day, char name[AL_NAME_BUF])
{
	struct tm tm;

	al_civil(day, &tm);
	snprintf(name, AL_NAME_BUF, "access-%04d-%02d-%02d.jsonl",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The day of a log file name, or -1 if it is not exactly our form. */
static int
al_parse_name(const char *name, int64_t *day)
{
	char canon[AL_NAME_BUF];
	int y, m, d;

	if (strlen(name) != AL_NAME_LEN ||
	    sscanf(name, "access-%4d-%2d-%2d.jsonl", &y, &m, &d) != 3 ||
	    y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*day = al_days_from_civil(y, m, d);
	al_file_name(*day, canon);
	return strcmp(name, canon) == 0 ? 0 : -1;
}

/* ---- one line ---- */

static void
al_put(struct al_line *l, const char *p, size_t n)
{
	if (n > sizeof(l->buf) - l->len)
		abort();		/* the caps make this impossible */
	memcpy(l->buf + l->len, p, n);
	l->len += n;
}

static void al_fmt(struct al_line *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
al_fmt(struct al_line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(l->buf) - l->len)
		abort();
	l->len += (size_t)n;
}

/* A JSON string of at most cap bytes of s (NULL is ""), ASCII only. */
static void
al_put_str(struct al_line *l, const char *s, size_t cap)
{
	unsigned char c;
	size_t i;

	al_put(l, "\"", 1);
	for (i = 0; s != NULL && i < cap && s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			al_put(l, "\\", 1);
			al_put(l, s + i, 1);
		} else if (c < 0x20 || c == 0x7f)
			al_fmt(l, "\\u%04x", c);
		else if (c >= 0x80)
			al_put(l, "?", 1);
		else
			al_put(l, s + i, 1);
	}
	al_put(l, "\"", 1);
}

static void
al_format(struct al_line *l, const struct accesslog_entry *e, int64_t ms)
{
	struct tm tm;

	al_civil(ms / AL_MS_PER_DAY, &tm);
	l->len = 0;
	al_fmt(l, "{\"timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    (int)(ms % AL_MS_PER_DAY / 3600000), (int)(ms % 3600000 / 60000),
	    (int)(ms % 60000 / 1000), (int)(ms % 1000));
	al_put(l, ",\"source_ip\":", 13);
	al_put_str(l, e->source_ip, AL_CAP_IP);
	if (e->instance_id != NULL) {
		al_put(l, ",\"instance_id\":", 15);
		al_put_str(l, e->instance_id, AL_CAP_ID);
	}
	if (e->subject != NULL) {
		al_put(l, ",\"subject\":", 11);
		al_put_str(l, e->subject, AL_CAP_SUBJECT);
	}
	if (e->subject_key != NULL) {
		al_put(l, ",\"subject_key\":", 15);
		al_put_str(l, e->subject_key, AL_CAP_ID);
	}
	al_put(l, ",\"http_method\":", 15);
	al_put_str(l, e->method, AL_CAP_METHOD);
	al_fmt(l, ",\"http_status\":%d,\"sql_byte_length\":%lld,"
	    "\"user_agent\":", e->status, (long long)e->sql_bytes);
	al_put_str(l, e->user_agent, AL_CAP_UA);
	al_put(l, "}\n", 2);
}

/* ---- the file ---- */

static void al_fail(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Log the first failure of a run of failures; errno if with_errno. */
static void
al_fail(int with_errno, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (al_failing)
		return;
	al_failing = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (with_errno)
		log_warn("access log %s/%s (further errors not logged)",
		    al_dirname, msg);
	else
		log_warnx("access log %s/%s (further errors not logged)",
		    al_dirname, msg);
}

static int
al_reopen(int64_t day)
{
	char name[AL_NAME_BUF];

	if (al_fd != -1)
		close(al_fd);
	al_file_name(day, name);
	al_fd = openat(al_dirfd, name, O_WRONLY | O_APPEND | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (al_fd == -1) {
		al_fail(1, "%s: open", name);
		return -1;
	}
	al_day = day;
	return 0;
}

void
accesslog_write(const struct accesslog_entry *e)
{
	struct al_line l;
	int64_t ms = e->time_ms < 0 ? 0 : e->time_ms;

	if (al_dirfd == -1)
		return;
	if ((al_fd == -1 || ms / AL_MS_PER_DAY != al_day) &&
	    al_reopen(ms / AL_MS_PER_DAY) == -1)
		return;
	al_format(&l, e, ms);
	/* O_APPEND, and the front end is the only writer: a line is one
	 * write(2) unless the disk is nearly full, and then its tail
	 * follows at once rather than being lost. */
	if (ipc_write_all(al_fd, l.buf, l.len) == -1)
		al_fail(1, "access-*.jsonl: write");
	else
		al_failing = 0;
}

/* ---- retention ---- */

void
accesslog_expire(int64_t now_s, int days)
{
	struct dirent *de;
	DIR *dir;
	int64_t cutoff, day;
	int fd;

	if (al_dirfd == -1)
		return;
	cutoff = (now_s < 0 ? 0 : now_s) / 86400 - (days < 0 ? 0 : days);
	fd = openat(al_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (dir = fdopendir(fd)) == NULL) {
		log_warn("access log %s: expire", al_dirname);
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (al_parse_name(de->d_name, &day) == -1 || day >= cutoff)
			continue;
		if (unlinkat(al_dirfd, de->d_name, 0) == -1)
			log_warn("access log %s/%s: unlink", al_dirname,
			    de->d_name);
	}
	closedir(dir);
}

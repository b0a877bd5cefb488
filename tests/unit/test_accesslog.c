/*
 * test_accesslog.c: the exact line format, the omitted instance_id,
 * escaping of hostile strings (quotes, control bytes, invalid UTF-8,
 * over-long values), date rollover, once-only failure warnings, and
 * retention (old files deleted, recent and unrelated ones kept).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accesslog.h"
#include "unit.h"

#define T_MS		1795461721123LL	/* 2026-11-23T19:22:01.123Z */
#define DAY_MS		86400000LL
#define UUID		"0190f3a2-7b1c-7d4e-8f00-0123456789ab"

static char	tmproot[] = "/tmp/test_accesslog.XXXXXX";
static char	logdir[256];

/* Whole file logdir/name into buf (NUL-terminated); length or -1. */
static long
slurp(const char *name, char *buf, size_t size)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", logdir, name);
	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (long)n;
}

static int
exists(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", logdir, name);
	return access(path, F_OK) == 0;
}

static void
touch(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", logdir, name);
	CHECK((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	if (fd != -1)
		close(fd);
}

static int
count_char(const char *s, char c)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static void
test_open(void)
{
	struct stat st;

	snprintf(logdir, sizeof(logdir), "%s/logs", tmproot);
	CHECK_INT(accesslog_open(logdir), 0);
	CHECK_INT(stat(logdir, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0700);
	CHECK_INT(accesslog_open(logdir), 0);	/* existing dir is fine */
}

static void
test_format(void)
{
	struct accesslog_entry e = {
		.time_ms = T_MS, .source_ip = "203.0.113.5",
		.instance_id = UUID, .method = "POST", .status = 200,
		.sql_bytes = 12, .user_agent = "curl/8",
	};
	char buf[8192];
	struct stat st;
	char path[512];

	accesslog_write(&e);
	e.time_ms = T_MS - 19LL * 3600000 - 22 * 60000 - 1123; /* midnight */
	e.instance_id = NULL;
	e.user_agent = NULL;
	e.method = "GET";
	e.status = 404;
	e.sql_bytes = 0;
	e.source_ip = "2001:db8::1";
	accesslog_write(&e);
	CHECK(slurp("access-2026-11-23.jsonl", buf, sizeof(buf)) > 0);
	CHECK_STR(buf,
	    "{\"timestamp\":\"2026-11-23T19:22:01.123Z\","
	    "\"source_ip\":\"203.0.113.5\","
	    "\"instance_id\":\"" UUID "\","
	    "\"http_method\":\"POST\",\"http_status\":200,"
	    "\"sql_byte_length\":12,\"user_agent\":\"curl/8\"}\n"
	    "{\"timestamp\":\"2026-11-23T00:00:00.000Z\","
	    "\"source_ip\":\"2001:db8::1\","
	    "\"http_method\":\"GET\",\"http_status\":404,"
	    "\"sql_byte_length\":0,\"user_agent\":\"\"}\n");
	snprintf(path, sizeof(path), "%s/access-2026-11-23.jsonl", logdir);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
}

static void
test_escaping(void)
{
	struct accesslog_entry e = {
		.time_ms = T_MS + DAY_MS * 100, .source_ip = "1.2.3.4\"x",
		.instance_id = NULL, .method = "P\"O\\ST\r\n", .status = 400,
		.sql_bytes = 8192,
		.user_agent = "a\"b\\c\x01\x1f\x7f\t\n\xff\xc3\xa9\xed\xa0\x80"
		    "\xc0\xafz}{",
	};
	char buf[8192], ua[1000], method[100], *p;
	size_t i;

	accesslog_write(&e);
	CHECK(slurp("access-2027-03-03.jsonl", buf, sizeof(buf)) > 0);
	CHECK_STR(buf,
	    "{\"timestamp\":\"2027-03-03T19:22:01.123Z\","
	    "\"source_ip\":\"1.2.3.4\\\"x\","
	    "\"http_method\":\"P\\\"O\\\\ST\\u000d\\u000a\","
	    "\"http_status\":400,\"sql_byte_length\":8192,"
	    "\"user_agent\":\"a\\\"b\\\\c\\u0001\\u001f\\u007f\\u0009"
	    "\\u000a????????z}{\"}\n");

	/* Caps: user agent 256 bytes, method 32. */
	memset(ua, 'u', sizeof(ua) - 1);
	ua[sizeof(ua) - 1] = '\0';
	memset(method, 'M', sizeof(method) - 1);
	method[sizeof(method) - 1] = '\0';
	e.user_agent = ua;
	e.method = method;
	e.source_ip = "::1";
	e.time_ms += DAY_MS;
	accesslog_write(&e);
	CHECK(slurp("access-2027-03-04.jsonl", buf, sizeof(buf)) > 0);
	CHECK((p = strstr(buf, "\"user_agent\":\"")) != NULL);
	if (p != NULL) {
		p += strlen("\"user_agent\":\"");
		CHECK_INT(strspn(p, "u"), 256);
		CHECK_STR(p + 256, "\"}\n");
	}
	CHECK((p = strstr(buf, "\"http_method\":\"")) != NULL);
	if (p != NULL)
		CHECK_INT(strspn(p + strlen("\"http_method\":\""), "M"), 32);

	/* Every byte of a hostile line is printable ASCII, one line. */
	for (i = 0; i < sizeof(ua) - 1; i++)
		ua[i] = (char)(i % 255 + 1);
	e.time_ms += DAY_MS;
	accesslog_write(&e);
	CHECK(slurp("access-2027-03-05.jsonl", buf, sizeof(buf)) > 0);
	for (i = 0; buf[i] != '\0' && buf[i + 1] != '\0'; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			break;
	CHECK_INT(i, strlen(buf) - 1);
	CHECK_INT(count_char(buf, '\n'), 1);
}

static void
test_rollover(void)
{
	struct accesslog_entry e = {
		.source_ip = "192.0.2.1", .method = "POST", .status = 200,
	};
	char buf[8192];

	e.time_ms = 1798761599999LL;	/* 2026-12-31T23:59:59.999Z */
	accesslog_write(&e);
	e.time_ms++;			/* 2027-01-01T00:00:00.000Z */
	accesslog_write(&e);
	accesslog_write(&e);
	e.time_ms -= 10;		/* a clock step back reopens the old */
	accesslog_write(&e);
	CHECK(slurp("access-2026-12-31.jsonl", buf, sizeof(buf)) > 0);
	CHECK_INT(count_char(buf, '\n'), 2);
	CHECK(strstr(buf, "\"2026-12-31T23:59:59.999Z\"") != NULL);
	CHECK(slurp("access-2027-01-01.jsonl", buf, sizeof(buf)) > 0);
	CHECK_INT(count_char(buf, '\n'), 2);
	CHECK(strstr(buf, "\"timestamp\":\"2027-01-01T00:00:00.000Z\"") ==
	    buf + 1);
}

/* Run the writes with stderr captured; return the warning count. */
static int
warnings_during(const struct accesslog_entry *e, int n)
{
	char path[512], buf[4096];
	int fd, saved, i, w = 0;
	char *p;

	snprintf(path, sizeof(path), "%s/stderr", tmproot);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	saved = dup(2);
	dup2(fd, 2);
	for (i = 0; i < n; i++)
		accesslog_write(e);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	i = (int)read(fd, buf, sizeof(buf) - 1);
	buf[i < 0 ? 0 : i] = '\0';
	close(fd);
	for (p = buf; (p = strstr(p, "warning")) != NULL; p++)
		w++;
	return w;
}

static void
test_failure(void)
{
	struct accesslog_entry e = {
		.time_ms = T_MS + 2 * DAY_MS, .source_ip = "192.0.2.1",
		.method = "POST", .status = 200,
	};
	char path[512];

	/* A directory where the day's file should be: open fails. */
	snprintf(path, sizeof(path), "%s/access-2026-11-25.jsonl", logdir);
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(warnings_during(&e, 5), 1);
	e.time_ms -= DAY_MS;
	CHECK_INT(warnings_during(&e, 1), 0);	/* works again */
	e.time_ms += DAY_MS;
	CHECK_INT(warnings_during(&e, 3), 1);	/* a new run of failures */
	CHECK_INT(rmdir(path), 0);
	CHECK_INT(warnings_during(&e, 1), 0);
	CHECK(exists("access-2026-11-25.jsonl"));
}

static void
test_expire(void)
{
	static const char *keep[] = {
		"access-2026-11-16.jsonl", "access-2026-11-23.jsonl",
		"access-2026-11-25.jsonl", "access-2027-01-01.jsonl",
		"other.txt", "access-2026-13-01.jsonl",
		"access-2026-02-30.jsonl", "access-2026-11-01.jsonl.bak",
		"access-2026-1-01.jsonl", "Access-2026-11-01.jsonl",
		"access-+026-11-01.jsonl", "access-2026-11-01.json",
	};
	static const char *gone[] = {
		"access-2026-11-15.jsonl", "access-2026-11-10.jsonl",
		"access-2025-01-01.jsonl", "access-1970-01-01.jsonl",
	};
	size_t i;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		touch(keep[i]);
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		touch(gone[i]);
	accesslog_expire(T_MS / 1000, 7);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (!exists(keep[i])) {
			fprintf(stderr, "expire removed %s\n", keep[i]);
			CHECK(0);
		}
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		if (exists(gone[i])) {
			fprintf(stderr, "expire kept %s\n", gone[i]);
			CHECK(0);
		}
	/* Today's file survives even 0 days of retention. */
	accesslog_expire(T_MS / 1000, 0);
	CHECK(exists("access-2026-11-23.jsonl"));
	CHECK(!exists("access-2026-11-16.jsonl"));
}

static void
test_closed(void)
{
	struct accesslog_entry e = {
		.time_ms = T_MS + 40 * DAY_MS, .source_ip = "192.0.2.1",
		.method = "GET", .status = 200,
	};

	accesslog_close();
	accesslog_write(&e);			/* a no-op, no crash */
	accesslog_expire(T_MS / 1000, 0);
	CHECK(!exists("access-2027-01-02.jsonl"));
	accesslog_close();
}

static void
test_setup(void)
{
	CHECK(mkdtemp(tmproot) != NULL);
}

static void
test_cleanup(void)
{
	accesslog_close();
	CHECK_INT(unit_rmtree(tmproot), 0);
	CHECK(access(tmproot, F_OK) == -1);
}

UNIT_MAIN(test_setup, test_open, test_format, test_escaping, test_rollover,
    test_failure, test_expire, test_closed, test_cleanup)

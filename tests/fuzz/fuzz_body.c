/*
 * fuzz_body.c: what the front end does with a POST /sql body
 * (frontend_sql_body: cJSON parse, object check, \u0000 refusal, the
 * "sql" member; then the keyword scan, as sql_post does).
 *
 * The first input byte picks how the rest becomes a body:
 *   0: the rest is the body, raw;
 *   1: {"sql":<the rest encoded by json_add_string>} (our encoder);
 *   2: {"sql":"<the rest, with '"' and '\' dropped>"}, raw bytes
 *      between the quotes (control bytes, NUL, invalid UTF-8);
 *   3: {"args":[1],"sql":"<as 2>","x":{}} (member order, extras).
 * Invariants:
 *   - the result is 0 with a non-empty NUL-terminated SQL text, or -1
 *     with one of the three documented messages;
 *   - a body with a \u0000 escape (escape-aware) is never accepted;
 *   - the SQL handed on is the whole string the client sent: in mode 1,
 *     valid UTF-8 without NUL comes back byte for byte, and NUL is
 *     refused; in modes 2 and 3 an accepted body gives exactly the bytes
 *     between the quotes (no silent cut, e.g. at a raw NUL byte);
 *   - keyword_scan returns NULL or a non-empty name.
 */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "frontend.h"
#include "fuzz.h"
#include "json.h"
#include "keyword.h"

#define MAX_BODY	(64 * 1024)

/* Build the body for `mode`; *expect gets the raw string bytes (2, 3). */
static void
make_body(struct buf *b, struct buf *expect, int mode, const uint8_t *p,
    size_t n)
{
	size_t i;

	switch (mode) {
	case 0:
		buf_add(b, p, n);
		return;
	case 1:
		buf_adds(b, "{\"sql\":");
		json_add_string(b, (const char *)p, n);
		buf_addc(b, '}');
		return;
	default:
		for (i = 0; i < n; i++)
			if (p[i] != '"' && p[i] != '\\')
				buf_addc(expect, (char)p[i]);
		buf_adds(b, mode == 2 ? "{\"sql\":\"" : "{\"args\":[1],\"sql\":\"");
		buf_add(b, expect->data, expect->len);
		buf_adds(b, mode == 2 ? "\"}" : "\",\"x\":{}}");
	}
}

static void
check_ok(int mode, const uint8_t *p, size_t n, const struct buf *expect,
    const char *sql)
{
	size_t len = strlen(sql);
	const char *kw;

	FUZZ_CHECK(len > 0);
	if (mode == 1) {
		FUZZ_CHECK(memchr(p, '\0', n) == NULL);
		if (fuzz_utf8_valid(p, n))
			FUZZ_CHECK(len == n && memcmp(sql, p, n) == 0);
		else
			FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)sql,
			    len));
	} else if (mode >= 2) {
		if (len != expect->len || memcmp(sql, expect->data, len) != 0)
			FUZZ_FAIL("sql is %zu bytes, the body's string %zu",
			    len, expect->len);
	}
	kw = keyword_scan(sql, len);
	FUZZ_CHECK(kw == NULL || kw[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b, expect;
	const char *sql = NULL, *msg = NULL;
	struct cJSON *root = NULL;
	char *body;
	int mode, rc;

	if (size < 1 || size > MAX_BODY)
		return 0;
	mode = data[0] & 3;
	buf_init(&b);
	buf_init(&expect);
	make_body(&b, &expect, mode, data + 1, size - 1);
	/* As conn_body hands it over: len bytes and a NUL. */
	body = fuzz_strdup((const uint8_t *)(b.data ? b.data : ""), b.len);
	rc = frontend_sql_body(body, b.len, &root, &sql, &msg);
	if (rc == 0) {
		FUZZ_CHECK(root != NULL && sql != NULL);
		/* The SQL holds no NUL (jparse keeps a string's length in
		 * valueint); \u0000 elsewhere, in an args text, may pass. */
		FUZZ_CHECK(strlen(sql) == (size_t)cJSON_GetObjectItemCaseSensitive(
		    root, "sql")->valueint);
		check_ok(mode, data + 1, size - 1, &expect, sql);
	} else {
		FUZZ_CHECK(rc == -1 && msg != NULL);
		FUZZ_CHECK(strcmp(msg, "invalid json") == 0 ||
		    strcmp(msg, "sql contains NUL byte") == 0 ||
		    strcmp(msg, "missing sql") == 0);
		if (mode == 1 && size > 1 && memchr(data + 1, '\0', size - 1))
			FUZZ_CHECK(strcmp(msg, "sql contains NUL byte") == 0);
	}
	cJSON_Delete(root);
	free(body);
	buf_free(&b);
	buf_free(&expect);
	return 0;
}

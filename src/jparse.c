/*
 * jparse.c: the strict JSON parser (see jparse.h). Front end.
 *
 * One pass of recursive descent over a bounded text, never reading past
 * len. The whole text is checked as UTF-8 first (json_utf8_valid), so
 * the grammar below only deals in ASCII outside strings and copies
 * string bytes through unchanged. Strings are scanned once to find
 * their end (raw control bytes refused there) and decoded into a buffer
 * of the raw length, which is never shorter than the decoded one.
 *
 * The tree is made of cJSON's own items (cJSON_Create*), with the
 * strings jparse allocates hung on them, so cJSON_Delete frees it all.
 * Duplicate keys are found once an object is complete: pairwise for a
 * few members, by sorting the key pointers for more, so a hostile object
 * of many members costs n log n, not n^2.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jparse.h"
#include "json.h"
#include "log.h"

/* Up to this many members, duplicate keys are found pairwise. */
#define JPARSE_PAIRWISE	8

struct jp {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 max_depth;
	const char		*why;
};

static cJSON	*jp_value(struct jp *j, int depth);

/* Record the first reason only: inner failures say what went wrong. */
static cJSON *
jp_fail(struct jp *j, const char *why)
{
	if (j->why == NULL)
		j->why = why;
	return NULL;
}

static cJSON *
jp_item(cJSON *it)
{
	if (it == NULL)
		fatalx("jparse: out of memory");
	return it;
}

static void *
jp_alloc(size_t n)
{
	void *p = cJSON_malloc(n);

	if (p == NULL)
		fatalx("jparse: out of memory");
	return p;
}

static void
jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
jp_digit(const struct jp *j, const unsigned char *q)
{
	return q < j->end && *q >= '0' && *q <= '9';
}

static int
jp_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 4 hex digits at q (before end) as a code unit, or -1. */
static long
jp_hex4(const unsigned char *q, const unsigned char *end)
{
	long v = 0;
	int i, h;

	if (end - q < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = jp_hexval(q[i])) < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

static size_t
jp_put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decode the \u escape at *qp (pointing at the 'u') of a string ending
 * at end into o; advances *qp past it. Returns bytes written, or 0.
 */
static size_t
jp_unicode(const unsigned char **qp, const unsigned char *end, char *o)
{
	const unsigned char *q = *qp + 1;
	long hi, lo;

	if ((hi = jp_hex4(q, end)) < 0)
		return 0;
	q += 4;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return 0;			/* low surrogate first */
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (end - q < 6 || q[0] != '\\' || q[1] != 'u' ||
		    (lo = jp_hex4(q + 2, end)) < 0xdc00 || lo > 0xdfff)
			return 0;		/* lone high surrogate */
		q += 6;
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	*qp = q;
	return jp_put_utf8(o, (unsigned long)hi);
}

/* One escape at *qp (pointing after the '\\'); bytes written, or 0. */
static size_t
jp_escape(const unsigned char **qp, const unsigned char *end, char *o,
    const char **why)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	size_t n;

	if (**qp == 'u') {
		if ((n = jp_unicode(qp, end, o)) == 0)
			*why = jp_hex4(*qp + 1, end) < 0 ? "bad escape" :
			    "bad surrogate";
		return n;
	}
	if (**qp == '\0' || (k = strchr(from, **qp)) == NULL) {
		*why = "bad escape";
		return 0;
	}
	*o = to[k - from];
	(*qp)++;
	return 1;
}

/*
 * The string whose opening quote is at j->p: a cJSON_malloc'd buffer of
 * its decoded bytes plus a NUL, length in *lenp; NULL on error.
 */
static char *
jp_string(struct jp *j, size_t *lenp)
{
	const unsigned char *q, *s = j->p + 1, *end;
	const char *why = NULL;
	size_t n = 0, k;
	char *o;

	for (q = s; q < j->end && *q != '"'; q++) {
		if (*q < 0x20)
			return (char *)jp_fail(j, "control character in string");
		if (*q == '\\' && ++q == j->end)
			break;
	}
	if (q >= j->end)
		return (char *)jp_fail(j, "unterminated string");
	end = q;
	o = jp_alloc((size_t)(end - s) + 1);
	for (q = s; q < end; ) {
		const unsigned char *bs = memchr(q, '\\', (size_t)(end - q));

		k = (size_t)((bs ? bs : end) - q);
		memcpy(o + n, q, k);
		n += k;
		q += k;
		if (q == end)
			break;
		q++;
		if ((k = jp_escape(&q, end, o + n, &why)) == 0) {
			cJSON_free(o);
			return (char *)jp_fail(j, why);
		}
		n += k;
	}
	if (n > INT_MAX) {
		cJSON_free(o);
		return (char *)jp_fail(j, "string too long");
	}
	o[n] = '\0';
	*lenp = n;
	j->p = end + 1;
	return o;
}

static cJSON *
jp_string_item(struct jp *j)
{
	cJSON *it;
	size_t n;
	char *s;

	if ((s = jp_string(j, &n)) == NULL)
		return NULL;
	/* A zeroed item made a string: cJSON_CreateString would strdup and
	 * stop at an embedded NUL. */
	it = jp_item(cJSON_CreateNull());
	it->type = cJSON_String;
	it->valuestring = s;
	it->valueint = (int)n;
	return it;
}

/* The digits of RFC 8259's number grammar at q; the first non-digit. */
static const unsigned char *
jp_digits(const struct jp *j, const unsigned char *q)
{
	while (jp_digit(j, q))
		q++;
	return q;
}

static cJSON *
jp_number(struct jp *j)
{
	const unsigned char *q = j->p;
	cJSON *it;
	size_t n;
	char *text;

	if (q < j->end && *q == '-')
		q++;
	if (!jp_digit(j, q))
		return jp_fail(j, "bad number");
	q = *q == '0' ? q + 1 : jp_digits(j, q);
	if (q < j->end && *q == '.') {
		if (!jp_digit(j, ++q))
			return jp_fail(j, "bad number");
		q = jp_digits(j, q);
	}
	if (q < j->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < j->end && (*q == '+' || *q == '-'))
			q++;
		if (!jp_digit(j, q))
			return jp_fail(j, "bad number");
		q = jp_digits(j, q);
	}
	/* "01", "1.2.3", "1x": the number ran into more number-like text. */
	if (q < j->end && (jp_digit(j, q) || *q == '.' || *q == '+' ||
	    *q == '-' || ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'z')))
		return jp_fail(j, "bad number");
	n = (size_t)(q - j->p);
	text = jp_alloc(n + 1);
	memcpy(text, j->p, n);
	text[n] = '\0';
	/* The process never calls setlocale: strtod reads '.' ("C"). */
	it = jp_item(cJSON_CreateNumber(strtod(text, NULL)));
	it->valuestring = text;
	j->p = q;
	return it;
}

static cJSON *
jp_literal(struct jp *j)
{
	static const struct {
		const char	*word;
		size_t		 len;
		int		 type;
	} lit[] = {
		{ "true", 4, cJSON_True },
		{ "false", 5, cJSON_False },
		{ "null", 4, cJSON_NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(lit) / sizeof(lit[0]); i++) {
		if ((size_t)(j->end - j->p) >= lit[i].len &&
		    memcmp(j->p, lit[i].word, lit[i].len) == 0) {
			j->p += lit[i].len;
			if (lit[i].type == cJSON_True)
				return jp_item(cJSON_CreateTrue());
			if (lit[i].type == cJSON_False)
				return jp_item(cJSON_CreateFalse());
			return jp_item(cJSON_CreateNull());
		}
	}
	return jp_fail(j, "expected a value");
}

static cJSON *
jp_array(struct jp *j, int depth)
{
	cJSON *a, *it;

	if (depth >= j->max_depth)
		return jp_fail(j, "too deep");
	a = jp_item(cJSON_CreateArray());
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return a;
	}
	for (;;) {
		if ((it = jp_value(j, depth + 1)) == NULL)
			break;
		cJSON_AddItemToArray(a, it);
		jp_ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return a;
		}
		if (j->p >= j->end || *j->p != ',') {
			jp_fail(j, "expected ',' or ']'");
			break;
		}
		j->p++;
	}
	cJSON_Delete(a);
	return NULL;
}

/*
 * Sort keys in place: a heapsort, not qsort. glibc's qsort asks
 * sysconf(_SC_PHYS_PAGES) (the sysinfo system call) before sorting a
 * large array, which the front end's seccomp filter does not allow: a
 * body with 2,000 keys killed the front end with SIGSYS
 * (tests/hostile/json_bodies.py). O(n log n), no allocation.
 */
static void
jp_sift(char **k, size_t root, size_t n)
{
	size_t child;
	char *t;

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n && strcmp(k[child], k[child + 1]) < 0)
			child++;
		if (strcmp(k[root], k[child]) >= 0)
			return;
		t = k[root];
		k[root] = k[child];
		k[child] = t;
		root = child;
	}
}

static void
jp_sort(char **k, size_t n)
{
	size_t i;
	char *t;

	for (i = n / 2; i-- > 0; )
		jp_sift(k, i, n);
	for (i = n; i-- > 1; ) {
		t = k[0];
		k[0] = k[i];
		k[i] = t;
		jp_sift(k, 0, i);
	}
}

/* Nonzero if two of o's n members have the same key (no NUL in keys). */
static int
jp_dupkeys(const cJSON *o, size_t n)
{
	const cJSON *a, *b;
	char **keys;
	size_t i;
	int dup = 0;

	if (n <= JPARSE_PAIRWISE) {
		for (a = o->child; a != NULL; a = a->next)
			for (b = a->next; b != NULL; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return 1;
		return 0;
	}
	if ((keys = malloc(n * sizeof(*keys))) == NULL)
		fatalx("jparse: out of memory");
	for (i = 0, a = o->child; a != NULL; a = a->next)
		keys[i++] = a->string;
	jp_sort(keys, n);
	for (i = 1; i < n && !dup; i++)
		dup = strcmp(keys[i - 1], keys[i]) == 0;
	free(keys);
	return dup;
}

/* One "key": value member of an object, or NULL. */
static cJSON *
jp_member(struct jp *j, int depth)
{
	cJSON *it;
	size_t n;
	char *key;

	jp_ws(j);
	if (j->p >= j->end || *j->p != '"')
		return jp_fail(j, "expected a key");
	if ((key = jp_string(j, &n)) == NULL)
		return NULL;
	if (memchr(key, '\0', n) != NULL) {
		cJSON_free(key);
		return jp_fail(j, "NUL in key");
	}
	jp_ws(j);
	if (j->p >= j->end || *j->p != ':') {
		cJSON_free(key);
		return jp_fail(j, "expected ':'");
	}
	j->p++;
	if ((it = jp_value(j, depth)) == NULL) {
		cJSON_free(key);
		return NULL;
	}
	it->string = key;
	return it;
}

static cJSON *
jp_object(struct jp *j, int depth)
{
	cJSON *o, *it;
	size_t n = 0;

	if (depth >= j->max_depth)
		return jp_fail(j, "too deep");
	o = jp_item(cJSON_CreateObject());
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return o;
	}
	for (;;) {
		if ((it = jp_member(j, depth + 1)) == NULL)
			break;
		cJSON_AddItemToArray(o, it);
		n++;
		jp_ws(j);
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			if (!jp_dupkeys(o, n))
				return o;
			jp_fail(j, "duplicate key");
			break;
		}
		if (j->p >= j->end || *j->p != ',') {
			jp_fail(j, "expected ',' or '}'");
			break;
		}
		j->p++;
	}
	cJSON_Delete(o);
	return NULL;
}

/* depth: how many arrays and objects enclose this value. */
static cJSON *
jp_value(struct jp *j, int depth)
{
	jp_ws(j);
	if (j->p >= j->end)
		return jp_fail(j, "expected a value");
	switch (*j->p) {
	case '{':
		return jp_object(j, depth);
	case '[':
		return jp_array(j, depth);
	case '"':
		return jp_string_item(j);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return jp_number(j);
	case '+': case '.': case 'N': case 'I':
		return jp_fail(j, "bad number");
	default:
		return jp_literal(j);
	}
}

cJSON *
jparse(const char *s, size_t len, int max_depth, const char **why)
{
	struct jp j;
	cJSON *root = NULL;

	j.p = (const unsigned char *)(s != NULL ? s : "");
	j.end = j.p + (s != NULL ? len : 0);
	j.max_depth = max_depth;
	j.why = NULL;
	if (!json_utf8_valid((const char *)j.p, (size_t)(j.end - j.p)))
		jp_fail(&j, "invalid UTF-8");
	else {
		if (j.end - j.p >= 3 && memcmp(j.p, "\xef\xbb\xbf", 3) == 0)
			j.p += 3;
		root = jp_value(&j, 0);
		jp_ws(&j);
		if (root != NULL && j.p != j.end) {
			cJSON_Delete(root);
			root = jp_fail(&j, "trailing data");
		}
	}
	if (why != NULL)
		*why = root != NULL ? NULL : j.why;
	return root;
}

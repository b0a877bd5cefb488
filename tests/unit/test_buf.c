/*
 * test_buf.c: the growable buffer: init, add/addc/adds/printf, cstr
 * (NUL written, not counted), reset keeping memory, free, growth to
 * several MB with the contents intact, and printf output longer than
 * any initial capacity.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unit.h"

#define BIG	(5 * 1024 * 1024 + 17)

static void
test_init_free(void)
{
	struct buf b;

	memset(&b, 0xa5, sizeof(b));
	buf_init(&b);
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
	buf_free(&b);				/* freeing an empty buf is fine */
	CHECK(b.data == NULL);
	buf_adds(&b, "x");
	CHECK(b.data != NULL);
	buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
	buf_free(&b);				/* and twice */
	CHECK(b.data == NULL);
}

static void
test_add(void)
{
	struct buf b;
	static const char bin[] = { 'a', '\0', 'b', '\xff' };

	buf_init(&b);
	buf_add(&b, "hello", 5);
	CHECK_INT(b.len, 5);
	CHECK(b.cap > b.len);
	CHECK(memcmp(b.data, "hello", 5) == 0);
	buf_add(&b, NULL, 0);			/* a no-op */
	buf_add(&b, "", 0);
	CHECK_INT(b.len, 5);
	buf_addc(&b, ',');
	buf_addc(&b, ' ');
	buf_adds(&b, "world");
	buf_adds(&b, "");
	CHECK_INT(b.len, 12);
	CHECK_STR(buf_cstr(&b), "hello, world");
	CHECK_INT(b.len, 12);
	/* Binary bytes, including NUL, go in as they are. */
	buf_add(&b, bin, sizeof(bin));
	buf_addc(&b, '\0');
	CHECK_INT(b.len, 17);
	CHECK(memcmp(b.data + 12, bin, sizeof(bin)) == 0);
	CHECK_INT(b.data[16], '\0');
	buf_free(&b);
}

static void
test_cstr(void)
{
	struct buf b;
	char *s;

	buf_init(&b);
	s = buf_cstr(&b);			/* empty: "" and len 0 */
	CHECK(s != NULL);
	CHECK_STR(s, "");
	CHECK_INT(b.len, 0);
	buf_adds(&b, "abc");
	s = buf_cstr(&b);
	CHECK(s == b.data);
	CHECK_INT(b.len, 3);
	CHECK_INT(strlen(s), 3);
	CHECK_INT(s[3], '\0');
	/* cstr twice does not add a second NUL to the content. */
	buf_cstr(&b);
	CHECK_INT(b.len, 3);
	buf_addc(&b, 'd');
	CHECK_INT(b.len, 4);
	CHECK_STR(buf_cstr(&b), "abcd");
	/* At exactly the capacity boundary, the NUL still fits. */
	buf_reset(&b);
	while (b.len + 1 < b.cap)
		buf_addc(&b, 'z');
	CHECK_INT(b.len + 1, b.cap);
	s = buf_cstr(&b);
	CHECK_INT(strlen(s), b.len);
	CHECK(b.cap > b.len);
	buf_free(&b);
}

static void
test_reset(void)
{
	struct buf b;
	size_t cap;
	char *data;

	buf_init(&b);
	buf_adds(&b, "some text that is here");
	cap = b.cap;
	data = b.data;
	buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, cap);
	CHECK(b.data == data);
	CHECK_STR(buf_cstr(&b), "");
	buf_adds(&b, "new");
	CHECK_STR(buf_cstr(&b), "new");
	CHECK(b.data == data);
	buf_free(&b);
}

static void
test_printf(void)
{
	struct buf b;
	char *big, *want;
	size_t n = 100000;

	buf_init(&b);
	buf_printf(&b, "%d-%s-%c", 42, "x", 'y');
	CHECK_STR(buf_cstr(&b), "42-x-y");
	CHECK_INT(b.len, 6);
	buf_printf(&b, "%s", "");
	CHECK_INT(b.len, 6);
	buf_printf(&b, "|%lld|%zu", -9223372036854775807LL - 1,
	    (size_t)SIZE_MAX);
	CHECK_INT(b.len, strlen(b.data));
	CHECK_STR(buf_cstr(&b), "42-x-y|-9223372036854775808|"
	    "18446744073709551615");

	/* Output much longer than the current capacity. */
	big = malloc(n + 1);
	want = malloc(n + 16);
	CHECK(big != NULL && want != NULL);
	if (big == NULL || want == NULL)
		goto out;
	memset(big, 'q', n);
	big[n] = '\0';
	buf_reset(&b);
	buf_adds(&b, "<");
	buf_printf(&b, "%s>%05d", big, 7);
	snprintf(want, n + 16, "<%s>%05d", big, 7);
	CHECK_INT(b.len, n + 7);
	CHECK(memcmp(b.data, want, n + 7) == 0);
	CHECK_STR(buf_cstr(&b), want);
	/* Padding alone can make it long. */
	buf_reset(&b);
	buf_printf(&b, "%*d", 70000, 1);
	CHECK_INT(b.len, 70000);
	CHECK_INT(b.data[0], ' ');
	CHECK_INT(b.data[69999], '1');
out:
	free(big);
	free(want);
	buf_free(&b);
}

static void
test_growth(void)
{
	struct buf b;
	size_t i, bad = 0;
	char chunk[4099], *p;

	buf_init(&b);
	/* Byte by byte past 1 MiB. */
	for (i = 0; i < 1100000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	CHECK_INT(b.len, 1100000);
	CHECK(b.cap > b.len);
	for (i = 0; i < b.len; i++)
		if (b.data[i] != (char)('a' + i % 26))
			bad++;
	CHECK_INT(bad, 0);
	/* Odd-sized chunks to several MB. */
	buf_reset(&b);
	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)(i % 251);
	while (b.len + sizeof(chunk) <= BIG)
		buf_add(&b, chunk, sizeof(chunk));
	buf_add(&b, chunk, BIG - b.len);
	CHECK_INT(b.len, BIG);
	CHECK(b.cap > (size_t)BIG);
	for (i = 0, bad = 0; i < b.len; i++)
		if (b.data[i] != (char)((i % sizeof(chunk)) % 251))
			bad++;
	CHECK_INT(bad, 0);
	CHECK_INT(strlen(buf_cstr(&b) + b.len), 0);
	/* One large add in a single step. */
	buf_free(&b);
	p = calloc(1, BIG);
	CHECK(p != NULL);
	if (p != NULL) {
		p[BIG - 1] = 'E';
		buf_add(&b, p, BIG);
		CHECK_INT(b.len, BIG);
		CHECK_INT(b.data[BIG - 1], 'E');
		CHECK(b.cap > (size_t)BIG);
		free(p);
	}
	buf_reserve(&b, 3 * 1024 * 1024);
	CHECK(b.cap >= (size_t)BIG + 3 * 1024 * 1024 + 1);
	CHECK_INT(b.len, BIG);
	buf_free(&b);
}

UNIT_MAIN(test_init_free, test_add, test_cstr, test_reset, test_printf,
    test_growth)

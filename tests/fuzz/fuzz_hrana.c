/*
 * fuzz_hrana.c: a Hrana pipeline body (bytes off the wire) through the
 * front end's decoder: hranadec_parse, then hranadec_program with a
 * stream's stored-SQL store, twice (a second pipeline on the same
 * stream sees what the first stored).
 *
 * Invariants: each call returns 0, or -1 with a message; a parse that
 * succeeds gives a tree; the store's byte counter always equals the sum
 * of its texts and stays within HRANADEC_SQL_BYTES, its count within
 * HRANADEC_SQL_COUNT; freeing the store brings the counter back to 0;
 * the program is never empty on success (it starts with its u32 count)
 * and is bounded by the input (every entry comes from the body).
 */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fuzz.h"
#include "hranadec.h"

static void
check_store(const struct hranadec_store *s, const size_t *bytes)
{
	size_t sum = 0;
	unsigned k;

	FUZZ_CHECK(s->count <= HRANADEC_SQL_COUNT);
	for (k = 0; k < s->count; k++) {
		FUZZ_CHECK(s->sql[k].text != NULL);
		FUZZ_CHECK(strlen(s->sql[k].text) <= s->sql[k].len);
		sum += s->sql[k].len;
	}
	FUZZ_CHECK(*bytes == sum);
	FUZZ_CHECK(*bytes <= HRANADEC_SQL_BYTES);
}

static void
one_pipeline(const char *body, size_t len, struct hranadec_store *store,
    const size_t *bytes)
{
	const char *baton = NULL, *msg = NULL;
	struct cJSON *root = NULL;
	int64_t sql_bytes = 0;
	struct buf out;
	int rc, closes = 0;

	rc = hranadec_parse(body, len, &root, &baton, &msg);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		FUZZ_CHECK(msg != NULL && root == NULL);
		return;
	}
	FUZZ_CHECK(root != NULL);
	buf_init(&out);
	msg = NULL;
	rc = hranadec_program(root, store, &out, &closes, &sql_bytes, &msg);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1)
		FUZZ_CHECK(msg != NULL);
	else {
		FUZZ_CHECK(out.len >= 4);
		FUZZ_CHECK(sql_bytes >= 0 && (size_t)sql_bytes <= len);
	}
	check_store(store, bytes);
	buf_free(&out);
	cJSON_Delete(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hranadec_store store;
	size_t bytes = 0;
	char *body;

	if (size > 256 * 1024)
		return 0;
	if ((body = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(body, data, size);
	hranadec_store_init(&store, &bytes);
	one_pipeline(body, size, &store, &bytes);
	one_pipeline(body, size, &store, &bytes);
	hranadec_store_free(&store);
	FUZZ_CHECK(bytes == 0);
	free(body);
	return 0;
}

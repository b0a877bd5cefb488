/*
 * fuzz_keyword.c: the front end's keyword layer (keyword_scan).
 *
 * The input is SQL text, handed over in a buffer of exactly its length
 * (no NUL), as the scan takes (sql, len). Invariants:
 *   - the answer is NULL or one of the documented canonical names;
 *   - ASCII case does not matter: the scan of the text with every ASCII
 *     letter's case flipped gives the same answer (quotes, comments and
 *     word boundaries do not depend on case);
 *   - a trip is final: if the text trips on NAME, the text followed by
 *     " " and anything (here: itself) trips on NAME too, because the
 *     first forbidden word depends only on what precedes it and its
 *     own look-ahead for '(', which lies in the text.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "keyword.h"

static const char *const names[] = {
	"ATTACH", "DETACH", "sqlite_dbpage", "load_extension", "readfile",
	"writefile", "edit", "zipfile", "unzip", "fts5_*",
	"fts5_source_id", "fts5_decode", "fts5_decode_none", "fts5_rowid",
	"fts5_structure", "fts5_expr", "fts5_expr_tcl", "fts5_isalnum",
	"fts5_fold", "fts5_locale", "fts5_get_locale", "fts5_insttoken",
};

static int
known(const char *kw)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(kw, names[i]) == 0)
			return 1;
	return 0;
}

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *kw, *kw2;
	char *sql, *flip, *twice;
	size_t i;

	if (size > 16384)
		return 0;
	sql = fuzz_memdup(data, size);
	kw = keyword_scan(sql, size);
	if (kw != NULL && !known(kw))
		FUZZ_FAIL("unknown name \"%s\"", kw);

	flip = fuzz_memdup(data, size);
	for (i = 0; i < size; i++)
		if ((flip[i] >= 'a' && flip[i] <= 'z') ||
		    (flip[i] >= 'A' && flip[i] <= 'Z'))
			flip[i] ^= 0x20;
	kw2 = keyword_scan(flip, size);
	if (!same(kw, kw2))
		FUZZ_FAIL("case flip changed %s to %s", kw ? kw : "(none)",
		    kw2 ? kw2 : "(none)");

	if (kw != NULL) {
		twice = malloc(2 * size + 1);
		if (twice == NULL)
			abort();
		memcpy(twice, data, size);
		twice[size] = ' ';
		memcpy(twice + size + 1, data, size);
		kw2 = keyword_scan(twice, 2 * size + 1);
		if (!same(kw, kw2))
			FUZZ_FAIL("appending changed %s to %s", kw,
			    kw2 ? kw2 : "(none)");
		free(twice);
	}
	free(flip);
	free(sql);
	return 0;
}

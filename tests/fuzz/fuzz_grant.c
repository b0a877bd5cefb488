/*
 * fuzz_grant.c: the dataset grant text (dataset_grant.c), which enters
 * the spawner from a walk-in's meta and the front end from a JWT claim.
 *
 * The input is the grant, copied into a buffer of exactly its length
 * plus the NUL the functions are documented to need (an input with a
 * NUL inside is cut there, as a C string would be). Invariants:
 *   - dataset_grant_valid agrees with a second, independent reading of
 *     the grammar of walkin_spec.h written here (split on ';', ':' and
 *     ','; every name checked character by character; no name twice);
 *   - for a valid grant, each lookup answers what that reading says for
 *     every dataset and table name the grant holds, in both ASCII cases,
 *     for a name no grant can hold (it starts with a digit), and for ""
 *     and "!" as written;
 *   - a valid grant survives the walk-in's meta (registry_meta_format_spec
 *     then registry_meta_parse_spec) byte for byte, and an invalid one
 *     is refused by both;
 *   - nothing reads past the NUL (ASan).
 */
#include <ctype.h>
#include <strings.h>

#include "dataset_grant.h"
#include "fuzz.h"
#include "registry.h"
#include "walkin_spec.h"

#define MAXE	64	/* entries a 511-byte grant can hold, at most 128 */

struct ref_entry {
	char	name[WALKIN_NAME_MAX];
	int	all;
	char	tables[256][WALKIN_NAME_MAX];
	int	nt;
};

static struct ref_entry	ents[256];
static int		nents;

static int
ref_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n >= WALKIN_NAME_MAX ||
	    !(isalpha((unsigned char)p[0]) || p[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '_') ||
		    (unsigned char)p[i] >= 0x80)
			return 0;
	return (unsigned char)p[0] < 0x80;
}

/* The grammar, read a second way; fills ents. 1 if valid. */
static int
ref_valid(const char *g)
{
	const char *e = g, *end, *colon, *t, *comma;
	struct ref_entry *r;
	int i;

	nents = 0;
	if (strlen(g) >= WALKIN_GRANT_MAX)
		return 0;
	if (*g == '\0' || strcmp(g, "!") == 0)
		return 1;
	for (;;) {
		end = strchr(e, ';');
		if (end == NULL)
			end = e + strlen(e);
		colon = memchr(e, ':', (size_t)(end - e));
		if (colon == NULL || !ref_name(e, (size_t)(colon - e)) ||
		    nents >= 256)
			return 0;
		r = &ents[nents];
		memset(r, 0, sizeof(*r));
		memcpy(r->name, e, (size_t)(colon - e));
		for (i = 0; i < nents; i++)
			if (strcasecmp(ents[i].name, r->name) == 0)
				return 0;
		t = colon + 1;
		if (end - t == 1 && *t == '*')
			r->all = 1;
		else
			for (;;) {
				comma = memchr(t, ',', (size_t)(end - t));
				if (comma == NULL)
					comma = end;
				if (!ref_name(t, (size_t)(comma - t)) ||
				    r->nt >= 256)
					return 0;
				memcpy(r->tables[r->nt++], t,
				    (size_t)(comma - t));
				if (comma == end)
					break;
				t = comma + 1;
			}
		nents++;
		if (*end == '\0')
			return 1;
		e = end + 1;
	}
}

static void
flip(char *s)
{
	for (; *s; s++)
		if (isalpha((unsigned char)*s))
			*s = (char)(islower((unsigned char)*s) ?
			    toupper((unsigned char)*s) :
			    tolower((unsigned char)*s));
}

static void
check_entry(const char *g, const struct ref_entry *r)
{
	char name[WALKIN_NAME_MAX], table[WALKIN_NAME_MAX];
	int k, priv;

	for (priv = 0; priv < 2; priv++) {
		snprintf(name, sizeof(name), "%s", r->name);
		flip(name);
		FUZZ_CHECK(dataset_grant_schema(g, r->name, priv) == 1);
		FUZZ_CHECK(dataset_grant_schema(g, name, priv) == 1);
		FUZZ_CHECK(dataset_grant_whole(g, r->name, priv) == r->all);
		FUZZ_CHECK(dataset_grant_table(g, r->name, priv,
		    "0table") == r->all);
		for (k = 0; k < r->nt; k++) {
			snprintf(table, sizeof(table), "%s", r->tables[k]);
			FUZZ_CHECK(dataset_grant_table(g, r->name, priv,
			    table) == 1);
			flip(table);
			FUZZ_CHECK(dataset_grant_table(g, name, priv,
			    table) == 1);
		}
	}
}

static void
check_meta(const char *g, int valid)
{
	char text[REGISTRY_META_MAX], owner[REGISTRY_OWNER_MAX],
	    back[WALKIN_GRANT_MAX];
	int64_t c, e, cap;
	int n;

	n = registry_meta_format_spec(text, sizeof(text), 100, 200, "", 0, g);
	if (!valid || strpbrk(g, " \t\r\n") != NULL) {
		FUZZ_CHECK(n == -1);
		return;
	}
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(registry_meta_parse_spec(text, &c, &e, owner, &cap,
	    back) == 0);
	FUZZ_CHECK(strcmp(back, g) == 0 && cap == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *g;
	int valid, i;

	if ((g = malloc(size + 1)) == NULL)
		return 0;
	memcpy(g, data, size);
	g[size] = '\0';
	valid = dataset_grant_valid(g) == 0;
	if (valid != ref_valid(g))
		FUZZ_FAIL("dataset_grant_valid says %d for \"%s\"", valid, g);
	check_meta(g, valid);
	if (valid) {
		for (i = 0; i < nents; i++)
			check_entry(g, &ents[i]);
		if (nents > 0)
			FUZZ_CHECK(dataset_grant_schema(g,
			    "0dataset", 0) == 0);
		else {
			FUZZ_CHECK(dataset_grant_schema(g, "x", 0) ==
			    (g[0] == '\0'));
			FUZZ_CHECK(dataset_grant_schema(g, "x", 1) == 0);
		}
	}
	free(g);
	return 0;
}

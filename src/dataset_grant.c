/*
 * dataset_grant.c: the grant text of walkin_spec.h (see
 * dataset_grant.h). Shared by the front end, the spawner and the
 * executor.
 *
 * The text comes from a verified JWT claim (front end) or a walk-in's
 * meta (spawner), so it is checked by dataset_grant_valid wherever it
 * enters a process, and the lookups below assume a valid text: they
 * scan it entry by entry and never read past its NUL. A name longer
 * than WALKIN_NAME_MAX - 1 bytes is invalid, so any name compares in a
 * bounded number of steps.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "dataset_grant.h"
#include "walkin_spec.h"

static int
dg_first(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
dg_next(char c)
{
	return dg_first(c) || (c >= '0' && c <= '9');
}

/* Length of the NAME at p, or 0 if there is none or it is too long. */
static size_t
dg_name_len(const char *p)
{
	size_t n;

	if (!dg_first(p[0]))
		return 0;
	for (n = 1; dg_next(p[n]); n++)
		if (n >= WALKIN_NAME_MAX - 1)
			return 0;
	return n;
}

int
dataset_grant_name_ok(const char *name)
{
	size_t n = dg_name_len(name);

	return n > 0 && name[n] == '\0' ? 0 : -1;
}

/* entry = NAME ":" ("*" | TABLE *("," TABLE)); *pp past it, 0 or -1. */
static int
dg_entry(const char **pp)
{
	const char *p = *pp;
	size_t n;

	if ((n = dg_name_len(p)) == 0 || p[n] != ':')
		return -1;
	p += n + 1;
	if (*p == '*') {
		*pp = p + 1;
		return 0;
	}
	for (;;) {
		if ((n = dg_name_len(p)) == 0)
			return -1;
		p += n;
		if (*p != ',')
			break;
		p++;
	}
	*pp = p;
	return 0;
}

static const char *dg_find(const char *, const char *, size_t);

/* A dataset named twice would make the first entry win: refused. */
int
dataset_grant_valid(const char *grant)
{
	const char *p = grant, *e;

	if (grant == NULL || strlen(grant) >= WALKIN_GRANT_MAX)
		return -1;
	if (grant[0] == '\0' || strcmp(grant, "!") == 0)
		return 0;
	for (;;) {
		e = p;
		if (dg_entry(&p) == -1 ||
		    dg_find(grant, e, dg_name_len(e)) != e + dg_name_len(e) + 1)
			return -1;
		if (*p == '\0')
			return 0;
		if (*p++ != ';')
			return -1;
	}
}

/* Does the NAME at p (length n) equal s, case aside? */
static int
dg_is(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && strncasecmp(p, s, n) == 0;
}

/*
 * The first entry of a list grant (valid up to that entry) for the
 * dataset name[0..len): a pointer just past its ':' (at "*" or the
 * first table), or NULL.
 */
static const char *
dg_find(const char *grant, const char *name, size_t len)
{
	const char *p = grant;
	size_t n;

	while (*p != '\0') {
		n = dg_name_len(p);
		if (n == len && strncasecmp(p, name, n) == 0)
			return p + n + 1;
		if ((p = strchr(p, ';')) == NULL)
			return NULL;
		p++;
	}
	return NULL;
}

int
dataset_grant_schema(const char *grant, const char *name, int is_private)
{
	if (grant[0] == '\0')
		return !is_private;
	if (strcmp(grant, "!") == 0)
		return 0;
	return dg_find(grant, name, strlen(name)) != NULL;
}

int
dataset_grant_whole(const char *grant, const char *name, int is_private)
{
	const char *e;

	if (grant[0] == '\0')
		return !is_private;
	if (strcmp(grant, "!") == 0)
		return 0;
	return (e = dg_find(grant, name, strlen(name))) != NULL && *e == '*';
}

int
dataset_grant_table(const char *grant, const char *name, int is_private,
    const char *table)
{
	const char *p;
	size_t n;

	if (grant[0] == '\0' || strcmp(grant, "!") == 0 || table == NULL)
		return grant[0] == '\0' && table != NULL && !is_private;
	if ((p = dg_find(grant, name, strlen(name))) == NULL)
		return 0;
	if (*p == '*')
		return 1;
	for (;;) {
		n = dg_name_len(p);
		if (dg_is(p, n, table))
			return 1;
		p += n;
		if (*p != ',')
			return 0;
		p++;
	}
}

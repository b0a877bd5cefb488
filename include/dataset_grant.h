/*
 * dataset_grant.h: the text form of a walk-in's dataset grant
 * (walkin_spec.h gives the grammar), parsed where it is used. Shared:
 * the front end checks a grant before a create carries it, the spawner
 * before it writes or reads a meta, the executor (its Landlock rules and
 * its authorizer) when it applies one. Pure functions of their
 * arguments, no allocation; every name is compared ASCII
 * case-insensitively, as SQLite compares schema and table names.
 */
#ifndef WALKIND_DATASET_GRANT_H
#define WALKIND_DATASET_GRANT_H

/* 0 if `grant` (NUL-terminated) is exactly the grammar of walkin_spec.h
 * and shorter than WALKIN_GRANT_MAX; -1 otherwise. */
int	dataset_grant_valid(const char *grant);
/* 0 if `name` is a NAME of the grammar ([A-Za-z_][A-Za-z0-9_]{0,63}). */
int	dataset_grant_name_ok(const char *name);
/*
 * May a walk-in with this (valid) grant read dataset `name` at all?
 * "" lets it read every public dataset, "!" none, a list exactly the
 * datasets it names (private or not). 1 or 0.
 */
int	dataset_grant_schema(const char *grant, const char *name,
	    int is_private);
/* May it read `table` of dataset `name`? ("" and "*" entries: every
 * table.) 1 or 0. */
int	dataset_grant_table(const char *grant, const char *name,
	    int is_private, const char *table);
/* Does it read the whole of dataset `name` ("" on a public one, or
 * "NAME:*")? Then its schema table may be read too. 1 or 0. */
int	dataset_grant_whole(const char *grant, const char *name,
	    int is_private);

#endif

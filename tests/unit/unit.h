/*
 * unit.h: a tiny test runner. A test file defines test functions, lists
 * them in UNIT_MAIN, and each CHECK counts one assertion. The summary
 * line is "<file>: N passed, M failed"; the exit code is 1 on failure.
 */
#ifndef WALKIND_UNIT_H
#define WALKIND_UNIT_H

#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int unit_pass, unit_fail;

#define CHECK(cond) do {						\
	if (cond) unit_pass++;						\
	else { unit_fail++;						\
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n",		\
		    __FILE__, __LINE__, #cond); }			\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long unit_a = (long long)(a), unit_b = (long long)(b);	\
	if (unit_a == unit_b) unit_pass++;				\
	else { unit_fail++;						\
		fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n",	\
		    __FILE__, __LINE__, #a, unit_a, unit_b); }		\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *unit_a = (a), *unit_b = (b);			\
	if (unit_a && unit_b && strcmp(unit_a, unit_b) == 0) unit_pass++; \
	else { unit_fail++;						\
		fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
		    __FILE__, __LINE__, #a, unit_a ? unit_a : "(null)",	\
		    unit_b ? unit_b : "(null)"); }			\
} while (0)

static int
unit_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* Remove a test's temp directory and everything below it; 0 or -1. */
static inline int
unit_rmtree(const char *dir)
{
	return nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#define UNIT_MAIN(...)							\
int main(void)								\
{									\
	void (*unit_tests[])(void) = { __VA_ARGS__ };			\
	size_t unit_i;							\
	for (unit_i = 0; unit_i < sizeof(unit_tests) / sizeof(unit_tests[0]); unit_i++) \
		unit_tests[unit_i]();					\
	printf("%s: %d passed, %d failed\n", __FILE__, unit_pass, unit_fail); \
	return unit_fail ? 1 : 0;					\
}

#endif

/*
 * test_dataset_grant.c: the grant text of walkin_spec.h (valid and
 * invalid forms, each name's bound, duplicates), the lookups the
 * executor's authorizer and Landlock rules make from it (public and
 * private datasets, "" and "!", "*" and table lists, ASCII case), and
 * the meta lines that carry a walk-in's spec (registry_meta_*_spec:
 * written, parsed back, old metas without them as the default, a grant
 * that is not valid refused).
 */
#include <string.h>

#include "dataset_grant.h"
#include "registry.h"
#include "unit.h"
#include "walkin_spec.h"

static void
test_valid(void)
{
	static const char *const ok[] = {
		"", "!", "shop:*", "shop:orders", "shop:orders,products",
		"shop:orders;geo:*", "_a1:_b2,c", "A:B;b:C",
	};
	static const char *const bad[] = {
		"!!", "! ", "shop", "shop:", "shop:,", "shop:a,", "shop:a,,b",
		"shop:*,a", "shop:a*", ":a", "1x:a", "shop:1a", "shop:a;",
		";shop:a", "shop:a;;geo:*", "shop:a b", "shop:a\n", "sh-op:*",
		"shop:*;SHOP:a", "shop:a;geo:*;shop:b", "shop:o\xc3\xa9",
	};
	char longname[WALKIN_NAME_MAX + 8], huge[WALKIN_GRANT_MAX + 8];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(dataset_grant_valid(ok[i]), 0);
		if (dataset_grant_valid(ok[i]) != 0)
			fprintf(stderr, "  refused: %s\n", ok[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(dataset_grant_valid(bad[i]), -1);
		if (dataset_grant_valid(bad[i]) != -1)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
	}
	CHECK_INT(dataset_grant_valid(NULL), -1);
	/* A NAME is at most WALKIN_NAME_MAX - 1 bytes. */
	memset(longname, 'a', WALKIN_NAME_MAX - 1);
	memcpy(longname + WALKIN_NAME_MAX - 1, ":*", 3);
	CHECK_INT(dataset_grant_valid(longname), 0);
	memset(longname, 'a', WALKIN_NAME_MAX);
	memcpy(longname + WALKIN_NAME_MAX, ":*", 3);
	CHECK_INT(dataset_grant_valid(longname), -1);
	/* The whole text is shorter than WALKIN_GRANT_MAX. */
	memcpy(huge, "s:", 2);
	for (i = 2; i < WALKIN_GRANT_MAX; i += 2)
		memcpy(huge + i, "a,", 2);
	huge[WALKIN_GRANT_MAX - 1] = 'b';
	huge[WALKIN_GRANT_MAX] = '\0';
	CHECK_INT(dataset_grant_valid(huge), -1);
	huge[WALKIN_GRANT_MAX - 3] = '\0';	/* ends in "a" */
	CHECK_INT(dataset_grant_valid(huge), 0);
	CHECK_INT(dataset_grant_name_ok("shop"), 0);
	CHECK_INT(dataset_grant_name_ok("shop.x"), -1);
	CHECK_INT(dataset_grant_name_ok(""), -1);
}

static void
test_lookups(void)
{
	const char *g = "shop:orders,Products;geo:*";

	/* "": every public dataset, whole; never a private one. */
	CHECK_INT(dataset_grant_schema("", "shop", 0), 1);
	CHECK_INT(dataset_grant_schema("", "vault", 1), 0);
	CHECK_INT(dataset_grant_table("", "shop", 0, "anything"), 1);
	CHECK_INT(dataset_grant_table("", "vault", 1, "secrets"), 0);
	CHECK_INT(dataset_grant_whole("", "shop", 0), 1);
	CHECK_INT(dataset_grant_whole("", "vault", 1), 0);
	/* "!": nothing. */
	CHECK_INT(dataset_grant_schema("!", "shop", 0), 0);
	CHECK_INT(dataset_grant_table("!", "shop", 0, "orders"), 0);
	CHECK_INT(dataset_grant_whole("!", "shop", 0), 0);
	/* A list: exactly what it names, private or not, case aside. */
	CHECK_INT(dataset_grant_schema(g, "shop", 0), 1);
	CHECK_INT(dataset_grant_schema(g, "SHOP", 0), 1);
	CHECK_INT(dataset_grant_schema(g, "geo", 1), 1);
	CHECK_INT(dataset_grant_schema(g, "vault", 0), 0);
	CHECK_INT(dataset_grant_schema(g, "sho", 0), 0);
	CHECK_INT(dataset_grant_schema(g, "shopx", 0), 0);
	CHECK_INT(dataset_grant_table(g, "shop", 0, "orders"), 1);
	CHECK_INT(dataset_grant_table(g, "shop", 0, "ORDERS"), 1);
	CHECK_INT(dataset_grant_table(g, "shop", 0, "products"), 1);
	CHECK_INT(dataset_grant_table(g, "shop", 0, "customers"), 0);
	CHECK_INT(dataset_grant_table(g, "shop", 0, "order"), 0);
	CHECK_INT(dataset_grant_table(g, "shop", 0, "ordersx"), 0);
	CHECK_INT(dataset_grant_table(g, "shop", 0, "sqlite_master"), 0);
	CHECK_INT(dataset_grant_table(g, "shop", 0, NULL), 0);
	CHECK_INT(dataset_grant_table(g, "geo", 1, "anything"), 1);
	CHECK_INT(dataset_grant_table(g, "vault", 1, "orders"), 0);
	CHECK_INT(dataset_grant_whole(g, "shop", 0), 0);
	CHECK_INT(dataset_grant_whole(g, "geo", 1), 1);
	/* A table named like a dataset does not confuse the scan. */
	CHECK_INT(dataset_grant_schema("a:geo", "geo", 0), 0);
	CHECK_INT(dataset_grant_table("a:geo;geo:x", "geo", 0, "x"), 1);
	CHECK_INT(dataset_grant_table("a:geo;geo:x", "geo", 0, "geo"), 0);
}

static void
test_meta_spec(void)
{
	char text[REGISTRY_META_MAX], owner[REGISTRY_OWNER_MAX],
	    grant[WALKIN_GRANT_MAX];
	int64_t c, e, cap;
	int n;

	n = registry_meta_format_spec(text, sizeof(text), 100, 200,
	    "203.0.113.9", 1048576, "shop:orders;geo:*");
	CHECK(n > 0);
	CHECK_STR(text, "walkind-meta 1\ncreated 100\nexpires 200\n"
	    "owner 203.0.113.9\nmax-db-bytes 1048576\n"
	    "grant shop:orders;geo:*\n");
	CHECK_INT(registry_meta_parse_spec(text, &c, &e, owner, &cap, grant),
	    0);
	CHECK_INT(cap, 1048576);
	CHECK_STR(grant, "shop:orders;geo:*");
	CHECK_STR(owner, "203.0.113.9");
	/* The plain parse reads it too (the front end's registry_load). */
	CHECK_INT(registry_meta_parse(text, &c, &e, owner), 0);
	/* An old meta: the default spec. */
	CHECK_INT(registry_meta_parse_spec("walkind-meta 1\ncreated 100\n"
	    "expires 200\n", &c, &e, owner, &cap, grant), 0);
	CHECK_INT(cap, 0);
	CHECK_STR(grant, "");
	/* The default writes no spec line. */
	n = registry_meta_format_spec(text, sizeof(text), 100, 200, NULL, 0,
	    "");
	CHECK_STR(text, "walkind-meta 1\ncreated 100\nexpires 200\n");
	n = registry_meta_format_spec(text, sizeof(text), 100, 200, NULL, 0,
	    "!");
	CHECK_STR(text, "walkind-meta 1\ncreated 100\nexpires 200\n"
	    "grant !\n");
	/* Refused: a grant that is not valid, a negative cap. */
	CHECK_INT(registry_meta_format_spec(text, sizeof(text), 100, 200,
	    NULL, 0, "shop:"), -1);
	CHECK_INT(registry_meta_format_spec(text, sizeof(text), 100, 200,
	    NULL, 0, "shop:a\nowner 1.2.3.4"), -1);
	CHECK_INT(registry_meta_format_spec(text, sizeof(text), 100, 200,
	    NULL, -1, ""), -1);
	/* Parsed text must be exactly what format writes. */
	CHECK_INT(registry_meta_parse_spec("walkind-meta 1\ncreated 100\n"
	    "expires 200\ngrant shop:\n", &c, &e, owner, &cap, grant), -1);
	CHECK_INT(registry_meta_parse_spec("walkind-meta 1\ncreated 100\n"
	    "expires 200\nmax-db-bytes 0\n", &c, &e, owner, &cap, grant), -1);
	CHECK_INT(registry_meta_parse_spec("walkind-meta 1\ncreated 100\n"
	    "expires 200\ngrant !\nmax-db-bytes 5\n", &c, &e, owner, &cap,
	    grant), -1);
	CHECK_INT(registry_meta_parse_spec("walkind-meta 1\ncreated 100\n"
	    "expires 200\ngrant  !\n", &c, &e, owner, &cap, grant), -1);
}

UNIT_MAIN(test_valid, test_lookups, test_meta_spec)

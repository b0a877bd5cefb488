/*
 * walkin_spec.h: what one walk-in may have beyond the node's defaults,
 * fixed when it is created (issue 17). A verified JWT's "walkind" claim
 * fills it (jwt.c, in the front end), bounded by the operator's maxima;
 * an anonymous create gets walkin_spec_default(). The front end keeps
 * the TTL and the rate limits (the token carries what it needs); the
 * cap and the dataset grant travel with the create to the spawner, are
 * stored in the walk-in's meta and applied by every executor of that
 * walk-in, so they survive a restart and cannot be changed from SQL.
 *
 * The grant (which datasets, and which of their tables, the walk-in may
 * read) is text, so it fits the meta file and a spawn message:
 *
 *   grant   = ""                   no claim: every public dataset, whole
 *           | "!"                  a claim that names no dataset: none
 *           | entry *(";" entry)   exactly these (private ones included)
 *   entry   = NAME ":" ("*" | TABLE *("," TABLE))
 *   NAME, TABLE = [A-Za-z_][A-Za-z0-9_]{0,63}
 *
 * e.g. "shop:orders,products;geo:*". At most WALKIN_GRANT_MAX - 1 bytes;
 * a claim that does not fit is refused as invalid credentials.
 */
#ifndef WALKIND_WALKIN_SPEC_H
#define WALKIND_WALKIN_SPEC_H

#include <stdint.h>

#define WALKIN_GRANT_MAX	512
#define WALKIN_NAME_MAX		64	/* a dataset or table name */
#define WALKIN_SUBJECT_MAX	128	/* a JWT "sub", for limits and the log */

struct walkin_spec {
	int64_t	ttl_s;		/* seconds; 0: the node's --ttl */
	int64_t	max_db_bytes;	/* 0: the node's --max-db-bytes */
	int64_t	rate_requests;	/* per subject; 0: the node's per-IP value */
	int64_t	rate_creates;	/* per subject; 0: the node's per-IP value */
	char	subject[WALKIN_SUBJECT_MAX];	/* "" for an anonymous create */
	char	grant[WALKIN_GRANT_MAX];	/* see above */
};

/* The part that travels to the spawner (cap and grant) is the node's
 * default: nothing to keep in the registry, and a warm executor (forked
 * with the default) may serve the create. */
static inline int
walkin_spec_is_default(const struct walkin_spec *spec)
{
	return spec->max_db_bytes == 0 && spec->grant[0] == '\0';
}

#endif

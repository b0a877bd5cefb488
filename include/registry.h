/*
 * registry.h: what the front end knows of walk-ins, in memory that does
 * not grow with the walk-ins on disk.
 *
 * The filesystem is the database of walk-ins:
 * DATA/instances/<expires>/<uuid>/, one bucket directory per expiry
 * second (decimal unix seconds), with the walk-in's meta as an xattr of
 * its directory. A session token carries the walk-in's id and expiry
 * (MAC'd, token.h), so an idle walk-in needs nothing in memory: a
 * request for one gets a live entry (struct instance) that lasts while
 * the pool has an executor, queued jobs or a slot wait for it, and the
 * spawner answers ENOENT if its directory is not there. Walk-ins are
 * counted per expiry second, node-wide and per client IP (the create
 * limits); when a second has passed, its whole bucket directory goes.
 * Memory is one live entry per walk-in the pool is serving, plus one
 * small count per expiry second and, per client IP with live walk-ins,
 * its counts. Event-loop thread only, no lock.
 */
#ifndef WALKIND_REGISTRY_H
#define WALKIND_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"
#include "walkin_spec.h"

struct pool_walkin;

/*
 * A live entry. `pool` is the pool's own state for the walk-in (pool.c):
 * the registry sets it NULL in a new entry and never reads it otherwise;
 * the pool makes it when it first queues a job for the walk-in and frees
 * it (setting it NULL) before it releases or removes the entry, which
 * aborts if it is still set.
 */
struct instance {
	uint8_t			 id[TOKEN_ID_BYTES];
	int64_t			 created;	/* unix seconds; 0 unless
						 * this entry created it */
	int64_t			 expires;	/* unix seconds, fixed */
	const char		*owner_ip;	/* interned, counted; "" for
						 * an entry not from a create */
	struct pool_walkin	*pool;		/* the pool's, opaque here */
	struct walkin_spec	*spec;		/* a create's non-default spec
						 * for its meta (the spawn
						 * message), owned; NULL:
						 * the default */
	uint8_t			 spec_id[TOKEN_ID_BYTES];	/* a fork's
						 * source, whose spec its
						 * create copies (the spawner
						 * reads its meta) */
	int64_t			 spec_expires;	/* 0: no source */
	struct instance		*hnext;
};

void	registry_init(void);
/*
 * A new walk-in: count it (node-wide and for owner_ip) and return its
 * live entry. Its directory is the spawner's to make.
 */
struct instance *registry_add(const uint8_t id[TOKEN_ID_BYTES],
	    int64_t created, int64_t expires, const char *owner_ip);
/*
 * A new walk-in's spec (walkin_spec.h), for the meta its create writes:
 * copied into inst (freed with it). -1 if the meta could not hold it
 * (a grant that is not valid, a negative cap); inst is unchanged then.
 */
int	registry_set_spec(struct instance *inst,
	    const struct walkin_spec *spec);
/* A fork: inst (new) takes the spec of walk-in id/expires, read by the
 * spawner from that walk-in's meta when it creates inst. */
void	registry_set_spec_from(struct instance *inst,
	    const uint8_t id[TOKEN_ID_BYTES], int64_t expires);
/* The live entry of a walk-in, or NULL. */
struct instance *registry_find(const uint8_t id[TOKEN_ID_BYTES]);
/*
 * The live entry of a walk-in a verified token names, made if there is
 * none; NULL if a live entry has another expiry (then the token is not
 * this walk-in's).
 */
struct instance *registry_get(const uint8_t id[TOKEN_ID_BYTES],
	    int64_t expires);
/* Drop the live entry (frees inst); the walk-in stays, counted.
 * inst->pool must be NULL. */
void	registry_release(struct instance *inst);
/* The walk-in is gone before its expiry: uncount it, free inst. */
void	registry_remove(struct instance *inst);
/* A walk-in with no live entry is gone before its expiry (DELETE):
 * uncount it. owner_ip "" leaves the per-IP count to expire. A second
 * already expired is not counted any more: nothing happens. */
void	registry_uncount(int64_t expires, const char *owner_ip);
size_t	registry_count(void);		/* walk-ins on disk */
size_t	registry_live(void);		/* live entries */
size_t	registry_ip_count(const char *ip);	/* live walk-ins of an IP */

/*
 * Expiry at `now`: call live_cb for each live entry with expires <= now
 * (it must release or remove it), then uncount every expiry second
 * <= now and call bucket_cb with it, oldest first.
 */
void	registry_expired(int64_t now, void (*live_cb)(struct instance *, void *),
	    void (*bucket_cb)(int64_t expires, void *), void *arg);

/*
 * Startup: count every DATA/instances/<expires>/<uuid>/ whose meta is
 * valid and names that expiry, node-wide and for the owner IP its meta
 * names (so --max-instances-per-ip holds across a restart). A walk-in directory left by walkind
 * 0.1.0 (DATA/instances/<uuid>/) with a valid meta is moved into its
 * bucket. Directories without a valid meta (a create cut short) are
 * reported through `orphan` (expires 0 for the old layout) so they can
 * be removed, and so are ".del-<uuid>" directories a removal left
 * unfinished. Names that are not ours are left alone. Returns 0, or -1
 * if dir is unreadable.
 */
int	registry_load(const char *instances_dir,
	    void (*orphan)(int64_t expires, const uint8_t id[TOKEN_ID_BYTES],
	    void *), void *arg);

/* Bucket directory name of an expiry second ("%lld"); 0 or -1. */
int	registry_bucket_name(int64_t expires, char *out, size_t outlen);
/* Parse a bucket name: decimal digits only, > 0. Returns 0 or -1. */
int	registry_bucket_parse(const char *name, int64_t *expires);

/*
 * A walk-in's meta: this text, as the extended attribute
 * REGISTRY_META_XATTR of its directory (written by the spawner; no
 * block, no inode), or as the file <uuid>/meta where the file system
 * has no user xattrs (and in data dirs of walkind 0.1.0).
 */
#define REGISTRY_META_XATTR	"user.walkind.meta"

/* An owner IP's text, NUL included (inet_ntop's longest is 46). */
#define REGISTRY_OWNER_MAX	64
/* The longest meta text registry_meta_format writes: the fixed lines,
 * an owner, a cap and a grant of WALKIN_GRANT_MAX - 1 bytes. */
#define REGISTRY_META_MAX	(256 + WALKIN_GRANT_MAX)

/*
 * The meta text of a walk-in; shared with the spawner that writes it:
 * "walkind-meta 1", "created N", "expires N" and, when the creating
 * client's IP is known, "owner IP", one line each. owner_ip NULL or ""
 * writes no owner line; an owner with a character other than hex
 * digits, '.' and ':' (or too long) is refused. Returns the length, or
 * -1 if it does not fit in outlen or the owner is refused.
 */
int	registry_meta_format(char *out, size_t outlen, int64_t created,
	    int64_t expires, const char *owner_ip);
/*
 * The same with the walk-in's spec (walkin_spec.h, issue 17): a line
 * "max-db-bytes N" when max_db_bytes > 0 (0: the node's), and "grant
 * TEXT" when grant is not "" (refused unless dataset_grant_valid).
 */
int	registry_meta_format_spec(char *out, size_t outlen, int64_t created,
	    int64_t expires, const char *owner_ip, int64_t max_db_bytes,
	    const char *grant);
/*
 * Parse with the spec: *max_db_bytes 0 and grant "" when the meta has
 * no such line (metas of older versions: the default spec, so they
 * load after an upgrade). Either out-pointer may be NULL.
 */
int	registry_meta_parse_spec(const char *text, int64_t *created,
	    int64_t *expires, char owner_ip[REGISTRY_OWNER_MAX],
	    int64_t *max_db_bytes, char grant[WALKIN_GRANT_MAX]);
/*
 * Parse meta text (NUL-terminated): 0 and the values, owner_ip "" when
 * the meta has no owner line (metas of older versions); -1 unless the
 * text is exactly what registry_meta_format writes for them.
 */
int	registry_meta_parse(const char *text, int64_t *created,
	    int64_t *expires, char owner_ip[REGISTRY_OWNER_MAX]);

#endif

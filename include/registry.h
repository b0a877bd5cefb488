/*
 * registry.h: the front end's in-memory view of live walk-ins.
 *
 * The filesystem is the database of instances (DATA/instances/<uuid>/
 * with a meta file); this table is rebuilt from it at startup and kept in
 * step by the create and sweep paths. Event-loop thread only, no lock.
 */
#ifndef WALKIND_REGISTRY_H
#define WALKIND_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "token.h"

struct executor;
struct job;

struct instance {
	uint8_t			 id[TOKEN_ID_BYTES];
	int64_t			 created;	/* unix seconds */
	int64_t			 expires;	/* unix seconds, fixed */
	const char		*owner_ip;	/* interned, lives as the walk-in;
						 * "" when restored from disk */
	struct executor		*ex;		/* pool's, NULL when none */
	TAILQ_HEAD(, job)	 jobs;		/* waiting for ex */
	int			 njobs;
	int			 waiting;	/* on the pool's slot wait list */
	TAILQ_ENTRY(instance)	 wait_entry;
	struct instance		*hnext;
};

void	registry_init(void);
/* Add a walk-in; the registry owns it until registry_remove. */
struct instance *registry_add(const uint8_t id[TOKEN_ID_BYTES],
	    int64_t created, int64_t expires, const char *owner_ip);
struct instance *registry_find(const uint8_t id[TOKEN_ID_BYTES]);
void	registry_remove(struct instance *inst);	/* frees inst */
size_t	registry_count(void);
size_t	registry_ip_count(const char *ip);	/* live walk-ins of an IP */

/* Call cb for each walk-in with expires <= now (cb may remove it). */
void	registry_expired(int64_t now, void (*cb)(struct instance *, void *),
	    void *arg);

/*
 * Startup: add every DATA/instances/<uuid>/ with a valid meta (below).
 * Directories without one (a create cut short) are reported through
 * `orphan` so they can be removed. Returns 0 or -1 if dir is unreadable.
 */
int	registry_load(const char *instances_dir,
	    void (*orphan)(const uint8_t id[TOKEN_ID_BYTES], void *), void *arg);

/*
 * A walk-in's meta: this text, as the extended attribute
 * REGISTRY_META_XATTR of DATA/instances/<uuid>/ (written by the spawner;
 * no block, no inode), or as the file <uuid>/meta where the file system
 * has no user xattrs (and in data dirs of walkind 0.1.0).
 */
#define REGISTRY_META_XATTR	"user.walkind.meta"

/* meta text for a walk-in; shared with the spawner that writes it. */
int	registry_meta_format(char *out, size_t outlen, int64_t created,
	    int64_t expires);
int	registry_meta_parse(const char *text, int64_t *created,
	    int64_t *expires);

#endif

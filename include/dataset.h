/*
 * dataset.h: the operator's read-only datasets (--dataset NAME=FILE),
 * which every walk-in its grant allows reads as schema NAME.
 *
 * main checks each file once at start, before the spawner is forked and
 * before any lockdown (dataset_load), and records what it found; the
 * spawner and every executor inherit that table. The executor then
 * names the grant of its walk-in (dataset_select) before it builds its
 * Landlock domain (one read-only rule per dataset it may see) and opens
 * its connection (one read-only, immutable ATTACH each, sqlconn.c).
 */
#ifndef WALKIND_DATASET_H
#define WALKIND_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "walkin_spec.h"

struct config;

struct dataset {
	char	name[WALKIN_NAME_MAX];	/* the schema name */
	char	path[1024];		/* realpath of FILE */
	int	is_private;
	/* What the file was at start; dataset_unchanged compares. */
	dev_t	dev;
	ino_t	ino;
	off_t	size;
	int64_t	mtime_ns;
	int64_t	ctime_ns;
};

/*
 * At start: check every --dataset FILE (exists, regular, a sound
 * database: header, no journal beside it, PRAGMA integrity_check "ok",
 * no virtual table) and record its identity. Returns 0, or -1 with a
 * one-line reason naming the dataset in err. Uses SQLite on its own
 * connections and shuts the library down again before returning, so the
 * spawner's sqlconn_global_init still configures it.
 */
int	dataset_load(const struct config *cfg, char *err, size_t errlen);
size_t	dataset_count(void);
const struct dataset *dataset_at(size_t i);	/* i < count; static */
/* The dataset named `name` (case-insensitively, as SQLite), or NULL. */
const struct dataset *dataset_find(const char *name);
/*
 * 1 if d's file is still what dataset_load checked: same device,
 * inode, size, mtime and ctime (stat(2), which Landlock does not
 * control); 0 if anything differs or it is gone.
 */
int	dataset_unchanged(const struct dataset *d);

/*
 * Executor: the grant of this process's walk-in (walkin_spec.h text,
 * valid: the caller checked it), copied. Before it is called (the
 * spawner, main) every dataset counts as visible.
 */
void	dataset_select(const char *grant);
const char *dataset_selected(void);	/* "" before dataset_select */
/* 1 if this process's grant lets its walk-in read d at all. */
int	dataset_visible(const struct dataset *d);

/*
 * Percent-encode path into a SQLite URI "file:PATH?mode=ro&immutable=1"
 * (RFC 3986 unreserved bytes and '/' kept). 0, or -1 if it does not fit.
 */
int	dataset_uri(const char *path, char *out, size_t outlen);

#endif

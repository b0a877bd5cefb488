/*
 * config.h: walkind's command line, parsed once at startup.
 *
 * The filled struct is the one piece of process-wide configuration; every
 * module receives it as `const struct config *`.
 */
#ifndef WALKIND_CONFIG_H
#define WALKIND_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

#define WALKIND_VERSION	"0.1.0"	/* --version, GET /healthz */

/* One --dataset NAME=FILE[,private]; checked at start by dataset.c. */
struct config_dataset {
	char	name[64];	/* [A-Za-z_][A-Za-z0-9_]{0,63}, not main/temp */
	char	file[1024];	/* absolute (the working directory prefixed) */
	int	is_private;	/* ",private": only grants naming it read it */
};

struct config {
	char	listen_host[256];	/* --listen HOST part, numeric or name */
	int	listen_port;		/* --listen PORT part */
	char	metrics_host[256];	/* --metrics-listen HOST part */
	int	metrics_port;		/* --metrics-listen PORT; 0 = off */
	char	data_dir[4096];		/* --data-dir, absolute after parsing */
	int64_t	ttl_s;			/* --ttl */
	int64_t	max_db_bytes;		/* --max-db-bytes */
	int64_t	max_body_bytes;		/* --max-body-bytes */
	int64_t	query_timeout_ms;	/* --query-timeout-ms */
	int64_t	max_rows;		/* --max-rows */
	int64_t	max_result_bytes;	/* --max-result-bytes */
	int64_t	rate_requests;		/* --rate-requests per min per IP, 0 off */
	int64_t	rate_creates;		/* --rate-creates per min per IP, 0 off */
	int64_t	max_instances_per_ip;	/* --max-instances-per-ip, 0 off */
	int64_t	max_instances;		/* --max-instances */
	int64_t	pool_size;		/* --pool-size */
	int64_t	idle_timeout_ms;	/* --idle-timeout-ms */
	int64_t	max_memory;		/* --max-memory per executor, bytes */
	int64_t	threads;		/* --threads SQLite helper threads */
	int64_t	warm;			/* --warm executors kept ready */
	char	cors_origin[256];	/* --cors-origin */
	char	mcp_allow_origin[256];	/* --mcp-allow-origin (mcp.c) */
	int64_t	node_id;		/* --node-id, in every new walk-in id */
	int	node_id_set;		/* given: other nodes' tokens refused */
	char	trusted_proxy[256];	/* --trusted-proxy list (proxy.h) */
	char	user[32];		/* --user: run as this when root */
	int	user_set;		/* --user was given explicitly */
	int	dump_policy;		/* --dump-policy: print, exit */
	int	insecure_no_sandbox;	/* --insecure-no-sandbox */
	int	verbose;		/* -v / --verbose: debug logging */
	/* Signed identities (jwt.h, issue 17); "" = not configured. */
	char	jwt_hs256_secret[1024];	/* --jwt-hs256-secret FILE */
	char	jwt_ed25519_key[1024];	/* --jwt-ed25519-public-key FILE */
	char	jwt_issuer[256];	/* --jwt-issuer */
	char	jwt_audience[256];	/* --jwt-audience */
	int64_t	jwt_max_ttl_s;		/* --jwt-max-ttl */
	int64_t	jwt_max_db_bytes;	/* --jwt-max-db-bytes */
	int64_t	jwt_max_rate_requests;	/* --jwt-max-rate-requests, 0 node's */
	int64_t	jwt_max_rate_creates;	/* --jwt-max-rate-creates, 0 node's */
	int	require_jwt;		/* --require-jwt */
	struct config_dataset datasets[BOUNDS_MAX_DATASETS];	/* --dataset */
	size_t	ndatasets;
};

enum config_result {
	CONFIG_OK,		/* run the service */
	CONFIG_EXIT_OK,		/* --help or --version printed; exit 0 */
	CONFIG_ERROR		/* message printed to stderr; exit 2 */
};

/*
 * Fill `cfg` from argv. On error prints one line naming the option to
 * stderr. `default_data_dir` is used when --data-dir is absent.
 * data_dir comes back absolute (realpath when it exists; otherwise the
 * working directory prefixed and "." and "//" removed) and at most
 * sizeof(data_dir) - 256 bytes, leaving room for the paths under it.
 * Uses getopt_long and resets optind, so it may be called repeatedly;
 * not thread-safe.
 */
enum config_result config_parse(struct config *cfg, int argc, char **argv,
    const char *default_data_dir);

/* Fill `cfg` with every default (used by config_parse and by tests). */
void config_defaults(struct config *cfg, const char *default_data_dir);

#endif

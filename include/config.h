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

#define WALKIND_VERSION	"0.1.0"	/* --version, GET /healthz */

struct config {
	char	listen_host[256];	/* --listen HOST part, numeric or name */
	int	listen_port;		/* --listen PORT part */
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
	char	user[32];		/* --user: run as this when root */
	int	user_set;		/* --user was given explicitly */
	int	dump_policy;		/* --dump-policy: print, exit */
	int	insecure_no_sandbox;	/* --insecure-no-sandbox */
	int	verbose;		/* -v / --verbose: debug logging */
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

/*
 * spawner.h: the small process that creates and removes instance
 * directories and forks executors. Started first, before any thread or
 * large allocation (a fork of a small process is cheap), and before the
 * token keys are loaded, so it never holds them.
 */
#ifndef WALKIND_SPAWNER_H
#define WALKIND_SPAWNER_H

#include <sys/types.h>

struct config;

/*
 * Fork the spawner. Returns the front end's end of the SOCK_SEQPACKET
 * control socket (see ipc.h) and sets *pid. Fatal on failure.
 */
int	spawner_start(const struct config *cfg, pid_t *pid);

#endif

/*
 * listen.h: the front end's listening socket, bound by us or handed in
 * by the service manager (socket activation, deploy/walkind.socket).
 */
#ifndef WALKIND_LISTEN_H
#define WALKIND_LISTEN_H

struct config;

/*
 * Return a listening, non-blocking, close-on-exec TCP socket; the caller
 * owns it. If LISTEN_PID is our pid, the socket is fd 3 from the service
 * manager (LISTEN_FDS must be "1" and fd 3 a listening SOCK_STREAM IPv4 or
 * IPv6 socket) and --listen is not used; LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES are removed from the environment. Otherwise bind
 * --listen. Any failure is a one-line fatal error (the process exits).
 * Call before the sandbox is entered: binding needs socket(2) and bind(2).
 */
int	listen_open(const struct config *cfg);
/*
 * The --metrics-listen socket (same properties, bound here even under
 * socket activation), or -1 when the option is absent. Fatal on failure;
 * call before the sandbox, as listen_open.
 */
int	listen_open_metrics(const struct config *cfg);

#endif

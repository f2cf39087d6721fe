/* The POSIX bridge (DESIGN: posix/): descriptors, poll and select over the
 * capability readiness model (capnet/pollable.h), and the one place where a
 * capnet_err becomes an errno or an EAI_* code.
 *
 * Freestanding: the constants below carry the Linux values under capnet
 * names, so a hosted shim can hand them to a program unchanged and the core
 * needs no <poll.h>, <errno.h> or <sys/select.h>.
 *
 * Descriptor table. One per cspace (a process): a descriptor names one cap
 * handle of that cspace, and is allocated lowest-first as POSIX requires.
 * The table holds no authority -- every call re-resolves the handle in the
 * cspace -- so a descriptor whose cap was closed, revoked or went stale
 * polls as POLLNVAL (select: EBADF) and never as a leftover readable or
 * writable. Closing a descriptor drops its handle (for a socket's last cap:
 * closes the socket); the number is free for reuse at once and a later poll
 * of it sees only what it names now.
 *
 * Errors. Each call returns -1 and leaves the errno in the table
 * (capnet_fd_errno), as errno is per process. Fail closed:
 *   poll    nfds beyond the table's size: EINVAL. fds NULL with nfds > 0:
 *           EFAULT. An event bit outside POLLIN/POLLRDNORM/POLLOUT/POLLWRNORM
 *           (POLLERR/POLLHUP/POLLNVAL are output-only and ignored in
 *           events, as POSIX says): EINVAL -- priority data (POLLPRI,
 *           POLLRDBAND, POLLWRBAND) and POLLRDHUP are not served, and a
 *           caller asking for them must not wait for what cannot come. A
 *           negative fd is skipped (revents 0). A descriptor that is not
 *           open, or whose cap went (closed, revoked, stale): POLLNVAL.
 *   select  nfds < 0 or > CAPNET_FD_SETSIZE, or a malformed timeout:
 *           EINVAL. A descriptor below nfds in any set that is not open (or
 *           whose cap went): EBADF. A descriptor in exceptfds: EINVAL
 *           (exceptional conditions are TCP urgent data, not served).
 *   Waiting (a timeout other than 0) needs a wait driver
 *   (capnet_fdtable_set_driver); without one: EINVAL.
 *
 * Event mapping, from the readiness of the descriptor's cap:
 *   POLLIN   READABLE, ACCEPTABLE, CLOSED (end of stream: read returns 0),
 *            RESET/ERROR (read returns the error), a Timer's DONE.
 *   POLLOUT  WRITABLE (never together with POLLHUP, as POSIX requires).
 *   POLLERR  RESET, ERROR, CONFIG_UNAVAILABLE.
 *   POLLHUP  nothing more can flow either way: reset, error, or both FINs
 *            (the peer's arrived and ours was sent).
 *   POLLNVAL INVALID: the descriptor's cap is gone.
 *   select: readfds <- POLLIN|POLLHUP|POLLERR, writefds <- POLLOUT|POLLERR
 *   (so a descriptor in error wakes both and read/write returns the error). */
#ifndef CAPNET_POSIX_H
#define CAPNET_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "capnet/cap.h"
#include "capnet/err.h"
#include "capnet/pollable.h"
#include "capnet/types.h"

/* ---- poll(2) event bits (Linux values) ---- */
#define CAPNET_POLLIN 0x001
#define CAPNET_POLLPRI 0x002
#define CAPNET_POLLOUT 0x004
#define CAPNET_POLLERR 0x008
#define CAPNET_POLLHUP 0x010
#define CAPNET_POLLNVAL 0x020
#define CAPNET_POLLRDNORM 0x040
#define CAPNET_POLLRDBAND 0x080
#define CAPNET_POLLWRNORM 0x100
#define CAPNET_POLLWRBAND 0x200
#define CAPNET_POLLRDHUP 0x2000
/* What a caller may ask for. */
#define CAPNET_POLL_SUPPORTED                                                                            \
	(CAPNET_POLLIN | CAPNET_POLLRDNORM | CAPNET_POLLOUT | CAPNET_POLLWRNORM | CAPNET_POLLERR | CAPNET_POLLHUP | \
	 CAPNET_POLLNVAL)

/* ---- errno values (Linux) ---- */
#define CAPNET_EPERM 1
#define CAPNET_ENOENT 2
#define CAPNET_EINTR 4
#define CAPNET_EIO 5
#define CAPNET_EBADF 9
#define CAPNET_EAGAIN 11
#define CAPNET_ENOMEM 12
#define CAPNET_EACCES 13
#define CAPNET_EFAULT 14
#define CAPNET_EEXIST 17
#define CAPNET_EINVAL 22
#define CAPNET_EMFILE 24
#define CAPNET_EPIPE 32
#define CAPNET_EPROTO 71
#define CAPNET_EBADMSG 74
#define CAPNET_ENOTSOCK 88
#define CAPNET_EMSGSIZE 90
#define CAPNET_EOPNOTSUPP 95
#define CAPNET_EADDRINUSE 98
#define CAPNET_ENETDOWN 100
#define CAPNET_ENETUNREACH 101
#define CAPNET_ECONNRESET 104
#define CAPNET_ENOBUFS 105
#define CAPNET_ENOTCONN 107
#define CAPNET_ETIMEDOUT 110
#define CAPNET_ECONNREFUSED 111
#define CAPNET_EHOSTUNREACH 113
#define CAPNET_ECANCELED 125

/* ---- getaddrinfo(3) codes (glibc values) ---- */
#define CAPNET_EAI_BADFLAGS (-1)
#define CAPNET_EAI_NONAME (-2)
#define CAPNET_EAI_AGAIN (-3)
#define CAPNET_EAI_FAIL (-4)
#define CAPNET_EAI_FAMILY (-6)
#define CAPNET_EAI_SOCKTYPE (-7)
#define CAPNET_EAI_SERVICE (-8)
#define CAPNET_EAI_MEMORY (-10)
#define CAPNET_EAI_SYSTEM (-11)
#define CAPNET_EAI_OVERFLOW (-12)

/* The one mapping of the error vocabulary (errno_map.c). OK is 0.
 *   E_BADHANDLE, E_REVOKED -> EBADF   (a handle that names nothing is a bad descriptor)
 *   E_WRONGTYPE            -> ENOTSOCK
 *   E_RIGHTS               -> EACCES  (the cap lacks the right: Capsicum's ENOTCAPABLE)
 *   E_SCOPE                -> EPERM   (outside what the cap may reach)
 *   the rest as their names say (capnet_errno_of documents each). */
int capnet_errno_of(capnet_err e);
/* For resolver calls: E_NOTFOUND -> EAI_NONAME, E_AGAIN/E_TIMEDOUT ->
 * EAI_AGAIN, E_NOMEM -> EAI_MEMORY, E_INVAL -> EAI_BADFLAGS,
 * E_UNSUPPORTED -> EAI_FAMILY, E_NOBUFS -> EAI_OVERFLOW, authority
 * rejections and everything else -> EAI_FAIL; OK is 0. */
int capnet_eai_of(capnet_err e);
/* "EBADF" / "POLLIN|POLLHUP" for transcripts; "?" / "0" otherwise. */
const char *capnet_errno_name(int err);
char *capnet_poll_format(int events, char *buf, size_t len);

/* ---- the descriptor table ---- */

/* A descriptor is an entry of a Pollable over the cspace: the table admits
 * a handle through the Pollable's audited gate and evaluates it silently
 * afterwards. Descriptor n is entry n. */
struct capnet_fdtable {
	struct capnet_pollable set;
	int size;
	int err; /* errno of the last failed call */
	const struct capnet_wait_driver *driver;
	capnet_instant now; /* without a driver: the time poll evaluates at */
};

/* Caller memory: `slots` holds `size` descriptors (the table's
 * RLIMIT_NOFILE; at most 65535). Returns 0, or -1 (EINVAL). */
int capnet_fdtable_init(struct capnet_fdtable *t, struct capnet_cspace *cs, struct capnet_watch *slots, int size);
/* The clock and the way to let time pass, for waiting calls. NULL: none. */
void capnet_fdtable_set_driver(struct capnet_fdtable *t, const struct capnet_wait_driver *d);
/* Without a driver: the time evaluations take (Timers compare with it). */
void capnet_fdtable_set_now(struct capnet_fdtable *t, capnet_instant now);
static inline int capnet_fd_errno(const struct capnet_fdtable *t)
{
	return t->err;
}

/* A descriptor for a handle of the table's cspace: a TcpSocket,
 * TcpListener, bound UdpSocket or Timer -- what has readiness. The audited
 * gate: a forged or stale handle is EBADF and counted, another interface
 * ENOTSOCK, an unbound UdpSocket authority EINVAL. The lowest free number;
 * EMFILE when none. */
int capnet_fd_open(struct capnet_fdtable *t, capnet_handle h);
/* The handle behind an open descriptor; -1 EBADF. */
int capnet_fd_handle(const struct capnet_fdtable *t, int fd, capnet_handle *h);
/* Drops the descriptor and its handle (capnet_tcpcap_close for a TCP
 * socket: the last cap closes the socket at `now`). 0, or -1 EBADF. */
int capnet_fd_close(struct capnet_fdtable *t, int fd, capnet_instant now);
/* Open descriptors. */
int capnet_fd_count(const struct capnet_fdtable *t);

/* ---- socket calls on descriptors (sockio.c) ---- */

/* accept(2): a descriptor for the next connection; -1 EAGAIN when none. */
int capnet_fd_accept(struct capnet_fdtable *t, int listener_fd);
/* recv(2): bytes read, 0 at end of stream, -1 with errno (EAGAIN,
 * ECONNRESET, ETIMEDOUT...). */
long capnet_fd_recv(struct capnet_fdtable *t, int fd, void *buf, size_t len, capnet_instant now);
/* send(2): bytes queued -- a short count is backpressure -- or -1 (EAGAIN
 * when nothing fits, EPIPE after shutdown, the connection's error). */
long capnet_fd_send(struct capnet_fdtable *t, int fd, const void *buf, size_t len, capnet_instant now);
/* shutdown(fd, SHUT_WR). */
int capnet_fd_shutdown(struct capnet_fdtable *t, int fd, capnet_instant now);

/* ---- poll and select ---- */

struct capnet_pollfd {
	int fd;
	short events;
	short revents;
};

/* poll(2): the number of entries with revents set, 0 on timeout, -1 with
 * errno. timeout_ms < 0 waits without limit, 0 never waits. */
int capnet_poll(struct capnet_fdtable *t, struct capnet_pollfd *fds, size_t nfds, int timeout_ms);

#define CAPNET_FD_SETSIZE 1024
typedef struct {
	uint64_t bits[CAPNET_FD_SETSIZE / 64];
} capnet_fd_set;

static inline void capnet_fd_zero(capnet_fd_set *s)
{
	for (size_t i = 0; i < CAPNET_FD_SETSIZE / 64; i++)
		s->bits[i] = 0;
}
static inline void capnet_fd_setbit(int fd, capnet_fd_set *s)
{
	if (fd >= 0 && fd < CAPNET_FD_SETSIZE)
		s->bits[fd / 64] |= (uint64_t)1 << (fd % 64);
}
static inline void capnet_fd_clrbit(int fd, capnet_fd_set *s)
{
	if (fd >= 0 && fd < CAPNET_FD_SETSIZE)
		s->bits[fd / 64] &= ~((uint64_t)1 << (fd % 64));
}
static inline int capnet_fd_isset(int fd, const capnet_fd_set *s)
{
	return fd >= 0 && fd < CAPNET_FD_SETSIZE && ((s->bits[fd / 64] >> (fd % 64)) & 1) != 0;
}

struct capnet_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

/* select(2): the number of bits set across the three sets (modified in
 * place), 0 on timeout, -1 with errno. timeout NULL waits without limit. */
int capnet_select(struct capnet_fdtable *t, int nfds, capnet_fd_set *readfds, capnet_fd_set *writefds,
		  capnet_fd_set *exceptfds, const struct capnet_timeval *timeout);

#endif

/* Socket calls on descriptors: the cap calls behind accept, recv, send and
 * shutdown, with their results in POSIX terms (capnet_errno_of). */
#include "capnet/posix.h"

static int fail(struct capnet_fdtable *t, int err)
{
	t->err = err;
	return -1;
}

int capnet_fd_accept(struct capnet_fdtable *t, int listener_fd)
{
	capnet_handle l, c;
	if (capnet_fd_handle(t, listener_fd, &l) != 0)
		return -1;
	if (capnet_fd_count(t) >= t->size)
		return fail(t, CAPNET_EMFILE); /* the connection stays queued */
	capnet_err e = capnet_tcpcap_accept(t->set.cs, l, &c);
	if (e != CAPNET_OK)
		return fail(t, capnet_errno_of(e));
	int fd = capnet_fd_open(t, c);
	if (fd < 0) /* no descriptor for it: the connection is closed, not leaked */
		capnet_tcpcap_close(t->set.cs, c, t->now);
	return fd;
}

long capnet_fd_recv(struct capnet_fdtable *t, int fd, void *buf, size_t len, capnet_instant now)
{
	capnet_handle h;
	if (capnet_fd_handle(t, fd, &h) != 0)
		return -1;
	size_t got = 0;
	capnet_err e = capnet_tcpcap_recv(t->set.cs, h, buf, len, &got, now);
	if (e == CAPNET_OK)
		return (long)got;
	if (e == CAPNET_E_CLOSED && got == 0)
		return 0; /* end of stream */
	return fail(t, capnet_errno_of(e));
}

long capnet_fd_send(struct capnet_fdtable *t, int fd, const void *buf, size_t len, capnet_instant now)
{
	capnet_handle h;
	if (capnet_fd_handle(t, fd, &h) != 0)
		return -1;
	size_t queued = 0;
	capnet_err e = capnet_tcpcap_send(t->set.cs, h, buf, len, &queued, now);
	if (e == CAPNET_OK)
		return (long)queued;
	return fail(t, capnet_errno_of(e));
}

int capnet_fd_shutdown(struct capnet_fdtable *t, int fd, capnet_instant now)
{
	capnet_handle h;
	if (capnet_fd_handle(t, fd, &h) != 0)
		return -1;
	capnet_err e = capnet_tcpcap_shutdown(t->set.cs, h, now);
	return e == CAPNET_OK ? 0 : fail(t, capnet_errno_of(e));
}

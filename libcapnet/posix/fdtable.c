/* The descriptor table of one cspace: small integers naming cap handles,
 * lowest-first as POSIX allocates them. The table is a Pollable over the
 * cspace (capnet/pollable.h), so a descriptor is admitted through the
 * audited gate once and evaluated silently afterwards; it holds no
 * authority the cspace does not. */
#include <string.h>

#include "capnet/posix.h"

static int fail(struct capnet_fdtable *t, int err)
{
	t->err = err;
	return -1;
}

int capnet_fdtable_init(struct capnet_fdtable *t, struct capnet_cspace *cs, struct capnet_watch *slots, int size)
{
	if (t == NULL)
		return -1;
	memset(t, 0, sizeof *t);
	if (cs == NULL || slots == NULL || size <= 0 || size > (int)UINT16_MAX ||
	    capnet_pollable_init(&t->set, cs, slots, (uint16_t)size) != CAPNET_OK)
		return fail(t, CAPNET_EINVAL);
	t->size = size;
	return 0;
}

void capnet_fdtable_set_driver(struct capnet_fdtable *t, const struct capnet_wait_driver *d)
{
	t->driver = d;
}

void capnet_fdtable_set_now(struct capnet_fdtable *t, capnet_instant now)
{
	t->now = now;
}

int capnet_fd_open(struct capnet_fdtable *t, capnet_handle h)
{
	uint16_t fd;
	capnet_err e = capnet_pollable_add(&t->set, h, CAPNET_READY_ALL, 0, &fd);
	switch (e) {
	case CAPNET_OK:
		return fd;
	case CAPNET_E_NOMEM:
		return fail(t, CAPNET_EMFILE);
	case CAPNET_E_STATE:
		return fail(t, CAPNET_EINVAL); /* an unbound authority: nothing to wait on */
	default:
		return fail(t, capnet_errno_of(e));
	}
}

/* The entry of an open descriptor, or NULL. */
static const struct capnet_watch *slot(const struct capnet_fdtable *t, int fd)
{
	if (fd < 0 || fd >= t->size || t->set.w[fd].kind != CAPNET_WATCH_HANDLE)
		return NULL;
	return &t->set.w[fd];
}

int capnet_fd_handle(const struct capnet_fdtable *t, int fd, capnet_handle *h)
{
	const struct capnet_watch *w = slot(t, fd);
	if (w == NULL) {
		((struct capnet_fdtable *)t)->err = CAPNET_EBADF;
		return -1;
	}
	*h = w->h;
	return 0;
}

int capnet_fd_close(struct capnet_fdtable *t, int fd, capnet_instant now)
{
	const struct capnet_watch *w = slot(t, fd);
	if (w == NULL)
		return fail(t, CAPNET_EBADF);
	capnet_handle h = w->h;
	capnet_pollable_remove(&t->set, (uint16_t)fd);
	/* The descriptor goes whatever the handle's state: a handle revoked
	 * behind the table's back is dropped here; one already closed through
	 * the cap API answers E_BADHANDLE (counted: it was a stale use). */
	capnet_tcpcap_close(t->set.cs, h, now);
	return 0;
}

int capnet_fd_count(const struct capnet_fdtable *t)
{
	return t->set.used;
}

/* A read-only /etc/resolv.conf projection (resolv.conf(5)) derived from a
 * DnsResolver's status, for programs that read the file: one "nameserver"
 * line per active upstream, a "search" line, and an "options" line with
 * the resolver's ndots, timeout and attempts. It holds no authority: the
 * text says what the resolver does, and resolving still needs the cap.
 *
 * Without a usable DnsResolver cap the file is absent (ENOENT); opening it
 * for writing, or writing to it, fails with EACCES (the projection is
 * derived, never configured through). Return values are 0 or an errno
 * (capnet/posix.h values), never negative. */
#ifndef CAPNET_RESOLV_CONF_H
#define CAPNET_RESOLV_CONF_H

#include <stddef.h>

#include "capnet/cap.h"

#define CAPNET_O_RDONLY 0
#define CAPNET_O_WRONLY 1
#define CAPNET_O_RDWR 2
#define CAPNET_O_ACCMODE 3

/* open(2) of the projection: 0 for O_RDONLY, EACCES for write access,
 * ENOENT without the cap. */
int capnet_resolvconf_open(struct capnet_cspace *cs, capnet_handle dns, int oflags);
/* The text (NUL-terminated) into buf; *len its length. ERANGE when cap is
 * too small (buf then holds nothing). */
int capnet_resolvconf_read(struct capnet_cspace *cs, capnet_handle dns, char *buf, size_t cap, size_t *len);
/* write(2): always EACCES with the cap, ENOENT without. */
int capnet_resolvconf_write(struct capnet_cspace *cs, capnet_handle dns, const char *buf, size_t len);

#endif

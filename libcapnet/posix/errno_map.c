/* The one place the error vocabulary becomes POSIX numbers (DESIGN:
 * Capabilities: "mapped once to errno/EAI_* in posix/"). Every capnet_err
 * has a case: adding an error without deciding its errno is a -Wswitch
 * warning, which the build turns into an error. */
#include "capnet/posix.h"

int capnet_errno_of(capnet_err e)
{
	switch (e) {
	case CAPNET_OK:
		return 0;
	case CAPNET_E_AGAIN:
		return CAPNET_EAGAIN;
	case CAPNET_E_TRUNCATED:
	case CAPNET_E_MALFORMED:
	case CAPNET_E_CHECKSUM:
		return CAPNET_EBADMSG;
	case CAPNET_E_UNSUPPORTED:
		return CAPNET_EOPNOTSUPP;
	case CAPNET_E_NOMEM:
		return CAPNET_ENOMEM;
	case CAPNET_E_NOBUFS:
		return CAPNET_ENOBUFS;
	case CAPNET_E_INVAL:
	case CAPNET_E_STATE:
		return CAPNET_EINVAL;
	case CAPNET_E_NOROUTE:
		return CAPNET_ENETUNREACH;
	case CAPNET_E_UNREACHABLE:
		return CAPNET_EHOSTUNREACH;
	case CAPNET_E_NOTCONFIGURED:
	case CAPNET_E_LINKDOWN:
		return CAPNET_ENETDOWN;
	case CAPNET_E_INUSE:
		return CAPNET_EADDRINUSE;
	case CAPNET_E_NOTFOUND:
		return CAPNET_ENOENT;
	case CAPNET_E_EXISTS:
		return CAPNET_EEXIST;
	case CAPNET_E_REFUSED:
		return CAPNET_ECONNREFUSED;
	case CAPNET_E_RESET:
		return CAPNET_ECONNRESET;
	case CAPNET_E_TIMEDOUT:
		return CAPNET_ETIMEDOUT;
	case CAPNET_E_CLOSED:
		return CAPNET_EPIPE;
	case CAPNET_E_CANCELLED:
		return CAPNET_ECANCELED;
	case CAPNET_E_NOTCONN:
		return CAPNET_ENOTCONN;
	case CAPNET_E_MSGSIZE:
		return CAPNET_EMSGSIZE;
	/* Authority: a handle naming nothing is a bad descriptor; a cap of
	 * another interface is not a socket; a missing right is a denied
	 * access; a peer or port outside the scope is not permitted. */
	case CAPNET_E_BADHANDLE:
	case CAPNET_E_REVOKED:
		return CAPNET_EBADF;
	case CAPNET_E_WRONGTYPE:
		return CAPNET_ENOTSOCK;
	case CAPNET_E_RIGHTS:
		return CAPNET_EACCES;
	case CAPNET_E_SCOPE:
		return CAPNET_EPERM;
	case CAPNET_E_NIC:
		return CAPNET_EIO;
	case CAPNET_ERR__COUNT:
		break;
	}
	return CAPNET_EIO;
}

int capnet_eai_of(capnet_err e)
{
	switch (e) {
	case CAPNET_OK:
		return 0;
	case CAPNET_E_NOTFOUND:
		return CAPNET_EAI_NONAME;
	case CAPNET_E_AGAIN:
	case CAPNET_E_TIMEDOUT:
		return CAPNET_EAI_AGAIN;
	case CAPNET_E_NOMEM:
		return CAPNET_EAI_MEMORY;
	case CAPNET_E_INVAL:
		return CAPNET_EAI_BADFLAGS;
	case CAPNET_E_UNSUPPORTED:
		return CAPNET_EAI_FAMILY;
	case CAPNET_E_NOBUFS:
		return CAPNET_EAI_OVERFLOW;
	default:
		return CAPNET_EAI_FAIL;
	}
}

const char *capnet_errno_name(int err)
{
	static const struct {
		int v;
		const char *n;
	} names[] = {
		{0, "0"},
		{CAPNET_EPERM, "EPERM"},
		{CAPNET_ENOENT, "ENOENT"},
		{CAPNET_EINTR, "EINTR"},
		{CAPNET_EIO, "EIO"},
		{CAPNET_EBADF, "EBADF"},
		{CAPNET_EAGAIN, "EAGAIN"},
		{CAPNET_ENOMEM, "ENOMEM"},
		{CAPNET_EACCES, "EACCES"},
		{CAPNET_EFAULT, "EFAULT"},
		{CAPNET_EEXIST, "EEXIST"},
		{CAPNET_EINVAL, "EINVAL"},
		{CAPNET_EMFILE, "EMFILE"},
		{CAPNET_EPIPE, "EPIPE"},
		{CAPNET_EPROTO, "EPROTO"},
		{CAPNET_EBADMSG, "EBADMSG"},
		{CAPNET_ENOTSOCK, "ENOTSOCK"},
		{CAPNET_EMSGSIZE, "EMSGSIZE"},
		{CAPNET_EOPNOTSUPP, "EOPNOTSUPP"},
		{CAPNET_EADDRINUSE, "EADDRINUSE"},
		{CAPNET_ENETDOWN, "ENETDOWN"},
		{CAPNET_ENETUNREACH, "ENETUNREACH"},
		{CAPNET_ECONNRESET, "ECONNRESET"},
		{CAPNET_ENOBUFS, "ENOBUFS"},
		{CAPNET_ENOTCONN, "ENOTCONN"},
		{CAPNET_ETIMEDOUT, "ETIMEDOUT"},
		{CAPNET_ECONNREFUSED, "ECONNREFUSED"},
		{CAPNET_EHOSTUNREACH, "EHOSTUNREACH"},
		{CAPNET_ECANCELED, "ECANCELED"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].v == err)
			return names[i].n;
	return "?";
}

char *capnet_poll_format(int events, char *buf, size_t len)
{
	static const struct {
		int v;
		const char *n;
	} names[] = {
		{CAPNET_POLLIN, "POLLIN"},	   {CAPNET_POLLPRI, "POLLPRI"},	    {CAPNET_POLLOUT, "POLLOUT"},
		{CAPNET_POLLERR, "POLLERR"},	   {CAPNET_POLLHUP, "POLLHUP"},	    {CAPNET_POLLNVAL, "POLLNVAL"},
		{CAPNET_POLLRDNORM, "POLLRDNORM"}, {CAPNET_POLLRDBAND, "POLLRDBAND"}, {CAPNET_POLLWRNORM, "POLLWRNORM"},
		{CAPNET_POLLWRBAND, "POLLWRBAND"}, {CAPNET_POLLRDHUP, "POLLRDHUP"},
	};
	if (buf == NULL || len == 0)
		return buf;
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(events & names[i].v))
			continue;
		if (at != 0 && at + 1 < len)
			buf[at++] = '|';
		for (const char *n = names[i].n; *n != '\0' && at + 1 < len; n++)
			buf[at++] = *n;
		buf[at] = '\0';
	}
	if (at == 0 && len > 1) {
		buf[0] = '0';
		buf[1] = '\0';
	}
	return buf;
}

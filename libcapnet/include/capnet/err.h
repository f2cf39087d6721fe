/* One error vocabulary for every layer (DESIGN: Capabilities). The POSIX
 * bridge maps it to errno / EAI_* in one place. */
#ifndef CAPNET_ERR_H
#define CAPNET_ERR_H

/* X(name, text) */
#define CAPNET_ERRORS(X)                                                    \
	X(OK, "success")                                                        \
	X(E_AGAIN, "no result yet (would block)")                               \
	X(E_TRUNCATED, "buffer shorter than the header or its length field")    \
	X(E_MALFORMED, "malformed field")                                       \
	X(E_CHECKSUM, "bad checksum")                                           \
	X(E_UNSUPPORTED, "unsupported version, type or feature")                \
	X(E_NOMEM, "pool or arena exhausted")                                   \
	X(E_NOBUFS, "buffer too small")                                         \
	X(E_INVAL, "invalid argument")                                          \
	X(E_NOROUTE, "no route to destination")                                 \
	X(E_UNREACHABLE, "destination unreachable")                             \
	X(E_NOTCONFIGURED, "interface not configured")                          \
	X(E_INUSE, "address or port in use")                                    \
	X(E_NOTFOUND, "not found")                                              \
	X(E_EXISTS, "already exists")                                           \
	X(E_REFUSED, "connection refused")                                      \
	X(E_RESET, "connection reset")                                          \
	X(E_TIMEDOUT, "timed out")                                              \
	X(E_CLOSED, "closed")                                                   \
	X(E_CANCELLED, "cancelled")                                             \
	X(E_NOTCONN, "not connected")                                           \
	X(E_MSGSIZE, "message too long")                                        \
	X(E_STATE, "operation not valid in the current state")                  \
	X(E_BADHANDLE, "bad, forged or stale handle")                           \
	X(E_WRONGTYPE, "handle names a different interface type")               \
	X(E_RIGHTS, "insufficient rights")                                      \
	X(E_REVOKED, "capability revoked")                                      \
	X(E_SCOPE, "outside the capability's scope")                            \
	X(E_LINKDOWN, "link down")                                              \
	X(E_NIC, "device error")

typedef enum capnet_err {
#define CAPNET_ERR_ENUM(name, text) CAPNET_##name,
	CAPNET_ERRORS(CAPNET_ERR_ENUM)
#undef CAPNET_ERR_ENUM
	CAPNET_ERR__COUNT
} capnet_err;

/* Human text for an error; never NULL. */
const char *capnet_strerror(capnet_err err);
/* The enum name without prefix ("E_TRUNCATED"), for transcripts and JSON. */
const char *capnet_errname(capnet_err err);

#endif

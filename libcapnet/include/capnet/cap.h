/* The capability layer (DESIGN: Capabilities). A client uses the network
 * only through the caps its cspace holds; a forged, stale, copied or
 * too-weak handle fails closed with a precise capnet_err.
 *
 *   capsys   one per stack: every cspace, every cap, the derivation tree,
 *            the audit. Carved from a caller arena sized by config.
 *   cspace   one per process (the hosted tools and proofs create several).
 *            Holds slots; a slot holds one cap and is named by a handle.
 *   cap      interface type + rights + scope + the object it serves, and
 *            its parent in the derivation tree (root, grant or mint).
 *
 * The check every call makes, in this order, before touching anything:
 *
 *   handle  E_BADHANDLE  the handle does not decode under this cspace's key
 *                        (guessed, or copied from another cspace), names a
 *                        slot out of range, a free slot, or an older
 *                        generation of the slot (stale: closed and reused).
 *           E_REVOKED    the handle names exactly a slot this cspace still
 *                        holds, but the cap in it was revoked (by its holder
 *                        or through any ancestor). The slot keeps answering
 *                        E_REVOKED until the holder closes it; after that the
 *                        handle is stale and answers E_BADHANDLE.
 *   type    E_WRONGTYPE  the cap serves another interface.
 *   rights  E_RIGHTS     a right the call needs is missing; or a grant or
 *                        attenuation asks for a right the cap lacks.
 *   scope   E_SCOPE      the port / destination is outside the cap's scope;
 *                        or a grant or attenuation asks for a wider scope.
 *
 * Each of these five rejections is counted in the audit, by reason, against
 * the cspace that made the call (capnet_cspace_audit) and in the system
 * totals. Malformed arguments (a scope with lo > hi, a NULL pointer) are
 * E_INVAL and are not authority rejections; exhaustion is E_NOMEM and
 * allocates nothing.
 *
 * Handles. A handle is 64 bits: (slot index, slot generation, a 32-bit check
 * word) enciphered by a keyed 64-bit permutation whose key is drawn from the
 * injected rng when the cspace is created. A handle is only ever looked up in
 * the calling cspace's own table, so even a correctly guessed handle can name
 * nothing the cspace does not already hold; the key makes guesses and
 * cross-cspace copies detectably wrong (they pass the check word with
 * probability 2^-32) instead of silently naming another of the caller's
 * caps. The permutation is not a cryptographic cipher: it defends against
 * guessing, not cryptanalysis by a holder of many handles, and the table
 * lookup is what makes handles unforgeable. A slot whose 16-bit generation
 * would wrap is retired, never reused, so a stale handle can never come back
 * to life. CAPNET_HANDLE_NONE (0) is never issued.
 *
 * Derivation. grant copies a cap into a cspace (possibly the same one) with
 * equal or fewer rights and equal or narrower scope; mint (served
 * interfaces: NetworkManager -> TcpListenAuthority, listen -> TcpListener)
 * creates a cap of another type below it. Both record the parent. revoke
 * invalidates a cap and everything below it, across cspaces; close drops
 * one handle: its cap stays in the tree (without keeping its object: see
 * capnet_cap_objops) while anything derived from it is alive, so a later
 * revoke of an ancestor still reaches the descendants. attenuate narrows
 * one cap in place and affects only that cap and what is derived from it
 * later; to withdraw what was already handed out, revoke_derived.
 *
 * The generic operations (check, mint, mint_root) are the provider's side,
 * used by the served interfaces below; mint_root is the trusted boot path.
 * Even so, mint can only follow the type graph (capnet_cap_mint_right). */
#ifndef CAPNET_CAP_H
#define CAPNET_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/arena.h"
#include "capnet/dhcp4_client.h"
#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/ip4_config.h"
#include "capnet/ip6.h"
#include "capnet/neigh.h"
#include "capnet/resolver.h"
#include "capnet/rng.h"
#include "capnet/stats.h"
#include "capnet/tcp.h"
#include "capnet/trace.h"
#include "capnet/types.h"
#include "capnet/udp.h"

/* ---- interface types and rights ---- */

#define CAPNET_RIGHT_READ (1u << 0)      /* read state / config / status */
#define CAPNET_RIGHT_CONFIGURE (1u << 1) /* change config, options, timers */
#define CAPNET_RIGHT_MINT (1u << 2)      /* create narrower authorities below this cap */
#define CAPNET_RIGHT_GRANT (1u << 3)     /* copy this cap into a cspace */
#define CAPNET_RIGHT_BIND (1u << 4)      /* listen / bind a local port within scope */
#define CAPNET_RIGHT_CONNECT (1u << 5)   /* open a connection within scope */
#define CAPNET_RIGHT_ACCEPT (1u << 6)    /* take connections from a listener */
#define CAPNET_RIGHT_SEND (1u << 7)      /* transmit data / datagrams / queries */
#define CAPNET_RIGHT_RECV (1u << 8)      /* receive data / datagrams */
#define CAPNET_RIGHT_SHUTDOWN (1u << 9)  /* end the underlying object for every holder */
#define CAPNET_RIGHTS_ALL ((1u << 10) - 1)
/* Dropping one's own handle (capnet_cap_close), attenuating it and revoking
 * it or what was derived from it need no right: they only shed authority. */

/* X(name, rights the type can ever carry). Read-only types carry only READ
 * (and GRANT, which copies read-only authority): nothing they can do sends a
 * frame or changes state. */
#define CAPNET_CAP_TYPES(X)                                                                         \
	X(NETWORK_MANAGER, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE | CAPNET_RIGHT_MINT | CAPNET_RIGHT_GRANT) \
	X(NIC, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE | CAPNET_RIGHT_SEND | CAPNET_RIGHT_RECV |           \
		       CAPNET_RIGHT_GRANT)                                                          \
	X(TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_BIND | CAPNET_RIGHT_GRANT)                             \
	X(TCP_LISTENER, CAPNET_RIGHT_ACCEPT | CAPNET_RIGHT_READ | CAPNET_RIGHT_SHUTDOWN | CAPNET_RIGHT_GRANT) \
	X(TCP_SOCKET, CAPNET_RIGHT_SEND | CAPNET_RIGHT_RECV | CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE |     \
			      CAPNET_RIGHT_SHUTDOWN | CAPNET_RIGHT_GRANT)                           \
	X(TCP_CONNECT_AUTHORITY, CAPNET_RIGHT_CONNECT | CAPNET_RIGHT_GRANT)                         \
	X(UDP_SOCKET, CAPNET_RIGHT_BIND | CAPNET_RIGHT_SEND | CAPNET_RIGHT_RECV | CAPNET_RIGHT_READ |         \
			      CAPNET_RIGHT_SHUTDOWN | CAPNET_RIGHT_GRANT)                           \
	X(DNS_RESOLVER, CAPNET_RIGHT_SEND | CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT)                 \
	X(NETWORK_STATUS, CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT)                                   \
	X(TRANSPORT_STATUS, CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT)                                 \
	X(PACKET_TRACE, CAPNET_RIGHT_CONFIGURE | CAPNET_RIGHT_MINT | CAPNET_RIGHT_GRANT)            \
	X(TRACE_READER, CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT)                                     \
	X(TIMER, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE | CAPNET_RIGHT_GRANT)                   \
	X(POLLABLE, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE | CAPNET_RIGHT_GRANT)                \
	X(PING, CAPNET_RIGHT_SEND | CAPNET_RIGHT_RECV | CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT)

enum capnet_cap_type {
	CAPNET_CAP_NONE = 0,
#define CAPNET_CAP_TYPE_ENUM(name, rights) CAPNET_CAP_##name,
	CAPNET_CAP_TYPES(CAPNET_CAP_TYPE_ENUM)
#undef CAPNET_CAP_TYPE_ENUM
	CAPNET_CAP__COUNT
};

/* "TCP_LISTENER"; "?" outside the enum. */
const char *capnet_cap_type_name(enum capnet_cap_type t);
/* The rights a cap of this type can carry (0 outside the enum). */
uint32_t capnet_cap_type_rights(enum capnet_cap_type t);
/* "READ" for one right bit; NULL for anything else. */
const char *capnet_right_name(uint32_t right);

/* ---- scope ---- */

/* Where a cap may act. Ranges are inclusive. The local range bounds the
 * ports listen/bind may take; the remote prefix and port range bound the
 * peers connect/send_to may reach. A type that ignores a part keeps it full.
 * Narrower means every range is a sub-range and the remote prefix lies
 * within the parent's (longer or equal prefix, same network). */
struct capnet_scope {
	uint16_t local_lo, local_hi;
	capnet_ip4addr remote_addr; /* network address of the remote prefix */
	uint8_t remote_prefix;      /* 0..32; 0 = any destination */
	uint16_t remote_lo, remote_hi;
};

/* Every port, every destination. */
struct capnet_scope capnet_scope_full(void);
/* Full except the local port range. */
struct capnet_scope capnet_scope_local(uint16_t lo, uint16_t hi);
/* Full local range, remote limited to prefix and port range. */
struct capnet_scope capnet_scope_remote(capnet_ip4addr addr, uint8_t prefix, uint16_t lo, uint16_t hi);
/* Well formed: lo <= hi for both ranges, prefix <= 32, and no host bits set
 * beyond the prefix. */
bool capnet_scope_valid(const struct capnet_scope *s);
/* inner is within outer. */
bool capnet_scope_within(const struct capnet_scope *inner, const struct capnet_scope *outer);

/* What one call asks to do, checked against a cap's scope. */
#define CAPNET_SCOPE_REQ_LOCAL 0x1u  /* local_port must be in the local range */
#define CAPNET_SCOPE_REQ_REMOTE 0x2u /* remote addr/port must be in the remote scope */
struct capnet_scope_req {
	unsigned what;
	uint16_t local_port;
	capnet_ip4addr remote_addr;
	uint16_t remote_port;
};
bool capnet_scope_allows(const struct capnet_scope *s, const struct capnet_scope_req *req);

/* ---- the system and its cspaces ---- */

typedef uint64_t capnet_handle;
#define CAPNET_HANDLE_NONE ((capnet_handle)0)

struct capnet_capsys;
struct capnet_cspace;

struct capnet_capsys_config {
	uint16_t max_cspaces;      /* default 8 */
	uint16_t slots_per_cspace; /* handles a cspace can hold at once; default 64 */
	uint32_t max_caps;         /* caps in the whole tree, held or kept by descendants; default 256 */
	/* Pollable caps (capnet/pollable.h): sets alive at once, and members
	 * per set; defaults 8 and 16. */
	uint16_t max_pollables;
	uint16_t pollable_members;
};
void capnet_capsys_config_defaults(struct capnet_capsys_config *cfg);
size_t capnet_capsys_arena_need(const struct capnet_capsys_config *cfg);
/* `cfg` may be NULL for defaults. The rng is kept for cspace keys. */
capnet_err capnet_capsys_create(struct capnet_arena *arena, const struct capnet_capsys_config *cfg,
				struct capnet_rng rng, struct capnet_capsys **out);

/* A new cspace with a fresh key. `name` (may be NULL) is copied, truncated
 * to CAPNET_CSPACE_NAME_MAX - 1 characters. E_NOMEM when all are in use. */
#define CAPNET_CSPACE_NAME_MAX 16
capnet_err capnet_cspace_create(struct capnet_capsys *sys, const char *name, struct capnet_cspace **out);
/* Process exit: closes every handle (as capnet_cap_close would, so caps
 * with live descendants stay in the tree) and frees the cspace. The pointer
 * must not be used afterwards; its audit is folded into the system total. */
void capnet_cspace_destroy(struct capnet_cspace *cs);
uint32_t capnet_cspace_id(const struct capnet_cspace *cs); /* 1-based, stable while live */
const char *capnet_cspace_name(const struct capnet_cspace *cs);
struct capnet_capsys *capnet_cspace_sys(const struct capnet_cspace *cs);
/* The live cspace with this id, or NULL. */
struct capnet_cspace *capnet_capsys_cspace(struct capnet_capsys *sys, uint32_t id);

/* ---- the audit ---- */

#define CAPNET_AUDIT_REASONS(X) X(BADHANDLE) X(REVOKED) X(WRONGTYPE) X(RIGHTS) X(SCOPE)
enum capnet_audit_reason {
#define CAPNET_AUDIT_ENUM(name) CAPNET_AUDIT_##name,
	CAPNET_AUDIT_REASONS(CAPNET_AUDIT_ENUM)
#undef CAPNET_AUDIT_ENUM
	CAPNET_AUDIT__COUNT
};

struct capnet_audit {
	uint64_t rejected[CAPNET_AUDIT__COUNT];
	uint64_t total;
	/* The last rejection, for transcripts. */
	capnet_err last_err;
	enum capnet_cap_type last_type; /* type the call wanted (NONE: any) */
};

/* The audit reason for a rejection error; -1 for any other error. */
int capnet_audit_reason_of(capnet_err err);
/* "BADHANDLE" ... */
const char *capnet_audit_reason_name(enum capnet_audit_reason r);
void capnet_cspace_audit(const struct capnet_cspace *cs, struct capnet_audit *out);
/* Every rejection since the system was created, including those of
 * cspaces since destroyed. */
void capnet_capsys_audit(const struct capnet_capsys *sys, struct capnet_audit *out);

/* ---- caps: the generic operations ---- */

enum capnet_cap_origin { CAPNET_ORIGIN_ROOT = 0, CAPNET_ORIGIN_GRANT, CAPNET_ORIGIN_MINT };

/* What a cap holds; what a served call works with after the check. */
struct capnet_cap_info {
	enum capnet_cap_type type;
	uint32_t rights;
	struct capnet_scope scope;
	enum capnet_cap_origin origin;
	enum capnet_cap_type parent_type; /* NONE for a root */
	uint32_t depth;                   /* 0 for a root */
	void *obj;                        /* the object the cap serves */
	uint32_t cap_id;                  /* tree-wide index; for status tables */
};

/* The object a cap serves. The cap created with `ops` owns the object;
 * grant copies of it (which always sit below it) share it. `release`
 * (optional) runs exactly once, when no held cap names the object any more:
 * the owner and every copy closed or revoked. Caps kept in the tree only for
 * their descendants do not keep the object, nor do caps of other objects
 * minted below it (closing a listener ends the listening while its accepted
 * connections go on). It runs inside close/revoke: it must not call back
 * into the capsys. */
struct capnet_cap_objops {
	void (*release)(void *obj);
};

/* Trusted boot path: a root cap of `type` in `cs`. rights must be within
 * capnet_cap_type_rights(type) (else E_INVAL). `ops` may be NULL; when not,
 * the new cap owns `obj`. */
capnet_err capnet_cap_mint_root(struct capnet_cspace *cs, enum capnet_cap_type type, uint32_t rights,
				const struct capnet_scope *scope, void *obj, const struct capnet_cap_objops *ops,
				capnet_handle *out);

/* The gate of every served call: handle -> type -> rights -> scope (req
 * may be NULL). On success fills `out` (may be NULL); on rejection counts
 * it in the audit. type CAPNET_CAP_NONE accepts any type. */
capnet_err capnet_cap_check(struct capnet_cspace *cs, capnet_handle h, enum capnet_cap_type type,
			    uint32_t rights, const struct capnet_scope_req *req, struct capnet_cap_info *out);

/* What a served interface uses to create a cap below a checked one
 * (listen, connect, accept, mint). Only the edges of the type graph exist
 * (capnet_cap_mint_right): NetworkManager -> every authority and view,
 * TcpListenAuthority -BIND-> TcpListener -ACCEPT-> TcpSocket,
 * TcpConnectAuthority -CONNECT-> TcpSocket, UdpSocket -BIND-> UdpSocket,
 * TcpListener/TcpSocket -READ-> TransportStatus, PacketTrace -MINT->
 * TraceReader, Timer -READ-> Pollable (capnet/pollable.h), NetworkManager
 * -MINT-> Ping -SEND-> Ping (a session; capnet/ping_cap.h). The check: handle -> parent type (parent_type, NONE: any)
 * -> need_rights -> an edge to the child type (E_WRONGTYPE) -> the edge's
 * right (E_RIGHTS) -> req within the parent's scope -> child_scope within
 * the parent's (E_SCOPE). child rights outside the child type are E_INVAL.
 * So whoever calls it, a read-only cap never parents an acting one. */
/* The right an edge parent -> child needs; 0 when there is no such edge. */
uint32_t capnet_cap_mint_right(enum capnet_cap_type parent, enum capnet_cap_type child);
struct capnet_cap_mint_args {
	enum capnet_cap_type parent_type;
	uint32_t need_rights;
	const struct capnet_scope_req *req; /* may be NULL */
	enum capnet_cap_type type;
	uint32_t rights;
	const struct capnet_scope *scope; /* NULL: the parent's */
	void *obj;
	const struct capnet_cap_objops *ops; /* non-NULL: the child owns obj */
};
capnet_err capnet_cap_mint(struct capnet_cspace *cs, capnet_handle parent, const struct capnet_cap_mint_args *a,
			   capnet_handle *out);

/* Copies the cap into `to` with `rights` (a subset of the cap's) and
 * `scope` (NULL: the cap's own; else within it). Needs GRANT. */
capnet_err capnet_cap_grant(struct capnet_cspace *from, capnet_handle h, struct capnet_cspace *to, uint32_t rights,
			    const struct capnet_scope *scope, capnet_handle *out);
/* Narrows the cap in place (scope NULL: keep). Never widens. */
capnet_err capnet_cap_attenuate(struct capnet_cspace *cs, capnet_handle h, uint32_t rights,
				const struct capnet_scope *scope);
/* Revokes the cap and everything derived from it, in every cspace. The
 * handle then answers E_REVOKED until closed. */
capnet_err capnet_cap_revoke(struct capnet_cspace *cs, capnet_handle h);
/* Revokes everything derived from the cap; the cap itself stays. */
capnet_err capnet_cap_revoke_derived(struct capnet_cspace *cs, capnet_handle h);
/* Drops the handle (a revoked one too). Derived caps stay alive. */
capnet_err capnet_cap_close(struct capnet_cspace *cs, capnet_handle h);
/* Reads a cap's info; needs no right (a holder may see what it holds). */
capnet_err capnet_cap_inspect(struct capnet_cspace *cs, capnet_handle h, struct capnet_cap_info *out);

/* ---- accounting and self-check ---- */

struct capnet_capsys_stats {
	uint32_t cspaces_live;
	uint32_t caps_in_use, caps_high_water, caps_capacity;
	uint32_t slots_in_use;     /* held handles, revoked ones included */
	uint32_t slots_revoked;    /* held handles answering E_REVOKED */
	uint32_t slots_retired;    /* generation exhausted, never reused */
	uint32_t caps_closed_kept; /* caps without a holder kept for their descendants */
	uint64_t nomem;            /* creations refused for lack of a cap, slot or cspace */
	uint64_t revoked;          /* caps revoked */
	uint64_t released;         /* objects released */
};
void capnet_capsys_stats(const struct capnet_capsys *sys, struct capnet_capsys_stats *out);

/* Walks every structure and checks it is consistent: free lists and
 * counts, parent/child/sibling links (no cycle), slot <-> cap
 * back-references, every cap's rights within its type and its scope well
 * formed, no revoked slot pointing at a cap, no kept cap without a
 * descendant. CAPNET_OK or E_STATE. The tests run it after every step. */
capnet_err capnet_capsys_verify(const struct capnet_capsys *sys);

/* Enumerates the live caps (for status tables); returns how many exist and
 * fills up to `max`. owner is the cspace id holding it (0: closed, kept). */
struct capnet_cap_entry {
	struct capnet_cap_info info;
	uint32_t owner;
	uint32_t parent_id; /* UINT32_MAX for a root */
};
size_t capnet_capsys_caps(const struct capnet_capsys *sys, struct capnet_cap_entry *out, size_t max);

/* ================= served interfaces ================= */

struct capnet_tcp;
struct capnet_udp_layer;
struct capnet_sockets;
struct capnet_ping_layer;

/* The network a NetworkManager serves: one interface for now. The caller
 * owns it; it must outlive every cap minted over it. */
struct capnet_net {
	const char *name;          /* "eth0" */
	struct capnet_iface *iface;
	struct capnet_nic *nic;    /* link state; may be NULL (reported up) */
	struct capnet_capsys *sys; /* audit and cap table for the status view; may be NULL */
	/* Transports served through caps (NULL: their calls answer
	 * E_NOTCONFIGURED). socks is set by capnet_sockets_create. */
	struct capnet_tcp *tcp;
	struct capnet_udp_layer *udp;
	struct capnet_sockets *socks;
	/* Where PacketTrace caps take their traces (capnet_trace_pool_create);
	 * NULL: capnet_netmgr_mint_trace_policy answers E_NOTCONFIGURED. */
	struct capnet_trace_pool *traces;
	/* Resolver inputs and the DHCP client, for the NetworkStatus view
	 * (capnet_status_resolver, capnet_status_dhcp4); NULL: not served. */
	struct capnet_ip4cfg *ip4cfg;
	struct capnet_dhcp4_client *dhcp4;
	/* The stub resolver DnsResolver caps are served by (NULL: their calls
	 * answer E_NOTCONFIGURED). */
	struct capnet_dns_stub *dns;
	/* The ping sessions Ping caps are served by (NULL: their calls answer
	 * E_NOTCONFIGURED). */
	struct capnet_ping_layer *ping;
};

/* ---- NetworkManager ---- */

/* Trusted boot path: a NetworkManager root with every right over `net`. */
capnet_err capnet_netmgr_create_root(struct capnet_cspace *cs, struct capnet_net *net, capnet_handle *out);

struct capnet_netmgr_config {
	struct capnet_ip4_config ip4; /* what the interface runs with: addr, prefix, gateway */
	/* The same value by value, each with where it came from (static or a
	 * lease), and the routes beyond the connected and default ones. */
	struct capnet_ip4cfg_view view;
	bool link_up;
	struct capnet_mac mac;
	uint16_t mtu;                      /* what IPv4 sends with */
	enum capnet_mtu_source mtu_source; /* default (the NIC's), static or DHCP option 26 */
};
/* READ. */
capnet_err capnet_netmgr_get_config(struct capnet_cspace *cs, capnet_handle nm, struct capnet_netmgr_config *out);
/* CONFIGURE. The static layer's address, prefix and gateway (the rest of
 * the layer is kept): they win over a lease value by value; addr 0 gives
 * the address back to the lease (or to none). E_INVAL for a prefix > 32
 * (nothing changes); E_NOTCONFIGURED for a network without configuration
 * layers (every stack has them). */
capnet_err capnet_netmgr_set_static(struct capnet_cspace *cs, capnet_handle nm, capnet_ip4addr addr,
				    uint8_t prefix_len, capnet_ip4addr gateway, capnet_instant now);
/* CONFIGURE. The static IPv6 address (provenance static): it replaces the
 * previous static one and goes through DAD before use; its prefix is
 * on-link. gateway (NULL or :: for none) becomes a default router that
 * never expires, replacing the previous static one; a link-local gateway
 * is the RFC 4861 norm. addr NULL or :: removes the static address.
 * E_NOTCONFIGURED when the interface has no IPv6; E_INVAL for a prefix
 * > 128 or a multicast address. */
capnet_err capnet_netmgr_set_static6(struct capnet_cspace *cs, capnet_handle nm, const struct capnet_ip6addr *addr,
				     uint8_t prefix_len, const struct capnet_ip6addr *gateway, capnet_instant now);
/* CONFIGURE. The whole static layer: address, gateway, routes and the
 * resolver inputs (DNS servers, domain, search list); a zero value says
 * nothing and leaves it to the lease. E_INVAL for a layer the merge refuses
 * (the previous layer stays in force). */
capnet_err capnet_netmgr_set_static_config(struct capnet_cspace *cs, capnet_handle nm,
					   const struct capnet_ip4cfg_layer *layer, capnet_instant now);
/* CONFIGURE. The static MTU (the rest of the static layer is kept): it
 * wins over DHCP option 26; 0 leaves the MTU to the lease or the NIC.
 * E_INVAL below 576 or above the NIC's MTU (nothing changes). */
capnet_err capnet_netmgr_set_mtu(struct capnet_cspace *cs, capnet_handle nm, uint16_t mtu, capnet_instant now);
/* CONFIGURE. Empties the static layer: every value from the lease again. */
capnet_err capnet_netmgr_clear_static(struct capnet_cspace *cs, capnet_handle nm, capnet_instant now);

/* MINT: narrower authorities in the caller's cspace (grant them onward). */
capnet_err capnet_netmgr_mint_status(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out);
capnet_err capnet_netmgr_mint_listen_authority(struct capnet_cspace *cs, capnet_handle nm, uint16_t port_lo,
					       uint16_t port_hi, capnet_handle *out);
capnet_err capnet_netmgr_mint_connect_authority(struct capnet_cspace *cs, capnet_handle nm, capnet_ip4addr dst,
						uint8_t prefix, uint16_t port_lo, uint16_t port_hi,
						capnet_handle *out);
/* A UdpSocket authority: bind one local port in [port_lo, port_hi], then
 * send_to / recv_from within `remote` (NULL: anywhere). */
capnet_err capnet_netmgr_mint_udp(struct capnet_cspace *cs, capnet_handle nm, uint16_t port_lo, uint16_t port_hi,
				  const struct capnet_scope *remote, capnet_handle *out);
/* A bare PacketTrace authority with no capture behind it (the type graph's
 * edge; every trace call on it answers E_NOTCONFIGURED). A capture is
 * minted with capnet_netmgr_mint_trace_policy (PacketTrace, below). */
capnet_err capnet_netmgr_mint_trace(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out);
capnet_err capnet_netmgr_mint_timer(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out);
/* A Nic cap over the interface's NIC (E_NOTCONFIGURED when the network
 * has none): raw frames, nothing else (capnet_niccap_*, below). */
capnet_err capnet_netmgr_mint_nic(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out);

/* ---- Nic: raw frames, copied; never a device address ---- */

struct capnet_nic_info {
	struct capnet_mac mac;
	uint16_t mtu; /* the largest Ethernet payload */
	bool link_up;
};
/* READ. */
capnet_err capnet_niccap_info(struct capnet_cspace *cs, capnet_handle nic, struct capnet_nic_info *out);
/* SEND: one whole frame (Ethernet header included, at least 14 bytes, at
 * most MTU + 18), copied out. E_MSGSIZE beyond that, E_LINKDOWN with the
 * link down, E_AGAIN when the device cannot take it now (nothing was sent). */
capnet_err capnet_niccap_transmit(struct capnet_cspace *cs, capnet_handle nic, const void *frame, size_t len);
/* RECV: the next frame of the NIC's kept-armed pool, copied into buf. OK
 * with *len set; E_AGAIN when no frame is waiting (normal: nothing is
 * reset); E_NOBUFS when the frame was longer than cap (it is consumed). */
capnet_err capnet_niccap_receive(struct capnet_cspace *cs, capnet_handle nic, void *buf, size_t cap, size_t *len);

/* ---- NetworkStatus: the read-only operator view (READ on every call) ---- */

struct capnet_status_link {
	const char *name;
	bool up;
	struct capnet_mac mac;
	uint16_t mtu;                      /* what IPv4 sends with */
	enum capnet_mtu_source mtu_source; /* default (the NIC's), static or DHCP option 26 */
	uint16_t link_mtu;                 /* the NIC's: what the link carries */
	struct capnet_ip4_config ip4;
	/* The gateway's neighbour entry (valid when gateway_known). */
	bool gateway_known;
	struct capnet_arp_entry_info gateway_neighbour;
};
capnet_err capnet_status_link(struct capnet_cspace *cs, capnet_handle st, struct capnet_status_link *out);
/* Fill up to max; *count = how many exist (may exceed max). */
capnet_err capnet_status_routes(struct capnet_cspace *cs, capnet_handle st, struct capnet_ip4_route *out, size_t max,
				size_t *count);
capnet_err capnet_status_neighbours(struct capnet_cspace *cs, capnet_handle st, struct capnet_arp_entry_info *out,
				    size_t max, size_t *count);
/* The interface counters, named by capnet_stat_name. */
capnet_err capnet_status_counters(struct capnet_cspace *cs, capnet_handle st, struct capnet_stats *out);
/* One cspace's audit, by id (the operator sees who was refused what). */
capnet_err capnet_status_audit(struct capnet_cspace *cs, capnet_handle st, uint32_t cspace_id,
			       struct capnet_audit *out);
/* The resolver's inputs -- DNS servers, domain, search list -- each with
 * its provenance (static over DHCP; capnet/ip4_config.h). Without
 * net->ip4cfg: all empty, provenance NONE. */
capnet_err capnet_status_resolver(struct capnet_cspace *cs, capnet_handle st, struct capnet_resolver_inputs *out);
/* The DHCPv4 client's state and lease at `now` (remaining time is computed,
 * nothing is advanced). E_NOTCONFIGURED without net->dhcp4. */
capnet_err capnet_status_dhcp4(struct capnet_cspace *cs, capnet_handle st, capnet_instant now,
			       struct capnet_dhcp4_lease_info *out);

/* The IPv6 side (capnet/ip6.h): addresses with state and provenance,
 * default routers, RDNSS servers, link MTU and the IPv6 counters.
 * enabled false (everything else zero) when the interface has no IPv6. */
#define CAPNET_STATUS_IP6_ADDRS 8
#define CAPNET_STATUS_IP6_ROUTERS 4
#define CAPNET_STATUS_IP6_RDNSS 3
struct capnet_status_ip6 {
	bool enabled;
	uint16_t link_mtu;
	size_t n_addrs; /* may exceed CAPNET_STATUS_IP6_ADDRS: the first ones are filled */
	struct capnet_ip6_addr_info addrs[CAPNET_STATUS_IP6_ADDRS];
	size_t n_routers;
	struct capnet_ip6_router_info routers[CAPNET_STATUS_IP6_ROUTERS];
	size_t n_rdnss;
	struct capnet_ip6addr rdnss[CAPNET_STATUS_IP6_RDNSS];
	capnet_instant rdnss_expires;
	enum capnet_provenance rdnss_provenance; /* RA, or NONE */
	struct capnet_stats6 counters;           /* named by capnet_stat6_name */
};
capnet_err capnet_status_ip6(struct capnet_cspace *cs, capnet_handle st, struct capnet_status_ip6 *out);
/* The NDP neighbour cache (state names: capnet_nd_state_name). */
capnet_err capnet_status_neighbours6(struct capnet_cspace *cs, capnet_handle st, struct capnet_neigh_entry *out,
				     size_t max, size_t *count);

/* A hash of everything a read must not change: the interface config,
 * routes, ARP cache (all fields), MAC, MTU, every counter, every TCP
 * socket's state (capnet_tcp_info: sequence space, queues, timers, RTT,
 * congestion state, counters), the UDP and served-socket tables, and the
 * cap tables' sizes. Equal before and after a sequence of reads proves the
 * reads changed nothing. */
uint64_t capnet_net_fingerprint(const struct capnet_net *net);

/* ---- PacketTrace and TraceReader (capnet/trace.h; cap/trace_caps.c) ----
 *
 * A NetworkManager (MINT) mints a PacketTrace over its interface with a
 * policy (capacity, header-only snaplen, direction, protocol/port filter,
 * expiry) and a reason; the trace starts capturing at once into a trace of
 * net->traces. The PacketTrace can only narrow or stop its capture
 * (CONFIGURE) and mint TraceReaders (MINT); a TraceReader can only read
 * records, counters, policy and provenance (READ). Neither can send a
 * frame, configure the interface or open a socket: handed to any other
 * call, their handles fail closed with E_WRONGTYPE, and a widening with
 * E_SCOPE, audited like every rejection.
 *
 * Revoking the PacketTrace (or anything above it) stops the capture, frees
 * the trace and revokes every TraceReader below it (E_REVOKED). When the
 * last PacketTrace handle is closed instead, the capture ends the same way
 * and surviving readers answer E_CLOSED. */
struct capnet_trace_request {
	struct capnet_trace_policy policy;
	const char *reason;  /* why: copied into the provenance, cut to CAPNET_TRACE_REASON_MAX - 1 */
	uint32_t for_cspace; /* the cspace id the trace is minted for (recorded); 0: the caller's */
};
/* MINT on the NetworkManager; the trace's port filter (if any) must lie in
 * the manager's local port scope, and a manager scoped to fewer than every
 * port can only mint traces with such a filter (E_SCOPE). E_INVAL for a bad
 * policy, E_NOTCONFIGURED without net->traces, E_NOMEM when no trace or
 * cap slot is free, E_INUSE when the interface already has a trace. */
capnet_err capnet_netmgr_mint_trace_policy(struct capnet_cspace *cs, capnet_handle nm,
					   const struct capnet_trace_request *req, capnet_instant now,
					   capnet_handle *out);
/* CONFIGURE on a PacketTrace: replace the policy by one within it. */
capnet_err capnet_tracecap_narrow(struct capnet_cspace *cs, capnet_handle pt, const struct capnet_trace_policy *p);
/* CONFIGURE: stop capturing; records stay readable. */
capnet_err capnet_tracecap_stop(struct capnet_cspace *cs, capnet_handle pt);
/* MINT: a TraceReader (READ | GRANT) in the caller's cspace; grant it on. */
capnet_err capnet_tracecap_reader(struct capnet_cspace *cs, capnet_handle pt, capnet_handle *reader);
/* READ on a TraceReader: state, policy, provenance, counters. */
capnet_err capnet_tracecap_info(struct capnet_cspace *cs, capnet_handle reader, struct capnet_trace_info *out);
/* READ: one record, 0-based; E_NOTFOUND beyond the records held. */
capnet_err capnet_tracecap_record(struct capnet_cspace *cs, capnet_handle reader, uint32_t index,
				  struct capnet_trace_record *out);

/* ---- Timer: a one-shot deadline per cap (time is an argument) ----
 * A granted copy starts with the deadline its source had, then is a timer
 * of its own. */

/* CONFIGURE. deadline CAPNET_INSTANT_NEVER disarms. */
capnet_err capnet_timer_set(struct capnet_cspace *cs, capnet_handle t, capnet_instant deadline);
/* READ. *expired = armed and deadline <= now. */
capnet_err capnet_timer_poll(struct capnet_cspace *cs, capnet_handle t, capnet_instant now, capnet_instant *deadline,
			     bool *expired);
/* READ: a Pollable cap below the Timer (capnet_timer_mint_pollable in
 * capnet/pollable.h). */

/* ================= sockets: TCP and UDP served through caps ================= */

/* The table of sockets opened through caps and of parked calls, carved
 * from the caller's arena. One per capsys (net->sys must be set); it sets
 * net->socks. */
struct capnet_sockets_config {
	uint16_t max_sockets; /* listeners + connections + UDP sockets; default 32 */
	uint16_t max_parked;  /* parked calls at once; default 32 */
};
void capnet_sockets_config_defaults(struct capnet_sockets_config *cfg);
size_t capnet_sockets_arena_need(const struct capnet_sockets_config *cfg);
capnet_err capnet_sockets_create(struct capnet_arena *arena, const struct capnet_sockets_config *cfg,
				 struct capnet_net *net, struct capnet_sockets **out);
/* Time is an argument: closes sockets whose last cap went (a close or
 * revoke without `now`), completes parked calls that became ready or whose
 * deadline passed, and returns the earliest parked deadline. Call it after
 * capnet_iface_poll at every instant the interface is polled
 * (capnet_stack_poll does). The transports tell the table which sockets
 * had events, so a poll's work follows those sockets, not the table. */
capnet_instant capnet_sockets_poll(struct capnet_net *net, capnet_instant now);

/* A socket's cap is its only handle: when the last cap naming it is
 * closed or revoked, the socket is closed (TCP: a graceful close at the
 * next capnet_sockets_poll, or at once through capnet_tcpcap_close), every
 * call parked on it completes CLOSED, and its TransportStatus views answer
 * E_CLOSED. Rights of a socket opened through an authority: the socket
 * type's rights, GRANT only if the authority had it. */

/* ---- TCP ---- */

/* TcpListenAuthority (BIND, port within its local range) -> TcpListener. */
capnet_err capnet_tcpcap_listen(struct capnet_cspace *cs, capnet_handle authority, uint16_t port, uint32_t backlog,
				capnet_handle *listener);
/* TcpListener (ACCEPT) -> TcpSocket; E_AGAIN when none is ready (park
 * CAPNET_PARK_ACCEPT to wait). */
capnet_err capnet_tcpcap_accept(struct capnet_cspace *cs, capnet_handle listener, capnet_handle *sock);
/* TcpConnectAuthority (CONNECT, dst:port within its remote scope) ->
 * TcpSocket in SYN-SENT; park CAPNET_PARK_CONNECT for the outcome. */
capnet_err capnet_tcpcap_connect(struct capnet_cspace *cs, capnet_handle authority, capnet_ip4addr dst,
				 uint16_t port, capnet_instant now, capnet_handle *sock);
/* SEND / RECV / SHUTDOWN / CONFIGURE on a TcpSocket; results as capnet_tcp_*
 * (a short *queued is backpressure; E_CLOSED once the socket was closed). */
capnet_err capnet_tcpcap_send(struct capnet_cspace *cs, capnet_handle sock, const void *data, size_t len,
			      size_t *queued, capnet_instant now);
capnet_err capnet_tcpcap_recv(struct capnet_cspace *cs, capnet_handle sock, void *buf, size_t cap, size_t *got,
			      capnet_instant now);
capnet_err capnet_tcpcap_shutdown(struct capnet_cspace *cs, capnet_handle sock, capnet_instant now);
capnet_err capnet_tcpcap_set_keepalive(struct capnet_cspace *cs, capnet_handle sock, bool on, capnet_duration idle,
				       capnet_duration interval, uint8_t probes, capnet_instant now);
capnet_err capnet_tcpcap_set_user_timeout(struct capnet_cspace *cs, capnet_handle sock, capnet_duration t,
					  capnet_instant now);
capnet_err capnet_tcpcap_set_connect_timeout(struct capnet_cspace *cs, capnet_handle sock, capnet_duration t,
					     capnet_instant now);
/* Readiness (CAPNET_TCP_EV_* of capnet/tcp.h) of a TcpSocket or TcpListener;
 * needs no right beyond holding the cap. */
capnet_err capnet_tcpcap_events(struct capnet_cspace *cs, capnet_handle sock, unsigned *events);
/* Drops the handle (as capnet_cap_close) and, if it was the last cap of the
 * socket, closes the socket now. */
capnet_err capnet_tcpcap_close(struct capnet_cspace *cs, capnet_handle sock, capnet_instant now);

/* TcpSocket or TcpListener (READ) -> a TransportStatus view of it, in the
 * same cspace (grant it onward). The view does not keep the socket open. */
capnet_err capnet_tcpcap_status(struct capnet_cspace *cs, capnet_handle sock, capnet_handle *view);
struct capnet_transport_status {
	struct capnet_tcp_info tcp; /* everything TCP exposes */
	unsigned events;            /* readiness, CAPNET_TCP_EV_* */
	uint32_t parked;            /* calls parked on the socket */
	uint32_t owner_cspace;      /* who opened it */
	enum capnet_cap_type authority; /* through what */
};
/* READ on a TransportStatus. E_CLOSED once the socket is gone. */
capnet_err capnet_transport_status(struct capnet_cspace *cs, capnet_handle view, struct capnet_transport_status *out);

/* ---- UDP ---- */

/* A UdpSocket authority (BIND, port within its local range) -> a UdpSocket
 * bound to that one port on both families (IPv6 too when the interface has
 * it), keeping the authority's remote scope. */
capnet_err capnet_udpcap_bind(struct capnet_cspace *cs, capnet_handle authority, uint16_t port, capnet_handle *sock);
/* SEND: dst:port must be within the socket's remote scope (E_SCOPE). */
capnet_err capnet_udpcap_send_to(struct capnet_cspace *cs, capnet_handle sock, capnet_ip4addr dst, uint16_t port,
				 const void *data, size_t len, capnet_instant now);
/* Either family (the sender in capnet_udp_meta.src_addr, say). The remote
 * scope is an IPv4 prefix: an IPv6 dst is within it only when the scope
 * has no prefix (any destination) and port is in its range, else E_SCOPE. */
capnet_err capnet_udpcap_send_to_addr(struct capnet_cspace *cs, capnet_handle sock, const struct capnet_ipaddr *dst,
				      uint16_t port, const void *data, size_t len, capnet_instant now);
/* RECV: the oldest datagram from within the remote scope (either family,
 * as for send_to_addr); datagrams from outside it are dropped and counted
 * (capnet_udpcap_scope_dropped). */
capnet_err capnet_udpcap_recv_from(struct capnet_cspace *cs, capnet_handle sock, void *buf, size_t cap, size_t *len,
				   struct capnet_udp_meta *meta);
capnet_err capnet_udpcap_events(struct capnet_cspace *cs, capnet_handle sock, unsigned *events);
capnet_err capnet_udpcap_scope_dropped(struct capnet_cspace *cs, capnet_handle sock, uint64_t *dropped);

/* ---- parked calls ---- */

/* A call that cannot complete now parks until the socket is ready for it,
 * its deadline passes, it is cancelled, or the socket's cap goes. Each
 * parked call completes exactly once, with one typed outcome; its result is
 * read (and the ticket freed) by capnet_park_result.
 *   ACCEPT   TcpListener, ACCEPT: completes by accepting; result.handle is
 *            the new TcpSocket in the parking cspace.
 *   RECV     TcpSocket or UdpSocket, RECV: data (or end of stream) to read.
 *   SEND     TcpSocket or UdpSocket, SEND: room in the send ring.
 *   CONNECT  TcpSocket (no right needed): the handshake's end. */
enum capnet_park_op { CAPNET_PARK_ACCEPT = 0, CAPNET_PARK_RECV, CAPNET_PARK_SEND, CAPNET_PARK_CONNECT, CAPNET_PARK__COUNT };
/* "ACCEPT", "RECV", "SEND", "CONNECT"; "?" outside the enum. */
const char *capnet_park_op_name(enum capnet_park_op op);

#define CAPNET_OUTCOMES(X) \
	X(PENDING) X(COMPLETED) X(TIMED_OUT) X(REFUSED) X(RESET) X(CANCELLED) X(CLOSED) X(FAILED)
enum capnet_outcome {
#define CAPNET_OUTCOME_ENUM(name) CAPNET_OUTCOME_##name,
	CAPNET_OUTCOMES(CAPNET_OUTCOME_ENUM)
#undef CAPNET_OUTCOME_ENUM
	CAPNET_OUTCOME__COUNT
};
const char *capnet_outcome_name(enum capnet_outcome o);

typedef uint32_t capnet_ticket;
struct capnet_park_result {
	enum capnet_outcome outcome;
	capnet_err err;         /* FAILED: why (E_NOMEM accepting, E_UNREACHABLE...) */
	capnet_handle handle;   /* ACCEPT completed: the connection */
	capnet_instant at;      /* when it completed */
};

/* Parks op on the socket: handle -> type -> rights as above. It may
 * complete at once (evaluated at `now`). deadline CAPNET_INSTANT_NEVER: none. */
capnet_err capnet_park(struct capnet_cspace *cs, capnet_handle sock, enum capnet_park_op op, capnet_instant deadline,
		       capnet_instant now, capnet_ticket *out);
/* CANCELLED if still parked (OK); E_STATE if it had already completed (its
 * outcome stands: nothing is woken twice); E_BADHANDLE for a ticket that is
 * not this cspace's or was already read. */
capnet_err capnet_park_cancel(struct capnet_cspace *cs, capnet_ticket t, capnet_instant now);
/* E_AGAIN while parked; OK with the result once complete, which frees the
 * ticket (a second read is E_BADHANDLE). */
capnet_err capnet_park_result(struct capnet_cspace *cs, capnet_ticket t, struct capnet_park_result *out);

struct capnet_sockets_stats {
	uint32_t sockets_in_use, sockets_max;
	uint32_t parked, parked_max;                 /* waiting now (DONE, unread, not counted) */
	uint64_t completed[CAPNET_OUTCOME__COUNT];   /* by outcome */
	uint64_t closes_deferred;                    /* TCP closes run by capnet_sockets_poll */
	/* The cost of polling: a poll examines only the sockets that had an
	 * event since the last one (readiness, a call, a cap dropped) and the
	 * calls parked on them, plus the calls whose deadline passed (from a
	 * deadline heap); never every socket or every call. */
	uint32_t last_poll_sockets;                  /* sockets examined by the last poll */
	uint32_t last_poll_calls;                    /* parked calls evaluated by the last poll */
	uint64_t sockets_examined;                   /* by every poll */
	uint64_t deadline_scans;                     /* polls that found a parked deadline passed */
};
void capnet_sockets_stats(const struct capnet_sockets *s, struct capnet_sockets_stats *out);

/* ---- the operator's socket table (NetworkStatus, READ) ---- */

struct capnet_socket_entry {
	uint32_t id;
	bool udp, listener;
	enum capnet_tcp_state state; /* TCP */
	capnet_ip4addr local_addr, remote_addr;
	uint16_t local_port, remote_port;
	uint32_t owner_cspace;           /* who opened it */
	enum capnet_cap_type authority;  /* through what authority */
	uint32_t parked;                 /* blocked calls */
	uint32_t parked_by_op[CAPNET_PARK__COUNT]; /* of which: ACCEPT, RECV, SEND, CONNECT */
	/* The queue a blocked call waits on, against its bound: a listener's
	 * accept queue (connections established, not yet accepted) against its
	 * backlog; a connection's receive ring (bytes) against its capacity; a
	 * UDP socket's datagrams against its queue depth. */
	uint32_t queue_depth, queue_capacity;
	bool closing;                    /* last cap gone, close pending */
};
capnet_err capnet_status_sockets(struct capnet_cspace *cs, capnet_handle st, struct capnet_socket_entry *out,
				 size_t max, size_t *count);

#endif

/* Every limit, pool size and timer of the stack, with its default and why,
 * in one place (in the spirit of lwIP's opt.h). A config struct field left
 * zero takes the default named here; the *_config_defaults functions of
 * each layer read these and nothing else, so an OS build can audit its
 * worst case (and override any value at compile time with -D) without
 * reading the layers. Durations are in microseconds (CAPNET_S, CAPNET_MS). */
#ifndef CAPNET_CONFIG_H
#define CAPNET_CONFIG_H

#include "capnet/types.h"

/* ================= interface (capnet/iface.h) ================= */

/* Neighbours held at once. A host on one LAN talks to its gateway and a few
 * peers; 16 covers that with room, and an entry is ~48 bytes. */
#ifndef CAPNET_DEFAULT_ARP_CACHE_ENTRIES
#define CAPNET_DEFAULT_ARP_CACHE_ENTRIES 16
#endif
/* Frames queued per neighbour while it resolves. RFC 1122 2.3.2.2 asks for
 * at least one; 4 keeps a TCP handshake plus a first flight (Linux keeps 3
 * by default, unres_qlen_bytes aside). */
#ifndef CAPNET_DEFAULT_ARP_PENDING_PER_NEIGHBOUR
#define CAPNET_DEFAULT_ARP_PENDING_PER_NEIGHBOUR 4
#endif
/* Frame buffers shared by every pending queue: bounds the memory unresolved
 * destinations can hold, whatever the number of neighbours. */
#ifndef CAPNET_DEFAULT_PKTBUFS
#define CAPNET_DEFAULT_PKTBUFS 16
#endif
/* ARP retransmission: 1 s, doubling (RFC 1122 2.3.2.1: at most one request
 * a second per destination). */
#ifndef CAPNET_DEFAULT_ARP_RETRY_INITIAL
#define CAPNET_DEFAULT_ARP_RETRY_INITIAL CAPNET_S(1)
#endif
/* Requests before a neighbour is declared unreachable (Linux: 3). */
#ifndef CAPNET_DEFAULT_ARP_MAX_REQUESTS
#define CAPNET_DEFAULT_ARP_MAX_REQUESTS 3
#endif
/* Lifetime of a confirmed entry (RFC 1122 2.3.2.1 asks for a timeout; 60 s
 * is the common choice, about two Linux base_reachable_time periods). */
#ifndef CAPNET_DEFAULT_ARP_REACHABLE
#define CAPNET_DEFAULT_ARP_REACHABLE CAPNET_S(60)
#endif
/* A failed entry answers "unreachable" for this long, so a caller retrying
 * at once does not flood the link with requests. */
#ifndef CAPNET_DEFAULT_ARP_FAILED_HOLD
#define CAPNET_DEFAULT_ARP_FAILED_HOLD CAPNET_S(3)
#endif
/* Frames drained per poll: bounds the time one poll takes under a flood, so
 * timers still run (the poll returns `now` and is called again). */
#ifndef CAPNET_DEFAULT_RX_BUDGET
#define CAPNET_DEFAULT_RX_BUDGET 64
#endif
/* RFC 1700 / RFC 1122 3.2.1.7: the recommended default TTL. */
#ifndef CAPNET_DEFAULT_IP_TTL
#define CAPNET_DEFAULT_IP_TTL 64
#endif
/* Connected + default + a few DHCP option 121 classless routes. */
#ifndef CAPNET_DEFAULT_MAX_ROUTES
#define CAPNET_DEFAULT_MAX_ROUTES 8
#endif

/* ================= IPv6 (capnet/ip6.h) ================= */

/* Addresses per interface: link-local, a static one, SLAAC from a few
 * prefixes (RFC 4862 allows many; a host on one LAN sees one or two). */
#ifndef CAPNET_DEFAULT_IP6_MAX_ADDRS
#define CAPNET_DEFAULT_IP6_MAX_ADDRS 6
#endif
/* NDP neighbour cache entries: as many as ARP's. */
#ifndef CAPNET_DEFAULT_IP6_NEIGH_ENTRIES
#define CAPNET_DEFAULT_IP6_NEIGH_ENTRIES 16
#endif
/* Default routers remembered (RFC 4861 6.3.4 asks for at least two). */
#ifndef CAPNET_DEFAULT_IP6_MAX_ROUTERS
#define CAPNET_DEFAULT_IP6_MAX_ROUTERS 3
#endif
/* RFC 4862 5.1 DupAddrDetectTransmits: one NS, then RetransTimer. */
#ifndef CAPNET_DEFAULT_IP6_DAD_TRANSMITS
#define CAPNET_DEFAULT_IP6_DAD_TRANSMITS 1
#endif

/* ================= TCP (capnet/tcp.h) ================= */

/* Listeners + connections + TIME-WAIT. */
#ifndef CAPNET_DEFAULT_TCP_MAX_SOCKETS
#define CAPNET_DEFAULT_TCP_MAX_SOCKETS 64
#endif
/* Ring bytes per socket and direction (rounded up to 2^n): one
 * bandwidth-delay product of a LAN at 5 Gbit/s x 100 us. */
#ifndef CAPNET_DEFAULT_TCP_SNDBUF
#define CAPNET_DEFAULT_TCP_SNDBUF (64u * 1024u)
#endif
#ifndef CAPNET_DEFAULT_TCP_RCVBUF
#define CAPNET_DEFAULT_TCP_RCVBUF (64u * 1024u)
#endif
/* RFC 6298 2.1: the initial RTO is 1 s. */
#ifndef CAPNET_DEFAULT_TCP_RTO_INITIAL
#define CAPNET_DEFAULT_TCP_RTO_INITIAL CAPNET_S(1)
#endif
/* RFC 6298 2.4 says 1 s; 200 ms is what Linux and the BSDs use, and what
 * peers on a LAN expect. */
#ifndef CAPNET_DEFAULT_TCP_RTO_MIN
#define CAPNET_DEFAULT_TCP_RTO_MIN CAPNET_MS(200)
#endif
/* RFC 6298 2.5: a maximum may be placed, at least 60 s. */
#ifndef CAPNET_DEFAULT_TCP_RTO_MAX
#define CAPNET_DEFAULT_TCP_RTO_MAX CAPNET_S(60)
#endif
/* RFC 1122 4.2.3.5 R2: at least 100 s of retransmission; 12 backed-off
 * RTOs is several minutes (Linux tcp_retries2 = 15). */
#ifndef CAPNET_DEFAULT_TCP_MAX_RETRIES
#define CAPNET_DEFAULT_TCP_MAX_RETRIES 12
#endif
/* RFC 1122 4.2.3.5: R2 for a SYN at least 3 minutes; 6 retries from 1 s
 * give 127 s (Linux tcp_syn_retries = 6). */
#ifndef CAPNET_DEFAULT_TCP_SYN_RETRIES
#define CAPNET_DEFAULT_TCP_SYN_RETRIES 6
#endif
/* Linux tcp_synack_retries = 5: a half-open is dropped after ~63 s. */
#ifndef CAPNET_DEFAULT_TCP_SYNACK_RETRIES
#define CAPNET_DEFAULT_TCP_SYNACK_RETRIES 5
#endif
/* RFC 9293 3.4.2: 2 x MSL with MSL 30 s (Linux uses 60 s too). */
#ifndef CAPNET_DEFAULT_TCP_TIME_WAIT
#define CAPNET_DEFAULT_TCP_TIME_WAIT CAPNET_S(60)
#endif
/* RFC 9293 3.8.6.3: under 0.5 s; 40 ms (Linux's minimum) stays well under
 * rto_min, so a lone segment's ACK never races the peer's retransmission. */
#ifndef CAPNET_DEFAULT_TCP_DELAYED_ACK
#define CAPNET_DEFAULT_TCP_DELAYED_ACK CAPNET_MS(40)
#endif
/* RFC 8985 RACK-TLP for SACK connections: loss is judged by when segments
 * were sent rather than by counting duplicate ACKs, so reordering up to a
 * quarter of the minimum RTT costs no spurious retransmission, a lost
 * retransmission is found without an RTO, and a lost tail is probed after
 * 2*SRTT instead of waiting for the RTO. It is what Linux, FreeBSD and
 * Windows run today. CAPNET_TCP_LOSS_DUPACK keeps RFC 6675's DupThresh. */
#ifndef CAPNET_DEFAULT_TCP_LOSS_DETECTION
#define CAPNET_DEFAULT_TCP_LOSS_DETECTION CAPNET_TCP_LOSS_RACK
#endif
/* An orphaned FIN-WAIT-2 (the application closed) is dropped after this,
 * as Linux's tcp_fin_timeout, so a vanished peer cannot pin a socket. */
#ifndef CAPNET_DEFAULT_TCP_FIN_WAIT_2
#define CAPNET_DEFAULT_TCP_FIN_WAIT_2 CAPNET_S(60)
#endif
/* RFC 1122 4.2.3.6: keep-alives off by default; when on, idle at least
 * two hours before the first probe. 75 s and 9 probes as the BSDs. */
#ifndef CAPNET_DEFAULT_TCP_KEEPALIVE_IDLE
#define CAPNET_DEFAULT_TCP_KEEPALIVE_IDLE CAPNET_S(7200)
#endif
#ifndef CAPNET_DEFAULT_TCP_KEEPALIVE_INTERVAL
#define CAPNET_DEFAULT_TCP_KEEPALIVE_INTERVAL CAPNET_S(75)
#endif
#ifndef CAPNET_DEFAULT_TCP_KEEPALIVE_PROBES
#define CAPNET_DEFAULT_TCP_KEEPALIVE_PROBES 9
#endif
/* Half-open connections per listener, and the largest listen() backlog
 * (Linux somaxconn was 128 for decades). */
#ifndef CAPNET_DEFAULT_TCP_SYN_BACKLOG
#define CAPNET_DEFAULT_TCP_SYN_BACKLOG 128
#endif
#ifndef CAPNET_DEFAULT_TCP_ACCEPT_BACKLOG
#define CAPNET_DEFAULT_TCP_ACCEPT_BACKLOG 128
#endif
/* SYN cookies (RFC 4987 3.6) answer SYNs that find the SYN queue full;
 * 0 makes cfg.no_syncookies the only setting (cookies never sent). */
#ifndef CAPNET_DEFAULT_TCP_SYNCOOKIES
#define CAPNET_DEFAULT_TCP_SYNCOOKIES 1
#endif
/* RFC 6335 6: the dynamic port range. */
#ifndef CAPNET_DEFAULT_TCP_EPHEMERAL_LO
#define CAPNET_DEFAULT_TCP_EPHEMERAL_LO 49152
#endif
#ifndef CAPNET_DEFAULT_TCP_EPHEMERAL_HI
#define CAPNET_DEFAULT_TCP_EPHEMERAL_HI 65535
#endif

/* ================= UDP (capnet/udp.h) ================= */

#ifndef CAPNET_DEFAULT_UDP_MAX_SOCKETS
#define CAPNET_DEFAULT_UDP_MAX_SOCKETS 8
#endif
/* Datagrams queued per socket before new ones are dropped (counted). */
#ifndef CAPNET_DEFAULT_UDP_RX_QUEUE_DEPTH
#define CAPNET_DEFAULT_UDP_RX_QUEUE_DEPTH 4
#endif
/* Datagram buffers shared by every socket: the memory bound of UDP. */
#ifndef CAPNET_DEFAULT_UDP_DGRAM_BUFFERS
#define CAPNET_DEFAULT_UDP_DGRAM_BUFFERS 16
#endif
/* 1500 - 20 (IPv4) - 8 (UDP): the largest unfragmented payload. */
#ifndef CAPNET_DEFAULT_UDP_DGRAM_SIZE
#define CAPNET_DEFAULT_UDP_DGRAM_SIZE 1472
#endif

/* ================= DHCPv4 client (capnet/dhcp4_client.h) ================= */

/* RFC 2131 4.1: retransmit after 4 s, doubling to 64 s, each +-1 s. */
#ifndef CAPNET_DEFAULT_DHCP4_RETRANSMIT_INITIAL
#define CAPNET_DEFAULT_DHCP4_RETRANSMIT_INITIAL CAPNET_S(4)
#endif
#ifndef CAPNET_DEFAULT_DHCP4_RETRANSMIT_MAX
#define CAPNET_DEFAULT_DHCP4_RETRANSMIT_MAX CAPNET_S(64)
#endif
#ifndef CAPNET_DEFAULT_DHCP4_RETRANSMIT_JITTER
#define CAPNET_DEFAULT_DHCP4_RETRANSMIT_JITTER CAPNET_S(1)
#endif
/* REQUESTs in REQUESTING/REBOOTING before starting over (0, 4, 12, 28,
 * 60 s: about a minute, as RFC 2131 4.4.1 suggests). */
#ifndef CAPNET_DEFAULT_DHCP4_REQUEST_TRIES
#define CAPNET_DEFAULT_DHCP4_REQUEST_TRIES 5
#endif
/* RFC 2131 4.4.5: never retransmit a renewal sooner than 60 s. */
#ifndef CAPNET_DEFAULT_DHCP4_RENEW_MIN
#define CAPNET_DEFAULT_DHCP4_RENEW_MIN CAPNET_S(60)
#endif
/* RFC 2131 3.1.5: wait 10 s after a DECLINE before restarting. */
#ifndef CAPNET_DEFAULT_DHCP4_DECLINE_WAIT
#define CAPNET_DEFAULT_DHCP4_DECLINE_WAIT CAPNET_S(10)
#endif

/* ================= address conflict detection (RFC 5227 1.1) ================= */

#ifndef CAPNET_DEFAULT_ACD_PROBE_WAIT
#define CAPNET_DEFAULT_ACD_PROBE_WAIT CAPNET_S(1)
#endif
#ifndef CAPNET_DEFAULT_ACD_PROBE_NUM
#define CAPNET_DEFAULT_ACD_PROBE_NUM 3
#endif
#ifndef CAPNET_DEFAULT_ACD_PROBE_MIN
#define CAPNET_DEFAULT_ACD_PROBE_MIN CAPNET_S(1)
#endif
#ifndef CAPNET_DEFAULT_ACD_PROBE_MAX
#define CAPNET_DEFAULT_ACD_PROBE_MAX CAPNET_S(2)
#endif
#ifndef CAPNET_DEFAULT_ACD_ANNOUNCE_WAIT
#define CAPNET_DEFAULT_ACD_ANNOUNCE_WAIT CAPNET_S(2)
#endif
#ifndef CAPNET_DEFAULT_ACD_ANNOUNCE_NUM
#define CAPNET_DEFAULT_ACD_ANNOUNCE_NUM 2
#endif
#ifndef CAPNET_DEFAULT_ACD_ANNOUNCE_INTERVAL
#define CAPNET_DEFAULT_ACD_ANNOUNCE_INTERVAL CAPNET_S(2)
#endif

/* ================= capabilities (capnet/cap.h) ================= */

/* One cspace a process: the boot space, a few services and their tools. */
#ifndef CAPNET_DEFAULT_CAP_MAX_CSPACES
#define CAPNET_DEFAULT_CAP_MAX_CSPACES 8
#endif
/* Handles one cspace holds at once. */
#ifndef CAPNET_DEFAULT_CAP_SLOTS_PER_CSPACE
#define CAPNET_DEFAULT_CAP_SLOTS_PER_CSPACE 64
#endif
/* Caps in the whole derivation tree (held, or kept for descendants). */
#ifndef CAPNET_DEFAULT_CAP_MAX_CAPS
#define CAPNET_DEFAULT_CAP_MAX_CAPS 256
#endif
/* Pollable sets alive at once, and members per set. */
#ifndef CAPNET_DEFAULT_CAP_MAX_POLLABLES
#define CAPNET_DEFAULT_CAP_MAX_POLLABLES 8
#endif
#ifndef CAPNET_DEFAULT_CAP_POLLABLE_MEMBERS
#define CAPNET_DEFAULT_CAP_POLLABLE_MEMBERS 16
#endif
/* Sockets opened through caps (listeners, connections, UDP) and calls
 * parked on them at once. */
#ifndef CAPNET_DEFAULT_CAP_SOCKETS
#define CAPNET_DEFAULT_CAP_SOCKETS 32
#endif
#ifndef CAPNET_DEFAULT_CAP_PARKED
#define CAPNET_DEFAULT_CAP_PARKED 32
#endif

/* ================= packet trace (capnet/trace.h) ================= */

/* Traces open at once (an operator and a test), and the largest capacity
 * of one: header-only records, ~100 bytes each. */
#ifndef CAPNET_DEFAULT_TRACE_MAX_TRACES
#define CAPNET_DEFAULT_TRACE_MAX_TRACES 2
#endif
#ifndef CAPNET_DEFAULT_TRACE_RECORDS
#define CAPNET_DEFAULT_TRACE_RECORDS 256
#endif

/* ================= ping sessions (capnet/ping.h) ================= */

/* Sessions at once per interface: an operator's ping or two plus a
 * monitor; each holds `window` probe records (~56 bytes each). */
#ifndef CAPNET_DEFAULT_PING_SESSIONS
#define CAPNET_DEFAULT_PING_SESSIONS 4
#endif
/* Probes held per session, in flight or completed and unread: at one a
 * second with a 10 s timeout, ten are in flight at worst. */
#ifndef CAPNET_DEFAULT_PING_WINDOW
#define CAPNET_DEFAULT_PING_WINDOW 16
#endif

/* ================= DNS stub resolver (capnet/dns_stub.h) ================= */

/* Lookups in flight at once: a process resolving a few names in parallel
 * (each lookup holds at most two UDP sockets, A and AAAA, while asking). */
#ifndef CAPNET_DEFAULT_DNS_MAX_LOOKUPS
#define CAPNET_DEFAULT_DNS_MAX_LOOKUPS 4
#endif
/* (name, type) answers kept: a host's working set of names; ~1.3 KiB each. */
#ifndef CAPNET_DEFAULT_DNS_CACHE_ENTRIES
#define CAPNET_DEFAULT_DNS_CACHE_ENTRIES 32
#endif
/* resolv.conf(5) defaults: timeout 5 s is tuned for the Internet; on the
 * LANs this stack serves an answer takes milliseconds, so 2 s a try, 2
 * rounds over the servers, and the whole lookup bounded at 10 s. */
#ifndef CAPNET_DEFAULT_DNS_TRY_TIMEOUT
#define CAPNET_DEFAULT_DNS_TRY_TIMEOUT CAPNET_S(2)
#endif
#ifndef CAPNET_DEFAULT_DNS_ATTEMPTS
#define CAPNET_DEFAULT_DNS_ATTEMPTS 2
#endif
#ifndef CAPNET_DEFAULT_DNS_DEADLINE
#define CAPNET_DEFAULT_DNS_DEADLINE CAPNET_S(10)
#endif
/* resolv.conf(5): ndots 1. */
#ifndef CAPNET_DEFAULT_DNS_NDOTS
#define CAPNET_DEFAULT_DNS_NDOTS 1
#endif
/* CNAME links followed in one lookup (BIND's resolver stops near 16;
 * real chains are 1-3 long). */
#ifndef CAPNET_DEFAULT_DNS_MAX_CNAME
#define CAPNET_DEFAULT_DNS_MAX_CNAME 8
#endif
/* Cache caps: one day positive (RFC 8767's suggestion for a maximum is 7
 * days; a stub holds less), three hours negative (RFC 2308 5). */
#ifndef CAPNET_DEFAULT_DNS_MAX_TTL
#define CAPNET_DEFAULT_DNS_MAX_TTL 86400u
#endif
#ifndef CAPNET_DEFAULT_DNS_MAX_NEG_TTL
#define CAPNET_DEFAULT_DNS_MAX_NEG_TTL 10800u
#endif
/* RFC 6891 6.2.5 and the 2020 DNS flag day: 1232 bytes avoids IP
 * fragmentation on every common path; it fits the UDP datagram buffer. */
#ifndef CAPNET_DEFAULT_DNS_EDNS_PAYLOAD
#define CAPNET_DEFAULT_DNS_EDNS_PAYLOAD 1232
#endif

/* ================= the stack (capnet/stack.h) ================= */

/* Interfaces one stack drives. */
#ifndef CAPNET_STACK_MAX_IFACES
#define CAPNET_STACK_MAX_IFACES 4
#endif

#endif

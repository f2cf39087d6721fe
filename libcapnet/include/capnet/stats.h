/* Per-interface counters. Every ingress drop is counted under its reason
 * (OpenBSD ipstat/tcpstat style); tests assert the exact counter that moved
 * and the status surface prints them by name. */
#ifndef CAPNET_STATS_H
#define CAPNET_STATS_H

#include <stdint.h>

#define CAPNET_STAT_LIST(X)                                                 \
	/* link layer */                                                        \
	X(eth_rx_frames)        /* frames taken from the nic */                 \
	X(eth_tx_frames)        /* frames handed to the nic */                  \
	X(eth_rx_truncated)     /* shorter than the Ethernet (+VLAN) header */  \
	X(eth_rx_not_for_us)    /* unicast to another MAC */                    \
	X(eth_rx_unknown_type)  /* ethertype we do not speak */                 \
	X(eth_rx_vlan)          /* 802.1Q tagged frames accepted */             \
	X(eth_rx_oversize)      /* longer than MTU + headers */                 \
	X(nic_tx_errors)        /* nic refused a frame */                       \
	X(nic_rx_errors)        /* nic reported an error on receive */          \
	/* ARP */                                                               \
	X(arp_rx_truncated)                                                     \
	X(arp_rx_unsupported)   /* not Ethernet/IPv4 or bad hlen/plen */        \
	X(arp_rx_bad_op)                                                        \
	X(arp_rx_bad_sender)    /* sender is broadcast/multicast/our MAC */     \
	X(arp_rx_not_for_us)    /* request for another address */               \
	X(arp_requests_rcvd)                                                    \
	X(arp_replies_rcvd)                                                     \
	X(arp_requests_sent)                                                    \
	X(arp_replies_sent)                                                     \
	X(arp_gratuitous_sent)                                                  \
	X(arp_conflicts)        /* someone else claims our address */           \
	X(arp_cache_full)       /* no free or evictable entry */                \
	X(arp_pending_dropped)  /* per-neighbour queue overflowed */            \
	X(arp_resolve_failed)   /* retries exhausted; queued frames dropped */  \
	X(arp_expired)                                                          \
	/* IPv4 */                                                              \
	X(ip_rx_packets)                                                        \
	X(ip_tooshort)          /* shorter than 20 bytes */                     \
	X(ip_badversion)                                                        \
	X(ip_badhlen)           /* IHL < 5 or beyond the buffer */              \
	X(ip_badlen)            /* total length < IHL or beyond the frame */    \
	X(ip_badsum)                                                            \
	X(ip_badsrc)            /* broadcast/multicast/loopback source */       \
	X(ip_fragments)         /* fragments: counted and dropped (no reasm.) */\
	X(ip_not_for_us)                                                        \
	X(ip_noproto)           /* no handler for the protocol */               \
	X(ip_tx_packets)                                                        \
	X(ip_noroute)           /* egress: no route */                          \
	X(ip_tx_unconfigured)   /* egress refused: no address */                \
	/* ICMPv4 */                                                            \
	X(icmp_tooshort)                                                        \
	X(icmp_badsum)                                                          \
	X(icmp_badcode)                                                         \
	X(icmp_echo_requests)                                                   \
	X(icmp_echo_replies_sent)                                               \
	X(icmp_echo_replies_rcvd)                                               \
	X(icmp_dest_unreach_rcvd)                                               \
	X(icmp_time_exceeded_rcvd)                                              \
	X(icmp_unknown_type)                                                    \
	X(icmp_bcast_echo_ignored)                                              \
	X(icmp_errors_sent)                                                     \
	X(icmp_errors_ratelimited)                                              \
	/* buffers */                                                           \
	X(pool_exhausted)       /* a packet buffer pool had nothing to give */

enum capnet_stat {
#define CAPNET_STAT_ENUM(name) CAPNET_STAT_##name,
	CAPNET_STAT_LIST(CAPNET_STAT_ENUM)
#undef CAPNET_STAT_ENUM
	CAPNET_STAT__COUNT
};

struct capnet_stats {
	uint64_t v[CAPNET_STAT__COUNT];
};

/* "ip_badsum" for CAPNET_STAT_ip_badsum; NULL beyond the list. */
const char *capnet_stat_name(enum capnet_stat s);

#endif

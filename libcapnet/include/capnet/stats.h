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
	X(arp_incomplete_recycled) /* oldest INCOMPLETE entry reused */         \
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
	X(pool_exhausted)       /* a packet buffer pool had nothing to give */ \
	/* TCP (sock/tcp*.c) */                                                 \
	X(tcp_rcvtotal)         /* segments handed to TCP */                    \
	X(tcp_rcvshort)         /* shorter than the header or its data offset */\
	X(tcp_rcvbadoff)        /* data offset below 5 */                       \
	X(tcp_rcvbadopt)        /* malformed option */                          \
	X(tcp_rcvbadsum)                                                        \
	X(tcp_rcvbadaddr)       /* to/from broadcast/multicast: dropped */      \
	X(tcp_noport)           /* no socket: RST sent (RFC 9293 3.10.7.1) */   \
	X(tcp_rcvpack)          /* in-order data segments accepted */           \
	X(tcp_rcvbyte)          /* in-order payload bytes accepted */           \
	X(tcp_rcvdup)           /* entirely duplicate data segments */          \
	X(tcp_rcvpartdup)       /* partly duplicate data segments */            \
	X(tcp_rcvoutofwindow)   /* unacceptable segments (3.10.7.4 step 1) */   \
	X(tcp_rcvafterclose)    /* data after our side stopped receiving */     \
	X(tcp_rcvackbad)        /* ACK of data never sent */                    \
	X(tcp_rcvdupack)        /* duplicate ACKs (RFC 5681 definition) */      \
	X(tcp_rcvacktoomuch)    /* in SYN-RECEIVED/SYN-SENT: unacceptable ACK */\
	X(tcp_rcvrst)           /* RSTs accepted */                             \
	X(tcp_rcvrst_bad)       /* RSTs ignored: outside the window */          \
	X(tcp_challenge_acks)   /* RFC 5961 challenge ACKs sent */              \
	X(tcp_challenge_limited)/* challenge ACKs suppressed by the rate limit */\
	X(tcp_paws_drops)       /* RFC 7323 5 PAWS rejections */                \
	X(tcp_ooo_queued)       /* out-of-order segments held */                \
	X(tcp_ooo_dropped)      /* out-of-order segments dropped (no range) */  \
	X(tcp_sndtotal)         /* segments sent */                             \
	X(tcp_sndpack)          /* data segments sent (first transmission) */   \
	X(tcp_sndbyte)          /* payload bytes sent (first transmission) */   \
	X(tcp_sndrexmitpack)    /* data segments retransmitted */               \
	X(tcp_sndrexmitbyte)                                                    \
	X(tcp_sndacks)          /* pure ACKs sent */                            \
	X(tcp_delack_timeouts)  /* ACKs sent by the delayed-ACK timer */        \
	X(tcp_sndrst)           /* RSTs sent */                                 \
	X(tcp_snd_errors)       /* the iface refused a segment (no route...) */ \
	X(tcp_rexmt_timeouts)   /* retransmission timeouts */                   \
	X(tcp_fast_rexmits)     /* fast retransmits (3 dupacks or SACK loss) */ \
	X(tcp_sack_rexmits)     /* holes retransmitted during SACK recovery */  \
	X(tcp_persist_probes)   /* zero-window probes */                        \
	X(tcp_keepalive_probes)                                                 \
	X(tcp_keepalive_drops)  /* connections ended by keepalive */            \
	X(tcp_timeout_drops)    /* connections ended by retransmit/user timeout */\
	X(tcp_connattempt)      /* active opens (SYN sent) */                   \
	X(tcp_accepts)          /* passive opens completed */                   \
	X(tcp_connects)         /* connections established */                   \
	X(tcp_conn_refused)     /* active opens answered by RST */              \
	X(tcp_conn_drops)       /* established connections reset by the peer */\
	X(tcp_closed)           /* connections that reached CLOSED */           \
	X(tcp_backlog_overflow) /* SYNs or handshakes dropped: backlog full */  \
	X(tcp_syn_queue_overflow) /* SYNs met a full SYN queue (cookie or drop) */\
	X(tcp_syncookies_sent)  /* SYN-ACKs carrying a cookie (RFC 4987 3.6) */ \
	X(tcp_syncookies_recv)  /* cookie ACKs validated: connection rebuilt */ \
	X(tcp_syncookies_failed) /* ACKs to a listener whose cookie failed */   \
	X(tcp_synrecv_reclaimed) /* half-open children freed: no SYN-ACK left */\
	X(tcp_sock_exhausted)   /* no free socket for a SYN or open */          \
	X(tcp_buf_exhausted)    /* buffer pool could not give a ring */         \
	X(tcp_timewait_reused)  /* SYN reopened a TIME-WAIT (RFC 6191) */       \
	X(tcp_icmp_errors)      /* ICMP errors accepted for a connection */     \
	X(tcp_rttupdated)       /* RTT samples taken */                         \
	/* UDP (sock/udp.c) */                                                  \
	X(udp_rx_datagrams)     /* handed to UDP by IPv4 */                     \
	X(udp_rx_truncated)     /* shorter than 8 bytes or than its length */   \
	X(udp_rx_badlen)        /* length field below 8 */                      \
	X(udp_rx_badsum)                                                        \
	X(udp_rx_nosum)         /* zero checksum: accepted (RFC 768, IPv4) */   \
	X(udp_rx_noport)        /* no socket bound: port unreachable */         \
	X(udp_rx_bcast_refused) /* broadcast to a socket without broadcast */   \
	X(udp_rx_filtered)      /* connected socket, datagram from elsewhere */ \
	X(udp_rx_toolong)       /* payload larger than a datagram buffer */     \
	X(udp_rx_nobufs)        /* datagram buffer pool empty */                \
	X(udp_rx_queue_full)    /* socket receive queue full: newest dropped */ \
	X(udp_rx_queued)        /* delivered to a socket's receive queue */     \
	X(udp_tx_datagrams)                                                     \
	X(udp_tx_errors)        /* IPv4 refused the datagram */                 \
	X(udp_icmp_errors)      /* ICMP errors given to a connected socket */   \
	X(udp_icmp_ignored)     /* ICMP errors matching no connected socket */  \
	/* DHCPv4 client (sock/dhcp4_client.c) */                               \
	X(dhcp_tx_discover)                                                     \
	X(dhcp_tx_request)                                                      \
	X(dhcp_tx_decline)                                                      \
	X(dhcp_tx_release)                                                      \
	X(dhcp_retransmits)                                                     \
	X(dhcp_rx_offer)        /* valid OFFERs taken into account */           \
	X(dhcp_rx_ack)          /* valid ACKs acted on */                       \
	X(dhcp_rx_nak)          /* valid NAKs acted on */                       \
	X(dhcp_rx_truncated)    /* codec: shorter than header + cookie */       \
	X(dhcp_rx_bad_op)       /* codec: op not 1 or 2 */                      \
	X(dhcp_rx_bad_htype)    /* codec: not Ethernet (htype 1, hlen 6) */     \
	X(dhcp_rx_bad_cookie)   /* codec: no DHCP magic cookie */               \
	X(dhcp_rx_opt_truncated)/* codec: option past its area, or no END */    \
	X(dhcp_rx_opt_badlen)   /* codec: wrong length for the option */        \
	X(dhcp_rx_opt_duplicate)/* codec: a single-valued option twice */       \
	X(dhcp_rx_bad_overload) /* codec: option 52 invalid */                  \
	X(dhcp_rx_bad_msg_type) /* codec: option 53 out of range */             \
	X(dhcp_rx_bad_search)   /* codec: option 119 malformed or looping */    \
	X(dhcp_rx_bad_routes)   /* codec: option 121 malformed */               \
	X(dhcp_rx_not_dhcp)     /* BOOTP reply without option 53 */             \
	X(dhcp_rx_unexpected)   /* not a reply, or not expected in this state */\
	X(dhcp_rx_bad_xid)                                                      \
	X(dhcp_rx_bad_chaddr)                                                   \
	X(dhcp_rx_no_server_id) /* OFFER/ACK/NAK without option 54 */           \
	X(dhcp_rx_wrong_server) /* from a server other than the selected one */ \
	X(dhcp_rx_bad_yiaddr)   /* 0, broadcast, multicast, loopback, class E */\
	X(dhcp_rx_bad_lease)    /* lease time absent or 0 */                    \
	X(dhcp_rx_bad_mask)     /* non-contiguous subnet mask */                \
	X(dhcp_rx_bad_router)   /* router outside the subnet: ignored */        \
	X(dhcp_rx_bad_timers)   /* not T1 < T2 < lease: defaults used */        \
	X(dhcp_lease_infinite)  /* lease 0xffffffff accepted: never renews */   \
	X(dhcp_arp_conflicts)   /* offered address in use (RFC 5227) */         \
	X(dhcp_leases_bound)    /* BOUND entered from REQUESTING/REBOOTING */   \
	X(dhcp_renewals)        /* ACK in RENEWING */                           \
	X(dhcp_rebinds)         /* ACK in REBINDING */                          \
	X(dhcp_lease_expired)   /* lease ran out: fail-closed zero state */

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

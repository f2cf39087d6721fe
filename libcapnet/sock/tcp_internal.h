/* TCP's private state, shared by the files of sock/tcp*.c. Names follow
 * RFC 9293 3.3.1 (snd_una, rcv_nxt, ...) and RFC 6298/6675/7323. */
#ifndef CAPNET_SOCK_TCP_INTERNAL_H
#define CAPNET_SOCK_TCP_INTERNAL_H

#include "capnet/tcp.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv6.h"
#include "capnet/wire/tcp.h"

#define TCP_NONE UINT32_MAX

#define TCP_OOO_MAX 6      /* out-of-order ranges held per connection */
#define TCP_SCORE_MAX 3    /* SACKed ranges the sender remembers in the control block */
#define TCP_BOARD_RANGES 16 /* ... and in a scoreboard from the layer's side pool */
#define TCP_XLOG 16        /* RACK transmission records per connection (tcp_rack.c) */
#define TCP_DUPTHRESH 3    /* RFC 5681 / RFC 6675 DupThresh */
#define TCP_DEFAULT_MSS 536 /* RFC 9293 3.7.1: without an MSS option */
#define TCP_MAX_WSCALE 14  /* RFC 7323 2.3 */
#define TCP_CHALLENGE_PER_SEC 10 /* RFC 5961 7: per connection, so no global side channel */
#define TCP_PAWS_IDLE_SEC (24u * 24 * 3600) /* RFC 7323 5.5: TS.Recent older than 24 days is invalid */

/* ---- byte pool (tcp_buf.c): a buddy allocator for the rings ---- */

#define TCP_BUF_UNIT_SHIFT 10 /* 1 KiB: the smallest ring */
#define TCP_BUF_ORDERS 21     /* 1 KiB .. 1 GiB */

struct tcp_bufpool {
	uint8_t *mem;
	uint8_t *map;   /* per unit: at a block's first unit, order | TCP_BUF_FREE when free */
	uint32_t units;
	uint32_t free_head[TCP_BUF_ORDERS];
	size_t bytes_in_use;
};

/* A ring of 2^n bytes: `len` bytes from `head` (mod size). */
struct tcp_ring {
	uint8_t *buf;
	uint32_t size;
	uint32_t head;
	uint32_t len;
};

size_t tcp_bufpool_need(size_t bytes);
capnet_err tcp_bufpool_init(struct tcp_bufpool *p, struct capnet_arena *a, size_t bytes);
/* Rounds `bytes` up to a power of two >= 1 KiB; E_NOMEM when no block. */
capnet_err tcp_ring_alloc(struct tcp_bufpool *p, struct tcp_ring *r, uint32_t bytes);
void tcp_ring_free(struct tcp_bufpool *p, struct tcp_ring *r);
static inline uint32_t tcp_ring_free_space(const struct tcp_ring *r)
{
	return r->size - r->len;
}
/* Appends up to n bytes; returns how many fit. */
uint32_t tcp_ring_append(struct tcp_ring *r, const uint8_t *data, uint32_t n);
/* Copies n bytes starting `off` bytes after head (off + n <= size). */
void tcp_ring_peek(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t n);
/* tcp_ring_peek that returns the bytes' Internet checksum partial sum,
 * taken in the same pass (capnet_csum_copy): the send path's one pass
 * over the payload. */
uint16_t tcp_ring_peek_csum(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t n);
/* Writes n bytes at `off` bytes after head without changing len (the
 * receive side's out-of-order placement). */
void tcp_ring_write_at(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t n);
/* tcp_ring_write_at that returns the bytes' checksum partial sum, taken in
 * the same pass: the receive path's one pass over the payload. */
uint16_t tcp_ring_write_at_csum(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t n);
void tcp_ring_consume(struct tcp_ring *r, uint32_t n);
static inline uint8_t tcp_log2(uint32_t pow2)
{
	uint8_t n = 0;
	while (n < 31 && (1u << n) < pow2)
		n++;
	return n;
}
/* Rounded ring size for a request: 0 when above 1 GiB. */
uint32_t tcp_ring_size_for(uint32_t bytes);

/* ---- the control block ---- */

struct tcp_range {
	uint32_t left;  /* first sequence number */
	uint32_t right; /* just past the last */
};

/* One transmission RACK remembers (RFC 8985 6.1: Segment.xmit_ts): the
 * bytes [left, right) went out at `ts` (low 32 bits of the microsecond
 * clock). Records are kept in the order they were sent; a byte's time is
 * that of the newest record holding it. */
struct tcp_xmit {
	uint32_t left, right, ts;
	uint32_t ord; /* the record's place in sending order: two records sent in the
			 same microsecond (a retransmission after new data) still order */
};

/* RACK-TLP state (RFC 8985 6.1, 7), names from the RFC. */
struct tcp_rack {
	uint32_t xmit_ts;       /* RACK.xmit_ts: latest transmit time of a delivered segment */
	uint32_t xmit_ord;      /* ... and its record's order (tcp_xmit.ord) */
	uint32_t next_ord;
	uint32_t end_seq;       /* RACK.end_seq: its end */
	uint32_t rtt;           /* RACK.rtt, us */
	uint32_t min_rtt;       /* RACK.min_RTT, us (0: none yet) */
	uint32_t fack;          /* RACK.fack: highest sequence delivered (acked or SACKed) */
	uint32_t dsack_round;   /* RACK.dsack_round: snd_max when the last DSACK widened the window */
	uint32_t lost;          /* unSACKed bytes in [snd_una, lost) are deemed lost */
	uint32_t tlp_end_seq;   /* TLP.end_seq (valid with TF_TLP_SENT) */
	uint32_t rxt_mask;      /* bit i: xlog[i] is a retransmission */
	uint32_t hole_end;      /* before this ACK: the first SACKed byte above snd_una (or snd_max) */
	uint8_t reo_wnd_mult;   /* RACK.reo_wnd_mult - 1 (zeroed memory is the initial 1) */
	uint8_t reo_wnd_persist;/* RACK.reo_wnd_persist */
	uint8_t nxlog;
	bool valid;             /* xmit_ts/end_seq/rtt set */
	bool tlp_is_retrans;    /* TLP.is_retrans */
	bool dsack_round_set;
	bool fack_set;
	bool lost_set;          /* `lost` is meaningful */
	bool tlp_pending;       /* TLP.end_seq is not NONE */
	capnet_instant t_reo;   /* the reorder timer (6.2 step 6) */
	/* retransmissions deemed lost again, to send before anything above
	 * high_rxt (a lost retransmission is repaired without the RTO) */
	struct tcp_range relost[4];
	uint8_t nrelost;
};

/* What the layer lends a connection from its side pool (the control block
 * stays compact): a scoreboard of TCP_BOARD_RANGES SACKed ranges while SACK
 * holes exist, and RACK's state and transmission log for a flight (from
 * the first send with nothing outstanding until all is acknowledged). */
struct tcp_board {
	struct tcp_range range[TCP_BOARD_RANGES];
	struct tcp_rack rack;
	struct tcp_xmit xlog[TCP_XLOG]; /* oldest first */
};

enum tcp_owner {
	TCP_OWN_APP = 0, /* the application holds the handle */
	TCP_OWN_PARENT,  /* a listener's child, not yet accepted */
	TCP_OWN_STACK,   /* closed by the application; lingers in FIN-WAIT/TIME-WAIT */
};

/* flags */
#define TF_LISTENER 0x00000001u
#define TF_NODELAY 0x00000002u
#define TF_KEEPALIVE 0x00000004u
#define TF_SACK_OK 0x00000008u     /* both sides sent SACK-permitted */
#define TF_TS_OK 0x00000010u       /* both sides sent timestamps */
#define TF_WS_OK 0x00000020u       /* both sides sent window scale */
#define TF_FIN_QUEUED 0x00000040u  /* the application shut down sending */
#define TF_FIN_RCVD 0x00000080u    /* the peer's FIN is in (rcv_nxt counts it) */
#define TF_ACK_NOW 0x00000100u     /* send an ACK at the end of this event */
#define TF_DELACK 0x00000200u      /* an ACK is owed (t_delack armed) */
#define TF_RECOVERY 0x00000400u    /* fast recovery (RFC 6582 / RFC 6675) */
#define TF_PERSIST 0x00000800u     /* t_rexmt is the persist timer */
#define TF_RTT_TIMING 0x00001000u  /* rtt_seq/rtt_start time a segment */
#define TF_PASSIVE 0x00002000u     /* born from a listener */
#define TF_CONNECTED 0x00004000u   /* reached ESTABLISHED once */
#define TF_IN_AQ 0x00008000u       /* in the listener's accept queue */
#define TF_HASHED 0x00010000u      /* in the demux table */
#define TF_OOO_FIN 0x00020000u     /* a FIN arrived out of order at ooo_fin */
#define TF_RTO_RECOVERY 0x00040000u /* after an RTO, until snd_max is acked */
#define TF_SYN_RETRANSMITTED 0x00080000u
#define TF_SOFT_UNREACH 0x00100000u /* an ICMP unreachable arrived (soft error) */
#define TF_RCV_SHUT 0x00200000u    /* application closed: data arriving now is an error */
#define TF_TLP_ARMED 0x00400000u   /* t_rexmt is a tail loss probe timeout (RFC 8985 7) */
#define TF_TLP_SENT 0x00800000u    /* a probe went out; none again until snd_una moves */
#define TF_RXT_MARK 0x01000000u    /* rxt_mark holds snd_max at the latest SACK-recovery retransmission */
#define TF_RESCUED 0x02000000u     /* RFC 6675 rescue retransmission done in this recovery */
#define TF_PMTU 0x08000000u        /* an ICMP "fragmentation needed" lowered peer_mss (RFC 1191) */
#define TF_RACK 0x10000000u       /* this flight runs RACK-TLP: the board holds its state (tcp_rack.c) */
#define TF_REORDERED 0x20000000u  /* RACK.reordering_seen: the peer's path reorders */
#define TF_RD_SHUT 0x04000000u     /* shutdown_read: arriving data is ACKed and discarded, reads see EOF */

struct capnet_tcp_sock {
	struct capnet_tcp *tcp;
	struct capnet_tcp_cc cc;
	struct tcp_ring snd;       /* from snd_una's byte: in flight, then unsent */
	struct tcp_ring rcv;       /* unread in-order bytes; out-of-order bytes beyond them */
	capnet_instant deadline;   /* heap key: the earliest of the timers below */
	capnet_instant t_rexmt;    /* retransmission (RFC 6298) or persist */
	capnet_instant t_delack;
	capnet_instant t_state;    /* connect timeout, keepalive, FIN-WAIT-2, TIME-WAIT */
	capnet_instant last_rcv;   /* last segment received (keepalive idle) */
	capnet_instant progress_at;/* snd_una last advanced (user timeout) */
	uint64_t bytes_sent, bytes_acked, bytes_received;
	capnet_tcp_notify_fn notify;
	void *notify_ctx;
	struct capnet_ipaddr laddr, raddr;
	uint16_t lport, rport;
	uint32_t hash_next, heap_pos, parent, aq_next;
	uint32_t flags;
	/* send sequence space */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
	uint32_t recover;          /* RFC 6582 recover / RFC 6675 RecoveryPoint */
	uint32_t high_rxt;         /* RFC 6675 HighRxt: retransmitted up to here */
	union {
		uint32_t rexmit_credit; /* NewReno without SACK: bytes dupacks say have left */
		uint32_t rescue_rxt;    /* with SACK, RFC 6675 RescueRxt: no rescue until snd_una passes it */
	};
	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv, last_ack_sent, ooo_fin;
	uint32_t ts_recent, ts_offset, ts_recent_sec;
	uint32_t srtt, rttvar, rto; /* microseconds; rto is the estimate, tcp_rto() adds backoff */
	uint32_t rtt_seq;
	uint32_t rtt_start;        /* low 32 bits of the send instant: RTTs < 71 min */
	uint32_t segs_out, segs_in, retransmits;
	uint16_t rto_count, fast_rexmits; /* saturating */
	uint32_t ka_idle_ms, ka_intvl_ms, user_timeout_ms, connect_timeout_ms;
	uint16_t challenge_sec;    /* low bits of the second challenge ACKs are counted in */
	uint16_t snd_mss;          /* payload per segment, timestamps taken off */
	uint16_t peer_mss, rcv_mss;
	uint8_t state, owner, error, events_seen;
	uint8_t close_why; /* enum capnet_tcp_close_reason, set once */
	uint8_t snd_wscale, rcv_wscale, dupacks, backoff;
	uint8_t persist_backoff, ka_sent, ka_probes, challenge_count;
	uint8_t snd_bufshift, rcv_bufshift, nscore, nooo;
	uint8_t rxt_tries;         /* timeouts (RTO or persist) since forward progress: the give-up count */
	uint16_t board;            /* side-pool scoreboard index + 1; 0: the TCP_SCORE_MAX ranges below */
	uint32_t rxt_mark;         /* lost-retransmission detection: data at or above was first sent
				      after every retransmission still unacknowledged */
	union {
		struct {
			/* received out of order, most recent first (RFC 2018 4) */
			struct tcp_range ooo[TCP_OOO_MAX];
			/* the sender's scoreboard: what the peer SACKed, sorted */
			struct tcp_range score[TCP_SCORE_MAX];
		} c;
		struct {
			uint32_t aq_head, aq_tail;
			uint16_t backlog, acc_count, syn_count, syn_max;
			bool overflowed;          /* the SYN queue was full at overflow_at */
			capnet_instant overflow_at; /* latest SYN that found it full (cookie ACKs are checked
						       only for a while after, tcp_syncookie.c) */
		} l;
	} u;
};

struct capnet_tcp {
	struct capnet_tcp_config cfg;
	struct capnet_iface *ifc;
	struct capnet_l4_protocol proto;
	struct capnet_l4_protocol proto6; /* the same input for IPv6, when the interface has it */
	struct capnet_tcp_sock *socks;
	uint32_t free_head;
	uint32_t in_use;
	uint32_t *hash;
	uint32_t hash_mask;
	uint32_t *heap;
	uint32_t heap_len;
	uint32_t listeners;
	uint32_t port_counter;     /* RFC 6056 algorithm 3 */
	uint16_t mtu_seen;         /* the interface MTU every snd_mss was derived from */
	uint64_t isn_key[2];       /* RFC 6528 secret */
	struct tcp_bufpool pool;
	struct tcp_board *boards;  /* nboards: lent while SACK holes exist or a RACK flight runs */
	uint16_t *board_free;      /* stack of free board indexes */
	uint32_t nboards, board_top;
	capnet_tcp_state_fn state_fn;
	void *state_ctx;
	capnet_instant last_now;   /* latest time seen (for calls that take none) */
};

#define TCP_COUNT(tcp, name) capnet_iface_count((tcp)->ifc, CAPNET_STAT_##name)
/* Byte counters add n. */
static inline void tcp_count_n(struct capnet_tcp *tcp, enum capnet_stat st, uint64_t n)
{
	capnet_iface_count_n(tcp->ifc, st, n);
}

/* Our SYN is not yet acknowledged: SYN-RECEIVED, or FIN-WAIT-1 entered
 * from it by a CLOSE (RFC 9293 3.10.4) before the handshake completed. */
static inline bool tcp_syn_unacked(const struct capnet_tcp_sock *s)
{
	return s->state == CAPNET_TCP_SYN_RECEIVED ||
	       (s->state == CAPNET_TCP_FIN_WAIT_1 && !(s->flags & TF_CONNECTED));
}

/* tcp.c: table, demux, lifetime */
static inline uint32_t tcp_sock_index(const struct capnet_tcp *tcp, const struct capnet_tcp_sock *s)
{
	return (uint32_t)(s - tcp->socks);
}
struct capnet_tcp_sock *tcp_sock_alloc(struct capnet_tcp *tcp);
void tcp_sock_release(struct capnet_tcp_sock *s);
void tcp_hash_insert(struct capnet_tcp_sock *s);
void tcp_hash_remove(struct capnet_tcp_sock *s);
struct capnet_tcp_sock *tcp_lookup(struct capnet_tcp *tcp, const struct capnet_ipaddr *laddr, uint16_t lport,
				   const struct capnet_ipaddr *raddr, uint16_t rport);
struct capnet_tcp_sock *tcp_lookup_listener(struct capnet_tcp *tcp, uint16_t lport);
/* Enters a state (RFC 9293 3.3.2), keeping the TIME-WAIT count and the
 * listener's queues right. */
void tcp_set_state(struct capnet_tcp_sock *s, enum capnet_tcp_state st, capnet_instant now);
/* The connection ends: CLOSED with `err`; queues flushed, timers stopped,
 * removed from demux; the block is freed unless the application holds it. */
void tcp_drop(struct capnet_tcp_sock *s, capnet_err err, capnet_instant now);
/* The same, naming the rule that ended the connection (tcp_drop derives
 * the reason from err). */
void tcp_drop_why(struct capnet_tcp_sock *s, capnet_err err, enum capnet_tcp_close_reason why, capnet_instant now);
/* Reports readiness changes to the notify callback. The socket may be gone
 * afterwards: the caller must not touch it. */
void tcp_notify(struct capnet_tcp_sock *s, capnet_instant now);
/* Effective MSS for data (RFC 9293 3.7.1, RFC 6691) once options are known. */
void tcp_set_snd_mss(struct capnet_tcp_sock *s);
/* The largest segment payload the interface's MTU allows for local
 * address la's family (IPv4 MTU - 40, IPv6 link MTU - 60). */
uint32_t tcp_mtu_mss(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la);
/* The buffer a segment from la is built in (after the IPv4 or IPv6 header). */
uint8_t *tcp_tx_buffer(struct capnet_tcp *tcp, const struct capnet_ipaddr *la, size_t *cap);
/* Initial receive window and scale for a ring size. */
uint8_t tcp_wscale_for(uint32_t rcvbuf);
void tcp_apply_opts(struct capnet_tcp_sock *s, const struct capnet_tcp_sockopts *o);
capnet_err tcp_alloc_rings(struct capnet_tcp_sock *s);
bool tcp_addr_eq(const struct capnet_ipaddr *a, const struct capnet_ipaddr *b);
/* Resets and frees a listener's unaccepted children, then the listener. */
void tcp_listener_close(struct capnet_tcp_sock *l, capnet_instant now);

/* tcp_isn.c */
uint64_t tcp_siphash(const uint64_t key[2], const uint8_t *data, size_t len);
/* F over a 4-tuple with the layer's secret, separated by domain (1..3:
 * ISN, timestamp offset, port search; TCP_HASH_COOKIE and up also bind
 * `extra`, ignored below). */
#define TCP_HASH_COOKIE 4
uint64_t tcp_tuple_hash(const struct capnet_tcp *tcp, uint8_t domain, const struct capnet_ipaddr *la, uint16_t lport,
			const struct capnet_ipaddr *ra, uint16_t rport, uint32_t extra);
/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey). */
uint32_t tcp_isn(const struct capnet_tcp *tcp, const struct capnet_tcp_sock *s, capnet_instant now);
/* RFC 7323 5.4: a per-connection timestamp offset from the same keyed hash. */
uint32_t tcp_ts_offset(const struct capnet_tcp *tcp, const struct capnet_tcp_sock *s);
/* RFC 6056 algorithm 3: the ephemeral port search starts here. */
uint32_t tcp_port_offset(const struct capnet_tcp *tcp, const struct capnet_ipaddr *laddr,
			 const struct capnet_ipaddr *raddr, uint16_t rport);

/* tcp_output.c */
static inline uint32_t tcp_ts_now(const struct capnet_tcp_sock *s, capnet_instant now)
{
	return (uint32_t)(now / 1000) + s->ts_offset; /* 1 ms ticks (RFC 7323 5.4) */
}
/* Sends whatever the windows allow, then an ACK if one is owed now. */
void tcp_output(struct capnet_tcp_sock *s, capnet_instant now);
/* The SYN or SYN-ACK; what IP said (E_UNREACHABLE: the neighbour failed;
 * E_NOMEM: nowhere to hold it while the neighbour resolves). */
capnet_err tcp_send_syn(struct capnet_tcp_sock *s, capnet_instant now);
/* The FIN of a CLOSE in SYN-RECEIVED (RFC 9293 3.10.4), at ISS + 1. */
void tcp_send_fin_after_syn(struct capnet_tcp_sock *s, capnet_instant now);
void tcp_send_ack(struct capnet_tcp_sock *s, capnet_instant now);
/* <SEQ=snd_nxt><CTL=RST,ACK> for an abort. */
void tcp_send_rst_for(struct capnet_tcp_sock *s, capnet_instant now);
/* An RST answering a segment that found no connection (RFC 9293 3.10.7.1). */
void tcp_send_reset(struct capnet_tcp *tcp, const struct capnet_ipaddr *laddr, const struct capnet_ipaddr *raddr,
		    const struct capnet_tcp_repr *seg, size_t seg_len, capnet_instant now);
/* A segment of no connection (an RST, a cookie SYN-ACK), built from r
 * (no payload) and sent from laddr to raddr. */
capnet_err tcp_send_stateless(struct capnet_tcp *tcp, const struct capnet_ipaddr *laddr,
			      const struct capnet_ipaddr *raddr, const struct capnet_tcp_repr *r, capnet_instant now);
/* Retransmits up to one MSS at `seq` (a hole or snd_una). Returns bytes. */
uint32_t tcp_retransmit(struct capnet_tcp_sock *s, uint32_t seq, uint32_t maxlen, capnet_instant now);
/* The sender SWS override timeout (3.8.6.2.1 (d)): one segment of what
 * the window allows, Nagle and SWS avoidance set aside. */
bool tcp_send_forced(struct capnet_tcp_sock *s, capnet_instant now);
/* One zero-window probe (RFC 9293 3.8.6.1) or a keepalive (3.8.4). */
void tcp_send_probe(struct capnet_tcp_sock *s, bool keepalive, capnet_instant now);
/* The window we advertise now (unscaled bytes), never shrinking the right edge. */
uint32_t tcp_rcv_window(const struct capnet_tcp_sock *s);
/* The window field to put on the next segment: updates rcv_adv. */
uint16_t tcp_window_field(struct capnet_tcp_sock *s);
uint32_t tcp_pseudo(const struct capnet_tcp_sock *s, size_t len);

/* tcp_input.c */
void tcp_input(void *ctx, struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now);
void tcp_icmp_error(void *ctx, struct capnet_iface *ifc, const struct capnet_icmp4_quote *q,
		    enum capnet_icmp4_error why, capnet_instant now);

/* tcp_timer.c */
capnet_instant tcp_poll(void *ctx, struct capnet_iface *ifc, capnet_instant now);
/* Recomputes the socket's deadline and its place in the heap. */
void tcp_timer_update(struct capnet_tcp_sock *s);
void tcp_heap_remove(struct capnet_tcp_sock *s);
/* RFC 6298 2.2/2.3 with a sample in microseconds. */
void tcp_rtt_sample(struct capnet_tcp_sock *s, uint32_t rtt_us);
capnet_duration tcp_rto(const struct capnet_tcp_sock *s);
/* Arms the retransmission timer if data is outstanding, stops it if not
 * (RFC 6298 5.1-5.3: restart = true on new ACKed data). */
void tcp_rexmt_arm(struct capnet_tcp_sock *s, capnet_instant now, bool restart);
void tcp_delack_arm(struct capnet_tcp_sock *s, capnet_instant now);
void tcp_keepalive_arm(struct capnet_tcp_sock *s, capnet_instant now);
void tcp_timewait_arm(struct capnet_tcp_sock *s, capnet_instant now);
void tcp_persist_arm(struct capnet_tcp_sock *s, capnet_instant now);

/* tcp_rack.c: RACK-TLP (RFC 8985) for SACK connections */
static inline bool tcp_rack_on(const struct capnet_tcp_sock *s)
{
	return (s->flags & TF_RACK) != 0;
}
/* The layer's choice for this connection: RACK when SACK was negotiated
 * (a flight runs it when a board could be lent, else DupThresh). */
static inline bool tcp_rack_wanted(const struct capnet_tcp_sock *s)
{
	return (s->flags & TF_SACK_OK) && s->tcp->cfg.loss_detection == CAPNET_TCP_LOSS_RACK;
}
/* The reorder timer's deadline (NEVER without a RACK flight). */
capnet_instant tcp_rack_deadline(const struct capnet_tcp_sock *s);
/* The connection ends or forgets its flight: the board goes back. */
void tcp_rack_release(struct capnet_tcp_sock *s);
/* Every data or FIN transmission: [seq, seq + len) went out now. */
void tcp_rack_sent(struct capnet_tcp_sock *s, uint32_t seq, uint32_t len, bool rxt, capnet_instant now);
/* After an acceptable ACK was processed (snd_una moved from old_una, the
 * scoreboard took the SACK blocks): RACK's update, DSACK, the TLP episode
 * and loss detection. True when recovery was entered. */
bool tcp_rack_on_ack(struct capnet_tcp_sock *s, uint32_t old_una, const struct capnet_tcp_options *opt,
		     uint8_t fresh, capnet_instant now);
/* Before the scoreboard takes an ACK's SACK blocks: bit i set when block i
 * SACKs something not SACKed before (RFC 8985 6.2 step 3 needs "newly"). */
uint8_t tcp_rack_fresh_blocks(struct capnet_tcp_sock *s, const struct capnet_tcp_options *opt);
/* NextSeg under RACK: the first lost byte range to retransmit (a lost
 * retransmission first, then unSACKed bytes from high_rxt below the loss
 * frontier); `from_relost` says which (tcp_rack_resent then). */
bool tcp_rack_next_lost(struct capnet_tcp_sock *s, uint32_t *seq, uint32_t *len);
/* Bytes of retransmissions deemed lost again (out of the pipe). */
uint32_t tcp_rack_relost_bytes(const struct capnet_tcp_sock *s);
/* True with the loss frontier when RACK deems bytes above snd_una lost. */
bool tcp_rack_lost(const struct capnet_tcp_sock *s, uint32_t *lost);
/* Stops the reorder timer. */
void tcp_rack_disarm(struct capnet_tcp_sock *s);
/* The reorder timer expired. */
void tcp_rack_timeout(struct capnet_tcp_sock *s, capnet_instant now);
/* RFC 8985 6.3: an RTO: every outstanding segment is lost, timers reset. */
void tcp_rack_on_rto(struct capnet_tcp_sock *s);
/* A tail loss probe went out: [seq, end) (RFC 8985 7.3). */
void tcp_rack_tlp_sent(struct capnet_tcp_sock *s, uint32_t end, bool retrans);
/* RACK.reo_wnd now, us. */
uint32_t tcp_rack_reo_wnd(const struct capnet_tcp_sock *s);
/* Recovery ended (full acknowledgment): RACK.reo_wnd_persist. */
void tcp_rack_recovery_exit(struct capnet_tcp_sock *s);

/* tcp_sack.c: receiver side (out-of-order ranges, SACK blocks) */
/* Records [left,right) as held out of order; false when no range is free. */
bool tcp_ooo_add(struct capnet_tcp_sock *s, uint32_t left, uint32_t right);
/* After rcv_nxt advanced: merges the ranges it reached; returns the new
 * rcv_nxt. */
uint32_t tcp_ooo_advance(struct capnet_tcp_sock *s, uint32_t rcv_nxt);
uint32_t tcp_ooo_bytes(const struct capnet_tcp_sock *s);
/* SACK blocks for an outgoing ACK (RFC 2018 4), up to max. */
uint8_t tcp_sack_blocks(const struct capnet_tcp_sock *s, struct capnet_tcp_sack_block *out, uint8_t max);
/* sender side (RFC 6675 scoreboard) */
/* True when the option SACKed bytes not SACKed before. */
bool tcp_score_update(struct capnet_tcp_sock *s, const struct capnet_tcp_options *opt);
void tcp_score_ack(struct capnet_tcp_sock *s);
void tcp_score_clear(struct capnet_tcp_sock *s);
/* Side-pool scoreboards: how many a layer of max_sockets keeps. */
uint32_t tcp_boards_for(uint32_t max_sockets);
/* Lends the connection a board (its ranges moved in); false when none is free. */
bool tcp_board_get(struct capnet_tcp_sock *s);
/* Gives the board back unless a RACK flight or SACK holes still need it. */
void tcp_board_put(struct capnet_tcp_sock *s);
/* RFC 6675 + lost-retransmission detection after a SACK arrived: true
 * when data first sent after the latest retransmission was SACKed while
 * a retransmitted hole is still missing (the retransmission was lost). */
bool tcp_score_rxt_lost(struct capnet_tcp_sock *s, const struct capnet_tcp_options *opt);
/* The highest unSACKed byte's segment, for the rescue retransmission
 * (RFC 6675 NextSeg rule 4). */
bool tcp_score_rescue(const struct capnet_tcp_sock *s, uint32_t *seq, uint32_t *len);
uint32_t tcp_score_sacked_bytes(const struct capnet_tcp_sock *s);
/* If seq lies in a SACKed range, its right edge; else seq. */
uint32_t tcp_score_skip(const struct capnet_tcp_sock *s, uint32_t seq);
/* The first SACKed left edge above seq, or `limit`. */
uint32_t tcp_score_next_sacked(const struct capnet_tcp_sock *s, uint32_t seq, uint32_t limit);
bool tcp_score_is_lost(const struct capnet_tcp_sock *s, uint32_t seq);
/* RFC 6675 SetPipe. */
uint32_t tcp_score_pipe(const struct capnet_tcp_sock *s);
/* RFC 6675 NextSeg rule 1 (lost hole) or 3 (any hole) above high_rxt:
 * true with the range to retransmit. */
bool tcp_score_next_hole(const struct capnet_tcp_sock *s, bool lost_only, uint32_t *seq, uint32_t *len);

#endif

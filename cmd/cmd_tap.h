/* The TAP plumbing shared by the one-shot tools (cmd_tap.c). */
#ifndef CMD_TAP_H
#define CMD_TAP_H
#include <stdbool.h>
#include "capnet/types.h"

struct capnet_stack_config;
struct capnet_dhcp4_client;

struct cmd_tap {
	const char *cmd;  /* "ping": names the messages */
	const char *pcap; /* the recording, or NULL */
	struct capnet_tap *tap;
	struct capnet_pcap_writer *pw;
	struct capnet_pcap_tee *tee;
	struct capnet_nic *nic; /* the TAP's, or the tee's */
	void *mem;		/* the stack's arena */
	struct capnet_stack *st;
};

/* Opens the TAP and the tee to pcap (if not NULL); on failure says why on
 * stderr, holds nothing and returns false. */
bool cmd_tap_open(struct cmd_tap *t, const char *cmd, const char *name, struct capnet_mac mac, const char *pcap);
/* Builds the stack on the NIC in a malloc'd arena; false (said on stderr) if not. */
bool cmd_tap_stack(struct cmd_tap *t, const struct capnet_stack_config *cfg);
/* Polls the stack over the TAP until done(ctx) or the limit; false on the limit or a fault. */
bool cmd_tap_run(struct cmd_tap *t, capnet_instant limit, bool (*done)(void *), void *ctx);
/* A done() for cmd_tap_run: the DHCPv4 client (ctx) holds a lease. */
bool cmd_tap_bound(void *dhcp4_client);
/* Releases the lease (dc not NULL) and sends what is queued. */
void cmd_tap_finish(struct cmd_tap *t, struct capnet_dhcp4_client *dc);
/* Closes the recording (saying so if it could not be finished), the TAP, the arena. */
void cmd_tap_close(struct cmd_tap *t);

/* The TAP options both tools take, each a pointer into the tool's own options. */
struct cmd_tap_args {
	const char *cmd;   /* "ping": names the command in messages */
	const char **tap;  /* 't' --tap NAME */
	capnet_ip4addr *addr; /* 'a' --static ADDR[/LEN], also sets prefix and have_static */
	uint8_t *prefix;
	bool *have_static;
	capnet_ip4addr *gateway; /* 'g' --gateway ADDR */
	bool *dhcp;		 /* 'D' --dhcp */
	struct capnet_mac *mac;	 /* 'm' --mac MAC */
};
/* Returned by cmd_tap_opt for an option that is not one of these. */
enum { CMD_TAP_OPT_OTHER = -2 };
/* CMD_OPT_NEXT (cmd.h) when c was one of the options above and is set,
 * EXIT_USAGE on a bad value (said on stderr), else CMD_TAP_OPT_OTHER. */
int cmd_tap_opt(const struct cmd_tap_args *ta, int c, const char *arg);
#endif

/* Whole-frame ingress into a configured interface. The input is a run of
 * frames, each prefixed by a 2-byte big-endian length (the whole input is
 * also fed once as one frame), with the clock advancing between them so
 * ARP retries, expiry and ICMP rate limiting run too. Everything the stack
 * transmits must be a legal Ethernet frame from our MAC. */
#include <string.h>

#include "capnet/iface.h"
#include "capnet/nic_null.h"
#include "capnet/wire/bytes.h"
#include "fuzz_assert.h"
#include "fuzz_iface.h"

static const struct capnet_mac our_mac = {{0x02, 0, 0, 0, 0, 0x0a}};

static const struct capnet_nic_ops null_ops = {fuzz_checked_transmit, capnet_nic_null_receive, capnet_nic_null_link_up};
static uint8_t arena_mem[128 * 1024];

/* Also send something so egress, ARP queueing and the echo hook run. */
static void send_echo(struct capnet_iface *ifc, uint8_t b, capnet_instant now)
{
	uint8_t d[8] = {0};
	capnet_icmp4_echo_send(ifc, CAPNET_IP4(192, 0, 2, b), 1, 1, d, sizeof d, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_iface fi;
	fuzz_iface_open(&fi, &null_ops, our_mac, 1, arena_mem, sizeof arena_mem);
	struct capnet_iface *ifc = fi.ifc;
	struct capnet_ip4_config c = {CAPNET_IP4(192, 0, 2, 10), 24, CAPNET_IP4(192, 0, 2, 1), CAPNET_PROV_FIXTURE};
	FUZZ_CHECK(capnet_iface_set_ip4(ifc, &c, 0) == CAPNET_OK);

	capnet_instant now = fuzz_iface_frames(ifc, data, size, 0, CAPNET_MS(100), send_echo);
	capnet_iface_poll(ifc, now + CAPNET_S(120));
	return 0;
}

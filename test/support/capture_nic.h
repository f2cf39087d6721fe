/* A fake nic for unit tests: transmitted frames are captured in order for
 * exact-byte assertions; frames to receive are queued by the test. */
#ifndef CAPNET_TEST_CAPTURE_NIC_H
#define CAPNET_TEST_CAPTURE_NIC_H

#include "capnet/iface.h"
#include "capnet/nic.h"

#define CAPTURE_MAX_FRAMES 64
#define CAPTURE_FRAME_MAX 1600

struct capture_frame {
	uint8_t data[CAPTURE_FRAME_MAX];
	size_t len;
};

struct capture_nic {
	struct capnet_nic nic;
	struct capture_frame tx[CAPTURE_MAX_FRAMES];
	size_t ntx;
	struct capture_frame rx[CAPTURE_MAX_FRAMES];
	size_t nrx, rx_head;
	bool fail_tx;
};

void capture_nic_init(struct capture_nic *c, struct capnet_mac mac, uint16_t mtu);
void capture_nic_clear(struct capture_nic *c);
void capture_nic_queue_rx(struct capture_nic *c, const uint8_t *frame, size_t len);

/* A ready stack on a capture nic: arena, seeded rng, iface. */
struct test_stack {
	struct capture_nic cn;
	struct capnet_xoshiro x;
	uint8_t arena_mem[256 * 1024];
	struct capnet_arena arena;
	struct capnet_iface *ifc;
};
void test_stack_init(struct test_stack *s, struct capnet_mac mac, const struct capnet_iface_config *cfg);
uint64_t test_stat(const struct test_stack *s, enum capnet_stat st);
/* Asserts every counter is zero except those listed (name=value pairs end with -1). */
int test_stats_only(const struct test_stack *s, ...);

#endif

/* A libcapnet stack whose NIC is the virtio-net driver, driving the device
 * model (sim/virtio_device.h), whose wire is a simulator port:
 *
 *   stack -> capnet_virtio_net (rings, DMA memory) -> device model -> port -> switch
 *
 * One participant polls the device, then the stack, then the device again,
 * so a frame the stack transmits leaves on the wire at the same synthetic
 * instant, as it would from a plain port: timings match the shuttle's. */
#ifndef CAPNET_HARNESS_SIM_VIRTIO_H
#define CAPNET_HARNESS_SIM_VIRTIO_H

#include "capnet/virtio.h"
#include "capnet/virtio_mmio.h"
#include "harness/sim_tcp.h"
#include "sim/virtio_device.h"

struct sim_virtio {
	struct sim_tcp t;               /* t.st.nic is the driver's nic */
	struct capnet_nic *wire;        /* the simulator port */
	struct capnet_sim_virtio *dev;
	struct capnet_virtio_mmio mmio;
	struct capnet_virtio_net vn;
	capnet_err start_err;           /* what capnet_virtio_net_start returned */
};

/* Port, device model (MAC `mac`, queues of qmax), driver brought up over
 * virtio-mmio, stack (cfg NULL: TCP only, no UDP, no caps) configured with
 * ip/24, and the participant registered. Returns a capnet_err. */
capnet_err sim_virtio_open(struct sim_virtio *v, const char *name, struct capnet_sim *sim, uint64_t seed,
			   struct capnet_mac mac, capnet_ip4addr ip, const struct capnet_sim_impair *impair,
			   const struct capnet_tcp_config *tcfg, uint16_t qmax);
capnet_instant sim_virtio_poll(void *v, capnet_instant now);
/* Stops the driver (device reset, DMA memory freed) and frees the rest. */
void sim_virtio_close(struct sim_virtio *v);

#endif

/* The interface's capture points for the packet trace (capnet/trace.h).
 *
 * Every received frame enters at capnet_iface_input and every transmitted
 * one leaves through capnet_iface_eth_transmit; each checks one pointer
 * (IFACE_TRACE_ACTIVE) and only when a trace is attached calls in here, out
 * of line, so an interface without a trace pays one predictable branch per
 * frame and nothing else. */
#include "capnet/trace.h"
#include "iface_internal.h"

capnet_err capnet_iface_trace_attach(struct capnet_iface *ifc, struct capnet_trace *t)
{
	if (ifc == NULL || t == NULL)
		return CAPNET_E_INVAL;
	if (ifc->trace != NULL && ifc->trace != t)
		return CAPNET_E_INUSE;
	ifc->trace = t;
	return CAPNET_OK;
}

void capnet_iface_trace_detach(struct capnet_iface *ifc, const struct capnet_trace *t)
{
	if (ifc != NULL && ifc->trace == t)
		ifc->trace = NULL;
}

const struct capnet_trace *capnet_iface_trace(const struct capnet_iface *ifc)
{
	return ifc->trace;
}

void capnet_iface_trace_rx(struct capnet_iface *ifc, const uint8_t *frame, size_t len, capnet_instant now)
{
	capnet_trace_capture(ifc->trace, CAPNET_TRACE_DIR_RX, frame, len, now);
}

void capnet_iface_trace_tx(struct capnet_iface *ifc, const uint8_t *frame, size_t len, capnet_instant now)
{
	capnet_trace_capture(ifc->trace, CAPNET_TRACE_DIR_TX, frame, len, now);
}

void capnet_iface_trace_tick(struct capnet_iface *ifc, capnet_instant now)
{
	capnet_trace_tick(ifc->trace, now);
}

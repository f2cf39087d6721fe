/* The interface's tap hook: observers of every frame (capnet/iface.h).
 *
 * Every received frame enters at capnet_iface_input and every transmitted
 * one leaves through capnet_iface_eth_transmit; each checks one pointer
 * (IFACE_TAP_ACTIVE) and only when a tap is attached calls in here, out of
 * line, so an interface without taps pays one predictable branch per frame
 * and nothing else. The interface knows nothing of what observes it: the
 * packet trace (trace/) attaches here, not the reverse. */
#include "iface_internal.h"

capnet_err capnet_iface_tap_attach(struct capnet_iface *ifc, struct capnet_iface_tap *tap)
{
	if (ifc == NULL || tap == NULL || tap->frame == NULL)
		return CAPNET_E_INVAL;
	if (tap->iface != NULL)
		return CAPNET_E_INUSE;
	/* Append: taps see each frame in the order they were attached. */
	unsigned n = 0;
	struct capnet_iface_tap **tail = &ifc->taps;
	for (; *tail != NULL; tail = &(*tail)->next)
		n++;
	if (n >= CAPNET_IFACE_TAPS_MAX)
		return CAPNET_E_NOMEM;
	tap->next = NULL;
	tap->iface = ifc;
	*tail = tap;
	return CAPNET_OK;
}

void capnet_iface_tap_detach(struct capnet_iface *ifc, struct capnet_iface_tap *tap)
{
	if (ifc == NULL || tap == NULL || tap->iface != ifc)
		return;
	for (struct capnet_iface_tap **p = &ifc->taps; *p != NULL; p = &(*p)->next) {
		if (*p == tap) {
			*p = tap->next;
			break;
		}
	}
	tap->next = NULL;
	tap->iface = NULL;
}

const struct capnet_iface_tap *capnet_iface_tap_find(const struct capnet_iface *ifc, capnet_iface_tap_fn fn)
{
	for (const struct capnet_iface_tap *t = ifc->taps; t != NULL; t = t->next)
		if (t->frame == fn)
			return t;
	return NULL;
}

/* `next` is read before the call, so a tap may detach itself. */
void capnet_iface_tap_frame(struct capnet_iface *ifc, const uint8_t *frame, size_t len, enum capnet_iface_dir dir,
			    capnet_instant now)
{
	struct capnet_iface_tap *next;
	for (struct capnet_iface_tap *t = ifc->taps; t != NULL; t = next) {
		next = t->next;
		t->frame(t->ctx, frame, len, dir, now);
	}
}

void capnet_iface_tap_tick(struct capnet_iface *ifc, capnet_instant now)
{
	struct capnet_iface_tap *next;
	for (struct capnet_iface_tap *t = ifc->taps; t != NULL; t = next) {
		next = t->next;
		if (t->tick != NULL)
			t->tick(t->ctx, now);
	}
}

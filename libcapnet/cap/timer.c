/* Timer: a one-shot deadline held by one cap. Time is an argument: the
 * holder passes `now` when it asks, and the served calls that park take the
 * deadline the Timer holds. A granted copy is a timer of its own. */
#include "cap/capsys_internal.h"

capnet_err capnet_timer_set(struct capnet_cspace *cs, capnet_handle t, capnet_instant deadline)
{
	struct cap_node *nd;
	capnet_err e = capsys_check_node(cs, t, CAPNET_CAP_TIMER, CAPNET_RIGHT_CONFIGURE, NULL, NULL, &nd);
	if (e != CAPNET_OK)
		return e;
	nd->aux = deadline;
	return CAPNET_OK;
}

capnet_err capnet_timer_poll(struct capnet_cspace *cs, capnet_handle t, capnet_instant now, capnet_instant *deadline,
			     bool *expired)
{
	struct cap_node *nd;
	capnet_err e = capsys_check_node(cs, t, CAPNET_CAP_TIMER, CAPNET_RIGHT_READ, NULL, NULL, &nd);
	if (e != CAPNET_OK)
		return e;
	if (deadline != NULL)
		*deadline = nd->aux;
	if (expired != NULL)
		*expired = nd->aux != CAPNET_INSTANT_NEVER && nd->aux <= now;
	return CAPNET_OK;
}

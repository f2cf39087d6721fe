/* The null NIC operations (capnet/nic_null.h). */
#include "capnet/nic_null.h"

capnet_err capnet_nic_null_transmit(void *dev, const uint8_t *frame, size_t len)
{
	(void)dev;
	(void)frame;
	(void)len;
	return CAPNET_OK;
}

capnet_err capnet_nic_null_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	(void)dev;
	(void)buf;
	(void)cap;
	(void)len;
	return CAPNET_E_AGAIN;
}

bool capnet_nic_null_link_up(void *dev)
{
	(void)dev;
	return true;
}

#include "capnet/stats.h"

#include <stddef.h>

static const char *const stat_names[] = {
#define X(name) #name,
	CAPNET_STAT_LIST(X)
#undef X
};

const char *capnet_stat_name(enum capnet_stat s)
{
	if ((unsigned)s >= CAPNET_STAT__COUNT)
		return NULL;
	return stat_names[s];
}

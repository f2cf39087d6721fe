#include "capnet/err.h"

static const char *const err_text[] = {
#define X(name, text) text,
	CAPNET_ERRORS(X)
#undef X
};

static const char *const err_name[] = {
#define X(name, text) #name,
	CAPNET_ERRORS(X)
#undef X
};

const char *capnet_strerror(capnet_err err)
{
	if ((unsigned)err >= CAPNET_ERR__COUNT)
		return "unknown error";
	return err_text[err];
}

const char *capnet_errname(capnet_err err)
{
	if ((unsigned)err >= CAPNET_ERR__COUNT)
		return "E_UNKNOWN";
	return err_name[err];
}

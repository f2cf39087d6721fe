/* Names of enum values listed once in an X-macro (X(NAME) per value, in
 * enum order): the table and the bounds check written once, so that a value
 * outside the list answers "?" everywhere alike. */
#ifndef CAPNET_ENUM_NAMES_H
#define CAPNET_ENUM_NAMES_H

#include <stddef.h>

static inline const char *capnet_enum_name(const char *const *names, size_t count, unsigned v)
{
	return v < count ? names[v] : "?";
}

#define CAPNET_ENUM_NAME_STR(name) #name,
/* The name of value v of the enum whose values LIST(X) lists. */
#define CAPNET_ENUM_NAME(LIST, v)                                                               \
	capnet_enum_name((const char *const[]){LIST(CAPNET_ENUM_NAME_STR)},                      \
			 sizeof((const char *const[]){LIST(CAPNET_ENUM_NAME_STR)}) / sizeof(const char *), \
			 (unsigned)(v))

#endif

/* The audit: every authority rejection counted by reason, against the
 * cspace that made the call and in the system total. Proofs print these
 * counts; the status view shows them to the operator. */
#include <string.h>

#include "capnet/enum_names.h"
#include "cap/capsys_internal.h"

int capnet_audit_reason_of(capnet_err err)
{
	switch (err) {
	case CAPNET_E_BADHANDLE:
		return CAPNET_AUDIT_BADHANDLE;
	case CAPNET_E_REVOKED:
		return CAPNET_AUDIT_REVOKED;
	case CAPNET_E_WRONGTYPE:
		return CAPNET_AUDIT_WRONGTYPE;
	case CAPNET_E_RIGHTS:
		return CAPNET_AUDIT_RIGHTS;
	case CAPNET_E_SCOPE:
		return CAPNET_AUDIT_SCOPE;
	default:
		return -1;
	}
}

const char *capnet_audit_reason_name(enum capnet_audit_reason r)
{
	return CAPNET_ENUM_NAME(CAPNET_AUDIT_REASONS, r);
}

static void count(struct capnet_audit *a, int reason, capnet_err err, enum capnet_cap_type want)
{
	a->rejected[reason]++;
	a->total++;
	a->last_err = err;
	a->last_type = want;
}

capnet_err cap_reject(struct capnet_capsys *sys, struct capnet_cspace *cs, capnet_err err,
		      enum capnet_cap_type want)
{
	int reason = capnet_audit_reason_of(err);
	if (reason < 0 || sys == NULL)
		return err;
	if (cs != NULL && cs->live)
		count(&cs->audit, reason, err, want);
	count(&sys->audit, reason, err, want);
	return err;
}

void capnet_cspace_audit(const struct capnet_cspace *cs, struct capnet_audit *out)
{
	if (cs == NULL || !cs->live) {
		memset(out, 0, sizeof *out);
		return;
	}
	*out = cs->audit;
}

void capnet_capsys_audit(const struct capnet_capsys *sys, struct capnet_audit *out)
{
	*out = sys->audit;
}

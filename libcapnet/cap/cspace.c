/* Cspaces and their handles. A handle is (slot index, generation, check
 * word) passed through a keyed 64-bit Feistel permutation; see cap.h for
 * what that does and does not defend against. */
#include <string.h>

#include "cap/capsys_internal.h"

/* A 32-bit finaliser (xorshift-multiply); the Feistel round function. */
static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

/* Four Feistel rounds: a permutation of 64-bit values for any key, so
 * distinct slots always get distinct handles. */
static uint64_t encipher(const uint32_t key[4], uint64_t v)
{
	uint32_t l = (uint32_t)(v >> 32), r = (uint32_t)v;
	for (int i = 0; i < 4; i++) {
		uint32_t t = l ^ mix32(r ^ key[i]);
		l = r;
		r = t;
	}
	return ((uint64_t)l << 32) | r;
}

static uint64_t decipher(const uint32_t key[4], uint64_t v)
{
	uint32_t l = (uint32_t)(v >> 32), r = (uint32_t)v;
	for (int i = 3; i >= 0; i--) {
		uint32_t t = r ^ mix32(l ^ key[i]);
		r = l;
		l = t;
	}
	return ((uint64_t)l << 32) | r;
}

#define RAW(idx, gen, check) (((uint64_t)(idx) << 48) | ((uint64_t)(gen) << 32) | (uint64_t)(check))

capnet_handle cs_handle(const struct capnet_cspace *cs, uint16_t idx)
{
	return encipher(cs->key, RAW(idx, cs->slots[idx].gen, cs->check));
}

capnet_err cs_resolve(const struct capnet_cspace *cs, capnet_handle h, uint16_t *idx)
{
	if (cs == NULL || !cs->live || h == CAPNET_HANDLE_NONE)
		return CAPNET_E_BADHANDLE;
	uint64_t raw = decipher(cs->key, h);
	uint16_t i = (uint16_t)(raw >> 48);
	uint16_t gen = (uint16_t)(raw >> 32);
	if ((uint32_t)raw != cs->check || i >= cs->sys->cfg.slots_per_cspace)
		return CAPNET_E_BADHANDLE;
	const struct cap_slot *s = &cs->slots[i];
	if (s->gen != gen || (s->state != SLOT_LIVE && s->state != SLOT_REVOKED))
		return CAPNET_E_BADHANDLE;
	*idx = i;
	return s->state == SLOT_REVOKED ? CAPNET_E_REVOKED : CAPNET_OK;
}

static void slot_push_free(struct capnet_cspace *cs, uint16_t idx)
{
	cs->slots[idx].state = SLOT_FREE;
	cs->slots[idx].node = CAP_NONE;
	cs->slots[idx].next_free = cs->free_head;
	cs->free_head = idx;
}

/* Moves the slot's generation on; a slot whose generation would wrap is
 * retired so that no old handle can ever name it again. */
static bool slot_next_gen(struct capnet_cspace *cs, uint16_t idx)
{
	struct cap_slot *s = &cs->slots[idx];
	s->gen++;
	if (s->gen != 0)
		return true;
	s->state = SLOT_RETIRED;
	s->node = CAP_NONE;
	cs->retired++;
	return false;
}

capnet_err cs_slot_take(struct capnet_cspace *cs, uint16_t *idx)
{
	for (;;) {
		uint16_t i = cs->free_head;
		if (i == SLOT_NONE)
			return CAPNET_E_NOMEM;
		cs->free_head = cs->slots[i].next_free;
		cs->slots[i].next_free = SLOT_NONE;
		/* CAPNET_HANDLE_NONE is never issued: skip the (2^-64) generation
		 * that would encipher to it. */
		if (cs_handle(cs, i) != CAPNET_HANDLE_NONE) {
			*idx = i;
			return CAPNET_OK;
		}
		if (slot_next_gen(cs, i))
			slot_push_free(cs, i);
	}
}

void cs_slot_untake(struct capnet_cspace *cs, uint16_t idx)
{
	slot_push_free(cs, idx);
}

void cs_slot_free(struct capnet_cspace *cs, uint16_t idx)
{
	cs->used--;
	if (cs->slots[idx].state == SLOT_REVOKED)
		cs->slots[idx].type = CAPNET_CAP_NONE;
	if (slot_next_gen(cs, idx))
		slot_push_free(cs, idx);
}

void cs_init_tables(struct capnet_capsys *sys)
{
	uint16_t n = sys->cfg.slots_per_cspace;
	for (uint16_t c = 0; c < sys->cfg.max_cspaces; c++) {
		struct capnet_cspace *cs = &sys->cspaces[c];
		cs->sys = sys;
		cs->index = c;
		cs->live = false;
		cs->slots = sys->slot_mem + (size_t)c * n;
		cs->free_head = SLOT_NONE;
		for (uint16_t i = n; i > 0; i--) {
			cs->slots[i - 1].gen = 0;
			slot_push_free(cs, (uint16_t)(i - 1));
		}
	}
}

capnet_err capnet_cspace_create(struct capnet_capsys *sys, const char *name, struct capnet_cspace **out)
{
	if (sys == NULL || out == NULL)
		return CAPNET_E_INVAL;
	*out = NULL;
	struct capnet_cspace *cs = NULL;
	for (uint16_t c = 0; c < sys->cfg.max_cspaces; c++) {
		if (!sys->cspaces[c].live) {
			cs = &sys->cspaces[c];
			break;
		}
	}
	if (cs == NULL) {
		sys->nomem++;
		return CAPNET_E_NOMEM;
	}
	/* A fresh key makes every handle of a previous occupant of this cspace
	 * undecodable. Slot generations are kept (not reset), so even a
	 * generator that repeats a key cannot revive an old handle; and the
	 * check word is salted with the index so cspaces never share one. */
	uint64_t k0 = capnet_rng_u64(&sys->rng), k1 = capnet_rng_u64(&sys->rng);
	cs->key[0] = (uint32_t)k0;
	cs->key[1] = (uint32_t)(k0 >> 32);
	cs->key[2] = (uint32_t)k1;
	cs->key[3] = (uint32_t)(k1 >> 32);
	cs->check = capnet_rng_u32(&sys->rng) ^ mix32(0x9e3779b9u * (uint32_t)(cs->index + 1));
	memset(cs->name, 0, sizeof cs->name);
	for (size_t i = 0; name != NULL && name[i] != '\0' && i < sizeof cs->name - 1; i++)
		cs->name[i] = name[i];
	memset(&cs->audit, 0, sizeof cs->audit);
	cs->incarnation = ++sys->incarnations;
	cs->live = true;
	sys->cspaces_live++;
	*out = cs;
	return CAPNET_OK;
}

void cs_slot_close_all(struct capnet_cspace *cs)
{
	for (uint16_t i = 0; i < cs->sys->cfg.slots_per_cspace; i++) {
		if (cs->slots[i].state == SLOT_LIVE)
			capsys_close_slot(cs, i);
		else if (cs->slots[i].state == SLOT_REVOKED)
			cs_slot_free(cs, i);
	}
}

void capnet_cspace_destroy(struct capnet_cspace *cs)
{
	if (cs == NULL || !cs->live)
		return;
	cs_slot_close_all(cs);
	cs->live = false;
	cs->sys->cspaces_live--;
	cs->sys->destroyed++;
}

uint32_t capnet_cspace_id(const struct capnet_cspace *cs)
{
	return cs != NULL && cs->live ? (uint32_t)cs->index + 1 : 0;
}

const char *capnet_cspace_name(const struct capnet_cspace *cs)
{
	return cs != NULL ? cs->name : "";
}

struct capnet_capsys *capnet_cspace_sys(const struct capnet_cspace *cs)
{
	return cs != NULL ? cs->sys : NULL;
}

struct capnet_cspace *capnet_capsys_cspace(struct capnet_capsys *sys, uint32_t id)
{
	if (sys == NULL || id == 0 || id > sys->cfg.max_cspaces)
		return NULL;
	struct capnet_cspace *cs = &sys->cspaces[id - 1];
	return cs->live ? cs : NULL;
}

/* Memory is the caller's (DESIGN rule 3). The caller hands the core one
 * arena at init; everything long-lived is carved from it, so an OS build
 * knows its worst case and a host test can prove the bound. Exhaustion is a
 * result (NULL / CAPNET_E_NOMEM), never a crash. */
#ifndef CAPNET_ARENA_H
#define CAPNET_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"

struct capnet_arena {
	uint8_t *base;
	size_t size;
	size_t used;
	uint32_t failed; /* allocations refused */
};

void capnet_arena_init(struct capnet_arena *a, void *mem, size_t size);
/* Zeroed memory of `size` bytes aligned to `align` (a power of two), or NULL. */
void *capnet_arena_alloc(struct capnet_arena *a, size_t size, size_t align);

/* Fixed-size object pool carved from an arena. Objects are zeroed on get. */
struct capnet_pool {
	uint8_t *mem;
	void *free_list;
	size_t obj_size;
	uint32_t capacity;
	uint32_t in_use;
	uint32_t high_water;
	uint64_t exhausted; /* gets refused */
};

capnet_err capnet_pool_init(struct capnet_pool *p, struct capnet_arena *a, size_t obj_size, uint32_t count);
void *capnet_pool_get(struct capnet_pool *p);
void capnet_pool_put(struct capnet_pool *p, void *obj);

/* Bytes an arena needs for a pool of `count` objects of `obj_size`,
 * including worst-case alignment padding. */
size_t capnet_pool_arena_need(size_t obj_size, uint32_t count);

#endif

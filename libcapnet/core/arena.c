#include "capnet/arena.h"

#include <string.h>

void capnet_arena_init(struct capnet_arena *a, void *mem, size_t size)
{
	a->base = mem;
	a->size = mem ? size : 0;
	a->used = 0;
	a->failed = 0;
}

void *capnet_arena_alloc(struct capnet_arena *a, size_t size, size_t align)
{
	if (align == 0 || (align & (align - 1)) != 0) {
		a->failed++;
		return NULL;
	}
	uintptr_t start = (uintptr_t)(a->base + a->used);
	size_t pad = (size_t)((align - (start & (align - 1))) & (align - 1));
	if (pad > a->size - a->used || size > a->size - a->used - pad) {
		a->failed++;
		return NULL;
	}
	uint8_t *p = a->base + a->used + pad;
	a->used += pad + size;
	memset(p, 0, size);
	return p;
}

/* Objects are at least pointer-sized (the free list lives in them) and
 * rounded up to max alignment so any struct can be pooled. */
static size_t pool_stride(size_t obj_size)
{
	size_t al = _Alignof(max_align_t);
	if (obj_size < sizeof(void *))
		obj_size = sizeof(void *);
	return (obj_size + al - 1) & ~(al - 1);
}

size_t capnet_pool_arena_need(size_t obj_size, uint32_t count)
{
	return pool_stride(obj_size) * count + _Alignof(max_align_t);
}

capnet_err capnet_pool_init(struct capnet_pool *p, struct capnet_arena *a, size_t obj_size, uint32_t count)
{
	size_t stride = pool_stride(obj_size);
	memset(p, 0, sizeof(*p));
	if (count != 0 && stride > SIZE_MAX / count)
		return CAPNET_E_NOMEM;
	p->mem = capnet_arena_alloc(a, stride * count, _Alignof(max_align_t));
	if (p->mem == NULL && count != 0)
		return CAPNET_E_NOMEM;
	p->obj_size = stride;
	p->capacity = count;
	/* Thread the free list so the lowest address is handed out first:
	 * deterministic reuse order makes state fingerprints reproducible. */
	for (uint32_t i = count; i > 0; i--) {
		void **obj = (void **)(p->mem + (size_t)(i - 1) * stride);
		*obj = p->free_list;
		p->free_list = obj;
	}
	return CAPNET_OK;
}

void *capnet_pool_get(struct capnet_pool *p)
{
	void **obj = p->free_list;
	if (obj == NULL) {
		p->exhausted++;
		return NULL;
	}
	p->free_list = *obj;
	p->in_use++;
	if (p->in_use > p->high_water)
		p->high_water = p->in_use;
	memset(obj, 0, p->obj_size);
	return obj;
}

void capnet_pool_put(struct capnet_pool *p, void *obj)
{
	if (obj == NULL)
		return;
	void **o = obj;
	*o = p->free_list;
	p->free_list = o;
	p->in_use--;
}

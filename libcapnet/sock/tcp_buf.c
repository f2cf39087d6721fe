/* TCP's byte pool and rings. Every connection's send and receive ring is a
 * power-of-two block from one buddy allocator carved from the caller's
 * arena at create time (DESIGN rule 3): the worst case is the pool size,
 * exhaustion is E_NOMEM, and freeing merges buddies so long runs do not
 * fragment the pool into uselessness. Rings of 2^n bytes make every index
 * a mask. */
#include <string.h>

#include "capnet/wire/checksum.h"
#include "tcp_internal.h"

#define TCP_BUF_FREE 0x80u
#define UNIT ((size_t)1 << TCP_BUF_UNIT_SHIFT)

/* Free blocks hold their list links in their first bytes. */
struct free_link {
	uint32_t prev, next;
};

static struct free_link *link_of(struct tcp_bufpool *p, uint32_t unit)
{
	return (struct free_link *)(void *)(p->mem + (size_t)unit * UNIT);
}

static void push_free(struct tcp_bufpool *p, uint32_t unit, unsigned order)
{
	struct free_link *l = link_of(p, unit);
	l->prev = TCP_NONE;
	l->next = p->free_head[order];
	if (l->next != TCP_NONE)
		link_of(p, l->next)->prev = unit;
	p->free_head[order] = unit;
	p->map[unit] = (uint8_t)(TCP_BUF_FREE | order);
}

static void unlink_free(struct tcp_bufpool *p, uint32_t unit, unsigned order)
{
	struct free_link *l = link_of(p, unit);
	if (l->prev != TCP_NONE)
		link_of(p, l->prev)->next = l->next;
	else
		p->free_head[order] = l->next;
	if (l->next != TCP_NONE)
		link_of(p, l->next)->prev = l->prev;
	p->map[unit] = 0;
}

size_t tcp_bufpool_need(size_t bytes)
{
	size_t units = bytes >> TCP_BUF_UNIT_SHIFT;
	return units * UNIT + UNIT + units + _Alignof(max_align_t);
}

capnet_err tcp_bufpool_init(struct tcp_bufpool *p, struct capnet_arena *a, size_t bytes)
{
	memset(p, 0, sizeof *p);
	for (unsigned o = 0; o < TCP_BUF_ORDERS; o++)
		p->free_head[o] = TCP_NONE;
	size_t units = bytes >> TCP_BUF_UNIT_SHIFT;
	if (units > UINT32_MAX / 2)
		return CAPNET_E_INVAL;
	p->units = (uint32_t)units;
	if (units == 0)
		return CAPNET_OK;
	/* Unit-aligned so a 1 KiB ring never straddles a cache-unfriendly start. */
	p->mem = capnet_arena_alloc(a, units * UNIT, UNIT);
	p->map = capnet_arena_alloc(a, units, _Alignof(max_align_t));
	if (!p->mem || !p->map)
		return CAPNET_E_NOMEM;
	/* Greedy: the largest aligned block that fits, left to right, so every
	 * block is aligned to its size and buddies are found by XOR. */
	uint32_t u = 0;
	while (u < p->units) {
		unsigned o = TCP_BUF_ORDERS - 1;
		while (o > 0 && ((u & ((1u << o) - 1)) != 0 || (uint64_t)u + (1u << o) > p->units))
			o--;
		push_free(p, u, o);
		u += 1u << o;
	}
	return CAPNET_OK;
}

uint32_t tcp_ring_size_for(uint32_t bytes)
{
	uint32_t size = (uint32_t)UNIT;
	if (bytes > (1u << (TCP_BUF_UNIT_SHIFT + TCP_BUF_ORDERS - 1)))
		return 0;
	while (size < bytes)
		size <<= 1;
	return size;
}

static unsigned order_of(uint32_t size)
{
	unsigned o = 0;
	while (((size_t)1 << (TCP_BUF_UNIT_SHIFT + o)) < size)
		o++;
	return o;
}

capnet_err tcp_ring_alloc(struct tcp_bufpool *p, struct tcp_ring *r, uint32_t bytes)
{
	uint32_t size = tcp_ring_size_for(bytes);
	if (size == 0)
		return CAPNET_E_INVAL;
	unsigned want = order_of(size), o = want;
	while (o < TCP_BUF_ORDERS && p->free_head[o] == TCP_NONE)
		o++;
	if (o >= TCP_BUF_ORDERS)
		return CAPNET_E_NOMEM;
	uint32_t unit = p->free_head[o];
	unlink_free(p, unit, o);
	while (o > want) {
		o--;
		push_free(p, unit + (1u << o), o);
	}
	p->map[unit] = (uint8_t)want;
	p->bytes_in_use += size;
	r->buf = p->mem + (size_t)unit * UNIT;
	r->size = size;
	r->head = 0;
	r->len = 0;
	return CAPNET_OK;
}

void tcp_ring_free(struct tcp_bufpool *p, struct tcp_ring *r)
{
	if (r->buf == NULL)
		return;
	uint32_t unit = (uint32_t)((size_t)(r->buf - p->mem) >> TCP_BUF_UNIT_SHIFT);
	unsigned o = order_of(r->size);
	p->bytes_in_use -= r->size;
	while (o + 1 < TCP_BUF_ORDERS) {
		uint32_t buddy = unit ^ (1u << o);
		if ((uint64_t)buddy + (1u << o) > p->units || p->map[buddy] != (TCP_BUF_FREE | o))
			break;
		unlink_free(p, buddy, o);
		if (buddy < unit)
			unit = buddy;
		o++;
	}
	push_free(p, unit, o);
	memset(r, 0, sizeof *r);
}

uint32_t tcp_ring_append(struct tcp_ring *r, const uint8_t *data, uint32_t n)
{
	uint32_t room = r->size - r->len;
	if (n > room)
		n = room;
	tcp_ring_write_at(r, r->len, data, n);
	r->len += n;
	return n;
}

void tcp_ring_peek(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
	uint32_t mask = r->size - 1;
	uint32_t pos = (r->head + off) & mask;
	uint32_t first = r->size - pos;
	if (first > n)
		first = n;
	memcpy(dst, r->buf + pos, first);
	if (n > first)
		memcpy(dst + first, r->buf, n - first);
}

uint16_t tcp_ring_peek_csum(const struct tcp_ring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
	uint32_t mask = r->size - 1;
	uint32_t pos = (r->head + off) & mask;
	uint32_t first = r->size - pos;
	if (first > n)
		first = n;
	uint16_t sum = capnet_csum_copy(dst, r->buf + pos, first, 0);
	if (n > first)
		sum = capnet_csum_add_at(sum, capnet_csum_copy(dst + first, r->buf, n - first, 0), first);
	return sum;
}

void tcp_ring_write_at(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t n)
{
	if (n == 0)
		return;
	uint32_t mask = r->size - 1;
	uint32_t pos = (r->head + off) & mask;
	uint32_t first = r->size - pos;
	if (first > n)
		first = n;
	memcpy(r->buf + pos, src, first);
	if (n > first)
		memcpy(r->buf, src + first, n - first);
}

uint16_t tcp_ring_write_at_csum(struct tcp_ring *r, uint32_t off, const uint8_t *src, uint32_t n)
{
	uint32_t mask = r->size - 1;
	uint32_t pos = (r->head + off) & mask;
	uint32_t first = r->size - pos;
	if (first > n)
		first = n;
	uint16_t sum = capnet_csum_copy(r->buf + pos, src, first, 0);
	if (n > first)
		sum = capnet_csum_add_at(sum, capnet_csum_copy(r->buf, src + first, n - first, 0), first);
	return sum;
}

void tcp_ring_consume(struct tcp_ring *r, uint32_t n)
{
	if (n > r->len)
		n = r->len;
	r->len -= n;
	/* head keeps moving even when empty: received out-of-order bytes sit at
	 * fixed offsets from it. */
	r->head = (r->head + n) & (r->size - 1);
}

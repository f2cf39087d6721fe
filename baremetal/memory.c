/* Memory: one bump region in .bss, carved once at boot into the stack's
 * arena and the virtio driver's DMA memory. Nothing is ever given back
 * (the stack keeps its arena for life; the driver frees only when it
 * stops, which the image never does), so free is a no-op. */
#include "baremetal.h"

/* Room for the stack with every default over one virtio NIC, and the
 * driver's rings and buffers; main checks the stack's need against it. */
#define BM_MEM_SIZE (16u << 20)

static uint8_t region[BM_MEM_SIZE] __attribute__((aligned(4096)));
static size_t used;

void *bm_mem_alloc(size_t size, size_t align)
{
	uintptr_t base = (uintptr_t)region;
	uintptr_t p = (base + used + (align - 1)) & ~(uintptr_t)(align - 1);
	if (align == 0 || (align & (align - 1)) || p - base > BM_MEM_SIZE || size > BM_MEM_SIZE - (p - base))
		return NULL;
	used = p - base + size;
	return (void *)p;
}

size_t bm_mem_left(void)
{
	return BM_MEM_SIZE - used;
}

static void *dma_alloc(void *ctx, size_t size, size_t align)
{
	(void)ctx;
	uint8_t *p = bm_mem_alloc(size, align);
	if (p != NULL)
		__builtin_memset(p, 0, size);
	return p;
}

/* Paging maps the low 4 GiB 1:1, so the physical address the device
 * needs is the pointer itself. */
static uint64_t dma_dev_addr(void *ctx, const void *p)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)p;
}

static void dma_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)p;
	(void)size;
}

struct capnet_virtio_dma bm_mem_dma(void)
{
	return (struct capnet_virtio_dma){.alloc = dma_alloc, .dev_addr = dma_dev_addr, .free = dma_free, .ctx = NULL};
}

/* The virtio-mmio register window: volatile loads and stores at the
 * transport's physical base (identity-mapped, uncached). The device is
 * little-endian like the CPU. */
#include "baremetal.h"

static uint32_t read32(void *ctx, uint32_t off)
{
	uintptr_t base = *(uintptr_t *)ctx;
	return *(volatile uint32_t *)(base + off);
}

static void write32(void *ctx, uint32_t off, uint32_t v)
{
	uintptr_t base = *(uintptr_t *)ctx;
	*(volatile uint32_t *)(base + off) = v;
}

static uint8_t read8(void *ctx, uint32_t off)
{
	uintptr_t base = *(uintptr_t *)ctx;
	return *(volatile uint8_t *)(base + off);
}

struct capnet_virtio_window bm_mmio_window(uintptr_t *base)
{
	return (struct capnet_virtio_window){.read32 = read32, .write32 = write32, .read8 = read8, .ctx = base};
}

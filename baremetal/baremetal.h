/* The bare-metal image's own pieces (x86-64, PVH boot, identity-mapped):
 * a serial console, a clock, the boot information, memory, and the
 * virtio-mmio register window. Everything else is libcapnet's core. */
#ifndef CAPNET_BAREMETAL_H
#define CAPNET_BAREMETAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/types.h"
#include "capnet/virtio.h"
#include "capnet/virtio_mmio.h"

static inline void bm_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t bm_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t bm_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* console.c: the 16550 UART at I/O port 0x3f8 (COM1), polled. */
void bm_con_init(void);
void bm_con_puts(const char *s);
void bm_con_putu(uint64_t v);
/* v in decimal, written backwards from the end of b; returns its start. */
const char *bm_utoa(uint64_t v, char b[21]);
void bm_con_putx(uint64_t v);
void bm_con_ip4(capnet_ip4addr a);
void bm_con_mac(struct capnet_mac m);
/* Seconds with three decimals, for a duration in microseconds. */
void bm_con_secs(capnet_duration us);

/* trap.c: an IDT for the CPU's exceptions (vectors 0-31): each prints
 * its vector, error code and faulting address on the console and halts,
 * rather than a silent triple fault. No interrupt is ever enabled. */
void bm_trap_init(void);

/* clock.c: the TSC, its rate measured against the PIT (8254). */
void bm_clock_init(void);
uint64_t bm_clock_tsc_hz(void);
/* Microseconds since bm_clock_init: the stack's time. */
capnet_instant bm_clock_now(void);

/* boot_info.c: the PVH start information (hvm_start_info) and the kernel
 * command line's virtio_mmio.device=SIZE@BASE[:IRQ] entries. */
#define BM_MMIO_MAX 8
struct bm_mmio_slot {
	uint64_t base, size;
	uint32_t irq;
};
/* The command line (NULL without a valid start info or cmdline). */
const char *bm_boot_cmdline(uint32_t start_info);
/* Parses every virtio_mmio.device= entry; returns how many (at most max). */
size_t bm_boot_virtio_mmio(const char *cmdline, struct bm_mmio_slot *slots, size_t max);

/* memory.c: one bump region for the stack's arena and the DMA memory. */
void *bm_mem_alloc(size_t size, size_t align);
size_t bm_mem_left(void);
/* DMA for the virtio driver: memory from the bump region, the device
 * address is the physical address, which is the CPU address here. */
struct capnet_virtio_dma bm_mem_dma(void);

/* mmio.c: volatile 32-bit and 8-bit accesses at a physical base. */
struct capnet_virtio_window bm_mmio_window(uintptr_t *base);

#endif

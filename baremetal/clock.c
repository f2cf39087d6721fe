/* The clock: the TSC, whose rate is measured once against the 8254 PIT
 * (1193182 Hz, a fixed crystal on every PC and on QEMU's microvm). The PIT
 * runs channel 0 as a free-running 16-bit down-counter; the calibration
 * reads it back (latch command) and sums the ticks it moved, so neither
 * port 0x61 (channel 2's gate, absent on microvm) nor an interrupt is
 * needed. The stack's time is microseconds since calibration. */
#include "baremetal.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_MODE2_LOHI 0x34 /* channel 0, lobyte/hibyte, rate generator, binary */
#define PIT_CH0_LATCH 0x00
/* About 50 ms of PIT ticks: the rate is then known to a few parts in 10^4. */
#define CAL_TICKS (PIT_HZ / 20)
/* A TSC rate to assume when the PIT does not count (no such device). */
#define FALLBACK_HZ 1000000000ull

static uint64_t tsc_hz = FALLBACK_HZ;
static uint64_t tsc0;

static uint16_t pit_read(void)
{
	bm_outb(PIT_CMD, PIT_CH0_LATCH);
	uint8_t lo = bm_inb(PIT_CH0);
	uint8_t hi = bm_inb(PIT_CH0);
	return (uint16_t)(hi << 8 | lo);
}

void bm_clock_init(void)
{
	bm_outb(PIT_CMD, PIT_CH0_MODE2_LOHI);
	bm_outb(PIT_CH0, 0xff);
	bm_outb(PIT_CH0, 0xff);

	uint16_t last = pit_read();
	uint64_t start = bm_rdtsc();
	uint32_t ticks = 0;
	/* Bounded: a PIT that never moves leaves the fallback rate. */
	for (uint32_t reads = 0; ticks < CAL_TICKS && reads < 50000000u; reads++) {
		uint16_t c = pit_read();
		ticks += (uint16_t)(last - c); /* counts down, wraps at 0 */
		last = c;
	}
	uint64_t end = bm_rdtsc();
	if (ticks >= CAL_TICKS && end > start)
		tsc_hz = (end - start) * PIT_HZ / ticks;
	tsc0 = bm_rdtsc();
}

uint64_t bm_clock_tsc_hz(void)
{
	return tsc_hz;
}

capnet_instant bm_clock_now(void)
{
	uint64_t d = bm_rdtsc() - tsc0;
	/* Split so that d * 10^6 cannot overflow (and no 128-bit division,
	 * which would need libgcc). */
	uint64_t s = d / tsc_hz, rem = d % tsc_hz;
	return (capnet_instant)(s * 1000000u + rem * 1000000u / tsc_hz);
}

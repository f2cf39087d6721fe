/* The CPU's exceptions (Intel SDM vol. 3, 6.3.1: vectors 0-31). Without an
 * IDT a fault becomes a triple fault and QEMU resets (or, with -no-reboot,
 * exits) without a word; with this one it says which fault, where, and
 * halts. The entry stubs are in start.S. Interrupts stay disabled, so only
 * exceptions (and an NMI) ever arrive here. */
#include "baremetal.h"

#define IDT_VECTORS 32
#define TRAP_STUB_SIZE 16
#define GATE_INTERRUPT_64 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define SEL_CODE64 0x08

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const char bm_trap_stubs[];
void bm_trap(const uint64_t *frame);

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

void bm_trap_init(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		uint64_t a = (uint64_t)(uintptr_t)(bm_trap_stubs + v * TRAP_STUB_SIZE);
		idt[v] = (struct idt_gate){
			.off_lo = (uint16_t)a,
			.sel = SEL_CODE64,
			.type = GATE_INTERRUPT_64,
			.off_mid = (uint16_t)(a >> 16),
			.off_hi = (uint32_t)(a >> 32),
		};
	}
	struct idt_ptr p = {.limit = sizeof idt - 1, .base = (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(p));
}

/* frame: vector, error code (0 when the CPU pushes none), rip, cs, rflags,
 * rsp, ss. */
void bm_trap(const uint64_t *frame)
{
	uint64_t cr2;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	bm_con_puts("trap: vector ");
	bm_con_putu(frame[0]);
	bm_con_puts(" error ");
	bm_con_putx(frame[1]);
	bm_con_puts(" rip ");
	bm_con_putx(frame[2]);
	bm_con_puts(" rsp ");
	bm_con_putx(frame[5]);
	bm_con_puts(" cr2 ");
	bm_con_putx(cr2);
	bm_con_puts("\nhalt: cpu exception\n");
}

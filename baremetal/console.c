/* The serial console: a 16550 UART at COM1 (I/O 0x3f8), 115200 8N1,
 * written by polling the transmitter-holding-register-empty bit. QEMU's
 * -serial connects it to a file, a pipe or the terminal. */
#include "baremetal.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding (DLAB 0) */
#define UART_DLL 0 /* divisor low (DLAB 1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

void bm_con_init(void)
{
	bm_outb(COM1 + UART_IER, 0x00);     /* no interrupts */
	bm_outb(COM1 + UART_LCR, LCR_DLAB);
	bm_outb(COM1 + UART_DLL, 1);        /* 115200 baud */
	bm_outb(COM1 + UART_DLM, 0);
	bm_outb(COM1 + UART_LCR, LCR_8N1);
	bm_outb(COM1 + UART_FCR, 0xc7);     /* FIFOs on and cleared */
	bm_outb(COM1 + UART_MCR, 0x03);     /* DTR, RTS */
}

static void putc_(char c)
{
	/* Bounded: a missing UART reads 0xff (THRE set) and never blocks. */
	for (unsigned i = 0; i < 100000 && !(bm_inb(COM1 + UART_LSR) & LSR_THRE); i++)
		__asm__ volatile("pause");
	bm_outb(COM1 + UART_THR, (uint8_t)c);
}

void bm_con_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_('\r');
		putc_(*s);
	}
}

const char *bm_utoa(uint64_t v, char b[21])
{
	int i = 20;
	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return b + i;
}

void bm_con_putu(uint64_t v)
{
	char b[21];
	bm_con_puts(bm_utoa(v, b));
}

static const char hexdig[] = "0123456789abcdef";

void bm_con_putx(uint64_t v)
{
	char b[19];
	int i = 18;
	b[i] = 0;
	do {
		b[--i] = hexdig[v & 0xf];
		v >>= 4;
	} while (v);
	b[--i] = 'x';
	b[--i] = '0';
	bm_con_puts(b + i);
}

void bm_con_ip4(capnet_ip4addr a)
{
	for (int s = 24; s >= 0; s -= 8) {
		bm_con_putu((a >> s) & 0xff);
		if (s)
			bm_con_puts(".");
	}
}

void bm_con_mac(struct capnet_mac m)
{
	char b[18];
	for (int i = 0; i < 6; i++) {
		b[3 * i] = hexdig[m.b[i] >> 4];
		b[3 * i + 1] = hexdig[m.b[i] & 0xf];
		b[3 * i + 2] = i < 5 ? ':' : 0;
	}
	bm_con_puts(b);
}

void bm_con_secs(capnet_duration us)
{
	if (us < 0)
		us = 0;
	bm_con_putu((uint64_t)us / 1000000);
	bm_con_puts(".");
	uint64_t ms = (uint64_t)us / 1000 % 1000;
	if (ms < 100)
		bm_con_puts("0");
	if (ms < 10)
		bm_con_puts("0");
	bm_con_putu(ms);
}

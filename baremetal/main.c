/* The bare-metal image: libcapnet's core on x86-64 with no OS underneath.
 * Boot (start.S) leaves us in long mode with the low 4 GiB identity-mapped
 * and interrupts off; from there: serial console, clock, the virtio-net
 * device the command line names, the stack over it with a DHCPv4 client,
 * and a one-page HTTP/1.0 server on port 80 once a lease is bound. The
 * main loop polls the stack with the real time; nothing here takes an
 * interrupt. The console prints one line per step so that a person, and
 * the boot test (test/qemu/boot.sh), can follow it:
 *   virtio: up MAC
 *   dhcp: bound ADDR
 *   tcp: listening PORT
 *   tcp: served N bytes            (per request; N: the reply's length) */
#include "baremetal.h"

#include "capnet/arena.h"
#include "capnet/dhcp4_client.h"
#include "capnet/stack.h"
#include "capnet/tcp.h"

#define HTTP_PORT 80
#define MAX_CONNS 4
/* A request is read up to its blank line or this many bytes. */
#define REQ_MAX 2048
/* A connection that has not sent its request by then is aborted. */
#define REQ_TIMEOUT CAPNET_S(10)

/* The fallback when the command line names no device: QEMU's microvm puts
 * its virtio-mmio transports at 0xfeb00000, 512 bytes apart. */
#define MICROVM_MMIO_BASE 0xfeb00000u
#define MICROVM_MMIO_SIZE 512u
#define MICROVM_MMIO_COUNT 24u

static const char http_body[] = "hello from libcapnet on bare metal\n";

struct conn {
	struct capnet_tcp_sock *sock;
	capnet_instant since;
	size_t got;
	char req[REQ_MAX];
};

static struct capnet_virtio_mmio mmio;
static uintptr_t mmio_base;
static struct capnet_virtio_net vn;
static struct conn conns[MAX_CONNS];
static char reply[256];
static size_t reply_len;

void baremetal_main(uint32_t start_info);

static __attribute__((noreturn)) void halt(const char *why)
{
	bm_con_puts("halt: ");
	bm_con_puts(why);
	bm_con_puts("\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* splitmix64 (Steele, Lea, Flood 2014) seeded from the TSC at boot and
 * RDRAND when the CPU has it: ISNs, xids and ephemeral ports differ from
 * boot to boot. Not a cryptographic source. */
static uint64_t rng_state;

static uint64_t rng_next(void *ctx)
{
	(void)ctx;
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	rng_state = bm_rdtsc();
	if (c & (1u << 30)) { /* CPUID.1:ECX.RDRAND */
		uint64_t r = 0;
		unsigned char ok = 0;
		for (int i = 0; i < 10 && !ok; i++)
			__asm__ volatile("rdrand %0; setc %1" : "=r"(r), "=qm"(ok));
		rng_state ^= r;
	}
}

static void append(const char *s)
{
	while (*s && reply_len < sizeof reply - 1)
		reply[reply_len++] = *s++;
}

static void append_u(size_t v)
{
	char b[21];
	append(bm_utoa(v, b));
}

static void build_reply(void)
{
	append("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ");
	append_u(sizeof http_body - 1);
	append("\r\nConnection: close\r\n\r\n");
	append(http_body);
}

static bool request_complete(const struct conn *c)
{
	if (c->got >= REQ_MAX)
		return true;
	for (size_t i = 3; i < c->got; i++)
		if (c->req[i - 3] == '\r' && c->req[i - 2] == '\n' && c->req[i - 1] == '\r' && c->req[i] == '\n')
			return true;
	return false;
}

/* One connection's step: read the request (to its end), then queue the
 * reply and close gracefully (FIN after the data). */
static void conn_step(struct conn *c, capnet_instant now)
{
	bool eof = false;
	for (;;) {
		size_t got = 0;
		char sink[256];
		char *dst = c->got < REQ_MAX ? c->req + c->got : sink;
		size_t cap = c->got < REQ_MAX ? REQ_MAX - c->got : sizeof sink;
		capnet_err e = capnet_tcp_recv(c->sock, dst, cap, &got, now);
		if (e == CAPNET_OK && got > 0) {
			if (c->got < REQ_MAX)
				c->got += got;
			continue;
		}
		if (e == CAPNET_E_AGAIN)
			break;
		if (e == CAPNET_E_CLOSED) {
			eof = true;
			break;
		}
		/* Reset or failed: the stack has ended it. */
		capnet_tcp_abort(c->sock, now);
		c->sock = NULL;
		return;
	}
	if (!request_complete(c) && !eof) {
		if (now - c->since > REQ_TIMEOUT) {
			capnet_tcp_abort(c->sock, now);
			c->sock = NULL;
		}
		return;
	}
	size_t queued = 0;
	capnet_err e = capnet_tcp_send(c->sock, reply, reply_len, &queued, now);
	if (e == CAPNET_OK && queued == reply_len) {
		bm_con_puts("tcp: served ");
		bm_con_putu(queued);
		bm_con_puts(" bytes\n");
		capnet_tcp_close(c->sock, now);
	} else {
		/* The reply is far below any send buffer: anything else is a
		 * connection that already ended. */
		capnet_tcp_abort(c->sock, now);
	}
	c->sock = NULL;
}

static void serve(struct capnet_tcp_sock *listener, capnet_instant now)
{
	struct capnet_tcp_sock *s;
	while (capnet_tcp_accept(listener, &s) == CAPNET_OK) {
		struct conn *c = NULL;
		for (int i = 0; i < MAX_CONNS && c == NULL; i++)
			if (conns[i].sock == NULL)
				c = &conns[i];
		if (c == NULL) {
			capnet_tcp_abort(s, now);
			continue;
		}
		c->sock = s;
		c->since = now;
		c->got = 0;
	}
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i].sock != NULL)
			conn_step(&conns[i], now);
}

/* The first virtio-net device: from the command line, else by probing
 * microvm's fixed transport addresses (an empty transport reads device
 * id 0 and is skipped). */
static bool find_virtio_net(const char *cmdline)
{
	struct bm_mmio_slot slots[BM_MMIO_MAX];
	size_t n = bm_boot_virtio_mmio(cmdline, slots, BM_MMIO_MAX);
	for (size_t i = 0; i < n; i++) {
		mmio_base = (uintptr_t)slots[i].base;
		struct capnet_virtio_window w = bm_mmio_window(&mmio_base);
		capnet_err e = capnet_virtio_mmio_init(&mmio, &w);
		if (e == CAPNET_E_UNSUPPORTED) {
			/* QEMU's default; the driver is virtio 1.x only. */
			bm_con_puts("virtio: legacy (version 1) transport at ");
			bm_con_putx(mmio_base);
			bm_con_puts(" skipped: run QEMU with -global virtio-mmio.force-legacy=false\n");
		}
		if (e == CAPNET_OK && mmio.device_id == CAPNET_VIRTIO_DEVICE_ID_NET) {
			bm_con_puts("virtio: mmio ");
			bm_con_putx(mmio_base);
			bm_con_puts(" irq ");
			bm_con_putu(slots[i].irq);
			bm_con_puts(" (command line)\n");
			return true;
		}
	}
	for (uint32_t i = 0; i < MICROVM_MMIO_COUNT; i++) {
		mmio_base = MICROVM_MMIO_BASE + i * MICROVM_MMIO_SIZE;
		struct capnet_virtio_window w = bm_mmio_window(&mmio_base);
		if (capnet_virtio_mmio_init(&mmio, &w) == CAPNET_OK && mmio.device_id == CAPNET_VIRTIO_DEVICE_ID_NET) {
			bm_con_puts("virtio: mmio ");
			bm_con_putx(mmio_base);
			bm_con_puts(" (probed)\n");
			return true;
		}
	}
	return false;
}

void baremetal_main(uint32_t start_info)
{
	bm_con_init();
	bm_trap_init();
	bm_con_puts("\ncapnet: bare-metal x86-64 image\n");
	bm_clock_init();
	bm_con_puts("clock: tsc ");
	bm_con_putu(bm_clock_tsc_hz() / 1000);
	bm_con_puts(" kHz\n");
	rng_seed();
	build_reply();

	const char *cmdline = bm_boot_cmdline(start_info);
	bm_con_puts("boot: cmdline \"");
	bm_con_puts(cmdline != NULL ? cmdline : "");
	bm_con_puts("\"\n");

	if (!find_virtio_net(cmdline))
		halt("no virtio-net device");
	struct capnet_virtio_dma dma = bm_mem_dma();
	capnet_err e = capnet_virtio_net_start(&vn, capnet_virtio_mmio_transport(&mmio), &dma, NULL);
	if (e != CAPNET_OK) {
		bm_con_puts("virtio: failed: ");
		bm_con_puts(capnet_virtio_stat_name(capnet_virtio_net_fault(&vn)));
		bm_con_puts("\n");
		halt("no network");
	}
	struct capnet_nic *nic = capnet_virtio_net_nic(&vn);
	bm_con_puts("virtio: up ");
	bm_con_mac(nic->mac);
	bm_con_puts("\n");

	struct capnet_stack_config cfg = {.dhcp4 = true};
	size_t need = capnet_stack_arena_need(&cfg, &nic, 1);
	void *mem = need ? bm_mem_alloc(need, 64) : NULL;
	if (mem == NULL)
		halt("not enough memory for the stack");
	struct capnet_arena arena;
	capnet_arena_init(&arena, mem, need);
	struct capnet_stack *st;
	e = capnet_stack_create(&arena, &cfg, (struct capnet_rng){.next = rng_next}, &nic, 1, &st);
	if (e != CAPNET_OK) {
		bm_con_puts("stack: ");
		bm_con_puts(capnet_strerror(e));
		bm_con_puts("\n");
		halt("no stack");
	}
	bm_con_puts("stack: ");
	bm_con_putu(need / 1024);
	bm_con_puts(" KiB arena\n");

	struct capnet_dhcp4_client *dhcp = capnet_stack_dhcp4(st, 0);
	struct capnet_tcp *tcp = capnet_stack_tcp(st, 0);
	capnet_instant now = bm_clock_now();
	if (capnet_dhcp4_client_start(dhcp, now) != CAPNET_OK)
		halt("dhcp client did not start");
	bm_con_puts("dhcp: discovering\n");

	struct capnet_tcp_sock *listener = NULL;
	bool bound = false;
	for (;;) {
		now = bm_clock_now();
		capnet_stack_poll(st, now);

		struct capnet_dhcp4_lease_info l;
		capnet_dhcp4_client_lease(dhcp, now, &l);
		if (l.has_lease != bound) {
			bound = l.has_lease;
			if (bound) {
				bm_con_puts("dhcp: bound ");
				bm_con_ip4(l.addr);
				bm_con_puts("\n");
				bm_con_puts("dhcp: prefix /");
				bm_con_putu(l.prefix_len);
				bm_con_puts(" server ");
				bm_con_ip4(l.server);
				bm_con_puts(" lease ");
				bm_con_putu(l.lease_secs);
				bm_con_puts(" s, ");
				bm_con_secs(now);
				bm_con_puts(" s after calibration\n");
			} else {
				bm_con_puts("dhcp: lease lost\n");
			}
		}
		if (bound && listener == NULL) {
			if (capnet_tcp_listen(tcp, HTTP_PORT, 4, NULL, &listener) == CAPNET_OK) {
				bm_con_puts("tcp: listening ");
				bm_con_putu(HTTP_PORT);
				bm_con_puts("\n");
			} else {
				halt("tcp listen failed");
			}
		}
		if (listener != NULL)
			serve(listener, now);
		__asm__ volatile("pause");
	}
}

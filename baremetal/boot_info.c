/* What the loader tells the image. PVH hands over a struct hvm_start_info
 * (xen/include/public/arch-x86/hvm/start_info.h); the image needs only the
 * command line from it. On QEMU's microvm the command line names each
 * virtio-mmio transport that has a device plugged in, the way Linux's
 * virtio_mmio driver reads it (Documentation/admin-guide/kernel-parameters:
 * virtio_mmio.device=<size>@<baseaddr>:<irq>[:<id>]), e.g.
 * virtio_mmio.device=512@0xfeb00e00:12. The command line is data from
 * outside: every number is parsed with bounds and a bad entry is skipped. */
#include "baremetal.h"

#define HVM_START_MAGIC 0x336ec578u
/* Offsets in struct hvm_start_info (all versions). */
#define HVM_START_MAGIC_OFF 0
#define HVM_START_CMDLINE_OFF 24

/* Longest command line read: a bound, not a limit anyone meets. */
#define CMDLINE_MAX 4096

const char *bm_boot_cmdline(uint32_t start_info)
{
	if (start_info == 0)
		return NULL;
	const uint8_t *si = (const uint8_t *)(uintptr_t)start_info;
	uint32_t magic;
	uint64_t cmdline;
	__builtin_memcpy(&magic, si + HVM_START_MAGIC_OFF, sizeof magic);
	__builtin_memcpy(&cmdline, si + HVM_START_CMDLINE_OFF, sizeof cmdline);
	/* Identity-mapped below 4 GiB: anything else cannot be reached. */
	if (magic != HVM_START_MAGIC || cmdline == 0 || cmdline >= (1ull << 32))
		return NULL;
	return (const char *)(uintptr_t)cmdline;
}

/* A number in C notation (decimal, or 0x hex), optionally followed by a
 * K/M/G multiplier. Returns the end, or NULL when there is no number or
 * it overflows. */
static const char *parse_num(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	const char *start = p;
	for (; p < end; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return NULL;
		v = v * base + d;
	}
	if (p == start)
		return NULL;
	unsigned shift = 0;
	if (p < end && (*p == 'k' || *p == 'K'))
		shift = 10;
	else if (p < end && (*p == 'm' || *p == 'M'))
		shift = 20;
	else if (p < end && (*p == 'g' || *p == 'G'))
		shift = 30;
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return NULL;
		v <<= shift;
		p++;
	}
	*out = v;
	return p;
}

static bool parse_slot(const char *p, const char *end, struct bm_mmio_slot *s)
{
	uint64_t irq = 0;
	p = parse_num(p, end, &s->size);
	if (p == NULL || p == end || *p != '@')
		return false;
	p = parse_num(p + 1, end, &s->base);
	if (p == NULL)
		return false;
	if (p < end && *p == ':') {
		p = parse_num(p + 1, end, &irq);
		if (p == NULL || irq > UINT32_MAX)
			return false;
	}
	if (p < end && *p != ':') /* an optional :<id> may follow */
		return false;
	s->irq = (uint32_t)irq;
	/* A register window of at least the config space's start, inside
	 * the identity-mapped 4 GiB. */
	return s->size >= 0x100 && s->base < (1ull << 32) && s->size <= (1ull << 32) - s->base;
}

size_t bm_boot_virtio_mmio(const char *cmdline, struct bm_mmio_slot *slots, size_t max)
{
	static const char key[] = "virtio_mmio.device=";
	const size_t klen = sizeof key - 1;
	size_t n = 0;
	if (cmdline == NULL)
		return 0;
	const char *p = cmdline;
	for (size_t i = 0; i < CMDLINE_MAX && p[i]; ) {
		while (i < CMDLINE_MAX && p[i] == ' ')
			i++;
		size_t w = i;
		while (i < CMDLINE_MAX && p[i] && p[i] != ' ')
			i++;
		if (i - w > klen && __builtin_memcmp(p + w, key, klen) == 0 && n < max &&
		    parse_slot(p + w + klen, p + i, &slots[n]))
			n++;
	}
	return n;
}

/* The image's command-line parser (baremetal/boot_info.c), on the host:
 * virtio_mmio.device=SIZE@BASE[:IRQ[:ID]] entries as QEMU's microvm and
 * Linux write them are found with exact values, and every malformed,
 * overflowing or out-of-reach entry is skipped, never half-read. */
#include "baremetal/baremetal.h"
#include "check_main.h"

static struct bm_mmio_slot s[BM_MMIO_MAX];

START_TEST(microvm_line)
{
	ck_assert_uint_eq(bm_boot_virtio_mmio(" virtio_mmio.device=512@0xfeb00e00:12", s, BM_MMIO_MAX), 1);
	ck_assert_uint_eq(s[0].size, 512);
	ck_assert_uint_eq(s[0].base, 0xfeb00e00u);
	ck_assert_uint_eq(s[0].irq, 12);
}
END_TEST

START_TEST(several_and_suffixes)
{
	const char *c = "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5 quiet "
			"virtio_mmio.device=0x200@0xFEB00200 virtio_mmio.device=1K@0x10000:7:3";
	ck_assert_uint_eq(bm_boot_virtio_mmio(c, s, BM_MMIO_MAX), 3);
	ck_assert_uint_eq(s[0].size, 4096);
	ck_assert_uint_eq(s[0].base, 0xd0000000u);
	ck_assert_uint_eq(s[0].irq, 5);
	ck_assert_uint_eq(s[1].size, 0x200);
	ck_assert_uint_eq(s[1].base, 0xfeb00200u);
	ck_assert_uint_eq(s[1].irq, 0);
	ck_assert_uint_eq(s[2].size, 1024);
	ck_assert_uint_eq(s[2].base, 0x10000);
	ck_assert_uint_eq(s[2].irq, 7);
	/* At most max. */
	ck_assert_uint_eq(bm_boot_virtio_mmio(c, s, 2), 2);
}
END_TEST

START_TEST(bad_entries_skipped)
{
	static const char *bad[] = {
		"virtio_mmio.device=",
		"virtio_mmio.device=512",
		"virtio_mmio.device=512@",
		"virtio_mmio.device=@0xfeb00000:1",
		"virtio_mmio.device=512@0x:1",
		"virtio_mmio.device=512@0xfeb00000x",
		"virtio_mmio.device=512@0xfeb00000:",
		"virtio_mmio.device=16@0xfeb00000:1",               /* no room for the config space */
		"virtio_mmio.device=512@0x100000000:1",             /* above the mapped 4 GiB */
		"virtio_mmio.device=512@0xffffff00:1",              /* runs past 4 GiB */
		"virtio_mmio.device=512@0xfeb00000:4294967296",     /* irq beyond 32 bits */
		"virtio_mmio.device=99999999999999999999@0x1000:1", /* overflow */
		"virtio_mmio.device=17179869184G@0x1000:1",         /* overflow through the suffix */
		"xvirtio_mmio.device=512@0xfeb00000:1",
		"virtio_mmio.devices=512@0xfeb00000:1",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(bm_boot_virtio_mmio(bad[i], s, BM_MMIO_MAX) == 0, "accepted: %s", bad[i]);
	ck_assert_uint_eq(bm_boot_virtio_mmio(NULL, s, BM_MMIO_MAX), 0);
	/* A bad entry does not hide a good one after it. */
	ck_assert_uint_eq(bm_boot_virtio_mmio("virtio_mmio.device=512@ virtio_mmio.device=512@0x2000:3", s, BM_MMIO_MAX), 1);
	ck_assert_uint_eq(s[0].base, 0x2000);
}
END_TEST

START_TEST(start_info)
{
	ck_assert_ptr_null(bm_boot_cmdline(0));
}
END_TEST

static Suite *suite(void)
{
	Suite *su = suite_create("baremetal-boot-info");
	TCase *tc = check_add_case(su, "cmdline", NULL, NULL, 0);
	tcase_add_test(tc, microvm_line);
	tcase_add_test(tc, several_and_suffixes);
	tcase_add_test(tc, bad_entries_skipped);
	tcase_add_test(tc, start_info);
	return su;
}

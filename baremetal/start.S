/* The image's entry: the PVH boot protocol (Xen's x86/HVM direct boot ABI,
 * which QEMU's -kernel follows for an ELF carrying the note below). The
 * loader enters pvh_start in 32-bit protected mode, paging off, flat
 * segments, interrupts off, with the physical address of the
 * hvm_start_info structure in %ebx and no usable stack. This file builds
 * what C needs: page tables mapping the low 4 GiB 1:1 (RAM and the
 * virtio-mmio window at 0xfeb00000 alike), long mode, a stack; then calls
 * baremetal_main(start_info). */

/* XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h): the 32-bit
 * physical entry point. QEMU reads the descriptor of a 64-bit ELF as a
 * 64-bit value, hence .quad. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* Page-table entry bits (Intel SDM vol. 3, 4.5). */
#define PTE_P 0x001
#define PTE_RW 0x002
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_PS 0x080

#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100

#define SEL_CODE64 0x08
#define SEL_DATA 0x10

	.section .note.Xen, "a", @note
	.p2align 2
	.long 4                          /* namesz: "Xen\0" */
	.long 8                          /* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.p2align 2
	.quad pvh_start
	.p2align 2

	.section .text.boot, "ax", @progbits
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	movl %ebx, boot_start_info
	movl $boot_stack_top, %esp
	lgdt boot_gdt_ptr

	/* Clear the 6 tables: PML4, PDPT, 4 page directories. */
	movl $boot_pml4, %edi
	xorl %eax, %eax
	movl $(6 * 4096 / 4), %ecx
	rep stosl

	movl $boot_pdpt, %eax
	orl $(PTE_P | PTE_RW), %eax
	movl %eax, boot_pml4

	/* PDPT[i] -> page directory i, i = 0..3: 4 GiB. */
	movl $boot_pd, %eax
	orl $(PTE_P | PTE_RW), %eax
	movl $boot_pdpt, %edi
	movl $4, %ecx
1:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 1b

	/* 2048 2 MiB pages; the top gigabyte (devices: the virtio-mmio
	 * window, the local APIC, the I/O APIC) is uncached. */
	movl $boot_pd, %edi
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_RW | PTE_PS), %eax
	cmpl $1536, %ecx
	jb 3f
	orl $(PTE_PCD | PTE_PWT), %eax
3:	movl %eax, (%edi, %ecx, 8)
	movl $0, 4(%edi, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	ljmp $SEL_CODE64, $long_mode

	.code64
long_mode:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp

	/* Zero .bss (the tables and the stack live outside it). */
	movq $__bss_start, %rdi
	movq $__bss_end, %rcx
	subq %rdi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq

	movl boot_start_info, %edi
	call baremetal_main
4:	cli
	hlt
	jmp 4b

/* Exception entry points, one per vector 0..31, 16 bytes apart from
 * bm_trap_stubs (trap.c builds the IDT from that). Each pushes a zero
 * where the CPU pushes no error code, then the vector, so that bm_trap
 * sees one frame layout: vector, error, rip, cs, rflags, rsp, ss. */
	.text
	.p2align 4
	.globl bm_trap_stubs
bm_trap_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.p2align 4
	.if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
	.endr

trap_common:
	movq %rsp, %rdi
	andq $-16, %rsp
	call bm_trap
5:	cli
	hlt
	jmp 5b

	.section .data
	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff         /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff         /* 0x10: flat data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt
	.p2align 2
boot_start_info:
	.long 0

	/* Not zeroed with .bss: written before it is cleared. */
	.section .boot_bss, "aw", @nobits
	.p2align 12
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
boot_stack:
	.skip 256 * 1024
boot_stack_top:

	.section .note.GNU-stack, "", @progbits

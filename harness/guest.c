// SPDX-License-Identifier: GPL-2.0
/*
 * The tiny 64-bit guest. KVM_SET_SREGS puts the vCPU straight into long
 * mode, so there is no boot code: descriptor tables, identity page tables
 * and a copy of this binary are all the guest needs to call a C function.
 */
#include <link.h>
#include <string.h>

#include "guest.h"

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define HUGE_2M (2UL << 20)

struct image_span {
	uint64_t start, end;
	struct vm *vm;
};

/* Copies one PT_LOAD segment from our own memory: the guest sees the
 * binary's code and the values its globals have now. */
static int copy_segment(struct dl_phdr_info *info, size_t size, void *data)
{
	struct image_span *span = data;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t va = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if (va < GUEST_IMAGE_MIN || va + ph->p_memsz > span->vm->mem_size / 2)
			kvmabi_error("segment at 0x%lx does not fit the guest: "
				     "build tests static and without PIE",
				     (unsigned long)va);
		memcpy(addr_gpa2hva(span->vm, va), (void *)va, ph->p_memsz);
		if (va + ph->p_memsz > span->end)
			span->end = va + ph->p_memsz;
	}
	return 1;	/* the executable comes first; nothing else is loaded */
}

static void write_page_tables(struct vm *vm)
{
	uint64_t *pml4 = addr_gpa2hva(vm, GUEST_PML4);
	uint64_t *pdpt = addr_gpa2hva(vm, GUEST_PDPT);
	uint64_t *pd = addr_gpa2hva(vm, GUEST_PD);
	int i;

	pml4[0] = GUEST_PDPT | 0x3;	/* present, writable */
	pdpt[0] = GUEST_PD | 0x3;
	for (i = 0; i < 512; i++)
		pd[i] = (i * HUGE_2M) | 0x83;	/* present, writable, 2 MiB */
}

static void write_gdt(struct vm *vm)
{
	uint64_t *gdt = addr_gpa2hva(vm, GUEST_GDT);
	uint64_t base = GUEST_TSS, limit = 0x67;

	gdt[GUEST_SEL_CODE / 8] = 0x00af9b000000ffffULL; /* 64-bit code, DPL 0 */
	gdt[GUEST_SEL_DATA / 8] = 0x00cf93000000ffffULL; /* flat data */
	gdt[GUEST_SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
				 0x8bULL << 40 | (base >> 24 & 0xff) << 56;
	gdt[GUEST_SEL_TSS / 8 + 1] = base >> 32;
}

extern const char kvmabi_vectors[];

static void write_idt(struct vm *vm)
{
	uint64_t *idt = addr_gpa2hva(vm, GUEST_IDT);
	int v;

	for (v = 0; v < 32; v++) {
		uint64_t fn = (uint64_t)kvmabi_vectors + 16 * v;

		idt[2 * v] = (fn & 0xffff) | (uint64_t)GUEST_SEL_CODE << 16 |
			     0x8eULL << 40 | (fn >> 16 & 0xffff) << 48;
		idt[2 * v + 1] = fn >> 32;
	}
}

uint64_t guest_load_image(struct vm *vm)
{
	struct image_span span = { .vm = vm };

	dl_iterate_phdr(copy_segment, &span);
	if (!span.end)
		kvmabi_error("no loadable segment found in this binary");
	write_page_tables(vm);
	write_gdt(vm);
	write_idt(vm);
	return ALIGN_UP(span.end, HUGE_2M);
}

static void set_segments(struct kvm_sregs *s)
{
	struct kvm_segment code = {
		.selector = GUEST_SEL_CODE, .limit = 0xffffffff, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.selector = GUEST_SEL_DATA, .limit = 0xffffffff, .type = 3,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment tss = {
		.selector = GUEST_SEL_TSS, .base = GUEST_TSS, .limit = 0x67,
		.type = 11, .present = 1,
	};

	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = tss;
	memset(&s->ldt, 0, sizeof(s->ldt));
	s->ldt.unusable = 1;
	s->ldt.type = 2;
	s->gdt.base = GUEST_GDT;
	s->gdt.limit = GUEST_SEL_TSS + 15;
	s->idt.base = GUEST_IDT;
	s->idt.limit = 32 * 16 - 1;
}

static bool vcpu_cpuid_has_xsave(struct vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(kvm_supported_cpuid(), 1, 0);

	(void)vcpu;
	return e && (e->ecx & (1u << 26));
}

static void guest_entry(void (*fn)(void))
{
	fn();
	GUEST_DONE();
	for (;;)
		asm volatile("hlt");
}

void guest_setup_vcpu(struct vcpu *vcpu, void (*fn)(void))
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };

	vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs);
	set_segments(&sregs);
	sregs.cr0 = 0x80050033;		/* PG WP NE ET MP PE */
	sregs.cr3 = GUEST_PML4;
	sregs.cr4 = 0x620;		/* OSXMMEXCPT OSFXSR PAE */
	if (vcpu_cpuid_has_xsave(vcpu))
		sregs.cr4 |= 1UL << 18;	/* OSXSAVE */
	sregs.efer = 0x500;		/* LMA LME */
	vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs);

	regs.rip = (uint64_t)guest_entry;
	regs.rdi = (uint64_t)fn;
	regs.rsp = GUEST_STACK_TOP - vcpu->id * GUEST_STACK_SIZE - 8;
	regs.rflags = 2;
	vcpu_ioctl(vcpu, KVM_SET_REGS, &regs);
}

void ucall(uint64_t type, uint64_t a0, uint64_t a1, uint64_t a2)
{
	asm volatile("outb %%al, %[port]"
		     : : "a"(type), "D"(a0), "S"(a1), "d"(a2),
		       [port] "i"(KVMABI_UCALL_PORT) : "memory");
}

/* Vectors that push an error code below the return address. */
static bool vector_has_error_code(uint64_t v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
	       v == 29 || v == 30;
}

void guest_exception(uint64_t vector, uint64_t *frame)
{
	uint64_t rip = frame[vector_has_error_code(vector) ? 1 : 0];
	uint64_t code = vector_has_error_code(vector) ? frame[0] : 0;

	ucall(UCALL_EXCEPTION, vector, rip, code);
	for (;;)
		asm volatile("hlt");
}

/* 32 stubs of 16 bytes each: push the vector and go to C. */
asm(".pushsection .text\n"
    ".align 16\n"
    ".globl kvmabi_vectors\n"
    "kvmabi_vectors:\n"
    ".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    ".align 16\n"
    "pushq $\\v\n"
    "jmp kvmabi_vector_common\n"
    ".endr\n"
    "kvmabi_vector_common:\n"
    "mov (%rsp), %rdi\n"
    "lea 8(%rsp), %rsi\n"
    "and $-16, %rsp\n"
    "call guest_exception\n"
    ".popsection\n");

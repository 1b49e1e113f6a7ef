// SPDX-License-Identifier: GPL-2.0
/*
 * nested_svm: L1 on AMD SVM (see nested.h). L1 sets EFER.SVME, fills one
 * VMCB from its own state so L2 runs on L1's page tables and descriptor
 * tables, intercepts only VMRUN (the architecture requires it) and VMMCALL,
 * and enters L2 with VMRUN. The VMCB layout is AMD's (APM volume 2,
 * appendix B "Layout of VMCB"); KVM's nested state carries it as vmcb12.
 */
#include <stdio.h>

#include "guest.h"
#include "nested.h"
#include "svm.h"

/* L2's general registers while L1 runs (VMRUN switches only RAX, RSP,
 * RIP and RFLAGS); the offsets are used by svm_vmrun below. */
struct l2_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Guest addresses, chosen on the host and synced into the guest. */
static struct vmcb *svm_vmcb;
static uint64_t svm_hsave;
static struct l2_gprs l2_gprs;

/* ---- host side ---- */

static const char *svm_unavailable(void)
{
	return nested_common_unavailable(&nested_svm, 0x80000001, 2, "kvm_amd");
}

static void svm_setup(struct vm *vm)
{
	svm_vmcb = (struct vmcb *)vm_alloc_pages(vm, 1);
	svm_hsave = vm_alloc_pages(vm, 1);
	sync_global_to_guest(vm, svm_vmcb);
	sync_global_to_guest(vm, svm_hsave);
}

static const char *svm_check_saved_vmcs(const struct kvm_nested_state *s)
{
	static char why[200];
	const struct vmcb *v = (const struct vmcb *)s->data.svm[0].vmcb12;

	if (s->hdr.svm.vmcb_pa != (uint64_t)svm_vmcb)
		snprintf(why, sizeof(why), "hdr.svm.vmcb_pa is 0x%llx, L1 ran VMRUN on 0x%llx",
			 (unsigned long long)s->hdr.svm.vmcb_pa,
			 (unsigned long long)(uint64_t)svm_vmcb);
	else if ((v->intercept_misc2 & (INTERCEPT_VMRUN | INTERCEPT_VMMCALL)) !=
		 (INTERCEPT_VMRUN | INTERCEPT_VMMCALL))
		snprintf(why, sizeof(why), "vmcb12 intercept word 4 is 0x%x, "
			 "L1 set VMRUN and VMMCALL (0x3)", v->intercept_misc2);
	else if (v->asid != SVM_L2_ASID)
		snprintf(why, sizeof(why), "vmcb12 ASID is %u, L1 wrote %u",
			 v->asid, SVM_L2_ASID);
	/* The save area is L1's own state from before VMRUN (vmcb01). */
	else if (v->cr3 != GUEST_PML4 || !(v->efer & EFER_SVME))
		snprintf(why, sizeof(why), "vmcb12 save area has CR3 0x%llx and "
			 "EFER 0x%llx, not L1's CR3 0x%lx with EFER.SVME",
			 (unsigned long long)v->cr3, (unsigned long long)v->efer,
			 GUEST_PML4);
	else
		return NULL;
	return why;
}

/* ---- guest side ---- */

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val),
		     "d"((uint32_t)(val >> 32)) : "memory");
}

static void svm_enter(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, svm_hsave);
}

static void svm_leave(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_SVME);
}

static void svm_l2_call(void)
{
	asm volatile("vmmcall" : : : "memory");
}

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* A code or data segment as the VMCB wants it, from L1's GDT. */
static void seg_from_gdt(struct vmcb_seg *s, uint16_t sel, const struct dtr *gdt)
{
	uint64_t d = *(uint64_t *)(gdt->base + (sel & ~7));

	s->selector = sel;
	s->attrib = (d >> 40 & 0xff) | (d >> 52 & 0xf) << 8;
	s->limit = (d & 0xffff) | (d >> 32 & 0xf0000);
	if (d & (1ull << 55))			/* granularity: 4 KiB units */
		s->limit = s->limit << 12 | 0xfff;
	s->base = (d >> 16 & 0xffffff) | (d >> 56 & 0xff) << 24;
}

#define read_sel(seg) ({ uint16_t __s; asm("mov %%" #seg ", %0" : "=r"(__s)); __s; })
#define read_cr(n) ({ uint64_t __v; asm volatile("mov %%cr" #n ", %0" : "=r"(__v)); __v; })

/* L2's processor state is L1's, apart from RIP, RSP and RFLAGS. */
static void vmcb_copy_l1_state(struct vmcb *v)
{
	struct dtr gdt, idt;

	asm volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	seg_from_gdt(&v->es, read_sel(es), &gdt);
	seg_from_gdt(&v->cs, read_sel(cs), &gdt);
	seg_from_gdt(&v->ss, read_sel(ss), &gdt);
	seg_from_gdt(&v->ds, read_sel(ds), &gdt);
	v->gdtr.base = gdt.base;
	v->gdtr.limit = gdt.limit;
	v->idtr.base = idt.base;
	v->idtr.limit = idt.limit;
	v->cpl = 0;
	v->efer = rdmsr(MSR_EFER);
	v->cr0 = read_cr(0);
	v->cr3 = read_cr(3);
	v->cr4 = read_cr(4);
	v->dr6 = 0xffff0ff0;
	v->dr7 = 0x400;
	v->g_pat = rdmsr(MSR_PAT);
	/* FS, GS, TR, LDTR and the syscall MSRs: VMLOAD's part of the state. */
	asm volatile("vmsave %%rax" : : "a"(v) : "memory");
}

/*
 * svm_vmrun(vmcb, gprs): CLGI, VMLOAD, load L2's registers, VMRUN, store
 * them back after #VMEXIT, VMSAVE, STGI. #VMEXIT restores L1's RSP, RAX
 * (the VMCB address) and RIP, but not the other registers: L1's
 * callee-saved ones are pushed around it.
 */
void svm_vmrun(struct vmcb *vmcb, struct l2_gprs *gprs);
asm(".pushsection .text\n"
    ".globl svm_vmrun\n"
    "svm_vmrun:\n"
    "	push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n"
    "	push %rsi\n"
    "	mov %rdi, %rax\n"
    "	clgi\n"
    "	vmload %rax\n"
    "	mov 0x00(%rsi), %rbx; mov 0x08(%rsi), %rcx; mov 0x10(%rsi), %rdx\n"
    "	mov 0x20(%rsi), %rdi; mov 0x28(%rsi), %rbp\n"
    "	mov 0x30(%rsi), %r8;  mov 0x38(%rsi), %r9;  mov 0x40(%rsi), %r10\n"
    "	mov 0x48(%rsi), %r11; mov 0x50(%rsi), %r12; mov 0x58(%rsi), %r13\n"
    "	mov 0x60(%rsi), %r14; mov 0x68(%rsi), %r15\n"
    "	mov 0x18(%rsi), %rsi\n"
    "	vmrun %rax\n"
    "	xchg %rsi, (%rsp)\n"
    "	mov %rbx, 0x00(%rsi); mov %rcx, 0x08(%rsi); mov %rdx, 0x10(%rsi)\n"
    "	mov %rdi, 0x20(%rsi); mov %rbp, 0x28(%rsi)\n"
    "	mov %r8,  0x30(%rsi); mov %r9,  0x38(%rsi); mov %r10, 0x40(%rsi)\n"
    "	mov %r11, 0x48(%rsi); mov %r12, 0x50(%rsi); mov %r13, 0x58(%rsi)\n"
    "	mov %r14, 0x60(%rsi); mov %r15, 0x68(%rsi)\n"
    "	popq 0x18(%rsi)\n"
    "	vmsave %rax\n"
    "	stgi\n"
    "	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n"
    "	ret\n"
    ".popsection\n");

/* Not memset: the guest must not run glibc's CPU-specific string code. */
static void guest_zero(void *p, size_t size)
{
	volatile uint64_t *q = p;
	size_t i;

	for (i = 0; i < size / 8; i++)
		q[i] = 0;
}

static uint64_t svm_run(void)
{
	svm_vmcb->clean = 0;	/* L1 rewrote the VMCB: nothing is cached */
	svm_vmrun(svm_vmcb, &l2_gprs);
	return svm_vmcb->exit_code;
}

static uint64_t svm_launch_l2(uint64_t rip, uint64_t rsp)
{
	struct vmcb *v = svm_vmcb;

	guest_zero(v, KVMABI_PAGE_SIZE);
	guest_zero(&l2_gprs, sizeof(l2_gprs));
	v->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL;
	v->asid = SVM_L2_ASID;
	vmcb_copy_l1_state(v);
	v->rip = rip;
	v->rsp = rsp;
	v->rflags = 2;
	return svm_run();
}

static uint64_t svm_resume_l2(void)
{
	svm_vmcb->rip += VMMCALL_LEN;
	return svm_run();
}

const struct nested_ops nested_svm = {
	.name = "svm",
	.format = KVM_STATE_NESTED_FORMAT_SVM,
	.state_size = NESTED_STATE_HDR_SIZE + KVM_STATE_NESTED_SVM_VMCB_SIZE,
	.exit_l2_call = SVM_EXIT_VMMCALL,
	.unavailable = svm_unavailable,
	.setup = svm_setup,
	.check_saved_vmcs = svm_check_saved_vmcs,
	.enter = svm_enter,
	.launch_l2 = svm_launch_l2,
	.resume_l2 = svm_resume_l2,
	.leave = svm_leave,
	.l2_call = svm_l2_call,
};

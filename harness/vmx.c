// SPDX-License-Identifier: GPL-2.0
/*
 * nested_vmx (see nested.h): the guest as a VMX hypervisor (L1) running a
 * C function of this binary as its own guest (L2).
 *
 * L2 is a copy of L1's execution environment: the same CR0/CR3/CR4, GDT,
 * IDT, segment selectors and 64-bit mode, read from L1's registers and its
 * GDT, and no EPT. L1 asks for no VM exits beyond those VMX forces: no I/O
 * exiting, no MSR bitmap (so MSR accesses do exit), an empty exception
 * bitmap. So L2's ucalls exit from L0 straight to userspace while the vCPU
 * stays in guest mode, and L2 reaches L1 through VMCALL. L2 code must
 * avoid what exits unconditionally (CPUID, XSETBV, VMX instructions) and
 * RDMSR/WRMSR: l1_run_l2() would see an exit that is not the hypercall.
 *
 * L1 links a shadow VMCS to its VMCS (VMCS shadowing, which KVM offers L1
 * whether or not the CPU has it): the state saved in L2 then carries both
 * parts of KVM's VMX data area, vmcs12 and shadow_vmcs12, has the full
 * KVM_CAP_NESTED_STATE size, and a restore exercises both.
 *
 * The rules for each value come from the Intel SDM (Vol. 3, "VMX Capability
 * Reporting Facility", "Checks on the Guest State Area", "Checks on Host
 * Control Registers, MSRs and Segment Registers") and from what KVM's nested
 * VMX enforces: handle_vmxon(), nested_vmx_check_controls(),
 * nested_vmx_check_host_state() and nested_vmx_check_guest_state() in
 * arch/x86/kvm/vmx/nested.c.
 */
#include <stdio.h>
#include <string.h>

#include "guest.h"
#include "nested.h"
#include "vmx.h"

/* Host-allocated, copied into the guest by vmx_setup(). */
uint64_t vmx_vmxon_gpa, vmx_vmcs_gpa, vmx_shadow_vmcs_gpa, vmx_bitmaps_gpa;

/* ================= host side ================= */

static const char *vmx_unavailable(void)
{
	/* The VMX bit is CPUID.1:ECX[5]; kvm_intel offers it with nested=1. */
	return nested_common_unavailable(&nested_vmx, 1, 5, "kvm_intel");
}

static void vmx_setup(struct vm *vm)
{
	vmx_vmxon_gpa = vm_alloc_pages(vm, 1);
	vmx_vmcs_gpa = vm_alloc_pages(vm, 1);
	vmx_shadow_vmcs_gpa = vm_alloc_pages(vm, 1);
	vmx_bitmaps_gpa = vm_alloc_pages(vm, 2);	/* zero: no VMREAD/VMWRITE exits */
	sync_global_to_guest(vm, vmx_vmxon_gpa);
	sync_global_to_guest(vm, vmx_vmcs_gpa);
	sync_global_to_guest(vm, vmx_shadow_vmcs_gpa);
	sync_global_to_guest(vm, vmx_bitmaps_gpa);
}

/* IA32_VMX_BASIC as KVM offers it to guests (a feature MSR on /dev/kvm). */
static bool kvm_vmx_basic(uint64_t *val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = MSR_VMX_BASIC };

	if (__kvm_ioctl(kvm_fd(), KVM_GET_MSRS, &m) != 1)
		return false;
	*val = m.e.data;
	return true;
}

struct vmcs12_expect {
	const char *field;
	unsigned int offset, size;
	uint64_t mask, value;	/* (field & mask) == value */
};

/* What vmx_launch_l2() writes that neither L2 nor KVM changes later. */
static const struct vmcs12_expect vmcs12_expects[] = {
	{ "host_rip", VMCS12_HOST_RIP, 8, ~0ull, (uint64_t)vmx_host_rip },
	{ "host_cr3", VMCS12_HOST_CR3, 8, ~0ull, GUEST_PML4 },
	{ "guest_cr3", VMCS12_GUEST_CR3, 8, ~0ull, GUEST_PML4 },
	{ "host_gdtr_base", VMCS12_HOST_GDTR_BASE, 8, ~0ull, GUEST_GDT },
	{ "host_idtr_base", VMCS12_HOST_IDTR_BASE, 8, ~0ull, GUEST_IDT },
	{ "host_tr_base", VMCS12_HOST_TR_BASE, 8, ~0ull, GUEST_TSS },
	{ "host_cs_selector", VMCS12_HOST_CS_SELECTOR, 2, ~0ull, GUEST_SEL_CODE },
	{ "host_tr_selector", VMCS12_HOST_TR_SELECTOR, 2, ~0ull, GUEST_SEL_TSS },
	{ "vm_entry_controls.IA32e_mode_guest", VMCS12_VM_ENTRY_CONTROLS, 4,
	  ENTRY_IA32E_MODE_GUEST, ENTRY_IA32E_MODE_GUEST },
	{ "vm_exit_controls.host_address_space_size", VMCS12_VM_EXIT_CONTROLS, 4,
	  EXIT_HOST_ADDR_SPACE_SIZE, EXIT_HOST_ADDR_SPACE_SIZE },
};

static uint64_t vmcs12_get(const struct kvm_nested_state *s,
			   unsigned int offset, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, s->data.vmx[0].vmcs12 + offset, size);
	return v;
}

static char vmcs_why[200];

#define MISMATCH(...) (snprintf(vmcs_why, sizeof(vmcs_why), __VA_ARGS__), vmcs_why)

/* The state holds a shadow_vmcs12 after the vmcs12 (api.rst: size). */
static bool has_shadow_vmcs12(const struct kvm_nested_state *s)
{
	return s->size >= NESTED_STATE_HDR_SIZE + 2 * 4096;
}

/* L1 ran VMXON and VMPTRLD on the pages vmx_setup() gave it, stamped its
 * VMCS with IA32_VMX_BASIC's revision, its shadow VMCS with the same plus
 * bit 31, and linked the shadow VMCS unless the CPU offered no VMCS
 * shadowing (then there is no shadow_vmcs12 and the link is ~0). */
static const char *check_vmcs_headers(const struct kvm_nested_state *s)
{
	uint64_t basic, revision, link;
	uint32_t got;

	if (s->hdr.vmx.vmxon_pa != vmx_vmxon_gpa || s->hdr.vmx.vmcs12_pa != vmx_vmcs_gpa)
		return MISMATCH("vmxon_pa 0x%llx and vmcs12_pa 0x%llx, L1 used 0x%llx "
				"and 0x%llx", (unsigned long long)s->hdr.vmx.vmxon_pa,
				(unsigned long long)s->hdr.vmx.vmcs12_pa,
				(unsigned long long)vmx_vmxon_gpa,
				(unsigned long long)vmx_vmcs_gpa);

	if (!kvm_vmx_basic(&basic))
		return "KVM_GET_MSRS on /dev/kvm cannot read IA32_VMX_BASIC";
	revision = basic & VMX_BASIC_REVISION_MASK;
	got = vmcs12_get(s, VMCS12_REVISION_ID, 4);
	if (got != revision)
		return MISMATCH("vmcs12 revision is 0x%x, IA32_VMX_BASIC says 0x%llx",
				got, (unsigned long long)revision);
	link = has_shadow_vmcs12(s) ? vmx_shadow_vmcs_gpa : ~0ull;
	if (vmcs12_get(s, VMCS12_VMCS_LINK_POINTER, 8) != link)
		return MISMATCH("vmcs12 vmcs_link_pointer is 0x%llx with size %u, "
				"expected 0x%llx",
				(unsigned long long)vmcs12_get(s, VMCS12_VMCS_LINK_POINTER, 8),
				s->size, (unsigned long long)link);
	if (!has_shadow_vmcs12(s))
		return NULL;
	memcpy(&got, s->data.vmx[0].shadow_vmcs12 + VMCS12_REVISION_ID, 4);
	if (got != (revision | VMCS_SHADOW_INDICATOR))
		return MISMATCH("shadow vmcs12 revision is 0x%x, L1 wrote 0x%llx", got,
				(unsigned long long)(revision | VMCS_SHADOW_INDICATOR));
	return NULL;
}

static const char *vmx_check_saved_vmcs(const struct kvm_nested_state *s)
{
	const char *why = check_vmcs_headers(s);
	size_t i;

	for (i = 0; !why && i < sizeof(vmcs12_expects) / sizeof(vmcs12_expects[0]); i++) {
		const struct vmcs12_expect *x = &vmcs12_expects[i];
		uint64_t got = vmcs12_get(s, x->offset, x->size) & x->mask;

		if (got != x->value)
			why = MISMATCH("vmcs12 %s is 0x%llx, L1 wrote 0x%llx", x->field,
				       (unsigned long long)got,
				       (unsigned long long)x->value);
	}
	return why;
}

/* ================= guest side: L1 ================= */

static uint64_t vm_instruction_error(void)
{
	uint64_t err = ~0ull;	/* unreadable: no current VMCS */

	vmread_ok(VM_INSTRUCTION_ERROR, &err);
	return err;
}

void vmx_write(uint64_t field, uint64_t val)
{
	if (!vmwrite_ok(field, val))
		ucall(UCALL_ASSERT, (uint64_t)"VMWRITE failed (field, VM-instruction error)",
		      field, vm_instruction_error());
}

uint64_t vmx_read(uint64_t field)
{
	uint64_t val = 0;

	if (!vmread_ok(field, &val))
		ucall(UCALL_ASSERT, (uint64_t)"VMREAD failed (field, VM-instruction error)",
		      field, vm_instruction_error());
	return val;
}

#define READ_CR(n) ({ uint64_t __v; asm volatile("mov %%cr" #n ", %0" : "=r"(__v)); __v; })
#define WRITE_CR(n, v) asm volatile("mov %0, %%cr" #n : : "r"((uint64_t)(v)) : "memory")
#define READ_SEG(s) ({ uint16_t __v; asm volatile("mov %%" #s ", %0" : "=r"(__v)); __v; })

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct dtr read_gdtr(void)
{
	struct dtr d;

	asm volatile("sgdt %0" : "=m"(d));
	return d;
}

static struct dtr read_idtr(void)
{
	struct dtr d;

	asm volatile("sidt %0" : "=m"(d));
	return d;
}

static uint16_t read_tr(void)
{
	uint16_t sel;

	asm volatile("str %0" : "=r"(sel));
	return sel;
}

/* A segment as the VMCS holds it, decoded from L1's GDT. */
struct vmx_segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit, access;
};

#define AR_UNUSABLE (1u << 16)

static struct vmx_segment gdt_segment(uint16_t selector)
{
	const uint64_t *gdt = (const uint64_t *)read_gdtr().base;
	struct vmx_segment s = { .selector = selector };
	uint64_t d = gdt[selector >> 3];

	if (!(selector & ~7u)) {	/* the null selector: unusable */
		s.access = AR_UNUSABLE;
		return s;
	}
	s.base = (d >> 16 & 0xffffff) | (d >> 56 & 0xff) << 24;
	if (!(d >> 44 & 1))		/* S clear: a 16-byte system descriptor */
		s.base |= gdt[(selector >> 3) + 1] << 32;
	s.limit = (d & 0xffff) | (d >> 48 & 0xf) << 16;
	if (d >> 55 & 1)		/* G: the limit counts 4 KiB pages */
		s.limit = s.limit << 12 | 0xfff;
	/* Access rights: descriptor bits 40-47 and 52-55 at VMCS bits 0-7, 12-15 */
	s.access = (d >> 40) & 0xf0ff;
	return s;
}

static void write_guest_segment(enum vmx_seg seg, const struct vmx_segment *s)
{
	vmx_write(GUEST_ES_SELECTOR + 2 * seg, s->selector);
	vmx_write(GUEST_ES_BASE + 2 * seg, s->base);
	vmx_write(GUEST_ES_LIMIT + 2 * seg, s->limit);
	vmx_write(GUEST_ES_AR_BYTES + 2 * seg, s->access);
}

/*
 * A control field: the bits L1 wants plus those the CPU forces to 1 (low
 * half of the capability MSR), within those it allows (high half). The
 * TRUE_ MSRs, offered when IA32_VMX_BASIC bit 55 is set, force fewer.
 */
static uint32_t vmx_controls(uint32_t msr, uint32_t true_msr, uint32_t want)
{
	bool has_true = vmx_rdmsr(MSR_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	uint64_t cap = vmx_rdmsr(has_true ? true_msr : msr);
	uint32_t ctl = (want | (uint32_t)cap) & (uint32_t)(cap >> 32);

	if ((ctl & want) != want)
		ucall(UCALL_ASSERT, (uint64_t)"VMX control not allowed (MSR, wanted bits)",
		      msr, want);
	return ctl;
}

/* VMCS shadowing, and instructions L1 itself may run that #UD in L2
 * unless enabled; each where the CPU allows it. */
static uint32_t secondary_controls(uint32_t *procbased)
{
	uint32_t allowed, want = PROCBASED2_SHADOW_VMCS | PROCBASED2_ENABLE_RDTSCP |
		PROCBASED2_ENABLE_INVPCID | PROCBASED2_ENABLE_XSAVES;

	if (!(vmx_rdmsr(MSR_VMX_PROCBASED_CTLS) >> 32 & PROCBASED_ACTIVATE_SECONDARY))
		return 0;
	allowed = vmx_rdmsr(MSR_VMX_PROCBASED_CTLS2) >> 32;
	if (!(allowed & want))
		return 0;
	*procbased |= PROCBASED_ACTIVATE_SECONDARY;
	return allowed & want;
}

/* Returns whether L1 uses VMCS shadowing. */
static bool write_controls(void)
{
	uint32_t procbased = vmx_controls(MSR_VMX_PROCBASED_CTLS,
					  MSR_VMX_TRUE_PROCBASED_CTLS, 0);
	uint32_t secondary = secondary_controls(&procbased);

	vmx_write(PIN_BASED_VM_EXEC_CONTROL,
		  vmx_controls(MSR_VMX_PINBASED_CTLS, MSR_VMX_TRUE_PINBASED_CTLS, 0));
	vmx_write(CPU_BASED_VM_EXEC_CONTROL, procbased);
	if (procbased & PROCBASED_ACTIVATE_SECONDARY)
		vmx_write(SECONDARY_VM_EXEC_CONTROL, secondary);
	if (secondary & PROCBASED2_SHADOW_VMCS) {
		vmx_write(VMREAD_BITMAP, vmx_bitmaps_gpa);
		vmx_write(VMWRITE_BITMAP, vmx_bitmaps_gpa + 4096);
	}
	/* 64-bit L1 after every VM exit, 64-bit L2 on every VM entry. */
	vmx_write(VM_EXIT_CONTROLS, vmx_controls(MSR_VMX_EXIT_CTLS, MSR_VMX_TRUE_EXIT_CTLS,
						 EXIT_HOST_ADDR_SPACE_SIZE));
	vmx_write(VM_ENTRY_CONTROLS, vmx_controls(MSR_VMX_ENTRY_CTLS, MSR_VMX_TRUE_ENTRY_CTLS,
						  ENTRY_IA32E_MODE_GUEST));
	vmx_write(EXCEPTION_BITMAP, 0);
	/* L2 owns CR0 and CR4: no bit is intercepted. */
	vmx_write(CR0_GUEST_HOST_MASK, 0);
	vmx_write(CR4_GUEST_HOST_MASK, 0);
	vmx_write(CR0_READ_SHADOW, READ_CR(0));
	vmx_write(CR4_READ_SHADOW, READ_CR(4));
	return secondary & PROCBASED2_SHADOW_VMCS;
}

/* L1 as it is now; HOST_RSP and HOST_RIP are written at each entry. */
static void write_host_state(void)
{
	struct vmx_segment tr = gdt_segment(read_tr());

	vmx_write(HOST_CR0, READ_CR(0));
	vmx_write(HOST_CR3, READ_CR(3));
	vmx_write(HOST_CR4, READ_CR(4));
	vmx_write(HOST_ES_SELECTOR, READ_SEG(es));
	vmx_write(HOST_CS_SELECTOR, READ_SEG(cs));
	vmx_write(HOST_SS_SELECTOR, READ_SEG(ss));
	vmx_write(HOST_DS_SELECTOR, READ_SEG(ds));
	vmx_write(HOST_FS_SELECTOR, READ_SEG(fs));
	vmx_write(HOST_GS_SELECTOR, READ_SEG(gs));
	vmx_write(HOST_TR_SELECTOR, tr.selector);
	vmx_write(HOST_FS_BASE, vmx_rdmsr(MSR_FS_BASE));
	vmx_write(HOST_GS_BASE, vmx_rdmsr(MSR_GS_BASE));
	vmx_write(HOST_TR_BASE, tr.base);
	vmx_write(HOST_GDTR_BASE, read_gdtr().base);
	vmx_write(HOST_IDTR_BASE, read_idtr().base);
	vmx_write(HOST_SYSENTER_CS, vmx_rdmsr(MSR_SYSENTER_CS));
	vmx_write(HOST_SYSENTER_ESP, vmx_rdmsr(MSR_SYSENTER_ESP));
	vmx_write(HOST_SYSENTER_EIP, vmx_rdmsr(MSR_SYSENTER_EIP));
}

/* L2 starts as a copy of L1 at rip with stack rsp. */
static void write_guest_state(uint64_t rip, uint64_t rsp)
{
	uint16_t sel[] = { [SEG_ES] = READ_SEG(es), [SEG_CS] = READ_SEG(cs),
			   [SEG_SS] = READ_SEG(ss), [SEG_DS] = READ_SEG(ds),
			   [SEG_FS] = READ_SEG(fs), [SEG_GS] = READ_SEG(gs) };
	struct vmx_segment s, ldtr = { .access = AR_UNUSABLE };
	struct dtr gdtr = read_gdtr(), idtr = read_idtr();
	enum vmx_seg seg;

	for (seg = SEG_ES; seg <= SEG_GS; seg++) {
		s = gdt_segment(sel[seg]);
		if (seg == SEG_FS || seg == SEG_GS)	/* 64-bit bases live in MSRs */
			s.base = vmx_rdmsr(seg == SEG_FS ? MSR_FS_BASE : MSR_GS_BASE);
		write_guest_segment(seg, &s);
	}
	write_guest_segment(SEG_LDTR, &ldtr);
	s = gdt_segment(read_tr());
	write_guest_segment(SEG_TR, &s);
	vmx_write(GUEST_GDTR_BASE, gdtr.base);
	vmx_write(GUEST_GDTR_LIMIT, gdtr.limit);
	vmx_write(GUEST_IDTR_BASE, idtr.base);
	vmx_write(GUEST_IDTR_LIMIT, idtr.limit);

	vmx_write(GUEST_CR0, READ_CR(0));
	vmx_write(GUEST_CR3, READ_CR(3));
	vmx_write(GUEST_CR4, READ_CR(4));
	vmx_write(GUEST_DR7, 0x400);		/* DR7's reset value */
	vmx_write(GUEST_IA32_DEBUGCTL, 0);
	vmx_write(GUEST_SYSENTER_CS, vmx_rdmsr(MSR_SYSENTER_CS));
	vmx_write(GUEST_SYSENTER_ESP, vmx_rdmsr(MSR_SYSENTER_ESP));
	vmx_write(GUEST_SYSENTER_EIP, vmx_rdmsr(MSR_SYSENTER_EIP));
	vmx_write(GUEST_RIP, rip);
	vmx_write(GUEST_RSP, rsp);
	vmx_write(GUEST_RFLAGS, 0x2);		/* bit 1 is always 1 */
	vmx_write(GUEST_ACTIVITY_STATE, 0);	/* active */
	vmx_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmx_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

/* With VMCS shadowing the link pointer names a shadow VMCS (its revision
 * with bit 31 set, cleared); without, it must be all ones. */
static void link_shadow_vmcs(bool shadowing)
{
	uint32_t revision = vmx_rdmsr(MSR_VMX_BASIC) & VMX_BASIC_REVISION_MASK;

	if (!shadowing) {
		vmx_write(VMCS_LINK_POINTER, ~0ull);
		return;
	}
	*(uint32_t *)vmx_shadow_vmcs_gpa = revision | VMCS_SHADOW_INDICATOR;
	GUEST_ASSERT(vmclear_ok(vmx_shadow_vmcs_gpa));
	vmx_write(VMCS_LINK_POINTER, vmx_shadow_vmcs_gpa);
}

/*
 * Enters L2 (VMLAUNCH when launch, else VMRESUME); returns 0 once L2 has
 * exited back to vmx_host_rip, 1 when the instruction itself failed. L1's
 * callee-saved registers live on its stack, which HOST_RSP points at.
 */
int vmx_vmenter(int launch);
asm(".pushsection .text\n"
    ".globl vmx_vmenter\n"
    "vmx_vmenter:\n"
    "	push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "	mov $" __kvmabi_xstr(HOST_RSP) ", %eax\n"
    "	vmwrite %rsp, %rax\n"
    "	lea vmx_host_rip(%rip), %rdx\n"
    "	mov $" __kvmabi_xstr(HOST_RIP) ", %eax\n"
    "	vmwrite %rdx, %rax\n"
    "	test %edi, %edi\n"
    "	jz 1f\n"
    "	vmlaunch\n"
    "	jmp 2f\n"
    "1:	vmresume\n"
    "2:	mov $1, %eax\n"		/* still here: VMfailInvalid or VMfailValid */
    "	jmp 3f\n"
    ".globl vmx_host_rip\n"
    "vmx_host_rip:\n"
    "	xor %eax, %eax\n"
    "3:	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n"
    "	ret\n"
    ".popsection\n");

static uint64_t vmx_run(int launch)
{
	if (vmx_vmenter(launch))
		ucall(UCALL_ASSERT, (uint64_t)(launch ?
		      "VMLAUNCH failed (VM-instruction error)" :
		      "VMRESUME failed (VM-instruction error)"),
		      vm_instruction_error(), 0);
	return vmx_read(VM_EXIT_REASON);
}

static void vmx_enable_vmxon(void)
{
	uint64_t need = FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
	uint64_t fc = vmx_rdmsr(MSR_FEATURE_CONTROL);

	if ((fc & need) == need)
		return;
	/* Locked without VMX enabled, VMXON would #GP. */
	GUEST_ASSERT(!(fc & FEATURE_CONTROL_LOCKED));
	vmx_wrmsr(MSR_FEATURE_CONTROL, fc | need);
}

static void vmx_enter(void)
{
	uint32_t revision = vmx_rdmsr(MSR_VMX_BASIC) & VMX_BASIC_REVISION_MASK;

	/* In VMX operation, a bit set in FIXED0 is 1 and one clear in FIXED1 is 0. */
	WRITE_CR(0, (READ_CR(0) | vmx_rdmsr(MSR_VMX_CR0_FIXED0)) &
		    vmx_rdmsr(MSR_VMX_CR0_FIXED1));
	WRITE_CR(4, (READ_CR(4) | CR4_VMXE | vmx_rdmsr(MSR_VMX_CR4_FIXED0)) &
		    vmx_rdmsr(MSR_VMX_CR4_FIXED1));
	vmx_enable_vmxon();
	*(uint32_t *)vmx_vmxon_gpa = revision;
	GUEST_ASSERT(vmxon_ok(vmx_vmxon_gpa));
}

static uint64_t vmx_launch_l2(uint64_t rip, uint64_t rsp)
{
	bool shadowing;

	/* A fresh VMCS: its revision, VMCLEAR (launch state clear), current. */
	*(uint32_t *)vmx_vmcs_gpa = vmx_rdmsr(MSR_VMX_BASIC) & VMX_BASIC_REVISION_MASK;
	GUEST_ASSERT(vmclear_ok(vmx_vmcs_gpa));
	GUEST_ASSERT(vmptrld_ok(vmx_vmcs_gpa));
	shadowing = write_controls();
	write_host_state();
	write_guest_state(rip, rsp);
	link_shadow_vmcs(shadowing);
	return vmx_run(1);
}

static uint64_t vmx_resume_l2(void)
{
	vmx_write(GUEST_RIP, vmx_read(GUEST_RIP) + vmx_read(VM_EXIT_INSTRUCTION_LEN));
	return vmx_run(0);
}

static void vmx_leave(void)
{
	bool fail;

	asm volatile("vmxoff; setna %0" : "=rm"(fail) : : "cc", "memory");
	GUEST_ASSERT(!fail);
	WRITE_CR(4, READ_CR(4) & ~CR4_VMXE);
}

/* ================= guest side: L2 ================= */

/*
 * VMCALL, keeping L2's callee-saved registers on L2's own stack: a VM exit
 * saves only RSP, RIP and RFLAGS, and L1 runs with its own registers.
 */
void vmx_l2_call(void);
asm(".pushsection .text\n"
    ".globl vmx_l2_call\n"
    "vmx_l2_call:\n"
    "	push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "	vmcall\n"
    "	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n"
    "	ret\n"
    ".popsection\n");

const struct nested_ops nested_vmx = {
	.name = "vmx",
	.format = KVM_STATE_NESTED_FORMAT_VMX,
	/* api.rst: the header, then a VMCS12 and a shadow VMCS12 of 4 KiB each */
	.state_size = NESTED_STATE_HDR_SIZE + 2 * 4096,
	.exit_l2_call = EXIT_REASON_VMCALL,
	.unavailable = vmx_unavailable,
	.setup = vmx_setup,
	.check_saved_vmcs = vmx_check_saved_vmcs,
	.enter = vmx_enter,
	.launch_l2 = vmx_launch_l2,
	.resume_l2 = vmx_resume_l2,
	.leave = vmx_leave,
	.l2_call = vmx_l2_call,
};

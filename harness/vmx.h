/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VMX for the harness's L1 (harness/vmx.c): the MSRs, VMCS field
 * encodings and control bits it uses, named after the Intel SDM (Vol. 3,
 * Appendix A "VMX Capability Reporting Facility", Appendix B "Field Encoding
 * in VMCS", chapter 25 "VM-execution controls"), and KVM's own VMCS12
 * layout as it appears in KVM_GET_NESTED_STATE's data area.
 */
#ifndef KVMABI_VMX_H
#define KVMABI_VMX_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

/* MSRs */
#define MSR_FEATURE_CONTROL		0x3a
#define  FEATURE_CONTROL_LOCKED		(1u << 0)
#define  FEATURE_CONTROL_VMXON_OUTSIDE_SMX (1u << 2)
#define MSR_SYSENTER_CS			0x174
#define MSR_SYSENTER_ESP		0x175
#define MSR_SYSENTER_EIP		0x176
#define MSR_VMX_BASIC			0x480
#define  VMX_BASIC_REVISION_MASK	0x7fffffffu
#define  VMCS_SHADOW_INDICATOR		(1u << 31)	/* in a VMCS's revision */
#define  VMX_BASIC_TRUE_CTLS		(1ull << 55)
#define MSR_VMX_PINBASED_CTLS		0x481
#define MSR_VMX_PROCBASED_CTLS		0x482
#define MSR_VMX_EXIT_CTLS		0x483
#define MSR_VMX_ENTRY_CTLS		0x484
#define MSR_VMX_CR0_FIXED0		0x486
#define MSR_VMX_CR0_FIXED1		0x487
#define MSR_VMX_CR4_FIXED0		0x488
#define MSR_VMX_CR4_FIXED1		0x489
#define MSR_VMX_PROCBASED_CTLS2		0x48b
#define MSR_VMX_TRUE_PINBASED_CTLS	0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS	0x48e
#define MSR_VMX_TRUE_EXIT_CTLS		0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS		0x490
#define MSR_FS_BASE			0xc0000100
#define MSR_GS_BASE			0xc0000101

#define CR4_VMXE			(1ul << 13)

/* VM-execution, VM-exit and VM-entry control bits */
#define PROCBASED_ACTIVATE_SECONDARY	(1u << 31)
#define PROCBASED2_ENABLE_RDTSCP	(1u << 3)
#define PROCBASED2_ENABLE_INVPCID	(1u << 12)
#define PROCBASED2_SHADOW_VMCS		(1u << 14)
#define PROCBASED2_ENABLE_XSAVES	(1u << 20)
#define EXIT_HOST_ADDR_SPACE_SIZE	(1u << 9)
#define ENTRY_IA32E_MODE_GUEST		(1u << 9)

/* Basic exit reasons; bit 31 of the exit reason flags a failed VM entry */
#define EXIT_REASON_VMCALL		18

/* VMCS field encodings. Guest segment fields come in segment order (enum
 * vmx_seg) with a stride of 2 from ES's, so only ES's are named. */
/* 16-bit guest and host selectors */
#define GUEST_ES_SELECTOR		0x0800
#define HOST_ES_SELECTOR		0x0c00
#define HOST_CS_SELECTOR		0x0c02
#define HOST_SS_SELECTOR		0x0c04
#define HOST_DS_SELECTOR		0x0c06
#define HOST_FS_SELECTOR		0x0c08
#define HOST_GS_SELECTOR		0x0c0a
#define HOST_TR_SELECTOR		0x0c0c
/* 64-bit */
#define VMREAD_BITMAP			0x2026
#define VMWRITE_BITMAP			0x2028
#define VMCS_LINK_POINTER		0x2800
#define GUEST_IA32_DEBUGCTL		0x2802
/* 32-bit control */
#define PIN_BASED_VM_EXEC_CONTROL	0x4000
#define CPU_BASED_VM_EXEC_CONTROL	0x4002
#define EXCEPTION_BITMAP		0x4004
#define VM_EXIT_CONTROLS		0x400c
#define VM_ENTRY_CONTROLS		0x4012
#define SECONDARY_VM_EXEC_CONTROL	0x401e
/* 32-bit read-only */
#define VM_INSTRUCTION_ERROR		0x4400
#define VM_EXIT_REASON			0x4402
#define VM_EXIT_INSTRUCTION_LEN		0x440c
/* 32-bit guest */
#define GUEST_ES_LIMIT			0x4800
#define GUEST_GDTR_LIMIT		0x4810
#define GUEST_IDTR_LIMIT		0x4812
#define GUEST_ES_AR_BYTES		0x4814
#define GUEST_INTERRUPTIBILITY_INFO	0x4824
#define GUEST_ACTIVITY_STATE		0x4826
#define GUEST_SYSENTER_CS		0x482a
#define HOST_SYSENTER_CS		0x4c00
/* natural width control */
#define CR0_GUEST_HOST_MASK		0x6000
#define CR4_GUEST_HOST_MASK		0x6002
#define CR0_READ_SHADOW			0x6004
#define CR4_READ_SHADOW			0x6006
/* natural width guest */
#define GUEST_CR0			0x6800
#define GUEST_CR3			0x6802
#define GUEST_CR4			0x6804
#define GUEST_ES_BASE			0x6806
#define GUEST_GDTR_BASE			0x6816
#define GUEST_IDTR_BASE			0x6818
#define GUEST_DR7			0x681a
#define GUEST_RSP			0x681c
#define GUEST_RIP			0x681e
#define GUEST_RFLAGS			0x6820
#define GUEST_PENDING_DBG_EXCEPTIONS	0x6822
#define GUEST_SYSENTER_ESP		0x6824
#define GUEST_SYSENTER_EIP		0x6826
/* natural width host */
#define HOST_CR0			0x6c00
#define HOST_CR3			0x6c02
#define HOST_CR4			0x6c04
#define HOST_FS_BASE			0x6c06
#define HOST_GS_BASE			0x6c08
#define HOST_TR_BASE			0x6c0a
#define HOST_GDTR_BASE			0x6c0c
#define HOST_IDTR_BASE			0x6c0e
#define HOST_SYSENTER_ESP		0x6c10
#define HOST_SYSENTER_EIP		0x6c12
#define HOST_RSP			0x6c14
#define HOST_RIP			0x6c16

/* Guest segment registers, in the order of their VMCS fields (stride 2) */
enum vmx_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

/*
 * KVM's VMCS12 in the data area of KVM_GET/SET_NESTED_STATE (struct
 * kvm_vmx_nested_state_data.vmcs12). Its layout is KVM's, not Intel's, and
 * kept stable for migration: arch/x86/kvm/vmx/vmcs12.h pins each offset
 * with CHECK_OFFSET(), which is where these come from.
 */
#define VMCS12_REVISION_ID		0	/* u32, KVM's VMCS12_REVISION */
#define VMCS12_VMCS_LINK_POINTER	176	/* u64 */
#define VMCS12_GUEST_CR0		424	/* u64 */
#define VMCS12_GUEST_CR3		432	/* u64 */
#define VMCS12_HOST_CR3			592	/* u64 */
#define VMCS12_HOST_CR4			600	/* u64 */
#define VMCS12_HOST_TR_BASE		624	/* u64 */
#define VMCS12_HOST_GDTR_BASE		632	/* u64 */
#define VMCS12_HOST_IDTR_BASE		640	/* u64 */
#define VMCS12_HOST_RIP			672	/* u64 */
#define VMCS12_PIN_BASED_CONTROLS	744	/* u32 */
#define VMCS12_VM_EXIT_CONTROLS		768	/* u32 */
#define VMCS12_VM_ENTRY_CONTROLS	780	/* u32 */
#define VMCS12_HOST_CS_SELECTOR		984	/* u16 */
#define VMCS12_HOST_TR_SELECTOR		994	/* u16 */

/* Where L1 returns after every VM exit (host RIP); the host knows it too,
 * as the binary is the same on both sides. */
extern const char vmx_host_rip[];
/* The pages nested_vmx's setup() allocated: VMXON region, VMCS (VMCS12),
 * shadow VMCS, and the VMREAD and VMWRITE bitmaps (one page each). */
extern uint64_t vmx_vmxon_gpa, vmx_vmcs_gpa, vmx_shadow_vmcs_gpa, vmx_bitmaps_gpa;

/*
 * ---- host side: VMX-only ways to break a state saved in L2 (vmx_cases.c)
 * Each takes a state KVM_GET_NESTED_STATE returned while vmx.c's L2 ran
 * (guest mode, vmcs12 and shadow_vmcs12) and breaks one thing that
 * KVM_SET_NESTED_STATE must refuse with EINVAL; the vCPU is unused. Same
 * shape as the break functions of tests/nested/set_validation.c.
 */
struct vcpu;
void vmx_break_no_room_for_shadow_vmcs12(struct kvm_nested_state *s, struct vcpu *v);
void vmx_break_shadow_vmcs12_not_shadow(struct kvm_nested_state *s, struct vcpu *v);
void vmx_break_pin_controls_forced_bits(struct kvm_nested_state *s, struct vcpu *v);
void vmx_break_host_cr4_without_pae(struct kvm_nested_state *s, struct vcpu *v);
void vmx_break_guest_cr0_paging_without_pe(struct kvm_nested_state *s, struct vcpu *v);

/* ---- guest side ---- */

static inline uint64_t vmx_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | ((uint64_t)hi << 32);
}

static inline void vmx_wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val),
		     "d"((uint32_t)(val >> 32)) : "memory");
}

/* VMX instructions report failure in CF (VMfailInvalid) or ZF (VMfailValid):
 * each returns true when it succeeded. */
static inline bool vmwrite_ok(uint64_t field, uint64_t val)
{
	bool fail;

	asm volatile("vmwrite %[val], %[field]; setna %[fail]"
		     : [fail] "=rm"(fail) : [val] "rm"(val), [field] "r"(field)
		     : "cc", "memory");
	return !fail;
}

static inline bool vmread_ok(uint64_t field, uint64_t *val)
{
	bool fail;

	asm volatile("vmread %[field], %[val]; setna %[fail]"
		     : [val] "=rm"(*val), [fail] "=rm"(fail) : [field] "r"(field)
		     : "cc", "memory");
	return !fail;
}

/* The instructions that take a physical address in memory. */
#define VMX_PA_INSN(name)						\
static inline bool name##_ok(uint64_t pa)				\
{									\
	bool fail;							\
									\
	asm volatile(#name " %[pa]; setna %[fail]"			\
		     : [fail] "=rm"(fail) : [pa] "m"(pa) : "cc", "memory");\
	return !fail;							\
}
VMX_PA_INSN(vmxon)
VMX_PA_INSN(vmclear)
VMX_PA_INSN(vmptrld)
#undef VMX_PA_INSN

/* vmwrite/vmread that fail the test (GUEST_ASSERT) when the CPU refuses. */
void vmx_write(uint64_t field, uint64_t val);
uint64_t vmx_read(uint64_t field);

#endif

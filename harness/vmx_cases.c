// SPDX-License-Identifier: GPL-2.0
/*
 * VMX-only cases for nested.set_validation (see vmx.h): breaks of a state
 * saved while vmx.c's L2 runs that KVM_SET_NESTED_STATE must refuse with
 * EINVAL. The rules are vmx_set_nested_state()'s own checks of the shadow
 * vmcs12, and the VM-entry checks it runs on a guest-mode vmcs12
 * (nested_vmx_check_controls(), nested_vmx_check_host_state(),
 * nested_vmx_check_guest_state() in arch/x86/kvm/vmx/nested.c, after Intel
 * SDM "Checks on VMX Controls", "Checks on the Host State Area" and
 * "Checks on the Guest State Area").
 */
#include <string.h>

#include "nested.h"
#include "vmx.h"

#define CR0_PE		(1ull << 0)
#define CR4_PAE		(1ull << 5)
/* Pin-based bits 1, 2 and 4 are "default1": IA32_VMX_(TRUE_)PINBASED_CTLS
 * forces them to 1 on every VMX CPU and in KVM's nested VMX. */
#define PIN_DEFAULT1	0x16u

static uint8_t *vmcs12(struct kvm_nested_state *s)
{
	return s->data.vmx[0].vmcs12;
}

static void clear_bits(uint8_t *field, unsigned int size, uint64_t bits)
{
	uint64_t v = 0;

	memcpy(&v, field, size);
	v &= ~bits;
	memcpy(field, &v, size);
}

/* vmcs12 links a shadow VMCS, but the size leaves no room for it. */
void vmx_break_no_room_for_shadow_vmcs12(struct kvm_nested_state *s, struct vcpu *v)
{
	s->size = NESTED_STATE_HDR_SIZE + KVM_STATE_NESTED_VMX_VMCS_SIZE;
}

/* The shadow vmcs12 lacks the shadow-VMCS indicator (revision bit 31). */
void vmx_break_shadow_vmcs12_not_shadow(struct kvm_nested_state *s, struct vcpu *v)
{
	clear_bits(s->data.vmx[0].shadow_vmcs12 + VMCS12_REVISION_ID, 4,
		   VMCS_SHADOW_INDICATOR);
}

/* Controls: pin-based controls without the bits the CPU forces to 1. */
void vmx_break_pin_controls_forced_bits(struct kvm_nested_state *s, struct vcpu *v)
{
	clear_bits(vmcs12(s) + VMCS12_PIN_BASED_CONTROLS, 4, PIN_DEFAULT1);
}

/* Host state: a 64-bit host (host address-space size) needs CR4.PAE. */
void vmx_break_host_cr4_without_pae(struct kvm_nested_state *s, struct vcpu *v)
{
	clear_bits(vmcs12(s) + VMCS12_HOST_CR4, 8, CR4_PAE);
}

/* Guest state: CR0.PG set with CR0.PE clear. */
void vmx_break_guest_cr0_paging_without_pe(struct kvm_nested_state *s, struct vcpu *v)
{
	clear_bits(vmcs12(s) + VMCS12_GUEST_CR0, 8, CR0_PE);
}

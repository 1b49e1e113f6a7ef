// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_NESTED_STATE takes state from userspace, so it must refuse
 * state it cannot run: EINVAL for every malformed or inconsistent header or
 * vendor data, EFAULT when the buffer cannot be read. Each case takes a
 * valid state, saved while L2 runs, breaks one thing and sets it back into
 * the same vCPU; the case that breaks nothing must be accepted, so that the
 * refusals are about the broken thing.
 *
 * behaviour: nested.set_validation
 * rule: KVM_SET_NESTED_STATE fails with EINVAL for a size below the header,
 *       unknown flags, RUN_PENDING without GUEST_MODE, the other vendor's
 *       format, VMX pointers or SMM flags that contradict each other, too
 *       little room for vmcs12, a wrong vmcs12 revision, SVM guest mode with
 *       EFER.SVME clear or with less than a vmcb12, and with EFAULT for a
 *       buffer it cannot read
 * source: Documentation/virt/kvm/api.rst "4.115 KVM_SET_NESTED_STATE";
 *         arch/x86/kvm/x86.c kvm_arch_vcpu_ioctl(KVM_SET_NESTED_STATE),
 *         arch/x86/kvm/vmx/nested.c vmx_set_nested_state(),
 *         arch/x86/kvm/svm/nested.c svm_set_nested_state()
 * before: SVM from cc440cdad5b7 (v5.8) until "KVM: SVM: Allow
 *         KVM_SET_NESTED_STATE to clear GIF when SVME==0" (Jim Mattson,
 *         applied to kvm-x86 in January 2026; in Debian 7.3.4, not in
 *         6.12.117; commit id not verified here): with EFER.SVME clear the
 *         flags had to be exactly GIF_SET, so GIF clear was EINVAL too
 *         (svm_svme_clear_gif_clear reports XFAIL there)
 * since: KVM_GET/SET_NESTED_STATE since v4.19 for VMX (commit id not
 *        verified here), v5.8 for SVM (cc440cdad5b7)
 */
#include "nested.h"
#include "svm.h"
#include "vmx.h"
#include "test.h"

/* A flag no kernel defines: the defined ones are 0x1, 0x2, 0x4, 0x8, 0x100. */
#define NESTED_FLAG_UNDEFINED	0x10
/* hdr.vmx.flags defines only KVM_STATE_VMX_PREEMPTION_TIMER_DEADLINE (0x1). */
#define VMX_HDR_FLAG_UNDEFINED	0x2
#define INVALID_GPA		(~0ull)


/* ---- what each case breaks ---- */

typedef void break_fn(struct kvm_nested_state *s, struct vcpu *vcpu);

static void break_nothing(struct kvm_nested_state *s, struct vcpu *vcpu) {}

static void size_below_header(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->size = NESTED_STATE_HDR_SIZE - 1;
}

static void undefined_flag(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->flags |= NESTED_FLAG_UNDEFINED;
}

static void run_pending_without_guest_mode(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->flags = (s->flags & ~KVM_STATE_NESTED_GUEST_MODE) |
		   KVM_STATE_NESTED_RUN_PENDING;
}

static void other_vendor_format(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->format = s->format == KVM_STATE_NESTED_FORMAT_SVM ?
		    KVM_STATE_NESTED_FORMAT_VMX : KVM_STATE_NESTED_FORMAT_SVM;
}

/* VMX */

static void vmx_vmcs12_pa_without_vmxon(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->hdr.vmx.vmxon_pa = INVALID_GPA;
}

static void vmx_guest_mode_without_vmxon(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->hdr.vmx.vmxon_pa = INVALID_GPA;
	s->hdr.vmx.vmcs12_pa = INVALID_GPA;
}

static void vmx_smm_flags_without_vmxon(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	vmx_guest_mode_without_vmxon(s, vcpu);
	s->flags = 0;
	s->hdr.vmx.smm.flags = KVM_STATE_NESTED_SMM_VMXON;
}

static void vmx_vmxon_pa_not_page_aligned(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->hdr.vmx.vmxon_pa += 8;
}

static void vmx_vmcs12_pa_is_vmxon_pa(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->hdr.vmx.vmcs12_pa = s->hdr.vmx.vmxon_pa;
}

static void vmx_smm_flags_outside_smm(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->hdr.vmx.smm.flags = KVM_STATE_NESTED_SMM_VMXON;
}

static void vmx_smm_guest_mode_with_guest_mode(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->hdr.vmx.smm.flags = KVM_STATE_NESTED_SMM_VMXON |
			       KVM_STATE_NESTED_SMM_GUEST_MODE;
}

static void vmx_undefined_hdr_flag(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->hdr.vmx.flags |= VMX_HDR_FLAG_UNDEFINED;
}

static void vmx_evmcs_flag_without_evmcs(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->flags |= KVM_STATE_NESTED_EVMCS;	/* KVM_CAP_HYPERV_ENLIGHTENED_VMCS is off */
}

static void vmx_no_room_for_vmcs12(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->size = NESTED_STATE_HDR_SIZE;
}

/* A VMCS region starts with the revision identifier (SDM 25.2). */
static void vmx_wrong_vmcs12_revision(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	*(uint32_t *)s->data.vmx[0].vmcs12 ^= 1;
}

/* SVM */

static struct vmcb *vmcb12(struct kvm_nested_state *s)
{
	return (struct vmcb *)s->data.svm[0].vmcb12;
}

static void clear_efer_svme(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;

	vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs);
	sregs.efer &= ~EFER_SVME;
	vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs);
}

static void svm_svme_clear_guest_mode(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	clear_efer_svme(vcpu);
}

static void svm_svme_clear_gif_clear(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	clear_efer_svme(vcpu);
	s->flags = 0;
}

static void svm_no_room_for_vmcb12(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->size = NESTED_STATE_HDR_SIZE + KVM_STATE_NESTED_SVM_VMCB_SIZE - 1;
}

static void svm_vmx_only_flag(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->flags |= KVM_STATE_NESTED_MTF_PENDING;
}

static void svm_vmcb_pa_not_page_aligned(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	s->hdr.svm.vmcb_pa += 8;
}

static void svm_vmcb12_without_vmrun_intercept(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	vmcb12(s)->intercept_misc2 &= ~INTERCEPT_VMRUN;
}

static void svm_vmcb12_asid_zero(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	vmcb12(s)->asid = 0;
}

static void svm_l1_state_without_paging(struct kvm_nested_state *s, struct vcpu *vcpu)
{
	vmcb12(s)->cr0 &= ~(1ull << 31);	/* CR0.PG of L1's saved state */
}

/* ---- the cases ---- */

enum placement {
	IN_BUFFER,		/* all of it readable */
	HEADER_UNREADABLE,	/* the pointer itself is to an unmapped page */
	DATA_UNREADABLE,	/* the header, then an unmapped page */
};

FIXTURE(set_validation) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct kvm_nested_state *state;	/* saved while L2 runs */
};

FIXTURE_VARIANT(set_validation) {
	const struct nested_ops *ops;
	break_fn *breaks;
	enum placement placement;
	int err;			/* 0: accepted */
	int older_err;			/* a known older kernel's answer ... */
	const char *older;		/* ... and the change that ended it */
};

#define CASE(vendor, name, fn, e) \
	FIXTURE_VARIANT_ADD(set_validation, vendor##_##name) { \
		.ops = &nested_##vendor, .breaks = fn, .err = e }
#define BOTH(name, fn, e) CASE(vmx, name, fn, e); CASE(svm, name, fn, e)

/* Rule: the state as saved is accepted (the control for every case). */
BOTH(state_as_saved, break_nothing, 0);
/* Rule: a size below the 128-byte header is EINVAL. */
BOTH(size_below_header, size_below_header, EINVAL);
/* Rule: a flag KVM does not define is EINVAL. */
BOTH(undefined_flag, undefined_flag, EINVAL);
/* Rule: RUN_PENDING without GUEST_MODE is EINVAL. */
BOTH(run_pending_without_guest_mode, run_pending_without_guest_mode, EINVAL);
/* Rule: the other vendor's format is EINVAL. */
BOTH(other_vendor_format, other_vendor_format, EINVAL);

/* Rule: VMX: a current VMCS without a VMXON region is EINVAL. */
CASE(vmx, vmcs12_pa_without_vmxon, vmx_vmcs12_pa_without_vmxon, EINVAL);
/* Rule: VMX: guest mode without a VMXON region is EINVAL. */
CASE(vmx, guest_mode_without_vmxon, vmx_guest_mode_without_vmxon, EINVAL);
/* Rule: VMX: SMM flags without a VMXON region are EINVAL. */
CASE(vmx, smm_flags_without_vmxon, vmx_smm_flags_without_vmxon, EINVAL);
/* Rule: VMX: a VMXON region not page aligned is EINVAL. */
CASE(vmx, vmxon_pa_not_page_aligned, vmx_vmxon_pa_not_page_aligned, EINVAL);
/* Rule: VMX: the VMCS at the VMXON region's address is EINVAL. */
CASE(vmx, vmcs12_pa_is_vmxon_pa, vmx_vmcs12_pa_is_vmxon_pa, EINVAL);
/* Rule: VMX: SMM flags on a vCPU not in SMM are EINVAL. */
CASE(vmx, smm_flags_outside_smm, vmx_smm_flags_outside_smm, EINVAL);
/* Rule: VMX: SMM_GUEST_MODE together with GUEST_MODE is EINVAL. */
CASE(vmx, smm_guest_mode_with_guest_mode, vmx_smm_guest_mode_with_guest_mode, EINVAL);
/* Rule: VMX: a header flag KVM does not define is EINVAL. */
CASE(vmx, undefined_hdr_flag, vmx_undefined_hdr_flag, EINVAL);
/* Rule: VMX: EVMCS without enlightened VMCS enabled is EINVAL. */
CASE(vmx, evmcs_flag_without_evmcs, vmx_evmcs_flag_without_evmcs, EINVAL);
/* Rule: VMX: a current VMCS with no room for vmcs12 is EINVAL. */
CASE(vmx, no_room_for_vmcs12, vmx_no_room_for_vmcs12, EINVAL);
/* Rule: VMX: a vmcs12 with another revision identifier is EINVAL. */
CASE(vmx, wrong_vmcs12_revision, vmx_wrong_vmcs12_revision, EINVAL);
/* Rule: VMX: a linked shadow VMCS with no room for shadow_vmcs12 is EINVAL. */
CASE(vmx, no_room_for_shadow_vmcs12, vmx_break_no_room_for_shadow_vmcs12, EINVAL);
/* Rule: VMX: a shadow_vmcs12 without the shadow-VMCS indicator is EINVAL. */
CASE(vmx, shadow_vmcs12_not_shadow, vmx_break_shadow_vmcs12_not_shadow, EINVAL);
/* Rule: VMX: guest-mode vmcs12 pin controls without the default1 bits are EINVAL. */
CASE(vmx, vmcs12_pin_controls_forced_bits, vmx_break_pin_controls_forced_bits, EINVAL);
/* Rule: VMX: a guest-mode vmcs12 with a 64-bit host and HOST_CR4.PAE clear is EINVAL. */
CASE(vmx, vmcs12_host_cr4_without_pae, vmx_break_host_cr4_without_pae, EINVAL);
/* Rule: VMX: a guest-mode vmcs12 with GUEST_CR0.PG set and PE clear is EINVAL. */
CASE(vmx, vmcs12_guest_cr0_paging_without_pe, vmx_break_guest_cr0_paging_without_pe, EINVAL);

/* Rule: SVM: with EFER.SVME clear, guest mode is EINVAL. */
CASE(svm, svme_clear_guest_mode, svm_svme_clear_guest_mode, EINVAL);
/* Rule: SVM: with EFER.SVME clear, GIF clear is a valid state, accepted. */
FIXTURE_VARIANT_ADD(set_validation, svm_svme_clear_gif_clear) {
	.ops = &nested_svm, .breaks = svm_svme_clear_gif_clear, .err = 0,
	.older_err = EINVAL,
	.older = "EINVAL: GIF clear with EFER.SVME clear refused, as before "
		 "\"KVM: SVM: Allow KVM_SET_NESTED_STATE to clear GIF when SVME==0\"",
};
/* Rule: SVM: guest mode with less than a whole vmcb12 is EINVAL. */
CASE(svm, no_room_for_vmcb12, svm_no_room_for_vmcb12, EINVAL);
/* Rule: SVM: a VMX-only flag (MTF_PENDING) is EINVAL. */
CASE(svm, vmx_only_flag, svm_vmx_only_flag, EINVAL);
/* Rule: SVM: a vmcb12 address not page aligned is EINVAL. */
CASE(svm, vmcb_pa_not_page_aligned, svm_vmcb_pa_not_page_aligned, EINVAL);
/* Rule: SVM: vmcb12 controls VMRUN would refuse (no VMRUN intercept) are EINVAL. */
CASE(svm, vmcb12_without_vmrun_intercept, svm_vmcb12_without_vmrun_intercept, EINVAL);
/* Rule: SVM: vmcb12 controls VMRUN would refuse (ASID 0) are EINVAL. */
CASE(svm, vmcb12_asid_zero, svm_vmcb12_asid_zero, EINVAL);
/* Rule: SVM: saved L1 state VMRUN could not have left (paging off) is EINVAL. */
CASE(svm, l1_state_without_paging, svm_l1_state_without_paging, EINVAL);

#define UNREADABLE(vendor, name, where) \
	FIXTURE_VARIANT_ADD(set_validation, vendor##_##name) { \
		.ops = &nested_##vendor, .breaks = break_nothing, \
		.placement = where, .err = EFAULT }

/* Rule: a header KVM cannot read is EFAULT. */
UNREADABLE(vmx, header_unreadable, HEADER_UNREADABLE);
UNREADABLE(svm, header_unreadable, HEADER_UNREADABLE);
/* Rule: vendor data KVM cannot read is EFAULT. */
UNREADABLE(vmx, vendor_data_unreadable, DATA_UNREADABLE);
UNREADABLE(svm, vendor_data_unreadable, DATA_UNREADABLE);

FIXTURE_SETUP(set_validation)
{
	REQUIRE_NESTED(variant->ops);
	self->vm = vm_create();
	nested_setup(self->vm, variant->ops);
	self->vcpu = vcpu_add(self->vm, l1_stop_in_l2);
	vcpu_run_expect(self->vcpu, UCALL_SYNC, NESTED_STAGE_IN_L2);
	self->state = vcpu_get_nested_state(self->vcpu);
	ASSERT_TRUE(self->state->flags & KVM_STATE_NESTED_GUEST_MODE)
		TH_LOG("L2 is running, yet the saved flags are 0x%x",
		       self->state->flags);
}

FIXTURE_TEARDOWN(set_validation)
{
	free(self->state);
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

static const struct kvm_nested_state *place(struct kvm_nested_state *s,
					    enum placement where)
{
	if (where == HEADER_UNREADABLE)
		return nested_state_before_guard(s, 0);
	if (where == DATA_UNREADABLE)
		return nested_state_before_guard(s, NESTED_STATE_HDR_SIZE);
	return s;
}

static const char *outcome(int r)
{
	return r ? strerrorname_np(-r) : "0 (accepted)";
}

TEST_F(set_validation, set_nested_state)
{
	struct kvm_nested_state *s = self->state;
	int r;

	variant->breaks(s, self->vcpu);
	r = __vcpu_set_nested_state(self->vcpu, place(s, variant->placement));
	if (r != -variant->err && variant->older && r == -variant->older_err)
		XFAIL_KNOWN_OLDER(variant->older);
	/* Rule: see the comment above this variant. */
	if (r != -variant->err)
		kvmabi_fail("KVM_SET_NESTED_STATE returned %s, expected %s",
			    outcome(r), outcome(-variant->err));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * While L2 runs, KVM_GET_NESTED_STATE describes the nested guest: the
 * GUEST_MODE flag, the vendor's format, a size covering the vendor data,
 * and in that data the VMCS12 (VMX) or VMCB12 (SVM) that L1 set up. L2
 * stops in guest mode by exiting to userspace with port I/O, which L1 does
 * not intercept.
 *
 * behaviour: nested.guest_mode_state
 * rule: with L2 running, KVM_GET_NESTED_STATE reports GUEST_MODE, the
 *       vendor's format and the full size, and its VMCS12/VMCB12 holds what
 *       L1 wrote
 * source: Documentation/virt/kvm/api.rst "4.114 KVM_GET_NESTED_STATE";
 *         arch/x86/kvm/{vmx,svm}/nested.c {vmx,svm}_get_nested_state()
 * since: KVM_GET/SET_NESTED_STATE since v4.19 for VMX (commit id not
 *        verified here), v5.8 for SVM (cc440cdad5b7)
 */
#include "nested.h"
#include "test.h"

enum { STAGE_IN_L2 = 1, STAGE_BACK_IN_L1 };

static void l2_stop_in_guest_mode(void)
{
	GUEST_SYNC(STAGE_IN_L2);
}

static void l1_run_l2_once(void)
{
	l1_enter();
	l1_run_l2(l2_stop_in_guest_mode);
	GUEST_SYNC(STAGE_BACK_IN_L1);
}

FIXTURE(guest_mode_state) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_VARIANT(guest_mode_state) {
	const struct nested_ops *ops;
};

FIXTURE_VARIANT_ADD(guest_mode_state, vmx) { .ops = &nested_vmx };
FIXTURE_VARIANT_ADD(guest_mode_state, svm) { .ops = &nested_svm };

FIXTURE_SETUP(guest_mode_state)
{
	REQUIRE_NESTED(variant->ops);
	self->vm = vm_create();
	nested_setup(self->vm, variant->ops);
	self->vcpu = vcpu_add(self->vm, l1_run_l2_once);
}

FIXTURE_TEARDOWN(guest_mode_state)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(guest_mode_state, describes_running_l2)
{
	const struct nested_ops *ops = variant->ops;
	struct kvm_nested_state *s;
	const char *vmcs_mismatch;

	vcpu_run_expect(self->vcpu, UCALL_SYNC, STAGE_IN_L2);
	s = vcpu_get_nested_state(self->vcpu);
	/* Rule: a vCPU stopped in L2 reports KVM_STATE_NESTED_GUEST_MODE. */
	EXPECT_TRUE(s->flags & KVM_STATE_NESTED_GUEST_MODE)
		TH_LOG("flags 0x%x lack GUEST_MODE", s->flags);
	/* Rule: the format is the vendor's. */
	EXPECT_EQ(ops->format, s->format);
	/* Rule: in guest mode the size covers the header and the vendor data. */
	EXPECT_EQ(ops->state_size, s->size);
	/* Rule: the vendor data is the VMCS12/VMCB12 that L1 prepared. */
	vmcs_mismatch = ops->check_saved_vmcs(s);
	if (vmcs_mismatch)
		kvmabi_fail("saved state in L2: %s", vmcs_mismatch);
	free(s);
	/* L1 gets L2's final hypercall afterwards, as if never observed. */
	vcpu_run_expect(self->vcpu, UCALL_SYNC, STAGE_BACK_IN_L1);
	vcpu_run_expect(self->vcpu, UCALL_DONE, 0);
}

TEST_HARNESS_MAIN

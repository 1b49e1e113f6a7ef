// SPDX-License-Identifier: GPL-2.0
/*
 * Once L1 leaves nested operation (VMXOFF on VMX, clearing EFER.SVME on
 * SVM), nothing nested is left to migrate: KVM_GET_NESTED_STATE returns the
 * header alone, as for a vCPU that never nested. A stale VMCS12 or VMXON
 * pointer here would make the destination re-enter VMX operation.
 *
 * behaviour: nested.leave_clears_state
 * rule: after L1 leaves nested operation (VMXOFF, or clearing EFER.SVME), the
 *       state goes back to header-only
 * source: Documentation/virt/kvm/api.rst "4.114 KVM_GET_NESTED_STATE";
 *         arch/x86/kvm/vmx/nested.c handle_vmxoff(), free_nested();
 *         arch/x86/kvm/svm/svm.c svm_set_efer()
 * since: KVM_GET/SET_NESTED_STATE since v4.19 for VMX (commit id not
 *        verified here), v5.8 for SVM (cc440cdad5b7)
 */
#include "nested.h"
#include "test.h"

enum { STAGE_L2_DONE = 1, STAGE_LEFT };

static void l2_return_at_once(void)
{
}

static void l1_nest_then_leave(void)
{
	l1_enter();
	l1_run_l2(l2_return_at_once);
	GUEST_SYNC(STAGE_L2_DONE);
	l1_leave();
	GUEST_SYNC(STAGE_LEFT);
}

FIXTURE(leave_clears_state) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_VARIANT(leave_clears_state) {
	const struct nested_ops *ops;
	uint16_t flags;			/* the only flags once L1 has left */
};

FIXTURE_VARIANT_ADD(leave_clears_state, vmx) {
	.ops = &nested_vmx,
	.flags = 0,
};

FIXTURE_VARIANT_ADD(leave_clears_state, svm) {
	.ops = &nested_svm,
	.flags = KVM_STATE_NESTED_GIF_SET,
};

FIXTURE_SETUP(leave_clears_state)
{
	REQUIRE_NESTED(variant->ops);
	self->vm = vm_create();
	nested_setup(self->vm, variant->ops);
	self->vcpu = vcpu_add(self->vm, l1_nest_then_leave);
}

FIXTURE_TEARDOWN(leave_clears_state)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(leave_clears_state, header_only_after_leaving)
{
	struct kvm_nested_state *s;

	vcpu_run_expect(self->vcpu, UCALL_SYNC, STAGE_L2_DONE);
	s = vcpu_get_nested_state(self->vcpu);
	/* VMX only: in VMX operation with a current VMCS, there is state. */
	if (s->format == KVM_STATE_NESTED_FORMAT_VMX)
		ASSERT_NE(~0ull, s->hdr.vmx.vmxon_pa) TH_LOG("L1 is not in VMX operation");
	free(s);

	vcpu_run_expect(self->vcpu, UCALL_SYNC, STAGE_LEFT);
	s = vcpu_get_nested_state(self->vcpu);
	/* Rule: after leaving, only the header, with the idle flags. */
	EXPECT_EQ(NESTED_STATE_HDR_SIZE, s->size);
	EXPECT_EQ(variant->flags, s->flags);
	if (s->format == KVM_STATE_NESTED_FORMAT_VMX) {
		/* Rule: VMXOFF forgets the VMXON region and the current VMCS. */
		EXPECT_EQ(~0ull, s->hdr.vmx.vmxon_pa);
		EXPECT_EQ(~0ull, s->hdr.vmx.vmcs12_pa);
	}
	free(s);
	vcpu_run_expect(self->vcpu, UCALL_DONE, 0);
}

TEST_HARNESS_MAIN

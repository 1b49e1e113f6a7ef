// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU that has never entered VMX or SVM operation has no nested state to
 * migrate: KVM_GET_NESTED_STATE returns the 128-byte header alone. On VMX
 * the header says "no VMXON region, no current VMCS" with all-ones
 * addresses; on SVM it carries only the global interrupt flag, which is set
 * outside of SVM code.
 *
 * behaviour: nested.idle_state
 * rule: a vCPU that never entered nested mode returns only the header: VMX
 *       with vmxon_pa and vmcs12_pa all-ones and no flags, SVM with only
 *       GIF_SET
 * source: Documentation/virt/kvm/api.rst "4.114 KVM_GET_NESTED_STATE";
 *         arch/x86/kvm/{vmx,svm}/nested.c {vmx,svm}_get_nested_state()
 * since: KVM_GET/SET_NESTED_STATE since v4.19 for VMX (commit id not
 *        verified here), v5.8 for SVM (cc440cdad5b7)
 */
#include "nested.h"
#include "test.h"

static void guest_nothing_nested(void)
{
}

FIXTURE(idle_state) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_VARIANT(idle_state) {
	const struct nested_ops *ops;
	uint16_t flags;			/* the only flags an idle vCPU has */
};

FIXTURE_VARIANT_ADD(idle_state, vmx) {
	.ops = &nested_vmx,
	.flags = 0,
};

FIXTURE_VARIANT_ADD(idle_state, svm) {
	.ops = &nested_svm,
	.flags = KVM_STATE_NESTED_GIF_SET,
};

FIXTURE_SETUP(idle_state)
{
	REQUIRE_NESTED(variant->ops);
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, guest_nothing_nested);
}

FIXTURE_TEARDOWN(idle_state)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

static void expect_idle_header(struct __test_metadata *_metadata,
			       const FIXTURE_VARIANT(idle_state) *variant,
			       const struct kvm_nested_state *s)
{
	/* Rule: no nested guest, so only the header. */
	EXPECT_EQ(NESTED_STATE_HDR_SIZE, s->size);
	EXPECT_EQ(variant->ops->format, s->format);
	/* Rule: no flags but, on SVM, GIF_SET. */
	EXPECT_EQ(variant->flags, s->flags);
	if (s->format != KVM_STATE_NESTED_FORMAT_VMX)
		return;
	/* Rule: VMX without VMXON has no VMXON region and no current VMCS. */
	EXPECT_EQ(~0ull, s->hdr.vmx.vmxon_pa);
	EXPECT_EQ(~0ull, s->hdr.vmx.vmcs12_pa);
	EXPECT_EQ(0, s->hdr.vmx.smm.flags);
}

TEST_F(idle_state, new_vcpu_has_header_only)
{
	struct kvm_nested_state *s = vcpu_get_nested_state(self->vcpu);

	expect_idle_header(_metadata, variant, s);
	free(s);
}

TEST_F(idle_state, vcpu_that_ran_without_nesting_has_header_only)
{
	struct kvm_nested_state *s;

	vcpu_run_expect(self->vcpu, UCALL_DONE, 0);
	s = vcpu_get_nested_state(self->vcpu);
	expect_idle_header(_metadata, variant, s);
	free(s);
}

TEST_HARNESS_MAIN

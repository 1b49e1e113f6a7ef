// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CHECK_EXTENSION(KVM_CAP_NESTED_STATE) gives the largest buffer
 * KVM_GET_NESTED_STATE can need: the 128-byte header plus the vendor data,
 * a VMCS12 and a shadow VMCS12 on VMX (struct kvm_vmx_nested_state_data), a
 * VMCB12 on SVM (struct kvm_svm_nested_state_data). A VMM that sizes its
 * migration buffer by hand instead of by this value gets one vendor wrong.
 *
 * behaviour: nested.cap_size
 * rule: KVM_CHECK_EXTENSION(KVM_CAP_NESTED_STATE) is 128 + 2 * 4096 on VMX
 *       and 128 + 4096 on SVM
 * source: Documentation/virt/kvm/api.rst "4.114 KVM_GET_NESTED_STATE";
 *         arch/x86/include/uapi/asm/kvm.h struct kvm_nested_state
 * since: KVM_GET/SET_NESTED_STATE since v4.19 for VMX (commit id not
 *        verified here), v5.8 for SVM (cc440cdad5b7)
 */
#include "nested.h"
#include "test.h"

FIXTURE(cap_size) {
};

FIXTURE_VARIANT(cap_size) {
	const struct nested_ops *ops;
};

FIXTURE_VARIANT_ADD(cap_size, vmx) { .ops = &nested_vmx };
FIXTURE_VARIANT_ADD(cap_size, svm) { .ops = &nested_svm };

FIXTURE_SETUP(cap_size)
{
}

FIXTURE_TEARDOWN(cap_size)
{
}

/*
 * Not nested=1: x86.c reports the size whenever the vendor module has
 * nested state ops, as kvm_intel and kvm_amd do even with nested=0.
 */
TEST_F(cap_size, is_header_plus_vendor_data)
{
	int size;

	REQUIRE_KVM();
	REQUIRE(!nested_wrong_vendor(variant->ops), "%s",
		nested_wrong_vendor(variant->ops));
	size = kvm_check_cap(KVM_CAP_NESTED_STATE);
	REQUIRE(size > 0, "KVM_CAP_NESTED_STATE is 0: this KVM has no nested state");
	/* Rule: the size is the header plus this vendor's data, exactly. */
	EXPECT_EQ(variant->ops->state_size, size);
}

TEST_HARNESS_MAIN

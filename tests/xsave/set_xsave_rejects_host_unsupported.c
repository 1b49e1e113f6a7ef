// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_XSAVE refuses a buffer whose xstate_bv has a bit the host cannot
 * hold in the vCPU's FPU state (an xfeature the host CPU or kernel lacks, or
 * a reserved bit), and refuses it whole: the vCPU keeps the state it had. A
 * VMM migrating to a less capable host learns of it before the guest runs.
 *
 * behaviour: xsave.set_rejects_host_unsupported
 * rule: KVM_SET_XSAVE with an xstate_bv bit outside the host's supported
 *       XCR0 fails with EINVAL and leaves the vCPU's XSAVE state unchanged
 * source: Documentation/virt/kvm/api.rst "4.43 KVM_SET_XSAVE"; commit
 *         d7876f1be40a ("KVM: x86: prevent setting unsupported XSAVE states");
 *         since v5.16 fpu_copy_uabi_to_guest_fpstate() (ea4d6938d4c0) checks
 *         xstate_bv against KVM's supported XCR0 before copying anything
 * since: before v5.10 (d7876f1be40a, 2013; first release unsure, v3.13 or
 *        v3.14); the check moved into the FPU core in v5.16 (ea4d6938d4c0)
 * before: unsure what kernels before d7876f1be40a did
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "xsave_buf.h"

#define SEED_KEPT 0x10
#define SEED_REFUSED 0x80

/* User xfeatures a host may lack (the others are the base x87/SSE/AVX or
 * supervisor components, which the standard format never holds). */
static const unsigned int optional_user_xfeatures[] = {
	XFEATURE_BNDREGS, XFEATURE_BNDCSR, XFEATURE_OPMASK, XFEATURE_ZMM_HI256,
	XFEATURE_HI16_ZMM, XFEATURE_PKRU, XFEATURE_XTILE_CFG,
	XFEATURE_XTILE_DATA, XFEATURE_APX,
};

static uint64_t absent_user_xfeature(void)
{
	uint64_t host = host_xcr0_mask();
	unsigned int i;

	for (i = 0; i < sizeof(optional_user_xfeatures) / sizeof(unsigned int); i++)
		if (!(host & XMASK(optional_user_xfeatures[i])))
			return XMASK(optional_user_xfeatures[i]);
	return 0;
}

static uint64_t reserved_bit_63(void)
{
	return XMASK(63);
}

FIXTURE(reject) {
	struct vm *vm;
	struct vcpu *vcpu;
	uint32_t size;
	uint64_t bad_bit;
};

FIXTURE_VARIANT(reject) {
	uint64_t (*bad_bit)(void);
};

FIXTURE_VARIANT_ADD(reject, xfeature_absent_from_host) {
	.bad_bit = absent_user_xfeature,
};

FIXTURE_VARIANT_ADD(reject, reserved_bit_63) {
	.bad_bit = reserved_bit_63,
};

FIXTURE_SETUP(reject)
{
	REQUIRE_CAP(KVM_CAP_XSAVE);
	self->bad_bit = variant->bad_bit();
	REQUIRE(self->bad_bit, "the host supports every user xfeature "
		"(CPUID leaf 0xD has %s): none to try", xfeature_mask_names(host_xcr0_mask()));
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, NULL);
	self->size = vm_xsave_size(self->vm);
}

FIXTURE_TEARDOWN(reject)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(reject, einval_and_state_unchanged)
{
	uint64_t good = xsave_fillable_features();
	struct kvm_xsave *before, *bad, *after;
	uint32_t size = self->size;
	int r;

	/* A distinctive state, so "unchanged" cannot be a reset by chance. */
	before = vcpu_get_xsave(self->vcpu, &size);
	xsave_put_features(before, good, SEED_KEPT);
	r = __vcpu_set_xsave(self->vcpu, before);
	ASSERT_EQ(0, r) TH_LOG("precondition: KVM_SET_XSAVE of %s: errno %d",
			       xfeature_mask_names(good), -r);
	free(before);
	before = vcpu_get_xsave(self->vcpu, &size);

	bad = xsave_buf_dup(before, size);
	xsave_put_features(bad, good, SEED_REFUSED);
	XSAVE_XSTATE_BV(bad) |= self->bad_bit;
	/* An xstate_bv bit the host does not support: EINVAL. */
	EXPECT_EQ(-EINVAL, __vcpu_set_xsave(self->vcpu, bad))
		TH_LOG("xstate_bv 0x%llx with %s", (unsigned long long)XSAVE_XSTATE_BV(bad),
		       xfeature_mask_names(self->bad_bit));
	after = vcpu_get_xsave(self->vcpu, &size);
	/* The refused buffer changed nothing in the vCPU's state. */
	EXPECT_EQ(0, memcmp(before, after, size))
		TH_LOG("KVM_GET_XSAVE differs after the refused KVM_SET_XSAVE");
	free(before);
	free(bad);
	free(after);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_XSAVE and KVM_GET_XSAVE2 report only the xfeatures in the guest's
 * CPUID (leaf 0xD subleaf 0), plus x87 and SSE, even when the vCPU's state
 * holds another one that the host supports. A VMM can then load the saved
 * state on any host that has what the guest was shown, even one without
 * the extra features.
 *
 * The vCPU gets the state while its CPUID still shows the feature (so this
 * does not depend on KVM_SET_XSAVE accepting hidden features), then a CPUID
 * that hides it (KVM_SET_CPUID2 may change CPUID before the first KVM_RUN).
 *
 * behaviour: xsave.get_trims_to_guest_cpuid
 * rule: KVM_GET_XSAVE and KVM_GET_XSAVE2 never set an xstate_bv bit for an
 *       xfeature outside the guest's CPUID leaf 0xD, whatever the state holds
 * source: commit 18164f66e6c5 ("x86/fpu: Allow caller to constrain xfeatures
 *         when copying to uabi buffer"): "KVM's ABI for KVM_GET_XSAVE{2} is
 *         that features that are not exposed to guest must not show up in
 *         the effective xstate_bv field of the buffer"; commit 8647c52e9504
 * since: v5.17 (ad856280ddea, by limiting user_xfeatures to the guest's
 *        XCR0); v6.6 keeps it with 18164f66e6c5 and 8647c52e9504, which
 *        constrain only the GET side (backported to stable, e.g. 6.1.y)
 * before: up to v5.15 KVM's own fill_xsave() trimmed xstate_bv to the
 *         guest's supported XCR0 the same way; v5.16 (ea4d6938d4c0 and the
 *         FPU copy rework) reported every host xfeature the state held
 *         (unsure whether any 5.16.y stable release got ad856280ddea)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "xsave_buf.h"

#define SEED 0x40

FIXTURE(trim) {
	struct vm *vm;
	struct vcpu *vcpu;
	uint32_t size;		/* bytes the variant's ioctl writes */
	uint64_t hidden;
};

FIXTURE_VARIANT(trim) {
	unsigned long get_ioctl;
	uint64_t needed;	/* must be offered for the case to mean anything */
	uint64_t hidden;	/* xfeatures the guest's CPUID drops, if offered */
	const char *hidden_name;
};

FIXTURE_VARIANT_ADD(trim, xsave_hides_avx512) {
	.get_ioctl = KVM_GET_XSAVE,
	.needed = XFEATURE_MASK_AVX512, .hidden = XFEATURE_MASK_AVX512,
	.hidden_name = "AVX-512",
};

FIXTURE_VARIANT_ADD(trim, xsave2_hides_avx512) {
	.get_ioctl = KVM_GET_XSAVE2,
	.needed = XFEATURE_MASK_AVX512, .hidden = XFEATURE_MASK_AVX512,
	.hidden_name = "AVX-512",
};

/* Hiding AVX hides AVX-512 too (where offered): XCR0 cannot have
 * AVX-512 without AVX. */
FIXTURE_VARIANT_ADD(trim, xsave_hides_avx) {
	.get_ioctl = KVM_GET_XSAVE,
	.needed = XMASK(XFEATURE_YMM),
	.hidden = XMASK(XFEATURE_YMM) | XFEATURE_MASK_AVX512,
	.hidden_name = "AVX",
};

FIXTURE_VARIANT_ADD(trim, xsave2_hides_avx) {
	.get_ioctl = KVM_GET_XSAVE2,
	.needed = XMASK(XFEATURE_YMM),
	.hidden = XMASK(XFEATURE_YMM) | XFEATURE_MASK_AVX512,
	.hidden_name = "AVX",
};

FIXTURE_VARIANT_ADD(trim, xsave_hides_pkru) {
	.get_ioctl = KVM_GET_XSAVE,
	.needed = XMASK(XFEATURE_PKRU), .hidden = XMASK(XFEATURE_PKRU),
	.hidden_name = "PKRU",
};

FIXTURE_VARIANT_ADD(trim, xsave2_hides_pkru) {
	.get_ioctl = KVM_GET_XSAVE2,
	.needed = XMASK(XFEATURE_PKRU), .hidden = XMASK(XFEATURE_PKRU),
	.hidden_name = "PKRU",
};

FIXTURE_SETUP(trim)
{
	uint64_t offered;

	REQUIRE_CAP(KVM_CAP_XSAVE);
	if (variant->get_ioctl == KVM_GET_XSAVE2)
		REQUIRE_CAP(KVM_CAP_XSAVE2);
	offered = kvm_supported_xcr0();
	REQUIRE((offered & variant->needed) == variant->needed,
		"KVM does not offer %s (KVM_GET_SUPPORTED_CPUID leaf 0xD has %s): "
		"no state of it to hide", variant->hidden_name,
		xfeature_mask_names(offered));
	self->hidden = variant->hidden & offered;
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, NULL);	/* CPUID shows everything */
	self->size = variant->get_ioctl == KVM_GET_XSAVE2 ?
		     vm_xsave_size(self->vm) : XSAVE_LEGACY_SIZE;
}

FIXTURE_TEARDOWN(trim)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

/* Loads non-init state for the hidden features while the guest sees them. */
static void load_hidden_state(struct __test_metadata *_metadata,
			      FIXTURE_DATA(trim) *self)
{
	uint32_t size = vm_xsave_size(self->vm);
	struct kvm_xsave *x = vcpu_get_xsave(self->vcpu, &size);
	int r;

	xsave_put_features(x, self->hidden, SEED);
	r = __vcpu_set_xsave(self->vcpu, x);
	ASSERT_EQ(0, r) TH_LOG("KVM_SET_XSAVE of %s with the guest's CPUID showing "
			       "it: errno %d", xfeature_mask_names(self->hidden), -r);
	free(x);
	x = vcpu_get_xsave(self->vcpu, &size);
	ASSERT_EQ(self->hidden, XSAVE_XSTATE_BV(x) & self->hidden)
		TH_LOG("precondition: the vCPU's state should hold %s",
		       xfeature_mask_names(self->hidden));
	free(x);
}

TEST_F(trim, hidden_xfeature_is_not_reported)
{
	struct kvm_xsave *x;
	const char *why;
	int r;

	load_hidden_state(_metadata, self);
	why = vcpu_hide_xfeatures(self->vcpu, self->hidden);
	REQUIRE(!why, "%s", why);

	x = xsave_buf_alloc(self->size);
	r = __vcpu_get_xsave_with(self->vcpu, variant->get_ioctl, x);
	ASSERT_EQ(0, r) TH_LOG("get: errno %d (%s)", -r, strerror(-r));
	/* xstate_bv has no bit outside the guest's CPUID leaf 0xD. */
	EXPECT_EQ(0, XSAVE_XSTATE_BV(x) & self->hidden)
		TH_LOG("xstate_bv 0x%llx reports %s, hidden from the guest",
		       (unsigned long long)XSAVE_XSTATE_BV(x),
		       xfeature_mask_names(XSAVE_XSTATE_BV(x) & self->hidden));
	free(x);
}

TEST_HARNESS_MAIN

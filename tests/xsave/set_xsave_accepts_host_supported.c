// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_XSAVE accepts every xfeature the host supports, even one the
 * guest's CPUID does not show: older kernels saved such state with
 * KVM_GET_XSAVE, and a VMM must be able to load it on a newer kernel.
 * Only KVM_GET_XSAVE{2} is constrained to the guest's CPUID.
 *
 * behaviour: xsave.set_accepts_host_supported
 * rule: KVM_SET_XSAVE succeeds with xstate_bv bits the host supports but
 *       the guest's CPUID leaf 0xD hides, and loads the rest of the buffer
 * source: commit 8647c52e9504 ("KVM: x86: Constrain guest-supported xfeatures
 *         only at KVM_GET_XSAVE{2}"): "Preserving the maximal set of
 *         xfeatures in user_xfeatures restores KVM's ABI for KVM_SET_XSAVE";
 *         commit 18164f66e6c5
 * since: v6.6 (8647c52e9504 with 18164f66e6c5; Cc stable, backported to
 *        stable series such as 6.1.y, whose Debian 6.1.192 has it)
 * before: v5.17 to v6.5 failed with EINVAL (ad856280ddea limited the guest
 *         FPU's user_xfeatures to the guest's CPUID); v5.16 and older
 *         accepted, checking only the host's supported XCR0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "xsave_buf.h"

#define SEED 0x21
#define XMM_OFFSET 160
#define XMM_BYTES 256

FIXTURE(accept) {
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t hidden;
};

FIXTURE_VARIANT(accept) {
	uint64_t needed;	/* must be offered for the case to mean anything */
	uint64_t hidden;	/* xfeatures the guest's CPUID drops, if offered */
	const char *hidden_name;
};

FIXTURE_VARIANT_ADD(accept, avx512_hidden_from_guest) {
	.needed = XFEATURE_MASK_AVX512, .hidden = XFEATURE_MASK_AVX512,
	.hidden_name = "AVX-512",
};

/* Hiding AVX hides AVX-512 too (where offered): XCR0 cannot have
 * AVX-512 without AVX. */
FIXTURE_VARIANT_ADD(accept, avx_hidden_from_guest) {
	.needed = XMASK(XFEATURE_YMM),
	.hidden = XMASK(XFEATURE_YMM) | XFEATURE_MASK_AVX512, .hidden_name = "AVX",
};

FIXTURE_VARIANT_ADD(accept, pkru_hidden_from_guest) {
	.needed = XMASK(XFEATURE_PKRU), .hidden = XMASK(XFEATURE_PKRU),
	.hidden_name = "PKRU",
};

FIXTURE_SETUP(accept)
{
	uint64_t offered;
	const char *why;

	REQUIRE_CAP(KVM_CAP_XSAVE);
	offered = xsave_fillable_features();
	REQUIRE((offered & variant->needed) == variant->needed,
		"KVM does not offer %s (KVM_GET_SUPPORTED_CPUID leaf 0xD has %s)",
		variant->hidden_name, xfeature_mask_names(kvm_supported_xcr0()));
	self->hidden = variant->hidden & offered;
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, NULL);
	why = vcpu_hide_xfeatures(self->vcpu, self->hidden);
	REQUIRE(!why, "%s", why);
}

FIXTURE_TEARDOWN(accept)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(accept, hidden_host_xfeature_loads)
{
	uint32_t size = vm_xsave_size(self->vm);
	struct kvm_xsave *saved = vcpu_get_xsave(self->vcpu, &size);
	struct kvm_xsave *loaded;
	int r;

	/* What an older kernel's KVM_GET_XSAVE gave: hidden features included. */
	xsave_put_features(saved, XFEATURE_MASK_FPSSE | self->hidden, SEED);
	r = __vcpu_set_xsave(self->vcpu, saved);
	/* Host-supported xfeatures load even when the guest's CPUID hides them. */
	ASSERT_EQ(0, r) TH_LOG("KVM_SET_XSAVE with %s hidden from the guest: errno %d (%s)",
			       xfeature_mask_names(self->hidden), -r, strerror(-r));
	loaded = vcpu_get_xsave(self->vcpu, &size);
	/* The call did load the buffer: the XMM registers are the ones sent. */
	EXPECT_EQ(0, memcmp((uint8_t *)saved + XMM_OFFSET,
			    (uint8_t *)loaded + XMM_OFFSET, XMM_BYTES));
	free(saved);
	free(loaded);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_XSAVE2 tells a VMM how many bytes KVM_GET_XSAVE2 and KVM_SET_XSAVE
 * move: the standard-format size of the user xfeatures this process may give
 * its guests, never less than the 4096 bytes of struct kvm_xsave. A VMM sizes
 * its migration buffers with it, so it must match the host's own layout
 * (CPUID leaf 0xD), which this test computes without asking KVM for sizes.
 *
 * behaviour: xsave.cap_size
 * rule: KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) on the VM fd is 0 where the
 *       kernel lacks KVM_GET_XSAVE2, otherwise max(4096, the standard-format
 *       size of the permitted guest user xfeatures per host CPUID leaf 0xD)
 * source: Documentation/virt/kvm/api.rst "4.134 KVM_GET_XSAVE2" and
 *         "4.43 KVM_SET_XSAVE"; commit be50b2065dfa
 * since: v5.17 (be50b2065dfa "kvm: x86: Add support for getting/setting
 *        expanded xstate buffer"); from v6.4 (55cd57b596e8) XTILE_CFG is not
 *        counted without XTILE_DATA permission, which cannot change the size
 *        (XTILE_CFG ends at 2816 bytes, below 4096)
 * before: v5.16 and older have neither the capability (0) nor KVM_GET_XSAVE2
 */
#include <errno.h>
#include <stdlib.h>

#include "test.h"
#include "xstate.h"

/* Generous: larger than any xsave area a CPU has today (AMX: 11008). */
#define BIG_XSAVE_BUFFER (64 * 1024)

/*
 * The guest user xfeatures this process may enable: what KVM supports
 * (KVM_GET_SUPPORTED_CPUID leaf 0xD, api.rst: unrequested dynamic features
 * are excluded) within the guest permission, and XTILE_CFG only together
 * with XTILE_DATA (architecturally XCR0 cannot hold one without the other).
 */
static uint64_t permitted_guest_xfeatures(void)
{
	uint64_t mask = kvm_supported_xcr0(), perm;

	if (!__arch_get_xcomp_guest_perm(&perm))
		mask &= perm;
	if (!(mask & XMASK(XFEATURE_XTILE_DATA)))
		mask &= ~XMASK(XFEATURE_XTILE_CFG);
	return mask;
}

TEST(cap_is_zero_exactly_when_get_xsave2_is_missing)
{
	struct kvm_xsave *buf;
	struct vm *vm;
	struct vcpu *vcpu;
	int cap, r;

	REQUIRE_KVM();
	vm = vm_create_bare();
	vcpu = vcpu_add_bare(vm);
	buf = calloc(1, BIG_XSAVE_BUFFER);
	ASSERT_NE(NULL, buf);
	cap = vm_check_cap(vm, KVM_CAP_XSAVE2);
	ASSERT_LE(0, cap);
	r = __vcpu_ioctl(vcpu, KVM_GET_XSAVE2, buf);
	TH_LOG("KVM_CAP_XSAVE2 = %d, KVM_GET_XSAVE2 = %d", cap, r);
	/* api.rst 4.134: KVM_GET_XSAVE2 exists exactly where KVM_CAP_XSAVE2 is non-zero. */
	EXPECT_EQ(cap == 0, r < 0);
	free(buf);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST(cap_is_4096_or_the_permitted_xfeatures_size)
{
	uint64_t mask;
	uint32_t expected;
	struct vm *vm;
	int cap;

	REQUIRE_KVM();
	vm = vm_create_bare();
	cap = vm_check_cap(vm, KVM_CAP_XSAVE2);
	REQUIRE(cap > 0, "KVM_CAP_XSAVE2 is 0: kernel older than v5.17 (be50b2065dfa)");
	mask = permitted_guest_xfeatures();
	expected = xsave_uabi_size(mask);
	TH_LOG("permitted guest xfeatures 0x%llx (%s): expected %u, KVM says %d",
	       (unsigned long long)mask, xfeature_mask_names(mask), expected, cap);
	/* api.rst 4.134: the size KVM_GET_XSAVE2 copies, laid out per host CPUID 0xD. */
	EXPECT_EQ(expected, (uint32_t)cap);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * A VMM that wants AMX for its guests asks the kernel first
 * (arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM, feature)) and then sizes its
 * buffers from KVM_CAP_XSAVE2: the capability must grow by exactly the
 * components the permission added. A request the kernel cannot grant (a
 * feature it does not support, or one that is not dynamic) must fail and
 * leave the permission, the capability and KVM's supported XCR0 as they were.
 *
 * behaviour: xsave.cap_after_guest_perm
 * rule: after ARCH_REQ_XCOMP_GUEST_PERM for a dynamic feature the host
 *       supports, KVM_CAP_XSAVE2 is the uABI size of the old permitted set
 *       plus exactly the newly permitted components; a request for an
 *       unsupported, non-dynamic or unknown feature fails (EOPNOTSUPP,
 *       EOPNOTSUPP, EINVAL) and changes nothing
 * source: Documentation/arch/x86/xstate.rst "Dynamic features for virtual
 *         machines"; Documentation/virt/kvm/api.rst "4.134 KVM_GET_XSAVE2"
 *         ("only greater than 4096 if a dynamic feature has been enabled
 *         with arch_prctl()"); commits 980fe2fddcff, be50b2065dfa
 * since: v5.18 for the whole rule: v5.17 brought guest permissions
 *        (980fe2fddcff) and the capability (be50b2065dfa), and v5.18-rc1 made
 *        a granted request add to the permission instead of replacing it
 *        ("x86/fpu/xstate: Fix the ARCH_REQ_XCOMP_PERM implementation",
 *        x86-urgent-2022-04-03; commit id not verified here). The errnos come
 *        from xstate_request_perm(), the same in v6.1 and v6.12, and are not
 *        written in the documentation
 * before: v5.17: a granted request left only the requested components in
 *         the permission; v5.16 has ARCH_REQ_XCOMP_PERM but no guest variant
 *         (EINVAL); v5.15 and older answer EINVAL to every ARCH_*_XCOMP_*
 */
#include <errno.h>

#include "test.h"
#include "xstate.h"

enum host_need { ANY_HOST, HOST_WITH_AMX, HOST_WITHOUT_AMX };

FIXTURE(guest_perm_request) {
	uint64_t perm;		/* ARCH_GET_XCOMP_GUEST_PERM before the request */
	uint64_t host_perm;	/* ARCH_GET_XCOMP_PERM before the request */
	uint64_t kvm_xcr0;	/* KVM_GET_SUPPORTED_CPUID 0xD before */
	int cap;		/* KVM_CAP_XSAVE2 before */
	struct vm *vm;
};

FIXTURE_VARIANT(guest_perm_request) {
	unsigned int feature;
	int error;		/* 0: granted */
	uint64_t adds;		/* the components a granted request permits */
	enum host_need need;
};

/* The one dynamic facility today: AMX, requested by its highest component. */
FIXTURE_VARIANT_ADD(guest_perm_request, xtile_data_granted) {
	.feature = XFEATURE_XTILE_DATA, .error = 0, .need = HOST_WITH_AMX,
	.adds = XFEATURE_MASK_XTILE,
};

FIXTURE_VARIANT_ADD(guest_perm_request, xtile_data_unsupported) {
	.feature = XFEATURE_XTILE_DATA, .error = EOPNOTSUPP, .need = HOST_WITHOUT_AMX,
};

/* Not the facility's highest component: not a request the kernel knows. */
FIXTURE_VARIANT_ADD(guest_perm_request, xtile_cfg_not_dynamic) {
	.feature = XFEATURE_XTILE_CFG, .error = EOPNOTSUPP, .need = ANY_HOST,
};

FIXTURE_VARIANT_ADD(guest_perm_request, avx_not_dynamic) {
	.feature = XFEATURE_YMM, .error = EOPNOTSUPP, .need = ANY_HOST,
};

FIXTURE_VARIANT_ADD(guest_perm_request, x87_not_dynamic) {
	.feature = XFEATURE_FP, .error = EOPNOTSUPP, .need = ANY_HOST,
};

/* Past every xfeature number the kernel knows (XFEATURE_MAX). */
FIXTURE_VARIANT_ADD(guest_perm_request, bit_63_unknown) {
	.feature = 63, .error = EINVAL, .need = ANY_HOST,
};

FIXTURE_VARIANT_ADD(guest_perm_request, number_64_unknown) {
	.feature = 64, .error = EINVAL, .need = ANY_HOST,
};

FIXTURE_SETUP(guest_perm_request)
{
	const char *why;

	REQUIRE_KVM();
	why = guest_perm_prctl_missing();
	REQUIRE(!why, "%s", why);
	why = host_amx_missing();
	if (variant->need == HOST_WITH_AMX)
		REQUIRE(!why, "%s", why);
	if (variant->need == HOST_WITHOUT_AMX)
		REQUIRE(why, "host has AMX: XTILE_DATA is supported here");
	self->vm = vm_create_bare();
	self->cap = vm_check_cap(self->vm, KVM_CAP_XSAVE2);
	ASSERT_EQ(0, __arch_get_xcomp_guest_perm(&self->perm));
	ASSERT_EQ(0, __arch_get_xcomp_perm(&self->host_perm));
	self->kvm_xcr0 = kvm_supported_xcr0();
}

FIXTURE_TEARDOWN(guest_perm_request)
{
	vm_free(self->vm);
}

/* User xfeatures a guest may have: KVM's support within the permission. */
static uint64_t permitted(uint64_t kvm_xcr0, uint64_t perm)
{
	uint64_t mask = kvm_xcr0 & perm;

	if (!(mask & XMASK(XFEATURE_XTILE_DATA)))
		mask &= ~XMASK(XFEATURE_XTILE_CFG);	/* architecturally a pair */
	return mask;
}

TEST_F(guest_perm_request, capability_follows_the_permission)
{
	uint64_t perm, host_perm;
	int r = __arch_req_xcomp_guest_perm(variant->feature), cap;
	uint32_t expected;

	ASSERT_EQ(0, __arch_get_xcomp_guest_perm(&perm));
	ASSERT_EQ(0, __arch_get_xcomp_perm(&host_perm));
	TH_LOG("request %u: %d; guest perm 0x%llx -> 0x%llx", variant->feature, r,
	       (unsigned long long)self->perm, (unsigned long long)perm);
	/* xstate.rst: a grantable request succeeds, others fail with the kernel's errno. */
	ASSERT_EQ(-variant->error, r);
	/* Guest and host permissions are separate (xstate.rst). */
	EXPECT_EQ(self->host_perm, host_perm);
	if (variant->error) {
		/* A refused request changes nothing. */
		EXPECT_EQ(self->perm, perm);
		EXPECT_EQ(self->kvm_xcr0, kvm_supported_xcr0());
		if (self->cap > 0)
			EXPECT_EQ(self->cap, vm_check_cap(self->vm, KVM_CAP_XSAVE2));
		return;
	}
	/* A granted request adds the facility's components and keeps the old ones. */
	EXPECT_EQ(self->perm | variant->adds, perm);
	/* api.rst (KVM_GET_SUPPORTED_CPUID): requested dynamic features now show. */
	EXPECT_EQ(self->kvm_xcr0 | variant->adds, kvm_supported_xcr0());
	REQUIRE(self->cap > 0, "KVM_CAP_XSAVE2 is 0: kernel older than v5.17 (be50b2065dfa)");
	expected = xsave_uabi_size(permitted(self->kvm_xcr0, self->perm) | variant->adds);
	cap = vm_check_cap(self->vm, KVM_CAP_XSAVE2);
	TH_LOG("KVM_CAP_XSAVE2 %d -> %d, expected %u", self->cap, cap, expected);
	/* KVM_CAP_XSAVE2 grows by exactly the newly permitted components. */
	EXPECT_EQ(expected, (uint32_t)cap);
}

TEST_HARNESS_MAIN

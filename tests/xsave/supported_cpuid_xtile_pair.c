// SPDX-License-Identifier: GPL-2.0
/*
 * XCR0 bits 17 (XTILE_CFG) and 18 (XTILE_DATA) can only be set together
 * (XSETBV faults otherwise), so a CPUID that offers one without the other
 * describes an impossible CPU. VMMs copy KVM_GET_SUPPORTED_CPUID leaf 0xD
 * into their guests; before the guest permission, KVM must offer neither,
 * after it both.
 *
 * behaviour: xsave.supported_cpuid_xtile_pair
 * rule: KVM_GET_SUPPORTED_CPUID leaf 0xD (subleaf 0 EDX:EAX, and the
 *       subleaves it lists) never reports XTILE_CFG without XTILE_DATA, before
 *       and after ARCH_REQ_XCOMP_GUEST_PERM for XTILE_DATA; after it, both
 * source: commit 55cd57b596e8 ("KVM: x86: Filter out XTILE_CFG if XTILE_DATA
 *         isn't permitted"); Documentation/virt/kvm/api.rst "4.46
 *         KVM_GET_SUPPORTED_CPUID" (unrequested dynamic features excluded);
 *         Intel SDM vol. 1 13.3 (XCR0[18:17] is 00b or 11b)
 * since: v6.4 (55cd57b596e8, per issue 3; the version is not verified here);
 *        Debian's 6.1.192 does not carry it, 6.12.117 does
 * before: v5.17 to v6.3 (and 6.1.y): on an AMX host, without permission,
 *         leaf 0xD.0 reports XTILE_CFG (in the default permission) without
 *         XTILE_DATA, with a subleaf 17 and no subleaf 18; v5.16 and older do
 *         not know AMX at all (neither bit)
 */
#include <stdlib.h>

#include "test.h"
#include "xstate.h"

/* Leaf 0xD of a fresh KVM_GET_SUPPORTED_CPUID: XCR0 bits and subleaves. */
struct xtile_view {
	bool cfg, data;			/* subleaf 0 EAX bits 17 and 18 */
	bool cfg_leaf, data_leaf;	/* subleaves 17 and 18 listed */
};

static struct xtile_view supported_xtile_view(void)
{
	struct kvm_cpuid2 *c = kvm_supported_cpuid_fresh();
	uint64_t xcr0 = cpuid_xcr0(c);
	struct xtile_view v = {
		.cfg = xcr0 & XMASK(XFEATURE_XTILE_CFG),
		.data = xcr0 & XMASK(XFEATURE_XTILE_DATA),
		.cfg_leaf = cpuid_find(c, 0xd, XFEATURE_XTILE_CFG) != NULL,
		.data_leaf = cpuid_find(c, 0xd, XFEATURE_XTILE_DATA) != NULL,
	};

	free(c);
	return v;
}

FIXTURE(xtile_pair) {
	int unused;
};

FIXTURE_VARIANT(xtile_pair) {
	bool request_guest_perm;
};

FIXTURE_VARIANT_ADD(xtile_pair, before_guest_perm) { .request_guest_perm = false };
FIXTURE_VARIANT_ADD(xtile_pair, after_guest_perm) { .request_guest_perm = true };

FIXTURE_SETUP(xtile_pair)
{
	const char *why;

	REQUIRE_KVM();
	/* Without AMX on the host KVM can offer neither bit: nothing to check. */
	why = host_amx_missing();
	REQUIRE(!why, "%s", why);
	why = guest_perm_prctl_missing();
	REQUIRE(!why, "%s", why);
	if (variant->request_guest_perm)
		ASSERT_EQ(0, __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA));
}

FIXTURE_TEARDOWN(xtile_pair) {}

TEST_F(xtile_pair, never_xtile_cfg_without_xtile_data)
{
	struct xtile_view v = supported_xtile_view();

	TH_LOG("0xD.0 XTILE_CFG %d XTILE_DATA %d; subleaf 17 %d, subleaf 18 %d",
	       v.cfg, v.data, v.cfg_leaf, v.data_leaf);
	/* SDM 13.3: XCR0[18:17] is 00b or 11b, so KVM offers both bits or neither. */
	EXPECT_EQ(v.cfg, v.data);
	/* KVM lists a subleaf for each component it offers: both or neither. */
	EXPECT_EQ(v.cfg_leaf, v.data_leaf);
	/* api.rst: a requested dynamic feature is reported, so AMX shows after it. */
	if (variant->request_guest_perm)
		EXPECT_TRUE(v.cfg && v.data);
}

TEST_HARNESS_MAIN

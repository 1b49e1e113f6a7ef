// SPDX-License-Identifier: GPL-2.0
/*
 * The arch_prctl XSTATE interface a VMM reads before sizing guest state:
 * ARCH_GET_XCOMP_SUPP (what the kernel enabled in XCR0), ARCH_GET_XCOMP_PERM
 * and ARCH_GET_XCOMP_GUEST_PERM (what this process may use, on the host and
 * in guests), and the two requests. They must agree with the CPU (CPUID leaf
 * 0xD, XGETBV) and with each other, and a kernel without them must answer
 * EINVAL so that a VMM can tell "missing" from "refused".
 *
 * behaviour: xsave.xcomp_prctl_interface
 * rule: each ARCH_*_XCOMP_* prctl either works or answers EINVAL, the host
 *       ones together and the guest ones only with them; ARCH_GET_XCOMP_SUPP
 *       equals XCR0 and lies within CPUID 0xD.0 EDX:EAX; before any request
 *       the host and guest permissions are equal, within SUPP, hold x87 and
 *       SSE, and leave out only XFD-capable components; a granted request
 *       adds to its own permission only
 * source: Documentation/arch/x86/xstate.rst; commits 980fe2fddcff (guest
 *         permissions) and "x86/arch_prctl: Add controls for dynamic XSTATE
 *         components" (v5.16, db8268df0983 from memory, not verified here)
 * since: v5.18 for the whole rule: host prctls v5.16, guest prctls v5.17
 *        (980fe2fddcff), and v5.18-rc1 made a granted request add to the
 *        permission instead of replacing it ("x86/fpu/xstate: Fix the
 *        ARCH_REQ_XCOMP_PERM implementation", commit id not verified here)
 * before: v5.17: a granted request left only the requested components in
 *         the permission; v5.16 has no guest prctls (EINVAL); v5.15 and older
 *         answer EINVAL to all five
 */
#include <cpuid.h>
#include <errno.h>
#include <asm/prctl.h>

#include "test.h"
#include "xstate.h"

/* What each prctl answers here: GETs read a mask, requests ask for AMX. */
static int prctl_answer(int code)
{
	uint64_t mask;

	switch (code) {
	case ARCH_GET_XCOMP_SUPP:
		return __arch_get_xcomp_supp(&mask);
	case ARCH_GET_XCOMP_PERM:
		return __arch_get_xcomp_perm(&mask);
	case ARCH_REQ_XCOMP_PERM:
		return __arch_req_xcomp_perm(XFEATURE_XTILE_DATA);
	case ARCH_GET_XCOMP_GUEST_PERM:
		return __arch_get_xcomp_guest_perm(&mask);
	default:
		return __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA);
	}
}

static bool prctl_exists(int code)
{
	return prctl_answer(code) != -EINVAL;
}

FIXTURE(xcomp_prctl) {
	int unused;
};

FIXTURE_VARIANT(xcomp_prctl) {
	int code;
	int granted_or_refused;	/* a request's answer where AMX is missing */
};

FIXTURE_VARIANT_ADD(xcomp_prctl, get_supp) { .code = ARCH_GET_XCOMP_SUPP };
FIXTURE_VARIANT_ADD(xcomp_prctl, get_perm) { .code = ARCH_GET_XCOMP_PERM };
FIXTURE_VARIANT_ADD(xcomp_prctl, req_perm) {
	.code = ARCH_REQ_XCOMP_PERM, .granted_or_refused = -EOPNOTSUPP,
};
FIXTURE_VARIANT_ADD(xcomp_prctl, get_guest_perm) { .code = ARCH_GET_XCOMP_GUEST_PERM };
FIXTURE_VARIANT_ADD(xcomp_prctl, req_guest_perm) {
	.code = ARCH_REQ_XCOMP_GUEST_PERM, .granted_or_refused = -EOPNOTSUPP,
};

FIXTURE_SETUP(xcomp_prctl) {}
FIXTURE_TEARDOWN(xcomp_prctl) {}

TEST_F(xcomp_prctl, works_or_answers_einval)
{
	int r = prctl_answer(variant->code);

	TH_LOG("arch_prctl(0x%x) = %d", variant->code, r);
	/* A kernel without the prctl answers EINVAL; one with it answers 0,
	 * or for a request of AMX without AMX, EOPNOTSUPP. */
	EXPECT_TRUE(r == 0 || r == -EINVAL || (r && r == variant->granted_or_refused));
}

TEST(host_prctls_exist_together_and_guest_ones_only_with_them)
{
	bool supp = prctl_exists(ARCH_GET_XCOMP_SUPP);

	/* The three host prctls came in one release (v5.16). */
	EXPECT_EQ(supp, prctl_exists(ARCH_GET_XCOMP_PERM));
	EXPECT_EQ(supp, prctl_exists(ARCH_REQ_XCOMP_PERM));
	/* The guest pair came together, after the host ones (v5.17). */
	EXPECT_EQ(prctl_exists(ARCH_GET_XCOMP_GUEST_PERM),
		  prctl_exists(ARCH_REQ_XCOMP_GUEST_PERM));
	if (prctl_exists(ARCH_GET_XCOMP_GUEST_PERM))
		EXPECT_TRUE(supp);
}

static bool os_enabled_xsave(void)
{
	uint32_t r[4];

	host_cpuid(1, 0, r);
	return r[2] & bit_OSXSAVE;
}

static uint64_t user_xgetbv0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | ((uint64_t)hi << 32);
}

TEST(supp_is_xcr0_within_cpuid)
{
	uint64_t supp;
	int r = __arch_get_xcomp_supp(&supp);

	REQUIRE(r == 0, "ARCH_GET_XCOMP_SUPP fails with errno %d: kernel older than v5.16", -r);
	REQUIRE(os_enabled_xsave(), "CPUID.1:ECX.OSXSAVE is 0: the kernel did not enable XSAVE");
	TH_LOG("SUPP 0x%llx, XCR0 0x%llx, CPUID 0xD.0 0x%llx",
	       (unsigned long long)supp, (unsigned long long)user_xgetbv0(),
	       (unsigned long long)host_xcr0_mask());
	/* xstate.rst: SUPP is what the kernel enabled in XCR0. */
	EXPECT_EQ(user_xgetbv0(), supp);
	/* The kernel enables nothing the CPU does not enumerate. */
	EXPECT_EQ(0, supp & ~host_xcr0_mask());
	/* x87 and SSE are always supported (the legacy area). */
	EXPECT_EQ(XMASK(XFEATURE_FP) | XMASK(XFEATURE_SSE),
		  supp & (XMASK(XFEATURE_FP) | XMASK(XFEATURE_SSE)));
}

/* CPUID.(EAX=0DH,ECX=i):ECX[2]: XFD can arm a fault for component i. */
static bool xfd_capable(unsigned int f)
{
	uint32_t r[4];

	host_cpuid(0xd, f, r);
	return r[2] & (1u << 2);
}

TEST(default_permissions_agree)
{
	uint64_t supp, perm, guest_perm;
	const char *why = guest_perm_prctl_missing();
	unsigned int f;

	REQUIRE(!why, "%s", why);
	ASSERT_EQ(0, __arch_get_xcomp_supp(&supp));
	ASSERT_EQ(0, __arch_get_xcomp_perm(&perm));
	ASSERT_EQ(0, __arch_get_xcomp_guest_perm(&guest_perm));
	TH_LOG("SUPP 0x%llx PERM 0x%llx GUEST_PERM 0x%llx", (unsigned long long)supp,
	       (unsigned long long)perm, (unsigned long long)guest_perm);
	/* xstate.rst: both start from the same defaults, until a request. */
	EXPECT_EQ(perm, guest_perm);
	/* Nothing is permitted that is not supported. */
	EXPECT_EQ(0, perm & ~supp);
	/* x87 and SSE never need a request. */
	EXPECT_EQ(XMASK(XFEATURE_FP) | XMASK(XFEATURE_SSE),
		  perm & (XMASK(XFEATURE_FP) | XMASK(XFEATURE_SSE)));
	/* Only a component XFD can trap can be left out of the defaults. */
	for (f = 2; f < 64; f++) {
		if (!((supp & ~perm) & XMASK(f)))
			continue;
		EXPECT_TRUE(xfd_capable(f)) {
			TH_LOG("%s is not permitted by default, yet CPUID "
			       "0xD.%u ECX[2] says XFD cannot trap it", xfeature_name(f), f);
		}
	}
}

TEST(requests_add_to_their_own_permission_only)
{
	uint64_t perm, guest_perm, now;
	const char *why = guest_perm_prctl_missing();

	REQUIRE(!why, "%s", why);
	why = host_amx_missing();
	REQUIRE(!why, "%s", why);
	ASSERT_EQ(0, __arch_get_xcomp_perm(&perm));
	ASSERT_EQ(0, __arch_get_xcomp_guest_perm(&guest_perm));
	ASSERT_EQ(0, __arch_req_xcomp_perm(XFEATURE_XTILE_DATA));
	/* A granted host request adds AMX to the host permission, keeping the rest. */
	ASSERT_EQ(0, __arch_get_xcomp_perm(&now));
	EXPECT_EQ(perm | XFEATURE_MASK_XTILE, now);
	/* xstate.rst: guest permission is managed separately from the host's. */
	ASSERT_EQ(0, __arch_get_xcomp_guest_perm(&now));
	EXPECT_EQ(guest_perm, now);
	ASSERT_EQ(0, __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA));
	ASSERT_EQ(0, __arch_get_xcomp_guest_perm(&now));
	EXPECT_EQ(guest_perm | XFEATURE_MASK_XTILE, now);
}

TEST_HARNESS_MAIN

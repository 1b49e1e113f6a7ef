// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_XCRS reports the vCPU's XCR0 and KVM_SET_XCRS sets it, so a VMM
 * moves XCR0 with the rest of the vCPU. KVM_SET_XCRS applies the checks the
 * guest's XSETBV gets (__kvm_set_xcr): x87 always on, AVX only with SSE,
 * AVX-512 only whole and with AVX, AMX only as the XTILE_CFG + XTILE_DATA
 * pair, and no bit outside what the guest's CPUID leaf 0xD offers.
 * A refused value is EINVAL and leaves XCR0 as it was.
 *
 * behaviour: xsave.xcrs_roundtrip
 * rule: KVM_GET_XCRS returns the XCR0 that KVM_SET_XCRS set, also in a new
 *       vCPU; KVM_SET_XCRS refuses with EINVAL an XCR0 with unsupported
 *       bits or with only one of the two AMX bits, leaving XCR0 unchanged
 * source: Documentation/virt/kvm/api.rst "4.44 KVM_GET_XCRS", "4.45
 *         KVM_SET_XCRS"; arch/x86/kvm/x86.c __kvm_set_xcr(); SDM vol. 1
 *         13.3 "Enabling the XSAVE Feature Set" (XSETBV #GP conditions)
 * since: v2.6.36 for KVM_GET/SET_XCRS and the unsupported-bit check (KVM_CAP_XCRS);
 *        v5.17 for the AMX pair (the AMX enabling series; commit unsure)
 * before: kernels without AMX support know no XTILE bit, which is then
 *         simply unsupported
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "xsave_buf.h"

#define XCR_XFEATURE_ENABLED_MASK 0

static uint64_t vcpu_get_xcr0(struct vcpu *vcpu)
{
	struct kvm_xcrs xcrs;
	uint32_t i;

	memset(&xcrs, 0, sizeof(xcrs));
	vcpu_ioctl(vcpu, KVM_GET_XCRS, &xcrs);
	for (i = 0; i < xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++)
		if (xcrs.xcrs[i].xcr == XCR_XFEATURE_ENABLED_MASK)
			return xcrs.xcrs[i].value;
	kvmabi_fail("KVM_GET_XCRS has no XCR0 among its %u entries", xcrs.nr_xcrs);
}

static int __vcpu_set_xcr0(struct vcpu *vcpu, uint64_t xcr0)
{
	struct kvm_xcrs xcrs;

	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
	xcrs.xcrs[0].value = xcr0;
	return __vcpu_ioctl(vcpu, KVM_SET_XCRS, &xcrs);
}

FIXTURE(xcrs) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_SETUP(xcrs)
{
	REQUIRE_CAP(KVM_CAP_XCRS);
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, NULL);
}

FIXTURE_TEARDOWN(xcrs)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(xcrs, get_returns_each_xcr0_set)
{
	uint64_t offered = vcpu_cpuid_xcr0(self->vcpu);
	uint64_t values[] = { XMASK(XFEATURE_FP), XFEATURE_MASK_FPSSE, offered };
	unsigned int i;

	ASSERT_NE(0, offered & XMASK(XFEATURE_SSE))
		TH_LOG("the vCPU's CPUID leaf 0xD offers no SSE: %s",
		       xfeature_mask_names(offered));
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		ASSERT_EQ(0, __vcpu_set_xcr0(self->vcpu, values[i]))
			TH_LOG("KVM_SET_XCRS refused XCR0 %s", xfeature_mask_names(values[i]));
		/* KVM_GET_XCRS returns the XCR0 just set. */
		EXPECT_EQ(values[i], vcpu_get_xcr0(self->vcpu));
	}
}

TEST_F(xcrs, xcr0_moves_to_a_new_vcpu)
{
	uint64_t offered = vcpu_cpuid_xcr0(self->vcpu);
	struct kvm_xcrs saved;
	struct vm *vm2;
	struct vcpu *vcpu2;

	ASSERT_EQ(0, __vcpu_set_xcr0(self->vcpu, offered));
	memset(&saved, 0, sizeof(saved));
	vcpu_ioctl(self->vcpu, KVM_GET_XCRS, &saved);
	vm2 = vm_create();
	vcpu2 = vcpu_add(vm2, NULL);
	/* What KVM_GET_XCRS gave loads into a fresh vCPU and reads back equal. */
	ASSERT_EQ(0, __vcpu_ioctl(vcpu2, KVM_SET_XCRS, &saved));
	EXPECT_EQ(offered, vcpu_get_xcr0(vcpu2));
	vcpu_free(vcpu2);
	vm_free(vm2);
}

/* Bad XCR0 values; each returns 0 and sets *why when this host cannot
 * build it. offered is the vCPU's CPUID leaf 0xD. */
struct bad_ctx {
	uint64_t offered;
	const char *why;
};

static uint64_t need(struct bad_ctx *c, uint64_t mask, const char *what)
{
	if ((c->offered & mask) != mask) {
		c->why = what;
		return 0;
	}
	return mask;
}

/* The lowest xfeature the guest is not offered, with its pair partner
 * (MPX, AMX) so that only "unsupported" is wrong with it. */
static uint64_t unsupported_bit(struct bad_ctx *c)
{
	uint64_t bit = lowest_xfeature(~c->offered & ~XFEATURE_MASK_FPSSE);

	if (bit & (XMASK(XFEATURE_BNDREGS) | XMASK(XFEATURE_BNDCSR)))
		bit = XMASK(XFEATURE_BNDREGS) | XMASK(XFEATURE_BNDCSR);
	if (bit & XFEATURE_MASK_XTILE)
		bit = XFEATURE_MASK_XTILE;
	return c->offered | bit;
}

static uint64_t reserved_bit_63(struct bad_ctx *c)
{
	return c->offered | XMASK(63);
}

static uint64_t x87_clear(struct bad_ctx *c)
{
	return XMASK(XFEATURE_SSE);
}

static uint64_t avx_without_sse(struct bad_ctx *c)
{
	return need(c, XMASK(XFEATURE_YMM), "the vCPU is not offered AVX") ?
	       XMASK(XFEATURE_FP) | XMASK(XFEATURE_YMM) : 0;
}

static uint64_t avx512_opmask_only(struct bad_ctx *c)
{
	return need(c, XFEATURE_MASK_AVX512, "the vCPU is not offered AVX-512") ?
	       XFEATURE_MASK_FPSSE | XMASK(XFEATURE_YMM) | XMASK(XFEATURE_OPMASK) : 0;
}

static uint64_t xtile_cfg_only(struct bad_ctx *c)
{
	return need(c, XFEATURE_MASK_XTILE, "the vCPU is not offered AMX") ?
	       XFEATURE_MASK_FPSSE | XMASK(XFEATURE_XTILE_CFG) : 0;
}

static uint64_t xtile_data_only(struct bad_ctx *c)
{
	return need(c, XFEATURE_MASK_XTILE, "the vCPU is not offered AMX") ?
	       XFEATURE_MASK_FPSSE | XMASK(XFEATURE_XTILE_DATA) : 0;
}

FIXTURE(bad_xcr0) {
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t xcr0;
};

FIXTURE_VARIANT(bad_xcr0) {
	uint64_t (*value)(struct bad_ctx *c);
	bool amx;	/* needs the AMX guest permission first */
};

FIXTURE_VARIANT_ADD(bad_xcr0, unsupported_xfeature) { .value = unsupported_bit };
FIXTURE_VARIANT_ADD(bad_xcr0, reserved_bit_63) { .value = reserved_bit_63 };
FIXTURE_VARIANT_ADD(bad_xcr0, x87_clear) { .value = x87_clear };
FIXTURE_VARIANT_ADD(bad_xcr0, avx_without_sse) { .value = avx_without_sse };
FIXTURE_VARIANT_ADD(bad_xcr0, avx512_opmask_only) { .value = avx512_opmask_only };
FIXTURE_VARIANT_ADD(bad_xcr0, xtile_cfg_without_xtile_data) {
	.value = xtile_cfg_only, .amx = true,
};
FIXTURE_VARIANT_ADD(bad_xcr0, xtile_data_without_xtile_cfg) {
	.value = xtile_data_only, .amx = true,
};

FIXTURE_SETUP(bad_xcr0)
{
	struct bad_ctx c = { 0 };

	REQUIRE_CAP(KVM_CAP_XCRS);
	if (variant->amx) {
		const char *why = amx_request_guest_perm();

		REQUIRE(!why, "%s", why);
	}
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, NULL);
	c.offered = vcpu_cpuid_xcr0(self->vcpu);
	self->xcr0 = variant->value(&c);
	REQUIRE(!c.why, "%s (its CPUID leaf 0xD has %s)", c.why,
		xfeature_mask_names(c.offered));
}

FIXTURE_TEARDOWN(bad_xcr0)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(bad_xcr0, einval_and_xcr0_unchanged)
{
	uint64_t before = vcpu_get_xcr0(self->vcpu);

	/* An XCR0 that XSETBV would #GP on is refused. */
	EXPECT_EQ(-EINVAL, __vcpu_set_xcr0(self->vcpu, self->xcr0))
		TH_LOG("KVM_SET_XCRS accepted XCR0 0x%llx (%s)",
		       (unsigned long long)self->xcr0, xfeature_mask_names(self->xcr0));
	/* The refused value did not replace XCR0. */
	EXPECT_EQ(before, vcpu_get_xcr0(self->vcpu));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_XSAVE takes the standard (non-compacted) XSAVE format only and
 * validates its header the way XRSTOR would: XCOMP_BV must be zero (in
 * particular its bit 63, "compacted format", must be clear), the 48
 * reserved header bytes must be zero, and MXCSR must have no bit outside
 * the CPU's MXCSR_MASK. Anything else is EINVAL rather than a #GP when the
 * vCPU next runs.
 *
 * behaviour: xsave.set_header_validation
 * rule: KVM_SET_XSAVE fails with EINVAL for a non-zero xcomp_bv, the
 *       compacted-format bit, non-zero reserved header bytes, or reserved
 *       MXCSR bits, and accepts the same buffer without them
 * source: commit ea4d6938d4c0 ("x86/fpu: Replace KVMs home brewed FPU copy
 *         from user"): KVM_SET_XSAVE goes through copy_uabi_to_xstate() and
 *         validate_user_xstate_header(); SDM vol. 1 13.4.2 "XSAVE Header"
 * since: v5.16 (ea4d6938d4c0) for xcomp_bv and the reserved header bytes;
 *        reserved MXCSR bits gave EINVAL already in v5.10 (commit unsure)
 * before: v5.15 and older ignored xcomp_bv and the reserved header bytes
 *         (KVM's load_xsave() copied only xstate_bv and the components) and
 *         returned 0; they checked MXCSR whatever xstate_bv held, v5.16 and
 *         later only when x87, SSE or AVX is in xstate_bv (as here)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "xsave_buf.h"

#define SEED 0x33
#define HDR_RESERVED_OFFSET (XSAVE_HDR_OFFSET + 16)	/* after xstate_bv, xcomp_bv */
#define HDR_RESERVED_BYTES 48
#define FXSAVE_MXCSR_MASK_DEFAULT 0xffbf	/* SDM: a zero MXCSR_MASK means this */

static void no_change(struct kvm_xsave *x)
{
	(void)x;
}

static void xcomp_bv_nonzero(struct kvm_xsave *x)
{
	XSAVE_XCOMP_BV(x) = XSAVE_XSTATE_BV(x);
}

static void xcomp_bv_compacted(struct kvm_xsave *x)
{
	XSAVE_XCOMP_BV(x) = XSAVE_XCOMP_BV_COMPACTED | XSAVE_XSTATE_BV(x);
}

static void reserved_first_byte(struct kvm_xsave *x)
{
	((uint8_t *)x)[HDR_RESERVED_OFFSET] = 1;
}

static void reserved_last_byte(struct kvm_xsave *x)
{
	((uint8_t *)x)[HDR_RESERVED_OFFSET + HDR_RESERVED_BYTES - 1] = 0x80;
}

/* The CPU's MXCSR_MASK, from an FXSAVE of our own state. */
static uint32_t host_mxcsr_mask(void)
{
	uint8_t area[512] __attribute__((aligned(16)));
	uint32_t mask;

	memset(area, 0, sizeof(area));
	asm volatile("fxsave %0" : "=m"(area));
	memcpy(&mask, area + XSAVE_MXCSR_MASK_OFFSET, sizeof(mask));
	return mask ? mask : FXSAVE_MXCSR_MASK_DEFAULT;
}

static void mxcsr_reserved_bit(struct kvm_xsave *x)
{
	uint32_t *mxcsr = (uint32_t *)((uint8_t *)x + XSAVE_MXCSR_OFFSET);
	uint32_t reserved = ~host_mxcsr_mask();

	*mxcsr = MXCSR_DEFAULT | (reserved & -reserved);
}

FIXTURE(header) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_VARIANT(header) {
	void (*corrupt)(struct kvm_xsave *x);
	int expect;	/* 0 or -errno */
};

/* The control: the unchanged buffer loads. */
FIXTURE_VARIANT_ADD(header, valid_header_accepted) {
	.corrupt = no_change, .expect = 0,
};

FIXTURE_VARIANT_ADD(header, xcomp_bv_nonzero) {
	.corrupt = xcomp_bv_nonzero, .expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(header, xcomp_bv_compacted_format) {
	.corrupt = xcomp_bv_compacted, .expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(header, reserved_header_first_byte) {
	.corrupt = reserved_first_byte, .expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(header, reserved_header_last_byte) {
	.corrupt = reserved_last_byte, .expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(header, mxcsr_reserved_bit) {
	.corrupt = mxcsr_reserved_bit, .expect = -EINVAL,
};

FIXTURE_SETUP(header)
{
	REQUIRE_CAP(KVM_CAP_XSAVE);
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, NULL);
}

FIXTURE_TEARDOWN(header)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(header, set_xsave_checks_header)
{
	uint32_t size = vm_xsave_size(self->vm);
	struct kvm_xsave *x = vcpu_get_xsave(self->vcpu, &size);
	int r;

	/* x87 and SSE in xstate_bv, so MXCSR is checked on every kernel. */
	xsave_put_features(x, XFEATURE_MASK_FPSSE, SEED);
	variant->corrupt(x);
	r = __vcpu_set_xsave(self->vcpu, x);
	/* Only a well-formed standard-format header loads; each flaw is EINVAL. */
	EXPECT_EQ(variant->expect, r)
		TH_LOG("KVM_SET_XSAVE returned %d (%s); xstate_bv 0x%llx xcomp_bv 0x%llx",
		       r, r ? strerror(-r) : "success",
		       (unsigned long long)XSAVE_XSTATE_BV(x),
		       (unsigned long long)XSAVE_XCOMP_BV(x));
	free(x);
}

TEST_HARNESS_MAIN

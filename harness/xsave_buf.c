// SPDX-License-Identifier: GPL-2.0
/* XSAVE buffers and xfeature-hiding guest CPUID (see xsave_buf.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsave_buf.h"

/* Legacy area (FXSAVE layout): FTW abridged byte, ST0-7 in 16-byte slots. */
#define FXSAVE_FTW_OFFSET	4
#define FXSAVE_ST_OFFSET	32
#define FXSAVE_ST_SLOT		16

struct kvm_xsave *xsave_buf_alloc(uint32_t size)
{
	struct kvm_xsave *x = calloc(1, size);

	if (!x)
		kvmabi_error("out of memory for a %u-byte XSAVE buffer", size);
	return x;
}

struct kvm_xsave *xsave_buf_dup(const struct kvm_xsave *x, uint32_t size)
{
	struct kvm_xsave *d = xsave_buf_alloc(size);

	memcpy(d, x, size);
	return d;
}

int __vcpu_get_xsave_with(struct vcpu *vcpu, unsigned long ioctl_nr,
			  struct kvm_xsave *x)
{
	return __vcpu_ioctl(vcpu, ioctl_nr, x);
}

int __vcpu_set_xsave(struct vcpu *vcpu, const struct kvm_xsave *x)
{
	return __vcpu_ioctl(vcpu, KVM_SET_XSAVE, (void *)x);
}

uint8_t *xsave_component(struct kvm_xsave *x, unsigned int f)
{
	return (uint8_t *)x + host_xstate_offset(f);
}

uint32_t xsave_component_size(unsigned int f)
{
	return host_xstate_size(f);
}

/* ST0-7 as normal extended-precision numbers: integer bit set, biased
 * exponent near 1.0, so FLD/XRSTOR keep them bit for bit. */
static void fill_x87(struct kvm_xsave *x, uint8_t seed)
{
	uint8_t *legacy = (uint8_t *)x;
	int i;

	for (i = 0; i < 8; i++) {
		uint8_t *st = legacy + FXSAVE_ST_OFFSET + i * FXSAVE_ST_SLOT;
		uint64_t mantissa = 0x8000000000000000ULL |
				    (0x0101010101010101ULL * (uint8_t)(seed + i));
		uint16_t sign_exp = 0x3fff + seed + i;

		memset(st, 0, FXSAVE_ST_SLOT);
		memcpy(st, &mantissa, 8);
		memcpy(st + 8, &sign_exp, 2);
	}
	legacy[FXSAVE_FTW_OFFSET] = 0xff;	/* all eight registers valid */
}

static void fill_bytes(uint8_t *p, uint32_t size, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(seed + i * 7) | 1;	/* never 0: not init */
}

void xsave_put_features(struct kvm_xsave *x, uint64_t mask, uint8_t seed)
{
	uint32_t *mxcsr = (uint32_t *)((uint8_t *)x + XSAVE_MXCSR_OFFSET);
	unsigned int f;

	for (f = 0; f < 64; f++) {
		if (!(mask & XMASK(f)))
			continue;
		if (f == XFEATURE_FP)
			fill_x87(x, seed);
		else
			fill_bytes(xsave_component(x, f), xsave_component_size(f),
				   seed + f);
	}
	if ((mask & XFEATURE_MASK_FPSSE) && !*mxcsr)
		*mxcsr = MXCSR_DEFAULT;
	XSAVE_XSTATE_BV(x) |= mask;
}

uint64_t xsave_fillable_features(void)
{
	return kvm_supported_xcr0() & host_xcr0_mask() & ~XFEATURE_MASK_XTILE;
}

/* CPUID bits that enumerate each xfeature group (SDM vol. 2, CPUID). */
struct feature_flag {
	uint64_t xfeatures;
	uint32_t leaf, subleaf;
	int reg;		/* 0 eax .. 3 edx */
	uint32_t bits;
};

#define B(n) (1u << (n))
static const struct feature_flag flags[] = {
	/* AVX, FMA, F16C; AVX2 */
	{ XMASK(XFEATURE_YMM), 1, 0, 2, B(28) | B(12) | B(29) },
	{ XMASK(XFEATURE_YMM), 7, 0, 1, B(5) },
	/* AVX512F, DQ, IFMA, PF, ER, CD, BW, VL */
	{ XFEATURE_MASK_AVX512, 7, 0, 1,
	  B(16) | B(17) | B(21) | B(26) | B(27) | B(28) | B(30) | B(31) },
	/* AVX512_VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
	{ XFEATURE_MASK_AVX512, 7, 0, 2, B(1) | B(6) | B(11) | B(12) | B(14) },
	/* AVX512_4VNNIW, 4FMAPS, VP2INTERSECT, FP16 */
	{ XFEATURE_MASK_AVX512, 7, 0, 3, B(2) | B(3) | B(8) | B(23) },
	/* AVX512_BF16 */
	{ XFEATURE_MASK_AVX512, 7, 1, 0, B(5) },
	/* PKU, OSPKE */
	{ XMASK(XFEATURE_PKRU), 7, 0, 2, B(3) | B(4) },
	/* AMX_BF16, AMX_TILE, AMX_INT8 */
	{ XFEATURE_MASK_XTILE, 7, 0, 3, B(22) | B(24) | B(25) },
};
#undef B

static uint32_t *entry_reg(struct kvm_cpuid_entry2 *e, int reg)
{
	uint32_t *regs[] = { &e->eax, &e->ebx, &e->ecx, &e->edx };

	return regs[reg];
}

struct kvm_cpuid2 *cpuid_hide_xfeatures(const struct kvm_cpuid2 *cpuid,
					uint64_t mask)
{
	struct kvm_cpuid2 *c = cpuid_dup(cpuid);
	struct kvm_cpuid_entry2 *e;
	uint64_t left;
	unsigned int i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		e = cpuid_find(c, flags[i].leaf, flags[i].subleaf);
		if (e && (flags[i].xfeatures & mask))
			*entry_reg(e, flags[i].reg) &= ~flags[i].bits;
	}
	for (i = 2; i < 64; i++) {
		e = cpuid_find(c, 0xd, i);
		if (e && (mask & XMASK(i)) && e->index == i)
			e->eax = e->ebx = e->ecx = e->edx = 0;
	}
	e = cpuid_find(c, 0xd, 0);
	if (e) {
		left = (e->eax | ((uint64_t)e->edx << 32)) & ~mask;
		e->eax = (uint32_t)left;
		e->edx = (uint32_t)(left >> 32);
		e->ecx = xsave_std_size(left);
	}
	return c;
}

uint64_t vcpu_cpuid_xcr0(struct vcpu *vcpu)
{
	uint32_t nent = kvm_supported_cpuid()->nent;
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 *c;
	uint64_t xcr0;
	int r;

	for (;;) {
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			kvmabi_error("out of memory");
		c->nent = nent;
		r = __vcpu_ioctl(vcpu, KVM_GET_CPUID2, c);
		if (r != -E2BIG)
			break;
		free(c);
		nent *= 2;
	}
	if (r < 0)
		kvmabi_fail("KVM_GET_CPUID2 failed: errno %d (%s)", -r, strerror(-r));
	e = cpuid_find(c, 0xd, 0);
	xcr0 = e ? e->eax | ((uint64_t)e->edx << 32) : 0;
	free(c);
	return xcr0;
}

const char *vcpu_hide_xfeatures(struct vcpu *vcpu, uint64_t mask)
{
	static char why[160];
	struct kvm_cpuid2 *c = cpuid_hide_xfeatures(kvm_supported_cpuid(), mask);
	uint64_t left;
	int r = __vcpu_set_cpuid(vcpu, c);

	free(c);
	if (r) {
		snprintf(why, sizeof(why), "KVM_SET_CPUID2 without %s fails: errno %d",
			 xfeature_mask_names(mask), -r);
		return why;
	}
	left = vcpu_cpuid_xcr0(vcpu) & mask;
	if (!left)
		return NULL;
	snprintf(why, sizeof(why), "KVM_SET_CPUID2 without %s returned 0 but "
		 "KVM_GET_CPUID2 leaf 0xD still has it: this KVM ignores the "
		 "guest CPUID", xfeature_mask_names(left));
	return why;
}

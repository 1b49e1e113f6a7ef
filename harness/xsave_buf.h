/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Standard-format buffers for KVM_GET_XSAVE, KVM_GET_XSAVE2 and
 * KVM_SET_XSAVE (api.rst 4.42, 4.43, 4.134), and guest CPUID tables that
 * hide xfeatures from the guest. Component offsets are the host's CPUID
 * leaf 0xD ones, as api.rst says.
 */
#ifndef KVMABI_XSAVE_BUF_H
#define KVMABI_XSAVE_BUF_H

#include "kvm.h"
#include "xstate.h"

#define XSAVE_LEGACY_SIZE	4096	/* sizeof(struct kvm_xsave) */
#define MXCSR_DEFAULT		0x1f80
#define XFEATURE_MASK_FPSSE	(XMASK(XFEATURE_FP) | XMASK(XFEATURE_SSE))

/* Zeroed buffer of size bytes; never fails. */
struct kvm_xsave *xsave_buf_alloc(uint32_t size);
struct kvm_xsave *xsave_buf_dup(const struct kvm_xsave *x, uint32_t size);

/* Raw KVM_GET_XSAVE (4096 bytes) or KVM_GET_XSAVE2 (size of the VM's
 * KVM_CAP_XSAVE2): 0 or -errno. */
int __vcpu_get_xsave_with(struct vcpu *vcpu, unsigned long ioctl_nr,
			  struct kvm_xsave *x);
int __vcpu_set_xsave(struct vcpu *vcpu, const struct kvm_xsave *x);

/* Where component f lies in a standard-format buffer, and its size. */
uint8_t *xsave_component(struct kvm_xsave *x, unsigned int f);
uint32_t xsave_component_size(unsigned int f);

/*
 * Sets the xstate_bv bits of mask and fills each of those components with
 * a pattern derived from seed that any CPU loads as is (x87 registers get
 * normal extended-precision numbers). Not for XTILE_CFG, whose contents
 * XRSTOR checks.
 */
void xsave_put_features(struct kvm_xsave *x, uint64_t mask, uint8_t seed);

/* The xfeatures xsave_put_features() can fill that KVM offers (leaf 0xD of
 * KVM_GET_SUPPORTED_CPUID): all but AMX, whose tile config XRSTOR checks. */
uint64_t xsave_fillable_features(void);

/* The lowest set bit of mask as a mask, 0 for 0. */
static inline uint64_t lowest_xfeature(uint64_t mask)
{
	return mask & -mask;
}

/*
 * A copy of cpuid in which the guest no longer has the xfeatures in mask:
 * cleared from leaf 0xD subleaf 0 (which is what KVM derives the guest's
 * supported XCR0 from), their subleaves emptied, the maximum size adjusted,
 * and the feature flags that enumerate them (AVX, AVX-512, PKU, AMX)
 * cleared. Free with free().
 */
struct kvm_cpuid2 *cpuid_hide_xfeatures(const struct kvm_cpuid2 *cpuid,
					uint64_t mask);

/*
 * Gives the vCPU (not yet run) KVM's supported CPUID minus the xfeatures in
 * mask, then reads it back with KVM_GET_CPUID2. NULL when the vCPU's leaf
 * 0xD no longer has them, else why not (KVM_SET_CPUID2 refused, or
 * accepted without effect), in a static buffer.
 */
const char *vcpu_hide_xfeatures(struct vcpu *vcpu, uint64_t mask);
/* The vCPU's CPUID leaf 0xD subleaf 0 EDX:EAX, from KVM_GET_CPUID2. */
uint64_t vcpu_cpuid_xcr0(struct vcpu *vcpu);

#endif

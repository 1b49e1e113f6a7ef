/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XSAVE state components: their numbers, the host's and KVM's view of them
 * (CPUID leaf 0xD), the arch_prctl permission interface (v5.16+; its guest
 * variants v5.17+, 980fe2fddcff)
 * and the layout of the standard-format buffer KVM_GET/SET_XSAVE use.
 */
#ifndef KVMABI_XSTATE_H
#define KVMABI_XSTATE_H

#include <stdint.h>
#include "kvm.h"

enum xfeature {
	XFEATURE_FP, XFEATURE_SSE, XFEATURE_YMM, XFEATURE_BNDREGS,
	XFEATURE_BNDCSR, XFEATURE_OPMASK, XFEATURE_ZMM_HI256,
	XFEATURE_HI16_ZMM, XFEATURE_PT, XFEATURE_PKRU, XFEATURE_PASID,
	XFEATURE_CET_USER, XFEATURE_CET_KERNEL, XFEATURE_HDC,
	XFEATURE_UINTR, XFEATURE_LBR, XFEATURE_HWP, XFEATURE_XTILE_CFG,
	XFEATURE_XTILE_DATA, XFEATURE_APX,
	XFEATURE_MAX_KNOWN = 64,
};
#define XMASK(f) (1ULL << (f))
#define XFEATURE_MASK_XTILE (XMASK(XFEATURE_XTILE_CFG) | XMASK(XFEATURE_XTILE_DATA))
#define XFEATURE_MASK_AVX512 (XMASK(XFEATURE_OPMASK) | \
	XMASK(XFEATURE_ZMM_HI256) | XMASK(XFEATURE_HI16_ZMM))

/* Standard (non-compacted) format: legacy area, then the 64-byte header. */
#define XSAVE_MXCSR_OFFSET	24
#define XSAVE_MXCSR_MASK_OFFSET	28
#define XSAVE_HDR_OFFSET	512
#define XSAVE_HDR_SIZE		64
#define XSAVE_XSTATE_BV(buf)	(*(uint64_t *)((uint8_t *)(buf) + XSAVE_HDR_OFFSET))
#define XSAVE_XCOMP_BV(buf)	(*(uint64_t *)((uint8_t *)(buf) + XSAVE_HDR_OFFSET + 8))
#define XSAVE_XCOMP_BV_COMPACTED (1ULL << 63)

const char *xfeature_name(unsigned int f);
/* Names of every bit of a mask, "x87|SSE|AVX", in a static buffer. */
const char *xfeature_mask_names(uint64_t mask);

/* Host CPUID leaf 0xD: supported user (XCR0) and supervisor (IA32_XSS)
 * components, and each component's standard-format offset and size. */
uint64_t host_xcr0_mask(void);
uint64_t host_xss_mask(void);
uint32_t host_xstate_offset(unsigned int f);
uint32_t host_xstate_size(unsigned int f);
/* Size of a standard-format buffer holding the components in mask:
 * the furthest end of any component, at least 512 + 64. */
uint32_t xsave_std_size(uint64_t mask);

/* KVM_GET_SUPPORTED_CPUID leaf 0xD subleaf 0 EDX:EAX, asked afresh each
 * call (the answer follows the process's guest permissions, v5.17+). */
uint64_t kvm_supported_xcr0(void);

/* arch_prctl(2) XSTATE permissions; raw: 0 or -errno. */
int __arch_get_xcomp_supp(uint64_t *mask);
int __arch_get_xcomp_perm(uint64_t *mask);
int __arch_req_xcomp_perm(unsigned int f);
int __arch_get_xcomp_guest_perm(uint64_t *mask);
int __arch_req_xcomp_guest_perm(unsigned int f);
/* Dynamic (XFD-governed) features: ARCH_GET_XCOMP_SUPP minus those
 * already in ARCH_GET_XCOMP_GUEST_PERM before any request; 0 if the
 * interface is missing. Cached at the first call, which must come before
 * the process requests both host and guest permission for a feature. */
uint64_t xstate_dynamic_features(void);

/* Supervisor (IA32_XSS) components the SDM defines: never in XCR0. */
#define XFEATURE_MASK_SUPERVISOR_KNOWN (XMASK(XFEATURE_PT) | \
	XMASK(XFEATURE_PASID) | XMASK(XFEATURE_CET_USER) | \
	XMASK(XFEATURE_CET_KERNEL) | XMASK(XFEATURE_HDC) | \
	XMASK(XFEATURE_UINTR) | XMASK(XFEATURE_LBR) | XMASK(XFEATURE_HWP))

/* The uABI size of a buffer holding the user components in mask:
 * xsave_std_size(mask), at least sizeof(struct kvm_xsave). */
uint32_t xsave_uabi_size(uint64_t mask);
/* Leaf 0xD subleaf 0 EDX:EAX of a CPUID table; 0 without that entry. */
uint64_t cpuid_xcr0(struct kvm_cpuid2 *c);
/* NULL when ARCH_GET_XCOMP_SUPP has both AMX components, else why not
 * ("host lacks AMX: ARCH_GET_XCOMP_SUPP 0x... has no bit 18 (XTILE_DATA)"). */
const char *host_amx_missing(void);
/* For a test that needs AMX in its guest: NULL once this process holds the
 * guest permission for XTILE_DATA (it must come before the first vCPU),
 * else the exact reason it cannot. */
const char *amx_request_guest_perm(void);
/* NULL when ARCH_GET_XCOMP_GUEST_PERM works, else why not. */
const char *guest_perm_prctl_missing(void);

#endif

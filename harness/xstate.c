// SPDX-License-Identifier: GPL-2.0
/*
 * XSAVE state components as the host CPU, the kernel's arch_prctl
 * permission interface and KVM each describe them (see xstate.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/prctl.h>

#include "xstate.h"

static const char *const names[] = {
	[XFEATURE_FP] = "x87",
	[XFEATURE_SSE] = "SSE",
	[XFEATURE_YMM] = "AVX",
	[XFEATURE_BNDREGS] = "MPX_BNDREGS",
	[XFEATURE_BNDCSR] = "MPX_BNDCSR",
	[XFEATURE_OPMASK] = "AVX512_OPMASK",
	[XFEATURE_ZMM_HI256] = "AVX512_ZMM_HI256",
	[XFEATURE_HI16_ZMM] = "AVX512_HI16_ZMM",
	[XFEATURE_PT] = "PT",
	[XFEATURE_PKRU] = "PKRU",
	[XFEATURE_PASID] = "PASID",
	[XFEATURE_CET_USER] = "CET_USER",
	[XFEATURE_CET_KERNEL] = "CET_KERNEL",
	[XFEATURE_HDC] = "HDC",
	[XFEATURE_UINTR] = "UINTR",
	[XFEATURE_LBR] = "LBR",
	[XFEATURE_HWP] = "HWP",
	[XFEATURE_XTILE_CFG] = "XTILE_CFG",
	[XFEATURE_XTILE_DATA] = "XTILE_DATA",
	[XFEATURE_APX] = "APX",
};

const char *xfeature_name(unsigned int f)
{
	static char unknown[4][16];
	static unsigned int next;
	char *buf;

	if (f < sizeof(names) / sizeof(names[0]) && names[f])
		return names[f];
	/* A few rotating buffers: a caller may print several at once. */
	buf = unknown[next++ % 4];
	snprintf(buf, sizeof(unknown[0]), "bit%u", f);
	return buf;
}

const char *xfeature_mask_names(uint64_t mask)
{
	static char buf[512];
	size_t len = 0;
	unsigned int f;

	buf[0] = '\0';
	if (!mask)
		return "none";
	for (f = 0; f < 64; f++) {
		if (!(mask & XMASK(f)))
			continue;
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s",
				len ? "|" : "", xfeature_name(f));
		if (len >= sizeof(buf))
			break;
	}
	return buf;
}

static bool host_has_xsave_leaf(void)
{
	uint32_t r[4];

	host_cpuid(0, 0, r);
	return r[0] >= 0xd;
}

uint64_t host_xcr0_mask(void)
{
	uint32_t r[4];

	if (!host_has_xsave_leaf())
		return 0;
	host_cpuid(0xd, 0, r);
	return r[0] | ((uint64_t)r[3] << 32);
}

uint64_t host_xss_mask(void)
{
	uint32_t r[4];

	if (!host_has_xsave_leaf())
		return 0;
	host_cpuid(0xd, 1, r);
	return r[2] | ((uint64_t)r[3] << 32);
}

/* SDM: CPUID.(EAX=0DH,ECX=i), i >= 2: EAX size, EBX standard-format offset. */
uint32_t host_xstate_offset(unsigned int f)
{
	uint32_t r[4];

	if (f == XFEATURE_FP)
		return 0;
	if (f == XFEATURE_SSE)
		return 160;	/* XMM0-15 in the legacy area */
	if (f >= 64 || !host_has_xsave_leaf())
		return 0;
	host_cpuid(0xd, f, r);
	return r[1];
}

uint32_t host_xstate_size(unsigned int f)
{
	uint32_t r[4];

	if (f == XFEATURE_FP)
		return 160;	/* FCW .. ST7: legacy bytes 0-159 */
	if (f == XFEATURE_SSE)
		return 256;	/* XMM0-15: legacy bytes 160-415 */
	if (f >= 64 || !host_has_xsave_leaf())
		return 0;
	host_cpuid(0xd, f, r);
	return r[0];
}

uint32_t xsave_std_size(uint64_t mask)
{
	uint32_t size = XSAVE_HDR_OFFSET + XSAVE_HDR_SIZE;
	unsigned int f;

	for (f = 2; f < 64; f++) {
		uint32_t end;

		if (!(mask & XMASK(f)))
			continue;
		end = host_xstate_offset(f) + host_xstate_size(f);
		if (end > size)
			size = end;
	}
	return size;
}

uint64_t kvm_supported_xcr0(void)
{
	struct kvm_cpuid2 *c = kvm_supported_cpuid_fresh();
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 0xd, 0);
	uint64_t xcr0 = e ? (e->eax | ((uint64_t)e->edx << 32)) : 0;

	free(c);
	return xcr0;
}

static int arch_prctl_raw(int code, unsigned long arg)
{
	return syscall(SYS_arch_prctl, code, arg) < 0 ? -errno : 0;
}

int __arch_get_xcomp_supp(uint64_t *mask)
{
	return arch_prctl_raw(ARCH_GET_XCOMP_SUPP, (unsigned long)mask);
}

int __arch_get_xcomp_perm(uint64_t *mask)
{
	return arch_prctl_raw(ARCH_GET_XCOMP_PERM, (unsigned long)mask);
}

int __arch_req_xcomp_perm(unsigned int f)
{
	return arch_prctl_raw(ARCH_REQ_XCOMP_PERM, f);
}

int __arch_get_xcomp_guest_perm(uint64_t *mask)
{
	return arch_prctl_raw(ARCH_GET_XCOMP_GUEST_PERM, (unsigned long)mask);
}

int __arch_req_xcomp_guest_perm(unsigned int f)
{
	return arch_prctl_raw(ARCH_REQ_XCOMP_GUEST_PERM, f);
}

/*
 * Dynamic features are the supported ones outside the default
 * permissions. Host and guest permissions are separate and only grow, so
 * a feature missing from either one is not in the defaults; the answer is
 * cached on the first call, which must come before this process has
 * requested both permissions for a feature.
 */
uint64_t xstate_dynamic_features(void)
{
	static bool known;
	static uint64_t dynamic;
	uint64_t supp, perm, guest_perm;

	if (known)
		return dynamic;
	if (__arch_get_xcomp_supp(&supp) || __arch_get_xcomp_perm(&perm) ||
	    __arch_get_xcomp_guest_perm(&guest_perm))
		dynamic = 0;
	else
		dynamic = supp & ~(perm & guest_perm);
	known = true;
	return dynamic;
}

uint32_t xsave_uabi_size(uint64_t mask)
{
	uint32_t size = xsave_std_size(mask);

	return size > sizeof(struct kvm_xsave) ? size : sizeof(struct kvm_xsave);
}

uint64_t cpuid_xcr0(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 0xd, 0);

	return e ? (e->eax | ((uint64_t)e->edx << 32)) : 0;
}

const char *host_amx_missing(void)
{
	static char why[160];
	uint64_t supp;
	int r = __arch_get_xcomp_supp(&supp);

	if (r) {
		snprintf(why, sizeof(why), "host lacks AMX: ARCH_GET_XCOMP_SUPP "
			 "fails with errno %d (kernel older than v5.16)", -r);
		return why;
	}
	if ((supp & XFEATURE_MASK_XTILE) == XFEATURE_MASK_XTILE)
		return NULL;
	snprintf(why, sizeof(why), "host lacks AMX: ARCH_GET_XCOMP_SUPP 0x%llx "
		 "has no bit %d (%s)", (unsigned long long)supp,
		 supp & XMASK(XFEATURE_XTILE_DATA) ? XFEATURE_XTILE_CFG : XFEATURE_XTILE_DATA,
		 supp & XMASK(XFEATURE_XTILE_DATA) ? "XTILE_CFG" : "XTILE_DATA");
	return why;
}

const char *guest_perm_prctl_missing(void)
{
	static char why[160];
	uint64_t perm;
	int r = __arch_get_xcomp_guest_perm(&perm);

	if (!r)
		return NULL;
	snprintf(why, sizeof(why), "ARCH_GET_XCOMP_GUEST_PERM fails with errno %d "
		 "(%s): kernel older than v5.17", -r, strerror(-r));
	return why;
}

const char *amx_request_guest_perm(void)
{
	static char why[200];
	const char *missing = host_amx_missing();
	int r;

	if (missing)
		return missing;
	r = __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA);
	if (!r)
		return NULL;
	snprintf(why, sizeof(why), "ARCH_REQ_XCOMP_GUEST_PERM(XTILE_DATA) fails "
		 "with errno %d", -r);
	return why;
}

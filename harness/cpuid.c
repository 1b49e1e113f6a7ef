// SPDX-License-Identifier: GPL-2.0
/* KVM_GET_SUPPORTED_CPUID and the vCPU's CPUID table. */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvm.h"

static size_t cpuid_bytes(uint32_t nent)
{
	return sizeof(struct kvm_cpuid2) + nent * sizeof(struct kvm_cpuid_entry2);
}

/* The answer changes after an arch_prctl guest permission request (AMX),
 * so callers that need the current one ask afresh. */
struct kvm_cpuid2 *kvm_supported_cpuid_fresh(void)
{
	uint32_t nent = 64;

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, cpuid_bytes(nent));
		int r;

		if (!c)
			kvmabi_error("out of memory");
		c->nent = nent;
		r = __kvm_ioctl(kvm_fd(), KVM_GET_SUPPORTED_CPUID, c);
		if (r == -E2BIG) {	/* api.rst: grow nent and retry */
			free(c);
			nent *= 2;
			continue;
		}
		if (r < 0)
			kvmabi_fail("KVM_GET_SUPPORTED_CPUID failed: errno %d (%s)",
				    -r, strerror(-r));
		return c;
	}
}

struct kvm_cpuid2 *kvm_supported_cpuid(void)
{
	static struct kvm_cpuid2 *cached;

	if (!cached)
		cached = kvm_supported_cpuid_fresh();
	return cached;
}

struct kvm_cpuid2 *cpuid_dup(const struct kvm_cpuid2 *c)
{
	struct kvm_cpuid2 *d = malloc(cpuid_bytes(c->nent));

	if (!d)
		kvmabi_error("out of memory");
	memcpy(d, c, cpuid_bytes(c->nent));
	return d;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != fn)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx)
			return e;
	}
	return NULL;
}

int __vcpu_set_cpuid(struct vcpu *vcpu, struct kvm_cpuid2 *c)
{
	return __vcpu_ioctl(vcpu, KVM_SET_CPUID2, c);
}

void vcpu_set_cpuid(struct vcpu *vcpu, struct kvm_cpuid2 *c)
{
	vcpu_ioctl(vcpu, KVM_SET_CPUID2, c);
}

void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

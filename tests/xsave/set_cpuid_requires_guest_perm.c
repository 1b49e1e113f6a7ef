// SPDX-License-Identifier: GPL-2.0
/*
 * A dynamic xfeature (AMX tile data) needs a larger guest FPU buffer, which
 * KVM allocates when the vCPU's CPUID exposes the feature. It may only do so
 * for a process that holds the guest permission: KVM_SET_CPUID2 exposing a
 * dynamic feature without it is refused, and the vCPU keeps the CPUID it
 * had. A migration target that forgot ARCH_REQ_XCOMP_GUEST_PERM must learn it
 * here, not when the guest first touches a tile register.
 *
 * behaviour: xsave.set_cpuid_requires_perm
 * rule: KVM_SET_CPUID2 whose leaf 0xD.0 exposes XTILE_DATA fails with EPERM
 *       and leaves the vCPU's CPUID unchanged unless the process holds the
 *       guest permission for it, with which it succeeds; a CPUID exposing
 *       only static xfeatures needs no permission
 * source: Documentation/virt/kvm/api.rst "4.46 KVM_GET_SUPPORTED_CPUID"
 *         ("Dynamically-enabled feature bits need to be requested with
 *         arch_prctl()"); Documentation/arch/x86/xstate.rst "Dynamic features
 *         for virtual machines"; kvm_check_cpuid() calls
 *         fpu_enable_guest_xfd_features() (v6.1 and v6.12 alike); the errno
 *         (EPERM, from __xfd_enable_feature()) is not in the documentation
 * since: v5.17 (the AMX enabling series with 980fe2fddcff; the exact commit
 *        adding the check to kvm_check_cpuid() was not verified here)
 * before: v5.16 and older know no dynamic xfeature and no guest permission:
 *         the bits are accepted and KVM never lets the guest enable them
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "xstate.h"

static size_t cpuid_bytes(uint32_t nent)
{
	return sizeof(struct kvm_cpuid2) + nent * sizeof(struct kvm_cpuid_entry2);
}

/* Adds host subleaf 0xD.f when the table lacks it (c has room for it). */
static void add_host_xstate_subleaf(struct kvm_cpuid2 *c, unsigned int f)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t r[4];

	if (cpuid_find(c, 0xd, f))
		return;
	e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	host_cpuid(0xd, f, r);
	e->function = 0xd;
	e->index = f;
	e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	e->eax = r[0];
	e->ebx = r[1];
	e->ecx = r[2];
	e->edx = r[3];
}

/*
 * KVM's supported CPUID (asked without permission, so without AMX) with AMX
 * exposed the way a VMM restoring an AMX guest would: XCR0 bits 17 and 18 in
 * leaf 0xD.0 and the host's subleaves for them.
 */
static struct kvm_cpuid2 *cpuid_exposing_amx(void)
{
	struct kvm_cpuid2 *supported = kvm_supported_cpuid_fresh();
	struct kvm_cpuid2 *c = calloc(1, cpuid_bytes(supported->nent + 2));
	struct kvm_cpuid_entry2 *leaf_d;

	if (!c)
		return NULL;
	memcpy(c, supported, cpuid_bytes(supported->nent));
	free(supported);
	leaf_d = cpuid_find(c, 0xd, 0);
	if (leaf_d)
		leaf_d->eax |= XFEATURE_MASK_XTILE;
	add_host_xstate_subleaf(c, XFEATURE_XTILE_CFG);
	add_host_xstate_subleaf(c, XFEATURE_XTILE_DATA);
	return c;
}

/* KVM_GET_CPUID2 of the vCPU, in a table of up to 256 entries. */
static struct kvm_cpuid2 *vcpu_cpuid(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *c = calloc(1, cpuid_bytes(256));

	if (c) {
		c->nent = 256;
		if (__vcpu_ioctl(vcpu, KVM_GET_CPUID2, c)) {
			free(c);
			return NULL;
		}
	}
	return c;
}

FIXTURE(amx_cpuid) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct kvm_cpuid2 *amx;		/* leaf 0xD.0 with XTILE_CFG|XTILE_DATA */
	struct kvm_cpuid2 *before;	/* KVM_GET_CPUID2 after a static CPUID */
};

FIXTURE_SETUP(amx_cpuid)
{
	struct kvm_cpuid2 *supported;

	REQUIRE_KVM();
	self->vm = vm_create_bare();
	self->vcpu = vcpu_add_bare(self->vm);
	supported = kvm_supported_cpuid_fresh();
	ASSERT_NE(NULL, cpuid_find(supported, 0xd, 0)) {
		TH_LOG("KVM_GET_SUPPORTED_CPUID has no leaf 0xD: no XSAVE offered");
	}
	/* Static xfeatures (all KVM offers before any request) need no permission. */
	ASSERT_EQ(0, __vcpu_set_cpuid(self->vcpu, supported));
	free(supported);
	self->before = vcpu_cpuid(self->vcpu);
	ASSERT_NE(NULL, self->before);
	self->amx = cpuid_exposing_amx();
	ASSERT_NE(NULL, self->amx);
}

FIXTURE_TEARDOWN(amx_cpuid)
{
	free(self->amx);
	free(self->before);
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(amx_cpuid, static_xfeatures_accepted_without_permission)
{
	uint64_t perm;
	const char *why = guest_perm_prctl_missing();

	REQUIRE(!why, "%s", why);
	ASSERT_EQ(0, __arch_get_xcomp_guest_perm(&perm));
	/* The set-up's KVM_SET_CPUID2 succeeded with no XTILE_DATA permission. */
	EXPECT_EQ(0, perm & XMASK(XFEATURE_XTILE_DATA));
	EXPECT_EQ(0, cpuid_xcr0(self->before) & XMASK(XFEATURE_XTILE_DATA));
}

TEST_F(amx_cpuid, xtile_without_permission_refused)
{
	const char *why = host_amx_missing();
	struct kvm_cpuid2 *after;
	int r;

	REQUIRE(!why, "%s", why);
	r = __vcpu_set_cpuid(self->vcpu, self->amx);
	/* Exposing a dynamic xfeature without guest permission is refused (EPERM). */
	ASSERT_EQ(-EPERM, r);
	after = vcpu_cpuid(self->vcpu);
	ASSERT_NE(NULL, after);
	/* The refused table was not applied, not even in part. */
	EXPECT_EQ(self->before->nent, after->nent);
	EXPECT_EQ(0, memcmp(self->before->entries, after->entries,
			    self->before->nent * sizeof(after->entries[0])));
	free(after);
}

/* Permission must come before the first vCPU, so no fixture here. */
TEST(xtile_with_permission_accepted)
{
	const char *why = host_amx_missing();
	struct kvm_cpuid2 *amx;
	struct vcpu *vcpu;
	struct vm *vm;

	REQUIRE_KVM();
	REQUIRE(!why, "%s", why);
	ASSERT_EQ(0, __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA));
	vm = vm_create_bare();
	vcpu = vcpu_add_bare(vm);
	amx = cpuid_exposing_amx();
	ASSERT_NE(NULL, amx);
	/* With the guest permission, exposing XTILE_DATA is accepted. */
	EXPECT_EQ(0, __vcpu_set_cpuid(vcpu, amx));
	free(amx);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

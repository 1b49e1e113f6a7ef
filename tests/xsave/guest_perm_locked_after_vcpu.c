// SPDX-License-Identifier: GPL-2.0
/*
 * Guest xstate permissions are frozen when the process creates its first
 * vCPU: every vCPU's buffer size and CPUID checks rely on a permission that
 * cannot grow under them. A VMM must request them before KVM_CREATE_VCPU; a
 * request for something new afterwards fails with EBUSY, while repeating a
 * request that was already granted still succeeds (it asks for nothing new).
 * Each TEST runs in its own forked process, so each starts unlocked.
 *
 * behaviour: xsave.guest_perm_locked
 * rule: once the process has created a vCPU, ARCH_REQ_XCOMP_GUEST_PERM for
 *       a feature not yet permitted fails with EBUSY and changes nothing,
 *       repeating a granted request succeeds, and before the first vCPU (a
 *       VM alone) the request is granted
 * source: Documentation/arch/x86/xstate.rst "Dynamic features for virtual
 *         machines" ("Permission is frozen when the first VCPU is created");
 *         commit 980fe2fddcff
 * since: v5.17 (980fe2fddcff "x86/fpu: Extend fpu_xstate_prctl() with guest
 *        permissions"; the lock is taken in fpu_alloc_guest_fpstate(), the
 *        same in v6.1 and v6.12)
 * before: v5.16 and older have no guest permissions (EINVAL)
 */
#include <errno.h>

#include "test.h"
#include "xstate.h"

FIXTURE(locked_perm) {
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t perm;		/* ARCH_GET_XCOMP_GUEST_PERM before any vCPU */
};

FIXTURE_SETUP(locked_perm)
{
	const char *why;

	REQUIRE_KVM();
	why = guest_perm_prctl_missing();
	REQUIRE(!why, "%s", why);
	ASSERT_EQ(0, __arch_get_xcomp_guest_perm(&self->perm));
	self->vm = vm_create_bare();
}

FIXTURE_TEARDOWN(locked_perm)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

static uint64_t guest_perm(struct __test_metadata *_metadata)
{
	uint64_t perm = 0;

	EXPECT_EQ(0, __arch_get_xcomp_guest_perm(&perm));
	return perm;
}

TEST_F(locked_perm, lock_is_invisible_in_the_permission)
{
	self->vcpu = vcpu_add_bare(self->vm);
	/* Creating a vCPU changes no permitted feature (the lock is not a feature). */
	EXPECT_EQ(self->perm, guest_perm(_metadata));
}

TEST_F(locked_perm, request_with_a_vm_but_no_vcpu_is_granted)
{
	const char *why = host_amx_missing();

	REQUIRE(!why, "%s", why);
	/* xstate.rst: permission is frozen by the first vCPU, not by the VM. */
	ASSERT_EQ(0, __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA));
	EXPECT_EQ(self->perm | XFEATURE_MASK_XTILE, guest_perm(_metadata));
}

TEST_F(locked_perm, new_request_after_first_vcpu_fails_ebusy)
{
	const char *why = host_amx_missing();

	REQUIRE(!why, "%s", why);
	self->vcpu = vcpu_add_bare(self->vm);
	/* xstate.rst: after the first vCPU, a permission change is rejected (EBUSY). */
	EXPECT_EQ(-EBUSY, __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA));
	/* The rejected request permitted nothing. */
	EXPECT_EQ(self->perm, guest_perm(_metadata));
}

TEST_F(locked_perm, granted_request_repeated_after_first_vcpu_succeeds)
{
	const char *why = host_amx_missing();

	REQUIRE(!why, "%s", why);
	ASSERT_EQ(0, __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA));
	self->vcpu = vcpu_add_bare(self->vm);
	/* A request for what is already permitted changes nothing, so it is not refused. */
	EXPECT_EQ(0, __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA));
	EXPECT_EQ(self->perm | XFEATURE_MASK_XTILE, guest_perm(_metadata));
}

TEST_F(locked_perm, lock_outlives_the_vcpu_and_vm)
{
	const char *why = host_amx_missing();

	REQUIRE(!why, "%s", why);
	vcpu_free(vcpu_add_bare(self->vm));
	vm_free(self->vm);
	self->vm = NULL;
	/* The freeze is per process: closing the VM does not lift it. */
	EXPECT_EQ(-EBUSY, __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA));
}

TEST_HARNESS_MAIN

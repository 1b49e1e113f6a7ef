// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_XSAVE2 copies exactly KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) bytes
 * (on the VM fd), so a VMM sizes its buffer from the capability; the old
 * KVM_GET_XSAVE, whose struct has a fixed 4096-byte region, refuses with
 * EINVAL once the vCPU's state no longer fits in it (a dynamic feature such
 * as AMX enabled for the guest) instead of truncating it.
 *
 * behaviour: xsave.get_xsave2_exact_size
 * rule: KVM_GET_XSAVE2 writes exactly the KVM_CAP_XSAVE2 size and not one
 *       byte more; KVM_GET_XSAVE fails with EINVAL once that size exceeds 4096
 * source: Documentation/virt/kvm/api.rst "4.134 KVM_GET_XSAVE2" and
 *         "4.42 KVM_GET_XSAVE"; commit be50b2065dfa ("kvm: x86: Add support
 *         for getting/setting expanded xstate buffer")
 * since: v5.17 (be50b2065dfa): KVM_GET_XSAVE2, KVM_CAP_XSAVE2 and the
 *        EINVAL of KVM_GET_XSAVE above 4096 bytes came together
 * before: v5.16 and older have no KVM_GET_XSAVE2 (KVM_CAP_XSAVE2 is 0, the
 *         test SKIPs) and no state larger than 4096 bytes
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "xsave_buf.h"

#define CANARY 0xa5

FIXTURE(xsave2) {
	struct vm *vm;
	struct vcpu *vcpu;
	int size;
};

FIXTURE_SETUP(xsave2)
{
	REQUIRE_CAP(KVM_CAP_XSAVE);
	self->vm = vm_create();
	self->size = vm_check_cap(self->vm, KVM_CAP_XSAVE2);
	REQUIRE(self->size > 0, "KVM_CAP_XSAVE2 is 0 on this kernel's VM fd");
	self->vcpu = vcpu_add(self->vm, NULL);
}

FIXTURE_TEARDOWN(xsave2)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(xsave2, writes_nothing_into_a_guard_page)
{
	struct kvm_xsave *buf = guarded_buffer(self->size);
	int r;

	r = __vcpu_get_xsave_with(self->vcpu, KVM_GET_XSAVE2, buf);
	/* A write past the capability's size would hit the guard: EFAULT. */
	ASSERT_EQ(0, r) TH_LOG("KVM_GET_XSAVE2 into %d bytes before a PROT_NONE page: "
			       "errno %d (%s)", self->size, -r, strerror(-r));
}

TEST_F(xsave2, leaves_the_byte_after_the_size_alone)
{
	size_t slack = KVMABI_PAGE_SIZE;
	uint8_t *buf = (uint8_t *)xsave_buf_alloc(self->size + slack);
	size_t i;

	memset(buf, CANARY, self->size + slack);
	ASSERT_EQ(0, __vcpu_get_xsave_with(self->vcpu, KVM_GET_XSAVE2,
					   (struct kvm_xsave *)buf));
	/* Not one byte beyond KVM_CAP_XSAVE2's size is written. */
	for (i = self->size; i < self->size + slack; i++) {
		ASSERT_EQ(CANARY, buf[i]) TH_LOG("byte %zu (size %d + %zu) was written",
						 i, self->size, i - self->size);
	}
	free(buf);
}

/* The dynamic features the host has (AMX), or the reason there are none. */
static const char *no_dynamic_feature_reason(void)
{
	uint64_t supp;
	int r = __arch_get_xcomp_supp(&supp);

	if (r)
		return "ARCH_GET_XCOMP_SUPP fails: the kernel has no dynamic xfeatures";
	if (!(supp & XMASK(XFEATURE_XTILE_DATA)))
		return "host lacks AMX: ARCH_GET_XCOMP_SUPP has no bit 18, so no "
		       "vCPU state can exceed 4096 bytes";
	return NULL;
}

TEST(get_xsave_refuses_state_over_4096)
{
	const char *why;
	struct vm *vm;
	struct vcpu *vcpu;
	struct kvm_xsave *x;
	int size, r;

	REQUIRE_CAP(KVM_CAP_XSAVE2);
	why = no_dynamic_feature_reason();
	REQUIRE(!why, "%s", why);
	r = __arch_req_xcomp_guest_perm(XFEATURE_XTILE_DATA);
	ASSERT_EQ(0, r) TH_LOG("ARCH_REQ_XCOMP_GUEST_PERM(XTILE_DATA): errno %d", -r);
	vm = vm_create();
	size = vm_check_cap(vm, KVM_CAP_XSAVE2);
	REQUIRE(size > XSAVE_LEGACY_SIZE, "KVM_CAP_XSAVE2 is %d after the AMX guest "
		"permission: KVM does not offer AMX", size);
	vcpu = vcpu_add(vm, NULL);	/* KVM's CPUID, now with AMX */
	x = xsave_buf_alloc(XSAVE_LEGACY_SIZE);
	/* The state (size > 4096) does not fit struct kvm_xsave: EINVAL. */
	EXPECT_EQ(-EINVAL, __vcpu_get_xsave_with(vcpu, KVM_GET_XSAVE, x));
	free(x);
	vcpu_free(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Supervisor xfeatures (IA32_XSS-managed: CET, PASID, PT, LBR, ...) live in
 * the kernel's compacted XSAVES buffer of the vCPU, but the uABI buffer of
 * KVM_GET/SET_XSAVE is the standard (XSAVE) format, which has no place for
 * them: KVM moves their state through MSRs instead. So they must never show
 * in the header of a buffer KVM writes, a buffer that claims one must be
 * refused, and KVM_CAP_XSAVE2 must size the user xfeatures alone.
 *
 * behaviour: xsave.supervisor_not_in_uabi
 * rule: KVM_GET_XSAVE and KVM_GET_XSAVE2 set no supervisor xfeature bit in
 *       xstate_bv or xcomp_bv, KVM_SET_XSAVE with one in xstate_bv fails
 *       with EINVAL, and KVM_CAP_XSAVE2 is the uABI size of the permitted
 *       user xfeatures only
 * source: Documentation/virt/kvm/api.rst "4.42 KVM_GET_XSAVE", "4.43
 *         KVM_SET_XSAVE", "4.134 KVM_GET_XSAVE2" (offsets follow host CPUID
 *         0xD, which gives supervisor components no standard-format offset);
 *         fpu_copy_guest_fpstate_to_uabi() copies user xfeatures only, and
 *         copy_uabi_to_xstate() refuses xfeatures outside the user set (v6.1
 *         and v6.12 alike)
 * since: v5.17 for KVM_CAP_XSAVE2 (be50b2065dfa); the buffer rules hold in
 *        every kernel read for this test (5.10 through KVM's own
 *        fill_xsave/load_xsave, 6.1 and 6.12 through the FPU core); the host
 *        kernel keeps supervisor state in guest buffers only since CET
 *        virtualisation (v6.18), which makes the rule observable
 * before: nothing different known; v5.16 and older have no KVM_CAP_XSAVE2
 *         (that case SKIPs)
 */
#include <errno.h>
#include <stdlib.h>

#include "test.h"
#include "xstate.h"

/* The supervisor xfeatures the CPU has and KVM offers, and any the SDM defines. */
static uint64_t supervisor_xfeatures(void)
{
	struct kvm_cpuid2 *c = kvm_supported_cpuid_fresh();
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 0xd, 1);
	uint64_t kvm_xss = e ? (e->ecx | ((uint64_t)e->edx << 32)) : 0;

	free(c);
	return host_xss_mask() | kvm_xss | XFEATURE_MASK_SUPERVISOR_KNOWN;
}

#define REQUIRE_HOST_SUPERVISOR_XFEATURES() REQUIRE(host_xss_mask(),		\
	"host CPUID 0xD.1 ECX:EDX is 0: the CPU has no supervisor xfeature")

static void guest_sync_once(void)
{
	GUEST_SYNC(1);
}

/* A vCPU that ran up to its first sync, and the size its buffers take. */
FIXTURE(uabi_buffer) {
	struct vm *vm;
	struct vcpu *vcpu;
	uint32_t size;
	struct kvm_xsave *buf;
};

FIXTURE_VARIANT(uabi_buffer) {
	unsigned long get_ioctl;
	bool needs_xsave2;
};

FIXTURE_VARIANT_ADD(uabi_buffer, get_xsave) { .get_ioctl = KVM_GET_XSAVE };
FIXTURE_VARIANT_ADD(uabi_buffer, get_xsave2) {
	.get_ioctl = KVM_GET_XSAVE2, .needs_xsave2 = true,
};

FIXTURE_SETUP(uabi_buffer)
{
	int cap;

	REQUIRE_KVM();
	REQUIRE_HOST_SUPERVISOR_XFEATURES();
	self->vm = vm_create();
	cap = vm_check_cap(self->vm, KVM_CAP_XSAVE2);
	if (variant->needs_xsave2)
		REQUIRE(cap > 0, "KVM_CAP_XSAVE2 is 0: kernel older than v5.17 (be50b2065dfa)");
	self->size = cap > (int)sizeof(struct kvm_xsave) ? cap : sizeof(struct kvm_xsave);
	self->buf = calloc(1, self->size);
	ASSERT_NE(NULL, self->buf);
	self->vcpu = vcpu_add(self->vm, guest_sync_once);
	vcpu_run_expect(self->vcpu, UCALL_SYNC, 1);
}

FIXTURE_TEARDOWN(uabi_buffer)
{
	free(self->buf);
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(uabi_buffer, header_has_no_supervisor_bit)
{
	uint64_t supervisor = supervisor_xfeatures();

	ASSERT_EQ(0, __kvm_ioctl(self->vcpu->fd, variant->get_ioctl, self->buf));
	TH_LOG("xstate_bv 0x%llx xcomp_bv 0x%llx; supervisor xfeatures 0x%llx (%s)",
	       (unsigned long long)XSAVE_XSTATE_BV(self->buf),
	       (unsigned long long)XSAVE_XCOMP_BV(self->buf),
	       (unsigned long long)supervisor, xfeature_mask_names(supervisor));
	/* The standard format holds user xfeatures only: no supervisor bit in xstate_bv. */
	EXPECT_EQ(0, XSAVE_XSTATE_BV(self->buf) & supervisor);
	/* Nor in xcomp_bv (the compacted format of the kernel's own buffer must not leak). */
	EXPECT_EQ(0, XSAVE_XCOMP_BV(self->buf) & supervisor);
}

/* KVM_SET_XSAVE given a buffer that claims one supervisor xfeature. */
FIXTURE(set_supervisor) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct kvm_xsave *buf;
};

FIXTURE_VARIANT(set_supervisor) {
	unsigned int feature;
};

FIXTURE_VARIANT_ADD(set_supervisor, pt) { .feature = XFEATURE_PT };
FIXTURE_VARIANT_ADD(set_supervisor, pasid) { .feature = XFEATURE_PASID };
FIXTURE_VARIANT_ADD(set_supervisor, cet_user) { .feature = XFEATURE_CET_USER };
FIXTURE_VARIANT_ADD(set_supervisor, cet_kernel) { .feature = XFEATURE_CET_KERNEL };
FIXTURE_VARIANT_ADD(set_supervisor, hdc) { .feature = XFEATURE_HDC };
FIXTURE_VARIANT_ADD(set_supervisor, uintr) { .feature = XFEATURE_UINTR };
FIXTURE_VARIANT_ADD(set_supervisor, lbr) { .feature = XFEATURE_LBR };
FIXTURE_VARIANT_ADD(set_supervisor, hwp) { .feature = XFEATURE_HWP };

FIXTURE_SETUP(set_supervisor)
{
	uint32_t size;
	int cap;

	REQUIRE_KVM();
	/* A bit the CPU lacks is refused as unsupported: another rule. */
	REQUIRE(host_xss_mask() & XMASK(variant->feature),
		"host CPUID 0xD.1 ECX:EDX 0x%llx has no bit %u (%s)",
		(unsigned long long)host_xss_mask(), variant->feature,
		xfeature_name(variant->feature));
	self->vm = vm_create_bare();
	self->vcpu = vcpu_add_bare(self->vm);
	vcpu_set_cpuid(self->vcpu, kvm_supported_cpuid());
	cap = vm_check_cap(self->vm, KVM_CAP_XSAVE2);
	size = cap > (int)sizeof(struct kvm_xsave) ? cap : sizeof(struct kvm_xsave);
	self->buf = calloc(1, size);
	ASSERT_NE(NULL, self->buf);
	if (cap > 0)
		vcpu_ioctl(self->vcpu, KVM_GET_XSAVE2, self->buf);
	else
		vcpu_ioctl(self->vcpu, KVM_GET_XSAVE, self->buf);
}

FIXTURE_TEARDOWN(set_supervisor)
{
	free(self->buf);
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(set_supervisor, set_xsave_refuses_it)
{
	/* The unchanged buffer loads: the refusal below is the bit's doing. */
	ASSERT_EQ(0, __vcpu_ioctl(self->vcpu, KVM_SET_XSAVE, self->buf));
	XSAVE_XSTATE_BV(self->buf) |= XMASK(variant->feature);
	/* A supervisor xfeature has no place in the uABI buffer: EINVAL. */
	EXPECT_EQ(-EINVAL, __vcpu_ioctl(self->vcpu, KVM_SET_XSAVE, self->buf));
}

TEST(cap_xsave2_counts_user_xfeatures_only)
{
	uint64_t user, perm;
	uint32_t expected;
	struct vm *vm;
	int cap;

	REQUIRE_KVM();
	REQUIRE_HOST_SUPERVISOR_XFEATURES();
	vm = vm_create_bare();
	cap = vm_check_cap(vm, KVM_CAP_XSAVE2);
	REQUIRE(cap > 0, "KVM_CAP_XSAVE2 is 0: kernel older than v5.17 (be50b2065dfa)");
	user = kvm_supported_xcr0();
	if (!__arch_get_xcomp_guest_perm(&perm))
		user &= perm;
	if (!(user & XMASK(XFEATURE_XTILE_DATA)))
		user &= ~XMASK(XFEATURE_XTILE_CFG);
	expected = xsave_uabi_size(user);
	TH_LOG("user 0x%llx -> %u bytes; supervisor 0x%llx; KVM_CAP_XSAVE2 %d",
	       (unsigned long long)user, expected,
	       (unsigned long long)host_xss_mask(), cap);
	/* No supervisor xfeature is in the permitted set... */
	EXPECT_EQ(0, user & supervisor_xfeatures());
	/* ...and the capability sizes that set alone. */
	EXPECT_EQ(expected, (uint32_t)cap);
	vm_free(vm);
}

TEST_HARNESS_MAIN

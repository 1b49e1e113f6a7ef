// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration of a VM whose guest runs its own guest: the whole vCPU
 * state, nested state included, saved while L2 runs and restored into a
 * fresh VM must let L2 continue where it was and L1 get L2's exits after
 * it. L2 keeps a running sum in registers across the moves, so a lost or
 * torn register, a wrong RIP or L2 resuming as L1 shows in the result.
 *
 * behaviour: nested.roundtrip_resumes_l2
 * rule: all vCPU state saved while in L2 (registers, special registers,
 *       MSRs, XSAVE, XCRs, events, nested state, CPUID) restored into a
 *       fresh VM in a correct order lets L2 continue and finish with
 *       correct results
 * source: Documentation/virt/kvm/api.rst "4.114 KVM_GET_NESTED_STATE",
 *         "4.115 KVM_SET_NESTED_STATE"; the order of
 *         tools/testing/selftests/kvm/lib/x86_64/processor.c vcpu_load_state()
 * since: KVM_GET/SET_NESTED_STATE since v4.19 for VMX (commit id not
 *        verified here), v5.8 for SVM (cc440cdad5b7)
 */
#include "nested.h"
#include "test.h"

#define STEPS 6
#define SUM_OF_SQUARES 91		/* 1^2 + ... + 6^2 */

enum { STAGE_L1_SAW_L2_FINISH = 100 };

static uint64_t l2_sum;		/* in guest memory: L2 writes, L1 reads */

static void l2_count_in_registers(void)
{
	uint64_t sum = 0, i;

	for (i = 1; i <= STEPS; i++) {
		sum += i * i;
		GUEST_SYNC(i);	/* exits to userspace from L2 */
	}
	l2_sum = sum;
}

static void l1_run_counter(void)
{
	l1_enter();
	l1_run_l2(l2_count_in_registers);
	GUEST_ASSERT_EQ(l2_sum, SUM_OF_SQUARES);
	GUEST_SYNC(STAGE_L1_SAW_L2_FINISH);
	l1_leave();
}

FIXTURE(roundtrip_resumes_l2) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_VARIANT(roundtrip_resumes_l2) {
	const struct nested_ops *ops;
};

FIXTURE_VARIANT_ADD(roundtrip_resumes_l2, vmx) { .ops = &nested_vmx };
FIXTURE_VARIANT_ADD(roundtrip_resumes_l2, svm) { .ops = &nested_svm };

FIXTURE_SETUP(roundtrip_resumes_l2)
{
	REQUIRE_NESTED(variant->ops);
	self->vm = vm_create();
	nested_setup(self->vm, variant->ops);
	self->vcpu = vcpu_add(self->vm, l1_run_counter);
}

FIXTURE_TEARDOWN(roundtrip_resumes_l2)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

/* Moves the vCPU into a new VM whose memory is a copy of the old one's. */
static void migrate(struct __test_metadata *_metadata,
		    FIXTURE_DATA(roundtrip_resumes_l2) *self)
{
	struct vcpu_state *s = vcpu_save_state(self->vcpu);

	ASSERT_NE(NULL, s->nested);
	ASSERT_TRUE(s->nested->flags & KVM_STATE_NESTED_GUEST_MODE)
		TH_LOG("saved at an L2 exit, yet nested flags are 0x%x",
		       s->nested->flags);
	migrate_to_new_vm(&self->vm, &self->vcpu, s);
	vcpu_state_free(s);
}

TEST_F(roundtrip_resumes_l2, restored_after_every_l2_exit)
{
	uint64_t stage;

	for (stage = 1; stage <= STEPS; stage++) {
		vcpu_run_expect(self->vcpu, UCALL_SYNC, stage);
		migrate(_metadata, self);
	}
	/* Rule: L2 finished with the right sum and L1 got its final exit
	 * (the guest asserts the sum before reporting this stage). */
	vcpu_run_expect(self->vcpu, UCALL_SYNC, STAGE_L1_SAW_L2_FINISH);
	vcpu_run_expect(self->vcpu, UCALL_DONE, 0);
}

TEST_HARNESS_MAIN

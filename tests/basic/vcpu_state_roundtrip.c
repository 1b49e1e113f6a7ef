// SPDX-License-Identifier: GPL-2.0
/*
 * Migration in miniature: every part of a vCPU's state read with the
 * KVM_GET_* ioctls and written with KVM_SET_* into a vCPU of a new VM lets
 * the guest carry on as if nothing happened. The XSAVE and nested tests
 * build on the same save and restore path (harness/state.c).
 *
 * behaviour: basic.vcpu_state_roundtrip
 * rule: state saved with KVM_GET_{CPUID2, REGS, SREGS, MSRS, XSAVE, XCRS,
 *       VCPU_EVENTS, MP_STATE, DEBUGREGS} after an I/O exit completed with
 *       immediate_exit, restored into a fresh vCPU, resumes the guest exactly
 * source: Documentation/virt/kvm/api.rst "4.12 KVM_SET_REGS" .. "KVM_SET_XSAVE",
 *         and KVM_RUN's immediate_exit ("KVM_CAP_IMMEDIATE_EXIT")
 */
#include "test.h"

#define STEPS 8

static void guest_count_in_registers(void)
{
	uint64_t sum = 0, i;

	for (i = 1; i <= STEPS; i++) {
		sum += i * i;
		GUEST_SYNC(i);
	}
	GUEST_ASSERT_EQ(sum, 204);	/* 1^2 + ... + 8^2 */
}

FIXTURE(state) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_SETUP(state)
{
	REQUIRE_KVM();
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, guest_count_in_registers);
}

FIXTURE_TEARDOWN(state)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

/* Saves the vCPU and moves it into a new VM with a copy of the memory. */
static void migrate(FIXTURE_DATA(state) *self)
{
	struct vcpu_state *s = vcpu_save_state(self->vcpu);

	migrate_to_new_vm(&self->vm, &self->vcpu, s);
	vcpu_state_free(s);
}

TEST_F(state, restored_vcpu_resumes_after_every_stage)
{
	uint64_t stage;

	for (stage = 1; stage <= STEPS; stage++) {
		vcpu_run_expect(self->vcpu, UCALL_SYNC, stage);
		migrate(self);
	}
	/* The guest's running sum, kept in registers across 8 moves, is right. */
	vcpu_run_expect(self->vcpu, UCALL_DONE, 0);
}

TEST_HARNESS_MAIN

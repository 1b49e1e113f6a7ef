// SPDX-License-Identifier: GPL-2.0
/*
 * A VMM that saves a vCPU right after an I/O exit must first let KVM finish
 * the instruction without running the guest any further: KVM_RUN with
 * kvm_run.immediate_exit set does that and returns EINTR. Saving without it
 * tears the state (api.rst, "KVM_RUN" notes on completing I/O).
 *
 * behaviour: basic.immediate_exit
 * rule: KVM_RUN with immediate_exit = 1 returns -1/EINTR without entering the
 *       guest, and completes a pending port I/O exit
 * source: Documentation/virt/kvm/api.rst "KVM_CAP_IMMEDIATE_EXIT" and
 *         "struct kvm_run" (immediate_exit); 460df4c1fc7c
 * since: v4.11 (460df4c1fc7c)
 * before: no immediate_exit field; KVM_CAP_IMMEDIATE_EXIT is 0
 */
#include "test.h"

static void guest_sync_twice(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
}

FIXTURE(vcpu) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_SETUP(vcpu)
{
	REQUIRE_CAP(KVM_CAP_IMMEDIATE_EXIT);
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, guest_sync_twice);
}

FIXTURE_TEARDOWN(vcpu)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(vcpu, returns_eintr_without_running_the_guest)
{
	struct kvm_regs before, after;

	vcpu_run_expect(self->vcpu, UCALL_SYNC, 1);
	vcpu_ioctl(self->vcpu, KVM_GET_REGS, &before);
	self->vcpu->run->immediate_exit = 1;
	/* api.rst: "KVM_RUN immediately returns -EINTR" when immediate_exit is set. */
	ASSERT_EQ(-EINTR, __vcpu_run(self->vcpu));
	self->vcpu->run->immediate_exit = 0;
	vcpu_ioctl(self->vcpu, KVM_GET_REGS, &after);
	/* The guest did not run on: it has not reached its next OUT (stage 2),
	 * so only the completed OUT may have moved RIP, by its 2 bytes. */
	ASSERT_LE(after.rip - before.rip, 2);
	/* Running again reaches stage 2 exactly once: stage 1 was not replayed. */
	vcpu_run_expect(self->vcpu, UCALL_SYNC, 2);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest port I/O reaches userspace as KVM_EXIT_IO, with the port, size,
 * direction and the data in the kvm_run page; re-entering completes the
 * instruction. Every other test reports through this path.
 *
 * behaviour: basic.guest_port_io_exit
 * rule: an OUT to a port KVM does not emulate exits with KVM_EXIT_IO giving
 *       port, size 1, direction out, count 1 and the byte at data_offset
 * source: Documentation/virt/kvm/api.rst "5. The kvm_run structure", KVM_EXIT_IO
 */
#include "test.h"

#define TEST_PORT 0x80
#define TEST_BYTE 0x5a

static void guest_out_byte(void)
{
	asm volatile("outb %%al, %[port]" : : "a"(TEST_BYTE), [port] "i"(TEST_PORT));
}

FIXTURE(guest) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_SETUP(guest)
{
	REQUIRE_KVM();
	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, guest_out_byte);
}

FIXTURE_TEARDOWN(guest)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

TEST_F(guest, out_exits_with_kvm_exit_io)
{
	struct kvm_run *run = self->vcpu->run;

	ASSERT_EQ(0, __vcpu_run(self->vcpu));
	/* api.rst KVM_EXIT_IO: port, size, direction, count and data_offset. */
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(TEST_PORT, run->io.port);
	EXPECT_EQ(1, run->io.size);
	EXPECT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	EXPECT_EQ(1, run->io.count);
	EXPECT_EQ(TEST_BYTE, *((uint8_t *)run + run->io.data_offset));
}

TEST_F(guest, reentry_completes_out_and_guest_continues)
{
	ASSERT_EQ(0, __vcpu_run(self->vcpu));
	ASSERT_EQ(KVM_EXIT_IO, self->vcpu->run->exit_reason);
	/* The guest function returns after its OUT and reports DONE. */
	vcpu_run_expect(self->vcpu, UCALL_DONE, 0);
}

TEST_HARNESS_MAIN

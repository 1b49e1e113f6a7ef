// SPDX-License-Identifier: GPL-2.0
/* KVM_RUN and the guest's port I/O reports (ucalls). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kvm.h"

int __vcpu_run(struct vcpu *vcpu)
{
	return __kvm_ioctl(vcpu->fd, KVM_RUN, NULL);
}

const char *exit_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_SHUTDOWN] = "SHUTDOWN (triple fault)",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "other";
}

static const char *guest_string(struct vcpu *vcpu, uint64_t gva)
{
	const char *s;

	if (gva >= vcpu->vm->mem_size)
		return "(guest message pointer outside guest memory)";
	s = (const char *)addr_gpa2hva(vcpu->vm, gva);

	if (!memchr(s, 0, vcpu->vm->mem_size - gva))
		return "(unterminated guest string)";
	return s;
}

static void decode_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	struct kvm_regs regs;

	vcpu_ioctl(vcpu, KVM_GET_REGS, &regs);
	uc->type = regs.rax;
	uc->args[0] = regs.rdi;
	uc->args[1] = regs.rsi;
	uc->args[2] = regs.rdx;
	uc->args[3] = 0;
}

static void fail_on_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		kvmabi_fail("KVM_RUN: VM entry failed, hardware reason 0x%llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		kvmabi_fail("KVM_RUN: internal error, suberror %u",
			    run->internal.suberror);
	if (run->exit_reason == KVM_EXIT_IO)
		kvmabi_fail("KVM_RUN: unexpected port I/O to 0x%x",
			    run->io.port);
	kvmabi_fail("KVM_RUN: unexpected exit %u (%s)", run->exit_reason,
		    exit_reason_name(run->exit_reason));
}

void vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	int r;

	do
		r = __vcpu_run(vcpu);
	while (r == -EINTR);
	if (r < 0)
		kvm_ioctl_checked(vcpu->fd, KVM_RUN, "KVM_RUN", NULL); /* reports */
	if (vcpu->run->exit_reason != KVM_EXIT_IO ||
	    vcpu->run->io.port != KVMABI_UCALL_PORT)
		fail_on_exit(vcpu);
	decode_ucall(vcpu, uc);
	if (uc->type == UCALL_ASSERT)
		kvmabi_fail("guest assertion failed: %s (0x%" PRIx64 " vs 0x%" PRIx64 ")",
			    guest_string(vcpu, uc->args[0]), uc->args[1], uc->args[2]);
	if (uc->type == UCALL_EXCEPTION)
		kvmabi_fail("guest took exception %" PRIu64 " at rip 0x%" PRIx64
			    " (error code 0x%" PRIx64 ")",
			    uc->args[0], uc->args[1], uc->args[2]);
}

void vcpu_run_expect(struct vcpu *vcpu, uint64_t type, uint64_t stage)
{
	struct ucall uc;

	vcpu_run_ucall(vcpu, &uc);
	if (uc.type != type)
		kvmabi_fail("guest reported ucall %" PRIu64 ", expected %" PRIu64,
			    uc.type, type);
	if (type == UCALL_SYNC && uc.args[0] != stage)
		kvmabi_fail("guest reached stage %" PRIu64 ", expected %" PRIu64,
			    uc.args[0], stage);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The vendor-neutral half of nested virtualization (see nested.h): which
 * vendor this host is, the requirement checks both vendors share, the L2
 * stack, and the L1/L2 calls that dispatch on the vendor the host chose.
 */
#include <stdio.h>
#include <string.h>

#include "nested.h"

#define L2_STACK_PAGES 4

/* Guest copies, written by nested_setup() and synced into guest memory. */
static const struct nested_ops *guest_ops;
static uint64_t l2_stack_top;

const struct nested_ops *nested_host_vendor(void)
{
	uint32_t r[4];
	char vendor[13];

	host_cpuid(0, 0, r);
	memcpy(vendor, &r[1], 4);	/* EBX, EDX, ECX spell the vendor */
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	if (!strcmp(vendor, "GenuineIntel"))
		return &nested_vmx;
	if (!strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine"))
		return &nested_svm;
	return NULL;
}

const char *nested_wrong_vendor(const struct nested_ops *ops)
{
	static char why[80];

	if (nested_host_vendor() == ops)
		return NULL;
	snprintf(why, sizeof(why), "host CPU is not %s: no %s to nest",
		 ops == &nested_svm ? "AMD" : "Intel", ops->name);
	return why;
}

const char *nested_common_unavailable(const struct nested_ops *ops,
				      uint32_t leaf, unsigned int ecx_bit,
				      const char *module)
{
	static char why[200];
	const char *no_kvm = kvm_unavailable_reason();
	struct kvm_cpuid_entry2 *e;

	if (no_kvm)
		return no_kvm;
	if (nested_wrong_vendor(ops))
		return nested_wrong_vendor(ops);
	/* x86.c reports the size whenever the backend has nested state ops,
	 * even with nested=0; a backend without them (e.g. PVM) reports 0. */
	if (kvm_check_cap(KVM_CAP_NESTED_STATE) <= 0)
		return "KVM_CAP_NESTED_STATE is 0: this KVM has no nested state";
	e = cpuid_find(kvm_supported_cpuid(), leaf, 0);
	if (!e || !(e->ecx & (1u << ecx_bit))) {
		snprintf(why, sizeof(why),
			 "KVM_GET_SUPPORTED_CPUID 0x%x ECX bit %u (%s) is clear: "
			 "nested virtualization is off (%s nested=0)",
			 leaf, ecx_bit, ops->name, module);
		return why;
	}
	return NULL;
}

void nested_setup(struct vm *vm, const struct nested_ops *ops)
{
	ops->setup(vm);
	l2_stack_top = vm_alloc_pages(vm, L2_STACK_PAGES) +
		       L2_STACK_PAGES * KVMABI_PAGE_SIZE;
	guest_ops = ops;
	sync_global_to_guest(vm, l2_stack_top);
	sync_global_to_guest(vm, guest_ops);
}

struct kvm_nested_state *nested_state_before_guard(const struct kvm_nested_state *src,
						    uint32_t bytes)
{
	void *buf = guarded_buffer(bytes);

	memcpy(buf, src, bytes);
	return buf;
}

void l1_enter(void)
{
	guest_ops->enter();
}

void l2_exit_to_l1(void)
{
	guest_ops->l2_call();
}

/* Where an L2 function that returns lands: it keeps calling L1. Entered
 * by RET, so the stack is 8 bytes off the ABI's alignment. */
static void __attribute__((force_align_arg_pointer, noreturn)) l2_returned(void)
{
	for (;;)
		l2_exit_to_l1();
}

void l1_run_l2(void (*fn)(void))
{
	uint64_t *ret = (uint64_t *)(l2_stack_top - 8);

	*ret = (uint64_t)l2_returned;
	/* The L2 hypercall is the only exit L1 asks for. */
	GUEST_ASSERT_EQ(guest_ops->launch_l2((uint64_t)fn, (uint64_t)ret),
			guest_ops->exit_l2_call);
}

void l1_resume_l2(void)
{
	GUEST_ASSERT_EQ(guest_ops->resume_l2(), guest_ops->exit_l2_call);
}

void l1_leave(void)
{
	guest_ops->leave();
}

static void l2_stop_in_guest_mode(void)
{
	GUEST_SYNC(NESTED_STAGE_IN_L2);
}

void l1_stop_in_l2(void)
{
	l1_enter();
	l1_run_l2(l2_stop_in_guest_mode);
}

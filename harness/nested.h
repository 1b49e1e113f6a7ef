/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nested virtualization, written once for both vendors: the guest (L1)
 * enters VMX or SVM operation and runs a C function of the test binary as
 * its own guest (L2). Tests use the vendor-neutral calls at the bottom and
 * pick a vendor through a FIXTURE_VARIANT holding &nested_vmx or &nested_svm.
 *
 * Who implements what:
 *   nested_svm  harness/svm.c   (SVM: EFER.SVME, VMRUN, VMMCALL)
 *   nested_vmx  harness/vmx.c   (VMX: VMXON, VMLAUNCH/VMRESUME, VMCALL)
 *
 * The shape of a run, all inside one KVM vCPU:
 *   host:  nested_setup(vm, ops)        vendor pages + an L2 stack
 *   L1:    l1_enter()                   VMXON / EFER.SVME=1
 *          l1_run_l2(l2_fn)             VMCS12/VMCB12 for l2_fn, first entry
 *   L2:    ... GUEST_SYNC() ...         port I/O: L1 does not intercept it,
 *                                       so it exits to userspace in guest mode
 *          l2_exit_to_l1()              VMCALL / VMMCALL: exits to L1
 *   L1:    l1_resume_l2()               past the hypercall, back into L2
 *          l1_leave()                   VMXOFF / EFER.SVME=0
 *
 * No EPT/NPT: L2 shares L1's page tables, GDT, IDT and memory, so L2 reads
 * and writes the same globals as L1 and its ucalls and exceptions reach the
 * host as L1's would. L1 intercepts only what the architecture forces
 * (VMRUN on SVM) and the hypercall.
 */
#ifndef KVMABI_NESTED_H
#define KVMABI_NESTED_H

#include <stdbool.h>
#include <stdint.h>

#include "kvm.h"

/* Header of struct kvm_nested_state (api.rst "KVM_GET_NESTED_STATE"). */
#define NESTED_STATE_HDR_SIZE 128u

struct nested_ops {
	const char *name;		/* "vmx" or "svm" */
	uint16_t format;		/* KVM_STATE_NESTED_FORMAT_VMX or _SVM */
	uint32_t state_size;		/* KVM_CAP_NESTED_STATE: 128 + 2 * 4096
					 * (VMX), 128 + 4096 (SVM) */
	uint64_t exit_l2_call;		/* exit code of L2's hypercall: VMX basic
					 * exit reason 18, SVM exit code 0x81 */

	/* ---- host side ---- */

	/* NULL when this host's KVM can run an L2 of this vendor, else the
	 * exact reason, the first of: /dev/kvm missing, the host CPU is the
	 * other vendor, KVM_CAP_NESTED_STATE is 0, KVM_GET_SUPPORTED_CPUID
	 * lacks the vendor bit (nested=0). */
	const char *(*unavailable)(void);
	/* Allocates the guest pages the vendor needs (vm_alloc_pages: VMXON
	 * region and VMCS, or the VMCB and host save area) and makes their
	 * addresses known to the guest (sync_global_to_guest). */
	void (*setup)(struct vm *vm);
	/* Given a state saved while L2 runs (l1_run_l2), NULL when its
	 * vendor data (VMCS12 or VMCB12) holds what this harness's L1 wrote,
	 * else a sentence saying which field differs and how. */
	const char *(*check_saved_vmcs)(const struct kvm_nested_state *s);

	/* ---- guest side: L1 ---- */

	void (*enter)(void);		/* VMXON, or EFER.SVME = 1 */
	/* Writes VMCS12/VMCB12 for an L2 at rip with stack rsp (L1's CR0,
	 * CR3, CR4, EFER, segments, GDT, IDT) and runs it until its first exit
	 * to L1; returns the vendor's exit code. L1's callee-saved registers
	 * survive, and L2's general registers are kept for resume_l2(): L2 is
	 * C code stopped inside l2_exit_to_l1(). */
	uint64_t (*launch_l2)(uint64_t rip, uint64_t rsp);
	/* Steps L2's RIP past the hypercall that exited and resumes L2 until
	 * its next exit to L1; returns the vendor's exit code. */
	uint64_t (*resume_l2)(void);
	void (*leave)(void);		/* VMXOFF, or EFER.SVME = 0 */

	/* ---- guest side: L2 ---- */

	void (*l2_call)(void);		/* VMCALL / VMMCALL */
};

extern const struct nested_ops nested_svm, nested_vmx;

/* In a test (test.h): SKIP unless this host can nest ops' vendor. */
#define REQUIRE_NESTED(ops) do {					\
	const char *__why = (ops)->unavailable();			\
	REQUIRE(!__why, "%s", __why);					\
} while (0)

/* ---- host side, vendor-neutral (nested.c) ---- */

/* The vendor of this host's CPU by the CPUID vendor string: &nested_vmx
 * (GenuineIntel), &nested_svm (AuthenticAMD, HygonGenuine) or NULL. */
const struct nested_ops *nested_host_vendor(void);
/* NULL when the host CPU is ops' vendor, else a sentence saying not. */
const char *nested_wrong_vendor(const struct nested_ops *ops);
/* For the vendors' unavailable(): the checks both share. The vendor's bit
 * is ECX bit ecx_bit of KVM_GET_SUPPORTED_CPUID leaf; module names the KVM
 * module whose nested parameter turns it on. */
const char *nested_common_unavailable(const struct nested_ops *ops,
				      uint32_t leaf, unsigned int ecx_bit,
				      const char *module);
/* ops->setup plus an L2 stack, and tells the guest which ops to use. Call
 * after vm_create() and before the vCPU first runs. */
void nested_setup(struct vm *vm, const struct nested_ops *ops);
/* A copy of the first bytes of src in memory that ends where an
 * inaccessible page begins: KVM touching anything past those bytes faults.
 * With bytes 0 it returns the inaccessible page itself. Never freed. */
struct kvm_nested_state *nested_state_before_guard(const struct kvm_nested_state *src,
						    uint32_t bytes);

/* ---- guest side, vendor-neutral (nested.c); dispatch on the ops that
 * nested_setup() chose ---- */

void l1_enter(void);
/* Launches L2 at fn and returns at its first exit to L1; a GUEST_ASSERT
 * fails unless that exit is L2's hypercall. fn may return: that also ends
 * in a hypercall, so l1_resume_l2() never runs past a returned fn. */
void l1_run_l2(void (*fn)(void));
/* Resumes L2 after its hypercall; asserts the next exit is a hypercall. */
void l1_resume_l2(void);
void l1_leave(void);
/* From L2: exits to L1 with the vendor's hypercall. */
void l2_exit_to_l1(void);
/* A whole L1 guest: enters nested operation and runs an L2 that reports
 * GUEST_SYNC(NESTED_STAGE_IN_L2) to userspace while in guest mode. */
#define NESTED_STAGE_IN_L2 1
void l1_stop_in_l2(void);

#endif

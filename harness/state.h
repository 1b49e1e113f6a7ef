/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whole vCPU state, saved and restored the way a VMM migrates a vCPU
 * (api.rst: KVM_GET/SET_* of each part; the order in vcpu_load_state()).
 * Written once for the nested and migration tests.
 */
#ifndef KVMABI_STATE_H
#define KVMABI_STATE_H

#include "kvm.h"

struct vcpu_state {
	struct kvm_cpuid2 *cpuid;		/* KVM_GET_CPUID2 */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_msrs *msrs;
	struct kvm_xsave *xsave;		/* KVM_GET_XSAVE2 where it exists */
	uint32_t xsave_size;
	struct kvm_xcrs xcrs;
	bool has_xcrs;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp_state;
	struct kvm_debugregs debugregs;
	struct kvm_nested_state *nested;	/* NULL without KVM_CAP_NESTED_STATE */
};

/* Completes a pending I/O exit (immediate_exit), then reads every part. */
struct vcpu_state *vcpu_save_state(struct vcpu *vcpu);
/* CPUID first, nested state last; any refused part fails the test. */
void vcpu_load_state(struct vcpu *vcpu, const struct vcpu_state *s);
void vcpu_state_free(struct vcpu_state *s);
/* The rest of a migration: a new VM with a copy of the guest memory and a
 * bare vCPU loaded with s; the old VM and vCPU are freed, *vm and *vcpu
 * point at the new ones. */
void migrate_to_new_vm(struct vm **vm, struct vcpu **vcpu,
		       const struct vcpu_state *s);

/* The vCPU's XSAVE size: KVM_CAP_XSAVE2 on the VM, else 4096. */
uint32_t vm_xsave_size(struct vm *vm);
struct kvm_xsave *vcpu_get_xsave(struct vcpu *vcpu, uint32_t *size);
struct kvm_nested_state *vcpu_get_nested_state(struct vcpu *vcpu);
int __vcpu_set_nested_state(struct vcpu *vcpu, const struct kvm_nested_state *n);
struct kvm_msrs *vcpu_get_all_msrs(struct vcpu *vcpu);
uint64_t vcpu_get_msr(struct vcpu *vcpu, uint32_t index);
void vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value);

#endif

// SPDX-License-Identifier: GPL-2.0
/* Saving and restoring a whole vCPU (see state.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

static void *zalloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		kvmabi_error("out of memory");
	return p;
}

uint32_t vm_xsave_size(struct vm *vm)
{
	int size = vm_check_cap(vm, KVM_CAP_XSAVE2);

	return size > 4096 ? size : 4096;
}

struct kvm_xsave *vcpu_get_xsave(struct vcpu *vcpu, uint32_t *size)
{
	struct kvm_xsave *x;

	*size = vm_xsave_size(vcpu->vm);
	x = zalloc(*size);
	if (vm_check_cap(vcpu->vm, KVM_CAP_XSAVE2) > 0)
		vcpu_ioctl(vcpu, KVM_GET_XSAVE2, x);
	else
		vcpu_ioctl(vcpu, KVM_GET_XSAVE, x);
	return x;
}

struct kvm_nested_state *vcpu_get_nested_state(struct vcpu *vcpu)
{
	int size = kvm_check_cap(KVM_CAP_NESTED_STATE);
	struct kvm_nested_state *n;

	if (size <= 0)
		return NULL;
	n = zalloc(size);
	n->size = size;
	vcpu_ioctl(vcpu, KVM_GET_NESTED_STATE, n);
	return n;
}

int __vcpu_set_nested_state(struct vcpu *vcpu, const struct kvm_nested_state *n)
{
	return __vcpu_ioctl(vcpu, KVM_SET_NESTED_STATE, (void *)n);
}

static struct kvm_msr_list *msr_index_list(void)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;

	/* api.rst: E2BIG with nmsrs set to the number of indices */
	__kvm_ioctl(kvm_fd(), KVM_GET_MSR_INDEX_LIST, &probe);
	list = zalloc(sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	list->nmsrs = probe.nmsrs;
	kvm_ioctl_checked(kvm_fd(), KVM_GET_MSR_INDEX_LIST,
			  "KVM_GET_MSR_INDEX_LIST", list);
	return list;
}

/* KVM_GET_MSRS on n entries; returns how many it read (it stops at the
 * first MSR it cannot read). */
static uint32_t read_msrs(struct vcpu *vcpu, struct kvm_msr_entry *e, uint32_t n)
{
	struct kvm_msrs *part = zalloc(sizeof(*part) + n * sizeof(*e));
	uint32_t got;

	part->nmsrs = n;
	memcpy(part->entries, e, n * sizeof(*e));
	got = vcpu_ioctl(vcpu, KVM_GET_MSRS, part);
	memcpy(e, part->entries, got * sizeof(*e));
	free(part);
	return got;
}

/* KVM's paravirtual MSRs (kvmclock 0x11, 0x12 and 0x4b564d00..ff). The tiny
 * guest never enables them, and at least one kernel (6.18 on this project's
 * dev machines) lists MSR_KVM_POLL_CONTROL but refuses to have the value it
 * returned written back, which says nothing about the state under test. */
static bool is_kvm_pv_msr(uint32_t index)
{
	return index == 0x11 || index == 0x12 || (index >> 8) == 0x4b564d;
}

/* Every architectural MSR KVM lists; one it cannot read is left out. */
struct kvm_msrs *vcpu_get_all_msrs(struct vcpu *vcpu)
{
	struct kvm_msr_list *list = msr_index_list();
	struct kvm_msrs *m = zalloc(sizeof(*m) + list->nmsrs * sizeof(m->entries[0]));
	uint32_t i, done = 0;

	for (i = 0; i < list->nmsrs; i++)
		if (!is_kvm_pv_msr(list->indices[i]))
			m->entries[m->nmsrs++].index = list->indices[i];
	free(list);
	while (done < m->nmsrs) {
		done += read_msrs(vcpu, &m->entries[done], m->nmsrs - done);
		if (done < m->nmsrs) {
			kvmabi_note("KVM_GET_MSRS cannot read listed MSR 0x%x: "
				    "left out of the saved state", m->entries[done].index);
			memmove(&m->entries[done], &m->entries[done + 1],
				(m->nmsrs - done - 1) * sizeof(m->entries[0]));
			m->nmsrs--;
		}
	}
	return m;
}

uint64_t vcpu_get_msr(struct vcpu *vcpu, uint32_t index)
{
	struct kvm_msr_entry e = { .index = index };

	if (read_msrs(vcpu, &e, 1) != 1)
		kvmabi_fail("KVM_GET_MSRS cannot read MSR 0x%x", index);
	return e.data;
}

void vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e = { .index = index, .data = value } };

	if (vcpu_ioctl(vcpu, KVM_SET_MSRS, &m) != 1)
		kvmabi_fail("KVM_SET_MSRS refused MSR 0x%x = 0x%llx", index,
			    (unsigned long long)value);
}

static struct kvm_cpuid2 *vcpu_get_cpuid(struct vcpu *vcpu)
{
	uint32_t nent = kvm_supported_cpuid()->nent;
	struct kvm_cpuid2 *c;

	for (;;) {
		int r;

		c = zalloc(sizeof(*c) + nent * sizeof(c->entries[0]));
		c->nent = nent;
		r = __vcpu_ioctl(vcpu, KVM_GET_CPUID2, c);
		if (r != -E2BIG) {
			if (r < 0)
				kvmabi_fail("KVM_GET_CPUID2 failed: errno %d", -r);
			return c;
		}
		free(c);
		nent *= 2;
	}
}

/* api.rst "KVM_RUN": a pending I/O exit must be completed with
 * immediate_exit before the state is read, or the state is torn. */
static void complete_pending_io(struct vcpu *vcpu)
{
	int r;

	vcpu->run->immediate_exit = 1;
	r = __vcpu_run(vcpu);
	vcpu->run->immediate_exit = 0;
	if (r != -EINTR)
		kvmabi_fail("KVM_RUN with immediate_exit returned %d, not -EINTR", r);
}

struct vcpu_state *vcpu_save_state(struct vcpu *vcpu)
{
	struct vcpu_state *s = zalloc(sizeof(*s));

	complete_pending_io(vcpu);
	s->cpuid = vcpu_get_cpuid(vcpu);
	vcpu_ioctl(vcpu, KVM_GET_REGS, &s->regs);
	vcpu_ioctl(vcpu, KVM_GET_SREGS, &s->sregs);
	s->msrs = vcpu_get_all_msrs(vcpu);
	s->xsave = vcpu_get_xsave(vcpu, &s->xsave_size);
	s->has_xcrs = kvm_check_cap(KVM_CAP_XCRS) > 0;
	if (s->has_xcrs)
		vcpu_ioctl(vcpu, KVM_GET_XCRS, &s->xcrs);
	vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &s->events);
	vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &s->mp_state);
	vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &s->debugregs);
	s->nested = vcpu_get_nested_state(vcpu);
	return s;
}

/* KVM_SET_MSRS writes entries in order and stops at the first it refuses.
 * Some kernels list MSRs they then refuse to take back (5.10 on Intel:
 * AMD's 0xc0010200 PMU MSRs); a VMM restores only state that differs, so a
 * refused MSR that already holds the saved value is passed over, and one
 * that does not fails the test, naming it. */
static void set_all_msrs(struct vcpu *vcpu, const struct kvm_msrs *m)
{
	uint32_t done = 0;

	while (done < m->nmsrs) {
		const struct kvm_msr_entry *e;
		struct kvm_msr_entry now;
		struct kvm_msrs *part;

		part = zalloc(sizeof(*part) + (m->nmsrs - done) * sizeof(*e));
		part->nmsrs = m->nmsrs - done;
		memcpy(part->entries, &m->entries[done], part->nmsrs * sizeof(*e));
		done += vcpu_ioctl(vcpu, KVM_SET_MSRS, part);
		free(part);
		if (done == m->nmsrs)
			break;
		e = &m->entries[done];
		now.index = e->index;
		if (read_msrs(vcpu, &now, 1) != 1 || now.data != e->data)
			kvmabi_fail("KVM_SET_MSRS refused saved MSR 0x%x = 0x%llx",
				    e->index, (unsigned long long)e->data);
		kvmabi_note("KVM_SET_MSRS refused MSR 0x%x = 0x%llx, which the new "
			    "vCPU already holds: passed over", e->index,
			    (unsigned long long)e->data);
		done++;
	}
}

/* The order of the kernel's own selftests (vcpu_load_state) and of QEMU:
 * CPUID before anything it gates, sregs and MSRs before XSAVE, events and
 * registers, and nested state last so it sees the final L1 state. */
void vcpu_load_state(struct vcpu *vcpu, const struct vcpu_state *s)
{
	vcpu_set_cpuid(vcpu, s->cpuid);
	vcpu_ioctl(vcpu, KVM_SET_SREGS, (void *)&s->sregs);
	set_all_msrs(vcpu, s->msrs);
	if (s->has_xcrs)
		vcpu_ioctl(vcpu, KVM_SET_XCRS, (void *)&s->xcrs);
	vcpu_ioctl(vcpu, KVM_SET_XSAVE, s->xsave);
	vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, (void *)&s->events);
	vcpu_ioctl(vcpu, KVM_SET_MP_STATE, (void *)&s->mp_state);
	vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, (void *)&s->debugregs);
	vcpu_ioctl(vcpu, KVM_SET_REGS, (void *)&s->regs);
	if (s->nested)
		vcpu_ioctl(vcpu, KVM_SET_NESTED_STATE, s->nested);
}

void vcpu_state_free(struct vcpu_state *s)
{
	if (!s)
		return;
	free(s->cpuid);
	free(s->msrs);
	free(s->xsave);
	free(s->nested);
	free(s);
}

void migrate_to_new_vm(struct vm **vm, struct vcpu **vcpu,
		       const struct vcpu_state *s)
{
	struct vm *dst = vm_create();

	memcpy(dst->mem, (*vm)->mem, (*vm)->mem_size);
	vcpu_free(*vcpu);
	vm_free(*vm);
	*vm = dst;
	*vcpu = vcpu_add_bare(dst);
	vcpu_load_state(*vcpu, s);
}

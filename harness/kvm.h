/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmabi harness: a VM with guest memory and vCPUs that run C functions of
 * the test binary itself.
 *
 * The test binary is static and not position independent; its loadable
 * segments are copied into guest memory at their own addresses and guest
 * memory is identity mapped, so a guest function or a string literal has the
 * same address in the guest as in the host. Globals are copies: use
 * sync_global_to_guest()/sync_global_from_guest().
 *
 * Naming: __name() is the raw call and returns 0 or -errno; name() is the
 * checked call and fails the test with the ioctl's name and errno.
 */
#ifndef KVMABI_KVM_H
#define KVMABI_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define KVMABI_PAGE_SIZE 4096UL

struct vm {
	int kvm_fd;
	int fd;
	uint8_t *mem;		/* host mapping of guest physical 0 */
	uint64_t mem_size;
	uint64_t heap_next;	/* next free guest page (bump allocator) */
	int nr_vcpus;
};

struct vcpu {
	struct vm *vm;
	int fd;
	int id;
	struct kvm_run *run;
	size_t run_size;
};

/* Failing and erroring out of a test from library code (see report.c). */
void kvmabi_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void kvmabi_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* A diagnostic line in the test's TAP that does not end the test. */
void kvmabi_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* /dev/kvm */
int __kvm_open(void);			/* fd or -errno */
int kvm_fd(void);			/* shared, opened once; fails the test */
int kvm_check_cap(long cap);		/* KVM_CHECK_EXTENSION on /dev/kvm */
const char *kvm_unavailable_reason(void); /* NULL when /dev/kvm opens */

/* VMs and vCPUs */
struct vm *vm_create(void);		/* memory loaded with this binary */
struct vm *vm_create_bare(void);	/* KVM_CREATE_VM only, no memory */
void vm_free(struct vm *vm);
int vm_check_cap(struct vm *vm, long cap);	/* on the VM fd */
uint64_t vm_alloc_pages(struct vm *vm, unsigned int n);	/* guest address */
/* bytes of host memory that end where an inaccessible page begins, so KVM
 * touching one byte past them faults (EFAULT); bytes 0 gives that page.
 * Lives until the test's process exits. */
void *guarded_buffer(size_t bytes);
void *addr_gpa2hva(struct vm *vm, uint64_t gpa);
void vm_copy_to_guest(struct vm *vm, const void *host_var, size_t size);
void vm_copy_from_guest(struct vm *vm, void *host_var, size_t size);
#define sync_global_to_guest(vm, g) vm_copy_to_guest(vm, &(g), sizeof(g))
#define sync_global_from_guest(vm, g) vm_copy_from_guest(vm, &(g), sizeof(g))

/* A vCPU with KVM's supported CPUID, in 64-bit mode, about to call fn. */
struct vcpu *vcpu_add(struct vm *vm, void (*guest_fn)(void));
struct vcpu *vcpu_add_bare(struct vm *vm);	/* KVM_CREATE_VCPU only */
void vcpu_free(struct vcpu *vcpu);

/* ioctl helpers: raw calls return 0 (or the ioctl's value) or -errno */
int __kvm_ioctl(int fd, unsigned long req, void *arg);
int kvm_ioctl_checked(int fd, unsigned long req, const char *name, void *arg);
#define __vm_ioctl(vm, req, arg) __kvm_ioctl((vm)->fd, req, arg)
#define vm_ioctl(vm, req, arg) kvm_ioctl_checked((vm)->fd, req, #req, arg)
#define __vcpu_ioctl(v, req, arg) __kvm_ioctl((v)->fd, req, arg)
#define vcpu_ioctl(v, req, arg) kvm_ioctl_checked((v)->fd, req, #req, arg)

/* CPUID */
struct kvm_cpuid2 *kvm_supported_cpuid(void);	/* cached; do not free */
struct kvm_cpuid2 *kvm_supported_cpuid_fresh(void);	/* asked now; free it */
struct kvm_cpuid2 *cpuid_dup(const struct kvm_cpuid2 *c);
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx);
void vcpu_set_cpuid(struct vcpu *vcpu, struct kvm_cpuid2 *c);
int __vcpu_set_cpuid(struct vcpu *vcpu, struct kvm_cpuid2 *c);
void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]); /* eax..edx */

/* Running */
enum ucall_type {
	UCALL_NONE,
	UCALL_SYNC,	/* guest reached a stage; args[0] names it */
	UCALL_DONE,	/* guest function returned */
	UCALL_ASSERT,	/* guest assertion: args[0] is a message string */
	UCALL_EXCEPTION,/* unexpected exception: args[0] vector, args[1] rip */
};
struct ucall {
	uint64_t type;
	uint64_t args[4];
};
#define KVMABI_UCALL_PORT 0xe9

int __vcpu_run(struct vcpu *vcpu);
/* Run to the next ucall; a guest assertion, exception or odd exit fails. */
void vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc);
/* Run expecting a given ucall type (and SYNC stage when type is SYNC). */
void vcpu_run_expect(struct vcpu *vcpu, uint64_t type, uint64_t stage);
const char *exit_reason_name(uint32_t reason);

/* Guest side */
void ucall(uint64_t type, uint64_t a0, uint64_t a1, uint64_t a2);
#define GUEST_SYNC(stage) ucall(UCALL_SYNC, (stage), 0, 0)
#define GUEST_DONE() ucall(UCALL_DONE, 0, 0, 0)
#define __kvmabi_str(x) #x
#define __kvmabi_xstr(x) __kvmabi_str(x)
#define GUEST_ASSERT(cond) do { if (!(cond)) ucall(UCALL_ASSERT, \
	(uint64_t)(__FILE__ ":" __kvmabi_xstr(__LINE__) ": " #cond), 0, 0); } while (0)
#define GUEST_ASSERT_EQ(a, b) do { uint64_t __a = (a), __b = (b); if (__a != __b) \
	ucall(UCALL_ASSERT, (uint64_t)(__FILE__ ":" __kvmabi_xstr(__LINE__) ": " \
	#a " == " #b), __a, __b); } while (0)

static inline uint64_t guest_xgetbv(uint32_t idx)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
	return lo | ((uint64_t)hi << 32);
}

static inline void guest_xsetbv(uint32_t idx, uint64_t val)
{
	asm volatile("xsetbv" : : "a"((uint32_t)val), "d"((uint32_t)(val >> 32)),
		     "c"(idx) : "memory");
}

#endif

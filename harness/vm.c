// SPDX-License-Identifier: GPL-2.0
/* /dev/kvm, VMs, guest memory and vCPUs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"
#include "kvm.h"

#define GUEST_MEM_SIZE (64UL << 20)

static int shared_kvm_fd = -1;
static int open_errno;

int __kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

const char *kvm_unavailable_reason(void)
{
	if (shared_kvm_fd >= 0)
		return NULL;
	shared_kvm_fd = __kvm_open();
	if (shared_kvm_fd >= 0)
		return NULL;
	open_errno = -shared_kvm_fd;
	if (open_errno == ENOENT)
		return "/dev/kvm does not exist: the kernel has no KVM module loaded";
	if (open_errno == EACCES || open_errno == EPERM)
		return "no permission to open /dev/kvm: run as root or join the kvm group";
	return "/dev/kvm cannot be opened";
}

int kvm_fd(void)
{
	const char *why = kvm_unavailable_reason();

	if (why)
		kvmabi_error("%s (errno %d)", why, open_errno);
	return shared_kvm_fd;
}

int __kvm_ioctl(int fd, unsigned long req, void *arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

int kvm_ioctl_checked(int fd, unsigned long req, const char *name, void *arg)
{
	int r = __kvm_ioctl(fd, req, arg);

	if (r == -EIO)
		kvmabi_fail("%s failed with EIO: KVM has killed this VM", name);
	if (r < 0)
		kvmabi_fail("%s failed: errno %d (%s)", name, -r, strerror(-r));
	return r;
}

int kvm_check_cap(long cap)
{
	return __kvm_ioctl(kvm_fd(), KVM_CHECK_EXTENSION, (void *)cap);
}

int vm_check_cap(struct vm *vm, long cap)
{
	return __kvm_ioctl(vm->fd, KVM_CHECK_EXTENSION, (void *)cap);
}

struct vm *vm_create_bare(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		kvmabi_error("out of memory");
	vm->kvm_fd = kvm_fd();
	vm->fd = kvm_ioctl_checked(vm->kvm_fd, KVM_CREATE_VM, "KVM_CREATE_VM", 0);
	return vm;
}

static void vm_add_memory(struct vm *vm, uint64_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = size,
	};

	vm->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		kvmabi_error("mmap of %lu bytes of guest memory: %s",
			     (unsigned long)size, strerror(errno));
	vm->mem_size = size;
	region.userspace_addr = (uint64_t)vm->mem;
	vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region);
}

struct vm *vm_create(void)
{
	struct vm *vm = vm_create_bare();

	vm_add_memory(vm, GUEST_MEM_SIZE);
	vm->heap_next = guest_load_image(vm);
	return vm;
}

void vm_free(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	close(vm->fd);
	free(vm);
}

void *addr_gpa2hva(struct vm *vm, uint64_t gpa)
{
	if (gpa >= vm->mem_size)
		kvmabi_error("guest address 0x%lx is outside guest memory",
			     (unsigned long)gpa);
	return vm->mem + gpa;
}

uint64_t vm_alloc_pages(struct vm *vm, unsigned int n)
{
	uint64_t gpa = vm->heap_next;

	if (gpa + n * KVMABI_PAGE_SIZE > vm->mem_size)
		kvmabi_error("guest memory exhausted allocating %u pages", n);
	vm->heap_next += n * KVMABI_PAGE_SIZE;
	memset(addr_gpa2hva(vm, gpa), 0, n * KVMABI_PAGE_SIZE);
	return gpa;
}

/* A global's guest copy, all size bytes of it inside guest memory. */
static void *guest_copy_of(struct vm *vm, const void *host_var, size_t size)
{
	uint64_t gpa = (uint64_t)host_var;

	if (gpa + size > vm->mem_size)
		kvmabi_error("0x%lx bytes at guest address 0x%lx run past guest memory",
			     (unsigned long)size, (unsigned long)gpa);
	return addr_gpa2hva(vm, gpa);
}

void *guarded_buffer(size_t bytes)
{
	size_t pages = (bytes + KVMABI_PAGE_SIZE - 1) / KVMABI_PAGE_SIZE;
	size_t len = (pages + 1) * KVMABI_PAGE_SIZE;
	uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *guard;

	if (map == MAP_FAILED)
		kvmabi_error("mmap of a guarded buffer: %s", strerror(errno));
	guard = map + pages * KVMABI_PAGE_SIZE;
	if (mprotect(guard, KVMABI_PAGE_SIZE, PROT_NONE))
		kvmabi_error("mprotect of a guard page: %s", strerror(errno));
	return guard - bytes;
}

void vm_copy_to_guest(struct vm *vm, const void *host_var, size_t size)
{
	memcpy(guest_copy_of(vm, host_var, size), host_var, size);
}

void vm_copy_from_guest(struct vm *vm, void *host_var, size_t size)
{
	memcpy(host_var, guest_copy_of(vm, host_var, size), size);
}

struct vcpu *vcpu_add_bare(struct vm *vm)
{
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int size;

	if (!vcpu)
		kvmabi_error("out of memory");
	vcpu->vm = vm;
	vcpu->id = vm->nr_vcpus++;
	vcpu->fd = vm_ioctl(vm, KVM_CREATE_VCPU, (void *)(long)vcpu->id);
	size = kvm_ioctl_checked(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE,
				 "KVM_GET_VCPU_MMAP_SIZE", NULL);
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED)
		kvmabi_error("mmap of the vCPU's kvm_run: %s", strerror(errno));
	return vcpu;
}

struct vcpu *vcpu_add(struct vm *vm, void (*guest_fn)(void))
{
	struct vcpu *vcpu = vcpu_add_bare(vm);

	vcpu_set_cpuid(vcpu, kvm_supported_cpuid());
	guest_setup_vcpu(vcpu, guest_fn);
	return vcpu;
}

void vcpu_free(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-facts: print what a matrix cell's KVM offers, one key=value a line,
 * for the guest init (harness/init.sh) to record in the cell's results:
 * the XCR0 bits KVM_GET_SUPPORTED_CPUID reports in leaf 0xD (EDX:EAX of
 * subleaf 0), KVM_CAP_NESTED_STATE and KVM_CAP_XSAVE2. Built static by
 * matrix/initramfs.py; not part of the test suite.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#ifndef KVM_CAP_XSAVE2	/* v5.17; linux-libc-dev 6.1 has it, older ones not */
#define KVM_CAP_XSAVE2 208
#endif

static unsigned long long supported_xcr0(int kvm)
{
	int n = 256;
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));

	if (!cpuid)
		return 0;
	cpuid->nent = n;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
		return 0;
	for (unsigned int i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 0xd && e->index == 0)
			return ((unsigned long long)e->edx << 32) | e->eax;
	}
	return 0;
}

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR);

	if (kvm < 0) {
		perror("kvm_open=/dev/kvm");
		return 1;
	}
	printf("api_version=%d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
	printf("supported_xcr0=0x%llx\n", supported_xcr0(kvm));
	printf("cap_nested_state=%d\n", ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NESTED_STATE));
	printf("cap_xsave2=%d\n", ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2));
	return 0;
}

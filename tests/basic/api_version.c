// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM API version is fixed: a VMM must check it before anything else
 * and refuse to run when it differs.
 *
 * behaviour: basic.api_version
 * rule: KVM_GET_API_VERSION on /dev/kvm returns 12
 * source: Documentation/virt/kvm/api.rst "4.1 KVM_GET_API_VERSION"
 * since: v2.6.22 (the stable API; 12 since 2.6.22)
 */
#include "test.h"

TEST(get_api_version_returns_12)
{
	REQUIRE_KVM();
	/* api.rst 4.1: "The return value must be 12". */
	ASSERT_EQ(12, __kvm_ioctl(kvm_fd(), KVM_GET_API_VERSION, NULL));
}

TEST_HARNESS_MAIN

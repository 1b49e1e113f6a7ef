/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every test file includes: the kernel's kselftest harness (taken from
 * a kernel tree at build time) and the requirement macros, which SKIP with
 * the exact missing requirement.
 */
#ifndef KVMABI_TEST_H
#define KVMABI_TEST_H

#include "kselftest_harness.h"
#include "kvm.h"
#include "state.h"

/* SKIP the test (from a TEST body or FIXTURE_SETUP) unless cond holds. */
#define REQUIRE(cond, fmt, ...) do {					\
	if (!(cond))							\
		SKIP(return, fmt, ##__VA_ARGS__);			\
} while (0)

#define REQUIRE_KVM() do {						\
	const char *__why = kvm_unavailable_reason();			\
	REQUIRE(!__why, "%s", __why);					\
} while (0)

/* A capability KVM must report non-zero on /dev/kvm. */
#define REQUIRE_CAP(cap) do {						\
	REQUIRE_KVM();							\
	REQUIRE(kvm_check_cap(cap) > 0, "%s is 0 on this kernel", #cap);\
} while (0)

/* Ends the test as XFAIL: the kernel answered as a known older kernel does;
 * why names the behaviour and the commit that changed it. */
#define XFAIL_KNOWN_OLDER(why) do {					\
	if (_metadata->exit_code == KSFT_FAIL)				\
		return;		/* an earlier check failed: that stands */ \
	snprintf(_metadata->results->reason,				\
		 sizeof(_metadata->results->reason), "%s", why);	\
	_metadata->exit_code = KSFT_XFAIL;				\
	return;								\
} while (0)

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The XSAVE ioctls carry the guest's extended registers across a
 * migration: what the guest put in its x87, SSE, AVX, AVX-512, PKRU and AMX
 * registers, read with KVM_GET_XSAVE2 (KVM_GET_XSAVE before v5.17) and
 * written with KVM_SET_XSAVE into a vCPU of a new VM, is what the guest
 * finds in them when it resumes there.
 *
 * The vCPU runs with everything KVM offers enabled in XCR0; the guest
 * loads one group's registers with distinct values and stops at
 * GUEST_SYNC(1) with them live.
 * The host moves the vCPU (harness/state.c: every KVM_GET_* then KVM_SET_*
 * into a fresh vCPU, guest memory copied); the guest stores the registers
 * and stops at GUEST_SYNC(2), and the host compares register by register.
 *
 * behaviour: xsave.roundtrip_preserves_registers
 * rule: register values the guest wrote in each xfeature survive
 *       KVM_GET_XSAVE2, KVM_SET_XSAVE into a fresh vCPU of a new VM and
 *       resuming there, bit for bit
 * source: Documentation/virt/kvm/api.rst "4.42 KVM_GET_XSAVE", "4.43
 *         KVM_SET_XSAVE", "4.134 KVM_GET_XSAVE2"; commit be50b2065dfa
 *         (KVM_GET_XSAVE2, needed once AMX makes the state exceed 4096 bytes)
 * since: v2.6.36 for x87, SSE and AVX (KVM_CAP_XSAVE, KVM_CAP_XCRS);
 *        AVX-512 and PKRU since guests may use them (about v3.15 and v4.6,
 *        unsure); AMX v5.17 (be50b2065dfa and the AMX series)
 * before: unsure; checked here on Debian 5.10, 6.1 and 6.12
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "xsave_regs.h"
#include "xstate.h"

#define CR4_OSXSAVE (1ULL << 18)
#define SEED 0x5a

/* Guest inputs and outputs; globals are copied, see sync_global_*(). */
static unsigned int guest_group;
static uint8_t guest_src[XREGS_MAX_BYTES] __attribute__((aligned(64)));
static uint8_t guest_dst[XREGS_MAX_BYTES] __attribute__((aligned(64)));

static void guest_hold_registers(void)
{
	xregs_groups[guest_group].hold_across_sync(guest_src, guest_dst, 1);
	GUEST_SYNC(2);
}

FIXTURE(roundtrip) {
	struct vm *vm;
	struct vcpu *vcpu;
	const struct xregs_group *g;
};

FIXTURE_VARIANT(roundtrip) {
	enum xregs_group_id group;
};

FIXTURE_VARIANT_ADD(roundtrip, x87) { .group = XREGS_X87 };
FIXTURE_VARIANT_ADD(roundtrip, sse) { .group = XREGS_SSE };
FIXTURE_VARIANT_ADD(roundtrip, sse_mxcsr) { .group = XREGS_MXCSR };
FIXTURE_VARIANT_ADD(roundtrip, avx) { .group = XREGS_AVX };
FIXTURE_VARIANT_ADD(roundtrip, avx512_opmask) { .group = XREGS_AVX512_OPMASK };
FIXTURE_VARIANT_ADD(roundtrip, avx512_zmm_hi256) { .group = XREGS_AVX512_ZMM_HI256 };
FIXTURE_VARIANT_ADD(roundtrip, avx512_hi16_zmm) { .group = XREGS_AVX512_HI16_ZMM };
FIXTURE_VARIANT_ADD(roundtrip, pkru) { .group = XREGS_PKRU };
FIXTURE_VARIANT_ADD(roundtrip, amx) { .group = XREGS_AMX };

/* KMOVQ needs AVX512BW: CPUID.(EAX=7,ECX=0):EBX[30]. */
static bool host_has_avx512bw(void)
{
	uint32_t r[4];

	host_cpuid(7, 0, r);
	return r[1] & (1u << 30);
}

/* XSETBV needs CR4.OSXSAVE; the harness sets it only when KVM's supported
 * CPUID leaf 1 has XSAVE, so set it (and what the group needs) here. */
static void enable_cr4(struct vcpu *vcpu, uint64_t bits)
{
	struct kvm_sregs sregs;

	vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs);
	sregs.cr4 |= bits;
	vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs);
}

/*
 * XCR0 from the host rather than by the guest's XSETBV: under QEMU TCG's
 * nested SVM the guest's XSETBV reaches the CPU without the intercept, so
 * KVM never learns of it and KVM_GET_XCRS would move the wrong XCR0.
 */
static void set_xcr0(struct vcpu *vcpu, uint64_t xcr0)
{
	struct kvm_xcrs xcrs = { .nr_xcrs = 1 };

	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = xcr0;
	vcpu_ioctl(vcpu, KVM_SET_XCRS, &xcrs);
}

FIXTURE_SETUP(roundtrip)
{
	uint64_t offered;

	REQUIRE_CAP(KVM_CAP_XSAVE);
	REQUIRE_CAP(KVM_CAP_XCRS);
	self->g = &xregs_groups[variant->group];
	if (variant->group == XREGS_AMX) {
		const char *why = amx_request_guest_perm();

		REQUIRE(!why, "%s", why);
	}
	offered = kvm_supported_xcr0();
	REQUIRE((offered & self->g->xfeatures) == self->g->xfeatures,
		"KVM does not offer %s: KVM_GET_SUPPORTED_CPUID leaf 0xD has only %s",
		xfeature_name(__builtin_ctzll(self->g->xfeatures & ~offered)),
		xfeature_mask_names(offered));
	if (variant->group == XREGS_AVX512_OPMASK)
		REQUIRE(host_has_avx512bw(), "host lacks AVX512BW (CPUID.7.0:EBX[30]), "
			"which 64-bit KMOVQ of the opmask registers needs");

	self->vm = vm_create();
	self->vcpu = vcpu_add(self->vm, guest_hold_registers);
	enable_cr4(self->vcpu, CR4_OSXSAVE | self->g->cr4_bits);
	set_xcr0(self->vcpu, offered);
	guest_group = variant->group;
	xregs_fill(self->g, guest_src, SEED);
	sync_global_to_guest(self->vm, guest_group);
	sync_global_to_guest(self->vm, guest_src);
}

FIXTURE_TEARDOWN(roundtrip)
{
	vcpu_free(self->vcpu);
	vm_free(self->vm);
}

/* Moves the vCPU into a new VM whose memory is a copy of the old one's. */
static void migrate(FIXTURE_DATA(roundtrip) *self)
{
	struct vcpu_state *s = vcpu_save_state(self->vcpu);
	struct vm *vm = vm_create();

	memcpy(vm->mem, self->vm->mem, self->vm->mem_size);
	vcpu_free(self->vcpu);
	vm_free(self->vm);
	self->vm = vm;
	self->vcpu = vcpu_add_bare(vm);
	vcpu_load_state(self->vcpu, s);
	vcpu_state_free(s);
}

static const char *reg_name(const struct xregs_group *g, unsigned int i)
{
	static char name[32];

	if (i == g->nregs)
		return g->ctl_name;
	snprintf(name, sizeof(name), g->reg_fmt, g->first_reg + i);
	return name;
}

/*
 * Runs to GUEST_SYNC(1). A KVM that executes the guest in its instruction
 * emulator (a software backend without VMX or SVM) cannot run every x87 or
 * vector instruction: that is a missing requirement of this test, so return
 * why; any other stop before the registers are loaded fails the test.
 */
static const char *run_to_registers_loaded(struct vcpu *vcpu, const char *group)
{
	static char why[200];
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	int r;

	do
		r = __vcpu_run(vcpu);
	while (r == -EINTR);
	if (r < 0)
		kvmabi_fail("KVM_RUN failed: errno %d (%s)", -r, strerror(-r));
	vcpu_ioctl(vcpu, KVM_GET_REGS, &regs);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION) {
		snprintf(why, sizeof(why), "this KVM cannot execute the guest's %s "
			 "instructions: KVM_EXIT_INTERNAL_ERROR, emulation failure, "
			 "at rip 0x%llx", group, regs.rip);
		return why;
	}
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != KVMABI_UCALL_PORT)
		kvmabi_fail("KVM_RUN: exit %u (%s) before the guest's %s registers "
			    "were loaded", run->exit_reason,
			    exit_reason_name(run->exit_reason), group);
	if (regs.rax != UCALL_SYNC || regs.rdi != 1)
		kvmabi_fail("guest reported ucall %llu (0x%llx, 0x%llx) before its %s "
			    "registers were loaded", regs.rax, regs.rdi, regs.rsi, group);
	return NULL;
}

TEST_F(roundtrip, guest_reads_back_what_it_wrote)
{
	const struct xregs_group *g = self->g;
	const char *why;
	unsigned int i;

	why = run_to_registers_loaded(self->vcpu, g->name);
	REQUIRE(!why, "%s", why);
	migrate(self);
	vcpu_run_expect(self->vcpu, UCALL_SYNC, 2);
	sync_global_from_guest(self->vm, guest_dst);
	/* Each register holds, after the move, the value written before it. */
	for (i = 0; i < g->nregs; i++) {
		EXPECT_EQ(0, memcmp(guest_src + i * g->slot_bytes,
				    guest_dst + i * g->slot_bytes, g->reg_bytes))
			TH_LOG("%s differs after the move", reg_name(g, i));
	}
	if (g->ctl_bytes) {
		EXPECT_EQ(0, memcmp(guest_src + g->nregs * g->slot_bytes,
				    guest_dst + g->nregs * g->slot_bytes, g->ctl_bytes))
			TH_LOG("%s differs after the move", reg_name(g, g->nregs));
	}
}

TEST_HARNESS_MAIN

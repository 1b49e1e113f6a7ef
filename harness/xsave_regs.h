/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code that puts values into the registers of one xfeature group,
 * reports GUEST_SYNC(stage) while they are live, and then stores what the
 * registers hold. The load, the sync and the store are one assembly routine,
 * so no compiler-generated code can touch the registers in between: whatever
 * the host does at the sync (save the vCPU, restore it elsewhere) is all that
 * happens to them.
 *
 * Buffers are arrays of fixed-size slots, one per register, plus an optional
 * control register slot (FCW, MXCSR) at the end; see struct xregs_group.
 */
#ifndef KVMABI_XSAVE_REGS_H
#define KVMABI_XSAVE_REGS_H

#include <stdint.h>

#define XREGS_MAX_BYTES (64 + 8 * 1024)	/* AMX: TILECFG and eight tiles */

struct xregs_group {
	const char *name;
	uint64_t xfeatures;		/* the XCR0 bits the registers need */
	unsigned int nregs;
	unsigned int slot_bytes;	/* bytes per register slot */
	unsigned int reg_bytes;		/* bytes of a slot the register fills */
	const char *reg_fmt;		/* "XMM%u" */
	unsigned int first_reg;		/* number of the first register */
	unsigned int ctl_bytes;		/* control register after the slots */
	const char *ctl_name;
	uint32_t cr4_bits;		/* CR4 bits the instructions need */
	/* Guest: load from src, GUEST_SYNC(stage), store into dst. */
	void (*hold_across_sync)(const void *src, void *dst, uint64_t stage);
};

enum xregs_group_id {
	XREGS_X87, XREGS_SSE, XREGS_MXCSR, XREGS_AVX, XREGS_AVX512_OPMASK,
	XREGS_AVX512_ZMM_HI256, XREGS_AVX512_HI16_ZMM, XREGS_PKRU, XREGS_AMX,
	XREGS_NR_GROUPS,
};

extern const struct xregs_group xregs_groups[XREGS_NR_GROUPS];

static inline unsigned int xregs_bytes(const struct xregs_group *g)
{
	return g->nregs * g->slot_bytes + g->ctl_bytes;
}

/* Host: fills src with values each register keeps bit for bit (normal
 * x87 numbers, a valid MXCSR and tile configuration), distinct per seed. */
void xregs_fill(const struct xregs_group *g, uint8_t *src, uint8_t seed);

#endif

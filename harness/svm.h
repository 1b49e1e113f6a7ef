/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SVM's VMCB, as far as this harness uses it: the layout is AMD's (APM
 * volume 2, appendix B "Layout of VMCB"), which KVM's SVM nested state
 * carries as vmcb12 (control area from L1, save area L1's own state).
 */
#ifndef KVMABI_SVM_H
#define KVMABI_SVM_H

#include <stdint.h>

#define MSR_EFER		0xc0000080
#define MSR_VM_HSAVE_PA		0xc0010117
#define MSR_PAT			0x277
#define EFER_SVME		(1ull << 12)

#define SVM_EXIT_VMMCALL	0x81
#define INTERCEPT_VMRUN		(1u << 0)	/* control word at 0x010 */
#define INTERCEPT_VMMCALL	(1u << 1)
#define VMMCALL_LEN		3		/* 0f 01 d9 */
#define SVM_L2_ASID		1		/* the ASID L1 gives L2 */

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;	/* descriptor bits 40-47 and 52-55 */
	uint32_t limit;
	uint64_t base;
};

/* Only the fields this harness uses; the offsets are the APM's. */
struct vmcb {
	uint32_t intercept_cr, intercept_dr, intercept_exceptions;
	uint32_t intercept_misc1, intercept_misc2, intercept_misc3;
	uint8_t pad_018[0x058 - 0x018];
	uint32_t asid;				/* 0x058 */
	uint8_t tlb_control;
	uint8_t pad_05d[0x070 - 0x05d];
	uint64_t exit_code;			/* 0x070 */
	uint64_t exit_info_1, exit_info_2;
	uint8_t pad_088[0x0c0 - 0x088];
	uint32_t clean;				/* 0x0c0: VMCB clean bits */
	uint8_t pad_0c4[0x400 - 0x0c4];
	/* state save area */
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t pad_4a0[0x4cb - 0x4a0];
	uint8_t cpl;				/* 0x4cb */
	uint8_t pad_4cc[0x4d0 - 0x4cc];
	uint64_t efer;				/* 0x4d0 */
	uint8_t pad_4d8[0x548 - 0x4d8];
	uint64_t cr4, cr3, cr0, dr7, dr6, rflags, rip;	/* 0x548 */
	uint8_t pad_580[0x5d8 - 0x580];
	uint64_t rsp;				/* 0x5d8 */
	uint8_t pad_5e0[0x5f8 - 0x5e0];
	uint64_t rax;				/* 0x5f8 */
	uint8_t pad_600[0x668 - 0x600];
	uint64_t g_pat;				/* 0x668 */
};

_Static_assert(__builtin_offsetof(struct vmcb, asid) == 0x058, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, exit_code) == 0x070, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, clean) == 0x0c0, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, es) == 0x400, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, tr) == 0x490, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, rip) == 0x578, "VMCB layout");
_Static_assert(__builtin_offsetof(struct vmcb, g_pat) == 0x668, "VMCB layout");

#endif

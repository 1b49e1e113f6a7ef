/* SPDX-License-Identifier: GPL-2.0 */
/* The tiny 64-bit guest: memory layout and vCPU set-up. */
#ifndef KVMABI_GUEST_H
#define KVMABI_GUEST_H

#include "kvm.h"

/* Guest physical layout (identity mapped; low 1 GiB with 2 MiB pages). */
#define GUEST_GDT	0x1000UL
#define GUEST_TSS	0x2000UL
#define GUEST_IDT	0x3000UL
#define GUEST_PML4	0x10000UL
#define GUEST_PDPT	0x11000UL
#define GUEST_PD	0x12000UL
#define GUEST_STACK_TOP	0x200000UL	/* each vCPU gets 64 KiB below this */
#define GUEST_STACK_SIZE 0x10000UL
#define GUEST_IMAGE_MIN	0x400000UL	/* the static binary links here */

#define GUEST_SEL_CODE	0x08
#define GUEST_SEL_DATA	0x10
#define GUEST_SEL_TSS	0x18

/* Copies the binary and the descriptor and page tables; returns heap start. */
uint64_t guest_load_image(struct vm *vm);
/* Long mode sregs and regs so the vCPU calls fn, then reports DONE. */
void guest_setup_vcpu(struct vcpu *vcpu, void (*fn)(void));

#endif

// SPDX-License-Identifier: GPL-2.0
/* Guest register groups held across a GUEST_SYNC (see xsave_regs.h). */
#include <string.h>

#include "kvm.h"
#include "xsave_regs.h"
#include "xstate.h"

_Static_assert(UCALL_SYNC == 1 && KVMABI_UCALL_PORT == 0xe9,
	       "the assembly below hard-codes the SYNC ucall");

/*
 * Each routine is called as fn(src %rdi, dst %rsi, stage %rdx). SAVE_ARGS
 * keeps them in %r8, %r9, %r10 (the ucall uses rdi, rsi, rdx and rax);
 * SYNC is GUEST_SYNC(stage): the vCPU exits with the registers live.
 */
#define SAVE_ARGS "mov %rdi, %r8\n mov %rsi, %r9\n mov %rdx, %r10\n"
#define SYNC "mov %r10, %rdi\n xor %esi, %esi\n xor %edx, %edx\n" \
	     "mov $1, %eax\n outb %al, $0xe9\n"
#define FUNC(name) ".text\n .globl " name "\n .type " name ", @function\n" name ":\n"
#define REGS16 "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"
#define HI16 "16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31"

void xregs_x87_hold(const void *src, void *dst, uint64_t stage);
void xregs_sse_hold(const void *src, void *dst, uint64_t stage);
void xregs_mxcsr_hold(const void *src, void *dst, uint64_t stage);
void xregs_avx_hold(const void *src, void *dst, uint64_t stage);
void xregs_opmask_hold(const void *src, void *dst, uint64_t stage);
void xregs_zmm_hi256_hold(const void *src, void *dst, uint64_t stage);
void xregs_hi16_zmm_hold(const void *src, void *dst, uint64_t stage);
void xregs_pkru_hold(const void *src, void *dst, uint64_t stage);
void xregs_amx_hold(const void *src, void *dst, uint64_t stage);

/* ST0-7 in 16-byte slots (ST0 first), FCW after them; FNINIT restores the
 * ABI's control word. */
asm(FUNC("xregs_x87_hold") SAVE_ARGS
    "fninit\n fldcw 128(%r8)\n"
    ".irp i,7,6,5,4,3,2,1,0\n fldt \\i*16(%r8)\n .endr\n"
    SYNC
    ".irp i,0,1,2,3,4,5,6,7\n fstpt \\i*16(%r9)\n .endr\n"
    "fnstcw 128(%r9)\n fninit\n ret\n");

asm(FUNC("xregs_sse_hold") SAVE_ARGS
    ".irp i," REGS16 "\n movdqu \\i*16(%r8), %xmm\\i\n .endr\n"
    SYNC
    ".irp i," REGS16 "\n movdqu %xmm\\i, \\i*16(%r9)\n .endr\n"
    "ret\n");

/* MXCSR (in the SSE area of the XSAVE legacy region); back to its default
 * afterwards, as the ABI wants. */
asm(FUNC("xregs_mxcsr_hold") SAVE_ARGS
    "ldmxcsr (%r8)\n"
    SYNC
    "stmxcsr (%r9)\n"
    "pushq $0x1f80\n ldmxcsr (%rsp)\n popq %rax\n ret\n");

asm(FUNC("xregs_avx_hold") SAVE_ARGS
    ".irp i," REGS16 "\n vmovdqu \\i*32(%r8), %ymm\\i\n .endr\n"
    SYNC
    ".irp i," REGS16 "\n vmovdqu %ymm\\i, \\i*32(%r9)\n .endr\n"
    "vzeroupper\n ret\n");

/* K0-7 whole (KMOVQ needs AVX512BW). */
asm(FUNC("xregs_opmask_hold") SAVE_ARGS
    ".irp i,0,1,2,3,4,5,6,7\n kmovq \\i*8(%r8), %k\\i\n .endr\n"
    SYNC
    ".irp i,0,1,2,3,4,5,6,7\n kmovq %k\\i, \\i*8(%r9)\n .endr\n"
    "ret\n");

/* ZMM0-15 whole: their upper 256 bits are the ZMM_Hi256 component. */
asm(FUNC("xregs_zmm_hi256_hold") SAVE_ARGS
    ".irp i," REGS16 "\n vmovdqu64 \\i*64(%r8), %zmm\\i\n .endr\n"
    SYNC
    ".irp i," REGS16 "\n vmovdqu64 %zmm\\i, \\i*64(%r9)\n .endr\n"
    "vzeroupper\n ret\n");

asm(FUNC("xregs_hi16_zmm_hold") SAVE_ARGS
    ".irp i," HI16 "\n vmovdqu64 (\\i-16)*64(%r8), %zmm\\i\n .endr\n"
    SYNC
    ".irp i," HI16 "\n vmovdqu64 %zmm\\i, (\\i-16)*64(%r9)\n .endr\n"
    "vzeroupper\n ret\n");

/* WRPKRU/RDPKRU need ECX = EDX = 0 and CR4.PKE. */
asm(FUNC("xregs_pkru_hold") SAVE_ARGS
    "mov (%r8), %eax\n xor %ecx, %ecx\n xor %edx, %edx\n wrpkru\n"
    SYNC
    "xor %ecx, %ecx\n rdpkru\n mov %eax, (%r9)\n ret\n");

/* TMM0-7 as 16 rows of 64 bytes, then the 64-byte TILECFG. */
asm(FUNC("xregs_amx_hold") SAVE_ARGS
    "ldtilecfg 8192(%r8)\n mov $64, %r11\n"
    ".irp i,0,1,2,3,4,5,6,7\n lea \\i*1024(%r8), %rcx\n"
    " tileloadd (%rcx,%r11,1), %tmm\\i\n .endr\n"
    SYNC
    "mov $64, %r11\n"
    ".irp i,0,1,2,3,4,5,6,7\n lea \\i*1024(%r9), %rcx\n"
    " tilestored %tmm\\i, (%rcx,%r11,1)\n .endr\n"
    "sttilecfg 8192(%r9)\n tilerelease\n ret\n");

/* CR4 bits (SDM vol. 3 2.5). */
#define CR4_PKE (1u << 22)

const struct xregs_group xregs_groups[XREGS_NR_GROUPS] = {
	[XREGS_X87] = {
		.name = "x87", .xfeatures = XMASK(XFEATURE_FP),
		.nregs = 8, .slot_bytes = 16, .reg_bytes = 10, .reg_fmt = "ST%u",
		.ctl_bytes = 2, .ctl_name = "FCW", .hold_across_sync = xregs_x87_hold,
	},
	[XREGS_SSE] = {
		.name = "SSE", .xfeatures = XMASK(XFEATURE_SSE),
		.nregs = 16, .slot_bytes = 16, .reg_bytes = 16, .reg_fmt = "XMM%u",
		.hold_across_sync = xregs_sse_hold,
	},
	[XREGS_MXCSR] = {
		.name = "SSE MXCSR", .xfeatures = XMASK(XFEATURE_SSE),
		.nregs = 0, .ctl_bytes = 4, .ctl_name = "MXCSR",
		.hold_across_sync = xregs_mxcsr_hold,
	},
	[XREGS_AVX] = {
		.name = "AVX", .xfeatures = XMASK(XFEATURE_YMM),
		.nregs = 16, .slot_bytes = 32, .reg_bytes = 32, .reg_fmt = "YMM%u",
		.hold_across_sync = xregs_avx_hold,
	},
	[XREGS_AVX512_OPMASK] = {
		.name = "AVX-512 opmask", .xfeatures = XMASK(XFEATURE_OPMASK),
		.nregs = 8, .slot_bytes = 8, .reg_bytes = 8, .reg_fmt = "K%u",
		.hold_across_sync = xregs_opmask_hold,
	},
	[XREGS_AVX512_ZMM_HI256] = {
		.name = "AVX-512 ZMM_Hi256", .xfeatures = XMASK(XFEATURE_ZMM_HI256),
		.nregs = 16, .slot_bytes = 64, .reg_bytes = 64, .reg_fmt = "ZMM%u",
		.hold_across_sync = xregs_zmm_hi256_hold,
	},
	[XREGS_AVX512_HI16_ZMM] = {
		.name = "AVX-512 Hi16_ZMM", .xfeatures = XMASK(XFEATURE_HI16_ZMM),
		.nregs = 16, .slot_bytes = 64, .reg_bytes = 64, .reg_fmt = "ZMM%u",
		.first_reg = 16, .hold_across_sync = xregs_hi16_zmm_hold,
	},
	[XREGS_PKRU] = {
		.name = "PKRU", .xfeatures = XMASK(XFEATURE_PKRU),
		.nregs = 1, .slot_bytes = 4, .reg_bytes = 4, .reg_fmt = "PKRU",
		.cr4_bits = CR4_PKE, .hold_across_sync = xregs_pkru_hold,
	},
	[XREGS_AMX] = {
		.name = "AMX", .xfeatures = XFEATURE_MASK_XTILE,
		.nregs = 8, .slot_bytes = 1024, .reg_bytes = 1024, .reg_fmt = "TMM%u",
		.ctl_bytes = 64, .ctl_name = "TILECFG", .hold_across_sync = xregs_amx_hold,
	},
};

#define X87_FCW 0x0f7f		/* all exceptions masked, RC and PC = 11b */
#define SSE_MXCSR 0x7f80	/* all exceptions masked, RC = 11b */
#define AMX_PALETTE 1
#define AMX_ROWS 16
#define AMX_COLSB 64

/* Normal extended-precision numbers: FLD and FSTP keep them bit for bit. */
static void fill_x87(uint8_t *src, uint8_t seed)
{
	uint16_t fcw = X87_FCW;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		uint64_t mantissa = 0x8000000000000000ULL |
				    (0x0102030405060708ULL * (uint8_t)(seed + i));
		uint16_t sign_exp = 0x3fff + i;

		memcpy(src + i * 16, &mantissa, 8);
		memcpy(src + i * 16 + 8, &sign_exp, 2);
	}
	memcpy(src + 128, &fcw, 2);
}

/* Palette 1 with every tile 16 rows of 64 bytes (SDM vol. 1 18.2). */
static void fill_tilecfg(uint8_t *cfg)
{
	unsigned int i;

	memset(cfg, 0, 64);
	cfg[0] = AMX_PALETTE;
	for (i = 0; i < 8; i++) {
		uint16_t colsb = AMX_COLSB;

		memcpy(cfg + 16 + 2 * i, &colsb, 2);
		cfg[48 + i] = AMX_ROWS;
	}
}

void xregs_fill(const struct xregs_group *g, uint8_t *src, uint8_t seed)
{
	unsigned int n = g->nregs * g->slot_bytes, i;
	uint32_t mxcsr = SSE_MXCSR;

	memset(src, 0, xregs_bytes(g));
	if (g == &xregs_groups[XREGS_X87]) {
		fill_x87(src, seed);
		return;
	}
	for (i = 0; i < n; i++)
		src[i] = (uint8_t)(seed + i * 13 + i / g->slot_bytes) | 0x10;
	if (g == &xregs_groups[XREGS_MXCSR])
		memcpy(src + n, &mxcsr, 4);
	if (g == &xregs_groups[XREGS_AMX])
		fill_tilecfg(src + n);
}

//go:build amd64 && !purego

#include "textflag.h"

// Constants broadcast to the 16 lanes of a register.
DATA roundConsts<>+0(SB)/4, $0x00007fff // the rounding bias
DATA roundConsts<>+4(SB)/4, $0x00000001 // the lowest kept bit
DATA roundConsts<>+8(SB)/4, $0x00000040 // a NaN's quiet bit, once shifted
GLOBL roundConsts<>(SB), RODATA|NOPTR, $12

// func roundBlocks(dst *uint16, src *float32, blocks int)
// Rounds 16·blocks float32 values at src to bfloat16 at dst, to nearest,
// ties to even — u + 0x7fff + ((u >> 16) & 1), then the top 16 bits —
// except that a NaN keeps its top bits with the quiet bit set, as
// half.ToBF16 does (the sum would carry a NaN's payload into infinity).
// AVX-512 F and BW.
TEXT ·roundBlocks(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         blocks+16(FP), CX
	VPBROADCASTD roundConsts<>+0(SB), Z31
	VPBROADCASTD roundConsts<>+4(SB), Z30
	VPBROADCASTD roundConsts<>+8(SB), Z29

loop:
	TESTQ   CX, CX
	JZ      done
	VMOVUPS (SI), Z0
	VPSRLD  $16, Z0, Z1 // u >> 16
	VPANDD  Z30, Z1, Z2 // (u >> 16) & 1
	VPADDD  Z31, Z0, Z3 // u + 0x7fff
	VPADDD  Z2, Z3, Z3  // + the kept bit
	VPSRLD  $16, Z3, Z3
	VCMPPS  $3, Z0, Z0, K1 // unordered: NaN lanes
	VPORD   Z29, Z1, K1, Z3 // NaN: u >> 16 | 0x40
	VPMOVDW Z3, (DI)
	ADDQ    $64, SI
	ADDQ    $32, DI
	DECQ    CX
	JMP     loop

done:
	VZEROUPPER
	RET

//go:build amd64 && !purego

#include "textflag.h"

// func widenBF16Blocks(dst *float32, src *uint16, blocks int)
// Widens 16·blocks bfloat16 values to float32: each 16-bit value becomes
// the top half of a 32-bit one (zero-extend, shift left by 16), four blocks
// of 16 per iteration while at least four are left.
TEXT ·widenBF16Blocks(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX

four:
	CMPQ CX, $4
	JLT  one
	VPMOVZXWD (SI), Z0
	VPMOVZXWD 32(SI), Z1
	VPMOVZXWD 64(SI), Z2
	VPMOVZXWD 96(SI), Z3
	VPSLLD    $16, Z0, Z0
	VPSLLD    $16, Z1, Z1
	VPSLLD    $16, Z2, Z2
	VPSLLD    $16, Z3, Z3
	VMOVUPS   Z0, (DI)
	VMOVUPS   Z1, 64(DI)
	VMOVUPS   Z2, 128(DI)
	VMOVUPS   Z3, 192(DI)
	ADDQ      $128, SI
	ADDQ      $256, DI
	SUBQ      $4, CX
	JMP       four

one:
	TESTQ CX, CX
	JZ    done
	VPMOVZXWD (SI), Z0
	VPSLLD    $16, Z0, Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $32, SI
	ADDQ      $64, DI
	DECQ      CX
	JMP       one

done:
	VZEROUPPER
	RET

// func widenF16Blocks(dst *float32, src *uint16, blocks int)
// Converts 16·blocks IEEE binary16 values to float32 (VCVTPH2PS, exact;
// subnormal inputs are converted whatever MXCSR says), four blocks of 16
// per iteration while at least four are left.
TEXT ·widenF16Blocks(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX

f16four:
	CMPQ CX, $4
	JLT  f16one
	VCVTPH2PS (SI), Z0
	VCVTPH2PS 32(SI), Z1
	VCVTPH2PS 64(SI), Z2
	VCVTPH2PS 96(SI), Z3
	VMOVUPS   Z0, (DI)
	VMOVUPS   Z1, 64(DI)
	VMOVUPS   Z2, 128(DI)
	VMOVUPS   Z3, 192(DI)
	ADDQ      $128, SI
	ADDQ      $256, DI
	SUBQ      $4, CX
	JMP       f16four

f16one:
	TESTQ CX, CX
	JZ    f16done
	VCVTPH2PS (SI), Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $32, SI
	ADDQ      $64, DI
	DECQ      CX
	JMP       f16one

f16done:
	VZEROUPPER
	RET

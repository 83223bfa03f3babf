//go:build amd64 && !purego

#include "textflag.h"

// func widenBlocks(dst *float32, src *uint16, blocks int, f16 int)
// Widens 16·blocks 16-bit values at src to float32 at dst, exactly: BF16
// values (f16 = 0) are zero-extended and shifted into the top half of each
// 32-bit lane; F16 values (f16 ≠ 0) are converted by VCVTPH2PS, which also
// converts subnormal inputs whatever MXCSR says. The branch on the format
// goes the same way every time, so the predictor makes it free.
TEXT ·widenBlocks(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ f16+24(FP), DX

loop:
	TESTQ CX, CX
	JZ    done
	TESTQ DX, DX
	JNZ   half
	VPMOVZXWD (SI), Z0
	VPSLLD    $16, Z0, Z0
	JMP       store

half:
	VCVTPH2PS (SI), Z0

store:
	VMOVUPS Z0, (DI)
	ADDQ    $32, SI
	ADDQ    $64, DI
	DECQ    CX
	JMP     loop

done:
	VZEROUPPER
	RET

// func widenBlocks8(dst *float32, src *uint16, blocks int, f16 int)
// widenBlocks for CPUs without AVX-512: blocks of 8 values in Y registers,
// with AVX2 for BF16 and F16C for F16.
TEXT ·widenBlocks8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ f16+24(FP), DX

loop8:
	TESTQ CX, CX
	JZ    done8
	TESTQ DX, DX
	JNZ   half8
	VPMOVZXWD (SI), Y0
	VPSLLD    $16, Y0, Y0
	JMP       store8

half8:
	VCVTPH2PS (SI), Y0

store8:
	VMOVUPS Y0, (DI)
	ADDQ    $16, SI
	ADDQ    $32, DI
	DECQ    CX
	JMP     loop8

done8:
	VZEROUPPER
	RET

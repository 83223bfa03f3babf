//go:build amd64 && !purego

#include "textflag.h"

// An AVX-512 micro-kernel for C += alpha·A·Bᵀ (float32, row-major), where
// both A and B are read in place along their rows: a transformer's X·Wᵀ with
// W stored as PyTorch's (out, in). Each tile is 4 rows of A against 6 rows
// of B, 24 dot products held as 16-lane partial sums in Z8–Z31; a tile's
// partial sums are reduced and added into 4×6 values of C at its end.
// Go's operand order is reversed from Intel's (see ops/gelu_amd64.s).

// gatherIdx collects the six sums left by REDUCE6 in lanes 0, 4, 8, 12, 1
// and 5 into lanes 0–5.
DATA gatherIdx<>+0(SB)/4, $0
DATA gatherIdx<>+4(SB)/4, $4
DATA gatherIdx<>+8(SB)/4, $8
DATA gatherIdx<>+12(SB)/4, $12
DATA gatherIdx<>+16(SB)/4, $1
DATA gatherIdx<>+20(SB)/4, $5
DATA gatherIdx<>+24(SB)/4, $0
DATA gatherIdx<>+28(SB)/4, $0
DATA gatherIdx<>+32(SB)/4, $0
DATA gatherIdx<>+36(SB)/4, $0
DATA gatherIdx<>+40(SB)/4, $0
DATA gatherIdx<>+44(SB)/4, $0
DATA gatherIdx<>+48(SB)/4, $0
DATA gatherIdx<>+52(SB)/4, $0
DATA gatherIdx<>+56(SB)/4, $0
DATA gatherIdx<>+60(SB)/4, $0
GLOBL gatherIdx<>(SB), RODATA|NOPTR, $64

// STEP multiplies one 16-wide block of the 4 rows of A (at SI, stride R9)
// with the 6 rows of B (at DI, stride R11; R12 = 3·R11, R13 = DI + 5·R11)
// into the 24 accumulators, loading the lanes of MASK (K3: all, K1: the
// lanes of a partial block; the others are zero).
#define STEP(MASK) \
	VMOVUPS.Z (DI), MASK, Z0 \
	VMOVUPS.Z (DI)(R11*1), MASK, Z1 \
	VMOVUPS.Z (DI)(R11*2), MASK, Z2 \
	VMOVUPS.Z (DI)(R12*1), MASK, Z3 \
	VMOVUPS.Z (DI)(R11*4), MASK, Z4 \
	VMOVUPS.Z (R13), MASK, Z5 \
	VMOVUPS.Z (SI), MASK, Z6 \
	VFMADD231PS Z0, Z6, Z8 \
	VFMADD231PS Z1, Z6, Z9 \
	VFMADD231PS Z2, Z6, Z10 \
	VFMADD231PS Z3, Z6, Z11 \
	VFMADD231PS Z4, Z6, Z12 \
	VFMADD231PS Z5, Z6, Z13 \
	VMOVUPS.Z (SI)(R9*1), MASK, Z7 \
	VFMADD231PS Z0, Z7, Z14 \
	VFMADD231PS Z1, Z7, Z15 \
	VFMADD231PS Z2, Z7, Z16 \
	VFMADD231PS Z3, Z7, Z17 \
	VFMADD231PS Z4, Z7, Z18 \
	VFMADD231PS Z5, Z7, Z19 \
	VMOVUPS.Z (SI)(R9*2), MASK, Z6 \
	VFMADD231PS Z0, Z6, Z20 \
	VFMADD231PS Z1, Z6, Z21 \
	VFMADD231PS Z2, Z6, Z22 \
	VFMADD231PS Z3, Z6, Z23 \
	VFMADD231PS Z4, Z6, Z24 \
	VFMADD231PS Z5, Z6, Z25 \
	VMOVUPS.Z (SI)(R10*1), MASK, Z7 \
	VFMADD231PS Z0, Z7, Z26 \
	VFMADD231PS Z1, Z7, Z27 \
	VFMADD231PS Z2, Z7, Z28 \
	VFMADD231PS Z3, Z7, Z29 \
	VFMADD231PS Z4, Z7, Z30 \
	VFMADD231PS Z5, Z7, Z31

// REDUCE6 sums the 16 lanes of each of A0–A5 and leaves the six sums,
// times alpha (Z7), in lanes 0–5 of Z1, using Z0–Z5 as scratch and the
// gather index in Z6.
#define REDUCE6(A0, A1, A2, A3, A4, A5) \
	VSHUFF64X2 $0x44, A1, A0, Z0 \
	VSHUFF64X2 $0xEE, A1, A0, Z1 \
	VADDPS     Z1, Z0, Z0 \
	VSHUFF64X2 $0x44, A3, A2, Z2 \
	VSHUFF64X2 $0xEE, A3, A2, Z1 \
	VADDPS     Z1, Z2, Z2 \
	VSHUFF64X2 $0x44, A5, A4, Z4 \
	VSHUFF64X2 $0xEE, A5, A4, Z1 \
	VADDPS     Z1, Z4, Z4 \
	VSHUFF64X2 $0x88, Z2, Z0, Z1 \
	VSHUFF64X2 $0xDD, Z2, Z0, Z3 \
	VADDPS     Z3, Z1, Z1 \
	VSHUFF64X2 $0x88, Z4, Z4, Z3 \
	VSHUFF64X2 $0xDD, Z4, Z4, Z5 \
	VADDPS     Z5, Z3, Z3 \
	VSHUFPS    $0x44, Z3, Z1, Z0 \
	VSHUFPS    $0xEE, Z3, Z1, Z2 \
	VADDPS     Z2, Z0, Z0 \
	VSHUFPS    $0x88, Z0, Z0, Z1 \
	VSHUFPS    $0xDD, Z0, Z0, Z2 \
	VADDPS     Z2, Z1, Z1 \
	VPERMPS    Z1, Z6, Z1 \
	VMULPS     Z7, Z1, Z1

// STORE6 writes the six values in Z1 to C at ADDR (mask K2), adding what
// is there when accumulate is not zero.
#define STORE6(ADDR, LABEL) \
	CMPQ    accumulate+80(FP), $0 \
	JZ      LABEL \
	VMOVUPS.Z ADDR, K2, Z2 \
	VADDPS  Z2, Z1, Z1 \
LABEL: \
	VMOVUPS Z1, K2, ADDR

// func ntTiles(a *float32, lda int, b *float32, ldb int, blocks int, tail uint16, c *float32, ldc int, tiles int, alpha float32, accumulate int)
// For t in [0, tiles): C[0:4, 6t:6t+6] (+)= alpha·A[0:4, :]·B[6t:6t+6, :]ᵀ
// over 16·blocks values of each row plus the lanes of tail.
TEXT ·ntTiles(SB), NOSPLIT, $0-88
	MOVQ    lda+8(FP), R9
	SHLQ    $2, R9
	LEAQ    (R9)(R9*2), R10
	MOVQ    ldb+24(FP), R11
	SHLQ    $2, R11
	LEAQ    (R11)(R11*2), R12
	MOVQ    ldc+56(FP), BX
	SHLQ    $2, BX
	LEAQ    (BX)(BX*2), R8
	KMOVW   tail+40(FP), K1
	MOVL    $0x3f, CX
	KMOVW   CX, K2
	MOVW    $0xffff, CX
	KMOVW   CX, K3
	MOVQ    b+16(FP), R14
	MOVQ    c+48(FP), DX
	MOVQ    tiles+64(FP), AX

tile:
	MOVQ    a+0(FP), SI
	MOVQ    R14, DI
	LEAQ    (DI)(R11*4), R13
	ADDQ    R11, R13
	VPXORD  Z8, Z8, Z8
	VPXORD  Z9, Z9, Z9
	VPXORD  Z10, Z10, Z10
	VPXORD  Z11, Z11, Z11
	VPXORD  Z12, Z12, Z12
	VPXORD  Z13, Z13, Z13
	VPXORD  Z14, Z14, Z14
	VPXORD  Z15, Z15, Z15
	VPXORD  Z16, Z16, Z16
	VPXORD  Z17, Z17, Z17
	VPXORD  Z18, Z18, Z18
	VPXORD  Z19, Z19, Z19
	VPXORD  Z20, Z20, Z20
	VPXORD  Z21, Z21, Z21
	VPXORD  Z22, Z22, Z22
	VPXORD  Z23, Z23, Z23
	VPXORD  Z24, Z24, Z24
	VPXORD  Z25, Z25, Z25
	VPXORD  Z26, Z26, Z26
	VPXORD  Z27, Z27, Z27
	VPXORD  Z28, Z28, Z28
	VPXORD  Z29, Z29, Z29
	VPXORD  Z30, Z30, Z30
	VPXORD  Z31, Z31, Z31
	MOVQ    blocks+32(FP), CX
	TESTQ   CX, CX
	JZ      partial

	PCALIGN $64

full:
	STEP(K3)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, R13
	DECQ    CX
	JNZ     full

partial:
	KORTESTW K1, K1
	JZ       reduce
	STEP(K1)

reduce:
	VMOVUPS      gatherIdx<>(SB), Z6
	VBROADCASTSS alpha+72(FP), Z7
	REDUCE6(Z8, Z9, Z10, Z11, Z12, Z13)
	STORE6((DX), row0)
	REDUCE6(Z14, Z15, Z16, Z17, Z18, Z19)
	STORE6((DX)(BX*1), row1)
	REDUCE6(Z20, Z21, Z22, Z23, Z24, Z25)
	STORE6((DX)(BX*2), row2)
	REDUCE6(Z26, Z27, Z28, Z29, Z30, Z31)
	STORE6((DX)(R8*1), row3)

	LEAQ    (R14)(R11*4), R14
	LEAQ    (R14)(R11*2), R14
	ADDQ    $24, DX
	DECQ    AX
	JNZ     tile
	VZEROUPPER
	RET

//go:build amd64 && !purego

#include "textflag.h"

// The X·Wᵀ kernel (AVX-512): C = alpha·A·Bᵀ (+ C) in float32, row-major,
// in tiles of 32 rows of A by 12 rows of B. The 32 rows of A are first
// copied into a panel that holds, for each index p along k, their 32
// values A[0:32][p] side by side (packPanel); the 12 rows of B are read in
// place — a transformer's weights W, stored as PyTorch's (out, in), are
// never copied. Each step along k loads the panel's 32 values (two
// registers), broadcasts one value of each row of B and adds the 24
// products into Z8–Z31, so that a tile's 384 sums stay in registers for a
// whole block of k and are written to C once, transposed in registers.
// Go's operand order is reversed from Intel's (see ops/gelu_amd64.s).

// ZEROACC clears the accumulators Z8–Z31.
#define ZEROACC \
	VPXORD Z8, Z8, Z8 \
	VPXORD Z9, Z9, Z9 \
	VPXORD Z10, Z10, Z10 \
	VPXORD Z11, Z11, Z11 \
	VPXORD Z12, Z12, Z12 \
	VPXORD Z13, Z13, Z13 \
	VPXORD Z14, Z14, Z14 \
	VPXORD Z15, Z15, Z15 \
	VPXORD Z16, Z16, Z16 \
	VPXORD Z17, Z17, Z17 \
	VPXORD Z18, Z18, Z18 \
	VPXORD Z19, Z19, Z19 \
	VPXORD Z20, Z20, Z20 \
	VPXORD Z21, Z21, Z21 \
	VPXORD Z22, Z22, Z22 \
	VPXORD Z23, Z23, Z23 \
	VPXORD Z24, Z24, Z24 \
	VPXORD Z25, Z25, Z25 \
	VPXORD Z26, Z26, Z26 \
	VPXORD Z27, Z27, Z27 \
	VPXORD Z28, Z28, Z28 \
	VPXORD Z29, Z29, Z29 \
	VPXORD Z30, Z30, Z30 \
	VPXORD Z31, Z31, Z31

// BCAST2 broadcasts the value at ADDR of one row of B into T and adds its
// products with the panel's two registers (Z0, Z1) into ACC0 and ACC1.
#define BCAST2(ADDR, T, ACC0, ACC1) \
	VBROADCASTSS ADDR, T \
	VFMADD231PS  T, Z0, ACC0 \
	VFMADD231PS  T, Z1, ACC1

// PXSTEP is one step along k: panel values at XOFF(SI), the rows of B at
// WOFF from DI (rows 0–4, R11 = row stride, R12 = 3·R11), R13 (row 5), R8
// (rows 6–10) and R14 (row 11); row j's sums are in Z(8+2j) (panel rows
// 0–15) and Z(9+2j) (rows 16–31).
#define PXSTEP(WOFF, XOFF) \
	VMOVUPS XOFF(SI), Z0 \
	VMOVUPS XOFF+64(SI), Z1 \
	BCAST2(WOFF(DI), Z2, Z8, Z9) \
	BCAST2(WOFF(DI)(R11*1), Z3, Z10, Z11) \
	BCAST2(WOFF(DI)(R11*2), Z4, Z12, Z13) \
	BCAST2(WOFF(DI)(R12*1), Z5, Z14, Z15) \
	BCAST2(WOFF(DI)(R11*4), Z6, Z16, Z17) \
	BCAST2(WOFF(R13), Z7, Z18, Z19) \
	BCAST2(WOFF(R8), Z2, Z20, Z21) \
	BCAST2(WOFF(R8)(R11*1), Z3, Z22, Z23) \
	BCAST2(WOFF(R8)(R11*2), Z4, Z24, Z25) \
	BCAST2(WOFF(R8)(R12*1), Z5, Z26, Z27) \
	BCAST2(WOFF(R8)(R11*4), Z6, Z28, Z29) \
	BCAST2(WOFF(R14), Z7, Z30, Z31)

// The end of a tile writes it to C at DX (row stride BX; R9 = 4·BX, R10 =
// 12·BX), times alpha: each group of 4 columns is transposed in 128-bit
// lanes (TRANS4), after which lane L of the register of row r holds the 4
// values of C's row 4L + r, which PUT4 stores (ADD4 adds them to C).

// TRANS4 transposes the 4×4 blocks of A, B, C, D (4 columns of C, 16 rows
// each) within each 128-bit lane, using Z0–Z3.
#define TRANS4(A, B, C, D) \
	VUNPCKLPS B, A, Z0 \
	VUNPCKHPS B, A, Z1 \
	VUNPCKLPS D, C, Z2 \
	VUNPCKHPS D, C, Z3 \
	VUNPCKLPD Z2, Z0, A \
	VUNPCKHPD Z2, Z0, B \
	VUNPCKLPD Z3, Z1, C \
	VUNPCKHPD Z3, Z1, D

// PUT4 stores the 4 lanes of Z (X its low lane) at OFF from row pointer P
// and the rows 4, 8 and 12 below it.
#define PUT4(Z, X, P, OFF) \
	VMOVUPS       X, OFF(P) \
	VEXTRACTF32X4 $1, Z, OFF(P)(R9*1) \
	VEXTRACTF32X4 $2, Z, OFF(P)(R9*2) \
	VEXTRACTF32X4 $3, Z, OFF(P)(R10*1)

// ADD4 is PUT4 adding to what C holds, through X4.
#define ADD4(Z, X, P, OFF) \
	VADDPS        OFF(P), X, X4 \
	VMOVUPS       X4, OFF(P) \
	VEXTRACTF32X4 $1, Z, X4 \
	VADDPS        OFF(P)(R9*1), X4, X4 \
	VMOVUPS       X4, OFF(P)(R9*1) \
	VEXTRACTF32X4 $2, Z, X4 \
	VADDPS        OFF(P)(R9*2), X4, X4 \
	VMOVUPS       X4, OFF(P)(R9*2) \
	VEXTRACTF32X4 $3, Z, X4 \
	VADDPS        OFF(P)(R10*1), X4, X4 \
	VMOVUPS       X4, OFF(P)(R10*1)

// ROWS points DI, R13, R8 and R14 at rows 0–3 from DI.
#define ROWS \
	LEAQ (DI)(BX*1), R13 \
	LEAQ (DI)(BX*2), R8 \
	LEAQ (R13)(BX*2), R14

// PUTGROUP and ADDGROUP write 4 columns (at OFF bytes) of 16 rows.
#define PUTGROUP(A, XA, B, XB, C, XC, D, XD, OFF) \
	TRANS4(A, B, C, D) \
	PUT4(A, XA, DI, OFF) \
	PUT4(B, XB, R13, OFF) \
	PUT4(C, XC, R8, OFF) \
	PUT4(D, XD, R14, OFF)

#define ADDGROUP(A, XA, B, XB, C, XC, D, XD, OFF) \
	TRANS4(A, B, C, D) \
	ADD4(A, XA, DI, OFF) \
	ADD4(B, XB, R13, OFF) \
	ADD4(C, XC, R8, OFF) \
	ADD4(D, XD, R14, OFF)

// func xwtStrip(xp *float32, panels int, k int, b *float32, ldb int, c *float32, ldc int, alpha float32, accumulate int)
// For q in [0, panels): C[32q:32q+32, 0:12] (+)= alpha·panel_q·B[0:12]ᵀ, the
// panels one after the other (32·k values each).
TEXT ·xwtStrip(SB), NOSPLIT, $0-72
	MOVQ xp+0(FP), SI
	MOVQ panels+8(FP), AX
	MOVQ c+40(FP), DX
	MOVQ ldb+32(FP), R11
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12

panel:
	MOVQ   b+24(FP), DI
	LEAQ   (DI)(R11*4), R13
	ADDQ   R11, R13
	LEAQ   (DI)(R12*2), R8
	LEAQ   (R8)(R11*4), R14
	ADDQ   R11, R14
	ZEROACC
	MOVQ   k+16(FP), CX
	MOVQ   CX, R10
	ANDQ   $3, R10
	SHRQ   $2, CX
	JZ     single

	PCALIGN $64

four:
	PXSTEP(0, 0)
	PXSTEP(4, 128)
	PXSTEP(8, 256)
	PXSTEP(12, 384)
	ADDQ $512, SI
	ADDQ $16, DI
	ADDQ $16, R13
	ADDQ $16, R8
	ADDQ $16, R14
	DECQ CX
	JNZ  four

single:
	TESTQ R10, R10
	JZ    store

one:
	PXSTEP(0, 0)
	ADDQ $128, SI
	ADDQ $4, DI
	ADDQ $4, R13
	ADDQ $4, R8
	ADDQ $4, R14
	DECQ R10
	JNZ  one

store:
	VBROADCASTSS alpha+56(FP), Z7
	VMULPS Z7, Z8, Z8
	VMULPS Z7, Z9, Z9
	VMULPS Z7, Z10, Z10
	VMULPS Z7, Z11, Z11
	VMULPS Z7, Z12, Z12
	VMULPS Z7, Z13, Z13
	VMULPS Z7, Z14, Z14
	VMULPS Z7, Z15, Z15
	VMULPS Z7, Z16, Z16
	VMULPS Z7, Z17, Z17
	VMULPS Z7, Z18, Z18
	VMULPS Z7, Z19, Z19
	VMULPS Z7, Z20, Z20
	VMULPS Z7, Z21, Z21
	VMULPS Z7, Z22, Z22
	VMULPS Z7, Z23, Z23
	VMULPS Z7, Z24, Z24
	VMULPS Z7, Z25, Z25
	VMULPS Z7, Z26, Z26
	VMULPS Z7, Z27, Z27
	VMULPS Z7, Z28, Z28
	VMULPS Z7, Z29, Z29
	VMULPS Z7, Z30, Z30
	VMULPS Z7, Z31, Z31
	MOVQ ldc+48(FP), BX
	SHLQ $2, BX
	MOVQ BX, R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	CMPQ accumulate+64(FP), $0
	JNE  add
	MOVQ DX, DI
	ROWS
	PUTGROUP(Z8, X8, Z10, X10, Z12, X12, Z14, X14, 0)
	PUTGROUP(Z16, X16, Z18, X18, Z20, X20, Z22, X22, 16)
	PUTGROUP(Z24, X24, Z26, X26, Z28, X28, Z30, X30, 32)
	LEAQ (DI)(R9*4), DI
	ROWS
	PUTGROUP(Z9, X9, Z11, X11, Z13, X13, Z15, X15, 0)
	PUTGROUP(Z17, X17, Z19, X19, Z21, X21, Z23, X23, 16)
	PUTGROUP(Z25, X25, Z27, X27, Z29, X29, Z31, X31, 32)
	JMP  next

add:
	MOVQ DX, DI
	ROWS
	ADDGROUP(Z8, X8, Z10, X10, Z12, X12, Z14, X14, 0)
	ADDGROUP(Z16, X16, Z18, X18, Z20, X20, Z22, X22, 16)
	ADDGROUP(Z24, X24, Z26, X26, Z28, X28, Z30, X30, 32)
	LEAQ (DI)(R9*4), DI
	ROWS
	ADDGROUP(Z9, X9, Z11, X11, Z13, X13, Z15, X15, 0)
	ADDGROUP(Z17, X17, Z19, X19, Z21, X21, Z23, X23, 16)
	ADDGROUP(Z25, X25, Z27, X27, Z29, X29, Z31, X31, 32)

next:
	LEAQ (DX)(R9*8), DX
	DECQ AX
	JNZ  panel
	VZEROUPPER
	RET

// func packPanel(dst *float32, a *float32, lda int, blocks int)
// Copies 16·blocks values of each of 32 rows of A (row stride lda) into a
// panel: A[i][p] goes to dst[32p + i]. Four rows at a time, 16 values of
// each are transposed in 128-bit lanes, which then hold the 4 rows' values
// at one p.
TEXT ·packPanel(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	MOVQ $8, AX

group:
	MOVQ SI, R10
	MOVQ DI, R11
	MOVQ blocks+24(FP), CX

block:
	VMOVUPS       (R10), Z0
	VMOVUPS       (R10)(R8*1), Z1
	VMOVUPS       (R10)(R8*2), Z2
	VMOVUPS       (R10)(R9*1), Z3
	VUNPCKLPS     Z1, Z0, Z4
	VUNPCKHPS     Z1, Z0, Z5
	VUNPCKLPS     Z3, Z2, Z6
	VUNPCKHPS     Z3, Z2, Z7
	VUNPCKLPD     Z6, Z4, Z0
	VUNPCKHPD     Z6, Z4, Z1
	VUNPCKLPD     Z7, Z5, Z2
	VUNPCKHPD     Z7, Z5, Z3
	VMOVUPS       X0, (R11)
	VEXTRACTF32X4 $1, Z0, 512(R11)
	VEXTRACTF32X4 $2, Z0, 1024(R11)
	VEXTRACTF32X4 $3, Z0, 1536(R11)
	VMOVUPS       X1, 128(R11)
	VEXTRACTF32X4 $1, Z1, 640(R11)
	VEXTRACTF32X4 $2, Z1, 1152(R11)
	VEXTRACTF32X4 $3, Z1, 1664(R11)
	VMOVUPS       X2, 256(R11)
	VEXTRACTF32X4 $1, Z2, 768(R11)
	VEXTRACTF32X4 $2, Z2, 1280(R11)
	VEXTRACTF32X4 $3, Z2, 1792(R11)
	VMOVUPS       X3, 384(R11)
	VEXTRACTF32X4 $1, Z3, 896(R11)
	VEXTRACTF32X4 $2, Z3, 1408(R11)
	VEXTRACTF32X4 $3, Z3, 1920(R11)
	ADDQ          $64, R10
	ADDQ          $2048, R11
	DECQ          CX
	JNZ           block
	LEAQ          (SI)(R8*4), SI
	ADDQ          $16, DI
	DECQ          AX
	JNZ           group
	VZEROUPPER
	RET

// func fmaPeak(steps int)
// Runs steps rounds of 24 independent 16-lane FMAs (768 flops each) on
// registers only: the core's peak float32 rate, which BenchmarkFMAPeak
// reports for comparison with the kernels.
TEXT ·fmaPeak(SB), NOSPLIT, $0-8
	MOVQ   steps+0(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	ZEROACC
	TESTQ  CX, CX
	JZ     done

	PCALIGN $64

round:
	VFMADD231PS Z0, Z1, Z8
	VFMADD231PS Z0, Z1, Z9
	VFMADD231PS Z0, Z1, Z10
	VFMADD231PS Z0, Z1, Z11
	VFMADD231PS Z0, Z1, Z12
	VFMADD231PS Z0, Z1, Z13
	VFMADD231PS Z0, Z1, Z14
	VFMADD231PS Z0, Z1, Z15
	VFMADD231PS Z0, Z1, Z16
	VFMADD231PS Z0, Z1, Z17
	VFMADD231PS Z0, Z1, Z18
	VFMADD231PS Z0, Z1, Z19
	VFMADD231PS Z0, Z1, Z20
	VFMADD231PS Z0, Z1, Z21
	VFMADD231PS Z0, Z1, Z22
	VFMADD231PS Z0, Z1, Z23
	VFMADD231PS Z0, Z1, Z24
	VFMADD231PS Z0, Z1, Z25
	VFMADD231PS Z0, Z1, Z26
	VFMADD231PS Z0, Z1, Z27
	VFMADD231PS Z0, Z1, Z28
	VFMADD231PS Z0, Z1, Z29
	VFMADD231PS Z0, Z1, Z30
	VFMADD231PS Z0, Z1, Z31
	DECQ        CX
	JNZ         round

done:
	VZEROUPPER
	RET

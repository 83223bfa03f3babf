//go:build amd64 && !purego

#include "textflag.h"

// Eight float32 lanes per iteration, AVX2 + FMA. The constants come in c,
// laid out as geluConsts in gelu_amd64.go. Go's operand order is reversed
// from Intel's: VFMADD213PS a, b, dst computes dst = b·dst + a.

// PHI computes Φ(x) = 0.5 + 0.5·erf(x/√2) of Y0 into Y5, with the rational
// erf of Eigen on the clamped argument, and clamps Φ to [0, 1] (the rational
// overshoots ±1 by ~1e-7 near its clamp). Clobbers Y1, Y3, Y4, Y6.
#define PHI \
	VBROADCASTSS 0(DX), Y1 \
	VMULPS       Y1, Y0, Y3 \
	VBROADCASTSS 4(DX), Y1 \
	VMINPS       Y1, Y3, Y3 \
	VBROADCASTSS 8(DX), Y1 \
	VMAXPS       Y1, Y3, Y3 \
	VMULPS       Y3, Y3, Y4 \
	VBROADCASTSS 12(DX), Y5 \
	VBROADCASTSS 16(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y5 \
	VBROADCASTSS 20(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y5 \
	VBROADCASTSS 24(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y5 \
	VBROADCASTSS 28(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y5 \
	VBROADCASTSS 32(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y5 \
	VBROADCASTSS 36(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y5 \
	VMULPS       Y3, Y5, Y5 \
	VBROADCASTSS 40(DX), Y6 \
	VBROADCASTSS 44(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y6 \
	VBROADCASTSS 48(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y6 \
	VBROADCASTSS 52(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y6 \
	VBROADCASTSS 56(DX), Y1 \
	VFMADD213PS  Y1, Y4, Y6 \
	VDIVPS       Y6, Y5, Y5 \
	VBROADCASTSS 60(DX), Y1 \
	VFMADD213PS  Y1, Y1, Y5 \
	VXORPS       Y1, Y1, Y1 \
	VMAXPS       Y1, Y5, Y5 \
	VBROADCASTSS 108(DX), Y1 \
	VMINPS       Y1, Y5, Y5

// func geluAVX2(x, y *float32, blocks int, c *float32)
// y[i] = x[i]·Φ(x[i]) for 8·blocks values.
TEXT ·geluAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ blocks+16(FP), CX
	MOVQ c+24(FP), DX
	TESTQ CX, CX
	JZ   gelu_done

gelu_loop:
	VMOVUPS (SI), Y0
	PHI
	VMULPS  Y5, Y0, Y5
	VMOVUPS Y5, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     gelu_loop

gelu_done:
	VZEROUPPER
	RET

// func geluGradAVX2(x, dy, dx *float32, blocks int, c *float32)
// dx[i] = dy[i]·(Φ(x[i]) + x[i]·φ(x[i])) for 8·blocks values, with
// φ(x) = e^(−x²/2)/√(2π) and e^u by range reduction and a degree-6
// polynomial.
TEXT ·geluGradAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ dy+8(FP), BX
	MOVQ dx+16(FP), DI
	MOVQ blocks+24(FP), CX
	MOVQ c+32(FP), DX
	TESTQ CX, CX
	JZ   grad_done

grad_loop:
	VMOVUPS (SI), Y0
	PHI
	// u = max(−x²/2, −87)
	VMULPS       Y0, Y0, Y7
	VBROADCASTSS 64(DX), Y1
	VMULPS       Y1, Y7, Y7
	VBROADCASTSS 68(DX), Y1
	VMAXPS       Y1, Y7, Y7
	// n = round(u·log2e); r = u − n·ln2hi − n·ln2lo
	VBROADCASTSS 72(DX), Y1
	VMULPS       Y1, Y7, Y8
	VROUNDPS     $0, Y8, Y8
	VBROADCASTSS 76(DX), Y1
	VFNMADD231PS Y1, Y8, Y7
	VBROADCASTSS 80(DX), Y1
	VFNMADD231PS Y1, Y8, Y7
	// p = e^r by Horner
	VBROADCASTSS 84(DX), Y9
	VBROADCASTSS 88(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 92(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 96(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 100(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 104(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 108(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VFMADD213PS  Y1, Y7, Y9
	// scale by 2^n
	VCVTPS2DQ    Y8, Y8
	VPSLLD       $23, Y8, Y8
	VPADDD       Y8, Y9, Y9
	// φ = p/√(2π); g = Φ + x·φ; dx = dy·g
	VBROADCASTSS 112(DX), Y1
	VMULPS       Y1, Y9, Y9
	VFMADD231PS  Y9, Y0, Y5
	VMOVUPS      (BX), Y1
	VMULPS       Y1, Y5, Y5
	VMOVUPS      Y5, (DI)
	ADDQ         $32, SI
	ADDQ         $32, BX
	ADDQ         $32, DI
	DECQ         CX
	JNZ          grad_loop

grad_done:
	VZEROUPPER
	RET

// func expAVX2(x *float32, blocks int, c *float32)
// x[i] = e^x[i] in place for 8·blocks values, inputs clamped below at −87
// (where e^x underflows float32's normal range).
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ c+16(FP), DX
	TESTQ CX, CX
	JZ   exp_done

exp_loop:
	VMOVUPS      (SI), Y7
	VBROADCASTSS 68(DX), Y1
	VMAXPS       Y7, Y1, Y7 // the second source wins on NaN: NaN stays NaN
	VBROADCASTSS 72(DX), Y1
	VMULPS       Y1, Y7, Y8
	VROUNDPS     $0, Y8, Y8
	VBROADCASTSS 76(DX), Y1
	VFNMADD231PS Y1, Y8, Y7
	VBROADCASTSS 80(DX), Y1
	VFNMADD231PS Y1, Y8, Y7
	VBROADCASTSS 84(DX), Y9
	VBROADCASTSS 88(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 92(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 96(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 100(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 104(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VBROADCASTSS 108(DX), Y1
	VFMADD213PS  Y1, Y7, Y9
	VFMADD213PS  Y1, Y7, Y9
	VCVTPS2DQ    Y8, Y8
	VPSLLD       $23, Y8, Y8
	VPADDD       Y8, Y9, Y9
	VMOVUPS      Y9, (SI)
	ADDQ         $32, SI
	DECQ         CX
	JNZ          exp_loop

exp_done:
	VZEROUPPER
	RET

// EXP computes e^Y7 into Y9 (Y7 clamped below at −87, NaN kept), as the exp
// kernel above. Clobbers Y1, Y7, Y8.
#define EXP \
	VBROADCASTSS 68(DX), Y1 \
	VMAXPS       Y7, Y1, Y7 \
	VBROADCASTSS 72(DX), Y1 \
	VMULPS       Y1, Y7, Y8 \
	VROUNDPS     $0, Y8, Y8 \
	VBROADCASTSS 76(DX), Y1 \
	VFNMADD231PS Y1, Y8, Y7 \
	VBROADCASTSS 80(DX), Y1 \
	VFNMADD231PS Y1, Y8, Y7 \
	VBROADCASTSS 84(DX), Y9 \
	VBROADCASTSS 88(DX), Y1 \
	VFMADD213PS  Y1, Y7, Y9 \
	VBROADCASTSS 92(DX), Y1 \
	VFMADD213PS  Y1, Y7, Y9 \
	VBROADCASTSS 96(DX), Y1 \
	VFMADD213PS  Y1, Y7, Y9 \
	VBROADCASTSS 100(DX), Y1 \
	VFMADD213PS  Y1, Y7, Y9 \
	VBROADCASTSS 104(DX), Y1 \
	VFMADD213PS  Y1, Y7, Y9 \
	VBROADCASTSS 108(DX), Y1 \
	VFMADD213PS  Y1, Y7, Y9 \
	VFMADD213PS  Y1, Y7, Y9 \
	VCVTPS2DQ    Y8, Y8 \
	VPSLLD       $23, Y8, Y8 \
	VPADDD       Y8, Y9, Y9

// func softmaxRowAVX2(row *float32, blocks int, mask *int32, c *float32)
// Softmax in place over a row of 8·blocks values followed by a partial
// vector whose lanes are selected by the 8 int32 of mask (all ones for a
// lane of the row, zero past its end).
TEXT ·softmaxRowAVX2(SB), NOSPLIT, $0-32
	MOVQ    row+0(FP), R9
	MOVQ    blocks+8(FP), R10
	MOVQ    mask+16(FP), R8
	MOVQ    c+24(FP), DX
	VMOVUPS (R8), Y15

	// Y10 = max over the row
	VBROADCASTSS 116(DX), Y10
	MOVQ         R9, SI
	MOVQ         R10, CX
	TESTQ        CX, CX
	JZ           smax_tail

smax_loop:
	VMAXPS (SI), Y10, Y10
	ADDQ   $32, SI
	DECQ   CX
	JNZ    smax_loop

smax_tail:
	VMASKMOVPS   (SI), Y15, Y11
	VBROADCASTSS 116(DX), Y12
	VBLENDVPS    Y15, Y11, Y12, Y12
	VMAXPS       Y12, Y10, Y10
	VEXTRACTF128 $1, Y10, X11
	VMAXPS       X11, X10, X10
	VPERMILPS    $0x4E, X10, X11
	VMAXPS       X11, X10, X10
	VPERMILPS    $0xB1, X10, X11
	VMAXPS       X11, X10, X10
	VBROADCASTSS X10, Y10

	// e^(x − max) in place, Y13 = their sum
	VXORPS Y13, Y13, Y13
	MOVQ   R9, SI
	MOVQ   R10, CX
	TESTQ  CX, CX
	JZ     sexp_tail

sexp_loop:
	VMOVUPS (SI), Y7
	VSUBPS  Y10, Y7, Y7
	EXP
	VADDPS  Y9, Y13, Y13
	VMOVUPS Y9, (SI)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     sexp_loop

sexp_tail:
	VMASKMOVPS (SI), Y15, Y7
	VSUBPS     Y10, Y7, Y7
	EXP
	VANDPS     Y15, Y9, Y9
	VADDPS     Y9, Y13, Y13
	VMASKMOVPS Y9, Y15, (SI)

	// scale by 1/sum
	VEXTRACTF128 $1, Y13, X11
	VADDPS       X11, X13, X13
	VHADDPS      X13, X13, X13
	VHADDPS      X13, X13, X13
	VBROADCASTSS 108(DX), X14
	VDIVSS       X13, X14, X14
	VBROADCASTSS X14, Y14
	MOVQ         R9, SI
	MOVQ         R10, CX
	TESTQ        CX, CX
	JZ           sscale_tail

sscale_loop:
	VMULPS  (SI), Y14, Y11
	VMOVUPS Y11, (SI)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     sscale_loop

sscale_tail:
	VMASKMOVPS (SI), Y15, Y11
	VMULPS     Y14, Y11, Y11
	VMASKMOVPS Y11, Y15, (SI)
	VZEROUPPER
	RET

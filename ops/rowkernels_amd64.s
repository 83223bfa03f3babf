//go:build amd64 && !purego

#include "textflag.h"

// Row kernels for LayerNorm and softmax, AVX2 + FMA, eight float32 lanes.
// Go's operand order is reversed from Intel's (see gelu_amd64.s).

// HSUM reduces the eight lanes of Y to their sum in the low lane of X,
// using T (the X register of a scratch Y) as scratch.
#define HSUM(Y, X, T) \
	VEXTRACTF128 $1, Y, T \
	VADDPS       T, X, X \
	VHADDPS      X, X, X \
	VHADDPS      X, X, X

// func rowSumAVX2(x *float32, blocks int) float32
// Σ x over 8·blocks values, with four accumulators.
TEXT ·rowSumAVX2(SB), NOSPLIT, $0-20
	MOVQ   x+0(FP), SI
	MOVQ   blocks+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	TESTQ  CX, CX
	JZ     sum_done

sum_loop:
	VADDPS (SI), Y0, Y0
	ADDQ   $32, SI
	DECQ   CX
	JZ     sum_done
	VADDPS (SI), Y1, Y1
	ADDQ   $32, SI
	DECQ   CX
	JNZ    sum_loop

sum_done:
	VADDPS Y1, Y0, Y0
	HSUM(Y0, X0, X1)
	MOVSS  X0, ret+16(FP)
	VZEROUPPER
	RET

// func rowDevAVX2(x *float32, blocks int, c float32) (sum, sumsq float32)
// Σ (x − c) and Σ (x − c)² over 8·blocks values.
TEXT ·rowDevAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         blocks+8(FP), CX
	VBROADCASTSS c+16(FP), Y2
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	TESTQ        CX, CX
	JZ           dev_done

dev_loop:
	VMOVUPS     (SI), Y3
	VSUBPS      Y2, Y3, Y3
	VADDPS      Y3, Y0, Y0
	VFMADD231PS Y3, Y3, Y1
	ADDQ        $32, SI
	DECQ        CX
	JNZ         dev_loop

dev_done:
	HSUM(Y0, X0, X4)
	HSUM(Y1, X1, X4)
	MOVSS X0, sum+24(FP)
	MOVSS X1, sumsq+28(FP)
	VZEROUPPER
	RET

// func normRowAVX2(x, gamma, beta, y *float32, blocks int, mean, rstd float32)
// y = (x − mean)·rstd·gamma + beta over 8·blocks values.
TEXT ·normRowAVX2(SB), NOSPLIT, $0-48
	MOVQ         x+0(FP), SI
	MOVQ         gamma+8(FP), R8
	MOVQ         beta+16(FP), R9
	MOVQ         y+24(FP), DI
	MOVQ         blocks+32(FP), CX
	VBROADCASTSS mean+40(FP), Y2
	VBROADCASTSS rstd+44(FP), Y3
	TESTQ        CX, CX
	JZ           norm_done

norm_loop:
	VMOVUPS     (SI), Y0
	VSUBPS      Y2, Y0, Y0
	VMULPS      Y3, Y0, Y0
	VMOVUPS     (R9), Y1
	VFMADD231PS (R8), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, R9
	ADDQ        $32, DI
	DECQ        CX
	JNZ         norm_loop

norm_done:
	VZEROUPPER
	RET

// func normGradSumsAVX2(x, gamma, dy *float32, blocks int, mean float32) (sg, sgx float32)
// With g = dy·gamma: Σ g and Σ g·(x − mean) over 8·blocks values.
TEXT ·normGradSumsAVX2(SB), NOSPLIT, $0-48
	MOVQ         x+0(FP), SI
	MOVQ         gamma+8(FP), R8
	MOVQ         dy+16(FP), BX
	MOVQ         blocks+24(FP), CX
	VBROADCASTSS mean+32(FP), Y2
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	TESTQ        CX, CX
	JZ           gsum_done

gsum_loop:
	VMOVUPS     (BX), Y3
	VMULPS      (R8), Y3, Y3
	VADDPS      Y3, Y0, Y0
	VMOVUPS     (SI), Y4
	VSUBPS      Y2, Y4, Y4
	VFMADD231PS Y4, Y3, Y1
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, BX
	DECQ        CX
	JNZ         gsum_loop

gsum_done:
	HSUM(Y0, X0, X4)
	HSUM(Y1, X1, X4)
	MOVSS X0, sg+40(FP)
	MOVSS X1, sgx+44(FP)
	VZEROUPPER
	RET

// func normGradRowAVX2(x, gamma, dy, dx *float32, blocks int, mean, rstd, sg, sgx float32)
// dx = rstd·(dy·gamma − sg − (x − mean)·rstd·sgx) over 8·blocks values.
TEXT ·normGradRowAVX2(SB), NOSPLIT, $0-56
	MOVQ         x+0(FP), SI
	MOVQ         gamma+8(FP), R8
	MOVQ         dy+16(FP), BX
	MOVQ         dx+24(FP), DI
	MOVQ         blocks+32(FP), CX
	VBROADCASTSS mean+40(FP), Y2
	VBROADCASTSS rstd+44(FP), Y3
	VBROADCASTSS sg+48(FP), Y5
	VBROADCASTSS sgx+52(FP), Y6
	VMULPS       Y3, Y6, Y6 // rstd·sgx
	TESTQ        CX, CX
	JZ           grow_done

grow_loop:
	VMOVUPS      (SI), Y0
	VSUBPS       Y2, Y0, Y0    // x − mean
	VMOVUPS      (BX), Y1
	VMULPS       (R8), Y1, Y1  // g = dy·gamma
	VSUBPS       Y5, Y1, Y1    // g − sg
	VFNMADD231PS Y6, Y0, Y1    // − (x − mean)·rstd·sgx
	VMULPS       Y3, Y1, Y1
	VMOVUPS      Y1, (DI)
	ADDQ         $32, SI
	ADDQ         $32, R8
	ADDQ         $32, BX
	ADDQ         $32, DI
	DECQ         CX
	JNZ          grow_loop

grow_done:
	VZEROUPPER
	RET

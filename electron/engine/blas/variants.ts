/** m×k times k×n */
export interface GemmShape {
  m: number
  k: number
  n: number
}

/** one compiled form of Y = α·op(A)·op(B) + β·C */
export interface GemmVariant {
  key: string
  transA: boolean
  transB: boolean
  alpha: 1 | -1
  beta: 0 | 1
}

// The forms the engine multiplies with: plain products (tiles, projections, forward passes), accumulation
// (Gram sums over row blocks: β = 1) and the Cholesky trailing update C − P·Pᵀ (α = −1). ONNX's Gemm takes
// α and β as attributes, so each form is its own small graph, compiled once per thread.
export const GEMM_VARIANTS: readonly GemmVariant[] = (() => {
  const out: GemmVariant[] = []
  for (const transA of [false, true])
    for (const transB of [false, true])
      for (const [alpha, beta] of [
        [1, 0],
        [1, 1],
        [-1, 1],
      ] as const)
        out.push({ key: `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}${alpha < 0 ? '-' : '+'}${beta}`, transA, transB, alpha, beta })
  return out
})()

import * as tf from '@tensorflow/tfjs-core'
import type { KipArch, KipKernel } from './kernel'
import { factorSupport, solveSupport } from './krr-adjoint'
import { kipKernel } from './objective'

/**
 * Kernel ridge regression with the support set as training data: ŷ = K(X, X_s)(K_ss + εI)⁻¹ y_s,
 * accuracy = share of rows whose argmax is the label. Test points go through in blocks.
 */
export function krrAccuracy(
  xs: Float32Array,
  ys: ArrayLike<number>,
  classes: number,
  test: { x: tf.Tensor2D; labels: ArrayLike<number> },
  cfg: { arch: KipArch; kernel: KipKernel; diagReg: number },
  block = 2048,
): number {
  const d = test.x.shape[1]
  const ns = xs.length / d
  const xsT = tf.tensor2d(xs, [ns, d])
  try {
    const kss = kipKernel(xsT, xsT, cfg, true)
    const alpha = solveSupport(factorSupport(kss, ns, cfg.diagReg), Float64Array.from(ys), classes)
    const n = test.x.shape[0]
    let correct = 0
    for (let r0 = 0; r0 < n; r0 += block) {
      const rows = Math.min(block, n - r0)
      const xb = tf.slice(test.x, [r0, 0], [rows, d])
      const k = kipKernel(xb, xsT, cfg)
      xb.dispose()
      for (let i = 0; i < rows; i++) {
        let best = -Infinity
        let arg = -1
        for (let c = 0; c < classes; c++) {
          let p = 0
          for (let j = 0; j < ns; j++) p += k[i * ns + j]! * alpha[j * classes + c]!
          if (p > best) {
            best = p
            arg = c
          }
        }
        if (arg === test.labels[r0 + i]) correct++
      }
    }
    return correct / n
  } finally {
    xsT.dispose()
  }
}

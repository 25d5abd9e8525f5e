import { mnistSplit } from '../kip/mnist-fixture'
import type { FeatureMap } from '../../../electron/engine/features/types'
import type { Vec } from '../ntk/analytic-brute-force'

/** Φ of all rows (test helper; the engine streams blocks). */
export async function featuresOf(map: FeatureMap, x: Vec[]): Promise<Float64Array> {
  const d = x[0]!.length
  const data = new Float32Array(x.length * d)
  x.forEach((r, i) => data.set(r, i * d))
  return Float64Array.from(await map.apply(data, x.length))
}

/** ΦΦᵀ in float64. */
export function gram(phi: ArrayLike<number>, n: number, m: number): Float64Array {
  const g = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let c = 0; c < m; c++) s += phi[i * m + c]! * phi[j * m + c]!
      g[i * n + j] = s
    }
  }
  return g
}

export function flat(k: number[][]): Float64Array {
  return Float64Array.from(k.flat())
}

/** ‖A − B‖_F / ‖B‖_F */
export { relErr as relFro } from '../linalg/reference'
/** MNIST as a 10-class regression problem: train/test points, one-hot train targets, test labels, accuracy. */
export async function mnistRegression(n: number, nt: number) {
  const { x, y, xt, yt, d } = await mnistSplit(n, nt)
  const k = 10
  const oneHot = new Float32Array(n * k)
  for (let i = 0; i < n; i++) oneHot[i * k + y[i]!] = 1
  /** share of test rows whose largest output is their class */
  const accuracy = (pred: Float32Array): number => {
    let ok = 0
    for (let i = 0; i < nt; i++) {
      let best = 0
      for (let c = 1; c < k; c++) if (pred[i * k + c]! > pred[i * k + best]!) best = c
      if (best === yt[i]) ok++
    }
    return ok / nt
  }
  return { d, k, oneHot, xTrain: { data: x, rows: n, cols: d }, xTest: { data: xt, rows: nt, cols: d }, yTrain: { data: oneHot, rows: n, cols: k }, accuracy }
}

import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ActivationSpec } from '../../../shared/arch'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { computeAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { empiricalKernel } from '../../../electron/engine/ntk/empirical'
import { relErr } from '../linalg/reference'
import { testInputs } from '../nn/f64-mlp'

beforeAll(async () => {
  await initBackend()
})

/** least-squares slope of log err against log width */
function logLogSlope(ws: number[], errs: number[]): number {
  const lx = ws.map(Math.log)
  const ly = errs.map(Math.log)
  const mx = lx.reduce((a, b) => a + b) / lx.length
  const my = ly.reduce((a, b) => a + b) / ly.length
  let sxy = 0
  let sxx = 0
  lx.forEach((x, i) => {
    sxy += (x - mx) * (ly[i]! - my)
    sxx += (x - mx) ** 2
  })
  return sxy / sxx
}

// docs/math.md §2: err(w) = ‖Θ̂_w − Θ_∞‖_F / ‖Θ_∞‖_F falls like w^(−1/2). Each err is averaged over seeds
// (errors, not kernels, so the Monte-Carlo average does not itself shrink the error).
describe('empirical NTK converges to the analytic kernel with width', () => {
  const cases: { act: ActivationSpec; bStd: number | null; x2: boolean }[] = [
    { act: { name: 'relu' }, bStd: 0.2, x2: false },
    { act: { name: 'erf', a: 1, b: 1, c: 0 }, bStd: null, x2: true },
  ]
  for (const c of cases) {
    it(`${c.act.name}${c.bStd === null ? '' : ' with bias'}${c.x2 ? ', x ≠ x2' : ''}: log-log slope ≈ −½`, async () => {
      const n = 10
      const d = 5
      const xs = Float32Array.from(testInputs(n, d, 31, 1.5))
      const x2s = Float32Array.from(testInputs(7, d, 37, 1.5))
      const arch = { depth: 2, activation: c.act, wStd: 1.4, bStd: c.bStd, parameterization: 'ntk' as const }
      const exact = await computeAnalyticKernels({ data: xs, rows: n, cols: d }, c.x2 ? { data: x2s, rows: 7, cols: d } : null, { ...arch, width: 'inf' }, { kernels: ['ntk'], workers: 1 })
      const x = tf.tensor2d(xs, [n, d])
      const x2 = c.x2 ? tf.tensor2d(x2s, [7, d]) : undefined
      const widths = [32, 64, 128, 256, 512, 1024]
      const seeds = 6
      const errs: number[] = []
      for (const w of widths) {
        let e = 0
        for (let s = 0; s < seeds; s++) {
          const k = await empiricalKernel({ ...arch, width: w }, x, x2, { seed: 1000 * w + s })
          e += relErr(k.dataSync(), exact.ntk!)
          k.dispose()
        }
        errs.push(e / seeds)
      }
      const slope = logLogSlope(widths, errs)
      console.log(`${c.act.name}: err(w) = ${errs.map((e, i) => `${widths[i]}:${e.toFixed(4)}`).join(' ')}, slope ${slope.toFixed(3)}`)
      expect(slope).toBeGreaterThan(-0.75)
      expect(slope).toBeLessThan(-0.3)
      expect(errs.at(-1)!).toBeLessThan(0.15)
      tf.dispose([x, ...(x2 ? [x2] : [])])
    })
  }

  it('standard parameterization: matches the analytic standard NTK at the same finite width', async () => {
    const n = 8
    const d = 4
    const xs = Float32Array.from(testInputs(n, d, 41))
    const arch = { depth: 2, activation: { name: 'relu' } as const, wStd: 1.3, bStd: 0.3, parameterization: 'standard' as const, width: 1024 }
    const exact = await computeAnalyticKernels({ data: xs, rows: n, cols: d }, null, arch, { kernels: ['ntk'], workers: 1 })
    const x = tf.tensor2d(xs, [n, d])
    const k = await empiricalKernel(arch, x, undefined, { seed: 3, samples: 4 })
    const err = relErr(k.dataSync(), exact.ntk!)
    // the standard-parameterization NTK scales with the width: a wrong fan-in factor would be off by ×1000
    expect(err).toBeLessThan(0.05)
    tf.dispose([k, x])
  })
})

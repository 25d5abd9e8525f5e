import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FcArch, type ActivationSpec } from '../../../shared/arch'
import { fcLayers, type KernelLayer } from '../../../electron/engine/ntk/layers'
import { computeTile, type PointBlock } from '../../../electron/engine/ntk/tile'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { initGemm } from '../../../electron/engine/blas/gemm'
import { bruteKernels, gaussianRows, type Vec } from './analytic-brute-force'

// The fused per-entry recursion (ntk/fc-fused.ts) against the layer-by-layer backend ops it replaces on
// CPU backends, and against the float64 brute force, on tiles large enough to hold every branch (negative
// correlations, a pinned diagonal, partial tiles).

let backend = ''
beforeAll(async () => {
  backend = (await initBackend()).active
})

function block(rows: Vec[], key: string): PointBlock {
  const d = rows[0]!.length
  const data = new Float32Array(rows.length * d)
  rows.forEach((r, i) => data.set(r, i * d))
  return { data, rows: rows.length, d, key }
}

/** the same network without its fused form: the op path */
function opsOnly(l: KernelLayer): KernelLayer {
  return { name: l.name, apply: l.apply }
}

const CASES: { activation: ActivationSpec; parameterization: 'ntk' | 'standard'; bStd: number | null }[] = [
  { activation: { name: 'relu' }, parameterization: 'ntk', bStd: null },
  { activation: { name: 'relu' }, parameterization: 'standard', bStd: 0.3 },
  { activation: { name: 'leaky_relu', alpha: 0.2 }, parameterization: 'ntk', bStd: 0.5 },
  { activation: { name: 'abs' }, parameterization: 'ntk', bStd: 0.1 },
  { activation: { name: 'abrelu', a: 0.4, b: 0.4 }, parameterization: 'ntk', bStd: 0.2 },
]

describe('fused FC tile recursion', () => {
  it('is chosen for the ABReLU family only', () => {
    expect(fcLayers(FcArch.parse({ depth: 2, activation: { name: 'relu' } })).fused).toBeDefined()
    expect(fcLayers(FcArch.parse({ depth: 2, activation: { name: 'abs' } })).fused).toBeDefined()
    expect(fcLayers(FcArch.parse({ depth: 2, activation: { name: 'erf', a: 1, b: 1, c: 0 } })).fused).toBeUndefined()
    // the op path refuses this one with its message
    expect(fcLayers(FcArch.parse({ depth: 2, activation: { name: 'relu' }, parameterization: 'standard' })).fused).toBeUndefined()
  })

  for (const provider of ['mlas', 'tfjs'] as const) {
    describe(`Gram matrix on gemm provider ${provider}`, () => {
      beforeAll(async () => {
        await initGemm(backend, provider)
      })
      afterAll(async () => {
        await initGemm(backend)
      })
      for (const c of CASES) casesOn(c, provider)
    })
  }

  it('a zero point (no bias) gives a zero kernel row, not NaN', () => {
    const arch = FcArch.parse({ depth: 2, activation: { name: 'relu' }, bStd: null })
    const x = gaussianRows(4, 6, 9)
    x[2] = x[2]!.map(() => 0)
    const out = computeTile(fcLayers(arch), block(x, 'z'), block(x, 'z'), ['ntk', 'nngp'], true)
    for (const kind of ['ntk', 'nngp'] as const) {
      for (let j = 0; j < 4; j++) {
        expect(out[kind]![2 * 4 + j]).toBe(0)
        expect(Number.isFinite(out[kind]![j])).toBe(true)
      }
    }
  })
})

function casesOn(c: (typeof CASES)[number], provider: string): void {
  const label = `${c.activation.name} ${c.parameterization} bias=${c.bStd} (${provider})`
  it(`${label}: equals the backend ops and the float64 brute force`, () => {
    const arch = FcArch.parse({ depth: 3, activation: c.activation, wStd: 1.2, bStd: c.bStd, parameterization: c.parameterization, width: c.parameterization === 'standard' ? 40 : 'inf' })
    const layers = fcLayers(arch)
    expect(layers.fused).toBeDefined()
    // 37 points in 9 dimensions: correlations spread over (−1, 1); a partial, pinned self tile. (An exact
    // duplicate or negation off the diagonal rounds c to 1 ∓ ulp in the float32 Gram matrix on every path.)
    const x = gaussianRows(37, 9, 3)
    // the op path keeps its diagonal pin for the process: count tensors after it
    const ops = computeTile(opsOnly(layers), block(x, 'a'), block(x, 'a'), ['ntk', 'nngp'], true)
    const before = tf.memory().numTensors
    const fused = computeTile(layers, block(x, 'a'), block(x, 'a'), ['ntk', 'nngp'], true)
    expect(tf.memory().numTensors).toBe(before)
    const want = bruteKernels(x, x, arch)
    for (const kind of ['ntk', 'nngp'] as const) {
      let vsOps = 0
      let vsBrute = 0
      let opsVsBrute = 0
      let scale = 0
      for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(want[kind][i]![i]!))
      for (let i = 0; i < x.length; i++) {
        for (let j = 0; j < x.length; j++) {
          const got = fused[kind]![i * x.length + j]!
          vsOps = Math.max(vsOps, Math.abs(got - ops[kind]![i * x.length + j]!) / scale)
          vsBrute = Math.max(vsBrute, Math.abs(got - want[kind][i]![j]!) / scale)
          opsVsBrute = Math.max(opsVsBrute, Math.abs(ops[kind]![i * x.length + j]! - want[kind][i]![j]!) / scale)
        }
      }
      // float64 inside: only the float32 Gram matrix and the float32 output round, so it is closer to the
      // brute force than the float32 ops are (their acos near c = ±1 loses most)
      expect(vsBrute, `${label} ${kind} vs brute force`).toBeLessThan(2e-6)
      expect(vsBrute, `${label} ${kind}: fused no worse than ops`).toBeLessThanOrEqual(opsVsBrute)
      expect(vsOps, `${label} ${kind} vs ops`).toBeLessThan(2e-4)
    }
  })
}

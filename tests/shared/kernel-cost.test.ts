import { describe, expect, it } from 'vitest'
import { KernelArch, NetArch, estimateKernelCost, formatKernelCost, planKernel } from '../../shared/arch'
import { KernelSpec, PredictSpec } from '../../shared/jobs/spec'

const conv = { type: 'conv2d' as const, filters: 1, kernel: 3, padding: 'same' as const, activation: 'relu' }
const plan = (layers: unknown[], input: number[]) => planKernel(NetArch.parse({ input, layers }), { wStd: 1, bStd: null })

describe('estimateKernelCost', () => {
  it('counts pairs once for a self-kernel and one dual map per tracked entry', () => {
    const p = plan([conv, conv, conv, { type: 'flatten' }], [28, 28, 1])
    const c = estimateKernelCost(p, 400, null)
    expect(c.pairs).toBe(80_200)
    expect(c.pairEntries).toBe(784)
    // three activations on the 784-position diagonal, for every pair and for every point with itself
    expect(c.dualEvaluations).toBe(80_200 * 3 * 784 + 400 * 3 * 784)
    expect(estimateKernelCost(p, 400, 300).pairs).toBe(120_000)
  })

  it('pooling makes the state P×P up to the last pooling layer, and the estimate grows accordingly', () => {
    const flat = estimateKernelCost(plan([conv, conv, { type: 'flatten' }], [8, 8, 1]), 100, null)
    const gap = estimateKernelCost(plan([conv, conv, { type: 'globalavgpool' }], [8, 8, 1]), 100, null)
    expect(flat.pairEntries).toBe(64)
    expect(gap.pairEntries).toBe(64 * 64)
    expect(gap.dualEvaluations / flat.dualEvaluations).toBeCloseTo(64, 5)
    expect(gap.seconds).toBeGreaterThan(30 * flat.seconds)
    expect(gap.bytes).toBeGreaterThan(flat.bytes)
    // twice the threads: half the time, more scratch memory
    const two = estimateKernelCost(plan([conv, conv, { type: 'globalavgpool' }], [8, 8, 1]), 100, null, { threads: 2 })
    expect(two.seconds).toBeCloseTo(gap.seconds / 2, 10)
    expect(two.bytes).toBeGreaterThan(gap.bytes)
    expect(formatKernelCost(two)).toMatch(/^5,050 pairs, .* on 2 threads, ≈ [\d.]+ MiB working memory$/)
  })
})

describe('kernel job specs take an FC network or an ARCH.json', () => {
  it('old FC specs stay valid; {net, wStd, bStd} is the layered form; anything else is refused', () => {
    const x = { type: 'npy' as const, path: 'x.npy' }
    expect(KernelSpec.parse({ kind: 'kernel', x, arch: { depth: 2, activation: { name: 'relu' } } }).arch).toMatchObject({ depth: 2, wStd: 1, bStd: null })
    const net = { input: [8, 8, 1], layers: [conv, { type: 'flatten' }] }
    const k = KernelSpec.parse({ kind: 'kernel', x, arch: { net, wStd: 1.5 } })
    expect(k.arch).toMatchObject({ wStd: 1.5, bStd: null, net: { readout: true } })
    expect(PredictSpec.parse({ kind: 'predict', xTrain: x, yTrain: x, xTest: x, arch: { net } }).arch).toMatchObject({ net: { input: [8, 8, 1] } })
    expect(KernelArch.safeParse({ net: { layers: [{ type: 'lstm' }] } }).success).toBe(false)
    expect(KernelArch.safeParse({ net, depth: 2 }).success).toBe(false)
  })
})

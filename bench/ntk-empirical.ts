import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../electron/engine/runtime/backend'
import { disposeMlp, initMlp, parameterCount, type FiniteFcArch } from '../electron/engine/nn/mlp'
import { Xoshiro128 } from '../electron/engine/core/random'
import { empiricalNtk } from '../electron/engine/ntk/empirical'
import { empiricalNtkJacobian } from '../electron/engine/ntk/empirical-jacobian'
import { disposeCache, forwardWithCache } from '../electron/engine/nn/forward'
import { forEachSensitivity } from '../electron/engine/nn/sensitivities'
import { gramAB } from '../electron/engine/layers/blocks'
import type { Mlp } from '../electron/engine/nn/mlp'
import { QUICK, type BenchResult } from './types'

function timed(fn: () => tf.Tensor): { ms: number; out: Float32Array } {
  const t = performance.now()
  const k = fn()
  const out = k.dataSync() as Float32Array
  const ms = performance.now() - t
  k.dispose()
  return { ms, out }
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0
  let den = 0
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2
    den += b[i]! ** 2
  }
  return Math.sqrt(num / den)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/**
 * The straightforward transcription of the layerwise identity, the baseline of the second row: one forward
 * pass, every Gram product over all n rows (x·xᵀ whole, both triangles), each layer's term combined and
 * summed with tf.mul / tf.add in the backend (one output, trace).
 */
function layerwiseTfOps(net: Mlp, x: tf.Tensor2D): tf.Tensor2D {
  const bl = { n: x.shape[0], n2: x.shape[0], same: true }
  const cache = forwardWithCache(net, x)
  const L = net.layers.length - 1
  const top = net.layers[L]!
  let acc = tf.tidy(() => tf.add(tf.mul(gramAB(cache.inputs[L]!, bl), top.wScale ** 2), top.b ? top.bScale ** 2 : 0)) as tf.Tensor2D
  try {
    forEachSensitivity(net, cache, (l, g) => {
      const layer = net.layers[l]!
      const next = tf.tidy(() => {
        const gg = gramAB(tf.reshape(g, [g.shape[1], g.shape[2]]) as tf.Tensor2D, bl)
        const hh = gramAB(cache.inputs[l]!, bl)
        return tf.add(acc, tf.mul(tf.add(tf.mul(hh, layer.wScale ** 2), layer.b ? layer.bScale ** 2 : 0), gg)) as tf.Tensor2D
      })
      acc.dispose()
      acc = next
    })
    return acc
  } finally {
    disposeCache(cache)
  }
}

// Empirical NTK of a depth-3 ReLU MLP (width 1024, d = 784 as MNIST, one output, n = 1000): the layerwise
// identity (docs/math.md §2) against the Jacobian-contraction baseline (materialise J, n × P, in column blocks,
// then J Jᵀ), same network, same process.
// The full baseline at n = 1000 takes several minutes (2·n²·P ≈ 5.8 TFLOP of contraction alone), so it is
// measured at n = 1000 on a sample of its column blocks (every block of a hidden layer has the same shape,
// [n, columns]) and extrapolated: t ≈ (run time − sampled block time) + (block count) × (median block time).
// Two cross-checks are reported in meta: the full baseline at a small n, against the layerwise kernel, and an
// ideal lower bound of the baseline — its contraction flops alone at the peak matmul rate measured here.
export async function run(): Promise<BenchResult[]> {
  const backend = await initBackend('auto')
  const n = QUICK ? 200 : 1000
  const d = 784
  const arch: FiniteFcArch = { depth: 3, width: QUICK ? 256 : 1024, activation: { name: 'relu' }, wStd: Math.SQRT2, bStd: 0.05, parameterization: 'ntk' }
  const P = parameterCount(arch, d, 1)
  const x = tf.tensor2d(new Xoshiro128(12345).normals(n * d), [n, d])
  const net = initMlp(arch, d, 1, 0)
  try {
    // warm-ups (the first call grows the backend's heap, which the other then reuses: a first-call pair in
    // one process is not a fair one; what a one-shot run pays is compared whole-process by vs-reference)
    timed(() => empiricalNtk(net, x))
    timed(() => layerwiseTfOps(net, x))
    const lw: number[] = []
    const ops: number[] = []
    let agreeOps = 0
    for (let i = 0; i < 3; i++) {
      // interleaved, so load drift hits both alike
      const ours = timed(() => empiricalNtk(net, x))
      lw.push(ours.ms)
      const base = timed(() => layerwiseTfOps(net, x))
      ops.push(base.ms)
      agreeOps = relDiff(ours.out, base.out)
    }
    const layerwiseMs = median(lw)
    const opsMs = median(ops)

    // weight drawing: the ziggurat initMlp uses against Box–Muller, the same count of normals
    const draws = P
    const zig = median([0, 1, 2].map(() => { const t = performance.now(); new Xoshiro128(1).zigguratNormals(draws); return performance.now() - t }))
    const bm = median([0, 1, 2].map(() => { const t = performance.now(); new Xoshiro128(1).normals(draws); return performance.now() - t }))

    // the baseline, run in full on a small n and compared with the layerwise kernel there
    const nSmall = QUICK ? 40 : 60
    const xs = tf.slice(x, [0, 0], [nSmall, d])
    const small = { n: nSmall, layerwiseMs: 0, jacobianMs: 0, relDiff: 0 }
    const ref = timed(() => empiricalNtk(net, xs))
    const full = timed(() => empiricalNtkJacobian(net, xs))
    Object.assign(small, { layerwiseMs: ref.ms, jacobianMs: full.ms, relDiff: relDiff(full.out, ref.out) })
    xs.dispose()

    // the baseline at full n on 2 blocks per hidden layer
    const blocks: { layer: number; columns: number; computed: boolean; ms: number }[] = []
    const sampled = timed(() => empiricalNtkJacobian(net, x, undefined, { sampleChunks: 2, onChunk: (b) => blocks.push(b) })).ms
    const done = blocks.filter((b) => b.computed)
    const blockMs = median(done.map((b) => b.ms))
    const overheadMs = sampled - done.reduce((s, b) => s + b.ms, 0)
    const jacobianMs = overheadMs + blocks.length * blockMs

    // ideal lower bound: only the contraction flops, at the peak rate of a square matmul on this backend
    const m = 1024
    const a = tf.randomNormal([m, m])
    tf.matMul(a, a).dispose()
    const peakMs = median([0, 1, 2].map(() => timed(() => tf.matMul(a, a)).ms))
    a.dispose()
    const peakGflops = (2 * m ** 3) / (peakMs / 1000) / 1e9
    const idealJacobianMs = ((2 * n * n * P) / (peakGflops * 1e9)) * 1000

    const flops = 2 * n * n * (d + 3 * arch.width) + 2 * n * n * 3 * arch.width
    return [
      {
        name: `empirical NTK layerwise, upper-triangle row panels + float64 accumulation vs whole Grams combined by tf ops, depth 3 ReLU width ${arch.width}, n=${n} (${backend.active})`,
        value: layerwiseMs / 1000,
        unit: 's',
        baseline: { name: 'layerwise identity, whole n×n Grams, tf.mul/tf.add per layer', value: opsMs / 1000 },
        ratio: opsMs / layerwiseMs,
        target: '> 1',
        meta: { ratioMeaning: 'baseline time / ours (medians of 3 interleaved warm calls)', runsMs: { ours: lw, baseline: ops }, relDiffToBaseline: agreeOps, quick: QUICK },
      },
      {
        name: `weights of that network: ${draws} normals by the ziggurat vs Box–Muller`,
        value: zig / 1000,
        unit: 's',
        baseline: { name: 'Box–Muller (Xoshiro128.normals)', value: bm / 1000 },
        ratio: bm / zig,
        target: '> 1',
        meta: { ratioMeaning: 'baseline time / ours (median of 3)', quick: QUICK },
      },
      {
        name: `empirical NTK layerwise, depth 3 ReLU width ${arch.width}, n=${n}, d=${d} (${backend.active})`,
        value: layerwiseMs / 1000,
        unit: 's',
        baseline: { name: `Jacobian contraction J·Jᵀ at n=${n} (${blocks.length} column blocks, ${done.length} timed, rest extrapolated)`, value: jacobianMs / 1000 },
        ratio: jacobianMs / layerwiseMs,
        target: '≥ 20× faster than Jacobian contraction',
        meta: {
          ratioMeaning: 'baseline time / layerwise time',
          parameters: P,
          layerwiseRunsMs: lw,
          layerwiseKernelGflops: flops / (layerwiseMs / 1000) / 1e9,
          extrapolated: true,
          jacobianBlocks: { total: blocks.length, timed: done.length, columnsPerBlock: done[0]?.columns, medianBlockMs: blockMs, overheadMs },
          jacobianSmallN: small,
          idealJacobianLowerBound: { seconds: idealJacobianMs / 1000, ratio: idealJacobianMs / layerwiseMs, peakMatmulGflops: peakGflops, note: 'contraction flops 2·n²·P only, at the 1024³ matmul rate; J construction ignored' },
          quick: QUICK,
        },
      },
    ]
  } finally {
    disposeMlp(net)
    x.dispose()
  }
}

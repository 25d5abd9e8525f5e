import { gemm, initGemm } from '../electron/engine/blas/gemm'
import { initBackend } from '../electron/engine/runtime/backend'
import { QUICK, type BenchResult } from './types'

// The engine's GEMM (electron/engine/blas) on each provider at the shapes the engine multiplies with, in one
// run: MLAS on one thread and on all against tfjs matMul on the active backend (the straightforward path
// the engine used before). Interleaved, best of REPEATS.

const REPEATS = QUICK ? 2 : 5

const SHAPES = QUICK
  ? [{ name: 'square', m: 256, k: 256, n: 256, transB: false, c: false }]
  : [
      { name: 'square 1024³', m: 1024, k: 1024, n: 1024, transB: false, c: false },
      { name: 'kernel tile Gram X·Xᵀ, 512 rows, d = 784', m: 512, k: 784, n: 512, transB: true, c: false },
      { name: 'Cholesky trailing update C − P·Pᵀ, 3 744 × 256 × 256', m: 3744, k: 256, n: 256, transB: true, c: true },
      { name: 'layer forward 1 000 × 1 024 × 1 024', m: 1000, k: 1024, n: 1024, transB: false, c: false },
    ]

function values(len: number, seed: number): Float32Array {
  const a = new Float32Array(len)
  for (let i = 0; i < len; i++) a[i] = Math.sin(seed + i * 0.37)
  return a
}

export async function run(): Promise<BenchResult[]> {
  const info = await initBackend()
  const results: BenchResult[] = []
  for (const s of SHAPES) {
    const { m, k, n } = s
    const a = values(m * k, 1)
    const b = values(k * n, 2)
    const c = s.c ? values(m * n, 3) : undefined
    const out = new Float32Array(m * n)
    const best = { mlas1: Infinity, mlasAll: Infinity, tfjs: Infinity }
    let mlasOk = true
    for (let r = 0; r < REPEATS + 1; r++) {
      for (const which of ['mlas1', 'mlasAll', 'tfjs'] as const) {
        const got = await initGemm(info.active, which === 'tfjs' ? 'tfjs' : 'mlas')
        if (which !== 'tfjs' && got.provider !== 'mlas') {
          mlasOk = false
          continue
        }
        const t = performance.now()
        gemm(a, b, { m, k, n }, { transB: s.transB, alpha: s.c ? -1 : 1, c, out, parallel: which === 'mlasAll' })
        const ms = performance.now() - t
        if (r > 0) best[which] = Math.min(best[which], ms)
      }
    }
    await initGemm(info.active)
    if (!mlasOk) {
      process.stderr.write('  blas: onnxruntime-node is not available here: only tfjs matMul runs\n')
      break
    }
    const gf = (ms: number): number => (2 * m * k * n) / (ms / 1000) / 1e9
    for (const which of ['mlas1', 'mlasAll'] as const)
      results.push({
        name: `gemm ${s.name}: MLAS ${which === 'mlas1' ? '1 thread' : 'all threads'}`,
        value: +gf(best[which]).toFixed(1),
        unit: 'GFLOP/s',
        baseline: { name: `tfjs matMul on ${info.active}`, value: +gf(best.tfjs).toFixed(1) },
        ratio: best.tfjs / best[which],
        meta: { ms: best[which], baselineMs: best.tfjs, repeats: REPEATS, ratioMeaning: 'tfjs time / MLAS time' },
      })
  }
  return results
}

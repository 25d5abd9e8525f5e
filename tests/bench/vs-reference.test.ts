import { beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { FcArch } from '../../shared/arch'
import { computeAnalyticKernels } from '../../electron/engine/ntk/analytic'
import { readNpy, writeNpy } from '../../electron/engine/io/npy'
import { initBackend } from '../../electron/engine/runtime/backend'
import { pythonWithNumpy, referenceEnv } from '../../bench/vs-reference'
import { tempDir } from '../helpers/tmp'

// The vs-reference bench compares against numpy scripts: they must compute what the engine computes, and
// run with this machine's OpenBLAS pinning removed (for them only).
const root = fileURLToPath(new URL('../..', import.meta.url))
const python = pythonWithNumpy()

beforeAll(async () => {
  await initBackend()
})

describe('vs-reference bench', () => {
  it('drops OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE from the reference environment only', () => {
    const saved = { c: process.env.OPENBLAS_CORETYPE, l: process.env.OPENBLAS_L2_SIZE }
    process.env.OPENBLAS_CORETYPE = 'Haswell'
    process.env.OPENBLAS_L2_SIZE = '262144'
    try {
      const env = referenceEnv()
      expect(env.OPENBLAS_CORETYPE).toBeUndefined()
      expect(env.OPENBLAS_L2_SIZE).toBeUndefined()
      expect(env.PATH).toBe(process.env.PATH)
      expect(process.env.OPENBLAS_CORETYPE).toBe('Haswell')
    } finally {
      for (const [k, v] of [['OPENBLAS_CORETYPE', saved.c], ['OPENBLAS_L2_SIZE', saved.l]] as const) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
  })

  it.skipIf(!python)('the numpy NTK reference equals the engine’s analytic NTK (depth 3 ReLU)', async () => {
    const tmp = tempDir()
    const n = 40
    const d = 64
    // pixel-like uniform points as the bench uses (nearly parallel pairs would measure float32 arccos only)
    let a = 7
    const x = Float32Array.from({ length: n * d }, () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0), a / 4294967296))
    writeNpy(path.join(tmp.dir, 'x.npy'), x, [n, d])
    const r = spawnSync('python3', [path.join(root, 'bench/reference/ntk_fc.py'), path.join(tmp.dir, 'x.npy'), path.join(tmp.dir, 'k.npy'), '3'], { env: referenceEnv(), encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    const ref = readNpy(path.join(tmp.dir, 'k.npy')).data as Float32Array
    tmp.cleanup()
    const ours = await computeAnalyticKernels({ data: x, rows: n, cols: d }, null, FcArch.parse({ depth: 3, activation: { name: 'relu' } }), { kernels: ['ntk'], workers: 1 })
    // float32 engine against a float64 reference stored as float32: entries agree to float32 rounding of
    // the arccos near correlation 1 (per entry ≤ 1e-3 relative, ≤ 1e-5 of the largest entry)
    let worst = 0
    let worstAbs = 0
    let top = 0
    for (let i = 0; i < n * n; i++) {
      worst = Math.max(worst, Math.abs(ours.ntk![i]! - ref[i]!) / Math.abs(ref[i]!))
      worstAbs = Math.max(worstAbs, Math.abs(ours.ntk![i]! - ref[i]!))
      top = Math.max(top, Math.abs(ref[i]!))
    }
    expect(worst).toBeLessThan(1e-3)
    expect(worstAbs / top).toBeLessThan(1e-5)
  })
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NetArch, planKernel } from '../../../shared/arch'
import { CancelledError } from '../../../electron/engine/core/cancel'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { readNpy } from '../../../electron/engine/io/npy'
import { computeAnalyticKernels, streamAnalyticKernels, validateKernelInputs, type SpatialArch } from '../../../electron/engine/ntk/analytic'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { referenceKernels } from './conv-reference'

// Spatial kernels through the FC kernel's tile machinery: worker threads, streaming to NPY, progress, cancel.
const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-spatial-'))
beforeAll(async () => {
  await initBackend()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const conv = { type: 'conv2d' as const, filters: 2, kernel: 3, padding: 'same' as const, activation: 'relu' }
const gap: SpatialArch = { plan: planKernel(NetArch.parse({ input: [6, 6, 2], layers: [conv, { type: 'avgpool2d', pool: 2 }, conv, { type: 'globalavgpool' }] }), { wStd: 1.3, bStd: 0.2 }) }

function rows(n: number, d: number, seed: number): Float32Array {
  let a = seed
  return Float32Array.from({ length: n * d }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0
    return a / 4294967296 - 0.5
  })
}

describe('spatial kernel tiles', () => {
  it('worker threads give exactly the single-thread kernels, for x with itself and against x2', async () => {
    // GAP over 8×8: each pair carries a 64×64 covariance, enough work per pair for workers to start
    const big: SpatialArch = { plan: planKernel(NetArch.parse({ input: [8, 8, 1], layers: [conv, conv, conv, { type: 'globalavgpool' }] }), { wStd: 1.3, bStd: 0.2 }) }
    const x = { data: rows(40, 64, 1), rows: 40, cols: 64 }
    const x2 = { data: rows(30, 64, 2), rows: 30, cols: 64 }
    for (const other of [null, x2]) {
      const one = await computeAnalyticKernels(x, other, big, { kernels: ['ntk', 'nngp'], workers: 1, tileSize: 16 })
      const two = await computeAnalyticKernels(x, other, big, { kernels: ['ntk', 'nngp'], workers: 2, tileSize: 16 })
      expect([one.workers, two.workers]).toEqual([1, 2])
      expect(Buffer.compare(Buffer.from(two.ntk!.buffer), Buffer.from(one.ntk!.buffer))).toBe(0)
      expect(Buffer.compare(Buffer.from(two.nngp!.buffer), Buffer.from(one.nngp!.buffer))).toBe(0)
    }
  })

  it('streams every tile to its place in the .npy, with monotone progress, equal to the naive reference', async () => {
    const n = 45
    const x = { data: rows(n, 72, 3), rows: n, cols: 72 }
    const sink = new DirArtifactSink(dir, { ntk: path.join(dir, 'ntk.npy') })
    const writers = { ntk: sink.openTiled('ntk', n, n) }
    const fractions: number[] = []
    await streamAnalyticKernels(x, null, gap, writers, { tileSize: 16, workers: 1, progress: (f) => fractions.push(f) })
    writers.ntk.close()
    expect(fractions.at(-1)).toBe(1)
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true)
    const k = readNpy(path.join(dir, 'ntk.npy')).data as Float32Array
    const pick = [0, 15, 16, 44]
    const ref = referenceKernels(gap.plan, pick.map((i) => x.data.subarray(i * 72, (i + 1) * 72)))
    pick.forEach((i, a) => pick.forEach((j, b) => expect(Math.abs(k[i * n + j]! - ref.ntk[a]![b]!)).toBeLessThan(1e-6 * Math.abs(ref.ntk[a]![b]!))))
  })

  it('cancel stops the run with CancelledError, on this thread and with workers', async () => {
    const x = { data: rows(120, 72, 4), rows: 120, cols: 72 }
    for (const workers of [1, 2]) {
      const ac = new AbortController()
      let tiles = 0
      const run = computeAnalyticKernels(x, null, gap, { kernels: ['ntk'], workers, tileSize: 16, signal: ac.signal, onTile: () => (++tiles === 3 ? ac.abort() : undefined) })
      await expect(run).rejects.toBeInstanceOf(CancelledError)
      expect(tiles).toBeLessThan(20)
    }
  })

  it('refuses points of the wrong size before any tile', () => {
    expect(() => validateKernelInputs({ data: new Float32Array(10 * 50), rows: 10, cols: 50 }, null, gap, ['ntk'])).toThrow(/input \[6, 6, 2\] holds 72 values per point, but x has 50/)
  })
})

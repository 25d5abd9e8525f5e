import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FcArch } from '../../../shared/arch'
import { CancelledError } from '../../../electron/engine/core/cancel'
import { type TiledArtifactWriter } from '../../../electron/engine/core/artifact-sink'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { readNpy } from '../../../electron/engine/io/npy'
import { computeAnalyticKernels, forEachKernelTile, streamAnalyticKernels } from '../../../electron/engine/ntk/analytic'
import { shutdownKernelWorkers } from '../../../electron/engine/ntk/pool'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { bruteKernels, gaussianRows, toMatrix } from './analytic-brute-force'

const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-analytic-'))
beforeAll(async () => {
  await initBackend()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const arch = FcArch.parse({ depth: 3, activation: { name: 'relu' }, bStd: 0.1, wStd: 1.2 })

describe('tiles on worker threads', () => {
  it('give exactly the single-thread kernels (x with itself and x against x2)', async () => {
    const x = toMatrix(gaussianRows(600, 20, 11))
    const x2 = toMatrix(gaussianRows(530, 20, 12))
    for (const other of [null, x2]) {
      const one = await computeAnalyticKernels(x, other, arch, { kernels: ['ntk', 'nngp'], workers: 1, tileSize: 128 })
      let tiles = 0
      const two = await computeAnalyticKernels(x, other, arch, { kernels: ['ntk', 'nngp'], workers: 2, tileSize: 128, onTile: () => tiles++ })
      const cols = other ? 530 : 600
      expect([one.workers, two.workers]).toEqual([1, 2])
      expect(tiles).toBe(Math.ceil(600 / 128) * Math.ceil(cols / 128))
      expect(two.ntk!.length).toBe(600 * cols)
      expect(Buffer.compare(Buffer.from(two.ntk!.buffer), Buffer.from(one.ntk!.buffer))).toBe(0)
      expect(Buffer.compare(Buffer.from(two.nngp!.buffer), Buffer.from(one.nngp!.buffer))).toBe(0)
    }
  })

  it('a job this thread finishes before its worker is ready leaves the worker right for the next job', async () => {
    // cold workers: the first job (small) ends while its worker still initialises its backend, so the
    // worker gets release and the next job's init during that initialisation
    await shutdownKernelWorkers()
    const small = toMatrix(gaussianRows(520, 8, 21))
    await computeAnalyticKernels(small, null, arch, { kernels: ['ntk'], workers: 2 })
    const x = toMatrix(gaussianRows(2500, 784, 22))
    const two = await computeAnalyticKernels(x, null, arch, { kernels: ['ntk'], workers: 2, tileSize: 128 })
    const one = await computeAnalyticKernels(x, null, arch, { kernels: ['ntk'], workers: 1, tileSize: 128 })
    expect(Buffer.compare(Buffer.from(two.ntk!.buffer), Buffer.from(one.ntk!.buffer))).toBe(0)
  })

  it('report errors from a worker as UserErrors', async () => {
    const x = toMatrix(gaussianRows(600, 4, 3, 1e3))
    // ReLU is homogeneous: w_std^(2·depth) · ‖x‖² overflows float32
    const big = FcArch.parse({ depth: 20, activation: { name: 'relu' }, wStd: 60 })
    await expect(computeAnalyticKernels(x, null, big, { kernels: ['ntk'], workers: 2, tileSize: 256 })).rejects.toMatchObject({
      name: 'UserError',
      code: 'non_finite',
    })
  })

  it('cancel stops the workers promptly and no tile arrives afterwards', async () => {
    const x = toMatrix(gaussianRows(12000, 64, 5))
    const sinkNothing = { writeTile: () => {}, close: () => ({ id: '', name: '', type: 'npy' }), abort: () => {} } as TiledArtifactWriter
    const ac = new AbortController()
    let tiles = 0
    let abortedAt = 0
    setTimeout(() => {
      abortedAt = performance.now()
      ac.abort()
    }, 1500)
    const run = streamAnalyticKernels(x, null, arch, { ntk: sinkNothing, nngp: sinkNothing }, { workers: 2, tileSize: 512, signal: ac.signal, onTile: () => tiles++ })
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    const stoppedAfter = performance.now() - abortedAt
    console.log(`cancel: stopped ${stoppedAfter.toFixed(0)} ms after abort, ${tiles} tiles delivered`)
    const seen = tiles
    await new Promise((r) => setTimeout(r, 500))
    expect(tiles).toBe(seen)
    expect(tiles).toBeLessThan(24 * 24)
  })

  it('cancel works on the in-process path too', async () => {
    const x = toMatrix(gaussianRows(2000, 16, 5))
    const ac = new AbortController()
    let tiles = 0
    const run = forEachKernelTile(x, null, arch, { kernels: ['ntk'], workers: 1, tileSize: 100, signal: ac.signal }, () => {
      if (++tiles === 5) ac.abort()
    })
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(tiles).toBeLessThan(10)
  })
})

describe('streaming to disk', () => {
  it('lands every tile (partial, mirrored) at its place in the .npy', async () => {
    const pts = gaussianRows(333, 9, 21)
    const pts2 = gaussianRows(150, 9, 22)
    const x = toMatrix(pts)
    for (const [other, otherPts, workers] of [[null, pts, 2], [toMatrix(pts2), pts2, 1]] as const) {
      const cols = otherPts.length
      const sink = new DirArtifactSink(dir, { ntk: path.join(dir, `ntk-${cols}.npy`), nngp: path.join(dir, `nngp-${cols}.npy`) })
      const writers = { ntk: sink.openTiled('ntk', 333, cols), nngp: sink.openTiled('nngp', 333, cols) }
      const fractions: number[] = []
      await streamAnalyticKernels(x, other, arch, writers, { tileSize: 64, workers, progress: (f) => fractions.push(f) })
      writers.ntk.close()
      writers.nngp.close()
      expect(fractions[fractions.length - 1]).toBe(1)
      expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true)
      const mem = await computeAnalyticKernels(x, other, arch, { kernels: ['ntk', 'nngp'], workers: 1, tileSize: 64 })
      for (const kind of ['ntk', 'nngp'] as const) {
        const file = readNpy(path.join(dir, `${kind}-${cols}.npy`))
        expect(file.shape).toEqual([333, cols])
        expect(file.dtype).toBe('f4')
        expect(Array.from(file.data as Float32Array)).toEqual(Array.from(mem[kind]!))
      }
      // spot checks against the float64 brute force, across tile borders
      const ntk = readNpy(path.join(dir, `ntk-${cols}.npy`)).data as Float32Array
      for (const [i, j] of [[0, 0], [63, 64], [64, 63], [200, 140], [332, cols - 1], [130, 5]] as const) {
        const want = bruteKernels([pts[i]!], [otherPts[j]!], arch).ntk[0]![0]!
        expect(Math.abs(ntk[i * cols + j]! - want)).toBeLessThan(1e-5 * Math.abs(want) + 1e-6)
      }
    }
  })
})

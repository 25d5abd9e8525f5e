import { afterAll, describe, expect, it } from 'vitest'
import { FcArch } from '../../../shared/arch'
import { forEachKernelTile } from '../../../electron/engine/ntk/analytic'
import { shutdownKernelWorkers } from '../../../electron/engine/ntk/pool'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { bruteKernels, gaussianRows, toMatrix } from './analytic-brute-force'

// The backend a user picks is the one every tile runs on, worker threads included (they used to start on
// 'auto' whatever the job had chosen). cpu exists everywhere, so this holds on any machine.
afterAll(() => shutdownKernelWorkers())

describe('kernel worker threads use the job backend', () => {
  it('computes its tiles on the chosen backend, with the same numbers', async () => {
    const info = await initBackend('cpu')
    expect(info.active).toBe('cpu')
    const rows = gaussianRows(600, 6, 4)
    const arch = FcArch.parse({ depth: 1, activation: { name: 'relu' }, bStd: 0.1 })
    const ntk = new Float32Array(600 * 600)
    const run = await forEachKernelTile(toMatrix(rows), null, arch, { kernels: ['ntk'], workers: 2, tileSize: 256 }, (t) => {
      for (let r = 0; r < t.rows; r++) ntk.set(t.ntk!.subarray(r * t.cols, (r + 1) * t.cols), (t.row0 + r) * 600 + t.col0)
    })
    expect(run.workers).toBe(2)
    expect(run.backends).toEqual(['cpu'])
    // and the tiles are right: a few entries against the float64 brute force
    const pick = [0, 5, 300, 301, 599]
    const b = bruteKernels(pick.map((i) => rows[i]!), pick.map((i) => rows[i]!), arch)
    pick.forEach((i, a) => pick.forEach((j, c) => expect(Math.abs(ntk[i * 600 + j]! - b.ntk[a]![c]!) / Math.abs(b.ntk[a]![c]!)).toBeLessThan(1e-5)))
  })
})

import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FcArch, type JobEvent } from '../../../shared/index'
import { readNpy, writeNpy } from '../../../electron/engine/io/npy'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { executeJob } from '../../../electron/engine/jobs/execute'
import type { KernelJobResult } from '../../../shared/jobs/results'
import { bruteKernels, gaussianRows, toMatrix } from './analytic-brute-force'

function expectRel(got: number, want: number): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * Math.abs(want) + 1e-7)
}

const dir = mkdtempSync(path.join(tmpdir(), 'ntkw-kernel-job-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("job kind 'kernel'", () => {
  const pts = gaussianRows(140, 7, 61)
  writeNpy(path.join(dir, 'x.npy'), toMatrix(pts).data, [140, 7])
  const arch = { depth: 2, activation: { name: 'abs' as const }, wStd: 1.2, bStd: 0.1 }

  it('streams both kernels, reports progress and a summary with diagonal statistics', async () => {
    const events: JobEvent[] = []
    const sink = new DirArtifactSink(dir)
    const outcome = await executeJob(
      { kind: 'kernel', x: { type: 'npy', path: path.join(dir, 'x.npy') }, arch, kernels: ['ntk', 'nngp'], tileSize: 64, workers: 1 },
      { runId: 'r1', signal: new AbortController().signal, emit: (e) => events.push(e), artifacts: sink, data: createDataResolver(), onDatasetHash: (h) => events.push({ type: 'log', t: 0, level: 'debug', message: `hash ${h}` }) },
    )
    expect(outcome.state, JSON.stringify(outcome)).toBe('succeeded')
    const result = (outcome as { result: KernelJobResult }).result
    expect([result.rows, result.cols, result.workers]).toEqual([140, 140, 1])
    expect(events.some((e) => e.type === 'progress')).toBe(true)
    expect(events.some((e) => e.type === 'log' && /^hash [0-9a-f]{64}$/.test(e.message))).toBe(true)
    const want = bruteKernels(pts, pts, FcArch.parse(arch))
    for (const kind of ['ntk', 'nngp'] as const) {
      const file = readNpy(path.join(dir, `${kind}.npy`))
      expect(file.shape).toEqual([140, 140])
      const diag = want[kind].map((r, i) => r[i]!)
      const stats = result.kernels[kind]!
      expectRel(stats.diag!.min, Math.min(...diag))
      expectRel(stats.diag!.max, Math.max(...diag))
      expectRel(stats.diag!.mean, diag.reduce((a, b) => a + b, 0) / diag.length)
      const flat = want[kind].flat()
      expectRel(stats.mean, flat.reduce((a, b) => a + b, 0) / flat.length)
      expectRel(stats.min, Math.min(...flat))
    }
  })

  it('fails without leaving a half-written file when cancelled', async () => {
    const big = gaussianRows(3000, 4, 62)
    writeNpy(path.join(dir, 'big.npy'), Float32Array.from(toMatrix(big).data), [3000, 4])
    const ac = new AbortController()
    const out = path.join(dir, 'cancelled.npy')
    const sink = new DirArtifactSink(dir, { ntk: out })
    const outcome = await executeJob(
      { kind: 'kernel', x: { type: 'npy', path: path.join(dir, 'big.npy') }, arch, kernels: ['ntk'], tileSize: 128, workers: 1 },
      {
        runId: 'r2',
        signal: ac.signal,
        emit: (e) => {
          if (e.type === 'progress' && e.fraction > 0) ac.abort()
        },
        artifacts: sink,
        data: createDataResolver(),
      },
    )
    expect(outcome.state).toBe('cancelled')
    expect(existsSync(out)).toBe(false)
  })
})

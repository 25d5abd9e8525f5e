import * as tf from '@tensorflow/tfjs-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { ntkw } from '../../helpers/ntkw'
import { tempDir } from '../../helpers/tmp'
import { readNpy, writeNpy } from '../../../electron/engine/io/npy'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { disposeMlp, initMlp } from '../../../electron/engine/nn/mlp'
import { empiricalNtk, sampleSeed } from '../../../electron/engine/ntk/empirical'
import { executeJob } from '../../../electron/engine/jobs/execute'
import { DirArtifactSink } from '../../../electron/engine/jobs/dir-sink'
import { createDataResolver } from '../../../electron/engine/jobs/data-resolver'
import type { JobEvent } from '../../../shared/index'
import { testInputs } from '../nn/f64-mlp'

const tmp = tempDir()
const f = (name: string): string => path.join(tmp.dir, name)
const n = 9
const m = 4
const d = 3
const xa = testInputs(n, d, 5) // float64 on disk
const xb = Float32Array.from(testInputs(m, d, 6))

beforeAll(async () => {
  await initBackend()
  writeNpy(f('a.npy'), xa, [n, d])
  writeNpy(f('b.npy'), xb, [m, d])
  writeNpy(f('bad.npy'), Float64Array.from([1, NaN, 3, 4, 5, 6]), [2, 3])
})
afterAll(() => tmp.cleanup())

/** the kernel computed in this process from the networks of the given seeds, averaged */
function direct(seed: number, samples: number, o: { width: number; depth: number; bStd: number | null; wStd: number }, withB: boolean): Float32Array {
  const x = tf.tensor2d(Float32Array.from(xa), [n, d])
  const x2 = withB ? tf.tensor2d(xb, [m, d]) : undefined
  const acc = new Float64Array(n * (withB ? m : n))
  for (let s = 0; s < samples; s++) {
    const net = initMlp({ ...o, activation: { name: 'erf', a: 1, b: 1, c: 0 }, parameterization: 'ntk' }, d, 1, sampleSeed(seed, s))
    const k = empiricalNtk(net, x, x2)
    k.dataSync().forEach((v, i) => (acc[i] = acc[i]! + v / samples))
    k.dispose()
    disposeMlp(net)
  }
  tf.dispose([x, ...(x2 ? [x2] : [])])
  return Float32Array.from(acc)
}

describe('ntkw empirical', () => {
  it('writes the kernel of the seeded networks to --out and prints the path', () => {
    const r = ntkw(['empirical', '--x', 'a.npy', '--x2', 'b.npy', '--depth', '2', '--width', '32', '--activation', 'erf', '--w-std', '1.5', '--b-std', '0.2', '--seed', '4', '--samples', '3', '--out', 'k.npy'], tmp.dir)
    expect(r.err).not.toMatch(/error/)
    expect(r.code).toBe(0)
    expect(r.out.trim()).toBe(f('k.npy'))
    const k = readNpy(f('k.npy'))
    expect(k.shape).toEqual([n, m])
    const want = direct(4, 3, { width: 32, depth: 2, bStd: 0.2, wStd: 1.5 }, true)
    const got = k.data as Float32Array
    for (let i = 0; i < want.length; i++) expect(got[i]!).toBeCloseTo(want[i]!, 5)
  })

  it('defaults: kernel.npy in the working directory, σ_w = 1, no bias, seed 0, one sample', () => {
    const r = ntkw(['empirical', '--x', 'a.npy', '--depth', '1', '--width', '16', '--activation', 'erf', '--quiet'], tmp.dir)
    expect(r.code).toBe(0)
    expect(r.out.trim()).toBe(f('kernel.npy'))
    const k = readNpy(f('kernel.npy'))
    expect(k.shape).toEqual([n, n])
    const want = direct(0, 1, { width: 16, depth: 1, bStd: null, wStd: 1 }, false)
    const got = k.data as Float32Array
    for (let i = 0; i < want.length; i++) expect(got[i]!).toBeCloseTo(want[i]!, 5)
  })

  it('explains bad input instead of failing obscurely', () => {
    const missing = ntkw(['empirical', '--x', 'a.npy', '--depth', '2', '--activation', 'relu'], tmp.dir)
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/--width is required/)
    const act = ntkw(['empirical', '--x', 'a.npy', '--depth', '2', '--width', '8', '--activation', 'tanhh'], tmp.dir)
    expect(act.code).toBe(1)
    expect(act.err).toMatch(/unknown activation/)
    const nan = ntkw(['empirical', '--x', 'bad.npy', '--depth', '1', '--width', '8', '--activation', 'relu', '--out', 'nan.npy'], tmp.dir)
    expect(nan.code).toBe(1)
    expect(nan.err).toMatch(/contains NaN at row 0, column 1/)
    expect(existsSync(f('nan.npy'))).toBe(false)
    const dims = ntkw(['empirical', '--x', 'a.npy', '--x2', 'bad.npy', '--depth', '1', '--width', '8', '--activation', 'relu'], tmp.dir)
    expect(dims.code).toBe(1)
    expect(dims.err).toMatch(/features|NaN/)
  })
})

describe('empirical-kernel job', () => {
  it('per-output kernels of a K-output network, through executeJob', async () => {
    const events: JobEvent[] = []
    const sink = new DirArtifactSink(tmp.dir, { kernel: f('per.npy') })
    const outcome = await executeJob(
      { kind: 'empirical-kernel', seed: 2, x: { type: 'npy', path: f('a.npy') }, arch: { depth: 1, width: 8, activation: { name: 'relu' }, bStd: 0.1 }, outDim: 3, outputs: 'per-output' },
      { runId: 'r1', signal: new AbortController().signal, emit: (e) => events.push(e), artifacts: sink, data: createDataResolver() },
    )
    expect(outcome.state).toBe('succeeded')
    const k = readNpy(f('per.npy'))
    expect(k.shape).toEqual([3, n, n])
    const x = tf.tensor2d(Float32Array.from(xa), [n, d])
    const net = initMlp({ depth: 1, width: 8, activation: { name: 'relu' }, wStd: 1, bStd: 0.1, parameterization: 'ntk' }, d, 3, 2)
    const want = empiricalNtk(net, x, undefined, { outputs: 'per-output' })
    const w = want.dataSync()
    const got = k.data as Float32Array
    for (let i = 0; i < w.length; i++) expect(got[i]!).toBeCloseTo(w[i]!, 5)
    tf.dispose([x, want])
    disposeMlp(net)
    expect(events.some((e) => e.type === 'progress')).toBe(true)
  })

  it('stops with state cancelled when aborted between samples', async () => {
    const ac = new AbortController()
    const events: JobEvent[] = []
    const outcome = await executeJob(
      { kind: 'empirical-kernel', x: { type: 'npy', path: f('a.npy') }, arch: { depth: 2, width: 64, activation: { name: 'relu' } }, samples: 200 },
      {
        runId: 'r2',
        signal: ac.signal,
        emit: (e) => {
          events.push(e)
          if (e.type === 'progress' && e.fraction > 0) ac.abort()
        },
        artifacts: new DirArtifactSink(tmp.dir, { kernel: f('cancelled.npy') }),
        data: createDataResolver(),
      },
    )
    expect(outcome.state).toBe('cancelled')
    expect(existsSync(f('cancelled.npy'))).toBe(false)
  })
})

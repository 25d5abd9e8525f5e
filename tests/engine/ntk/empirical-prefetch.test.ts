import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { Scratch } from '../../../electron/engine/core/scratch'
import { drawMlpWeights, layerSizes, type FiniteFcArch } from '../../../electron/engine/nn/weights'
import { arrayActivation } from '../../../electron/engine/nn/mlp'
import { empiricalNtkArrays } from '../../../electron/engine/ntk/empirical'
import { empiricalArrayNeeds } from '../../../electron/engine/ntk/empirical-plan'
import { PREFETCH_MIN_BYTES, prefetchEmpiricalSample, sampleBytes, takeEmpiricalPrefetch } from '../../../electron/engine/ntk/empirical-prefetch'
import { empiricalMlpSample } from '../../../electron/engine/ntk/empirical-sample'
import { bundledWorkerUrl } from '../../../electron/engine/ntk/worker-path'
import { readNpy, writeNpy } from '../../../electron/engine/io/npy'
import { ntkw } from '../../helpers/ntkw'
import { tempDir } from '../../helpers/tmp'
import { testInputs } from '../nn/f64-mlp'

const tmp = tempDir()
beforeAll(async () => {
  await initBackend()
})
afterAll(() => tmp.cleanup())

const bytesOf = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
const zeroBuffers = (sizes: number[], outputs: 'trace' | 'per-output', n: number, n2: number | null): ArrayBuffer[] =>
  empiricalArrayNeeds(sizes, n, n2, outputs).map((a) => new ArrayBuffer(a.length * (a.type === 'f64' ? 8 : 4)))

describe('empirical NTK memory plan', () => {
  // every case: the arrays the plan lists are exactly the ones the computation takes (a Scratch of them is
  // used up), and computing in them gives the bytes of computing in new arrays
  it.each([
    ['relu, one output, self kernel in 4 panels', { depth: 3, width: 24, activation: { name: 'relu' }, bStd: 0.1 }, 1, 'trace', 1003, null],
    ['erf, 3 outputs, trace, against x2', { depth: 2, width: 16, activation: { name: 'erf', a: 1, b: 1, c: 0 }, bStd: null }, 3, 'trace', 40, 7],
    ['relu, 2 outputs, per-output, self', { depth: 2, width: 12, activation: { name: 'relu' }, bStd: 0.5 }, 2, 'per-output', 510, null],
    ['depth 0 (the readout only)', { depth: 0, width: 8, activation: { name: 'relu' }, bStd: 0.2 }, 2, 'trace', 30, null],
  ] as const)('%s', (_name, a, K, outputs, n, n2) => {
    const arch: FiniteFcArch = { wStd: 1.2, parameterization: 'ntk', ...a }
    const d = 5
    const x = Float32Array.from(testInputs(n, d, 3))
    const x2 = n2 === null ? null : { data: Float32Array.from(testInputs(n2, d, 4)), rows: n2 }
    const layers = drawMlpWeights(arch, d, K, 11)
    const act = arrayActivation(arch.activation)
    const plain = empiricalNtkArrays(layers, act, x, n, x2, { outputs })
    const scratch = new Scratch(zeroBuffers(layerSizes(arch, d, K), outputs, n, n2))
    const inScratch = empiricalNtkArrays(layers, act, x, n, x2, { outputs, scratch })
    expect(scratch.held).toBe(0)
    expect(inScratch.shape).toEqual(plain.shape)
    expect(bytesOf(inScratch.data).equals(bytesOf(plain.data))).toBe(true)
  })

  it('a Scratch gives its smallest fitting buffer once, then new arrays', () => {
    const s = new Scratch([new ArrayBuffer(64), new ArrayBuffer(16), new ArrayBuffer(32)])
    const a = s.f32(3)
    expect([a.length, a.buffer.byteLength]).toEqual([3, 16])
    const b = s.f64(4)
    expect([b.length, b.buffer.byteLength]).toEqual([4, 32])
    const c = s.f32(20)
    expect([c.length, c.buffer.byteLength]).toEqual([20, 80])
    expect(s.held).toBe(64)
  })
})

describe('the first network prepared on a worker thread', () => {
  const arch: FiniteFcArch = { depth: 2, width: 48, activation: { name: 'relu' }, wStd: 1.4, bStd: 0.1, parameterization: 'ntk' }
  // enough rows for the worker to be worth starting: the float64 kernel alone is 8 n² bytes
  const rows = 1100
  const request = { arch, inDim: 6, outDim: 1, seed: 9, n: rows, n2: null, outputs: 'trace' as const }

  it('is not started for a small sample', async () => {
    expect(sampleBytes(request)).toBeGreaterThanOrEqual(PREFETCH_MIN_BYTES)
    const small = { ...request, n: 100 }
    expect(sampleBytes(small)).toBeLessThan(PREFETCH_MIN_BYTES)
    expect(prefetchEmpiricalSample(small)).toBeNull()
    expect(await takeEmpiricalPrefetch(small)).toBeNull()
  })

  const bytesOfNeeds = (needs: { type: 'f32' | 'f64'; length: number }[]): number => needs.reduce((s, a) => s + a.length * (a.type === 'f64' ? 8 : 4), 0)
  const needs = empiricalArrayNeeds(layerSizes(arch, 6, 1), rows, null, 'trace')
  const x = Float32Array.from(testInputs(rows, 6, 8))
  const sample = (prepared: Parameters<typeof empiricalMlpSample>[5]) => empiricalMlpSample(arch, { data: x, rows, cols: 6 }, null, 9, { outDim: 1, outputs: 'trace' }, prepared).data

  it('has the weights drawMlpWeights gives and, left to finish, zeroed memory for every array of the plan; taken once, and only for its own request', async () => {
    // as the CLI gives it: the parameterization left to its default
    const asFlags = { ...request, arch: { ...arch, parameterization: undefined } }
    const started = prefetchEmpiricalSample(asFlags)
    // the worker runs from the built bundle (scripts/build-node.mjs); without it nothing is prepared
    expect(started !== null).toBe(bundledWorkerUrl('empirical-prefetch-worker') !== null)
    if (!started) return
    expect(await takeEmpiricalPrefetch({ ...request, seed: 10 })).toBeNull()
    const again = prefetchEmpiricalSample(asFlags)!
    await again.ended
    const got = await takeEmpiricalPrefetch(request)
    expect(await takeEmpiricalPrefetch(request)).toBeNull()
    expect(got).not.toBeNull()
    const want = drawMlpWeights(arch, 6, 1, 9)
    expect(got!.layers.map((l) => [l.nIn, l.nOut, l.wScale, l.bScale])).toEqual(want.map((l) => [l.nIn, l.nOut, l.wScale, l.bScale]))
    for (let l = 0; l < want.length; l++) {
      expect(bytesOf(got!.layers[l]!.w).equals(bytesOf(want[l]!.w))).toBe(true)
      expect(bytesOf(got!.layers[l]!.b!).equals(bytesOf(want[l]!.b!))).toBe(true)
    }
    expect(got!.scratch.held).toBe(bytesOfNeeds(needs))
    const withPrepared = sample(got)
    expect(got!.scratch.held).toBe(0)
    expect(bytesOf(withPrepared).equals(bytesOf(sample(null)))).toBe(true)
  })

  it('taken at once, gives the weights and whichever buffers are ready (the worker stops there)', async () => {
    if (!prefetchEmpiricalSample(request)) return
    const got = await takeEmpiricalPrefetch(request)
    expect(got).not.toBeNull()
    // the buffers come in the plan's order: whatever is held is a prefix of it
    const held = got!.scratch.held
    const prefixes = needs.map((_, i) => bytesOfNeeds(needs.slice(0, i)))
    expect([...prefixes, bytesOfNeeds(needs)]).toContain(held)
    expect(bytesOf(sample(got)).equals(bytesOf(sample(null)))).toBe(true)
  })

  it('ntkw empirical writes the bytes this process computes without a worker', () => {
    const n = 1100
    const xPath = path.join(tmp.dir, 'x.npy')
    writeNpy(xPath, Float32Array.from(testInputs(n, 20, 12)), [n, 20])
    const r = ntkw(['empirical', '--x', 'x.npy', '--depth', '3', '--width', '64', '--activation', 'relu', '--b-std', '0.1', '--seed', '3', '--out', 'k.npy', '--quiet'], tmp.dir)
    expect(r.code).toBe(0)
    const cli = readNpy(path.join(tmp.dir, 'k.npy')).data as Float32Array
    const fc: FiniteFcArch = { depth: 3, width: 64, activation: { name: 'relu' }, wStd: 1, bStd: 0.1, parameterization: 'ntk' }
    const here = empiricalMlpSample(fc, { data: Float32Array.from(testInputs(n, 20, 12)), rows: n, cols: 20 }, null, 3, { outDim: 1, outputs: 'trace' }).data
    expect(bytesOf(cli).equals(bytesOf(here))).toBe(true)
  })
})

import * as tf from '@tensorflow/tfjs-core'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NetArch, planKernel } from '../../shared/arch'
import { Xoshiro128 } from '../../electron/engine/core/random'
import { readNpy, writeNpy } from '../../electron/engine/io/npy'
import { empiricalNetKernel } from '../../electron/engine/ntk/empirical-net'
import { initBackend } from '../../electron/engine/runtime/backend'
import { ntkw } from '../helpers/ntkw'
import { tempDir } from '../helpers/tmp'

// `ntkw empirical --arch ARCH.json`: the finite network of the file (its filters and units), seeded, averaged
// over samples; the same numbers as the engine computes in this process, and bad files refused naming the layer.
const tmp = tempDir()
const f = (name: string): string => path.join(tmp.dir, name)
const arch = {
  layers: [
    { type: 'conv2d', filters: 6, kernel: 3, padding: 'same', activation: 'relu' },
    { type: 'avgpool2d', pool: 2 },
    { type: 'conv2d', filters: 5, kernel: 2, padding: 'valid', activation: 'erf' },
    { type: 'globalavgpool' },
  ],
}
const n = 4
const m = 3
const xa = new Xoshiro128(1).normals(n * 36)
const xb = new Xoshiro128(2).normals(m * 36)

beforeAll(async () => {
  await initBackend()
  writeNpy(f('a.npy'), xa, [n, 6, 6, 1])
  writeNpy(f('b.npy'), xb, [m, 6, 6, 1])
  writeFileSync(f('cnn.json'), JSON.stringify(arch))
  writeFileSync(f('maxpool.json'), JSON.stringify({ layers: [arch.layers[0], { type: 'maxpool2d', pool: 2 }, { type: 'flatten' }] }))
})
afterAll(() => tmp.cleanup())

describe('ntkw empirical --arch', () => {
  it('writes the seeded CNN networks\' mean empirical NTK, equal to the engine\'s in this process', async () => {
    const r = ntkw(['empirical', '--x', 'a.npy', '--x2', 'b.npy', '--arch', 'cnn.json', '--w-std', '1.3', '--b-std', '0.2', '--seed', '9', '--samples', '2', '--out-dim', '2', '--out', 'k.npy', '--quiet'], tmp.dir)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out.trim()).toBe(f('k.npy'))
    const got = readNpy(f('k.npy'))
    expect(got.shape).toEqual([n, m])
    const plan = planKernel(NetArch.parse(arch), { wStd: 1.3, bStd: 0.2 }, [6, 6, 1])
    const x = tf.tensor2d(xa, [n, 36])
    const x2 = tf.tensor2d(xb, [m, 36])
    const want = await empiricalNetKernel(plan, x, x2, { seed: 9, samples: 2, outDim: 2 })
    const w = want.dataSync()
    for (let i = 0; i < n * m; i++) expect(got.data[i]).toBeCloseTo(w[i]!, 4)
    tf.dispose([x, x2, want])
  })

  it('refuses --depth with --arch, and a maxpool layer naming it, before writing anything', () => {
    const both = ntkw(['empirical', '--x', 'a.npy', '--arch', 'cnn.json', '--depth', '2', '--out', 'no.npy'], tmp.dir)
    expect(both.code).not.toBe(0)
    expect(both.err).toMatch(/--depth .*cannot be combined with --arch/)
    const mp = ntkw(['empirical', '--x', 'a.npy', '--arch', 'maxpool.json', '--out', 'no.npy'], tmp.dir)
    expect(mp.code).not.toBe(0)
    expect(mp.err).toMatch(/layer 2 \(maxpool2d\)/)
    const rows = ntkw(['empirical', '--x', 'a.npy', '--arch', 'cnn.json', '--width', '8', '--out', 'no.npy'], tmp.dir)
    expect(rows.code).not.toBe(0)
  })
})

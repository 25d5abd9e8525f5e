import { describe, expect, it } from 'vitest'
import { ARCH_PRESETS, FcArch, fcToNet, NetArch, planKernel, resolveInputShape, type NetArchInput } from '../../shared/arch'

const D = { wStd: 1.5, bStd: 0.2 }
const plan = (a: NetArchInput, dataShape?: number[]) => planKernel(NetArch.parse(a), D, dataShape)
const err = (a: NetArchInput, dataShape?: number[]): string => {
  try {
    plan(a, dataShape)
  } catch (e) {
    return (e as Error).message
  }
  return 'no error'
}

describe('ARCH.json read with infinite-width semantics', () => {
  it('a CNN-GP: shapes per step, per-layer σ over the command defaults, the readout appended after an implicit flatten', () => {
    const p = plan({ input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu', wStd: 2 }, { type: 'conv2d', filters: 4, kernel: 3, bias: false }] })
    expect(p.steps.map((s) => s.op)).toEqual(['conv', 'activation', 'conv', 'flatten', 'dense'])
    expect(p.steps.map((s) => s.outShape)).toEqual([[8, 8, 4], [8, 8, 4], [6, 6, 4], [144], [1]])
    expect(p.steps[0]).toMatchObject({ op: 'conv', size: [3, 3], padding: 'same', wStd: 2, bStd: 0.2, layer: 0, channels: 4 })
    expect(p.steps[2]).toMatchObject({ wStd: 1.5, bStd: null, padding: 'valid' })
    expect(p.steps[4]).toMatchObject({ op: 'dense', layer: -1, wStd: 1.5, bStd: 0.2 })
    expect(p.spatial).toBe(true)
    expect(p.needsFullCovariance).toBe(false)
  })

  it('pooling needs the full covariance; a written-out readout keeps its own σ', () => {
    const p = plan({ input: [8, 8, 3], layers: [{ type: 'conv2d', filters: 2, padding: 'same' }, { type: 'avgpool2d', pool: 2 }, { type: 'globalavgpool' }, { type: 'readout', wStd: 3, bStd: null }] })
    expect(p.steps.map((s) => s.outShape)).toEqual([[8, 8, 2], [4, 4, 2], [2], [1]])
    expect(p.steps[3]).toMatchObject({ op: 'dense', wStd: 3, bStd: null, layer: 3 })
    expect(p.needsFullCovariance).toBe(true)
  })

  it('flat rows are images of the file\'s input; the rule is the one training uses', () => {
    const a = NetArch.parse({ input: [4, 4], layers: [{ type: 'conv2d', filters: 1 }] })
    expect(resolveInputShape(a, [16])).toEqual([4, 4, 1])
    expect(plan({ layers: [{ type: 'conv2d', filters: 1 }] }, [28, 28]).input).toEqual([28, 28, 1])
    expect(plan({ layers: [{ type: 'conv2d', filters: 1 }] }, [49]).input).toEqual([7, 7, 1])
    expect(plan({ layers: [{ type: 'dense', units: 3, activation: 'erf' }] }, [5, 2]).spatial).toBe(false)
  })

  it.each<[string, NetArchInput, number[] | undefined, RegExp]>([
    ['maxpool', { input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 1 }, { type: 'maxpool2d' }] }, undefined, /layer 2 \(maxpool2d\): max pooling has no closed-form/],
    ['dropout', { input: [4], layers: [{ type: 'dense', units: 2 }, { type: 'dropout', rate: 0.5 }] }, undefined, /layer 2 \(dropout\)/],
    ['batchnorm', { input: [4], layers: [{ type: 'batchnorm' }] }, undefined, /layer 1 \(batchnorm\)/],
    ['pool larger than the image', { input: [4, 4, 1], layers: [{ type: 'avgpool2d', pool: 5 }] }, undefined, /layer 1 \(avgpool2d\): pool 5×5 is larger than the 4×4 image/],
    ['valid padding that empties the image', { input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 1, kernel: 3 }, { type: 'conv2d', filters: 1, kernel: 3 }, { type: 'conv2d', filters: 1, kernel: 3 }] }, undefined, /layer 2 \(conv2d\): a 3×3 filter with valid padding empties the 2×2 image/],
    ['strided convolution', { input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 1, stride: 2 }] }, undefined, /layer 1 \(conv2d\): stride 2×2/],
    ['conv after flatten', { input: [8, 8, 1], layers: [{ type: 'flatten' }, { type: 'conv2d', filters: 1 }] }, undefined, /layer 2 \(conv2d\): convolutions need image-shaped inputs/],
    ['an activation without a dual map', { input: [4], layers: [{ type: 'dense', units: 2, activation: 'tanh' }] }, undefined, /layer 1 \(dense\): activation 'tanh' has no infinite-width dual map/],
    ['input that does not match the rows', { input: [28, 28, 1], layers: [{ type: 'conv2d', filters: 1 }] }, [64], /"input" \[28, 28, 1\] holds 784 values per point, but the data rows have 64/],
    ['no input and no data', { layers: [{ type: 'conv2d', filters: 1 }] }, undefined, /no "input" shape/],
  ])('refuses %s before any work, naming the layer', (_what, a, dataShape, message) => {
    expect(err(a, dataShape)).toMatch(message)
  })

  it('unknown layer types and a misplaced readout are schema errors', () => {
    expect(NetArch.safeParse({ layers: [{ type: 'lstm' }] }).success).toBe(false)
    const r = NetArch.safeParse({ layers: [{ type: 'readout' }, { type: 'dense', units: 1 }] })
    expect(r.success).toBe(false)
    expect(JSON.stringify(r.error?.issues)).toMatch(/layer 1 \(readout\) must be the last layer/)
  })

  it('every preset is a valid kernel architecture on 8×8 and 32×32 images', () => {
    for (const p of ARCH_PRESETS) {
      for (const side of [8, 32]) expect(plan(p.arch, [side, side, 3]).steps.at(-1)!.outShape).toEqual([1])
    }
  })

  it('an FcArch is the same network written as layers', () => {
    const fc = FcArch.parse({ depth: 2, activation: { name: 'erf', a: 2, b: 1, c: 0 }, wStd: 1.3, bStd: 0.1 })
    const p = plan(fcToNet(fc), [5])
    expect(p.steps.map((s) => s.op)).toEqual(['dense', 'activation', 'dense', 'activation', 'dense'])
    expect(p.steps[1]).toMatchObject({ activation: { name: 'erf', a: 2, b: 1, c: 0 } })
    expect(p.steps.every((s) => s.op !== 'dense' || (s.wStd === 1.3 && s.bStd === 0.1))).toBe(true)
  })
})

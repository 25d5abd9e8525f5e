import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../electron/engine/runtime/backend'
import { NtkwFormatError, crc32, decodeNtkwWeights, unpackCodes } from '../../../resources/loader/ntkw-quantized.mjs'
import { packCodes } from '../../../electron/engine/quantize/bitpack'
import { writePacked } from '../../../electron/engine/quantize/export/packed'
import { converterQuantize, tfjsFromQuantized } from '../../../electron/engine/quantize/export/tfjs-manifest'
import { quantizeWeight } from '../../../electron/engine/quantize/quantize-weight'
import type { Granularity, Method, Scheme } from '../../../electron/engine/quantize/types'
import { UserError } from '../../../shared/errors'
import { gaussian } from './helpers'

beforeAll(async () => {
  await initBackend()
})

const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i])

describe('bit packing and checksum', () => {
  it('3-bit codes by hand: LSB first across byte boundaries', () => {
    // codes 1..7, 0 → bit stream (LSB first) 001 010 011 100 101 110 111 000 reversed per code
    const packed = packCodes([1, 2, 3, 4, 5, 6, 7, 0], 3)
    // byte0 = c0 | c1<<3 | (c2 & 3)<<6 = 1 | 16 | 192 = 209
    // byte1 = c2>>2 | c3<<1 | c4<<4 | (c5 & 1)<<7 = 0 | 8 | 80 | 0 = 88
    // byte2 = c5>>1 | c6<<2 | c7<<5 = 3 | 28 | 0 = 31
    expect(Array.from(packed)).toEqual([209, 88, 31])
    expect(Array.from(unpackCodes(packed, 3, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 0])
  })

  it('pack → unpack is the identity for every width 1..16', () => {
    for (let b = 1; b <= 16; b++) {
      const n = 1001
      const codes = Uint16Array.from({ length: n }, (_, i) => (i * 2654435761) % 2 ** b)
      const packed = packCodes(codes, b)
      expect(packed.length).toBe(Math.ceil((n * b) / 8))
      expect(Array.from(unpackCodes(packed, b, n))).toEqual(Array.from(codes))
    }
  })

  it('CRC-32 check value of "123456789" is 0xCBF43926', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
  })
})

describe('stock TF.js manifest entries decode to v·scale + min', () => {
  it('converter convention: scale = (max − min)/255, min nudged so 0 is exact; stock decodeWeights agrees', () => {
    const cases: [string, Float32Array][] = [
      ['mixed', gaussian(3000, 1, 0.3)],
      ['positive', Float32Array.from(gaussian(500, 2), (v) => Math.abs(v) + 0.5)],
      ['constant', new Float32Array(7).fill(0.25)],
    ]
    for (const dtype of ['uint8', 'uint16'] as const) {
      const qmax = dtype === 'uint8' ? 255 : 65535
      for (const [label, x] of cases) {
        const enc = converterQuantize(label, [x.length], x, dtype)
        const q = enc.spec.quantization!
        let lo = Infinity
        let hi = -Infinity
        for (const v of x) {
          lo = Math.min(lo, v)
          hi = Math.max(hi, v)
        }
        if (label === 'constant') {
          expect(q.scale).toBe(1)
          expect(q.min).toBe(lo)
        } else {
          expect(q.scale).toBe((hi - lo) / qmax)
          if (label === 'mixed') expect(q.min).toBe(-Math.round(-lo / q.scale!) * q.scale!)
          else expect(q.min).toBe(lo)
        }
        const stock = tf.io.decodeWeights(enc.bytes.slice().buffer, [enc.spec])[label]!
        const got = stock.dataSync() as Float32Array
        const codes = dtype === 'uint8' ? enc.bytes : new Uint16Array(enc.bytes.slice().buffer)
        for (let i = 0; i < x.length; i++) {
          expect(got[i]).toBe(Math.fround(codes[i]! * q.scale! + q.min!))
          expect(Math.abs(got[i]! - x[i]!)).toBeLessThanOrEqual(q.scale! / 2 + 1e-6)
        }
        expect(bitsEqual(got, enc.values)).toBe(true)
        stock.dispose()
      }
    }
  })

  it('a workbench grid (symmetric, MSE clipping) becomes scale = s, min = −z·s', () => {
    const x = gaussian(2000, 5, 0.1, 5, 10)
    const qw = quantizeWeight(x, [40, 50], { bits: 8, scheme: 'symmetric', granularity: { kind: 'tensor' }, calibration: { kind: 'mse' }, method: 'uniform' })
    const enc = tfjsFromQuantized('w', qw)
    expect(enc.spec.quantization).toEqual({ dtype: 'uint8', scale: qw.scales![0], min: -128 * qw.scales![0]! })
    const stock = tf.io.decodeWeights(enc.bytes.slice().buffer, [enc.spec]).w!
    const got = stock.dataSync() as Float32Array
    expect(bitsEqual(got, enc.values)).toBe(true)
    for (let i = 0; i < x.length; i++) expect(Math.abs(got[i]! - qw.values[i]!)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(got[i]!)))
    stock.dispose()
  })

  it('per-channel, sub-byte and codebook weights are refused with a hint naming --format ntkw', () => {
    const x = gaussian(64, 6)
    for (const [bits, method, g] of [
      [8, 'uniform', { kind: 'channel' }],
      [4, 'uniform', { kind: 'tensor' }],
      [8, 'kmeans', { kind: 'tensor' }],
    ] as [number, Method, Granularity][]) {
      const qw = quantizeWeight(x, [8, 8], { bits, scheme: 'affine', granularity: g, calibration: { kind: 'minmax' }, method })
      let err: unknown
      try {
        tfjsFromQuantized('w', qw)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(UserError)
      expect((err as UserError).hint).toContain('--format ntkw')
    }
  })
})

describe('packed format (ntkw-quantized) round trip', () => {
  const cases: [Method, Scheme, Granularity, number][] = []
  for (const bits of [2, 3, 4, 8]) {
    for (const g of [{ kind: 'tensor' }, { kind: 'channel' }, { kind: 'group', size: 32 }] as Granularity[]) {
      cases.push(['uniform', 'affine', g, bits], ['uniform', 'symmetric', g, bits], ['kmeans', 'symmetric', g, bits])
    }
    cases.push(['power', 'symmetric', { kind: 'channel' }, bits])
  }
  cases.push(['uniform', 'affine', { kind: 'channel' }, 16])

  it('codes, scales and dequantised values are bit-exact after write → decode, for every method × granularity × width', () => {
    const x = gaussian(64 * 24, 77, 0.2, 10, 4)
    const kernels = cases.map(([method, scheme, granularity, bits], i) => ({
      name: `layer_${i}/kernel`,
      q: quantizeWeight(x, [64, 24], { bits, scheme, granularity, calibration: { kind: i % 2 ? 'mse' : 'minmax' }, method }, { exponents: [0.5, 0.75] }),
    }))
    const bias = gaussian(24, 78)
    const { modelJson, weights } = writePacked({ class_name: 'Sequential' }, [
      ...kernels.map((k) => ({ name: k.name, kind: 'quantized' as const, q: k.q })),
      { name: 'bias', kind: 'float32', shape: [24], values: bias },
      { name: 'half', kind: 'float16', shape: [24], values: bias },
    ], 'test')
    const text = JSON.parse(JSON.stringify(modelJson)) as unknown
    const decoded = decodeNtkwWeights(text, weights.slice().buffer)
    kernels.forEach((k, i) => {
      expect(decoded[i]!.name).toBe(k.name)
      expect(decoded[i]!.shape).toEqual([64, 24])
      expect(bitsEqual(decoded[i]!.values, k.q.values)).toBe(true)
    })
    expect(bitsEqual(decoded.at(-2)!.values, bias)).toBe(true)
    decoded.at(-1)!.values.forEach((v, i) => expect(Math.abs(v - bias[i]!)).toBeLessThanOrEqual(Math.abs(bias[i]!) * 2 ** -11))
    // sizes: 2-bit per-tensor codes take n·2/8 bytes plus one scale
    const e0 = modelJson.ntkwQuantized.weights[0]!
    expect(e0.codes!.byteLength).toBe((64 * 24 * 2) / 8)
  })

  function damaged(mutate: (w: Uint8Array, json: Record<string, unknown>) => Uint8Array | void): NtkwFormatError {
    const x = gaussian(256, 3)
    const q = quantizeWeight(x, [16, 16], { bits: 4, scheme: 'affine', granularity: { kind: 'channel' }, calibration: { kind: 'minmax' }, method: 'uniform' })
    const { modelJson, weights } = writePacked({}, [{ name: 'dense/kernel', kind: 'quantized', q }], 'test')
    const json = JSON.parse(JSON.stringify(modelJson)) as Record<string, unknown>
    const w = weights.slice()
    const out = mutate(w, json) ?? w
    try {
      decodeNtkwWeights(json, out)
    } catch (e) {
      return e as NtkwFormatError
    }
    throw new Error('decode accepted a damaged file')
  }

  it('a corrupted, truncated or foreign weights file is a clear error', () => {
    const flipped = damaged((w) => {
      w[20]! ^= 0x10
    })
    expect(flipped).toBeInstanceOf(NtkwFormatError)
    expect(flipped.code).toBe('checksum')
    expect(flipped.message).toContain('dense/kernel')
    expect(damaged((w) => w.slice(0, w.length - 3)).code).toBe('truncated')
    expect(
      damaged((w) => {
        w[0] = 0x50
      }).code,
    ).toBe('bad_magic')
    expect(
      damaged((_, j) => {
        j.format = 'layers-model'
        j.weightsManifest = []
      }).message,
    ).toMatch(/stock TF\.js model/)
    expect(
      damaged((_, j) => {
        ;(j.ntkwQuantized as { version: number }).version = 9
      }).code,
    ).toBe('bad_version')
    expect(
      damaged((_, j) => {
        ;(j.ntkwQuantized as { weights: { bits: number }[] }).weights[0]!.bits = 3
      }).code,
    ).toBe('bad_manifest')
  })
})

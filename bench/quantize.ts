import { Xoshiro128 } from '../electron/engine/core/random'
import { lloydMax } from '../electron/engine/quantize/kmeans'
import { packCodes } from '../electron/engine/quantize/bitpack'
import { unpackCodes } from '../resources/loader/ntkw-quantized.mjs'
import { quantizeWeight } from '../electron/engine/quantize/quantize-weight'
import { QUICK, timeMs, type BenchResult } from './types'

// Quantizers against straightforward baselines in the same run, on a 784×256 Dense kernel (the MNIST MLP's
// first layer): Lloyd–Max by sorted prefix sums vs the textbook O(n·K) assignment loop; per-channel MSE
// clipping vs per-channel min-max (what the search costs); packed-code decode vs reading one byte per code.

function kernel(n: number, seed: number): Float32Array {
  return new Xoshiro128(seed).normals(n, 0.05)
}

function naiveLloyd(x: Float32Array, k: number, iterations: number): Float64Array {
  const sorted = Float64Array.from(x).sort()
  const c = Float64Array.from({ length: k }, (_, j) => sorted[Math.min(x.length - 1, Math.floor(((j + 0.5) / k) * x.length))]!)
  const sum = new Float64Array(k)
  const cnt = new Float64Array(k)
  for (let it = 0; it < iterations; it++) {
    sum.fill(0)
    cnt.fill(0)
    for (const v of x) {
      let best = 0
      for (let j = 1; j < k; j++) if (Math.abs(v - c[j]!) < Math.abs(v - c[best]!)) best = j
      sum[best]! += v
      cnt[best]! += 1
    }
    for (let j = 0; j < k; j++) if (cnt[j]! > 0) c[j] = sum[j]! / cnt[j]!
    c.sort()
  }
  return c
}

export async function run(): Promise<BenchResult[]> {
  const n = QUICK ? 784 * 64 : 784 * 256
  const w = kernel(n, 1)
  const out: BenchResult[] = []
  for (const bits of [3, 4]) {
    const k = 2 ** bits
    const its = lloydMax(w, k).iterations
    const ours = await timeMs(() => lloydMax(w, k))
    const base = await timeMs(() => naiveLloyd(w, k, its), 1, 0)
    out.push({ name: `lloyd-max ${bits}-bit, ${n} weights (${its} iterations)`, value: ours, unit: 'ms', baseline: { name: 'O(n·K) assignment loop, same iterations', value: base }, ratio: base / ours })
  }
  const shape = [n / 256 > 0 ? n / 256 : 1, 256]
  const spec = { bits: 4, scheme: 'symmetric' as const, granularity: { kind: 'channel' as const }, method: 'uniform' as const }
  const mse = await timeMs(() => quantizeWeight(w, shape, { ...spec, calibration: { kind: 'mse' } }))
  const mm = await timeMs(() => quantizeWeight(w, shape, { ...spec, calibration: { kind: 'minmax' } }))
  out.push({ name: `per-channel 4-bit MSE clipping search, ${n} weights`, value: mse, unit: 'ms', baseline: { name: 'per-channel min-max (no search)', value: mm }, ratio: mm / mse, meta: { ratioMeaning: 'min-max time / MSE time: the cost of the search' } })
  const codes = Uint16Array.from({ length: n }, (_, i) => (i * 7) % 16)
  const packed = packCodes(codes, 4)
  const bytes = Uint8Array.from(codes)
  const dec = await timeMs(() => unpackCodes(packed, 4, n))
  const plain = await timeMs(() => Uint16Array.from(bytes))
  out.push({ name: `unpack ${n} 4-bit codes`, value: dec, unit: 'ms', baseline: { name: 'copy of one byte per code', value: plain }, ratio: plain / dec, meta: { ratioMeaning: 'byte copy time / unpack time' } })
  return out
}

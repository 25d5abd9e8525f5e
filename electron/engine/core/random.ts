// The engine's one seeded random generator: weights, minibatch order, data splits, subsamples. It does not
// depend on tfjs RNG internals, so the same seed gives the same numbers on every backend and in every process.
// xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 2021; 32-bit
// state words, exact in JS integer arithmetic) seeded through a splitmix32 mixer; normals by Box–Muller.

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** Mixes a seed with a stream index, e.g. (network seed, Monte-Carlo sample) → an independent seed. */
export function deriveSeed(seed: number, stream: number): number {
  const a = splitmix32((seed ^ Math.imul(stream + 1, 0x27d4eb2d)) >>> 0)
  a()
  return a() & 0x7fffffff
}

export class Xoshiro128 {
  /** the state words s0..s3 as int32: the generator's arithmetic is on 32-bit words, exact in Math.imul and bit operations */
  private readonly s = new Int32Array(4)
  private spare: number | null = null

  constructor(seed: number) {
    const sm = splitmix32(seed)
    for (let i = 0; i < 4; i++) this.s[i] = sm()
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1
  }

  /** A generator with this exact state (the published reference vectors start from a given state). */
  static fromState(state: [number, number, number, number]): Xoshiro128 {
    const g = new Xoshiro128(0)
    for (let i = 0; i < 4; i++) g.s[i] = state[i]!
    return g
  }

  /** uniform 32-bit unsigned integer */
  nextU32(): number {
    return nextWord(this.s) >>> 0
  }

  /** uniform in (0, 1], 32 bits of resolution (never 0, so log() is finite) */
  uniform(): number {
    return (this.nextU32() + 1) / 4294967296
  }

  /** uniform in [0, 1) */
  next01(): number {
    return this.nextU32() / 4294967296
  }

  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.uniform() * n) % n
  }

  /** standard normal (Box–Muller, both outputs used) */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare
      this.spare = null
      return v
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()))
    const a = 2 * Math.PI * this.uniform()
    this.spare = r * Math.sin(a)
    return r * Math.cos(a)
  }

  /** `count` standard normals scaled by `std` */
  normals(count: number, std = 1): Float32Array {
    const out = new Float32Array(count)
    for (let i = 0; i < count; i++) out[i] = this.normal() * std
    return out
  }

  /**
   * `count` standard normals scaled by `std`, by the ziggurat method (Marsaglia & Tsang, "The Ziggurat
   * Method for Generating Random Variables", J. Stat. Softw. 2000; 128 layers on 32-bit draws): ~97 % of
   * draws cost one generator step, a multiply and a compare, where Box–Muller pays a log, a sin and a cos per
   * pair (see tests/unit/random.test.ts for the distribution checks and the stream's stored checksums). A
   * different stream from normals(): network weights are drawn with this one.
   */
  zigguratNormals(count: number, std = 1): Float32Array {
    const out = new Float32Array(count)
    zigguratFill(this.s, out, std)
    return out
  }

  /** Fisher–Yates permutation of 0..n-1 */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n)
    for (let i = 0; i < n; i++) p[i] = i
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = p[i]!
      p[i] = p[j]!
      p[j] = t
    }
    return p
  }
}

/** one xoshiro128** step on the state words: returns the output as int32 (>>> 0 for the unsigned value) */
function nextWord(s: Int32Array): number {
  const s0 = s[0]!
  const s1 = s[1]!
  const m = Math.imul(s1, 5)
  const result = Math.imul((m << 7) | (m >>> 25), 9)
  const s2 = s[2]! ^ s0
  const s3 = s[3]! ^ s1
  s[0] = s0 ^ s3
  s[1] = s1 ^ s2
  s[2] = s2 ^ (s1 << 9)
  s[3] = (s3 << 11) | (s3 >>> 21)
  return result
}

/**
 * out[i] ← std · (the ziggurat's i-th normal). The fast path keeps the state in locals (V8 then holds them in
 * registers as int32) and runs the generator step inline; the ~3 % of draws outside a layer's rectangle take
 * zigguratEdge on the state array.
 */
function zigguratFill(s: Int32Array, out: Float32Array, std: number): void {
  let s0 = s[0]!
  let s1 = s[1]!
  let s2 = s[2]!
  let s3 = s[3]!
  const count = out.length
  for (let i = 0; i < count; i++) {
    const m = Math.imul(s1, 5)
    const hz = Math.imul((m << 7) | (m >>> 25), 9)
    const t = s1 << 9
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 11) | (s3 >>> 21)
    const iz = hz & 127
    if (Math.abs(hz) < KN[iz]!) {
      out[i] = hz * WN[iz]! * std
      continue
    }
    s[0] = s0
    s[1] = s1
    s[2] = s2
    s[3] = s3
    out[i] = zigguratEdge(s, hz, iz) * std
    s0 = s[0]!
    s1 = s[1]!
    s2 = s[2]!
    s3 = s[3]!
  }
  s[0] = s0
  s[1] = s1
  s[2] = s2
  s[3] = s3
}

/** the slow path of the ziggurat: the wedge of layer iz, or the tail beyond R for the base layer */
function zigguratEdge(s: Int32Array, hz0: number, iz0: number): number {
  let hz = hz0
  let iz = iz0
  for (;;) {
    const x = hz * WN[iz]!
    if (iz === 0) {
      let tx: number
      let ty: number
      do {
        // uniforms in (0, 1], as Xoshiro128.uniform
        tx = -Math.log(((nextWord(s) >>> 0) + 1) / 4294967296) / ZIGGURAT_R
        ty = -Math.log(((nextWord(s) >>> 0) + 1) / 4294967296)
      } while (ty + ty < tx * tx)
      return hz > 0 ? ZIGGURAT_R + tx : -ZIGGURAT_R - tx
    }
    if (FN[iz]! + ((nextWord(s) >>> 0) / 4294967296) * (FN[iz - 1]! - FN[iz]!) < Math.exp(-0.5 * x * x)) return x
    hz = nextWord(s)
    iz = hz & 127
    if (Math.abs(hz) < KN[iz]!) return hz * WN[iz]!
  }
}

// Ziggurat tables (Marsaglia & Tsang 2000, §"RNOR"): R is where the tail starts, V each layer's area.
const ZIGGURAT_R = 3.442619855899
const ZIGGURAT_V = 9.91256303526217e-3
const KN = new Float64Array(128)
const WN = new Float64Array(128)
const FN = new Float64Array(128)
{
  const m1 = 2147483648
  let dn = ZIGGURAT_R
  let tn = dn
  const q = ZIGGURAT_V / Math.exp(-0.5 * dn * dn)
  KN[0] = (dn / q) * m1
  KN[1] = 0
  WN[0] = q / m1
  WN[127] = dn / m1
  FN[0] = 1
  FN[127] = Math.exp(-0.5 * dn * dn)
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIGGURAT_V / dn + Math.exp(-0.5 * dn * dn)))
    KN[i + 1] = (dn / tn) * m1
    tn = dn
    FN[i] = Math.exp(-0.5 * dn * dn)
    WN[i] = dn / m1
  }
}

/** A seeded stream of uniforms in [0, 1), for code that takes a `() => number`. */
export function uniformStream(seed: number): () => number {
  const g = new Xoshiro128(seed)
  return () => g.next01()
}

/** Fisher–Yates shuffle in place. */
export function shuffle<T extends { length: number; [i: number]: number }>(a: T, rand: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    const t = a[i]!
    a[i] = a[j]!
    a[j] = t
  }
  return a
}

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
  private s0: number
  private s1: number
  private s2: number
  private s3: number
  private spare: number | null = null

  constructor(seed: number) {
    const sm = splitmix32(seed)
    this.s0 = sm()
    this.s1 = sm()
    this.s2 = sm()
    this.s3 = sm()
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  /** A generator with this exact state (the published reference vectors start from a given state). */
  static fromState(state: [number, number, number, number]): Xoshiro128 {
    const g = new Xoshiro128(0)
    ;[g.s0, g.s1, g.s2, g.s3] = state.map((v) => v >>> 0) as [number, number, number, number]
    return g
  }

  /** uniform 32-bit unsigned integer */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0
    const t = this.s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
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
   * Method for Generating Random Variables", J. Stat. Softw. 2000; 128 layers on 32-bit draws): ~99 % of
   * draws cost one nextU32, a multiply and a compare, where Box–Muller pays a log, a sin and a cos per pair
   * (2.9 M network weights: ≈ 0.25 s → see tests/unit/random.test.ts for the distribution checks). A
   * different stream from normals(): network weights are drawn with this one.
   */
  zigguratNormals(count: number, std = 1): Float32Array {
    const { kn, wn } = zigguratTables()
    const out = new Float32Array(count)
    // nextU32 inlined on int32 locals (the fields hold uint32 doubles): ~20× faster per draw in V8
    let s0 = this.s0 | 0
    let s1 = this.s1 | 0
    let s2 = this.s2 | 0
    let s3 = this.s3 | 0
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
      if (Math.abs(hz) < kn[iz]!) {
        out[i] = hz * wn[iz]! * std
        continue
      }
      this.s0 = s0 >>> 0
      this.s1 = s1 >>> 0
      this.s2 = s2 >>> 0
      this.s3 = s3 >>> 0
      out[i] = this.zigguratEdge(hz, iz) * std
      s0 = this.s0 | 0
      s1 = this.s1 | 0
      s2 = this.s2 | 0
      s3 = this.s3 | 0
    }
    this.s0 = s0 >>> 0
    this.s1 = s1 >>> 0
    this.s2 = s2 >>> 0
    this.s3 = s3 >>> 0
    return out
  }

  /** the slow path of the ziggurat: the wedge of layer iz, or the tail beyond R for the base layer */
  private zigguratEdge(hz0: number, iz0: number): number {
    const { kn, wn, fn } = zigguratTables()
    let hz = hz0
    let iz = iz0
    for (;;) {
      const x = hz * wn[iz]!
      if (iz === 0) {
        let tx: number
        let ty: number
        do {
          tx = -Math.log(this.uniform()) / ZIGGURAT_R
          ty = -Math.log(this.uniform())
        } while (ty + ty < tx * tx)
        return hz > 0 ? ZIGGURAT_R + tx : -ZIGGURAT_R - tx
      }
      if (fn[iz]! + this.next01() * (fn[iz - 1]! - fn[iz]!) < Math.exp(-0.5 * x * x)) return x
      hz = this.nextU32() | 0
      iz = hz & 127
      if (Math.abs(hz) < kn[iz]!) return hz * wn[iz]!
    }
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

// Ziggurat tables (Marsaglia & Tsang 2000, §"RNOR"): R is where the tail starts, V each layer's area.
const ZIGGURAT_R = 3.442619855899
const ZIGGURAT_V = 9.91256303526217e-3
let tables: { kn: Float64Array; wn: Float64Array; fn: Float64Array } | null = null

function zigguratTables(): { kn: Float64Array; wn: Float64Array; fn: Float64Array } {
  if (tables) return tables
  const kn = new Float64Array(128)
  const wn = new Float64Array(128)
  const fn = new Float64Array(128)
  const m1 = 2147483648
  let dn = ZIGGURAT_R
  let tn = dn
  const q = ZIGGURAT_V / Math.exp(-0.5 * dn * dn)
  kn[0] = (dn / q) * m1
  kn[1] = 0
  wn[0] = q / m1
  wn[127] = dn / m1
  fn[0] = 1
  fn[127] = Math.exp(-0.5 * dn * dn)
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIGGURAT_V / dn + Math.exp(-0.5 * dn * dn)))
    kn[i + 1] = (dn / tn) * m1
    tn = dn
    fn[i] = Math.exp(-0.5 * dn * dn)
    wn[i] = dn / m1
  }
  tables = { kn, wn, fn }
  return tables
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
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

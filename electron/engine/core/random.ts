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

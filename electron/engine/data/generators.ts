import { uniformStream } from '../core/random'

// 2-D toy classification sets as in TF Playground / scikit-learn, seeded.

function gaussian(rand: () => number): () => number {
  // Box–Muller: z = √(−2 ln u₁) · cos(2π u₂)
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
}

export interface Points2D {
  x: Float32Array
  y: Int32Array
}

/**
 * Two moons (sklearn make_moons): class 0 on (cos t, sin t), class 1 on (1 − cos t, ½ − sin t),
 * t evenly spaced in [0, π], plus N(0, noise²) on each coordinate.
 */
export function twoMoons(n: number, noise: number, seed: number): Points2D {
  const rand = uniformStream(seed)
  const g = gaussian(rand)
  const x = new Float32Array(n * 2)
  const y = new Int32Array(n)
  const nOuter = Math.ceil(n / 2)
  for (let i = 0; i < n; i++) {
    const outer = i < nOuter
    const m = outer ? nOuter : n - nOuter
    const k = outer ? i : i - nOuter
    const t = m > 1 ? (Math.PI * k) / (m - 1) : 0
    x[2 * i] = (outer ? Math.cos(t) : 1 - Math.cos(t)) + noise * g()
    x[2 * i + 1] = (outer ? Math.sin(t) : 0.5 - Math.sin(t)) + noise * g()
    y[i] = outer ? 0 : 1
  }
  return { x, y }
}

/**
 * Two spirals (TF Playground): for point i of n per class, r = 5i/n, θ = 1.75 · 2π · i/n + δ with δ = 0
 * (class 0) or π (class 1); (r sin θ, r cos θ) plus N(0, noise²).
 */
export function twoSpirals(n: number, noise: number, seed: number): Points2D {
  const rand = uniformStream(seed)
  const g = gaussian(rand)
  const per = Math.floor(n / 2)
  const x = new Float32Array(per * 2 * 2)
  const y = new Int32Array(per * 2)
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < per; i++) {
      const r = (i / per) * 5
      const t = (1.75 * i * 2 * Math.PI) / per + c * Math.PI
      const k = c * per + i
      x[2 * k] = r * Math.sin(t) + noise * g()
      x[2 * k + 1] = r * Math.cos(t) + noise * g()
      y[k] = c
    }
  }
  return { x, y }
}

import type { KernelPlan } from '../../../shared/arch'

// An independent float64 reference for the spatial kernels, deliberately naive: every pair carries the
// full P×P covariance through every layer (no diagonal shortcut), the conv patch mean is the direct F²-offset
// sum (no separable passes), activations use Math.acos / Math.atan on the textbook closed forms. The tests
// check it against neural-tangents' fixtures, then the engine against it.

type Full = { h: number; w: number; s: Float64Array; t: Float64Array }

function dual(name: string, s: number, q1: number, q2: number): [number, number] {
  if (name === 'relu') {
    const n = Math.sqrt(q1 * q2)
    const c = Math.max(-1, Math.min(1, s / n))
    const th = Math.acos(c)
    return [(n * Math.sin(th) + (Math.PI - th) * s) / (2 * Math.PI), (Math.PI - th) / (2 * Math.PI)]
  }
  if (name === 'erf') {
    const d = Math.sqrt((1 + 2 * q1) * (1 + 2 * q2))
    return [(2 / Math.PI) * Math.asin((2 * s) / d), (4 / Math.PI) / Math.sqrt(d * d - 4 * s * s)]
  }
  if (name === 'gelu') {
    // Tsuchida et al. 2020 via E[φ(u)φ(v)] for φ(x) = xΦ(x); checked against the fixtures
    const pp = (1 + q1) * (1 + q2)
    const d2 = pp - s * s
    const d = Math.sqrt(d2)
    const a = Math.atan(s / d)
    const t = s / 4 + ((s * s + q1 * q2 * d2) / (pp * d) + s * a) / (2 * Math.PI)
    const dt = 0.25 + a / (2 * Math.PI) + (s / (2 * Math.PI * d)) * (1 / d2 + (1 - q1 * q2) / pp + 1)
    return [t, dt]
  }
  throw new Error(name)
}

export function referenceKernels(plan: KernelPlan, x: Float32Array[]): { nngp: number[][]; ntk: number[][] } {
  const n = x.length
  const [h0, w0, c0] = plan.input.length === 3 ? plan.input : [1, 1, plan.input[0]!]
  const P0 = h0! * w0!
  const st: Full[][] = []
  for (let a = 0; a < n; a++) {
    st.push([])
    for (let b = 0; b < n; b++) {
      const s = new Float64Array(P0 * P0)
      for (let i = 0; i < P0; i++) for (let j = 0; j < P0; j++) {
        let acc = 0
        for (let k = 0; k < c0!; k++) acc += x[a]![i * c0! + k]! * x[b]![j * c0! + k]!
        s[i * P0 + j] = acc / c0!
      }
      st[a]!.push({ h: h0!, w: w0!, s, t: new Float64Array(P0 * P0) })
    }
  }
  for (const step of plan.steps) {
    const next: Full[][] = st.map((row, a) =>
      row.map((f, b) => {
        if (b < a) return f // symmetric: filled from (b, a) below
        const P = f.h * f.w
        if (step.op === 'conv') {
          const [fh, fw] = step.size
          const same = step.padding === 'same'
          const oh = same ? f.h : f.h - fh + 1
          const ow = same ? f.w : f.w - fw + 1
          const ph = same ? (fh - 1) >> 1 : 0
          const pw = same ? (fw - 1) >> 1 : 0
          const O = oh * ow
          const s = new Float64Array(O * O)
          const t = new Float64Array(O * O)
          const w2 = step.wStd ** 2
          const b2 = step.bStd === null ? 0 : step.bStd ** 2
          for (let i = 0; i < O; i++) for (let j = 0; j < O; j++) {
            let as = 0
            let at = 0
            const yi = Math.floor(i / ow), xi = i % ow, yj = Math.floor(j / ow), xj = j % ow
            for (let dy = 0; dy < fh; dy++) for (let dx = 0; dx < fw; dx++) {
              const iy = yi + dy - ph, ix = xi + dx - pw
              const jy = yj + dy - ph, jx = xj + dx - pw
              if (iy < 0 || ix < 0 || jy < 0 || jx < 0 || iy >= f.h || jy >= f.h || ix >= f.w || jx >= f.w) continue
              as += f.s[(iy * f.w + ix) * P + jy * f.w + jx]!
              at += f.t[(iy * f.w + ix) * P + jy * f.w + jx]!
            }
            s[i * O + j] = (w2 * as) / (fh * fw) + b2
            t[i * O + j] = (w2 * at) / (fh * fw) + s[i * O + j]!
          }
          return { h: oh, w: ow, s, t }
        }
        if (step.op === 'dense') {
          const w2 = step.wStd ** 2
          const b2 = step.bStd === null ? 0 : step.bStd ** 2
          const s = Float64Array.of(w2 * f.s[0]! + b2)
          return { h: 1, w: 1, s, t: Float64Array.of(w2 * f.t[0]! + s[0]!) }
        }
        if (step.op === 'activation') {
          const qa = st[a]![a]!.s
          const qb = st[b]![b]!.s
          const s = new Float64Array(P * P)
          const t = new Float64Array(P * P)
          for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
            const [T, dT] = dual(step.activation.name, f.s[i * P + j]!, qa[i * P + i]!, qb[j * P + j]!)
            s[i * P + j] = T
            t[i * P + j] = f.t[i * P + j]! * dT
          }
          return { h: f.h, w: f.w, s, t }
        }
        if (step.op === 'avgpool') {
          const [ph, pw] = step.pool
          const oh = Math.floor(f.h / ph), ow = Math.floor(f.w / pw), O = oh * ow
          const s = new Float64Array(O * O)
          const t = new Float64Array(O * O)
          for (let I = 0; I < O; I++) for (let J = 0; J < O; J++) {
            let as = 0, at = 0
            for (let u = 0; u < ph * pw; u++) for (let v = 0; v < ph * pw; v++) {
              const i = (Math.floor(I / ow) * ph + Math.floor(u / pw)) * f.w + (I % ow) * pw + (u % pw)
              const j = (Math.floor(J / ow) * ph + Math.floor(v / pw)) * f.w + (J % ow) * pw + (v % pw)
              as += f.s[i * P + j]!
              at += f.t[i * P + j]!
            }
            s[I * O + J] = as / (ph * pw) ** 2
            t[I * O + J] = at / (ph * pw) ** 2
          }
          return { h: oh, w: ow, s, t }
        }
        if (step.op === 'globalavgpool') {
          let as = 0, at = 0
          for (let k = 0; k < P * P; k++) { as += f.s[k]!; at += f.t[k]! }
          return { h: 1, w: 1, s: Float64Array.of(as / (P * P)), t: Float64Array.of(at / (P * P)) }
        }
        // flatten: mean of the spatial diagonal
        let as = 0, at = 0
        for (let i = 0; i < P; i++) { as += f.s[i * P + i]!; at += f.t[i * P + i]! }
        return { h: 1, w: 1, s: Float64Array.of(as / P), t: Float64Array.of(at / P) }
      }),
    )
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) st[a]![b] = b < a ? next[b]![a]! : next[a]![b]!
  }
  return { nngp: st.map((r) => r.map((f) => f.s[0]!)), ntk: st.map((r) => r.map((f) => f.t[0]!)) }
}

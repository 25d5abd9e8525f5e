import * as tf from '@tensorflow/tfjs-core'
import { activationUsage, KIP_ACTIVATION_NAMES, type ActivationSpec } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { abReluShape } from './abrelu-shape'

/** Gradients of a scalar loss with respect to the inputs of a dual map (q1 [rows,1], q2 [1,cols]). */
export interface DualGrads {
  gs: tf.Tensor2D
  gq1: tf.Tensor2D | null
  gq2: tf.Tensor2D | null
}

/**
 * An activation's dual maps with their hand-derived vector–Jacobian products (tfjs-core's Node bundle
 * registers no gradients, and the derivatives are short): T, Ṫ on a tile and q ← T(q, q, q).
 */
export interface DifferentiableActivation {
  dual(s: tf.Tensor2D, q1: tf.Tensor2D, q2: tf.Tensor2D, pin: tf.Tensor2D | null): { t: tf.Tensor2D; tDot: tf.Tensor }
  /** ∂/∂(Σ, q1, q2) of Σ gT·T + gTd·Ṫ */
  dualVjp(s: tf.Tensor2D, q1: tf.Tensor2D, q2: tf.Tensor2D, pin: tf.Tensor2D | null, gT: tf.Tensor2D, gTd: tf.Tensor2D | null): DualGrads
  diag(q: tf.Tensor2D): tf.Tensor2D
  /** ∂q_new/∂q elementwise */
  diagDerivative(q: tf.Tensor2D): tf.Tensor2D | number
}

/** Sums a rows×cols product gradient onto q1 [rows,1] and q2 [1,cols] for prod = q1·q2. */
function productGrads(gProd: tf.Tensor2D, q1: tf.Tensor2D, q2: tf.Tensor2D): { gq1: tf.Tensor2D; gq2: tf.Tensor2D } {
  return { gq1: tf.sum(tf.mul(gProd, q2), 1, true) as tf.Tensor2D, gq2: tf.sum(tf.mul(gProd, q1), 0, true) as tf.Tensor2D }
}

// Floor on q1q2 − Σ² relative to q1q2. The float32 rounding of that difference is ≈ 1e-7 relative, so
// below the floor it is noise, not geometry. 1e-9 measured best in the coincident-point test (1e-7 biases
// the kernel at coincident pairs by ≈ 1.5e-4 relative; 1e-14 lets rounding noise through: 5e-4)
const ROOT_FLOOR = 1e-9

// ABReLU(a, b) in the gradient-safe form (KIP differentiates the kernel in its inputs: Nguyen, Chen & Lee,
// "Dataset Meta-Learning from Kernel Ridge-Regression", ICLR 2021; d/dc acos(c) = −1/√(1 − c²) is
// infinite at c = ±1, i.e. whenever a support point equals a target point or itself):
//   u = max(q1q2 − Σ², δ·q1q2),  r = √u,  θ = atan2(r, Σ),  f = (a − b)²/(2π),  k0 = (a² + b²)/2
//   Ṫ = k0 − f θ,   T = f r + Ṫ Σ
// r ≥ √(δ q1q2) > 0 and r² + Σ² ≥ q1q2, so every derivative below is bounded. On a self-kernel diagonal
// (`pin` = 1) θ and r are exactly 0, as in the engine's exact kernel.
function abReluSafe(a: number, b: number): DifferentiableActivation {
  const f = ((a - b) * (a - b)) / (2 * Math.PI)
  const k0 = (a * a + b * b) / 2
  const parts = (s: tf.Tensor2D, q1: tf.Tensor2D, q2: tf.Tensor2D) => {
    const prod = tf.mul(q1, q2)
    const gap = tf.sub(prod, tf.mul(s, s))
    const floor = tf.mul(prod, ROOT_FLOOR)
    const u = tf.maximum(gap, floor)
    const r = tf.sqrt(u)
    return { prod, gap, floor, u, r, theta: tf.atan2(r, s) }
  }
  return {
    dual: (s, q1, q2, pin) => {
      if (f === 0) return { t: tf.mul(s, k0) as tf.Tensor2D, tDot: tf.scalar(k0) }
      let { r, theta } = parts(s, q1, q2)
      if (pin) {
        const off = tf.sub(1, pin)
        r = tf.mul(r, off)
        theta = tf.mul(theta, off)
      }
      const tDot = tf.sub(k0, tf.mul(theta, f))
      return { t: tf.add(tf.mul(r, f), tf.mul(tDot, s)) as tf.Tensor2D, tDot }
    },
    dualVjp: (s, q1, q2, pin, gT, gTd) => {
      if (f === 0) return { gs: tf.mul(gT, k0) as tf.Tensor2D, gq1: null, gq2: null }
      const { gap, floor, u, r, theta } = parts(s, q1, q2)
      const off = pin ? tf.sub(1, pin) : null
      const tDot = tf.sub(k0, tf.mul(off ? tf.mul(theta, off) : theta, f))
      // T = f r + Ṫ Σ, Ṫ = k0 − f θ
      let gTheta = tf.mul(gTd ? tf.add(gTd, tf.mul(gT, s)) : tf.mul(gT, s), -f)
      let gR = tf.mul(gT, f)
      if (off) {
        gTheta = tf.mul(gTheta, off)
        gR = tf.mul(gR, off)
      }
      // θ = atan2(r, Σ): ∂θ/∂r = Σ/(r² + Σ²), ∂θ/∂Σ = −r/(r² + Σ²)
      const invH = tf.reciprocal(tf.add(u, tf.mul(s, s)))
      gR = tf.add(gR, tf.mul(tf.mul(gTheta, s), invH))
      let gs = tf.sub(tf.mul(gT, tDot), tf.mul(tf.mul(gTheta, r), invH))
      // r = √u, u = max(q1q2 − Σ², δ q1q2)
      const gU = tf.div(tf.mul(gR, 0.5), r)
      const open = tf.cast(tf.greaterEqual(gap, floor), 'float32')
      gs = tf.sub(gs, tf.mul(tf.mul(tf.mul(gU, open), s), 2))
      const gProd = tf.mul(gU, tf.add(open, tf.mul(tf.sub(1, open), ROOT_FLOOR))) as tf.Tensor2D
      return { gs: gs as tf.Tensor2D, ...productGrads(gProd, q1, q2) }
    },
    diag: (q) => tf.mul(q, k0) as tf.Tensor2D,
    diagDerivative: () => k0,
  }
}

// a·erf(b·x) + c (closed form, Williams 1997, as in neural-tangents stax.Erf). With Σ', q' = b²Σ, b²q,
// P = (1 + 2q1')(1 + 2q2'), D = P − 4Σ'² (≥ 1 + 2q1' + 2q2' > 0), ρ = D^(−½):
//   T = (2/π) a² atan(2Σ'ρ) + c²,  Ṫ = (4/π) a² b² ρ,  q ← (2/π) a² atan2(q', √(q' + ¼)) + c²
function erfDifferentiable(a: number, b: number, c: number): DifferentiableActivation {
  const b2 = b * b
  const parts = (s: tf.Tensor2D, q1: tf.Tensor2D, q2: tf.Tensor2D) => {
    const sp = tf.mul(s, b2)
    const p1 = tf.add(tf.mul(q1, 2 * b2), 1)
    const p2 = tf.add(tf.mul(q2, 2 * b2), 1)
    const dd = tf.sub(tf.mul(p1, p2), tf.mul(tf.mul(sp, sp), 4))
    const rho = tf.rsqrt(dd)
    return { sp, p1, p2, rho, z: tf.mul(tf.mul(sp, rho), 2) }
  }
  return {
    dual: (s, q1, q2) => {
      const { rho, z } = parts(s, q1, q2)
      const t0 = tf.mul(tf.atan(z), (2 / Math.PI) * a * a)
      return { t: (c === 0 ? t0 : tf.add(t0, c * c)) as tf.Tensor2D, tDot: tf.mul(rho, (4 / Math.PI) * a * a * b2) }
    },
    dualVjp: (s, q1, q2, _pin, gT, gTd) => {
      const { sp, p1, p2, rho, z } = parts(s, q1, q2)
      const gZ = tf.div(tf.mul(gT, (2 / Math.PI) * a * a), tf.add(tf.mul(z, z), 1))
      let gRho = tf.mul(gZ, tf.mul(sp, 2))
      if (gTd) gRho = tf.add(gRho, tf.mul(gTd, (4 / Math.PI) * a * a * b2))
      const gD = tf.mul(tf.mul(gRho, tf.mul(tf.mul(rho, rho), rho)), -0.5)
      const gSp = tf.sub(tf.mul(gZ, tf.mul(rho, 2)), tf.mul(tf.mul(gD, sp), 8))
      return {
        gs: tf.mul(gSp, b2) as tf.Tensor2D,
        gq1: tf.mul(tf.sum(tf.mul(gD, p2), 1, true), 2 * b2) as tf.Tensor2D,
        gq2: tf.mul(tf.sum(tf.mul(gD, p1), 0, true), 2 * b2) as tf.Tensor2D,
      }
    },
    diag: (q) => {
      const qb = tf.mul(q, b2)
      return tf.add(tf.mul(tf.atan2(qb, tf.sqrt(tf.add(qb, 0.25))), (2 / Math.PI) * a * a), c * c) as tf.Tensor2D
    },
    // d/dx atan2(x, y(x)), y = √(x + ¼): (y − x/(2y))/(x² + y²)
    diagDerivative: (q) => {
      const x = tf.mul(q, b2)
      const y = tf.sqrt(tf.add(x, 0.25))
      const num = tf.sub(y, tf.div(x, tf.mul(y, 2)))
      return tf.mul(tf.div(num, tf.add(tf.mul(x, x), tf.add(x, 0.25))), (2 / Math.PI) * a * a * b2) as tf.Tensor2D
    },
  }
}

function identityDifferentiable(): DifferentiableActivation {
  return {
    dual: (s) => ({ t: s, tDot: tf.scalar(1) }),
    dualVjp: (_s, _q1, _q2, _pin, gT) => ({ gs: gT, gq1: null, gq2: null }),
    diag: (q) => q,
    diagDerivative: () => 1,
  }
}

/** the activations whose dual maps have VJPs here (the vocabulary's `differentiable` flag) */
export const KIP_ACTIVATIONS = KIP_ACTIVATION_NAMES

/** The differentiable dual maps of an activation, for the activations KIP supports. */
export function differentiableActivation(spec: ActivationSpec): DifferentiableActivation {
  const shape = abReluShape(spec)
  if (shape) return abReluSafe(shape.a, shape.b)
  switch (spec.name) {
    case 'erf':
      return erfDifferentiable(spec.a, spec.b, spec.c)
    case 'identity':
      return identityDifferentiable()
    default:
      throw new UserError(
        'kip_activation',
        `KIP cannot use the activation '${spec.name}' yet: its kernel gradient is not derived`,
        `Use one of: ${activationUsage(KIP_ACTIVATIONS)} (erf is a smooth alternative to gelu/sin).`,
      )
  }
}

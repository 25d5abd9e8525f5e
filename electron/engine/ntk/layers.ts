import * as tf from '@tensorflow/tfjs-core'
import type { FcArch } from '../../../shared/arch'
import { UserError } from '../../../shared/errors'
import { activationKernel } from '../activations/index'
import type { ActivationKernel } from '../activations/types'
import { fusedFcPlan, type FusedFcPlan } from './fc-fused'
import { advance, type KernelState } from './state'

// stax-style composition: each layer maps a KernelState to the next; serial() chains them.
export interface KernelLayer {
  readonly name: string
  apply(s: KernelState): KernelState
  /** the same network as one fused per-entry loop (ntk/fc-fused.ts), when it is of that family */
  readonly fused?: FusedFcPlan
}

export interface DenseOptions {
  wStd: number
  /** null: no bias */
  bStd: number | null
  parameterization: 'ntk' | 'standard'
  /** width of this layer's output ('inf' for the infinite-width hidden layers) */
  outWidth: number | 'inf'
  /** the weight is a product U Vᵀ of two trained factors (low-rank layer, nn/low-rank.ts), in the limit r → ∞ */
  factorised?: boolean
}

// Dense(σ_w, σ_b) (docs/math.md §1): Σ ← σ_w² Σ + σ_b² (same on q1, q2);
//   NTK parameterization:      Θ ← Σ_new + σ_w² Θ;
//   standard parameterization: Θ ← n_in Σ_old + σ_w² Θ (+ 1 with bias), n_in the input width.
// Factorised W = c U Vᵀ (Ailon & Shit 2022; docs/math.md §5): each factor's gradients give the weight term
// σ_w² Σ_old once as the rank r → ∞, so Θ ← Σ_new + σ_w² Σ_old + σ_w² Θ = 2 Σ_new − σ_b² + σ_w² Θ.
export function dense(o: DenseOptions): KernelLayer {
  if (o.factorised && o.parameterization !== 'ntk') throw new UserError('low_rank_parameterization', 'low-rank layers are implemented in the NTK parameterization', 'Use parameterization ntk.')
  const w2 = o.wStd * o.wStd
  const b2 = o.bStd === null ? 0 : o.bStd * o.bStd
  const affine = <T extends tf.Tensor>(t: T): T => {
    if (w2 === 1 && b2 === 0) return t
    return (b2 === 0 ? tf.mul(t, w2) : tf.add(tf.mul(t, w2), b2)) as T
  }
  return {
    name: `dense(${o.wStd}, ${o.bStd ?? 'none'}, ${o.parameterization})`,
    apply: (s) =>
      advance(s, (st) => {
        const nngp = affine(st.nngp)
        let ntk: tf.Tensor2D | null = null
        if (st.trackNtk) {
          const scaledOld = st.ntk ? (w2 === 1 ? st.ntk : tf.mul(st.ntk, w2)) : null
          if (o.parameterization === 'ntk') {
            const params = o.factorised ? (tf.sub(tf.mul(nngp, 2), b2) as tf.Tensor2D) : nngp
            ntk = scaledOld ? (tf.add(params, scaledOld) as tf.Tensor2D) : params
          } else {
            if (st.width === 'inf') {
              throw new UserError(
                'standard_needs_width',
                'the standard-parameterization NTK grows with the hidden width, so it needs a finite width',
                'Give the hidden width (--width W, or arch.width in the job spec), or use --parameterization ntk, or --kind nngp.',
              )
            }
            let t = tf.mul(st.nngp, st.width) as tf.Tensor2D
            if (scaledOld) t = tf.add(t, scaledOld) as tf.Tensor2D
            if (o.bStd !== null) t = tf.add(t, 1) as tf.Tensor2D
            ntk = t
          }
        }
        return { ...st, nngp, ntk, q1: affine(st.q1), q2: affine(st.q2), width: o.outWidth }
      }),
  }
}

// Activation φ (docs/math.md §1): Σ ← T(Σ, q1, q2), q ← T(q, q, q), Θ ← Θ · Ṫ(Σ, q1, q2).
export function activation(act: ActivationKernel): KernelLayer {
  return {
    name: act.name,
    apply: (s) =>
      advance(s, (st) => {
        const needDot = st.trackNtk && st.ntk !== null
        const { t, tDot } = act.dual({ s: st.nngp, q1: st.q1, q2: st.q2, pin: st.pin }, needDot)
        const ntk = needDot ? (tf.mul(st.ntk!, tDot!) as tf.Tensor2D) : st.ntk
        return { ...st, nngp: t, ntk, q1: act.diag(st.q1), q2: act.diag(st.q2) }
      }),
  }
}

export function serial(...layers: KernelLayer[]): KernelLayer {
  return {
    name: `serial(${layers.map((l) => l.name).join(', ')})`,
    apply: (s) => layers.reduce((st, layer) => layer.apply(st), s),
  }
}

/**
 * `depth` × (Dense → φ), then the Dense readout: the network of an FcArch (docs/math.md §1). lowRankHidden:
 * the hidden Dense layers are factorised (their r → ∞ limit), the readout stays full.
 */
export function fcLayers(arch: FcArch, act: ActivationKernel = activationKernel(arch.activation), opts: { lowRankHidden?: boolean } = {}): KernelLayer {
  const denseOf = (outWidth: number | 'inf', factorised: boolean): KernelLayer =>
    dense({ wStd: arch.wStd, bStd: arch.bStd ?? null, parameterization: arch.parameterization, outWidth, factorised })
  const layers: KernelLayer[] = []
  for (let l = 0; l < arch.depth; l++) layers.push(denseOf(arch.width, opts.lowRankHidden === true), activation(act))
  layers.push(denseOf(1, false))
  const fused = act.abRelu ? fusedFcPlan(arch, act.abRelu, opts.lowRankHidden === true) : null
  return fused ? { ...serial(...layers), fused } : serial(...layers)
}

import type { ActivationSpec } from '../../../shared/arch'

/**
 * The ABReLU shape (a, b) of an activation, φ(x) = b·max(x, 0) − a·max(−x, 0) (ReLU, |x|, leaky ReLU, ABReLU:
 * activations/abrelu.ts), or null outside that family: what activationKernel(spec).abRelu is,
 * without building the activation's tfjs ops (a kernel worker computing fused tiles needs only this).
 */
export function abReluShape(spec: ActivationSpec): { a: number; b: number } | null {
  switch (spec.name) {
    case 'relu':
      return { a: 0, b: 1 }
    case 'abs':
      return { a: -1, b: 1 }
    case 'leaky_relu':
      return { a: spec.alpha, b: 1 }
    case 'abrelu':
      return { a: spec.a, b: spec.b }
    default:
      return null
  }
}

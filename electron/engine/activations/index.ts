import * as tf from '@tensorflow/tfjs-core'
import type { ActivationSpec } from '../../../shared/arch'
import { abRelu, abs, leakyRelu } from './abrelu'
import { erf } from './erf'
import { gelu } from './gelu'
import { identity } from './identity'
import { relu } from './relu'
import { sin } from './sin'
import type { ActivationKernel } from './types'

export type { ActivationKernel, DualMaps, PairTile } from './types'
export { quadrature, tanhQuadrature, DEFAULT_QUADRATURE_DEGREE } from './quadrature'
export { gaussHermite } from './hermite'

/** The activation module for a spec: forward φ, φ′ and the infinite-width dual maps. */
export function activationKernel(spec: ActivationSpec): ActivationKernel {
  switch (spec.name) {
    case 'relu':
      return relu()
    case 'identity':
      return identity()
    case 'abs':
      return abs()
    case 'gelu':
      return gelu()
    case 'sin':
      return sin()
    case 'leaky_relu':
      return leakyRelu(spec.alpha)
    case 'abrelu':
      return abRelu(spec.a, spec.b)
    case 'erf':
      return erf(spec.a, spec.b, spec.c)
  }
}

/** Forward φ as a tfjs op, for finite-width networks (nn/). */
export function activationFn(spec: ActivationSpec): (x: tf.Tensor) => tf.Tensor {
  return activationKernel(spec).phi
}

/** φ′ as a tfjs op (a.e. at kinks), for backprop-free NTK layerwise formulas. */
export function activationDerivative(spec: ActivationSpec): (x: tf.Tensor) => tf.Tensor {
  return activationKernel(spec).dphi
}

export { relu } from './relu'
export { abRelu, leakyRelu, abs } from './abrelu'
export { erf } from './erf'
export { gelu } from './gelu'
export { sin } from './sin'
export { identity } from './identity'
